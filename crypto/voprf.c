#include "voprf.h"

#include <sodium.h>
#include <string.h>

#include "err.h"
#include "h2c.h"

/* "OPRFV1-" || I2OSP(mode, 1) || "-" || identifier (RFC 9497 section 3.1). */
#define CTX_PREFIX "OPRFV1-"
#define CTX_SUITE "-ristretto255-SHA512"
#define DST_MAX 64
#define FINALIZE_CHUNK 64 /* blinds inverted together */

/* dst = label || contextString(mode); returns its length. */
static size_t
s_dst(enum voprf_mode mode, const char *label, uint8_t dst[DST_MAX])
{
	size_t n = strlen(label);

	memcpy(dst, label, n);
	memcpy(dst + n, CTX_PREFIX, sizeof(CTX_PREFIX) - 1);
	n += sizeof(CTX_PREFIX) - 1;
	dst[n++] = (uint8_t)mode;
	memcpy(dst + n, CTX_SUITE, sizeof(CTX_SUITE) - 1);
	return n + sizeof(CTX_SUITE) - 1;
}

/* I2OSP(v, 2) */
static void
s_u16(uint8_t out[2], size_t v)
{
	out[0] = (uint8_t)(v >> 8);
	out[1] = (uint8_t)v;
}

/* HashToScalar with the mode's default tag "HashToScalar-" || contextString. */
static int
s_hash_to_scalar(enum voprf_mode mode, const struct h2c_part *parts, size_t n,
                 uint8_t out[VOPRF_SCALAR_LEN])
{
	uint8_t dst[DST_MAX];
	size_t dst_len = s_dst(mode, "HashToScalar-", dst);

	return h2c_hash_to_scalar(parts, n, dst, dst_len, out);
}

static int
s_hash_to_group(enum voprf_mode mode, const uint8_t *input, size_t input_len,
                uint8_t out[VOPRF_ELEMENT_LEN])
{
	struct h2c_part part = {input, input_len};
	uint8_t dst[DST_MAX];
	size_t dst_len = s_dst(mode, "HashToGroup-", dst);

	if (input == NULL && input_len > 0)
		return SYM_ERR_INVALID;
	if (input_len > VOPRF_INPUT_MAX)
		return SYM_ERR_RANGE;
	return h2c_hash_to_group(&part, 1, dst, dst_len, out);
}

/* 1 when s encodes a scalar below the group order (DeserializeScalar). */
static int
s_scalar_canonical(const uint8_t s[VOPRF_SCALAR_LEN])
{
	uint8_t wide[crypto_core_ristretto255_NONREDUCEDSCALARBYTES] = {0}, red[VOPRF_SCALAR_LEN];
	int ok;

	memcpy(wide, s, VOPRF_SCALAR_LEN);
	crypto_core_ristretto255_scalar_reduce(red, wide);
	ok = sodium_memcmp(red, s, VOPRF_SCALAR_LEN) == 0;
	sodium_memzero(wide, sizeof(wide));
	sodium_memzero(red, sizeof(red));
	return ok;
}

/* A secret scalar the caller gives (key, blind, nonce): canonical and not zero. */
static int
s_secret_ok(const uint8_t s[VOPRF_SCALAR_LEN])
{
	return s != NULL && s_scalar_canonical(s) && !sodium_is_zero(s, VOPRF_SCALAR_LEN);
}

int
voprf_element_ok(const uint8_t e[VOPRF_ELEMENT_LEN])
{
	/* The identity encodes as zeros and decodes; RFC 9497 refuses it on input. */
	return e != NULL && !sodium_is_zero(e, VOPRF_ELEMENT_LEN) &&
	       crypto_core_ristretto255_is_valid_point(e) == 1;
}

static int
s_batch_ok(const uint8_t *elements, size_t m)
{
	size_t k;

	for (k = 0; k < m; k++) {
		if (!voprf_element_ok(elements + k * VOPRF_ELEMENT_LEN))
			return 0;
	}
	return 1;
}

int
voprf_keypair(uint8_t sk[VOPRF_SCALAR_LEN], uint8_t pk[VOPRF_ELEMENT_LEN])
{
	crypto_core_ristretto255_scalar_random(sk); /* uniform in [1, L) */
	if (crypto_scalarmult_ristretto255_base(pk, sk) != 0) {
		sodium_memzero(sk, VOPRF_SCALAR_LEN);
		return SYM_ERR_CRYPTO;
	}
	return SYM_OK;
}

