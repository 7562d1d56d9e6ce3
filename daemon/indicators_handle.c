/*
 * Park indicators, the member requests (PROTOCOL.md "Park indicators"): the
 * state of a round's secure sum as this member may see it, and the three
 * things a member sends: its masked vector with sealed shares, its
 * confirmation of the included set, its unmasking answer. Each is checked
 * in full, kept once (the same bytes again are answered as before), logged
 * as hashes, and may move the round to its next stage.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auditlog.h"
#include "indhash.h"
#include "indicators.h"
#include "log.h"
#include "shamir.h"
#include "wire.h"

#define S_BAD SYMBIOD__STATUS__STATUS_BAD_REQUEST
#define S_FORBIDDEN SYMBIOD__STATUS__STATUS_FORBIDDEN

/* What every indicator request starts from: the round's progress, its submitters, its set. */
struct s_call {
	struct store_secagg sa;
	char **subs;
	size_t nsubs;
	Symbiod__IncludedSet *inc; /* NULL before it is announced */
	const struct ind_layout *l;
};

static void
s_call_clear(struct s_call *k)
{
	store_secagg_clear(&k->sa);
	store_strings_free(k->subs, k->nsubs);
	wire_free((ProtobufCMessage *)k->inc);
	memset(k, 0, sizeof(*k));
}

/* Load the round's state; refused unless the round has indicators and the member submitted. */
static int
s_load(struct round_call *c, const ProtobufCBinaryData *round, struct s_call *k)
{
	int r;

	memset(k, 0, sizeof(*k));
	if (round->len != 16)
		return round_refuse(c, S_BAD, "round id: 16 bytes");
	r = store_secagg_get(c->ctx->park->store, round->data, &k->sa);
	if (r == SYM_ERR_NOT_FOUND || (r == SYM_OK && k->sa.stage == SECAGG_WAITING))
		return round_refuse(
		    c, SYMBIOD__STATUS__STATUS_NOT_FOUND,
		    "the round has no park indicators (yet: they start at its end)");
	if (r != SYM_OK || (r = indicators_ids(k->sa.submitters, &k->subs, &k->nsubs)) != SYM_OK ||
	    (r = indicators_layout(c->ctx, &k->l)) != SYM_OK)
		return r;
	if (k->sa.included != NULL && (r = indicators_included(&k->sa, &k->inc)) != SYM_OK)
		return r;
	if (indicators_find(k->subs, k->nsubs, c->member->rec.id) < 0)
		return round_refuse(c, S_FORBIDDEN,
		                    "only the round's submitters take part in its "
		                    "park indicators");
	return SYM_OK;
}

/* The member is in the included set, and names it by its hash. */
static int
s_in_set(struct round_call *c, const struct s_call *k, int stage, const ProtobufCBinaryData *hash)
{
	if (k->sa.stage != stage)
		return round_refuse(c, S_FORBIDDEN, "the round's park indicators are %s, not %s",
		                    indicators_stage_name(k->sa.stage),
		                    indicators_stage_name(stage));
	if (k->inc == NULL ||
	    indicators_find(k->inc->included, k->inc->n_included, c->member->rec.id) < 0)
		return round_refuse(c, S_FORBIDDEN, "this member is not in the included set");
	if (hash->len != 32 || sodium_memcmp(hash->data, k->sa.included_hash, 32) != 0)
		return round_refuse(c, S_BAD, "the request names another included set");
	return SYM_OK;
}

/* Log the member's entry, move the round on, and acknowledge with the entry's proof. */
static int
s_ack(struct round_call *c, const uint8_t round[16], const char *kind, json_t *fields, int repeated)
{
	Symbiod__IndicatorAck ack = SYMBIOD__INDICATOR_ACK__INIT;
	struct store_secagg sa;
	struct proof_buf pb;
	int r;

	memset(&pb, 0, sizeof(pb));
	memset(&sa, 0, sizeof(sa));
	if (repeated)
		json_decref(fields);
	else if ((r = round_log_with_proof(c, kind, fields, &pb)) != SYM_OK ||
	         (r = indicators_advance(c->ctx, round)) != SYM_OK)
		goto out;
	if ((r = store_secagg_get(c->ctx->park->store, round, &sa)) != SYM_OK)
		goto out;
	ack.stage = (char *)(sa.stage == SECAGG_FINISHED ? indicators_state_name(c->ctx, round)
	                                                 : indicators_stage_name(sa.stage));
	ack.proof = repeated ? NULL : &pb.msg;
	if ((r = wire_pack(&ack.base, &c->reply, &c->reply_len)) == SYM_OK)
		c->status = SYMBIOD__STATUS__STATUS_OK;
out:
	store_secagg_clear(&sa);
	round_proof_clear(&pb);
	return r;
}

