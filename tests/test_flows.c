/*
 * Flows file tests, against the shipped default taxonomy: valid documents and
 * their canonical values and bins, the matching predicate on hand-made pairs,
 * the broken files of tests/flows-bad/ with the diagnostic each must give, and
 * every flows file of the parks with known answers: ours (tests/parks/,
 * examples/) always, the extra folder beside the checkout when CMake found it.
 *
 * Expected bins are worked out by hand from data/README.md: a quantity is on a
 * log scale from 0.001 to 1e12 in 1024 bins, bin = floor(1024 * log10(v / 0.001) / 15);
 * temperature is linear from -50 to 1230 C in 512 bins (2.5 C each); pressure
 * linear from 0 to 512 bar in 512 bins; percentages linear 0..100 in 128 bins;
 * concentrations log from 0.1 to 1e6 mg/L in 256 bins.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "flows.h"
#include "taxonomy.h"
#include "util.h"

#ifndef SYMBI_TESTS_DIR
#error "SYMBI_TESTS_DIR must name the tests directory"
#endif
#ifndef SYMBI_SOURCE_DIR
#error "SYMBI_SOURCE_DIR must name the source directory"
#endif

#define BAD_DIR SYMBI_TESTS_DIR "/flows-bad"
#define BAD_MIN_KINDS 20
#define BAD_MAX_KINDS 200
#define REL_TOL 1e-12
#define Q_TOP 1023   /* last quantity bin (10 bits) */
#define T_TOP 511    /* last temperature bin (9 bits) */
#define P_TOP 511    /* last pressure bin (9 bits) */
#define PCT_TOP 127  /* last percentage bin (7 bits) */
#define CONC_TOP 255 /* last concentration bin (8 bits) */

static struct taxonomy *s_tax;

/* Folders of park folders, each park with companies.json and expected.json. */
static const char *const s_park_roots[] = {
    SYMBI_TESTS_DIR "/parks", SYMBI_SOURCE_DIR "/examples",
#ifdef SYMBI_EXTRA_PARKS_DIR
    SYMBI_EXTRA_PARKS_DIR, /* present at configure time: extra checks */
#endif
};
#define N_PARK_ROOTS (sizeof(s_park_roots) / sizeof(s_park_roots[0]))

static int
s_group_setup(void **state)
{
	struct sym_diag diag = {""};

	(void)state;
#ifdef SYMBI_SOURCE_DIR
	setenv("SYMBIOD_DATA_DIR", SYMBI_SOURCE_DIR "/data", 0);
#endif
	if (taxonomy_load_default(&s_tax, &diag) != SYM_OK) {
		fprintf(stderr, "cannot load the default taxonomy: %s\n", diag.msg);
		return -1;
	}
	return 0;
}

static int
s_group_teardown(void **state)
{
	(void)state;
	taxonomy_free(&s_tax);
	return 0;
}

static struct flows *
s_parse(const char *name, const char *doc)
{
	struct sym_diag diag = {""};
	struct flows *fl = NULL;
	int r;

	r = flows_parse(name, doc, strlen(doc), s_tax, &fl, &diag);
	if (r != SYM_OK)
		fail_msg("%s: expected to parse, got %d: %s", name, r, diag.msg);
	assert_non_null(fl);
	return fl;
}

static const struct flow_item *
s_item(const struct flows *fl, const char *id)
{
	size_t i;

	for (i = 0; i < fl->n; i++)
		if (strcmp(fl->items[i].id, id) == 0)
			return &fl->items[i];
	fail_msg("no flow \"%s\"", id);
	return NULL;
}

/* The dimension of an item: "quantity" or an attribute name. */
static const struct flow_value *
s_dim(const struct flow_item *it, const char *name)
{
	int d = strcmp(name, "quantity") == 0 ? 0 : taxonomy_dim_index(it->category, name);

	if (d < 0)
		fail_msg("%s: category %s has no dimension %s", it->id, it->category->path, name);
	return &it->dims[d];
}

static void
s_assert_close(double got, double want)
{
	if (isinf(want) ? got != want : !(fabs(got - want) <= REL_TOL * fmax(fabs(want), 1.0)))
		fail_msg("got %.17g, want %.17g", got, want);
}

static void
s_assert_offer_dim(const struct flow_item *it, const char *name, double value, unsigned bin)
{
	const struct flow_value *v = s_dim(it, name);

	assert_int_equal(v->present, 1);
	s_assert_close(v->value, value);
	s_assert_close(v->min, value);
	s_assert_close(v->max, value);
	if (v->bin_lo != bin || v->bin_hi != bin)
		fail_msg("%s %s: bins [%u, %u], want %u", it->id, name, v->bin_lo, v->bin_hi, bin);
}

static void
s_assert_need_dim(const struct flow_item *it, const char *name, int present, double min, double max,
                  unsigned bin_lo, unsigned bin_hi)
{
	const struct flow_value *v = s_dim(it, name);

	if (v->present != present)
		fail_msg("%s %s: present %d, want %d", it->id, name, v->present, present);
	s_assert_close(v->min, min);
	s_assert_close(v->max, max);
	if (v->bin_lo != bin_lo || v->bin_hi != bin_hi)
		fail_msg("%s %s: bins [%u, %u], want [%u, %u]", it->id, name, v->bin_lo, v->bin_hi,
		         bin_lo, bin_hi);
}

