#include "token.h"

#include <string.h>

#include "err.h"

unsigned
token_level_stride(const struct token_level *lv)
{
	uint64_t offers = 1;
	unsigned d;

	if (!lv->strided || lv->version1)
		return 1;
	for (d = 0; d < lv->ndims && d < TOKEN_MAX_DIMS; d++) {
		offers *= lv->dims[d].bits + 1u;
		if (offers > TOKEN_WIDE_OFFER)
			return 2;
	}
	return 1;
}

size_t
token_prefixes(uint16_t bin, uint8_t bits, unsigned stride, struct token_prefix *out)
{
	size_t n = 0;
	unsigned len = 0;

	if (stride == 0 || stride > TOKEN_MAX_STRIDE || bits > TOKEN_MAX_BITS)
		return 0;
	for (;;) {
		out[n].len = (uint8_t)len;
		out[n].value = (uint16_t)((uint32_t)bin >> (bits - len));
		n++;
		if (len == bits)
			return n;
		len = len + stride < bits ? len + stride : bits;
	}
}

/*
 * Whether a node of 2^k bins (prefix length bits - k) is one the stride
 * allows: lengths 0, stride, 2 stride, ... and bits.
 */
static int
s_length_allowed(unsigned bits, unsigned k, unsigned stride)
{
	return k == 0 || (bits - k) % stride == 0;
}

size_t
token_cover_range(uint16_t lo, uint16_t hi, uint8_t bits, unsigned stride, struct token_prefix *out)
{
	uint32_t cur = lo, end = (uint32_t)hi + 1, k;
	size_t n = 0;

	if (bits == 0 || bits > TOKEN_MAX_BITS || stride == 0 || stride > TOKEN_MAX_STRIDE ||
	    lo > hi || end > (1u << bits))
		return 0;
	/*
	 * Greedy left to right: at each point take the largest aligned node of
	 * an allowed length that still fits. The allowed nodes nest, so this
	 * yields the canonical cover: the nodes inside the range whose parent
	 * (the node of the next shorter allowed length) is not.
	 */
	while (cur < end) {
		k = bits;
		while (k > 0 && (!s_length_allowed(bits, k, stride) ||
		                 (cur & ((1u << k) - 1)) != 0 || cur + (1u << k) > end))
			k--;
		out[n].len = (uint8_t)(bits - k);
		out[n].value = (uint16_t)(cur >> k);
		n++;
		cur += 1u << k;
	}
	return n;
}

int
token_level_check(const struct token_level *lv)
{
	unsigned used = 0, d;

	if (lv == NULL || lv->ndims == 0 || lv->ndims > TOKEN_MAX_DIMS)
		return SYM_ERR_INVALID;
	for (d = 0; d < lv->ndims; d++) {
		const struct token_dim *dim = &lv->dims[d];

		if (dim->bits == 0 || dim->bits > TOKEN_MAX_BITS)
			return SYM_ERR_INVALID;
		if (dim->present && (dim->lo > dim->hi || (uint32_t)dim->hi >= (1u << dim->bits)))
			return SYM_ERR_INVALID;
		used += dim->bits + 1u;
	}
	return used <= TOKEN_DIM_BITS ? SYM_OK : SYM_ERR_LIMIT;
}

/* Per-dimension candidate prefixes for one side, computed once per level. */
struct dim_choices {
	size_t n;
	struct token_prefix p[TOKEN_MAX_COVER + 1];
};

static int
s_choices(const struct token_level *lv, int need, struct dim_choices ch[TOKEN_MAX_DIMS])
{
	unsigned d, stride = token_level_stride(lv), first, v;

	for (d = 0; d < lv->ndims; d++) {
		const struct token_dim *dim = &lv->dims[d];

		if (!dim->present) {
			/* Missing (offer) or unconstrained (need): the empty prefix only. */
			ch[d].n = 1;
			ch[d].p[0].len = 0;
			ch[d].p[0].value = 0;
		} else if (need) {
			ch[d].n = token_cover_range(dim->lo, dim->hi, dim->bits, stride, ch[d].p);
			if (ch[d].n == 0)
				return SYM_ERR_INVALID;
			if (ch[d].p[0].len == 0) {
				/*
				 * A constrained dimension whose range is everything still
				 * requires the offer to state it; the empty prefix alone
				 * would also match an offer that leaves it out. The nodes
				 * of the first length after 0 cover the same bins without
				 * that token.
				 */
				first = stride < dim->bits ? stride : dim->bits;
				ch[d].n = (size_t)1 << first;
				for (v = 0; v < ch[d].n; v++) {
					ch[d].p[v].len = (uint8_t)first;
					ch[d].p[v].value = (uint16_t)v;
				}
			}
		} else {
			if (dim->lo != dim->hi)
				return SYM_ERR_INVALID;
			ch[d].n = token_prefixes(dim->lo, dim->bits, stride, ch[d].p);
		}
	}
	return SYM_OK;
}

