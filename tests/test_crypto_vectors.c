/*
 * Known-answer tests against the published vectors in tests/vectors/:
 * X25519 (RFC 7748), Ed25519 through crypto/sig (RFC 8032) and AES-128
 * through crypto/prf (FIPS 197). The files hold the values; this program only
 * parses them, so a vector can be read and checked against its source by eye.
 *
 * File format: records separated by blank lines; "name = value" per line;
 * a line starting with a space or tab continues the previous value; lines
 * starting with '#' are comments.
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

#include "err.h"
#include "prf.h"
#include "roundhash.h"
#include "sig.h"
#include "util.h"

#ifndef SYMBI_VECTORS_DIR
#error "SYMBI_VECTORS_DIR must name the tests/vectors directory"
#endif

#define VEC_MAX_FIELDS 16
#define VEC_FILE_MAX (1 << 20)

struct vec_rec {
	size_t n;
	int line; /* where the record starts, for failure messages */
	char *key[VEC_MAX_FIELDS];
	char *val[VEC_MAX_FIELDS];
};

typedef void (*vec_fn)(const struct vec_rec *rec, void *arg);

static void
s_rec_clear(struct vec_rec *rec)
{
	size_t i;

	for (i = 0; i < rec->n; i++) {
		free(rec->key[i]);
		free(rec->val[i]);
	}
	memset(rec, 0, sizeof(*rec));
}

