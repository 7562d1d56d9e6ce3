/* symbiod round open|close|end|status: the operator drives rounds over the control socket. */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "sysexits.h"

static const char s_usage[] =
    "round open|close|end|status|advance --dir PARK [--json] [--config FILE]\n"
    "  open options: [--mode standard|hardened] [--pad-offers N] [--pad-needs N]\n"
    "                [--fixed-size N] [--max-offer N] [--max-need N] [--max-items N]\n"
    "                [--query-minutes M] [--evaluate-minutes M] (hardened)\n"
    "                [--submit-minutes M] [--consent-minutes M] [--keep-batches]\n"
    "                [--indicator-seconds S] [--max-reach-km KM] [--token-encoding 1|2]\n"
    "  advance: move a hardened round to its next phase now";

/* The option letters of the open options, and their keys in the request. */
static const char *
s_open_key(int c)
{
	return c == 'o'   ? "pad_offers"
	       : c == 'n' ? "pad_needs"
	       : c == 'f' ? "fixed_size"
	       : c == 'O' ? "max_offer"
	       : c == 'N' ? "max_need"
	       : c == 'm' ? "max_items"
	       : c == 's' ? "submit_minutes"
	       : c == 'I' ? "indicator_seconds"
	       : c == 'Q' ? "query_minutes"
	       : c == 'E' ? "evaluate_minutes"
	       : c == 'R' ? "max_reach_km"
	       : c == 'T' ? "token_encoding"
	                  : "consent_minutes";
}

/*
 * The options after the action, into req (the open options) and *dir,
 * *json. Returns 0, -1 after --help (exit 0), or the exit code.
 */
static int
s_options(int argc, char **argv, const char *action, json_t *req, const char **dir, int *json)
{
	static const struct option opts[] = {{"dir", required_argument, NULL, 'd'},
	                                     {"json", no_argument, NULL, 'j'},
	                                     {"pad-offers", required_argument, NULL, 'o'},
	                                     {"pad-needs", required_argument, NULL, 'n'},
	                                     {"fixed-size", required_argument, NULL, 'f'},
	                                     {"max-offer", required_argument, NULL, 'O'},
	                                     {"max-need", required_argument, NULL, 'N'},
	                                     {"max-items", required_argument, NULL, 'm'},
	                                     {"submit-minutes", required_argument, NULL, 's'},
	                                     {"consent-minutes", required_argument, NULL, 'c'},
	                                     {"keep-batches", no_argument, NULL, 'k'},
	                                     {"indicator-seconds", required_argument, NULL, 'I'},
	                                     {"mode", required_argument, NULL, 'M'},
	                                     {"query-minutes", required_argument, NULL, 'Q'},
	                                     {"evaluate-minutes", required_argument, NULL, 'E'},
	                                     {"max-reach-km", required_argument, NULL, 'R'},
	                                     {"token-encoding", required_argument, NULL, 'T'},
	                                     {"quantum", required_argument, NULL, 'q'},
	                                     {"config", required_argument, NULL, 'C'},
	                                     {"help", no_argument, NULL, 'h'},
	                                     {NULL, 0, NULL, 0}};
	const char *config = NULL;
	int c, r;

	optind = 2;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		char *end = NULL;
		long v = 0;

		switch (c) {
		case 'd': *dir = optarg; continue;
		case 'C': config = optarg; continue;
		case 'j': *json = 1; continue;
		case 'h': printf("usage: symbiod %s\n", s_usage); return -1;
		case 'k':
			if (strcmp(action, "open") != 0)
				break;
			json_object_set_new(req, "keep_batches", json_true());
			continue;
		case 'M':
			if (strcmp(action, "open") != 0 ||
			    (strcmp(optarg, "standard") != 0 && strcmp(optarg, "hardened") != 0))
				break;
			json_object_set_new(req, "mode", json_string(optarg));
			continue;
		}
		/*
		 * Version 1's rounding: size classes replace it since 1.1. Scripts
		 * that still pass it keep working; the value is checked, not used.
		 */
		if (c == 'q' && strcmp(action, "open") == 0 && (v = strtol(optarg, &end, 10)) > 0 &&
		    *end == '\0' && v <= 65536) {
			fprintf(stderr,
			        "symbiod round open: --quantum is ignored since protocol 1.1 "
			        "(sets are padded to size classes)\n");
			continue;
		}
		if (c == '?' || optarg == NULL || (v = strtol(optarg, &end, 10)) < 0 ||
		    *end != '\0' || v > 100000000 || strcmp(action, "open") != 0 ||
		    (c == 'R' && (v < 1 || v > 40000)) || (c == 'T' && v != 1 && v != 2)) {
			fprintf(stderr, "symbiod round: bad option%s%s\nusage: symbiod %s\n",
			        optarg ? " value " : "", optarg ? optarg : "", s_usage);
			return EXIT_USAGE;
		}
		json_object_set_new(req, s_open_key(c), json_integer(v));
	}
	if (optind == argc && (r = cmd_config(config)) != 0)
		return r;
	if (*dir == NULL && cmd_cfg.dir[0] != '\0')
		*dir = cmd_cfg.dir;
	if (*dir == NULL || optind != argc) {
		fprintf(stderr, "usage: symbiod %s\n", s_usage);
		return EXIT_USAGE;
	}
	return 0;
}

