/*
 * The park-indicator rules of audit/FORMAT.md (secure aggregation): after a
 * round ended, indicator_opened names its submitters and threshold; each
 * submitter sends one masked vector (indicator_vector); the coordinator
 * announces the included set once (indicator_included: exactly the members
 * whose vectors it logged, signed); members of the set confirm it
 * (indicator_confirm, each signature checked); each answers the unmasking
 * once, with shares of exactly the included members' seeds and keys with
 * exactly the dropped members, never both for one member (indicator_unmask);
 * a result (indicator_result) comes once, and `done` only with enough
 * confirmations and answers.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "entry.h"
#include "indhash.h"
#include "rules.h"
#include "util.h"

#define R_IND "indicators"

/* The round's indicators, which must have been opened (and not finished). */
static int
s_round(struct audit_verifier *v, const struct audit_entry *e, struct audit_indicators **ind,
        size_t *ri_out)
{
	uint8_t round[16];
	size_t ri;
	int r;

	if ((r = rules_round_of(v, e, round, &ri)) != SYM_OK)
		return r;
	*ind = &v->log->rounds[ri].ind;
	if (ri_out != NULL)
		*ri_out = ri;
	if (!(*ind)->opened || (*ind)->finished)
		return audit_fail_entry(v->p, e->index, R_IND,
		                        "%s for a round whose indicators are %s", e->kind,
		                        (*ind)->opened ? "finished" : "not opened");
	return SYM_OK;
}

/* The index among the round's submitters of the member an entry's "member" names. */
static int
s_submitter(struct audit_verifier *v, const struct audit_entry *e,
            const struct audit_indicators *ind, size_t *k)
{
	uint32_t mi;
	int r;

	if ((r = rules_member_of(v, e, "member", R_IND, &mi)) != SYM_OK)
		return r;
	for (*k = 0; *k < ind->nsubs; (*k)++)
		if (ind->subs[*k] == mi)
			return SYM_OK;
	return audit_fail_entry(v->p, e->index, R_IND, "%s is not a submitter of the round",
	                        rules_id(v, mi));
}

/* An array of enrolled member ids, strictly in id order, as member indices. */
static int
s_id_list(struct audit_verifier *v, const struct audit_entry *e, const char *key, uint32_t **out,
          size_t *n)
{
	json_t *arr, *x;
	size_t i;
	int r;

	*out = NULL;
	if ((r = audit_entry_array(e, NULL, NULL, key, AUDIT_MAX_LIST, &arr)) != SYM_OK)
		return r;
	*n = json_array_size(arr);
	if ((*out = calloc(*n + 1, sizeof(**out))) == NULL)
		return SYM_ERR_ALLOC;
	json_array_foreach (arr, i, x) {
		const char *id = json_string_value(x);
		if (id == NULL || audit_member_find(v->log, id, &(*out)[i]) != SYM_OK ||
		    (i > 0 && strcmp(rules_id(v, (*out)[i - 1]), id) >= 0))
			return audit_fail_entry(v->p, e->index, R_IND,
			                        "%s[%zu] is not an enrolled member id in id order",
			                        key, i);
	}
	return SYM_OK;
}

int
rules_indicator_opened(struct audit_verifier *v, const struct audit_entry *e)
{
	static const char *const keys[] = {"cells", "deadline_ms", "round", "submitters",
	                                   "threshold"};
	struct audit_indicators *ind;
	struct audit_round *rd;
	uint64_t t, cells, deadline;
	uint8_t round[16];
	size_t ri, i;
	int r;

	if ((r = audit_entry_keys(e, NULL, NULL, keys, 5)) != SYM_OK ||
	    (r = audit_entry_uint(e, NULL, NULL, "threshold", &t)) != SYM_OK ||
	    (r = audit_entry_uint(e, NULL, NULL, "cells", &cells)) != SYM_OK ||
	    (r = audit_entry_uint(e, NULL, NULL, "deadline_ms", &deadline)) != SYM_OK ||
	    (r = rules_round_of(v, e, round, &ri)) != SYM_OK)
		return r;
	rd = &v->log->rounds[ri];
	ind = &rd->ind;
	if (rd->phase != AUDIT_ENDED || ind->opened)
		return audit_fail_entry(v->p, e->index, R_IND,
		                        "indicators open once, after the round ended");
	if ((r = s_id_list(v, e, "submitters", &ind->subs, &ind->nsubs)) != SYM_OK)
		return r;
	for (i = 0; i < ind->nsubs; i++)
		if (!audit_in_submitted(rd, ind->subs[i]))
			return audit_fail_entry(v->p, e->index, R_IND,
			                        "%s did not submit to the round",
			                        rules_id(v, ind->subs[i]));
	if (t != indhash_threshold((uint32_t)ind->nsubs))
		return audit_fail_entry(v->p, e->index, R_IND,
		                        "threshold %llu is not floor(2n/3)+1 for %zu submitters",
		                        (unsigned long long)t, ind->nsubs);
	ind->threshold = (uint32_t)t;
	ind->sent = calloc(ind->nsubs + 1, 1);
	ind->in_set = calloc(ind->nsubs + 1, 1);
	ind->confirmed = calloc(ind->nsubs + 1, 1);
	ind->answered = calloc(ind->nsubs + 1, 1);
	if (!ind->sent || !ind->in_set || !ind->confirmed || !ind->answered)
		return SYM_ERR_ALLOC;
	ind->opened = 1;
	return SYM_OK;
}

