/*
 * crypto/voprf against every RFC 9497 Appendix A.1 vector for
 * ristretto255-SHA512 (OPRF mode A.1.1, VOPRF mode A.1.2, single and
 * batched), then the properties the vectors cannot show: a proof fails when
 * an element, the key or an evaluation changes, invalid and identity
 * elements are refused, and random blinds and nonces round-trip.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "h2c.h"
#include "voprf.h"

#ifndef SYMBI_VECTORS_DIR
#error "SYMBI_VECTORS_DIR must name the tests/vectors directory"
#endif

#define VEC_FILE SYMBI_VECTORS_DIR "/rfc9497-ristretto255.json"
#define MAX_BATCH 4
#define E VOPRF_ELEMENT_LEN

struct vec {
	size_t m;
	uint8_t input[MAX_BATCH][64];
	size_t input_len[MAX_BATCH];
	uint8_t blind[MAX_BATCH][VOPRF_SCALAR_LEN];
	uint8_t blinded[MAX_BATCH * E];
	uint8_t evaluated[MAX_BATCH * E];
	uint8_t output[MAX_BATCH][VOPRF_OUTPUT_LEN];
	uint8_t proof[VOPRF_PROOF_LEN];
	uint8_t r[VOPRF_SCALAR_LEN];
};

static json_t *g_vectors;

static size_t
s_hex(const char *s, uint8_t *out, size_t max)
{
	size_t got = 0;

	assert_non_null(s);
	assert_true(strlen(s) <= 2 * max);
	assert_int_equal(sodium_hex2bin(out, max, s, strlen(s), NULL, &got, NULL), 0);
	assert_int_equal(got * 2, strlen(s));
	return got;
}

static void
s_hex_exact(json_t *obj, const char *key, uint8_t *out, size_t len)
{
	assert_int_equal(s_hex(json_string_value(json_object_get(obj, key)), out, len), len);
}

/* obj[key][k] for k < m, each exactly len bytes, into out + k*len. */
static void
s_hex_list(json_t *obj, const char *key, size_t m, uint8_t *out, size_t len)
{
	json_t *arr = json_object_get(obj, key);
	size_t k;

	assert_int_equal(json_array_size(arr), m);
	for (k = 0; k < m; k++)
		assert_int_equal(
		    s_hex(json_string_value(json_array_get(arr, k)), out + k * len, len), len);
}

static void
s_load_vec(json_t *v, int verifiable, struct vec *out)
{
	json_t *inputs = json_object_get(v, "Input");
	size_t k;

	memset(out, 0, sizeof(*out));
	out->m = json_array_size(inputs);
	assert_true(out->m >= 1 && out->m <= MAX_BATCH);
	assert_int_equal(json_integer_value(json_object_get(v, "Batch")), out->m);
	for (k = 0; k < out->m; k++)
		out->input_len[k] = s_hex(json_string_value(json_array_get(inputs, k)),
		                          out->input[k], sizeof(out->input[k]));
	s_hex_list(v, "Blind", out->m, out->blind[0], VOPRF_SCALAR_LEN);
	s_hex_list(v, "BlindedElement", out->m, out->blinded, E);
	s_hex_list(v, "EvaluationElement", out->m, out->evaluated, E);
	s_hex_list(v, "Output", out->m, out->output[0], VOPRF_OUTPUT_LEN);
	if (verifiable) {
		s_hex_exact(v, "Proof", out->proof, VOPRF_PROOF_LEN);
		s_hex_exact(v, "ProofRandomScalar", out->r, VOPRF_SCALAR_LEN);
	}
}

/* DeriveKeyPair(Seed, KeyInfo) must give skSm (and pkSm when listed). */
static void
s_check_key(json_t *suite, enum voprf_mode mode, uint8_t sk[32], uint8_t pk[32])
{
	uint8_t seed[VOPRF_SEED_LEN], info[64], want[32];
	size_t info_len;

	s_hex_exact(suite, "Seed", seed, sizeof(seed));
	info_len = s_hex(json_string_value(json_object_get(suite, "KeyInfo")), info, sizeof(info));
	assert_int_equal(voprf_derive_keypair(mode, seed, info, info_len, sk, pk), SYM_OK);
	s_hex_exact(suite, "skSm", want, sizeof(want));
	assert_memory_equal(sk, want, sizeof(want));
	if (json_object_get(suite, "pkSm") != NULL) {
		s_hex_exact(suite, "pkSm", want, sizeof(want));
		assert_memory_equal(pk, want, sizeof(want));
	}
}

