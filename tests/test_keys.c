/*
 * Unit tests for crypto/keys, crypto/sig, crypto/envelope and crypto/pairkeys:
 * round trips, and a negative test for every way an input can be wrong.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "envelope.h"
#include "err.h"
#include "keys.h"
#include "pairkeys.h"
#include "sig.h"
#include "util.h"

static const enum key_kind s_kinds[] = {KEY_ED25519, KEY_X25519, KEY_CURVE};
#define NKINDS (sizeof(s_kinds) / sizeof(s_kinds[0]))

static void
s_unhex(const char *hex, uint8_t *out, size_t len)
{
	assert_int_equal(util_unhex(hex, out, len), SYM_OK);
}

static int
s_decode_secret_str(const char *text, enum key_kind kind)
{
	struct keypair *kp = NULL;
	int r = keys_decode_secret(text, strlen(text), kind, &kp);

	/* A failed decode must not hand anything back. */
	if (r != SYM_OK)
		assert_null(kp);
	keys_free(&kp);
	return r;
}

static int
s_decode_public_str(const char *text, enum key_kind kind)
{
	uint8_t pk[KEY_PUBLIC_LEN];

	return keys_decode_public(text, strlen(text), kind, pk);
}

/* ---- keys ---- */

static void
test_keys_secret_len(void **state)
{
	(void)state;
	assert_int_equal(keys_secret_len(KEY_ED25519), 64);
	assert_int_equal(keys_secret_len(KEY_X25519), 32);
	assert_int_equal(keys_secret_len(KEY_CURVE), 32);
	assert_int_equal(keys_secret_len((enum key_kind)0), 0);
	assert_int_equal(keys_secret_len((enum key_kind)4), 0);
	assert_null(keys_generate((enum key_kind)0));
}

static void
test_keys_roundtrip(void **state)
{
	char text[KEY_TEXT_MAX], pub[KEY_TEXT_MAX];
	uint8_t pk[KEY_PUBLIC_LEN], check[KEY_PUBLIC_LEN];
	size_t i;

	(void)state;
	for (i = 0; i < NKINDS; i++) {
		enum key_kind kind = s_kinds[i];
		struct keypair *kp = keys_generate(kind), *back = NULL, *again = NULL;
		size_t len, sk_len = keys_secret_len(kind);

		assert_non_null(kp);
		assert_int_equal(kp->kind, kind);
		/* The public half really belongs to the secret. */
		if (kind == KEY_ED25519) {
			crypto_sign_ed25519_sk_to_pk(check, kp->sk);
		} else {
			assert_int_equal(crypto_scalarmult_base(check, kp->sk), 0);
		}
		assert_memory_equal(check, kp->pk, KEY_PUBLIC_LEN);

		assert_int_equal(keys_encode_secret(kp, text), SYM_OK);
		len = strlen(text);
		assert_true(len > 0 && text[len - 1] == '\n');
		assert_int_equal(memcmp(text, "symbiod-", 8), 0);
		assert_non_null(strstr(text, "-secret-v1 "));
		assert_int_equal(keys_decode_secret(text, len, kind, &back), SYM_OK);
		assert_non_null(back);
		assert_int_equal(back->kind, kind);
		assert_memory_equal(back->sk, kp->sk, sk_len);
		assert_memory_equal(back->pk, kp->pk, KEY_PUBLIC_LEN);
		/* The trailing newline is optional. */
		assert_int_equal(keys_decode_secret(text, len - 1, kind, &again), SYM_OK);
		assert_memory_equal(again->pk, kp->pk, KEY_PUBLIC_LEN);

		assert_int_equal(keys_encode_public(kind, kp->pk, pub), SYM_OK);
		assert_non_null(strstr(pub, "-public-v1 "));
		assert_int_equal(keys_decode_public(pub, strlen(pub), kind, pk), SYM_OK);
		assert_memory_equal(pk, kp->pk, KEY_PUBLIC_LEN);
		assert_int_equal(keys_decode_public(pub, strlen(pub) - 1, kind, pk), SYM_OK);

		/* A secret line is not a public line and vice versa. */
		assert_int_equal(s_decode_public_str(text, kind), SYM_ERR_FORMAT);
		assert_int_equal(s_decode_secret_str(pub, kind), SYM_ERR_FORMAT);

		keys_free(&kp);
		assert_null(kp);
		keys_free(&back);
		keys_free(&again);
	}
	keys_free(NULL);
}

static void
test_keys_known_encoding(void **state)
{
	/* RFC 7748 section 6.1 Alice: fixes the exact text form against a hand-checked base64. */
	static const char line[] =
	    "symbiod-x25519-secret-v1 dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCo=\n";
	static const char pub_line[] =
	    "symbiod-x25519-public-v1 hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo=\n";
	uint8_t sk[32], pk[32];
	struct keypair *kp = NULL;
	char text[KEY_TEXT_MAX];

	(void)state;
	s_unhex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a", sk, 32);
	s_unhex("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a", pk, 32);
	assert_int_equal(keys_decode_secret(line, strlen(line), KEY_X25519, &kp), SYM_OK);
	assert_memory_equal(kp->sk, sk, 32);
	assert_memory_equal(kp->pk, pk, 32);
	assert_int_equal(keys_encode_secret(kp, text), SYM_OK);
	assert_string_equal(text, line);
	assert_int_equal(keys_encode_public(KEY_X25519, kp->pk, text), SYM_OK);
	assert_string_equal(text, pub_line);
	keys_free(&kp);
}

