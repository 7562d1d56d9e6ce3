#include "server.h"

#include <errno.h>
#include <jansson.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

#include "auditlog.h"
#include "control.h"
#include "export.h"
#include "rounds.h"
#include "log.h"
#include "ratelimit.h"
#include "sdnotify.h"
#include "sysexits.h"
#include "util.h"
#include "wire.h"
#include "zap.h"

/* Declared only under libzmq's draft API in 4.3.4 (STYLE.md). */
#ifndef ZMQ_ZAP_ENFORCE_DOMAIN
#define ZMQ_ZAP_ENFORCE_DOMAIN 93
#endif

#define SERVER_POLL_MS 200
#define SERVER_PRUNE_EVERY_S 60.0
/* Request ids are kept longer than the timestamp window accepts a request. */
#define SERVER_REPLAY_KEEP_MS (2ull * WIRE_TIMESTAMP_WINDOW_MS)
/*
 * Queue bounds on the ROUTER, in messages, each way. A message is at most
 * WIRE_MAX_MESSAGE, and libzmq keeps up to this many per peer pipe: beyond
 * it, incoming messages wait in the kernel's TCP buffers (back-pressure on
 * that peer) and replies to a peer that does not read are dropped
 * (ROUTER_MANDATORY with DONTWAIT: an error, logged, never a stall). 1000
 * covers a whole park's worth of in-flight requests at once.
 */
#define SERVER_RCVHWM 1000
#define SERVER_SNDHWM 1000
/*
 * Per-member rate limit (token bucket). A submission is a handful of
 * requests (round, directory, begin, a few chunks, commit) and a client's
 * whole session (status, submit, candidates, consent, exchanges) a few
 * dozen, and a retry after a timeout reuses its request id: a burst of 200
 * is several sessions back to back, never reached by an honest client. 20
 * requests/s sustained is far above any honest pace, yet keeps one member
 * (a runaway script, a stolen key) from taking more than a small share of
 * the single-threaded loop, where each request costs a signature check, a
 * store transaction and a signed reply.
 */
#define SERVER_RATE_PER_S 20
#define SERVER_RATE_BURST 200
/* Buckets: above any park's member count, so eviction only drops refilled ones. */
#define SERVER_RATE_TABLE 8192
/*
 * Work per loop turn before the control socket is looked at: at most this
 * many member requests, and no new one once this much time has passed. A
 * request costs well under a millisecond to a few tens (a commit with fsync),
 * so the operator's command waits at most about one budget plus one request.
 */
#define SERVER_TURN_MESSAGES 64
#define SERVER_TURN_BUDGET_MS 100

struct server {
	struct park *park;
	void *zctx, *router;
	struct zap *zap;
	int control_fd;
	struct store_member *members;
	size_t nmembers;
	uint8_t dir_hash[32];
	int64_t data_version;
	uint64_t handled, refused, rate_limited;
	struct ratelimit *limits;
	double rate_logged; /* util_now() of the last rate-limit notice */
	struct rounds_ctx rounds;
	struct auditlog *log;
};

static volatile sig_atomic_t s_stop, s_reload;

static void
s_on_signal(int sig)
{
	if (sig == SIGHUP)
		s_reload = 1;
	else
		s_stop = 1;
}

static const struct store_member *
s_member(const struct server *srv, const char *id)
{
	size_t i;

	for (i = 0; i < srv->nmembers; i++)
		if (strcmp(srv->members[i].rec.id, id) == 0)
			return &srv->members[i];
	return NULL;
}

/* Reload the directory from the store and hand the admitted keys to ZAP. */
static int
s_load_directory(struct server *srv)
{
	struct store_member *members = NULL;
	struct zap_entry *entries = NULL;
	size_t n = 0, i, k = 0;
	int r;

	if ((r = store_members_list(srv->park->store, &members, &n)) != SYM_OK) {
		log_err("directory: cannot read members: %s", sym_strerror(r));
		return r;
	}
	if (n > 0 && (entries = calloc(n, sizeof(*entries))) == NULL) {
		store_members_free(members, n);
		return SYM_ERR_ALLOC;
	}
	for (i = 0; i < n; i++) {
		if (members[i].revoked)
			continue;
		memcpy(entries[k].curve, members[i].rec.curve, 32);
		snprintf(entries[k].id, sizeof(entries[k].id), "%s", members[i].rec.id);
		k++;
	}
	if (zap_set_members(srv->zap, entries, k) != 0) {
		free(entries);
		store_members_free(members, n);
		return SYM_ERR_ALLOC;
	}
	free(entries);
	store_members_free(srv->members, srv->nmembers);
	srv->members = members;
	srv->nmembers = n;
	srv->rounds.members = members;
	srv->rounds.nmembers = n;
	park_directory_hash(members, n, srv->dir_hash);
	if (store_data_version(srv->park->store, &srv->data_version) != SYM_OK)
		log_warn("directory: cannot read the store's data version");
	{
		char hex[17];
		util_hex(srv->dir_hash, 8, hex);
		log_info("directory: %zu active member%s, %zu revoked, hash %s", k, k == 1 ? "" : "s",
		         n - k, hex);
	}
	return SYM_OK;
}

