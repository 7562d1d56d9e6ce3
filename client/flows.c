#include "flows.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "units.h"
#include "util.h"

/* Where an error is: "<file>: flow \"<id>\"" or "<file>: flows[<n>]" before the id is known. */
struct where {
	const char *file;
	char flow[FLOW_ID_MAX + 32];
};

static int s_fail(struct sym_diag *diag, const struct where *w, int err, const char *field,
                  const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static int
s_fail(struct sym_diag *diag, const struct where *w, int err, const char *field, const char *fmt,
       ...)
{
	char msg[384];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (w->flow[0] != '\0')
		return sym_diag_set(diag, err, "%s: %s: %s: %s", w->file, w->flow, field, msg);
	return sym_diag_set(diag, err, "%s: %s: %s", w->file, field, msg);
}

static int
s_valid_id(const char *s)
{
	size_t i, len = strlen(s);

	if (len == 0 || len > FLOW_ID_MAX)
		return 0;
	for (i = 0; i < len; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_' || c == '.'))
			return 0;
	}
	return 1;
}

static const char *
s_unknown_key(json_t *obj, const char *const *allowed)
{
	const char *key;
	json_t *v;
	size_t i;

	json_object_foreach (obj, key, v) {
		(void)v;
		for (i = 0; allowed[i] != NULL; i++)
			if (strcmp(key, allowed[i]) == 0)
				break;
		if (allowed[i] == NULL)
			return key;
	}
	return NULL;
}

/* A finite JSON number into *out; 0 if absent, 1 if present, -1 if not a number. */
static int
s_number(json_t *obj, const char *key, double *out)
{
	json_t *v = json_object_get(obj, key);

	if (v == NULL)
		return 0;
	if (!json_is_number(v) || !isfinite(json_number_value(v)))
		return -1;
	*out = json_number_value(v);
	return 1;
}

static void
s_fmt_range(const struct tax_dim *dim, char *buf, size_t len)
{
	snprintf(buf, len, "[%g, %g] %s", dim->min, dim->max, dim->unit);
}

static const char *const s_value_names[3] = {"value", "min", "max"};

/* The stated value, min and max (has[k]) from `unit` into the dimension's canonical unit. */
static int
s_convert(const struct where *w, const char *field, const char *unit, const struct tax_dim *dim,
          int is_quantity, const int has[3], const double raw[3], double conv[3],
          struct sym_diag *diag)
{
	char sub[96];
	int k, r;

	for (k = 0; k < 3; k++) {
		if (!has[k])
			continue;
		r = units_convert(unit, dim->unit, raw[k], &conv[k]);
		if (r == SYM_ERR_INVALID) {
			snprintf(sub, sizeof(sub), "%s.unit", field);
			return s_fail(diag, w, SYM_ERR_FORMAT, sub,
			              "\"%s\" is %s, but this takes %s (%s)", unit,
			              units_kind_name(units_kind(unit)),
			              units_kind_name(units_kind(dim->unit)), dim->unit);
		}
		snprintf(sub, sizeof(sub), "%s.%s", field, s_value_names[k]);
		if (r != SYM_OK)
			return s_fail(diag, w, SYM_ERR_RANGE, sub, "%g %s cannot be converted",
			              raw[k], unit);
		if (is_quantity && conv[k] < 0)
			return s_fail(diag, w, SYM_ERR_RANGE, sub, "must not be negative");
	}
	return SYM_OK;
}

/*
 * Parse one dimension ({value|min|max, unit}) of a flow into canonical units
 * and bins. `field` is "quantity" or "attributes.<name>".
 */
static int
s_parse_value(const struct where *w, const char *field, json_t *j, enum flow_direction dir,
              const struct tax_dim *dim, int is_quantity, struct flow_value *out,
              struct sym_diag *diag)
{
	static const char *const keys[] = {"value", "min", "max", "unit", NULL};
	char sub[96], range[96];
	const char *unit, *bad;
	double raw[3] = {0, 0, 0}, conv[3];
	int has[3], k, r;

	memset(out, 0, sizeof(*out));
	if (!json_is_object(j))
		return s_fail(diag, w, SYM_ERR_FORMAT, field, "must be an object with %s and unit",
		              dir == FLOW_OFFER ? "value" : "min and/or max");
	if ((bad = s_unknown_key(j, keys)) != NULL)
		return s_fail(diag, w, SYM_ERR_FORMAT, field, "unknown key \"%s\"", bad);
	for (k = 0; k < 3; k++) {
		has[k] = s_number(j, s_value_names[k], &raw[k]);
		if (has[k] < 0) {
			snprintf(sub, sizeof(sub), "%s.%s", field, s_value_names[k]);
			return s_fail(diag, w, SYM_ERR_FORMAT, sub, "not a finite number");
		}
	}
	snprintf(sub, sizeof(sub), "%s.unit", field);
	unit = json_string_value(json_object_get(j, "unit"));
	if (unit == NULL)
		return s_fail(diag, w, SYM_ERR_FORMAT, sub,
		              "missing (the canonical unit is \"%s\")", dim->unit);
	if (units_kind(unit) == UNIT_KIND_NONE)
		return s_fail(diag, w, SYM_ERR_FORMAT, sub, "unknown unit \"%s\"", unit);
	if (dir == FLOW_OFFER) {
		if (!has[0] || has[1] || has[2]) {
			snprintf(sub, sizeof(sub), "%s.value", field);
			return s_fail(diag, w, SYM_ERR_FORMAT, sub,
			              "an offer states exactly one value (no min or max)");
		}
	} else if (has[0] || (!has[1] && !has[2])) {
		snprintf(sub, sizeof(sub), "%s.min", field);
		return s_fail(diag, w, SYM_ERR_FORMAT, sub,
		              "a need states min and/or max (no value)");
	}
	if ((r = s_convert(w, field, unit, dim, is_quantity, has, raw, conv, diag)) != SYM_OK)
		return r;
	s_fmt_range(dim, range, sizeof(range));
	out->present = 1;
	if (dir == FLOW_OFFER) {
		snprintf(sub, sizeof(sub), "%s.value", field);
		if (is_quantity && !(conv[0] > 0))
			return s_fail(diag, w, SYM_ERR_RANGE, sub,
			              "an offered quantity must be positive");
		if (tax_quantize(dim, conv[0], &out->bin_lo) != SYM_OK)
			return s_fail(diag, w, SYM_ERR_RANGE, sub, "%g %s is outside the range %s",
			              raw[0], unit, range);
		out->value = out->min = out->max = conv[0];
		out->bin_hi = out->bin_lo;
		return SYM_OK;
	}
	out->min = has[1] ? conv[1] : -INFINITY;
	out->max = has[2] ? conv[2] : INFINITY;
	if (has[1] && has[2] && conv[1] > conv[2]) {
		snprintf(sub, sizeof(sub), "%s.min", field);
		return s_fail(diag, w, SYM_ERR_RANGE, sub, "min %g is above max %g", raw[1],
		              raw[2]);
	}
	out->bin_lo = 0;
	out->bin_hi = (uint16_t)((1u << dim->bits) - 1);
	if (has[1] && tax_quantize_bound(dim, conv[1], 0, &out->bin_lo) != SYM_OK) {
		snprintf(sub, sizeof(sub), "%s.min", field);
		return s_fail(diag, w, SYM_ERR_RANGE, sub,
		              "%g %s is above the range %s: nothing can match", raw[1], unit,
		              range);
	}
	if (has[2] && tax_quantize_bound(dim, conv[2], 1, &out->bin_hi) != SYM_OK) {
		snprintf(sub, sizeof(sub), "%s.max", field);
		return s_fail(diag, w, SYM_ERR_RANGE, sub,
		              "%g %s is below the range %s: nothing can match", raw[2], unit,
		              range);
	}
	if (is_quantity) {
		/* A need's max only caps the exchange (PROTOCOL.md); it does not filter offers. */
		out->bin_hi = (uint16_t)((1u << dim->bits) - 1);
		if (!has[1])
			out->present = 0;
	}
	return SYM_OK;
}

/*
 * Reach (REACH.md): the item's reach is its category's, narrowed by
 * "max_distance_km" (a positive number of kilometres; a larger one than the
 * category's changes nothing).
 */
static int
s_parse_reach(const struct where *w, json_t *v, struct flow_item *it, struct sym_diag *diag)
{
	uint64_t m;

	it->reach_m = it->category->reach_m;
	if (v == NULL)
		return SYM_OK;
	if (!json_is_number(v) || site_reach_m(json_number_value(v), &m) != SYM_OK ||
	    m == SITE_REACH_UNLIMITED)
		return s_fail(diag, w, SYM_ERR_FORMAT, "max_distance_km",
		              "must be a positive number of kilometres");
	if (m < it->reach_m)
		it->reach_m = m;
	return SYM_OK;
}

static int
s_parse_flow(const char *file, const struct taxonomy *tax, json_t *j, size_t idx, struct flows *fl,
             struct sym_diag *diag)
{
	static const char *const keys[] = {"id",         "direction", "category",        "quantity",
	                                   "attributes", "details",   "max_distance_km", NULL};
	struct flow_item *it = &fl->items[idx];
	struct where w = {file, ""};
	const char *s, *bad, *key;
	json_t *attrs, *v, *details;
	size_t k;
	int d, r;

	snprintf(w.flow, sizeof(w.flow), "flows[%zu]", idx);
	if (!json_is_object(j))
		return s_fail(diag, &w, SYM_ERR_FORMAT, "flow", "not an object");
	s = json_string_value(json_object_get(j, "id"));
	if (s == NULL || !s_valid_id(s))
		return s_fail(diag, &w, SYM_ERR_FORMAT, "id",
		              "missing, or not 1-%d characters of [A-Za-z0-9._-]", FLOW_ID_MAX);
	snprintf(it->id, sizeof(it->id), "%s", s);
	snprintf(w.flow, sizeof(w.flow), "flow \"%s\"", it->id);
	for (k = 0; k < idx; k++)
		if (strcmp(fl->items[k].id, it->id) == 0)
			return s_fail(diag, &w, SYM_ERR_FORMAT, "id", "duplicate flow id");
	if ((bad = s_unknown_key(j, keys)) != NULL)
		return s_fail(diag, &w, SYM_ERR_FORMAT, bad, "unknown key");
	s = json_string_value(json_object_get(j, "direction"));
	if (s != NULL && strcmp(s, "offer") == 0) {
		it->direction = FLOW_OFFER;
	} else if (s != NULL && strcmp(s, "need") == 0) {
		it->direction = FLOW_NEED;
	} else {
		return s_fail(diag, &w, SYM_ERR_FORMAT, "direction",
		              "must be \"offer\" or \"need\"");
	}
	s = json_string_value(json_object_get(j, "category"));
	if (s == NULL)
		return s_fail(diag, &w, SYM_ERR_FORMAT, "category", "missing");
	if ((it->category = taxonomy_find(tax, s)) == NULL)
		return s_fail(diag, &w, SYM_ERR_FORMAT, "category",
		              "unknown category \"%s\" (taxonomy %s %s)", s, tax->name,
		              tax->version);
	if (it->category->quantity_root < 0)
		return s_fail(
		    diag, &w, SYM_ERR_FORMAT, "category",
		    "\"%s\" is a grouping without a quantity; use one of its subcategories", s);
	if (json_object_get(j, "quantity") == NULL)
		return s_fail(diag, &w, SYM_ERR_FORMAT, "quantity", "missing (in %s)",
		              it->category->dims[0].unit);
	r = s_parse_value(&w, "quantity", json_object_get(j, "quantity"), it->direction,
	                  &it->category->dims[0], 1, &it->dims[0], diag);
	if (r != SYM_OK)
		return r;
	attrs = json_object_get(j, "attributes");
	if (attrs != NULL && !json_is_object(attrs))
		return s_fail(diag, &w, SYM_ERR_FORMAT, "attributes", "must be an object");
	json_object_foreach (attrs, key, v) {
		char field[TAX_NAME_MAX + 64];

		snprintf(field, sizeof(field), "attributes.%.*s", TAX_NAME_MAX, key);
		d = taxonomy_dim_index(it->category, key);
		if (d < 0)
			return s_fail(diag, &w, SYM_ERR_FORMAT, field,
			              "category %s has no attribute \"%.*s\"", it->category->path,
			              TAX_NAME_MAX, key);
		r = s_parse_value(&w, field, v, it->direction, &it->category->dims[d], 0,
		                  &it->dims[d], diag);
		if (r != SYM_OK)
			return r;
	}
	if ((r = s_parse_reach(&w, json_object_get(j, "max_distance_km"), it, diag)) != SYM_OK)
		return r;
	details = json_object_get(j, "details");
	if (details != NULL) {
		size_t dlen = json_dumpb(details, NULL, 0, JSON_COMPACT | JSON_ENCODE_ANY);
		if (dlen == 0 || dlen > FLOW_DETAILS_MAX)
			return s_fail(diag, &w, SYM_ERR_LIMIT, "details",
			              "%zu bytes when serialized; at most %u", dlen,
			              FLOW_DETAILS_MAX);
	}
	it->raw = json_incref(j);
	if (it->direction == FLOW_OFFER)
		fl->n_offers++;
	else
		fl->n_needs++;
	return SYM_OK;
}

int
flows_from_json(const char *name, json_t *doc, const struct taxonomy *tax, struct flows **out,
                struct sym_diag *diag)
{
	static const char *const keys[] = {"flows", NULL};
	struct flows *fl = NULL;
	json_t *arr;
	const char *bad;
	size_t i;
	int r = SYM_ERR_FORMAT;

	*out = NULL;
	if (!json_is_object(doc))
		return sym_diag_set(diag, SYM_ERR_FORMAT, "%s: not a JSON object with \"flows\"",
		                    name);
	if ((bad = s_unknown_key(doc, keys)) != NULL)
		return sym_diag_set(diag, SYM_ERR_FORMAT, "%s: %s: unknown key", name, bad);
	arr = json_object_get(doc, "flows");
	if (!json_is_array(arr))
		return sym_diag_set(diag, SYM_ERR_FORMAT, "%s: flows: missing or not an array",
		                    name);
	if (json_array_size(arr) > FLOWS_MAX_ITEMS)
		return sym_diag_set(diag, SYM_ERR_LIMIT,
		                    "%s: flows: %zu flows; at most %d per file", name,
		                    json_array_size(arr), FLOWS_MAX_ITEMS);
	if ((fl = calloc(1, sizeof(*fl))) == NULL ||
	    (fl->items = calloc(json_array_size(arr) + 1, sizeof(*fl->items))) == NULL) {
		r = sym_diag_set(diag, SYM_ERR_ALLOC, "%s: out of memory", name);
		goto out;
	}
	for (i = 0; i < json_array_size(arr); i++) {
		fl->n = i + 1; /* so flows_free releases what was parsed */
		if ((r = s_parse_flow(name, tax, json_array_get(arr, i), i, fl, diag)) != SYM_OK)
			goto out;
	}
	fl->doc = json_incref(doc);
	*out = fl;
	fl = NULL; /* transferred */
	r = SYM_OK;
out:
	flows_free(&fl);
	return r;
}

int
flows_parse(const char *name, const char *buf, size_t len, const struct taxonomy *tax,
            struct flows **out, struct sym_diag *diag)
{
	json_error_t jerr;
	json_t *root;
	int r;

	*out = NULL;
	if (len > FLOWS_FILE_MAX)
		return sym_diag_set(diag, SYM_ERR_LIMIT, "%s: larger than %u bytes", name,
		                    FLOWS_FILE_MAX);
	/* Duplicate keys are an error: a second "value" must not silently win. */
	root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL)
		return sym_diag_set(diag, SYM_ERR_FORMAT, "%s: line %d, column %d: %s", name,
		                    jerr.line, jerr.column, jerr.text);
	r = flows_from_json(name, root, tax, out, diag);
	json_decref(root);
	return r;
}

