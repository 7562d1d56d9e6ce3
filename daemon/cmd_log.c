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

static const char s_usage[] = "log export --dir PARK --out DIR | log checkpoint --dir PARK "
                              "[--config FILE]";

/* The daemon writes the files: create out if need be and give it the absolute path. */
static int
s_out_dir(const char *out, char abs[PATH_MAX])
{
	if ((mkdir(out, 0755) != 0 && errno != EEXIST) || realpath(out, abs) == NULL) {
		fprintf(stderr, "symbiod log export: %s: %s\n", out, strerror(errno));
		return EXIT_CANTCREAT;
	}
	return 0;
}

int
cmd_log(int argc, char **argv)
{
	static const struct option opts[] = {{"dir", required_argument, NULL, 'd'},
	                                     {"out", required_argument, NULL, 'o'},
	                                     {"config", required_argument, NULL, 'C'},
	                                     {"help", no_argument, NULL, 'h'},
	                                     {NULL, 0, NULL, 0}};
	const char *dir = NULL, *out = NULL, *config = NULL, *action;
	char abs[PATH_MAX], what[32];
	json_t *req, *reply = NULL;
	int c, r;

	if (argc < 2 || (strcmp(argv[1], "export") != 0 && strcmp(argv[1], "checkpoint") != 0))
		return cmd_usage_action(argc, argv, s_usage);
	action = argv[1];
	optind = 2;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'd': dir = optarg; break;
		case 'o': out = optarg; break;
		case 'C': config = optarg; break;
		case 'h': printf("usage: symbiod %s\n", s_usage); return 0;
		default: fprintf(stderr, "usage: symbiod %s\n", s_usage); return EXIT_USAGE;
		}
	}
	if (optind == argc && (r = cmd_config(config)) != 0)
		return r;
	if (dir == NULL && cmd_cfg.dir[0] != '\0')
		dir = cmd_cfg.dir;
	if (dir == NULL || optind != argc || (strcmp(action, "export") == 0) != (out != NULL)) {
		fprintf(stderr, "usage: symbiod %s\n", s_usage);
		return EXIT_USAGE;
	}
	if (out != NULL && (r = s_out_dir(out, abs)) != 0)
		return r;
	req = json_pack("{s:s, s:s}", "cmd", "log", "action", action);
	if (out != NULL)
		json_object_set_new(req, "out", json_string(abs));
	snprintf(what, sizeof(what), "log %s", action);
	r = cmd_control(what, dir, req, 600 * 1000, EXIT_CANTCREAT, &reply);
	json_decref(req);
	if (r != 0)
		return r;
	if (out != NULL)
		fprintf(stderr,
		        "symbiod log export: %lld entries, their checkpoint and the token "
		        "batches written to %s\n",
		        (long long)json_integer_value(json_object_get(reply, "entries")), abs);
	else
		fputs(json_string_value(json_object_get(reply, "checkpoint")), stdout);
	json_decref(reply);
	return 0;
}
