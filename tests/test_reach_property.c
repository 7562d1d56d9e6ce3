/*
 * Reach decides candidates exactly as the predicate says (REACH.md), over
 * thousands of random pairs of companies, through the real client code: the
 * flows parser (category reach, max_distance_km), the decision to send a
 * batch at all (reach_exchanges, against the round's largest reach), the
 * reach classes that leave items out (reach_blocks_for), the padded sets
 * (blind_batch_fill under real pair keys) and the coordinator's join
 * (tokset_wire_intersect), whose sizes never show what was left out. The
 * reference is plaintext and independent: the
 * exact predicate on values (flows_exact_compatible) and a great-circle
 * distance computed here with another formula (atan2), in metres, compared
 * with the smaller of the two items' reaches and with the round's reach.
 * Pairs within a metre of a bound are counted and skipped: there the two
 * formulas may round apart, and whole metres are the protocol's unit.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blind.h"
#include "encode.h"
#include "flows.h"
#include "keys.h"
#include "pairkeys.h"
#include "prf.h"
#include "reach.h"
#include "site.h"
#include "taxonomy.h"
#include "tokset.h"

#define PAIRS 3000
#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* A pool of items whose values sit away from bin edges (tests/parks/ulsan and friends). */
static const char *const s_pool[] = {
    "{\"id\":\"steam-out\",\"direction\":\"offer\",\"category\":\"energy.steam\",\"quantity\":"
    "{\"value\":420000,\"unit\":\"t/yr\"},\"attributes\":{\"temperature\":{\"value\":252,"
    "\"unit\":\"C\"},\"pressure\":{\"value\":17.5,\"unit\":\"bar\"}}",
    "{\"id\":\"steam-in\",\"direction\":\"need\",\"category\":\"energy.steam\",\"quantity\":"
    "{\"min\":300000,\"unit\":\"t/yr\"},\"attributes\":{\"temperature\":{\"min\":231,\"unit\":"
    "\"C\"},\"pressure\":{\"min\":15.5,\"max\":30.5,\"unit\":\"bar\"}}",
    "{\"id\":\"steam-in-lp\",\"direction\":\"need\",\"category\":\"energy.steam\",\"quantity\":"
    "{\"min\":150000,\"unit\":\"t/yr\"},\"attributes\":{\"temperature\":{\"min\":161,\"unit\":"
    "\"C\"},\"pressure\":{\"min\":5.5,\"max\":15.5,\"unit\":\"bar\"}}",
    "{\"id\":\"waste-heat\",\"direction\":\"offer\",\"category\":\"energy.heat.waste_heat\","
    "\"quantity\":{\"value\":610000,\"unit\":\"MWh/yr\"},\"attributes\":{\"temperature\":"
    "{\"value\":91,\"unit\":\"C\"}}",
    "{\"id\":\"heat-in\",\"direction\":\"need\",\"category\":\"energy.heat\",\"quantity\":"
    "{\"min\":41000,\"unit\":\"MWh/yr\"},\"attributes\":{\"temperature\":{\"min\":61,\"unit\":"
    "\"C\"}}",
    "{\"id\":\"fgd-gypsum\",\"direction\":\"offer\",\"category\":\"material.mineral.gypsum\","
    "\"quantity\":{\"value\":260000,\"unit\":\"t/yr\"},\"attributes\":{\"purity\":{\"value\":95,"
    "\"unit\":\"%\"}}",
    "{\"id\":\"gypsum-in\",\"direction\":\"need\",\"category\":\"material.mineral.gypsum\","
    "\"quantity\":{\"min\":150000,\"unit\":\"t/yr\"},\"attributes\":{\"purity\":{\"min\":92.5,"
    "\"unit\":\"%\"}}",
    "{\"id\":\"gas-out\",\"direction\":\"offer\",\"category\":\"energy.gas.biogas\",\"quantity\":"
    "{\"value\":4100000,\"unit\":\"Nm3/yr\"},\"attributes\":{\"methane\":{\"value\":62,\"unit\":"
    "\"%\"}}",
    "{\"id\":\"fuel-gas-in\",\"direction\":\"need\",\"category\":\"energy.gas\",\"quantity\":"
    "{\"min\":2100000,\"unit\":\"Nm3/yr\"}",
    "{\"id\":\"sludge-out\",\"direction\":\"offer\",\"category\":\"material.sludge.sewage\","
    "\"quantity\":{\"value\":45000,\"unit\":\"t/yr\"},\"attributes\":{\"dry_matter\":{\"value\":"
    "25.5,\"unit\":\"%\"}}",
    "{\"id\":\"sludge-in\",\"direction\":\"need\",\"category\":\"material.sludge\",\"quantity\":"
    "{\"min\":20000,\"unit\":\"t/yr\"},\"attributes\":{\"dry_matter\":{\"min\":20.5,\"unit\":"
    "\"%\"}}",
    "{\"id\":\"digestate-out\",\"direction\":\"offer\",\"category\":"
    "\"material.nutrient.digestate\",\"quantity\":{\"value\":41000,\"unit\":\"t/yr\"},"
    "\"attributes\":{\"dry_matter\":{\"value\":6.5,\"unit\":\"%\"}}",
    "{\"id\":\"digestate-in\",\"direction\":\"need\",\"category\":\"material.nutrient.digestate\","
    "\"quantity\":{\"min\":22000,\"unit\":\"t/yr\"},\"attributes\":{\"dry_matter\":{\"max\":10.5,"
    "\"unit\":\"%\"}}",
    "{\"id\":\"water-out\",\"direction\":\"offer\",\"category\":\"water.process\",\"quantity\":"
    "{\"value\":500000,\"unit\":\"m3/yr\"}",
    "{\"id\":\"water-in\",\"direction\":\"need\",\"category\":\"water.process\",\"quantity\":"
    "{\"min\":100000,\"unit\":\"m3/yr\"}",
    "{\"id\":\"power-out\",\"direction\":\"offer\",\"category\":\"energy.electricity\","
    "\"quantity\":{\"value\":4383,\"unit\":\"MWh/yr\"}",
    "{\"id\":\"power-in\",\"direction\":\"need\",\"category\":\"energy.electricity\",\"quantity\":"
    "{\"min\":1000,\"unit\":\"MWh/yr\"}",
};

