/*
 * The hardened rounds' member requests (HARDENED.md, PROTOCOL.md "Hardened
 * mode"): a member commits its round key, sends one batch of exactly
 * max_need blinded elements for all its counterparts, fetches the batches it
 * must answer, answers each once with a batched DLEQ proof, and fetches the
 * answers to its own batch. The daemon checks every signature, size and
 * proof before it stores anything, refuses a second different key, query or
 * answer, and logs digests, never elements.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auditlog.h"
#include "hardtoken.h"
#include "log.h"
#include "rounds_internal.h"
#include "sig.h"
#include "util.h"
#include "voprf.h"
#include "wire.h"

/* One fetch reply carries at most this much element data; the member asks again for more. */
#define HARD_FETCH_BYTES (4u << 20)

/*
 * The hardened round a request names, in `want` phase, with the member in
 * its snapshot; h receives its record. Refused otherwise.
 */
static int
s_hard_round(struct round_call *c, const ProtobufCBinaryData *id, int want, struct store_round *rd,
             struct store_hard_round *h)
{
	static const char *const names[] = {"", "query", "evaluate", "submit"};
	int r, hp;

	if ((r = round_for(c, id, 1, rd)) != SYM_OK || c->status != 0)
		return r;
	r = store_hard_round_get(c->ctx->park->store, rd->id, h);
	if (r == SYM_ERR_NOT_FOUND)
		return round_refuse(c, SYMBIOD__STATUS__STATUS_BAD_REQUEST,
		                    "this round is not a hardened round");
	if (r != SYM_OK)
		return r;
	if ((hp = rounds_hard_phase(c->ctx, rd)) != want)
		return round_refuse(c, SYMBIOD__STATUS__STATUS_FORBIDDEN,
		                    "this request belongs to the %s phase; the round is %s",
		                    names[want], rounds_phase_shown(c->ctx, rd));
	return round_in_snapshot(c, rd);
}

/* The acknowledgement: "stored" with the entry's proof, or "repeated". */
static int
s_ack(struct round_call *c, struct proof_buf *pb, int repeated)
{
	Symbiod__HardAck ack = SYMBIOD__HARD_ACK__INIT;
	int r;

	ack.state = (char *)(repeated ? "repeated" : "stored");
	ack.proof = repeated ? NULL : &pb->msg;
	if ((r = wire_pack(&ack.base, &c->reply, &c->reply_len)) != SYM_OK)
		return r;
	c->status = SYMBIOD__STATUS__STATUS_OK;
	return SYM_OK;
}

/* The member's signature over a statement; refused when it does not verify. */
static int
s_signed(struct round_call *c, const uint8_t *stmt, size_t len, const ProtobufCBinaryData *sig,
         const char *what)
{
	if (sig->len != 64 || sig_verify(c->member->rec.ed25519, stmt, len, sig->data) != SYM_OK)
		return round_refuse(c, SYMBIOD__STATUS__STATUS_UNAUTHENTICATED,
		                    "the %s's signature does not verify", what);
	return SYM_OK;
}

/* n elements, each a canonical encoding of a group element other than the identity. */
static int
s_elements_ok(const uint8_t *e, size_t n)
{
	size_t k;

	for (k = 0; k < n; k++)
		if (!voprf_element_ok(e + k * VOPRF_ELEMENT_LEN))
			return 0;
	return 1;
}

