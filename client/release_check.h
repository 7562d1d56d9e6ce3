/*
 * A client checks what it is told (PROTOCOL.md 1.1, item 9). The coordinator
 * could invent a candidate, and a partner could release an item other than
 * the one that matched; neither can make the checks below pass:
 *
 *  - a candidate's id must recompute from its round, supplier, consumer and
 *    token (roundhash_candidate_id);
 *  - after release, both items must produce the candidate's token under the
 *    pair's K_tok(supplier->consumer): offers are sent under it by the
 *    supplier, and the consumer's needs for that supplier are sent under it
 *    too (blind_batch_fill). Then the exact values decide between an exact
 *    match and a near miss (bins matched, exact values do not).
 *
 * Pure checks: no I/O, nothing printed; the commands say it loudly.
 */
#ifndef SYMBI_CLIENT_RELEASE_CHECK_H
#define SYMBI_CLIENT_RELEASE_CHECK_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "encode.h"
#include "flows.h"
#include "pairkeys.h"
#include "prf.h"
#include "symbiod.pb-c.h"
#include "taxonomy.h"

enum release_check {
	RELEASE_CHECK_EXACT,     /* the token reproduces and the exact values match */
	RELEASE_CHECK_NEAR_MISS, /* the token reproduces (bins matched), exact values do not */
	RELEASE_CHECK_MISMATCH,  /* the id or the token does not reproduce: someone cheated */
};

/* A candidate as the coordinator states it; every pointer is to wire bytes. */
struct release_candidate {
	const uint8_t *round;            /* 16 bytes */
	const uint8_t *id;               /* 16 bytes */
	const char *supplier, *consumer; /* member ids */
	const uint8_t *token;            /* 8 bytes */
};

/* c as a release_candidate (pointing into c); SYM_ERR_FORMAT if a field has the wrong size. */
int release_candidate_from_wire(const Symbiod__Candidate *c, struct release_candidate *out)
    __attribute__((warn_unused_result));

/* 1 when the candidate as received is well formed and its id recomputes; else 0. */
int release_check_wire_candidate(const Symbiod__Candidate *c) __attribute__((warn_unused_result));

/* "exact", "near_miss" or "mismatch": the word of `symbi exchanges --json`. */
const char *release_check_name(enum release_check check);

/* 1 when c's id is the id its round, supplier, consumer and token give; else 0. */
int release_check_candidate_id(const struct release_candidate *c)
    __attribute__((warn_unused_result));

/*
 * *found = 1 when `item` (offer or need) produces `token` under key in the
 * round's encoding `mode`, else 0; an item that cannot be encoded produces
 * nothing. SYM_OK, or an error code (no key, out of memory) and no answer.
 */
int release_check_produces(const struct taxonomy *tax, enum encode_mode mode, struct prf_ctx *prf,
                           const uint8_t *key, const struct flow_item *item,
                           const uint8_t token[TOKEN_LEN], int *found)
    __attribute__((warn_unused_result));

/*
 * The verdict on a released exchange: c must be a true candidate, `offer`
 * and `need` (one ours, one the partner's revealed item) must each produce
 * c's token under the pair keys pk, and then their exact values decide.
 * SYM_OK with *out set, or an error code (no verdict) when the keys do not
 * belong to c's pair or memory runs out.
 */
int release_check_exchange(const struct taxonomy *tax, enum encode_mode mode, struct prf_ctx *prf,
                           const struct pairkeys *pk, const struct release_candidate *c,
                           const struct flow_item *offer, const struct flow_item *need,
                           enum release_check *out) __attribute__((warn_unused_result));

/*
 * Say on stderr, loudly, which exchanges of a `symbi exchanges` listing are
 * a mismatch; returns how many. The command exits non-zero when any is.
 */
size_t release_check_warn_exchanges(const json_t *exchanges);

/* An exchange's "check" for the listing; one stored before checks existed has near_miss only. */
const char *release_check_word(const json_t *exchange);

#endif