/* The example of INTERFACE.md "Flows file", verbatim. */
static const char s_interface_example[] =
    "{ \"flows\": [\n"
    "  { \"id\": \"gypsum-out\", \"direction\": \"offer\", \"category\": "
    "\"material.mineral.gypsum\",\n"
    "    \"quantity\": { \"value\": 150000, \"unit\": \"t/yr\" },\n"
    "    \"attributes\": { \"purity\": { \"value\": 96, \"unit\": \"%\" } },\n"
    "    \"details\": { \"contact\": \"logistics@example.com\", \"notes\": \"any JSON\" } },\n"
    "  { \"id\": \"steam-in\", \"direction\": \"need\", \"category\": \"energy.steam\",\n"
    "    \"quantity\": { \"min\": 100000, \"max\": 300000, \"unit\": \"t/yr\" },\n"
    "    \"attributes\": { \"temperature\": { \"min\": 180, \"unit\": \"C\" },\n"
    "                    \"pressure\": { \"min\": 10, \"max\": 40, \"unit\": \"bar\" } } }\n"
    "] }\n";

static void
test_interface_example(void **state)
{
	struct flows *fl = s_parse("example.json", s_interface_example);
	const struct flow_item *gyp, *steam;
	json_t *doc, *details;

	(void)state;
	assert_int_equal(fl->n, 2);
	assert_int_equal(fl->n_offers, 1);
	assert_int_equal(fl->n_needs, 1);

	gyp = s_item(fl, "gypsum-out");
	assert_ptr_equal(gyp, &fl->items[0]);
	assert_int_equal(gyp->direction, FLOW_OFFER);
	assert_ptr_equal(gyp->category, taxonomy_find(s_tax, "material.mineral.gypsum"));
	s_assert_offer_dim(gyp, "quantity", 150000, 558); /* 1024 * 8.176 / 15 = 558.15 */
	s_assert_offer_dim(gyp, "purity", 96, 122);       /* 128 * 0.96 = 122.88 */

	steam = s_item(fl, "steam-in");
	assert_int_equal(steam->direction, FLOW_NEED);
	assert_ptr_equal(steam->category, taxonomy_find(s_tax, "energy.steam"));
	/* The need's quantity max is kept but does not filter: bin_hi is the top bin. */
	s_assert_need_dim(steam, "quantity", 1, 100000, 300000, 546, Q_TOP);  /* 546.13 */
	s_assert_need_dim(steam, "temperature", 1, 180, INFINITY, 92, T_TOP); /* 230 / 2.5 */
	s_assert_need_dim(steam, "pressure", 1, 10, 40, 10, 40);

	/* The raw objects are the flows exactly as written, details included. */
	doc = json_loads(s_interface_example, 0, NULL);
	assert_non_null(doc);
	assert_true(json_equal(gyp->raw, json_array_get(json_object_get(doc, "flows"), 0)));
	assert_true(json_equal(steam->raw, json_array_get(json_object_get(doc, "flows"), 1)));
	details = json_object_get(gyp->raw, "details");
	assert_true(json_is_object(details));
	assert_string_equal(json_string_value(json_object_get(details, "contact")),
	                    "logistics@example.com");
	assert_string_equal(json_string_value(json_object_get(gyp->raw, "id")), "gypsum-out");
	assert_null(json_object_get(steam->raw, "details"));
	json_decref(doc);
	flows_free(&fl);
	assert_null(fl);
}

