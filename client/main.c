/* symbi: the client agent a company runs. */
#include <getopt.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "args.h"
#include "cmd.h"
#include "config.h"
#include "log.h"
#include "policy.h"
#include "sysexits.h"
#include "progmain.h"
#include "exitcode.h"

/* STATE/symbi.conf: optional; the options on the command line override it. */
#define CLIENT_CONFIG "symbi.conf"

static const char *const s_log_formats[] = {"text", "json", NULL};

/* What STATE/symbi.conf can set; 0 is "not set": the command's own default applies. */
static struct {
	int timeout_ms, attempts, log_format;
} s_cfg = {0, 0, 0};

static const struct config_key s_keys[] = {
    {"timeout_ms", CONFIG_INT, &s_cfg.timeout_ms, 0, ARGS_TIMEOUT_MIN, ARGS_TIMEOUT_MAX, NULL, NULL,
     "wait this many milliseconds for each attempt at a request; --timeout overrides it",
     "3000 for status, 5000 for the round commands"},
    {"attempts", CONFIG_INT, &s_cfg.attempts, 0, ARGS_ATTEMPTS_MIN, ARGS_ATTEMPTS_MAX, NULL, NULL,
     "send a request this many times (same request id) before giving up; --attempts overrides it",
     "3"},
    {"log_format", CONFIG_ENUM, &s_cfg.log_format, 0, 0, 0, s_log_formats, NULL,
     "log text lines or JSON objects on stderr", NULL},
    {"min_offer_tokens", CONFIG_INT, &client_policy.min_offer_tokens, 0, 1, 1 << 20, NULL, NULL,
     "refuse a round whose offer sets may hold fewer tokens (its smallest size class)", "1024"},
    {"min_need_tokens", CONFIG_INT, &client_policy.min_need_tokens, 0, 1, 1 << 20, NULL, NULL,
     "refuse a round whose need sets may hold fewer tokens (its smallest size class)", "128"},
    {"allow", CONFIG_STRING, client_policy.allow, sizeof(client_policy.allow), 0, 0, NULL,
     policy_check_list,
     "only these counterparts (comma-separated ids) get real tokens; others padding only",
     "every counterpart"},
    {"deny", CONFIG_STRING, client_policy.deny, sizeof(client_policy.deny), 0, 0, NULL,
     policy_check_list,
     "these counterparts get padding only and their candidates are never accepted", "none"},
};
#define NKEYS (sizeof(s_keys) / sizeof(s_keys[0]))

static int cmd_check_config(int argc, char **argv);

static const struct {
	const char *name;
	int (*fn)(int, char **);
	const char *summary;
} s_commands[] = {
    {"init", cmd_init, "create this company's keys and certificate request"},
    {"enroll", cmd_enroll, "install the certificate issued by the park"},
    {"check", cmd_check, "validate flows files against the taxonomy, offline"},
    {"status", cmd_status, "connect to the coordinator and show this member's status"},
    {"submit", cmd_submit, "blind and submit flows to the open round"},
    {"candidates", cmd_candidates, "this company's candidates in the current round"},
    {"accept", cmd_accept,
     "accept candidates (--publish: their classes may appear in the park's dashboard)"},
    {"decline", cmd_decline, "decline candidates"},
    {"exchanges", cmd_exchanges, "agreed exchanges, with the counterpart's revealed item"},
    {"sync", cmd_sync, "do whatever the current round's phase allows, once"},
    {"agent", cmd_agent, "follow the park's rounds as a service: submit, sync"},
    {"check-config", cmd_check_config, "check STATE/" CLIENT_CONFIG " and print the settings"},
};

static void
s_usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: symbi COMMAND [OPTIONS]\n\n"
	           "The Symbiod client agent: turns a company's offers and needs into\n"
	           "blinded tokens locally and talks to the park's coordinator.\n\n"
	           "Commands:\n");
	for (i = 0; i < sizeof(s_commands) / sizeof(s_commands[0]); i++)
		fprintf(f, "  %-12s %s\n", s_commands[i].name, s_commands[i].summary);
	fprintf(f,
	        "\nRun 'symbi COMMAND --help' for a command's options.\n\n"
	        "Every command that takes --dir STATE reads STATE/" CLIENT_CONFIG " if it exists;\n"
	        "options on the command line override it. 'symbi check-config --dir STATE'\n"
	        "(or --check-config) checks it: exit 0, or 78 naming the line and the key.\n"
	        "Its lines are `key = value` or # comments:\n");
	config_usage(f, s_keys, NKEYS);
	fprintf(f, "\nOptions: --help, --version\n");
}

/*
 * The STATE of a command line, found the way the commands' own parsers will
 * find it, on a copy of argv (getopt permutes what it scans). NULL if none.
 */
static const char *
s_find_dir(int argc, char **argv)
{
	static const struct option opts[] = {{"dir", required_argument, NULL, 'd'},
	                                     {"park", required_argument, NULL, 'p'},
	                                     {"id", required_argument, NULL, 'i'},
	                                     {"name", required_argument, NULL, 'n'},
	                                     {"cert", required_argument, NULL, 'c'},
	                                     {"json", no_argument, NULL, 'j'},
	                                     {"all", no_argument, NULL, 'a'},
	                                     {"flows", required_argument, NULL, 'f'},
	                                     {"interval-s", required_argument, NULL, 'I'},
	                                     {"timeout", required_argument, NULL, 't'},
	                                     {"attempts", required_argument, NULL, 'A'},
	                                     {"help", no_argument, NULL, 'h'},
	                                     {NULL, 0, NULL, 0}};
	const char *dir = NULL;
	char **copy;
	int c, opterr_was = opterr;

	if ((copy = calloc((size_t)argc + 1, sizeof(*copy))) == NULL)
		return NULL;
	memcpy(copy, argv, (size_t)argc * sizeof(*copy));
	opterr = 0;
	optind = 0;
	while ((c = getopt_long(argc, copy, "h", opts, NULL)) != -1)
		if (c == 'd')
			dir = optarg;
	opterr = opterr_was;
	optind = 0;
	free(copy);
	return dir;
}

