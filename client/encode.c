#include "encode.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"

_Static_assert(TAX_MAX_DIMS == TOKEN_MAX_DIMS, "taxonomy and token encoder disagree on dims");

static void
s_level(const struct tax_category *cat, const struct flow_item *item, enum encode_mode mode,
        struct token_level *lv)
{
	unsigned d;

	memset(lv, 0, sizeof(*lv));
	lv->strided = mode == ENCODE_STANDARD;
	lv->version1 = mode == ENCODE_V1;
	lv->category_id = cat->id;
	lv->level = cat->depth;
	lv->ndims = cat->ndims;
	/* An ancestor's dimensions are a prefix of its descendants' (inherited first). */
	for (d = 0; d < cat->ndims; d++) {
		lv->dims[d].bits = cat->dims[d].bits;
		lv->dims[d].present = item->dims[d].present;
		lv->dims[d].lo = item->dims[d].bin_lo;
		lv->dims[d].hi = item->dims[d].bin_hi;
	}
}

int
encode_mode_for(uint32_t token_encoding, int hardened, enum encode_mode *mode)
{
	if (token_encoding == TOKEN_VERSION_1)
		*mode = ENCODE_V1;
	else if (token_encoding == TOKEN_VERSION)
		*mode = hardened ? ENCODE_HARDENED : ENCODE_STANDARD;
	else
		return SYM_ERR_RANGE;
	return SYM_OK;
}

int
encode_item_levels(const struct taxonomy *tax, const struct flow_item *item, enum encode_mode mode,
                   struct token_level *levels, size_t *nlevels)
{
	const struct tax_category *cat = item->category, *chain[TAX_MAX_DEPTH];
	size_t n = 0, k;

	*nlevels = 0;
	if (cat == NULL || cat->quantity_root < 0)
		return SYM_ERR_INVALID;
	if (item->direction == FLOW_NEED) {
		s_level(cat, item, mode, &levels[0]);
		*nlevels = 1;
		return SYM_OK;
	}
	/* Walk up to the category that declares the quantity; root first in the output. */
	for (;;) {
		if (n >= TAX_MAX_DEPTH)
			return SYM_ERR_INTERNAL;
		chain[n++] = cat;
		if (cat == &tax->cats[cat->quantity_root])
			break;
		cat = &tax->cats[cat->parent];
	}
	for (k = 0; k < n; k++)
		s_level(chain[n - 1 - k], item, mode, &levels[k]);
	*nlevels = n;
	return SYM_OK;
}

void
block_list_init(struct block_list *bl)
{
	memset(bl, 0, sizeof(*bl));
}

/* Blocks are an item's category and bins in plain: wiped before the memory goes back. */
void
block_list_free(struct block_list *bl)
{
	if (bl->blocks != NULL)
		sodium_memzero(bl->blocks, bl->cap * sizeof(*bl->blocks));
	free(bl->blocks);
	free(bl->owner);
	memset(bl, 0, sizeof(*bl));
}

static int
s_reserve(struct block_list *bl, size_t more)
{
	size_t cap = bl->cap ? bl->cap : 1024;
	token_block_t *b;
	uint32_t *o;

	if (more > SIZE_MAX / 2 - bl->n)
		return SYM_ERR_LIMIT;
	if (bl->n + more <= bl->cap)
		return SYM_OK;
	while (cap < bl->n + more)
		cap *= 2;
	/* Not realloc: the old copy of the blocks is wiped before it is freed. */
	if ((b = malloc(cap * sizeof(*b))) == NULL)
		return SYM_ERR_ALLOC;
	if (bl->blocks != NULL) {
		memcpy(b, bl->blocks, bl->n * sizeof(*b));
		sodium_memzero(bl->blocks, bl->cap * sizeof(*b));
		free(bl->blocks);
	}
	bl->blocks = b;
	if ((o = realloc(bl->owner, cap * sizeof(*o))) == NULL)
		return SYM_ERR_ALLOC;
	bl->owner = o;
	bl->cap = cap;
	return SYM_OK;
}