int
rules_indicator_vector(struct audit_verifier *v, const struct audit_entry *e)
{
	static const char *const keys[] = {"masked", "member", "round", "shares"};
	struct audit_indicators *ind;
	uint8_t h[32];
	size_t k;
	int r;

	if ((r = audit_entry_keys(e, NULL, NULL, keys, 4)) != SYM_OK ||
	    (r = audit_entry_hex(e, NULL, NULL, "masked", h, 32)) != SYM_OK ||
	    (r = audit_entry_hex(e, NULL, NULL, "shares", h, 32)) != SYM_OK ||
	    (r = s_round(v, e, &ind, NULL)) != SYM_OK || (r = s_submitter(v, e, ind, &k)) != SYM_OK)
		return r;
	if (ind->announced)
		return audit_fail_entry(v->p, e->index, R_IND,
		                        "a vector after the included set was announced");
	if (ind->sent[k])
		return audit_fail_entry(v->p, e->index, R_IND,
		                        "a second masked vector of %s in the round",
		                        rules_id(v, ind->subs[k]));
	ind->sent[k] = 1;
	ind->nsent++;
	return SYM_OK;
}

/* The announced lists: the opened submitters, and exactly the members that sent. */
static int
s_check_set(struct audit_verifier *v, const struct audit_entry *e, struct audit_indicators *ind,
            const uint32_t *subs, size_t nsubs, const uint32_t *incl, size_t nincl)
{
	size_t i, k;

	if (nsubs != ind->nsubs || memcmp(subs, ind->subs, nsubs * sizeof(*subs)) != 0)
		return audit_fail_entry(v->p, e->index, R_IND,
		                        "the included set names other submitters than were opened");
	for (i = 0, k = 0; k < ind->nsubs; k++) {
		int in = i < nincl && incl[i] == ind->subs[k];
		if (in != ind->sent[k])
			return audit_fail_entry(
			    v->p, e->index, R_IND, "the included set %s %s, whose vector %s logged",
			    in ? "names" : "leaves out", rules_id(v, ind->subs[k]),
			    in ? "was never" : "was");
		ind->in_set[k] = (uint8_t)in;
		i += (size_t)in;
	}
	if (i != nincl)
		return audit_fail_entry(v->p, e->index, R_IND,
		                        "the included set names a member that is not a submitter");
	ind->nincl = nincl;
	return SYM_OK;
}

/* The included hash, recomputed, and the coordinator's signature over it. */
static int
s_check_hash(struct audit_verifier *v, const struct audit_entry *e, const uint8_t round[16],
             struct audit_indicators *ind, const uint32_t *incl, size_t nincl)
{
	const char **si = calloc(ind->nsubs + 1, sizeof(*si)),
	           **ii = calloc(nincl + 1, sizeof(*ii));
	uint8_t hash[32], *sig = NULL;
	size_t i, siglen = 0;
	int r = SYM_ERR_ALLOC;

	if (si == NULL || ii == NULL)
		goto out;
	for (i = 0; i < ind->nsubs; i++)
		si[i] = rules_id(v, ind->subs[i]);
	for (i = 0; i < nincl; i++)
		ii[i] = rules_id(v, incl[i]);
	if ((r = audit_entry_hex(e, NULL, NULL, "included_hash", ind->hash, 32)) != SYM_OK ||
	    (r = audit_entry_b64(e, NULL, NULL, "signature", 64, &sig, &siglen)) != SYM_OK ||
	    (r = indhash_included(v->log->park_id, round, ind->threshold, si, ind->nsubs, ii, nincl,
	                          hash)) != SYM_OK)
		goto out;
	if (sodium_memcmp(hash, ind->hash, 32) != 0)
		r = audit_fail_entry(v->p, e->index, R_IND,
		                     "included_hash is not the hash of the announced set");
	else if (siglen != 64 ||
	         crypto_sign_verify_detached(sig, hash, 32, v->log->park.coordinator_ed25519) != 0)
		r = audit_fail_entry(v->p, e->index, R_IND,
		                     "the included set is not signed by the coordinator");
out:
	free(sig);
	free(si);
	free(ii);
	return r;
}

