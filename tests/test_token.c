/* Unit tests of the token encoder: prefixes, covers, block layout, budgets. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "prf.h"
#include "token.h"
#include "tokset.h"

static int
s_prefix_has(const struct token_prefix *p, size_t n, uint8_t len, uint16_t value)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i].len == len && p[i].value == value)
			return 1;
	return 0;
}

/* The worked example of PROTOCOL.md: one 4-bit dimension. */
static void
test_worked_example(void **state)
{
	struct token_prefix pre[TOKEN_MAX_BITS + 1], cov[TOKEN_MAX_COVER];
	size_t np, nc, i, shared = 0;

	(void)state;
	np = token_prefixes(9, 4, 1, pre);
	assert_int_equal(np, 5);
	assert_true(s_prefix_has(pre, np, 0, 0));
	assert_true(s_prefix_has(pre, np, 1, 1)); /* 1 */
	assert_true(s_prefix_has(pre, np, 2, 2)); /* 10 */
	assert_true(s_prefix_has(pre, np, 3, 4)); /* 100 */
	assert_true(s_prefix_has(pre, np, 4, 9)); /* 1001 */
	nc = token_cover_range(5, 12, 4, 1, cov);
	assert_int_equal(nc, 4);
	assert_true(s_prefix_has(cov, nc, 4, 5));  /* 0101 */
	assert_true(s_prefix_has(cov, nc, 3, 3));  /* 011 */
	assert_true(s_prefix_has(cov, nc, 2, 2));  /* 10 */
	assert_true(s_prefix_has(cov, nc, 4, 12)); /* 1100 */
	for (i = 0; i < nc; i++)
		shared += s_prefix_has(pre, np, cov[i].len, cov[i].value);
	assert_int_equal(shared, 1);
	np = token_prefixes(4, 4, 1, pre); /* 0100 */
	for (shared = 0, i = 0; i < nc; i++)
		shared += s_prefix_has(pre, np, cov[i].len, cov[i].value);
	assert_int_equal(shared, 0);
}

/* Whether the node (len, value) contains bin v of a `bits`-bit dimension. */
static int
s_node_has(const struct token_prefix *p, unsigned bits, unsigned v)
{
	return (v >> (bits - p->len)) == p->value;
}

/*
 * Every range of every width up to 8 bits, at both strides: the cover is
 * exact and disjoint, uses only the stride's lengths, is within the bound,
 * and is canonical (no node's parent at the next shorter allowed length lies
 * inside the range), so that every party computes the same one.
 */
static void
test_cover_exhaustive(void **state)
{
	struct token_prefix cov[TOKEN_MAX_COVER];
	unsigned bits, lo, hi, v, i, stride;

	(void)state;
	for (stride = 1; stride <= TOKEN_MAX_STRIDE; stride++) {
		for (bits = 1; bits <= 8; bits++) {
			unsigned top = (1u << bits) - 1, levels = (bits + stride - 1) / stride;
			for (lo = 0; lo <= top; lo++) {
				for (hi = lo; hi <= top; hi++) {
					size_t n = token_cover_range((uint16_t)lo, (uint16_t)hi,
					                             (uint8_t)bits, stride, cov);
					assert_true(n >= 1);
					assert_true(bits < 2 ||
					            n <= 2 * ((1u << stride) - 1) * levels);
					assert_true(n <= TOKEN_MAX_COVER);
					for (i = 0; i < n; i++) {
						unsigned len = cov[i].len, plen, plo, phi;

						assert_true(len == bits || len % stride == 0);
						if (len == 0)
							continue;
						plen = len == bits ? (bits - 1) / stride * stride
						                   : len - stride;
						plo = (unsigned)(cov[i].value >> (len - plen))
						      << (bits - plen);
						phi = plo + (1u << (bits - plen)) - 1;
						assert_false(plo >= lo && phi <= hi);
					}
					for (v = 0; v <= top; v++) {
						unsigned hits = 0;
						for (i = 0; i < n; i++)
							hits += s_node_has(&cov[i], bits, v);
						assert_int_equal(hits,
						                 (v >= lo && v <= hi) ? 1 : 0);
					}
				}
			}
		}
	}
}

/*
 * The matching property at both strides: an offered bin shares exactly one
 * node with a range that holds it and none with a range that does not.
 */
