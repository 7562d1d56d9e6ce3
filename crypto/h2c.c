#include "h2c.h"

#include <sodium.h>
#include <string.h>

#include "err.h"

#define XMD_B_LEN crypto_hash_sha512_BYTES /* b_in_bytes */
#define XMD_R_LEN 128                      /* s_in_bytes: SHA-512's block size */

static void
s_absorb_dst(crypto_hash_sha512_state *st, const uint8_t *dst, size_t dst_len)
{
	uint8_t len = (uint8_t)dst_len; /* DST_prime = DST || I2OSP(len(DST), 1) */

	crypto_hash_sha512_update(st, dst, dst_len);
	crypto_hash_sha512_update(st, &len, 1);
}

int
h2c_expand_xmd_sha512(const struct h2c_part *parts, size_t nparts, const uint8_t *dst,
                      size_t dst_len, uint8_t *out, size_t out_len)
{
	static const uint8_t z_pad[XMD_R_LEN];
	crypto_hash_sha512_state st;
	uint8_t b0[XMD_B_LEN], bi[XMD_B_LEN], tail[3];
	size_t ell, i, k, n;

	if (dst == NULL || dst_len == 0 || dst_len > H2C_DST_MAX || out == NULL || out_len == 0 ||
	    out_len > H2C_XMD_MAX)
		return SYM_ERR_INVALID;
	ell = (out_len + XMD_B_LEN - 1) / XMD_B_LEN;
	/* b_0 = H(Z_pad || msg || I2OSP(len_in_bytes, 2) || I2OSP(0, 1) || DST_prime) */
	crypto_hash_sha512_init(&st);
	crypto_hash_sha512_update(&st, z_pad, sizeof(z_pad));
	for (k = 0; k < nparts; k++) {
		if (parts[k].len > 0)
			crypto_hash_sha512_update(&st, parts[k].p, parts[k].len);
	}
	tail[0] = (uint8_t)(out_len >> 8);
	tail[1] = (uint8_t)out_len;
	tail[2] = 0;
	crypto_hash_sha512_update(&st, tail, sizeof(tail));
	s_absorb_dst(&st, dst, dst_len);
	crypto_hash_sha512_final(&st, b0);
	/* b_1 = H(b_0 || 1 || DST_prime); b_i = H((b_0 xor b_{i-1}) || i || DST_prime) */
	memset(bi, 0, sizeof(bi));
	for (i = 1; i <= ell; i++) {
		uint8_t ctr = (uint8_t)i;

		for (k = 0; k < XMD_B_LEN; k++)
			bi[k] ^= b0[k];
		crypto_hash_sha512_init(&st);
		crypto_hash_sha512_update(&st, bi, sizeof(bi));
		crypto_hash_sha512_update(&st, &ctr, 1);
		s_absorb_dst(&st, dst, dst_len);
		crypto_hash_sha512_final(&st, bi);
		n = out_len - (i - 1) * XMD_B_LEN;
		memcpy(out + (i - 1) * XMD_B_LEN, bi, n < XMD_B_LEN ? n : XMD_B_LEN);
	}
	/* The message may be secret (an OPRF input): leave none of it behind. */
	sodium_memzero(&st, sizeof(st));
	sodium_memzero(b0, sizeof(b0));
	sodium_memzero(bi, sizeof(bi));
	return SYM_OK;
}

/* 64 uniform bytes, then the ristretto255 one-way map or a reduction modulo L. */
static int
s_map64(const struct h2c_part *parts, size_t nparts, const uint8_t *dst, size_t dst_len,
        int to_group, uint8_t out[32])
{
	uint8_t uniform[64];
	int r;

	r = h2c_expand_xmd_sha512(parts, nparts, dst, dst_len, uniform, sizeof(uniform));
	if (r == SYM_OK && to_group && crypto_core_ristretto255_from_hash(out, uniform) != 0)
		r = SYM_ERR_CRYPTO;
	if (r == SYM_OK && !to_group)
		crypto_core_ristretto255_scalar_reduce(out, uniform);
	sodium_memzero(uniform, sizeof(uniform));
	return r;
}

int
h2c_hash_to_group(const struct h2c_part *parts, size_t nparts, const uint8_t *dst, size_t dst_len,
                  uint8_t out[H2C_ELEMENT_LEN])
{
	int r = s_map64(parts, nparts, dst, dst_len, 1, out);

	/* RFC 9497 Blind and Evaluate refuse an input that maps to the identity. */
	if (r == SYM_OK && sodium_is_zero(out, H2C_ELEMENT_LEN))
		r = SYM_ERR_CRYPTO;
	return r;
}

int
h2c_hash_to_scalar(const struct h2c_part *parts, size_t nparts, const uint8_t *dst, size_t dst_len,
                   uint8_t out[H2C_SCALAR_LEN])
{
	return s_map64(parts, nparts, dst, dst_len, 0, out);
}
