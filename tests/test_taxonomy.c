/* The taxonomy loader, the shipped default and quantization. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "taxonomy.h"
#include "token.h"

/* INTERFACE.md "Taxonomy: categories that must exist". */
static const struct {
	const char *path, *unit, *attrs; /* attribute names, space separated, in order */
} s_required[] = {
    {"energy.steam", "t/yr", "temperature pressure"},
    {"energy.heat", "MWh/yr", "temperature"},
    {"energy.heat.hot_water", "MWh/yr", "temperature"},
    {"energy.heat.waste_heat", "MWh/yr", "temperature"},
    {"energy.electricity", "MWh/yr", ""},
    {"energy.gas", "Nm3/yr", ""},
    {"energy.gas.biogas", "Nm3/yr", "methane"},
    {"energy.gas.refinery_gas", "Nm3/yr", ""},
    {"water.cooling", "m3/yr", "temperature"},
    {"water.process", "m3/yr", ""},
    {"water.surface", "m3/yr", ""},
    {"water.wastewater", "m3/yr", "temperature cod"},
    {"material.mineral.gypsum", "t/yr", "purity"},
    {"material.ash.fly_ash", "t/yr", "loss_on_ignition"},
    {"material.ash.bottom_ash", "t/yr", ""},
    {"material.sulfur", "t/yr", "purity"},
    {"material.biomass", "t/yr", "dry_matter"},
    {"material.biomass.yeast", "t/yr", "dry_matter"},
    {"material.biomass.fermentation_sludge", "t/yr", "dry_matter"},
    {"material.sludge.sewage", "t/yr", "dry_matter"},
    {"material.co2", "t/yr", "purity"},
    {"material.metal.scrap_steel", "t/yr", ""},
    {"material.organic.food_waste", "t/yr", ""},
};

static int
s_setup(void **state)
{
	struct taxonomy *tax = NULL;
	struct sym_diag diag = {""};

	if (taxonomy_load_default(&tax, &diag) != SYM_OK) {
		fprintf(stderr, "%s\n", diag.msg);
		return -1;
	}
	*state = tax;
	return 0;
}

static int
s_teardown(void **state)
{
	struct taxonomy *tax = *state;

	taxonomy_free(&tax);
	return 0;
}

static void
test_required_categories(void **state)
{
	const struct taxonomy *tax = *state;
	size_t i;

	for (i = 0; i < sizeof(s_required) / sizeof(s_required[0]); i++) {
		const struct tax_category *c = taxonomy_find(tax, s_required[i].path);
		char names[256] = "";
		int d;

		if (c == NULL)
			fail_msg("missing required category %s", s_required[i].path);
		assert_true(c->quantity_root >= 0);
		assert_string_equal(c->dims[0].unit, s_required[i].unit);
		for (d = 1; d < c->ndims; d++) {
			if (d > 1)
				strcat(names, " ");
			strcat(names, c->dims[d].name);
		}
		if (strcmp(names, s_required[i].attrs) != 0)
			fail_msg("%s: attributes \"%s\", INTERFACE.md says \"%s\"", c->path, names,
			         s_required[i].attrs);
	}
}

/* Worst-case bin width of a dimension, relative (log) or absolute (linear). */
static double
s_worst_width(const struct tax_dim *dim)
{
	if (dim->scale == TAX_SCALE_LOG)
		return pow(dim->max / dim->min, 1.0 / (double)(1u << dim->bits)) - 1.0;
	return (dim->max - dim->min) / (double)(1u << dim->bits);
}

/* INTERFACE.md: quantities 5 % of the value, temperatures 5 C, percentages 1 point, 1 bar. */
static void
test_resolution(void **state)
{
	const struct taxonomy *tax = *state;
	size_t i;
	int d;

	for (i = 0; i < tax->n; i++) {
		const struct tax_category *c = &tax->cats[i];
		for (d = 0; d < c->ndims; d++) {
			const struct tax_dim *dim = &c->dims[d];
			double w = s_worst_width(dim);

			if (d == 0) {
				assert_int_equal(dim->scale, TAX_SCALE_LOG);
				if (w > 0.05)
					fail_msg("%s: quantity bins %.3f wide", c->path, w);
			} else if (strcmp(dim->unit, "C") == 0) {
				assert_true(dim->scale == TAX_SCALE_LINEAR && w <= 5.0);
			} else if (strcmp(dim->unit, "%") == 0) {
				assert_true(dim->scale == TAX_SCALE_LINEAR && w <= 1.0);
			} else if (strcmp(dim->unit, "bar") == 0) {
				assert_true(dim->scale == TAX_SCALE_LINEAR && w <= 1.0);
			}
		}
	}
}

