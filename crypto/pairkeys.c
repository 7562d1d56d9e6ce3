#include "pairkeys.h"

#include <sodium.h>
#include <string.h>

#include "err.h"

/* crypto_kdf contexts are exactly 8 bytes; the literal's NUL is not part of it. */
#define PAIRKEYS_KDF_CONTEXT "symbipk1"

enum {
	SUBKEY_TOK_LO_HI = 1,
	SUBKEY_TOK_HI_LO = 2,
	SUBKEY_ENV_LO_HI = 3,
	SUBKEY_ENV_HI_LO = 4,
	SUBKEY_KPI = 5,
	SUBKEY_PAD_LO_HI = 6,
	SUBKEY_PAD_HI_LO = 7,
};

_Static_assert(sizeof(PAIRKEYS_KDF_CONTEXT) - 1 == crypto_kdf_CONTEXTBYTES, "kdf context size");
_Static_assert(crypto_generichash_BYTES == crypto_kdf_KEYBYTES, "master key size");
_Static_assert(crypto_scalarmult_BYTES == 32 && crypto_scalarmult_SCALARBYTES == 32,
               "x25519 sizes");
_Static_assert(PAIRKEYS_TOK_LEN >= crypto_kdf_BYTES_MIN && PAIRKEYS_KPI_LEN <= crypto_kdf_BYTES_MAX,
               "sub-key sizes");
_Static_assert(PAIRKEYS_ID_MAX <= 255, "ids are written with a one-byte length");

/* s || park_id || round_id || len(id_lo) || id_lo || len(id_hi) || id_hi || A_lo || A_hi */
#define PAIRKEYS_TRANSCRIPT_MAX                                                                    \
	(32 + PARK_ID_LEN + ROUND_ID_LEN + 2 * (1 + PAIRKEYS_ID_MAX) + 2 * 32)

/* Length of an id, or 0 when it is empty or longer than PAIRKEYS_ID_MAX bytes. */
static size_t
s_id_len(const char *id)
{
	size_t n = strnlen(id, PAIRKEYS_ID_MAX + 1);

	return n > PAIRKEYS_ID_MAX ? 0 : n;
}

static size_t
s_put_id(uint8_t *p, const char *id, size_t len)
{
	p[0] = (uint8_t)len;
	memcpy(p + 1, id, len);
	return 1 + len;
}

int
pairkeys_id_cmp(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	int c = memcmp(a, b, la < lb ? la : lb);

	if (c != 0)
		return c < 0 ? -1 : 1;
	return la < lb ? -1 : (la > lb ? 1 : 0);
}

int
pairkeys_derive(const uint8_t park_id[PARK_ID_LEN], const uint8_t round_id[ROUND_ID_LEN],
                const char *self_id, const uint8_t self_sk[32], const uint8_t self_pk[32],
                const char *peer_id, const uint8_t peer_pk[32], struct pairkeys *out)
{
	uint8_t s[crypto_scalarmult_BYTES];
	int r;

	if (out == NULL)
		return SYM_ERR_INVALID;
	sodium_memzero(out, sizeof(*out));
	if (self_sk == NULL || peer_pk == NULL)
		return SYM_ERR_INVALID;
	if ((r = pairkeys_shared(self_sk, peer_pk, s)) == SYM_OK)
		r = pairkeys_derive_shared(park_id, round_id, self_id, self_pk, peer_id, peer_pk, s,
		                           out);
	sodium_memzero(s, sizeof(s));
	return r;
}

int
pairkeys_shared(const uint8_t self_sk[32], const uint8_t peer_pk[32], uint8_t s[32])
{
	if (self_sk == NULL || peer_pk == NULL || s == NULL)
		return SYM_ERR_INVALID;
	/*
	 * A low-order peer key forces s to zero whatever our secret is, so the
	 * "shared" keys would be known to everyone. libsodium already fails on an
	 * all-zero result; the explicit check keeps us safe should that change.
	 */
	if (crypto_scalarmult(s, self_sk, peer_pk) != 0 || sodium_is_zero(s, 32)) {
		sodium_memzero(s, 32);
		return SYM_ERR_WEAK_KEY;
	}
	return SYM_OK;
}

