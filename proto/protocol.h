/*
 * The round announcement's signed bytes, signature and check (PROTOCOL.md).
 * The round's hashes that both sides compute are in crypto/roundhash.h.
 */
#ifndef SYMBI_PROTOCOL_H
#define SYMBI_PROTOCOL_H

#include <sodium.h>
#include <stddef.h>
#include <stdint.h>

#include "cert.h"
#include "roundhash.h"
#include "symbiod.pb-c.h"
#include "tokset.h"

#define PROTOCOL_ID_LEN 16

/*
 * The bytes the coordinator signs for a round announcement:
 * "symbiod-round-v1\0" || the announcement packed with an empty signature.
 */
int protocol_announcement_signed_bytes(const Symbiod__RoundAnnouncement *a, uint8_t **out,
                                       size_t *out_len) __attribute__((warn_unused_result));
int protocol_announcement_sign(Symbiod__RoundAnnouncement *a, const uint8_t sk[64],
                               uint8_t sig_out[64]) __attribute__((warn_unused_result));
int protocol_announcement_verify(const Symbiod__RoundAnnouncement *a, const uint8_t pk[32])
    __attribute__((warn_unused_result));

/*
 * The old names of roundhash.h and tokset_wire_valid, kept only until
 * daemon/, client/ and tests/tools/forge.c call those directly: then delete
 * this block.
 */
static inline void
protocol_directory_hash(const struct member_record *const *recs, size_t n, uint8_t out[32])
{
	roundhash_directory(recs, n, out);
}

static inline __attribute__((warn_unused_result)) int
protocol_batch_digest(const char *counterpart, const uint8_t *offers, size_t offers_len,
                      const uint8_t *needs, size_t needs_len, uint8_t out[32])
{
	return roundhash_batch_digest(counterpart, offers, offers_len, needs, needs_len, out);
}

static inline void
protocol_commitment(const uint8_t round_id[16], const uint8_t submission_id[16],
                    const uint8_t (*digests)[32], size_t n, uint8_t out[32])
{
	roundhash_commitment(round_id, submission_id, digests, n, out);
}

static inline void
protocol_candidate_id(const uint8_t round_id[16], const char *supplier, const char *consumer,
                      const uint8_t token[8], uint8_t out[16])
{
	roundhash_candidate_id(round_id, supplier, consumer, token, out);
}

static inline void
protocol_hits_hash(const uint8_t round_id[16], const char *supplier, const char *consumer,
                   const uint8_t *hits, size_t n_hits, uint8_t out[32])
{
	roundhash_hits(round_id, supplier, consumer, hits, n_hits, out);
}

static inline int
protocol_tokens_valid(const uint8_t *buf, size_t len, size_t max_tokens)
{
	return tokset_wire_valid(buf, len, max_tokens);
}

#endif
