/* What symbiod's commands share: option parsing, the exit-code policy, the control socket. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "control.h"
#include "sysexits.h"
#include "exitcode.h"

int
cmd_parse(int argc, char **argv, struct cmd_args *a, const char *usage, int run)
{
	static const struct option opts[] = {{"dir", required_argument, NULL, 'd'},
	                                     {"name", required_argument, NULL, 'n'},
	                                     {"endpoint", required_argument, NULL, 'e'},
	                                     {"csr", required_argument, NULL, 'c'},
	                                     {"out", required_argument, NULL, 'o'},
	                                     {"id", required_argument, NULL, 'i'},
	                                     {"json", no_argument, NULL, 'j'},
	                                     {"config", required_argument, NULL, 'C'},
	                                     {"log-level", required_argument, NULL, 'L'},
	                                     {"log-format", required_argument, NULL, 'F'},
	                                     {"help", no_argument, NULL, 'h'},
	                                     {NULL, 0, NULL, 0}};
	int c, r;

	memset(a, 0, sizeof(*a));
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'd': a->dir = optarg; break;
		case 'n': a->name = optarg; break;
		case 'e': a->endpoint = optarg; break;
		case 'c': a->csr = optarg; break;
		case 'o': a->out = optarg; break;
		case 'i': a->id = optarg; break;
		case 'j': a->json = 1; break;
		case 'C': a->config = optarg; break;
		case 'L': a->log_level = optarg; break;
		case 'F': a->log_format = optarg; break;
		case 'h': printf("usage: symbiod %s\n", usage); return -1;
		default: fprintf(stderr, "usage: symbiod %s\n", usage); return EXIT_USAGE;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "symbiod: unexpected argument \"%s\"\nusage: symbiod %s\n",
		        argv[optind], usage);
		return EXIT_USAGE;
	}
	if (!run && (a->log_level != NULL || a->log_format != NULL)) {
		fprintf(stderr, "symbiod: --log-level and --log-format are options of run\n");
		return EXIT_USAGE;
	}
	if ((r = cmd_config(a->config)) != 0)
		return r;
	if (a->dir == NULL && cmd_cfg.dir[0] != '\0')
		a->dir = cmd_cfg.dir;
	if (a->dir == NULL) {
		fprintf(stderr,
		        "symbiod: --dir PARK is required (or dir in the configuration file)\n"
		        "usage: symbiod %s\n",
		        usage);
		return EXIT_USAGE;
	}
	return 0;
}

int
cmd_choice(const char *const *choices, const char *name)
{
	int i;

	for (i = 0; choices[i] != NULL; i++)
		if (strcmp(choices[i], name) == 0)
			return i;
	return -1;
}

int
cmd_control(const char *what, const char *dir, json_t *req, int timeout_ms, int refused,
            json_t **reply)
{
	struct sym_diag diag = {""};
	char path[PATH_MAX];
	int r;

	*reply = NULL;
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, PARK_CONTROL_SOCKET) >= sizeof(path))
		return EXIT_USAGE;
	if ((r = control_call(path, req, timeout_ms, reply, &diag)) != SYM_OK) {
		fprintf(stderr, "symbiod %s: %s\n", what, diag.msg);
		return sym_exit_code(r, SYM_ORIGIN_PEER);
	}
	if (refused != 0 && !json_is_true(json_object_get(*reply, "ok"))) {
		fprintf(stderr, "symbiod %s: %s\n", what,
		        json_string_value(json_object_get(*reply, "error")));
		json_decref(*reply);
		*reply = NULL;
		return refused;
	}
	return 0;
}

int
cmd_usage_action(int argc, char **argv, const char *usage)
{
	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		printf("usage: symbiod %s\n", usage);
		return 0;
	}
	fprintf(stderr, "usage: symbiod %s\n", usage);
	return EXIT_USAGE;
}

void
cmd_print_json(json_t *j)
{
	json_dumpf(j, stdout, JSON_INDENT(2));
	fputc('\n', stdout);
}
