#include "exchange.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "deposit.h"
#include "envelope.h"
#include "hardview.h"
#include "policy.h"
#include "release_check.h"
#include "rpc.h"
#include "sysexits.h"
#include "util.h"
#include "wire.h"

/* The partner's revealed item as flows of their own: exactly one, of the other direction. */
static int
s_their_item(const struct session *s, const struct candidate_view *v, json_t *item,
             struct flows **theirs, struct sym_diag *diag)
{
	json_t *doc = json_is_object(item) ? json_pack("{s:[O]}", "flows", item) : NULL;
	int r = SYM_ERR_FORMAT;

	if (doc != NULL && flows_from_json(v->counterpart, doc, s->tax, theirs, diag) == SYM_OK &&
	    (*theirs)->n == 1 && ((*theirs)->items[0].direction == FLOW_OFFER) != v->supplier)
		r = SYM_OK;
	json_decref(doc);
	if (r != SYM_OK)
		return sym_diag_set(diag, SYM_ERR_FORMAT,
		                    "%s: the partner's item is not a valid %s", v->id,
		                    v->supplier ? "need" : "offer");
	return r;
}

/* Open a released envelope from the counterpart and re-check the match on exact values. */
static int
s_reveal(struct session *s, const struct round_view *rv, const struct candidate_view *v,
         const Symbiod__Release *rel, json_t **exchange, struct sym_diag *diag)
{
	struct pairkeys *pk = sodium_malloc(sizeof(*pk));
	struct flows *theirs = NULL;
	uint8_t ad[ENVELOPE_AD_MAX], *plain = NULL;
	size_t plain_len;
	json_t *item = NULL;
	json_error_t jerr;
	struct release_candidate cand;
	enum release_check check;
	enum encode_mode mode;
	int adlen, r = SYM_ERR_VERIFY;

	*exchange = NULL;
	if (pk == NULL)
		return SYM_ERR_ALLOC;
	if (rel->envelope.len < ENVELOPE_OVERHEAD || rel->envelope.len > 1u << 20 ||
	    (r = round_view_pair(s, rv, v->counterpart, pk)) != SYM_OK)
		goto out;
	adlen = envelope_ad(rv->round, v->c->candidate_id.data, v->counterpart, s->st->id, ad);
	plain_len = rel->envelope.len - ENVELOPE_OVERHEAD;
	if (adlen < 0 || (plain = sodium_malloc(plain_len + 1)) == NULL) {
		r = SYM_ERR_ALLOC;
		goto out;
	}
	if (envelope_open(pairkeys_env(pk, v->counterpart, s->st->id), ad, (size_t)adlen,
	                  rel->envelope.data, rel->envelope.len, plain) != SYM_OK) {
		r = sym_diag_set(diag, SYM_ERR_VERIFY, "%s: the released envelope does not open",
		                 v->id);
		goto out;
	}
	item = json_loadb((const char *)plain, plain_len, JSON_REJECT_DUPLICATES, &jerr);
	if ((r = s_their_item(s, v, item, &theirs, diag)) != SYM_OK)
		goto out;
	/* Both items must produce the candidate's token; then the exact values decide. */
	if ((r = release_candidate_from_wire(v->c, &cand)) != SYM_OK ||
	    (r = encode_mode_for(rv->rf.token_encoding, rv->rf.hard != NULL, &mode)) != SYM_OK ||
	    (r = rv->rf.hard != NULL
	             ? hard_check_exchange(s, &rv->rf, &cand,
	                                   v->supplier ? v->item : &theirs->items[0],
	                                   v->supplier ? &theirs->items[0] : v->item, &check)
	             : release_check_exchange(s->tax, mode, s->prf, pk, &cand,
	                                      v->supplier ? v->item : &theirs->items[0],
	                                      v->supplier ? &theirs->items[0] : v->item, &check)) !=
	        SYM_OK) {
		r = sym_diag_set(diag, r, "%s: cannot check the released item", v->id);
		goto out;
	}
	*exchange = json_pack("{s:s, s:s, s:s, s:s, s:O, s:O, s:b, s:s}", "candidate", v->id,
	                      "round", v->round, "supplier", v->c->supplier, "consumer",
	                      v->c->consumer, "offer", v->supplier ? v->item->raw : item, "need",
	                      v->supplier ? item : v->item->raw, "near_miss",
	                      check == RELEASE_CHECK_NEAR_MISS, "check", release_check_name(check));
	r = *exchange ? SYM_OK : SYM_ERR_ALLOC;
out:
	if (plain != NULL)
		sodium_free(plain);
	json_decref(item);
	flows_free(&theirs);
	pairkeys_clear(pk);
	sodium_free(pk);
	return r;
}

