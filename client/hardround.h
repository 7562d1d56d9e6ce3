/*
 * What a company keeps about a hardened round (HARDENED.md).
 *
 * The secret part, STATE/rounds/<round>.hard (0600, read straight into
 * sodium_malloc'd memory and wiped after use): the round key sk (32) and the
 * blinds of the real need blocks of its query (u32 n, then n * 32).
 *
 * The public part, the "hard" object of the round file: pk, the real need
 * blocks in query order, the whole batch of blinded elements sent, its
 * digest, the queriers this company answered (the budget: one batch each),
 * the need tokens each counterpart's proven answer gave, and who did not
 * answer.
 */
#ifndef SYMBI_CLIENT_HARDROUND_H
#define SYMBI_CLIENT_HARDROUND_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "voprf.h"

struct hard_secret {
	uint8_t sk[VOPRF_SCALAR_LEN];
	uint32_t n;      /* real need blocks */
	uint8_t *blinds; /* n * 32, inside the same sodium_malloc'd block */
};

/* A zeroed secret with room for n blinds; NULL when out of memory. */
struct hard_secret *hard_secret_new(uint32_t n);
void hard_secret_free(struct hard_secret **hs);
int hard_secret_save(const char *state_dir, const uint8_t round[16], const struct hard_secret *hs,
                     struct sym_diag *diag) __attribute__((warn_unused_result));
/* SYM_ERR_NOT_FOUND when this company holds no key for the round. */
int hard_secret_load(const char *state_dir, const uint8_t round[16], struct hard_secret **out,
                     struct sym_diag *diag) __attribute__((warn_unused_result));

struct hard_public {
	uint8_t pk[VOPRF_ELEMENT_LEN];
	uint8_t *needs; /* nneeds * 16: the real need blocks, query order */
	size_t nneeds;
	uint8_t *blinded; /* m * 32: the batch as sent */
	size_t m;
	uint8_t digest[32];
};

json_t *hard_public_json(const struct hard_public *hp);
int hard_public_parse(const json_t *hard, struct hard_public *hp, struct sym_diag *diag)
    __attribute__((warn_unused_result));
void hard_public_clear(struct hard_public *hp);

/*
 * The answering budget: 1 when this company may evaluate querier's batch of
 * this digest (it answered no other batch of that querier this round; the
 * same batch again yields the same evaluations and tells nothing new).
 */
int hard_budget_allows(const json_t *hard, const char *querier, const uint8_t digest[32]);
int hard_budget_record(json_t *hard, const char *querier, const uint8_t digest[32])
    __attribute__((warn_unused_result));

/* The need tokens (n * 8, block order) peer's answer gave; SYM_ERR_NOT_FOUND when none. */
int hard_tokens_get(const json_t *hard, const char *peer, uint8_t **tokens, size_t *n)
    __attribute__((warn_unused_result));
int hard_tokens_set(json_t *hard, const char *peer, const uint8_t *tokens, size_t n)
    __attribute__((warn_unused_result));

/* A hex string field of exactly len bytes into out. */
int hard_hex_get(const json_t *obj, const char *key, uint8_t *out, size_t len)
    __attribute__((warn_unused_result));

#endif
