/*
 * The shares of park indicators' secure aggregation on untrusted bytes.
 * The first input byte chooses:
 *   0  the client opening a sealed share a peer sent through the coordinator
 *      (client/indicators.c: envelope_open under the pair key with the
 *      share's AD, then shamir_scalar_canonical). The rest is the sealed
 *      share; only the one the seed sealed may open, to the share sealed.
 *   1  the coordinator's recovery of a seed from answered shares
 *      (daemon/indicators_sum.c: shamir_lagrange over the answerers' x,
 *      shamir_combine of their y). Bytes 1, 2: t and n; then one byte per
 *      answerer: its x (0, repeated and past n too), and whether its y is
 *      the real share or the next 32 input bytes. Distinct real shares of
 *      at least t answerers must give the secret back.
 */
#include <stdlib.h>
#include <string.h>

#include "envelope.h"
#include "err.h"
#include "fuzz_common.h"
#include "indhash.h"
#include "shamir.h"

#define TMAX 8
#define NMAX 16

static const uint8_t s_share[32] = {7, 6, 5, 4, 3, 2, 1}; /* canonical: small */

static void
s_open(const uint8_t *data, size_t size)
{
	uint8_t key[32], round[16], ad[INDHASH_SHARE_AD_MAX], out[32];
	int adlen;

	fuzz_share_key(key, round);
	if (size != INDHASH_SHARE_SEALED)
		return; /* the client refuses other lengths before opening */
	if ((adlen = indhash_share_ad(round, FUZZ_SHARE_FROM, FUZZ_SHARE_TO, ad)) < 0)
		abort();
	if (envelope_open(key, ad, (size_t)adlen, data, size, out) != SYM_OK)
		return;
	if (memcmp(out, s_share, 32) != 0 || !shamir_scalar_canonical(out))
		abort(); /* a forged envelope opened */
}

static void
s_recover(const uint8_t *data, size_t size)
{
	uint8_t secret[32], shares[NMAX][32], ys[NMAX][32], coeffs[NMAX][32], got[32];
	uint32_t xs[NMAX];
	unsigned t, n;
	size_t k = 0, i;
	int real = 1, r;

	if (size < 2)
		return;
	t = 1 + data[0] % TMAX;
	n = t + data[1] % (NMAX - t + 1);
	data += 2, size -= 2;
	memset(secret, 0, sizeof(secret));
	secret[0] = 0x2a, secret[31] = 0x0f; /* canonical: below L */
	if (shamir_split(secret, t, n, shares) != SYM_OK)
		abort();
	while (size > 0 && k < NMAX) {
		xs[k] = data[0] >> 1;
		if ((data[0] & 1) && size >= 33) {
			memcpy(ys[k], data + 1, 32);
			data += 33, size -= 33;
			real = 0;
		} else {
			if (xs[k] >= 1 && xs[k] <= n)
				memcpy(ys[k], shares[xs[k] - 1], 32);
			else
				memset(ys[k], 0, 32), real = 0;
			data += 1, size -= 1;
		}
		k++;
	}
	if (k == 0 || (r = shamir_lagrange(xs, k, coeffs)) != SYM_OK)
		return;
	for (i = 0; i < k; i++)
		if (xs[i] == 0)
			abort(); /* x = 0 is the secret itself: never a share */
	r = shamir_combine((const uint8_t(*)[32])coeffs, (const uint8_t(*)[32])ys, k, got);
	if (real && k >= t && (r != SYM_OK || memcmp(got, secret, 32) != 0))
		abort(); /* t real shares must give the secret back */
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_sodium_init();
	if (size < 1)
		return 0;
	if (data[0] == 0)
		s_open(data + 1, size - 1);
	else
		s_recover(data + 1, size - 1);
	return 0;
}
