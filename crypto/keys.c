#include "keys.h"

#include <openssl/bn.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "err.h"

#define B64_VARIANT sodium_base64_VARIANT_ORIGINAL

_Static_assert(crypto_sign_PUBLICKEYBYTES == KEY_PUBLIC_LEN, "ed25519 public key size");
_Static_assert(crypto_sign_SECRETKEYBYTES == KEY_SECRET_MAX, "ed25519 secret key size");
_Static_assert(crypto_scalarmult_BYTES == KEY_PUBLIC_LEN, "x25519 public key size");
_Static_assert(crypto_scalarmult_SCALARBYTES <= KEY_SECRET_MAX, "x25519 secret key size");
/* The longest line (an ed25519 secret) must fit KEY_TEXT_MAX with its newline and NUL. */
_Static_assert(sizeof("symbiod-ed25519-secret-v1 ") - 1 +
                       sodium_base64_ENCODED_LEN(KEY_SECRET_MAX, B64_VARIANT) + 1 <=
                   KEY_TEXT_MAX,
               "KEY_TEXT_MAX too small");

static const char *
s_kind_name(enum key_kind kind)
{
	switch (kind) {
	case KEY_ED25519: return "ed25519";
	case KEY_X25519: return "x25519";
	case KEY_CURVE: return "curve";
	}
	return NULL;
}

/* "symbiod-<kind>-<half>-v1 " into buf; its length, or 0 for an unknown kind. */
static size_t
s_prefix(enum key_kind kind, const char *half, char *buf, size_t buf_len)
{
	const char *name = s_kind_name(kind);
	int n;

	if (name == NULL)
		return 0;
	n = snprintf(buf, buf_len, "symbiod-%s-%s-v1 ", name, half);
	if (n < 0 || (size_t)n >= buf_len)
		return 0;
	return (size_t)n;
}

/* Length of the base64 text (no NUL) for bin_len bytes. */
static size_t
s_b64_len(size_t bin_len)
{
	return sodium_base64_ENCODED_LEN(bin_len, B64_VARIANT) - 1;
}

/*
 * Write "<prefix><base64(bin)>\n" into out. The base64 goes straight into
 * out, so a secret never passes through a second buffer.
 */
static int
s_encode(enum key_kind kind, const char *half, const uint8_t *bin, size_t bin_len,
         char out[KEY_TEXT_MAX])
{
	size_t plen, blen;

	if ((plen = s_prefix(kind, half, out, KEY_TEXT_MAX)) == 0)
		return SYM_ERR_INVALID;
	blen = s_b64_len(bin_len);
	if (plen + blen + 2 > KEY_TEXT_MAX)
		return SYM_ERR_INTERNAL;
	sodium_bin2base64(out + plen, KEY_TEXT_MAX - plen, bin, bin_len, B64_VARIANT);
	out[plen + blen] = '\n';
	out[plen + blen + 1] = '\0';
	return SYM_OK;
}

/*
 * Check the exact prefix, drop one optional trailing newline and require the
 * base64 body to be exactly as long as bin_len bytes encode to. Anything else
 * (a second newline, "\r\n", spaces, a NUL) is trailing garbage.
 */
static int
s_split(const char *text, size_t len, enum key_kind kind, const char *half, size_t bin_len,
        const char **body, size_t *body_len)
{
	char prefix[64];
	size_t plen, blen;

	if ((plen = s_prefix(kind, half, prefix, sizeof(prefix))) == 0)
		return SYM_ERR_INVALID;
	if (len < plen || memcmp(text, prefix, plen) != 0)
		return SYM_ERR_FORMAT;
	blen = len - plen;
	if (blen > 0 && text[plen + blen - 1] == '\n')
		blen--;
	if (blen != s_b64_len(bin_len))
		return SYM_ERR_FORMAT;
	*body = text + plen;
	*body_len = blen;
	return SYM_OK;
}

/*
 * Strict base64: no ignored characters, no trailing bytes (b64_end NULL makes
 * libsodium fail on them), canonical padding bits, exactly bin_len bytes.
 */
