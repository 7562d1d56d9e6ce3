/*
 * The dashboard's model and writers (daemon/report*.c) on a real park: the
 * escaping of every outside string, class names, disclosure control (a
 * figure of fewer than k companies, and one that a published total would
 * give away, is null in report.json), the consistency flag, and the
 * refusals of k below 2 and of a factor without a source.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "classname.h"
#include "fixture.h"
#include "park.h"
#include "report.h"

static void
test_escape(void **state)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	(void)state;
	assert_non_null(f);
	report_esc(f, "<script>alert('x')</script> & \"Co\"");
	report_esc(f, NULL);
	fclose(f);
	assert_string_equal(buf,
	                    "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;Co&quot;");
	free(buf);
}

static void
test_class_names(void **state)
{
	char cls[CLASS_NAME_MAX];

	(void)state;
	assert_true(class_name_ok("material.ash", 2));
	assert_true(class_name_ok("water", 2));
	assert_true(class_name_ok("energy.fuel_2", 2));
	assert_false(class_name_ok("material.ash.fly_ash", 2));
	assert_false(class_name_ok("material.", 2));
	assert_false(class_name_ok(".ash", 2));
	assert_false(class_name_ok("Material.ash", 2));
	assert_false(class_name_ok("material.<b>", 2));
	assert_false(class_name_ok("", 2));
	assert_false(class_name_ok("a.b", 1));
	assert_int_equal(class_of_category("material.ash.fly_ash", cls), SYM_OK);
	assert_string_equal(cls, "material.ash");
	assert_int_equal(class_of_category("energy.steam", cls), SYM_OK);
	assert_string_equal(cls, "energy.steam");
	/* A need at a top level names no two-level class. */
	assert_int_equal(class_of_category("water", cls), SYM_ERR_RANGE);
	assert_string_equal(cls, "");
	assert_int_equal(class_of_category("water..x", cls), SYM_ERR_FORMAT);
}

/* A park fixture_dir/name with one round whose sums are `cells`. */
static struct park *
s_park(const char *name, const struct store_indicator_cell *cells, size_t n)
{
	struct store_indicator_round ir;
	struct sym_diag diag = {""};
	struct store_round rd;
	struct park *park = NULL;
	char path[512];
	uint8_t ann[1] = {0};

	snprintf(path, sizeof(path), "%s/%s", fixture_dir, name);
	assert_int_equal(park_init(path, "Test <Park>", "tcp://127.0.0.1:7400", &diag), SYM_OK);
	assert_int_equal(park_open(path, 0, &park, &diag), SYM_OK);
	memset(&rd, 0, sizeof(rd));
	randombytes_buf(rd.id, sizeof(rd.id));
	rd.opened_ms = 1;
	rd.announcement = ann;
	rd.announcement_len = 1;
	memset(&ir, 0, sizeof(ir));
	memcpy(ir.round, rd.id, sizeof(ir.round));
	ir.state = INDICATORS_DONE;
	assert_int_equal(store_begin(park->store), SYM_OK);
	assert_int_equal(store_round_create(park->store, &rd, NULL, 0), SYM_OK);
	assert_int_equal(store_indicator_round_set(park->store, &ir), SYM_OK);
	assert_int_equal(store_indicator_sums_put(park->store, rd.id, cells, n), SYM_OK);
	assert_int_equal(store_commit(park->store), SYM_OK);
	return park;
}

#define CELL(c, i, v)                                                                              \
	{                                                                                          \
		c, i, v                                                                            \
	}