static struct taxonomy *s_tax;
static struct prf_ctx *s_prf;

static int
s_setup(void **state)
{
	struct sym_diag diag = {""};

	(void)state;
	if (sodium_init() < 0 || taxonomy_load_default(&s_tax, &diag) != SYM_OK ||
	    prf_new(&s_prf) != SYM_OK)
		return -1;
	return 0;
}

static int
s_teardown(void **state)
{
	(void)state;
	taxonomy_free(&s_tax);
	prf_free(&s_prf);
	return 0;
}

static uint32_t
s_rand(uint32_t n)
{
	return randombytes_uniform(n);
}

/* A random company: each pool item with probability 1/2, half of them narrowed by max_distance_km.
 */
static struct flows *
s_company(void)
{
	char doc[8192];
	struct sym_diag diag = {""};
	struct flows *fl = NULL;
	size_t i, used;

	used = (size_t)snprintf(doc, sizeof(doc), "{\"flows\":[");
	for (i = 0; i < NELEM(s_pool); i++) {
		if (s_rand(2) == 0)
			continue;
		used += (size_t)snprintf(doc + used, sizeof(doc) - used, "%s%s",
		                         used > 10 ? "," : "", s_pool[i]);
		if (s_rand(2) == 0)
			used += (size_t)snprintf(doc + used, sizeof(doc) - used,
			                         ",\"max_distance_km\":%u.%u", 1 + s_rand(400),
			                         s_rand(10));
		used += (size_t)snprintf(doc + used, sizeof(doc) - used, "}");
	}
	snprintf(doc + used, sizeof(doc) - used, "]}");
	if (flows_parse("random.json", doc, strlen(doc), s_tax, &fl, &diag) != SYM_OK)
		fail_msg("%s: %s", diag.msg, doc);
	return fl;
}

