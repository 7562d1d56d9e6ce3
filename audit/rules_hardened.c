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

struct audit_hard {
	int phase;
	uint32_t batch;   /* max_need: every query batch's exact size */
	size_t nm;        /* members known when the round opened */
	uint8_t *has_key; /* [nm] */
	uint8_t (*pk)[32];
	uint8_t *has_query;
	uint8_t (*qdigest)[32];
	uint8_t *answered; /* [nm * nm]: querier * nm + answerer */
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