/* The coordinator takes deposits only in the round's consent window (PROTOCOL.md 3.5, 3.6). */
static int
s_window_open(const struct round_view *rv)
{
	return strcmp(rv->phase, "consent") == 0;
}

/*
 * Was a refused deposit refused because the consent window closed after the
 * status call (the round ended in between)? The coordinator refuses it as
 * forbidden, like other refusals; asking for the phase again tells them
 * apart without reading its message: the window is over when the current
 * round is another one (a round opens only after the last one ended) or
 * ours is no longer in consent.
 */
static int
s_window_closed(struct session *s, const struct round_view *rv, int rc)
{
	struct sym_diag diag = {""};
	uint8_t round[16];
	char phase[16] = "";

	if (rc != EXIT_NOPERM || session_current_round(s, round, phase, &diag) != 0)
		return 0;
	return memcmp(round, rv->round, 16) != 0 || strcmp(phase, "consent") != 0;
}

/*
 * An agreed candidate this company accepted but did not deposit its item
 * for before the consent window ended: nothing of it can travel any more.
 * Recorded as "expired" in the round file, so that the step counts it
 * settled (exchange_left), and said; neither side counts it exchanged.
 */
static void
s_expire(struct round_view *rv, const struct candidate_view *v, struct exchange_step *st)
{
	fprintf(stderr,
	        "symbi %s: %s: agreed with %s, but the consent window ended before this company "
	        "deposited its item: the exchange expired unexchanged\n",
	        st->verb, v->id, v->counterpart);
	json_object_set_new(rv->rf.consents, v->id, json_string("expired"));
	st->expired++;
}

/*
 * Deposit this company's sealed item for each agreed candidate it has not
 * deposited yet (recorded in the round file); returns how many were. Once
 * the consent window is over (before the step, or as the coordinator's
 * refusal shows), such a candidate expires instead (s_expire).
 */
static size_t
s_deposit_agreed(struct session *s, struct round_view *rv, struct exchange_step *st,
                 struct sym_diag *diag)
{
	const char *done;
	size_t i, n = 0, expired = st->expired;
	int rc, over = !s_window_open(rv);

	for (i = 0; i < rv->n; i++) {
		const struct candidate_view *v = &rv->views[i];
		struct deposit_what w = {rv->round, v->c->candidate_id.data, v->counterpart,
		                         v->item ? v->item->raw : NULL};

		/*
		 * Only what this company itself accepted, as recorded when it did:
		 * a coordinator that calls a declined, unanswered or forged
		 * candidate "agreed" gets nothing.
		 */
		done = json_string_value(json_object_get(rv->rf.consents, v->id));
		if (v->item == NULL || v->forged || strcmp(v->c->state, "agreed") != 0 ||
		    done == NULL || strcmp(done, "accepted") != 0 ||
		    (v->counterpart != NULL && policy_denies(&client_policy, v->counterpart)))
			continue;
		rc = over ? 0 : deposit_send(s, &rv->rf, &w, diag);
		if (rc != 0 && !(over = s_window_closed(s, rv, rc))) {
			fprintf(stderr, "symbi %s: %s: deposit: %s\n", st->verb, v->id, diag->msg);
			if (st->deposit_rc == 0)
				st->deposit_rc = rc;
			continue;
		}
		if (over) {
			s_expire(rv, v, st);
			continue;
		}
		json_object_set_new(rv->rf.consents, v->id, json_string("deposited"));
		n++;
	}
	if ((n > 0 || st->expired > expired) && roundfile_save(s->st->dir, &rv->rf, diag) != SYM_OK)
		fprintf(stderr, "symbi %s: cannot record the deposits and expiries locally: %s\n",
		        st->verb, diag->msg);
	return n;
}

static int
s_has_candidate(json_t *arr, const char *id)
{
	size_t i;
	json_t *e;

	json_array_foreach (arr, i, e) {
		const char *c = json_string_value(json_object_get(e, "candidate"));
		if (c != NULL && strcmp(c, id) == 0)
			return 1;
	}
	return 0;
}

/* The view a release answers: ours, with an item of ours, from its counterpart; NULL if none. */
static const struct candidate_view *
s_view_of_release(const struct round_view *rv, const Symbiod__Release *rel, const char *idhex)
{
	size_t j;

	for (j = 0; j < rv->n; j++)
		if (strcmp(rv->views[j].id, idhex) == 0)
			break;
	if (j == rv->n || rv->views[j].item == NULL || strcmp(rel->from, rv->views[j].counterpart))
		return NULL;
	return &rv->views[j];
}

