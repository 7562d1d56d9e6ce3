/*
 * The daemon's loop: the ROUTER with CURVE and ZAP, the control socket, the
 * directory reload, deadlines and pruning. A member request is handled in
 * server_handle.c, an operator's command in control_cmds.c.
 */
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
#include "control_cmds.h"
#include "log.h"
#include "ratelimit.h"
#include "replaymem.h"
#include "sdnotify.h"
#include "server_internal.h"
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
 * Read-only requests remembered in memory (replaymem.h): 64 MiB holds the
 * answers of several full indicator phases of 500 members; beyond it reads
 * are remembered in the store, as every request was before.
 */
#define SERVER_READS_MEMORY (64u << 20)
/*
 * Work per loop turn before the control socket is looked at: at most this
 * many member requests, and no new one once this much time has passed. A
 * request costs well under a millisecond to a few tens (a commit with fsync),
 * so the operator's command waits at most about one budget plus one request.
 */
#define SERVER_TURN_MESSAGES 64
#define SERVER_TURN_BUDGET_MS 100
static volatile sig_atomic_t s_stop, s_reload;

static void
s_on_signal(int sig)
{
	if (sig == SIGHUP)
		s_reload = 1;
	else
		s_stop = 1;
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

static void
s_signals(void)
{
	struct sigaction sa;

	s_stop = s_reload = 0;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = s_on_signal;
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: a signal must interrupt zmq_poll so the loop sees it at once. */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/* Everything the loop needs, in order; returns 0 or the process exit code. */
static int
s_start(struct server *srv, const char *endpoint, const struct server_opts *opts)
{
	struct park *park = srv->park;
	struct sym_diag diag = {""};

	if (ratelimit_new(SERVER_RATE_TABLE, SERVER_RATE_PER_S, SERVER_RATE_BURST, &srv->limits) !=
	        SYM_OK ||
	    replaymem_new(SERVER_READS_MEMORY, SERVER_REPLAY_KEEP_MS, &srv->reads) != SYM_OK ||
	    (srv->zctx = zmq_ctx_new()) == NULL)
		return EXIT_SOFTWARE;
	/* The ZAP handler first: the server socket must never run without it. */
	if ((srv->zap = zap_start(srv->zctx)) == NULL || server_load_directory(srv) != SYM_OK)
		return EXIT_SOFTWARE;
	if (auditlog_open(park->store, park->sign, &srv->log) != SYM_OK) {
		log_err("audit log: cannot load it from the store");
		return EXIT_SOFTWARE;
	}
	srv->rounds.log = srv->log;
	/* A crash between a round's end and its WAL truncation left old pages there (rounds.c). */
	if (store_wal_truncate(park->store) != SYM_OK)
		log_warn("cannot truncate the write-ahead log: %s", store_errmsg(park->store));
	if (park_path(park, PARK_CONTROL_SOCKET, srv->control_path, sizeof(srv->control_path)) !=
	        SYM_OK ||
	    (srv->control_fd = control_listen(srv->control_path, &diag)) < 0) {
		log_err("%s", diag.msg);
		return EXIT_CANTCREAT;
	}
	if (s_open_router(srv, endpoint, opts) != 0)
		return EXIT_UNAVAILABLE;
	return 0;
}

/* Say that we serve: on stderr for tests, to the service manager under systemd. */
static void
s_ready(struct server *srv, const char *endpoint)
{
	char state[512];

	log_notice("listening on %s (park \"%s\"), control socket %s", endpoint,
	           srv->park->info.name, srv->control_path);
	/* Tests and supervisors wait for this line on stderr. */
	fprintf(stderr, "symbiod: ready\n");
	/* Under systemd (Type=notify); no-ops elsewhere. */
	snprintf(state, sizeof(state), "READY=1\nSTATUS=listening on %s", endpoint);
	if (sdnotify_send(state) != SYM_OK)
		log_warn("cannot notify the service manager at $NOTIFY_SOCKET");
	if (sdnotify_watchdog_usec(&srv->watchdog_usec) != SYM_OK)
		log_warn("ignoring a malformed $WATCHDOG_USEC");
	srv->last_ping = util_now();
}

/*
 * An operator's enroll or revoke while we run shows up as a new data
 * version; checked before serving, so a revocation is in force for every
 * request that arrives after the revoke command returned.
 */
static void
s_maybe_reload(struct server *srv)
{
	int64_t dv = 0;
	int hup = s_reload;

	if (!hup &&
	    !(store_data_version(srv->park->store, &dv) == SYM_OK && dv != srv->data_version))
		return;
	if (hup) {
		log_notice("SIGHUP: reloading the directory");
		(void)sdnotify_send("RELOADING=1");
	}
	s_reload = 0;
	(void)server_load_directory(srv);
	/* An operator's enroll or revoke also appended to the log. */
	if (auditlog_sync(srv->log) != SYM_OK)
		log_err("audit log: cannot read new entries");
	if (hup)
		(void)sdnotify_send("READY=1");
}

/*
 * Serve what is queued, a bounded batch per turn (in messages and in time)
 * so the control socket stays responsive under load.
 */
static void
s_serve_router(struct server *srv)
{
	int batch = SERVER_TURN_MESSAGES, events = 0;
	size_t elen = sizeof(events);
	double turn_end = util_now() + SERVER_TURN_BUDGET_MS / 1000.0;

	do {
		s_on_router(srv);
		if (zmq_getsockopt(srv->router, ZMQ_EVENTS, &events, &elen) != 0)
			break;
	} while ((events & ZMQ_POLLIN) && --batch > 0 && util_now() < turn_end);
}

static void
s_prune(struct server *srv)
{
	uint64_t now = wire_now_ms();

	if (util_now() - srv->last_prune <= SERVER_PRUNE_EVERY_S)
		return;
	srv->last_prune = util_now();
	if (now > SERVER_REPLAY_KEEP_MS &&
	    store_requests_prune(srv->park->store, now - SERVER_REPLAY_KEEP_MS) != SYM_OK)
		log_warn("cannot prune remembered request ids");
}

/* Until a signal stops us; returns 0, or the exit code of a failed poll. */
static int
s_loop(struct server *srv)
{
	while (!s_stop) {
		zmq_pollitem_t items[2] = {{srv->router, 0, ZMQ_POLLIN, 0},
		                           {NULL, srv->control_fd, ZMQ_POLLIN, 0}};
		int n = zmq_poll(items, 2, SERVER_POLL_MS);
		int on_router = n > 0 && (items[0].revents & ZMQ_POLLIN);
		int on_control = n > 0 && (items[1].revents & ZMQ_POLLIN);

		if (n < 0 && zmq_errno() != EINTR) {
			log_err("poll: %s", zmq_strerror(zmq_errno()));
			return EXIT_SOFTWARE;
		}
		/*
		 * The watchdog at half its interval, and before every control command:
		 * a round close runs the matching in this loop.
		 */
		if (srv->watchdog_usec > 0 &&
		    (util_now() - srv->last_ping >= srv->watchdog_usec / 2e6 || on_control)) {
			(void)sdnotify_send("WATCHDOG=1");
			srv->last_ping = util_now();
		}
		s_maybe_reload(srv);
		if (on_router)
			s_serve_router(srv);
		if (on_control)
			control_cmds_serve(srv);
		rounds_tick(&srv->rounds);
		s_prune(srv);
	}
	log_notice("stopping on signal");
	(void)sdnotify_send("STOPPING=1");
	return 0;
}

int
server_run(struct park *park, const struct server_opts *opts)
{
	struct server srv;
	const char *endpoint = opts->endpoint ? opts->endpoint : park->info.endpoint;
	int rc;

	memset(&srv, 0, sizeof(srv));
	srv.park = park;
	srv.control_fd = -1;
	srv.rounds.park = park;
	srv.rounds.directory_hash = srv.dir_hash;
	srv.rounds.taxonomy_hash = park->info.taxonomy_hash;
	srv.rounds.shares_to_sweep = 1; /* a stop may have left some behind */
	s_signals();
	if ((rc = s_start(&srv, endpoint, opts)) == 0) {
		s_ready(&srv, endpoint);
		rc = s_loop(&srv);
	}
	if (srv.router != NULL)
		zmq_close(srv.router);
	if (srv.control_fd >= 0) {
		close(srv.control_fd);
		unlink(srv.control_path);
	}
	zap_stop(&srv.zap);
	auditlog_close(&srv.log);
	if (srv.zctx != NULL)
		zmq_ctx_term(srv.zctx);
	store_members_free(srv.members, srv.nmembers);
	ratelimit_free(&srv.limits);
	replaymem_free(&srv.reads);
	return rc;
}
