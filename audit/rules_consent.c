/*
 * Rules 6 (pair_matched), 7 (consent), 7b (deposit) and 8 (release) of
 * audit/FORMAT.md: the candidates a join produced, who answered them with
 * which signed decision, that an item is deposited only after two accepts,
 * and released only with both deposits.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "entry.h"
#include "roundhash.h"
#include "sig.h"
#include "rules.h"
#include "util.h"
#include "wire.h"

/* The candidates of a pair_matched entry into the model, each id recomputed. */
static int
s_add_candidates(struct audit_verifier *v, const struct audit_entry *e, size_t ri, uint32_t sup,
                 uint32_t con, const uint8_t *tokens, const uint8_t *ids, size_t n)
{
	const uint8_t *round = v->log->rounds[ri].id;
	struct audit_candidate *c;
	char hex[33];
	size_t i;
	int r;

	for (i = 0; i < n; i++) {
		if ((c = audit_push((void **)&v->log->cands, &v->log->ncands, sizeof(*c))) == NULL)
			return SYM_ERR_ALLOC;
		memcpy(c->token, tokens + 8 * i, 8);
		c->round = ri;
		c->side[AUDIT_SUPPLIER] = sup;
		c->side[AUDIT_CONSUMER] = con;
		roundhash_candidate_id(round, rules_id(v, sup), rules_id(v, con), c->token, c->id);
		if (memcmp(c->id, ids + 16 * i, 16) != 0)
			return audit_fail_entry(
			    v->p, e->index, "candidate-id",
			    "candidates[%zu]: id %s is not the candidate id of its "
			    "round, pair and token",
			    i, rules_hex16(ids + 16 * i, hex));
		if ((r = audit_index_put(v->log->cand_ix, c->id, 16, v->log->ncands - 1)) != SYM_OK)
			return r != SYM_ERR_EXISTS
			           ? r
			           : audit_fail_entry(v->p, e->index, "candidate-id",
			                              "candidate %s is listed a second time",
			                              rules_hex16(c->id, hex));
	}
	return SYM_OK;
}

/* The "candidates" array of a pair_matched entry: tokens and ids, in the entry's order. */
static int
s_parse_candidates(const struct audit_entry *e, json_t *arr, size_t n, uint8_t *tokens,
                   uint8_t *ids)
{
	static const char *const ckeys[] = {"id", "token"};
	char path[48];
	json_t *obj;
	size_t i;
	int r;

	for (i = 0; i < n; i++) {
		if ((r = audit_entry_element(e, arr, "candidates", i, &obj, path, sizeof(path))) !=
		        SYM_OK ||
		    (r = audit_entry_keys(e, obj, path, ckeys, 2)) != SYM_OK ||
		    (r = audit_entry_hex(e, obj, path, "token", tokens + 8 * i, 8)) != SYM_OK ||
		    (r = audit_entry_hex(e, obj, path, "id", ids + 16 * i, 16)) != SYM_OK)
			return r;
	}
	return SYM_OK;
}