static int
s_decode(const char *body, size_t body_len, uint8_t *bin, size_t bin_len)
{
	size_t got = 0;

	if (sodium_base642bin(bin, bin_len, body, body_len, NULL, &got, NULL, B64_VARIANT) != 0 ||
	    got != bin_len)
		return SYM_ERR_FORMAT;
	return SYM_OK;
}

static struct keypair *
s_alloc(enum key_kind kind)
{
	struct keypair *kp;

	if ((kp = sodium_malloc(sizeof(*kp))) == NULL)
		return NULL;
	/* sodium_malloc fills with a canary pattern; the unused tail of sk must be zero. */
	memset(kp, 0, sizeof(*kp));
	kp->kind = kind;
	return kp;
}

size_t
keys_secret_len(enum key_kind kind)
{
	switch (kind) {
	case KEY_ED25519: return crypto_sign_SECRETKEYBYTES;
	case KEY_X25519:
	case KEY_CURVE: return crypto_scalarmult_SCALARBYTES;
	}
	return 0;
}

struct keypair *
keys_generate(enum key_kind kind)
{
	struct keypair *kp = NULL;
	int ok;

	if (keys_secret_len(kind) == 0)
		return NULL;
	if ((kp = s_alloc(kind)) == NULL)
		return NULL;
	if (kind == KEY_ED25519)
		ok = crypto_sign_keypair(kp->pk, kp->sk) == 0;
	else
		ok = crypto_box_keypair(kp->pk, kp->sk) == 0; /* random scalar, X25519 base mult */
	if (!ok)
		keys_free(&kp);
	return kp;
}

void
keys_free(struct keypair **kp)
{
	if (kp == NULL || *kp == NULL)
		return;
	/* sodium_free wipes too; doing it here keeps the promise if the allocator changes. */
	sodium_memzero(*kp, sizeof(**kp));
	sodium_free(*kp);
	*kp = NULL;
}

int
keys_encode_secret(const struct keypair *kp, char out[KEY_TEXT_MAX])
{
	size_t sk_len;
	int r;

	if (kp == NULL || out == NULL)
		return SYM_ERR_INVALID;
	if ((sk_len = keys_secret_len(kp->kind)) == 0)
		return SYM_ERR_INVALID;
	if ((r = s_encode(kp->kind, "secret", kp->sk, sk_len, out)) != SYM_OK)
		sodium_memzero(out, KEY_TEXT_MAX);
	return r;
}

int
keys_encode_public(enum key_kind kind, const uint8_t pk[KEY_PUBLIC_LEN], char out[KEY_TEXT_MAX])
{
	if (pk == NULL || out == NULL || keys_secret_len(kind) == 0)
		return SYM_ERR_INVALID;
	return s_encode(kind, "public", pk, KEY_PUBLIC_LEN, out);
}

int
keys_decode_secret(const char *text, size_t len, enum key_kind kind, struct keypair **out)
{
	struct keypair *kp = NULL;
	uint8_t seed[crypto_sign_SEEDBYTES];
	uint8_t check_sk[crypto_sign_SECRETKEYBYTES];
	uint8_t check_pk[crypto_sign_PUBLICKEYBYTES];
	const char *body = NULL;
	size_t body_len = 0, sk_len;
	int r = SYM_ERR_INTERNAL;

	if (out == NULL)
		return SYM_ERR_INVALID;
	*out = NULL;
	if (text == NULL || (sk_len = keys_secret_len(kind)) == 0)
		return SYM_ERR_INVALID;
	if ((r = s_split(text, len, kind, "secret", sk_len, &body, &body_len)) != SYM_OK)
		goto out;
	if ((kp = s_alloc(kind)) == NULL) {
		r = SYM_ERR_ALLOC;
		goto out;
	}
	/* Decode straight into sodium_malloc memory: no stack copy of the secret. */
	if ((r = s_decode(body, body_len, kp->sk, sk_len)) != SYM_OK)
		goto out;
	if (kind == KEY_ED25519) {
		/*
		 * The 64-byte form is seed || public key. crypto_sign_ed25519_sk_to_pk only
		 * copies the second half, so rebuild the pair from the seed: a file whose
		 * halves disagree would sign with one key while advertising another.
		 */
		crypto_sign_ed25519_sk_to_seed(seed, kp->sk);
		if (crypto_sign_seed_keypair(check_pk, check_sk, seed) != 0) {
			r = SYM_ERR_CRYPTO;
			goto out;
		}
		crypto_sign_ed25519_sk_to_pk(kp->pk, kp->sk);
		if (sodium_memcmp(check_pk, kp->pk, sizeof(check_pk)) != 0) {
			r = SYM_ERR_FORMAT;
			goto out;
		}
	} else if (crypto_scalarmult_base(kp->pk, kp->sk) != 0) {
		r = SYM_ERR_CRYPTO;
		goto out;
	}
	*out = kp;
	kp = NULL; /* transferred */
	r = SYM_OK;
out:
	sodium_memzero(seed, sizeof(seed));
	sodium_memzero(check_sk, sizeof(check_sk));
	sodium_memzero(check_pk, sizeof(check_pk));
	keys_free(&kp);
	return r;
}