/* Write `width` low bits of v into buf at bit offset *pos, most significant first. */
static void
s_put_bits(uint8_t *buf, unsigned *pos, uint32_t v, unsigned width)
{
	unsigned i;

	for (i = width; i-- > 0;) {
		if ((v >> i) & 1u)
			buf[*pos >> 3] |= (uint8_t)(0x80u >> (*pos & 7));
		(*pos)++;
	}
}

static int
s_blocks(const struct token_level *lv, int need, token_block_t *out, size_t cap, size_t *n)
{
	struct dim_choices ch[TOKEN_MAX_DIMS];
	size_t idx[TOKEN_MAX_DIMS] = {0};
	size_t count = 1, k;
	unsigned d, pos;
	int r;

	if (n == NULL)
		return SYM_ERR_INVALID;
	*n = 0;
	if ((r = token_level_check(lv)) != SYM_OK)
		return r;
	if ((r = s_choices(lv, need, ch)) != SYM_OK)
		return r;
	for (d = 0; d < lv->ndims; d++)
		count *= ch[d].n;
	if (count > cap)
		return SYM_ERR_NOSPACE;
	for (k = 0; k < count; k++) {
		uint8_t *b = out[k].b;

		memset(b, 0, TOKEN_BLOCK_LEN);
		b[0] = lv->version1 ? TOKEN_VERSION_1 : TOKEN_VERSION;
		b[1] = (uint8_t)(lv->category_id >> 8);
		b[2] = (uint8_t)(lv->category_id & 0xff);
		b[3] = lv->level;
		pos = 32;
		for (d = 0; d < lv->ndims; d++) {
			const struct token_prefix *p = &ch[d].p[idx[d]];

			/* The leading 1 bit marks the prefix length: (1 << len) | value. */
			s_put_bits(b, &pos, (1u << p->len) | p->value, lv->dims[d].bits + 1u);
		}
		/* Odometer over the cross product, last dimension fastest. */
		for (d = lv->ndims; d-- > 0;) {
			if (++idx[d] < ch[d].n)
				break;
			idx[d] = 0;
		}
	}
	*n = count;
	return SYM_OK;
}

static size_t
s_count(const struct token_level *lv, int need)
{
	struct dim_choices ch[TOKEN_MAX_DIMS];
	size_t count = 1;
	unsigned d;

	if (token_level_check(lv) != SYM_OK || s_choices(lv, need, ch) != SYM_OK)
		return 0;
	for (d = 0; d < lv->ndims; d++)
		count *= ch[d].n;
	return count;
}

size_t
token_offer_count(const struct token_level *lv)
{
	return s_count(lv, 0);
}

size_t
token_need_count(const struct token_level *lv)
{
	return s_count(lv, 1);
}

int
token_offer_blocks(const struct token_level *lv, token_block_t *out, size_t cap, size_t *n)
{
	return s_blocks(lv, 0, out, cap, n);
}

int
token_need_blocks(const struct token_level *lv, token_block_t *out, size_t cap, size_t *n)
{
	return s_blocks(lv, 1, out, cap, n);
}

int
token_level_compatible(const struct token_level *offer, const struct token_level *need)
{
	unsigned d;

	if (offer->category_id != need->category_id || offer->level != need->level ||
	    offer->ndims != need->ndims)
		return 0;
	for (d = 0; d < need->ndims; d++) {
		const struct token_dim *o = &offer->dims[d], *nd = &need->dims[d];

		if (o->bits != nd->bits)
			return 0;
		if (!nd->present)
			continue;
		if (!o->present || o->lo < nd->lo || o->lo > nd->hi)
			return 0;
	}
	return 1;
}
