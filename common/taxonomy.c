#include "taxonomy.h"

#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "units.h"
#include "util.h"

#define TAX_FORMAT "symbiod-taxonomy/1"
#define TAX_DIM_BUDGET 96 /* bits of a token block for dimensions (token.h) */

static int
s_valid_segment_chars(const char *s, size_t len)
{
	size_t i;

	if (len == 0)
		return 0;
	for (i = 0; i < len; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
			return 0;
	}
	return 1;
}

/* Dotted lowercase path; returns its depth (0 for a root) or -1. */
static int
s_path_depth(const char *path)
{
	const char *seg = path, *dot;
	int depth = 0;

	for (;;) {
		dot = strchr(seg, '.');
		if (!s_valid_segment_chars(seg, dot ? (size_t)(dot - seg) : strlen(seg)))
			return -1;
		if (dot == NULL)
			return depth;
		depth++;
		seg = dot + 1;
	}
}

static int
s_get_number(json_t *obj, const char *key, double *out)
{
	json_t *v = json_object_get(obj, key);

	if (!json_is_number(v))
		return 0;
	*out = json_number_value(v);
	return isfinite(*out);
}

static int
s_only_keys(json_t *obj, const char *const *allowed, const char **bad)
{
	const char *key;
	json_t *v;
	size_t i;

	json_object_foreach (obj, key, v) {
		(void)v;
		for (i = 0; allowed[i] != NULL; i++)
			if (strcmp(key, allowed[i]) == 0)
				break;
		if (allowed[i] == NULL) {
			*bad = key;
			return 0;
		}
	}
	return 1;
}

static int
s_parse_dim(const char *file, const char *cpath, const char *where, json_t *j, int is_quantity,
            struct tax_dim *dim, struct sym_diag *diag)
{
	static const char *const keys[] = {"name", "unit", "scale", "min", "max", "bits", NULL};
	const char *bad = NULL, *s;
	enum unit_kind kind;
	json_int_t bits;

	memset(dim, 0, sizeof(*dim));
	if (!json_is_object(j))
		return sym_diag_set(diag, SYM_ERR_FORMAT, "%s: category \"%s\": %s: not an object",
		                    file, cpath, where);
	if (!s_only_keys(j, keys, &bad))
		return sym_diag_set(diag, SYM_ERR_FORMAT,
		                    "%s: category \"%s\": %s: unknown key \"%s\"", file, cpath,
		                    where, bad);
	if (is_quantity) {
		snprintf(dim->name, sizeof(dim->name), "quantity");
	} else {
		s = json_string_value(json_object_get(j, "name"));
		if (s == NULL || strlen(s) >= sizeof(dim->name) ||
		    !s_valid_segment_chars(s, strlen(s)))
			return sym_diag_set(
			    diag, SYM_ERR_FORMAT,
			    "%s: category \"%s\": %s.name: missing or not [a-z0-9_]{1,31}", file,
			    cpath, where);
		snprintf(dim->name, sizeof(dim->name), "%s", s);
	}
	s = json_string_value(json_object_get(j, "unit"));
	kind = s ? units_kind(s) : UNIT_KIND_NONE;
	if (s == NULL || kind == UNIT_KIND_NONE || strcmp(units_canonical(kind), s) != 0)
		return sym_diag_set(diag, SYM_ERR_FORMAT,
		                    "%s: category \"%s\": %s.unit: missing or not a canonical unit",
		                    file, cpath, where);
	{
		int rate = kind == UNIT_MASS_RATE || kind == UNIT_VOLUME_RATE ||
		           kind == UNIT_GAS_RATE || kind == UNIT_ENERGY_RATE;
		if (rate != is_quantity)
			return sym_diag_set(diag, SYM_ERR_FORMAT,
			                    "%s: category \"%s\": %s.unit: \"%s\" cannot be %s",
			                    file, cpath, where, s,
			                    is_quantity ? "a quantity unit" : "an attribute unit");
	}
	snprintf(dim->unit, sizeof(dim->unit), "%s", s);
	s = json_string_value(json_object_get(j, "scale"));
	if (s != NULL && strcmp(s, "linear") == 0) {
		dim->scale = TAX_SCALE_LINEAR;
	} else if (s != NULL && strcmp(s, "log") == 0) {
		dim->scale = TAX_SCALE_LOG;
	} else {
		return sym_diag_set(diag, SYM_ERR_FORMAT,
		                    "%s: category \"%s\": %s.scale: must be \"linear\" or \"log\"",
		                    file, cpath, where);
	}
	if (!s_get_number(j, "min", &dim->min) || !s_get_number(j, "max", &dim->max) ||
	    !(dim->min < dim->max) || (dim->scale == TAX_SCALE_LOG && !(dim->min > 0)))
		return sym_diag_set(
		    diag, SYM_ERR_FORMAT,
		    "%s: category \"%s\": %s: needs numbers min < max (min > 0 on a "
		    "log scale)",
		    file, cpath, where);
	if (!json_is_integer(json_object_get(j, "bits")))
		return sym_diag_set(diag, SYM_ERR_FORMAT,
		                    "%s: category \"%s\": %s.bits: not an integer", file, cpath,
		                    where);
	bits = json_integer_value(json_object_get(j, "bits"));
	if (bits < 1 || bits > 16)
		return sym_diag_set(diag, SYM_ERR_FORMAT,
		                    "%s: category \"%s\": %s.bits: %lld is outside 1..16", file,
		                    cpath, where, (long long)bits);
	dim->bits = (uint8_t)bits;
	return SYM_OK;
}

