/*
 * The rules of hardened rounds (HARDENED.md, audit/FORMAT.md): the phases in
 * order (query, evaluate, submit, then the close), one key commitment and
 * one query batch of exactly max_need elements per member, one answer per
 * batch with as many elements as the batch and never by a member without a
 * committed key, every statement signed by its member's enrolled key, and
 * (with batches in the export) every proof against the committed key.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hardtoken.h"
#include "rules.h"
#include "sig.h"
#include "util.h"
#include "voprf.h"

enum { HP_QUERY = 1, HP_EVALUATE = 2, HP_SUBMIT = 3, HP_CLOSED = 4 };
static const char *const s_names[] = {"", "query", "evaluate", "submit", "closed"};

struct hard_answer {
	uint32_t qi, ai;
	uint8_t digest[32], proof[64];
};

struct audit_hard {
	int phase;
	uint32_t batch;   /* max_need: every query batch's exact size */
	size_t nm;        /* members known when the round opened */
	uint8_t *has_key; /* [nm] */
	uint8_t (*pk)[32];
	uint8_t *has_query;
	uint8_t (*qdigest)[32];
	uint8_t *answered;           /* [nm * nm]: querier * nm + answerer */
	struct hard_answer *answers; /* as logged, for the batch file's proofs */
	size_t nanswers;
};

void
rules_hard_free(struct audit_hard **hp)
{
	struct audit_hard *h = hp ? *hp : NULL;

	if (h == NULL)
		return;
	free(h->has_key);
	free(h->pk);
	free(h->has_query);
	free(h->qdigest);
	free(h->answered);
	free(h->answers);
	free(h);
	*hp = NULL;
}

int
rules_hard_opened(struct audit_verifier *v, struct audit_round *rd,
                  const Symbiod__RoundAnnouncement *ann)
{
	struct audit_hard *h;
	size_t nm = v->log->nmembers;

	if (ann->mode == NULL || strcmp(ann->mode, "hardened") != 0)
		return SYM_OK;
	if ((h = calloc(1, sizeof(*h))) == NULL)
		return SYM_ERR_ALLOC;
	rd->hard = h;
	h->phase = HP_QUERY;
	h->batch = ann->has_max_need ? ann->max_need : 0;
	h->nm = nm;
	if ((h->has_key = calloc(nm + 1, 1)) == NULL || (h->pk = calloc(nm + 1, 32)) == NULL ||
	    (h->has_query = calloc(nm + 1, 1)) == NULL ||
	    (h->qdigest = calloc(nm + 1, 32)) == NULL ||
	    (h->answered = calloc(nm * nm + 1, 1)) == NULL)
		return SYM_ERR_ALLOC;
	return SYM_OK;
}

/* The entry's round, hardened and in phase `want`; its member (by key), in its directory. */
static int
s_round(struct audit_verifier *v, const struct audit_entry *e, int want, const char *key,
        struct audit_round **rd_out, uint32_t *mi)
{
	struct audit_round *rd;
	uint8_t round[16];
	char hex[33];
	size_t ri;
	int r;

	if ((r = rules_round_of(v, e, round, &ri)) != SYM_OK)
		return r;
	rd = &v->log->rounds[ri];
	if (rd->hard == NULL)
		return audit_fail_entry(v->p, e->index, "hardened-round",
		                        "round %s is not a hardened round",
		                        rules_hex16(round, hex));
	if (rd->hard->phase != want || rd->phase != AUDIT_OPEN)
		return audit_fail_entry(v->p, e->index, "hardened-phase",
		                        "a %s entry in round %s's %s phase", s_names[want],
		                        rules_hex16(round, hex), s_names[rd->hard->phase]);
	if (key == NULL)
		goto out;
	if ((r = rules_member_of(v, e, key, "hardened-member", mi)) != SYM_OK)
		return r;
	if (*mi >= rd->hard->nm || !audit_in_directory(rd, *mi))
		return audit_fail_entry(v->p, e->index, "hardened-member",
		                        "\"%s\" is not in the directory of round %s",
		                        rules_id(v, *mi), rules_hex16(round, hex));
out:
	*rd_out = rd;
	return SYM_OK;
}

