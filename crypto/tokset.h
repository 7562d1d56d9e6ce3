/*
 * Sets of 8-byte tokens as sorted arrays: sorting, de-duplication and the
 * intersection of two sorted sets (the coordinator's join, and the client's
 * way of mapping hits back to its own items).
 */
#ifndef SYMBI_TOKSET_H
#define SYMBI_TOKSET_H

#include <stddef.h>

#include "prf.h"

/* Sort ascending by numeric value; LSD radix sort, `scratch` holds n tokens. */
void tokset_sort(token_t *t, size_t n, token_t *scratch);

/* Remove repeats from a sorted array; returns the new length. */
size_t tokset_unique(token_t *t, size_t n);

/* 1 when sorted `t` holds x. */
int tokset_contains(const token_t *t, size_t n, token_t x);

/*
 * Write the tokens present in both sorted sets to out (room for min(na, nb));
 * returns the count.
 */
size_t tokset_intersect(const token_t *a, size_t na, const token_t *b, size_t nb, token_t *out);

#endif