/* Blind with the vector's blinds: the blinded elements must match. */
static void
s_check_blind(enum voprf_mode mode, const struct vec *v)
{
	uint8_t blinded[E];
	size_t k;

	for (k = 0; k < v->m; k++) {
		assert_int_equal(
		    voprf_blind_with(mode, v->input[k], v->input_len[k], v->blind[k], blinded),
		    SYM_OK);
		assert_memory_equal(blinded, v->blinded + k * E, E);
	}
}

static void
s_check_finalize(enum voprf_mode mode, const uint8_t sk[32], const struct vec *v)
{
	uint8_t out[VOPRF_OUTPUT_LEN];
	size_t k;

	for (k = 0; k < v->m; k++) {
		assert_int_equal(voprf_finalize(v->input[k], v->input_len[k], v->blind[k],
		                                v->evaluated + k * E, out),
		                 SYM_OK);
		assert_memory_equal(out, v->output[k], sizeof(out));
		/* The key holder's direct evaluation gives the same output. */
		assert_int_equal(voprf_evaluate(mode, sk, v->input[k], v->input_len[k], out),
		                 SYM_OK);
		assert_memory_equal(out, v->output[k], sizeof(out));
	}
}

/* One vector of either mode: blinding, evaluation, proof (VOPRF) and outputs. */
static void
s_check_vector(enum voprf_mode mode, const uint8_t sk[32], const uint8_t pk[32],
               const struct vec *v)
{
	uint8_t evaluated[MAX_BATCH * E], proof[VOPRF_PROOF_LEN];

	s_check_blind(mode, v);
	assert_int_equal(voprf_blind_evaluate(sk, v->blinded, v->m, evaluated), SYM_OK);
	assert_memory_equal(evaluated, v->evaluated, v->m * E);
	if (mode == VOPRF_MODE_VOPRF) {
		assert_int_equal(
		    voprf_prove_with(sk, pk, v->blinded, v->evaluated, v->m, v->r, proof), SYM_OK);
		assert_memory_equal(proof, v->proof, sizeof(proof));
		assert_int_equal(voprf_verify(pk, v->blinded, v->evaluated, v->m, v->proof),
		                 SYM_OK);
	}
	s_check_finalize(mode, sk, v);
}

/* Every vector of a suite; returns how many, and how many were batches. */
static size_t
s_check_suite(const char *name, enum voprf_mode mode, size_t *batched)
{
	json_t *suite = json_object_get(g_vectors, name), *v;
	uint8_t sk[32], pk[32];
	struct vec vec;
	size_t i, n = 0;

	assert_int_equal(json_integer_value(json_object_get(suite, "mode")), mode);
	s_check_key(suite, mode, sk, pk);
	*batched = 0;
	json_array_foreach (json_object_get(suite, "vectors"), i, v) {
		s_load_vec(v, mode == VOPRF_MODE_VOPRF, &vec);
		s_check_vector(mode, sk, pk, &vec);
		*batched += vec.m > 1;
		n++;
	}
	return n;
}

static void
test_oprf_vectors(void **state)
{
	size_t batched;

	(void)state;
	assert_int_equal(s_check_suite("oprf", VOPRF_MODE_OPRF, &batched), 2); /* A.1.1 */
	assert_int_equal(batched, 0);
}

static void
test_voprf_vectors(void **state)
{
	size_t batched;

	(void)state;
	/* A.1.2: two single vectors and one batch of two */
	assert_int_equal(s_check_suite("voprf", VOPRF_MODE_VOPRF, &batched), 3);
	assert_int_equal(batched, 1);
}

/* The batched VOPRF vector: the tamper tests start from a proof known to hold. */
static void
s_batch_vec(uint8_t pk[32], struct vec *vec)
{
	json_t *suite = json_object_get(g_vectors, "voprf");
	uint8_t sk[32];

	s_check_key(suite, VOPRF_MODE_VOPRF, sk, pk);
	s_load_vec(json_array_get(json_object_get(suite, "vectors"), 2), 1, vec);
	assert_int_equal(vec->m, 2);
	assert_int_equal(voprf_verify(pk, vec->blinded, vec->evaluated, vec->m, vec->proof),
	                 SYM_OK);
}