/* The base64 signature field, by `mi`'s enrolled key over stmt. */
static int
s_signature(struct audit_verifier *v, const struct audit_entry *e, uint32_t mi, const uint8_t *stmt,
            size_t len)
{
	uint8_t *sig = NULL;
	size_t slen = 0;
	int r;

	if ((r = audit_entry_b64(e, NULL, NULL, "signature", 64, &sig, &slen)) != SYM_OK)
		return r;
	if (slen != 64 || sig_verify(v->log->members[mi].rec.ed25519, stmt, len, sig) != SYM_OK)
		r = audit_fail_entry(v->p, e->index, "hardened-signature",
		                     "the statement is not signed by \"%s\"'s enrolled key",
		                     rules_id(v, mi));
	free(sig);
	return r;
}

int
rules_hardened_key(struct audit_verifier *v, const struct audit_entry *e)
{
	static const char *const keys[] = {"member", "pk", "round", "signature"};
	uint8_t pk[32], stmt[HARDTOKEN_STATEMENT_MAX], round[16];
	struct audit_round *rd = NULL;
	size_t len = 0;
	uint32_t mi = 0;
	int r;

	if ((r = audit_entry_keys(e, NULL, NULL, keys, 4)) != SYM_OK ||
	    (r = audit_entry_hex(e, NULL, NULL, "pk", pk, 32)) != SYM_OK ||
	    (r = s_round(v, e, HP_QUERY, "member", &rd, &mi)) != SYM_OK)
		return r;
	memcpy(round, rd->id, 16);
	if (!voprf_element_ok(pk))
		return audit_fail_entry(v->p, e->index, "hardened-key",
		                        "the key is not a group element");
	if (rd->hard->has_key[mi])
		return audit_fail_entry(v->p, e->index, "hardened-key",
		                        "\"%s\" commits a second key in the round",
		                        rules_id(v, mi));
	if ((r = hardtoken_key_statement(v->log->park_id, round, rules_id(v, mi), pk, stmt,
	                                 &len)) != SYM_OK ||
	    (r = s_signature(v, e, mi, stmt, len)) != SYM_OK)
		return r;
	rd->hard->has_key[mi] = 1;
	memcpy(rd->hard->pk[mi], pk, 32);
	return SYM_OK;
}

int
rules_hardened_query(struct audit_verifier *v, const struct audit_entry *e)
{
	static const char *const keys[] = {"count", "digest", "member", "round", "signature"};
	uint8_t digest[32], stmt[HARDTOKEN_STATEMENT_MAX];
	struct audit_round *rd = NULL;
	uint64_t count = 0;
	size_t len = 0;
	uint32_t mi = 0;
	int r;

	if ((r = audit_entry_keys(e, NULL, NULL, keys, 5)) != SYM_OK ||
	    (r = audit_entry_hex(e, NULL, NULL, "digest", digest, 32)) != SYM_OK ||
	    (r = audit_entry_uint(e, NULL, NULL, "count", &count)) != SYM_OK ||
	    (r = s_round(v, e, HP_QUERY, "member", &rd, &mi)) != SYM_OK)
		return r;
	if (count != rd->hard->batch)
		return audit_fail_entry(
		    v->p, e->index, "hardened-budget",
		    "a query batch of %llu elements; the round takes exactly %u",
		    (unsigned long long)count, rd->hard->batch);
	if (rd->hard->has_query[mi])
		return audit_fail_entry(v->p, e->index, "hardened-query",
		                        "\"%s\" sends a second query batch in the round",
		                        rules_id(v, mi));
	if ((r = hardtoken_query_statement(v->log->park_id, rd->id, rules_id(v, mi),
	                                   (uint32_t)count, digest, stmt, &len)) != SYM_OK ||
	    (r = s_signature(v, e, mi, stmt, len)) != SYM_OK)
		return r;
	rd->hard->has_query[mi] = 1;
	memcpy(rd->hard->qdigest[mi], digest, 32);
	return SYM_OK;
}