int
rules_indicator_included(struct audit_verifier *v, const struct audit_entry *e)
{
	static const char *const keys[] = {"included",  "included_hash", "round",
	                                   "signature", "submitters",    "threshold"};
	struct audit_indicators *ind;
	uint32_t *subs = NULL, *incl = NULL;
	size_t nsubs = 0, nincl = 0, ri;
	uint64_t t;
	int r;

	if ((r = audit_entry_keys(e, NULL, NULL, keys, 6)) != SYM_OK ||
	    (r = audit_entry_uint(e, NULL, NULL, "threshold", &t)) != SYM_OK ||
	    (r = s_round(v, e, &ind, &ri)) != SYM_OK)
		return r;
	if (ind->announced) {
		r = audit_fail_entry(v->p, e->index, R_IND,
		                     "the included set is announced a second time (first at entry "
		                     "%llu): members may have been shown different sets",
		                     (unsigned long long)ind->announced_entry);
		goto out;
	}
	if ((r = s_id_list(v, e, "submitters", &subs, &nsubs)) != SYM_OK ||
	    (r = s_id_list(v, e, "included", &incl, &nincl)) != SYM_OK ||
	    (r = s_check_set(v, e, ind, subs, nsubs, incl, nincl)) != SYM_OK ||
	    (r = s_check_hash(v, e, v->log->rounds[ri].id, ind, incl, nincl)) != SYM_OK)
		goto out;
	if (t != ind->threshold || nincl < ind->threshold) {
		r = audit_fail_entry(v->p, e->index, R_IND,
		                     "an included set of %zu below the threshold %u", nincl,
		                     ind->threshold);
		goto out;
	}
	ind->announced = 1;
	ind->announced_entry = e->index;
out:
	free(subs);
	free(incl);
	return r;
}

/* A confirming or answering member: in the announced set, naming it by its hash. */
static int
s_member_of_set(struct audit_verifier *v, const struct audit_entry *e,
                struct audit_indicators **ind, size_t *ri, size_t *k)
{
	uint8_t hash[32];
	int r;

	if ((r = s_round(v, e, ind, ri)) != SYM_OK ||
	    (r = audit_entry_hex(e, NULL, NULL, "included_hash", hash, 32)) != SYM_OK ||
	    (r = s_submitter(v, e, *ind, k)) != SYM_OK)
		return r;
	if (!(*ind)->announced || !(*ind)->in_set[*k])
		return audit_fail_entry(v->p, e->index, R_IND,
		                        "%s by a member not in the included "
		                        "set",
		                        e->kind);
	if (sodium_memcmp(hash, (*ind)->hash, 32) != 0)
		return audit_fail_entry(v->p, e->index, R_IND,
		                        "%s names another included set than the one announced",
		                        e->kind);
	return SYM_OK;
}

int
rules_indicator_confirm(struct audit_verifier *v, const struct audit_entry *e)
{
	static const char *const keys[] = {"included_hash", "member", "round", "signature"};
	struct audit_indicators *ind;
	uint8_t bytes[INDHASH_CONFIRM_LEN], *sig = NULL;
	size_t ri, k, siglen = 0;
	int r;

	if ((r = audit_entry_keys(e, NULL, NULL, keys, 4)) != SYM_OK ||
	    (r = s_member_of_set(v, e, &ind, &ri, &k)) != SYM_OK ||
	    (r = audit_entry_b64(e, NULL, NULL, "signature", 64, &sig, &siglen)) != SYM_OK)
		goto out;
	indhash_confirm_bytes(v->log->park_id, v->log->rounds[ri].id, ind->hash, bytes);
	if (siglen != 64 ||
	    crypto_sign_verify_detached(sig, bytes, sizeof(bytes),
	                                v->log->members[ind->subs[k]].rec.ed25519) != 0)
		r = audit_fail_entry(v->p, e->index, R_IND,
		                     "%s's confirmation signature does not verify",
		                     rules_id(v, ind->subs[k]));
	else if (ind->confirmed[k])
		r = audit_fail_entry(v->p, e->index, R_IND, "%s confirms a second time",
		                     rules_id(v, ind->subs[k]));
	if (r == SYM_OK) {
		ind->confirmed[k] = 1;
		ind->nconfirmed++;
	}
out:
	free(sig);
	return r;
}

/*
 * An answer: after t confirmations; shares_of exactly the included members,
 * masks_with exactly the others, so never both kinds for one member.
 */
