/*
 * The protocol's shared computations against tests/vectors/protocol-kat.json:
 * candidate ids, hits hashes, commitments, batch digests, directory hashes and
 * the pair-key schedule, through crypto/roundhash.h and crypto/pairkeys.h,
 * which the daemon, the client and symbi-audit all call. The expected values
 * were computed once by the code these functions replaced; a change here is
 * a change of the protocol. test_audit_vectors runs the auditor's side on the
 * same file.
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

#include "cert.h"
#include "err.h"
#include "pairkeys.h"
#include "roundhash.h"
#include "tokset.h"
#include "util.h"

#ifndef SYMBI_VECTORS_DIR
#error "SYMBI_VECTORS_DIR must name the tests/vectors directory"
#endif

#define KAT_FILE SYMBI_VECTORS_DIR "/protocol-kat.json"

static json_t *s_kat;

static const char *
s_str(json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));

	assert_non_null(s);
	return s;
}

/* Exactly len bytes of the hex string obj[key]. */
static void
s_hex(json_t *obj, const char *key, uint8_t *out, size_t len)
{
	const char *s = s_str(obj, key);
	size_t got = 0;

	assert_int_equal(strlen(s), 2 * len);
	assert_int_equal(sodium_hex2bin(out, len, s, strlen(s), NULL, &got, NULL), 0);
	assert_int_equal(got, len);
}

/* A JSON array of 8-byte hex tokens as one wire byte string (malloc'd, *n tokens). */
static uint8_t *
s_tokens(json_t *obj, const char *key, size_t *n)
{
	json_t *arr = json_object_get(obj, key), *v;
	uint8_t *buf;
	size_t i;

	assert_true(json_is_array(arr));
	*n = json_array_size(arr);
	buf = malloc(8 * *n + 1);
	assert_non_null(buf);
	json_array_foreach(arr, i, v)
	{
		const char *s = json_string_value(v);
		assert_non_null(s);
		assert_int_equal(strlen(s), 16);
		assert_int_equal(sodium_hex2bin(buf + 8 * i, 8, s, 16, NULL, NULL, NULL), 0);
	}
	return buf;
}

static json_t *
s_section(const char *name)
{
	json_t *a = json_object_get(s_kat, name);

	assert_true(json_is_array(a));
	assert_true(json_array_size(a) >= 2);
	return a;
}

static void
test_candidate_id(void **state)
{
	uint8_t round[16], token[8], want[16], got[16];
	json_t *v;
	size_t i;

	(void)state;
	json_array_foreach(s_section("candidate_id"), i, v)
	{
		s_hex(v, "round", round, 16);
		s_hex(v, "token", token, 8);
		s_hex(v, "id", want, 16);
		roundhash_candidate_id(round, s_str(v, "supplier"), s_str(v, "consumer"), token,
		                       got);
		assert_memory_equal(got, want, 16);
	}
}

static void
test_hits_hash(void **state)
{
	uint8_t round[16], want[32], got[32], *hits;
	json_t *v;
	size_t i, n;

	(void)state;
	json_array_foreach(s_section("hits_hash"), i, v)
	{
		s_hex(v, "round", round, 16);
		s_hex(v, "hash", want, 32);
		hits = s_tokens(v, "hits", &n);
		roundhash_hits(round, s_str(v, "supplier"), s_str(v, "consumer"), hits, n, got);
		assert_memory_equal(got, want, 32);
		free(hits);
	}
}

static void
test_commitment(void **state)
{
	uint8_t round[16], sub[16], want[32], got[32], (*digests)[32];
	json_t *v, *d;
	size_t i, k, n;

	(void)state;
	json_array_foreach(s_section("commitment"), i, v)
	{
		s_hex(v, "round", round, 16);
		s_hex(v, "submission", sub, 16);
		s_hex(v, "commitment", want, 32);
		d = json_object_get(v, "digests");
		n = json_array_size(d);
		assert_non_null(digests = calloc(n + 1, 32));
		for (k = 0; k < n; k++)
			assert_int_equal(sodium_hex2bin(digests[k], 32,
			                                json_string_value(json_array_get(d, k)), 64,
			                                NULL, NULL, NULL),
			                 0);
		roundhash_commitment(round, sub, (const uint8_t(*)[32])digests, n, got);
		assert_memory_equal(got, want, 32);
		free(digests);
	}
}

