/*
 * Unit conversion tests: every spelling of the INTERFACE.md "Flows file" table
 * converted into its canonical unit, against values worked out by hand (the
 * working is in the comments; a year is 365.25 days = 8,766 h, a month 1/12 of
 * a year, 1 MWh = 3.6 GJ, 1 psi = 0.45359237 kg * 9.80665 m/s2 / (0.0254 m)^2).
 * Then the refusals: spellings that are not in the table, units of the wrong
 * kind for the target, and results that are not finite.
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
#include "units.h"

#define REL_TOL 1e-12
#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define UNTOUCHED -12345.678 /* what *out holds when a conversion must not write it */

struct conv_case {
	const char *unit;
	enum unit_kind kind;
	double in;
	double want;
	double tol; /* relative; 0 means REL_TOL */
};

static const struct conv_case s_cases[] = {
    /* Mass per time, canonical t/yr. */
    {"kg/h", UNIT_MASS_RATE, 1000, 8766, 0},    /* 1 t/h * 8766 h */
    {"kg/d", UNIT_MASS_RATE, 1000, 365.25, 0},  /* 1 t/d * 365.25 d */
    {"kg/wk", UNIT_MASS_RATE, 7000, 365.25, 0}, /* 1 t/d */
    {"kg/month", UNIT_MASS_RATE, 1000, 12, 0},  /* 1 t/month * 12 */
    {"kg/yr", UNIT_MASS_RATE, 1000, 1, 0},
    {"t/h", UNIT_MASS_RATE, 60, 525960, 0}, /* 60 * 8766 */
    {"t/d", UNIT_MASS_RATE, 100, 36525, 0}, /* 100 * 365.25 */
    {"t/wk", UNIT_MASS_RATE, 7, 365.25, 0},
    {"t/month", UNIT_MASS_RATE, 10, 120, 0},
    {"t/yr", UNIT_MASS_RATE, 150000, 150000, 0},
    {"kt/h", UNIT_MASS_RATE, 2, 17532000, 0}, /* 2000 * 8766 */
    {"kt/d", UNIT_MASS_RATE, 4, 1461000, 0},  /* 4000 * 365.25 */
    {"kt/wk", UNIT_MASS_RATE, 14, 730500, 0}, /* 2000 t/d * 365.25 */
    {"kt/month", UNIT_MASS_RATE, 5, 60000, 0},
    {"kt/yr", UNIT_MASS_RATE, 250, 250000, 0},
    {"Mt/h", UNIT_MASS_RATE, 0.5, 4383000000.0, 0}, /* 500000 * 8766 */
    {"Mt/d", UNIT_MASS_RATE, 2, 730500000, 0},
    {"Mt/wk", UNIT_MASS_RATE, 7, 365250000, 0}, /* 1e6 t/d */
    {"Mt/month", UNIT_MASS_RATE, 0.25, 3000000, 0},
    {"Mt/yr", UNIT_MASS_RATE, 1.5, 1500000, 0},
    /* Volume per time, canonical m3/yr. */
    {"L/h", UNIT_VOLUME_RATE, 500, 4383, 0}, /* 0.5 m3/h * 8766 */
    {"L/d", UNIT_VOLUME_RATE, 2000, 730.5, 0},
    {"L/wk", UNIT_VOLUME_RATE, 7000, 365.25, 0},
    {"L/month", UNIT_VOLUME_RATE, 1000, 12, 0},
    {"L/yr", UNIT_VOLUME_RATE, 1000, 1, 0},
    {"m3/h", UNIT_VOLUME_RATE, 250, 2191500, 0},
    {"m3/d", UNIT_VOLUME_RATE, 1200, 438300, 0},
    {"m3/wk", UNIT_VOLUME_RATE, 70, 3652.5, 0}, /* 10 m3/d */
    {"m3/month", UNIT_VOLUME_RATE, 800, 9600, 0},
    {"m3/yr", UNIT_VOLUME_RATE, 1e6, 1e6, 0},
    /* Gas volume per time, canonical Nm3/yr. */
    {"Nm3/h", UNIT_GAS_RATE, 1000, 8766000, 0},
    {"Nm3/d", UNIT_GAS_RATE, 24000, 8766000, 0}, /* 1000 Nm3/h */
    {"Nm3/wk", UNIT_GAS_RATE, 700, 36525, 0},    /* 100 Nm3/d */
    {"Nm3/month", UNIT_GAS_RATE, 300, 3600, 0},
    {"Nm3/yr", UNIT_GAS_RATE, 2.5e7, 2.5e7, 0},
    /* Energy per time, canonical MWh/yr. */
    {"kWh/h", UNIT_ENERGY_RATE, 1000, 8766, 0},     /* 1 MW continuous */
    {"kWh/d", UNIT_ENERGY_RATE, 500, 182.625, 0},   /* 0.5 * 365.25 */
    {"kWh/wk", UNIT_ENERGY_RATE, 70000, 3652.5, 0}, /* 10 MWh/d */
    {"kWh/month", UNIT_ENERGY_RATE, 2500, 30, 0},
    {"kWh/yr", UNIT_ENERGY_RATE, 750, 0.75, 0},
    {"MWh/h", UNIT_ENERGY_RATE, 3, 26298, 0},
    {"MWh/d", UNIT_ENERGY_RATE, 24, 8766, 0},     /* 1 MWh/h */
    {"MWh/wk", UNIT_ENERGY_RATE, 21, 1095.75, 0}, /* 3 MWh/d */
    {"MWh/month", UNIT_ENERGY_RATE, 100, 1200, 0},
    {"MWh/yr", UNIT_ENERGY_RATE, 40000, 40000, 0},
    {"GWh/h", UNIT_ENERGY_RATE, 0.1, 876600, 0}, /* 100 MWh/h */
    {"GWh/d", UNIT_ENERGY_RATE, 2, 730500, 0},
    {"GWh/wk", UNIT_ENERGY_RATE, 7, 365250, 0}, /* 1000 MWh/d */
    {"GWh/month", UNIT_ENERGY_RATE, 1.5, 18000, 0},
    {"GWh/yr", UNIT_ENERGY_RATE, 350, 350000, 0},
    {"GJ/h", UNIT_ENERGY_RATE, 36, 87660, 0},     /* 10 MWh/h */
    {"GJ/d", UNIT_ENERGY_RATE, 3.6, 365.25, 0},   /* 1 MWh/d */
    {"GJ/wk", UNIT_ENERGY_RATE, 252, 3652.5, 0},  /* 70 MWh/wk = 10 MWh/d */
    {"GJ/month", UNIT_ENERGY_RATE, 360, 1200, 0}, /* 100 MWh/month */
    {"GJ/yr", UNIT_ENERGY_RATE, 1800, 500, 0},
    {"TJ/h", UNIT_ENERGY_RATE, 0.036, 87660, 0},   /* 10 MWh/h */
    {"TJ/d", UNIT_ENERGY_RATE, 0.36, 36525, 0},    /* 100 MWh/d */
    {"TJ/wk", UNIT_ENERGY_RATE, 25.2, 365250, 0},  /* 7000 MWh/wk */
    {"TJ/month", UNIT_ENERGY_RATE, 3.6, 12000, 0}, /* 1000 MWh/month */
    {"TJ/yr", UNIT_ENERGY_RATE, 36, 10000, 0},
    /* Continuous power, 8,766 h/yr. */
    {"kW", UNIT_ENERGY_RATE, 500, 4383, 0},
    {"MW", UNIT_ENERGY_RATE, 150, 1314900, 0},
    {"GW", UNIT_ENERGY_RATE, 1.2, 10519200, 0},
    /* Temperature, canonical C. */
    {"C", UNIT_TEMPERATURE, 95, 95, 0},
    {"C", UNIT_TEMPERATURE, -12.5, -12.5, 0},
    {"F", UNIT_TEMPERATURE, 212, 100, 0},
    {"F", UNIT_TEMPERATURE, 32, 0, 0},
    {"F", UNIT_TEMPERATURE, -40, -40, 0},
    {"F", UNIT_TEMPERATURE, 392, 200, 0},
    {"K", UNIT_TEMPERATURE, 273.15, 0, 0},
    {"K", UNIT_TEMPERATURE, 373.15, 100, 0},
    {"K", UNIT_TEMPERATURE, 0, -273.15, 0},
    /* Pressure, canonical bar. */
    {"bar", UNIT_PRESSURE, 16, 16, 0},
    {"kPa", UNIT_PRESSURE, 250, 2.5, 0},
    {"MPa", UNIT_PRESSURE, 1, 10, 0},
    {"psi", UNIT_PRESSURE, 1, 0.06894757293168361, 0}, /* 6894.757293168361 Pa */
    {"psi", UNIT_PRESSURE, 100, 6.894757293168361, 0},
    {"psi", UNIT_PRESSURE, 14.5037738, 1, 1e-8}, /* the rounded figure on gauges */
    /* Fraction and concentration. */
    {"%", UNIT_FRACTION, 96, 96, 0},
    {"ppm", UNIT_FRACTION, 10000, 1, 0},
    {"ppm", UNIT_FRACTION, 250, 0.025, 0},
    {"mg/L", UNIT_CONCENTRATION, 1200, 1200, 0},
};