/* Replace the first occurrence of `what` in a copy of line with `with`. */
static void
s_edit(const char *line, const char *what, const char *with, char *out, size_t out_len)
{
	const char *at = strstr(line, what);

	assert_non_null(at);
	assert_true(snprintf(out, out_len, "%.*s%s%s", (int)(at - line), line, with,
	                     at + strlen(what)) < (int)out_len);
}

static void
test_keys_reject_secret(void **state)
{
	char text[KEY_TEXT_MAX], bad[KEY_TEXT_MAX * 2];
	struct keypair *kp = NULL, *tmp = NULL;
	size_t i, j, len;

	(void)state;
	for (i = 0; i < NKINDS; i++) {
		enum key_kind kind = s_kinds[i];

		kp = keys_generate(kind);
		assert_non_null(kp);
		assert_int_equal(keys_encode_secret(kp, text), SYM_OK);
		len = strlen(text);

		/* Every other kind refuses this line. */
		for (j = 0; j < NKINDS; j++) {
			if (s_kinds[j] != kind)
				assert_int_equal(s_decode_secret_str(text, s_kinds[j]),
				                 SYM_ERR_FORMAT);
		}
		/* Prefix variations. */
		s_edit(text, "-v1 ", "-v2 ", bad, sizeof(bad));
		assert_int_equal(s_decode_secret_str(bad, kind), SYM_ERR_FORMAT);
		s_edit(text, "symbiod-", "Symbiod-", bad, sizeof(bad));
		assert_int_equal(s_decode_secret_str(bad, kind), SYM_ERR_FORMAT);
		s_edit(text, "-v1 ", "-v1  ", bad, sizeof(bad));
		assert_int_equal(s_decode_secret_str(bad, kind), SYM_ERR_FORMAT);
		s_edit(text, "-v1 ", "-v1\t", bad, sizeof(bad));
		assert_int_equal(s_decode_secret_str(bad, kind), SYM_ERR_FORMAT);
		snprintf(bad, sizeof(bad), " %s", text);
		assert_int_equal(s_decode_secret_str(bad, kind), SYM_ERR_FORMAT);
		assert_int_equal(s_decode_secret_str("", kind), SYM_ERR_FORMAT);
		assert_int_equal(s_decode_secret_str("\n", kind), SYM_ERR_FORMAT);

		/* Wrong length: one character short, one too many, no padding. */
		memcpy(bad, text, len - 2);
		bad[len - 2] = '\n';
		bad[len - 1] = '\0';
		assert_int_equal(s_decode_secret_str(bad, kind), SYM_ERR_FORMAT);
		s_edit(text, "-v1 ", "-v1 A", bad, sizeof(bad));
		assert_int_equal(s_decode_secret_str(bad, kind), SYM_ERR_FORMAT);
		s_edit(text, "=\n", "\n", bad, sizeof(bad));
		assert_int_equal(s_decode_secret_str(bad, kind), SYM_ERR_FORMAT);

		/* Bad base64: a character outside the alphabet, and the URL-safe alphabet. */
		strcpy(bad, text);
		bad[len - 10] = '*';
		assert_int_equal(s_decode_secret_str(bad, kind), SYM_ERR_FORMAT);
		strcpy(bad, text);
		bad[len - 10] = '-';
		assert_int_equal(s_decode_secret_str(bad, kind), SYM_ERR_FORMAT);
		strcpy(bad, text);
		bad[len - 10] = ' ';
		assert_int_equal(s_decode_secret_str(bad, kind), SYM_ERR_FORMAT);
		/* A NUL inside the line (len covers it) is not the end of the input. */
		strcpy(bad, text);
		bad[len - 10] = '\0';
		assert_int_equal(keys_decode_secret(bad, len, kind, &tmp), SYM_ERR_FORMAT);
		assert_null(tmp);

		/* Trailing garbage after the base64. */
		snprintf(bad, sizeof(bad), "%s\n", text);
		assert_int_equal(s_decode_secret_str(bad, kind), SYM_ERR_FORMAT);
		s_edit(text, "\n", "\r\n", bad, sizeof(bad));
		assert_int_equal(s_decode_secret_str(bad, kind), SYM_ERR_FORMAT);
		s_edit(text, "\n", " \n", bad, sizeof(bad));
		assert_int_equal(s_decode_secret_str(bad, kind), SYM_ERR_FORMAT);
		snprintf(bad, sizeof(bad), "%sx", text);
		assert_int_equal(s_decode_secret_str(bad, kind), SYM_ERR_FORMAT);
		/* The terminating NUL counted as input is garbage too. */
		assert_int_equal(keys_decode_secret(text, len + 1, kind, &tmp), SYM_ERR_FORMAT);
		assert_null(tmp);

		keys_free(&kp);
	}

	/* Non-zero padding bits: "...Co=" is canonical, "...Cp=" would decode to the same bytes. */
	assert_int_equal(s_decode_secret_str("symbiod-x25519-secret-v1 "
	                                     "dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCo=\n",
	                                     KEY_X25519),
	                 SYM_OK);
	assert_int_equal(s_decode_secret_str("symbiod-x25519-secret-v1 "
	                                     "dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCp=\n",
	                                     KEY_X25519),
	                 SYM_ERR_FORMAT);

	/* Invalid arguments. */
	assert_int_equal(keys_decode_secret(NULL, 0, KEY_X25519, &kp), SYM_ERR_INVALID);
	assert_int_equal(keys_decode_secret("x", 1, (enum key_kind)9, &kp), SYM_ERR_INVALID);
	assert_int_equal(keys_decode_secret("x", 1, KEY_X25519, NULL), SYM_ERR_INVALID);
	assert_int_equal(keys_encode_secret(NULL, text), SYM_ERR_INVALID);
}

