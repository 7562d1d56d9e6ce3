/*
 * The ZAP handler (ZeroMQ RFC 27) that decides who may complete a CURVE
 * handshake: only current members' CURVE keys, only in our domain. It runs in
 * its own thread on a REP socket bound to inproc://zeromq.zap.01 in the
 * daemon's context, and must be started before the server socket binds. The
 * server socket sets ZMQ_ZAP_ENFORCE_DOMAIN, so if this handler is missing the
 * handshake fails closed. The User-Id it returns is the member's company id:
 * the only identity the daemon trusts for a peer.
 */
#ifndef SYMBI_ZAP_H
#define SYMBI_ZAP_H

#include <stddef.h>
#include <stdint.h>

#define ZAP_DOMAIN "symbiod"
#define ZAP_ENDPOINT "inproc://zeromq.zap.01"

struct zap;

/* One admitted key. */
struct zap_entry {
	uint8_t curve[32];
	char id[65];
};

/* Bind the handler socket and start its thread; NULL on failure. */
struct zap *zap_start(void *zmq_ctx);
/* Replace the admitted keys (copied); safe while the thread runs. */
int zap_set_members(struct zap *z, const struct zap_entry *entries, size_t n);
/* Counters for tests and status. */
void zap_counts(struct zap *z, uint64_t *admitted, uint64_t *refused);
/* Stop the thread (it closes its own socket) and free. Accepts NULL. */
void zap_stop(struct zap **z);

/*
 * The decision, exposed for tests and fuzzing: given the frames of one ZAP
 * request, fill the reply's status code ("200"/"400"/"500"), text and user id.
 */
struct zap_reply {
	char status[4];
	char text[64];
	char user_id[65];
};
void zap_decide(const struct zap_entry *entries, size_t n, const uint8_t *const *frames,
                const size_t *lens, size_t nframes, struct zap_reply *reply);

#endif
