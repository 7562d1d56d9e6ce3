/*
 * The daemon: a ZeroMQ ROUTER with CURVE on the park endpoint, admitted by
 * the ZAP handler, serving signed requests from members; plus the operator's
 * control socket. Runs until SIGINT/SIGTERM; SIGHUP reloads the directory.
 */
#ifndef SYMBI_SERVER_H
#define SYMBI_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include "park.h"

struct server_opts {
	const char *endpoint; /* NULL: the park's endpoint */
	int handshake_ms;     /* CURVE handshake timeout */
	int heartbeat_ms;     /* ZMTP heartbeat interval */
};

/* Returns the process exit code (0 after a clean stop). */
int server_run(struct park *park, const struct server_opts *opts);

struct server;

/*
 * The request handler, for tests and fuzzing: `user_id` is the ZAP User-Id of
 * the session, `buf` the request bytes; *resp receives a signed Response
 * (malloc'd), always, even for garbage input.
 */
int server_handle(struct server *srv, const char *user_id, const uint8_t *buf, size_t len,
                  uint8_t **resp, size_t *resp_len);

#endif