static long long
s_int(json_t *obj, const char *key)
{
	return (long long)json_integer_value(json_object_get(obj, key));
}

/* round status, as text. */
static void
s_print_status(json_t *reply)
{
	json_t *cands = json_object_get(reply, "candidates");
	const char *rid = json_string_value(json_object_get(reply, "round"));

	printf("round      %s\nphase      %s\n", rid ? rid : "-",
	       json_string_value(json_object_get(reply, "phase")));
	if (rid != NULL)
		printf("submitted  %lld of %lld members\ncandidates %lld pending, %lld agreed, "
		       "%lld declined, %lld expired\n",
		       s_int(reply, "submitted"), s_int(reply, "members"), s_int(cands, "pending"),
		       s_int(cands, "agreed"), s_int(cands, "declined"), s_int(cands, "expired"));
	if (json_string_value(json_object_get(reply, "indicators")) != NULL)
		printf("indicators %s\n", json_string_value(json_object_get(reply, "indicators")));
	if (json_array_size(json_object_get(reply, "silent")) > 0) {
		json_t *v;
		size_t i;

		printf("silent    ");
		json_array_foreach (json_object_get(reply, "silent"), i, v)
			printf(" %s", json_string_value(v));
		printf("\n");
	}
}

static void
s_print(const char *action, json_t *reply, int json)
{
	const char *round = json_string_value(json_object_get(reply, "round"));
	const char *batches = json_string_value(json_object_get(reply, "batches"));

	if (json) {
		cmd_print_json(reply);
	} else if (strcmp(action, "open") == 0) {
		printf("%s\n", round);
		fprintf(stderr, "symbiod round open: round open for %lld members\n",
		        s_int(reply, "members"));
	} else if (strcmp(action, "advance") == 0 && json_object_get(reply, "silent") != NULL) {
		printf("round %s: %s phase\n", round,
		       json_string_value(json_object_get(reply, "phase")));
	} else if (strcmp(action, "close") == 0 || strcmp(action, "advance") == 0) {
		printf("round %s closed: %lld submissions, %lld candidates\n", round,
		       s_int(reply, "submitted"), s_int(reply, "candidates"));
	} else if (strcmp(action, "end") == 0) {
		printf("round %s ended: %lld unanswered candidates expired\n", round,
		       s_int(reply, "expired"));
		if (batches != NULL)
			fprintf(stderr, "symbiod round end: the round's token batches were %s\n",
			        strcmp(batches, "kept") == 0
			            ? "kept (the round was opened with --keep-batches)"
			            : "deleted (their digests stay in the audit log)");
	} else {
		s_print_status(reply);
	}
}

int
cmd_round(int argc, char **argv)
{
	const char *dir = NULL, *action;
	char what[32];
	json_t *req, *reply = NULL;
	int json = 0, r;

	if (argc < 2 || argv[1][0] == '-')
		return cmd_usage_action(argc, argv, s_usage);
	action = argv[1];
	if (strcmp(action, "open") != 0 && strcmp(action, "close") != 0 &&
	    strcmp(action, "end") != 0 && strcmp(action, "status") != 0 &&
	    strcmp(action, "advance") != 0) {
		fprintf(stderr, "symbiod round: unknown action \"%s\"\nusage: symbiod %s\n", action,
		        s_usage);
		return EXIT_USAGE;
	}
	req = json_pack("{s:s, s:s}", "cmd", "round", "action", action);
	if ((r = s_options(argc, argv, action, req, &dir, &json)) != 0) {
		json_decref(req);
		return r < 0 ? 0 : r;
	}
	snprintf(what, sizeof(what), "round %s", action);
	/* Closing runs the whole matching before it answers: allow it time. */
	r = cmd_control(what, dir, req,
	                strcmp(action, "close") == 0 || strcmp(action, "advance") == 0 ? 3600 * 1000
	                                                                               : 30000,
	                EXIT_DATAERR, &reply);
	json_decref(req);
	if (r != 0)
		return r;
	json_object_del(reply, "ok");
	s_print(action, reply, json);
	json_decref(reply);
	return 0;
}
