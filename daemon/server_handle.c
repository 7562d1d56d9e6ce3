/*
 * One member request, from bytes to signed answer: admission (the signer is
 * the session and a current member, within its rate, signed, in time, new),
 * then execution (rounds_handle in one store transaction with the memory of
 * the answer).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auditlog.h"
#include "log.h"
#include "ratelimit.h"
#include "replaymem.h"
#include "server_internal.h"
#include "util.h"
#include "wire.h"

static int
s_respond(struct server *srv, uint32_t type, const uint8_t id[16], int32_t status,
          const char *message, const uint8_t *payload, size_t payload_len, int replayed,
          uint8_t **resp, size_t *resp_len)
{
	if (status != SYMBIOD__STATUS__STATUS_OK)
		srv->refused++;
	return wire_response_build(srv->park->id, type, id, status, replayed, message, payload,
	                           payload_len, srv->park->sign->sk, resp, resp_len);
}

/* A decoded request on its way through admission and execution. */
struct server_call {
	const char *user_id; /* the session's ZAP User-Id */
	const uint8_t *buf;  /* the exact request bytes: kept as evidence */
	size_t len;
	uint64_t now; /* wire_now_ms() at arrival */
	Symbiod__Request *req;
	ProtobufCMessage *chunk;           /* a version 2 chunk's payload, unpacked to check it */
	uint8_t (*chunk_digests)[32];      /* and its batches' digests */
	const struct store_member *member; /* set when admitted */
	uint8_t *resp;                     /* the signed Response */
	size_t resp_len;
};

/* Answer the call with a refusal (or an error) and no payload. */
static int
s_refuse(struct server *srv, struct server_call *call, int32_t status, const char *msg)
{
	return s_respond(srv, call->req->type, call->req->request_id.data, status, msg, NULL, 0, 0,
	                 &call->resp, &call->resp_len);
}

/*
 * Before any work for an authenticated member. A refusal spends no request
 * id and touches no store: a retry with the same id is served once there is
 * room again. Returns 1 within the rate, else 0 with the answer in call.
 */
static int
s_admit_rate(struct server *srv, struct server_call *call, int *r)
{
	uint64_t wait_ms = 0;
	char msg[256];

	*r = SYM_OK;
	if (ratelimit_take(srv->limits, call->user_id, (uint64_t)(util_now() * 1000.0), &wait_ms) ==
	    0)
		return 1;
	srv->rate_limited++;
	/* One notice a second at most: a flood must not flood the log too. */
	if (util_now() - srv->rate_logged >= 1.0) {
		log_notice("request from %s refused: rate limit (%llu refused so far)",
		           call->user_id, (unsigned long long)srv->rate_limited);
		srv->rate_logged = util_now();
	}
	snprintf(msg, sizeof(msg), "rate limit exceeded; retry in %llu ms",
	         (unsigned long long)(wait_ms > 0 ? wait_ms : 1));
	*r = s_refuse(srv, call, SYMBIOD__STATUS__STATUS_RATE_LIMITED, msg);
	return 0;
}

/*
 * Never executed twice. The answer to a used request id carries the
 * original response, so a client retrying after a lost reply still learns
 * the outcome. Returns 1 for a new id, else 0 with the answer in call.
 */
static int
s_admit_replay(struct server *srv, struct server_call *call, int *r)
{
	uint8_t *stored = NULL;
	const uint8_t *held = NULL;
	size_t stored_len = 0;

	if (replaymem_seen(srv->reads, call->user_id, call->req->request_id.data, call->now, &held,
	                   &stored_len)) {
		log_notice("request from %s refused: replayed request id", call->user_id);
		*r = s_respond(srv, call->req->type, call->req->request_id.data,
		               SYMBIOD__STATUS__STATUS_REPLAY, "request id already used", held,
		               stored_len, 1, &call->resp, &call->resp_len);
		return 0;
	}
	*r = store_request_seen(srv->park->store, call->user_id, call->req->request_id.data,
	                        &stored, &stored_len);
	if (*r == SYM_ERR_NOT_FOUND) {
		*r = SYM_OK;
		return 1;
	}
	if (*r == SYM_OK) {
		log_notice("request from %s refused: replayed request id", call->user_id);
		*r = s_respond(srv, call->req->type, call->req->request_id.data,
		               SYMBIOD__STATUS__STATUS_REPLAY, "request id already used", stored,
		               stored_len, 1, &call->resp, &call->resp_len);
	} else {
		*r = s_refuse(srv, call, SYMBIOD__STATUS__STATUS_INTERNAL, "store unavailable");
	}
	free(stored);
	return 0;
}

/*
 * Admission: the signer is the session's identity and a current member,
 * within its rate, the signature holds, the time is in the window, the id
 * is new. Admitted: call->member is set. Refused: the answer is in call.
 */
