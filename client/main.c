/* symbi: the client agent a company runs. */
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "cmd.h"
#include "sysexits.h"

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
	{"accept", cmd_accept, "accept candidates: seal the item for the counterpart"},
	{"decline", cmd_decline, "decline candidates"},
	{"exchanges", cmd_exchanges, "agreed exchanges, with the counterpart's revealed item"},
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
	fprintf(f, "\nRun 'symbi COMMAND --help' for a command's options.\n"
	           "Options: --help, --version\n");
}

int
main(int argc, char **argv)
{
	struct rlimit no_core = {0, 0};
	size_t i;

	/* Key material must never reach a core file. */
	setrlimit(RLIMIT_CORE, &no_core);
	if (sodium_init() < 0) {
		fprintf(stderr, "symbi: cannot initialise libsodium\n");
		return EXIT_SOFTWARE;
	}
	if (argc < 2) {
		s_usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		s_usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("symbi %s\n", SYMBI_VERSION);
		return 0;
	}
	for (i = 0; i < sizeof(s_commands) / sizeof(s_commands[0]); i++)
		if (strcmp(argv[1], s_commands[i].name) == 0)
			return s_commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "symbi: unknown command \"%s\"\n\n", argv[1]);
	s_usage(stderr);
	return EXIT_USAGE;
}
