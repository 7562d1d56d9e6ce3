/* symbi-bench: benchmarks and offline tools; never a test, never a timing assertion. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "progmain.h"

static void
s_usage(FILE *f)
{
	fprintf(f,
	        "usage: symbi-bench COMMAND [OPTIONS]\n\n"
	        "Commands:\n"
	        "  tokens [--counterparts N] [--offers N] [--needs N] [--seconds S] [--seed N]\n"
	        "        encode a park-like mix of offers and needs (energy, water and material\n"
	        "        flows with their specifications, some EWC wastes) for N counterparts,\n"
	        "        then raw AES-128-ECB in the same run; the last\n"
	        "        line is tokens_per_s=... aes_blocks_per_s=... ratio=...\n"
	        "  park [--companies N] [--flows F] [--jobs J] [--area-km KM]\n"
	        "       [--mode standard|hardened [--max-need N]] [--keep]\n"
	        "        a synthetic park through the real binaries: one timed round on\n"
	        "        loopback (every company's submit, then close), sites drawn over a\n"
	        "        KM square when given; the last line is companies=N flows=F\n"
	        "        round_s=... peak_rss_mb=... pairs=... daemon_cpu_s=...\n"
	        "  oprf [--elements N] [--seed N]\n"
	        "        one pair of a hardened round on one core: N offer blocks against N need\n"
	        "        blocks (half match) through key, evaluation of the own offers, blinding,\n"
	        "        batched evaluation with a DLEQ proof, verification, finalization, the\n"
	        "        per-pair token hash and the intersection; the last line is\n"
	        "        elements=N elements_per_s=...\n"
	        "  offline-match DIR [--json]\n"
	        "        run the blinded matching of a park folder (companies.json and one\n"
	        "        flows file per company) in one process, with fresh keys, and print\n"
	        "        the candidates: what the coordinator would find, without a daemon\n");
}

int
bench_count(const char *cmd, const char *flag, const char *arg, unsigned long long lo,
            unsigned long long hi, unsigned long long *out)
{
	unsigned long long v = 0;
	char *end = NULL;

	/* strtoull alone takes "-5" (as a huge number), "12abc" and "" without a word. */
	errno = 0;
	if (arg[0] >= '0' && arg[0] <= '9')
		v = strtoull(arg, &end, 10);
	if (end == NULL || *end != '\0' || errno != 0 || v < lo || v > hi) {
		fprintf(stderr,
		        "symbi-bench %s: --%s must be a whole number in %llu..%llu, not \"%s\"\n",
		        cmd, flag, lo, hi, arg);
		return -1;
	}
	*out = v;
	return 0;
}

int
bench_size(const char *cmd, const char *flag, const char *arg, unsigned long long lo,
           unsigned long long hi, size_t *out)
{
	unsigned long long v;

	if (bench_count(cmd, flag, arg, lo, hi, &v) != 0 || v > SIZE_MAX)
		return -1;
	*out = (size_t)v;
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct progmain prog = {"symbi-bench", s_usage, 0};
	int r;

	if ((r = progmain_start(&prog, argc, argv)) != PROGMAIN_RUN)
		return r;
	if (strcmp(argv[1], "tokens") == 0)
		return bench_tokens(argc - 1, argv + 1);
	if (strcmp(argv[1], "park") == 0)
		return bench_park(argc - 1, argv + 1);
	if (strcmp(argv[1], "oprf") == 0)
		return bench_oprf(argc - 1, argv + 1);
	if (strcmp(argv[1], "offline-match") == 0)
		return bench_offline_match(argc - 1, argv + 1);
	return progmain_unknown(&prog, argv[1]);
}