int
flows_load_file(const char *path, const struct taxonomy *tax, struct flows **out,
                struct sym_diag *diag)
{
	char *buf = NULL;
	size_t len = 0;
	int r;

	*out = NULL;
	r = util_read_file(path, FLOWS_FILE_MAX, &buf, &len);
	if (r == SYM_ERR_FORMAT)
		return sym_diag_set(diag, SYM_ERR_IO, "%s: cannot read: not a regular file", path);
	if (r != SYM_OK)
		return sym_diag_set(diag, r, "%s: cannot read: %s", path,
		                    r == SYM_ERR_NOT_FOUND ? "no such file" : sym_strerror(r));
	r = flows_parse(util_basename(path), buf, len, tax, out, diag);
	free(buf);
	return r;
}

void
flows_free(struct flows **flp)
{
	struct flows *fl;
	size_t i;

	if (flp == NULL || *flp == NULL)
		return;
	fl = *flp;
	if (fl->items != NULL) {
		for (i = 0; i < fl->n; i++)
			json_decref(fl->items[i].raw);
		free(fl->items);
	}
	json_decref(fl->doc);
	free(fl);
	*flp = NULL;
}

static int
s_compatible(const struct taxonomy *tax, const struct flow_item *o, const struct flow_item *n,
             int exact)
{
	int d;

	if (o->direction != FLOW_OFFER || n->direction != FLOW_NEED ||
	    !taxonomy_is_ancestor(tax, n->category, o->category))
		return 0;
	/* The need's dimensions are a prefix of the offer's (inherited first). */
	for (d = 0; d < n->category->ndims; d++) {
		const struct flow_value *nv = &n->dims[d], *ov = &o->dims[d];

		if (!nv->present)
			continue;
		if (!ov->present)
			return 0;
		if (exact) {
			/* Quantity: only the need's min filters (its max caps the exchange). */
			if (ov->value < nv->min || (d > 0 && ov->value > nv->max))
				return 0;
		} else if (ov->bin_lo < nv->bin_lo || ov->bin_lo > nv->bin_hi) {
			return 0;
		}
	}
	return 1;
}

int
flows_exact_compatible(const struct taxonomy *tax, const struct flow_item *offer,
                       const struct flow_item *need)
{
	return s_compatible(tax, offer, need, 1);
}

int
flows_bin_compatible(const struct taxonomy *tax, const struct flow_item *offer,
                     const struct flow_item *need)
{
	return s_compatible(tax, offer, need, 0);
}