int
rules_pair_matched(struct audit_verifier *v, const struct audit_entry *e)
{
	static const char *const keys[] = {"candidates", "consumer", "count",
	                                   "hits_hash",  "round",    "supplier"};
	struct audit_round *rd;
	struct audit_pair *pair;
	uint8_t round[16], hh[32], want[32], *tokens = NULL, *ids = NULL, pkey[16];
	char hex[33];
	uint64_t count;
	uint32_t sup, con;
	json_t *arr;
	size_t ri, n, i, first, pi;
	int r;

	if ((r = audit_entry_keys(e, NULL, NULL, keys, 6)) != SYM_OK ||
	    (r = audit_entry_uint(e, NULL, NULL, "count", &count)) != SYM_OK ||
	    (r = audit_entry_hex(e, NULL, NULL, "hits_hash", hh, 32)) != SYM_OK ||
	    (r = audit_entry_array(e, NULL, NULL, "candidates", AUDIT_MAX_LIST, &arr)) != SYM_OK ||
	    (r = rules_round_of(v, e, round, &ri)) != SYM_OK ||
	    (r = rules_member_of(v, e, "supplier", "pair-matched", &sup)) != SYM_OK ||
	    (r = rules_member_of(v, e, "consumer", "pair-matched", &con)) != SYM_OK)
		return r;
	rd = &v->log->rounds[ri];
	n = json_array_size(arr);
	tokens = calloc(n + 1, 8);
	ids = calloc(n + 1, 16);
	if (tokens == NULL || ids == NULL) {
		r = SYM_ERR_ALLOC;
		goto out;
	}
	if ((r = s_parse_candidates(e, arr, n, tokens, ids)) != SYM_OK ||
	    (r = rules_in_consent(v, e, rd)) != SYM_OK)
		goto out;
	if (rd->answered) {
		r = audit_fail_entry(v->p, e->index, "round-order",
		                     "pair_matched after the first consent of round %s: the join's "
		                     "result must be fixed before anyone answers",
		                     rules_hex16(round, hex));
		goto out;
	}
	if (sup == con || !audit_in_submitted(rd, sup) || !audit_in_submitted(rd, con)) {
		r = audit_fail_entry(
		    v->p, e->index, "pair-matched",
		    "%s -> %s is not a pair of two members in the round's submitted",
		    rules_id(v, sup), rules_id(v, con));
		goto out;
	}
	if ((r = rules_pair_reach(v, e, rd, sup, con)) != SYM_OK)
		goto out;
	if (audit_pair_find(v->log, ri, sup, con, &pi) == SYM_OK) {
		r = audit_fail_entry(v->p, e->index, "pair-matched",
		                     "a second entry for %s -> %s (first at entry %llu)",
		                     rules_id(v, sup), rules_id(v, con),
		                     (unsigned long long)rd->pairs[pi].entry);
		goto out;
	}
	if (n == 0 || count != n) {
		r = audit_fail_entry(
		    v->p, e->index, "pair-matched",
		    "count is %llu with %zu candidates listed (pairs without hits have "
		    "no entry)",
		    (unsigned long long)count, n);
		goto out;
	}
	for (i = 1; i < n; i++) {
		if (memcmp(tokens + 8 * (i - 1), tokens + 8 * i, 8) >= 0) {
			r = audit_fail_entry(v->p, e->index, "pair-matched",
			                     "candidates are not sorted by token, strictly");
			goto out;
		}
	}
	roundhash_hits(round, rules_id(v, sup), rules_id(v, con), tokens, n, want);
	if (memcmp(want, hh, 32) != 0) {
		r = audit_fail_entry(v->p, e->index, "hits-hash",
		                     "hits_hash is not the hash of the listed tokens");
		goto out;
	}
	first = v->log->ncands;
	if ((r = s_add_candidates(v, e, ri, sup, con, tokens, ids, n)) != SYM_OK)
		goto out;
	if ((pair = audit_push((void **)&rd->pairs, &rd->npairs, sizeof(*pair))) == NULL) {
		r = SYM_ERR_ALLOC;
		goto out;
	}
	pair->supplier = sup;
	pair->consumer = con;
	pair->entry = e->index;
	memcpy(pair->hits_hash, hh, 32);
	pair->first = first;
	pair->count = n;
	rd->ncands += n;
	audit_pair_key(ri, sup, con, pkey);
	r = audit_index_put(v->log->pair_ix, pkey, sizeof(pkey), rd->npairs - 1);
out:
	free(ids);
	free(tokens);
	return r;
}

/* The candidate an entry names, which must be one of the entry's round. */
int
rules_candidate_of(struct audit_verifier *v, const struct audit_entry *e, size_t ri, size_t *ci)
{
	uint8_t id[16];
	char hex[33], rhex[33];
	uint64_t val;
	int r;

	if ((r = audit_entry_hex(e, NULL, NULL, "candidate", id, 16)) != SYM_OK)
		return r;
	if (audit_index_get(v->log->cand_ix, id, 16, &val) != SYM_OK ||
	    v->log->cands[val].round != ri)
		return audit_fail_entry(
		    v->p, e->index, "candidate-unknown",
		    "%s is not a candidate of round %s in any earlier pair_matched",
		    rules_hex16(id, hex), rules_hex16(v->log->rounds[ri].id, rhex));
	*ci = (size_t)val;
	return SYM_OK;
}