static int
s_respond(struct server *srv, uint32_t type, const uint8_t id[16], int32_t status,
          const char *message, const uint8_t *payload, size_t payload_len, int replayed,
          uint8_t **resp, size_t *resp_len)
{
	if (status != SYMBIOD__STATUS__STATUS_OK)
		srv->refused++;
	return wire_response_build(type, id, status, replayed, message, payload, payload_len,
	                           srv->park->sign->sk, resp, resp_len);
}

static int
s_status(struct server *srv, const struct store_member *m, uint8_t **out, size_t *out_len)
{
	Symbiod__StatusReply reply = SYMBIOD__STATUS_REPLY__INIT;
	Symbiod__MemberRecord rec = SYMBIOD__MEMBER_RECORD__INIT;
	size_t i, active = 0;
	uint8_t round_id[16];
	int has_round = 0;

	for (i = 0; i < srv->nmembers; i++)
		active += !srv->members[i].revoked;
	rounds_fill_record(m, &rec);
	reply.park = srv->park->info.name;
	reply.member = &rec;
	reply.round_phase = (char *)rounds_phase(&srv->rounds, round_id, &has_round);
	if (has_round) {
		reply.has_round_id = 1;
		reply.round_id.data = round_id;
		reply.round_id.len = 16;
	}
	reply.directory_hash.data = srv->dir_hash;
	reply.directory_hash.len = 32;
	reply.members = (uint32_t)active;
	return wire_pack(&reply.base, out, out_len);
}

/* The latest checkpoint, with consistency proofs from what the member saw before. */
static int
s_checkpoint(struct server *srv, const uint8_t *payload, size_t len, int32_t *status,
             char msg[256], uint8_t **out, size_t *out_len)
{
	Symbiod__CheckpointReply reply = SYMBIOD__CHECKPOINT_REPLY__INIT;
	Symbiod__CheckpointRequest *req = NULL;
	merkle_hash_t p1[MERKLE_MAX_PROOF], p2[MERKLE_MAX_PROOF];
	ProtobufCBinaryData b1[MERKLE_MAX_PROOF], b2[MERKLE_MAX_PROOF];
	uint64_t n = auditlog_size(srv->log);
	char *text = NULL;
	size_t n1 = 0, n2 = 0, i;
	int r;

	if (wire_unpack(&symbiod__checkpoint_request__descriptor, payload, len, 0,
	                (ProtobufCMessage **)&req) != SYM_OK) {
		*status = SYMBIOD__STATUS__STATUS_BAD_REQUEST;
		snprintf(msg, 256, "malformed CheckpointRequest");
		return SYM_OK;
	}
	if ((req->has_old_size && req->old_size > n) || (req->has_proof_size && req->proof_size > n)) {
		/* Never happens with an honest log: it only grows. Say so plainly. */
		*status = SYMBIOD__STATUS__STATUS_BAD_REQUEST;
		snprintf(msg, 256, "the log has %llu entries, fewer than the checkpoint you hold",
		         (unsigned long long)n);
		r = SYM_OK;
		goto out;
	}
	if ((r = auditlog_checkpoint(srv->log, &text)) != SYM_OK)
		goto out;
	if (req->has_old_size && req->old_size > 0 &&
	    (r = auditlog_consistency(srv->log, req->old_size, n, p1, &n1)) != SYM_OK)
		goto out;
	if (req->has_proof_size && req->proof_size > 0 &&
	    (r = auditlog_consistency(srv->log, req->proof_size, n, p2, &n2)) != SYM_OK)
		goto out;
	for (i = 0; i < n1; i++) {
		b1[i].data = p1[i];
		b1[i].len = 32;
	}
	for (i = 0; i < n2; i++) {
		b2[i].data = p2[i];
		b2[i].len = 32;
	}
	reply.checkpoint = text;
	reply.n_consistency = n1;
	reply.consistency = b1;
	reply.n_proof_consistency = n2;
	reply.proof_consistency = b2;
	if ((r = wire_pack(&reply.base, out, out_len)) != SYM_OK)
		goto out;
	*status = SYMBIOD__STATUS__STATUS_OK;
out:
	free(text);
	wire_free(req ? &req->base : NULL);
	return r;
}