static void
test_batch_digest(void **state)
{
	uint8_t want[32], got[32], *offers, *needs;
	json_t *v;
	size_t i, no, nn;

	(void)state;
	json_array_foreach(s_section("batch_digest"), i, v)
	{
		s_hex(v, "digest", want, 32);
		offers = s_tokens(v, "offers", &no);
		needs = s_tokens(v, "needs", &nn);
		assert_int_equal(roundhash_batch_digest(s_str(v, "counterpart"), offers, 8 * no,
		                                        needs, 8 * nn, got),
		                 SYM_OK);
		assert_memory_equal(got, want, 32);
		free(offers);
		free(needs);
	}
}

static void
test_directory_hash(void **state)
{
	struct member_record recs[8];
	const struct member_record *ptrs[8];
	uint8_t want[32], got[32];
	json_t *v, *m;
	size_t i, k, n;

	(void)state;
	json_array_foreach(s_section("directory_hash"), i, v)
	{
		memset(recs, 0, sizeof(recs));
		s_hex(v, "hash", want, 32);
		n = json_array_size(json_object_get(v, "members"));
		assert_true(n <= 8);
		json_array_foreach(json_object_get(v, "members"), k, m)
		{
			snprintf(recs[k].id, sizeof(recs[k].id), "%s", s_str(m, "id"));
			s_hex(m, "fingerprint", recs[k].fingerprint, 32);
			ptrs[k] = &recs[k];
		}
		roundhash_directory(ptrs, n, got);
		assert_memory_equal(got, want, 32);
	}
}

static void
test_pair_keys(void **state)
{
	uint8_t round[16], ask[32], apk[32], bsk[32], bpk[32], want[32];
	struct pairkeys *ka, *kb;
	json_t *v;
	size_t i;

	(void)state;
	json_array_foreach(s_section("pair_keys"), i, v)
	{
		assert_non_null(ka = sodium_malloc(sizeof(*ka)));
		assert_non_null(kb = sodium_malloc(sizeof(*kb)));
		s_hex(v, "round", round, 16);
		s_hex(v, "a_sk", ask, 32);
		s_hex(v, "b_sk", bsk, 32);
		s_hex(v, "a_pk", want, 32);
		assert_int_equal(crypto_scalarmult_base(apk, ask), 0);
		assert_memory_equal(apk, want, 32);
		s_hex(v, "b_pk", want, 32);
		assert_int_equal(crypto_scalarmult_base(bpk, bsk), 0);
		assert_memory_equal(bpk, want, 32);
		/* Each side derives on its own and both get the vector's keys. */
		assert_int_equal(
		    pairkeys_derive(round, s_str(v, "a_id"), ask, apk, s_str(v, "b_id"), bpk, ka),
		    SYM_OK);
		assert_int_equal(
		    pairkeys_derive(round, s_str(v, "b_id"), bsk, bpk, s_str(v, "a_id"), apk, kb),
		    SYM_OK);
		assert_memory_equal(ka, kb, sizeof(*ka));
		assert_string_equal(ka->id_lo, s_str(v, "id_lo"));
		assert_string_equal(ka->id_hi, s_str(v, "id_hi"));
		s_hex(v, "tok_lo_hi", want, 16);
		assert_memory_equal(ka->tok_lo_hi, want, 16);
		assert_memory_equal(pairkeys_tok(ka, ka->id_lo, ka->id_hi), want, 16);
		s_hex(v, "tok_hi_lo", want, 16);
		assert_memory_equal(ka->tok_hi_lo, want, 16);
		s_hex(v, "env_lo_hi", want, 32);
		assert_memory_equal(ka->env_lo_hi, want, 32);
		assert_memory_equal(pairkeys_env(ka, ka->id_lo, ka->id_hi), want, 32);
		s_hex(v, "env_hi_lo", want, 32);
		assert_memory_equal(ka->env_hi_lo, want, 32);
		s_hex(v, "kpi", want, 32);
		assert_memory_equal(ka->kpi, want, 32);
		pairkeys_clear(ka);
		pairkeys_clear(kb);
		sodium_free(ka);
		sodium_free(kb);
	}
}

