/*
 * symbi-bench tokens: how fast a company's submission encodes, compared with
 * the raw AES-128-ECB throughput of the same machine in the same run.
 */
#include <getopt.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "encode.h"
#include "synth.h"
#include "sysexits.h"
#include "tokset.h"
#include "util.h"

/*
 * A company's flows, as a park's companies write them: categories drawn from
 * the whole taxonomy but with energy, water and material flows (which carry
 * specifications) three times as likely as EWC waste codes; offers state
 * every attribute their category has, needs constrain some.
 */
static const struct tax_category *
s_park_category(const struct taxonomy *tax, struct synth_rng *rng)
{
	for (;;) {
		const struct tax_category *c = synth_category(tax, rng);
		if (strncmp(c->path, "waste.", 6) != 0 || synth_below(rng, 4) == 0)
			return c;
	}
}

static int
s_company(const struct taxonomy *tax, struct synth_rng *rng, size_t offers, size_t needs,
          struct flows *fl)
{
	size_t i;
	unsigned d;

	fl->n = offers + needs;
	fl->n_offers = offers;
	fl->n_needs = needs;
	if ((fl->items = calloc(fl->n, sizeof(*fl->items))) == NULL)
		return SYM_ERR_ALLOC;
	for (i = 0; i < fl->n; i++) {
		struct flow_item *it = &fl->items[i];

		synth_item(tax, rng, i < offers ? FLOW_OFFER : FLOW_NEED, s_park_category(tax, rng),
		           it);
		if (it->direction != FLOW_OFFER)
			continue;
		for (d = 1; d < it->category->ndims; d++) {
			if (!it->dims[d].present) {
				it->dims[d].present = 1;
				it->dims[d].bin_lo = it->dims[d].bin_hi = 0;
			}
		}
	}
	return SYM_OK;
}

static double
s_aes_rate(struct prf_ctx *prf, double seconds)
{
	const size_t nblocks = 1u << 16;
	uint8_t key[PRF_KEY_LEN], *buf = calloc(nblocks, TOKEN_BLOCK_LEN);
	double t0, t;
	size_t done = 0;

	if (buf == NULL)
		return 0;
	randombytes_buf(key, sizeof(key));
	t0 = util_now();
	do {
		if (prf_aes_ecb(prf, key, buf, buf, nblocks) != SYM_OK) {
			free(buf);
			return 0;
		}
		done += nblocks;
		t = util_now() - t0;
	} while (t < seconds);
	free(buf);
	return (double)done / t;
}

struct tokens_opts {
	size_t counterparts, offers, needs;
	double seconds;
	uint64_t seed;
};

/* Parse the flags into o; returns -1 to go on, or the exit code. */
static int
s_parse_args(int argc, char **argv, struct tokens_opts *o)
{
	static const struct option opts[] = {{"counterparts", required_argument, NULL, 'c'},
	                                     {"offers", required_argument, NULL, 'o'},
	                                     {"needs", required_argument, NULL, 'n'},
	                                     {"seconds", required_argument, NULL, 's'},
	                                     {"seed", required_argument, NULL, 'S'},
	                                     {"help", no_argument, NULL, 'h'},
	                                     {NULL, 0, NULL, 0}};
	int c;

	o->counterparts = 200;
	o->offers = 10;
	o->needs = 10;
	o->seconds = 2.0;
	o->seed = 1;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'c': o->counterparts = strtoul(optarg, NULL, 10); break;
		case 'o': o->offers = strtoul(optarg, NULL, 10); break;
		case 'n': o->needs = strtoul(optarg, NULL, 10); break;
		case 's': o->seconds = strtod(optarg, NULL); break;
		case 'S': o->seed = strtoull(optarg, NULL, 10); break;
		case 'h':
			printf(
			    "usage: symbi-bench tokens [--counterparts N] [--offers N] [--needs N] "
			    "[--seconds S] [--seed N]\n");
			return 0;
		default: return EXIT_USAGE;
		}
	}
	if (o->counterparts == 0 || o->counterparts > 100000 || o->offers + o->needs == 0 ||
	    !(o->seconds > 0)) {
		fprintf(stderr, "symbi-bench tokens: counterparts must be 1..100000, flows > 0\n");
		return EXIT_USAGE;
	}
	return -1;
}

