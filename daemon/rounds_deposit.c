/*
 * A side's sealed item for an agreed candidate (protocol 1.1, item 1): the
 * coordinator holds it until the other side fetched it or the round ended.
 * When both sides have deposited, the release is logged with the hashes it
 * rests on: two signed accepts and two envelopes.
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

/* Both deposited: log which consents and envelopes the release rests on. */
static int
s_log_release(struct rounds_ctx *ctx, const struct store_candidate *c)
{
	struct store_evidence ev;
	int r;

	if ((r = store_candidate_evidence(ctx->park->store, c->id, &ev)) != SYM_OK)
		return r;
	if (!ev.has_consent[0] || !ev.has_consent[1] || !ev.has_deposit[0] || !ev.has_deposit[1])
		return SYM_ERR_INTERNAL;
	return rounds_log(ctx, "release",
	                  json_pack("{s:o, s:o, s:o, s:o, s:o, s:o}", "round",
	                            auditlog_hex(c->round, 16), "candidate",
	                            auditlog_hex(c->id, 16), "supplier_consent",
	                            auditlog_hex(ev.consent[0], 32), "consumer_consent",
	                            auditlog_hex(ev.consent[1], 32), "supplier_envelope",
	                            auditlog_hex(ev.deposit[0], 32), "consumer_envelope",
	                            auditlog_hex(ev.deposit[1], 32)),
	                  NULL, NULL, NULL);
}

/* The agreed candidate of the member's that the deposit names, in a round in consent. */
static int
s_candidate_of(struct round_call *c, const Symbiod__Deposit *req, struct store_round *rd,
               struct store_candidate *cand)
{
	int r;

	if ((r = round_candidate_of(c, &req->round_id, &req->candidate_id, rd, cand)) != SYM_OK ||
	    c->status != 0)
		return r;
	if (cand->state != CANDIDATE_AGREED)
		return round_refuse(c, SYMBIOD__STATUS__STATUS_FORBIDDEN,
		                    "the candidate is %s: an item is deposited only once both "
		                    "sides accepted",
		                    round_state_for(cand, c->member->rec.id));
	return SYM_OK;
}

/* Store the item; log the deposit (into pb) and, with both in, the release. */
static int
s_deposit(struct round_call *c, const Symbiod__Deposit *req, const struct store_candidate *cand,
          struct proof_buf *pb, int *repeated)
{
	const char *member = c->member->rec.id;
	uint8_t hash[32];
	int r, both = 0;

	crypto_hash_sha256(hash, req->envelope.data, req->envelope.len);
	r = store_deposit_put(c->ctx->park->store, cand->id, member, req->envelope.data,
	                      req->envelope.len, hash, repeated, &both);
	if (r == SYM_ERR_EXISTS)
		return round_refuse(c, SYMBIOD__STATUS__STATUS_FORBIDDEN,
		                    "this side already deposited another item for the candidate");
	if (r != SYM_OK || *repeated)
		return r;
	if ((r = round_log_with_proof(c, "deposit",
	                              json_pack("{s:o, s:o, s:s, s:o}", "round",
	                                        auditlog_hex(cand->round, 16), "candidate",
	                                        auditlog_hex(cand->id, 16), "member", member,
	                                        "envelope", auditlog_hex(hash, 32)),
	                              pb)) != SYM_OK)
		return r;
	return both ? s_log_release(c->ctx, cand) : SYM_OK;
}

int
round_handle_deposit(struct round_call *c, const ProtobufCMessage *msg)
{
	const Symbiod__Deposit *req = (const Symbiod__Deposit *)msg;
	Symbiod__DepositAck ack = SYMBIOD__DEPOSIT_ACK__INIT;
	const char *member = c->member->rec.id;
	struct store_candidate cand;
	struct store_round rd;
	struct proof_buf pb;
	char hex[33];
	int r, repeated = 0;

	memset(&rd, 0, sizeof(rd));
	memset(&pb, 0, sizeof(pb));
	if (req->candidate_id.len != 16 || req->envelope.len < 40 ||
	    req->envelope.len > ROUNDS_MAX_ENVELOPE)
		return round_refuse(c, SYMBIOD__STATUS__STATUS_BAD_REQUEST,
		                    "a deposit carries one sealed envelope (40..%u bytes)",
		                    ROUNDS_MAX_ENVELOPE);
	if ((r = s_candidate_of(c, req, &rd, &cand)) != SYM_OK || c->status != 0 ||
	    (r = s_deposit(c, req, &cand, &pb, &repeated)) != SYM_OK || c->status != 0)
		goto out;
	ack.candidate_id.data = cand.id;
	ack.candidate_id.len = 16;
	ack.state = (char *)round_state_for(&cand, member);
	ack.proof = repeated ? NULL : &pb.msg;
	if ((r = wire_pack(&ack.base, &c->reply, &c->reply_len)) != SYM_OK)
		goto out;
	util_hex(cand.id, 16, hex);
	log_info("candidate %.8s: %s deposited its item%s", hex, member,
	         repeated ? " (again, the same)" : "");
	c->status = SYMBIOD__STATUS__STATUS_OK;
out:
	round_proof_clear(&pb);
	store_round_clear(&rd);
	return r;
}
