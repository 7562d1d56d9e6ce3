#include "units.h"

#include <math.h>
#include <stddef.h>
#include <string.h>

#include "err.h"

/* value_canonical = value * scale + offset */
struct unit_def {
	const char *name;
	enum unit_kind kind;
	double scale, offset;
};

static const struct unit_def s_units[] = {
    {"C", UNIT_TEMPERATURE, 1.0, 0.0},
    {"degC", UNIT_TEMPERATURE, 1.0, 0.0},
    {"F", UNIT_TEMPERATURE, 5.0 / 9.0, -32.0 * 5.0 / 9.0},
    {"degF", UNIT_TEMPERATURE, 5.0 / 9.0, -32.0 * 5.0 / 9.0},
    {"K", UNIT_TEMPERATURE, 1.0, -273.15},
    {"bar", UNIT_PRESSURE, 1.0, 0.0},
    {"mbar", UNIT_PRESSURE, 1e-3, 0.0},
    {"Pa", UNIT_PRESSURE, 1e-5, 0.0},
    {"kPa", UNIT_PRESSURE, 1e-2, 0.0},
    {"MPa", UNIT_PRESSURE, 10.0, 0.0},
    {"psi", UNIT_PRESSURE, 0.0689475729316836, 0.0},
    {"atm", UNIT_PRESSURE, 1.01325, 0.0},
    {"%", UNIT_FRACTION, 1.0, 0.0},
    {"ppm", UNIT_FRACTION, 1e-4, 0.0},
    {"ppb", UNIT_FRACTION, 1e-7, 0.0},
    {"mg/L", UNIT_CONCENTRATION, 1.0, 0.0},
    {"ug/L", UNIT_CONCENTRATION, 1e-3, 0.0},
    {"g/L", UNIT_CONCENTRATION, 1e3, 0.0},
    {"g/m3", UNIT_CONCENTRATION, 1.0, 0.0},
    {"kg/m3", UNIT_CONCENTRATION, 1e3, 0.0},
    /* Continuous power, as energy per year. */
    {"kW", UNIT_ENERGY_RATE, UNITS_HOURS_PER_YEAR / 1e3, 0.0},
    {"MW", UNIT_ENERGY_RATE, UNITS_HOURS_PER_YEAR, 0.0},
    {"GW", UNIT_ENERGY_RATE, UNITS_HOURS_PER_YEAR * 1e3, 0.0},
};

/* Amounts that combine with a period: "<amount>/<period>". */
static const struct unit_def s_amounts[] = {
    {"kg", UNIT_MASS_RATE, 1e-3, 0.0},
    {"t", UNIT_MASS_RATE, 1.0, 0.0},
    {"kt", UNIT_MASS_RATE, 1e3, 0.0},
    {"Mt", UNIT_MASS_RATE, 1e6, 0.0},
    {"L", UNIT_VOLUME_RATE, 1e-3, 0.0},
    {"m3", UNIT_VOLUME_RATE, 1.0, 0.0},
    {"ML", UNIT_VOLUME_RATE, 1e3, 0.0},
    {"Nm3", UNIT_GAS_RATE, 1.0, 0.0},
    {"kNm3", UNIT_GAS_RATE, 1e3, 0.0},
    {"MNm3", UNIT_GAS_RATE, 1e6, 0.0},
    {"kWh", UNIT_ENERGY_RATE, 1e-3, 0.0},
    {"MWh", UNIT_ENERGY_RATE, 1.0, 0.0},
    {"GWh", UNIT_ENERGY_RATE, 1e3, 0.0},
    {"TWh", UNIT_ENERGY_RATE, 1e6, 0.0},
    {"MJ", UNIT_ENERGY_RATE, 1.0 / 3600.0, 0.0},
    {"GJ", UNIT_ENERGY_RATE, 1.0 / 3.6, 0.0},
    {"TJ", UNIT_ENERGY_RATE, 1e3 / 3.6, 0.0},
};

/* Periods, as how many of them make a year (365.25 days). */
static const struct {
	const char *name;
	double per_year;
} s_periods[] = {
    {"h", UNITS_HOURS_PER_YEAR},
    {"hr", UNITS_HOURS_PER_YEAR},
    {"d", 365.25},
    {"day", 365.25},
    {"wk", 365.25 / 7.0},
    {"week", 365.25 / 7.0},
    {"month", 12.0},
    {"mo", 12.0},
    {"yr", 1.0},
    {"y", 1.0},
    {"a", 1.0},
    {"year", 1.0},
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static int
s_lookup(const char *unit, struct unit_def *out)
{
	const char *slash;
	size_t i, j, alen;

	for (i = 0; i < NELEM(s_units); i++) {
		if (strcmp(unit, s_units[i].name) == 0) {
			*out = s_units[i];
			return SYM_OK;
		}
	}
	slash = strchr(unit, '/');
	if (slash == NULL || strchr(slash + 1, '/') != NULL)
		return SYM_ERR_NOT_FOUND;
	alen = (size_t)(slash - unit);
	for (i = 0; i < NELEM(s_amounts); i++) {
		if (strlen(s_amounts[i].name) != alen ||
		    strncmp(unit, s_amounts[i].name, alen) != 0)
			continue;
		for (j = 0; j < NELEM(s_periods); j++) {
			if (strcmp(slash + 1, s_periods[j].name) == 0) {
				*out = s_amounts[i];
				out->name = unit;
				out->scale *= s_periods[j].per_year;
				return SYM_OK;
			}
		}
	}
	return SYM_ERR_NOT_FOUND;
}

enum unit_kind
units_kind(const char *unit)
{
	struct unit_def def;

	if (unit == NULL || s_lookup(unit, &def) != SYM_OK)
		return UNIT_KIND_NONE;
	return def.kind;
}

const char *
units_canonical(enum unit_kind kind)
{
	switch (kind) {
	case UNIT_MASS_RATE: return "t/yr";
	case UNIT_VOLUME_RATE: return "m3/yr";
	case UNIT_GAS_RATE: return "Nm3/yr";
	case UNIT_ENERGY_RATE: return "MWh/yr";
	case UNIT_TEMPERATURE: return "C";
	case UNIT_PRESSURE: return "bar";
	case UNIT_FRACTION: return "%";
	case UNIT_CONCENTRATION: return "mg/L";
	case UNIT_KIND_NONE: break;
	}
	return NULL;
}

const char *
units_kind_name(enum unit_kind kind)
{
	switch (kind) {
	case UNIT_MASS_RATE: return "mass per time";
	case UNIT_VOLUME_RATE: return "volume per time";
	case UNIT_GAS_RATE: return "gas volume per time";
	case UNIT_ENERGY_RATE: return "energy per time";
	case UNIT_TEMPERATURE: return "temperature";
	case UNIT_PRESSURE: return "pressure";
	case UNIT_FRACTION: return "fraction";
	case UNIT_CONCENTRATION: return "concentration";
	case UNIT_KIND_NONE: break;
	}
	return "unknown";
}

int
units_convert(const char *unit, const char *canonical, double v, double *out)
{
	struct unit_def def;
	double r;

	if (unit == NULL || canonical == NULL || out == NULL)
		return SYM_ERR_INVALID;
	if (s_lookup(unit, &def) != SYM_OK)
		return SYM_ERR_NOT_FOUND;
	if (units_canonical(def.kind) == NULL || strcmp(units_canonical(def.kind), canonical) != 0)
		return SYM_ERR_INVALID;
	r = v * def.scale + def.offset;
	if (!isfinite(r))
		return SYM_ERR_RANGE;
	*out = r;
	return SYM_OK;
}
