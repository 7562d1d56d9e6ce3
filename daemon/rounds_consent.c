/*
 * A member's answer to a candidate: accept or decline, and nothing else
 * (protocol 1.1): no item travels with a consent. When both sides accepted
 * the candidate is agreed, and each side deposits its item (rounds_deposit.c).
 * The log keeps what the member signed as hash and signature, not the bytes.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auditlog.h"
#include "classname.h"
#include "log.h"
#include "rounds_internal.h"
#include "util.h"
#include "wire.h"

int
round_candidate_of(struct round_call *c, const ProtobufCBinaryData *round_id,
                   const ProtobufCBinaryData *candidate_id, struct store_round *rd,
                   struct store_candidate *cand)
{
	const char *member = c->member->rec.id;
	int r;

	if ((r = round_for(c, round_id, 1, rd)) != SYM_OK || c->status != 0)
		return r;
	if (rd->phase != ROUND_CONSENT)
		return round_refuse(c, SYMBIOD__STATUS__STATUS_FORBIDDEN,
		                    "the round is not in its consent window (it is %s)",
		                    rounds_phase_name(rd->phase));
	r = store_candidate_get(c->ctx->park->store, candidate_id->data, cand);
	if (r == SYM_ERR_NOT_FOUND || (r == SYM_OK && (memcmp(cand->round, rd->id, 16) != 0 ||
	                                               (strcmp(cand->supplier, member) != 0 &&
	                                                strcmp(cand->consumer, member) != 0))))
		return round_refuse(c, SYMBIOD__STATUS__STATUS_NOT_FOUND,
		                    "no such candidate of yours in this round");
	return r;
}

/* Record the answer; cand's states follow it. */
static int
s_record(struct round_call *c, const Symbiod__Consent *req, const uint8_t statement[32],
         struct store_candidate *cand)
{
	const char *member = c->member->rec.id;
	int r, state = 0;

	r = store_consent_put(c->ctx->park->store, cand->id, member, req->accept, statement,
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

/*
 * A consent must be the canonical encoding of its fields: then the log
 * keeps no payload (the auditor rebuilds it from the entry) and nothing else,
 * the old envelope above all, can ride along.
 */
static int
s_canonical(const struct round_call *c, const Symbiod__Consent *req)
{
	Symbiod__Consent want = SYMBIOD__CONSENT__INIT;
	uint8_t *buf = NULL;
	size_t len = 0;
	int ok;

	want.round_id = req->round_id;
	want.candidate_id = req->candidate_id;
	want.accept = req->accept;
	want.publish_class = req->publish_class;
	if (wire_pack(&want.base, &buf, &len) != SYM_OK)
		return 0;
	ok = len == c->payload_len && memcmp(buf, c->payload, len) == 0;
	free(buf);
	return ok;
}

/*
 * A class a side may publish (`symbi accept --publish`): two taxonomy levels,
 * nothing finer. The coordinator cannot tell whether it is the exchange's
 * true class (it never sees categories); the report shows it only when both
 * sides named the same one.
 */
static int
s_publishable(const char *cls)
{
	return class_name_ok(cls, 2) && strchr(cls, '.') != NULL;
}

/*
 * The consent's evidence for the log: the signature fields, and the hash of
 * the exact bytes the member signed (the statement a release names).
 */
static int
s_evidence(const struct round_call *c, uint8_t statement[32], json_t **fields)
{
	Symbiod__Request *req = NULL;
	uint8_t *signed_bytes = NULL;
	size_t signed_len = 0;
	int r;

	*fields = NULL;
	if ((r = wire_request_decode(c->request, c->request_len, &req)) != SYM_OK ||
	    (r = wire_request_signed_bytes(c->ctx->park->id, req->version, req->type,
	                                   req->request_id.data, req->timestamp_ms, req->signer,
	                                   req->payload.data, req->payload.len, &signed_bytes,
	                                   &signed_len)) != SYM_OK)
		goto out;
	crypto_hash_sha256(statement, signed_bytes, signed_len);
	*fields =
	    json_pack("{s:o, s:I, s:o, s:o}", "request_id", auditlog_hex(req->request_id.data, 16),
	              "timestamp_ms", (json_int_t)req->timestamp_ms, "signature",
	              auditlog_hex(req->signature.data, req->signature.len), "statement",
	              auditlog_hex(statement, 32));
	r = *fields != NULL ? SYM_OK : SYM_ERR_ALLOC;
out:
	free(signed_bytes);
	wire_free(req ? &req->base : NULL);
	return r;
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
	uint8_t statement[32];
	json_t *fields = NULL;
	char hex[33];
	int r;

	memset(&rd, 0, sizeof(rd));
	memset(&pb, 0, sizeof(pb));
	if (req->candidate_id.len != 16 || !s_canonical(c, req))
		return round_refuse(
		    c, SYMBIOD__STATUS__STATUS_BAD_REQUEST,
		    "a consent is a round, a candidate and a decision, nothing else "
		    "(no item travels with it: deposit it once agreed)");
	if (req->publish_class != NULL && (!req->accept || !s_publishable(req->publish_class)))
		return round_refuse(c, SYMBIOD__STATUS__STATUS_BAD_REQUEST,
		                    "publish_class must be a class of two taxonomy levels "
		                    "(\"material.ash\"), and only with an accept");
	if ((r = s_evidence(c, statement, &fields)) != SYM_OK ||
	    (r = round_candidate_of(c, &req->round_id, &req->candidate_id, &rd, &cand)) != SYM_OK ||
	    c->status != 0 || (r = s_record(c, req, statement, &cand)) != SYM_OK || c->status != 0)
		goto out;
	if (req->publish_class != NULL &&
	    (r = store_publish_put(c->ctx->park->store, cand.id, member, req->publish_class)) !=
	        SYM_OK)
		goto out;
	if (json_object_update_missing_new(fields, json_pack("{s:o, s:o, s:s, s:b}", "round",
	                                                     auditlog_hex(rd.id, 16), "candidate",
	                                                     auditlog_hex(cand.id, 16), "member",
	                                                     member, "accept", req->accept)) != 0 ||
	    (req->publish_class != NULL &&
	     json_object_set_new(fields, "publish", json_string(req->publish_class)) != 0)) {
		r = SYM_ERR_ALLOC;
		goto out;
	}
	r = round_log_with_proof(c, "consent", fields, &pb);
	fields = NULL; /* transferred */
	if (r != SYM_OK)
		goto out;
	ack.candidate_id.data = cand.id;
	ack.candidate_id.len = 16;
	ack.state = (char *)round_state_for(&cand, member);
	ack.proof = &pb.msg;
	if ((r = wire_pack(&ack.base, &c->reply, &c->reply_len)) != SYM_OK)
		goto out;
	util_hex(cand.id, 16, hex);
	log_info("candidate %.8s: %s %s%s", hex, member, req->accept ? "accepted" : "declined",
	         cand.state == CANDIDATE_AGREED ? "; both agreed" : "");
	c->status = SYMBIOD__STATUS__STATUS_OK;
out:
	json_decref(fields);
	round_proof_clear(&pb);
	store_round_clear(&rd);
	return r;
}