static void
test_proof_fails_on_flipped_byte(void **state)
{
	uint8_t pk[32], x[32];
	struct vec vec, t;
	size_t k, bit;

	(void)state;
	s_batch_vec(pk, &vec);
	for (k = 0; k < vec.m; k++) {
		for (bit = 0; bit < 8 * E; bit += 37) {
			t = vec; /* a changed batch element */
			t.blinded[k * E + bit / 8] ^= (uint8_t)(1u << (bit % 8));
			assert_int_not_equal(voprf_verify(pk, t.blinded, t.evaluated, t.m, t.proof),
			                     SYM_OK);
			t = vec; /* a changed evaluation */
			t.evaluated[k * E + bit / 8] ^= (uint8_t)(1u << (bit % 8));
			assert_int_not_equal(voprf_verify(pk, t.blinded, t.evaluated, t.m, t.proof),
			                     SYM_OK);
		}
	}
	for (bit = 0; bit < 8 * E; bit += 37) { /* a changed key */
		memcpy(x, pk, sizeof(x));
		x[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		assert_int_not_equal(voprf_verify(x, vec.blinded, vec.evaluated, vec.m, vec.proof),
		                     SYM_OK);
	}
	for (bit = 0; bit < 8 * VOPRF_PROOF_LEN; bit += 29) { /* a changed proof */
		t = vec;
		t.proof[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		assert_int_not_equal(voprf_verify(pk, t.blinded, t.evaluated, t.m, t.proof),
		                     SYM_OK);
	}
}

/* Valid encodings that are the wrong values: the proof itself must fail. */
static void
test_proof_fails_on_other_valid_values(void **state)
{
	uint8_t pk[32], sk2[32], pk2[32], tmp[E], proof[VOPRF_PROOF_LEN];
	struct vec vec, t;

	(void)state;
	s_batch_vec(pk, &vec);
	assert_int_equal(voprf_keypair(sk2, pk2), SYM_OK);
	assert_int_equal(voprf_verify(pk2, vec.blinded, vec.evaluated, vec.m, vec.proof),
	                 SYM_ERR_VERIFY);
	t = vec; /* one element replaced by another valid element */
	crypto_core_ristretto255_random(t.blinded + E);
	assert_int_equal(voprf_verify(pk, t.blinded, t.evaluated, t.m, t.proof), SYM_ERR_VERIFY);
	t = vec; /* an evaluation under another key */
	assert_int_equal(crypto_scalarmult_ristretto255(t.evaluated, sk2, t.blinded), 0);
	assert_int_equal(voprf_verify(pk, t.blinded, t.evaluated, t.m, t.proof), SYM_ERR_VERIFY);
	t = vec; /* the evaluations swapped between the two elements */
	memcpy(tmp, t.evaluated, E);
	memcpy(t.evaluated, t.evaluated + E, E);
	memcpy(t.evaluated + E, tmp, E);
	assert_int_equal(voprf_verify(pk, t.blinded, t.evaluated, t.m, t.proof), SYM_ERR_VERIFY);
	/* A prefix of the batch is another statement. */
	assert_int_equal(voprf_verify(pk, vec.blinded, vec.evaluated, 1, vec.proof),
	                 SYM_ERR_VERIFY);
	/* A proof under a key other than pk's is refused before it is made. */
	assert_int_equal(voprf_prove_with(sk2, pk, vec.blinded, vec.evaluated, vec.m, vec.r, proof),
	                 SYM_ERR_INVALID);
	sodium_memzero(sk2, sizeof(sk2));
}

static void
test_invalid_elements_refused(void **state)
{
	uint8_t pk[32], sk[32], zero[E] = {0}, bad[E], out[VOPRF_OUTPUT_LEN], ev[2 * E];
	uint8_t proof[VOPRF_PROOF_LEN];
	struct vec vec, t;

	(void)state;
	s_batch_vec(pk, &vec);
	assert_int_equal(voprf_keypair(sk, pk), SYM_OK);
	memset(bad, 0xff, sizeof(bad)); /* not a canonical field element */
	assert_int_equal(voprf_element_ok(zero), 0);
	assert_int_equal(voprf_element_ok(bad), 0);
	assert_int_equal(voprf_element_ok(vec.blinded), 1);
	/* the identity and a bad encoding as a batch element, an evaluation, a key */
	t = vec;
	memcpy(t.blinded + E, zero, E);
	assert_int_equal(voprf_blind_evaluate(sk, t.blinded, 2, ev), SYM_ERR_FORMAT);
	assert_int_equal(voprf_blind_evaluate_proof(sk, pk, t.blinded, 2, ev, proof),
	                 SYM_ERR_FORMAT);
	assert_int_equal(voprf_verify(pk, t.blinded, vec.evaluated, 2, vec.proof), SYM_ERR_FORMAT);
	memcpy(t.blinded + E, bad, E);
	assert_int_equal(voprf_blind_evaluate(sk, t.blinded, 2, ev), SYM_ERR_FORMAT);
	assert_int_equal(voprf_verify(pk, t.blinded, vec.evaluated, 2, vec.proof), SYM_ERR_FORMAT);
	t = vec;
	memcpy(t.evaluated, zero, E);
	assert_int_equal(voprf_verify(pk, vec.blinded, t.evaluated, 2, vec.proof), SYM_ERR_FORMAT);
	assert_int_equal(voprf_finalize(vec.input[0], 1, vec.blind[0], zero, out), SYM_ERR_FORMAT);
	assert_int_equal(voprf_finalize(vec.input[0], 1, vec.blind[0], bad, out), SYM_ERR_FORMAT);
	assert_int_equal(voprf_verify(zero, vec.blinded, vec.evaluated, 2, vec.proof),
	                 SYM_ERR_FORMAT);
	assert_int_equal(voprf_verify(bad, vec.blinded, vec.evaluated, 2, vec.proof),
	                 SYM_ERR_FORMAT);
	/* proof scalars at or above the group order */
	t = vec;
	t.proof[VOPRF_PROOF_LEN - 1] |= 0xf0;
	assert_int_equal(voprf_verify(pk, t.blinded, t.evaluated, 2, t.proof), SYM_ERR_FORMAT);
	/* zero and non-canonical secrets, an empty batch, an oversize input */
	assert_int_equal(voprf_blind_evaluate(zero, vec.blinded, 2, ev), SYM_ERR_INVALID);
	assert_int_equal(voprf_blind_with(VOPRF_MODE_VOPRF, (const uint8_t *)"x", 1, bad, ev),
	                 SYM_ERR_INVALID);
	assert_int_equal(voprf_blind_evaluate(sk, vec.blinded, 0, ev), SYM_ERR_INVALID);
	assert_int_equal(voprf_verify(pk, vec.blinded, vec.evaluated, 0, vec.proof),
	                 SYM_ERR_INVALID);
	assert_int_equal(
	    voprf_blind_with(VOPRF_MODE_VOPRF, zero, VOPRF_INPUT_MAX + 1, vec.blind[0], ev),
	    SYM_ERR_RANGE);
	sodium_memzero(sk, sizeof(sk));
}

/* Random keys, blinds and nonces: a batch round-trips to the key holder's own outputs. */
static void
test_random_round_trip(void **state)
{
	enum { M = 7 };
	uint8_t sk[32], pk[32], blind[M][32], blinded[M * E], ev[M * E], proof[VOPRF_PROOF_LEN];
	uint8_t out[VOPRF_OUTPUT_LEN], direct[VOPRF_OUTPUT_LEN], input[M][16], other[32];
	size_t k;

	(void)state;
	assert_int_equal(voprf_keypair(sk, pk), SYM_OK);
	for (k = 0; k < M; k++) {
		randombytes_buf(input[k], sizeof(input[k]));
		assert_int_equal(voprf_blind(VOPRF_MODE_VOPRF, input[k], sizeof(input[k]), blind[k],
		                             blinded + k * E),
		                 SYM_OK);
	}
	assert_int_equal(voprf_blind_evaluate_proof(sk, pk, blinded, M, ev, proof), SYM_OK);
	assert_int_equal(voprf_verify(pk, blinded, ev, M, proof), SYM_OK);
	for (k = 0; k < M; k++) {
		assert_int_equal(
		    voprf_finalize(input[k], sizeof(input[k]), blind[k], ev + k * E, out), SYM_OK);
		assert_int_equal(
		    voprf_evaluate(VOPRF_MODE_VOPRF, sk, input[k], sizeof(input[k]), direct),
		    SYM_OK);
		assert_memory_equal(out, direct, sizeof(out));
	}
	/* The two modes are different functions: the context string separates them. */
	assert_int_equal(voprf_evaluate(VOPRF_MODE_OPRF, sk, input[0], sizeof(input[0]), out),
	                 SYM_OK);
	assert_int_equal(voprf_evaluate(VOPRF_MODE_VOPRF, sk, input[0], sizeof(input[0]), direct),
	                 SYM_OK);
	assert_memory_not_equal(out, direct, sizeof(out));
	/* Random nonces: two proofs of the same batch differ and both verify. */
	memcpy(other, proof, sizeof(other));
	assert_int_equal(voprf_blind_evaluate_proof(sk, pk, blinded, M, ev, proof), SYM_OK);
	assert_memory_not_equal(other, proof, sizeof(other));
	assert_int_equal(voprf_verify(pk, blinded, ev, M, proof), SYM_OK);
	sodium_memzero(sk, sizeof(sk));
}

/* The batched Finalize (blinds inverted together, in chunks) equals Finalize one by one. */
static void
test_finalize_batch(void **state)
{
	enum { M = 150 }; /* more than two chunks of 64 */
	static uint8_t input[M][16], blind[M][32], blinded[M * E], ev[M * E];
	static uint8_t out[M][VOPRF_OUTPUT_LEN], one[VOPRF_OUTPUT_LEN];
	uint8_t sk[32], pk[32];
	size_t k;

	(void)state;
	assert_int_equal(voprf_keypair(sk, pk), SYM_OK);
	randombytes_buf(input, sizeof(input));
	for (k = 0; k < M; k++)
		assert_int_equal(
		    voprf_blind(VOPRF_MODE_OPRF, input[k], 16, blind[k], blinded + k * E), SYM_OK);
	assert_int_equal(voprf_blind_evaluate(sk, blinded, M, ev), SYM_OK);
	assert_int_equal(voprf_finalize_batch(input[0], 16, blind[0], ev, M, out[0]), SYM_OK);
	for (k = 0; k < M; k++) {
		assert_int_equal(voprf_finalize(input[k], 16, blind[k], ev + k * E, one), SYM_OK);
		assert_memory_equal(out[k], one, sizeof(one));
	}
	assert_int_equal(voprf_finalize_batch(input[0], 16, blind[0], ev, 1, out[0]), SYM_OK);
	/* a zero blind or an identity evaluation anywhere refuses the whole batch */
	memset(blind[M - 1], 0, 32);
	assert_int_equal(voprf_finalize_batch(input[0], 16, blind[0], ev, M, out[0]),
	                 SYM_ERR_INVALID);
	memset(ev + 5 * E, 0, E);
	assert_int_equal(voprf_finalize_batch(input[0], 16, blind[0], ev, M - 1, out[0]),
	                 SYM_ERR_FORMAT);
	sodium_memzero(sk, sizeof(sk));
}

/* expand_message_xmd's limits and its multi-block output (RFC 9380 section 5.3.1). */
static void
test_expand_xmd_limits(void **state)
{
	static const uint8_t dst[] = "QUUX-V01-CS02-with-expander-SHA512-256";
	uint8_t a[200], b[64];
	struct h2c_part part = {"abc", 3};

	(void)state;
	assert_int_equal(h2c_expand_xmd_sha512(&part, 1, dst, sizeof(dst) - 1, a, sizeof(a)),
	                 SYM_OK);
	assert_int_equal(h2c_expand_xmd_sha512(&part, 1, dst, sizeof(dst) - 1, b, sizeof(b)),
	                 SYM_OK);
	/* the output length is hashed in: a shorter output is not a prefix */
	assert_memory_not_equal(a, b, sizeof(b));
	assert_int_equal(h2c_expand_xmd_sha512(&part, 1, dst, 0, b, sizeof(b)), SYM_ERR_INVALID);
	assert_int_equal(h2c_expand_xmd_sha512(&part, 1, dst, 256, b, sizeof(b)), SYM_ERR_INVALID);
	assert_int_equal(h2c_expand_xmd_sha512(&part, 1, dst, sizeof(dst) - 1, b, 0),
	                 SYM_ERR_INVALID);
	assert_int_equal(h2c_expand_xmd_sha512(&part, 1, dst, sizeof(dst) - 1, b, H2C_XMD_MAX + 1),
	                 SYM_ERR_INVALID);
}

static int
s_setup(void **state)
{
	json_error_t err;

	(void)state;
	if (sodium_init() < 0)
		return -1;
	g_vectors = json_load_file(VEC_FILE, JSON_REJECT_DUPLICATES, &err);
	if (g_vectors == NULL)
		fprintf(stderr, "%s:%d: %s\n", VEC_FILE, err.line, err.text);
	return g_vectors == NULL ? -1 : 0;
}

static int
s_teardown(void **state)
{
	(void)state;
	json_decref(g_vectors);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_oprf_vectors),
	    cmocka_unit_test(test_voprf_vectors),
	    cmocka_unit_test(test_proof_fails_on_flipped_byte),
	    cmocka_unit_test(test_proof_fails_on_other_valid_values),
	    cmocka_unit_test(test_invalid_elements_refused),
	    cmocka_unit_test(test_random_round_trip),
	    cmocka_unit_test(test_finalize_batch),
	    cmocka_unit_test(test_expand_xmd_limits),
	};

	return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