static void
test_canonical_values(void **state)
{
	static const char doc[] =
	    "{\"flows\": ["
	    "{\"id\": \"steam-out\", \"direction\": \"offer\", \"category\": \"energy.steam\","
	    " \"quantity\": {\"value\": 60, \"unit\": \"t/h\"},"
	    " \"attributes\": {\"temperature\": {\"value\": 400, \"unit\": \"F\"},"
	    "                  \"pressure\": {\"value\": 1.65, \"unit\": \"MPa\"}}},"
	    "{\"id\": \"district-heat\", \"direction\": \"offer\","
	    " \"category\": \"energy.heat.hot_water\","
	    " \"quantity\": {\"value\": 150, \"unit\": \"MW\"},"
	    " \"attributes\": {\"temperature\": {\"value\": 370.15, \"unit\": \"K\"}}},"
	    "{\"id\": \"biogas-out\", \"direction\": \"offer\", \"category\": "
	    "\"energy.gas.biogas\","
	    " \"quantity\": {\"value\": 1000, \"unit\": \"Nm3/h\"},"
	    " \"attributes\": {\"methane\": {\"value\": 650000, \"unit\": \"ppm\"}}},"
	    "{\"id\": \"power-out\", \"direction\": \"offer\", \"category\": "
	    "\"energy.electricity\","
	    " \"quantity\": {\"value\": 500, \"unit\": \"kW\"}},"
	    "{\"id\": \"heat-in\", \"direction\": \"need\", \"category\": \"energy.heat\","
	    " \"quantity\": {\"max\": 20, \"unit\": \"GWh/yr\"},"
	    " \"attributes\": {\"temperature\": {\"max\": 120, \"unit\": \"C\"}}},"
	    "{\"id\": \"ww-in\", \"direction\": \"need\", \"category\": \"water.wastewater\","
	    " \"quantity\": {\"min\": 0, \"unit\": \"m3/d\"},"
	    " \"attributes\": {\"temperature\": {\"min\": -100, \"unit\": \"C\"},"
	    "                  \"cod\": {\"max\": 2000000, \"unit\": \"mg/L\"}}}"
	    "]}";
	struct flows *fl = s_parse("conv.json", doc);
	const struct flow_item *it;

	(void)state;
	assert_int_equal(fl->n, 6);
	assert_int_equal(fl->n_offers, 4);
	assert_int_equal(fl->n_needs, 2);

	it = s_item(fl, "steam-out");
	s_assert_offer_dim(it, "quantity", 525960, 595);              /* 60 * 8766 */
	s_assert_offer_dim(it, "temperature", (400 - 32) / 1.8, 101); /* 204.44 C */
	s_assert_offer_dim(it, "pressure", 16.5, 16);

	it = s_item(fl, "district-heat");
	s_assert_offer_dim(it, "quantity", 1314900, 622); /* 150 * 8766 */
	s_assert_offer_dim(it, "temperature", 97, 58);    /* 147 / 2.5 = 58.8 */

	it = s_item(fl, "biogas-out");
	s_assert_offer_dim(it, "quantity", 8766000, 678);
	s_assert_offer_dim(it, "methane", 65, 83); /* 1.28 * 65 = 83.2 */

	it = s_item(fl, "power-out");
	s_assert_offer_dim(it, "quantity", 4383, 453);
	assert_int_equal(it->category->ndims, 1);

	/* Quantity with only max: it caps the exchange and filters nothing. */
	it = s_item(fl, "heat-in");
	s_assert_need_dim(it, "quantity", 0, -INFINITY, 20000, 0, Q_TOP);
	s_assert_need_dim(it, "temperature", 1, -INFINITY, 120, 0, 68); /* 170 / 2.5 */

	/* Bounds beyond the taxonomy's range constrain nothing on that side. */
	it = s_item(fl, "ww-in");
	s_assert_need_dim(it, "quantity", 1, 0, INFINITY, 0, Q_TOP);
	s_assert_need_dim(it, "temperature", 1, -100, INFINITY, 0, T_TOP);
	s_assert_need_dim(it, "cod", 1, -INFINITY, 2000000, 0, CONC_TOP);
	flows_free(&fl);
}

/* Attributes a flow does not state are absent, and details of any size up to the limit pass. */
static void
test_absent_and_limits(void **state)
{
	char *doc, *big;
	struct flows *fl;
	const struct flow_item *it;
	size_t n;

	(void)state;
	fl = s_parse("absent.json", "{\"flows\": [{\"id\": \"A.b_c-1\", \"direction\": \"offer\","
	                            " \"category\": \"energy.steam\","
	                            " \"quantity\": {\"value\": 1e12, \"unit\": \"t/yr\"}}]}");
	it = s_item(fl, "A.b_c-1");
	s_assert_offer_dim(it, "quantity", 1e12, Q_TOP);
	assert_int_equal(s_dim(it, "temperature")->present, 0);
	assert_int_equal(s_dim(it, "pressure")->present, 0);
	assert_null(json_object_get(it->raw, "details"));
	flows_free(&fl);

	fl = s_parse("empty.json", "{\"flows\": []}");
	assert_int_equal(fl->n, 0);
	flows_free(&fl);

	/* details of exactly FLOW_DETAILS_MAX bytes, compact: {"x":"..."} */
	n = FLOW_DETAILS_MAX - strlen("{\"x\":\"\"}");
	big = malloc(n + 1);
	doc = malloc(n + 256);
	assert_non_null(big);
	assert_non_null(doc);
	memset(big, 'a', n);
	big[n] = '\0';
	snprintf(doc, n + 256,
	         "{\"flows\": [{\"id\": \"x\", \"direction\": \"offer\", \"category\": "
	         "\"energy.electricity\", \"quantity\": {\"value\": 1, \"unit\": \"MW\"}, "
	         "\"details\": {\"x\": \"%s\"}}]}",
	         big);
	fl = s_parse("big.json", doc);
	assert_int_equal(strlen(json_string_value(
	                     json_object_get(json_object_get(fl->items[0].raw, "details"), "x"))),
	                 n);
	flows_free(&fl);
	free(big);
	free(doc);

	/* flows_parse reads len bytes, not up to a NUL. */
	{
		static const char buf[] = "{\"flows\": []}garbage";
		struct sym_diag diag = {""};

		assert_int_equal(flows_parse("len.json", buf, 13, s_tax, &fl, &diag), SYM_OK);
		flows_free(&fl);
		assert_int_not_equal(
		    flows_parse("len.json", buf, sizeof(buf) - 1, s_tax, &fl, &diag), SYM_OK);
		assert_null(fl);
	}
	flows_free(NULL);
	flows_free(&fl);
}