static const enum unit_kind s_kinds[] = {
    UNIT_MASS_RATE,   UNIT_VOLUME_RATE, UNIT_GAS_RATE, UNIT_ENERGY_RATE,
    UNIT_TEMPERATURE, UNIT_PRESSURE,    UNIT_FRACTION, UNIT_CONCENTRATION,
};

static int
s_close(double got, double want, double tol)
{
	return fabs(got - want) <= tol * fmax(fabs(want), 1.0);
}

static void
test_canonical_names(void **state)
{
	static const char *const names[] = {"t/yr", "m3/yr", "Nm3/yr", "MWh/yr",
	                                    "C",    "bar",   "%",      "mg/L"};
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(s_kinds); i++) {
		assert_non_null(units_canonical(s_kinds[i]));
		assert_string_equal(units_canonical(s_kinds[i]), names[i]);
		assert_int_equal(units_kind(names[i]), s_kinds[i]);
		assert_string_not_equal(units_kind_name(s_kinds[i]), "unknown");
	}
	assert_null(units_canonical(UNIT_KIND_NONE));
	assert_int_equal(units_kind(NULL), UNIT_KIND_NONE);
	assert_int_equal((int)UNITS_HOURS_PER_YEAR, 8766);
}

static void
test_conversion_table(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(s_cases); i++) {
		const struct conv_case *c = &s_cases[i];
		const char *canonical = units_canonical(c->kind);
		double out = UNTOUCHED, tol = c->tol > 0 ? c->tol : REL_TOL;
		int r;

		assert_int_equal(units_kind(c->unit), c->kind);
		r = units_convert(c->unit, canonical, c->in, &out);
		if (r != SYM_OK || !s_close(out, c->want, tol))
			fail_msg("%.17g %s -> %s: r=%d, got %.17g, want %.17g", c->in, c->unit,
			         canonical, r, out, c->want);
	}
}

