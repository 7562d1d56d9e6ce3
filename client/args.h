/*
 * The options of symbi's subcommands, read one way. Every command that talks
 * to a park takes --dir STATE, --json, --timeout MS, --attempts N and
 * --help; some take more (the `accepts` bits). Each command then checks
 * what it requires.
 */
#ifndef SYMBI_CLIENT_ARGS_H
#define SYMBI_CLIENT_ARGS_H

enum {
	ARGS_MEMBER = 1 << 0, /* --park, --id, --name, --cert */
	ARGS_ALL = 1 << 1,    /* --all */
};

struct cmd_args {
	const char *dir, *park, *id, *name, *cert;
	int json, all, timeout_ms, attempts;
	int first; /* index of the first positional argument */
};

/*
 * Parse argv with the options of `accepts`; timeout_ms is the command's
 * default. Returns 0, -1 after printing the usage for --help, or EXIT_USAGE
 * after printing it to stderr.
 */
int cmd_args_parse(int argc, char **argv, unsigned accepts, int timeout_ms, const char *usage,
                   struct cmd_args *a);

/* Print the usage to stderr; returns EXIT_USAGE. */
int cmd_args_usage(const char *usage);

#endif