/*
 * flows_from_json: an already parsed document (a round record's flows, a
 * partner's revealed item) gives what parsing its text gives, and the result
 * keeps the document a submission records.
 */
static void
test_from_json(void **state)
{
	struct sym_diag diag = {""};
	struct flows *text = s_parse("example.json", s_interface_example), *fl = NULL;
	json_t *doc = json_loads(s_interface_example, 0, NULL), *bad;
	size_t i, d;

	(void)state;
	assert_non_null(doc);
	assert_true(json_equal(text->doc, doc));
	assert_int_equal(flows_from_json("record", doc, s_tax, &fl, &diag), SYM_OK);
	assert_ptr_equal(fl->doc, doc);
	assert_int_equal(doc->refcount, 2);
	assert_int_equal(fl->n, text->n);
	assert_int_equal(fl->n_offers, text->n_offers);
	for (i = 0; i < fl->n; i++) {
		assert_string_equal(fl->items[i].id, text->items[i].id);
		assert_ptr_equal(fl->items[i].category, text->items[i].category);
		for (d = 0; d < TAX_MAX_DIMS; d++) {
			assert_int_equal(fl->items[i].dims[d].bin_lo,
			                 text->items[i].dims[d].bin_lo);
			assert_int_equal(fl->items[i].dims[d].bin_hi,
			                 text->items[i].dims[d].bin_hi);
		}
	}
	flows_free(&fl);
	assert_int_equal(doc->refcount, 1);

	/* The same checks as on text, named after the source. */
	bad = json_pack("[]");
	assert_int_equal(flows_from_json("record", bad, s_tax, &fl, &diag), SYM_ERR_FORMAT);
	assert_null(fl);
	assert_string_equal(diag.msg, "record: not a JSON object with \"flows\"");
	json_decref(bad);
	bad = json_pack("{s:[], s:i}", "flows", "extra", 1);
	assert_int_equal(flows_from_json("record", bad, s_tax, &fl, &diag), SYM_ERR_FORMAT);
	assert_string_equal(diag.msg, "record: extra: unknown key");
	assert_int_equal(bad->refcount, 1);
	json_decref(bad);
	json_decref(doc);
	flows_free(&text);
}

/* INTERFACE.md: "details is free JSON", so any JSON value is kept and passed on. */
static void
test_details_any_json(void **state)
{
	static const char *const values[] = {
	    "\"call Anna on ext. 42\"", "42", "true", "null", "[1, \"two\"]", "{}"};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		char doc[512];
		struct flows *fl;
		json_t *want;

		snprintf(doc, sizeof(doc),
		         "{\"flows\": [{\"id\": \"x\", \"direction\": \"offer\", \"category\": "
		         "\"energy.electricity\", \"quantity\": {\"value\": 1, \"unit\": \"MW\"}, "
		         "\"details\": %s}]}",
		         values[i]);
		fl = s_parse("details.json", doc);
		want = json_loads(values[i], JSON_DECODE_ANY, NULL);
		assert_non_null(want);
		assert_true(json_equal(json_object_get(fl->items[0].raw, "details"), want));
		json_decref(want);
		flows_free(&fl);
	}
}

