/*
 * Unit tests for the secure aggregation primitives: Shamir sharing over the
 * ristretto255 scalar field (crypto/shamir.c), the masks and their mod 2^64
 * arithmetic (crypto/masks.c), and the indicator layout (common/indlayout.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "indlayout.h"
#include "masks.h"
#include "shamir.h"
#include "taxonomy.h"

#define N 7
#define T 5

static void
s_split(uint8_t secret[32], uint8_t shares[N][32])
{
	crypto_core_ristretto255_scalar_random(secret);
	assert_int_equal(shamir_split(secret, T, N, shares), SYM_OK);
}

/* Recover from the shares at the given 1-based points. */
static int
s_recover(uint8_t shares[N][32], const uint32_t *xs, size_t k, uint8_t out[32])
{
	uint8_t coeffs[N][32], ys[N][32];
	size_t j;

	assert_int_equal(shamir_lagrange(xs, k, coeffs), SYM_OK);
	for (j = 0; j < k; j++)
		memcpy(ys[j], shares[xs[j] - 1], 32);
	return shamir_combine((const uint8_t(*)[32])coeffs, (const uint8_t(*)[32])ys, k, out);
}

/* The 1-based points of the subset `mask` of the N shares; returns how many. */
static size_t
s_points(unsigned mask, uint32_t xs[N])
{
	size_t k = 0, b;

	for (b = 0; b < N; b++)
		if (mask & (1u << b))
			xs[k++] = (uint32_t)b + 1;
	return k;
}

/*
 * Every subset of the N shares: from T or more the secret comes back; from
 * T-1, whichever they are, something else does (a wrong guess, not the secret).
 */
static void
test_subsets(void **state)
{
	uint8_t secret[32], shares[N][32], out[32];
	unsigned mask;

	(void)state;
	s_split(secret, shares);
	for (mask = 0; mask < (1u << N); mask++) {
		uint32_t xs[N];
		size_t k = s_points(mask, xs);
		if (k < T - 1)
			continue;
		assert_int_equal(s_recover(shares, xs, k, out), SYM_OK);
		if (k >= T)
			assert_memory_equal(out, secret, 32);
		else
			assert_memory_not_equal(out, secret, 32);
	}
}

static void
test_bad_inputs(void **state)
{
	uint8_t secret[32], shares[N][32], coeffs[3][32], big[32];
	uint32_t dup[3] = {1, 2, 1}, zero[2] = {0, 1};

	(void)state;
	crypto_core_ristretto255_scalar_random(secret);
	assert_int_equal(shamir_split(secret, 0, N, shares), SYM_ERR_INVALID);
	assert_int_equal(shamir_split(secret, N + 1, N, shares), SYM_ERR_INVALID);
	memset(big, 0xff, sizeof(big)); /* above L: not a scalar */
	assert_false(shamir_scalar_canonical(big));
	assert_int_equal(shamir_split(big, 2, N, shares), SYM_ERR_INVALID);
	assert_int_equal(shamir_lagrange(dup, 3, coeffs), SYM_ERR_INVALID);
	assert_int_equal(shamir_lagrange(zero, 2, coeffs), SYM_ERR_INVALID);
	/* A share above L (a peer's garbage) is refused, not reduced silently. */
	assert_int_equal(shamir_lagrange(dup, 2, coeffs), SYM_OK);
	memcpy(shares[0], big, 32);
	assert_int_equal(
	    shamir_combine((const uint8_t(*)[32])coeffs, (const uint8_t(*)[32])shares, 2, secret),
	    SYM_ERR_FORMAT);
}

/* Three members: pair masks cancel in the sum; self masks come off with b. */
static void
test_masks_cancel(void **state)
{
	const char *ids[3] = {"alpha", "beta", "gamma"};
	uint8_t round[16], kpi[3][3][32], b[3][32], key[32];
	uint64_t x[3][40], y[3][40], sum[40] = {0}, want[40] = {0};
	size_t i, j, c;

	(void)state;
	randombytes_buf(round, sizeof(round));
	for (i = 0; i < 3; i++)
		for (j = i + 1; j < 3; j++) {
			randombytes_buf(kpi[i][j], 32);
			memcpy(kpi[j][i], kpi[i][j], 32);
		}
	for (i = 0; i < 3; i++) {
		crypto_core_ristretto255_scalar_random(b[i]);
		for (c = 0; c < 40; c++)
			want[c] += x[i][c] = (uint64_t)randombytes_random() << 32 | (c * 7 + i);
		memcpy(y[i], x[i], sizeof(x[i]));
		assert_int_equal(masks_apply(b[i], round, 1, 1, y[i], 40), SYM_OK);
		for (j = 0; j < 3; j++) {
			if (j == i)
				continue;
			assert_int_equal(masks_pair_key(kpi[i][j], key), SYM_OK);
			assert_int_equal(
			    masks_apply(key, round, 0, masks_pair_sign(ids[i], ids[j]), y[i], 40),
			    SYM_OK);
		}
		/* A masked vector shows nothing of its cells. */
		assert_memory_not_equal(y[i], x[i], sizeof(x[i]));
		masks_vec_add(sum, y[i], 40, 1);
	}
	for (i = 0; i < 3; i++)
		assert_int_equal(masks_apply(b[i], round, 1, -1, sum, 40), SYM_OK);
	assert_memory_equal(sum, want, sizeof(sum));
}