/* Keep a member's message once; another one is refused. */
static int
s_keep(struct round_call *c, const uint8_t round[16], int kind, const uint8_t *data, size_t len,
       int *repeated)
{
	int r = store_secagg_msg_put(c->ctx->park->store, round, kind, c->member->rec.id, data, len,
	                             repeated);

	if (r == SYM_ERR_EXISTS)
		return round_refuse(c, S_FORBIDDEN, "this member already sent another %s",
		                    kind == SECAGG_VECTOR    ? "vector"
		                    : kind == SECAGG_CONFIRM ? "confirmation"
		                                             : "unmasking answer");
	return r;
}

/* One sealed share per submitter, this member included, each to a distinct one. */
static int
s_check_shares(struct round_call *c, const struct s_call *k, const Symbiod__IndicatorSubmit *req,
               uint8_t hash[32])
{
	crypto_hash_sha256_state st;
	uint8_t *seen = calloc(k->nsubs + 1, 1);
	size_t i;
	long at;
	int r = SYM_OK;

	if (seen == NULL)
		return SYM_ERR_ALLOC;
	crypto_hash_sha256_init(&st);
	if (req->n_shares != k->nsubs)
		r = round_refuse(c, S_BAD,
		                 "a vector carries one share per submitter (%zu, not %zu)",
		                 k->nsubs, req->n_shares);
	for (i = 0; r == SYM_OK && c->status == 0 && i < req->n_shares; i++) {
		const Symbiod__IndicatorShare *s = req->shares[i];
		uint8_t len = (uint8_t)strlen(s->member);
		if ((at = indicators_find(k->subs, k->nsubs, s->member)) < 0 || seen[at] ||
		    s->sealed.len != INDHASH_SHARE_SEALED) {
			r = round_refuse(c, S_BAD,
			                 "share %zu: not one sealed share (%d bytes) for a "
			                 "submitter not named before",
			                 i, INDHASH_SHARE_SEALED);
			break;
		}
		seen[at] = 1;
		crypto_hash_sha256_update(&st, &len, 1);
		crypto_hash_sha256_update(&st, (const uint8_t *)s->member, len);
		crypto_hash_sha256_update(&st, s->sealed.data, s->sealed.len);
	}
	crypto_hash_sha256_final(&st, hash);
	free(seen);
	return r;
}

int
round_handle_indicator_submit(struct round_call *c, const ProtobufCMessage *msg)
{
	const Symbiod__IndicatorSubmit *req = (const Symbiod__IndicatorSubmit *)msg;
	const char *me = c->member->rec.id;
	uint8_t vhash[32], shash[32];
	struct s_call k;
	size_t i;
	int r, repeated = 0;

	if ((r = s_load(c, &req->round_id, &k)) != SYM_OK || c->status != 0)
		goto out;
	if (k.sa.stage != SECAGG_COLLECTING) {
		r = round_refuse(c, S_FORBIDDEN,
		                 "the round's park indicators are %s: vectors are no "
		                 "longer collected",
		                 indicators_stage_name(k.sa.stage));
		goto out;
	}
	if (req->masked.len != k.l->ncells * 8) {
		r = round_refuse(c, S_BAD,
		                 "the masked vector has %zu cells of 8 bytes here, not %zu "
		                 "bytes",
		                 k.l->ncells, req->masked.len);
		goto out;
	}
	if ((r = s_check_shares(c, &k, req, shash)) != SYM_OK || c->status != 0 ||
	    (r = s_keep(c, req->round_id.data, SECAGG_VECTOR, req->masked.data, req->masked.len,
	                &repeated)) != SYM_OK ||
	    c->status != 0)
		goto out;
	for (i = 0; !repeated && i < req->n_shares; i++)
		if ((r = store_secagg_share_put(c->ctx->park->store, req->round_id.data, me,
		                                req->shares[i]->member, req->shares[i]->sealed.data,
		                                req->shares[i]->sealed.len)) != SYM_OK)
			goto out;
	crypto_hash_sha256(vhash, req->masked.data, req->masked.len);
	r = s_ack(c, req->round_id.data, "indicator_vector",
	          json_pack("{s:o, s:s, s:o, s:o}", "round", auditlog_hex(req->round_id.data, 16),
	                    "member", me, "masked", auditlog_hex(vhash, 32), "shares",
	                    auditlog_hex(shash, 32)),
	          repeated);
	if (r == SYM_OK && !repeated)
		log_info("park indicators: %s sent its masked vector", me);
out:
	s_call_clear(&k);
	return r;
}