/*
 * The consent's signature: the entry keeps no request bytes (protocol 1.1),
 * so the Consent payload is rebuilt from the entry (the coordinator accepts
 * only that canonical encoding), the signed statement from it and the
 * entry's signature fields; its hash must be the entry's `statement`.
 */
static int
s_consent_signed(struct audit_verifier *v, const struct audit_entry *e, const uint8_t round[16],
                 const struct audit_candidate *c, const struct audit_member *m, int accept,
                 const char *publish, uint8_t statement[32])
{
	Symbiod__Consent cs = SYMBIOD__CONSENT__INIT;
	uint8_t rid[16], sig[64], want[32], *payload = NULL, *signed_bytes = NULL;
	size_t payload_len = 0, signed_len = 0;
	uint64_t ts;
	int r;

	if ((r = audit_entry_hex(e, NULL, NULL, "request_id", rid, 16)) != SYM_OK ||
	    (r = audit_entry_uint(e, NULL, NULL, "timestamp_ms", &ts)) != SYM_OK ||
	    (r = audit_entry_hex(e, NULL, NULL, "signature", sig, 64)) != SYM_OK ||
	    (r = audit_entry_hex(e, NULL, NULL, "statement", statement, 32)) != SYM_OK)
		return r;
	cs.round_id.data = (uint8_t *)round;
	cs.round_id.len = 16;
	cs.candidate_id.data = (uint8_t *)c->id;
	cs.candidate_id.len = 16;
	cs.accept = accept != 0;
	cs.publish_class = (char *)publish;
	if ((r = wire_pack(&cs.base, &payload, &payload_len)) != SYM_OK ||
	    (r = wire_request_signed_bytes(
	         v->log->park_id, WIRE_VERSION, SYMBIOD__MSG_TYPE__MSG_CONSENT, rid, ts, m->rec.id,
	         payload, payload_len, &signed_bytes, &signed_len)) != SYM_OK)
		goto out;
	crypto_hash_sha256(want, signed_bytes, signed_len);
	if (memcmp(want, statement, 32) != 0)
		r = audit_fail_entry(
		    v->p, e->index, "consent-signature",
		    "statement is not the hash of the Consent the entry describes");
	else if (sig_verify(m->rec.ed25519, signed_bytes, signed_len, sig) != SYM_OK)
		r = audit_fail_entry(
		    v->p, e->index, "consent-signature",
		    "the consent's signature does not verify under %s's enrolled key", m->rec.id);
out:
	free(signed_bytes);
	free(payload);
	return r;
}

/* The side of candidate c that member mi is, or a failure under `rule`. */
static int
s_side_of(struct audit_verifier *v, const struct audit_entry *e, const struct audit_candidate *c,
          uint32_t mi, const char *rule, int *side)
{
	const struct audit_member *m = &v->log->members[mi];
	char hex[33];

	if (mi == c->side[AUDIT_SUPPLIER])
		*side = AUDIT_SUPPLIER;
	else if (mi == c->side[AUDIT_CONSUMER])
		*side = AUDIT_CONSUMER;
	else
		return audit_fail_entry(
		    v->p, e->index, rule,
		    "\"%s\" is neither the supplier (%s) nor the consumer (%s) of "
		    "candidate %s",
		    m->rec.id, rules_id(v, c->side[0]), rules_id(v, c->side[1]),
		    rules_hex16(c->id, hex));
	if (m->revoked)
		return audit_fail_entry(v->p, e->index, rule, "\"%s\" was revoked at entry %llu",
		                        m->rec.id, (unsigned long long)m->revoked_entry);
	return SYM_OK;
}

/*
 * Records a signed answer of member mi to candidate ci, in either export
 * format: hash is what a release must name as that side's consent.
 */