static void
test_keys_reject_ed25519_halves(void **state)
{
	struct keypair *kp = keys_generate(KEY_ED25519), *back = NULL;
	char text[KEY_TEXT_MAX];
	size_t i;

	(void)state;
	assert_non_null(kp);
	/* Each bit of the embedded public half is checked against the seed. */
	for (i = 32 * 8; i < 64 * 8; i++) {
		kp->sk[i / 8] ^= (uint8_t)(1u << (i % 8));
		assert_int_equal(keys_encode_secret(kp, text), SYM_OK);
		assert_int_equal(keys_decode_secret(text, strlen(text), KEY_ED25519, &back),
		                 SYM_ERR_FORMAT);
		assert_null(back);
		kp->sk[i / 8] ^= (uint8_t)(1u << (i % 8));
	}
	/* A changed seed no longer matches the stored public half either. */
	kp->sk[0] ^= 1;
	assert_int_equal(keys_encode_secret(kp, text), SYM_OK);
	assert_int_equal(keys_decode_secret(text, strlen(text), KEY_ED25519, &back),
	                 SYM_ERR_FORMAT);
	kp->sk[0] ^= 1;
	assert_int_equal(keys_encode_secret(kp, text), SYM_OK);
	assert_int_equal(keys_decode_secret(text, strlen(text), KEY_ED25519, &back), SYM_OK);
	keys_free(&back);
	keys_free(&kp);
}

static void
test_keys_reject_public(void **state)
{
	char text[KEY_TEXT_MAX], bad[KEY_TEXT_MAX * 2];
	uint8_t pk[KEY_PUBLIC_LEN], zero[KEY_PUBLIC_LEN] = {0};
	size_t i, j, len;

	(void)state;
	for (i = 0; i < NKINDS; i++) {
		enum key_kind kind = s_kinds[i];
		struct keypair *kp = keys_generate(kind);

		assert_non_null(kp);
		assert_int_equal(keys_encode_public(kind, kp->pk, text), SYM_OK);
		len = strlen(text);
		for (j = 0; j < NKINDS; j++) {
			if (s_kinds[j] != kind)
				assert_int_equal(s_decode_public_str(text, s_kinds[j]),
				                 SYM_ERR_FORMAT);
		}
		s_edit(text, "-public-", "-publik-", bad, sizeof(bad));
		assert_int_equal(s_decode_public_str(bad, kind), SYM_ERR_FORMAT);
		memcpy(bad, text, len - 2);
		bad[len - 2] = '\n';
		bad[len - 1] = '\0';
		assert_int_equal(s_decode_public_str(bad, kind), SYM_ERR_FORMAT);
		s_edit(text, "-v1 ", "-v1 AAAA", bad, sizeof(bad));
		assert_int_equal(s_decode_public_str(bad, kind), SYM_ERR_FORMAT);
		strcpy(bad, text);
		bad[len - 5] = '!';
		assert_int_equal(s_decode_public_str(bad, kind), SYM_ERR_FORMAT);
		snprintf(bad, sizeof(bad), "%s\n", text);
		assert_int_equal(s_decode_public_str(bad, kind), SYM_ERR_FORMAT);
		snprintf(bad, sizeof(bad), "%s#", text);
		assert_int_equal(s_decode_public_str(bad, kind), SYM_ERR_FORMAT);
		assert_int_equal(keys_decode_public(text, len + 1, kind, pk), SYM_ERR_FORMAT);
		keys_free(&kp);
	}
	/* An Ed25519 public key must be a usable point; the all-zero encoding is of small order. */
	assert_int_equal(keys_encode_public(KEY_ED25519, zero, text), SYM_OK);
	assert_int_equal(s_decode_public_str(text, KEY_ED25519), SYM_ERR_FORMAT);
	assert_int_equal(keys_decode_public(NULL, 0, KEY_CURVE, pk), SYM_ERR_INVALID);
	assert_int_equal(keys_encode_public((enum key_kind)0, zero, text), SYM_ERR_INVALID);
}

/* ---- sig ---- */

