/*
 * Sites and distances (common/site.h, REACH.md): parsing "LAT,LON" and every
 * refusal, exact formatting, and the haversine distance against known
 * answers computed independently (Python, math.asin, R = 6,371,008.8 m):
 * one degree of the equator, half the circumference, Paris-London,
 * Kalundborg-Aalborg, two Ulsan plants, Sydney-New York, across the
 * antimeridian. Then the reach rule: unknown distance is within every reach.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "site.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static struct site
s_site(int32_t lat, int32_t lon)
{
	struct site s = {1, lat, lon};

	return s;
}

static void
test_parse(void **state)
{
	static const struct {
		const char *text;
		int32_t lat, lon;
	} good[] = {
	    {"55.66,11.08", 5566, 1108},      {"-33.87,151.21", -3387, 15121},
	    {"+40.71,-74.01", 4071, -7401},   {"90,180", 9000, 18000},
	    {"-90,-180", -9000, -18000},      {"0,0", 0, 0},
	    {"35.4849,129.355", 3548, 12936}, /* rounded to 0.01 */
	    {"1.005,-2.0049", 101, -200},     /* decimal text: half away from zero */
	};
	static const char *const bad[] = {
	    "",          "55.66",        "55.66,",  ",11.08",      "55.66,11.08,1",
	    "55.66 ,11", " 55.66,11.08", "5e1,11",  "inf,0",       "nan,0",
	    "0x10,0",    "55.,11",       ".5,11",   "55.66;11.08", "--1,2",
	    "90.01,0",   "0,180.001",    "-90.5,0", "0,-181",      "1234567890123,0",
	    "1.2.3,4",   "90.000001,0",
	};
	struct sym_diag diag = {""};
	struct site s;
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(good); i++) {
		assert_int_equal(site_parse(good[i].text, &s, &diag), SYM_OK);
		assert_int_equal(s.set, 1);
		assert_int_equal(s.lat, good[i].lat);
		assert_int_equal(s.lon, good[i].lon);
	}
	for (i = 0; i < NELEM(bad); i++) {
		int r = site_parse(bad[i], &s, &diag);

		if (r == SYM_OK)
			fail_msg("\"%s\" was accepted", bad[i]);
		assert_int_equal(s.set, 0);
		assert_true(strstr(diag.msg, "itude") != NULL ||
		            strstr(diag.msg, "LAT,LON") != NULL);
	}
	assert_int_equal(site_parse("90.01,0", &s, &diag), SYM_ERR_RANGE);
	assert_non_null(strstr(diag.msg, "latitude outside [-90, 90]"));
	assert_int_equal(site_parse("0,-181", &s, &diag), SYM_ERR_RANGE);
	assert_non_null(strstr(diag.msg, "longitude outside [-180, 180]"));
	assert_int_equal(site_parse("abc,1", &s, &diag), SYM_ERR_FORMAT);
	assert_int_equal(site_parse(NULL, &s, &diag), SYM_ERR_FORMAT);
}

static void
test_format(void **state)
{
	char out[SITE_TEXT_MAX];
	struct site s = s_site(-5, -18000), none = {0, 0, 0};

	(void)state;
	site_format(&s, out);
	assert_string_equal(out, "-0.05,-180.00");
	s = s_site(5566, 1108);
	site_format(&s, out);
	assert_string_equal(out, "55.66,11.08");
	site_format(&none, out);
	assert_string_equal(out, "none");
	s = s_site(9001, 0);
	assert_false(site_valid(&s));
	site_format(&s, out);
	assert_string_equal(out, "none");
}

static void
test_distance(void **state)
{
	static const struct {
		int32_t a[2], b[2];
		uint32_t m;
	} known[] = {
	    {{0, 0}, {0, 100}, 111195},
	    {{0, 0}, {0, 18000}, 20015114},
	    {{9000, 0}, {-9000, 0}, 20015114},
	    {{9000, 0}, {9000, 10000}, 0}, /* the pole is one point */
	    {{4886, 235}, {5151, -13}, 343475},
	    {{5566, 1108}, {5705, 992}, 170277},
	    {{3551, 12936}, {3548, 12935}, 3457},
	    {{-3387, 15121}, {4071, -7401}, 15988416},
	    {{0, 17999}, {0, -17999}, 2224},
	};
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(known); i++) {
		struct site a = s_site(known[i].a[0], known[i].a[1]);
		struct site b = s_site(known[i].b[0], known[i].b[1]);
		uint32_t d = site_distance_m(&a, &b), e = site_distance_m(&b, &a);

		/* Within a metre of the independent answer, and symmetric to the metre. */
		if (d + 1 < known[i].m || d > known[i].m + 1)
			fail_msg("case %zu: %u m, expected %u m", i, d, known[i].m);
		assert_int_equal(d, e);
		assert_int_equal(site_distance_m(&a, &a), 0);
	}
}

static void
test_reach(void **state)
{
	struct site a = s_site(3547, 12938), b = s_site(3556, 12921), none = {0, 0, 0};
	uint32_t d = site_distance_m(&a, &b);
	uint64_t m = 0;

	(void)state;
	assert_true(d > 18000 && d < 19000);
	assert_true(site_within(&a, &b, d));
	assert_false(site_within(&a, &b, d - 1));
	assert_true(site_within(&a, &b, SITE_REACH_UNLIMITED));
	/* A member without a site is within every reach. */
	assert_true(site_within(&a, &none, 0));
	assert_true(site_within(&none, &b, 0));

	assert_int_equal(site_reach_m(10, &m), SYM_OK);
	assert_int_equal(m, 10000);
	assert_int_equal(site_reach_m(0.5, &m), SYM_OK);
	assert_int_equal(m, 500);
	assert_int_equal(site_reach_m(INFINITY, &m), SYM_OK);
	assert_true(m == SITE_REACH_UNLIMITED);
	assert_int_equal(site_reach_m(0, &m), SYM_ERR_RANGE);
	assert_int_equal(site_reach_m(-1, &m), SYM_ERR_RANGE);
	assert_int_equal(site_reach_m(NAN, &m), SYM_ERR_RANGE);
	assert_int_equal(site_reach_m(-INFINITY, &m), SYM_ERR_RANGE);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse),
	    cmocka_unit_test(test_format),
	    cmocka_unit_test(test_distance),
	    cmocka_unit_test(test_reach),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