/* A site in a 330 x 320 km box of south-east Korea, one in ten unknown; near `other` if given. */
static struct site
s_site(const struct site *other)
{
	struct site s = {1, 0, 0};

	if (s_rand(10) == 0) {
		s.set = 0;
		return s;
	}
	if (other != NULL && other->set) {
		s.lat = other->lat + (int32_t)s_rand(61) - 30; /* within about 35 km */
		s.lon = other->lon + (int32_t)s_rand(61) - 30;
		return s;
	}
	s.lat = 3400 + (int32_t)s_rand(301);
	s.lon = 12650 + (int32_t)s_rand(351);
	return s;
}

/* The reference distance, by another formula than site.c's, in metres. */
static double
s_ref_distance_m(const struct site *a, const struct site *b)
{
	double p1 = a->lat / 100.0 * M_PI / 180, p2 = b->lat / 100.0 * M_PI / 180;
	double dp = p2 - p1, dl = (b->lon - a->lon) / 100.0 * M_PI / 180;
	double h = pow(sin(dp / 2), 2) + cos(p1) * cos(p2) * pow(sin(dl / 2), 2);

	return 2 * 6371008.8 * atan2(sqrt(h), sqrt(1 - h));
}

/* Every token item k of fl produces under key, as a wire set (*n tokens; caller frees). */
static token_t *
s_item_tokens(const struct flow_item *it, const uint8_t *key, size_t *n)
{
	struct block_list bl;
	token_t *t, *scratch;

	block_list_init(&bl);
	assert_int_equal(encode_item_blocks(s_tax, it, ENCODE_STANDARD, 0, &bl), SYM_OK);
	t = malloc((bl.n + 1) * sizeof(*t));
	scratch = malloc((bl.n + 1) * sizeof(*t));
	assert_non_null(t);
	assert_non_null(scratch);
	assert_int_equal(prf_tokens(s_prf, key, bl.blocks, bl.n, t), SYM_OK);
	*n = tokset_wire_sort(t, bl.n, scratch);
	free(scratch);
	block_list_free(&bl);
	return t;
}

/* Does some hit belong to both items' token sets? */
static int
s_found(const uint8_t *hits, size_t nh, const token_t *to, size_t no, const token_t *tn, size_t nn)
{
	size_t h;

	for (h = 0; h < nh; h++)
		if (tokset_wire_contains((const uint8_t *)to, no, hits + 8 * h) &&
		    tokset_wire_contains((const uint8_t *)tn, nn, hits + 8 * h))
			return 1;
	return 0;
}

struct tally {
	size_t pairs, skipped_pairs, item_pairs, matches, boundary;
};

/* The batch `from` sends `to`: its items within reach of `to`, as symbi submit builds it. */
static void
s_batch(const struct pairkeys *pk, const char *from, const char *to, const struct site *sf,
        const struct site *st, struct reach_blocks *rb, struct blind_batch *b)
{
	struct blind_padding pad = {{64, 0, 0}, {64, 0, 0}};
	const struct block_list *offers, *needs;

	assert_int_equal(reach_pad_all(rb, &pad), SYM_OK);
	assert_int_equal(reach_blocks_for(rb, sf, st, &offers, &needs), SYM_OK);
	assert_int_equal(blind_batch_fill(s_prf, pk, from, to, offers, needs, &pad, 0, b), SYM_OK);
	/* Whatever it leaves out, a batch has the size class of all the company's items. */
	assert_int_equal(b->offers_len / 8, pad.offers.floor);
	assert_int_equal(b->needs_len / 8, pad.needs.floor);
}

