/*
 * The match, run once when a round closes: for each ordered pair of
 * submitters, the supplier's offer tokens for the consumer joined with the
 * consumer's need tokens from the supplier. Every common token is a
 * candidate; the coordinator learns that two tokens are equal, nothing more.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auditlog.h"
#include "rounds_internal.h"
#include "tokset.h"
#include "roundhash.h"

/* Store one hit as a candidate and add it to the log entry's list. */
static int
s_candidate(struct rounds_ctx *ctx, const uint8_t round[16], const char *supplier,
            const char *consumer, const uint8_t token[8], json_t *cands)
{
	struct store_candidate c;
	int r;

	memset(&c, 0, sizeof(c));
	memcpy(c.round, round, 16);
	snprintf(c.supplier, sizeof(c.supplier), "%s", supplier);
	snprintf(c.consumer, sizeof(c.consumer), "%s", consumer);
	memcpy(c.token, token, 8);
	roundhash_candidate_id(round, supplier, consumer, c.token, c.id);
	if ((r = store_candidate_add(ctx->park->store, &c)) != SYM_OK)
		return r;
	if (json_array_append_new(cands, json_pack("{s:o, s:o}", "id", auditlog_hex(c.id, 16),
	                                           "token", auditlog_hex(c.token, 8))) != 0)
		return SYM_ERR_ALLOC;
	return SYM_OK;
}

/* One ordered pair: supplier's offers for consumer against consumer's needs from supplier. */
static int
s_match_direction(struct rounds_ctx *ctx, const uint8_t round[16], const char *supplier,
                  const char *consumer, const uint8_t *offers, size_t offers_len,
                  const uint8_t *needs, size_t needs_len, uint64_t *total)
{
	struct store *st = ctx->park->store;
	size_t no = offers_len / 8, nn = needs_len / 8, nh, h;
	uint8_t *hits = calloc(1, 8 * (no < nn ? no : nn) + 8), hh[32];
	json_t *cands = NULL;
	int r = SYM_OK;

	if (hits == NULL)
		return SYM_ERR_ALLOC;
	nh = tokset_wire_intersect(offers, no, needs, nn, hits);
	if (nh > 0 && (cands = json_array()) == NULL)
		r = SYM_ERR_ALLOC;
	for (h = 0; h < nh && r == SYM_OK; h++)
		r = s_candidate(ctx, round, supplier, consumer, hits + 8 * h, cands);
	if (r == SYM_OK) {
		roundhash_hits(round, supplier, consumer, hits, nh, hh);
		r = store_pair_summary_add(st, round, supplier, consumer, nh, hh);
	}
	/* Pairs without a hit have no entry: a replay of the batches shows them empty. */
	if (r == SYM_OK && nh > 0) {
		r = rounds_log(ctx, "pair_matched",
		               json_pack("{s:o, s:s, s:s, s:I, s:o, s:O}", "round",
		                         auditlog_hex(round, 16), "supplier", supplier, "consumer",
		                         consumer, "count", (json_int_t)nh, "hits_hash",
		                         auditlog_hex(hh, 32), "candidates", cands),
		               NULL, NULL, NULL);
	}
	json_decref(cands);
	*total += nh;
	free(hits);
	return r;
}

/* Both directions of the unordered pair {a, b}. */
static int
s_match_pair(struct rounds_ctx *ctx, const uint8_t round[16], const char *a, const char *b,
             uint64_t *total)
{
	struct store *st = ctx->park->store;
	uint8_t *ab_o = NULL, *ab_n = NULL, *ba_o = NULL, *ba_n = NULL;
	size_t ab_ol = 0, ab_nl = 0, ba_ol = 0, ba_nl = 0;
	int r;

	r = store_batch_get(st, round, a, b, &ab_o, &ab_ol, &ab_n, &ab_nl);
	if (r == SYM_OK)
		r = store_batch_get(st, round, b, a, &ba_o, &ba_ol, &ba_n, &ba_nl);
	if (r == SYM_OK)
		r = s_match_direction(ctx, round, a, b, ab_o, ab_ol, ba_n, ba_nl, total);
	if (r == SYM_OK)
		r = s_match_direction(ctx, round, b, a, ba_o, ba_ol, ab_n, ab_nl, total);
	free(ab_o);
	free(ab_n);
	free(ba_o);
	free(ba_n);
	return r;
}

int
rounds_match(struct rounds_ctx *ctx, const uint8_t round[16], uint64_t reach_m, char *const *subs,
             size_t nsubs, uint64_t *pairs, uint64_t *candidates, struct sym_diag *diag)
{
	size_t a, b;
	int r;

	/*
	 * Each unordered pair once: both batches are read, both directions
	 * joined, then freed. Memory is bounded by one pair's token sets.
	 */
	for (a = 0; a < nsubs; a++) {
		if (subs[a] == NULL)
			continue;
		for (b = a + 1; b < nsubs; b++) {
			/* Farther apart than the round's reach: no batches to join (reach). */
			if (subs[b] == NULL || !site_within(rounds_site_of(ctx, subs[a]),
			                                    rounds_site_of(ctx, subs[b]), reach_m))
				continue;
			if ((r = s_match_pair(ctx, round, subs[a], subs[b], candidates)) != SYM_OK)
				return sym_diag_set(diag, r, "matching %s and %s: %s", subs[a],
				                    subs[b], sym_strerror(r));
			(*pairs)++;
		}
	}
	return SYM_OK;
}
