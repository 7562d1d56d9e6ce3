/* symbiod's configuration file: its keys, reading it, and --check-config. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "config.h"
#include "sysexits.h"

const char *const cmd_log_levels[] = {"err", "warning", "notice", "info", "debug", NULL};
const char *const cmd_log_formats[] = {"text", "json", NULL};

struct cmd_settings cmd_cfg = {"", "", 5000, 10000, 3, 0};
const char *cmd_cfg_from;

static const char *
s_check_dir(const char *v)
{
	return v[0] == '/' ? NULL : "not an absolute path";
}

static const char *
s_check_endpoint(const char *v)
{
	return parkinfo_endpoint_valid(v) ? NULL : "not tcp://HOST:PORT";
}

static const struct config_key s_keys[] = {
    {"dir", CONFIG_STRING, cmd_cfg.dir, sizeof(cmd_cfg.dir), 0, 0, NULL, s_check_dir,
     "the park's data directory (PARK), an absolute path; --dir overrides it",
     "none; --dir is required"},
    {"endpoint", CONFIG_STRING, cmd_cfg.endpoint, sizeof(cmd_cfg.endpoint), 0, 0, NULL,
     s_check_endpoint,
     "run: listen on this tcp://HOST:PORT, not PARK/park.json's; --endpoint overrides it",
     "the endpoint in PARK/park.json"},
    {"handshake_ms", CONFIG_INT, &cmd_cfg.handshake_ms, 0, 100, 600000, NULL, NULL,
     "run: a CURVE handshake must complete within this many milliseconds", NULL},
    {"heartbeat_ms", CONFIG_INT, &cmd_cfg.heartbeat_ms, 0, 100, 600000, NULL, NULL,
     "run: ZMTP heartbeat interval in milliseconds; a peer silent for 3 is dropped", NULL},
    {"log_level", CONFIG_ENUM, &cmd_cfg.log_level, 0, 0, 0, cmd_log_levels, NULL,
     "run: the least severe messages logged; --log-level overrides it", NULL},
    {"log_format", CONFIG_ENUM, &cmd_cfg.log_format, 0, 0, 0, cmd_log_formats, NULL,
     "run: log text lines or JSON objects on stderr; --log-format overrides it", NULL},
};
#define NKEYS (sizeof(s_keys) / sizeof(s_keys[0]))

int
cmd_config(const char *path)
{
	struct sym_diag diag = {""};
	int r;

	r = config_load(path ? path : SYMBIOD_CONFIG, s_keys, NKEYS, &diag);
	if (r == SYM_ERR_NOT_FOUND && path == NULL)
		return 0;
	if (r != SYM_OK) {
		fprintf(stderr, "symbiod: %s\n", diag.msg);
		return EXIT_CONFIG;
	}
	cmd_cfg_from = path ? path : SYMBIOD_CONFIG;
	return 0;
}

void
cmd_config_usage(FILE *f)
{
	config_usage(f, s_keys, NKEYS);
}

/* symbiod --check-config [--config FILE]: parse the file, print the settings it gives. */
int
cmd_check_config(int argc, char **argv)
{
	static const struct option opts[] = {{"check-config", no_argument, NULL, 'k'},
	                                     {"config", required_argument, NULL, 'C'},
	                                     {"help", no_argument, NULL, 'h'},
	                                     {NULL, 0, NULL, 0}};
	const char *usage = "--check-config [--config FILE]";
	const char *config = NULL;
	int c, check = 0, r;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'k': check = 1; break;
		case 'C': config = optarg; break;
		case 'h': printf("usage: symbiod %s\n", usage); return 0;
		default: fprintf(stderr, "usage: symbiod %s\n", usage); return EXIT_USAGE;
		}
	}
	if (!check || optind != argc) {
		fprintf(stderr,
		        "symbiod: --config goes after a command, or with --check-config\n"
		        "usage: symbiod %s\n",
		        usage);
		return EXIT_USAGE;
	}
	if ((r = cmd_config(config)) != 0)
		return r;
	if (cmd_cfg_from != NULL) {
		fprintf(stderr, "symbiod: %s: OK\n", cmd_cfg_from);
		printf("# settings from %s\n", cmd_cfg_from);
	} else {
		fprintf(stderr, "symbiod: no %s; the defaults apply\n", SYMBIOD_CONFIG);
		printf("# defaults (no %s)\n", SYMBIOD_CONFIG);
	}
	config_print(stdout, s_keys, NKEYS, 0);
	return 0;
}