/* The answer's fields against the model: a key, the querier's batch, once, its size. */
static int
s_answer_model(struct audit_verifier *v, const struct audit_entry *e, struct audit_hard *h,
               uint32_t qi, uint32_t ai, const uint8_t qd[32], uint64_t count)
{
	if (qi == ai || qi >= h->nm || !h->has_query[qi] || memcmp(h->qdigest[qi], qd, 32) != 0)
		return audit_fail_entry(v->p, e->index, "hardened-answer",
		                        "the answer names no query batch of \"%s\"",
		                        rules_id(v, qi));
	if (!h->has_key[ai])
		return audit_fail_entry(v->p, e->index, "hardened-answer",
		                        "\"%s\" answers without a committed key", rules_id(v, ai));
	if (h->answered[(size_t)qi * h->nm + ai])
		return audit_fail_entry(v->p, e->index, "hardened-budget",
		                        "\"%s\" answers \"%s\"'s batch a second time",
		                        rules_id(v, ai), rules_id(v, qi));
	if (count != h->batch)
		return audit_fail_entry(v->p, e->index, "hardened-budget",
		                        "an answer of %llu evaluations to a batch of %u",
		                        (unsigned long long)count, h->batch);
	return SYM_OK;
}

int
rules_hardened_answer(struct audit_verifier *v, const struct audit_entry *e)
{
	static const char *const keys[] = {"count",   "digest",       "member", "proof",
	                                   "querier", "query_digest", "round",  "signature"};
	uint8_t digest[32], qd[32], stmt[HARDTOKEN_STATEMENT_MAX], *proof = NULL;
	struct audit_round *rd = NULL;
	struct hard_answer *ans;
	uint64_t count = 0;
	size_t len = 0, plen = 0;
	uint32_t ai = 0, qi = 0;
	int r;

	if ((r = audit_entry_keys(e, NULL, NULL, keys, 8)) != SYM_OK ||
	    (r = audit_entry_hex(e, NULL, NULL, "digest", digest, 32)) != SYM_OK ||
	    (r = audit_entry_hex(e, NULL, NULL, "query_digest", qd, 32)) != SYM_OK ||
	    (r = audit_entry_uint(e, NULL, NULL, "count", &count)) != SYM_OK ||
	    (r = audit_entry_b64(e, NULL, NULL, "proof", 64, &proof, &plen)) != SYM_OK ||
	    (r = s_round(v, e, HP_EVALUATE, "member", &rd, &ai)) != SYM_OK ||
	    (r = rules_member_of(v, e, "querier", "hardened-answer", &qi)) != SYM_OK)
		goto out;
	if (plen != VOPRF_PROOF_LEN) {
		r = audit_fail_entry(v->p, e->index, "hardened-answer", "a proof is 64 bytes");
		goto out;
	}
	if ((r = s_answer_model(v, e, rd->hard, qi, ai, qd, count)) != SYM_OK ||
	    (r = hardtoken_answer_statement(v->log->park_id, rd->id, rules_id(v, ai),
	                                    rules_id(v, qi), qd, (uint32_t)count, digest, proof,
	                                    stmt, &len)) != SYM_OK ||
	    (r = s_signature(v, e, ai, stmt, len)) != SYM_OK)
		goto out;
	rd->hard->answered[(size_t)qi * rd->hard->nm + ai] = 1;
	if ((ans = audit_push((void **)&rd->hard->answers, &rd->hard->nanswers, sizeof(*ans))) ==
	    NULL) {
		r = SYM_ERR_ALLOC;
		goto out;
	}
	ans->qi = qi;
	ans->ai = ai;
	memcpy(ans->digest, digest, 32);
	memcpy(ans->proof, proof, 64);
out:
	free(proof);
	return r;
}