int
round_handle_indicator_confirm(struct round_call *c, const ProtobufCMessage *msg)
{
	const Symbiod__IndicatorConfirm *req = (const Symbiod__IndicatorConfirm *)msg;
	uint8_t signed_bytes[INDHASH_CONFIRM_LEN];
	struct s_call k;
	int r, repeated = 0;

	if ((r = s_load(c, &req->round_id, &k)) != SYM_OK || c->status != 0 ||
	    (r = s_in_set(c, &k, SECAGG_CONFIRMING, &req->included_hash)) != SYM_OK ||
	    c->status != 0)
		goto out;
	indhash_confirm_bytes(c->ctx->park->id, req->round_id.data, k.sa.included_hash,
	                      signed_bytes);
	if (req->signature.len != 64 ||
	    crypto_sign_verify_detached(req->signature.data, signed_bytes, sizeof(signed_bytes),
	                                c->member->rec.ed25519) != 0) {
		r = round_refuse(c, SYMBIOD__STATUS__STATUS_UNAUTHENTICATED,
		                 "the confirmation's signature does not verify");
		goto out;
	}
	if ((r = s_keep(c, req->round_id.data, SECAGG_CONFIRM, req->signature.data, 64,
	                &repeated)) != SYM_OK ||
	    c->status != 0)
		goto out;
	r = s_ack(c, req->round_id.data, "indicator_confirm",
	          json_pack("{s:o, s:s, s:o, s:o}", "round", auditlog_hex(req->round_id.data, 16),
	                    "member", c->member->rec.id, "included_hash",
	                    auditlog_hex(k.sa.included_hash, 32), "signature",
	                    auditlog_b64(req->signature.data, 64)),
	          repeated);
out:
	s_call_clear(&k);
	return r;
}

/*
 * An answer gives shares of exactly the included members' seeds, in the
 * set's order, and keys with exactly the dropped members, in id order, 32
 * bytes each: never both kinds for one member. The ids go to the log.
 */
static int
s_check_answer(struct round_call *c, const struct s_call *k, const Symbiod__IndicatorUnmask *req,
               json_t *shares_of, json_t *masks_with)
{
	size_t i, d = 0, dropped = k->nsubs - k->inc->n_included;

	if (req->n_shares != k->inc->n_included || req->n_masks != dropped)
		return round_refuse(c, S_BAD,
		                    "an answer gives a share for each included member and a key "
		                    "for each dropped one");
	for (i = 0; i < k->nsubs; i++) {
		const char *id = k->subs[i];
		int in = indicators_find(k->inc->included, k->inc->n_included, id) >= 0;
		const Symbiod__UnmaskSecret *s =
		    in ? (i - d < req->n_shares ? req->shares[i - d] : NULL)
		       : (d < req->n_masks ? req->masks[d] : NULL);
		if (s == NULL || strcmp(s->member, id) != 0 || s->secret.len != 32 ||
		    (in && !shamir_scalar_canonical(s->secret.data)))
			return round_refuse(
			    c, S_BAD, "the answer for %s is not a 32-byte %s in the set's order",
			    id, in ? "share of its seed" : "key with it");
		json_array_append_new(in ? shares_of : masks_with, json_string(id));
		d += !in;
	}
	return SYM_OK;
}

