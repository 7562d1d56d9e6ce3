/*
 * A member's submission, in three kinds of request: SubmitBegin names the
 * submission and its commitment, SubmitChunks carry the token batches (one
 * per counterpart), SubmitCommit checks them against the commitment, makes
 * them final and logs them with the member's signed commit.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auditlog.h"
#include "log.h"
#include "rounds_internal.h"
#include "token.h"
#include "util.h"
#include "wire.h"
#include "roundhash.h"
#include "tokset.h"

/* The round (named, or the latest), which must be open, and the member in its snapshot. */
static int
s_open_round_for(struct round_call *c, const ProtobufCBinaryData *round_id, struct store_round *rd)
{
	int r;

	if ((r = round_for(c, round_id, round_id != NULL, rd)) != SYM_OK || c->status != 0)
		return r;
	if (rd->phase != ROUND_OPEN)
		return round_refuse(c, SYMBIOD__STATUS__STATUS_FORBIDDEN,
		                    "the round is not open for submissions (it is %s)",
		                    rounds_phase_name(rd->phase));
	if (rounds_hard_phase(c->ctx, rd) != HARD_NONE &&
	    rounds_hard_phase(c->ctx, rd) != HARD_SUBMIT)
		return round_refuse(
		    c, SYMBIOD__STATUS__STATUS_FORBIDDEN,
		    "the hardened round is in its %s phase: submissions come in the "
		    "submit phase",
		    rounds_phase_shown(c->ctx, rd));
	return round_in_snapshot(c, rd);
}

/* The staging submission `id`, which must belong to the member and to the open round. */
static int
s_staging(struct round_call *c, const ProtobufCBinaryData *id, struct store_submission *sub,
          struct store_round *rd)
{
	ProtobufCBinaryData rid = {16, sub->round};
	int r;

	if (id->len != 16)
		return round_refuse(c, SYMBIOD__STATUS__STATUS_BAD_REQUEST,
		                    "submission id: 16 bytes");
	r = store_submission_get(c->ctx->park->store, id->data, sub);
	if (r == SYM_ERR_NOT_FOUND || (r == SYM_OK && strcmp(sub->member, c->member->rec.id) != 0))
		return round_refuse(c, SYMBIOD__STATUS__STATUS_NOT_FOUND,
		                    "no such submission (begin it first)");
	if (r != SYM_OK)
		return r;
	if (sub->state != SUBMISSION_STAGING)
		return round_refuse(c, SYMBIOD__STATUS__STATUS_BAD_REQUEST,
		                    "this submission is already committed");
	return s_open_round_for(c, &rid, rd);
}

/* The acknowledgement of begin and chunk: how many chunks are in. */
static int
s_ack(struct round_call *c, const uint8_t sub_id[16], uint32_t received)
{
	Symbiod__SubmitAck ack = SYMBIOD__SUBMIT_ACK__INIT;
	int r;

	ack.submission_id.data = (uint8_t *)sub_id;
	ack.submission_id.len = 16;
	ack.has_received_chunks = 1;
	ack.received_chunks = received;
	if ((r = wire_pack(&ack.base, &c->reply, &c->reply_len)) != SYM_OK)
		return r;
	c->status = SYMBIOD__STATUS__STATUS_OK;
	return SYM_OK;
}

/*
 * Tokens of another encoding than the round announced would silently match
 * nothing: say so instead. A request without the field is a 1.1 client's
 * (encoding 1), which a round of encoding 1 takes.
 */
static int
s_same_encoding(struct round_call *c, const Symbiod__SubmitBegin *req, const struct store_round *rd)
{
	uint32_t theirs = req->has_token_encoding ? req->token_encoding : TOKEN_VERSION_1, ours;
	int r;

	if ((r = rounds_encoding_of(rd, &ours)) != SYM_OK)
		return r;
	if (theirs == ours)
		return SYM_OK;
	return round_refuse(c, SYMBIOD__STATUS__STATUS_BAD_REQUEST,
	                    "SubmitBegin: tokens of encoding %u; this round takes encoding %u%s",
	                    theirs, ours,
	                    ours == TOKEN_VERSION ? " (protocol 1.2): upgrade symbi" : "");
}

