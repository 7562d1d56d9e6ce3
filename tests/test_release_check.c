/*
 * The client's checks of what it is told (client/release_check.c, PROTOCOL.md
 * 1.1 item 9), with real keys and real tokens: two companies derive their
 * pair keys from fresh X25519 keys, a steam offer and a steam need are
 * encoded and run through the token PRF exactly as a submission does, and
 * the candidate is the token both produce, with the id the coordinator's
 * join gives it. Then:
 *
 *  - the true candidate checks `exact` from both sides;
 *  - a forged candidate id is a mismatch (and release_check_wire_candidate
 *    refuses it), whatever the items;
 *  - a released item whose values were tampered with after release, or an
 *    item of another category swapped in, cannot produce the token: mismatch;
 *  - an item in the right bins but outside the exact values is a near miss;
 *  - keys of another round or another pair do not confirm anything.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "encode.h"
#include "err.h"
#include "flows.h"
#include "pairkeys.h"
#include "prf.h"
#include "release_check.h"
#include "roundhash.h"
#include "taxonomy.h"

#define OFFER                                                                                      \
	"{\"id\": \"steam-out\", \"direction\": \"offer\", \"category\": \"energy.steam\","        \
	" \"quantity\": {\"value\": 150000, \"unit\": \"t/yr\"},"                                  \
	" \"attributes\": {\"temperature\": {\"value\": 200, \"unit\": \"C\"},"                    \
	" \"pressure\": {\"value\": 20, \"unit\": \"bar\"}},"                                      \
	" \"details\": {\"contact\": \"SECRET-acme\"}}"
#define NEED_FMT                                                                                   \
	"{\"id\": \"steam-in\", \"direction\": \"need\", \"category\": \"energy.steam\","          \
	" \"quantity\": {\"min\": 100000, \"max\": 300000, \"unit\": \"t/yr\"},"                   \
	" \"attributes\": {\"temperature\": {\"min\": %s, \"unit\": \"C\"},"                       \
	" \"pressure\": {\"min\": 10, \"max\": 40, \"unit\": \"bar\"}}}"
#define GYPSUM                                                                                     \
	"{\"id\": \"steam-out\", \"direction\": \"offer\", \"category\": "                         \
	"\"material.mineral.gypsum\", \"quantity\": {\"value\": 150000, \"unit\": \"t/yr\"},"      \
	" \"attributes\": {\"purity\": {\"value\": 96, \"unit\": \"%\"}}}"

/* One pair's world: keys from both sides, the two items, the candidate. */
struct world {
	struct taxonomy *tax;
	struct prf_ctx *prf;
	uint8_t round[16], sk_a[32], pk_a[32], sk_b[32], pk_b[32];
	struct pairkeys *pk_acme, *pk_beta; /* the same keys, derived by each side */
	struct flows *offer, *need;
	uint8_t token[TOKEN_LEN], id[16];
	struct release_candidate cand;
};

/* The park these tests play in (protocol 1.1 binds pair keys to it). */
static const uint8_t s_park[PARK_ID_LEN] = {0x42};
static struct world s_w;

/* One item as flows of its own (its owner's flows file, one flow). */
static struct flows *
s_item(const char *json)
{
	char doc[2048];
	struct flows *fl = NULL;
	struct sym_diag diag = {""};
	json_error_t jerr;
	json_t *j;

	snprintf(doc, sizeof(doc), "{\"flows\": [%s]}", json);
	j = json_loads(doc, 0, &jerr);
	assert_non_null(j);
	if (flows_from_json("test", j, s_w.tax, &fl, &diag) != SYM_OK)
		fail_msg("flows: %s", diag.msg);
	json_decref(j);
	assert_int_equal(fl->n, 1);
	return fl;
}

static struct flows *
s_need(const char *temperature_min)
{
	char json[1024];

	snprintf(json, sizeof(json), NEED_FMT, temperature_min);
	return s_item(json);
}