/* Every usable category fits a token block at every level. */
static void
test_block_budget(void **state)
{
	const struct taxonomy *tax = *state;
	size_t i, usable = 0;
	int d;

	for (i = 0; i < tax->n; i++) {
		const struct tax_category *c = &tax->cats[i];
		struct token_level lv;

		if (c->quantity_root < 0)
			continue;
		usable++;
		memset(&lv, 0, sizeof(lv));
		lv.category_id = c->id;
		lv.level = c->depth;
		lv.ndims = c->ndims;
		for (d = 0; d < c->ndims; d++)
			lv.dims[d].bits = c->dims[d].bits;
		assert_int_equal(token_level_check(&lv), SYM_OK);
	}
	assert_true(usable >= 100);
}

static void
test_hash_stable(void **state)
{
	const struct taxonomy *tax = *state;
	struct taxonomy *again = NULL;
	struct sym_diag diag;

	assert_int_equal(strlen(tax->hash_hex), 64);
	assert_int_equal(taxonomy_load_default(&again, &diag), SYM_OK);
	assert_memory_equal(tax->hash, again->hash, TAX_HASH_LEN);
	taxonomy_free(&again);
}

#define MINI_HEAD                                                                                  \
	"{\"format\":\"symbiod-taxonomy/1\",\"name\":\"t\",\"version\":\"1\",\"categories\":["
#define MINI_ROOT "{\"id\":1,\"path\":\"m\",\"name\":\"M\"}"
#define MINI_QTY                                                                                   \
	"\"quantity\":{\"unit\":\"t/yr\",\"scale\":\"log\",\"min\":1,\"max\":1e6,\"bits\":10}"
#define MINI_TEMP                                                                                  \
	"{\"name\":\"temperature\",\"unit\":\"C\",\"scale\":\"linear\",\"min\":0,\"max\":640,"     \
	"\"bits\":7}"

static void
test_hash_covers_matching_not_labels(void **state)
{
	const char *base =
	    MINI_HEAD MINI_ROOT ",{\"id\":2,\"path\":\"m.a\",\"name\":\"A\"," MINI_QTY
	                        ",\"attributes\":[" MINI_TEMP "]}]}";
	const char *relabel =
	    MINI_HEAD MINI_ROOT ",{\"id\":2,\"path\":\"m.a\",\"name\":\"Other\"," MINI_QTY
	                        ",\"attributes\":[" MINI_TEMP "]}]}";
	const char *rerange = MINI_HEAD MINI_ROOT
	    ",{\"id\":2,\"path\":\"m.a\",\"name\":\"A\"," MINI_QTY
	    ",\"attributes\":[{\"name\":\"temperature\",\"unit\":\"C\",\"scale\":"
	    "\"linear\",\"min\":0,\"max\":641,\"bits\":7}]}]}";
	struct taxonomy *a = NULL, *b = NULL, *c = NULL;
	struct sym_diag diag;

	(void)state;
	assert_int_equal(taxonomy_parse("a", base, strlen(base), &a, &diag), SYM_OK);
	assert_int_equal(taxonomy_parse("b", relabel, strlen(relabel), &b, &diag), SYM_OK);
	assert_int_equal(taxonomy_parse("c", rerange, strlen(rerange), &c, &diag), SYM_OK);
	assert_memory_equal(a->hash, b->hash, TAX_HASH_LEN);
	assert_memory_not_equal(a->hash, c->hash, TAX_HASH_LEN);
	taxonomy_free(&a);
	taxonomy_free(&b);
	taxonomy_free(&c);
}

/*
 * Reach (REACH.md): every required default, inherited down the tree, the
 * largest one, refusals, and no effect on the hash (reach changes no token).
 */
