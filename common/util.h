/* Small helpers shared by every binary: files, hex, data paths. */
#ifndef SYMBI_UTIL_H
#define SYMBI_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/*
 * Read a whole file into a fresh NUL-terminated heap buffer. Files larger
 * than max_len are refused with SYM_ERR_LIMIT before they are read whole.
 */
int util_read_file(const char *path, size_t max_len, char **out, size_t *out_len)
    __attribute__((warn_unused_result));

/*
 * Read a secret file into sodium_malloc memory (free with sodium_free).
 * Refuses, with SYM_ERR_PERM, files that group or others can access.
 */
int util_read_secret_file(const char *path, size_t max_len, char **out, size_t *out_len)
    __attribute__((warn_unused_result));

/*
 * Write a file atomically (temporary file, fsync, rename) with the given
 * mode. With exclusive set, refuses to replace an existing file.
 */
int util_write_file(const char *path, const void *buf, size_t len, unsigned mode, int exclusive)
    __attribute__((warn_unused_result));

/* Lower-case hex of len bytes into out (2*len+1 bytes). */
void util_hex(const uint8_t *in, size_t len, char *out);

/* Parse exactly out_len bytes of hex; 0 or SYM_ERR_FORMAT. */
int util_unhex(const char *hex, uint8_t *out, size_t out_len) __attribute__((warn_unused_result));

/*
 * Where the shipped data files live: $SYMBIOD_DATA_DIR, else
 * <exe dir>/../share/symbiod (build tree and relocated installs), else the
 * compiled-in install path. Writes path/name into out.
 */
int util_data_path(const char *name, char *out, size_t out_len) __attribute__((warn_unused_result));

/* Final path component, for messages ("dir/refinery.json" -> "refinery.json"). */
const char *util_basename(const char *path);

/* Monotonic time in seconds, for benchmarks and timeouts. */
double util_now(void);

/* A JSON array of the n strings (ids in order); NULL only when out of memory. */
json_t *util_json_strings(char *const *s, size_t n);

#endif
