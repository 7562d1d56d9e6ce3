/*
 * symbiod indicators --dir PARK [--round ID] [--json]: the park indicators a
 * round's secure sum produced, read from the store (a read-only listing for
 * the operator; `symbiod report` applies disclosure control on top). Only
 * sums over a round's included members exist to be shown.
 */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "exitcode.h"
#include "park.h"
#include "sysexits.h"
#include "util.h"

static const char s_usage[] = "indicators --dir PARK [--round ID] [--json]";
static const char *const s_states[] = {"collecting", "done", "failed"};

static json_t *
s_json(const struct store_indicator_round *ir, const struct store_indicator_cell *cells, size_t n)
{
	char hex[33];
	json_t *arr = json_array();
	size_t i;

	util_hex(ir->round, 16, hex);
	for (i = 0; i < n; i++)
		json_array_append_new(arr, json_pack("{s:s, s:s, s:I}", "class", cells[i].cls,
		                                     "indicator", cells[i].indicator, "value",
		                                     (json_int_t)cells[i].value));
	return json_pack("{s:s, s:s, s:I, s:I, s:s, s:o}", "round", hex, "state",
	                 s_states[ir->state], "included", (json_int_t)ir->included, "threshold",
	                 (json_int_t)ir->threshold, "reason", ir->reason, "cells", arr);
}

static void
s_text(const struct store_indicator_round *ir, const struct store_indicator_cell *cells, size_t n)
{
	char hex[33];
	size_t i;

	util_hex(ir->round, 16, hex);
	printf("round      %s\nindicators %s (%u included, threshold %u)%s%s\n", hex,
	       s_states[ir->state], ir->included, ir->threshold, ir->reason[0] ? ": " : "",
	       ir->reason);
	for (i = 0; i < n; i++)
		printf("%-32s %-22s %llu\n", cells[i].cls, cells[i].indicator,
		       (unsigned long long)cells[i].value);
}

static int
s_args(int argc, char **argv, const char **dir, const char **round, int *json)
{
	static const struct option opts[] = {{"dir", required_argument, NULL, 'd'},
	                                     {"round", required_argument, NULL, 'r'},
	                                     {"json", no_argument, NULL, 'j'},
	                                     {"help", no_argument, NULL, 'h'},
	                                     {NULL, 0, NULL, 0}};
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'd': *dir = optarg; break;
		case 'r': *round = optarg; break;
		case 'j': *json = 1; break;
		case 'h': printf("usage: symbiod %s\n", s_usage); return -1;
		default: fprintf(stderr, "usage: symbiod %s\n", s_usage); return EXIT_USAGE;
		}
	}
	if (*dir == NULL && cmd_config(NULL) == 0 && cmd_cfg.dir[0] != '\0')
		*dir = cmd_cfg.dir;
	if (*dir == NULL || optind != argc) {
		fprintf(stderr, "usage: symbiod %s\n", s_usage);
		return EXIT_USAGE;
	}
	return 0;
}

int
cmd_indicators(int argc, char **argv)
{
	const char *dir = NULL, *round_hex = NULL;
	struct sym_diag diag = {""};
	struct store_indicator_round ir;
	struct store_indicator_cell *cells = NULL;
	struct park *park = NULL;
	uint8_t round[16];
	size_t n = 0;
	int json = 0, r;

	if ((r = s_args(argc, argv, &dir, &round_hex, &json)) != 0)
		return r < 0 ? 0 : r;
	if (round_hex != NULL && util_unhex(round_hex, round, sizeof(round)) != SYM_OK) {
		fprintf(stderr, "symbiod indicators: --round: 32 hex digits\n");
		return EXIT_USAGE;
	}
	if ((r = park_open(dir, 0, &park, &diag)) != SYM_OK) {
		fprintf(stderr, "symbiod indicators: %s\n", diag.msg);
		return sym_exit_code(r, SYM_ORIGIN_INPUT);
	}
	if ((round_hex == NULL &&
	     (r = store_indicator_latest_done(park->store, round)) != SYM_OK) ||
	    (r = store_indicator_round_get(park->store, round, &ir)) != SYM_OK ||
	    (r = store_indicator_sums_get(park->store, round, &cells, &n)) != SYM_OK) {
		fprintf(stderr, "symbiod indicators: %s\n",
		        r == SYM_ERR_NOT_FOUND ? "no park indicators for that round (yet)"
		                               : sym_strerror(r));
		park_close(&park);
		return sym_exit_code(r, SYM_ORIGIN_INPUT);
	}
	if (json) {
		json_t *j = s_json(&ir, cells, n);
		cmd_print_json(j);
		json_decref(j);
	} else {
		s_text(&ir, cells, n);
	}
	free(cells);
	park_close(&park);
	return 0;
}
