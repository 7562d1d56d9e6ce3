#include "masks.h"

#include <sodium.h>
#include <string.h>

#include "err.h"
#include "pairkeys.h"

#define MASKS_KDF_CONTEXT "symbikpi"
#define MASKS_CHUNK_CELLS 512

static const uint8_t s_zero[8 * MASKS_CHUNK_CELLS];

_Static_assert(sizeof(MASKS_KDF_CONTEXT) - 1 == crypto_kdf_CONTEXTBYTES, "kdf context");
_Static_assert(crypto_stream_xchacha20_NONCEBYTES == 24, "xchacha20 nonce");

int
masks_pair_key(const uint8_t kpi[32], uint8_t out[MASKS_KEY_LEN])
{
	return crypto_kdf_derive_from_key(out, MASKS_KEY_LEN, 1, MASKS_KDF_CONTEXT, kpi) == 0
	           ? SYM_OK
	           : SYM_ERR_CRYPTO;
}

int
masks_pair_sign(const char *self, const char *peer)
{
	return pairkeys_id_cmp(self, peer) < 0 ? 1 : -1;
}

void
masks_vec_add(uint64_t *v, const uint64_t *w, size_t n, int sign)
{
	size_t i;

	if (sign > 0)
		for (i = 0; i < n; i++)
			v[i] += w[i];
	else
		for (i = 0; i < n; i++)
			v[i] -= w[i];
}

void
masks_vec_load(const uint8_t *in, size_t n, uint64_t *v)
{
	size_t i;
	int b;

	for (i = 0; i < n; i++) {
		uint64_t x = 0;
		for (b = 7; b >= 0; b--)
			x = (x << 8) | in[8 * i + (size_t)b];
		v[i] = x;
	}
}

void
masks_vec_store(const uint64_t *v, size_t n, uint8_t *out)
{
	size_t i;
	int b;

	for (i = 0; i < n; i++)
		for (b = 0; b < 8; b++)
			out[8 * i + (size_t)b] = (uint8_t)(v[i] >> (8 * b));
}

int
masks_apply(const uint8_t key[MASKS_KEY_LEN], const uint8_t round[16], int self, int sign,
            uint64_t *v, size_t n)
{
	uint8_t nonce[24], block[8 * MASKS_CHUNK_CELLS];
	uint64_t cells[MASKS_CHUNK_CELLS];
	size_t done = 0, k;

	if (n > MASKS_MAX_CELLS)
		return SYM_ERR_LIMIT;
	memcpy(nonce, self ? "symkpi-s" : "symkpi-p", 8);
	memcpy(nonce + 8, round, 16);
	while (done < n) {
		k = n - done < MASKS_CHUNK_CELLS ? n - done : MASKS_CHUNK_CELLS;
		/* The keystream from byte 8 * done: block counter done / 8 (64-byte blocks). */
		if (crypto_stream_xchacha20_xor_ic(block, s_zero, 8 * k, nonce,
		                                   (uint64_t)(done / 8), key) != 0)
			return SYM_ERR_CRYPTO;
		masks_vec_load(block, k, cells);
		masks_vec_add(v + done, cells, k, sign);
		done += k;
	}
	sodium_memzero(block, sizeof(block));
	sodium_memzero(cells, sizeof(cells));
	return SYM_OK;
}