static void
s_hash_u64(crypto_hash_sha256_state *st, uint64_t v)
{
	uint8_t b[8];
	int i;

	for (i = 0; i < 8; i++)
		b[i] = (uint8_t)(v >> (56 - 8 * i));
	crypto_hash_sha256_update(st, b, sizeof(b));
}

static void
s_hash_str(crypto_hash_sha256_state *st, const char *s)
{
	s_hash_u64(st, strlen(s));
	crypto_hash_sha256_update(st, (const uint8_t *)s, strlen(s));
}

static void
s_hash_double(crypto_hash_sha256_state *st, double d)
{
	uint64_t bits;

	memcpy(&bits, &d, sizeof(bits));
	s_hash_u64(st, bits);
}

/*
 * The hash covers exactly what changes tokens or their meaning: ids, paths,
 * structure, units, scales, ranges and widths. Labels are left out so that a
 * spelling fix does not split a park into incompatible rounds.
 */
static void
s_compute_hash(struct taxonomy *tax)
{
	crypto_hash_sha256_state st;
	size_t i, d;

	crypto_hash_sha256_init(&st);
	s_hash_str(&st, TAX_FORMAT);
	s_hash_u64(&st, tax->n);
	for (i = 0; i < tax->n; i++) {
		const struct tax_category *c = &tax->cats[i];

		s_hash_u64(&st, c->id);
		s_hash_str(&st, c->path);
		s_hash_u64(&st, c->quantity_root < 0 ? 0 : tax->cats[c->quantity_root].id);
		s_hash_u64(&st, c->ndims);
		for (d = 0; d < c->ndims; d++) {
			s_hash_str(&st, c->dims[d].name);
			s_hash_str(&st, c->dims[d].unit);
			s_hash_u64(&st, (uint64_t)c->dims[d].scale);
			s_hash_double(&st, c->dims[d].min);
			s_hash_double(&st, c->dims[d].max);
			s_hash_u64(&st, c->dims[d].bits);
		}
	}
	crypto_hash_sha256_final(&st, tax->hash);
	util_hex(tax->hash, sizeof(tax->hash), tax->hash_hex);
}

/* The category's id, path, label; unique among those parsed before it. */
static int
s_parse_identity(const char *file, struct taxonomy *tax, size_t idx, json_t *j,
                 struct sym_diag *diag)
{
	static const char *const keys[] = {"id",       "path",       "name",     "ewc", "hazardous",
	                                   "quantity", "attributes", "reach_km", NULL};
	struct tax_category *c = &tax->cats[idx];
	const char *path, *label, *bad = NULL;
	json_int_t id;
	size_t k;
	int depth;

