/*
 * symbi agent: the client agent as a long-running service. Every interval
 * it asks the coordinator for the current round and its phase; once per new
 * open round it submits --flows FILE (when given and not submitted yet), and
 * from the consent window on it runs sync (cmd_sync.c). One log line per
 * action, never a token, a flow or a detail. Failures back off, with
 * jitter so that a park's agents do not return in step. SIGTERM or SIGINT
 * stops it within a second, a call in flight included (conn_set_cancel),
 * with exit 0. Under systemd (Type=notify) it sends READY=1, WATCHDOG=1 and
 * STOPPING=1 like the daemon.
 */
#include <signal.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "log.h"
#include "roundfile.h"
#include "sdnotify.h"
#include "session.h"
#include "sysexits.h"
#include "transport.h"
#include "util.h"

/* Failures back off up to this many intervals, and at most this long. */
#define AGENT_BACKOFF_MAX_SHIFT 5
#define AGENT_BACKOFF_MAX_S 900.0
#define AGENT_SLEEP_STEP_NS 100000000L /* 100 ms: how often a sleep looks at the flag */

static volatile sig_atomic_t s_stop;

static void
s_on_signal(int sig)
{
	(void)sig;
	s_stop = 1;
}

struct agent {
	const struct cmd_args *a;
	char round[33];  /* the round last seen */
	char phase[16];  /* its phase when last seen */
	int submit_done; /* --flows submitted to `round`, or given up on */
	int ended_done;  /* `round` ended and its last sync found nothing left */
	int other_said;  /* a phase this agent cannot do was logged for `round` */
	int failures;    /* consecutive failed polls, for the backoff */
	uint64_t watchdog_usec;
	double last_ping;
};

static void
s_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = s_on_signal;
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: a signal must cut a poll or a sleep short. */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	conn_set_cancel(&s_stop);
}

static void
s_ping(struct agent *ag)
{
	if (ag->watchdog_usec > 0 && util_now() - ag->last_ping >= ag->watchdog_usec / 2e6) {
		(void)sdnotify_send("WATCHDOG=1");
		ag->last_ping = util_now();
	}
}

/* Sleep `seconds`, in short steps that look at the stop flag and ping the watchdog. */
static void
s_sleep(struct agent *ag, double seconds)
{
	double until = util_now() + seconds;
	struct timespec step = {0, AGENT_SLEEP_STEP_NS};

	while (!s_stop && util_now() < until) {
		s_ping(ag);
		(void)nanosleep(&step, NULL);
	}
}

/* The next poll's delay: the interval, doubled per failure up to a cap, times 0.75..1.25. */
static double
s_delay(const struct agent *ag)
{
	int shift = ag->failures < AGENT_BACKOFF_MAX_SHIFT ? ag->failures : AGENT_BACKOFF_MAX_SHIFT;
	double d = (double)ag->a->interval_s * (double)(1u << shift);

	if (ag->failures > 0 && d > AGENT_BACKOFF_MAX_S)
		d = AGENT_BACKOFF_MAX_S > ag->a->interval_s ? AGENT_BACKOFF_MAX_S
		                                            : ag->a->interval_s;
	return d * (0.75 + randombytes_uniform(501) / 1000.0);
}

/* The current round and phase; 0, or an exit code (no round: phase "none", 0). */
static int
s_status(struct agent *ag, char round[33], char phase[16])
{
	struct sym_diag diag = {""};
	struct session s;
	uint8_t id[16];
	int rc;

	round[0] = '\0';
	phase[0] = '\0';
	if ((rc = session_open(ag->a, 1, &s, &diag)) == 0 &&
	    (rc = session_current_round(&s, id, phase, &diag)) == 0)
		util_hex(id, 16, round);
	else if (rc == EXIT_TEMPFAIL && strcmp(phase, "none") == 0)
		rc = 0;
	session_close(&s);
	if (rc != 0 && !s_stop)
		log_warn("status: %s (exit %d)", diag.msg, rc);
	return rc;
}

/* Has this company submitted to the round (a round record in STATE)? */
static int
s_submitted(const struct agent *ag)
{
	struct sym_diag diag = {""};
	struct roundfile rf;
	uint8_t id[16];
	int found;

	memset(&rf, 0, sizeof(rf));
	if (util_unhex(ag->round, id, 16) != SYM_OK)
		return 0;
	found = roundfile_load(ag->a->dir, id, &rf, &diag) == SYM_OK;
	roundfile_clear(&rf);
	return found;
}

/* Submit --flows once to an open round. 0, or the exit code of a try worth repeating. */
static int
s_submit(struct agent *ag)
{
	int rc;

	if (ag->a->flows == NULL || ag->submit_done)
		return 0;
	if (s_submitted(ag)) {
		log_info("round %.8s: already submitted", ag->round);
		ag->submit_done = 1;
		return 0;
	}
	rc = submit_run(ag->a, ag->a->flows);
	if (rc == 0) {
		log_notice("round %.8s: flows submitted", ag->round);
		ag->submit_done = 1;
	} else if (rc == EXIT_TEMPFAIL || rc == EXIT_UNAVAILABLE) {
		log_warn("round %.8s: submit failed (exit %d); trying again", ag->round, rc);
		return rc;
	} else if (!s_stop) {
		/* A bad flows file or a refusal does not improve by repeating it. */
		log_err("round %.8s: submit failed (exit %d); not trying again this round",
		        ag->round, rc);
		ag->submit_done = 1;
	}
	return 0;
}