int
round_handle_hard_key(struct round_call *c, const ProtobufCMessage *msg)
{
	const Symbiod__HardKey *req = (const Symbiod__HardKey *)msg;
	const char *member = c->member->rec.id;
	struct store *st = c->ctx->park->store;
	uint8_t stmt[HARDTOKEN_STATEMENT_MAX], pk[32], sig[64];
	struct store_hard_round h;
	struct store_round rd;
	struct proof_buf pb;
	size_t len = 0;
	int r;

	memset(&rd, 0, sizeof(rd));
	memset(&pb, 0, sizeof(pb));
	if (req->pk.len != VOPRF_ELEMENT_LEN || !voprf_element_ok(req->pk.data))
		return round_refuse(c, SYMBIOD__STATUS__STATUS_BAD_REQUEST,
		                    "HardKey: the key is not a valid ristretto255 element");
	if ((r = s_hard_round(c, &req->round_id, HARD_QUERY, &rd, &h)) != SYM_OK || c->status != 0)
		goto out;
	if ((r = hardtoken_key_statement(c->ctx->park->id, rd.id, member, req->pk.data, stmt,
	                                 &len)) != SYM_OK ||
	    (r = s_signed(c, stmt, len, &req->signature, "key commitment")) != SYM_OK ||
	    c->status != 0)
		goto out;
	if ((r = store_hard_key_get(st, rd.id, member, pk, sig)) == SYM_OK) {
		if (sodium_memcmp(pk, req->pk.data, 32) != 0) {
			r = round_refuse(c, SYMBIOD__STATUS__STATUS_FORBIDDEN,
			                 "a different key is already committed for this round");
			goto out;
		}
		r = s_ack(c, &pb, 1);
		goto out;
	}
	if (r != SYM_ERR_NOT_FOUND ||
	    (r = store_hard_key_put(st, rd.id, member, req->pk.data, req->signature.data)) !=
	        SYM_OK ||
	    (r = round_log_with_proof(c, "hardened_key",
	                              json_pack("{s:o, s:s, s:o, s:o}", "round",
	                                        auditlog_hex(rd.id, 16), "member", member, "pk",
	                                        auditlog_hex(req->pk.data, 32), "signature",
	                                        auditlog_b64(req->signature.data, 64)),
	                              &pb)) != SYM_OK)
		goto out;
	r = s_ack(c, &pb, 0);
out:
	round_proof_clear(&pb);
	store_round_clear(&rd);
	return r;
}

int
round_handle_hard_query(struct round_call *c, const ProtobufCMessage *msg)
{
	const Symbiod__HardQuery *req = (const Symbiod__HardQuery *)msg;
	const char *member = c->member->rec.id;
	struct store *st = c->ctx->park->store;
	uint8_t stmt[HARDTOKEN_STATEMENT_MAX], digest[32], old[32];
	struct store_hard_round h;
	struct store_round rd;
	struct proof_buf pb;
	size_t len = 0, m = req->blinded.len / VOPRF_ELEMENT_LEN;
	int r;

	memset(&rd, 0, sizeof(rd));
	memset(&pb, 0, sizeof(pb));
	if ((r = s_hard_round(c, &req->round_id, HARD_QUERY, &rd, &h)) != SYM_OK || c->status != 0)
		goto out;
	/* The budget: exactly max_need elements, never more, and no size that tells anything. */
	if (req->blinded.len % VOPRF_ELEMENT_LEN != 0 || m != h.batch_size ||
	    !s_elements_ok(req->blinded.data, m)) {
		r = round_refuse(c, SYMBIOD__STATUS__STATUS_BAD_REQUEST,
		                 "query batch: %zu bytes; this round takes exactly %u valid "
		                 "elements of 32 bytes",
		                 req->blinded.len, h.batch_size);
		goto out;
	}
	hardtoken_digest(req->blinded.data, req->blinded.len, digest);
	if ((r = hardtoken_query_statement(c->ctx->park->id, rd.id, member, (uint32_t)m, digest,
	                                   stmt, &len)) != SYM_OK ||
	    (r = s_signed(c, stmt, len, &req->signature, "query batch")) != SYM_OK ||
	    c->status != 0)
		goto out;
	if ((r = store_hard_query_digest(st, rd.id, member, old)) == SYM_OK) {
		r = memcmp(old, digest, 32) == 0
		        ? s_ack(c, &pb, 1)
		        : round_refuse(c, SYMBIOD__STATUS__STATUS_FORBIDDEN,
		                       "one query batch per member and round: another is stored");
		goto out;
	}
	if (r != SYM_ERR_NOT_FOUND ||
	    (r = store_hard_query_put(st, rd.id, member, req->blinded.data, req->blinded.len,
	                              digest, req->signature.data)) != SYM_OK ||
	    (r = round_log_with_proof(c, "hardened_query",
	                              json_pack("{s:o, s:s, s:I, s:o, s:o}", "round",
	                                        auditlog_hex(rd.id, 16), "member", member, "count",
	                                        (json_int_t)m, "digest", auditlog_hex(digest, 32),
	                                        "signature", auditlog_b64(req->signature.data, 64)),
	                              &pb)) != SYM_OK)
		goto out;
	r = s_ack(c, &pb, 0);
out:
	round_proof_clear(&pb);
	store_round_clear(&rd);
	return r;
}