	if (!json_is_object(j))
		return sym_diag_set(diag, SYM_ERR_FORMAT, "%s: categories[%zu]: not an object",
		                    file, idx);
	path = json_string_value(json_object_get(j, "path"));
	if (path == NULL || strlen(path) >= TAX_PATH_MAX || (depth = s_path_depth(path)) < 0 ||
	    depth >= TAX_MAX_DEPTH)
		return sym_diag_set(diag, SYM_ERR_FORMAT,
		                    "%s: categories[%zu].path: missing, or not dotted [a-z0-9_] "
		                    "segments (at most %d levels, %d bytes)",
		                    file, idx, TAX_MAX_DEPTH, TAX_PATH_MAX - 1);
	if (!s_only_keys(j, keys, &bad))
		return sym_diag_set(diag, SYM_ERR_FORMAT, "%s: category \"%s\": unknown key \"%s\"",
		                    file, path, bad);
	snprintf(c->path, sizeof(c->path), "%s", path);
	c->depth = (uint8_t)depth;
	if (!json_is_integer(json_object_get(j, "id")) ||
	    (id = json_integer_value(json_object_get(j, "id"))) < 1 || id > 65535)
		return sym_diag_set(diag, SYM_ERR_FORMAT,
		                    "%s: category \"%s\": id: missing or outside 1..65535", file,
		                    path);
	c->id = (uint16_t)id;
	label = json_string_value(json_object_get(j, "name"));
	if (label == NULL || *label == '\0')
		return sym_diag_set(diag, SYM_ERR_FORMAT, "%s: category \"%s\": name: missing",
		                    file, path);
	if ((c->label = strdup(label)) == NULL)
		return SYM_ERR_ALLOC;
	for (k = 0; k < idx; k++) {
		if (tax->cats[k].id == c->id)
			return sym_diag_set(diag, SYM_ERR_FORMAT,
			                    "%s: category \"%s\": id %u is already used by \"%s\"",
			                    file, path, c->id, tax->cats[k].path);
		if (strcmp(tax->cats[k].path, path) == 0)
			return sym_diag_set(diag, SYM_ERR_FORMAT,
			                    "%s: category \"%s\": duplicate path", file, path);
	}
	return SYM_OK;
}

/*
 * The parent must come earlier, so inheritance is resolved in one pass: the
 * category starts with its parent's quantity and attributes.
 */
static int
s_inherit_parent(const char *file, struct taxonomy *tax, size_t idx, struct sym_diag *diag)
{
	struct tax_category *c = &tax->cats[idx];
	const char *path = c->path, *dot;
	size_t k;

	c->parent = -1;
	c->quantity_root = -1;
	c->ndims = 0;
	c->reach_m = SITE_REACH_UNLIMITED; /* a root without reach_km: unlimited */
	if ((dot = strrchr(path, '.')) == NULL)
		return SYM_OK;
	for (k = 0; k < idx; k++)
		if (strlen(tax->cats[k].path) == (size_t)(dot - path) &&
		    strncmp(tax->cats[k].path, path, (size_t)(dot - path)) == 0)
			break;
	if (k == idx)
		return sym_diag_set(diag, SYM_ERR_FORMAT,
		                    "%s: category \"%s\": parent \"%.*s\" must be listed before it",
		                    file, path, (int)(dot - path), path);
	c->parent = (int)k;
	c->quantity_root = tax->cats[k].quantity_root;
	c->ndims = tax->cats[k].ndims;
	c->reach_m = tax->cats[k].reach_m;
	memcpy(c->dims, tax->cats[k].dims, sizeof(c->dims));
	return SYM_OK;
}

/*
 * Reach (REACH.md): "reach_km" is a positive number of kilometres or
 * "unlimited"; without it a category has its parent's. Not part of the
 * hash: reach changes no token, only which counterparts an item's owner
 * sends its tokens to, and each company applies its own items' reach.
 */