int
server_handle(struct server *srv, const char *user_id, const uint8_t *buf, size_t len,
              uint8_t **resp, size_t *resp_len)
{
	static const uint8_t zero_id[16];
	Symbiod__Request *req = NULL;
	const struct store_member *m;
	uint8_t *payload = NULL, *stored = NULL, *inner = NULL;
	size_t payload_len = 0, stored_len = 0, inner_len = 0;
	uint64_t now = wire_now_ms(), ts, log_size = 0, wait_ms = 0;
	int32_t status = 0;
	char msg[256] = "";
	int r;

	*resp = NULL;
	*resp_len = 0;
	srv->handled++;
	r = wire_request_decode(buf, len, &req);
	if (r != SYM_OK) {
		log_notice("request from %s refused: malformed (%s)", user_id, sym_strerror(r));
		return s_respond(srv, 0, zero_id,
		                 r == SYM_ERR_LIMIT ? SYMBIOD__STATUS__STATUS_TOO_LARGE
		                                    : SYMBIOD__STATUS__STATUS_BAD_REQUEST,
		                 "malformed request", NULL, 0, 0, resp, resp_len);
	}
	/* The session's ZAP identity is the only one we trust; the signer must match it. */
	if (strcmp(req->signer, user_id) != 0) {
		log_notice("request from %s refused: signed as \"%s\"", user_id, req->signer);
		r = s_respond(srv, req->type, req->request_id.data,
		              SYMBIOD__STATUS__STATUS_UNAUTHENTICATED,
		              "signer does not match the authenticated session", NULL, 0, 0, resp,
		              resp_len);
		goto out;
	}
	m = s_member(srv, user_id);
	if (m == NULL || m->revoked) {
		log_notice("request from %s refused: not a current member", user_id);
		r = s_respond(srv, req->type, req->request_id.data, SYMBIOD__STATUS__STATUS_FORBIDDEN,
		              "not a current member of this park (revoked?)", NULL, 0, 0, resp,
		              resp_len);
		goto out;
	}
	/*
	 * Before any work for an authenticated member. A refusal spends no
	 * request id and touches no store: a retry with the same id is served
	 * once there is room again.
	 */
	if (ratelimit_take(srv->limits, user_id, (uint64_t)(util_now() * 1000.0), &wait_ms) != 0) {
		srv->rate_limited++;
		/* One notice a second at most: a flood must not flood the log too. */
		if (util_now() - srv->rate_logged >= 1.0) {
			log_notice("request from %s refused: rate limit (%llu refused so far)", user_id,
			           (unsigned long long)srv->rate_limited);
			srv->rate_logged = util_now();
		}
		snprintf(msg, sizeof(msg), "rate limit exceeded; retry in %llu ms",
		         (unsigned long long)(wait_ms > 0 ? wait_ms : 1));
		r = s_respond(srv, req->type, req->request_id.data,
		              SYMBIOD__STATUS__STATUS_RATE_LIMITED, msg, NULL, 0, 0, resp, resp_len);
		goto out;
	}
	if (wire_request_verify(req, m->rec.ed25519) != SYM_OK) {
		log_notice("request from %s refused: bad signature", user_id);
		r = s_respond(srv, req->type, req->request_id.data,
		              SYMBIOD__STATUS__STATUS_UNAUTHENTICATED, "bad signature", NULL, 0, 0,
		              resp, resp_len);
		goto out;
	}
	ts = req->timestamp_ms;
	if (ts + WIRE_TIMESTAMP_WINDOW_MS < now || ts > now + WIRE_TIMESTAMP_WINDOW_MS) {
		log_notice("request from %s refused: timestamp outside the window", user_id);
		r = s_respond(srv, req->type, req->request_id.data, SYMBIOD__STATUS__STATUS_REPLAY,
		              "timestamp outside the accepted window (check the clock)", NULL, 0, 0,
		              resp, resp_len);
		goto out;
	}
	r = store_request_seen(srv->park->store, user_id, req->request_id.data, &stored,
	                       &stored_len);
	if (r == SYM_OK) {
		/*
		 * Never executed twice. The answer carries the original response so a
		 * client retrying after a lost reply still learns the outcome.
		 */
		log_notice("request from %s refused: replayed request id", user_id);
		r = s_respond(srv, req->type, req->request_id.data, SYMBIOD__STATUS__STATUS_REPLAY,
		              "request id already used", stored, stored_len, 1, resp, resp_len);
		goto out;
	}
	if (r != SYM_ERR_NOT_FOUND) {
		r = s_respond(srv, req->type, req->request_id.data, SYMBIOD__STATUS__STATUS_INTERNAL,
		              "store unavailable", NULL, 0, 0, resp, resp_len);
		goto out;
	}
	/*
	 * The action, and the memory of having answered it, commit together:
	 * after a crash a request is either done and remembered, or neither.
	 */
	if (store_begin(srv->park->store) != SYM_OK) {
		r = s_respond(srv, req->type, req->request_id.data, SYMBIOD__STATUS__STATUS_UNAVAILABLE,
		              "store busy", NULL, 0, 0, resp, resp_len);
		goto out;
	}
	log_size = auditlog_size(srv->log);
	if (req->type == SYMBIOD__MSG_TYPE__MSG_STATUS) {
		r = s_status(srv, m, &payload, &payload_len);
		status = SYMBIOD__STATUS__STATUS_OK;
	} else if (req->type == SYMBIOD__MSG_TYPE__MSG_CHECKPOINT) {
		r = s_checkpoint(srv, req->payload.data, req->payload.len, &status, msg, &payload,
		                 &payload_len);
	} else {
		r = rounds_handle(&srv->rounds, user_id, req->type, req->payload.data, req->payload.len,
		                  buf, len, &status, msg, &payload, &payload_len);
	}
	if (r == SYM_OK)
		r = s_respond(srv, req->type, req->request_id.data, status, msg[0] ? msg : NULL,
		              status == SYMBIOD__STATUS__STATUS_OK ? payload : NULL,
		              status == SYMBIOD__STATUS__STATUS_OK ? payload_len : 0, 0, &inner,
		              &inner_len);
	if (r != SYM_OK) {
		store_rollback(srv->park->store);
		auditlog_truncate(srv->log, log_size);
		log_err("request from %s failed: %s", user_id, sym_strerror(r));
		r = s_respond(srv, req->type, req->request_id.data, SYMBIOD__STATUS__STATUS_INTERNAL,
		              "internal error", NULL, 0, 0, resp, resp_len);
		goto out;
	}
	if (status != SYMBIOD__STATUS__STATUS_OK) {
		/* A refusal changes nothing, but its id is spent like any other. */
		store_rollback(srv->park->store);
		auditlog_truncate(srv->log, log_size);
		log_notice("request %u from %s refused: %s", req->type, user_id, msg);
		if (store_begin(srv->park->store) != SYM_OK ||
		    store_request_remember(srv->park->store, user_id, req->request_id.data, now, inner,
		                           inner_len) != SYM_OK ||
		    store_commit(srv->park->store) != SYM_OK)
			store_rollback(srv->park->store);
		*resp = inner;
		*resp_len = inner_len;
		inner = NULL;
		r = SYM_OK;
		goto out;
	}
	/* Remembered before the answer leaves, so a retry can never run it twice. */
	if (store_request_remember(srv->park->store, user_id, req->request_id.data, now, inner,
	                           inner_len) != SYM_OK ||
	    store_commit(srv->park->store) != SYM_OK) {
		/* Disk full, read-only, I/O error: the operator must see it, not just the client. */
		log_err("store: cannot commit a request from %s: %s; it was not carried out", user_id,
		        store_errmsg(srv->park->store));
		store_rollback(srv->park->store);
		auditlog_truncate(srv->log, log_size);
		free(inner);
		inner = NULL;
		r = s_respond(srv, req->type, req->request_id.data, SYMBIOD__STATUS__STATUS_UNAVAILABLE,
		              "store unavailable (the request was not carried out)", NULL, 0, 0, resp,
		              resp_len);
		goto out;
	}
	log_debug("request %u from %s: ok", req->type, user_id);
	*resp = inner;
	*resp_len = inner_len;
	inner = NULL; /* transferred */
	r = SYM_OK;
out:
	free(inner);
	free(payload);
	free(stored);
	wire_free(req ? &req->base : NULL);
	return r;
}