/* ---- fetch -------------------------------------------------------------------- */

struct s_fetch {
	Symbiod__HardBatch **items;
	size_t n, cap, bytes;
	const char *after; /* only queriers (or answerers) after this one */
	int answers;
	int more; /* a batch was left for the next page */
};

static void
s_fetch_clear(struct s_fetch *f)
{
	size_t i;

	for (i = 0; i < f->n; i++) {
		Symbiod__HardBatch *b = f->items[i];
		free(b->querier);
		free(b->answerer);
		free(b->elements.data);
		free(b->signature.data);
		free(b->query_digest.data);
		free(b->proof.data);
		free(b->pk.data);
		free(b->key_signature.data);
		free(b);
	}
	free(f->items);
	memset(f, 0, sizeof(*f));
}

/* A malloc'd copy as a wire field; 0 when out of memory. */
static int
s_dup(ProtobufCBinaryData *d, const uint8_t *p, size_t len)
{
	if ((d->data = malloc(len + 1)) == NULL)
		return 0;
	memcpy(d->data, p, len);
	d->len = len;
	return 1;
}

static int
s_fetch_row(void *arg, const struct store_hard_batch *sb)
{
	struct s_fetch *f = arg;
	const char *key = f->answers ? sb->answerer : sb->querier;
	Symbiod__HardBatch *b;

	if (f->after != NULL && strcmp(key, f->after) <= 0)
		return SYM_OK;
	if (f->more || (f->n > 0 && f->bytes + sb->len > HARD_FETCH_BYTES)) {
		f->more = 1; /* the next fetch, after the last one sent, gets it */
		return SYM_OK;
	}
	if (f->n == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 16;
		void *p = realloc(f->items, cap * sizeof(*f->items));
		if (p == NULL)
			return SYM_ERR_ALLOC;
		f->items = p;
		f->cap = cap;
	}
	if ((b = calloc(1, sizeof(*b))) == NULL)
		return SYM_ERR_ALLOC;
	symbiod__hard_batch__init(b);
	f->items[f->n++] = b;
	f->bytes += sb->len;
	if ((b->querier = strdup(sb->querier)) == NULL ||
	    !s_dup(&b->elements, sb->elements, sb->len) || !s_dup(&b->signature, sb->signature, 64))
		return SYM_ERR_ALLOC;
	if (!f->answers)
		return SYM_OK;
	b->has_query_digest = b->has_proof = b->has_pk = b->has_key_signature = 1;
	if ((b->answerer = strdup(sb->answerer)) == NULL ||
	    !s_dup(&b->query_digest, sb->query_digest, 32) || !s_dup(&b->proof, sb->proof, 64) ||
	    !s_dup(&b->pk, sb->pk, 32) || !s_dup(&b->key_signature, sb->key_sig, 64))
		return SYM_ERR_ALLOC;
	return SYM_OK;
}