static int
s_admit(struct server *srv, struct server_call *call)
{
	const Symbiod__Request *req = call->req;
	const struct store_member *m;
	uint64_t ts = req->timestamp_ms, now = call->now;
	uint8_t chunk_digest[32];
	int r;

	/* The session's ZAP identity is the only one we trust; the signer must match it. */
	if (strcmp(req->signer, call->user_id) != 0) {
		log_notice("request from %s refused: signed as \"%s\"", call->user_id, req->signer);
		return s_refuse(srv, call, SYMBIOD__STATUS__STATUS_UNAUTHENTICATED,
		                "signer does not match the authenticated session");
	}
	m = rounds_member(&srv->rounds, call->user_id);
	if (m == NULL || m->revoked) {
		log_notice("request from %s refused: not a current member", call->user_id);
		return s_refuse(srv, call, SYMBIOD__STATUS__STATUS_FORBIDDEN,
		                "not a current member of this park (revoked?)");
	}
	if (!s_admit_rate(srv, call, &r))
		return r;
	/*
	 * A version 2 chunk is signed over its chunk digest: the batches' digests,
	 * computed here once and kept for the batches' rows.
	 */
	if (req->version == WIRE_VERSION_CHUNK &&
	    rounds_chunk_digests(req->payload.data, req->payload.len, &call->chunk,
	                         &call->chunk_digests, chunk_digest) != SYM_OK) {
		log_notice("request from %s refused: malformed chunk", call->user_id);
		return s_refuse(srv, call, SYMBIOD__STATUS__STATUS_BAD_REQUEST,
		                "malformed SubmitChunk");
	}
	if (wire_request_verify_chunk(req, srv->park->id, m->rec.ed25519,
	                              call->chunk != NULL ? chunk_digest : NULL) != SYM_OK) {
		log_notice("request from %s refused: bad signature", call->user_id);
		return s_refuse(srv, call, SYMBIOD__STATUS__STATUS_UNAUTHENTICATED,
		                "bad signature");
	}
	if (ts + WIRE_TIMESTAMP_WINDOW_MS < now || ts > now + WIRE_TIMESTAMP_WINDOW_MS) {
		log_notice("request from %s refused: timestamp outside the window", call->user_id);
		return s_refuse(srv, call, SYMBIOD__STATUS__STATUS_REPLAY,
		                "timestamp outside the accepted window (check the clock)");
	}
	if (s_admit_replay(srv, call, &r))
		call->member = m;
	return r;
}

/* A refusal changes nothing, but its id is spent like any other. */
static void
s_spend_refused(struct server *srv, struct server_call *call, const uint8_t *resp, size_t resp_len)
{
	struct store *st = srv->park->store;

	if (store_begin(st) != SYM_OK ||
	    store_request_remember(st, call->user_id, call->req->request_id.data, call->now, resp,
	                           resp_len) != SYM_OK ||
	    store_commit(st) != SYM_OK)
		store_rollback(st);
}

/* Remember the answer and commit: only then has the request been carried out. */
static int
s_commit(struct server *srv, struct server_call *call, uint64_t log_size, uint8_t *resp,
         size_t resp_len)
{
	struct store *st = srv->park->store;
	int rel;

	/*
	 * Remembered before the answer leaves, so a retry can never run it twice.
	 * A release list is remembered without its envelopes: the coordinator
	 * keeps no copy of an item it handed over (PROTOCOL.md 1.1, item 1).
	 * Nor of a hardened fetch's elements, which must go with the round's
	 * batches at its end (PROTOCOL.md 7.3); a lost fetch is simply asked again.
	 */
	rel = call->req->type == SYMBIOD__MSG_TYPE__MSG_RELEASES ||
	      call->req->type == SYMBIOD__MSG_TYPE__MSG_HARD_FETCH;
	if (store_request_remember(st, call->user_id, call->req->request_id.data, call->now,
	                           rel ? NULL : resp, rel ? 0 : resp_len) != SYM_OK ||
	    store_commit(st) != SYM_OK) {
		/* Disk full, read-only, I/O error: the operator must see it, not just the client.
		 */
		log_err("store: cannot commit a request from %s: %s; it was not carried out",
		        call->user_id, store_errmsg(st));
		rounds_tx_abort(&srv->rounds, log_size);
		free(resp);
		return s_refuse(srv, call, SYMBIOD__STATUS__STATUS_UNAVAILABLE,
		                "store unavailable (the request was not carried out)");
	}
	log_debug("request %u from %s: ok", call->req->type, call->user_id);
	call->resp = resp;
	call->resp_len = resp_len; /* transferred */
	return SYM_OK;
}

/*
 * The requests that only read: no handler of theirs writes to the store or
 * the log. A new type is not in this list, so it runs in a transaction.
 */
static const uint32_t s_reads[] = {
    SYMBIOD__MSG_TYPE__MSG_STATUS,       SYMBIOD__MSG_TYPE__MSG_CHECKPOINT,
    SYMBIOD__MSG_TYPE__MSG_ROUND,        SYMBIOD__MSG_TYPE__MSG_DIRECTORY,
    SYMBIOD__MSG_TYPE__MSG_CANDIDATES,   SYMBIOD__MSG_TYPE__MSG_INDICATOR_STATE,
    SYMBIOD__MSG_TYPE__MSG_ROUND_LOGGED,
};

