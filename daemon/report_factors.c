/*
 * The --factors file of `symbiod report`: kg CO2e avoided per unit of a
 * class, each with the public source it comes from. Nothing is built in,
 * and a factor without a source is refused, naming its class.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "classname.h"
#include "report.h"
#include "util.h"

#define FACTORS_FILE_MAX (1u << 20)
#define FACTOR_SOURCE_MAX 1024

static int
s_factor_ok(const char *path, const char *cls, json_t *f, struct sym_diag *diag)
{
	const char *key;
	json_t *v, *src = json_object_get(f, "source");
	double x;

	if (!class_name_ok(cls, 2))
		return sym_diag_set(diag, SYM_ERR_FORMAT,
		                    "%s: \"%.64s\" is not a class (\"material.ash\", \"water\")",
		                    path, cls);
	if (!json_is_object(f))
		return sym_diag_set(
		    diag, SYM_ERR_FORMAT,
		    "%s: %s: expected {\"kg_co2e_per_unit\": N, \"source\": \"...\"}", path, cls);
	json_object_foreach (f, key, v)
		if (strcmp(key, "kg_co2e_per_unit") != 0 && strcmp(key, "source") != 0 &&
		    strcmp(key, "unit") != 0)
			return sym_diag_set(diag, SYM_ERR_FORMAT, "%s: %s: unknown field \"%.32s\"",
			                    path, cls, key);
	if (!json_is_string(src) || json_string_length(src) == 0 ||
	    json_string_length(src) > FACTOR_SOURCE_MAX)
		return sym_diag_set(diag, SYM_ERR_FORMAT,
		                    "%s: the factor of %s names no source (\"source\": the public "
		                    "reference it comes from); no factor is used without one",
		                    path, cls);
	v = json_object_get(f, "kg_co2e_per_unit");
	x = json_number_value(v);
	if (!json_is_number(v) || !isfinite(x) || x < 0 || x > 1e9)
		return sym_diag_set(diag, SYM_ERR_FORMAT,
		                    "%s: %s: kg_co2e_per_unit must be a number from 0 to 1e9", path,
		                    cls);
	v = json_object_get(f, "unit");
	if (v != NULL && !json_is_string(v))
		return sym_diag_set(diag, SYM_ERR_FORMAT, "%s: %s: unit must be a string", path,
		                    cls);
	return SYM_OK;
}

int
report_factors_load(const char *path, json_t **out, struct sym_diag *diag)
{
	json_error_t jerr;
	json_t *doc = NULL, *f;
	const char *cls;
	char *buf = NULL;
	size_t len = 0;
	int r;

	*out = NULL;
	if ((r = util_read_file(path, FACTORS_FILE_MAX, &buf, &len)) != SYM_OK)
		return sym_diag_set(diag, r, "%s: cannot read: %s", path, sym_strerror(r));
	doc = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	free(buf);
	if (!json_is_object(doc)) {
		r = sym_diag_set(diag, SYM_ERR_FORMAT,
		                 "%s: line %d: %s (expected an object of classes)", path, jerr.line,
		                 doc == NULL ? jerr.text : "not an object");
		goto out;
	}
	json_object_foreach (doc, cls, f)
		if ((r = s_factor_ok(path, cls, f, diag)) != SYM_OK)
			goto out;
	*out = doc;
	doc = NULL; /* transferred */
	r = SYM_OK;
out:
	json_decref(doc);
	return r;
}
