#include "transport.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "util.h"

#define CONN_CANCEL_POLL_MS 100

struct conn {
	const struct client_state *st;
	struct conn_opts opts;
	void *zctx, *dealer, *monitor;
	/* What the monitor saw, to explain a silence. */
	int connected, handshake_ok, auth_failed, protocol_failed, retries;
	int auth_status;
};

/* The agent's stop flag (conn_set_cancel), or NULL: calls then wait their full time. */
static volatile sig_atomic_t *s_cancel;

void
conn_set_cancel(volatile sig_atomic_t *flag)
{
	s_cancel = flag;
}

static int
s_cancelled(void)
{
	return s_cancel != NULL && *s_cancel;
}

static int
s_setopt_int(void *sock, int opt, int value)
{
	return zmq_setsockopt(sock, opt, &value, sizeof(value));
}

int
conn_open(const struct client_state *st, const struct conn_opts *opts, struct conn **out,
          struct sym_diag *diag)
{
	struct conn *c = calloc(1, sizeof(*c));
	char mon_ep[64];
	int r = SYM_ERR_IO;

	*out = NULL;
	if (c == NULL)
		return sym_diag_set(diag, SYM_ERR_ALLOC, "out of memory");
	c->st = st;
	c->opts = *opts;
	if ((c->zctx = zmq_ctx_new()) == NULL ||
	    (c->dealer = zmq_socket(c->zctx, ZMQ_DEALER)) == NULL)
		goto fail;
	if (zmq_setsockopt(c->dealer, ZMQ_CURVE_SERVERKEY, st->park.coordinator_curve, 32) != 0 ||
	    zmq_setsockopt(c->dealer, ZMQ_CURVE_PUBLICKEY, st->curve->pk, 32) != 0 ||
	    zmq_setsockopt(c->dealer, ZMQ_CURVE_SECRETKEY, st->curve->sk, 32) != 0 ||
	    s_setopt_int(c->dealer, ZMQ_LINGER, 0) != 0 ||
	    s_setopt_int(c->dealer, ZMQ_HANDSHAKE_IVL, opts->timeout_ms) != 0 ||
	    s_setopt_int(c->dealer, ZMQ_RECONNECT_IVL, 200) != 0 ||
	    s_setopt_int(c->dealer, ZMQ_HEARTBEAT_IVL, 5000) != 0) {
		sym_diag_set(diag, SYM_ERR_IO, "cannot configure the socket: %s",
		             zmq_strerror(zmq_errno()));
		goto fail;
	}
	{
		int64_t maxmsg = WIRE_MAX_MESSAGE + 4096;
		(void)zmq_setsockopt(c->dealer, ZMQ_MAXMSGSIZE, &maxmsg, sizeof(maxmsg));
	}
	snprintf(mon_ep, sizeof(mon_ep), "inproc://symbi-monitor-%p", (void *)c);
	if (zmq_socket_monitor(c->dealer, mon_ep, ZMQ_EVENT_ALL) != 0 ||
	    (c->monitor = zmq_socket(c->zctx, ZMQ_PAIR)) == NULL ||
	    zmq_connect(c->monitor, mon_ep) != 0)
		goto fail;
	if (zmq_connect(c->dealer, st->park.endpoint) != 0) {
		r = sym_diag_set(diag, SYM_ERR_INVALID, "cannot connect to %s: %s",
		                 st->park.endpoint, zmq_strerror(zmq_errno()));
		goto fail_diag;
	}
	*out = c;
	return SYM_OK;
fail:
	sym_diag_set(diag, r, "cannot set up the connection: %s", zmq_strerror(zmq_errno()));
fail_diag:
	conn_close(&c);
	return r;
}

void
conn_close(struct conn **cp)
{
	struct conn *c;

	if (cp == NULL || *cp == NULL)
		return;
	c = *cp;
	if (c->dealer != NULL) {
		zmq_socket_monitor(c->dealer, NULL, 0);
		zmq_close(c->dealer);
	}
	if (c->monitor != NULL)
		zmq_close(c->monitor);
	if (c->zctx != NULL)
		zmq_ctx_term(c->zctx);
	free(c);
	*cp = NULL;
}