/* An item's tokens under key, as prf_tokens writes them; *n of them. */
static token_t *
s_tokens(const uint8_t *key, const struct flow_item *item, size_t *n)
{
	struct block_list bl;
	token_t *t;

	block_list_init(&bl);
	assert_int_equal(encode_item_blocks(s_w.tax, item, ENCODE_STANDARD, 0, &bl), SYM_OK);
	t = malloc(bl.n * sizeof(*t));
	assert_non_null(t);
	assert_int_equal(prf_tokens(s_w.prf, key, bl.blocks, bl.n, t), SYM_OK);
	*n = bl.n;
	block_list_free(&bl);
	return t;
}

/*
 * The candidate the coordinator's join finds for offer and need: their one
 * common token under K_tok(acme->beta), its id as the join computes it.
 */
static void
s_join(const struct flow_item *offer, const struct flow_item *need, uint8_t token[TOKEN_LEN],
       uint8_t id[16], struct release_candidate *c)
{
	const uint8_t *key = pairkeys_tok(s_w.pk_acme, "acme", "beta");
	token_t *o, *n;
	size_t no, nn, i, k, hits = 0;

	o = s_tokens(key, offer, &no);
	n = s_tokens(key, need, &nn);
	for (i = 0; i < no; i++)
		for (k = 0; k < nn; k++)
			if (memcmp(&o[i], &n[k], TOKEN_LEN) == 0 && hits++ == 0)
				memcpy(token, &o[i], TOKEN_LEN);
	free(o);
	free(n);
	assert_int_equal(hits, 1); /* one level, one common prefix per dimension */
	roundhash_candidate_id(s_w.round, "acme", "beta", token, id);
	c->round = s_w.round;
	c->id = id;
	c->supplier = "acme";
	c->consumer = "beta";
	c->token = token;
}

static int
s_setup(void **state)
{
	struct sym_diag diag = {""};

	(void)state;
	setenv("SYMBIOD_DATA_DIR", SYMBI_SOURCE_DIR "/data", 0);
	if (sodium_init() < 0 || taxonomy_load_default(&s_w.tax, &diag) != SYM_OK ||
	    prf_new(&s_w.prf) != SYM_OK)
		return -1;
	randombytes_buf(s_w.round, sizeof(s_w.round));
	crypto_box_keypair(s_w.pk_a, s_w.sk_a);
	crypto_box_keypair(s_w.pk_b, s_w.sk_b);
	s_w.pk_acme = sodium_malloc(sizeof(struct pairkeys));
	s_w.pk_beta = sodium_malloc(sizeof(struct pairkeys));
	if (s_w.pk_acme == NULL || s_w.pk_beta == NULL ||
	    pairkeys_derive(s_park, s_w.round, "acme", s_w.sk_a, s_w.pk_a, "beta", s_w.pk_b,
	                    s_w.pk_acme) != SYM_OK ||
	    pairkeys_derive(s_park, s_w.round, "beta", s_w.sk_b, s_w.pk_b, "acme", s_w.pk_a,
	                    s_w.pk_beta) != SYM_OK)
		return -1;
	s_w.offer = s_item(OFFER);
	s_w.need = s_need("180");
	s_join(&s_w.offer->items[0], &s_w.need->items[0], s_w.token, s_w.id, &s_w.cand);
	return 0;
}

static int
s_teardown(void **state)
{
	(void)state;
	flows_free(&s_w.offer);
	flows_free(&s_w.need);
	pairkeys_clear(s_w.pk_acme);
	pairkeys_clear(s_w.pk_beta);
	sodium_free(s_w.pk_acme);
	sodium_free(s_w.pk_beta);
	prf_free(&s_w.prf);
	taxonomy_free(&s_w.tax);
	return 0;
}

static enum release_check
s_check(const struct pairkeys *pk, const struct release_candidate *c, const struct flow_item *offer,
        const struct flow_item *need)
{
	enum release_check check = RELEASE_CHECK_EXACT;

	assert_int_equal(
	    release_check_exchange(s_w.tax, ENCODE_STANDARD, s_w.prf, pk, c, offer, need, &check),
	    SYM_OK);
	return check;
}