int
voprf_derive_keypair(enum voprf_mode mode, const uint8_t seed[VOPRF_SEED_LEN], const uint8_t *info,
                     size_t info_len, uint8_t sk[VOPRF_SCALAR_LEN], uint8_t pk[VOPRF_ELEMENT_LEN])
{
	uint8_t dst[DST_MAX], len[2], counter;
	struct h2c_part parts[4] = {
	    {seed, VOPRF_SEED_LEN}, {len, 2}, {info, info_len}, {&counter, 1}};
	size_t dst_len = s_dst(mode, "DeriveKeyPair", dst);
	unsigned i;
	int r;

	if (seed == NULL || (info == NULL && info_len > 0))
		return SYM_ERR_INVALID;
	if (info_len > VOPRF_INPUT_MAX)
		return SYM_ERR_RANGE;
	s_u16(len, info_len);
	/* deriveInput || I2OSP(counter, 1), until the scalar is not zero */
	for (i = 0; i <= 255; i++) {
		counter = (uint8_t)i;
		if ((r = h2c_hash_to_scalar(parts, 4, dst, dst_len, sk)) != SYM_OK)
			return r;
		if (!sodium_is_zero(sk, VOPRF_SCALAR_LEN))
			break;
	}
	if (i > 255 || crypto_scalarmult_ristretto255_base(pk, sk) != 0) {
		sodium_memzero(sk, VOPRF_SCALAR_LEN);
		return SYM_ERR_CRYPTO;
	}
	return SYM_OK;
}

int
voprf_blind_with(enum voprf_mode mode, const uint8_t *input, size_t input_len,
                 const uint8_t blind[VOPRF_SCALAR_LEN], uint8_t blinded[VOPRF_ELEMENT_LEN])
{
	uint8_t point[VOPRF_ELEMENT_LEN];
	int r;

	if (!s_secret_ok(blind))
		return SYM_ERR_INVALID;
	if ((r = s_hash_to_group(mode, input, input_len, point)) != SYM_OK)
		return r;
	if (crypto_scalarmult_ristretto255(blinded, blind, point) != 0)
		r = SYM_ERR_CRYPTO;
	sodium_memzero(point, sizeof(point)); /* determined by the private input */
	return r;
}

int
voprf_blind(enum voprf_mode mode, const uint8_t *input, size_t input_len,
            uint8_t blind[VOPRF_SCALAR_LEN], uint8_t blinded[VOPRF_ELEMENT_LEN])
{
	int r;

	crypto_core_ristretto255_scalar_random(blind);
	if ((r = voprf_blind_with(mode, input, input_len, blind, blinded)) != SYM_OK)
		sodium_memzero(blind, VOPRF_SCALAR_LEN);
	return r;
}

int
voprf_blind_evaluate(const uint8_t sk[VOPRF_SCALAR_LEN], const uint8_t *blinded, size_t m,
                     uint8_t *evaluated)
{
	size_t k;

	if (!s_secret_ok(sk) || blinded == NULL || evaluated == NULL || m == 0)
		return SYM_ERR_INVALID;
	if (!s_batch_ok(blinded, m))
		return SYM_ERR_FORMAT;
	for (k = 0; k < m; k++) {
		if (crypto_scalarmult_ristretto255(evaluated + k * VOPRF_ELEMENT_LEN, sk,
		                                   blinded + k * VOPRF_ELEMENT_LEN) != 0)
			return SYM_ERR_CRYPTO;
	}
	return SYM_OK;
}

/* acc += term, where *have says whether acc holds anything yet (the identity otherwise). */
static int
s_accumulate(uint8_t acc[VOPRF_ELEMENT_LEN], int *have, const uint8_t term[VOPRF_ELEMENT_LEN])
{
	if (!*have) {
		memcpy(acc, term, VOPRF_ELEMENT_LEN);
		*have = 1;
		return SYM_OK;
	}
	return crypto_core_ristretto255_add(acc, acc, term) == 0 ? SYM_OK : SYM_ERR_CRYPTO;
}

/*
 * ComputeComposites(B, C, D) of the VOPRF context, or ComputeCompositesFast
 * when the key k is given (the server: Z = k*M instead of a second sum).
 */
