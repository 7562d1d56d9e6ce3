/* symbiod log export|checkpoint: the audit log, through the running daemon. */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cmd.h"
#include "sysexits.h"

static const char s_usage[] = "log export --dir PARK --out DIR [--with-batches] | "
                              "log checkpoint --dir PARK [--config FILE]";

/*
 * The daemon writes the files: create out if need be (0755, whatever the
 * umask: the public part is meant to be handed out) and give it the
 * absolute path.
 */
static int
s_out_dir(const char *out, char abs[PATH_MAX])
{
	int made = mkdir(out, 0755) == 0;

	if ((!made && errno != EEXIST) || (made && chmod(out, 0755) != 0) ||
	    realpath(out, abs) == NULL) {
		fprintf(stderr, "symbiod log export: %s: %s\n", out, strerror(errno));
		return EXIT_CANTCREAT;
	}
	return 0;
}

/* What was written, and with the batches who may hold them (protocol 1.1, repair 6). */
static void
s_print_export(json_t *reply, const char *abs, int with_batches)
{
	long long deleted =
	    (long long)json_integer_value(json_object_get(reply, "batches_deleted"));
	long long files = (long long)json_integer_value(json_object_get(reply, "batch_files"));

	fprintf(stderr,
	        "symbiod log export: %lld entries and their checkpoint (the public part, "
	        "format version %lld) written to %s\n",
	        (long long)json_integer_value(json_object_get(reply, "entries")),
	        (long long)json_integer_value(json_object_get(reply, "format_version")), abs);
	if (!with_batches)
		return;
	fprintf(stderr,
	        "symbiod log export: the token batches of %lld round%s written to %s/batches "
	        "(0700, files 0600)%s\n"
	        "symbiod log export: CONFIDENTIAL: give batches/ only to an auditor who is not a "
	        "member of the park; a member holding them can brute-force the offers every "
	        "other company sent to it\n",
	        files, files == 1 ? "" : "s", abs,
	        deleted > 0 ? "; rounds whose batches were deleted at round end have none" : "");
}

int
cmd_log(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"dir", required_argument, NULL, 'd'},    {"out", required_argument, NULL, 'o'},
	    {"with-batches", no_argument, NULL, 'b'}, {"config", required_argument, NULL, 'C'},
	    {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0}};
	const char *dir = NULL, *out = NULL, *config = NULL, *action;
	char abs[PATH_MAX], what[32];
	json_t *req, *reply = NULL;
	int c, r, with_batches = 0;

	if (argc < 2 || (strcmp(argv[1], "export") != 0 && strcmp(argv[1], "checkpoint") != 0))
		return cmd_usage_action(argc, argv, s_usage);
	action = argv[1];
	optind = 2;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'd': dir = optarg; break;
		case 'o': out = optarg; break;
		case 'b': with_batches = 1; break;
		case 'C': config = optarg; break;
		case 'h': printf("usage: symbiod %s\n", s_usage); return 0;
		default: fprintf(stderr, "usage: symbiod %s\n", s_usage); return EXIT_USAGE;
		}
	}
	if (optind == argc && (r = cmd_config(config)) != 0)
		return r;
	if (dir == NULL && cmd_cfg.dir[0] != '\0')
		dir = cmd_cfg.dir;
	if (dir == NULL || optind != argc || (strcmp(action, "export") == 0) != (out != NULL) ||
	    (with_batches && out == NULL)) {
		fprintf(stderr, "usage: symbiod %s\n", s_usage);
		return EXIT_USAGE;
	}
	if (out != NULL && (r = s_out_dir(out, abs)) != 0)
		return r;
	req = json_pack("{s:s, s:s}", "cmd", "log", "action", action);
	if (out != NULL) {
		json_object_set_new(req, "out", json_string(abs));
		json_object_set_new(req, "with_batches", json_boolean(with_batches));
	}
	snprintf(what, sizeof(what), "log %s", action);
	r = cmd_control(what, dir, req, 600 * 1000, EXIT_CANTCREAT, &reply);
	json_decref(req);
	if (r != 0)
		return r;
	if (out != NULL)
		s_print_export(reply, abs, with_batches);
	else
		fputs(json_string_value(json_object_get(reply, "checkpoint")), stdout);
	json_decref(reply);
	return 0;
}