static void
test_sig_roundtrip(void **state)
{
	struct keypair *kp = keys_generate(KEY_ED25519), *other = keys_generate(KEY_ED25519);
	uint8_t msg[200], sig[SIG_LEN], bad[SIG_LEN];
	size_t i;

	(void)state;
	assert_non_null(kp);
	assert_non_null(other);
	randombytes_buf(msg, sizeof(msg));
	assert_int_equal(sig_sign(kp->sk, msg, sizeof(msg), sig), SYM_OK);
	assert_int_equal(sig_verify(kp->pk, msg, sizeof(msg), sig), SYM_OK);
	/* Signatures are over exact bytes: no prefix, no extension. */
	assert_int_equal(sig_verify(kp->pk, msg, sizeof(msg) - 1, sig), SYM_ERR_VERIFY);
	/* Every bit of the message and of the signature matters. */
	for (i = 0; i < sizeof(msg) * 8; i++) {
		msg[i / 8] ^= (uint8_t)(1u << (i % 8));
		assert_int_equal(sig_verify(kp->pk, msg, sizeof(msg), sig), SYM_ERR_VERIFY);
		msg[i / 8] ^= (uint8_t)(1u << (i % 8));
	}
	for (i = 0; i < SIG_LEN * 8; i++) {
		memcpy(bad, sig, SIG_LEN);
		bad[i / 8] ^= (uint8_t)(1u << (i % 8));
		assert_int_equal(sig_verify(kp->pk, msg, sizeof(msg), bad), SYM_ERR_VERIFY);
	}
	/* Another key does not verify it. */
	assert_int_equal(sig_verify(other->pk, msg, sizeof(msg), sig), SYM_ERR_VERIFY);
	/* Empty messages work, and NULL with length 0 is an empty message. */
	assert_int_equal(sig_sign(kp->sk, NULL, 0, sig), SYM_OK);
	assert_int_equal(sig_verify(kp->pk, (const uint8_t *)"", 0, sig), SYM_OK);
	assert_int_equal(sig_verify(kp->pk, msg, 1, sig), SYM_ERR_VERIFY);
	assert_int_equal(sig_sign(kp->sk, NULL, 5, sig), SYM_ERR_INVALID);
	assert_int_equal(sig_verify(NULL, msg, 1, sig), SYM_ERR_VERIFY);
	keys_free(&kp);
	keys_free(&other);
}

/* ---- envelope ---- */

/* Fixed, readable ids: "ROUND" / "CAND" followed by counters. */
static const uint8_t s_round[16] = {'R', 'O', 'U', 'N', 'D', 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};
static const uint8_t s_cand[16] = {'C', 'A', 'N', 'D', 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};

static void
test_envelope_ad(void **state)
{
	uint8_t ad[ENVELOPE_AD_MAX], ad2[ENVELOPE_AD_MAX];
	char id64[65], id65[66];
	int n, n2;

	(void)state;
	n = envelope_ad(s_round, s_cand, "acme", "zeta-works", ad);
	assert_int_equal(n, 16 + 16 + 1 + 4 + 1 + 10);
	assert_memory_equal(ad, s_round, 16);
	assert_memory_equal(ad + 16, s_cand, 16);
	assert_int_equal(ad[32], 4);
	assert_memory_equal(ad + 33, "acme", 4);
	assert_int_equal(ad[37], 10);
	assert_memory_equal(ad + 38, "zeta-works", 10);
	/* Direction matters. */
	n2 = envelope_ad(s_round, s_cand, "zeta-works", "acme", ad2);
	assert_int_equal(n2, n);
	assert_memory_not_equal(ad, ad2, (size_t)n);
	/* Length bytes keep ("ab","c") and ("a","bc") apart. */
	n = envelope_ad(s_round, s_cand, "ab", "c", ad);
	n2 = envelope_ad(s_round, s_cand, "a", "bc", ad2);
	assert_int_equal(n, n2);
	assert_memory_not_equal(ad, ad2, (size_t)n);

	memset(id64, 'x', 64);
	id64[64] = '\0';
	memset(id65, 'y', 65);
	id65[65] = '\0';
	assert_int_equal(envelope_ad(s_round, s_cand, id64, id64, ad), 16 + 16 + 2 * 65);
	assert_int_equal(envelope_ad(s_round, s_cand, id65, "b", ad), SYM_ERR_INVALID);
	assert_int_equal(envelope_ad(s_round, s_cand, "a", id65, ad), SYM_ERR_INVALID);
	assert_int_equal(envelope_ad(s_round, s_cand, "", "b", ad), SYM_ERR_INVALID);
	assert_int_equal(envelope_ad(s_round, s_cand, "a", "", ad), SYM_ERR_INVALID);
	assert_int_equal(envelope_ad(s_round, s_cand, NULL, "b", ad), SYM_ERR_INVALID);
	assert_int_equal(envelope_ad(NULL, s_cand, "a", "b", ad), SYM_ERR_INVALID);
}

static void
test_envelope_roundtrip(void **state)
{
	uint8_t key[ENVELOPE_KEY_LEN], ad[ENVELOPE_AD_MAX];
	uint8_t msg[100], env[sizeof(msg) + ENVELOPE_OVERHEAD], env2[sizeof(env)];
	uint8_t out[sizeof(msg)], empty_env[ENVELOPE_OVERHEAD];
	int ad_len;

	(void)state;
	crypto_aead_xchacha20poly1305_ietf_keygen(key);
	randombytes_buf(msg, sizeof(msg));
	ad_len = envelope_ad(s_round, s_cand, "acme", "zeta-works", ad);
	assert_true(ad_len > 0);
	assert_int_equal(envelope_seal(key, ad, (size_t)ad_len, msg, sizeof(msg), env), SYM_OK);
	assert_int_equal(envelope_open(key, ad, (size_t)ad_len, env, sizeof(env), out), SYM_OK);
	assert_memory_equal(out, msg, sizeof(msg));
	/* Fresh random nonce each time: sealing twice gives different envelopes. */
	assert_int_equal(envelope_seal(key, ad, (size_t)ad_len, msg, sizeof(msg), env2), SYM_OK);
	assert_memory_not_equal(env, env2, ENVELOPE_NONCE_LEN);
	assert_memory_not_equal(env + ENVELOPE_NONCE_LEN, env2 + ENVELOPE_NONCE_LEN,
	                        sizeof(env) - ENVELOPE_NONCE_LEN);
	/* The plaintext does not appear in the envelope. */
	assert_memory_not_equal(env + ENVELOPE_NONCE_LEN, msg, sizeof(msg));
	/* An empty message is a valid envelope of exactly ENVELOPE_OVERHEAD bytes. */
	assert_int_equal(envelope_seal(key, ad, (size_t)ad_len, NULL, 0, empty_env), SYM_OK);
	assert_int_equal(envelope_open(key, ad, (size_t)ad_len, empty_env, sizeof(empty_env), NULL),
	                 SYM_OK);
	/* No associated data at all is allowed too. */
	assert_int_equal(envelope_seal(key, NULL, 0, msg, sizeof(msg), env), SYM_OK);
	assert_int_equal(envelope_open(key, NULL, 0, env, sizeof(env), out), SYM_OK);
	assert_int_equal(envelope_open(key, ad, (size_t)ad_len, env, sizeof(env), out),
	                 SYM_ERR_VERIFY);
}