static const char s_pairs_doc[] =
    "{\"flows\": ["
    "{\"id\": \"o-hot\", \"direction\": \"offer\", \"category\": \"energy.heat.hot_water\","
    " \"quantity\": {\"value\": 10000, \"unit\": \"MWh/yr\"},"
    " \"attributes\": {\"temperature\": {\"value\": 95, \"unit\": \"C\"}}},"
    "{\"id\": \"o-waste\", \"direction\": \"offer\", \"category\": \"energy.heat.waste_heat\","
    " \"quantity\": {\"value\": 10000, \"unit\": \"MWh/yr\"},"
    " \"attributes\": {\"temperature\": {\"value\": 95, \"unit\": \"C\"}}},"
    "{\"id\": \"o-heat\", \"direction\": \"offer\", \"category\": \"energy.heat\","
    " \"quantity\": {\"value\": 10000, \"unit\": \"MWh/yr\"},"
    " \"attributes\": {\"temperature\": {\"value\": 95, \"unit\": \"C\"}}},"
    "{\"id\": \"o-hot-notemp\", \"direction\": \"offer\", \"category\": \"energy.heat.hot_water\","
    " \"quantity\": {\"value\": 10000, \"unit\": \"MWh/yr\"}},"
    "{\"id\": \"o-hot-94\", \"direction\": \"offer\", \"category\": \"energy.heat.hot_water\","
    " \"quantity\": {\"value\": 10000, \"unit\": \"MWh/yr\"},"
    " \"attributes\": {\"temperature\": {\"value\": 94, \"unit\": \"C\"}}},"
    "{\"id\": \"o-hot-95.1\", \"direction\": \"offer\", \"category\": \"energy.heat.hot_water\","
    " \"quantity\": {\"value\": 10000, \"unit\": \"MWh/yr\"},"
    " \"attributes\": {\"temperature\": {\"value\": 95.1, \"unit\": \"C\"}}},"
    "{\"id\": \"o-hot-96\", \"direction\": \"offer\", \"category\": \"energy.heat.hot_water\","
    " \"quantity\": {\"value\": 10000, \"unit\": \"MWh/yr\"},"
    " \"attributes\": {\"temperature\": {\"value\": 96, \"unit\": \"C\"}}},"
    "{\"id\": \"o-hot-999\", \"direction\": \"offer\", \"category\": \"energy.heat.hot_water\","
    " \"quantity\": {\"value\": 999, \"unit\": \"MWh/yr\"},"
    " \"attributes\": {\"temperature\": {\"value\": 95, \"unit\": \"C\"}}},"
    "{\"id\": \"o-hot-1000\", \"direction\": \"offer\", \"category\": \"energy.heat.hot_water\","
    " \"quantity\": {\"value\": 1, \"unit\": \"GWh/yr\"},"
    " \"attributes\": {\"temperature\": {\"value\": 95, \"unit\": \"C\"}}},"
    "{\"id\": \"o-hot-huge\", \"direction\": \"offer\", \"category\": \"energy.heat.hot_water\","
    " \"quantity\": {\"value\": 1e9, \"unit\": \"MWh/yr\"},"
    " \"attributes\": {\"temperature\": {\"value\": 95, \"unit\": \"C\"}}},"
    "{\"id\": \"o-steam\", \"direction\": \"offer\", \"category\": \"energy.steam\","
    " \"quantity\": {\"value\": 60, \"unit\": \"t/h\"},"
    " \"attributes\": {\"temperature\": {\"value\": 220, \"unit\": \"C\"},"
    "                  \"pressure\": {\"value\": 40, \"unit\": \"bar\"}}},"
    "{\"id\": \"o-steam-40.5\", \"direction\": \"offer\", \"category\": \"energy.steam\","
    " \"quantity\": {\"value\": 60, \"unit\": \"t/h\"},"
    " \"attributes\": {\"temperature\": {\"value\": 220, \"unit\": \"C\"},"
    "                  \"pressure\": {\"value\": 40.5, \"unit\": \"bar\"}}},"
    "{\"id\": \"n-heat\", \"direction\": \"need\", \"category\": \"energy.heat\","
    " \"quantity\": {\"min\": 1000, \"unit\": \"MWh/yr\"},"
    " \"attributes\": {\"temperature\": {\"min\": 90, \"unit\": \"C\"}}},"
    "{\"id\": \"n-hot\", \"direction\": \"need\", \"category\": \"energy.heat.hot_water\","
    " \"quantity\": {\"min\": 1000, \"unit\": \"MWh/yr\"}},"
    "{\"id\": \"n-min95\", \"direction\": \"need\", \"category\": \"energy.heat\","
    " \"quantity\": {\"min\": 1000, \"max\": 5000, \"unit\": \"MWh/yr\"},"
    " \"attributes\": {\"temperature\": {\"min\": 95, \"unit\": \"C\"}}},"
    "{\"id\": \"n-max95\", \"direction\": \"need\", \"category\": \"energy.heat\","
    " \"quantity\": {\"min\": 1000, \"unit\": \"MWh/yr\"},"
    " \"attributes\": {\"temperature\": {\"max\": 95, \"unit\": \"C\"}}},"
    "{\"id\": \"n-min95.5\", \"direction\": \"need\", \"category\": \"energy.heat\","
    " \"quantity\": {\"min\": 1000, \"unit\": \"MWh/yr\"},"
    " \"attributes\": {\"temperature\": {\"min\": 95.5, \"unit\": \"C\"}}},"
    "{\"id\": \"n-any-heat\", \"direction\": \"need\", \"category\": \"energy.heat\","
    " \"quantity\": {\"max\": 500, \"unit\": \"MWh/yr\"}},"
    "{\"id\": \"n-steam\", \"direction\": \"need\", \"category\": \"energy.steam\","
    " \"quantity\": {\"min\": 100000, \"unit\": \"t/yr\"},"
    " \"attributes\": {\"temperature\": {\"min\": 180, \"unit\": \"C\"},"
    "                  \"pressure\": {\"min\": 10, \"max\": 40, \"unit\": \"bar\"}}}"
    "]}";

