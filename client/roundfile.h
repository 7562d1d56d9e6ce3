/*
 * What a company keeps about each round it submitted to, in
 * STATE/rounds/<round id hex>.json (0600): the flows exactly as submitted
 * (to map tokens back to items and to seal them for a partner), the round's
 * directory of agreement keys (to derive the pair keys again), and its own
 * consent decisions. Revealed partner items go to STATE/exchanges.json, only
 * after both sides agreed.
 */
#ifndef SYMBI_ROUNDFILE_H
#define SYMBI_ROUNDFILE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "cert.h"
#include "err.h"

struct roundfile_peer {
	char id[MEMBER_ID_MAX + 1];
	uint8_t x25519[32];
	uint8_t ed25519[32]; /* its identity key, from the verified directory */
	int has_ed25519;     /* 0 in a record written before park indicators */
};

struct roundfile {
	uint8_t round[16];
	uint8_t submission[16];
	json_t *flows;    /* the flows document as submitted */
	json_t *consents; /* candidate id hex -> accepted | declined | deposited | expired */
	json_t *hard;     /* a hardened round's public state (hardround.h); NULL: standard */
	int settled;      /* an exchanges step completed after the round's end: nothing can come */
	/* The round's token encoding, which maps tokens back (1 in a record written before 1.2). */
	uint32_t token_encoding;
	struct roundfile_peer *peers;
	size_t npeers;
};

/* STATE/rounds/<round hex>.<ext>: the round file (json) and the hardened secret (hard). */
int roundfile_path(const char *dir, const uint8_t round[16], const char *ext, char *out, size_t len)
    __attribute__((warn_unused_result));
int roundfile_save(const char *state_dir, const struct roundfile *rf, struct sym_diag *diag)
    __attribute__((warn_unused_result));
/* SYM_ERR_NOT_FOUND when this company did not submit to the round. */
int roundfile_load(const char *state_dir, const uint8_t round[16], struct roundfile *rf,
                   struct sym_diag *diag) __attribute__((warn_unused_result));
void roundfile_clear(struct roundfile *rf);
const struct roundfile_peer *roundfile_peer(const struct roundfile *rf, const char *id);

/* STATE/exchanges.json: the agreed exchanges, a JSON array in INTERFACE.md's shape. */
int exchanges_load(const char *state_dir, json_t **arr, struct sym_diag *diag)
    __attribute__((warn_unused_result));
int exchanges_save(const char *state_dir, json_t *arr, struct sym_diag *diag)
    __attribute__((warn_unused_result));

#endif