/* One message from the ROUTER: [routing id][request]. Anything else is dropped. */
static void
s_on_router(struct server *srv)
{
	zmq_msg_t rid, body;
	uint8_t *resp = NULL;
	size_t resp_len = 0;
	const char *user;
	int more;

	zmq_msg_init(&rid);
	zmq_msg_init(&body);
	if (zmq_msg_recv(&rid, srv->router, ZMQ_DONTWAIT) < 0)
		goto out;
	if (!zmq_msg_more(&rid))
		goto out;
	if (zmq_msg_recv(&body, srv->router, ZMQ_DONTWAIT) < 0)
		goto out;
	more = zmq_msg_more(&body);
	if (more) {
		/* Drain the rest; a request is exactly one frame. */
		zmq_msg_t extra;
		zmq_msg_init(&extra);
		while (more && zmq_msg_recv(&extra, srv->router, ZMQ_DONTWAIT) >= 0)
			more = zmq_msg_more(&extra);
		zmq_msg_close(&extra);
		log_notice("dropped a multi-frame message");
		goto out;
	}
	user = zmq_msg_gets(&body, "User-Id");
	if (user == NULL || *user == '\0') {
		/* Cannot happen with ZAP enforced; never serve an unidentified peer. */
		log_err("dropped a message without a ZAP User-Id");
		goto out;
	}
	(void)server_handle(srv, user, zmq_msg_data(&body), zmq_msg_size(&body), &resp, &resp_len);
	if (resp == NULL)
		goto out;
	/* Non-blocking with ROUTER_MANDATORY: a vanished peer costs an error, never a stall. */
	if (zmq_send(srv->router, zmq_msg_data(&rid), zmq_msg_size(&rid),
	             ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0 ||
	    zmq_send(srv->router, resp, resp_len, ZMQ_DONTWAIT) < 0)
		log_notice("reply to %s not sent: %s", user, zmq_strerror(zmq_errno()));
out:
	free(resp);
	zmq_msg_close(&rid);
	zmq_msg_close(&body);
}

static json_t *
s_members_json(const struct server *srv)
{
	json_t *arr = json_array();
	size_t i;

	for (i = 0; i < srv->nmembers; i++) {
		const struct store_member *m = &srv->members[i];
		char fp[65];

		util_hex(m->rec.fingerprint, 32, fp);
		json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:s}", "id", m->rec.id, "name",
		                                     m->rec.name, "status",
		                                     m->revoked ? "revoked" : "active", "fingerprint",
		                                     fp));
	}
	return arr;
}

