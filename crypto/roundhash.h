/*
 * The hashes of a round that the coordinator, the companies and the auditor
 * must compute byte for byte alike (PROTOCOL.md, audit/FORMAT.md): one
 * function each, so that no side keeps its own copy. Pure functions; the
 * known answers are in tests/vectors/protocol-kat.json. The sixth shared
 * computation, the pairwise key schedule, is pairkeys_derive (pairkeys.h).
 *
 * Ids are member ids (1..64 bytes), written as u8 length || bytes; counts are
 * u32 big-endian; tokens are 8 wire bytes.
 */
#ifndef SYMBI_ROUNDHASH_H
#define SYMBI_ROUNDHASH_H

#include <stddef.h>
#include <stdint.h>

struct member_record;

/*
 * A round's directory: SHA-256 over "symbiod-directory-v1\0" || u32 count ||
 * for each member in id order: id || certificate fingerprint, then, only
 * when some member has a site (REACH.md): u32 m || for each of those m in id
 * order: id || i32 lat || i32 lon (hundredths of a degree). `recs` must be
 * sorted by id (memcmp order) and hold only the members that count.
 */
void roundhash_directory(const struct member_record *const *recs, size_t n, uint8_t out[32]);

/*
 * SHA-256 of a signed request's or response's payload (PROTOCOL.md 2). Below
 * ROUNDHASH_PAYLOAD_SMALL bytes libsodium's, so that a run sending only small
 * requests never starts OpenSSL (its first digest costs a process about
 * 0.8 ms, measured here); above, OpenSSL's, several times faster with the
 * CPU's SHA extensions. The same SHA-256 either way (test_crypto_vectors).
 */
#define ROUNDHASH_PAYLOAD_SMALL 8192
int roundhash_payload(const uint8_t *p, size_t len, uint8_t out[32])
    __attribute__((warn_unused_result));

/*
 * A batch's digest: SHA-256(cp || u32 n_offers || offers || u32 n_needs ||
 * needs), the counts in tokens. The coordinator computes it once, when the
 * batch arrives, and keeps it; the submission entry of the audit log commits
 * to it.
 */
int roundhash_batch_digest(const char *counterpart, const uint8_t *offers, size_t offers_len,
                           const uint8_t *needs, size_t needs_len, uint8_t out[32])
    __attribute__((warn_unused_result));

/*
 * A submission's commitment: SHA-256 over "symbiod-submission-v1\0" ||
 * round_id || submission_id || u32 n_batches || the batch digests in order.
 */
void roundhash_commitment(const uint8_t round_id[16], const uint8_t submission_id[16],
                          const uint8_t (*digests)[32], size_t n, uint8_t out[32]);

/*
 * A chunk's digest, what a version 2 SubmitChunk request is signed over in
 * place of SHA-256(payload) (PROTOCOL.md section 2): SHA-256 over
 * "symbiod-chunk-v1\0" || submission_id || u32 index || u32 n_batches ||
 * the batch digests in order. Every field of the chunk enters it, each
 * batch through its digest, so the coordinator hashes a batch's bytes once.
 */
void roundhash_chunk(const uint8_t submission_id[16], uint32_t index, const uint8_t (*digests)[32],
                     size_t n, uint8_t out[32]);

/* A candidate's id: BLAKE2b-128(round_id || supplier || consumer || token). */
void roundhash_candidate_id(const uint8_t round_id[16], const char *supplier, const char *consumer,
                            const uint8_t token[8], uint8_t out[16]);

/*
 * A pair's hits: SHA-256(round_id || supplier || consumer || hits), the hits
 * being the join's result in wire order (n_hits tokens).
 */
void roundhash_hits(const uint8_t round_id[16], const char *supplier, const char *consumer,
                    const uint8_t *hits, size_t n_hits, uint8_t out[32]);

#endif