static const struct store_indicator_cell s_cells[] = {
    /* material: five companies exchange; ash has one, mineral four, so ash is
     * suppressed and mineral must go too, or material - mineral = ash. */
    CELL("material", "exchange_contributors", 5),
    CELL("material", "exchanged_supplied", 1000),
    CELL("material", "exchanged_received", 1000),
    CELL("material.ash", "exchange_contributors", 1),
    CELL("material.ash", "exchanged_supplied", 400),
    CELL("material.ash", "exchanged_received", 400),
    CELL("material.mineral", "exchange_contributors", 4),
    CELL("material.mineral", "exchanged_supplied", 600),
    CELL("material.mineral", "exchanged_received", 600),
    /* water: four companies, all in cooling but one: with no other second
     * level to hide, the top level is withheld instead. */
    CELL("water", "exchange_contributors", 4),
    CELL("water", "exchanged_supplied", 70),
    CELL("water", "exchanged_received", 70),
    CELL("water.cooling", "exchange_contributors", 1),
    CELL("water.cooling", "exchanged_supplied", 70),
    CELL("water.cooling", "exchanged_received", 70),
    /* energy.steam (t/yr) is not in the energy total: it shows on its own. */
    CELL("energy.steam", "exchange_contributors", 3),
    CELL("energy.steam", "exchanged_supplied", 90),
    CELL("energy.steam", "exchanged_received", 90),
    CELL("energy.steam", "offer_contributors", 1),
    CELL("energy.steam", "offered", 5000),
    /* heat: two companies, published only with k = 2. */
    CELL("energy.heat", "exchange_contributors", 2),
    CELL("energy.heat", "exchanged_supplied", 50),
    CELL("energy.heat", "exchanged_received", 50),
};

static json_t *
s_class(json_t *rep, const char *name)
{
	size_t i;
	json_t *c;

	json_array_foreach (json_object_get(rep, "classes"), i, c)
		if (strcmp(json_string_value(json_object_get(c, "class")), name) == 0)
			return c;
	fail_msg("class %s missing", name);
	return NULL;
}

static void
test_suppression(void **state)
{
	struct sym_diag diag = {""};
	struct park *park = s_park("suppression", s_cells, sizeof(s_cells) / sizeof(s_cells[0]));
	struct report rep;
	json_t *j;

	(void)state;
	assert_int_equal(report_build(park, 3, NULL, &rep, &diag), SYM_OK);
	j = report_json(&rep);
	assert_non_null(j);
	assert_int_equal(json_integer_value(json_object_get(j, "min_contributors")), 3);
	assert_string_equal(json_string_value(json_object_get(j, "park")), "Test <Park>");
	assert_string_equal(json_string_value(json_object_get(j, "indicators")), "done");
	/* Primary: one company. */
	assert_true(
	    json_is_null(json_object_get(s_class(j, "material.ash"), "exchanged_supplied")));
	assert_int_equal(json_integer_value(
	                     json_object_get(s_class(j, "material.ash"), "exchange_contributors")),
	                 1);
	/* Complementary: the only other second level, or the total gives ash away. */
	assert_true(
	    json_is_null(json_object_get(s_class(j, "material.mineral"), "exchanged_supplied")));
	assert_int_equal(
	    json_integer_value(json_object_get(s_class(j, "material"), "exchanged_supplied")),
	    1000);
	/* No second level left to hide: the top level goes. */
	assert_true(json_is_null(json_object_get(s_class(j, "water"), "exchanged_supplied")));
	assert_true(json_is_null(json_object_get(json_object_get(j, "totals"), "water_m3_per_yr")));
	assert_int_equal(
	    json_integer_value(json_object_get(json_object_get(j, "totals"), "material_t_per_yr")),
	    1000);
	/* Steam shows on its own, its one-company offer does not. */
	assert_int_equal(
	    json_integer_value(json_object_get(s_class(j, "energy.steam"), "exchanged_supplied")),
	    90);
	assert_true(json_is_null(json_object_get(s_class(j, "energy.steam"), "offered")));
	assert_true(
	    json_is_null(json_object_get(json_object_get(j, "totals"), "energy_mwh_per_yr")));
	assert_true(json_is_true(json_object_get(j, "consistent")));
	assert_true(json_is_null(json_object_get(s_class(j, "energy.heat"), "exchanged_supplied")));
	json_decref(j);
	report_clear(&rep);

	/* k = 2 publishes the two companies' heat; ash still cannot be derived; never k = 1. */
	assert_int_equal(report_build(park, 2, NULL, &rep, &diag), SYM_OK);
	j = report_json(&rep);
	assert_int_equal(
	    json_integer_value(json_object_get(s_class(j, "energy.heat"), "exchanged_supplied")),
	    50);
	assert_true(
	    json_is_null(json_object_get(s_class(j, "material.mineral"), "exchanged_supplied")));
	json_decref(j);
	report_clear(&rep);
	assert_int_equal(report_build(park, 1, NULL, &rep, &diag), SYM_ERR_RANGE);
	report_clear(&rep);
	park_close(&park);
}

