/*
 * A member's site and the distance between two sites (REACH.md): latitude
 * and longitude in hundredths of a degree (about 1 km), and the great-circle
 * distance by the haversine formula over the mean Earth radius. Every party
 * (the client leaving out tokens, the coordinator expecting batches, the
 * auditor recomputing both) decides "within reach" with these functions and
 * nothing else, on integers: sites in centidegrees, distances and reaches in
 * whole metres.
 *
 * A member enrolled without a site has an unknown distance to everyone,
 * which counts as within every reach: it is never left out.
 */
#ifndef SYMBI_SITE_H
#define SYMBI_SITE_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define SITE_LAT_MAX 9000  /* 90.00 degrees, in hundredths */
#define SITE_LON_MAX 18000 /* 180.00 degrees */
/* Mean Earth radius (IUGG), in metres. */
#define SITE_EARTH_RADIUS_M 6371008.8
/* A reach that no distance exceeds: "unlimited". */
#define SITE_REACH_UNLIMITED UINT64_MAX
/* "-90.00,-180.00" and its NUL. */
#define SITE_TEXT_MAX 16

struct site {
	int set;          /* 0: no site (enrolled before sites existed) */
	int32_t lat, lon; /* hundredths of a degree, within +-SITE_LAT_MAX, +-SITE_LON_MAX */
};

/*
 * "LAT,LON" in decimal degrees (e.g. "55.66,11.08", signs allowed, no
 * exponent, no spaces), each within [-90, 90] x [-180, 180] as written,
 * rounded to 0.01 degree. The diagnostic names the part that is wrong.
 */
int site_parse(const char *text, struct site *out, struct sym_diag *diag)
    __attribute__((warn_unused_result));

/* Both coordinates within range (set or not: a zero site is valid and unset). */
int site_valid(const struct site *s);

/* "55.66,11.08" (exact, from the integers); "none" for an unset site. */
void site_format(const struct site *s, char out[SITE_TEXT_MAX]);

/* Great-circle distance between two set sites, rounded to whole metres. */
uint32_t site_distance_m(const struct site *a, const struct site *b);

/*
 * A reach in km (a positive finite number, or INFINITY for unlimited) in
 * whole metres; SYM_ERR_RANGE for zero, negative or NaN.
 */
int site_reach_m(double km, uint64_t *out) __attribute__((warn_unused_result));

/*
 * Whether two members are within reach_m of each other: always when either
 * has no site (unknown distance) or the reach is unlimited.
 */
int site_within(const struct site *a, const struct site *b, uint64_t reach_m);

#endif