static int
s_read_only(uint32_t type)
{
	size_t i;

	for (i = 0; i < sizeof(s_reads) / sizeof(s_reads[0]); i++)
		if (s_reads[i] == type)
			return 1;
	return 0;
}

/*
 * Execution of an admitted request. The action, and the memory of having
 * answered it, commit together: after a crash a request is either done and
 * remembered, or neither. A read has no action: it runs outside any
 * transaction and is remembered in memory (replaymem.h), where a repeated
 * id meets it exactly as in the store while the daemon runs. After a
 * restart such an id is forgotten: its read may then be answered again, to
 * the same member's session and within its timestamp window, which changes
 * nothing. Only when the memory is full does a read take the store's path.
 */
static int
s_execute(struct server *srv, struct server_call *call)
{
	const Symbiod__Request *req = call->req;
	struct round_call rc;
	uint8_t *inner = NULL;
	size_t inner_len = 0;
	uint64_t log_size = 0;
	int r, ok, ro = s_read_only(req->type);

	if (!ro && rounds_tx_begin(&srv->rounds, &log_size) != SYM_OK)
		return s_refuse(srv, call, SYMBIOD__STATUS__STATUS_UNAVAILABLE, "store busy");
	memset(&rc, 0, sizeof(rc));
	rc.ctx = &srv->rounds;
	rc.member = call->member;
	rc.type = req->type;
	rc.payload = req->payload.data;
	rc.payload_len = req->payload.len;
	rc.request = call->buf;
	rc.request_len = call->len;
	rc.unpacked = call->chunk;
	rc.batch_digests = (const uint8_t(*)[32])call->chunk_digests;
	r = rounds_handle(&rc);
	ok = rc.status == SYMBIOD__STATUS__STATUS_OK;
	if (r == SYM_OK)
		r = s_respond(srv, req->type, req->request_id.data, rc.status,
		              rc.msg[0] ? rc.msg : NULL, ok ? rc.reply : NULL,
		              ok ? rc.reply_len : 0, 0, &inner, &inner_len);
	free(rc.reply);
	if (r != SYM_OK) {
		if (!ro)
			rounds_tx_abort(&srv->rounds, log_size);
		log_err("request from %s failed: %s", call->user_id, sym_strerror(r));
		return s_refuse(srv, call, SYMBIOD__STATUS__STATUS_INTERNAL, "internal error");
	}
	if (ro && replaymem_keep(srv->reads, call->user_id, req->request_id.data, call->now, inner,
	                         inner_len) == SYM_OK) {
		if (!ok)
			log_notice("request %u from %s refused: %s", req->type, call->user_id,
			           rc.msg);
		call->resp = inner;
		call->resp_len = inner_len; /* transferred */
		return SYM_OK;
	}
	if (ro && rounds_tx_begin(&srv->rounds, &log_size) != SYM_OK) {
		free(inner);
		return s_refuse(srv, call, SYMBIOD__STATUS__STATUS_UNAVAILABLE, "store busy");
	}
	if (!ok) {
		rounds_tx_abort(&srv->rounds, log_size);
		log_notice("request %u from %s refused: %s", req->type, call->user_id, rc.msg);
		s_spend_refused(srv, call, inner, inner_len);
		call->resp = inner;
		call->resp_len = inner_len; /* transferred */
		return SYM_OK;
	}
	return s_commit(srv, call, log_size, inner, inner_len);
}

int
server_handle(struct server *srv, const char *user_id, const uint8_t *buf, size_t len,
              uint8_t **resp, size_t *resp_len)
{
	static const uint8_t zero_id[16];
	struct server_call call;
	int r;

	memset(&call, 0, sizeof(call));
	call.user_id = user_id;
	call.buf = buf;
	call.len = len;
	call.now = wire_now_ms();
	*resp = NULL;
	*resp_len = 0;
	srv->handled++;
	r = wire_request_decode(buf, len, &call.req);
	if (r != SYM_OK) {
		log_notice("request from %s refused: malformed (%s)", user_id, sym_strerror(r));
		return s_respond(srv, 0, zero_id,
		                 r == SYM_ERR_LIMIT ? SYMBIOD__STATUS__STATUS_TOO_LARGE
		                                    : SYMBIOD__STATUS__STATUS_BAD_REQUEST,
		                 "malformed request", NULL, 0, 0, resp, resp_len);
	}
	r = s_admit(srv, &call);
	if (r == SYM_OK && call.member != NULL)
		r = s_execute(srv, &call);
	*resp = call.resp;
	*resp_len = call.resp_len; /* transferred */
	wire_free(call.chunk);
	free(call.chunk_digests);
	wire_free(&call.req->base);
	return r;
}