static void
test_stride_shares_one(void **state)
{
	struct token_prefix pre[TOKEN_MAX_BITS + 1], cov[TOKEN_MAX_COVER];
	unsigned bits, lo, hi, v, i, j, stride, shared;
	size_t np, nc;

	(void)state;
	for (stride = 1; stride <= TOKEN_MAX_STRIDE; stride++) {
		for (bits = 1; bits <= 7; bits++) {
			unsigned top = (1u << bits) - 1;
			for (v = 0; v <= top; v++) {
				np = token_prefixes((uint16_t)v, (uint8_t)bits, stride, pre);
				assert_int_equal(np, (bits + stride - 1) / stride + 1);
				for (lo = 0; lo <= top; lo++) {
					for (hi = lo; hi <= top; hi++) {
						nc = token_cover_range((uint16_t)lo, (uint16_t)hi,
						                       (uint8_t)bits, stride, cov);
						for (shared = 0, i = 0; i < nc; i++)
							for (j = 0; j < np; j++)
								shared +=
								    cov[i].len == pre[j].len &&
								    cov[i].value == pre[j].value;
						assert_int_equal(shared, v >= lo && v <= hi);
					}
				}
			}
		}
	}
	assert_int_equal(token_prefixes(1, 4, 0, pre), 0);
	assert_int_equal(token_prefixes(1, 4, TOKEN_MAX_STRIDE + 1, pre), 0);
}

/*
 * The stride is the level's own: 1 while its offers cost at most
 * TOKEN_WIDE_OFFER blocks, 2 beyond, 1 throughout where the level allows no
 * strides; and the five-dimension wastewater level
 * of the default taxonomy (10, 9, 8, 8, 8 bits) costs 6*6*5*5*5 instead of
 * 11*10*9*9*9 blocks.
 */
static void
test_level_stride(void **state)
{
	struct token_level lv;
	static const uint8_t wide[5] = {10, 9, 8, 8, 8};
	unsigned d;

	(void)state;
	memset(&lv, 0, sizeof(lv));
	lv.ndims = 3;
	lv.strided = 1;
	lv.dims[0].bits = 7;
	lv.dims[1].bits = lv.dims[2].bits = 7; /* 8^3 = 512: not above */
	assert_int_equal(token_level_stride(&lv), 1);
	lv.dims[2].bits = 8; /* 8*8*9 = 576 */
	assert_int_equal(token_level_stride(&lv), 2);
	lv.strided = 0; /* a hardened round's level */
	assert_int_equal(token_level_stride(&lv), 1);
	lv.strided = 1;
	lv.version1 = 1; /* token encoding 1 (protocol 1.1): never strided */
	assert_int_equal(token_level_stride(&lv), 1);
	lv.version1 = 0;
	lv.ndims = 5;
	for (d = 0; d < 5; d++) {
		lv.dims[d].bits = wide[d];
		lv.dims[d].present = 1;
		lv.dims[d].lo = lv.dims[d].hi = (uint16_t)(d * 3);
	}
	assert_int_equal(token_offer_count(&lv), 6 * 6 * 5 * 5 * 5);
	/* A need for the whole of one attribute: the four nodes of length 2. */
	for (d = 0; d < 5; d++)
		lv.dims[d].present = d == 1;
	lv.dims[1].lo = 0;
	lv.dims[1].hi = 511;
	assert_int_equal(token_need_count(&lv), 4);
}

static void
test_cover_rejects(void **state)
{
	struct token_prefix cov[TOKEN_MAX_COVER];

	(void)state;
	assert_int_equal(token_cover_range(5, 4, 4, 1, cov), 0);  /* lo > hi */
	assert_int_equal(token_cover_range(0, 16, 4, 1, cov), 0); /* beyond 4 bits */
	assert_int_equal(token_cover_range(0, 0, 0, 1, cov), 0);  /* no bits */
	assert_int_equal(token_cover_range(0, 1, 17, 1, cov), 0); /* too wide */
	assert_int_equal(token_cover_range(0, 1, 4, 0, cov), 0);  /* no stride */
	assert_int_equal(token_cover_range(0, 1, 4, TOKEN_MAX_STRIDE + 1, cov), 0);
	/* Worst cases at 16 bits stay within the bound. */
	assert_int_equal(token_cover_range(1, 65534, 16, 1, cov), 30);
	assert_int_equal(token_cover_range(1, 65534, 16, 2, cov), 44);
}

static struct token_level
s_level(uint16_t cat, uint8_t level, uint8_t ndims)
{
	struct token_level lv;
	unsigned d;

	memset(&lv, 0, sizeof(lv));
	lv.category_id = cat;
	lv.level = level;
	lv.ndims = ndims;
	for (d = 0; d < ndims; d++)
		lv.dims[d].bits = 4;
	return lv;
}

