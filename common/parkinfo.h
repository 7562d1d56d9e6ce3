/*
 * park.json: the public join bundle a park operator hands to companies (with
 * nothing else but the company's own certificate later):
 *   { "format": "symbiod-park/1", "name", "endpoint",
 *     "coordinator": { "ed25519": hex, "curve": hex },
 *     "ca_certificate": PEM,
 *     "taxonomy": { "name", "version", "hash": hex } }
 */
#ifndef SYMBI_PARKINFO_H
#define SYMBI_PARKINFO_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define PARK_NAME_MAX 128
#define PARK_ENDPOINT_MAX 256
#define PARKINFO_FILE_MAX (64u << 10)

struct parkinfo {
	char name[PARK_NAME_MAX + 1];
	char endpoint[PARK_ENDPOINT_MAX + 1];
	uint8_t coordinator_ed25519[32];
	uint8_t coordinator_curve[32];
	char *ca_pem; /* malloc'd */
	char taxonomy_name[64];
	char taxonomy_version[32];
	uint8_t taxonomy_hash[32];
};

/* "tcp://HOST:PORT" with a port 1..65535 and a non-empty host. */
int parkinfo_endpoint_valid(const char *endpoint);

int parkinfo_parse(const char *name, const char *buf, size_t len, struct parkinfo *out,
                   struct sym_diag *diag) __attribute__((warn_unused_result));
int parkinfo_load(const char *path, struct parkinfo *out, struct sym_diag *diag)
    __attribute__((warn_unused_result));
/* Serialize to a malloc'd JSON text (indent 2, trailing newline). */
int parkinfo_dump(const struct parkinfo *pi, char **out) __attribute__((warn_unused_result));
void parkinfo_clear(struct parkinfo *pi);

#endif
