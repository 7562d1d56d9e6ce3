/*
 * symbi-audit replay: recompute every closed round's join from the exported
 * token batches and compare it with the pair_matched entries, so that a
 * coordinator cannot hide a match (leave a hit out) or invent one.
 *
 * First every batch is checked against the digest its submitter committed
 * to (batches.c); then the unordered pairs of `submitted` are joined one at
 * a time, reading just their two lines again: memory stays bounded by one
 * pair's token sets, as in the daemon. The join and the hashes are the
 * daemon's own functions (crypto/tokset.h, crypto/roundhash.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "batches.h"
#include "roundhash.h"
#include "rules.h"
#include "tokset.h"
#include "util.h"

static const char s_rule[] = "replay";

struct s_round {
	const struct audit_log *log;
	const struct audit_round *rd;
	size_t ri;
	struct audit_batches *bs;
	struct audit_problem *p;
};

static int
s_report(struct s_round *sr, const uint8_t id[16], uint32_t sup, uint32_t con, int hidden)
{
	char hex[33];

	util_hex(id, 16, hex);
	return audit_fail_round(sr->p, sr->rd->id, s_rule, "candidate %s (%s -> %s) %s", hex,
	                        sr->log->members[sup].rec.id, sr->log->members[con].rec.id,
	                        hidden ? "found by the join but missing from the log"
	                               : "in the log but not found by the join");
}

/* The join of sup's offers for con with con's needs from sup, against the log. */
static int
s_compare(struct s_round *sr, uint32_t sup, uint32_t con, const struct audit_batch *offers,
          const struct audit_batch *needs, struct audit_replay_stats *st)
{
	const struct audit_candidate *lc = NULL;
	size_t no = offers->offers_len / TOKEN_LEN, nn = needs->needs_len / TOKEN_LEN, nh, nl = 0,
	       i = 0, j = 0, pi = 0;
	uint8_t *hits, id[16], hh[32];
	const char *sid = sr->log->members[sup].rec.id, *cid = sr->log->members[con].rec.id;
	int r = SYM_OK, c;

	if ((hits = malloc(TOKEN_LEN * (no < nn ? no : nn) + TOKEN_LEN)) == NULL)
		return SYM_ERR_ALLOC;
	nh = tokset_wire_intersect(offers->offers, no, needs->needs, nn, hits);
	if (audit_pair_find(sr->log, sr->ri, sup, con, &pi) == SYM_OK) {
		lc = &sr->log->cands[sr->rd->pairs[pi].first];
		nl = sr->rd->pairs[pi].count;
	}
	/* Both lists are sorted by token: one merge names the first difference. */
	while ((i < nh || j < nl) && r == SYM_OK) {
		c = i == nh   ? 1
		    : j == nl ? -1
		              : memcmp(hits + TOKEN_LEN * i, lc[j].token, TOKEN_LEN);
		if (c == 0) {
			i++;
			j++;
		} else if (c < 0) {
			roundhash_candidate_id(sr->rd->id, sid, cid, hits + TOKEN_LEN * i, id);
			r = s_report(sr, id, sup, con, 1);
		} else {
			r = s_report(sr, lc[j].id, sup, con, 0);
		}
	}
	if (r == SYM_OK && nh > 0) {
		roundhash_hits(sr->rd->id, sid, cid, hits, nh, hh);
		if (memcmp(hh, sr->rd->pairs[pi].hits_hash, 32) != 0)
			r = audit_fail_round(sr->p, sr->rd->id, s_rule,
			                     "pair %s -> %s: hits_hash differs from the join's",
			                     sid, cid);
		st->pairs++;
		st->candidates += nh;
	}
	free(hits);
	return r;
}

static int
s_join(struct s_round *sr, struct audit_replay_stats *st)
{
	const struct audit_round *rd = sr->rd;
	struct audit_batch ab, ba;
	size_t a, b;
	int r = SYM_OK;

	for (a = 0; a < rd->nsubmitted && r == SYM_OK; a++) {
		for (b = a + 1; b < rd->nsubmitted && r == SYM_OK; b++) {
			uint32_t x = rd->submitted[a], y = rd->submitted[b];
			/* Beyond the round's reach: no batches, no join (reach). */
			if (!rules_in_reach(sr->log, rd, x, y))
				continue;
			if ((r = audit_batches_load(sr->bs, x, y, &ab)) != SYM_OK)
				break;
			if ((r = audit_batches_load(sr->bs, y, x, &ba)) == SYM_OK &&
			    (r = s_compare(sr, x, y, &ab, &ba, st)) == SYM_OK)
				r = s_compare(sr, y, x, &ba, &ab, st);
			audit_batch_clear(&ab);
			audit_batch_clear(&ba);
		}
	}
	return r;
}

static int
s_replay_round(const char *dir, const struct audit_log *log, size_t ri,
               struct audit_replay_stats *st, struct audit_problem *p)
{
	struct s_round sr;
	char hex[33];
	int r;

	memset(&sr, 0, sizeof(sr));
	sr.log = log;
	sr.rd = &log->rounds[ri];
	sr.ri = ri;
	sr.p = p;
	r = audit_batches_open(dir, log, ri, s_rule, p, &sr.bs);
	if (r == SYM_ERR_NOT_FOUND && sr.rd->phase == AUDIT_ENDED && !sr.rd->keep_batches) {
		uint8_t *id =
		    audit_push((void **)&st->deleted, &st->ndeleted, sizeof(*st->deleted));
		if (id == NULL)
			return SYM_ERR_ALLOC;
		memcpy(id, sr.rd->id, 16);
		return SYM_OK;
	}
	if (r == SYM_ERR_NOT_FOUND) {
		util_hex(sr.rd->id, 16, hex);
		audit_fail_round(p, sr.rd->id, s_rule,
		                 "batches/%s.jsonl is missing from the export (replay needs the "
		                 "batches: symbiod log export --with-batches)",
		                 hex);
		return SYM_ERR_NOT_FOUND;
	}
	if (r == SYM_OK && (r = audit_batches_complete(sr.bs)) == SYM_OK)
		r = s_join(&sr, st);
	audit_batches_close(&sr.bs);
	return r;
}

int
audit_replay(const char *dir, const struct audit_log *log, struct audit_replay_stats *st,
             struct audit_problem *p)
{
	size_t ri;
	int r;

	memset(st, 0, sizeof(*st));
	for (ri = 0; ri < log->nrounds; ri++) {
		/* Only a closed round has a join to compare with. */
		if (log->rounds[ri].phase == AUDIT_OPEN)
			continue;
		if ((r = s_replay_round(dir, log, ri, st, p)) != SYM_OK)
			return r;
	}
	return SYM_OK;
}

void
audit_replay_stats_clear(struct audit_replay_stats *st)
{
	free(st->deleted);
	memset(st, 0, sizeof(*st));
}