static int
s_opt_u32(json_t *req, const char *key, uint32_t *out)
{
	json_t *v = json_object_get(req, key);

	if (v == NULL)
		return 1;
	if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 100000000)
		return 0;
	*out = (uint32_t)json_integer_value(v);
	return 1;
}

static json_t *
s_control_round(struct server *srv, json_t *req)
{
	const char *action = json_string_value(json_object_get(req, "action"));
	struct sym_diag diag = {""};
	struct round_open_opts opts;
	json_t *result = NULL;
	uint32_t submit_min = 0, consent_min = 0;
	int r;

	if (action == NULL)
		return json_pack("{s:b, s:s}", "ok", 0, "error", "round: missing action");
	if (strcmp(action, "status") == 0) {
		result = rounds_status(&srv->rounds);
		json_object_set_new(result, "ok", json_true());
		return result;
	}
	if (strcmp(action, "open") == 0) {
		rounds_default_opts(&opts);
		if (!s_opt_u32(req, "pad_offers", &opts.pad_offers) ||
		    !s_opt_u32(req, "pad_needs", &opts.pad_needs) ||
		    !s_opt_u32(req, "quantum", &opts.quantum) ||
		    !s_opt_u32(req, "max_items", &opts.max_items) ||
		    !s_opt_u32(req, "submit_minutes", &submit_min) ||
		    !s_opt_u32(req, "consent_minutes", &consent_min))
			return json_pack("{s:b, s:s}", "ok", 0, "error", "round open: bad option value");
		opts.submit_minutes = submit_min;
		opts.consent_minutes = consent_min;
		r = rounds_open(&srv->rounds, &opts, &result, &diag);
	} else if (strcmp(action, "close") == 0) {
		r = rounds_close(&srv->rounds, &result, &diag);
	} else if (strcmp(action, "end") == 0) {
		r = rounds_end(&srv->rounds, &result, &diag);
	} else {
		return json_pack("{s:b, s:s}", "ok", 0, "error", "round: unknown action");
	}
	if (r != SYM_OK) {
		log_notice("control: round %s refused: %s", action, diag.msg);
		return json_pack("{s:b, s:s}", "ok", 0, "error", diag.msg);
	}
	json_object_set_new(result, "ok", json_true());
	return result;
}