static char *
s_strndup(const char *s, size_t n)
{
	char *p = malloc(n + 1);

	assert_non_null(p);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

/* Append a continuation line to the last value, without its leading blanks. */
static void
s_rec_continue(struct vec_rec *rec, const char *s, size_t n, int lineno)
{
	char *v;
	size_t old;

	if (rec->n == 0)
		fail_msg("line %d: continuation without a value", lineno);
	while (n > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	old = strlen(rec->val[rec->n - 1]);
	v = realloc(rec->val[rec->n - 1], old + n + 1);
	assert_non_null(v);
	memcpy(v + old, s, n);
	v[old + n] = '\0';
	rec->val[rec->n - 1] = v;
}

static void
s_rec_add(struct vec_rec *rec, const char *s, size_t n, int lineno)
{
	const char *eq = memchr(s, '=', n);
	size_t klen, voff;

	if (eq == NULL || eq == s || eq[-1] != ' ')
		fail_msg("line %d: expected \"name = value\"", lineno);
	if (rec->n == VEC_MAX_FIELDS)
		fail_msg("line %d: too many fields in one record", lineno);
	if (rec->n == 0)
		rec->line = lineno;
	klen = (size_t)(eq - s) - 1;
	voff = (size_t)(eq - s) + 1;
	if (voff < n && s[voff] == ' ')
		voff++;
	rec->key[rec->n] = s_strndup(s, klen);
	rec->val[rec->n] = s_strndup(s + voff, n - voff);
	rec->n++;
}

/* Call fn for each record of the file; returns the number of records. */
static size_t
s_for_each(const char *name, vec_fn fn, void *arg)
{
	char path[1024];
	char *buf = NULL;
	size_t len = 0, pos = 0, count = 0;
	struct vec_rec rec;
	int lineno = 0;

	memset(&rec, 0, sizeof(rec));
	assert_true((size_t)snprintf(path, sizeof(path), "%s/%s", SYMBI_VECTORS_DIR, name) <
	            sizeof(path));
	if (util_read_file(path, VEC_FILE_MAX, &buf, &len) != SYM_OK)
		fail_msg("cannot read %s", path);
	while (pos <= len) {
		const char *line = buf + pos, *nl = memchr(line, '\n', len - pos);
		size_t n = nl != NULL ? (size_t)(nl - line) : len - pos;

		lineno++;
		if (n == 0) {
			if (rec.n > 0) {
				fn(&rec, arg);
				count++;
			}
			s_rec_clear(&rec);
		} else if (line[0] == '#') {
			/* comment */
		} else if (line[0] == ' ' || line[0] == '\t') {
			s_rec_continue(&rec, line, n, lineno);
		} else {
			s_rec_add(&rec, line, n, lineno);
		}
		pos += n + 1;
	}
	if (rec.n > 0) {
		fn(&rec, arg);
		count++;
	}
	s_rec_clear(&rec);
	free(buf);
	return count;
}

static const char *
s_get(const struct vec_rec *rec, const char *key)
{
	size_t i;

	for (i = 0; i < rec->n; i++) {
		if (strcmp(rec->key[i], key) == 0)
			return rec->val[i];
	}
	fail_msg("record at line %d: no \"%s\"", rec->line, key);
	return NULL;
}

/* A hex value of any length in a fresh buffer (never NULL, even when empty). */
static uint8_t *
s_hex(const struct vec_rec *rec, const char *key, size_t *len)
{
	const char *hex = s_get(rec, key);
	size_t n = strlen(hex);
	uint8_t *out;

	if (n % 2 != 0)
		fail_msg("record at line %d: odd-length hex in \"%s\"", rec->line, key);
	out = malloc(n / 2 + 1);
	assert_non_null(out);
	if (n > 0 && util_unhex(hex, out, n / 2) != SYM_OK)
		fail_msg("record at line %d: bad hex in \"%s\"", rec->line, key);
	*len = n / 2;
	return out;
}

/* A hex value of exactly len bytes into out. */
static void
s_hex_fixed(const struct vec_rec *rec, const char *key, uint8_t *out, size_t len)
{
	if (util_unhex(s_get(rec, key), out, len) != SYM_OK)
		fail_msg("record at line %d: \"%s\" is not %zu bytes of hex", rec->line, key, len);
}

static void
s_assert_hex_equal(const uint8_t *got, const uint8_t *want, size_t len, const char *what)
{
	char g[129], w[129];

	if (memcmp(got, want, len) == 0)
		return;
	util_hex(got, len > 64 ? 64 : len, g);
	util_hex(want, len > 64 ? 64 : len, w);
	fail_msg("%s:\n  got  %s\n  want %s", what, g, w);
}

/* ---- RFC 7748 ---- */

struct x25519_counts {
	size_t single, iter, dh;
};

static void
s_x25519_rec(const struct vec_rec *rec, void *arg)
{
	struct x25519_counts *c = arg;
	const char *type = s_get(rec, "type");
	uint8_t k[32], u[32], want[32], got[32];

	if (strcmp(type, "x25519") == 0) {
		s_hex_fixed(rec, "scalar", k, 32);
		s_hex_fixed(rec, "u", u, 32);
		s_hex_fixed(rec, "out", want, 32);
		assert_int_equal(crypto_scalarmult(got, k, u), 0);
		s_assert_hex_equal(got, want, 32, "RFC 7748 5.2 X25519");
		c->single++;
	} else if (strcmp(type, "x25519-iter") == 0) {
		long iterations = strtol(s_get(rec, "iterations"), NULL, 10), i;

		assert_true(iterations > 0);
		s_hex_fixed(rec, "k", k, 32);
		s_hex_fixed(rec, "u", u, 32);
		s_hex_fixed(rec, "out", want, 32);
		for (i = 0; i < iterations; i++) {
			assert_int_equal(crypto_scalarmult(got, k, u), 0);
			memcpy(u, k, 32);
			memcpy(k, got, 32);
		}
		s_assert_hex_equal(k, want, 32, "RFC 7748 5.2 iterated X25519");
		c->iter++;
	} else if (strcmp(type, "x25519-dh") == 0) {
		uint8_t a_sk[32], a_pk[32], b_sk[32], b_pk[32];

		s_hex_fixed(rec, "alice_sk", a_sk, 32);
		s_hex_fixed(rec, "alice_pk", a_pk, 32);
		s_hex_fixed(rec, "bob_sk", b_sk, 32);
		s_hex_fixed(rec, "bob_pk", b_pk, 32);
		s_hex_fixed(rec, "shared", want, 32);
		assert_int_equal(crypto_scalarmult_base(got, a_sk), 0);
		s_assert_hex_equal(got, a_pk, 32, "RFC 7748 6.1 Alice's public key");
		assert_int_equal(crypto_scalarmult_base(got, b_sk), 0);
		s_assert_hex_equal(got, b_pk, 32, "RFC 7748 6.1 Bob's public key");
		assert_int_equal(crypto_scalarmult(got, a_sk, b_pk), 0);
		s_assert_hex_equal(got, want, 32, "RFC 7748 6.1 shared secret (Alice)");
		assert_int_equal(crypto_scalarmult(got, b_sk, a_pk), 0);
		s_assert_hex_equal(got, want, 32, "RFC 7748 6.1 shared secret (Bob)");
		c->dh++;
	} else {
		fail_msg("record at line %d: unknown type \"%s\"", rec->line, type);
	}
}

static void
test_rfc7748_x25519(void **state)
{
	struct x25519_counts c = {0, 0, 0};

	(void)state;
	assert_int_equal(s_for_each("rfc7748-x25519.txt", s_x25519_rec, &c), 5);
	/* A truncated file must not pass quietly. */
	assert_int_equal(c.single, 2);
	assert_int_equal(c.iter, 2);
	assert_int_equal(c.dh, 1);
}

/* ---- RFC 8032 ---- */

static void
s_ed25519_rec(const struct vec_rec *rec, void *arg)
{
	size_t *count = arg;
	const char *name = s_get(rec, "name");
	uint8_t seed[32], pk[32], want_sig[SIG_LEN], sig[SIG_LEN], bad[SIG_LEN];
	uint8_t sk[SIG_SECRET_LEN], got_pk[SIG_PUBLIC_LEN];
	uint8_t *msg;
	size_t msg_len, i;

	assert_string_equal(s_get(rec, "type"), "ed25519");
	s_hex_fixed(rec, "sk", seed, 32);
	s_hex_fixed(rec, "pk", pk, 32);
	s_hex_fixed(rec, "sig", want_sig, SIG_LEN);
	msg = s_hex(rec, "msg", &msg_len);
	if (strcmp(name, "TEST 1024") == 0)
		assert_int_equal(msg_len, 1023);

	/* The 32-byte RFC secret is libsodium's seed; its 64-byte form is seed || pk. */
	assert_int_equal(crypto_sign_seed_keypair(got_pk, sk, seed), 0);
	s_assert_hex_equal(got_pk, pk, 32, name);
	assert_int_equal(sig_sign(sk, msg, msg_len, sig), SYM_OK);
	s_assert_hex_equal(sig, want_sig, SIG_LEN, name);
	assert_int_equal(sig_verify(pk, msg, msg_len, want_sig), SYM_OK);

	/* Any flipped bit of the signature is rejected. */
	for (i = 0; i < SIG_LEN * 8; i++) {
		memcpy(bad, want_sig, SIG_LEN);
		bad[i / 8] ^= (uint8_t)(1u << (i % 8));
		assert_int_equal(sig_verify(pk, msg, msg_len, bad), SYM_ERR_VERIFY);
	}
	/* A flipped bit of the message: all of a short one, first/middle/last of a long one. */
	for (i = 0; i < msg_len * 8; i++) {
		if (msg_len > 8 && i / 8 != 0 && i / 8 != msg_len / 2 && i / 8 != msg_len - 1)
			continue;
		msg[i / 8] ^= (uint8_t)(1u << (i % 8));
		assert_int_equal(sig_verify(pk, msg, msg_len, want_sig), SYM_ERR_VERIFY);
		msg[i / 8] ^= (uint8_t)(1u << (i % 8));
	}
	/* One byte more or less. */
	if (msg_len > 0)
		assert_int_equal(sig_verify(pk, msg, msg_len - 1, want_sig), SYM_ERR_VERIFY);
	/* A flipped bit of the public key. */
	pk[0] ^= 1;
	assert_int_equal(sig_verify(pk, msg, msg_len, want_sig), SYM_ERR_VERIFY);

	sodium_memzero(sk, sizeof(sk));
	free(msg);
	(*count)++;
}

static void
test_rfc8032_ed25519(void **state)
{
	size_t count = 0;

	(void)state;
	assert_int_equal(s_for_each("rfc8032-ed25519.txt", s_ed25519_rec, &count), 4);
	assert_int_equal(count, 4);
}

/* ---- FIPS 197 ---- */

struct aes_state {
	struct prf_ctx *ctx;
	size_t count;
};

static void
s_aes_rec(const struct vec_rec *rec, void *arg)
{
	enum { NBULK = 1000 };
	struct aes_state *st = arg;
	const char *name = s_get(rec, "name");
	uint8_t key[PRF_KEY_LEN], pt[16], ct[16], got[16];
	uint8_t *bulk;
	token_block_t *blocks;
	token_t *tokens;
	size_t i;

	assert_string_equal(s_get(rec, "type"), "aes128");
	s_hex_fixed(rec, "key", key, sizeof(key));
	s_hex_fixed(rec, "plaintext", pt, sizeof(pt));
	s_hex_fixed(rec, "ciphertext", ct, sizeof(ct));

	assert_int_equal(prf_aes_ecb(st->ctx, key, pt, got, 1), SYM_OK);
	s_assert_hex_equal(got, ct, 16, name);
	/* In place, as prf.h allows. */
	memcpy(got, pt, 16);
	assert_int_equal(prf_aes_ecb(st->ctx, key, got, got, 1), SYM_OK);
	s_assert_hex_equal(got, ct, 16, name);

	/* In bulk (the way the hot loop runs it) every block still gives the answer. */
	bulk = malloc(NBULK * 16);
	blocks = malloc(NBULK * sizeof(*blocks));
	tokens = malloc(NBULK * sizeof(*tokens));
	assert_non_null(bulk);
	assert_non_null(blocks);
	assert_non_null(tokens);
	for (i = 0; i < NBULK; i++) {
		memcpy(bulk + 16 * i, pt, 16);
		memcpy(blocks[i].b, pt, 16);
	}
	assert_int_equal(prf_aes_ecb(st->ctx, key, bulk, bulk, NBULK), SYM_OK);
	for (i = 0; i < NBULK; i++)
		s_assert_hex_equal(bulk + 16 * i, ct, 16, name);

	/* A token is the first TOKEN_LEN bytes of the ciphertext, as stored in memory. */
	assert_int_equal(prf_tokens(st->ctx, key, blocks, 1, tokens), SYM_OK);
	s_assert_hex_equal((const uint8_t *)&tokens[0], ct, TOKEN_LEN, name);
	memset(tokens, 0, NBULK * sizeof(*tokens));
	assert_int_equal(prf_tokens(st->ctx, key, blocks, NBULK, tokens), SYM_OK);
	for (i = 0; i < NBULK; i++)
		s_assert_hex_equal((const uint8_t *)&tokens[i], ct, TOKEN_LEN, name);

	free(bulk);
	free(blocks);
	free(tokens);
	st->count++;
}

static void
test_fips197_aes128(void **state)
{
	struct aes_state st = {NULL, 0};
	uint8_t zero[PRF_KEY_LEN] = {0}, block[16] = {0};

	(void)state;
	assert_int_equal(prf_new(&st.ctx), SYM_OK);
	assert_non_null(st.ctx);
	/* Run a different key first so the vectors also prove the key schedule is replaced. */
	assert_int_equal(prf_aes_ecb(st.ctx, zero, block, block, 1), SYM_OK);
	assert_int_equal(s_for_each("fips197-aes128.txt", s_aes_rec, &st), 2);
	assert_int_equal(st.count, 2);
	prf_free(&st.ctx);
	assert_null(st.ctx);
}

/*
 * A payload's digest is SHA-256 on both sides of ROUNDHASH_PAYLOAD_SMALL
 * (libsodium below, OpenSSL above): FIPS 180-2's "abc", and every length
 * around the switch against libsodium's SHA-256 of the same bytes.
 */
static void
test_payload_sha256(void **state)
{
	static const size_t lens[] = {0,
	                              1,
	                              ROUNDHASH_PAYLOAD_SMALL - 1,
	                              ROUNDHASH_PAYLOAD_SMALL,
	                              ROUNDHASH_PAYLOAD_SMALL + 1,
	                              1 << 20};
	uint8_t abc[32], want[32], got[32], *buf = malloc(1 << 20);
	size_t i;

	(void)state;
	assert_non_null(buf);
	assert_int_equal(
	    util_unhex("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", abc, 32),
	    SYM_OK);
	assert_int_equal(roundhash_payload((const uint8_t *)"abc", 3, got), SYM_OK);
	assert_memory_equal(got, abc, 32);
	randombytes_buf(buf, 1 << 20);
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		crypto_hash_sha256(want, buf, lens[i]);
		assert_int_equal(roundhash_payload(buf, lens[i], got), SYM_OK);
		assert_memory_equal(got, want, 32);
	}
	free(buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rfc7748_x25519),
	    cmocka_unit_test(test_rfc8032_ed25519),
	    cmocka_unit_test(test_fips197_aes128),
	    cmocka_unit_test(test_payload_sha256),
	};

	if (sodium_init() < 0) {
		fprintf(stderr, "sodium_init failed\n");
		return 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
