/*
 * The operator's control socket: a Unix stream socket PARK/control.sock, mode
 * 0600 inside the 0700 park directory, and the peer's uid checked with
 * SO_PEERCRED, so only the daemon's user can use it. One request per
 * connection: a single line of JSON {"cmd": "...", ...} answered by a single
 * line of JSON {"ok": true, ...} or {"ok": false, "error": "..."}.
 */
#ifndef SYMBI_CONTROL_H
#define SYMBI_CONTROL_H

#include <jansson.h>

#include "err.h"

#define CONTROL_MAX_REQUEST (64u << 10)
#define CONTROL_MAX_REPLY (16u << 20)

/* Server side: bind (replacing a stale socket file), listen; returns the fd or -1. */
int control_listen(const char *path, struct sym_diag *diag);
/*
 * Accept one connection and read its request (bounded, with a short
 * timeout). On success *fd_out is the connection, *req the parsed object.
 */
int control_accept(int listen_fd, int *fd_out, json_t **req) __attribute__((warn_unused_result));
/* Send the reply and close the connection. */
void control_reply(int fd, json_t *reply);

/*
 * Client side: send req to the daemon at path and wait up to timeout_ms for
 * the reply. SYM_ERR_NOT_FOUND: no daemon listening.
 */
int control_call(const char *path, json_t *req, int timeout_ms, json_t **reply,
                 struct sym_diag *diag) __attribute__((warn_unused_result));

#endif
