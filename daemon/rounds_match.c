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
	uint8_t *hits = malloc(8 * (no < nn ? no : nn) + 8), hh[32]; /* written before read */
	json_t *cands = NULL;
	int r = SYM_OK;

	if (hits == NULL)
		return SYM_ERR_ALLOC;
	nh = tokset_wire_intersect(offers, no, needs, nn, hits);
	if (nh > 0 && (cands = json_array()) == NULL)
		r = SYM_ERR_ALLOC;
	for (h = 0; h < nh && r == SYM_OK; h++)
		r = s_candidate(ctx, round, supplier, consumer, hits + 8 * h, cands);
	/*
	 * Pairs without a hit have no summary row and no log entry (a replay of
	 * the batches shows them empty): most of a full mesh's pairs, and a
	 * row each cost more than their join.
	 */
	if (r == SYM_OK && nh > 0) {
		roundhash_hits(round, supplier, consumer, hits, nh, hh);
		r = store_pair_summary_add(st, round, supplier, consumer, nh, hh);
	}
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

/* Both directions of the unordered pair {subs[a], subs[b]}: one pair's sets in memory. */
static int
s_match_pair(struct rounds_ctx *ctx, const uint8_t round[16], struct store_batch_reader *rd,
             char *const *subs, size_t a, size_t b, uint64_t *total)
{
	struct store_batch_sets ab, ba;
	int r;

	memset(&ba, 0, sizeof(ba));
	r = store_batch_reader_get(rd, a, b, &ab);
	if (r == SYM_OK)
		r = store_batch_reader_get(rd, b, a, &ba);
	if (r == SYM_OK)
		r = s_match_direction(ctx, round, subs[a], subs[b], ab.offers, ab.offers_len,
		                      ba.needs, ba.needs_len, total);
	if (r == SYM_OK)
		r = s_match_direction(ctx, round, subs[b], subs[a], ba.offers, ba.offers_len,
		                      ab.needs, ab.needs_len, total);
	store_batch_sets_clear(&ab);
	store_batch_sets_clear(&ba);
	return r;
}

int
rounds_match(struct rounds_ctx *ctx, const uint8_t round[16], uint64_t reach_m, char *const *subs,
             size_t nsubs, uint64_t *pairs, uint64_t *candidates, struct sym_diag *diag)
{
	struct store_batch_reader *rd = NULL;
	size_t a, b;
	int r;

	/* Where every batch is, once; then each pair's four sets read, joined and freed. */
	if ((r = store_batch_reader_open(ctx->park->store, round, subs, nsubs, &rd)) != SYM_OK)
		return sym_diag_set(diag, r, "indexing the round's token batches: %s",
		                    sym_strerror(r));
	for (a = 0; a < nsubs && r == SYM_OK; a++) {
		if (subs[a] == NULL)
			continue;
		for (b = a + 1; b < nsubs; b++) {
			/* Farther apart than the round's reach: no batches to join (reach). */
			if (subs[b] == NULL || !site_within(rounds_site_of(ctx, subs[a]),
			                                    rounds_site_of(ctx, subs[b]), reach_m))
				continue;
			if ((r = s_match_pair(ctx, round, rd, subs, a, b, candidates)) != SYM_OK) {
				sym_diag_set(
				    diag, r, "matching %s and %s: %s%s", subs[a], subs[b],
				    sym_strerror(r),
				    r == SYM_ERR_FORMAT
				        ? " (a token batch file under PARK/batches is "
				          "truncated or corrupt; the log names it; the round "
				          "stays open)"
				        : "");
				break;
			}
			(*pairs)++;
		}
	}
	store_batch_reader_close(&rd);
	return r;
}
