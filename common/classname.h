/*
 * Indicator classes (INDICATORS.md): a category's first two taxonomy levels
 * ("material.ash" of "material.ash.fly_ash") or a top level ("material").
 * A company that agrees to show its exchange in the park's diagram names the
 * exchange's two-level class in its consent (`symbi accept --publish`); the
 * coordinator, its auditors and the report check the name's form here.
 */
#ifndef SYMBI_CLASSNAME_H
#define SYMBI_CLASSNAME_H

#include <stddef.h>

/* Longest class name, with its NUL (STORE_CLASS_MAX in the store). */
#define CLASS_NAME_MAX 64

/*
 * 1 when s is a class of 1..levels_max levels: labels of [a-z0-9_], each
 * starting with a letter, joined by dots, shorter than CLASS_NAME_MAX.
 */
int class_name_ok(const char *s, int levels_max);

/*
 * The two-level class of a category path into out. SYM_ERR_RANGE when the
 * path has a single level (a need at a top level names no second level),
 * SYM_ERR_FORMAT when it is no category path.
 */
int class_of_category(const char *path, char out[CLASS_NAME_MAX]);

#endif