static void
test_envelope_tamper(void **state)
{
	static const uint8_t masks[] = {0x01, 0x80, 0xff};
	uint8_t key[ENVELOPE_KEY_LEN], key2[ENVELOPE_KEY_LEN], ad[ENVELOPE_AD_MAX] = {0};
	uint8_t msg[48], env[sizeof(msg) + ENVELOPE_OVERHEAD], out[sizeof(msg)];
	size_t i, m;
	int ad_len;

	(void)state;
	crypto_aead_xchacha20poly1305_ietf_keygen(key);
	memcpy(key2, key, sizeof(key));
	key2[31] ^= 1;
	memset(msg, 'q', sizeof(msg));
	ad_len = envelope_ad(s_round, s_cand, "acme", "zeta-works", ad);
	assert_int_equal(envelope_seal(key, ad, (size_t)ad_len, msg, sizeof(msg), env), SYM_OK);

	/* Every byte of nonce, ciphertext and tag. */
	for (i = 0; i < sizeof(env); i++) {
		for (m = 0; m < sizeof(masks); m++) {
			env[i] ^= masks[m];
			memset(out, 0xaa, sizeof(out));
			assert_int_equal(
			    envelope_open(key, ad, (size_t)ad_len, env, sizeof(env), out),
			    SYM_ERR_VERIFY);
			/* A forgery leaves no plaintext behind. */
			assert_false(memcmp(out, msg, sizeof(msg)) == 0);
			env[i] ^= masks[m];
		}
	}
	/* Every byte of the associated data: another round, candidate, sender or receiver. */
	for (i = 0; i < (size_t)ad_len; i++) {
		for (m = 0; m < sizeof(masks); m++) {
			ad[i] ^= masks[m];
			assert_int_equal(
			    envelope_open(key, ad, (size_t)ad_len, env, sizeof(env), out),
			    SYM_ERR_VERIFY);
			ad[i] ^= masks[m];
		}
	}
	/* A shorter or longer AD, the other direction, another key. */
	assert_int_equal(envelope_open(key, ad, (size_t)ad_len - 1, env, sizeof(env), out),
	                 SYM_ERR_VERIFY);
	assert_int_equal(envelope_open(key, ad, (size_t)ad_len + 1, env, sizeof(env), out),
	                 SYM_ERR_VERIFY);
	{
		uint8_t rev[ENVELOPE_AD_MAX];
		int rev_len = envelope_ad(s_round, s_cand, "zeta-works", "acme", rev);

		assert_int_equal(envelope_open(key, rev, (size_t)rev_len, env, sizeof(env), out),
		                 SYM_ERR_VERIFY);
	}
	assert_int_equal(envelope_open(key2, ad, (size_t)ad_len, env, sizeof(env), out),
	                 SYM_ERR_VERIFY);
	/* Truncated: a byte short still parses but fails the tag; below the overhead is malformed.
	 */
	assert_int_equal(envelope_open(key, ad, (size_t)ad_len, env, sizeof(env) - 1, out),
	                 SYM_ERR_VERIFY);
	for (i = 0; i < ENVELOPE_OVERHEAD; i++)
		assert_int_equal(envelope_open(key, ad, (size_t)ad_len, env, i, out),
		                 SYM_ERR_FORMAT);
	/* Untouched, it still opens. */
	assert_int_equal(envelope_open(key, ad, (size_t)ad_len, env, sizeof(env), out), SYM_OK);
	assert_memory_equal(out, msg, sizeof(msg));
}

/* ---- pairkeys ---- */

static struct pairkeys *
s_pk_new(void)
{
	struct pairkeys *pk = sodium_malloc(sizeof(*pk));

	assert_non_null(pk);
	return pk;
}

static void
s_pk_free(struct pairkeys *pk)
{
	pairkeys_clear(pk);
	sodium_free(pk);
}

static void
s_assert_pk_differ(const struct pairkeys *a, const struct pairkeys *b)
{
	assert_memory_not_equal(a->tok_lo_hi, b->tok_lo_hi, PAIRKEYS_TOK_LEN);
	assert_memory_not_equal(a->tok_hi_lo, b->tok_hi_lo, PAIRKEYS_TOK_LEN);
	assert_memory_not_equal(a->env_lo_hi, b->env_lo_hi, PAIRKEYS_ENV_LEN);
	assert_memory_not_equal(a->env_hi_lo, b->env_hi_lo, PAIRKEYS_ENV_LEN);
	assert_memory_not_equal(a->kpi, b->kpi, PAIRKEYS_KPI_LEN);
	assert_memory_not_equal(a->pad_lo_hi, b->pad_lo_hi, PAIRKEYS_PAD_LEN);
	assert_memory_not_equal(a->pad_hi_lo, b->pad_hi_lo, PAIRKEYS_PAD_LEN);
}

