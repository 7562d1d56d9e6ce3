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

#include "kat.h"

static json_t *s_kat;

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
	for (i = 0; (v = json_array_get(arr, i)) != NULL; i++) {
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
	for (i = 0; (v = json_array_get(s_section("candidate_id"), i)) != NULL; i++) {
		kat_hex(v, "round", round, 16);
		kat_hex(v, "token", token, 8);
		kat_hex(v, "id", want, 16);
		roundhash_candidate_id(round, kat_str(v, "supplier"), kat_str(v, "consumer"), token,
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
	for (i = 0; (v = json_array_get(s_section("hits_hash"), i)) != NULL; i++) {
		kat_hex(v, "round", round, 16);
		kat_hex(v, "hash", want, 32);
		hits = s_tokens(v, "hits", &n);
		roundhash_hits(round, kat_str(v, "supplier"), kat_str(v, "consumer"), hits, n, got);
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
	for (i = 0; (v = json_array_get(s_section("commitment"), i)) != NULL; i++) {
		kat_hex(v, "round", round, 16);
		kat_hex(v, "submission", sub, 16);
		kat_hex(v, "commitment", want, 32);
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

/* A batch's digest from its counterpart and hex token lists. */
static void
s_check_batch_digest(json_t *batch)
{
	uint8_t want[32], got[32], *offers, *needs;
	size_t no, nn;

	kat_hex(batch, "digest", want, 32);
	offers = s_tokens(batch, "offers", &no);
	needs = s_tokens(batch, "needs", &nn);
	assert_int_equal(roundhash_batch_digest(kat_str(batch, "counterpart"), offers, 8 * no,
	                                        needs, 8 * nn, got),
	                 SYM_OK);
	assert_memory_equal(got, want, 32);
	free(offers);
	free(needs);
}

static void
test_batch_digest(void **state)
{
	json_t *v, *a = s_section("batch_digest");
	size_t i;

	(void)state;
	for (i = 0; (v = json_array_get(a, i)) != NULL; i++)
		s_check_batch_digest(v);
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
	for (i = 0; (v = json_array_get(s_section("directory_hash"), i)) != NULL; i++) {
		memset(recs, 0, sizeof(recs));
		kat_hex(v, "hash", want, 32);
		n = json_array_size(json_object_get(v, "members"));
		assert_true(n <= 8);
		for (k = 0; (m = json_array_get(json_object_get(v, "members"), k)) != NULL; k++) {
			snprintf(recs[k].id, sizeof(recs[k].id), "%s", kat_str(m, "id"));
			kat_hex(m, "fingerprint", recs[k].fingerprint, 32);
			/* Reach: an optional site, in hundredths of a degree. */
			if (json_object_get(m, "site") != NULL) {
				json_t *site = json_object_get(m, "site");
				recs[k].site.set = 1;
				recs[k].site.lat =
				    (int32_t)json_integer_value(json_array_get(site, 0));
				recs[k].site.lon =
				    (int32_t)json_integer_value(json_array_get(site, 1));
			}
			ptrs[k] = &recs[k];
		}
		roundhash_directory(ptrs, n, got);
		assert_memory_equal(got, want, 32);
	}
}

static void
test_pair_keys(void **state)
{
	uint8_t park[32], round[16], ask[32], apk[32], bsk[32], bpk[32], want[32];
	struct pairkeys *ka, *kb;
	json_t *v;
	size_t i;

	(void)state;
	for (i = 0; (v = json_array_get(s_section("pair_keys"), i)) != NULL; i++) {
		assert_non_null(ka = sodium_malloc(sizeof(*ka)));
		assert_non_null(kb = sodium_malloc(sizeof(*kb)));
		kat_hex(v, "park", park, 32);
		kat_hex(v, "round", round, 16);
		kat_hex(v, "a_sk", ask, 32);
		kat_hex(v, "b_sk", bsk, 32);
		kat_hex(v, "a_pk", want, 32);
		assert_int_equal(crypto_scalarmult_base(apk, ask), 0);
		assert_memory_equal(apk, want, 32);
		kat_hex(v, "b_pk", want, 32);
		assert_int_equal(crypto_scalarmult_base(bpk, bsk), 0);
		assert_memory_equal(bpk, want, 32);
		/* Each side derives on its own and both get the vector's keys. */
		assert_int_equal(pairkeys_derive(park, round, kat_str(v, "a_id"), ask, apk,
		                                 kat_str(v, "b_id"), bpk, ka),
		                 SYM_OK);
		assert_int_equal(pairkeys_derive(park, round, kat_str(v, "b_id"), bsk, bpk,
		                                 kat_str(v, "a_id"), apk, kb),
		                 SYM_OK);
		assert_memory_equal(ka, kb, sizeof(*ka));
		assert_string_equal(ka->id_lo, kat_str(v, "id_lo"));
		assert_string_equal(ka->id_hi, kat_str(v, "id_hi"));
		kat_hex(v, "tok_lo_hi", want, 16);
		assert_memory_equal(ka->tok_lo_hi, want, 16);
		assert_memory_equal(pairkeys_tok(ka, ka->id_lo, ka->id_hi), want, 16);
		kat_hex(v, "tok_hi_lo", want, 16);
		assert_memory_equal(ka->tok_hi_lo, want, 16);
		kat_hex(v, "env_lo_hi", want, 32);
		assert_memory_equal(ka->env_lo_hi, want, 32);
		assert_memory_equal(pairkeys_env(ka, ka->id_lo, ka->id_hi), want, 32);
		kat_hex(v, "env_hi_lo", want, 32);
		assert_memory_equal(ka->env_hi_lo, want, 32);
		kat_hex(v, "kpi", want, 32);
		assert_memory_equal(ka->kpi, want, 32);
		kat_hex(v, "pad_lo_hi", want, 32);
		assert_memory_equal(ka->pad_lo_hi, want, 32);
		assert_memory_equal(pairkeys_pad(ka, ka->id_lo, ka->id_hi), want, 32);
		kat_hex(v, "pad_hi_lo", want, 32);
		assert_memory_equal(ka->pad_hi_lo, want, 32);
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

	for (i = 0; (v = json_array_get(json_object_get(rnd, "submissions"), i)) != NULL; i++)
		if (strcmp(kat_str(v, "member"), member) == 0)
			return v;
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
	kat_hex(rnd, "round", round, 16);
	for (i = 0; (p = json_array_get(json_object_get(rnd, "pairs"), i)) != NULL; i++) {
		json_t *sb = json_array_get(
		    json_object_get(s_submission(rnd, kat_str(p, "supplier")), "batches"), 0);
		json_t *cb = json_array_get(
		    json_object_get(s_submission(rnd, kat_str(p, "consumer")), "batches"), 0);
		offers = s_tokens(sb, "offers", &no);
		needs = s_tokens(cb, "needs", &nn);
		assert_true(tokset_wire_valid(offers, 8 * no, no));
		assert_true(tokset_wire_valid(needs, 8 * nn, nn));
		assert_non_null(hits = malloc(8 * (no + nn) + 8));
		nh = tokset_wire_intersect(offers, no, needs, nn, hits);
		assert_int_equal(nh, json_array_size(json_object_get(p, "candidates")));
		for (k = 0; (c = json_array_get(json_object_get(p, "candidates"), k)) != NULL;
		     k++) {
			uint8_t tok[8], id[16];
			kat_hex(c, "token", tok, 8);
			assert_memory_equal(hits + 8 * k, tok, 8);
			kat_hex(c, "id", want, 16);
			roundhash_candidate_id(round, kat_str(p, "supplier"),
			                       kat_str(p, "consumer"), tok, id);
			assert_memory_equal(id, want, 16);
		}
		kat_hex(p, "hits_hash", want, 32);
		roundhash_hits(round, kat_str(p, "supplier"), kat_str(p, "consumer"), hits, nh,
		               got);
		assert_memory_equal(got, want, 32);
		s_check_batch_digest(sb);
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
	kat_hex(v, "round", round, 16);
	kat_hex(v, "token", token, 8);
	kat_hex(v, "id", want, 16);
	token[7] ^= 1;
	roundhash_candidate_id(round, kat_str(v, "supplier"), kat_str(v, "consumer"), token, got);
	assert_memory_not_equal(got, want, 16);
}

static int
s_setup(void **state)
{
	(void)state;
	if (sodium_init() < 0)
		return -1;
	return (s_kat = kat_load()) == NULL ? -1 : 0;
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