int
round_handle_indicator_unmask(struct round_call *c, const ProtobufCMessage *msg)
{
	const Symbiod__IndicatorUnmask *req = (const Symbiod__IndicatorUnmask *)msg;
	json_t *shares_of = json_array(), *masks_with = json_array();
	uint8_t hash[32];
	struct s_call k;
	int r, repeated = 0;

	if ((r = s_load(c, &req->round_id, &k)) != SYM_OK || c->status != 0 ||
	    (r = s_in_set(c, &k, SECAGG_UNMASKING, &req->included_hash)) != SYM_OK ||
	    c->status != 0 || (r = s_check_answer(c, &k, req, shares_of, masks_with)) != SYM_OK ||
	    c->status != 0 ||
	    (r = s_keep(c, req->round_id.data, SECAGG_ANSWER, c->payload, c->payload_len,
	                &repeated)) != SYM_OK ||
	    c->status != 0)
		goto out;
	crypto_hash_sha256(hash, c->payload, c->payload_len);
	r = s_ack(c, req->round_id.data, "indicator_unmask",
	          json_pack("{s:o, s:s, s:o, s:O, s:O, s:o}", "round",
	                    auditlog_hex(req->round_id.data, 16), "member", c->member->rec.id,
	                    "included_hash", auditlog_hex(k.sa.included_hash, 32), "shares_of",
	                    shares_of, "masks_with", masks_with, "answer", auditlog_hex(hash, 32)),
	          repeated);
out:
	json_decref(shares_of);
	json_decref(masks_with);
	s_call_clear(&k);
	return r;
}

/* The included entry with its inclusion proof in the current tree. */
static int
s_included_proof(struct round_call *c, const struct store_secagg *sa, struct proof_buf *pb)
{
	memset(pb, 0, sizeof(*pb));
	symbiod__log_proof__init(&pb->msg);
	if (sa->included_index < 0 || sa->included_entry == NULL)
		return SYM_ERR_NOT_FOUND;
	/* Borrowed: pb->entry stays NULL. */
	return round_proof_of(c, (uint64_t)sa->included_index, sa->included_entry,
	                      sa->included_entry_len, pb);
}

/* What the unmasking stage shows a member: the confirmations and the shares sealed to it. */
struct s_unmask_view {
	struct store_secagg_msg *conf, *shares;
	size_t nconf, nshares;
	Symbiod__IndicatorConfirmation *ci, **cp;
	Symbiod__IndicatorShare *si, **sp;
	char **masks_with;
};

static void
s_view_clear(struct s_unmask_view *v)
{
	store_secagg_msgs_free(&v->conf, v->nconf);
	store_secagg_msgs_free(&v->shares, v->nshares);
	free(v->ci);
	free(v->cp);
	free(v->si);
	free(v->sp);
	free(v->masks_with);
	memset(v, 0, sizeof(*v));
}

static int
s_unmask_view(struct round_call *c, const struct s_call *k, Symbiod__IndicatorState *st,
              struct s_unmask_view *v)
{
	struct store *sto = c->ctx->park->store;
	size_t i, n = 0;
	int r;

