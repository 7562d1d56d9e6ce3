#include "envelope.h"

#include <sodium.h>
#include <string.h>

#include "err.h"

#define ENVELOPE_ID_MAX 64

_Static_assert(crypto_aead_xchacha20poly1305_ietf_KEYBYTES == ENVELOPE_KEY_LEN, "key size");
_Static_assert(crypto_aead_xchacha20poly1305_ietf_NPUBBYTES == ENVELOPE_NONCE_LEN, "nonce size");
_Static_assert(crypto_aead_xchacha20poly1305_ietf_ABYTES == ENVELOPE_TAG_LEN, "tag size");
_Static_assert(16 + 16 + 2 * (1 + ENVELOPE_ID_MAX) <= ENVELOPE_AD_MAX, "ENVELOPE_AD_MAX too small");

static const uint8_t s_empty[1];

int
envelope_ad(const uint8_t round_id[16], const uint8_t candidate_id[16], const char *sender,
            const char *receiver, uint8_t ad[ENVELOPE_AD_MAX])
{
	size_t slen, rlen, n = 0;

	if (round_id == NULL || candidate_id == NULL || sender == NULL || receiver == NULL ||
	    ad == NULL)
		return SYM_ERR_INVALID;
	slen = strnlen(sender, ENVELOPE_ID_MAX + 1);
	rlen = strnlen(receiver, ENVELOPE_ID_MAX + 1);
	/* One length byte per id keeps the concatenation injective; it needs ids of 1..64 bytes. */
	if (slen == 0 || slen > ENVELOPE_ID_MAX || rlen == 0 || rlen > ENVELOPE_ID_MAX)
		return SYM_ERR_INVALID;
	memcpy(ad + n, round_id, 16);
	n += 16;
	memcpy(ad + n, candidate_id, 16);
	n += 16;
	ad[n++] = (uint8_t)slen;
	memcpy(ad + n, sender, slen);
	n += slen;
	ad[n++] = (uint8_t)rlen;
	memcpy(ad + n, receiver, rlen);
	n += rlen;
	return (int)n;
}

int
envelope_seal(const uint8_t key[ENVELOPE_KEY_LEN], const uint8_t *ad, size_t ad_len,
              const uint8_t *msg, size_t msg_len, uint8_t *out)
{
	unsigned long long clen = 0;

	if (key == NULL || out == NULL || (ad == NULL && ad_len != 0) ||
	    (msg == NULL && msg_len != 0))
		return SYM_ERR_INVALID;
	if (msg_len > crypto_aead_xchacha20poly1305_ietf_MESSAGEBYTES_MAX ||
	    msg_len > SIZE_MAX - ENVELOPE_OVERHEAD)
		return SYM_ERR_LIMIT;
	/* 192-bit random nonces: collisions are negligible without any per-key counter. */
	randombytes_buf(out, ENVELOPE_NONCE_LEN);
	if (crypto_aead_xchacha20poly1305_ietf_encrypt(
	        out + ENVELOPE_NONCE_LEN, &clen, msg != NULL ? msg : s_empty, msg_len,
	        ad != NULL ? ad : s_empty, ad_len, NULL, out, key) != 0 ||
	    clen != msg_len + ENVELOPE_TAG_LEN) {
		sodium_memzero(out, msg_len + ENVELOPE_OVERHEAD);
		return SYM_ERR_CRYPTO;
	}
	return SYM_OK;
}

int
envelope_open(const uint8_t key[ENVELOPE_KEY_LEN], const uint8_t *ad, size_t ad_len,
              const uint8_t *env, size_t env_len, uint8_t *out)
{
	unsigned long long mlen = 0;
	uint8_t none[1]; /* the output of an empty envelope, never read */

	if (key == NULL || env == NULL || (ad == NULL && ad_len != 0))
		return SYM_ERR_INVALID;
	if (env_len < ENVELOPE_OVERHEAD)
		return SYM_ERR_FORMAT;
	if (out == NULL && env_len > ENVELOPE_OVERHEAD)
		return SYM_ERR_INVALID;
	/*
	 * libsodium checks the tag before it decrypts and zeroes out on failure, so a
	 * forged envelope never leaves plaintext behind.
	 */
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(
	        out != NULL ? out : none, &mlen, NULL, env + ENVELOPE_NONCE_LEN,
	        env_len - ENVELOPE_NONCE_LEN, ad != NULL ? ad : s_empty, ad_len, env, key) != 0)
		return SYM_ERR_VERIFY;
	if (mlen != env_len - ENVELOPE_OVERHEAD) {
		sodium_memzero(out, env_len - ENVELOPE_OVERHEAD);
		return SYM_ERR_INTERNAL;
	}
	return SYM_OK;
}