int
round_handle_submit_begin(struct round_call *c, const ProtobufCMessage *msg)
{
	const Symbiod__SubmitBegin *req = (const Symbiod__SubmitBegin *)msg;
	struct store_round rd;
	int r;

	memset(&rd, 0, sizeof(rd));
	if (req->submission_id.len != 16 || req->commitment.len != 32 || req->chunks == 0 ||
	    req->chunks > ROUNDS_MAX_CHUNKS)
		return round_refuse(
		    c, SYMBIOD__STATUS__STATUS_BAD_REQUEST,
		    "SubmitBegin: bad submission id, commitment or chunk count (1..%d)",
		    ROUNDS_MAX_CHUNKS);
	if ((r = s_open_round_for(c, &req->round_id, &rd)) != SYM_OK || c->status != 0 ||
	    (r = s_same_encoding(c, req, &rd)) != SYM_OK || c->status != 0)
		goto out;
	r = store_submission_begin(c->ctx->park->store, rd.id, c->member->rec.id,
	                           req->submission_id.data, req->chunks, req->commitment.data,
	                           (int64_t)wire_now_ms());
	if (r == SYM_ERR_EXISTS)
		r = round_refuse(c, SYMBIOD__STATUS__STATUS_BAD_REQUEST,
		                 "submission id already used");
	else if (r == SYM_OK)
		r = s_ack(c, req->submission_id.data, 0);
out:
	store_round_clear(&rd);
	return r;
}

/* bsearch over an id-ordered array of strings (store order is memcmp order). */
static int
s_strp_cmp(const void *key, const void *elem)
{
	return strcmp(*(const char *const *)key, *(const char *const *)elem);
}

/* The sizes a set may have, for a refusal: "exactly 4096" or "2048, 4096, ... 16384". */
static void
s_classes(uint32_t floor, uint32_t max, uint32_t fixed, char *buf, size_t len)
{
	size_t c, used = 0;

	if (fixed > 0) {
		snprintf(buf, len, "exactly %u", fixed);
		return;
	}
	buf[0] = '\0';
	for (c = tokset_size_class(0, floor, 0); c <= max && used < len; c <<= 1)
		used += (size_t)snprintf(buf + used, len - used, "%s%zu", used ? ", " : "", c);
}

/*
 * Both sets of a batch in the round's size classes (PROTOCOL.md 1.1): a
 * size that tells the coordinator anything, or a set above the maximum
 * (probing), is refused before anything is stored.
 */
static int
s_check_sizes(struct round_call *c, size_t k, const Symbiod__TokenBatch *b,
              const struct store_round_sizes *sz)
{
	const char *what = "offer";
	size_t n = b->offer_tokens.len / TOKEN_LEN;
	uint32_t floor = sz->offer_floor, max = sz->max_offer;
	char classes[160];

	if (tokset_size_allowed(n, floor, max, sz->fixed_size)) {
		what = "need";
		n = b->need_tokens.len / TOKEN_LEN;
		floor = sz->need_floor;
		max = sz->max_need;
		if (tokset_size_allowed(n, floor, max, sz->fixed_size))
			return SYM_OK;
	}
	s_classes(floor, max, sz->fixed_size, classes, sizeof(classes));
	return round_refuse(c, SYMBIOD__STATUS__STATUS_BAD_REQUEST,
	                    "batch %zu (counterpart %s): %s set of %zu tokens; this round allows "
	                    "%s tokens",
	                    k, b->counterpart, what, n, classes);
}