int
round_handle_hard_fetch(struct round_call *c, const ProtobufCMessage *msg)
{
	const Symbiod__HardFetch *req = (const Symbiod__HardFetch *)msg;
	Symbiod__HardBatches reply = SYMBIOD__HARD_BATCHES__INIT;
	const char *member = c->member->rec.id;
	struct s_fetch f;
	struct store_hard_round h;
	struct store_round rd;
	int r;

	memset(&rd, 0, sizeof(rd));
	memset(&f, 0, sizeof(f));
	f.answers = req->answers;
	f.after = req->after;
	if ((r = s_hard_round(c, &req->round_id, req->answers ? HARD_SUBMIT : HARD_EVALUATE, &rd,
	                      &h)) != SYM_OK ||
	    c->status != 0)
		goto out;
	r = req->answers
	        ? store_hard_answers_to(c->ctx->park->store, rd.id, member, s_fetch_row, &f)
	        : store_hard_queries_open(c->ctx->park->store, rd.id, member, s_fetch_row, &f);
	if (r != SYM_OK)
		goto out;
	reply.n_batches = f.n;
	reply.batches = f.items;
	reply.has_more = 1;
	reply.more = f.more != 0;
	if ((r = wire_pack(&reply.base, &c->reply, &c->reply_len)) == SYM_OK)
		c->status = SYMBIOD__STATUS__STATUS_OK;
out:
	s_fetch_clear(&f);
	store_round_clear(&rd);
	return r;
}

/* ---- answer ------------------------------------------------------------------- */

/*
 * The answer's checks against what is stored: the querier's batch (same
 * digest, same size: the budget is that batch, never more), the answerer's
 * committed key, and the proof. *blinded receives the batch (malloc'd).
 */
static int
s_answer_checks(struct round_call *c, const struct store_round *rd, const Symbiod__HardAnswer *req,
                uint8_t pk[32], uint8_t **blinded, size_t *blen)
{
	struct store *st = c->ctx->park->store;
	const char *member = c->member->rec.id;
	uint8_t sig[64];
	int r;

	r = store_hard_query_get(st, rd->id, req->querier, blinded, blen);
	if (r == SYM_ERR_NOT_FOUND)
		return round_refuse(c, SYMBIOD__STATUS__STATUS_NOT_FOUND,
		                    "%s sent no query batch in this round", req->querier);
	if (r != SYM_OK)
		return r;
	if (req->evaluated.len != *blen)
		return round_refuse(c, SYMBIOD__STATUS__STATUS_BAD_REQUEST,
		                    "answer of %zu bytes to a batch of %zu: an answer has exactly "
		                    "as many elements as the batch (the budget)",
		                    req->evaluated.len, *blen);
	if ((r = store_hard_key_get(st, rd->id, member, pk, sig)) == SYM_ERR_NOT_FOUND)
		return round_refuse(c, SYMBIOD__STATUS__STATUS_FORBIDDEN,
		                    "no key committed for this round: nothing can be answered");
	if (r != SYM_OK)
		return r;
	if (!s_elements_ok(req->evaluated.data, *blen / VOPRF_ELEMENT_LEN) ||
	    voprf_verify(pk, *blinded, req->evaluated.data, *blen / VOPRF_ELEMENT_LEN,
	                 req->proof.data) != SYM_OK) {
		log_notice("hardened: %s answered %s with a proof that does not verify against its "
		           "committed key: refused",
		           member, req->querier);
		return round_refuse(c, SYMBIOD__STATUS__STATUS_BAD_REQUEST,
		                    "the answer's proof does not verify against the committed key");
	}
	return SYM_OK;
}