static void
test_compatibility(void **state)
{
	static const struct {
		const char *offer, *need;
		int exact, bins;
	} cases[] = {
	    /* Category: the need's category or an ancestor of the offer's. */
	    {"o-hot", "n-heat", 1, 1},
	    {"o-waste", "n-heat", 1, 1},
	    {"o-heat", "n-heat", 1, 1},
	    {"o-hot", "n-hot", 1, 1},
	    {"o-waste", "n-hot", 0, 0}, /* sibling */
	    {"o-heat", "n-hot", 0, 0},  /* the offer is above the need */
	    {"o-steam", "n-heat", 0, 0},
	    {"o-hot", "n-steam", 0, 0},
	    /* A constrained attribute the offer does not state. */
	    {"o-hot-notemp", "n-heat", 0, 0},
	    {"o-hot-notemp", "n-hot", 1, 1},
	    {"o-hot-notemp", "n-any-heat", 1, 1},
	    /* Bounds are inclusive. */
	    {"o-hot", "n-min95", 1, 1},
	    {"o-hot-94", "n-min95", 0, 0}, /* bin 57 < 58 */
	    {"o-hot", "n-max95", 1, 1},
	    {"o-hot-96", "n-max95", 0, 1}, /* 96 C shares bin 58 with 95 C: a near miss */
	    {"o-hot-95.1", "n-min95.5", 0, 1},
	    {"o-hot-95.1", "n-min95", 1, 1},
	    {"o-hot-1000", "n-heat", 1, 1}, /* quantity exactly at the need's min */
	    {"o-hot-999", "n-heat", 0, 1},  /* same quantity bin 409 as the min */
	    {"o-steam", "n-steam", 1, 1},   /* pressure exactly at the need's max */
	    {"o-steam-40.5", "n-steam", 0, 1},
	    /* A need's quantity max caps the exchange; it does not filter offers. */
	    {"o-hot-huge", "n-min95", 1, 1},
	    {"o-hot-huge", "n-any-heat", 1, 1},
	    {"o-hot-999", "n-any-heat", 1, 1},
	    /* Direction: an offer against an offer, a need against a need, swapped roles. */
	    {"o-hot", "o-heat", 0, 0},
	    {"n-hot", "n-heat", 0, 0},
	    {"n-heat", "o-hot", 0, 0},
	};
	struct flows *fl = s_parse("pairs.json", s_pairs_doc);
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct flow_item *o = s_item(fl, cases[i].offer);
		const struct flow_item *n = s_item(fl, cases[i].need);
		int exact = flows_exact_compatible(s_tax, o, n);
		int bins = flows_bin_compatible(s_tax, o, n);

		if (exact != cases[i].exact || bins != cases[i].bins)
			fail_msg("%s vs %s: exact %d bins %d, want %d %d", cases[i].offer,
			         cases[i].need, exact, bins, cases[i].exact, cases[i].bins);
	}
	/* Whatever the bins say, an exact match always matches on bins. */
	for (i = 0; i < fl->n; i++) {
		size_t j;

		for (j = 0; j < fl->n; j++)
			if (flows_exact_compatible(s_tax, &fl->items[i], &fl->items[j]))
				assert_true(
				    flows_bin_compatible(s_tax, &fl->items[i], &fl->items[j]));
	}
	flows_free(&fl);
}

