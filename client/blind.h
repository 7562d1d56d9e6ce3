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

/* The round's padding policy: at least `min` tokens, then a multiple of `quantum`. */
struct blind_padding {
	uint32_t offer_min, need_min, quantum;
};

/* What a company sends for one counterpart: two sets of 8-byte tokens, wire order. */
struct blind_batch {
	const char *counterpart;
	uint8_t *offers, *needs;
	size_t offers_len, needs_len;
};

/*
 * One set: the tokens of bl under key, padded with random tokens to the
 * policy, sorted, as big-endian wire bytes (*out malloc'd). The padding hides
 * how many items and levels the set holds.
 */
int blind_padded_set(struct prf_ctx *prf, const uint8_t *key, const struct block_list *bl,
                     uint32_t min, uint32_t quantum, uint8_t **out, size_t *out_len)
    __attribute__((warn_unused_result));

/*
 * The batch for counterpart `peer` from this company `self`: offers under
 * K_tok(self->peer), needs under K_tok(peer->self). On failure the batch
 * holds nothing; blind_batch_clear releases a filled one.
 */
int blind_batch_fill(struct prf_ctx *prf, const struct pairkeys *pk, const char *self,
                     const char *peer, const struct block_list *offers,
                     const struct block_list *needs, const struct blind_padding *pad,
                     struct blind_batch *b) __attribute__((warn_unused_result));
void blind_batch_clear(struct blind_batch *b);

/* Each item's own blocks, encoded once, to map tokens back to items; fl must outlive it. */
struct blind_index;

int blind_index_new(const struct taxonomy *tax, const struct flows *fl, struct blind_index **out)
    __attribute__((warn_unused_result));
void blind_index_free(struct blind_index **bi);

/*
 * The first item of direction `dir` that produces `token` (wire bytes) under
 * key; NULL if none does.
 */
const struct flow_item *blind_index_find(const struct blind_index *bi, struct prf_ctx *prf,
                                         const uint8_t *key, enum flow_direction dir,
                                         const uint8_t token[8]);

#endif