/* Check and store batch k of a chunk; ids are the round's members. */
static int
s_put_batch(struct round_call *c, const struct store_submission *sub, uint32_t index, size_t k,
            const Symbiod__TokenBatch *b, const uint8_t digest[32], char *const *ids, size_t nids,
            const struct store_round *rd, uint64_t reach_m)
{
	int r;

	if (strcmp(b->counterpart, c->member->rec.id) == 0 || !member_id_valid(b->counterpart) ||
	    bsearch(&b->counterpart, ids, nids, sizeof(*ids), s_strp_cmp) == NULL)
		return round_refuse(c, SYMBIOD__STATUS__STATUS_BAD_REQUEST,
		                    "batch %zu: counterpart is not another member of this round",
		                    k);
	/* Reach: a pair farther apart than the round's largest reach exchanges nothing. */
	if (!site_within(&c->member->rec.site, rounds_site_of(c->ctx, b->counterpart), reach_m))
		return round_refuse(c, SYMBIOD__STATUS__STATUS_BAD_REQUEST,
		                    "batch %zu: counterpart %s is beyond the round's largest reach "
		                    "(%llu m): no batch goes to it",
		                    k, b->counterpart, (unsigned long long)reach_m);
	if (!tokset_wire_valid(b->offer_tokens.data, b->offer_tokens.len, ROUNDS_MAX_SET_TOKENS) ||
	    !tokset_wire_valid(b->need_tokens.data, b->need_tokens.len, ROUNDS_MAX_SET_TOKENS))
		return round_refuse(
		    c, SYMBIOD__STATUS__STATUS_BAD_REQUEST,
		    "batch %zu: token sets must be 8-byte tokens, strictly increasing", k);
	if ((r = s_check_sizes(c, k, b, &rd->sizes)) != SYM_OK || c->status != 0)
		return r;
	r = store_batch_put(c->ctx->park->store, sub->id, ((int64_t)index << 20) | (int64_t)k,
	                    b->counterpart, b->offer_tokens.data, b->offer_tokens.len,
	                    b->need_tokens.data, b->need_tokens.len, digest);
	if (r == SYM_ERR_EXISTS)
		return round_refuse(c, SYMBIOD__STATUS__STATUS_BAD_REQUEST,
		                    "batch %zu: a second batch for the same counterpart", k);
	return r;
}

/* Every batch's digest, in order (*out malloc'd): each batch's bytes hashed once. */
static int
s_batch_digests(const Symbiod__SubmitChunk *req, uint8_t (**out)[32])
{
	uint8_t(*d)[32] = calloc(req->n_batches + 1, sizeof(*d));
	size_t k;
	int r;

	*out = NULL;
	if (d == NULL)
		return SYM_ERR_ALLOC;
	for (k = 0; k < req->n_batches; k++) {
		const Symbiod__TokenBatch *b = req->batches[k];
		if ((r = roundhash_batch_digest(b->counterpart, b->offer_tokens.data,
		                                b->offer_tokens.len, b->need_tokens.data,
		                                b->need_tokens.len, d[k])) != SYM_OK) {
			free(d);
			return r;
		}
	}
	*out = d;
	return SYM_OK;
}

int
rounds_chunk_digests(const uint8_t *payload, size_t payload_len, ProtobufCMessage **chunk,
                     uint8_t (**digests)[32], uint8_t chunk_digest[32])
{
	const Symbiod__SubmitChunk *req;
	ProtobufCMessage *msg = NULL;
	uint8_t(*d)[32] = NULL;
	int r;

	*chunk = NULL;
	*digests = NULL;
	if (wire_unpack(&symbiod__submit_chunk__descriptor, payload, payload_len, 0, &msg) !=
	    SYM_OK)
		return SYM_ERR_FORMAT;
	req = (const Symbiod__SubmitChunk *)msg;
	r = SYM_ERR_FORMAT;
	if (req->submission_id.len != 16 || (r = s_batch_digests(req, &d)) != SYM_OK)
		goto out;
	roundhash_chunk(req->submission_id.data, req->index, (const uint8_t(*)[32])d,
	                req->n_batches, chunk_digest);
	*chunk = msg;
	*digests = d;
	msg = NULL;
	d = NULL; /* transferred */
	r = SYM_OK;
out:
	wire_free(msg);
	free(d);
	return r;
}