static int
s_check_asks(struct audit_verifier *v, const struct audit_entry *e,
             const struct audit_indicators *ind, const uint32_t *so, size_t nso, const uint32_t *mw,
             size_t nmw)
{
	size_t i, j, k, a = 0, b = 0;

	for (i = 0; i < nso; i++)
		for (j = 0; j < nmw; j++)
			if (so[i] == mw[j])
				return audit_fail_entry(
				    v->p, e->index, R_IND,
				    "both a share of %s's seed and the pair key with "
				    "%s were asked for and given",
				    rules_id(v, so[i]), rules_id(v, so[i]));
	for (k = 0; k < ind->nsubs; k++) {
		if (ind->in_set[k] ? (a < nso && so[a] == ind->subs[k])
		                   : (b < nmw && mw[b] == ind->subs[k]))
			ind->in_set[k] ? a++ : b++;
		else
			return audit_fail_entry(
			    v->p, e->index, R_IND,
			    "the answer's %s does not match the included set at %s",
			    ind->in_set[k] ? "shares_of" : "masks_with", rules_id(v, ind->subs[k]));
	}
	if (a != nso || b != nmw)
		return audit_fail_entry(v->p, e->index, R_IND,
		                        "the answer names members outside the round's submitters");
	return SYM_OK;
}

int
rules_indicator_unmask(struct audit_verifier *v, const struct audit_entry *e)
{
	static const char *const keys[] = {"answer", "included_hash", "masks_with",
	                                   "member", "round",         "shares_of"};
	struct audit_indicators *ind;
	uint32_t *so = NULL, *mw = NULL;
	uint8_t h[32];
	size_t ri, k, nso = 0, nmw = 0;
	int r;

	if ((r = audit_entry_keys(e, NULL, NULL, keys, 6)) != SYM_OK ||
	    (r = audit_entry_hex(e, NULL, NULL, "answer", h, 32)) != SYM_OK ||
	    (r = s_member_of_set(v, e, &ind, &ri, &k)) != SYM_OK ||
	    (r = s_id_list(v, e, "shares_of", &so, &nso)) != SYM_OK ||
	    (r = s_id_list(v, e, "masks_with", &mw, &nmw)) != SYM_OK ||
	    (r = s_check_asks(v, e, ind, so, nso, mw, nmw)) != SYM_OK)
		goto out;
	if (ind->nconfirmed < ind->threshold)
		r = audit_fail_entry(v->p, e->index, R_IND,
		                     "an unmasking answer with %zu confirmations of the set; the "
		                     "threshold is %u",
		                     ind->nconfirmed, ind->threshold);
	else if (ind->answered[k])
		r = audit_fail_entry(v->p, e->index, R_IND,
		                     "%s answers the unmasking a second time",
		                     rules_id(v, ind->subs[k]));
	if (r == SYM_OK) {
		ind->answered[k] = 1;
		ind->nanswered++;
	}
out:
	free(so);
	free(mw);
	return r;
}

int
rules_indicator_result(struct audit_verifier *v, const struct audit_entry *e)
{
	static const char *const done_keys[] = {"included", "reason", "round",
	                                        "state",    "sums",   "threshold"};
	static const char *const failed_keys[] = {"included", "reason", "round", "state",
	                                          "threshold"};
	struct audit_indicators *ind;
	const char *state = NULL;
	uint64_t incl, t;
	uint8_t h[32];
	int r, done;

	if ((r = audit_entry_string(e, NULL, NULL, "state", 16, &state)) != SYM_OK)
		return r;
	done = strcmp(state, "done") == 0;
	if ((r = audit_entry_keys(e, NULL, NULL, done ? done_keys : failed_keys, done ? 6 : 5)) !=
	        SYM_OK ||
	    (r = audit_entry_uint(e, NULL, NULL, "included", &incl)) != SYM_OK ||
	    (r = audit_entry_uint(e, NULL, NULL, "threshold", &t)) != SYM_OK ||
	    (done && (r = audit_entry_hex(e, NULL, NULL, "sums", h, 32)) != SYM_OK) ||
	    (r = s_round(v, e, &ind, NULL)) != SYM_OK)
		return r;
	if (!done && strcmp(state, "failed") != 0)
		return audit_fail_entry(v->p, e->index, R_IND, "state \"%s\"", state);
	if (done && (!ind->announced || incl != ind->nincl || ind->nconfirmed < ind->threshold ||
	             ind->nanswered < ind->threshold ||
	             (ind->nincl < ind->nsubs && ind->nanswered < ind->nincl)))
		return audit_fail_entry(v->p, e->index, R_IND,
		                        "sums over %llu members without the included set, %u "
		                        "confirmations and the answers that unmask it",
		                        (unsigned long long)incl, ind->threshold);
	ind->finished = 1;
	return SYM_OK;
}
