/*
 * The token encoder of PROTOCOL.md ("Token encoding").
 *
 * An offer or need is described, per category level, by a token_level: the
 * level's category id and depth and its dimensions (quantity first, then the
 * attributes defined at that level or above, in taxonomy order). Each
 * dimension has a bit width b <= 16 and, for an offer, a bin (or "missing"),
 * for a need, an inclusive bin range (or "unconstrained").
 *
 * Each dimension's prefixes have the lengths 0, s, 2s, ... and b, where the
 * stride s is a function of the level's bit widths alone (token_level_stride),
 * so that both sides of a pair agree on it: 1 for most levels, 2 for a level
 * whose offers would otherwise cost more than TOKEN_WIDE_OFFER blocks, when
 * the level allows strides (standard rounds; a hardened round's cost is its
 * need elements, which strides multiply, so it keeps stride 1).
 *
 * Offer blocks: the cross product over dimensions of the prefixes of each bin
 * (only the empty prefix for a missing attribute). Need blocks: the cross
 * product of the canonical covers of each range by nodes of those lengths
 * (the empty prefix for an unconstrained dimension; a constrained range that
 * spans every bin is covered by the nodes of the first length after 0
 * instead, so that an offer missing the attribute, which has only the empty
 * prefix, does not match). A compatible pair shares exactly one block.
 *
 * Block layout (16 bytes, injective):
 *   [0] TOKEN_VERSION (1 in token encoding 1)  [1..2] category id (big endian)  [3] level
 *   [4..15] the dimensions in order, each written as the (b+1)-bit number
 *           (1 << len) | prefix, packed most significant bit first, then zero
 *           bits. The leading 1 marks the prefix length, so different
 *           lengths never collide. The budget is sum(b+1) <= TOKEN_DIM_BITS.
 *
 * Tokens are the first 8 bytes of AES-128-ECB(K_tok, block) (see prf.h).
 */
#ifndef SYMBI_TOKEN_H
#define SYMBI_TOKEN_H

#include <stddef.h>
#include <stdint.h>

/*
 * 2: strides (protocol 1.2). Version 1 used stride 1 everywhere; a round may
 * still announce it (token encoding 1) while a park's members upgrade.
 */
#define TOKEN_VERSION 2
#define TOKEN_VERSION_1 1
#define TOKEN_BLOCK_LEN 16
#define TOKEN_MAX_DIMS 8
#define TOKEN_MAX_BITS 16
#define TOKEN_DIM_BITS 96
#define TOKEN_MAX_STRIDE 2
/*
 * A range of b bits has a canonical cover of at most 2 (2^s - 1) ceil(b / s)
 * nodes of stride s: 2b - 2 for s = 1, 3b for s = 2 (b >= 2).
 */
#define TOKEN_MAX_COVER (2 * ((1 << TOKEN_MAX_STRIDE) - 1) * TOKEN_MAX_BITS / TOKEN_MAX_STRIDE)
/*
 * A level whose offers cost more than this many blocks at stride 1, the
 * product of (b + 1) over its dimensions, takes stride 2. Measured on the
 * parks in tests/parks, examples and the reference scenarios: it leaves a
 * company's offers at 0 to 634 tokens and its needs at 0 to 392, and the
 * costliest offer of the taxonomy (food-industry wastewater, five dimensions)
 * at 4,680 instead of 81,180 (PROTOCOL.md 5, "Strides").
 */
#define TOKEN_WIDE_OFFER 512

typedef struct {
	uint8_t b[TOKEN_BLOCK_LEN];
} token_block_t;

struct token_prefix {
	uint8_t len;    /* 0 .. bits */
	uint16_t value; /* the top `len` bits of the bin */
};

struct token_dim {
	uint8_t bits;    /* 1 .. TOKEN_MAX_BITS */
	uint8_t present; /* offer: value stated; need: dimension constrained */
	uint16_t lo, hi; /* offer: lo == hi == bin; need: inclusive range */
};

struct token_level {
	uint16_t category_id;
	uint8_t level; /* depth of the category in the taxonomy, root = 0 */
	uint8_t ndims;
	uint8_t strided;  /* 1: a wide level takes stride 2 (standard rounds); 0: stride 1 */
	uint8_t version1; /* 1: token encoding 1's blocks (version byte 1; never strided) */
	struct token_dim dims[TOKEN_MAX_DIMS];
};

/* The stride of every dimension of this level: 1, or 2 for a wide strided level. */
unsigned token_level_stride(const struct token_level *lv);

/*
 * The prefixes of bin at the lengths 0, stride, 2 stride, ... and bits, into
 * out[TOKEN_MAX_BITS + 1]; returns their count (bits + 1 at stride 1), or 0
 * for a stride outside 1..TOKEN_MAX_STRIDE.
 */
size_t token_prefixes(uint16_t bin, uint8_t bits, unsigned stride, struct token_prefix *out);

/*
 * The canonical cover of [lo, hi] within b bits by nodes of those lengths,
 * in ascending order, into out[TOKEN_MAX_COVER]; returns the node count, or 0
 * if lo > hi, the range does not fit in b bits or the stride is out of range.
 */
size_t token_cover_range(uint16_t lo, uint16_t hi, uint8_t bits, unsigned stride,
                         struct token_prefix *out);

/* 0 when the level is well formed and within the block budget. */
int token_level_check(const struct token_level *lv) __attribute__((warn_unused_result));

/* Number of blocks an offer / a need at this level produces. */
size_t token_offer_count(const struct token_level *lv);
size_t token_need_count(const struct token_level *lv);

/*
 * Write the offer's / need's blocks for one level to out (room for cap
 * blocks); *n receives the count. SYM_ERR_NOSPACE if cap is too small,
 * SYM_ERR_INVALID for a malformed level.
 */
int token_offer_blocks(const struct token_level *lv, token_block_t *out, size_t cap, size_t *n)
    __attribute__((warn_unused_result));
int token_need_blocks(const struct token_level *lv, token_block_t *out, size_t cap, size_t *n)
    __attribute__((warn_unused_result));

/* The predicate of PROTOCOL.md on bins for one level (offer dims vs need dims). */
int token_level_compatible(const struct token_level *offer, const struct token_level *need);

#endif