/* A park id for the tests that are not about the park binding. */
static const uint8_t s_park[PARK_ID_LEN] = {0x5a};

static void
test_pairkeys_id_cmp(void **state)
{
	(void)state;
	assert_true(pairkeys_id_cmp("a", "b") < 0);
	assert_true(pairkeys_id_cmp("b", "a") > 0);
	assert_true(pairkeys_id_cmp("ab", "abc") < 0);
	assert_true(pairkeys_id_cmp("abc", "ab") > 0);
	assert_int_equal(pairkeys_id_cmp("abc", "abc"), 0);
	/* Bytewise, unsigned: 0xc3 sorts after ASCII. */
	assert_true(pairkeys_id_cmp("z", "\xc3\xa9") < 0);
	assert_true(pairkeys_id_cmp("B", "a") < 0);
}

static void
test_pairkeys_agree(void **state)
{
	static const char *ia = "zeta-works", *ib = "acme";
	uint8_t round_id[ROUND_ID_LEN];
	struct keypair *a = keys_generate(KEY_X25519), *b = keys_generate(KEY_X25519);
	struct pairkeys *ka = s_pk_new(), *kb = s_pk_new();

	(void)state;
	assert_non_null(a);
	assert_non_null(b);
	randombytes_buf(round_id, sizeof(round_id));
	assert_int_equal(pairkeys_derive(s_park, round_id, ia, a->sk, a->pk, ib, b->pk, ka),
	                 SYM_OK);
	assert_int_equal(pairkeys_derive(s_park, round_id, ib, b->sk, b->pk, ia, a->pk, kb),
	                 SYM_OK);
	/* Both sides hold the identical struct, ids sorted. */
	assert_memory_equal(ka, kb, sizeof(*ka));
	assert_string_equal(ka->id_lo, "acme");
	assert_string_equal(ka->id_hi, "zeta-works");

	/* Directions pick different keys, the same on both sides. */
	assert_non_null(pairkeys_tok(ka, ia, ib));
	assert_non_null(pairkeys_tok(ka, ib, ia));
	assert_memory_not_equal(pairkeys_tok(ka, ia, ib), pairkeys_tok(ka, ib, ia),
	                        PAIRKEYS_TOK_LEN);
	assert_memory_not_equal(pairkeys_env(ka, ia, ib), pairkeys_env(ka, ib, ia),
	                        PAIRKEYS_ENV_LEN);
	assert_ptr_equal(pairkeys_tok(ka, ib, ia), ka->tok_lo_hi);
	assert_ptr_equal(pairkeys_tok(ka, ia, ib), ka->tok_hi_lo);
	assert_ptr_equal(pairkeys_env(ka, ib, ia), ka->env_lo_hi);
	assert_ptr_equal(pairkeys_env(ka, ia, ib), ka->env_hi_lo);
	assert_memory_equal(pairkeys_tok(ka, ia, ib), pairkeys_tok(kb, ia, ib), PAIRKEYS_TOK_LEN);
	/* All five sub-keys are distinct. */
	assert_memory_not_equal(ka->tok_lo_hi, ka->env_lo_hi, PAIRKEYS_TOK_LEN);
	assert_memory_not_equal(ka->env_lo_hi, ka->kpi, PAIRKEYS_ENV_LEN);
	assert_memory_not_equal(ka->env_hi_lo, ka->kpi, PAIRKEYS_ENV_LEN);

	/* Anything but the pair's two ids gets no key. */
	assert_null(pairkeys_tok(ka, ia, ia));
	assert_null(pairkeys_tok(ka, ib, ib));
	assert_null(pairkeys_tok(ka, ia, "other"));
	assert_null(pairkeys_tok(ka, "acm", ia));
	assert_null(pairkeys_tok(ka, "acmee", ia));
	assert_null(pairkeys_env(ka, "other", ib));
	assert_null(pairkeys_env(ka, NULL, ib));
	assert_null(pairkeys_tok(NULL, ia, ib));

	pairkeys_clear(ka);
	assert_true(sodium_is_zero((const unsigned char *)ka, sizeof(*ka)));
	assert_null(pairkeys_tok(ka, ia, ib));
	s_pk_free(ka);
	s_pk_free(kb);
	keys_free(&a);
	keys_free(&b);
}

