/*
 * crypto/hardtoken: the hardened pair tokens against known answers computed
 * by an independent reference (tests/vectors/hardened-kat.json, Python's
 * hashlib), then the property the protocol rests on: the token a querier
 * builds from a proven, unblinded answer equals the one the key holder
 * computes directly, for the ordered pair only; and the statements' bytes.
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
#include "hardtoken.h"
#include "voprf.h"

#ifndef SYMBI_VECTORS_DIR
#error "SYMBI_VECTORS_DIR must name the tests/vectors directory"
#endif

static void
s_hex(json_t *obj, const char *key, uint8_t *out, size_t len)
{
	const char *s = json_string_value(json_object_get(obj, key));
	size_t got = 0;

	assert_non_null(s);
	assert_int_equal(strlen(s), 2 * len);
	assert_int_equal(sodium_hex2bin(out, len, s, strlen(s), NULL, &got, NULL), 0);
	assert_int_equal(got, len);
}

static void
test_pair_vectors(void **state)
{
	json_error_t err;
	json_t *doc = json_load_file(SYMBI_VECTORS_DIR "/hardened-kat.json", 0, &err), *c;
	size_t i;

	(void)state;
	assert_non_null(doc);
	assert_true(json_array_size(json_object_get(doc, "pair_tokens")) >= 3);
	json_array_foreach (json_object_get(doc, "pair_tokens"), i, c) {
		uint8_t f[VOPRF_OUTPUT_LEN], round[16], want[8], got[8];

		s_hex(c, "output", f, sizeof(f));
		s_hex(c, "round", round, sizeof(round));
		s_hex(c, "token", want, sizeof(want));
		assert_int_equal(hardtoken_pair(f, round,
		                                json_string_value(json_object_get(c, "from")),
		                                json_string_value(json_object_get(c, "to")), got),
		                 SYM_OK);
		assert_memory_equal(got, want, 8);
	}
	json_decref(doc);
}

static void
test_pair_refuses_bad_ids(void **state)
{
	uint8_t f[VOPRF_OUTPUT_LEN] = {0}, round[16] = {0}, t[8];
	char long_id[257];

	(void)state;
	memset(long_id, 'a', 256);
	long_id[256] = '\0';
	assert_int_equal(hardtoken_pair(f, round, "", "b", t), SYM_ERR_RANGE);
	assert_int_equal(hardtoken_pair(f, round, "a", long_id, t), SYM_ERR_RANGE);
}

/* Blind, evaluate with proof, verify, finalize: the querier's tokens equal the key holder's. */
static void
test_blinded_equals_direct(void **state)
{
	enum { N = 5 };
	uint8_t sk[32], pk[32], blocks[N * 16], blinds[N * 32], blinded[N * 32], ev[N * 32];
	uint8_t proof[64], direct[N * 64], unblinded[N * 64], t1[N * 8], t2[N * 8], t3[N * 8];
	uint8_t round[16];
	size_t k;

	(void)state;
	randombytes_buf(blocks, sizeof(blocks));
	randombytes_buf(round, sizeof(round));
	assert_int_equal(voprf_keypair(sk, pk), SYM_OK);
	for (k = 0; k < N; k++)
		assert_int_equal(voprf_blind(VOPRF_MODE_VOPRF, blocks + 16 * k, 16, blinds + 32 * k,
		                             blinded + 32 * k),
		                 SYM_OK);
	assert_int_equal(voprf_blind_evaluate_proof(sk, pk, blinded, N, ev, proof), SYM_OK);
	assert_int_equal(voprf_verify(pk, blinded, ev, N, proof), SYM_OK);
	assert_int_equal(voprf_finalize_batch(blocks, 16, blinds, ev, N, unblinded), SYM_OK);
	assert_int_equal(hardtoken_outputs(sk, blocks, N, direct), SYM_OK);
	assert_memory_equal(direct, unblinded, sizeof(direct));
	assert_int_equal(hardtoken_tokens(direct, N, round, "supplier", "consumer", t1), SYM_OK);
	assert_int_equal(hardtoken_tokens(unblinded, N, round, "supplier", "consumer", t2), SYM_OK);
	assert_memory_equal(t1, t2, sizeof(t1));
	/* The other direction, or another round, gives unrelated tokens. */
	assert_int_equal(hardtoken_tokens(direct, N, round, "consumer", "supplier", t3), SYM_OK);
	assert_memory_not_equal(t1, t3, sizeof(t1));
	round[0] ^= 1;
	assert_int_equal(hardtoken_tokens(direct, N, round, "supplier", "consumer", t3), SYM_OK);
	assert_memory_not_equal(t1, t3, sizeof(t1));
}

static void
test_statements(void **state)
{
	static const char dom[] = "symbiod-hardened-answer-v1";
	uint8_t park[32], round[16], qd[32], d[32], proof[64], a[HARDTOKEN_STATEMENT_MAX],
	    b[HARDTOKEN_STATEMENT_MAX];
	size_t la = 0, lb = 0;

	(void)state;
	memset(park, 1, 32);
	memset(round, 2, 16);
	memset(qd, 3, 32);
	memset(d, 4, 32);
	memset(proof, 5, 64);
	assert_int_equal(
	    hardtoken_answer_statement(park, round, "ans", "q", qd, 256, d, proof, a, &la), SYM_OK);
	/* domain with its NUL, park, round, u8 len ids, digest, u32 m, digest, proof */
	assert_int_equal(la, sizeof(dom) + 32 + 16 + 1 + 3 + 1 + 1 + 32 + 4 + 32 + 64);
	assert_memory_equal(a, dom, sizeof(dom));
	assert_int_equal(a[sizeof(dom) + 48], 3);
	/* Moving a byte between the two ids gives other bytes: lengths are framed. */
	assert_int_equal(
	    hardtoken_answer_statement(park, round, "an", "sq", qd, 256, d, proof, b, &lb), SYM_OK);
	assert_int_equal(la, lb);
	assert_memory_not_equal(a, b, la);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_pair_vectors),
	    cmocka_unit_test(test_pair_refuses_bad_ids),
	    cmocka_unit_test(test_blinded_equals_direct),
	    cmocka_unit_test(test_statements),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