int
round_handle_submit_chunk(struct round_call *c, const ProtobufCMessage *msg)
{
	const Symbiod__SubmitChunk *req = (const Symbiod__SubmitChunk *)msg;
	const uint8_t(*digests)[32] = c->batch_digests;
	uint8_t(*own)[32] = NULL;
	struct store_submission sub;
	struct store_round rd;
	char **ids = NULL;
	size_t k, nids = 0;
	uint64_t reach_m = 0;
	int r;

	memset(&rd, 0, sizeof(rd));
	if ((r = s_staging(c, &req->submission_id, &sub, &rd)) != SYM_OK || c->status != 0 ||
	    (r = rounds_reach_of(&rd, &reach_m)) != SYM_OK)
		goto out;
	if (req->index != sub.received || req->index >= sub.chunks) {
		r = round_refuse(c, SYMBIOD__STATUS__STATUS_BAD_REQUEST,
		                 "chunk %u out of order: expected %u of %u", req->index,
		                 sub.received, sub.chunks);
		goto out;
	}
	/* A version 2 chunk's digests came from admission (its signature); a version 1's here. */
	if (digests == NULL) {
		if ((r = s_batch_digests(req, &own)) != SYM_OK)
			goto out;
		digests = (const uint8_t(*)[32])own;
	}
	/* The round's members once per chunk, not once per batch. */
	if ((r = store_round_members(c->ctx->park->store, rd.id, &ids, &nids)) != SYM_OK)
		goto out;
	for (k = 0; k < req->n_batches; k++)
		if ((r = s_put_batch(c, &sub, req->index, k, req->batches[k], digests[k], ids, nids,
		                     &rd, reach_m)) != SYM_OK ||
		    c->status != 0)
			goto out;
	if ((r = store_submission_chunk_done(c->ctx->park->store, sub.id)) != SYM_OK)
		goto out;
	r = s_ack(c, sub.id, sub.received + 1);
out:
	free(own);
	store_strings_free(ids, nids);
	store_round_clear(&rd);
	return r;
}

/*
 * What was stored must be exactly what the member committed to, one batch
 * per counterpart within the round's reach (every other member when the
 * round announced none).
 */
static int
s_check_commit(struct round_call *c, const struct store_submission *sub,
               const struct store_round *rd, const uint8_t (*digests)[32], size_t nbatches)
{
	char **ids = NULL;
	uint8_t digest[32];
	uint64_t reach_m = 0;
	size_t n = 0, want;
	int r;

	roundhash_commitment(sub->round, sub->id, digests, nbatches, digest);
	if (sodium_memcmp(digest, sub->commitment, 32) != 0)
		return round_refuse(c, SYMBIOD__STATUS__STATUS_BAD_REQUEST,
		                    "the batches received do not match the commitment");
	if ((r = rounds_reach_of(rd, &reach_m)) != SYM_OK ||
	    (r = store_round_members(c->ctx->park->store, sub->round, &ids, &n)) != SYM_OK)
		return r;
	want = rounds_reach_count(c->ctx, reach_m, c->member->rec.id, ids, n);
	store_strings_free(ids, n);
	/*
	 * Counterparts were checked one by one (members, within reach) and are
	 * unique: the count settles coverage.
	 */
	if (nbatches != want)
		return round_refuse(c, SYMBIOD__STATUS__STATUS_BAD_REQUEST,
		                    "a submission needs one batch for each of the %zu other "
		                    "members within the round's reach (got %zu)",
		                    want, nbatches);
	return SYM_OK;
}

