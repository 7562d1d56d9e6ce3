/* symbiod: the park operator's coordinator daemon and its offline commands. */
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "progmain.h"
#include "sysexits.h"

static void
s_usage(FILE *f)
{
	fprintf(f,
	        "usage: symbiod COMMAND [OPTIONS]\n\n"
	        "The Symbiod coordinator: matches blinded tokens of a park's companies\n"
	        "without learning their flows.\n\n"
	        "Commands:\n"
	        "  init --dir PARK --name NAME --endpoint tcp://HOST:PORT\n"
	        "                     create a park: CA, coordinator keys, store, park.json\n"
	        "  enroll --dir PARK --csr FILE --out CERT\n"
	        "                     verify a company's request and issue its certificate\n"
	        "  revoke --dir PARK --id ID\n"
	        "                     revoke a member (takes effect in a running daemon at once)\n"
	        "  members --dir PARK [--json]\n"
	        "                     list the members\n"
	        "  indicators --dir PARK [--round ID] [--json]\n"
	        "                     a round's park indicators (the secure sums)\n"
	        "  run --dir PARK [--endpoint EP] [--log-level LEVEL] [--log-format text|json]\n"
	        "                     run the daemon in the foreground (SIGINT/SIGTERM stop it,\n"
	        "                     SIGHUP reloads the directory)\n"
	        "  status --dir PARK [--json]\n"
	        "                     ask the running daemon how it is\n"
	        "  round open|close|end|status --dir PARK [--json]\n"
	        "                     drive a matching round (close runs the matching)\n"
	        "  log export --dir PARK --out DIR [--with-batches] | log checkpoint --dir PARK\n"
	        "                     the signed audit log for reviewers (symbi-audit); the\n"
	        "                     token batches only with --with-batches (confidential)\n"
	        "  report --dir PARK --out DIR [--factors FILE] [--min-contributors K]\n"
	        "                     the operator's dashboard: index.html, report.json and\n"
	        "                     network.svg from the latest park indicators\n"
	        "  --check-config [--config FILE]\n"
	        "                     check the configuration file and print the settings;\n"
	        "                     exit 0, or 78 naming the line and the key\n\n"
	        "Every command reads " SYMBIOD_CONFIG " if it exists, or --config FILE;\n"
	        "command-line options override it. Its lines are `key = value` or # comments:\n");
	cmd_config_usage(f);
	fprintf(f, "\nOptions: --help, --version. Exit codes follow sysexits(3).\n");
}

int
main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int, char **);
	} cmds[] = {
	    {"init", cmd_init},       {"enroll", cmd_enroll}, {"revoke", cmd_revoke},
	    {"members", cmd_members}, {"run", cmd_run},       {"status", cmd_status},
	    {"round", cmd_round},     {"log", cmd_log},       {"indicators", cmd_indicators},
	    {"report", cmd_report}};
	static const struct progmain prog = {"symbiod", s_usage, PROGMAIN_NO_CORE};
	size_t i;
	int r;

	if ((r = progmain_start(&prog, argc, argv)) != PROGMAIN_RUN)
		return r;
	if (strcmp(argv[1], "--check-config") == 0 || strncmp(argv[1], "--config", 8) == 0)
		return cmd_check_config(argc, argv);
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strcmp(argv[1], cmds[i].name) == 0)
			return cmds[i].fn(argc - 1, argv + 1);
	return progmain_unknown(&prog, argv[1]);
}