/* Every canonical unit converts into itself unchanged. */
static void
test_canonical_identity(void **state)
{
	static const double values[] = {0, 1, 0.001, 96.5, -40, 1e12};
	size_t i, j;

	(void)state;
	for (i = 0; i < NELEM(s_kinds); i++) {
		const char *u = units_canonical(s_kinds[i]);

		for (j = 0; j < NELEM(values); j++) {
			double out = UNTOUCHED;

			assert_int_equal(units_convert(u, u, values[j], &out), SYM_OK);
			assert_true(s_close(out, values[j], REL_TOL));
		}
	}
}

/* Every spelling of the table is refused by every other kind's canonical unit. */
static void
test_wrong_kind_table(void **state)
{
	size_t i, k;

	(void)state;
	for (i = 0; i < NELEM(s_cases); i++) {
		for (k = 0; k < NELEM(s_kinds); k++) {
			double out = UNTOUCHED;
			int r;

			if (s_kinds[k] == s_cases[i].kind)
				continue;
			r = units_convert(s_cases[i].unit, units_canonical(s_kinds[k]), 1.0, &out);
			if (r != SYM_ERR_INVALID)
				fail_msg("%s into %s: r=%d, want SYM_ERR_INVALID", s_cases[i].unit,
				         units_canonical(s_kinds[k]), r);
			assert_true(out == UNTOUCHED);
		}
	}
}