static void
test_reach(void **state)
{
	static const struct {
		const char *path;
		uint64_t km; /* 0: unlimited */
	} want[] = {
	    {"energy.steam", 10},
	    {"energy.heat", 30},
	    {"energy.heat.waste_heat", 30},
	    {"water", 20},
	    {"water.wastewater", 20},
	    {"energy.gas", 100},
	    {"energy.gas.biogas", 100},
	    {"energy.electricity", 0},
	    {"material", 300},
	    {"material.mineral.gypsum", 300},
	    {"material.biomass", 150},
	    {"material.biomass.yeast", 150},
	    {"material.sludge", 100},
	    {"material.sludge.sewage", 100},
	};
	const char *plain =
	    MINI_HEAD MINI_ROOT ",{\"id\":2,\"path\":\"m.a\",\"name\":\"A\"," MINI_QTY "}]}";
	const char *with = MINI_HEAD MINI_ROOT ",{\"id\":2,\"path\":\"m.a\",\"name\":\"A\","
	                                       "\"reach_km\":12.5," MINI_QTY "}]}";
	const char *const bad[] = {"0", "-3", "\"far\"", "null", "[1]", "1e400"};
	const struct taxonomy *tax = *state;
	struct taxonomy *a = NULL, *b = NULL;
	struct sym_diag diag;
	char doc[1024];
	size_t i;

	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		const struct tax_category *c = taxonomy_find(tax, want[i].path);

		assert_non_null(c);
		if (want[i].km == 0)
			assert_true(c->reach_m == SITE_REACH_UNLIMITED);
		else
			assert_int_equal(c->reach_m, want[i].km * 1000);
	}
	assert_true(taxonomy_max_reach_m(tax) == SITE_REACH_UNLIMITED);
	assert_int_equal(taxonomy_parse("a", plain, strlen(plain), &a, &diag), SYM_OK);
	assert_int_equal(taxonomy_parse("b", with, strlen(with), &b, &diag), SYM_OK);
	assert_int_equal(taxonomy_find(b, "m.a")->reach_m, 12500);
	/* The root m (abstract, unlimited) is no item's category: the largest reach is m.a's. */
	assert_int_equal(taxonomy_max_reach_m(b), 12500);
	assert_true(taxonomy_find(a, "m.a")->reach_m == SITE_REACH_UNLIMITED);
	assert_memory_equal(a->hash, b->hash, TAX_HASH_LEN);
	taxonomy_free(&a);
	taxonomy_free(&b);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(doc, sizeof(doc),
		         MINI_HEAD MINI_ROOT ",{\"id\":2,\"path\":\"m.a\",\"name\":\"A\","
		                             "\"reach_km\":%s," MINI_QTY "}]}",
		         bad[i]);
		assert_int_not_equal(taxonomy_parse("bad.json", doc, strlen(doc), &a, &diag),
		                     SYM_OK);
		assert_null(a);
		if (strcmp(bad[i], "1e400") != 0)
			assert_non_null(strstr(diag.msg, "reach_km"));
	}
}

