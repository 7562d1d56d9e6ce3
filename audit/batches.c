/*
 * Reading batches/<round>.jsonl: every line is checked against the digest
 * its submitter committed to (the last submission entry of the round, which
 * verify tied to the member's signature) and indexed by (submitter,
 * counterpart), so that a caller can read any one batch again without
 * keeping the token sets of the whole round in memory.
 */
#include "batches.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "roundhash.h"
#include "tokset.h"
#include "util.h"

struct s_where {
	uint64_t offset;
	size_t len;
	uint64_t line;
};

struct audit_batches {
	const struct audit_log *log;
	const struct audit_round *rd;
	const char *rule;
	struct audit_lines *lr;
	struct audit_index *ix;   /* submitter, counterpart -> wheres[] */
	struct audit_index *refs; /* submitter, counterpart -> subs[] << 32 | its batches[] */
	struct s_where *wheres;
	size_t nwheres;
	char name[64]; /* batches/<round>.jsonl */
	struct audit_problem *p;
};

void
audit_batch_clear(struct audit_batch *b)
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

static int s_fail(const struct audit_batches *bs, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int
s_fail(const struct audit_batches *bs, const char *fmt, ...)
{
	char msg[sizeof(bs->p->msg)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return audit_fail_round(bs->p, bs->rd->id, bs->rule, "%s", msg);
}

/* A token set field: base64 of a wire set. */
static int
s_tokens(json_t *obj, const char *key, uint8_t **out, size_t *len)
{
	json_t *v = json_object_get(obj, key);
	int r;

	if (!json_is_string(v))
		return SYM_ERR_FORMAT;
	r = audit_unb64(json_string_value(v), json_string_length(v),
	                TOKEN_LEN * AUDIT_MAX_SET_TOKENS, out, len);
	if (r != SYM_OK)
		return r;
	if (!tokset_wire_valid(*out, *len, AUDIT_MAX_SET_TOKENS)) {
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
s_parse(const struct audit_batches *bs, const uint8_t *line, size_t len, uint64_t lineno,
        struct audit_batch *b)
{
	json_error_t jerr;
	json_t *obj;
	int r = SYM_ERR_VERIFY;

	memset(b, 0, sizeof(*b));
	if (len == 0)
		return s_fail(bs, "%s line %llu: an empty line", bs->name,
		              (unsigned long long)lineno);
	if (memchr(line, '\0', len) != NULL ||
	    (obj = json_loadb((const char *)line, len, JSON_REJECT_DUPLICATES, &jerr)) == NULL)
		return s_fail(bs, "%s line %llu: not JSON", bs->name, (unsigned long long)lineno);
	if (!json_is_object(obj) || json_object_size(obj) != 4 ||
	    s_id(obj, "submitter", b->submitter) != SYM_OK ||
	    s_id(obj, "counterpart", b->counterpart) != SYM_OK) {
		s_fail(bs,
		       "%s line %llu: expected {\"submitter\", \"counterpart\", \"offers\", "
		       "\"needs\"} with company ids",
		       bs->name, (unsigned long long)lineno);
		goto out;
	}
	if ((r = s_tokens(obj, "offers", &b->offers, &b->offers_len)) != SYM_OK ||
	    (r = s_tokens(obj, "needs", &b->needs, &b->needs_len)) != SYM_OK) {
		if (r != SYM_ERR_ALLOC)
			r = s_fail(
			    bs,
			    "%s line %llu (%s -> %s): offers and needs must be base64 of sorted, "
			    "distinct 8-byte tokens",
			    bs->name, (unsigned long long)lineno, b->submitter, b->counterpart);
		goto out;
	}
	r = SYM_OK;
out:
	json_decref(obj);
	if (r != SYM_OK)
		audit_batch_clear(b);
	return r;
}

/* The committed batch b answers to, or a problem naming what is wrong with it. */
static int
s_committed(const struct audit_batches *bs, const struct audit_batch *b, uint64_t lineno,
            uint32_t *si, uint32_t *ci)
{
	const struct audit_submission *sub;
	const struct audit_batchref *ref = NULL;
	uint8_t digest[32], key[8];
	uint64_t val;
	int r;

	if (audit_member_find(bs->log, b->submitter, si) != SYM_OK ||
	    (sub = audit_submission_of(bs->rd, *si)) == NULL)
		return s_fail(bs, "%s line %llu: \"%s\" has no submission entry in this round",
		              bs->name, (unsigned long long)lineno, b->submitter);
	if (audit_member_find(bs->log, b->counterpart, ci) == SYM_OK) {
		s_key(*si, *ci, key);
		if (audit_index_get(bs->refs, key, sizeof(key), &val) == SYM_OK)
			ref = &bs->rd->subs[val >> 32].batches[val & UINT32_MAX];
	}
	if (ref == NULL)
		return s_fail(bs,
		              "%s line %llu: %s's submission (entry %llu) has no batch for \"%s\"",
		              bs->name, (unsigned long long)lineno, b->submitter,
		              (unsigned long long)sub->entry, b->counterpart);
	if ((r = roundhash_batch_digest(b->counterpart, b->offers, b->offers_len, b->needs,
	                                b->needs_len, digest)) != SYM_OK)
		return r;
	if (memcmp(digest, ref->digest, 32) != 0)
		return s_fail(bs,
		              "%s line %llu: the batch %s -> %s is not the one committed in entry "
		              "%llu (digest differs)",
		              bs->name, (unsigned long long)lineno, b->submitter, b->counterpart,
		              (unsigned long long)sub->entry);
	return SYM_OK;
}

/* Both sets of a batch have sizes the round's announcement allows (PROTOCOL.md 1.1). */
static int
s_sizes(const struct audit_batches *bs, const struct audit_batch *b, uint64_t lineno)
{
	const struct audit_sizes *sz = &bs->rd->sizes;
	size_t offers = b->offers_len / TOKEN_LEN, needs = b->needs_len / TOKEN_LEN;

	if (tokset_size_allowed(offers, sz->offer_floor, sz->max_offer, sz->fixed_size) &&
	    tokset_size_allowed(needs, sz->need_floor, sz->max_need, sz->fixed_size))
		return SYM_OK;
	return s_fail(bs,
	              "%s line %llu: the batch %s -> %s has %zu offer and %zu need tokens, not "
	              "sizes the round's announcement allows",
	              bs->name, (unsigned long long)lineno, b->submitter, b->counterpart, offers,
	              needs);
}

/* Check one line against its submitter's committed digest and remember where it is. */
static int
s_index_line(struct audit_batches *bs, const uint8_t *line, size_t len, uint64_t offset,
             uint64_t lineno)
{
	struct audit_batch b;
	struct s_where *w;
	uint8_t key[8];
	uint32_t si, ci;
	int r;

	if ((r = s_parse(bs, line, len, lineno, &b)) != SYM_OK)
		return r;
	if ((r = s_committed(bs, &b, lineno, &si, &ci)) != SYM_OK ||
	    (r = s_sizes(bs, &b, lineno)) != SYM_OK)
		goto out;
	if ((w = realloc(bs->wheres, (bs->nwheres + 1) * sizeof(*w))) == NULL) {
		r = SYM_ERR_ALLOC;
		goto out;
	}
	bs->wheres = w;
	s_key(si, ci, key);
	r = audit_index_put(bs->ix, key, sizeof(key), bs->nwheres);
	if (r == SYM_ERR_EXISTS) {
		r = s_fail(bs, "%s line %llu: a second batch %s -> %s", bs->name,
		           (unsigned long long)lineno, b.submitter, b.counterpart);
		goto out;
	}
	if (r != SYM_OK)
		goto out;
	w[bs->nwheres].offset = offset;
	w[bs->nwheres].len = len;
	w[bs->nwheres].line = lineno;
	bs->nwheres++;
out:
	audit_batch_clear(&b);
	return r;
}

/* Where each committed batch digest is: one lookup per line instead of a scan. */
static int
s_index_refs(struct audit_batches *bs)
{
	const struct audit_round *rd = bs->rd;
	uint8_t key[8];
	size_t i, k;
	int r;

	for (i = 0; i < rd->nsubs; i++) {
		for (k = 0; k < rd->subs[i].nbatches; k++) {
			s_key(rd->subs[i].member, rd->subs[i].batches[k].counterpart, key);
			/* verify refused a submission with two batches for one counterpart */
			if ((r = audit_index_put(bs->refs, key, sizeof(key),
			                         ((uint64_t)i << 32) | (uint64_t)k)) != SYM_OK)
				return r == SYM_ERR_EXISTS ? SYM_ERR_INTERNAL : r;
		}
	}
	return SYM_OK;
}

static int
s_index_file(struct audit_batches *bs)
{
	const uint8_t *line;
	uint64_t offset, lineno = 0;
	size_t len;
	int got;

	for (;;) {
		got = audit_lines_next(bs->lr, &line, &len, &offset);
		lineno++;
		if (got == 0)
			return SYM_OK;
		if (got == SYM_ERR_LIMIT || got == SYM_ERR_FORMAT)
			return s_fail(bs, "%s line %llu: %s", bs->name, (unsigned long long)lineno,
			              got == SYM_ERR_LIMIT ? "line too long" : "no final newline");
		if (got < 0)
			return got;
		if ((got = s_index_line(bs, line, len, offset, lineno)) != SYM_OK)
			return got;
	}
}

int
audit_batches_complete(const struct audit_batches *bs)
{
	const struct audit_round *rd = bs->rd;
	uint8_t key[8];
	uint64_t val;
	size_t i, k;

	for (i = 0; i < rd->nsubmitted; i++) {
		const struct audit_submission *sub = audit_submission_of(rd, rd->submitted[i]);
		if (sub == NULL)
			return SYM_ERR_INTERNAL; /* verify made sure of it */
		for (k = 0; k < sub->nbatches; k++) {
			s_key(sub->member, sub->batches[k].counterpart, key);
			if (audit_index_get(bs->ix, key, sizeof(key), &val) != SYM_OK)
				return s_fail(
				    bs, "%s: the batch %s -> %s committed in entry %llu is missing",
				    bs->name, bs->log->members[sub->member].rec.id,
				    bs->log->members[sub->batches[k].counterpart].rec.id,
				    (unsigned long long)sub->entry);
		}
	}
	return SYM_OK;
}

int
audit_batches_open(const char *dir, const struct audit_log *log, size_t ri, const char *rule,
                   struct audit_problem *p, struct audit_batches **out)
{
	struct audit_batches *bs;
	char hex[33], path[4096];
	int r;

	*out = NULL;
	if ((bs = calloc(1, sizeof(*bs))) == NULL)
		return SYM_ERR_ALLOC;
	bs->log = log;
	bs->rd = &log->rounds[ri];
	bs->rule = rule;
	bs->p = p;
	util_hex(bs->rd->id, 16, hex);
	snprintf(bs->name, sizeof(bs->name), "batches/%s.jsonl", hex);
	if ((r = audit_path(dir, bs->name, path, sizeof(path))) != SYM_OK ||
	    (r = audit_lines_open(path, AUDIT_BATCH_LINE_MAX, &bs->lr)) != SYM_OK)
		goto out;
	if ((bs->ix = audit_index_new()) == NULL || (bs->refs = audit_index_new()) == NULL) {
		r = SYM_ERR_ALLOC;
		goto out;
	}
	if ((r = s_index_refs(bs)) != SYM_OK || (r = s_index_file(bs)) != SYM_OK)
		goto out;
	*out = bs;
	bs = NULL; /* transferred */
out:
	audit_batches_close(&bs);
	return r;
}

size_t
audit_batches_count(const struct audit_batches *bs)
{
	return bs->nwheres;
}

int
audit_batches_load(struct audit_batches *bs, uint32_t submitter, uint32_t counterpart,
                   struct audit_batch *b)
{
	const struct s_where *w;
	uint8_t key[8], *line = NULL;
	uint64_t val;
	int r;

	memset(b, 0, sizeof(*b));
	s_key(submitter, counterpart, key);
	if (audit_index_get(bs->ix, key, sizeof(key), &val) != SYM_OK)
		return s_fail(bs, "%s: no batch %s -> %s", bs->name,
		              bs->log->members[submitter].rec.id,
		              bs->log->members[counterpart].rec.id);
	w = &bs->wheres[val];
	if ((r = audit_lines_reread(bs->lr, w->offset, w->len, &line)) != SYM_OK)
		return r;
	r = s_parse(bs, line, w->len, w->line, b);
	free(line);
	return r;
}

void
audit_batches_close(struct audit_batches **bsp)
{
	struct audit_batches *bs = *bsp;

	if (bs == NULL)
		return;
	audit_index_free(&bs->refs);
	audit_index_free(&bs->ix);
	audit_lines_close(&bs->lr);
	free(bs->wheres);
	free(bs);
	*bsp = NULL;
}