int
rules_hardened_phase(struct audit_verifier *v, const struct audit_entry *e)
{
	static const char *const keys[] = {"from", "reason", "round", "silent", "to"};
	const char *from = NULL, *to = NULL;
	struct audit_round *rd = NULL;
	uint8_t round[16];
	json_t *silent = NULL;
	size_t ri;
	int r;

	if ((r = audit_entry_keys(e, NULL, NULL, keys, 5)) != SYM_OK ||
	    (r = audit_entry_string(e, NULL, NULL, "from", 16, &from)) != SYM_OK ||
	    (r = audit_entry_string(e, NULL, NULL, "to", 16, &to)) != SYM_OK ||
	    (r = audit_entry_array(e, NULL, NULL, "silent", AUDIT_MAX_LIST, &silent)) != SYM_OK ||
	    (r = rules_round_of(v, e, round, &ri)) != SYM_OK)
		return r;
	rd = &v->log->rounds[ri];
	if (rd->hard == NULL || rd->phase != AUDIT_OPEN || rd->hard->phase >= HP_SUBMIT ||
	    strcmp(from, s_names[rd->hard->phase]) != 0 ||
	    strcmp(to, s_names[rd->hard->phase + 1]) != 0)
		return audit_fail_entry(v->p, e->index, "hardened-phase",
		                        "a move from %.16s to %.16s out of order", from, to);
	rd->hard->phase++;
	return SYM_OK;
}

int
rules_hard_may_submit(struct audit_verifier *v, const struct audit_entry *e,
                      const struct audit_round *rd)
{
	if (rd->hard == NULL || rd->hard->phase == HP_SUBMIT)
		return SYM_OK;
	return audit_fail_entry(v->p, e->index, "hardened-phase",
	                        "a submission in a hardened round's %s phase",
	                        s_names[rd->hard->phase]);
}

int
rules_hard_close(struct audit_verifier *v, const struct audit_entry *e, struct audit_round *rd)
{
	if (rd->hard == NULL)
		return SYM_OK;
	if (rd->hard->phase != HP_SUBMIT)
		return audit_fail_entry(v->p, e->index, "hardened-phase",
		                        "a hardened round closes in its %s phase",
		                        s_names[rd->hard->phase]);
	rd->hard->phase = HP_CLOSED;
	return SYM_OK;
}

/* ---- the batch file (<round>.hard.jsonl of an export with batches) ---------- */

struct s_hfile {
	struct audit_verifier *v;
	struct audit_hard *h;
	const char *name;
	uint8_t **queries; /* [nm]: each querier's elements, from its line */
	size_t line;
	size_t nproofs;
};