int
keys_decode_public(const char *text, size_t len, enum key_kind kind, uint8_t pk[KEY_PUBLIC_LEN])
{
	uint8_t tmp[KEY_PUBLIC_LEN];
	const char *body = NULL;
	size_t body_len = 0;
	int r;

	if (text == NULL || pk == NULL || keys_secret_len(kind) == 0)
		return SYM_ERR_INVALID;
	if ((r = s_split(text, len, kind, "public", KEY_PUBLIC_LEN, &body, &body_len)) != SYM_OK)
		return r;
	if ((r = s_decode(body, body_len, tmp, sizeof(tmp))) != SYM_OK)
		return r;
	/*
	 * An Ed25519 key that is not a canonical point of the prime-order subgroup can
	 * never verify a signature; refusing it here names the real problem (a bad
	 * key file) instead of a string of failed verifications later. X25519 keys
	 * are checked where they are used (pairkeys_derive refuses low-order points).
	 */
	if (kind == KEY_ED25519 && crypto_core_ed25519_is_valid_point(tmp) != 1)
		return SYM_ERR_FORMAT;
	memcpy(pk, tmp, sizeof(tmp));
	return SYM_OK;
}

/* u (little-endian, 32 bytes) < p = 2^255 - 19: the one encoding of each field element. */
static int
s_x25519_canonical(const uint8_t u[KEY_PUBLIC_LEN])
{
	size_t i;

	if (u[31] & 0x80)
		return 0;
	if (u[31] != 0x7f || u[0] < 0xed)
		return 1;
	for (i = 1; i < 31; i++)
		if (u[i] != 0xff)
			return 1;
	return 0;
}

/*
 * The canonical u of every point of order 1, 2, 4 or 8 (cr.yp.to/ecdh.html
 * #validate): libsodium's blocklist inside crypto_scalarmult, less the
 * encodings >= p that s_x25519_canonical refuses first. A plain comparison,
 * so a client checking a park's whole directory pays nothing for it.
 */
static const uint8_t s_x25519_low_order[][KEY_PUBLIC_LEN] = {
    {0},                                                               /* 0 */
    {1},                                                               /* 1 */
    {0xe0, 0xeb, 0x7a, 0x7c, 0x3b, 0x41, 0xb8, 0xae, 0x16, 0x56, 0xe3, /* order 8 */
     0xfa, 0xf1, 0x9f, 0xc4, 0x6a, 0xda, 0x09, 0x8d, 0xeb, 0x9c, 0x32,
     0xb1, 0xfd, 0x86, 0x62, 0x05, 0x16, 0x5f, 0x49, 0xb8, 0x00},
    {0x5f, 0x9c, 0x95, 0xbc, 0xa3, 0x50, 0x8c, 0x24, 0xb1, 0xd0, 0xb1, /* order 8 */
     0x55, 0x9c, 0x83, 0xef, 0x5b, 0x04, 0x44, 0x5c, 0xc4, 0x58, 0x1c,
     0x8e, 0x86, 0xd8, 0x22, 0x4e, 0xdd, 0xd0, 0x9f, 0x11, 0x57},
    {0xec, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, /* p - 1 */
     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f},
};

