/*
 * symbi-fillsums: TEST ONLY. Writes a round's indicator state and sums into
 * a real park's store through the store API, standing in for the secure
 * aggregation until it writes them itself, so that `symbiod report` can be
 * tested on known figures. Never installed.
 *
 * usage: symbi-fillsums PARK SUMS.json
 *   SUMS.json: {"state": "done"|"collecting"|"failed", "included": N,
 *               "cells": {"CLASS": {"INDICATOR": VALUE, ...}, ...}}
 *   The round is the park's newest.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"
#include "wire.h"

static int
s_cells(json_t *doc, struct store_indicator_cell **out, size_t *n)
{
	json_t *cls_obj, *v;
	const char *cls, *ind;
	size_t cap = 0;

	*out = NULL;
	*n = 0;
	json_object_foreach (json_object_get(doc, "cells"), cls, cls_obj) {
		json_object_foreach (cls_obj, ind, v) {
			struct store_indicator_cell *c;
			if (*n == cap) {
				cap = cap ? 2 * cap : 64;
				if ((c = realloc(*out, cap * sizeof(*c))) == NULL)
					return -1;
				*out = c;
			}
			c = &(*out)[(*n)++];
			memset(c, 0, sizeof(*c));
			snprintf(c->cls, sizeof(c->cls), "%s", cls);
			snprintf(c->indicator, sizeof(c->indicator), "%s", ind);
			c->value = (uint64_t)json_integer_value(v);
		}
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct store_indicator_round ir;
	struct store_indicator_cell *cells = NULL;
	struct sym_diag diag = {""};
	struct store_round rd;
	struct store *st = NULL;
	json_error_t jerr;
	json_t *doc = NULL;
	const char *state;
	char db[4096];
	size_t n = 0;
	int rc = 1;

	memset(&rd, 0, sizeof(rd));
	memset(&ir, 0, sizeof(ir));
	if (argc != 3) {
		fprintf(stderr, "usage: symbi-fillsums PARK SUMS.json (test only)\n");
		return 64;
	}
	snprintf(db, sizeof(db), "%s/%s", argv[1], STORE_FILE);
	if ((doc = json_load_file(argv[2], 0, &jerr)) == NULL || s_cells(doc, &cells, &n) != 0) {
		fprintf(stderr, "symbi-fillsums: %s: %s\n", argv[2], jerr.text);
		goto out;
	}
	if (store_open(db, &st, &diag) != SYM_OK || store_round_latest(st, &rd) != SYM_OK) {
		fprintf(stderr, "symbi-fillsums: %s: no store or no round (%s)\n", db, diag.msg);
		goto out;
	}
	state = json_string_value(json_object_get(doc, "state"));
	memcpy(ir.round, rd.id, STORE_ID_LEN);
	ir.state = state == NULL || strcmp(state, "done") == 0 ? INDICATORS_DONE
	           : strcmp(state, "failed") == 0              ? INDICATORS_FAILED
	                                                       : INDICATORS_COLLECTING;
	ir.included = (uint32_t)json_integer_value(json_object_get(doc, "included"));
	ir.updated_ms = (int64_t)wire_now_ms();
	if (store_begin(st) != SYM_OK || store_indicator_round_set(st, &ir) != SYM_OK ||
	    store_indicator_sums_put(st, rd.id, cells, n) != SYM_OK || store_commit(st) != SYM_OK) {
		fprintf(stderr, "symbi-fillsums: cannot write the sums: %s\n", store_errmsg(st));
		store_rollback(st);
		goto out;
	}
	fprintf(stderr, "symbi-fillsums: %zu cells written (TEST ONLY)\n", n);
	rc = 0;
out:
	free(cells);
	store_round_clear(&rd);
	store_close(&st);
	json_decref(doc);
	return rc;
}
