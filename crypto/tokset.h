/*
 * Sets of 8-byte tokens as sorted arrays.
 *
 * On the wire a token is 8 bytes, big-endian, and a set is its tokens in
 * strictly increasing order, so that memcmp order is numeric order. The
 * tokset_wire_* functions own that form: a company builds and pads its sets
 * with them, the coordinator checks and joins them, and the auditor's replay
 * joins them again with the very same code.
 *
 * The host-order functions (token_t values compared as numbers) are the
 * building blocks underneath, for callers that sort numbers of their own.
 */
#ifndef SYMBI_TOKSET_H
#define SYMBI_TOKSET_H

#include <stddef.h>
#include <stdint.h>

#include "prf.h"

/* ---- wire order ---------------------------------------------------------- */

/* 1 when buf is a wire set: whole tokens, at most max_tokens, strictly increasing. */
int tokset_wire_valid(const uint8_t *buf, size_t len, size_t max_tokens);

/*
 * The tokens in both wire sets a (na tokens) and b (nb tokens), in wire
 * order, into out (room for min(na, nb) tokens); returns their count. This
 * is the join of a round: the coordinator's and the auditor's.
 */
size_t tokset_wire_intersect(const uint8_t *a, size_t na, const uint8_t *b, size_t nb,
                             uint8_t *out);

/* 1 when the wire set `set` of n tokens holds `token`. */
int tokset_wire_contains(const uint8_t *set, size_t n, const uint8_t token[TOKEN_LEN]);

/*
 * Make a wire set in place of n tokens as prf_tokens writes them (the wire
 * bytes, in memory): sorted in wire order and without repeats; `scratch`
 * holds n tokens. Returns the set's size; its bytes are (uint8_t *)t.
 */
size_t tokset_wire_sort(token_t *t, size_t n, token_t *scratch);

/* ---- size classes (PROTOCOL.md 1.1, "Set sizes") -------------------------- */

#define TOKSET_PAD_KEY_LEN 32

/*
 * The size a padded set of n real tokens has: `fixed` when it is non-zero,
 * otherwise the smallest power of two at or above both n and `floor` (at
 * least 1). Only n <= the result fits; the caller compares with the maximum.
 */
size_t tokset_size_class(size_t n, uint32_t floor, uint32_t fixed);

/*
 * 1 when a set of n tokens has a size the round allows: n == fixed when
 * fixed is non-zero, otherwise a power of two at or above floor and at most
 * max. A version 1 round (max == 0 and fixed == 0) allows any size.
 */
int tokset_size_allowed(size_t n, uint32_t floor, uint32_t max, uint32_t fixed);

/* The padding streams: offers and needs are padded from different ones. */
enum tokset_pad_domain { TOKSET_PAD_OFFERS = 1, TOKSET_PAD_NEEDS = 2 };

/*
 * out (target tokens) = the wire set `set` (n <= target tokens) with
 * target - n padding tokens merged in: a wire set whose size says nothing
 * about n. The padding is deterministic: the first tokens of a keyed stream
 * (ChaCha20 under `key`, the domain as nonce) that are neither real tokens
 * nor repeats, so the same set, key and target give the same bytes on every
 * run (a retry hides what a fresh draw would show by difference).
 * SYM_ERR_INVALID when n > target, SYM_ERR_ALLOC.
 */
int tokset_wire_pad(const uint8_t *set, size_t n, size_t target,
                    const uint8_t key[TOKSET_PAD_KEY_LEN], enum tokset_pad_domain domain,
                    uint8_t *out) __attribute__((warn_unused_result));

/* ---- host order ---------------------------------------------------------- */

/*
 * Sort ascending by numeric value in linear time (a pass on the top bits,
 * then each bucket), `scratch` holds n tokens.
 */
void tokset_sort(token_t *t, size_t n, token_t *scratch);

/* Remove repeats from a sorted array; returns the new length. */
size_t tokset_unique(token_t *t, size_t n);

#endif