static int
s_parse_reach(const char *file, struct tax_category *c, json_t *v, struct sym_diag *diag)
{
	const char *s = json_string_value(v);

	if (v == NULL)
		return SYM_OK;
	if (s != NULL && strcmp(s, "unlimited") == 0) {
		c->reach_m = SITE_REACH_UNLIMITED;
		return SYM_OK;
	}
	if (!json_is_number(v) || site_reach_m(json_number_value(v), &c->reach_m) != SYM_OK)
		return sym_diag_set(diag, SYM_ERR_FORMAT,
		                    "%s: category \"%s\": reach_km: expected a positive number of "
		                    "kilometres or \"unlimited\"",
		                    file, c->path);
	return SYM_OK;
}

/* The category's own attributes, appended after the inherited dimensions. */
static int
s_parse_attributes(const char *file, struct tax_category *c, json_t *attrs, struct sym_diag *diag)
{
	const char *path = c->path;
	size_t a, k;

	if (!json_is_array(attrs))
		return sym_diag_set(diag, SYM_ERR_FORMAT,
		                    "%s: category \"%s\": attributes: not an array", file, path);
	if (json_array_size(attrs) > 0 && c->quantity_root < 0)
		return sym_diag_set(diag, SYM_ERR_FORMAT,
		                    "%s: category \"%s\": attributes need a quantity on the "
		                    "category or an ancestor",
		                    file, path);
	for (a = 0; a < json_array_size(attrs); a++) {
		char where[48];
		struct tax_dim dim;

		snprintf(where, sizeof(where), "attributes[%zu]", a);
		if (s_parse_dim(file, path, where, json_array_get(attrs, a), 0, &dim, diag) !=
		    SYM_OK)
			return SYM_ERR_FORMAT;
		for (k = 1; k < c->ndims; k++)
			if (strcmp(c->dims[k].name, dim.name) == 0)
				return sym_diag_set(diag, SYM_ERR_FORMAT,
				                    "%s: category \"%s\": %s: attribute \"%s\" is "
				                    "already defined on this path",
				                    file, path, where, dim.name);
		if (c->ndims >= TAX_MAX_DIMS)
			return sym_diag_set(
			    diag, SYM_ERR_LIMIT,
			    "%s: category \"%s\": more than %d attributes on one path", file, path,
			    TAX_MAX_DIMS - 1);
		c->dims[c->ndims++] = dim;
	}
	return SYM_OK;
}

static int
s_parse_category(const char *file, struct taxonomy *tax, size_t idx, json_t *j,
                 struct sym_diag *diag)
{
	struct tax_category *c = &tax->cats[idx];
	const char *path;
	json_t *attrs, *q;
	size_t k;
	unsigned budget;
	int r;

	if ((r = s_parse_identity(file, tax, idx, j, diag)) != SYM_OK ||
	    (r = s_inherit_parent(file, tax, idx, diag)) != SYM_OK ||
	    (r = s_parse_reach(file, c, json_object_get(j, "reach_km"), diag)) != SYM_OK)
		return r;
	path = c->path;
	q = json_object_get(j, "quantity");
	if (q != NULL) {
		if (c->quantity_root >= 0)
			return sym_diag_set(
			    diag, SYM_ERR_FORMAT,
			    "%s: category \"%s\": quantity: already declared by \"%s\"", file, path,
			    tax->cats[c->quantity_root].path);
		if (s_parse_dim(file, path, "quantity", q, 1, &c->dims[0], diag) != SYM_OK)
			return SYM_ERR_FORMAT;
		c->quantity_root = (int)idx;
		c->ndims = 1;
	}
	c->own_from = c->ndims;
	attrs = json_object_get(j, "attributes");
	if (attrs != NULL && (r = s_parse_attributes(file, c, attrs, diag)) != SYM_OK)
		return r;
	/* The token block budget: every dimension costs bits+1 bits (token.h). */
	budget = 0;
	for (k = 0; k < c->ndims; k++)
		budget += c->dims[k].bits + 1u;
	if (budget > TAX_DIM_BUDGET)
		return sym_diag_set(
		    diag, SYM_ERR_LIMIT,
		    "%s: category \"%s\": dimensions need %u bits of a token block, "
		    "more than %d",
		    file, path, budget, TAX_DIM_BUDGET);
	return SYM_OK;
}