static void
test_block_layout(void **state)
{
	struct token_level lv = s_level(0x1234, 2, 2);
	token_block_t b[64];
	size_t n = 0;

	(void)state;
	/* Offer: quantity bin 9 (4 bits), attribute missing. */
	lv.dims[0].present = 1;
	lv.dims[0].lo = lv.dims[0].hi = 9;
	assert_int_equal(token_offer_count(&lv), 5);
	assert_int_equal(token_offer_blocks(&lv, b, 64, &n), SYM_OK);
	assert_int_equal(n, 5);
	/* Header: version, category id big endian, level. */
	assert_int_equal(b[0].b[0], TOKEN_VERSION);
	assert_int_equal(b[0].b[1], 0x12);
	assert_int_equal(b[0].b[2], 0x34);
	assert_int_equal(b[0].b[3], 2);
	/* First block: both dimensions the empty prefix: 00001 00001 then zeros. */
	assert_int_equal(b[0].b[4], 0x08);
	assert_int_equal(b[0].b[5], 0x40);
	/* Last: quantity 1001 with marker -> 11001, attribute 00001. */
	assert_int_equal(b[4].b[4], 0xc8);
	assert_int_equal(b[4].b[5], 0x40);
	assert_int_equal(b[4].b[15], 0);
	/* Too small a buffer is refused, not overrun. */
	assert_int_equal(token_offer_blocks(&lv, b, 4, &n), SYM_ERR_NOSPACE);
	/* Token encoding 1: the same blocks but for the version byte. */
	{
		token_block_t v1[64];
		size_t n1 = 0, k;

		lv.version1 = 1;
		assert_int_equal(token_offer_blocks(&lv, v1, 64, &n1), SYM_OK);
		assert_int_equal(n1, 5);
		for (k = 0; k < n1; k++) {
			assert_int_equal(v1[k].b[0], TOKEN_VERSION_1);
			assert_memory_equal(v1[k].b + 1, b[k].b + 1, TOKEN_BLOCK_LEN - 1);
		}
	}
}

/* Distinct (prefix length, value) pairs never encode to the same block. */
static void
test_block_injective(void **state)
{
	struct token_level lv = s_level(7, 1, 2);
	token_block_t *all = calloc(4096, sizeof(*all)), b[64];
	size_t total = 0, n, i, j;
	unsigned v, w;

	(void)state;
	assert_non_null(all);
	lv.dims[0].present = lv.dims[1].present = 1;
	for (v = 0; v < 16; v++) {
		for (w = 0; w < 16; w++) {
			lv.dims[0].lo = lv.dims[0].hi = (uint16_t)v;
			lv.dims[1].lo = lv.dims[1].hi = (uint16_t)w;
			assert_int_equal(token_offer_blocks(&lv, b, 64, &n), SYM_OK);
			assert_int_equal(n, 25);
			for (i = 0; i < n; i++) {
				for (j = 0; j < total; j++)
					if (memcmp(&all[j], &b[i], sizeof(b[i])) == 0)
						break;
				if (j == total)
					all[total++] = b[i];
			}
		}
	}
	/* Distinct prefix pairs: (1+2+4+8+16)^2 = 961. */
	assert_int_equal(total, 961);
	free(all);
}

static void
test_level_check(void **state)
{
	struct token_level lv = s_level(1, 0, 1);
	token_block_t b[8];
	size_t n;

	(void)state;
	assert_int_equal(token_level_check(&lv), SYM_OK);
	lv.ndims = 0;
	assert_int_equal(token_level_check(&lv), SYM_ERR_INVALID);
	lv.ndims = TOKEN_MAX_DIMS + 1;
	assert_int_equal(token_level_check(&lv), SYM_ERR_INVALID);
	lv = s_level(1, 0, 1);
	lv.dims[0].bits = 17;
	assert_int_equal(token_level_check(&lv), SYM_ERR_INVALID);
	lv.dims[0].bits = 4;
	lv.dims[0].present = 1;
	lv.dims[0].lo = 3;
	lv.dims[0].hi = 16; /* beyond 4 bits */
	assert_int_equal(token_level_check(&lv), SYM_ERR_INVALID);
	assert_int_equal(token_need_blocks(&lv, b, 8, &n), SYM_ERR_INVALID);
	/* An offer must state a single bin. */
	lv.dims[0].hi = 5;
	assert_int_equal(token_offer_blocks(&lv, b, 8, &n), SYM_ERR_INVALID);
	/* Budget: six 16-bit dimensions need 102 > 96 bits. */
	lv = s_level(1, 0, 6);
	for (n = 0; n < 6; n++)
		lv.dims[n].bits = 16;
	assert_int_equal(token_level_check(&lv), SYM_ERR_LIMIT);
	lv.dims[5].bits = 10; /* 5*17 + 11 = 96 */
	assert_int_equal(token_level_check(&lv), SYM_OK);
}