static void
test_pairkeys_separation(void **state)
{
	uint8_t r1[ROUND_ID_LEN], r2[ROUND_ID_LEN];
	struct keypair *a = keys_generate(KEY_X25519), *b = keys_generate(KEY_X25519);
	struct keypair *c = keys_generate(KEY_X25519);
	struct pairkeys *ab = s_pk_new(), *ab2 = s_pk_new(), *cb = s_pk_new(), *ac = s_pk_new();

	(void)state;
	randombytes_buf(r1, sizeof(r1));
	memcpy(r2, r1, sizeof(r2));
	r2[15] ^= 1;
	assert_int_equal(pairkeys_derive(s_park, r1, "a", a->sk, a->pk, "b", b->pk, ab), SYM_OK);
	/* Another round: every key changes. */
	assert_int_equal(pairkeys_derive(s_park, r2, "a", a->sk, a->pk, "b", b->pk, ab2), SYM_OK);
	s_assert_pk_differ(ab, ab2);
	/* A third party holding b's public key, posing as "a", gets nothing of a-b. */
	assert_int_equal(pairkeys_derive(s_park, r1, "a", c->sk, c->pk, "b", b->pk, cb), SYM_OK);
	s_assert_pk_differ(ab, cb);
	assert_int_equal(pairkeys_derive(s_park, r1, "a", a->sk, a->pk, "c", c->pk, ac), SYM_OK);
	s_assert_pk_differ(ab, ac);
	/* The ids are bound: same keys, different names, different sub-keys. */
	assert_int_equal(pairkeys_derive(s_park, r1, "a", a->sk, a->pk, "bb", b->pk, ab2), SYM_OK);
	s_assert_pk_differ(ab, ab2);
	/* So are the public keys: a wrong self_pk gives a different master. */
	assert_int_equal(pairkeys_derive(s_park, r1, "a", a->sk, c->pk, "b", b->pk, ab2), SYM_OK);
	s_assert_pk_differ(ab, ab2);
	/* And the park (1.1): the same companies and round id in another park share nothing. */
	{
		uint8_t other_park[PARK_ID_LEN];

		memcpy(other_park, s_park, sizeof(other_park));
		other_park[31] ^= 1;
		assert_int_equal(
		    pairkeys_derive(other_park, r1, "a", a->sk, a->pk, "b", b->pk, ab2), SYM_OK);
		s_assert_pk_differ(ab, ab2);
	}
	s_pk_free(ab);
	s_pk_free(ab2);
	s_pk_free(cb);
	s_pk_free(ac);
	keys_free(&a);
	keys_free(&b);
	keys_free(&c);
}

/*
 * A known answer for the whole schedule, so that another implementation (or a
 * refactoring) can be checked byte for byte. Computed independently in Python
 * from the header's description: hashlib.blake2b(s || park || round || 14 "alice-refinery"
 * || 10 "bob-cement" || A_alice || A_bob, digest_size=32) for the master, then
 * blake2b(b"", key=master, salt=LE64(id), person=b"symbipk1") for the sub-keys,
 * with the RFC 7748 section 6.1 Alice and Bob keys, round id 00 01 .. 0f and the
 * park id of tests/vectors/protocol-kat.json (protocol 1.1).
 */
static void
test_pairkeys_known_answer(void **state)
{
	uint8_t alice_sk[32], alice_pk[32], bob_sk[32], bob_pk[32], round_id[ROUND_ID_LEN];
	uint8_t tok_lo_hi[16], tok_hi_lo[16], env_lo_hi[32], env_hi_lo[32], kpi[32], park[32];
	uint8_t pad_lo_hi[32], pad_hi_lo[32];
	struct pairkeys *ka = s_pk_new(), *kb = s_pk_new();
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(round_id); i++)
		round_id[i] = (uint8_t)i;
	s_unhex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a", alice_sk, 32);
	s_unhex("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a", alice_pk, 32);
	s_unhex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb", bob_sk, 32);
	s_unhex("8ec0b3e1ac2fbc3010cfb0dfb4d30f0b135b2874f6a8a040568b36dab827ee69", park, 32);
	s_unhex("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f", bob_pk, 32);
	s_unhex("68449f4e423f29acca1f5c73ba2b63ce", tok_lo_hi, 16);
	s_unhex("d97a36a7342450bdd4a6d52e437bf7bd", tok_hi_lo, 16);
	s_unhex("5f3930118dfb41dad904e86eafc00ad595d8ea7a323404f4788cd93ca697c4c9", env_lo_hi, 32);
	s_unhex("c6fd6ff0c3bf4bf6e2076ff5e07239059446ad2d38192fd01f109bbe71a51d36", env_hi_lo, 32);
	s_unhex("29a2ce2962ae9846f42fe901114501658b6f249ab70d8602686b482ce6c83a11", kpi, 32);
	s_unhex("b23a99a69da9e2072538db4699d46533424d8e259e82125c6c09810428dc84cd", pad_lo_hi, 32);
	s_unhex("97875ca62778d36a010ae58ec5be057e7438e5efb6b0bf9dcd43d148454c0f42", pad_hi_lo, 32);
	assert_int_equal(pairkeys_derive(park, round_id, "alice-refinery", alice_sk, alice_pk,
	                                 "bob-cement", bob_pk, ka),
	                 SYM_OK);
	assert_int_equal(pairkeys_derive(park, round_id, "bob-cement", bob_sk, bob_pk,
	                                 "alice-refinery", alice_pk, kb),
	                 SYM_OK);
	assert_memory_equal(ka, kb, sizeof(*ka));
	assert_memory_equal(ka->tok_lo_hi, tok_lo_hi, 16);
	assert_memory_equal(ka->tok_hi_lo, tok_hi_lo, 16);
	assert_memory_equal(ka->env_lo_hi, env_lo_hi, 32);
	assert_memory_equal(ka->env_hi_lo, env_hi_lo, 32);
	assert_memory_equal(ka->kpi, kpi, 32);
	assert_memory_equal(ka->pad_lo_hi, pad_lo_hi, 32);
	assert_memory_equal(ka->pad_hi_lo, pad_hi_lo, 32);
	assert_memory_equal(pairkeys_pad(ka, "bob-cement", "alice-refinery"), pad_hi_lo, 32);
	assert_memory_equal(pairkeys_tok(ka, "alice-refinery", "bob-cement"), tok_lo_hi, 16);
	s_pk_free(ka);
	s_pk_free(kb);
}