static void
test_true_candidate_is_exact(void **state)
{
	(void)state;
	assert_true(release_check_candidate_id(&s_w.cand));
	/* The supplier checks the need it received, the consumer the offer: same verdict. */
	assert_int_equal(s_check(s_w.pk_acme, &s_w.cand, &s_w.offer->items[0], &s_w.need->items[0]),
	                 RELEASE_CHECK_EXACT);
	assert_int_equal(s_check(s_w.pk_beta, &s_w.cand, &s_w.offer->items[0], &s_w.need->items[0]),
	                 RELEASE_CHECK_EXACT);
	assert_string_equal(release_check_name(RELEASE_CHECK_EXACT), "exact");
}

static void
test_forged_id_is_mismatch(void **state)
{
	struct release_candidate c = s_w.cand;
	uint8_t forged[16], other_round[16];
	size_t bit;

	(void)state;
	/* Any flipped bit of the id, and an id of another round or the other direction. */
	for (bit = 0; bit < 128; bit += 7) {
		memcpy(forged, s_w.id, 16);
		forged[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		c.id = forged;
		assert_false(release_check_candidate_id(&c));
		assert_int_equal(
		    s_check(s_w.pk_beta, &c, &s_w.offer->items[0], &s_w.need->items[0]),
		    RELEASE_CHECK_MISMATCH);
	}
	memcpy(other_round, s_w.round, 16);
	other_round[0] ^= 1;
	roundhash_candidate_id(other_round, "acme", "beta", s_w.token, forged);
	c.id = forged;
	assert_false(release_check_candidate_id(&c));
	roundhash_candidate_id(s_w.round, "beta", "acme", s_w.token, forged);
	assert_false(release_check_candidate_id(&c));
	assert_string_equal(release_check_name(RELEASE_CHECK_MISMATCH), "mismatch");
}

static void
test_wire_candidate(void **state)
{
	Symbiod__Candidate c = SYMBIOD__CANDIDATE__INIT;
	uint8_t forged[16];

	(void)state;
	c.round_id.data = s_w.round;
	c.round_id.len = 16;
	c.candidate_id.data = s_w.id;
	c.candidate_id.len = 16;
	c.supplier = "acme";
	c.consumer = "beta";
	c.token.data = s_w.token;
	c.token.len = TOKEN_LEN;
	assert_true(release_check_wire_candidate(&c));
	memcpy(forged, s_w.id, 16);
	forged[15] ^= 0x80;
	c.candidate_id.data = forged;
	assert_false(release_check_wire_candidate(&c));
	c.candidate_id.data = s_w.id;
	c.token.len = TOKEN_LEN - 1; /* malformed: refused, not read past */
	assert_false(release_check_wire_candidate(&c));
}

static void
test_tampered_item_is_mismatch(void **state)
{
	struct flows *tampered, *gypsum, *far;
	char json[1024];

	(void)state;
	/* The supplier's offer, its quantity changed after the match: not the token's bins. */
	snprintf(json, sizeof(json), "%s", OFFER);
	memcpy(strstr(json, "150000"), "900000", 6);
	tampered = s_item(json);
	assert_int_equal(s_check(s_w.pk_beta, &s_w.cand, &tampered->items[0], &s_w.need->items[0]),
	                 RELEASE_CHECK_MISMATCH);
	/* An item of another category swapped in. */
	gypsum = s_item(GYPSUM);
	assert_int_equal(s_check(s_w.pk_beta, &s_w.cand, &gypsum->items[0], &s_w.need->items[0]),
	                 RELEASE_CHECK_MISMATCH);
	/* The consumer's need, its temperature floor moved far above the offer's 200 C. */
	far = s_need("600");
	assert_int_equal(s_check(s_w.pk_acme, &s_w.cand, &s_w.offer->items[0], &far->items[0]),
	                 RELEASE_CHECK_MISMATCH);
	/* Offer and need in each other's place. */
	assert_int_equal(s_check(s_w.pk_acme, &s_w.cand, &s_w.need->items[0], &s_w.offer->items[0]),
	                 RELEASE_CHECK_MISMATCH);
	flows_free(&tampered);
	flows_free(&gypsum);
	flows_free(&far);
}

static void
test_same_bins_other_values_is_near_miss(void **state)
{
	struct release_candidate c;
	uint8_t token[TOKEN_LEN], id[16];
	char min[32];
	struct flows *need = NULL;
	int tenths, found = 0;

	(void)state;
	/* A temperature floor just above 200 C that still falls in 200 C's bin (2.5 C wide). */
	for (tenths = 2001; tenths < 2025 && !found; tenths++) {
		snprintf(min, sizeof(min), "%d.%d", tenths / 10, tenths % 10);
		flows_free(&need);
		need = s_need(min);
		found = flows_bin_compatible(s_w.tax, &s_w.offer->items[0], &need->items[0]) &&
		        !flows_exact_compatible(s_w.tax, &s_w.offer->items[0], &need->items[0]);
	}
	assert_true(found);
	/* The tokens matched (the bins do), so the coordinator found this candidate. */
	s_join(&s_w.offer->items[0], &need->items[0], token, id, &c);
	assert_int_equal(s_check(s_w.pk_acme, &c, &s_w.offer->items[0], &need->items[0]),
	                 RELEASE_CHECK_NEAR_MISS);
	assert_int_equal(s_check(s_w.pk_beta, &c, &s_w.offer->items[0], &need->items[0]),
	                 RELEASE_CHECK_NEAR_MISS);
	assert_string_equal(release_check_name(RELEASE_CHECK_NEAR_MISS), "near_miss");
	flows_free(&need);
}

static void
test_other_keys_confirm_nothing(void **state)
{
	struct pairkeys *pk = sodium_malloc(sizeof(*pk));
	uint8_t round[16], sk_c[32], pk_c[32];
	enum release_check check;

	(void)state;
	assert_non_null(pk);
	/* The same pair in another round: its K_tok does not give the candidate's token. */
	memcpy(round, s_w.round, 16);
	round[15] ^= 1;
	assert_int_equal(
	    pairkeys_derive(s_park, round, "acme", s_w.sk_a, s_w.pk_a, "beta", s_w.pk_b, pk),
	    SYM_OK);
	assert_int_equal(s_check(pk, &s_w.cand, &s_w.offer->items[0], &s_w.need->items[0]),
	                 RELEASE_CHECK_MISMATCH);
	/* Keys of another pair: no verdict at all. */
	crypto_box_keypair(pk_c, sk_c);
	assert_int_equal(
	    pairkeys_derive(s_park, s_w.round, "acme", s_w.sk_a, s_w.pk_a, "gamma", pk_c, pk),
	    SYM_OK);
	assert_int_not_equal(release_check_exchange(s_w.tax, ENCODE_STANDARD, s_w.prf, pk,
	                                            &s_w.cand, &s_w.offer->items[0],
	                                            &s_w.need->items[0], &check),
	                     SYM_OK);
	assert_int_equal(check, RELEASE_CHECK_MISMATCH);
	pairkeys_clear(pk);
	sodium_free(pk);
}

static void
test_warn_exchanges(void **state)
{
	json_t *all = json_pack(
	    "[{s:s, s:s, s:s, s:s}, {s:s, s:s, s:s, s:s}, {s:s, s:s, s:s, s:b}, {s:s, s:s, s:s}]",
	    "candidate", "c1", "supplier", "acme", "consumer", "beta", "check", "exact",
	    "candidate", "c2", "supplier", "acme", "consumer", "beta", "check", "mismatch",
	    "candidate", "c3", "supplier", "acme", "consumer", "beta", "near_miss", 1, "candidate",
	    "c4", "supplier", "acme", "consumer", "beta");

	(void)state;
	assert_non_null(all);
	assert_int_equal(release_check_warn_exchanges(all), 1);
	assert_string_equal(release_check_word(json_array_get(all, 1)), "mismatch");
	/* Stored before checks existed: near_miss alone speaks, or nothing does. */
	assert_string_equal(release_check_word(json_array_get(all, 2)), "near_miss");
	assert_string_equal(release_check_word(json_array_get(all, 3)), "-");
	json_decref(all);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_true_candidate_is_exact),
	    cmocka_unit_test(test_forged_id_is_mismatch),
	    cmocka_unit_test(test_wire_candidate),
	    cmocka_unit_test(test_tampered_item_is_mismatch),
	    cmocka_unit_test(test_same_bins_other_values_is_near_miss),
	    cmocka_unit_test(test_other_keys_confirm_nothing),
	    cmocka_unit_test(test_warn_exchanges),
	};

	return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