/* A constrained full range must not match an offer that leaves the attribute out. */
static void
test_full_range_needs_attribute(void **state)
{
	struct token_level offer = s_level(3, 0, 2), need = s_level(3, 0, 2);
	token_block_t ob[64], nb[64];
	size_t no, nn, i, j, shared = 0;

	(void)state;
	offer.dims[0].present = 1;
	offer.dims[0].lo = offer.dims[0].hi = 6;
	need.dims[1].present = 1;
	need.dims[1].lo = 0;
	need.dims[1].hi = 15;
	assert_int_equal(token_offer_blocks(&offer, ob, 64, &no), SYM_OK);
	assert_int_equal(token_need_blocks(&need, nb, 64, &nn), SYM_OK);
	assert_int_equal(nn, 2);
	for (i = 0; i < no; i++)
		for (j = 0; j < nn; j++)
			shared += memcmp(&ob[i], &nb[j], TOKEN_BLOCK_LEN) == 0;
	assert_int_equal(shared, 0);
	assert_false(token_level_compatible(&offer, &need));
	/* Once the offer states it, exactly one block is shared. */
	offer.dims[1].present = 1;
	offer.dims[1].lo = offer.dims[1].hi = 15;
	assert_int_equal(token_offer_blocks(&offer, ob, 64, &no), SYM_OK);
	for (shared = 0, i = 0; i < no; i++)
		for (j = 0; j < nn; j++)
			shared += memcmp(&ob[i], &nb[j], TOKEN_BLOCK_LEN) == 0;
	assert_int_equal(shared, 1);
	assert_true(token_level_compatible(&offer, &need));
}

static void
test_prf_tokens_match_ecb(void **state)
{
	struct prf_ctx *prf = NULL;

	assert_int_equal(prf_new(&prf), SYM_OK);
	uint8_t key[PRF_KEY_LEN], out[3 * 16];
	token_block_t blocks[3000];
	token_t *tok = calloc(3000, sizeof(*tok));
	size_t i;

	(void)state;
	assert_non_null(prf);
	assert_non_null(tok);
	randombytes_buf(key, sizeof(key));
	randombytes_buf(blocks, sizeof(blocks));
	/* More than one internal chunk, so chunk boundaries are exercised. */
	assert_int_equal(prf_tokens(prf, key, blocks, 3000, tok), SYM_OK);
	for (i = 0; i < 3000; i += 997) {
		assert_int_equal(prf_aes_ecb(prf, key, blocks[i].b, out, 1), SYM_OK);
		assert_memory_equal(&tok[i], out, TOKEN_LEN);
	}
	assert_int_equal(prf_tokens(prf, key, blocks, 0, tok), SYM_OK);
	assert_int_equal(prf_tokens(NULL, key, blocks, 1, tok), SYM_ERR_INVALID);
	free(tok);
	prf_free(&prf);
	assert_null(prf);
	prf_free(NULL);
}

static void
test_tokset(void **state)
{
	token_t a[1000], b[1000], scratch[1000];
	uint8_t out[8 * 1000];
	size_t i, n, nb;

	(void)state;
	randombytes_buf(a, sizeof(a));
	for (i = 0; i < 1000; i++)
		b[i] = (i % 3 == 0) ? a[i] : a[i] ^ 1;
	a[10] = a[11]; /* a repeat */
	n = tokset_wire_sort(a, 1000, scratch);
	assert_int_equal(n, 999);
	assert_true(tokset_wire_valid((const uint8_t *)a, 8 * n, n));
	assert_false(tokset_wire_valid((const uint8_t *)a, 8 * n, n - 1));
	nb = tokset_wire_sort(b, 1000, scratch);
	assert_int_equal(nb, 1000);
	n = tokset_wire_intersect((const uint8_t *)a, n, (const uint8_t *)b, nb, out);
	assert_true(n >= 333 && n <= 334);
	assert_true(tokset_wire_valid(out, 8 * n, n));
	for (i = 0; i < n; i++) {
		assert_true(tokset_wire_contains((const uint8_t *)a, 999, out + 8 * i));
		assert_true(tokset_wire_contains((const uint8_t *)b, 1000, out + 8 * i));
	}
	tokset_sort(a, 0, scratch);
	tokset_sort(a, 1, scratch);
	assert_int_equal(tokset_unique(a, 0), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_worked_example),
	    cmocka_unit_test(test_cover_exhaustive),
	    cmocka_unit_test(test_stride_shares_one),
	    cmocka_unit_test(test_level_stride),
	    cmocka_unit_test(test_cover_rejects),
	    cmocka_unit_test(test_block_layout),
	    cmocka_unit_test(test_block_injective),
	    cmocka_unit_test(test_level_check),
	    cmocka_unit_test(test_full_range_needs_attribute),
	    cmocka_unit_test(test_prf_tokens_match_ecb),
	    cmocka_unit_test(test_tokset),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
