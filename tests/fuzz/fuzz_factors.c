/*
 * The operator's factors file of `symbiod report --factors FILE`
 * (daemon/report_factors.c) on untrusted bytes, written as the file. A file
 * that loads is an object whose every key is a class name and every value
 * has a finite kg_co2e_per_unit in [0, 1e9], a non-empty string source and
 * at most a string unit (what the report then relies on).
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "classname.h"
#include "err.h"
#include "fuzz_common.h"
#include "report.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sym_diag diag = {""};
	json_t *doc = NULL, *f;
	const char *cls;
	const char *path = fuzz_scratch("factors", "factors.json", NULL);

	fuzz_write_file(path, data, size);
	if (report_factors_load(path, &doc, &diag) != SYM_OK) {
		if (doc != NULL || diag.msg[0] == '\0')
			abort(); /* a refusal says what is wrong and hands nothing back */
		return 0;
	}
	if (!json_is_object(doc))
		abort();
	json_object_foreach (doc, cls, f) {
		json_t *k = json_object_get(f, "kg_co2e_per_unit");
		double v = json_number_value(k);
		json_t *src = json_object_get(f, "source"), *unit = json_object_get(f, "unit");
		if (!class_name_ok(cls, 2) || !json_is_number(k) || !isfinite(v) || v < 0 ||
		    v > 1e9 || !json_is_string(src) || json_string_length(src) == 0 ||
		    (unit != NULL && !json_is_string(unit)))
			abort();
	}
	json_decref(doc);
	return 0;
}