/* Store and log a checked answer. */
static int
s_answer_store(struct round_call *c, const struct store_round *rd, const Symbiod__HardAnswer *req,
               const uint8_t digest[32], struct proof_buf *pb)
{
	struct store_hard_batch b;
	int r;

	memset(&b, 0, sizeof(b));
	snprintf(b.querier, sizeof(b.querier), "%s", req->querier);
	snprintf(b.answerer, sizeof(b.answerer), "%s", c->member->rec.id);
	b.elements = req->evaluated.data;
	b.len = req->evaluated.len;
	memcpy(b.digest, digest, 32);
	memcpy(b.proof, req->proof.data, 64);
	memcpy(b.signature, req->signature.data, 64);
	if ((r = store_hard_answer_put(c->ctx->park->store, rd->id, &b)) != SYM_OK)
		return r;
	return round_log_with_proof(
	    c, "hardened_answer",
	    json_pack("{s:o, s:s, s:s, s:I, s:o, s:o, s:o, s:o}", "round", auditlog_hex(rd->id, 16),
	              "querier", req->querier, "member", c->member->rec.id, "count",
	              (json_int_t)(b.len / VOPRF_ELEMENT_LEN), "query_digest",
	              auditlog_hex(req->query_digest.data, 32), "digest", auditlog_hex(digest, 32),
	              "proof", auditlog_b64(req->proof.data, 64), "signature",
	              auditlog_b64(req->signature.data, 64)),
	    pb);
}

int
round_handle_hard_answer(struct round_call *c, const ProtobufCMessage *msg)
{
	const Symbiod__HardAnswer *req = (const Symbiod__HardAnswer *)msg;
	const char *member = c->member->rec.id;
	uint8_t stmt[HARDTOKEN_STATEMENT_MAX], digest[32], old[32], qd[32], pk[32];
	uint8_t *blinded = NULL;
	struct store_hard_round h;
	struct store_round rd;
	struct proof_buf pb;
	size_t len = 0, blen = 0;
	int r;

	memset(&rd, 0, sizeof(rd));
	memset(&pb, 0, sizeof(pb));
	if (req->query_digest.len != 32 || req->proof.len != VOPRF_PROOF_LEN ||
	    req->evaluated.len % VOPRF_ELEMENT_LEN != 0 || !member_id_valid(req->querier) ||
	    strcmp(req->querier, member) == 0)
		return round_refuse(c, SYMBIOD__STATUS__STATUS_BAD_REQUEST,
		                    "HardAnswer: bad querier, digest, proof or element size");
	if ((r = s_hard_round(c, &req->round_id, HARD_EVALUATE, &rd, &h)) != SYM_OK ||
	    c->status != 0)
		goto out;
	hardtoken_digest(req->evaluated.data, req->evaluated.len, digest);
	if ((r = hardtoken_answer_statement(c->ctx->park->id, rd.id, member, req->querier,
	                                    req->query_digest.data,
	                                    (uint32_t)(req->evaluated.len / VOPRF_ELEMENT_LEN),
	                                    digest, req->proof.data, stmt, &len)) != SYM_OK ||
	    (r = s_signed(c, stmt, len, &req->signature, "answer")) != SYM_OK || c->status != 0)
		goto out;
	/* One answer per batch: the same again is a retry, anything else is refused. */
	if ((r = store_hard_answer_digest(c->ctx->park->store, rd.id, req->querier, member, old)) ==
	    SYM_OK) {
		r = memcmp(old, digest, 32) == 0
		        ? s_ack(c, &pb, 1)
		        : round_refuse(c, SYMBIOD__STATUS__STATUS_FORBIDDEN,
		                       "%s's batch is already answered: one answer per batch",
		                       req->querier);
		goto out;
	}
	if (r != SYM_ERR_NOT_FOUND ||
	    (r = s_answer_checks(c, &rd, req, pk, &blinded, &blen)) != SYM_OK || c->status != 0)
		goto out;
	if (store_hard_query_digest(c->ctx->park->store, rd.id, req->querier, qd) != SYM_OK ||
	    sodium_memcmp(qd, req->query_digest.data, 32) != 0) {
		r = round_refuse(c, SYMBIOD__STATUS__STATUS_BAD_REQUEST,
		                 "the answer names another batch than %s's", req->querier);
		goto out;
	}
	if ((r = s_answer_store(c, &rd, req, digest, &pb)) == SYM_OK)
		r = s_ack(c, &pb, 0);
out:
	free(blinded);
	round_proof_clear(&pb);
	store_round_clear(&rd);
	return r;
}