/* The flow a fixture's diagnostic must name: the last flow, by id or by index. */
static void
s_expected_locator(const char *path, char *out, size_t out_len)
{
	json_t *root = json_load_file(path, 0, NULL), *arr, *last;
	const char *id;
	size_t n;

	out[0] = '\0';
	arr = json_object_get(root, "flows");
	n = json_array_size(arr); /* 0 when not an array */
	if (n == 0)
		fail_msg("%s: the expected message names a flow, but the file has none", path);
	last = json_array_get(arr, n - 1);
	id = json_string_value(json_object_get(last, "id"));
	if (id != NULL && strlen(id) >= 1 && strlen(id) <= FLOW_ID_MAX &&
	    strspn(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") ==
	        strlen(id))
		snprintf(out, out_len, "flow \"%s\"", id);
	else
		snprintf(out, out_len, "flows[%zu]", n - 1);
	json_decref(root);
}

static void
s_check_bad_file(const char *file, const char *expected)
{
	char path[1024], prefix[512], locator[128];
	struct sym_diag diag = {""};
	struct flows *fl = (struct flows *)1;
	const char *msg = diag.msg, *p;
	size_t field_len;
	int r;

	snprintf(path, sizeof(path), "%s/%s", BAD_DIR, file);
	r = flows_load_file(path, s_tax, &fl, &diag);
	if (r == SYM_OK)
		fail_msg("%s: parsed, but must be refused with \"%s\"", file, expected);
	assert_null(fl);
	if (r != SYM_ERR_FORMAT && r != SYM_ERR_RANGE && r != SYM_ERR_LIMIT)
		fail_msg("%s: error %d (%s), want a format, range or limit error: %s", file, r,
		         sym_strerror(r), msg);
	/* The file name comes first, as the user gave it (base name). */
	snprintf(prefix, sizeof(prefix), "%s: ", file);
	if (strncmp(msg, prefix, strlen(prefix)) != 0)
		fail_msg("%s: the message does not start with the file name: %s", file, msg);
	if (strstr(msg, expected) == NULL)
		fail_msg("%s: message \"%s\" lacks \"%s\"", file, msg, expected);
	/* Errors inside a flow name the flow, then the field: "<file>: <flow>: <field>: ...". */
	if (strncmp(expected, "flow \"", 6) != 0 && strncmp(expected, "flows[", 6) != 0)
		return;
	s_expected_locator(path, locator, sizeof(locator));
	if (strncmp(expected, locator, strlen(locator)) != 0)
		fail_msg("%s: expected.txt names the wrong flow (want %s)", file, locator);
	snprintf(prefix, sizeof(prefix), "%s: %s: ", file, locator);
	if (strncmp(msg, prefix, strlen(prefix)) != 0)
		fail_msg("%s: the message does not name %s first: %s", file, locator, msg);
	p = msg + strlen(prefix);
	field_len = strspn(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._");
	if (field_len == 0 || strncmp(p + field_len, ": ", 2) != 0)
		fail_msg("%s: no field after the flow: %s", file, msg);
}

static char *
s_read_expected(size_t *len)
{
	char *buf = NULL;

	if (util_read_file(BAD_DIR "/expected.txt", 1u << 20, &buf, len) != SYM_OK)
		fail_msg("cannot read %s", BAD_DIR "/expected.txt");
	return buf;
}

static void
test_bad_files(void **state)
{
	size_t len, n = 0;
	char *buf = s_read_expected(&len), *line, *save = NULL;

	(void)state;
	for (line = strtok_r(buf, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		char *tab = strchr(line, '\t');

		if (tab == NULL || tab == line || tab[1] == '\0' || strchr(tab + 1, '\t') != NULL)
			fail_msg("expected.txt: malformed line \"%s\"", line);
		*tab = '\0';
		s_check_bad_file(line, tab + 1);
		n++;
	}
	free(buf);
	if (n < BAD_MIN_KINDS)
		fail_msg("only %zu broken files in expected.txt, want at least %d", n,
		         BAD_MIN_KINDS);
}

/* No fixture is forgotten: every .json file of flows-bad/ has its line in expected.txt. */
static void
test_bad_files_listed(void **state)
{
	size_t len, n = 0;
	char *buf = s_read_expected(&len);
	struct dirent *de;
	DIR *dir;

	(void)state;
	dir = opendir(BAD_DIR);
	assert_non_null(dir);
	while ((de = readdir(dir)) != NULL) {
		char key[300];
		size_t nl = strlen(de->d_name);

		if (nl < 5 || strcmp(de->d_name + nl - 5, ".json") != 0)
			continue;
		snprintf(key, sizeof(key), "%s\t", de->d_name);
		if (strncmp(buf, key, strlen(key)) != 0) {
			snprintf(key, sizeof(key), "\n%s\t", de->d_name);
			if (strstr(buf, key) == NULL)
				fail_msg("%s is not listed in expected.txt", de->d_name);
		}
		n++;
	}
	closedir(dir);
	free(buf);
	assert_true(n >= BAD_MIN_KINDS && n <= BAD_MAX_KINDS);
}

static void
test_missing_file(void **state)
{
	struct sym_diag diag = {""};
	struct flows *fl = NULL;

	(void)state;
	assert_int_equal(flows_load_file(BAD_DIR "/no-such-file.json", s_tax, &fl, &diag),
	                 SYM_ERR_NOT_FOUND);
	assert_null(fl);
	assert_non_null(strstr(diag.msg, "no-such-file.json"));
}

/* Calls fn(dir, company, path, arg) for each flows file of each park under root; returns the count.
 */
static size_t
s_for_each_park_file_in(const char *root,
                        void (*fn)(const char *, const char *, const char *, void *), void *arg)
{
	struct dirent *de;
	DIR *dir = opendir(root);
	size_t n = 0;

	if (dir == NULL)
		fail_msg("cannot open %s", root);
	while ((de = readdir(dir)) != NULL) {
		char park[1024], path[1200];
		json_t *companies, *v;
		const char *company;

		if (de->d_name[0] == '.')
			continue;
		snprintf(park, sizeof(park), "%s/%s", root, de->d_name);
		snprintf(path, sizeof(path), "%s/companies.json", park);
		companies = json_load_file(path, JSON_REJECT_DUPLICATES, NULL);
		if (companies == NULL)
			continue; /* not a park folder (README.md, ...) */
		assert_true(json_is_object(companies));
		json_object_foreach (companies, company, v) {
			(void)v;
			snprintf(path, sizeof(path), "%s/%s.json", park, company);
			fn(park, company, path, arg);
			n++;
		}
		json_decref(companies);
	}
	closedir(dir);
	return n;
}

/* The same over every root; each root must hold at least one park. */
static size_t
s_for_each_scenario_file(void (*fn)(const char *, const char *, const char *, void *), void *arg)
{
	size_t r, n, total = 0;

	for (r = 0; r < N_PARK_ROOTS; r++) {
		n = s_for_each_park_file_in(s_park_roots[r], fn, arg);
		if (n == 0)
			fail_msg("no park with companies.json in %s", s_park_roots[r]);
		total += n;
	}
	return total;
}

static void
s_parse_scenario_file(const char *park, const char *company, const char *path, void *arg)
{
	struct sym_diag diag = {""};
	struct flows *fl = NULL;
	int r;

	(void)park;
	(void)company;
	(void)arg;
	r = flows_load_file(path, s_tax, &fl, &diag);
	if (r != SYM_OK)
		fail_msg("%s: %s", path, diag.msg);
	assert_true(fl->n > 0);
	assert_int_equal(fl->n, fl->n_offers + fl->n_needs);
	flows_free(&fl);
}

static void
test_scenarios_parse(void **state)
{
	(void)state;
	assert_true(s_for_each_scenario_file(s_parse_scenario_file, NULL) > 0);
}

/* One park's parsed flows, by company, for the candidate check. */
struct park {
	char dir[1024];
	size_t n;
	char company[64][65];
	struct flows *flows[64];
	struct site site[64]; /* from sites.json; unset without one */
};

/* The park's sites.json entry for a company, if any (REACH.md). */
static void
s_load_site(const char *dir, const char *company, struct site *out)
{
	struct sym_diag diag = {""};
	char path[1200], text[64];
	json_t *sites = NULL, *v;

	memset(out, 0, sizeof(*out));
	snprintf(path, sizeof(path), "%s/sites.json", dir);
	if ((sites = json_load_file(path, 0, NULL)) == NULL)
		return;
	if ((v = json_object_get(sites, company)) != NULL) {
		snprintf(text, sizeof(text), "%.2f,%.2f", json_number_value(json_array_get(v, 0)),
		         json_number_value(json_array_get(v, 1)));
		if (site_parse(text, out, &diag) != SYM_OK)
			fail_msg("%s: %s: %s", path, company, diag.msg);
	}
	json_decref(sites);
}

static void
s_load_park_file(const char *dir, const char *company, const char *path, void *arg)
{
	struct park *parks = arg, *p;
	struct sym_diag diag = {""};
	size_t i;

	for (i = 0; i < 16 && parks[i].dir[0] != '\0' && strcmp(parks[i].dir, dir) != 0; i++)
		;
	assert_true(i < 16);
	p = &parks[i];
	snprintf(p->dir, sizeof(p->dir), "%s", dir);
	assert_true(p->n < 64);
	snprintf(p->company[p->n], sizeof(p->company[p->n]), "%s", company);
	if (flows_load_file(path, s_tax, &p->flows[p->n], &diag) != SYM_OK)
		fail_msg("%s: %s", path, diag.msg);
	s_load_site(dir, company, &p->site[p->n]);
	p->n++;
}

/*
 * The predicate reproduces every park's expected candidates, exactly and on
 * bins (the scenario values sit away from bin edges, so both agree), and,
 * in a park with sites, only within the smaller of the two items' reaches.
 */
static void
test_scenario_candidates(void **state)
{
	static struct park parks[16];
	size_t k, a, b, i, j;

	(void)state;
	memset(parks, 0, sizeof(parks));
	s_for_each_scenario_file(s_load_park_file, parks);
	for (k = 0; k < 16 && parks[k].dir[0] != '\0'; k++) {
		struct park *p = &parks[k];
		char path[1100];
		json_t *expected, *cands, *found = json_array();
		size_t e;

		snprintf(path, sizeof(path), "%s/expected.json", p->dir);
		expected = json_load_file(path, 0, NULL);
		cands = json_object_get(expected, "candidates");
		if (!json_is_array(cands))
			fail_msg("%s: no \"candidates\" array", path);
		for (a = 0; a < p->n; a++) {
			for (b = 0; b < p->n; b++) {
				if (a == b)
					continue;
				for (i = 0; i < p->flows[a]->n; i++) {
					for (j = 0; j < p->flows[b]->n; j++) {
						const struct flow_item *o = &p->flows[a]->items[i];
						const struct flow_item *n = &p->flows[b]->items[j];
						int exact = flows_exact_compatible(s_tax, o, n);
						uint64_t reach = o->reach_m < n->reach_m
						                     ? o->reach_m
						                     : n->reach_m;

						assert_int_equal(flows_bin_compatible(s_tax, o, n),
						                 exact);
						if (exact &&
						    site_within(&p->site[a], &p->site[b], reach))
							json_array_append_new(
							    found,
							    json_pack("[ssss]", p->company[a],
							              o->id, p->company[b], n->id));
					}
				}
			}
		}
		for (e = 0; e < json_array_size(cands); e++) {
			json_t *c = json_array_get(cands, e);
			size_t f;

			for (f = 0; f < json_array_size(found); f++)
				if (json_equal(json_array_get(found, f), c))
					break;
			if (f == json_array_size(found)) {
				char *s = json_dumps(c, JSON_COMPACT);
				fail_msg("%s: candidate %s not found", p->dir, s);
			}
		}
		if (json_array_size(found) != json_array_size(cands)) {
			char *s = json_dumps(found, JSON_COMPACT);
			fail_msg("%s: found %s, more than expected", p->dir, s);
		}
		json_decref(found);
		json_decref(expected);
		for (a = 0; a < p->n; a++)
			flows_free(&p->flows[a]);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_interface_example),   cmocka_unit_test(test_from_json),
	    cmocka_unit_test(test_canonical_values),    cmocka_unit_test(test_absent_and_limits),
	    cmocka_unit_test(test_details_any_json),    cmocka_unit_test(test_compatibility),
	    cmocka_unit_test(test_bad_files),           cmocka_unit_test(test_bad_files_listed),
	    cmocka_unit_test(test_missing_file),        cmocka_unit_test(test_scenarios_parse),
	    cmocka_unit_test(test_scenario_candidates),
	};

	return cmocka_run_group_tests(tests, s_group_setup, s_group_teardown);
}