static int
s_composites(const uint8_t B[VOPRF_ELEMENT_LEN], const uint8_t *C, const uint8_t *D, size_t m,
             const uint8_t *k, uint8_t M[VOPRF_ELEMENT_LEN], uint8_t Z[VOPRF_ELEMENT_LEN])
{
	static const char composite[] = "Composite";
	uint8_t dst[DST_MAX], seed[crypto_hash_sha512_BYTES], l32[2], l64[2], idx[2], len[2];
	uint8_t di[VOPRF_SCALAR_LEN], term[VOPRF_ELEMENT_LEN];
	struct h2c_part parts[8] = {{l64, 2},  {seed, sizeof(seed)},
	                            {idx, 2},  {l32, 2},
	                            {NULL, 0}, {l32, 2},
	                            {NULL, 0}, {composite, sizeof(composite) - 1}};
	crypto_hash_sha512_state st;
	size_t dst_len = s_dst(VOPRF_MODE_VOPRF, "Seed-", dst), i;
	int have_m = 0, have_z = 0, r = SYM_OK;

	/* seed = Hash(I2OSP(len(Bm), 2) || Bm || I2OSP(len(seedDST), 2) || seedDST) */
	s_u16(l32, VOPRF_ELEMENT_LEN);
	s_u16(l64, sizeof(seed));
	s_u16(len, dst_len);
	crypto_hash_sha512_init(&st);
	crypto_hash_sha512_update(&st, l32, 2);
	crypto_hash_sha512_update(&st, B, VOPRF_ELEMENT_LEN);
	crypto_hash_sha512_update(&st, len, 2);
	crypto_hash_sha512_update(&st, dst, dst_len);
	crypto_hash_sha512_final(&st, seed);
	for (i = 0; i < m && r == SYM_OK; i++) {
		parts[4] = (struct h2c_part){C + i * VOPRF_ELEMENT_LEN, VOPRF_ELEMENT_LEN};
		parts[6] = (struct h2c_part){D + i * VOPRF_ELEMENT_LEN, VOPRF_ELEMENT_LEN};
		s_u16(idx, i);
		if ((r = s_hash_to_scalar(VOPRF_MODE_VOPRF, parts, 8, di)) != SYM_OK)
			break;
		if (crypto_scalarmult_ristretto255(term, di, C + i * VOPRF_ELEMENT_LEN) != 0 ||
		    s_accumulate(M, &have_m, term) != SYM_OK)
			r = SYM_ERR_CRYPTO;
		if (r != SYM_OK || k != NULL)
			continue;
		if (crypto_scalarmult_ristretto255(term, di, D + i * VOPRF_ELEMENT_LEN) != 0 ||
		    s_accumulate(Z, &have_z, term) != SYM_OK)
			r = SYM_ERR_CRYPTO;
	}
	if (r == SYM_OK && k != NULL && crypto_scalarmult_ristretto255(Z, k, M) != 0)
		r = SYM_ERR_CRYPTO;
	if (r == SYM_OK && (!have_m || (k == NULL && !have_z)))
		r = SYM_ERR_INVALID; /* an empty batch */
	return r;
}

/* c = HashToScalar(framed B || M || Z || t2 || t3 || "Challenge") */
static int
s_challenge(const uint8_t B[VOPRF_ELEMENT_LEN], const uint8_t M[VOPRF_ELEMENT_LEN],
            const uint8_t Z[VOPRF_ELEMENT_LEN], const uint8_t t2[VOPRF_ELEMENT_LEN],
            const uint8_t t3[VOPRF_ELEMENT_LEN], uint8_t c[VOPRF_SCALAR_LEN])
{
	static const char challenge[] = "Challenge";
	uint8_t l32[2];
	struct h2c_part parts[11] = {{l32, 2},
	                             {B, VOPRF_ELEMENT_LEN},
	                             {l32, 2},
	                             {M, VOPRF_ELEMENT_LEN},
	                             {l32, 2},
	                             {Z, VOPRF_ELEMENT_LEN},
	                             {l32, 2},
	                             {t2, VOPRF_ELEMENT_LEN},
	                             {l32, 2},
	                             {t3, VOPRF_ELEMENT_LEN},
	                             {challenge, sizeof(challenge) - 1}};

	s_u16(l32, VOPRF_ELEMENT_LEN);
	return s_hash_to_scalar(VOPRF_MODE_VOPRF, parts, 11, c);
}

