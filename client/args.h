/*
 * The options of symbi's subcommands, read one way. Every command that talks
 * to a park takes --dir STATE, --json, --timeout MS, --attempts N and
 * --help; some take more (the `accepts` bits). Each command then checks
 * what it requires.
 */
#ifndef SYMBI_CLIENT_ARGS_H
#define SYMBI_CLIENT_ARGS_H

enum {
	ARGS_MEMBER = 1 << 0,  /* --park, --id, --name, --cert, --site */
	ARGS_ALL = 1 << 1,     /* --all */
	ARGS_YES = 1 << 2,     /* --yes */
	ARGS_AGENT = 1 << 3,   /* --flows, --interval-s */
	ARGS_PUBLISH = 1 << 4, /* --publish (accept) */
};

/* The ranges of --timeout and --attempts, on the command line and in STATE/symbi.conf. */
#define ARGS_TIMEOUT_MIN 100
#define ARGS_TIMEOUT_MAX 600000
#define ARGS_ATTEMPTS_MIN 1
#define ARGS_ATTEMPTS_MAX 10
/* The range of the agent's --interval-s, in seconds. */
#define ARGS_INTERVAL_MIN 1
#define ARGS_INTERVAL_MAX 86400

struct cmd_args {
	const char *dir, *park, *id, *name, *cert, *flows, *site;
	int json, all, yes, publish, timeout_ms, attempts, interval_s;
	int first; /* index of the first positional argument */
	int quiet; /* not an option: a caller (the agent) that logs the summary itself */
};

/*
 * Parse argv with the options of `accepts`; timeout_ms is the command's
 * default. --timeout and --attempts are checked against their ranges.
 * Returns 0, -1 after printing the usage for --help, or EXIT_USAGE after
 * saying why on stderr.
 */
int cmd_args_parse(int argc, char **argv, unsigned accepts, int timeout_ms, const char *usage,
                   struct cmd_args *a);

/* Print the usage to stderr; returns EXIT_USAGE. */
int cmd_args_usage(const char *usage);

#endif