static void
test_pairkeys_reject_ids(void **state)
{
	uint8_t round_id[ROUND_ID_LEN] = {0};
	struct keypair *a = keys_generate(KEY_X25519), *b = keys_generate(KEY_X25519);
	struct pairkeys *k = s_pk_new();
	char id64[65], id65[66];

	(void)state;
	memset(id64, 'm', 64);
	id64[64] = '\0';
	memset(id65, 'm', 65);
	id65[65] = '\0';
	assert_int_equal(pairkeys_derive(s_park, round_id, "same", a->sk, a->pk, "same", b->pk, k),
	                 SYM_ERR_INVALID);
	assert_true(sodium_is_zero((const unsigned char *)k, sizeof(*k)));
	assert_int_equal(pairkeys_derive(s_park, round_id, "", a->sk, a->pk, "b", b->pk, k),
	                 SYM_ERR_INVALID);
	assert_int_equal(pairkeys_derive(s_park, round_id, "a", a->sk, a->pk, "", b->pk, k),
	                 SYM_ERR_INVALID);
	assert_int_equal(pairkeys_derive(s_park, round_id, id65, a->sk, a->pk, "b", b->pk, k),
	                 SYM_ERR_INVALID);
	assert_int_equal(pairkeys_derive(s_park, round_id, "a", a->sk, a->pk, id65, b->pk, k),
	                 SYM_ERR_INVALID);
	assert_int_equal(pairkeys_derive(s_park, round_id, NULL, a->sk, a->pk, "b", b->pk, k),
	                 SYM_ERR_INVALID);
	assert_int_equal(pairkeys_derive(s_park, round_id, "a", a->sk, a->pk, "b", NULL, k),
	                 SYM_ERR_INVALID);
	assert_int_equal(pairkeys_derive(s_park, round_id, "a", a->sk, a->pk, "b", b->pk, NULL),
	                 SYM_ERR_INVALID);
	/* 64 bytes is the longest id allowed, and it round-trips through the struct. */
	assert_int_equal(pairkeys_derive(s_park, round_id, id64, a->sk, a->pk, "b", b->pk, k),
	                 SYM_OK);
	assert_string_equal(k->id_hi, id64);
	assert_non_null(pairkeys_tok(k, id64, "b"));
	s_pk_free(k);
	keys_free(&a);
	keys_free(&b);
}

static void
test_pairkeys_weak(void **state)
{
	/* Points of order 1, 2, 4 and 8 and non-canonical encodings (cr.yp.to/ecdh.html#validate).
	 */
	static const char *low_order[] = {
	    "0000000000000000000000000000000000000000000000000000000000000000", /* 0 */
	    "0100000000000000000000000000000000000000000000000000000000000000", /* 1 */
	    "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800", /* order 8 */
	    "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157", /* order 8 */
	    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", /* p - 1 */
	    "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", /* p = 0 */
	    "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", /* p + 1 = 1 */
	};
	uint8_t round_id[ROUND_ID_LEN] = {1}, peer[32];
	struct keypair *a = keys_generate(KEY_X25519);
	struct pairkeys *k = s_pk_new();
	size_t i;

	(void)state;
	assert_non_null(a);
	for (i = 0; i < sizeof(low_order) / sizeof(low_order[0]); i++) {
		s_unhex(low_order[i], peer, sizeof(peer));
		memset(k, 0x5a, sizeof(*k));
		assert_int_equal(pairkeys_derive(s_park, round_id, "a", a->sk, a->pk, "b", peer, k),
		                 SYM_ERR_WEAK_KEY);
		/* Nothing usable is left in the output. */
		assert_true(sodium_is_zero((const unsigned char *)k, sizeof(*k)));
		assert_null(pairkeys_tok(k, "a", "b"));
		/* The high bit is ignored by X25519, so it must not smuggle the point past the
		 * check. */
		peer[31] ^= 0x80;
		assert_int_equal(pairkeys_derive(s_park, round_id, "a", a->sk, a->pk, "b", peer, k),
		                 SYM_ERR_WEAK_KEY);
	}
	s_pk_free(k);
	keys_free(&a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_keys_secret_len),
	    cmocka_unit_test(test_keys_roundtrip),
	    cmocka_unit_test(test_keys_known_encoding),
	    cmocka_unit_test(test_keys_reject_secret),
	    cmocka_unit_test(test_keys_reject_ed25519_halves),
	    cmocka_unit_test(test_keys_reject_public),
	    cmocka_unit_test(test_sig_roundtrip),
	    cmocka_unit_test(test_envelope_ad),
	    cmocka_unit_test(test_envelope_roundtrip),
	    cmocka_unit_test(test_envelope_tamper),
	    cmocka_unit_test(test_pairkeys_id_cmp),
	    cmocka_unit_test(test_pairkeys_agree),
	    cmocka_unit_test(test_pairkeys_separation),
	    cmocka_unit_test(test_pairkeys_known_answer),
	    cmocka_unit_test(test_pairkeys_reject_ids),
	    cmocka_unit_test(test_pairkeys_weak),
	};

	if (sodium_init() < 0) {
		fprintf(stderr, "sodium_init failed\n");
		return 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