/* pk must be sk*G: a proof for another key would never verify. */
static int
s_key_matches(const uint8_t sk[VOPRF_SCALAR_LEN], const uint8_t pk[VOPRF_ELEMENT_LEN])
{
	uint8_t want[VOPRF_ELEMENT_LEN];

	return crypto_scalarmult_ristretto255_base(want, sk) == 0 &&
	       sodium_memcmp(want, pk, VOPRF_ELEMENT_LEN) == 0;
}

/* GenerateProof(sk, G, pk, C, D) with nonce r, on inputs the caller has checked. */
static int
s_prove(const uint8_t sk[VOPRF_SCALAR_LEN], const uint8_t pk[VOPRF_ELEMENT_LEN],
        const uint8_t *blinded, const uint8_t *evaluated, size_t m,
        const uint8_t r[VOPRF_SCALAR_LEN], uint8_t proof[VOPRF_PROOF_LEN])
{
	uint8_t M[VOPRF_ELEMENT_LEN], Z[VOPRF_ELEMENT_LEN], t2[VOPRF_ELEMENT_LEN];
	uint8_t t3[VOPRF_ELEMENT_LEN], ck[VOPRF_SCALAR_LEN];
	int rc;

	if ((rc = s_composites(pk, blinded, evaluated, m, sk, M, Z)) != SYM_OK)
		return rc;
	/* t2 = r*G, t3 = r*M; c = challenge; s = r - c*k */
	if (crypto_scalarmult_ristretto255_base(t2, r) != 0 ||
	    crypto_scalarmult_ristretto255(t3, r, M) != 0)
		return SYM_ERR_CRYPTO;
	if ((rc = s_challenge(pk, M, Z, t2, t3, proof)) != SYM_OK)
		return rc;
	crypto_core_ristretto255_scalar_mul(ck, proof, sk);
	crypto_core_ristretto255_scalar_sub(proof + VOPRF_SCALAR_LEN, r, ck);
	sodium_memzero(ck, sizeof(ck));
	return SYM_OK;
}

int
voprf_prove_with(const uint8_t sk[VOPRF_SCALAR_LEN], const uint8_t pk[VOPRF_ELEMENT_LEN],
                 const uint8_t *blinded, const uint8_t *evaluated, size_t m,
                 const uint8_t r[VOPRF_SCALAR_LEN], uint8_t proof[VOPRF_PROOF_LEN])
{
	if (!s_secret_ok(sk) || !s_secret_ok(r) || blinded == NULL || evaluated == NULL ||
	    proof == NULL || m == 0 || m > VOPRF_BATCH_MAX)
		return SYM_ERR_INVALID;
	if (!voprf_element_ok(pk) || !s_batch_ok(blinded, m) || !s_batch_ok(evaluated, m))
		return SYM_ERR_FORMAT;
	if (!s_key_matches(sk, pk))
		return SYM_ERR_INVALID;
	return s_prove(sk, pk, blinded, evaluated, m, r, proof);
}

int
voprf_blind_evaluate_proof(const uint8_t sk[VOPRF_SCALAR_LEN], const uint8_t pk[VOPRF_ELEMENT_LEN],
                           const uint8_t *blinded, size_t m, uint8_t *evaluated,
                           uint8_t proof[VOPRF_PROOF_LEN])
{
	uint8_t nonce[VOPRF_SCALAR_LEN];
	int r;

	if (m > VOPRF_BATCH_MAX || proof == NULL)
		return SYM_ERR_INVALID;
	if (!voprf_element_ok(pk))
		return SYM_ERR_FORMAT;
	/* Checks sk and every blinded element; the evaluations are ours. */
	if ((r = voprf_blind_evaluate(sk, blinded, m, evaluated)) != SYM_OK)
		return r;
	if (!s_key_matches(sk, pk))
		return SYM_ERR_INVALID;
	crypto_core_ristretto255_scalar_random(nonce);
	r = s_prove(sk, pk, blinded, evaluated, m, nonce, proof);
	sodium_memzero(nonce, sizeof(nonce));
	return r;
}

