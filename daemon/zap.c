#include "zap.h"

#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "log.h"

/* A ZAP request has 6 fixed frames plus the mechanism's credentials. */
#define ZAP_MAX_FRAMES 8
#define ZAP_FRAME_MAX 256

struct zap {
	void *ctx;
	void *sock; /* owned by the thread once started */
	pthread_t thread;
	atomic_int stop;
	pthread_mutex_t lock;
	struct zap_entry *entries;
	size_t n;
	atomic_uint_fast64_t admitted, refused;
};

static int
s_frame_is(const uint8_t *f, size_t len, const char *s)
{
	return len == strlen(s) && memcmp(f, s, len) == 0;
}

void
zap_decide(const struct zap_entry *entries, size_t n, const uint8_t *const *frames,
           const size_t *lens, size_t nframes, struct zap_reply *reply)
{
	size_t i;

	memset(reply, 0, sizeof(*reply));
	snprintf(reply->status, sizeof(reply->status), "400");
	/* version, request id, domain, address, identity, mechanism, credentials... */
	if (nframes < 6 || !s_frame_is(frames[0], lens[0], "1.0")) {
		snprintf(reply->status, sizeof(reply->status), "500");
		snprintf(reply->text, sizeof(reply->text), "malformed ZAP request");
		return;
	}
	if (!s_frame_is(frames[2], lens[2], ZAP_DOMAIN)) {
		snprintf(reply->text, sizeof(reply->text), "wrong domain");
		return;
	}
	if (!s_frame_is(frames[5], lens[5], "CURVE") || nframes != 7 || lens[6] != 32) {
		snprintf(reply->text, sizeof(reply->text), "CURVE required");
		return;
	}
	for (i = 0; i < n; i++) {
		if (sodium_memcmp(entries[i].curve, frames[6], 32) == 0) {
			snprintf(reply->status, sizeof(reply->status), "200");
			snprintf(reply->text, sizeof(reply->text), "OK");
			snprintf(reply->user_id, sizeof(reply->user_id), "%s", entries[i].id);
			return;
		}
	}
	snprintf(reply->text, sizeof(reply->text), "not a member");
}

static int
s_send(void *sock, const void *data, size_t len, int more)
{
	return zmq_send(sock, data, len, more ? ZMQ_SNDMORE : 0) < 0 ? -1 : 0;
}

static void
s_handle(struct zap *z)
{
	uint8_t buf[ZAP_MAX_FRAMES][ZAP_FRAME_MAX];
	const uint8_t *frames[ZAP_MAX_FRAMES];
	size_t lens[ZAP_MAX_FRAMES], nframes = 0;
	struct zap_reply reply;
	int more = 1, truncated = 0;

	/* Read every frame of the message, keeping at most ZAP_MAX_FRAMES. */
	while (more) {
		int rc;
		size_t more_len = sizeof(more);
		uint8_t sink[ZAP_FRAME_MAX];

		if (nframes < ZAP_MAX_FRAMES) {
			rc = zmq_recv(z->sock, buf[nframes], ZAP_FRAME_MAX, 0);
			if (rc < 0)
				return;
			if ((size_t)rc > ZAP_FRAME_MAX)
				truncated = 1;
			frames[nframes] = buf[nframes];
			lens[nframes] = (size_t)rc > ZAP_FRAME_MAX ? ZAP_FRAME_MAX : (size_t)rc;
			nframes++;
		} else {
			truncated = 1;
			if (zmq_recv(z->sock, sink, sizeof(sink), 0) < 0)
				return;
		}
		if (zmq_getsockopt(z->sock, ZMQ_RCVMORE, &more, &more_len) != 0)
			return;
	}
	if (truncated) {
		memset(&reply, 0, sizeof(reply));
		snprintf(reply.status, sizeof(reply.status), "500");
		snprintf(reply.text, sizeof(reply.text), "malformed ZAP request");
	} else {
		pthread_mutex_lock(&z->lock);
		zap_decide(z->entries, z->n, frames, lens, nframes, &reply);
		pthread_mutex_unlock(&z->lock);
	}
	if (strcmp(reply.status, "200") == 0) {
		atomic_fetch_add(&z->admitted, 1);
	} else {
		atomic_fetch_add(&z->refused, 1);
		log_notice("zap: refused a CURVE handshake: %s", reply.text);
	}
	/* A REP socket must answer, even a malformed request; echo the id when we have it. */
	if (s_send(z->sock, "1.0", 3, 1) != 0 ||
	    s_send(z->sock, nframes > 1 ? frames[1] : (const uint8_t *)"",
	           nframes > 1 ? lens[1] : 0, 1) != 0 ||
	    s_send(z->sock, reply.status, strlen(reply.status), 1) != 0 ||
	    s_send(z->sock, reply.text, strlen(reply.text), 1) != 0 ||
	    s_send(z->sock, reply.user_id, strlen(reply.user_id), 1) != 0 ||
	    s_send(z->sock, "", 0, 0) != 0)
		log_err("zap: cannot send reply: %s", zmq_strerror(zmq_errno()));
}

static void *
s_thread(void *arg)
{
	struct zap *z = arg;
	zmq_pollitem_t item = {z->sock, 0, ZMQ_POLLIN, 0};

	while (!atomic_load(&z->stop)) {
		int rc = zmq_poll(&item, 1, 100);
		if (rc > 0 && (item.revents & ZMQ_POLLIN))
			s_handle(z);
	}
	/* The socket belongs to this thread: close it here. */
	zmq_close(z->sock);
	z->sock = NULL;
	return NULL;
}

struct zap *
zap_start(void *zmq_ctx)
{
	struct zap *z = calloc(1, sizeof(*z));
	int linger = 0;

	if (z == NULL)
		return NULL;
	z->ctx = zmq_ctx;
	pthread_mutex_init(&z->lock, NULL);
	z->sock = zmq_socket(zmq_ctx, ZMQ_REP);
	if (z->sock == NULL)
		goto fail;
	zmq_setsockopt(z->sock, ZMQ_LINGER, &linger, sizeof(linger));
	if (zmq_bind(z->sock, ZAP_ENDPOINT) != 0) {
		log_err("zap: cannot bind %s: %s", ZAP_ENDPOINT, zmq_strerror(zmq_errno()));
		zmq_close(z->sock);
		goto fail;
	}
	if (pthread_create(&z->thread, NULL, s_thread, z) != 0) {
		zmq_close(z->sock);
		goto fail;
	}
	return z;
fail:
	pthread_mutex_destroy(&z->lock);
	free(z);
	return NULL;
}

int
zap_set_members(struct zap *z, const struct zap_entry *entries, size_t n)
{
	struct zap_entry *copy = NULL, *old;

	if (n > 0) {
		if ((copy = calloc(n, sizeof(*copy))) == NULL)
			return -1;
		memcpy(copy, entries, n * sizeof(*copy));
	}
	pthread_mutex_lock(&z->lock);
	old = z->entries;
	z->entries = copy;
	z->n = n;
	pthread_mutex_unlock(&z->lock);
	free(old);
	return 0;
}

void
zap_counts(struct zap *z, uint64_t *admitted, uint64_t *refused)
{
	*admitted = atomic_load(&z->admitted);
	*refused = atomic_load(&z->refused);
}

void
zap_stop(struct zap **zp)
{
	struct zap *z;

	if (zp == NULL || *zp == NULL)
		return;
	z = *zp;
	atomic_store(&z->stop, 1);
	pthread_join(z->thread, NULL);
	pthread_mutex_destroy(&z->lock);
	free(z->entries);
	free(z);
	*zp = NULL;
}