static json_t *
s_control_log(struct server *srv, json_t *req)
{
	const char *action = json_string_value(json_object_get(req, "action"));
	const char *out = json_string_value(json_object_get(req, "out"));
	struct sym_diag diag = {""};
	char *text = NULL;
	json_t *reply;

	if (action != NULL && strcmp(action, "export") == 0 && out != NULL && *out == '/') {
		if (export_write(srv->park, srv->log, out, &diag) != SYM_OK)
			return json_pack("{s:b, s:s}", "ok", 0, "error", diag.msg);
		log_notice("audit log exported to %s (%llu entries)", out,
		           (unsigned long long)auditlog_size(srv->log));
		return json_pack("{s:b, s:s, s:I}", "ok", 1, "out", out, "entries",
		                 (json_int_t)auditlog_size(srv->log));
	}
	if (action != NULL && strcmp(action, "checkpoint") == 0) {
		if (auditlog_checkpoint(srv->log, &text) != SYM_OK)
			return json_pack("{s:b, s:s}", "ok", 0, "error", "cannot sign a checkpoint");
		reply = json_pack("{s:b, s:s, s:I}", "ok", 1, "checkpoint", text, "entries",
		                  (json_int_t)auditlog_size(srv->log));
		free(text);
		return reply;
	}
	return json_pack("{s:b, s:s}", "ok", 0, "error",
	                 "log: expected action export (with an absolute \"out\") or checkpoint");
}

static void
s_on_control(struct server *srv)
{
	json_t *req = NULL, *reply;
	const char *cmd;
	int fd = -1;

	if (control_accept(srv->control_fd, &fd, &req) != SYM_OK)
		return;
	cmd = json_string_value(json_object_get(req, "cmd"));
	if (cmd == NULL) {
		reply = json_pack("{s:b, s:s}", "ok", 0, "error", "missing cmd");
	} else if (strcmp(cmd, "status") == 0) {
		uint64_t admitted = 0, refused = 0;
		char hex[65];

		zap_counts(srv->zap, &admitted, &refused);
		util_hex(srv->dir_hash, 32, hex);
		uint8_t rid[16];
		int has_rid = 0;
		const char *phase = rounds_phase(&srv->rounds, rid, &has_rid);

		reply = json_pack("{s:b, s:s, s:s, s:I, s:s, s:s, s:I, s:I, s:I, s:I, s:I}", "ok", 1,
		                  "park", srv->park->info.name, "endpoint", srv->park->info.endpoint,
		                  "members", (json_int_t)srv->nmembers, "directory_hash", hex, "phase",
		                  phase, "handshakes_admitted", (json_int_t)admitted,
		                  "handshakes_refused", (json_int_t)refused, "requests",
		                  (json_int_t)srv->handled, "requests_refused",
		                  (json_int_t)srv->refused, "requests_rate_limited",
		                  (json_int_t)srv->rate_limited);
	} else if (strcmp(cmd, "members") == 0) {
		reply = json_pack("{s:b, s:o}", "ok", 1, "members", s_members_json(srv));
	} else if (strcmp(cmd, "log") == 0) {
		reply = s_control_log(srv, req);
	} else if (strcmp(cmd, "round") == 0) {
		reply = s_control_round(srv, req);
	} else if (strcmp(cmd, "reload") == 0) {
		reply = json_pack("{s:b}", "ok", s_load_directory(srv) == SYM_OK);
	} else {
		reply = json_pack("{s:b, s:s}", "ok", 0, "error",
		                  "this command is not served by this version of the daemon");
	}
	log_info("control: %s", cmd ? cmd : "(none)");
	control_reply(fd, reply);
	json_decref(req);
}

