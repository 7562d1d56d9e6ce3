#include "site.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "err.h"

/*
 * One coordinate of "LAT,LON": [+-]digits[.digits], nothing else, at most
 * 12 characters, read as decimal text (no binary floating point: 129.355
 * rounds to 129.36 as written), rounded half away from zero to hundredths.
 * The range applies to the value as written: 90.004 is outside.
 */
static int
s_coord(const char *p, size_t len, int32_t bound, int32_t *out)
{
	size_t i = 0, k;
	int neg = 0, nonzero_tail = 0;
	int64_t whole = 0;
	int32_t centi;
	const char *dot;

	if (len == 0 || len > 12)
		return SYM_ERR_FORMAT;
	if (p[0] == '+' || p[0] == '-')
		neg = p[i++] == '-';
	dot = memchr(p, '.', len);
	if (i == len || (dot != NULL && (dot == p + i || dot == p + len - 1)))
		return SYM_ERR_FORMAT;
	for (k = i; k < len; k++)
		if (p + k != dot && (p[k] < '0' || p[k] > '9'))
			return SYM_ERR_FORMAT;
	for (; p + i != dot && i < len; i++)
		whole = whole * 10 + (p[i] - '0'); /* at most 12 digits: no overflow */
	if (whole > bound)
		return SYM_ERR_RANGE;
	centi = (int32_t)whole * 100;
	for (k = 1; dot != NULL && dot + k < p + len; k++) {
		int digit = dot[k] - '0';

		if (k == 1)
			centi += 10 * digit;
		else if (k == 2)
			centi += digit;
		else if (k == 3 && digit >= 5)
			centi += 1;
		nonzero_tail |= digit != 0;
	}
	if (whole == bound && nonzero_tail)
		return SYM_ERR_RANGE;
	*out = neg ? -centi : centi;
	return SYM_OK;
}

int
site_parse(const char *text, struct site *out, struct sym_diag *diag)
{
	const char *comma;
	int r;

	memset(out, 0, sizeof(*out));
	if (text == NULL || (comma = strchr(text, ',')) == NULL || strchr(comma + 1, ',') != NULL)
		return sym_diag_set(diag, SYM_ERR_FORMAT,
		                    "expected LAT,LON in decimal degrees (e.g. 55.66,11.08)");
	if ((r = s_coord(text, (size_t)(comma - text), 90, &out->lat)) != SYM_OK)
		return sym_diag_set(diag, r,
		                    r == SYM_ERR_RANGE
		                        ? "latitude outside [-90, 90]"
		                        : "latitude is not a decimal number of degrees");
	if ((r = s_coord(comma + 1, strlen(comma + 1), 180, &out->lon)) != SYM_OK)
		return sym_diag_set(diag, r,
		                    r == SYM_ERR_RANGE
		                        ? "longitude outside [-180, 180]"
		                        : "longitude is not a decimal number of degrees");
	out->set = 1;
	return SYM_OK;
}

int
site_valid(const struct site *s)
{
	return s != NULL && (s->set == 0 || s->set == 1) && s->lat >= -SITE_LAT_MAX &&
	       s->lat <= SITE_LAT_MAX && s->lon >= -SITE_LON_MAX && s->lon <= SITE_LON_MAX;
}

static void
s_centi(int32_t v, char *out, size_t len)
{
	unsigned a = (unsigned)(v < 0 ? -v : v) % 100000u; /* valid sites have at most 5 digits */

	snprintf(out, len, "%s%u.%02u", v < 0 ? "-" : "", a / 100, a % 100);
}

void
site_format(const struct site *s, char out[SITE_TEXT_MAX])
{
	char lat[12], lon[12];

	if (s == NULL || !s->set || !site_valid(s)) {
		snprintf(out, SITE_TEXT_MAX, "none");
		return;
	}
	s_centi(s->lat, lat, sizeof(lat));
	s_centi(s->lon, lon, sizeof(lon));
	snprintf(out, SITE_TEXT_MAX, "%.7s,%.7s", lat, lon);
}

uint32_t
site_distance_m(const struct site *a, const struct site *b)
{
	const double rad = 3.14159265358979323846 / 18000.0; /* hundredths of a degree to radians */
	double p1 = a->lat * rad, p2 = b->lat * rad;
	double dp = (b->lat - a->lat) * rad, dl = (b->lon - a->lon) * rad;
	double sp = sin(dp / 2), sl = sin(dl / 2);
	double h = sp * sp + cos(p1) * cos(p2) * sl * sl;

	/* Rounding can push h a hair outside [0, 1] for antipodes. */
	if (h > 1.0)
		h = 1.0;
	if (h < 0.0)
		h = 0.0;
	return (uint32_t)llround(2.0 * SITE_EARTH_RADIUS_M * asin(sqrt(h)));
}

int
site_reach_m(double km, uint64_t *out)
{
	if (isinf(km) && km > 0) {
		*out = SITE_REACH_UNLIMITED;
		return SYM_OK;
	}
	/* Beyond half the circumference every reach is unlimited anyway. */
	if (!isfinite(km) || km <= 0)
		return SYM_ERR_RANGE;
	if (km >= 1e6) {
		*out = SITE_REACH_UNLIMITED;
		return SYM_OK;
	}
	*out = (uint64_t)llround(km * 1000.0);
	return SYM_OK;
}

int
site_within(const struct site *a, const struct site *b, uint64_t reach_m)
{
	if (reach_m == SITE_REACH_UNLIMITED || a == NULL || b == NULL || !a->set || !b->set)
		return 1;
	return (uint64_t)site_distance_m(a, b) <= reach_m;
}
