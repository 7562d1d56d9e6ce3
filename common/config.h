/*
 * A small, strict reader for configuration files:
 *
 *   # a comment, on a line of its own
 *   heartbeat_ms = 10000
 *   dir = /var/lib/symbiod
 *
 * One `key = value` per line; blank lines and lines whose first non-blank
 * character is `#` are ignored. Whitespace around keys and values is
 * dropped; values are taken as written (no quotes, no escapes, no trailing
 * comments). Unknown keys, a key set twice, a line without `=`, an empty
 * value and a value its key does not accept are errors whose message names
 * the file, the line and the key. Files larger than CONFIG_FILE_MAX are
 * refused.
 *
 * Each program declares its keys in a table of struct config_key, pointing
 * at the fields to fill; the fields hold the defaults before parsing.
 */
#ifndef SYMBI_CONFIG_H
#define SYMBI_CONFIG_H

#include <stddef.h>
#include <stdio.h>

#include "err.h"

#define CONFIG_FILE_MAX (64u << 10)

enum config_type {
	CONFIG_STRING, /* field: char[size], NUL-terminated */
	CONFIG_INT,    /* field: int, in min..max */
	CONFIG_ENUM,   /* field: int, the index of the value in choices */
};

struct config_key {
	const char *name; /* [a-z0-9_]+ */
	enum config_type type;
	void *field;
	size_t size;                             /* CONFIG_STRING: sizeof the buffer */
	long min, max;                           /* CONFIG_INT: the allowed range */
	const char *const *choices;              /* CONFIG_ENUM: NULL-terminated */
	const char *(*check)(const char *value); /* CONFIG_STRING, optional: NULL or why not */
	const char *help;                        /* one line, for --help and examples */
	const char *unset;                       /* what applies while the field is empty */
};

/*
 * Parse the file at path and set the fields of the keys it names. On any
 * error no field is changed and diag says "PATH: line N: key "K": why".
 * Returns SYM_OK; SYM_ERR_NOT_FOUND if there is no such file; SYM_ERR_LIMIT
 * if it is larger than CONFIG_FILE_MAX; SYM_ERR_FORMAT for a line that is
 * not `key = value`, an unknown or repeated key; SYM_ERR_RANGE for a value
 * its key does not accept; SYM_ERR_PERM or SYM_ERR_IO if it cannot be read.
 */
int config_load(const char *path, const struct config_key *keys, size_t nkeys,
                struct sym_diag *diag) __attribute__((warn_unused_result));

/* The same for text in memory; path only names it in messages. */
int config_parse(const char *path, const char *buf, size_t len, const struct config_key *keys,
                 size_t nkeys, struct sym_diag *diag) __attribute__((warn_unused_result));

/*
 * The settings as a configuration file that config_parse accepts: with
 * help set, each key's description as a comment above it and every setting
 * commented out (an example file); without, "key = value" lines. Keys whose
 * field is empty (an empty string, or an integer outside its range) are
 * shown as a comment with their `unset` text.
 */
void config_print(FILE *f, const struct config_key *keys, size_t nkeys, int help);

/* One line per key for --help: "  key   description". */
void config_usage(FILE *f, const struct config_key *keys, size_t nkeys);

#endif
