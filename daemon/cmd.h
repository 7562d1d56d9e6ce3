/*
 * symbiod's operator commands: what main.c dispatches to and what the
 * command files share (settings, option parsing, the control socket, the
 * exit-code policy). Part of the symbiod program only.
 */
#ifndef SYMBI_CMD_H
#define SYMBI_CMD_H

#include <jansson.h>
#include <limits.h>
#include <stdio.h>

#include "park.h"

#define SYMBIOD_CONFIG "/etc/symbiod/symbiod.conf"

/* The commands: argv[0] is the command's name; each returns the exit code. */
int cmd_init(int argc, char **argv);       /* cmd_park.c */
int cmd_enroll(int argc, char **argv);     /* cmd_park.c */
int cmd_revoke(int argc, char **argv);     /* cmd_park.c */
int cmd_members(int argc, char **argv);    /* cmd_park.c */
int cmd_run(int argc, char **argv);        /* cmd_run.c */
int cmd_status(int argc, char **argv);     /* cmd_run.c */
int cmd_round(int argc, char **argv);      /* cmd_round.c */
int cmd_log(int argc, char **argv);        /* cmd_log.c */
int cmd_indicators(int argc, char **argv); /* cmd_indicators.c */
int cmd_report(int argc, char **argv);     /* cmd_report.c */
/* symbiod --check-config [--config FILE]: argv[0] is the program. */
int cmd_check_config(int argc, char **argv); /* cmd_config.c */

/* ---- settings (cmd_config.c) ---- */

/* What a configuration file can set; the initial values are the defaults. */
struct cmd_settings {
	char dir[PATH_MAX];
	char endpoint[PARK_ENDPOINT_MAX + 1];
	int handshake_ms, heartbeat_ms;
	int log_level, log_format; /* indexes into cmd_log_levels, cmd_log_formats */
};
extern struct cmd_settings cmd_cfg;
/* The file the settings came from, for the log; NULL: none, the defaults apply. */
extern const char *cmd_cfg_from;
extern const char *const cmd_log_levels[];  /* NULL-terminated */
extern const char *const cmd_log_formats[]; /* NULL-terminated */

/*
 * Read the configuration: the file given with --config, which must exist,
 * else SYMBIOD_CONFIG if there is one. Returns 0 or EXIT_CONFIG, said why.
 */
int cmd_config(const char *path);
/* The keys of the configuration file, for --help. */
void cmd_config_usage(FILE *f);

/* ---- shared by the commands (cmd_common.c) ---- */

struct cmd_args {
	const char *dir, *name, *endpoint, *csr, *out, *id, *config, *log_level, *log_format;
	int json;
};

/*
 * Options, then the configuration; --dir from either. run: accept the log
 * options. Returns 0, -1 after --help (exit 0), or the exit code.
 */
int cmd_parse(int argc, char **argv, struct cmd_args *a, const char *usage, int run);

/* The index of name in a NULL-terminated list, or -1. */
int cmd_choice(const char *const *choices, const char *name);

/*
 * Send req to the daemon running in the park dir (its control socket) and
 * wait up to timeout_ms for *reply. Returns 0, or the exit code after
 * saying why on stderr as "symbiod WHAT: ...": EXIT_UNAVAILABLE without an
 * answer, `refused` when the daemon answered {"ok": false} (refused 0: such
 * an answer is returned like any other).
 */
int cmd_control(const char *what, const char *dir, json_t *req, int timeout_ms, int refused,
                json_t **reply);

/* A command without its action: 0 after printing usage on stdout for --help/-h, else EXIT_USAGE. */
int cmd_usage_action(int argc, char **argv, const char *usage);

/* Print a JSON value on stdout, indented, with a newline. */
void cmd_print_json(json_t *j);

#endif
