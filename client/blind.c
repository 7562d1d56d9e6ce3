#include "blind.h"

#include <endian.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "tokset.h"

struct blind_index {
	const struct flows *fl;
	size_t n;
	struct block_list
	    *blocks; /* blocks[k]: item k's own blocks; empty if it cannot be encoded */
};

/*
 * The tokens of blocks under key as sorted big-endian keys (numeric order of
 * these equals memcmp order of the wire bytes), de-duplicated.
 */
static int
s_sorted_keys(struct prf_ctx *prf, const uint8_t *key, const struct block_list *bl, uint64_t **out,
              size_t *n)
{
	token_t *t = malloc((bl->n + 1) * sizeof(*t)), *scratch = malloc((bl->n + 1) * sizeof(*t));
	size_t i;

	if (t == NULL || scratch == NULL || prf_tokens(prf, key, bl->blocks, bl->n, t) != SYM_OK) {
		free(t);
		free(scratch);
		return SYM_ERR_ALLOC;
	}
	for (i = 0; i < bl->n; i++)
		t[i] = be64toh(t[i]);
	tokset_sort(t, bl->n, scratch);
	free(scratch);
	*n = tokset_unique(t, bl->n);
	*out = t;
	return SYM_OK;
}

/*
 * Merge the sorted real and padding tokens into out as wire bytes. Returns
 * -1 when two are equal: the set must hold distinct tokens.
 */
static int
s_merge(const uint64_t *keys, size_t n, const uint64_t *pad, size_t npad, uint8_t *out)
{
	uint64_t v, prev = 0, be;
	size_t i = 0, j = 0, k;

	for (k = 0; k < n + npad; k++) {
		if (j >= npad || (i < n && keys[i] < pad[j]))
			v = keys[i++];
		else
			v = pad[j++];
		if (k > 0 && v == prev)
			return -1;
		prev = v;
		be = htobe64(v);
		memcpy(out + 8 * k, &be, 8);
	}
	return 0;
}

int
blind_padded_set(struct prf_ctx *prf, const uint8_t *key, const struct block_list *bl, uint32_t min,
                 uint32_t quantum, uint8_t **out, size_t *out_len)
{
	uint64_t *keys = NULL, *pad = NULL, *scratch = NULL;
	size_t n = 0, target, npad;
	int r;

	*out = NULL;
	if ((r = s_sorted_keys(prf, key, bl, &keys, &n)) != SYM_OK)
		return r;
	target = n > min ? n : min;
	if (quantum > 0 && target % quantum != 0)
		target += quantum - target % quantum;
	npad = target - n;
	pad = malloc((npad + 1) * sizeof(*pad));
	scratch = malloc((npad + 1) * sizeof(*scratch));
	if (pad == NULL || scratch == NULL || (*out = malloc(target * 8 + 1)) == NULL) {
		r = SYM_ERR_ALLOC;
		goto out;
	}
	/*
	 * A padding token equal to another token is astronomically rare (2^-64
	 * each); the padding is then drawn again, so the set always has `target`
	 * distinct tokens.
	 */
	do {
		randombytes_buf(pad, npad * sizeof(*pad));
		tokset_sort(pad, npad, scratch);
	} while (s_merge(keys, n, pad, npad, *out) != 0);
	*out_len = target * 8;
	r = SYM_OK;
out:
	if (r != SYM_OK) {
		free(*out);
		*out = NULL;
	}
	free(keys);
	free(pad);
	free(scratch);
	return r;
}

int
blind_batch_fill(struct prf_ctx *prf, const struct pairkeys *pk, const char *self, const char *peer,
                 const struct block_list *offers, const struct block_list *needs,
                 const struct blind_padding *pad, struct blind_batch *b)
{
	/* O(i->j) under K_tok(i->j); N(i<-j) under K_tok(j->i). */
	const uint8_t *k_out = pairkeys_tok(pk, self, peer), *k_in = pairkeys_tok(pk, peer, self);
	int r;

	memset(b, 0, sizeof(*b));
	if (k_out == NULL || k_in == NULL)
		return SYM_ERR_INTERNAL;
	b->counterpart = peer;
	if ((r = blind_padded_set(prf, k_out, offers, pad->offer_min, pad->quantum, &b->offers,
	                          &b->offers_len)) != SYM_OK ||
	    (r = blind_padded_set(prf, k_in, needs, pad->need_min, pad->quantum, &b->needs,
	                          &b->needs_len)) != SYM_OK)
		blind_batch_clear(b);
	return r;
}

void
blind_batch_clear(struct blind_batch *b)
{
	free(b->offers);
	free(b->needs);
	memset(b, 0, sizeof(*b));
}

int
blind_index_new(const struct taxonomy *tax, const struct flows *fl, struct blind_index **out)
{
	struct blind_index *bi = calloc(1, sizeof(*bi));
	size_t k;

	*out = NULL;
	if (bi == NULL || (bi->blocks = calloc(fl->n + 1, sizeof(*bi->blocks))) == NULL) {
		free(bi);
		return SYM_ERR_ALLOC;
	}
	bi->fl = fl;
	bi->n = fl->n;
	for (k = 0; k < fl->n; k++) {
		block_list_init(&bi->blocks[k]);
		/* An item that cannot be encoded produced no tokens: it matches nothing. */
		if (encode_item_blocks(tax, &fl->items[k], (uint32_t)k, &bi->blocks[k]) != SYM_OK)
			block_list_free(&bi->blocks[k]);
	}
	*out = bi;
	return SYM_OK;
}

void
blind_index_free(struct blind_index **bip)
{
	struct blind_index *bi;
	size_t k;

	if (bip == NULL || *bip == NULL)
		return;
	bi = *bip;
	for (k = 0; k < bi->n; k++)
		block_list_free(&bi->blocks[k]);
	free(bi->blocks);
	free(bi);
	*bip = NULL;
}

const struct flow_item *
blind_index_find(const struct blind_index *bi, struct prf_ctx *prf, const uint8_t *key,
                 enum flow_direction dir, const uint8_t token[8])
{
	uint64_t want, *keys;
	size_t k, n;
	int found;

	if (key == NULL)
		return NULL;
	memcpy(&want, token, 8);
	want = be64toh(want);
	for (k = 0; k < bi->fl->n; k++) {
		if (bi->fl->items[k].direction != dir ||
		    s_sorted_keys(prf, key, &bi->blocks[k], &keys, &n) != SYM_OK)
			continue;
		found = tokset_contains(keys, n, want);
		free(keys);
		if (found)
			return &bi->fl->items[k];
	}
	return NULL;
}