/* One direction: sup's offers against con's needs, the join against the reference. */
static void
s_direction(const struct flows *fs, const struct site *ss, const struct flows *fc,
            const struct site *sc, const uint8_t *key, const struct blind_batch *bo,
            const struct blind_batch *bn, uint64_t round_reach, struct tally *t)
{
	size_t no = bo->offers_len / 8, nn = bn->needs_len / 8, nh, i, j;
	uint8_t *hits = malloc(8 * (no < nn ? no : nn) + 8);
	double d = ss->set && sc->set ? s_ref_distance_m(ss, sc) : 0;

	assert_non_null(hits);
	nh = tokset_wire_intersect(bo->offers, no, bn->needs, nn, hits);
	for (i = 0; i < fs->n; i++) {
		const struct flow_item *o = &fs->items[i];
		size_t nto;
		token_t *to;

		if (o->direction != FLOW_OFFER)
			continue;
		to = s_item_tokens(o, key, &nto);
		for (j = 0; j < fc->n; j++) {
			const struct flow_item *n = &fc->items[j];
			uint64_t reach = o->reach_m < n->reach_m ? o->reach_m : n->reach_m;
			size_t ntn;
			token_t *tn;
			int want, got;

			if (n->direction != FLOW_NEED)
				continue;
			if (reach > round_reach)
				reach = round_reach;
			tn = s_item_tokens(n, key, &ntn);
			got = s_found(hits, nh, to, nto, tn, ntn);
			free(tn);
			t->item_pairs++;
			if (reach != SITE_REACH_UNLIMITED && ss->set && sc->set &&
			    fabs(d - (double)reach) < 1.0) {
				t->boundary++;
				continue;
			}
			want = flows_exact_compatible(s_tax, o, n) &&
			       (reach == SITE_REACH_UNLIMITED || !ss->set || !sc->set ||
			        d <= (double)reach);
			if (want != got)
				fail_msg("%s -> %s at %.1f m (reach %llu m, sites %s): join %d, "
				         "reference %d",
				         o->id, n->id, d, (unsigned long long)reach,
				         ss->set && sc->set ? "known" : "unknown", got, want);
			t->matches += (size_t)got;
		}
		free(to);
	}
	free(hits);
}

static void
test_reach_property(void **state)
{
	static const uint64_t round_reaches[] = {SITE_REACH_UNLIMITED, 50000, 150000, 300000};
	uint8_t park[PARK_ID_LEN] = {0}, round[ROUND_ID_LEN];
	struct pairkeys *ka = sodium_malloc(sizeof(*ka)), *kb = sodium_malloc(sizeof(*kb));
	struct tally t = {0, 0, 0, 0, 0};
	size_t p;

	(void)state;
	assert_non_null(ka);
	assert_non_null(kb);
	for (p = 0; p < PAIRS; p++) {
		struct keypair *xa = keys_generate(KEY_X25519), *xb = keys_generate(KEY_X25519);
		struct flows *fa = s_company(), *fb = s_company();
		struct reach_blocks *ra = NULL, *rb = NULL;
		struct site sa = s_site(NULL), sb = s_site(s_rand(2) ? &sa : NULL);
		uint64_t rr = round_reaches[s_rand(NELEM(round_reaches))];
		struct blind_batch ab, ba;

		assert_non_null(xa);
		assert_non_null(xb);
		randombytes_buf(round, sizeof(round));
		assert_int_equal(reach_blocks_new(s_tax, fa, ENCODE_STANDARD, &ra), SYM_OK);
		assert_int_equal(reach_blocks_new(s_tax, fb, ENCODE_STANDARD, &rb), SYM_OK);
		t.pairs++;
		/* Beyond the round's reach neither sends a batch: no candidate can arise. */
		assert_int_equal(reach_exchanges(&sa, &sb, rr), reach_exchanges(&sb, &sa, rr));
		if (!reach_exchanges(&sa, &sb, rr)) {
			assert_true(sa.set && sb.set &&
			            s_ref_distance_m(&sa, &sb) > (double)rr - 1.0);
			t.skipped_pairs++;
		} else {
			assert_int_equal(pairkeys_derive(park, round, "co-a", xa->sk, xa->pk,
			                                 "co-b", xb->pk, ka),
			                 SYM_OK);
			assert_int_equal(pairkeys_derive(park, round, "co-b", xb->sk, xb->pk,
			                                 "co-a", xa->pk, kb),
			                 SYM_OK);
			s_batch(ka, "co-a", "co-b", &sa, &sb, ra, &ab);
			s_batch(kb, "co-b", "co-a", &sb, &sa, rb, &ba);
			s_direction(fa, &sa, fb, &sb, pairkeys_tok(ka, "co-a", "co-b"), &ab, &ba,
			            rr, &t);
			s_direction(fb, &sb, fa, &sa, pairkeys_tok(ka, "co-b", "co-a"), &ba, &ab,
			            rr, &t);
			blind_batch_clear(&ab);
			blind_batch_clear(&ba);
			pairkeys_clear(ka);
			pairkeys_clear(kb);
		}
		reach_blocks_free(&ra);
		reach_blocks_free(&rb);
		flows_free(&fa);
		flows_free(&fb);
		keys_free(&xa);
		keys_free(&xb);
	}
	fprintf(stderr,
	        "%zu pairs (%zu beyond the round's reach), %zu offer-need pairs, %zu matches, "
	        "%zu within a metre of a bound\n",
	        t.pairs, t.skipped_pairs, t.item_pairs, t.matches, t.boundary);
	/* The draw must exercise both outcomes often, not only one. */
	assert_true(t.matches > 1000 && t.item_pairs - t.matches > 1000);
	assert_true(t.skipped_pairs > 100);
	assert_true(t.boundary < t.item_pairs / 100);
	sodium_free(ka);
	sodium_free(kb);
}

