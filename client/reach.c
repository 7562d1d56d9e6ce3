#include "reach.h"

#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "tokset.h"

/* Blocks kept across classes before the cache is emptied: 16 bytes each, 64 MiB. */
#define REACH_CACHE_BLOCKS (4u << 20)

struct reach_class {
	int built;
	struct block_list offers, needs;
};

struct reach_blocks {
	const struct taxonomy *tax;
	const struct flows *fl;
	enum encode_mode mode;
	uint64_t *reach;             /* the distinct item reaches, largest first */
	size_t k;                    /* how many */
	struct reach_class *classes; /* [j]: the items with reach >= reach[j - 1]; [0]: none */
	size_t cached;               /* blocks held by built classes */
};

int
reach_exchanges(const struct site *self, const struct site *peer, uint64_t round_reach_m)
{
	return site_within(self, peer, round_reach_m);
}

static int
s_desc(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? 1 : x > y ? -1 : 0;
}

int
reach_blocks_new(const struct taxonomy *tax, const struct flows *fl, enum encode_mode mode,
                 struct reach_blocks **out)
{
	struct reach_blocks *rb = calloc(1, sizeof(*rb));
	size_t i, k = 0;

	*out = NULL;
	if (rb == NULL || (rb->reach = calloc(fl->n + 1, sizeof(*rb->reach))) == NULL ||
	    (rb->classes = calloc(fl->n + 2, sizeof(*rb->classes))) == NULL) {
		reach_blocks_free(&rb);
		return SYM_ERR_ALLOC;
	}
	rb->tax = tax;
	rb->fl = fl;
	rb->mode = mode;
	for (i = 0; i < fl->n; i++)
		rb->reach[i] = fl->items[i].reach_m;
	if (fl->n > 1) /* qsort's base must not be NULL, even for no element */
		qsort(rb->reach, fl->n, sizeof(*rb->reach), s_desc);
	for (i = 0; i < fl->n; i++)
		if (k == 0 || rb->reach[k - 1] != rb->reach[i])
			rb->reach[k++] = rb->reach[i];
	rb->k = k;
	*out = rb;
	return SYM_OK;
}

static void
s_class_clear(struct reach_blocks *rb, struct reach_class *c)
{
	rb->cached -= c->offers.n + c->needs.n;
	block_list_free(&c->offers);
	block_list_free(&c->needs);
	c->built = 0;
}

void
reach_blocks_free(struct reach_blocks **rbp)
{
	struct reach_blocks *rb;
	size_t j;

	if (rbp == NULL || *rbp == NULL)
		return;
	rb = *rbp;
	for (j = 0; rb->classes != NULL && j <= rb->k; j++)
		if (rb->classes[j].built)
			s_class_clear(rb, &rb->classes[j]);
	free(rb->classes);
	free(rb->reach);
	free(rb);
	*rbp = NULL;
}

/* Class j's blocks, built now; the cache is emptied first when it would exceed its budget. */
static int
s_build(struct reach_blocks *rb, size_t j)
{
	struct reach_class *c = &rb->classes[j];
	size_t i;
	int r;

	if (rb->cached > REACH_CACHE_BLOCKS)
		for (i = 0; i <= rb->k; i++)
			if (rb->classes[i].built)
				s_class_clear(rb, &rb->classes[i]);
	block_list_init(&c->offers);
	block_list_init(&c->needs);
	/* Class 0 holds no item: a counterpart beyond every reach gets padding only. */
	if (j > 0 && (r = encode_flows_reach(rb->tax, rb->fl, rb->mode, rb->reach[j - 1],
	                                     &c->offers, &c->needs)) != SYM_OK) {
		block_list_free(&c->offers);
		block_list_free(&c->needs);
		return r;
	}
	c->built = 1;
	rb->cached += c->offers.n + c->needs.n;
	return SYM_OK;
}

int
reach_blocks_for(struct reach_blocks *rb, const struct site *self, const struct site *peer,
                 const struct block_list **offers, const struct block_list **needs)
{
	size_t j = rb->k;
	int r;

	/* The items within reach are those whose reach is at least the distance. */
	if (self != NULL && peer != NULL && self->set && peer->set) {
		uint32_t d = site_distance_m(self, peer);

		for (j = 0; j < rb->k && rb->reach[j] >= d; j++)
			;
	}
	if (!rb->classes[j].built && (r = s_build(rb, j)) != SYM_OK)
		return r;
	*offers = &rb->classes[j].offers;
	*needs = &rb->classes[j].needs;
	return SYM_OK;
}

int
reach_pad_all(struct reach_blocks *rb, struct blind_padding *pad)
{
	const struct block_list *offers, *needs;
	int r;

	if ((r = reach_blocks_for(rb, NULL, NULL, &offers, &needs)) != SYM_OK)
		return r;
	pad->offers.floor =
	    (uint32_t)tokset_size_class(offers->n, pad->offers.floor, pad->offers.fixed);
	pad->needs.floor =
	    (uint32_t)tokset_size_class(needs->n, pad->needs.floor, pad->needs.fixed);
	return SYM_OK;
}

int
reach_select(const uint8_t *all, size_t n, const struct block_list *within, uint8_t *vals,
             size_t size, size_t *kept)
{
	size_t i = 0, j, w = 0;

	*kept = 0;
	/* Both lists are sorted the same way: one merge walk finds each kept block. */
	for (j = 0; j < within->n; j++) {
		while (i < n &&
		       memcmp(all + i * TOKEN_BLOCK_LEN, within->blocks[j].b, TOKEN_BLOCK_LEN) < 0)
			i++;
		if (i == n ||
		    memcmp(all + i * TOKEN_BLOCK_LEN, within->blocks[j].b, TOKEN_BLOCK_LEN) != 0)
			return SYM_ERR_FORMAT;
		if (w != i)
			memmove(vals + w * size, vals + i * size, size);
		w++;
		i++;
	}
	*kept = w;
	return SYM_OK;
}