/* A dropped member's pair masks come off with the survivors' K_mask. */
static void
test_dropped_mask(void **state)
{
	uint8_t round[16], kpi[32], key[32], bs[32];
	uint64_t v[1000], zero[1000] = {0};

	(void)state;
	randombytes_buf(round, sizeof(round));
	randombytes_buf(kpi, sizeof(kpi));
	crypto_core_ristretto255_scalar_random(bs);
	memset(v, 0, sizeof(v));
	assert_int_equal(masks_pair_key(kpi, key), SYM_OK);
	assert_int_equal(masks_apply(key, round, 0, 1, v, 1000), SYM_OK);
	assert_int_equal(masks_apply(bs, round, 1, 1, v, 1000), SYM_OK);
	assert_int_equal(masks_apply(key, round, 0, -1, v, 1000), SYM_OK);
	assert_int_equal(masks_apply(bs, round, 1, -1, v, 1000), SYM_OK);
	assert_memory_equal(v, zero, sizeof(v));
	assert_int_equal(masks_pair_sign("a", "b"), 1);
	assert_int_equal(masks_pair_sign("b", "a"), -1);
}

static void
test_vec_wire(void **state)
{
	uint64_t v[2] = {0x0102030405060708ull, UINT64_MAX}, w[2];
	uint8_t b[16];

	(void)state;
	masks_vec_store(v, 2, b);
	assert_int_equal(b[0], 0x08);
	assert_int_equal(b[7], 0x01);
	masks_vec_load(b, 2, w);
	assert_memory_equal(v, w, sizeof(v));
}

/* The layout: the three top levels, every second level, sorted, in one unit each. */
static void
test_layout(void **state)
{
	struct sym_diag diag = {""};
	struct taxonomy *tax = NULL;
	struct ind_layout *l = NULL;
	size_t cls[2], i, n;

	(void)state;
	assert_int_equal(taxonomy_load_default(&tax, &diag), SYM_OK);
	assert_int_equal(ind_layout_new(tax, &l), SYM_OK);
	assert_int_equal(l->ncells, l->nclasses * IND_INDICATORS);
	for (i = 1; i < l->nclasses; i++)
		assert_true(strcmp(l->classes[i - 1].name, l->classes[i].name) < 0);
	/* Steam (t/yr) is in energy.steam only; heat (MWh/yr) in energy and energy.heat. */
	n = ind_layout_classes_of(l, taxonomy_find(tax, "energy.steam"), cls);
	assert_int_equal(n, 1);
	assert_string_equal(l->classes[cls[0]].name, "energy.steam");
	n = ind_layout_classes_of(l, taxonomy_find(tax, "energy.heat.waste_heat"), cls);
	assert_int_equal(n, 2);
	assert_string_equal(l->classes[cls[0]].name, "energy");
	assert_string_equal(l->classes[cls[1]].name, "energy.heat");
	n = ind_layout_classes_of(l, taxonomy_find(tax, "material.ash.fly_ash"), cls);
	assert_int_equal(n, 2);
	assert_string_equal(l->classes[cls[1]].name, "material.ash");
	assert_string_equal(ind_indicator_name(IND_EXCHANGE_CONTRIBUTORS), "exchange_contributors");
	assert_null(ind_indicator_name(IND_INDICATORS));
	ind_layout_free(&l);
	taxonomy_free(&tax);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_subsets),      cmocka_unit_test(test_bad_inputs),
	    cmocka_unit_test(test_masks_cancel), cmocka_unit_test(test_dropped_mask),
	    cmocka_unit_test(test_vec_wire),     cmocka_unit_test(test_layout),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