	if ((r = store_secagg_msgs(sto, k->sa.round, SECAGG_CONFIRM, &v->conf, &v->nconf)) !=
	        SYM_OK ||
	    (r = store_secagg_shares_for(sto, k->sa.round, c->member->rec.id, &v->shares,
	                                 &v->nshares)) != SYM_OK)
		return r;
	v->ci = calloc(v->nconf + 1, sizeof(*v->ci));
	v->cp = calloc(v->nconf + 1, sizeof(*v->cp));
	v->si = calloc(v->nshares + 1, sizeof(*v->si));
	v->sp = calloc(v->nshares + 1, sizeof(*v->sp));
	v->masks_with = calloc(k->nsubs + 1, sizeof(*v->masks_with));
	if (!v->ci || !v->cp || !v->si || !v->sp || !v->masks_with)
		return SYM_ERR_ALLOC;
	for (i = 0; i < v->nconf; i++) {
		symbiod__indicator_confirmation__init(&v->ci[i]);
		v->ci[i].member = v->conf[i].member;
		v->ci[i].signature.data = v->conf[i].data;
		v->ci[i].signature.len = v->conf[i].len;
		v->cp[i] = &v->ci[i];
	}
	for (i = 0; i < v->nshares; i++) {
		if (indicators_find(k->inc->included, k->inc->n_included, v->shares[i].member) < 0)
			continue; /* a dropped member's share is of no use and not shown */
		symbiod__indicator_share__init(&v->si[n]);
		v->si[n].member = v->shares[i].member;
		v->si[n].sealed.data = v->shares[i].data;
		v->si[n].sealed.len = v->shares[i].len;
		v->sp[n] = &v->si[n];
		n++;
	}
	st->n_confirmations = v->nconf;
	st->confirmations = v->cp;
	st->n_shares = n;
	st->shares = v->sp;
	st->n_shares_of = k->inc->n_included;
	st->shares_of = k->inc->included;
	for (i = 0, n = 0; i < k->nsubs; i++)
		if (indicators_find(k->inc->included, k->inc->n_included, k->subs[i]) < 0)
			v->masks_with[n++] = k->subs[i];
	st->n_masks_with = n;
	st->masks_with = v->masks_with;
	return SYM_OK;
}

/* The member's own messages held so far. */
static int
s_flags(struct round_call *c, const struct s_call *k, Symbiod__IndicatorState *st)
{
	static const int kinds[] = {SECAGG_VECTOR, SECAGG_CONFIRM, SECAGG_ANSWER};
	protobuf_c_boolean *flags[] = {&st->sent, &st->confirmed, &st->answered};
	protobuf_c_boolean *has[] = {&st->has_sent, &st->has_confirmed, &st->has_answered};
	size_t i;
	int h;

	for (i = 0; i < 3; i++) {
		if ((h = store_secagg_msg_has(c->ctx->park->store, k->sa.round, kinds[i],
		                              c->member->rec.id)) < 0)
			return h;
		*flags[i] = h > 0;
		*has[i] = 1;
	}
	return SYM_OK;
}

int
round_handle_indicator_state(struct round_call *c, const ProtobufCMessage *msg)
{
	const Symbiod__IndicatorQuery *req = (const Symbiod__IndicatorQuery *)msg;
	Symbiod__IndicatorState st = SYMBIOD__INDICATOR_STATE__INIT;
	struct store_indicator_round ir;
	struct s_unmask_view v;
	struct proof_buf pb;
	struct s_call k;
	int r;

	memset(&v, 0, sizeof(v));
	memset(&pb, 0, sizeof(pb));
	if ((r = s_load(c, &req->round_id, &k)) != SYM_OK || c->status != 0 ||
	    (r = s_flags(c, &k, &st)) != SYM_OK)
		goto out;
	st.round_id = req->round_id;
	st.cells = (uint32_t)k.l->ncells;
	st.n_submitters = k.nsubs;
	st.submitters = k.subs;
	st.stage = (char *)indicators_stage_name(k.sa.stage);
	if (k.sa.stage == SECAGG_FINISHED) {
		if ((r = store_indicator_round_get(c->ctx->park->store, k.sa.round, &ir)) != SYM_OK)
			goto out;
		st.stage = (char *)indicators_state_name(c->ctx, k.sa.round);
		st.reason = ir.state == INDICATORS_FAILED ? ir.reason : NULL;
	}
	if (k.inc != NULL) {
		st.included = k.inc;
		if ((r = s_included_proof(c, &k.sa, &pb)) != SYM_OK)
			goto out;
		st.included_proof = &pb.msg;
	}
	if (k.sa.stage == SECAGG_UNMASKING && (r = s_unmask_view(c, &k, &st, &v)) != SYM_OK)
		goto out;
	if ((r = wire_pack(&st.base, &c->reply, &c->reply_len)) == SYM_OK)
		c->status = SYMBIOD__STATUS__STATUS_OK;
out:
	s_view_clear(&v);
	round_proof_clear(&pb);
	s_call_clear(&k);
	return r;
}