/* Append the current round's new releases to `all`, counted in st. */
static void
s_add_releases(struct session *s, const struct round_view *rv, const Symbiod__ReleaseList *rels,
               json_t *all, struct exchange_step *st, struct sym_diag *diag)
{
	const struct candidate_view *v;
	size_t i;
	json_t *e;

	for (i = 0; rels != NULL && i < rels->n_releases; i++) {
		const Symbiod__Release *rel = rels->releases[i];
		char idhex[33];

		if (rel->candidate_id.len != 16)
			continue;
		util_hex(rel->candidate_id.data, 16, idhex);
		if (s_has_candidate(all, idhex) || (v = s_view_of_release(rv, rel, idhex)) == NULL)
			continue;
		if (s_reveal(s, rv, v, rel, &e, diag) != SYM_OK) {
			fprintf(stderr, "symbi %s: %s\n", st->verb, diag->msg);
			continue;
		}
		if (strcmp(release_check_word(e), "mismatch") == 0)
			st->mismatched++;
		json_array_append_new(all, e);
		st->received++;
	}
}

int
exchange_left(const struct roundfile *rf, json_t *all)
{
	const char *id, *done;
	json_t *v;

	/* A step completed after the end: the coordinator releases nothing any more. */
	if (rf->settled)
		return 0;
	json_object_foreach (rf->consents, id, v) {
		done = json_string_value(v);
		/*
		 * Declined: nothing ever comes of it. Expired: agreed, but the
		 * consent window ended before our deposit; nothing can travel.
		 */
		if (done != NULL && (strcmp(done, "declined") == 0 || strcmp(done, "expired") == 0))
			continue;
		/* Deposited and its counterpart's item kept: done. */
		if (done != NULL && strcmp(done, "deposited") == 0 && s_has_candidate(all, id))
			continue;
		/*
		 * Accepted (it may have become agreed and wait for our deposit),
		 * deposited without the counterpart's item yet (it may wait for us
		 * at the coordinator), or a word this version does not know.
		 */
		return 1;
	}
	return 0;
}

/*
 * After the round's end nothing is released any more (the end deleted every
 * envelope still held, PROTOCOL.md 3.6), and the deposit pass above has
 * expired what it could not deposit. A step that got this far has seen all
 * there will be: an accepted candidate that never became agreed, or a
 * deposit whose counterpart's item was never fetched, stays as it is, and
 * the record is marked settled so that later runs skip the step.
 */
static void
s_settle(struct session *s, struct round_view *rv, struct exchange_step *st, struct sym_diag *diag)
{
	if (strcmp(rv->phase, "ended") != 0 || rv->rf.settled || st->deposit_rc != 0)
		return;
	rv->rf.settled = 1;
	if (roundfile_save(s->st->dir, &rv->rf, diag) != SYM_OK) {
		rv->rf.settled = 0; /* the next run takes the step again: harmless */
		fprintf(stderr, "symbi %s: cannot record the round as settled locally: %s\n",
		        st->verb, diag->msg);
	}
}

int
exchange_step_run(struct session *s, struct round_view *rv, json_t *all, struct exchange_step *st,
                  struct sym_diag *diag)
{
	Symbiod__ReleasesRequest req = SYMBIOD__RELEASES_REQUEST__INIT;
	Symbiod__ReleaseList *rels = NULL;
	int rc;

	if (rv->fl == NULL)
		return 0; /* not submitted to this round: nothing of ours to deposit or receive */
	st->deposited += s_deposit_agreed(s, rv, st, diag);
	req.has_round_id = 1;
	req.round_id = session_bytes(rv->round, 16);
	if ((rc = rpc_call(s->c, SYMBIOD__MSG_TYPE__MSG_RELEASES, &req.base,
	                   &symbiod__release_list__descriptor, (ProtobufCMessage **)&rels, diag)) !=
	    0)
		return rc;
	s_add_releases(s, rv, rels, all, st, diag);
	if (st->received > 0 && exchanges_save(s->st->dir, all, diag) != SYM_OK) {
		st->save_failed = 1;
		rc = EXIT_CANTCREAT;
		goto out;
	}
	/* Kept here now: the coordinator may delete its copies. */
	if (deposit_received(s, rv->round, rels, diag) != 0)
		fprintf(stderr, "symbi %s: could not confirm receipt (%s); the next run will\n",
		        st->verb, diag->msg);
	s_settle(s, rv, st, diag);
out:
	wire_free(rels ? &rels->base : NULL);
	return rc;
}
