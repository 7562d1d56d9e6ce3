#include "args.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sysexits.h"

/* Every option, and which `accepts` bit offers it (0: every command). */
static const struct {
	struct option opt;
	unsigned needs;
} s_options[] = {
    {{"dir", required_argument, NULL, 'd'}, 0},
    {{"park", required_argument, NULL, 'p'}, ARGS_MEMBER},
    {{"id", required_argument, NULL, 'i'}, ARGS_MEMBER},
    {{"name", required_argument, NULL, 'n'}, ARGS_MEMBER},
    {{"cert", required_argument, NULL, 'c'}, ARGS_MEMBER},
    {{"json", no_argument, NULL, 'j'}, 0},
    {{"all", no_argument, NULL, 'a'}, ARGS_ALL},
    {{"timeout", required_argument, NULL, 't'}, 0},
    {{"attempts", required_argument, NULL, 'A'}, 0},
    {{"help", no_argument, NULL, 'h'}, 0},
};
#define NOPTIONS (sizeof(s_options) / sizeof(s_options[0]))

int
cmd_args_usage(const char *usage)
{
	fprintf(stderr, "usage: symbi %s\n", usage);
	return EXIT_USAGE;
}

int
cmd_args_parse(int argc, char **argv, unsigned accepts, int timeout_ms, const char *usage,
               struct cmd_args *a)
{
	/* Only the command's own options: getopt then refuses, and abbreviates, exactly those. */
	struct option opts[NOPTIONS + 1];
	size_t i, n = 0;
	int c;

	for (i = 0; i < NOPTIONS; i++)
		if ((s_options[i].needs & ~accepts) == 0)
			opts[n++] = s_options[i].opt;
	memset(&opts[n], 0, sizeof(opts[n]));
	memset(a, 0, sizeof(*a));
	a->timeout_ms = timeout_ms;
	a->attempts = 3;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'd': a->dir = optarg; break;
		case 'p': a->park = optarg; break;
		case 'i': a->id = optarg; break;
		case 'n': a->name = optarg; break;
		case 'c': a->cert = optarg; break;
		case 'j': a->json = 1; break;
		case 'a': a->all = 1; break;
		case 't': a->timeout_ms = atoi(optarg); break;
		case 'A': a->attempts = atoi(optarg); break;
		case 'h': printf("usage: symbi %s\n", usage); return -1;
		default: return cmd_args_usage(usage);
		}
	}
	a->first = optind;
	return 0;
}
