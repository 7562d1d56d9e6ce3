/*
 * symbi-bench oprf: one pair of a hardened round on one core. Company i
 * holds N offer blocks, company j N need blocks of which half match; the run
 * goes through every step HARDENED.md asks of the two (i's key, i's direct
 * evaluation of its offers, j's blinding, i's batched evaluation with a DLEQ
 * proof, j's verification and finalization, the per-pair token hash on both
 * sides, the coordinator's intersection) and checks the intersection count.
 */
#include <getopt.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "err.h"
#include "sysexits.h"
#include "util.h"
#include "voprf.h"

#define BLOCK_LEN 16
#define TOKEN_BYTES 8
#define OPRF_ELEMENTS_MAX 10000000

enum phase {
	P_KEY,
	P_OFFER_EVAL,
	P_BLIND,
	P_EVAL_PROOF,
	P_VERIFY,
	P_FINALIZE,
	P_PAIR_HASH,
	P_INTERSECT,
	P_COUNT
};

static const char *const phase_name[P_COUNT] = {
    "key",    "offer_evaluate", "blind",     "evaluate_proof",
    "verify", "finalize",       "pair_hash", "intersect"};

struct oprf_run {
	size_t n;
	uint8_t (*offers)[BLOCK_LEN], (*needs)[BLOCK_LEN];
	uint8_t (*f_offer)[VOPRF_OUTPUT_LEN], (*f_need)[VOPRF_OUTPUT_LEN];
	uint8_t (*blind)[VOPRF_SCALAR_LEN];
	uint8_t *blinded, *evaluated, (*proof)[VOPRF_PROOF_LEN];
	uint64_t *tok_offer, *tok_need;
	uint8_t sk[VOPRF_SCALAR_LEN], pk[VOPRF_ELEMENT_LEN];
	double t[P_COUNT];
};

static size_t
s_batches(size_t n)
{
	return (n + VOPRF_BATCH_MAX - 1) / VOPRF_BATCH_MAX;
}

static int
s_alloc(struct oprf_run *r, size_t n)
{
	r->n = n;
	r->offers = calloc(n, sizeof(*r->offers));
	r->needs = calloc(n, sizeof(*r->needs));
	r->f_offer = calloc(n, sizeof(*r->f_offer));
	r->f_need = calloc(n, sizeof(*r->f_need));
	r->blind = calloc(n, sizeof(*r->blind));
	r->blinded = calloc(n, VOPRF_ELEMENT_LEN);
	r->evaluated = calloc(n, VOPRF_ELEMENT_LEN);
	r->proof = calloc(s_batches(n), sizeof(*r->proof));
	r->tok_offer = calloc(n, sizeof(*r->tok_offer));
	r->tok_need = calloc(n, sizeof(*r->tok_need));
	if (r->offers == NULL || r->needs == NULL || r->f_offer == NULL || r->f_need == NULL ||
	    r->blind == NULL || r->blinded == NULL || r->evaluated == NULL || r->proof == NULL ||
	    r->tok_offer == NULL || r->tok_need == NULL)
		return SYM_ERR_ALLOC;
	return SYM_OK;
}

static void
s_free(struct oprf_run *r)
{
	if (r->f_offer != NULL)
		sodium_memzero(r->f_offer, r->n * sizeof(*r->f_offer));
	if (r->f_need != NULL)
		sodium_memzero(r->f_need, r->n * sizeof(*r->f_need));
	if (r->blind != NULL)
		sodium_memzero(r->blind, r->n * sizeof(*r->blind));
	sodium_memzero(r->sk, sizeof(r->sk));
	free(r->offers);
	free(r->needs);
	free(r->f_offer);
	free(r->f_need);
	free(r->blind);
	free(r->blinded);
	free(r->evaluated);
	free(r->proof);
	free(r->tok_offer);
	free(r->tok_need);
}

