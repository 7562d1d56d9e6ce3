/*
 * symbi-audit replay: recompute every closed round's join from the exported
 * token batches and compare it with the pair_matched entries, so that a
 * coordinator cannot hide a match (leave a hit out) or invent one.
 *
 * First every batch is checked against the digest its submitter committed
 * to (the last submission entry of the round, which verify tied to the
 * member's signature); then the unordered pairs of `submitted` are joined
 * one at a time, reading just their two lines again: memory stays bounded
 * by one pair's token sets, as in the daemon.
 */
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "protocol.h"
#include "util.h"

struct s_batch {
	char submitter[MEMBER_ID_MAX + 1];
	char counterpart[MEMBER_ID_MAX + 1];
	uint8_t *offers, *needs;
	size_t offers_len, needs_len;
};

struct s_where {
	uint64_t offset;
	size_t len;
	uint64_t line;
};

struct s_round {
	const struct audit_log *log;
	const struct audit_round *rd;
	size_t ri;
	struct audit_lines *lr;
	struct audit_index *ix;   /* submitter, counterpart -> wheres[] */
	struct audit_index *refs; /* submitter, counterpart -> subs[] << 32 | its batches[] */
	struct s_where *wheres;
	size_t nwheres;
	char name[64]; /* batches/<round>.jsonl */
	struct audit_problem *p;
};

static void
s_batch_clear(struct s_batch *b)
{
	free(b->offers);
	free(b->needs);
	memset(b, 0, sizeof(*b));
}

static void
s_key(uint32_t submitter, uint32_t counterpart, uint8_t key[8])
{
	memcpy(key, &submitter, 4);
	memcpy(key + 4, &counterpart, 4);
}