/* Drain monitor events into the conn's flags. */
static void
s_drain_monitor(struct conn *c)
{
	for (;;) {
		zmq_msg_t ev, addr;
		uint16_t event;
		uint32_t value;

		zmq_msg_init(&ev);
		if (zmq_msg_recv(&ev, c->monitor, ZMQ_DONTWAIT) < 0) {
			zmq_msg_close(&ev);
			return;
		}
		if (zmq_msg_size(&ev) >= 6) {
			memcpy(&event, zmq_msg_data(&ev), 2);
			memcpy(&value, (uint8_t *)zmq_msg_data(&ev) + 2, 4);
			switch (event) {
			case ZMQ_EVENT_CONNECTED: c->connected = 1; break;
			case ZMQ_EVENT_CONNECT_RETRIED: c->retries++; break;
			case ZMQ_EVENT_HANDSHAKE_SUCCEEDED: c->handshake_ok = 1; break;
			case ZMQ_EVENT_HANDSHAKE_FAILED_AUTH:
				c->auth_failed = 1;
				c->auth_status = (int)value;
				break;
			case ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL:
			case ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL: c->protocol_failed = 1; break;
			default: break;
			}
		}
		if (zmq_msg_more(&ev)) {
			/* The second frame is the endpoint; read and drop it. */
			zmq_msg_init(&addr);
			(void)zmq_msg_recv(&addr, c->monitor, ZMQ_DONTWAIT);
			zmq_msg_close(&addr);
		}
		zmq_msg_close(&ev);
	}
}

static int
s_explain_silence(struct conn *c, struct sym_diag *diag)
{
	s_drain_monitor(c);
	if (c->auth_failed)
		return sym_diag_set(
		    diag, SYM_ERR_PERM,
		    "the coordinator at %s refused this company's key (not enrolled, "
		    "or revoked)",
		    c->st->park.endpoint);
	if (c->connected && !c->handshake_ok)
		return sym_diag_set(diag, SYM_ERR_VERIFY,
		                    "the secure handshake with %s failed: the coordinator key in "
		                    "park.json does not match the server there",
		                    c->st->park.endpoint);
	if (!c->connected)
		return sym_diag_set(diag, SYM_ERR_NOT_FOUND,
		                    "cannot reach the coordinator at %s (is the daemon running?)",
		                    c->st->park.endpoint);
	return sym_diag_set(diag, SYM_ERR_IO, "no answer from the coordinator at %s",
	                    c->st->park.endpoint);
}

/* Wait until `deadline` for one frame. */
static int
s_receive(struct conn *c, double deadline, uint8_t **answer, size_t *answer_len)
{
	zmq_msg_t msg;

	for (;;) {
		zmq_pollitem_t items[2] = {{c->dealer, 0, ZMQ_POLLIN, 0},
		                           {c->monitor, 0, ZMQ_POLLIN, 0}};
		int left = (int)((deadline - util_now()) * 1000.0);

		if (left <= 0 || s_cancelled())
			return SYM_ERR_IO;
		/* Look at the stop flag often: a signal between two polls wakes none. */
		if (s_cancel != NULL && left > CONN_CANCEL_POLL_MS)
			left = CONN_CANCEL_POLL_MS;
		if (zmq_poll(items, 2, left) < 0)
			return SYM_ERR_IO;
		if (items[1].revents & ZMQ_POLLIN) {
			s_drain_monitor(c);
			if (c->auth_failed)
				return SYM_ERR_PERM;
		}
		if (items[0].revents & ZMQ_POLLIN)
			break;
	}
	zmq_msg_init(&msg);
	if (zmq_msg_recv(&msg, c->dealer, 0) < 0) {
		zmq_msg_close(&msg);
		return SYM_ERR_IO;
	}
	*answer_len = zmq_msg_size(&msg);
	*answer = malloc(*answer_len + 1);
	if (*answer == NULL) {
		zmq_msg_close(&msg);
		return SYM_ERR_ALLOC;
	}
	memcpy(*answer, zmq_msg_data(&msg), *answer_len);
	zmq_msg_close(&msg);
	return SYM_OK;
}

/* Send one frame; wait up to timeout_ms for one frame back. */
static int
s_exchange(struct conn *c, const uint8_t *req, size_t req_len, uint8_t **answer, size_t *answer_len)
{
	if (zmq_send(c->dealer, req, req_len, ZMQ_DONTWAIT) < 0 && zmq_errno() != EAGAIN)
		return SYM_ERR_IO;
	return s_receive(c, util_now() + c->opts.timeout_ms / 1000.0, answer, answer_len);
}

