/*
 * The client's connection to the coordinator: a ZeroMQ DEALER with CURVE,
 * pinned to the coordinator's CURVE key from park.json. Calls are signed
 * Requests; answers are Responses verified against the coordinator's Ed25519
 * key. A call that times out is retried with the same request id, so the
 * coordinator can recognise a retry and never act twice. A socket monitor
 * tells "daemon down", "our key was refused" and "wrong coordinator key" apart.
 */
#ifndef SYMBI_TRANSPORT_H
#define SYMBI_TRANSPORT_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "state.h"
#include "wire.h"

struct conn;

struct conn_opts {
	int timeout_ms; /* per attempt */
	int attempts;   /* total tries with the same request id */
};

/*
 * A process-wide stop flag (set by a signal handler): once it is non-zero,
 * a call in flight gives up within about 100 ms instead of waiting out its
 * timeouts and retries. NULL (the default) turns it off.
 */
void conn_set_cancel(volatile sig_atomic_t *flag);

int conn_open(const struct client_state *st, const struct conn_opts *opts, struct conn **out,
              struct sym_diag *diag) __attribute__((warn_unused_result));
void conn_close(struct conn **c);

/*
 * Send one request of `type` and wait for the verified response. A response
 * whose status is not OK is still SYM_OK here: the caller reads
 * (*resp)->status and ->message. Free *resp with wire_free.
 */
int conn_call(struct conn *c, uint32_t type, const uint8_t *payload, size_t payload_len,
              Symbiod__Response **resp, struct sym_diag *diag) __attribute__((warn_unused_result));

/*
 * The same for a SubmitChunk signed over its chunk digest (version 2,
 * roundhash_chunk of the chunk in payload).
 */
int conn_call_chunk(struct conn *c, const uint8_t *payload, size_t payload_len,
                    const uint8_t chunk_digest[32], Symbiod__Response **resp, struct sym_diag *diag)
    __attribute__((warn_unused_result));

/* Send raw bytes as one request frame and return the raw answer (tests only). */
int conn_call_raw(struct conn *c, const uint8_t *req, size_t req_len, uint8_t **answer,
                  size_t *answer_len, struct sym_diag *diag) __attribute__((warn_unused_result));

#endif