int
taxonomy_parse(const char *name, const char *buf, size_t len, struct taxonomy **out,
               struct sym_diag *diag)
{
	static const char *const keys[] = {"format", "name", "version", "categories", NULL};
	struct taxonomy *tax = NULL;
	json_error_t jerr;
	json_t *root = NULL, *cats;
	const char *s, *bad = NULL;
	size_t i;
	int r = SYM_ERR_FORMAT;

	*out = NULL;
	if (len > TAX_FILE_MAX) {
		r = sym_diag_set(diag, SYM_ERR_LIMIT, "%s: larger than %u bytes", name,
		                 TAX_FILE_MAX);
		goto out;
	}
	root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL) {
		r = sym_diag_set(diag, SYM_ERR_FORMAT, "%s: line %d: %s", name, jerr.line,
		                 jerr.text);
		goto out;
	}
	if (!json_is_object(root) || !s_only_keys(root, keys, &bad)) {
		r = sym_diag_set(diag, SYM_ERR_FORMAT, "%s: %s%s%s", name,
		                 bad ? "unknown key \"" : "not a JSON object", bad ? bad : "",
		                 bad ? "\"" : "");
		goto out;
	}
	s = json_string_value(json_object_get(root, "format"));
	if (s == NULL || strcmp(s, TAX_FORMAT) != 0) {
		r = sym_diag_set(diag, SYM_ERR_FORMAT, "%s: format: expected \"%s\"", name,
		                 TAX_FORMAT);
		goto out;
	}
	if ((tax = calloc(1, sizeof(*tax))) == NULL) {
		r = SYM_ERR_ALLOC;
		goto out;
	}
	s = json_string_value(json_object_get(root, "name"));
	if (s == NULL || *s == '\0' || strlen(s) >= sizeof(tax->name)) {
		r = sym_diag_set(diag, SYM_ERR_FORMAT, "%s: name: missing or longer than %zu bytes",
		                 name, sizeof(tax->name) - 1);
		goto out;
	}
	snprintf(tax->name, sizeof(tax->name), "%s", s);
	s = json_string_value(json_object_get(root, "version"));
	if (s == NULL || *s == '\0' || strlen(s) >= sizeof(tax->version)) {
		r = sym_diag_set(diag, SYM_ERR_FORMAT,
		                 "%s: version: missing or longer than %zu bytes", name,
		                 sizeof(tax->version) - 1);
		goto out;
	}
	snprintf(tax->version, sizeof(tax->version), "%s", s);
	cats = json_object_get(root, "categories");
	if (!json_is_array(cats) || json_array_size(cats) == 0 ||
	    json_array_size(cats) > TAX_MAX_CATEGORIES) {
		r = sym_diag_set(diag, SYM_ERR_FORMAT, "%s: categories: need an array of 1..%d",
		                 name, TAX_MAX_CATEGORIES);
		goto out;
	}
	if ((tax->cats = calloc(json_array_size(cats), sizeof(*tax->cats))) == NULL) {
		r = SYM_ERR_ALLOC;
		goto out;
	}
	for (i = 0; i < json_array_size(cats); i++) {
		tax->n = i + 1; /* so taxonomy_free releases labels parsed so far */
		if ((r = s_parse_category(name, tax, i, json_array_get(cats, i), diag)) != SYM_OK)
			goto out;
	}
	s_compute_hash(tax);
	*out = tax;
	tax = NULL; /* transferred */
	r = SYM_OK;
out:
	taxonomy_free(&tax);
	json_decref(root);
	return r;
}

int
taxonomy_load_file(const char *path, struct taxonomy **out, struct sym_diag *diag)
{
	char *buf = NULL;
	size_t len = 0;
	int r;

	*out = NULL;
	r = util_read_file(path, TAX_FILE_MAX, &buf, &len);
	if (r != SYM_OK)
		return sym_diag_set(diag, r, "%s: cannot read taxonomy: %s", path, sym_strerror(r));
	r = taxonomy_parse(util_basename(path), buf, len, out, diag);
	free(buf);
	return r;
}

int
taxonomy_load_default(struct taxonomy **out, struct sym_diag *diag)
{
	char path[PATH_MAX];
	int r;

	*out = NULL;
	if ((r = util_data_path("taxonomy.json", path, sizeof(path))) != SYM_OK)
		return sym_diag_set(
		    diag, r, "taxonomy.json: not found (set SYMBIOD_DATA_DIR or use --taxonomy)");
	return taxonomy_load_file(path, out, diag);
}