int
encode_item_blocks(const struct taxonomy *tax, const struct flow_item *item, enum encode_mode mode,
                   uint32_t owner, struct block_list *bl)
{
	struct token_level levels[TAX_MAX_DEPTH]; /* the item's bins: wiped on the way out */
	size_t nlevels, l, count, got, k;
	int r;

	if ((r = encode_item_levels(tax, item, mode, levels, &nlevels)) != SYM_OK)
		goto out;
	for (l = 0; l < nlevels; l++) {
		count = item->direction == FLOW_OFFER ? token_offer_count(&levels[l])
		                                      : token_need_count(&levels[l]);
		if (count == 0) {
			r = SYM_ERR_INVALID;
			goto out;
		}
		if ((r = s_reserve(bl, count)) != SYM_OK)
			goto out;
		r = item->direction == FLOW_OFFER
		        ? token_offer_blocks(&levels[l], bl->blocks + bl->n, bl->cap - bl->n, &got)
		        : token_need_blocks(&levels[l], bl->blocks + bl->n, bl->cap - bl->n, &got);
		if (r != SYM_OK)
			goto out;
		for (k = 0; k < got; k++)
			bl->owner[bl->n + k] = owner;
		bl->n += got;
	}
out:
	sodium_memzero(levels, sizeof(levels));
	return r;
}

int
encode_item_cost(const struct taxonomy *tax, const struct flow_item *item, enum encode_mode mode,
                 size_t *cost)
{
	struct token_level levels[TAX_MAX_DEPTH];
	size_t nlevels, l;
	int r;

	*cost = 0;
	if ((r = encode_item_levels(tax, item, mode, levels, &nlevels)) != SYM_OK)
		return r;
	for (l = 0; l < nlevels; l++)
		*cost += item->direction == FLOW_OFFER ? token_offer_count(&levels[l])
		                                       : token_need_count(&levels[l]);
	return SYM_OK;
}

static int
s_block_cmp(const void *a, const void *b)
{
	return memcmp(a, b, TOKEN_BLOCK_LEN);
}

/*
 * Sort and drop repeated blocks. A block may belong to several items, so the
 * owners are cleared to ENCODE_NO_OWNER: callers map tokens back to items by
 * recomputing each item's own blocks.
 */
static void
s_dedup(struct block_list *bl)
{
	size_t i, w = 0;

	if (bl->n == 0)
		return;
	qsort(bl->blocks, bl->n, sizeof(*bl->blocks), s_block_cmp);
	for (i = 0; i < bl->n; i++)
		if (w == 0 || memcmp(&bl->blocks[w - 1], &bl->blocks[i], TOKEN_BLOCK_LEN) != 0)
			bl->blocks[w++] = bl->blocks[i];
	bl->n = w;
	memset(bl->owner, 0xff, bl->n * sizeof(*bl->owner));
}

int
encode_flows(const struct taxonomy *tax, const struct flows *fl, enum encode_mode mode,
             struct block_list *offers, struct block_list *needs)
{
	return encode_flows_reach(tax, fl, mode, 0, offers, needs);
}

int
encode_flows_reach(const struct taxonomy *tax, const struct flows *fl, enum encode_mode mode,
                   uint64_t min_reach_m, struct block_list *offers, struct block_list *needs)
{
	size_t i;
	int r;

	for (i = 0; i < fl->n; i++) {
		const struct flow_item *it = &fl->items[i];
		if (it->reach_m < min_reach_m)
			continue;
		r = encode_item_blocks(tax, it, mode, (uint32_t)i,
		                       it->direction == FLOW_OFFER ? offers : needs);
		if (r != SYM_OK)
			return r;
	}
	s_dedup(offers);
	s_dedup(needs);
	return SYM_OK;
}