static int s_fail(struct s_round *sr, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int
s_fail(struct s_round *sr, const char *fmt, ...)
{
	char msg[sizeof(sr->p->msg)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return audit_fail_round(sr->p, sr->rd->id, "replay", "%s", msg);
}

/* A token set field: base64 of sorted, distinct 8-byte tokens. */
static int
s_tokens(json_t *obj, const char *key, uint8_t **out, size_t *len)
{
	json_t *v = json_object_get(obj, key);
	int r;

	if (!json_is_string(v))
		return SYM_ERR_FORMAT;
	r = audit_unb64(json_string_value(v), json_string_length(v), 8 * AUDIT_MAX_SET_TOKENS, out,
	                len);
	if (r != SYM_OK)
		return r;
	if (!protocol_tokens_valid(*out, *len, AUDIT_MAX_SET_TOKENS)) {
		free(*out);
		*out = NULL;
		return SYM_ERR_FORMAT;
	}
	return SYM_OK;
}

static int
s_id(json_t *obj, const char *key, char out[MEMBER_ID_MAX + 1])
{
	const char *s = json_string_value(json_object_get(obj, key));

	if (s == NULL || !member_id_valid(s))
		return SYM_ERR_FORMAT;
	memcpy(out, s, strlen(s) + 1);
	return SYM_OK;
}

/* One line of a batches file: {"counterpart", "needs", "offers", "submitter"}, nothing else. */
static int
s_parse(struct s_round *sr, const uint8_t *line, size_t len, uint64_t lineno, struct s_batch *b)
{
	json_error_t jerr;
	json_t *obj;
	int r = SYM_ERR_VERIFY;

	memset(b, 0, sizeof(*b));
	if (len == 0)
		return s_fail(sr, "%s line %llu: an empty line", sr->name,
		              (unsigned long long)lineno);
	if (memchr(line, '\0', len) != NULL ||
	    (obj = json_loadb((const char *)line, len, JSON_REJECT_DUPLICATES, &jerr)) == NULL)
		return s_fail(sr, "%s line %llu: not JSON", sr->name, (unsigned long long)lineno);
	if (!json_is_object(obj) || json_object_size(obj) != 4 ||
	    s_id(obj, "submitter", b->submitter) != SYM_OK ||
	    s_id(obj, "counterpart", b->counterpart) != SYM_OK) {
		s_fail(sr,
		       "%s line %llu: expected {\"submitter\", \"counterpart\", \"offers\", "
		       "\"needs\"} with company ids",
		       sr->name, (unsigned long long)lineno);
		goto out;
	}
	if ((r = s_tokens(obj, "offers", &b->offers, &b->offers_len)) != SYM_OK ||
	    (r = s_tokens(obj, "needs", &b->needs, &b->needs_len)) != SYM_OK) {
		if (r != SYM_ERR_ALLOC)
			r = s_fail(
			    sr,
			    "%s line %llu (%s -> %s): offers and needs must be base64 of sorted, "
			    "distinct 8-byte tokens",
			    sr->name, (unsigned long long)lineno, b->submitter, b->counterpart);
		goto out;
	}
	r = SYM_OK;
out:
	json_decref(obj);
	if (r != SYM_OK)
		s_batch_clear(b);
	return r;
}

/* Check one line against its submitter's committed digest and remember where it is. */
static int
s_index_line(struct s_round *sr, const uint8_t *line, size_t len, uint64_t offset, uint64_t lineno)
{
	const struct audit_submission *sub;
	const struct audit_batchref *ref = NULL;
	struct s_batch b;
	struct s_where *w;
	uint8_t digest[32], key[8];
	uint32_t si, ci;
	uint64_t val;
	int r;

	if ((r = s_parse(sr, line, len, lineno, &b)) != SYM_OK)
		return r;
	if (audit_member_find(sr->log, b.submitter, &si) != SYM_OK ||
	    (sub = audit_submission_of(sr->rd, si)) == NULL) {
		r = s_fail(sr, "%s line %llu: \"%s\" has no submission entry in this round",
		           sr->name, (unsigned long long)lineno, b.submitter);
		goto out;
	}
	if (audit_member_find(sr->log, b.counterpart, &ci) == SYM_OK) {
		s_key(si, ci, key);
		if (audit_index_get(sr->refs, key, sizeof(key), &val) == SYM_OK)
			ref = &sr->rd->subs[val >> 32].batches[val & UINT32_MAX];
	}
	if (ref == NULL) {
		r = s_fail(sr, "%s line %llu: %s's submission (entry %llu) has no batch for \"%s\"",
		           sr->name, (unsigned long long)lineno, b.submitter,
		           (unsigned long long)sub->entry, b.counterpart);
		goto out;
	}
	if ((r = protocol_batch_digest(b.counterpart, b.offers, b.offers_len, b.needs, b.needs_len,
	                               digest)) != SYM_OK)
		goto out;
	if (memcmp(digest, ref->digest, 32) != 0) {
		r = s_fail(
		    sr,
		    "%s line %llu: the batch %s -> %s is not the one committed in entry %llu "
		    "(digest differs)",
		    sr->name, (unsigned long long)lineno, b.submitter, b.counterpart,
		    (unsigned long long)sub->entry);
		goto out;
	}
	if ((w = realloc(sr->wheres, (sr->nwheres + 1) * sizeof(*w))) == NULL) {
		r = SYM_ERR_ALLOC;
		goto out;
	}
	sr->wheres = w;
	s_key(si, ci, key);
	r = audit_index_put(sr->ix, key, sizeof(key), sr->nwheres);
	if (r == SYM_ERR_EXISTS) {
		r = s_fail(sr, "%s line %llu: a second batch %s -> %s", sr->name,
		           (unsigned long long)lineno, b.submitter, b.counterpart);
		goto out;
	}
	if (r != SYM_OK)
		goto out;
	w[sr->nwheres].offset = offset;
	w[sr->nwheres].len = len;
	w[sr->nwheres].line = lineno;
	sr->nwheres++;
out:
	s_batch_clear(&b);
	return r;
}

/* Where each committed batch digest is: one lookup per line instead of a scan. */
static int
s_index_refs(struct s_round *sr)
{
	const struct audit_round *rd = sr->rd;
	uint8_t key[8];
	size_t i, k;
	int r;

	for (i = 0; i < rd->nsubs; i++) {
		for (k = 0; k < rd->subs[i].nbatches; k++) {
			s_key(rd->subs[i].member, rd->subs[i].batches[k].counterpart, key);
			/* verify refused a submission with two batches for one counterpart */
			if ((r = audit_index_put(sr->refs, key, sizeof(key),
			                         ((uint64_t)i << 32) | (uint64_t)k)) != SYM_OK)
				return r == SYM_ERR_EXISTS ? SYM_ERR_INTERNAL : r;
		}
	}
	return SYM_OK;
}

static int
s_index_file(struct s_round *sr)
{
	const uint8_t *line;
	uint64_t offset, lineno = 0;
	size_t len, i, k;
	uint8_t key[8];
	uint64_t val;
	int got;

	for (;;) {
		got = audit_lines_next(sr->lr, &line, &len, &offset);
		lineno++;
		if (got == 0)
			break;
		if (got == SYM_ERR_LIMIT || got == SYM_ERR_FORMAT)
			return s_fail(sr, "%s line %llu: %s", sr->name, (unsigned long long)lineno,
			              got == SYM_ERR_LIMIT ? "line too long" : "no final newline");
		if (got < 0)
			return got;
		if ((got = s_index_line(sr, line, len, offset, lineno)) != SYM_OK)
			return got;
	}
	/* Every joined submitter has exactly the batches it committed to. */
	for (i = 0; i < sr->rd->nsubmitted; i++) {
		const struct audit_submission *sub =
		    audit_submission_of(sr->rd, sr->rd->submitted[i]);
		if (sub == NULL)
			return SYM_ERR_INTERNAL; /* verify made sure of it */
		for (k = 0; k < sub->nbatches; k++) {
			s_key(sub->member, sub->batches[k].counterpart, key);
			if (audit_index_get(sr->ix, key, sizeof(key), &val) != SYM_OK)
				return s_fail(
				    sr, "%s: the batch %s -> %s committed in entry %llu is missing",
				    sr->name, sr->log->members[sub->member].rec.id,
				    sr->log->members[sub->batches[k].counterpart].rec.id,
				    (unsigned long long)sub->entry);
		}
	}
	return SYM_OK;
}

/* Read batch submitter -> counterpart again (it was checked in the first pass). */
static int
s_load(struct s_round *sr, uint32_t submitter, uint32_t counterpart, struct s_batch *b)
{
	const struct s_where *w;
	uint8_t key[8], *line = NULL;
	uint64_t val;
	int r;

	memset(b, 0, sizeof(*b));
	s_key(submitter, counterpart, key);
	if (audit_index_get(sr->ix, key, sizeof(key), &val) != SYM_OK)
		return s_fail(sr, "%s: no batch %s -> %s", sr->name,
		              sr->log->members[submitter].rec.id,
		              sr->log->members[counterpart].rec.id);
	w = &sr->wheres[val];
	if ((r = audit_lines_reread(sr->lr, w->offset, w->len, &line)) != SYM_OK)
		return r;
	r = s_parse(sr, line, w->len, w->line, b);
	free(line);
	return r;
}

static size_t
s_intersect(const uint8_t *a, size_t na, const uint8_t *b, size_t nb, uint8_t *out)
{
	size_t i = 0, j = 0, k = 0;
	int c;

	while (i < na && j < nb) {
		c = memcmp(a + 8 * i, b + 8 * j, 8);
		if (c < 0) {
			i++;
		} else if (c > 0) {
			j++;
		} else {
			memcpy(out + 8 * k++, a + 8 * i, 8);
			i++;
			j++;
		}
	}
	return k;
}

static int
s_report(struct s_round *sr, const uint8_t id[16], uint32_t sup, uint32_t con, int hidden)
{
	char hex[33];

	util_hex(id, 16, hex);
	return s_fail(sr, "candidate %s (%s -> %s) %s", hex, sr->log->members[sup].rec.id,
	              sr->log->members[con].rec.id,
	              hidden ? "found by the join but missing from the log"
	                     : "in the log but not found by the join");
}

/* The join of sup's offers for con with con's needs from sup, against the log. */
static int
s_compare(struct s_round *sr, uint32_t sup, uint32_t con, const struct s_batch *offers,
          const struct s_batch *needs, struct audit_replay_stats *st)
{
	const struct audit_candidate *lc = NULL;
	size_t no = offers->offers_len / 8, nn = needs->needs_len / 8, nh, nl = 0, i = 0, j = 0,
	       pi = 0;
	uint8_t *hits, id[16], hh[32];
	const char *sid = sr->log->members[sup].rec.id, *cid = sr->log->members[con].rec.id;
	int r = SYM_OK, c;

	if ((hits = malloc(8 * (no < nn ? no : nn) + 8)) == NULL)
		return SYM_ERR_ALLOC;
	nh = s_intersect(offers->offers, no, needs->needs, nn, hits);
	if (audit_pair_find(sr->log, sr->ri, sup, con, &pi) == SYM_OK) {
		lc = &sr->log->cands[sr->rd->pairs[pi].first];
		nl = sr->rd->pairs[pi].count;
	}
	/* Both lists are sorted by token: one merge names the first difference. */
	while ((i < nh || j < nl) && r == SYM_OK) {
		c = i == nh ? 1 : j == nl ? -1 : memcmp(hits + 8 * i, lc[j].token, 8);
		if (c == 0) {
			i++;
			j++;
		} else if (c < 0) {
			protocol_candidate_id(sr->rd->id, sid, cid, hits + 8 * i, id);
			r = s_report(sr, id, sup, con, 1);
		} else {
			r = s_report(sr, lc[j].id, sup, con, 0);
		}
	}
	if (r == SYM_OK && nh > 0) {
		protocol_hits_hash(sr->rd->id, sid, cid, hits, nh, hh);
		if (memcmp(hh, sr->rd->pairs[pi].hits_hash, 32) != 0)
			r = s_fail(sr, "pair %s -> %s: hits_hash differs from the join's", sid,
			           cid);
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
	struct s_batch ab, ba;
	size_t a, b;
	int r = SYM_OK;

	for (a = 0; a < rd->nsubmitted && r == SYM_OK; a++) {
		for (b = a + 1; b < rd->nsubmitted && r == SYM_OK; b++) {
			uint32_t x = rd->submitted[a], y = rd->submitted[b];
			if ((r = s_load(sr, x, y, &ab)) != SYM_OK)
				break;
			if ((r = s_load(sr, y, x, &ba)) == SYM_OK &&
			    (r = s_compare(sr, x, y, &ab, &ba, st)) == SYM_OK)
				r = s_compare(sr, y, x, &ba, &ab, st);
			s_batch_clear(&ab);
			s_batch_clear(&ba);
		}
	}
	return r;
}

static int
s_replay_round(const char *dir, const struct audit_log *log, size_t ri,
               struct audit_replay_stats *st, struct audit_problem *p)
{
	struct s_round sr;
	char hex[33], path[4096];
	int r;

	memset(&sr, 0, sizeof(sr));
	sr.log = log;
	sr.rd = &log->rounds[ri];
	sr.ri = ri;
	sr.p = p;
	util_hex(sr.rd->id, 16, hex);
	snprintf(sr.name, sizeof(sr.name), "batches/%s.jsonl", hex);
	if ((r = audit_path(dir, sr.name, path, sizeof(path))) != SYM_OK)
		return r;
	r = audit_lines_open(path, AUDIT_BATCH_LINE_MAX, &sr.lr);
	if (r == SYM_ERR_NOT_FOUND) {
		s_fail(&sr, "%s is missing from the export", sr.name);
		return SYM_ERR_NOT_FOUND;
	}
	if (r != SYM_OK)
		return r;
	if ((sr.ix = audit_index_new()) == NULL || (sr.refs = audit_index_new()) == NULL) {
		r = SYM_ERR_ALLOC;
		goto out;
	}
	if ((r = s_index_refs(&sr)) != SYM_OK || (r = s_index_file(&sr)) != SYM_OK)
		goto out;
	r = s_join(&sr, st);
out:
	audit_index_free(&sr.refs);
	audit_index_free(&sr.ix);
	audit_lines_close(&sr.lr);
	free(sr.wheres);
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
