/*
 * The token PRF: token = first 8 bytes of AES-128-ECB(K_tok, block), run in
 * bulk through OpenSSL EVP so that AES-NI does the work. This is the hot loop
 * of a submission: a company encrypts the same blocks under one key per
 * counterpart, so the cost is one key schedule plus one pass over the blocks.
 */
#ifndef SYMBI_PRF_H
#define SYMBI_PRF_H

#include <stddef.h>
#include <stdint.h>

#include "token.h"

#define PRF_KEY_LEN 16
#define TOKEN_LEN 8

typedef uint64_t token_t; /* the 8 token bytes, as stored in memory (memcpy) */

struct prf_ctx;

/* A context reusable across keys: SYM_OK, SYM_ERR_ALLOC or SYM_ERR_CRYPTO. */
int prf_new(struct prf_ctx **out) __attribute__((warn_unused_result));
void prf_free(struct prf_ctx **ctx);

/* tokens[k] = first 8 bytes of AES-128-ECB(key, blocks[k]) for k < n. */
int prf_tokens(struct prf_ctx *ctx, const uint8_t key[PRF_KEY_LEN], const token_block_t *blocks,
               size_t n, token_t *tokens) __attribute__((warn_unused_result));

/* Raw AES-128-ECB over n blocks (in and out may be equal): the benchmark's yardstick. */
int prf_aes_ecb(struct prf_ctx *ctx, const uint8_t key[PRF_KEY_LEN], const uint8_t *in,
                uint8_t *out, size_t nblocks) __attribute__((warn_unused_result));

#endif
