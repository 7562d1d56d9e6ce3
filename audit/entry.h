/*
 * One log entry as JSON, and typed access to its fields. Every getter checks
 * the field's type, length and encoding and, when it does not hold, reports
 * a malformed-entry problem naming the field (and returns SYM_ERR_VERIFY).
 * `obj` is the object the field is in (NULL: the entry itself); `path` names
 * it in messages ("batches[2]", or NULL for the entry).
 */
#ifndef SYMBI_AUDIT_ENTRY_H
#define SYMBI_AUDIT_ENTRY_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "audit.h"

struct audit_entry {
	json_t *obj;
	uint64_t index;
	const char *kind;
	uint64_t at_ms;
	struct audit_problem *p;
};

/*
 * Parse one line: a JSON object (no duplicate keys) in the canonical form
 * (compact, sorted keys; re-serializing gives the same bytes), "v": 1,
 * "kind" a string, "at_ms" an integer >= 0. e->obj must be released with
 * audit_entry_clear.
 */
int audit_entry_parse(const uint8_t *line, size_t len, uint64_t index, struct audit_problem *p,
                      struct audit_entry *e) __attribute__((warn_unused_result));
void audit_entry_clear(struct audit_entry *e);

/* The object has exactly these keys (plus v, kind, at_ms for the entry itself). */
int audit_entry_keys(const struct audit_entry *e, json_t *obj, const char *path,
                     const char *const *keys, size_t n) __attribute__((warn_unused_result));

int audit_entry_hex(const struct audit_entry *e, json_t *obj, const char *path, const char *key,
                    uint8_t *out, size_t len) __attribute__((warn_unused_result));
/* A company id (cert.h member_id_valid). */
int audit_entry_id(const struct audit_entry *e, json_t *obj, const char *path, const char *key,
                   char out[MEMBER_ID_MAX + 1]) __attribute__((warn_unused_result));
int audit_entry_string(const struct audit_entry *e, json_t *obj, const char *path, const char *key,
                       size_t max, const char **out) __attribute__((warn_unused_result));
int audit_entry_b64(const struct audit_entry *e, json_t *obj, const char *path, const char *key,
                    size_t max, uint8_t **out, size_t *out_len) __attribute__((warn_unused_result));
int audit_entry_uint(const struct audit_entry *e, json_t *obj, const char *path, const char *key,
                     uint64_t *out) __attribute__((warn_unused_result));
int audit_entry_bool(const struct audit_entry *e, json_t *obj, const char *path, const char *key,
                     int *out) __attribute__((warn_unused_result));
/* An array of at most max elements. */
int audit_entry_array(const struct audit_entry *e, json_t *obj, const char *path, const char *key,
                      size_t max, json_t **out) __attribute__((warn_unused_result));
/* Element i of an array is an object, named "key[i]" in messages (path_out). */
int audit_entry_element(const struct audit_entry *e, json_t *arr, const char *key, size_t i,
                        json_t **out, char *path_out, size_t cap)
    __attribute__((warn_unused_result));

#endif