int
pairkeys_derive_shared(const uint8_t park_id[PARK_ID_LEN], const uint8_t round_id[ROUND_ID_LEN],
                       const char *self_id, const uint8_t self_pk[32], const char *peer_id,
                       const uint8_t peer_pk[32], const uint8_t s[32], struct pairkeys *out)
{
	uint8_t master[crypto_kdf_KEYBYTES];
	uint8_t transcript[PAIRKEYS_TRANSCRIPT_MAX];
	const char *id_lo, *id_hi;
	const uint8_t *pk_lo, *pk_hi;
	size_t self_len, peer_len, lo_len, hi_len, n = 0;
	int c, r = SYM_ERR_INTERNAL;

	if (out == NULL)
		return SYM_ERR_INVALID;
	sodium_memzero(out, sizeof(*out));
	if (park_id == NULL || round_id == NULL || self_id == NULL || self_pk == NULL ||
	    peer_id == NULL || peer_pk == NULL || s == NULL)
		return SYM_ERR_INVALID;
	self_len = s_id_len(self_id);
	peer_len = s_id_len(peer_id);
	if (self_len == 0 || peer_len == 0)
		return SYM_ERR_INVALID;
	/* Equal ids would make lo->hi and hi->lo one and the same direction. */
	if ((c = pairkeys_id_cmp(self_id, peer_id)) == 0)
		return SYM_ERR_INVALID;
	/* Whatever handed us s (a cache, say), a zero secret is everyone's: refused. */
	if (sodium_is_zero(s, crypto_scalarmult_BYTES))
		return SYM_ERR_WEAK_KEY;
	id_lo = c < 0 ? self_id : peer_id;
	id_hi = c < 0 ? peer_id : self_id;
	lo_len = c < 0 ? self_len : peer_len;
	hi_len = c < 0 ? peer_len : self_len;
	pk_lo = c < 0 ? self_pk : peer_pk;
	pk_hi = c < 0 ? peer_pk : self_pk;

	memcpy(transcript + n, s, crypto_scalarmult_BYTES);
	n += crypto_scalarmult_BYTES;
	memcpy(transcript + n, park_id, PARK_ID_LEN);
	n += PARK_ID_LEN;
	memcpy(transcript + n, round_id, ROUND_ID_LEN);
	n += ROUND_ID_LEN;
	n += s_put_id(transcript + n, id_lo, lo_len);
	n += s_put_id(transcript + n, id_hi, hi_len);
	memcpy(transcript + n, pk_lo, 32);
	n += 32;
	memcpy(transcript + n, pk_hi, 32);
	n += 32;
	if (crypto_generichash(master, sizeof(master), transcript, n, NULL, 0) != 0) {
		r = SYM_ERR_CRYPTO;
		goto out;
	}

	memcpy(out->id_lo, id_lo, lo_len);
	memcpy(out->id_hi, id_hi, hi_len);
	if (crypto_kdf_derive_from_key(out->tok_lo_hi, sizeof(out->tok_lo_hi), SUBKEY_TOK_LO_HI,
	                               PAIRKEYS_KDF_CONTEXT, master) != 0 ||
	    crypto_kdf_derive_from_key(out->tok_hi_lo, sizeof(out->tok_hi_lo), SUBKEY_TOK_HI_LO,
	                               PAIRKEYS_KDF_CONTEXT, master) != 0 ||
	    crypto_kdf_derive_from_key(out->env_lo_hi, sizeof(out->env_lo_hi), SUBKEY_ENV_LO_HI,
	                               PAIRKEYS_KDF_CONTEXT, master) != 0 ||
	    crypto_kdf_derive_from_key(out->env_hi_lo, sizeof(out->env_hi_lo), SUBKEY_ENV_HI_LO,
	                               PAIRKEYS_KDF_CONTEXT, master) != 0 ||
	    crypto_kdf_derive_from_key(out->kpi, sizeof(out->kpi), SUBKEY_KPI, PAIRKEYS_KDF_CONTEXT,
	                               master) != 0 ||
	    crypto_kdf_derive_from_key(out->pad_lo_hi, sizeof(out->pad_lo_hi), SUBKEY_PAD_LO_HI,
	                               PAIRKEYS_KDF_CONTEXT, master) != 0 ||
	    crypto_kdf_derive_from_key(out->pad_hi_lo, sizeof(out->pad_hi_lo), SUBKEY_PAD_HI_LO,
	                               PAIRKEYS_KDF_CONTEXT, master) != 0) {
		r = SYM_ERR_CRYPTO;
		goto out;
	}
	r = SYM_OK;
out:
	sodium_memzero(master, sizeof(master));
	sodium_memzero(transcript, sizeof(transcript));
	if (r != SYM_OK)
		pairkeys_clear(out);
	return r;
}

/* 1 for lo->hi, -1 for hi->lo, 0 when from/to are not the pair's two ids in some order. */
static int
s_direction(const struct pairkeys *pk, const char *from, const char *to)
{
	if (pk == NULL || from == NULL || to == NULL || pk->id_lo[0] == '\0')
		return 0;
	if (strcmp(from, pk->id_lo) == 0 && strcmp(to, pk->id_hi) == 0)
		return 1;
	if (strcmp(from, pk->id_hi) == 0 && strcmp(to, pk->id_lo) == 0)
		return -1;
	return 0;
}

const uint8_t *
pairkeys_tok(const struct pairkeys *pk, const char *from, const char *to)
{
	switch (s_direction(pk, from, to)) {
	case 1: return pk->tok_lo_hi;
	case -1: return pk->tok_hi_lo;
	}
	return NULL;
}

const uint8_t *
pairkeys_env(const struct pairkeys *pk, const char *from, const char *to)
{
	switch (s_direction(pk, from, to)) {
	case 1: return pk->env_lo_hi;
	case -1: return pk->env_hi_lo;
	}
	return NULL;
}

const uint8_t *
pairkeys_pad(const struct pairkeys *pk, const char *from, const char *to)
{
	switch (s_direction(pk, from, to)) {
	case 1: return pk->pad_lo_hi;
	case -1: return pk->pad_hi_lo;
	}
	return NULL;
}

void
pairkeys_clear(struct pairkeys *pk)
{
	if (pk != NULL)
		sodium_memzero(pk, sizeof(*pk));
}
