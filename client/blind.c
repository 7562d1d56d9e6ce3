#include "blind.h"

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
 * The tokens of blocks under key as a wire set (sorted, de-duplicated);
 * *out malloc'd, *n tokens.
 */
static int
s_wire_set(struct prf_ctx *prf, const uint8_t *key, const struct block_list *bl, token_t **out,
           size_t *n)
{
	token_t *t = malloc((bl->n + 1) * sizeof(*t)), *scratch = malloc((bl->n + 1) * sizeof(*t));
	int r = SYM_ERR_ALLOC;

	*out = NULL;
	if (t == NULL || scratch == NULL)
		goto out;
	if ((r = prf_tokens(prf, key, bl->blocks, bl->n, t)) != SYM_OK)
		goto out;
	*n = tokset_wire_sort(t, bl->n, scratch);
	*out = t;
	t = NULL; /* transferred */
out:
	free(t);
	free(scratch);
	return r;
}

/* A sorted wire set of n real tokens, padded to its class (set is wiped, not freed). */
static int
s_pad(token_t *set, size_t n, const struct blind_sizes *sz, const uint8_t *pad_key,
      enum tokset_pad_domain domain, int padding_only, uint8_t **out, size_t *out_len)
{
	uint8_t *padded = NULL;
	size_t target;
	int r;

	target = tokset_size_class(n, sz->floor, sz->fixed);
	if (n > target || (sz->max > 0 && target > sz->max)) {
		r = SYM_ERR_LIMIT;
		goto out;
	}
	if ((padded = malloc(target * TOKEN_LEN + 1)) == NULL) {
		r = SYM_ERR_ALLOC;
		goto out;
	}
	if ((r = tokset_wire_pad((const uint8_t *)set, padding_only ? 0 : n, target, pad_key,
	                         domain, padded)) != SYM_OK)
		goto out;
	*out = padded;
	*out_len = target * TOKEN_LEN;
	padded = NULL; /* transferred */
out:
	free(padded);
	if (set != NULL)
		sodium_memzero(set, n * sizeof(*set));
	return r;
}

int
blind_padded_set(struct prf_ctx *prf, const uint8_t *key, const struct block_list *bl,
                 const struct blind_sizes *sz, const uint8_t *pad_key,
                 enum tokset_pad_domain domain, int padding_only, uint8_t **out, size_t *out_len)
{
	token_t *set = NULL;
	size_t n = 0;
	int r;

	*out = NULL;
	if ((r = s_wire_set(prf, key, bl, &set, &n)) != SYM_OK)
		return r;
	r = s_pad(set, n, sz, pad_key, domain, padding_only, out, out_len);
	free(set);
	return r;
}

int
blind_padded_tokens(const uint8_t *tokens, size_t n, const struct blind_sizes *sz,
                    const uint8_t *pad_key, enum tokset_pad_domain domain, int padding_only,
                    uint8_t **out, size_t *out_len)
{
	token_t *set = malloc((n + 1) * sizeof(*set)), *scratch = malloc((n + 1) * sizeof(*set));
	int r = SYM_ERR_ALLOC;

	*out = NULL;
	if (set != NULL && scratch != NULL) {
		if (n > 0) /* no tokens may come as NULL */
			memcpy(set, tokens, n * TOKEN_LEN);
		n = tokset_wire_sort(set, n, scratch);
		r = s_pad(set, n, sz, pad_key, domain, padding_only, out, out_len);
	}
	free(set);
	free(scratch);
	return r;
}

int
blind_batch_fill(struct prf_ctx *prf, const struct pairkeys *pk, const char *self, const char *peer,
                 const struct block_list *offers, const struct block_list *needs,
                 const struct blind_padding *pad, int denied, struct blind_batch *b)
{
	/* O(i->j) under K_tok(i->j); N(i<-j) under K_tok(j->i); both padded from K_pad(i->j). */
	const uint8_t *k_out = pairkeys_tok(pk, self, peer), *k_in = pairkeys_tok(pk, peer, self);
	const uint8_t *k_pad = pairkeys_pad(pk, self, peer);
	int r;

	memset(b, 0, sizeof(*b));
	if (k_out == NULL || k_in == NULL || k_pad == NULL)
		return SYM_ERR_INTERNAL;
	b->counterpart = peer;
	if ((r = blind_padded_set(prf, k_out, offers, &pad->offers, k_pad, TOKSET_PAD_OFFERS,
	                          denied, &b->offers, &b->offers_len)) != SYM_OK ||
	    (r = blind_padded_set(prf, k_in, needs, &pad->needs, k_pad, TOKSET_PAD_NEEDS, denied,
	                          &b->needs, &b->needs_len)) != SYM_OK)
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
blind_index_new(const struct taxonomy *tax, const struct flows *fl, enum encode_mode mode,
                struct blind_index **out)
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
		if (encode_item_blocks(tax, &fl->items[k], mode, (uint32_t)k, &bi->blocks[k]) !=
		    SYM_OK)
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
	token_t *set;
	size_t k, n;
	int found;

	if (key == NULL)
		return NULL;
	for (k = 0; k < bi->fl->n; k++) {
		if (bi->fl->items[k].direction != dir ||
		    s_wire_set(prf, key, &bi->blocks[k], &set, &n) != SYM_OK)
			continue;
		found = tokset_wire_contains((const uint8_t *)set, n, token);
		free(set);
		if (found)
			return &bi->fl->items[k];
	}
	return NULL;
}