int
rules_answer(struct audit_verifier *v, const struct audit_entry *e, size_t ri, size_t ci,
             uint32_t mi, int accept, const uint8_t hash[32], int *side_out)
{
	struct audit_round *rd = &v->log->rounds[ri];
	struct audit_candidate *c = &v->log->cands[ci];
	char hex[33];
	int r, side;

	if ((r = s_side_of(v, e, c, mi, "consent-member", &side)) != SYM_OK ||
	    (r = rules_in_consent(v, e, rd)) != SYM_OK)
		return r;
	if (c->answer[side] != AUDIT_UNANSWERED)
		return audit_fail_entry(v->p, e->index, "consent-twice",
		                        "%s already answered candidate %s at entry %llu",
		                        rules_id(v, mi), rules_hex16(c->id, hex),
		                        (unsigned long long)c->answer_entry[side]);
	/* Count each declined candidate once, whoever declined first. */
	if (!accept && c->answer[1 - side] != AUDIT_DECLINED)
		rd->ndeclined++;
	if (accept && c->answer[1 - side] == AUDIT_ACCEPTED)
		rd->nagreed++;
	c->answer[side] = accept ? AUDIT_ACCEPTED : AUDIT_DECLINED;
	c->answer_entry[side] = e->index;
	memcpy(c->consent_hash[side], hash, 32);
	rd->answered = 1;
	*side_out = side;
	return SYM_OK;
}

int
rules_consent(struct audit_verifier *v, const struct audit_entry *e)
{
	static const char *const keys[] = {"accept",     "candidate",    "member",
	                                   "request_id", "round",        "signature",
	                                   "statement",  "timestamp_ms", "publish"};
	uint8_t round[16], statement[32];
	const char *publish = NULL;
	size_t ri, ci;
	uint32_t mi;
	int r, accept, side;

	/* publish is there only when the member published a class (rules_publish.c). */
	if ((r = audit_entry_keys(e, NULL, NULL, keys,
	                          json_object_get(e->obj, "publish") ? 9 : 8)) != SYM_OK ||
	    (r = audit_entry_bool(e, NULL, NULL, "accept", &accept)) != SYM_OK ||
	    (r = rules_publish_of(v, e, accept, &publish)) != SYM_OK ||
	    (r = rules_round_of(v, e, round, &ri)) != SYM_OK ||
	    (r = rules_candidate_of(v, e, ri, &ci)) != SYM_OK ||
	    (r = rules_member_of(v, e, "member", "consent-member", &mi)) != SYM_OK ||
	    (r = s_consent_signed(v, e, round, &v->log->cands[ci], &v->log->members[mi], accept,
	                          publish, statement)) != SYM_OK)
		return r;
	return rules_answer(v, e, ri, ci, mi, accept, statement, &side);
}

int
rules_deposit(struct audit_verifier *v, const struct audit_entry *e)
{
	static const char *const keys[] = {"candidate", "envelope", "member", "round"};
	struct audit_candidate *c;
	uint8_t round[16], envelope[32];
	size_t ri, ci;
	uint32_t mi;
	char hex[33];
	int r, side;

	if ((r = audit_entry_keys(e, NULL, NULL, keys, 4)) != SYM_OK ||
	    (r = audit_entry_hex(e, NULL, NULL, "envelope", envelope, 32)) != SYM_OK ||
	    (r = rules_round_of(v, e, round, &ri)) != SYM_OK ||
	    (r = rules_candidate_of(v, e, ri, &ci)) != SYM_OK ||
	    (r = rules_member_of(v, e, "member", "deposit-member", &mi)) != SYM_OK)
		return r;
	c = &v->log->cands[ci];
	if ((r = s_side_of(v, e, c, mi, "deposit-member", &side)) != SYM_OK ||
	    (r = rules_in_consent(v, e, &v->log->rounds[ri])) != SYM_OK)
		return r;
	/* An item leaves its company only after both sides accepted. */
	if (c->answer[0] != AUDIT_ACCEPTED || c->answer[1] != AUDIT_ACCEPTED)
		return audit_fail_entry(v->p, e->index, "deposit-before-agreement",
		                        "%s deposited an item for candidate %s before both sides "
		                        "accepted it",
		                        rules_id(v, mi), rules_hex16(c->id, hex));
	if (c->deposited[side])
		return audit_fail_entry(v->p, e->index, "deposit-twice",
		                        "%s already deposited for candidate %s at entry %llu",
		                        rules_id(v, mi), rules_hex16(c->id, hex),
		                        (unsigned long long)c->deposit_entry[side]);
	c->deposited[side] = 1;
	c->deposit_entry[side] = e->index;
	memcpy(c->envelope_hash[side], envelope, 32);
	return SYM_OK;
}

