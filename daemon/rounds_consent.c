/*
 * A member's answer to a candidate: accept with a sealed envelope for the
 * counterpart, or decline. When both sides accepted, the release is logged
 * with what it rests on.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auditlog.h"
#include "log.h"
#include "rounds_internal.h"
#include "util.h"
#include "wire.h"

/* Both accepted: log which consents and envelopes the release rests on. */
static int
s_log_release(struct rounds_ctx *ctx, const struct store_candidate *c)
{
	struct store_evidence ev;
	uint8_t h[4][32];
	int r;

	if ((r = store_candidate_evidence(ctx->park->store, c->id, &ev)) != SYM_OK)
		return r;
	crypto_hash_sha256(h[0], ev.supplier_request, ev.supplier_request_len);
	crypto_hash_sha256(h[1], ev.consumer_request, ev.consumer_request_len);
	crypto_hash_sha256(h[2], ev.supplier_envelope, ev.supplier_envelope_len);
	crypto_hash_sha256(h[3], ev.consumer_envelope, ev.consumer_envelope_len);
	store_evidence_clear(&ev);
	return rounds_log(
	    ctx, "release",
	    json_pack("{s:o, s:o, s:o, s:o, s:o, s:o}", "round", auditlog_hex(c->round, 16),
	              "candidate", auditlog_hex(c->id, 16), "supplier_consent",
	              auditlog_hex(h[0], 32), "consumer_consent", auditlog_hex(h[1], 32),
	              "supplier_envelope", auditlog_hex(h[2], 32), "consumer_envelope",
	              auditlog_hex(h[3], 32)),
	    NULL, NULL, NULL);
}

/* The round in its consent window, and the candidate in it that is the member's. */
static int
s_candidate_of(struct round_call *c, const Symbiod__Consent *req, struct store_round *rd,
               struct store_candidate *cand)
{
	const char *member = c->member->rec.id;
	int r;

	if ((r = round_for(c, &req->round_id, 1, rd)) != SYM_OK || c->status != 0)
		return r;
	if (rd->phase != ROUND_CONSENT)
		return round_refuse(c, SYMBIOD__STATUS__STATUS_FORBIDDEN,
		                    "the round is not in its consent window (it is %s)",
		                    rounds_phase_name(rd->phase));
	r = store_candidate_get(c->ctx->park->store, req->candidate_id.data, cand);
	if (r == SYM_ERR_NOT_FOUND || (r == SYM_OK && (memcmp(cand->round, rd->id, 16) != 0 ||
	                                               (strcmp(cand->supplier, member) != 0 &&
	                                                strcmp(cand->consumer, member) != 0))))
		return round_refuse(c, SYMBIOD__STATUS__STATUS_NOT_FOUND,
		                    "no such candidate of yours in this round");
	return r;
}

/* Record the answer; cand's states follow it. */
static int
s_record(struct round_call *c, const Symbiod__Consent *req, struct store_candidate *cand)
{
	const char *member = c->member->rec.id;
	int r, state = 0;

	r = store_consent_put(c->ctx->park->store, cand->id, member, req->accept,
	                      req->has_envelope ? req->envelope.data : NULL,
	                      req->has_envelope ? req->envelope.len : 0, c->request, c->request_len,
	                      &state);
	if (r == SYM_ERR_EXISTS)
		return round_refuse(c, SYMBIOD__STATUS__STATUS_FORBIDDEN,
		                    "this candidate is already answered (%s)",
		                    round_state_for(cand, member));
	if (r != SYM_OK)
		return r;
	cand->state = state;
	if (strcmp(cand->supplier, member) == 0)
		cand->supplier_state = req->accept ? CONSENT_ACCEPTED : CONSENT_DECLINED;
	else
		cand->consumer_state = req->accept ? CONSENT_ACCEPTED : CONSENT_DECLINED;
	return SYM_OK;
}

int
round_handle_consent(struct round_call *c, const ProtobufCMessage *msg)
{
	const Symbiod__Consent *req = (const Symbiod__Consent *)msg;
	Symbiod__ConsentAck ack = SYMBIOD__CONSENT_ACK__INIT;
	const char *member = c->member->rec.id;
	struct store_candidate cand;
	struct store_round rd;
	struct proof_buf pb;
	char hex[33];
	int r;

	memset(&rd, 0, sizeof(rd));
	memset(&pb, 0, sizeof(pb));
	if (req->candidate_id.len != 16 ||
	    (req->accept && (!req->has_envelope || req->envelope.len < 40 ||
	                     req->envelope.len > ROUNDS_MAX_ENVELOPE)) ||
	    (!req->accept && req->has_envelope))
		return round_refuse(
		    c, SYMBIOD__STATUS__STATUS_BAD_REQUEST,
		    "an accept carries one sealed envelope (40..%u bytes), a decline none",
		    ROUNDS_MAX_ENVELOPE);
	if ((r = s_candidate_of(c, req, &rd, &cand)) != SYM_OK || c->status != 0 ||
	    (r = s_record(c, req, &cand)) != SYM_OK || c->status != 0)
		goto out;
	if ((r = round_log_with_proof(
	         c, "consent",
	         json_pack("{s:o, s:o, s:s, s:b, s:o}", "round", auditlog_hex(rd.id, 16),
	                   "candidate", auditlog_hex(cand.id, 16), "member", member, "accept",
	                   req->accept, "request", auditlog_b64(c->request, c->request_len)),
	         &pb)) != SYM_OK)
		goto out;
	if (cand.state == CANDIDATE_AGREED && (r = s_log_release(c->ctx, &cand)) != SYM_OK)
		goto out;
	ack.candidate_id.data = cand.id;
	ack.candidate_id.len = 16;
	ack.state = (char *)round_state_for(&cand, member);
	ack.proof = &pb.msg;
	if ((r = wire_pack(&ack.base, &c->reply, &c->reply_len)) != SYM_OK)
		goto out;
	util_hex(cand.id, 16, hex);
	log_info("candidate %.8s: %s %s%s", hex, member, req->accept ? "accepted" : "declined",
	         cand.state == CANDIDATE_AGREED ? "; both agreed, released" : "");
	c->status = SYMBIOD__STATUS__STATUS_OK;
out:
	round_proof_clear(&pb);
	store_round_clear(&rd);
	return r;
}