static void
test_wrong_kind(void **state)
{
	static const struct {
		const char *unit, *canonical;
	} cases[] = {
	    {"t/yr", "C"},
	    {"C", "t/yr"},
	    {"m3/yr", "Nm3/yr"},
	    {"Nm3/d", "m3/yr"},
	    {"MW", "t/yr"},
	    {"kWh/yr", "t/yr"},
	    {"ppm", "mg/L"},
	    {"mg/L", "%"},
	    {"bar", "C"},
	    {"psi", "%"},
	    {"K", "bar"},
	    {"L/h", "t/yr"},
	    /* The target must be a canonical spelling, not merely one of the same kind. */
	    {"t/h", "t/d"},
	    {"C", "F"},
	    {"t/yr", "kt/yr"},
	    {"t/yr", "bogus"},
	    {"t/yr", ""},
	};
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(cases); i++) {
		double out = UNTOUCHED;
		int r = units_convert(cases[i].unit, cases[i].canonical, 1.0, &out);

		if (r != SYM_ERR_INVALID)
			fail_msg("%s into %s: r=%d, want SYM_ERR_INVALID", cases[i].unit,
			         cases[i].canonical, r);
		assert_true(out == UNTOUCHED);
	}
}

static void
test_unknown_spellings(void **state)
{
	static const char *const bad[] = {
	    "t/fortnight", "t//yr",  "",      "T/yr",      "furlongs/fortnight",
	    "t/YR",        "t /yr",  " t/yr", "t/yr ",     "t/",
	    "/yr",         "/",      "t",     "kg",        "MW/yr",
	    "MW/h",        "c",      "k",     "f",         "Bar",
	    "PSI",         "mpa",    "kpa",   "tonnes/yr", "t/yr/h",
	    "t/h/yr",      "mg/l",   "MG/L",  "%/yr",      "ppm/yr",
	    "kwh/yr",      "mwh/yr", "M3/yr", "nm3/yr",    "t/yr\n",
	    "t/2yr",       "1 t/yr", "t/yr.", "\302\260C", /* a degree sign is not one of our
	                                                      spellings */
	    "t/h2",
	};
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(bad); i++) {
		double out = UNTOUCHED;
		int r = units_convert(bad[i], "t/yr", 1.0, &out);

		if (r != SYM_ERR_NOT_FOUND)
			fail_msg("\"%s\": r=%d, want SYM_ERR_NOT_FOUND", bad[i], r);
		assert_true(out == UNTOUCHED);
		assert_int_equal(units_kind(bad[i]), UNIT_KIND_NONE);
		/* Unknown wins over any target: the user sees "unknown unit", not "wrong kind". */
		assert_int_equal(units_convert(bad[i], "C", 1.0, &out), SYM_ERR_NOT_FOUND);
	}
}

static void
test_not_finite(void **state)
{
	static const struct {
		const char *unit;
		double in;
	} cases[] = {
	    {"Mt/h", 1e308}, {"Mt/h", -1e308},   {"kWh/h", 1.7e308}, {"GW", 1e306},
	    {"TJ/h", 1e307}, {"t/yr", INFINITY}, {"C", -INFINITY},   {"bar", NAN},
	    {"K", NAN},      {"ppm", INFINITY},
	};
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(cases); i++) {
		enum unit_kind kind = units_kind(cases[i].unit);
		double out = UNTOUCHED;
		int r;

		assert_int_not_equal(kind, UNIT_KIND_NONE);
		r = units_convert(cases[i].unit, units_canonical(kind), cases[i].in, &out);
		if (r != SYM_ERR_RANGE)
			fail_msg("%g %s: r=%d, want SYM_ERR_RANGE", cases[i].in, cases[i].unit, r);
		assert_true(out == UNTOUCHED);
	}
	/* Large but finite results are fine. */
	{
		double out = UNTOUCHED;

		assert_int_equal(units_convert("Mt/h", "t/yr", 1e290, &out), SYM_OK);
		assert_true(s_close(out, 8.766e299, REL_TOL));
	}
}

static void
test_null_arguments(void **state)
{
	double out = UNTOUCHED;

	(void)state;
	assert_int_equal(units_convert(NULL, "t/yr", 1.0, &out), SYM_ERR_INVALID);
	assert_int_equal(units_convert("t/yr", NULL, 1.0, &out), SYM_ERR_INVALID);
	assert_int_equal(units_convert("t/yr", "t/yr", 1.0, NULL), SYM_ERR_INVALID);
	assert_true(out == UNTOUCHED);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_canonical_names),    cmocka_unit_test(test_conversion_table),
	    cmocka_unit_test(test_canonical_identity), cmocka_unit_test(test_wrong_kind_table),
	    cmocka_unit_test(test_wrong_kind),         cmocka_unit_test(test_unknown_spellings),
	    cmocka_unit_test(test_not_finite),         cmocka_unit_test(test_null_arguments),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