static void
test_inconsistent(void **state)
{
	struct store_indicator_cell cells[] = {
	    CELL("material", "exchange_contributors", 4),
	    CELL("material", "exchanged_supplied", 1000),
	    CELL("material", "exchanged_received", 900),
	};
	struct sym_diag diag = {""};
	struct park *park = s_park("inconsistent", cells, 3);
	struct report rep;
	char *html = NULL;
	size_t len = 0;
	FILE *f;
	json_t *j;

	(void)state;
	assert_int_equal(report_build(park, 3, NULL, &rep, &diag), SYM_OK);
	j = report_json(&rep);
	assert_true(json_is_false(json_object_get(j, "consistent")));
	f = open_memstream(&html, &len);
	report_html(f, &rep);
	fclose(f);
	assert_non_null(strstr(html, "DIFFER"));
	assert_non_null(strstr(html, "<title>Test &lt;Park&gt;"));
	assert_null(strstr(html, "<Park>"));
	assert_null(strstr(html, "<script"));
	free(html);
	json_decref(j);
	report_clear(&rep);
	park_close(&park);
}

static void
s_factors_file(const char *dir, const char *text, char *path, size_t size)
{
	FILE *f;

	snprintf(path, size, "%s/factors.json", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void
test_factors(void **state)
{
	static const char *const bad[] = {
	    "{\"material.ash\": {\"kg_co2e_per_unit\": -1, \"source\": \"x\"}}",
	    "{\"material.ash.fly_ash\": {\"kg_co2e_per_unit\": 1, \"source\": \"x\"}}",
	    "{\"material.ash\": {\"kg_co2e_per_unit\": 800, \"source\": \"\"}}",
	    "{\"material.ash\": {\"kg_co2e_per_unit\": 8, \"source\": \"x\", \"note\": 1}}",
	    "[1, 2]",
	};
	const char *dir = fixture_dir;
	struct sym_diag diag = {""};
	char path[512];
	json_t *fac = NULL;
	size_t i;

	(void)state;
	s_factors_file(dir, "{\"material.ash\": {\"kg_co2e_per_unit\": 800}}", path, sizeof(path));
	assert_int_equal(report_factors_load(path, &fac, &diag), SYM_ERR_FORMAT);
	assert_non_null(strstr(diag.msg, "material.ash names no source"));
	assert_null(fac);
	/* A negative factor, a class finer than two levels, an empty source, unknown fields. */
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		s_factors_file(dir, bad[i], path, sizeof(path));
		assert_int_equal(report_factors_load(path, &fac, &diag), SYM_ERR_FORMAT);
		assert_null(fac);
	}
	s_factors_file(dir,
	               "{\"material.ash\": {\"kg_co2e_per_unit\": 800, \"source\": \"a report\"}}",
	               path, sizeof(path));
	assert_int_equal(report_factors_load(path, &fac, &diag), SYM_OK);
	json_decref(fac);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_escape),      cmocka_unit_test(test_class_names),
	    cmocka_unit_test(test_suppression), cmocka_unit_test(test_inconsistent),
	    cmocka_unit_test(test_factors),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, fixture_dir_setup, fixture_dir_teardown);
}