int
rules_release(struct audit_verifier *v, const struct audit_entry *e)
{
	static const char *const keys[] = {"candidate", "consumer_consent", "consumer_envelope",
	                                   "round",     "supplier_consent", "supplier_envelope"};
	static const char *const side_name[2] = {"supplier", "consumer"};
	struct audit_candidate *c;
	struct audit_round *rd;
	uint8_t round[16], consent[2][32], envelope[2][32];
	size_t ri, ci;
	char hex[33];
	int r, s;

	if ((r = audit_entry_keys(e, NULL, NULL, keys, 6)) != SYM_OK ||
	    (r = audit_entry_hex(e, NULL, NULL, "supplier_consent", consent[0], 32)) != SYM_OK ||
	    (r = audit_entry_hex(e, NULL, NULL, "consumer_consent", consent[1], 32)) != SYM_OK ||
	    (r = audit_entry_hex(e, NULL, NULL, "supplier_envelope", envelope[0], 32)) != SYM_OK ||
	    (r = audit_entry_hex(e, NULL, NULL, "consumer_envelope", envelope[1], 32)) != SYM_OK ||
	    (r = rules_round_of(v, e, round, &ri)) != SYM_OK ||
	    (r = rules_candidate_of(v, e, ri, &ci)) != SYM_OK)
		return r;
	rd = &v->log->rounds[ri];
	c = &v->log->cands[ci];
	if ((r = rules_in_consent(v, e, rd)) != SYM_OK)
		return r;
	if (c->released)
		return audit_fail_entry(v->p, e->index, "release-twice",
		                        "candidate %s is released a second time",
		                        rules_hex16(c->id, hex));
	for (s = 0; s < 2; s++)
		if (c->answer[s] == AUDIT_DECLINED)
			return audit_fail_entry(
			    v->p, e->index, "release-after-decline",
			    "candidate %s was declined by its %s (%s) at entry %llu",
			    rules_hex16(c->id, hex), side_name[s], rules_id(v, c->side[s]),
			    (unsigned long long)c->answer_entry[s]);
	for (s = 0; s < 2; s++)
		if (c->answer[s] != AUDIT_ACCEPTED)
			return audit_fail_entry(
			    v->p, e->index, "release-without-accepts",
			    "candidate %s has no accepting consent from its %s (%s) "
			    "earlier in the log",
			    rules_hex16(c->id, hex), side_name[s], rules_id(v, c->side[s]));
	for (s = 0; s < 2; s++)
		if (!c->deposited[s])
			return audit_fail_entry(
			    v->p, e->index, "release-without-deposits",
			    "candidate %s has no deposit from its %s (%s) earlier in the log",
			    rules_hex16(c->id, hex), side_name[s], rules_id(v, c->side[s]));
	for (s = 0; s < 2; s++) {
		if (memcmp(consent[s], c->consent_hash[s], 32) != 0)
			return audit_fail_entry(
			    v->p, e->index, "release-hashes",
			    "%s_consent is not the statement of the %s's consent "
			    "(entry %llu)",
			    side_name[s], side_name[s], (unsigned long long)c->answer_entry[s]);
		if (memcmp(envelope[s], c->envelope_hash[s], 32) != 0)
			return audit_fail_entry(v->p, e->index, "release-hashes",
			                        "%s_envelope is not the hash of the %s's deposit "
			                        "(entry %llu)",
			                        side_name[s], side_name[s],
			                        (unsigned long long)c->deposit_entry[s]);
	}
	c->released = 1;
	rd->nreleased++;
	rd->answered = 1;
	return SYM_OK;
}