/* A line's base64 field into *out (malloc'd). */
static int
s_b64(json_t *j, const char *key, size_t max, uint8_t **out, size_t *len)
{
	const char *s = json_string_value(json_object_get(j, key));
	size_t cap;

	*out = NULL;
	if (s == NULL || strlen(s) > (max / 3 + 1) * 4 || (cap = strlen(s) / 4 * 3 + 3) == 0 ||
	    (*out = malloc(cap + 1)) == NULL)
		return SYM_ERR_FORMAT;
	if (sodium_base642bin(*out, cap, s, strlen(s), NULL, len, NULL,
	                      sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    *len > max) {
		free(*out);
		*out = NULL;
		return SYM_ERR_FORMAT;
	}
	return SYM_OK;
}

static int
s_hfail(struct s_hfile *f, const char *what)
{
	char name[96];

	snprintf(name, sizeof(name), "batches/%.48s", f->name);
	return audit_fail_file(f->v->p, name, "hardened-batches", "line %zu: %s", f->line, what);
}

/* A query line: its elements hash to the digest the querier signed in the log. */
static int
s_hquery(struct s_hfile *f, uint32_t qi, uint8_t *el, size_t len)
{
	uint8_t d[32];

	hardtoken_digest(el, len, d);
	if (!f->h->has_query[qi] || memcmp(d, f->h->qdigest[qi], 32) != 0 ||
	    len != (size_t)f->h->batch * VOPRF_ELEMENT_LEN || f->queries[qi] != NULL)
		return s_hfail(f, "a query batch the log does not commit to");
	f->queries[qi] = el; /* transferred */
	return SYM_OK;
}

/* An answer line: the logged answer, and its proof against the committed key. */
static int
s_hanswer(struct s_hfile *f, uint32_t qi, uint32_t ai, const uint8_t *el, size_t len,
          const uint8_t *proof, size_t plen)
{
	const struct hard_answer *a = NULL;
	uint8_t d[32];
	size_t k;

	hardtoken_digest(el, len, d);
	for (k = 0; k < f->h->nanswers && a == NULL; k++)
		if (f->h->answers[k].qi == qi && f->h->answers[k].ai == ai)
			a = &f->h->answers[k];
	if (a == NULL || memcmp(a->digest, d, 32) != 0 || plen != 64 ||
	    memcmp(a->proof, proof, 64) != 0 || f->queries[qi] == NULL)
		return s_hfail(f, "an answer the log does not commit to (or before its query)");
	if (voprf_verify(f->h->pk[ai], f->queries[qi], el, len / VOPRF_ELEMENT_LEN, proof) !=
	    SYM_OK)
		return s_hfail(f, "an answer whose proof does not hold against the committed key");
	f->nproofs++;
	return SYM_OK;
}

static int
s_hline(struct s_hfile *f, json_t *j)
{
	const char *q = json_string_value(json_object_get(j, "querier"));
	const char *a = json_string_value(json_object_get(j, "answerer"));
	uint8_t *el = NULL, *proof = NULL;
	size_t len = 0, plen = 0;
	uint32_t qi, ai;
	int r;

	if (q == NULL || audit_member_find(f->v->log, q, &qi) != SYM_OK || qi >= f->h->nm ||
	    (a != NULL && (audit_member_find(f->v->log, a, &ai) != SYM_OK || ai >= f->h->nm)) ||
	    s_b64(j, "elements", (size_t)VOPRF_BATCH_MAX * VOPRF_ELEMENT_LEN, &el, &len) !=
	        SYM_OK ||
	    (a != NULL && s_b64(j, "proof", 64, &proof, &plen) != SYM_OK)) {
		free(el);
		return s_hfail(f, "malformed");
	}
	if (a == NULL) {
		if ((r = s_hquery(f, qi, el, len)) != SYM_OK)
			free(el);
		return r;
	}
	r = s_hanswer(f, qi, ai, el, len, proof, plen);
	free(el);
	free(proof);
	return r;
}

int
rules_hard_batches(struct audit_verifier *v, const char *dir, size_t ri, size_t *nproofs)
{
	struct audit_round *rd = &v->log->rounds[ri];
	char hex[33], name[64], path[4096], *buf = NULL, *line, *save = NULL;
	struct s_hfile f = {v, rd->hard, name, NULL, 0, 0};
	size_t len = 0, k;
	int r;

	*nproofs = 0;
	if (rd->hard == NULL)
		return SYM_OK;
	snprintf(name, sizeof(name), "%s.hard.jsonl", rules_hex16(rd->id, hex));
	if ((r = audit_path(dir, "batches", path, sizeof(path))) != SYM_OK ||
	    strlen(path) + strlen(name) + 2 > sizeof(path))
		return SYM_ERR_INVALID;
	strcat(path, "/");
	strcat(path, name);
	if ((r = util_read_file(path, 1u << 30, &buf, &len)) != SYM_OK)
		return r == SYM_ERR_NOT_FOUND ? SYM_OK : r;
	if ((f.queries = calloc(rd->hard->nm + 1, sizeof(*f.queries))) == NULL) {
		free(buf);
		return SYM_ERR_ALLOC;
	}
	for (line = strtok_r(buf, "\n", &save); line != NULL && r == SYM_OK;
	     line = strtok_r(NULL, "\n", &save)) {
		json_t *j = json_loads(line, JSON_REJECT_DUPLICATES, NULL);

		f.line++;
		r = j != NULL ? s_hline(&f, j) : s_hfail(&f, "not JSON");
		json_decref(j);
	}
	if (r == SYM_OK && f.nproofs != rd->hard->nanswers)
		r = s_hfail(&f, "the file lacks answers the log holds");
	*nproofs = f.nproofs;
	for (k = 0; k < rd->hard->nm; k++)
		free(f.queries[k]);
	free(f.queries);
	free(buf);
	return r;
}
