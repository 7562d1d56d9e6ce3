/*
 * Unit conversion into the taxonomy's canonical units. Only a fixed table of
 * spellings is understood (INTERFACE.md "Flows file"); anything else is an
 * error the user sees, never a guess.
 */
#ifndef SYMBI_UNITS_H
#define SYMBI_UNITS_H

enum unit_kind {
	UNIT_KIND_NONE = 0,
	UNIT_MASS_RATE,     /* canonical t/yr */
	UNIT_VOLUME_RATE,   /* canonical m3/yr */
	UNIT_GAS_RATE,      /* canonical Nm3/yr */
	UNIT_ENERGY_RATE,   /* canonical MWh/yr; power converts with 8,766 h/yr */
	UNIT_TEMPERATURE,   /* canonical C */
	UNIT_PRESSURE,      /* canonical bar */
	UNIT_FRACTION,      /* canonical % */
	UNIT_CONCENTRATION, /* canonical mg/L */
};

#define UNITS_HOURS_PER_YEAR 8766.0

/* The kind of a unit spelling, or UNIT_KIND_NONE if it is not understood. */
enum unit_kind units_kind(const char *unit);

/* The canonical unit of a kind ("t/yr", ...), or NULL. */
const char *units_canonical(enum unit_kind kind);

/* A phrase for messages: "mass per time", "temperature", ... */
const char *units_kind_name(enum unit_kind kind);

/*
 * Convert v in `unit` to the canonical unit `canonical`.
 * SYM_ERR_NOT_FOUND: unit not understood; SYM_ERR_INVALID: unit of another
 * kind than canonical; SYM_ERR_RANGE: result not finite.
 */
int units_convert(const char *unit, const char *canonical, double v, double *out)
    __attribute__((warn_unused_result));

#endif