static int
s_setopt_int(void *sock, int opt, int value)
{
	return zmq_setsockopt(sock, opt, &value, sizeof(value));
}

static int
s_open_router(struct server *srv, const char *endpoint, const struct server_opts *opts)
{
	int64_t maxmsg = WIRE_MAX_MESSAGE;

	srv->router = zmq_socket(srv->zctx, ZMQ_ROUTER);
	if (srv->router == NULL)
		return -1;
	if (s_setopt_int(srv->router, ZMQ_CURVE_SERVER, 1) != 0 ||
	    zmq_setsockopt(srv->router, ZMQ_CURVE_SECRETKEY, srv->park->curve->sk, 32) != 0 ||
	    zmq_setsockopt(srv->router, ZMQ_ZAP_DOMAIN, ZAP_DOMAIN, strlen(ZAP_DOMAIN)) != 0 ||
	    s_setopt_int(srv->router, ZMQ_ZAP_ENFORCE_DOMAIN, 1) != 0 ||
	    zmq_setsockopt(srv->router, ZMQ_MAXMSGSIZE, &maxmsg, sizeof(maxmsg)) != 0 ||
	    s_setopt_int(srv->router, ZMQ_RCVHWM, SERVER_RCVHWM) != 0 ||
	    s_setopt_int(srv->router, ZMQ_SNDHWM, SERVER_SNDHWM) != 0 ||
	    s_setopt_int(srv->router, ZMQ_ROUTER_MANDATORY, 1) != 0 ||
	    s_setopt_int(srv->router, ZMQ_SNDTIMEO, 0) != 0 ||
	    s_setopt_int(srv->router, ZMQ_LINGER, 0) != 0 ||
	    s_setopt_int(srv->router, ZMQ_HANDSHAKE_IVL, opts->handshake_ms) != 0 ||
	    s_setopt_int(srv->router, ZMQ_HEARTBEAT_IVL, opts->heartbeat_ms) != 0 ||
	    s_setopt_int(srv->router, ZMQ_HEARTBEAT_TIMEOUT, 3 * opts->heartbeat_ms) != 0 ||
	    s_setopt_int(srv->router, ZMQ_HEARTBEAT_TTL, 3 * opts->heartbeat_ms) != 0) {
		log_err("router: cannot set socket options: %s", zmq_strerror(zmq_errno()));
		return -1;
	}
	if (zmq_bind(srv->router, endpoint) != 0) {
		log_err("router: cannot listen on %s: %s", endpoint, zmq_strerror(zmq_errno()));
		return -1;
	}
	return 0;
}