int
bench_tokens(int argc, char **argv)
{
	struct tokens_opts o;
	size_t counterparts, offers, needs, cp, rounds = 0, total = 0, maxn;
	double seconds, t0, t_enc, t_prf = 0, t_sort = 0, aes;
	struct taxonomy *tax = NULL;
	struct sym_diag diag = {""};
	struct flows fl = {0};
	struct block_list ob, nb;
	struct synth_rng rng;
	struct prf_ctx *prf = NULL;
	token_t *tok = NULL, *scratch = NULL;
	uint8_t(*keys)[2][PRF_KEY_LEN] = NULL;
	int rc;

	if ((rc = s_parse_args(argc, argv, &o)) >= 0)
		return rc;
	rc = EXIT_SOFTWARE;
	counterparts = o.counterparts;
	offers = o.offers;
	needs = o.needs;
	seconds = o.seconds;
	block_list_init(&ob);
	block_list_init(&nb);
	if (taxonomy_load_default(&tax, &diag) != SYM_OK) {
		fprintf(stderr, "symbi-bench: %s\n", diag.msg);
		return EXIT_CONFIG;
	}
	synth_seed(&rng, o.seed);
	if (s_company(tax, &rng, offers, needs, &fl) != SYM_OK)
		goto out;
	t0 = util_now();
	if (encode_flows(tax, &fl, ENCODE_STANDARD, &ob, &nb) != SYM_OK)
		goto out;
	t_enc = util_now() - t0;
	maxn = ob.n > nb.n ? ob.n : nb.n;
	tok = malloc(maxn * sizeof(*tok));
	scratch = malloc(maxn * sizeof(*scratch));
	keys = malloc(counterparts * sizeof(*keys));
	if (prf_new(&prf) != SYM_OK || tok == NULL || scratch == NULL || keys == NULL)
		goto out;
	randombytes_buf(keys, counterparts * sizeof(*keys));

	/* The hot loop of a submission: every block once per counterpart key. */
	t0 = util_now();
	do {
		for (cp = 0; cp < counterparts; cp++) {
			if (prf_tokens(prf, keys[cp][0], ob.blocks, ob.n, tok) != SYM_OK ||
			    prf_tokens(prf, keys[cp][1], nb.blocks, nb.n, tok) != SYM_OK)
				goto out;
			total += ob.n + nb.n;
		}
		rounds++;
	} while (util_now() - t0 < seconds);
	t_prf = util_now() - t0;

	/* Sorting each set (what the submission sends) is measured on its own. */
	t0 = util_now();
	for (cp = 0; cp < counterparts; cp++) {
		if (prf_tokens(prf, keys[cp][0], ob.blocks, ob.n, tok) != SYM_OK)
			goto out;
		tokset_sort(tok, ob.n, scratch);
	}
	t_sort = util_now() - t0;

	aes = s_aes_rate(prf, seconds);
	printf(
	    "flows: %zu offers, %zu needs; blocks: %zu offer + %zu need (built once in %.3f ms)\n",
	    offers, needs, ob.n, nb.n, t_enc * 1e3);
	printf("counterparts=%zu passes=%zu tokens=%zu prf_s=%.3f\n", counterparts, rounds, total,
	       t_prf);
	printf("prf+sort of one offer set for every counterpart: %.3f ms\n", t_sort * 1e3);
	printf("tokens_per_s=%.0f aes_blocks_per_s=%.0f ratio=%.3f\n", (double)total / t_prf, aes,
	       aes > 0 ? ((double)total / t_prf) / aes : 0.0);
	rc = 0;
out:
	if (rc != 0)
		fprintf(stderr, "symbi-bench tokens: failed\n");
	free(fl.items);
	free(tok);
	free(scratch);
	if (keys != NULL) {
		sodium_memzero(keys, counterparts * sizeof(*keys));
		free(keys);
	}
	prf_free(&prf);
	block_list_free(&ob);
	block_list_free(&nb);
	taxonomy_free(&tax);
	return rc;
}
