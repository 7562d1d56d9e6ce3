/*
 * The running daemon's state, shared by server.c (transport and member
 * requests) and control_cmds.c (the operator's commands). Nobody else.
 */
#ifndef SYMBI_SERVER_INTERNAL_H
#define SYMBI_SERVER_INTERNAL_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "rounds.h"
#include "server.h"

struct server {
	struct park *park;
	void *zctx, *router;
	struct zap *zap;
	int control_fd;
	char control_path[PATH_MAX];
	struct store_member *members;
	size_t nmembers;
	uint8_t dir_hash[32];
	int64_t data_version;
	uint64_t handled, refused, rate_limited;
	struct ratelimit *limits;
	struct replaymem *reads; /* read-only requests' ids and answers (replaymem.h) */
	double rate_logged;      /* util_now() of the last rate-limit notice */
	struct rounds_ctx rounds;
	struct auditlog *log;
	double last_prune, last_ping; /* util_now() of the last request-id prune, watchdog ping */
	uint64_t watchdog_usec;       /* 0: no service-manager watchdog */
};

/* Reload the directory from the store and hand the admitted keys to ZAP; failures are logged. */
int server_load_directory(struct server *srv);

#endif
