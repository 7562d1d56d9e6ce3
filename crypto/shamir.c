#include "shamir.h"

#include <sodium.h>
#include <string.h>

#include "err.h"

int
shamir_scalar_canonical(const uint8_t s[SHAMIR_SCALAR_LEN])
{
	uint8_t wide[64] = {0}, red[SHAMIR_SCALAR_LEN];

	/* Reducing a value below L gives it back; anything else changes. */
	memcpy(wide, s, SHAMIR_SCALAR_LEN);
	crypto_core_ristretto255_scalar_reduce(red, wide);
	return sodium_memcmp(red, s, SHAMIR_SCALAR_LEN) == 0;
}

/* The scalar of a small integer. */
static void
s_scalar_u32(uint32_t v, uint8_t out[SHAMIR_SCALAR_LEN])
{
	memset(out, 0, SHAMIR_SCALAR_LEN);
	out[0] = (uint8_t)v;
	out[1] = (uint8_t)(v >> 8);
	out[2] = (uint8_t)(v >> 16);
	out[3] = (uint8_t)(v >> 24);
}

int
shamir_split(const uint8_t secret[SHAMIR_SCALAR_LEN], unsigned t, unsigned n,
             uint8_t (*shares)[SHAMIR_SCALAR_LEN])
{
	uint8_t(*coef)[SHAMIR_SCALAR_LEN] = NULL;
	uint8_t x[SHAMIR_SCALAR_LEN], acc[SHAMIR_SCALAR_LEN];
	unsigned k, d;

	if (t < 1 || t > n || n > SHAMIR_MAX_SHARES || !shamir_scalar_canonical(secret))
		return SYM_ERR_INVALID;
	if ((coef = sodium_malloc((size_t)t * SHAMIR_SCALAR_LEN)) == NULL)
		return SYM_ERR_ALLOC;
	memcpy(coef[0], secret, SHAMIR_SCALAR_LEN);
	for (d = 1; d < t; d++)
		crypto_core_ristretto255_scalar_random(coef[d]);
	for (k = 1; k <= n; k++) {
		/* Horner: f(k) = (...(c[t-1] k + c[t-2]) k + ...) k + c[0]. */
		s_scalar_u32(k, x);
		memcpy(acc, coef[t - 1], SHAMIR_SCALAR_LEN);
		for (d = t - 1; d-- > 0;) {
			crypto_core_ristretto255_scalar_mul(acc, acc, x);
			crypto_core_ristretto255_scalar_add(acc, acc, coef[d]);
		}
		memcpy(shares[k - 1], acc, SHAMIR_SCALAR_LEN);
	}
	sodium_memzero(acc, sizeof(acc));
	sodium_free(coef); /* wipes */
	return SYM_OK;
}

int
shamir_lagrange(const uint32_t *xs, size_t k, uint8_t (*coeffs)[SHAMIR_SCALAR_LEN])
{
	uint8_t xj[SHAMIR_SCALAR_LEN], xm[SHAMIR_SCALAR_LEN], num[SHAMIR_SCALAR_LEN],
	    den[SHAMIR_SCALAR_LEN], diff[SHAMIR_SCALAR_LEN];
	size_t j, m;

	if (k == 0 || k > SHAMIR_MAX_SHARES)
		return SYM_ERR_INVALID;
	for (j = 0; j < k; j++) {
		if (xs[j] == 0)
			return SYM_ERR_INVALID;
		for (m = j + 1; m < k; m++)
			if (xs[m] == xs[j])
				return SYM_ERR_INVALID;
	}
	for (j = 0; j < k; j++) {
		/* lambda_j = prod_{m != j} x_m / (x_m - x_j) */
		s_scalar_u32(1, num);
		s_scalar_u32(1, den);
		s_scalar_u32(xs[j], xj);
		for (m = 0; m < k; m++) {
			if (m == j)
				continue;
			s_scalar_u32(xs[m], xm);
			crypto_core_ristretto255_scalar_mul(num, num, xm);
			crypto_core_ristretto255_scalar_sub(diff, xm, xj);
			crypto_core_ristretto255_scalar_mul(den, den, diff);
		}
		if (crypto_core_ristretto255_scalar_invert(den, den) != 0)
			return SYM_ERR_CRYPTO; /* distinct points below L: cannot happen */
		crypto_core_ristretto255_scalar_mul(coeffs[j], num, den);
	}
	return SYM_OK;
}

int
shamir_combine(const uint8_t (*coeffs)[SHAMIR_SCALAR_LEN], const uint8_t (*ys)[SHAMIR_SCALAR_LEN],
               size_t k, uint8_t secret[SHAMIR_SCALAR_LEN])
{
	uint8_t term[SHAMIR_SCALAR_LEN];
	size_t j;

	memset(secret, 0, SHAMIR_SCALAR_LEN);
	for (j = 0; j < k; j++) {
		if (!shamir_scalar_canonical(ys[j]))
			return SYM_ERR_FORMAT;
		crypto_core_ristretto255_scalar_mul(term, coeffs[j], ys[j]);
		crypto_core_ristretto255_scalar_add(secret, secret, term);
	}
	sodium_memzero(term, sizeof(term));
	return SYM_OK;
}