int
conn_call_raw(struct conn *c, const uint8_t *req, size_t req_len, uint8_t **answer,
              size_t *answer_len, struct sym_diag *diag)
{
	int r = s_exchange(c, req, req_len, answer, answer_len);

	if (r != SYM_OK)
		return s_explain_silence(c, diag);
	return SYM_OK;
}

/* chunk_digest NULL: a version 1 request; else a version 2 SubmitChunk. */
static int
s_call(struct conn *c, uint32_t type, const uint8_t *payload, size_t payload_len,
       const uint8_t *chunk_digest, Symbiod__Response **resp, struct sym_diag *diag)
{
	uint8_t id[WIRE_REQUEST_ID_LEN], *req = NULL, *answer = NULL;
	size_t req_len = 0, answer_len = 0;
	int attempt, r = SYM_ERR_IO, have_id = 0;

	*resp = NULL;
	for (attempt = 0; attempt < c->opts.attempts; attempt++) {
		free(req);
		req = NULL;
		/* Same request id on every attempt; a fresh timestamp and signature each time. */
		if (chunk_digest != NULL)
			r = wire_request_build_chunk(c->st->park_id, have_id ? id : NULL,
			                             wire_now_ms(), c->st->id, c->st->identity->sk,
			                             payload, payload_len, chunk_digest, &req,
			                             &req_len, id);
		else
			r = wire_request_build(c->st->park_id, type, have_id ? id : NULL,
			                       wire_now_ms(), c->st->id, c->st->identity->sk,
			                       payload, payload_len, &req, &req_len, id);
		if (r != SYM_OK) {
			sym_diag_set(diag, r, "cannot build the request: %s", sym_strerror(r));
			goto out;
		}
		have_id = 1;
		r = s_exchange(c, req, req_len, &answer, &answer_len);
		if (r == SYM_OK || r == SYM_ERR_PERM || s_cancelled())
			break;
	}
	if (r != SYM_OK && s_cancelled()) {
		sym_diag_set(diag, SYM_ERR_IO, "interrupted: stopping");
		goto out;
	}
	if (r != SYM_OK) {
		r = s_explain_silence(c, diag);
		goto out;
	}
	for (;;) {
		if ((r = wire_response_decode(answer, answer_len, c->st->park_id,
		                              c->st->park.coordinator_ed25519, resp)) != SYM_OK) {
			sym_diag_set(diag, r, "the coordinator's answer %s",
			             r == SYM_ERR_VERIFY
			                 ? "is not signed by this park's coordinator"
			                 : "is malformed");
			goto out;
		}
		if (memcmp((*resp)->request_id.data, id, sizeof(id)) == 0)
			break;
		/*
		 * A late answer to an earlier request whose attempt timed out (its
		 * retry was answered too): signed and harmless, so drop it and wait
		 * for ours within the same time budget.
		 */
		wire_free(&(*resp)->base);
		*resp = NULL;
		free(answer);
		answer = NULL;
		if ((r = s_receive(c, util_now() + c->opts.timeout_ms / 1000.0, &answer,
		                   &answer_len)) != SYM_OK) {
			r = s_explain_silence(c, diag);
			goto out;
		}
	}
	/* A retry whose first attempt was served: the stored original answer is inside. */
	if ((*resp)->status == SYMBIOD__STATUS__STATUS_REPLAY && (*resp)->replayed &&
	    (*resp)->has_payload && attempt > 0) {
		Symbiod__Response *orig = NULL;
		if (wire_response_decode((*resp)->payload.data, (*resp)->payload.len,
		                         c->st->park_id, c->st->park.coordinator_ed25519,
		                         &orig) == SYM_OK &&
		    memcmp(orig->request_id.data, id, sizeof(id)) == 0) {
			wire_free(&(*resp)->base);
			*resp = orig;
		} else {
			wire_free(orig ? &orig->base : NULL);
		}
	}
	r = SYM_OK;
out:
	free(req);
	free(answer);
	return r;
}

int
conn_call(struct conn *c, uint32_t type, const uint8_t *payload, size_t payload_len,
          Symbiod__Response **resp, struct sym_diag *diag)
{
	return s_call(c, type, payload, payload_len, NULL, resp, diag);
}

int
conn_call_chunk(struct conn *c, const uint8_t *payload, size_t payload_len,
                const uint8_t chunk_digest[32], Symbiod__Response **resp, struct sym_diag *diag)
{
	return s_call(c, SYMBIOD__MSG_TYPE__MSG_SUBMIT_CHUNK, payload, payload_len, chunk_digest,
	              resp, diag);
}