/* The submission entry of the log: the batches' digests and the signed commit. */
static json_t *
s_commit_entry(const struct round_call *c, const struct store_submission *sub,
               const uint8_t (*digests)[32], char *const *cps, size_t nbatches)
{
	json_t *batches = json_array();
	size_t i;

	if (batches == NULL)
		return NULL;
	for (i = 0; i < nbatches; i++)
		json_array_append_new(batches, json_pack("{s:s, s:o}", "counterpart", cps[i],
		                                         "digest", auditlog_hex(digests[i], 32)));
	return json_pack("{s:o, s:s, s:o, s:o, s:o, s:o}", "round", auditlog_hex(sub->round, 16),
	                 "member", c->member->rec.id, "submission", auditlog_hex(sub->id, 16),
	                 "commitment", auditlog_hex(sub->commitment, 32), "batches", batches,
	                 "request", auditlog_b64(c->request, c->request_len));
}

int
round_handle_submit_commit(struct round_call *c, const ProtobufCMessage *msg)
{
	const Symbiod__SubmitCommit *req = (const Symbiod__SubmitCommit *)msg;
	Symbiod__SubmitAck ack = SYMBIOD__SUBMIT_ACK__INIT;
	struct store_submission sub;
	struct store_round rd;
	struct proof_buf pb;
	uint8_t(*digests)[32] = NULL;
	char **cps = NULL, hex[33];
	size_t nbatches = 0;
	int r;

	memset(&pb, 0, sizeof(pb));
	memset(&rd, 0, sizeof(rd));
	if ((r = s_staging(c, &req->submission_id, &sub, &rd)) != SYM_OK || c->status != 0)
		goto out;
	if (req->round_id.len != 16 || memcmp(req->round_id.data, sub.round, 16) != 0 ||
	    req->commitment.len != 32 ||
	    sodium_memcmp(req->commitment.data, sub.commitment, 32) != 0) {
		r = round_refuse(c, SYMBIOD__STATUS__STATUS_BAD_REQUEST,
		                 "round or commitment differs from SubmitBegin");
		goto out;
	}
	if (sub.received != sub.chunks) {
		r = round_refuse(c, SYMBIOD__STATUS__STATUS_BAD_REQUEST,
		                 "only %u of %u chunks received", sub.received, sub.chunks);
		goto out;
	}
	if ((r = store_batch_digests(c->ctx->park->store, sub.id, &digests, &cps, &nbatches)) !=
	        SYM_OK ||
	    (r = s_check_commit(c, &sub, &rd, (const uint8_t(*)[32])digests, nbatches)) != SYM_OK ||
	    c->status != 0)
		goto out;
	if ((r = store_submission_commit(c->ctx->park->store, sub.id, (int64_t)wire_now_ms(),
	                                 c->request, c->request_len)) != SYM_OK) {
		/* Only after a restart of the machine: the file lost what the chunks carried. */
		if (r == SYM_ERR_FORMAT)
			r = round_refuse(c, SYMBIOD__STATUS__STATUS_BAD_REQUEST,
			                 "the coordinator lost part of this upload in a restart: "
			                 "submit again");
		goto out;
	}
	/* Logged with the member's signed commit; the ack carries the proof of it. */
	if ((r = round_log_with_proof(
	         c, "submission",
	         s_commit_entry(c, &sub, (const uint8_t(*)[32])digests, cps, nbatches), &pb)) !=
	    SYM_OK)
		goto out;
	ack.submission_id.data = sub.id;
	ack.submission_id.len = 16;
	ack.has_received_chunks = 1;
	ack.received_chunks = sub.chunks;
	ack.proof = &pb.msg;
	if ((r = wire_pack(&ack.base, &c->reply, &c->reply_len)) != SYM_OK)
		goto out;
	util_hex(rd.id, 16, hex);
	log_info("round %.8s: submission from %s committed (%zu batches)", hex, c->member->rec.id,
	         nbatches);
	c->status = SYMBIOD__STATUS__STATUS_OK;
out:
	round_proof_clear(&pb);
	free(digests);
	store_strings_free(cps, nbatches);
	store_round_clear(&rd);
	return r;
}