/* The submission of `member` in the round section. */
static json_t *
s_submission(json_t *rnd, const char *member)
{
	json_t *v;
	size_t i;

	json_array_foreach(json_object_get(rnd, "submissions"), i,
	                   v) if (strcmp(s_str(v, "member"), member) == 0) return v;
	fail_msg("no submission of %s", member);
	return NULL;
}

/* The round section: batches, commitments, the join, candidate ids and hits hashes agree. */
static void
test_round(void **state)
{
	json_t *rnd = json_object_get(s_kat, "round"), *p, *c;
	uint8_t round[16], want[32], got[32], *offers, *needs, *hits;
	size_t i, k, no, nn, nh;

	(void)state;
	assert_true(json_is_object(rnd));
	s_hex(rnd, "round", round, 16);
	json_array_foreach(json_object_get(rnd, "pairs"), i, p)
	{
		json_t *sb = json_array_get(
		    json_object_get(s_submission(rnd, s_str(p, "supplier")), "batches"), 0);
		json_t *cb = json_array_get(
		    json_object_get(s_submission(rnd, s_str(p, "consumer")), "batches"), 0);
		offers = s_tokens(sb, "offers", &no);
		needs = s_tokens(cb, "needs", &nn);
		assert_true(tokset_wire_valid(offers, 8 * no, no));
		assert_true(tokset_wire_valid(needs, 8 * nn, nn));
		assert_non_null(hits = malloc(8 * (no + nn) + 8));
		nh = tokset_wire_intersect(offers, no, needs, nn, hits);
		assert_int_equal(nh, json_array_size(json_object_get(p, "candidates")));
		json_array_foreach(json_object_get(p, "candidates"), k, c)
		{
			uint8_t tok[8], id[16];
			s_hex(c, "token", tok, 8);
			assert_memory_equal(hits + 8 * k, tok, 8);
			s_hex(c, "id", want, 16);
			roundhash_candidate_id(round, s_str(p, "supplier"), s_str(p, "consumer"),
			                       tok, id);
			assert_memory_equal(id, want, 16);
		}
		s_hex(p, "hits_hash", want, 32);
		roundhash_hits(round, s_str(p, "supplier"), s_str(p, "consumer"), hits, nh, got);
		assert_memory_equal(got, want, 32);
		s_hex(sb, "digest", want, 32);
		free(offers);
		offers = s_tokens(sb, "offers", &no);
		free(needs);
		needs = s_tokens(sb, "needs", &nn);
		assert_int_equal(roundhash_batch_digest(s_str(sb, "counterpart"), offers, 8 * no,
		                                        needs, 8 * nn, got),
		                 SYM_OK);
		assert_memory_equal(got, want, 32);
		free(offers);
		free(needs);
		free(hits);
	}
}

/* A wrong vector must fail: the checks above compare, they do not just run. */
static void
test_one_bit_differs(void **state)
{
	json_t *v = json_array_get(s_section("candidate_id"), 0);
	uint8_t round[16], token[8], want[16], got[16];

	(void)state;
	s_hex(v, "round", round, 16);
	s_hex(v, "token", token, 8);
	s_hex(v, "id", want, 16);
	token[7] ^= 1;
	roundhash_candidate_id(round, s_str(v, "supplier"), s_str(v, "consumer"), token, got);
	assert_memory_not_equal(got, want, 16);
}

static int
s_setup(void **state)
{
	json_error_t err;

	(void)state;
	if (sodium_init() < 0)
		return -1;
	s_kat = json_load_file(KAT_FILE, JSON_REJECT_DUPLICATES, &err);
	if (s_kat == NULL)
		fprintf(stderr, "%s:%d: %s\n", KAT_FILE, err.line, err.text);
	return s_kat == NULL ? -1 : 0;
}

static int
s_teardown(void **state)
{
	(void)state;
	json_decref(s_kat);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_candidate_id),   cmocka_unit_test(test_hits_hash),
	    cmocka_unit_test(test_commitment),     cmocka_unit_test(test_batch_digest),
	    cmocka_unit_test(test_directory_hash), cmocka_unit_test(test_pair_keys),
	    cmocka_unit_test(test_round),          cmocka_unit_test(test_one_bit_differs),
	};

	return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