/* Random offers; needs[k] = offers[n-1-k] for the first half, fresh blocks after. */
static void
s_blocks(struct oprf_run *r, uint64_t seed)
{
	uint8_t key[randombytes_SEEDBYTES] = {0};
	size_t k;

	memcpy(key, &seed, sizeof(seed));
	randombytes_buf_deterministic(r->offers, r->n * BLOCK_LEN, key);
	key[31] = 1;
	randombytes_buf_deterministic(r->needs, r->n * BLOCK_LEN, key);
	for (k = 0; k < r->n / 2; k++)
		memcpy(r->needs[k], r->offers[r->n - 1 - k], BLOCK_LEN);
}

/* Trunc8(BLAKE2b-256(key = F(x), "symbiod-hardened-v1" || round || len i || i || len j || j)) */
static void
s_pair_tokens(uint8_t (*f)[VOPRF_OUTPUT_LEN], size_t n, uint64_t *tok)
{
	static const uint8_t ctx[] = "symbiod-hardened-v1"
	                             "round-000000000001"
	                             "\x09"
	                             "company-i"
	                             "\x09"
	                             "company-j";
	uint8_t h[32];
	size_t k;

	for (k = 0; k < n; k++) {
		crypto_generichash(h, sizeof(h), ctx, sizeof(ctx) - 1, f[k], VOPRF_OUTPUT_LEN);
		memcpy(&tok[k], h, TOKEN_BYTES);
	}
}

static int
s_cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The coordinator's join: how many need tokens are among the offer tokens. */
static size_t
s_intersect(uint64_t *offer, size_t n, const uint64_t *need)
{
	size_t k, hits = 0;

	qsort(offer, n, sizeof(*offer), s_cmp_u64);
	for (k = 0; k < n; k++)
		hits += bsearch(&need[k], offer, n, sizeof(*offer), s_cmp_u64) != NULL;
	return hits;
}

/* i: key, then F_i on its own offers directly. */
static int
s_offer_side(struct oprf_run *r)
{
	double t0 = util_now();
	size_t k;
	int rc;

	if ((rc = voprf_keypair(r->sk, r->pk)) != SYM_OK)
		return rc;
	r->t[P_KEY] = util_now() - t0;
	t0 = util_now();
	for (k = 0; k < r->n; k++) {
		rc =
		    voprf_evaluate(VOPRF_MODE_VOPRF, r->sk, r->offers[k], BLOCK_LEN, r->f_offer[k]);
		if (rc != SYM_OK)
			return rc;
	}
	r->t[P_OFFER_EVAL] = util_now() - t0;
	return SYM_OK;
}

/* i answers j's batches with proofs (verify 0), or j checks them (verify 1). */
static int
s_batched(struct oprf_run *r, int verify)
{
	double t0 = util_now();
	size_t b, off, m;
	int rc = SYM_OK;

	for (b = 0, off = 0; off < r->n && rc == SYM_OK; b++, off += m) {
		const uint8_t *in = r->blinded + off * VOPRF_ELEMENT_LEN;
		uint8_t *ev = r->evaluated + off * VOPRF_ELEMENT_LEN;

		m = r->n - off < VOPRF_BATCH_MAX ? r->n - off : VOPRF_BATCH_MAX;
		rc = verify ? voprf_verify(r->pk, in, ev, m, r->proof[b])
		            : voprf_blind_evaluate_proof(r->sk, r->pk, in, m, ev, r->proof[b]);
	}
	r->t[verify ? P_VERIFY : P_EVAL_PROOF] = util_now() - t0;
	return rc;
}

/* j blinds, i answers each batch with a proof, j verifies and finalizes. */
static int
s_query(struct oprf_run *r)
{
	size_t k;
	double t0 = util_now();
	int rc;

	for (k = 0; k < r->n; k++) {
		rc = voprf_blind(VOPRF_MODE_VOPRF, r->needs[k], BLOCK_LEN, r->blind[k],
		                 r->blinded + k * VOPRF_ELEMENT_LEN);
		if (rc != SYM_OK)
			return rc;
	}
	r->t[P_BLIND] = util_now() - t0;
	if ((rc = s_batched(r, 0)) != SYM_OK || (rc = s_batched(r, 1)) != SYM_OK)
		return rc;
	t0 = util_now();
	rc = voprf_finalize_batch(r->needs[0], BLOCK_LEN, r->blind[0], r->evaluated, r->n,
	                          r->f_need[0]);
	if (rc != SYM_OK)
		return rc;
	r->t[P_FINALIZE] = util_now() - t0;
	return SYM_OK;
}

