#include "args.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
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
    {{"site", required_argument, NULL, 'S'}, ARGS_MEMBER},
    {{"json", no_argument, NULL, 'j'}, 0},
    {{"all", no_argument, NULL, 'a'}, ARGS_ALL},
    {{"yes", no_argument, NULL, 'y'}, ARGS_YES},
    {{"publish", no_argument, NULL, 'P'}, ARGS_PUBLISH},
    {{"flows", required_argument, NULL, 'f'}, ARGS_AGENT},
    {{"interval-s", required_argument, NULL, 'I'}, ARGS_AGENT},
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

/*
 * The value of a numeric option: decimal digits only (no sign, blanks or
 * suffix), within lo..hi. Anything else is refused, naming the flag: atoi
 * would read "5s" as 5 and "abc" as 0.
 */
static int
s_number(const char *usage, const char *flag, const char *v, long lo, long hi, const char *unit,
         int *out)
{
	char *end = NULL;
	long n;

	errno = 0;
	n = (v[0] >= '0' && v[0] <= '9') ? strtol(v, &end, 10) : -1;
	if (end == NULL || *end != '\0' || errno != 0 || n < lo || n > hi || n > INT_MAX) {
		fprintf(stderr, "symbi %.*s: %s \"%s\": not a whole number in %ld..%ld (%s)\n",
		        (int)strcspn(usage, " "), usage, flag, v, lo, hi, unit);
		return EXIT_USAGE;
	}
	*out = (int)n;
	return 0;
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
	a->interval_s = 30;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'd': a->dir = optarg; break;
		case 'p': a->park = optarg; break;
		case 'i': a->id = optarg; break;
		case 'n': a->name = optarg; break;
		case 'c': a->cert = optarg; break;
		case 'S': a->site = optarg; break;
		case 'j': a->json = 1; break;
		case 'a': a->all = 1; break;
		case 'y': a->yes = 1; break;
		case 'P': a->publish = 1; break;
		case 'f': a->flows = optarg; break;
		case 'I':
			if (s_number(usage, "--interval-s", optarg, ARGS_INTERVAL_MIN,
			             ARGS_INTERVAL_MAX, "seconds", &a->interval_s) != 0)
				return EXIT_USAGE;
			break;
		case 't':
			if (s_number(usage, "--timeout", optarg, ARGS_TIMEOUT_MIN, ARGS_TIMEOUT_MAX,
			             "milliseconds", &a->timeout_ms) != 0)
				return EXIT_USAGE;
			break;
		case 'A':
			if (s_number(usage, "--attempts", optarg, ARGS_ATTEMPTS_MIN,
			             ARGS_ATTEMPTS_MAX, "tries", &a->attempts) != 0)
				return EXIT_USAGE;
			break;
		case 'h': printf("usage: symbi %s\n", usage); return -1;
		default: return cmd_args_usage(usage);
		}
	}
	a->first = optind;
	return 0;
}
