/*
 * Hardened-mode tokens and statements (PROTOCOL.md "Hardened mode").
 *
 * A company i holds a per-round VOPRF key sk_i (RFC 9497, mode 0x01,
 * ristretto255-SHA512); F_i(x) is the VOPRF output (64 bytes) of that key on
 * a 16-byte token block x. The token of x for the ordered pair (i -> j) is
 *
 *   Trunc8(BLAKE2b-256(key = F_i(x),
 *                      "symbiod-hardened-v1" || round (16) ||
 *                      u8 len(i) || i || u8 len(j) || j))
 *
 * so i computes F_i once per block and one keyed hash per counterpart, and
 * anyone else gets F_i(y) only through i's counted, proven answer.
 *
 * The statements a member signs with its identity key, so that the log
 * keeps signatures and digests and never the elements:
 *
 *   key:    "symbiod-hardened-key-v1\0" || park id (32) || round (16) ||
 *           u8 len(member) || member || pk (32)
 *   query:  "symbiod-hardened-query-v1\0" || park id || round ||
 *           u8 len(querier) || querier || u32 m || H256(blinded elements)
 *   answer: "symbiod-hardened-answer-v1\0" || park id || round ||
 *           u8 len(answerer) || answerer || u8 len(querier) || querier ||
 *           query digest (32) || u32 m || H256(evaluated elements) || proof (64)
 */
#ifndef SYMBI_HARDTOKEN_H
#define SYMBI_HARDTOKEN_H

#include <stddef.h>
#include <stdint.h>

#include "voprf.h"

#define HARDTOKEN_CONTEXT "symbiod-hardened-v1"
#define HARDTOKEN_BLOCK_LEN 16
#define HARDTOKEN_LEN 8
/* The longest statement: two 255-byte ids and every fixed field. */
#define HARDTOKEN_STATEMENT_MAX 768

/* The token of one F_i(x) for the ordered pair (i -> j); ids 1..255 bytes. */
int hardtoken_pair(const uint8_t out_f[VOPRF_OUTPUT_LEN], const uint8_t round[16], const char *i,
                   const char *j, uint8_t token[HARDTOKEN_LEN]) __attribute__((warn_unused_result));

/* F_i on n blocks (16 bytes each), outputs n * 64 bytes: the key holder's own evaluation. */
int hardtoken_outputs(const uint8_t sk[VOPRF_SCALAR_LEN], const uint8_t *blocks, size_t n,
                      uint8_t *outputs) __attribute__((warn_unused_result));

/* The tokens (n * 8 bytes, block order) of n outputs of F_i for the pair (i -> j). */
int hardtoken_tokens(const uint8_t *outputs, size_t n, const uint8_t round[16], const char *i,
                     const char *j, uint8_t *tokens) __attribute__((warn_unused_result));

/* The statements above into out (HARDTOKEN_STATEMENT_MAX bytes); *len its length. */
int hardtoken_key_statement(const uint8_t park_id[32], const uint8_t round[16], const char *member,
                            const uint8_t pk[VOPRF_ELEMENT_LEN], uint8_t *out, size_t *len)
    __attribute__((warn_unused_result));
int hardtoken_query_statement(const uint8_t park_id[32], const uint8_t round[16],
                              const char *querier, uint32_t m, const uint8_t digest[32],
                              uint8_t *out, size_t *len) __attribute__((warn_unused_result));
int hardtoken_answer_statement(const uint8_t park_id[32], const uint8_t round[16],
                               const char *answerer, const char *querier,
                               const uint8_t query_digest[32], uint32_t m, const uint8_t digest[32],
                               const uint8_t proof[VOPRF_PROOF_LEN], uint8_t *out, size_t *len)
    __attribute__((warn_unused_result));

/* SHA-256 of a batch of elements: what the statements and the log hold. */
void hardtoken_digest(const uint8_t *elements, size_t len, uint8_t digest[32]);

#endif