static void
test_rejects(void **state)
{
	static const struct {
		const char *doc, *expect;
	} bad[] = {
	    {"not json", "line 1"},
	    {"[]", "not a JSON object"},
	    {"{\"format\":\"other\",\"name\":\"t\",\"version\":\"1\",\"categories\":[" MINI_ROOT
	     "]}",
	     "format"},
	    {MINI_HEAD MINI_ROOT "],\"extra\":1}", "unknown key \"extra\""},
	    {MINI_HEAD "]}", "categories"},
	    {MINI_HEAD MINI_ROOT "," MINI_ROOT "]}", "id 1 is already used"},
	    {MINI_HEAD MINI_ROOT ",{\"id\":2,\"path\":\"m\",\"name\":\"M2\"}]}", "duplicate path"},
	    {MINI_HEAD MINI_ROOT ",{\"id\":2,\"path\":\"x.y\",\"name\":\"Y\"}]}",
	     "parent \"x\" must be listed before it"},
	    {MINI_HEAD MINI_ROOT ",{\"id\":2,\"path\":\"m.Bad\",\"name\":\"B\"}]}", "path"},
	    {MINI_HEAD MINI_ROOT ",{\"id\":70000,\"path\":\"m.a\",\"name\":\"A\"}]}", "id"},
	    {MINI_HEAD MINI_ROOT ",{\"id\":2,\"path\":\"m.a\"}]}", "name: missing"},
	    {MINI_HEAD MINI_ROOT ",{\"id\":2,\"path\":\"m.a\",\"name\":\"A\"," MINI_QTY
	                         "},{\"id\":3,\"path\":\"m.a.b\",\"name\":\"B\"," MINI_QTY "}]}",
	     "quantity: already declared by \"m.a\""},
	    {MINI_HEAD MINI_ROOT ",{\"id\":2,\"path\":\"m.a\",\"name\":\"A\"," MINI_QTY
	                         ",\"attributes\":[" MINI_TEMP
	                         "]},{\"id\":3,\"path\":\"m.a.b\",\"name\":\"B\","
	                         "\"attributes\":[" MINI_TEMP "]}]}",
	     "attribute \"temperature\" is already defined"},
	    {MINI_HEAD MINI_ROOT
	     ",{\"id\":2,\"path\":\"m.a\",\"name\":\"A\",\"attributes\":[" MINI_TEMP "]}]}",
	     "attributes need a quantity"},
	    {MINI_HEAD MINI_ROOT
	     ",{\"id\":2,\"path\":\"m.a\",\"name\":\"A\",\"quantity\":{\"unit\":"
	     "\"furlongs\",\"scale\":\"log\",\"min\":1,\"max\":2,\"bits\":4}}]}",
	     "quantity.unit"},
	    {MINI_HEAD MINI_ROOT
	     ",{\"id\":2,\"path\":\"m.a\",\"name\":\"A\",\"quantity\":{\"unit\":"
	     "\"C\",\"scale\":\"log\",\"min\":1,\"max\":2,\"bits\":4}}]}",
	     "cannot be a quantity unit"},
	    {MINI_HEAD MINI_ROOT
	     ",{\"id\":2,\"path\":\"m.a\",\"name\":\"A\",\"quantity\":{\"unit\":"
	     "\"t/yr\",\"scale\":\"log\",\"min\":0,\"max\":2,\"bits\":4}}]}",
	     "min > 0 on a log scale"},
	    {MINI_HEAD MINI_ROOT
	     ",{\"id\":2,\"path\":\"m.a\",\"name\":\"A\",\"quantity\":{\"unit\":"
	     "\"t/yr\",\"scale\":\"linear\",\"min\":5,\"max\":5,\"bits\":4}}]}",
	     "min < max"},
	    {MINI_HEAD MINI_ROOT
	     ",{\"id\":2,\"path\":\"m.a\",\"name\":\"A\",\"quantity\":{\"unit\":"
	     "\"t/yr\",\"scale\":\"cubic\",\"min\":1,\"max\":2,\"bits\":4}}]}",
	     "quantity.scale"},
	    {MINI_HEAD MINI_ROOT
	     ",{\"id\":2,\"path\":\"m.a\",\"name\":\"A\",\"quantity\":{\"unit\":"
	     "\"t/yr\",\"scale\":\"log\",\"min\":1,\"max\":2,\"bits\":17}}]}",
	     "outside 1..16"},
	    {MINI_HEAD MINI_ROOT
	     ",{\"id\":2,\"path\":\"m.a\",\"name\":\"A\",\"quantity\":{\"unit\":"
	     "\"t/yr\",\"scale\":\"log\",\"min\":1,\"max\":2,\"bits\":16},\"attributes\":["
	     "{\"name\":\"a\",\"unit\":\"%\",\"scale\":\"linear\",\"min\":0,\"max\":1,\"bits\":16},"
	     "{\"name\":\"b\",\"unit\":\"%\",\"scale\":\"linear\",\"min\":0,\"max\":1,\"bits\":16},"
	     "{\"name\":\"c\",\"unit\":\"%\",\"scale\":\"linear\",\"min\":0,\"max\":1,\"bits\":16},"
	     "{\"name\":\"d\",\"unit\":\"%\",\"scale\":\"linear\",\"min\":0,\"max\":1,\"bits\":16},"
	     "{\"name\":\"e\",\"unit\":\"%\",\"scale\":\"linear\",\"min\":0,\"max\":1,\"bits\":16}"
	     "]}]}",
	     "more than 96"},
	    {MINI_HEAD MINI_ROOT ",{\"id\":2,\"path\":\"m.a\",\"name\":\"A\",\"colour\":1}]}",
	     "unknown key \"colour\""},
	    {MINI_HEAD MINI_ROOT ",{\"id\":2,\"id\":3,\"path\":\"m.a\",\"name\":\"A\"}]}",
	     "duplicate"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct taxonomy *tax = NULL;
		struct sym_diag diag = {""};
		int r = taxonomy_parse("bad.json", bad[i].doc, strlen(bad[i].doc), &tax, &diag);

		if (r == SYM_OK)
			fail_msg("case %zu accepted: %s", i, bad[i].doc);
		assert_null(tax);
		if (strstr(diag.msg, bad[i].expect) == NULL || strstr(diag.msg, "bad.json") == NULL)
			fail_msg("case %zu: message \"%s\" lacks \"%s\"", i, diag.msg,
			         bad[i].expect);
	}
}

static void
test_quantize(void **state)
{
	struct tax_dim lin = {"temperature", "C", TAX_SCALE_LINEAR, -50, 1230, 9};
	struct tax_dim lg = {"quantity", "t/yr", TAX_SCALE_LOG, 0.001, 1e12, 10};
	uint16_t bin;

	(void)state;
	assert_int_equal(tax_quantize(&lin, -50, &bin), SYM_OK);
	assert_int_equal(bin, 0);
	assert_int_equal(tax_quantize(&lin, 1230, &bin), SYM_OK);
	assert_int_equal(bin, 511);
	assert_int_equal(tax_quantize(&lin, 180, &bin), SYM_OK);
	assert_int_equal(bin, 92); /* (180 + 50) / 2.5 */
	assert_int_equal(tax_quantize(&lin, 1230.5, &bin), SYM_ERR_RANGE);
	assert_int_equal(tax_quantize(&lin, -51, &bin), SYM_ERR_RANGE);
	assert_int_equal(tax_quantize(&lin, NAN, &bin), SYM_ERR_RANGE);
	assert_int_equal(tax_quantize(&lg, 0, &bin), SYM_ERR_RANGE);
	assert_int_equal(tax_quantize(&lg, 1, &bin), SYM_OK);
	assert_int_equal(bin, 204); /* 3 of 15 decades of 1024 bins */
	/* Bounds outside the range constrain nothing, or can never be met. */
	assert_int_equal(tax_quantize_bound(&lin, -1000, 0, &bin), SYM_OK);
	assert_int_equal(bin, 0);
	assert_int_equal(tax_quantize_bound(&lin, 5000, 1, &bin), SYM_OK);
	assert_int_equal(bin, 511);
	assert_int_equal(tax_quantize_bound(&lin, 5000, 0, &bin), SYM_ERR_RANGE);
	assert_int_equal(tax_quantize_bound(&lin, -1000, 1, &bin), SYM_ERR_RANGE);
	assert_int_equal(tax_quantize_bound(&lg, 0, 0, &bin), SYM_OK);
	assert_int_equal(bin, 0);
	/* Bin widths: 2.5 C linear; about 3.4 % of the value on the log scale. */
	assert_true(fabs(tax_bin_width(&lin, 7) - 2.5) < 1e-9);
	assert_true(fabs(tax_bin_width(&lg, 204) / 1.0 - 0.0343) < 0.002);
}

static void
test_lookup(void **state)
{
	const struct taxonomy *tax = *state;
	const struct tax_category *steam = taxonomy_find(tax, "energy.steam");
	const struct tax_category *energy = taxonomy_find(tax, "energy");
	const struct tax_category *heat = taxonomy_find(tax, "energy.heat");

	assert_non_null(steam);
	assert_non_null(energy);
	assert_non_null(heat);
	assert_null(taxonomy_find(tax, "energy.steam.nonexistent"));
	assert_ptr_equal(taxonomy_by_id(tax, steam->id), steam);
	assert_true(taxonomy_is_ancestor(tax, energy, steam));
	assert_true(taxonomy_is_ancestor(tax, steam, steam));
	assert_false(taxonomy_is_ancestor(tax, heat, steam));
	assert_int_equal(taxonomy_dim_index(steam, "pressure"), 2);
	assert_int_equal(taxonomy_dim_index(steam, "quantity"), -1);
	assert_int_equal(energy->quantity_root, -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_required_categories),
	    cmocka_unit_test(test_resolution),
	    cmocka_unit_test(test_block_budget),
	    cmocka_unit_test(test_hash_stable),
	    cmocka_unit_test(test_hash_covers_matching_not_labels),
	    cmocka_unit_test(test_rejects),
	    cmocka_unit_test(test_reach),
	    cmocka_unit_test(test_quantize),
	    cmocka_unit_test(test_lookup),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