/* The cost of one variable-base scalar multiplication here: the yardstick. */
static double
s_scalarmult_us(void)
{
	enum { REPS = 2000 };
	uint8_t s[VOPRF_SCALAR_LEN], p[VOPRF_ELEMENT_LEN], q[VOPRF_ELEMENT_LEN];
	double t0;
	int k, fails = 0;

	crypto_core_ristretto255_scalar_random(s);
	crypto_core_ristretto255_random(p);
	t0 = util_now();
	for (k = 0; k < REPS; k++)
		fails += crypto_scalarmult_ristretto255(q, s, k & 1 ? q : p) != 0;
	return fails ? 0 : (util_now() - t0) * 1e6 / REPS;
}

static int
s_parse_args(int argc, char **argv, size_t *n, uint64_t *seed)
{
	static const struct option opts[] = {{"elements", required_argument, NULL, 'n'},
	                                     {"seed", required_argument, NULL, 'S'},
	                                     {"help", no_argument, NULL, 'h'},
	                                     {NULL, 0, NULL, 0}};
	unsigned long long v;
	int c;

	*n = 10000;
	*seed = 1;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			if (bench_count("oprf", "elements", optarg, 2, OPRF_ELEMENTS_MAX, &v) != 0)
				return EXIT_USAGE;
			*n = (size_t)v;
			break;
		case 'S':
			if (bench_count("oprf", "seed", optarg, 0, UINT64_MAX, &v) != 0)
				return EXIT_USAGE;
			*seed = v;
			break;
		case 'h': printf("usage: symbi-bench oprf [--elements N] [--seed N]\n"); return 0;
		default: return EXIT_USAGE;
		}
	}
	return -1;
}

static void
s_report(const struct oprf_run *r, size_t hits, double smult_us)
{
	double total = 0, limit;
	int p;

	for (p = 0; p < P_COUNT; p++) {
		total += r->t[p];
		printf("phase=%s s=%.3f us_per_element=%.1f\n", phase_name[p], r->t[p],
		       r->t[p] * 1e6 / (double)r->n);
	}
	/* The floor: one multiplication per offer block, three per need block. */
	limit = smult_us > 0 ? 1e6 / (4 * smult_us) : 0;
	printf("scalarmult_us=%.1f limit_elements_per_s=%.0f matches=%zu total_s=%.3f\n", smult_us,
	       limit, hits, total);
	printf("elements=%zu elements_per_s=%.0f\n", r->n, (double)r->n / total);
}

int
bench_oprf(int argc, char **argv)
{
	struct oprf_run r = {0};
	size_t n, hits;
	uint64_t seed;
	double t0, smult_us;
	int rc;

	if ((rc = s_parse_args(argc, argv, &n, &seed)) >= 0)
		return rc;
	rc = EXIT_SOFTWARE;
	if (sodium_init() < 0 || s_alloc(&r, n) != SYM_OK)
		goto out;
	s_blocks(&r, seed);
	smult_us = s_scalarmult_us();
	if (s_offer_side(&r) != SYM_OK || s_query(&r) != SYM_OK) {
		fprintf(stderr, "symbi-bench oprf: a VOPRF step failed\n");
		goto out;
	}
	t0 = util_now();
	s_pair_tokens(r.f_offer, n, r.tok_offer);
	s_pair_tokens(r.f_need, n, r.tok_need);
	r.t[P_PAIR_HASH] = util_now() - t0;
	t0 = util_now();
	hits = s_intersect(r.tok_offer, n, r.tok_need);
	r.t[P_INTERSECT] = util_now() - t0;
	s_report(&r, hits, smult_us);
	if (hits != n / 2) {
		fprintf(stderr, "symbi-bench oprf: %zu matches, expected %zu\n", hits, n / 2);
		goto out;
	}
	rc = 0;
out:
	s_free(&r);
	return rc;
}