/* out = a*A + b*B for public values (verification only). */
static int
s_double_mult(const uint8_t a[VOPRF_SCALAR_LEN], const uint8_t *A,
              const uint8_t b[VOPRF_SCALAR_LEN], const uint8_t B[VOPRF_ELEMENT_LEN],
              uint8_t out[VOPRF_ELEMENT_LEN])
{
	uint8_t x[VOPRF_ELEMENT_LEN], y[VOPRF_ELEMENT_LEN];
	int rx, ry;

	/* A zero scalar gives the identity, which libsodium reports as failure. */
	rx = A == NULL ? crypto_scalarmult_ristretto255_base(x, a)
	               : crypto_scalarmult_ristretto255(x, a, A);
	ry = crypto_scalarmult_ristretto255(y, b, B);
	if (rx != 0 && ry != 0)
		return SYM_ERR_VERIFY;
	if (rx != 0 || ry != 0) {
		memcpy(out, rx != 0 ? y : x, VOPRF_ELEMENT_LEN);
		return SYM_OK;
	}
	return crypto_core_ristretto255_add(out, x, y) == 0 ? SYM_OK : SYM_ERR_VERIFY;
}

int
voprf_verify(const uint8_t pk[VOPRF_ELEMENT_LEN], const uint8_t *blinded, const uint8_t *evaluated,
             size_t m, const uint8_t proof[VOPRF_PROOF_LEN])
{
	uint8_t M[VOPRF_ELEMENT_LEN], Z[VOPRF_ELEMENT_LEN], t2[VOPRF_ELEMENT_LEN];
	uint8_t t3[VOPRF_ELEMENT_LEN], c[VOPRF_SCALAR_LEN];
	const uint8_t *pc, *ps;
	int r;

	if (blinded == NULL || evaluated == NULL || proof == NULL || m == 0 || m > VOPRF_BATCH_MAX)
		return SYM_ERR_INVALID;
	pc = proof;
	ps = proof + VOPRF_SCALAR_LEN;
	if (!voprf_element_ok(pk) || !s_batch_ok(blinded, m) || !s_batch_ok(evaluated, m) ||
	    !s_scalar_canonical(pc) || !s_scalar_canonical(ps))
		return SYM_ERR_FORMAT;
	if ((r = s_composites(pk, blinded, evaluated, m, NULL, M, Z)) != SYM_OK)
		return r == SYM_ERR_INVALID ? r : SYM_ERR_VERIFY;
	/* t2 = s*G + c*pk, t3 = s*M + c*Z */
	if (s_double_mult(ps, NULL, pc, pk, t2) != SYM_OK ||
	    s_double_mult(ps, M, pc, Z, t3) != SYM_OK)
		return SYM_ERR_VERIFY;
	if ((r = s_challenge(pk, M, Z, t2, t3, c)) != SYM_OK)
		return r;
	return sodium_memcmp(c, pc, VOPRF_SCALAR_LEN) == 0 ? SYM_OK : SYM_ERR_VERIFY;
}

/* Hash(I2OSP(len(input), 2) || input || I2OSP(32, 2) || N || "Finalize") */
static void
s_output(const uint8_t *input, size_t input_len, const uint8_t N[VOPRF_ELEMENT_LEN],
         uint8_t output[VOPRF_OUTPUT_LEN])
{
	static const char finalize[] = "Finalize";
	crypto_hash_sha512_state st;
	uint8_t len[2];

	crypto_hash_sha512_init(&st);
	s_u16(len, input_len);
	crypto_hash_sha512_update(&st, len, 2);
	if (input_len > 0)
		crypto_hash_sha512_update(&st, input, input_len);
	s_u16(len, VOPRF_ELEMENT_LEN);
	crypto_hash_sha512_update(&st, len, 2);
	crypto_hash_sha512_update(&st, N, VOPRF_ELEMENT_LEN);
	crypto_hash_sha512_update(&st, (const uint8_t *)finalize, sizeof(finalize) - 1);
	crypto_hash_sha512_final(&st, output);
	sodium_memzero(&st, sizeof(st));
}

int
voprf_finalize(const uint8_t *input, size_t input_len, const uint8_t blind[VOPRF_SCALAR_LEN],
               const uint8_t evaluated[VOPRF_ELEMENT_LEN], uint8_t output[VOPRF_OUTPUT_LEN])
{
	uint8_t inv[VOPRF_SCALAR_LEN], N[VOPRF_ELEMENT_LEN];
	int r = SYM_ERR_CRYPTO;

	if ((input == NULL && input_len > 0) || !s_secret_ok(blind) || output == NULL)
		return SYM_ERR_INVALID;
	if (input_len > VOPRF_INPUT_MAX)
		return SYM_ERR_RANGE;
	if (!voprf_element_ok(evaluated))
		return SYM_ERR_FORMAT;
	if (crypto_core_ristretto255_scalar_invert(inv, blind) != 0 ||
	    crypto_scalarmult_ristretto255(N, inv, evaluated) != 0)
		goto out;
	s_output(input, input_len, N, output);
	r = SYM_OK;
out:
	sodium_memzero(inv, sizeof(inv));
	sodium_memzero(N, sizeof(N));
	return r;
}