/*
 * A hardened round computes its values once over every block and selects
 * per counterpart (reach_select): the selection must be exactly the blocks
 * reach_blocks_for gives a standard round, in order, and a block that is not
 * among the values' blocks (values recorded for other flows) is refused.
 */
static void
test_reach_select(void **state)
{
	size_t t, kept;

	(void)state;
	for (t = 0; t < 300; t++) {
		struct flows *fl = s_company();
		struct block_list offers, needs, *all[2] = {&offers, &needs};
		const struct block_list *within[2];
		struct reach_blocks *rb = NULL;
		struct site a = s_site(NULL), b = s_site(&a);
		size_t k;

		block_list_init(&offers);
		block_list_init(&needs);
		assert_int_equal(encode_flows(s_tax, fl, ENCODE_STANDARD, &offers, &needs), SYM_OK);
		assert_int_equal(reach_blocks_new(s_tax, fl, ENCODE_STANDARD, &rb), SYM_OK);
		if (s_rand(2) == 0)
			b = s_site(NULL);
		assert_int_equal(reach_blocks_for(rb, &a, &b, &within[0], &within[1]), SYM_OK);
		for (k = 0; k < 2; k++) {
			/* The values are the blocks themselves: what is kept must be the subset. */
			uint8_t *vals = malloc(all[k]->n * TOKEN_BLOCK_LEN + 1);

			assert_non_null(vals);
			if (all[k]->n > 0)
				memcpy(vals, all[k]->blocks, all[k]->n * TOKEN_BLOCK_LEN);
			assert_int_equal(reach_select((const uint8_t *)all[k]->blocks, all[k]->n,
			                              within[k], vals, TOKEN_BLOCK_LEN, &kept),
			                 SYM_OK);
			assert_int_equal(kept, within[k]->n);
			assert_memory_equal(vals, within[k]->blocks, kept * TOKEN_BLOCK_LEN);
			/* Values for fewer blocks than the flows have: refused, never misaligned.
			 */
			if (within[k]->n > 0) {
				memcpy(vals, all[k]->blocks, all[k]->n * TOKEN_BLOCK_LEN);
				assert_int_equal(
				    reach_select((const uint8_t *)all[k]->blocks + TOKEN_BLOCK_LEN,
				                 all[k]->n - 1, within[k], vals + TOKEN_BLOCK_LEN,
				                 TOKEN_BLOCK_LEN, &kept) == SYM_OK,
				    memcmp(within[k]->blocks[0].b, all[k]->blocks[0].b,
				           TOKEN_BLOCK_LEN) != 0);
			}
			free(vals);
		}
		reach_blocks_free(&rb);
		block_list_free(&offers);
		block_list_free(&needs);
		flows_free(&fl);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_reach_property),
	    cmocka_unit_test(test_reach_select),
	};

	return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
