/*
 * Protocol computations both sides must do identically (PROTOCOL.md): the
 * directory hash, the round announcement's signature, the submission
 * commitment, candidate ids and the per-pair hit hash. Pure functions.
 */
#ifndef SYMBI_PROTOCOL_H
#define SYMBI_PROTOCOL_H

#include <sodium.h>
#include <stddef.h>
#include <stdint.h>

#include "cert.h"
#include "symbiod.pb-c.h"

#define PROTOCOL_ID_LEN 16

/*
 * SHA-256 over "symbiod-directory-v1\0" || u32 count || for each member in id
 * order: u8 len(id) || id || certificate fingerprint. `recs` must be sorted
 * by id (memcmp order) and hold only the members that count.
 */
void protocol_directory_hash(const struct member_record *const *recs, size_t n, uint8_t out[32]);

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
 * A batch's digest: SHA-256(u8 len(cp) || cp || u32 n_offers || offers ||
 * u32 n_needs || needs), n in tokens of 8 bytes. The coordinator computes it
 * once, when the batch arrives, and keeps it (it is also what the audit log
 * commits to).
 */
int protocol_batch_digest(const char *counterpart, const uint8_t *offers, size_t offers_len,
                          const uint8_t *needs, size_t needs_len, uint8_t out[32])
    __attribute__((warn_unused_result));

/*
 * The submission commitment: SHA-256 over "symbiod-submission-v1\0" ||
 * round_id || submission_id || u32 n_batches || the batch digests in order.
 */
void protocol_commitment(const uint8_t round_id[16], const uint8_t submission_id[16],
                         const uint8_t (*digests)[32], size_t n, uint8_t out[32]);

/* Candidate id = BLAKE2b-128(round_id || u8 len(i) || i || u8 len(j) || j || token). */
void protocol_candidate_id(const uint8_t round_id[16], const char *supplier, const char *consumer,
                           const uint8_t token[8], uint8_t out[16]);

/* Hash of a pair's sorted hit list: SHA-256(round || len i || i || len j || j || hits). */
void protocol_hits_hash(const uint8_t round_id[16], const char *supplier, const char *consumer,
                        const uint8_t *hits, size_t n_hits, uint8_t out[32]);

/* A token set on the wire: a multiple of 8 bytes, strictly increasing as u64 big-endian. */
int protocol_tokens_valid(const uint8_t *buf, size_t len, size_t max_tokens);

#endif