/* Run sync in the consent window and once more after the round ended. */
static int
s_sync(struct agent *ag)
{
	struct sync_result res;
	int rc;

	if (strcmp(ag->phase, "ended") == 0 && ag->ended_done)
		return 0;
	rc = sync_run(ag->a, &res);
	if (rc == 0 && (res.deposited > 0 || res.received > 0))
		log_notice("round %.8s: sync: deposited %zu, received %zu", ag->round,
		           res.deposited, res.received);
	else if (rc != 0 && !s_stop)
		log_warn("round %.8s: sync failed (exit %d)", ag->round, rc);
	if (res.expired > 0)
		log_notice(
		    "round %.8s: sync: %zu agreed exchange(s) expired undeposited: the consent "
		    "window ended before this company deposited",
		    ag->round, res.expired);
	/* Done with the round once its park indicators wait for nobody but us. */
	if (rc == 0 && strcmp(res.phase, "ended") == 0 && !res.indicators_pending)
		ag->ended_done = 1;
	return rc == EXIT_PROTOCOL ? 0 : rc; /* a mismatch is said; repeating will not help */
}

/* One poll: the round's phase, then what it allows. 0, or an exit code to back off on. */
static int
s_tick(struct agent *ag)
{
	char round[33], phase[16];
	int rc;

	if ((rc = s_status(ag, round, phase)) != 0)
		return rc;
	if (strcmp(round, ag->round) != 0) {
		snprintf(ag->round, sizeof(ag->round), "%s", round);
		ag->submit_done = ag->ended_done = ag->other_said = 0;
	}
	if (strcmp(phase, ag->phase) != 0) {
		log_info("round %.8s: phase %s", round[0] ? round : "-", phase);
		snprintf(ag->phase, sizeof(ag->phase), "%s", phase);
	}
	/* A hardened round takes the flows in its query phase (submit records and queries). */
	if (strcmp(phase, "open") == 0 || strcmp(phase, "query") == 0)
		return s_submit(ag);
	if (strcmp(phase, "consent") == 0 || strcmp(phase, "ended") == 0 ||
	    strcmp(phase, "evaluate") == 0 || strcmp(phase, "submit") == 0)
		return s_sync(ag);
	if (strcmp(phase, "none") != 0 && strcmp(phase, "closed") != 0 && !ag->other_said) {
		log_warn("round %.8s: phase %s is unknown to this agent; it waits", round, phase);
		ag->other_said = 1;
	}
	return 0;
}

/* Everything local, checked once before serving: STATE loads, the flows file is there. */
static int
s_check_start(const struct cmd_args *a)
{
	struct sym_diag diag = {""};
	struct session s;
	int rc;

	if ((rc = session_open(a, 0, &s, &diag)) != 0)
		log_err("%s", diag.msg);
	session_close(&s);
	if (rc == 0 && a->flows != NULL && access(a->flows, R_OK) != 0) {
		log_err("--flows %s: cannot read it", a->flows);
		rc = EXIT_NOINPUT;
	}
	return rc;
}

int
cmd_agent(int argc, char **argv)
{
	const char *usage = "agent --dir STATE [--flows FILE] [--interval-s N]";
	struct agent ag;
	struct cmd_args a;
	int rc;

	if ((rc = cmd_args_parse(argc, argv, ARGS_AGENT, 5000, usage, &a)) != 0)
		return rc < 0 ? 0 : rc;
	if (a.dir == NULL || a.first != argc)
		return cmd_args_usage(usage);
	log_init("symbi-agent", LOG_LVL_INFO);
	if ((rc = s_check_start(&a)) != 0)
		return rc;
	memset(&ag, 0, sizeof(ag));
	a.quiet = 1; /* one log line per action: the agent's own */
	ag.a = &a;
	s_stop = 0;
	s_signals();
	if (sdnotify_send("READY=1\nSTATUS=following the park's rounds") != SYM_OK)
		log_warn("cannot notify the service manager at $NOTIFY_SOCKET");
	if (sdnotify_watchdog_usec(&ag.watchdog_usec) != SYM_OK)
		log_warn("ignoring a malformed $WATCHDOG_USEC");
	ag.last_ping = util_now();
	log_notice("started: every %d s%s", a.interval_s, a.flows ? ", submitting --flows" : "");
	while (!s_stop) {
		ag.failures = s_tick(&ag) != 0 ? ag.failures + 1 : 0;
		s_sleep(&ag, s_delay(&ag));
	}
	log_notice("stopping on signal");
	(void)sdnotify_send("STOPPING=1");
	return 0;
}