/*
 * inv[k] = 1/blind[k] for k < m <= FINALIZE_CHUNK with one inversion
 * (Montgomery's trick): an inversion costs about as much as 300 products.
 */
static int
s_invert_chunk(const uint8_t *blinds, size_t m, uint8_t (*inv)[VOPRF_SCALAR_LEN])
{
	uint8_t acc[VOPRF_SCALAR_LEN], t[VOPRF_SCALAR_LEN];
	size_t k;
	int r = SYM_OK;

	/* inv[k] holds the prefix product blind[0] * ... * blind[k-1] first */
	memcpy(acc, blinds, VOPRF_SCALAR_LEN);
	for (k = 1; k < m; k++) {
		memcpy(inv[k], acc, VOPRF_SCALAR_LEN);
		crypto_core_ristretto255_scalar_mul(acc, acc, blinds + k * VOPRF_SCALAR_LEN);
	}
	if (crypto_core_ristretto255_scalar_invert(acc, acc) != 0)
		r = SYM_ERR_INVALID;
	for (k = m - 1; r == SYM_OK && k > 0; k--) {
		crypto_core_ristretto255_scalar_mul(t, acc, inv[k]);
		crypto_core_ristretto255_scalar_mul(acc, acc, blinds + k * VOPRF_SCALAR_LEN);
		memcpy(inv[k], t, VOPRF_SCALAR_LEN);
	}
	memcpy(inv[0], acc, VOPRF_SCALAR_LEN);
	sodium_memzero(acc, sizeof(acc));
	sodium_memzero(t, sizeof(t));
	return r;
}

int
voprf_finalize_batch(const uint8_t *inputs, size_t input_len, const uint8_t *blinds,
                     const uint8_t *evaluated, size_t m, uint8_t *outputs)
{
	uint8_t inv[FINALIZE_CHUNK][VOPRF_SCALAR_LEN], N[VOPRF_ELEMENT_LEN];
	size_t off, k, n;
	int r = SYM_OK;

	if ((inputs == NULL && input_len > 0) || blinds == NULL || evaluated == NULL ||
	    outputs == NULL || m == 0)
		return SYM_ERR_INVALID;
	if (input_len > VOPRF_INPUT_MAX)
		return SYM_ERR_RANGE;
	for (k = 0; k < m; k++) {
		if (!s_secret_ok(blinds + k * VOPRF_SCALAR_LEN))
			return SYM_ERR_INVALID;
	}
	if (!s_batch_ok(evaluated, m))
		return SYM_ERR_FORMAT;
	for (off = 0; off < m && r == SYM_OK; off += n) {
		n = m - off < FINALIZE_CHUNK ? m - off : FINALIZE_CHUNK;
		if ((r = s_invert_chunk(blinds + off * VOPRF_SCALAR_LEN, n, inv)) != SYM_OK)
			break;
		for (k = 0; k < n; k++) {
			if (crypto_scalarmult_ristretto255(
			        N, inv[k], evaluated + (off + k) * VOPRF_ELEMENT_LEN) != 0) {
				r = SYM_ERR_CRYPTO;
				break;
			}
			s_output(inputs + (off + k) * input_len, input_len, N,
			         outputs + (off + k) * VOPRF_OUTPUT_LEN);
		}
	}
	sodium_memzero(inv, sizeof(inv));
	sodium_memzero(N, sizeof(N));
	return r;
}

int
voprf_evaluate(enum voprf_mode mode, const uint8_t sk[VOPRF_SCALAR_LEN], const uint8_t *input,
               size_t input_len, uint8_t output[VOPRF_OUTPUT_LEN])
{
	uint8_t point[VOPRF_ELEMENT_LEN], N[VOPRF_ELEMENT_LEN];
	int r;

	if (!s_secret_ok(sk) || output == NULL)
		return SYM_ERR_INVALID;
	if ((r = s_hash_to_group(mode, input, input_len, point)) != SYM_OK)
		return r;
	if (crypto_scalarmult_ristretto255(N, sk, point) != 0)
		r = SYM_ERR_CRYPTO;
	else
		s_output(input, input_len, N, output);
	sodium_memzero(point, sizeof(point));
	sodium_memzero(N, sizeof(N));
	return r;
}