/*
 * u is the coordinate of a point of the curve, not of its twist: u^3 +
 * 486662 u^2 + u is a square mod p (a Legendre symbol, with OpenSSL's BN).
 * 1, 0, or a negative error code.
 */
static int
s_x25519_on_curve(const uint8_t u[KEY_PUBLIC_LEN])
{
	BN_CTX *ctx = BN_CTX_new();
	BIGNUM *p, *bu, *t, *v;
	int k, r = SYM_ERR_CRYPTO;

	if (ctx == NULL)
		return SYM_ERR_ALLOC;
	BN_CTX_start(ctx);
	p = BN_CTX_get(ctx);
	bu = BN_CTX_get(ctx);
	t = BN_CTX_get(ctx);
	v = BN_CTX_get(ctx);
	if (v == NULL)
		goto out;
	BN_zero(p);
	if (BN_set_bit(p, 255) != 1 || BN_sub_word(p, 19) != 1 ||
	    BN_lebin2bn(u, KEY_PUBLIC_LEN, bu) == NULL)
		goto out;
	/* v = u * (u * (u + A) + 1) */
	if (BN_copy(t, bu) == NULL || BN_add_word(t, 486662) != 1 ||
	    BN_mod_mul(t, t, bu, p, ctx) != 1 || BN_add_word(t, 1) != 1 ||
	    BN_mod_mul(v, t, bu, p, ctx) != 1)
		goto out;
	if ((k = BN_kronecker(v, p, ctx)) == -2)
		goto out;
	r = k >= 0;
out:
	BN_CTX_end(ctx);
	BN_CTX_free(ctx);
	return r;
}

/*
 * An X25519 (or CURVE) public key: canonical, not of low order, on the
 * curve. A torsion component in an otherwise good point is not refused: the
 * clamped scalar of every X25519 agreement is a multiple of the cofactor 8,
 * so it changes no shared secret (RFC 7748, section 7), and a subgroup check
 * would cost a scalar multiplication per member of every directory.
 */
static int
s_x25519_check(const uint8_t pk[KEY_PUBLIC_LEN], const char **why)
{
	size_t i;
	int r;

	if (!s_x25519_canonical(pk)) {
		*why = "is not a canonical encoding (u >= 2^255 - 19)";
		return SYM_ERR_WEAK_KEY;
	}
	for (i = 0; i < sizeof(s_x25519_low_order) / sizeof(s_x25519_low_order[0]); i++) {
		if (sodium_memcmp(pk, s_x25519_low_order[i], KEY_PUBLIC_LEN) == 0) {
			*why = "is a low-order point";
			return SYM_ERR_WEAK_KEY;
		}
	}
	if ((r = s_x25519_on_curve(pk)) == 0) {
		*why = "is not a point of the curve (it lies on the twist)";
		return SYM_ERR_WEAK_KEY;
	}
	if (r < 0) {
		*why = "could not be checked";
		return r;
	}
	*why = NULL;
	return SYM_OK;
}

int
keys_public_check(enum key_kind kind, const uint8_t pk[KEY_PUBLIC_LEN], const char **why)
{
	const char *dummy = NULL;

	if (why == NULL)
		why = &dummy;
	*why = "is missing";
	if (pk == NULL)
		return SYM_ERR_INVALID;
	switch (kind) {
	case KEY_ED25519:
		if (crypto_core_ed25519_is_valid_point(pk))
			break;
		*why = "is not a valid Ed25519 point (low order, non-canonical or outside the "
		       "prime-order subgroup)";
		return SYM_ERR_WEAK_KEY;
	case KEY_X25519:
	case KEY_CURVE: return s_x25519_check(pk, why);
	default: *why = "is of an unknown kind"; return SYM_ERR_INVALID;
	}
	*why = NULL;
	return SYM_OK;
}