/*
 * Read STATE/symbi.conf if there is one. Returns 0, or EXIT_CONFIG after
 * saying why; with found set, *found tells whether there was a file.
 */
static int
s_config(const char *prog, const char *dir, int *found)
{
	struct sym_diag diag = {""};
	char path[PATH_MAX];
	int r;

	if (found != NULL)
		*found = 0;
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, CLIENT_CONFIG) >= sizeof(path)) {
		fprintf(stderr, "symbi %s: %s: path too long\n", prog, dir);
		return EXIT_CONFIG;
	}
	if ((r = config_load(path, s_keys, NKEYS, &diag)) == SYM_ERR_NOT_FOUND)
		return 0;
	if (r != SYM_OK) {
		fprintf(stderr, "symbi %s: %s\n", prog, diag.msg);
		return sym_exit_code(r, SYM_ORIGIN_CONFIG);
	}
	if (found != NULL)
		*found = 1;
	log_set_format(s_cfg.log_format == 1);
	return 0;
}

/*
 * Run a command that takes --dir with STATE/symbi.conf's settings placed
 * before its own options, which therefore override them (getopt: the last
 * one wins).
 */
static int
s_run_with_config(int (*fn)(int, char **), int argc, char **argv)
{
	char timeout[16], attempts[16], **args = NULL;
	const char *dir;
	int n = 1, r;

	if ((dir = s_find_dir(argc, argv)) == NULL)
		return fn(argc, argv); /* the command explains what it needs */
	if ((r = s_config(argv[0], dir, NULL)) != 0)
		return r;
	if ((args = calloc((size_t)argc + 5, sizeof(*args))) == NULL) {
		fprintf(stderr, "symbi %s: out of memory\n", argv[0]);
		return EXIT_SOFTWARE;
	}
	args[0] = argv[0];
	if (s_cfg.timeout_ms != 0) {
		snprintf(timeout, sizeof(timeout), "%d", s_cfg.timeout_ms);
		args[n++] = "--timeout";
		args[n++] = timeout;
	}
	if (s_cfg.attempts != 0) {
		snprintf(attempts, sizeof(attempts), "%d", s_cfg.attempts);
		args[n++] = "--attempts";
		args[n++] = attempts;
	}
	memcpy(args + n, argv + 1, (size_t)(argc - 1) * sizeof(*args));
	r = fn(n + argc - 1, args);
	free(args);
	return r;
}

/* symbi check-config --dir STATE: parse STATE/symbi.conf, print the settings. */
static int
cmd_check_config(int argc, char **argv)
{
	static const struct option opts[] = {{"dir", required_argument, NULL, 'd'},
	                                     {"check-config", no_argument, NULL, 'k'},
	                                     {"help", no_argument, NULL, 'h'},
	                                     {NULL, 0, NULL, 0}};
	const char *usage = "check-config --dir STATE";
	const char *dir = NULL;
	struct stat st;
	int c, found, r;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'd': dir = optarg; break;
		case 'k': break;
		case 'h': printf("usage: symbi %s\n", usage); return 0;
		default: fprintf(stderr, "usage: symbi %s\n", usage); return EXIT_USAGE;
		}
	}
	if (dir == NULL || optind != argc) {
		fprintf(stderr, "usage: symbi %s\n", usage);
		return EXIT_USAGE;
	}
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		fprintf(stderr, "symbi check-config: %s: no such directory\n", dir);
		return EXIT_NOINPUT;
	}
	if ((r = s_config("check-config", dir, &found)) != 0)
		return r;
	if (found) {
		fprintf(stderr, "symbi check-config: %s/%s: OK\n", dir, CLIENT_CONFIG);
		printf("# settings from %s/%s\n", dir, CLIENT_CONFIG);
	} else {
		fprintf(stderr, "symbi check-config: no %s/%s; the defaults apply\n", dir,
		        CLIENT_CONFIG);
		printf("# defaults (no %s/%s)\n", dir, CLIENT_CONFIG);
	}
	config_print(stdout, s_keys, NKEYS, 0);
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct progmain prog = {"symbi", s_usage, PROGMAIN_NO_CORE};
	size_t i;
	int r;

	if ((r = progmain_start(&prog, argc, argv)) != PROGMAIN_RUN)
		return r;
	if (strcmp(argv[1], "--check-config") == 0)
		return cmd_check_config(argc - 1, argv + 1);
	for (i = 0; i < sizeof(s_commands) / sizeof(s_commands[0]); i++) {
		if (strcmp(argv[1], s_commands[i].name) != 0)
			continue;
		/* check reads no STATE; check-config reads nothing else. */
		if (s_commands[i].fn == cmd_check || s_commands[i].fn == cmd_check_config)
			return s_commands[i].fn(argc - 1, argv + 1);
		return s_run_with_config(s_commands[i].fn, argc - 1, argv + 1);
	}
	return progmain_unknown(&prog, argv[1]);
}