int
server_run(struct park *park, const struct server_opts *opts)
{
	struct server srv;
	struct sigaction sa;
	struct sym_diag diag = {""};
	char sock_path[PATH_MAX], state[512];
	const char *endpoint = opts->endpoint ? opts->endpoint : park->info.endpoint;
	double last_prune = 0, last_ping = 0;
	uint64_t watchdog_usec = 0;
	int rc = EXIT_SOFTWARE;

	memset(&srv, 0, sizeof(srv));
	srv.park = park;
	srv.control_fd = -1;
	srv.rounds.park = park;
	srv.rounds.taxonomy_hash = park->info.taxonomy_hash;
	s_stop = s_reload = 0;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = s_on_signal;
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: a signal must interrupt zmq_poll so the loop sees it at once. */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	if ((srv.limits = ratelimit_new(SERVER_RATE_TABLE, SERVER_RATE_PER_S, SERVER_RATE_BURST)) ==
	    NULL)
		goto out;
	if ((srv.zctx = zmq_ctx_new()) == NULL)
		goto out;
	/* The ZAP handler first: the server socket must never run without it. */
	if ((srv.zap = zap_start(srv.zctx)) == NULL)
		goto out;
	if (s_load_directory(&srv) != SYM_OK)
		goto out;
	if (auditlog_open(park->store, park->sign, &srv.log) != SYM_OK) {
		log_err("audit log: cannot load it from the store");
		goto out;
	}
	srv.rounds.log = srv.log;
	if (park_path(park, PARK_CONTROL_SOCKET, sock_path, sizeof(sock_path)) != SYM_OK ||
	    (srv.control_fd = control_listen(sock_path, &diag)) < 0) {
		log_err("%s", diag.msg);
		rc = EXIT_CANTCREAT;
		goto out;
	}
	if (s_open_router(&srv, endpoint, opts) != 0) {
		rc = EXIT_UNAVAILABLE;
		goto out;
	}
	log_notice("listening on %s (park \"%s\"), control socket %s", endpoint, park->info.name,
	           sock_path);
	/* Tests and supervisors wait for this line on stderr. */
	fprintf(stderr, "symbiod: ready\n");
	/* Under systemd (Type=notify); no-ops elsewhere. */
	snprintf(state, sizeof(state), "READY=1\nSTATUS=listening on %s", endpoint);
	if (sdnotify_send(state) != SYM_OK)
		log_warn("cannot notify the service manager at $NOTIFY_SOCKET");
	if (sdnotify_watchdog_usec(&watchdog_usec) != SYM_OK)
		log_warn("ignoring a malformed $WATCHDOG_USEC");
	last_ping = util_now();

	while (!s_stop) {
		zmq_pollitem_t items[2] = {{srv.router, 0, ZMQ_POLLIN, 0},
		                           {NULL, srv.control_fd, ZMQ_POLLIN, 0}};
		int64_t dv = 0;
		int n = zmq_poll(items, 2, SERVER_POLL_MS);

		if (n < 0 && zmq_errno() != EINTR) {
			log_err("poll: %s", zmq_strerror(zmq_errno()));
			goto out;
		}
		/*
		 * The watchdog at half its interval, and before every control command:
		 * a round close runs the matching in this loop.
		 */
		if (watchdog_usec > 0 && (util_now() - last_ping >= watchdog_usec / 2e6 ||
		                          (n > 0 && (items[1].revents & ZMQ_POLLIN)))) {
			(void)sdnotify_send("WATCHDOG=1");
			last_ping = util_now();
		}
		/*
		 * An operator's enroll or revoke while we run shows up as a new data
		 * version; checked before serving, so a revocation is in force for
		 * every request that arrives after the revoke command returned.
		 */
		if (s_reload || (store_data_version(park->store, &dv) == SYM_OK &&
		                 dv != srv.data_version)) {
			int hup = s_reload;

			if (hup) {
				log_notice("SIGHUP: reloading the directory");
				(void)sdnotify_send("RELOADING=1");
			}
			s_reload = 0;
			(void)s_load_directory(&srv);
			/* An operator's enroll or revoke also appended to the log. */
			if (auditlog_sync(srv.log) != SYM_OK)
				log_err("audit log: cannot read new entries");
			if (hup)
				(void)sdnotify_send("READY=1");
		}
		if (n > 0 && (items[0].revents & ZMQ_POLLIN)) {
			/*
			 * Serve what is queued, a bounded batch per turn (in messages and
			 * in time) so the control socket stays responsive under load.
			 */
			int batch = SERVER_TURN_MESSAGES, events = 0;
			size_t elen = sizeof(events);
			double turn_end = util_now() + SERVER_TURN_BUDGET_MS / 1000.0;
			do {
				s_on_router(&srv);
				if (zmq_getsockopt(srv.router, ZMQ_EVENTS, &events, &elen) != 0)
					break;
			} while ((events & ZMQ_POLLIN) && --batch > 0 && util_now() < turn_end);
		}
		if (n > 0 && (items[1].revents & ZMQ_POLLIN))
			s_on_control(&srv);
		rounds_tick(&srv.rounds);
		if (util_now() - last_prune > SERVER_PRUNE_EVERY_S) {
			uint64_t now = wire_now_ms();
			last_prune = util_now();
			if (now > SERVER_REPLAY_KEEP_MS &&
			    store_requests_prune(park->store, now - SERVER_REPLAY_KEEP_MS) != SYM_OK)
				log_warn("cannot prune remembered request ids");
		}
	}
	log_notice("stopping on signal");
	(void)sdnotify_send("STOPPING=1");
	rc = 0;
out:
	if (srv.router != NULL)
		zmq_close(srv.router);
	if (srv.control_fd >= 0) {
		close(srv.control_fd);
		unlink(sock_path);
	}
	zap_stop(&srv.zap);
	auditlog_close(&srv.log);
	if (srv.zctx != NULL)
		zmq_ctx_term(srv.zctx);
	store_members_free(srv.members, srv.nmembers);
	ratelimit_destroy(&srv.limits);
	return rc;
}