void
taxonomy_free(struct taxonomy **taxp)
{
	struct taxonomy *tax;
	size_t i;

	if (taxp == NULL || *taxp == NULL)
		return;
	tax = *taxp;
	if (tax->cats != NULL) {
		for (i = 0; i < tax->n; i++)
			free(tax->cats[i].label);
		free(tax->cats);
	}
	free(tax);
	*taxp = NULL;
}

uint64_t
taxonomy_max_reach_m(const struct taxonomy *tax)
{
	uint64_t max = 0;
	size_t i;

	/* Only categories a flow can use: an abstract grouping's reach is never an item's. */
	for (i = 0; i < tax->n; i++)
		if (tax->cats[i].quantity_root >= 0 && tax->cats[i].reach_m > max)
			max = tax->cats[i].reach_m;
	return max;
}

const struct tax_category *
taxonomy_find(const struct taxonomy *tax, const char *path)
{
	size_t i;

	for (i = 0; i < tax->n; i++)
		if (strcmp(tax->cats[i].path, path) == 0)
			return &tax->cats[i];
	return NULL;
}

const struct tax_category *
taxonomy_by_id(const struct taxonomy *tax, uint16_t id)
{
	size_t i;

	for (i = 0; i < tax->n; i++)
		if (tax->cats[i].id == id)
			return &tax->cats[i];
	return NULL;
}

int
taxonomy_dim_index(const struct tax_category *cat, const char *name)
{
	int k;

	for (k = 1; k < cat->ndims; k++)
		if (strcmp(cat->dims[k].name, name) == 0)
			return k;
	return -1;
}

int
taxonomy_is_ancestor(const struct taxonomy *tax, const struct tax_category *anc,
                     const struct tax_category *cat)
{
	while (cat != NULL) {
		if (cat == anc)
			return 1;
		cat = cat->parent >= 0 ? &tax->cats[cat->parent] : NULL;
	}
	return 0;
}

/* Position of v in [min, max] as a fraction, on the dimension's scale. */
static double
s_fraction(const struct tax_dim *dim, double v)
{
	if (dim->scale == TAX_SCALE_LOG)
		return log(v / dim->min) / log(dim->max / dim->min);
	return (v - dim->min) / (dim->max - dim->min);
}

static uint16_t
s_bin(const struct tax_dim *dim, double v)
{
	uint32_t nbins = 1u << dim->bits;
	double t = s_fraction(dim, v) * (double)nbins;
	uint32_t b;

	if (!(t > 0))
		return 0;
	b = t >= (double)nbins ? nbins - 1 : (uint32_t)floor(t);
	return (uint16_t)(b >= nbins ? nbins - 1 : b);
}

int
tax_quantize(const struct tax_dim *dim, double v, uint16_t *bin)
{
	if (!isfinite(v) || v < dim->min || v > dim->max)
		return SYM_ERR_RANGE;
	*bin = s_bin(dim, v);
	return SYM_OK;
}

int
tax_quantize_bound(const struct tax_dim *dim, double v, int is_upper, uint16_t *bin)
{
	if (!isfinite(v))
		return SYM_ERR_RANGE;
	if (is_upper) {
		if (v < dim->min)
			return SYM_ERR_RANGE;
		*bin = v >= dim->max ? (uint16_t)((1u << dim->bits) - 1) : s_bin(dim, v);
	} else {
		if (v > dim->max)
			return SYM_ERR_RANGE;
		*bin = v <= dim->min ? 0 : s_bin(dim, v);
	}
	return SYM_OK;
}

double
tax_bin_width(const struct tax_dim *dim, uint16_t bin)
{
	double nbins = (double)(1u << dim->bits);

	if (dim->scale == TAX_SCALE_LOG) {
		double ratio = dim->max / dim->min;
		return dim->min * (pow(ratio, (bin + 1) / nbins) - pow(ratio, bin / nbins));
	}
	return (dim->max - dim->min) / nbins;
}
