/*
 * The client's blinding, both ways. Out: a company's token blocks under one
 * pair key become the padded, sorted token set it sends for that
 * counterpart, in wire order. Back: a token the coordinator reports as a hit
 * is mapped to the company's own item that produced it. Nothing here talks
 * to the network; the keys never leave this machine.
 */
#ifndef SYMBI_BLIND_H
#define SYMBI_BLIND_H

#include <stddef.h>
#include <stdint.h>

#include "encode.h"
#include "flows.h"
#include "pairkeys.h"
#include "prf.h"
#include "tokset.h"

/*
 * The round's size policy for one direction (PROTOCOL.md 1.1): a set is
 * padded to `fixed` tokens when non-zero, otherwise to the power of two at or
 * above its real size and `floor`; never above `max`.
 */
struct blind_sizes {
	uint32_t floor, max, fixed;
};

/* Both directions, as announced. */
struct blind_padding {
	struct blind_sizes offers, needs;
};

/* What a company sends for one counterpart: two sets of 8-byte tokens, wire order. */
struct blind_batch {
	const char *counterpart;
	uint8_t *offers, *needs;
	size_t offers_len, needs_len;
};

/*
 * One set: the tokens of bl under key, padded to its size class with tokens
 * of the padding stream of pad_key and domain, sorted, as big-endian wire
 * bytes (*out malloc'd). The padding hides how many items and levels the set
 * holds, and is the same on every run. With padding_only the set has the
 * same size and no real token (a counterpart this company denies).
 * SYM_ERR_LIMIT when the real tokens do not fit the size policy.
 */
int blind_padded_set(struct prf_ctx *prf, const uint8_t *key, const struct block_list *bl,
                     const struct blind_sizes *sz, const uint8_t *pad_key,
                     enum tokset_pad_domain domain, int padding_only, uint8_t **out,
                     size_t *out_len) __attribute__((warn_unused_result));

/*
 * The same from ready tokens (n wire tokens of 8 bytes, any order, may
 * repeat): hardened rounds compute them from VOPRF outputs, not a pair key.
 */
int blind_padded_tokens(const uint8_t *tokens, size_t n, const struct blind_sizes *sz,
                        const uint8_t *pad_key, enum tokset_pad_domain domain, int padding_only,
                        uint8_t **out, size_t *out_len) __attribute__((warn_unused_result));

/*
 * The batch for counterpart `peer` from this company `self`: offers under
 * K_tok(self->peer), needs under K_tok(peer->self), both padded from
 * K_pad(self->peer); padding only when `denied`. On failure the batch holds
 * nothing; blind_batch_clear releases a filled one.
 */
int blind_batch_fill(struct prf_ctx *prf, const struct pairkeys *pk, const char *self,
                     const char *peer, const struct block_list *offers,
                     const struct block_list *needs, const struct blind_padding *pad, int denied,
                     struct blind_batch *b) __attribute__((warn_unused_result));
void blind_batch_clear(struct blind_batch *b);

/*
 * Each item's own blocks in the round's encoding `mode`, encoded once, to map
 * tokens back to items; fl must outlive it.
 */
struct blind_index;

int blind_index_new(const struct taxonomy *tax, const struct flows *fl, enum encode_mode mode,
                    struct blind_index **out) __attribute__((warn_unused_result));
void blind_index_free(struct blind_index **bi);

/*
 * The first item of direction `dir` that produces `token` (wire bytes) under
 * key; NULL if none does.
 */
const struct flow_item *blind_index_find(const struct blind_index *bi, struct prf_ctx *prf,
                                         const uint8_t *key, enum flow_direction dir,
                                         const uint8_t token[8]);

#endif
