/*
 * symbi sync: do whatever the current round's phase allows this company to
 * do now, once, and say what it did. Idempotent: a second run right after
 * the first finds nothing left and exits 0. The agent (cmd_agent.c) runs the
 * same steps as the round moves on.
 *
 * One table maps each phase the coordinator may report to this company's
 * step in it. Standard mode has one: from the consent window on, deposit the
 * sealed items of accepted candidates that became agreed and collect what
 * counterparts deposited (exchange.c, the same step `symbi exchanges` runs
 * first). The hardened phases (HARDENED.md, hardsteps.h): query sends the
 * recorded batch again if it was never acknowledged, evaluate answers each
 * querier's batch once, submit checks the answers and submits.
 */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "exchange.h"
#include "indicators.h"
#include "hardsteps.h"
#include "roundview.h"
#include "session.h"
#include "sysexits.h"
#include "util.h"

/* A phase's step for this company: 0 when nothing is left to do now, or a sysexits code. */
typedef int (*sync_step_fn)(struct session *s, struct sync_result *res, struct sym_diag *diag);

static int s_step_exchanges(struct session *s, struct sync_result *res, struct sym_diag *diag);
static int s_step_ended(struct session *s, struct sync_result *res, struct sym_diag *diag);
static int s_step_query(struct session *s, struct sync_result *res, struct sym_diag *diag);
static int s_step_evaluate(struct session *s, struct sync_result *res, struct sym_diag *diag);
static int s_step_submit(struct session *s, struct sync_result *res, struct sym_diag *diag);

static const struct {
	const char *phase;
	sync_step_fn step; /* NULL: nothing for this company to do in the phase */
	int hardened;      /* a hardened-mode phase */
} s_phases[] = {
    {"none", NULL, 0},
    /* Submissions: `symbi submit`, or the agent with --flows, not sync. */
    {"open", NULL, 0},
    /* The coordinator runs the matching. */
    {"closed", NULL, 0},
    /* Hardened mode (HARDENED.md): the flows come from `symbi submit` in query. */
    {"query", s_step_query, 1},
    {"evaluate", s_step_evaluate, 1},
    {"submit", s_step_submit, 1},
    {"consent", s_step_exchanges, 0},
    /*
     * Deposits are over and unfetched items died with the round: the
     * exchanges step runs only while the company's own record says one was
     * left (an agreed candidate still waiting for our deposit then expires:
     * said, recorded as settled, not an error); then the park indicators
     * (indicators.c): vector, confirmation, answer.
     */
    {"ended", s_step_ended, 0},
};
#define NPHASES (sizeof(s_phases) / sizeof(s_phases[0]))

/* The round's id from the status call. */
static int
s_round_id(const struct sync_result *res, uint8_t round[16], struct sym_diag *diag)
{
	if (util_unhex(res->round, round, 16) == SYM_OK)
		return 0;
	(void)sym_diag_set(diag, SYM_ERR_FORMAT, "the coordinator reports a malformed round id");
	return EXIT_PROTOCOL;
}

typedef int (*hard_step_fn)(struct session *s, const uint8_t round[16], struct hard_counts *hc,
                            struct sym_diag *diag);

/* A hardened step on the current round, its counts into res. */
static int
s_hard_step(struct session *s, struct sync_result *res, hard_step_fn fn, struct sym_diag *diag)
{
	struct hard_counts hc = {0, 0, 0, 0, 0};
	uint8_t round[16];
	int rc;

	if ((rc = s_round_id(res, round, diag)) == 0 && (rc = session_taxonomy(s, diag)) == 0)
		rc = fn(s, round, &hc, diag);
	res->answered = hc.answered + hc.queried;
	res->received = hc.received;
	res->refused = hc.refused;
	res->submitted = (int)hc.submitted;
	return rc;
}

/* The query phase: the batch `symbi submit` recorded, sent again if it never arrived. */
static int
s_query_again(struct session *s, const uint8_t round[16], struct hard_counts *hc,
              struct sym_diag *diag)
{
	return hard_query(s, round, NULL, hc, diag);
}

static int
s_step_query(struct session *s, struct sync_result *res, struct sym_diag *diag)
{
	return s_hard_step(s, res, s_query_again, diag);
}

static int
s_step_evaluate(struct session *s, struct sync_result *res, struct sym_diag *diag)
{
	return s_hard_step(s, res, hard_evaluate, diag);
}

static int
s_step_submit(struct session *s, struct sync_result *res, struct sym_diag *diag)
{
	return s_hard_step(s, res, hard_submit, diag);
}

/*
 * Deposit, fetch, check, keep and confirm (exchange.c), in the round and
 * phase the status call reported. After the round's end (`ended` set) no
 * candidate can become agreed any more: when the company's own record shows
 * nothing accepted still waiting and every deposited candidate's item kept,
 * the step would find nothing, and neither its candidate list nor its
 * release list is asked for.
 */
static int
s_exchanges(struct session *s, struct sync_result *res, int ended, struct sym_diag *diag)
{
	struct exchange_step st = {"sync", 0, 0, 0, 0, 0, 0};
	struct round_view rv;
	struct roundfile rf;
	uint8_t round[16];
	json_t *all = NULL;
	int rc, r;

	memset(&rv, 0, sizeof(rv));
	memset(&rf, 0, sizeof(rf));
	if ((rc = s_round_id(res, round, diag)) != 0)
		goto out;
	if (exchanges_load(s->st->dir, &all, diag) != SYM_OK) {
		rc = EXIT_DATAERR;
		goto out;
	}
	if (ended) {
		r = roundfile_load(s->st->dir, round, &rf, diag);
		if (r == SYM_ERR_NOT_FOUND || (r == SYM_OK && !exchange_left(&rf, all)))
			goto out; /* not a submitter, or nothing left: rc 0 */
		if (r != SYM_OK) {
			rc = EXIT_DATAERR;
			goto out;
		}
	}
	if ((rc = session_taxonomy(s, diag)) == 0 &&
	    (rc = round_view_load_for(s, round, res->phase, &rv, diag)) == 0)
		rc = exchange_step_run(s, &rv, all, &st, diag);
	res->deposited = st.deposited;
	res->received = st.received;
	res->expired = st.expired;
	if (rc == 0 && st.deposit_rc != 0) {
		/* Something is left to do: the next run deposits it. */
		(void)sym_diag_set(diag, SYM_ERR_IO, "a deposit failed; the next run retries it");
		rc = st.deposit_rc;
	}
	if (rc == 0 && st.mismatched > 0) {
		(void)sym_diag_set(diag, SYM_ERR_VERIFY,
		                   "MISMATCH: %zu received item(s) do not match their candidate "
		                   "(symbi exchanges names them)",
		                   st.mismatched);
		rc = EXIT_PROTOCOL;
	}
out:
	json_decref(all);
	roundfile_clear(&rf);
	round_view_clear(&rv);
	return rc;
}

static int
s_step_exchanges(struct session *s, struct sync_result *res, struct sym_diag *diag)
{
	return s_exchanges(s, res, 0, diag);
}

/* The exchanges (when anything is left), then this company's step of the round's park indicators.
 */
static int
s_step_ended(struct session *s, struct sync_result *res, struct sym_diag *diag)
{
	struct indicators_result ir;
	uint8_t round[16];
	int rc;

	if ((rc = s_exchanges(s, res, 1, diag)) != 0)
		return rc;
	if (util_unhex(res->round, round, sizeof(round)) != SYM_OK)
		return EXIT_SOFTWARE;
	rc = indicators_step(s, round, &ir, diag);
	snprintf(res->indicators, sizeof(res->indicators), "%s", ir.stage);
	res->indicators_pending = ir.pending;
	res->indicator_bytes = ir.bytes;
	return rc;
}

/* Park indicators of earlier rounds still going on beside the current one. */
static int
s_earlier_indicators(struct session *s, struct sync_result *res, struct sym_diag *diag)
{
	struct indicators_result ir;
	uint8_t round[16] = {0};
	int rc;

	if (res->round[0] != '\0' && util_unhex(res->round, round, sizeof(round)) != SYM_OK)
		return EXIT_SOFTWARE;
	rc = indicators_earlier(s, round, &ir, diag);
	res->indicators_pending |= ir.pending;
	res->indicator_bytes += ir.bytes;
	return rc;
}

/* The current round and its phase; no round at all is phase "none" and 0. */
static int
s_status(struct session *s, struct sync_result *res, struct sym_diag *diag)
{
	uint8_t round[16];
	char phase[16] = "";
	int rc;

	rc = session_current_round(s, round, phase, diag);
	if (rc == EXIT_TEMPFAIL && strcmp(phase, "none") == 0)
		return 0; /* no round has been opened yet */
	if (rc != 0)
		return rc;
	util_hex(round, 16, res->round);
	snprintf(res->phase, sizeof(res->phase), "%s", phase);
	return 0;
}

/* A coordinator that is down or unreachable: try again later, as for a rate limit (75). */
static int
s_later(int rc)
{
	return rc == EXIT_UNAVAILABLE ? EXIT_TEMPFAIL : rc;
}

/* Run the step of the phase the coordinator reports. */
static int
s_sync(struct session *s, struct sync_result *res, struct sym_diag *diag)
{
	size_t i;
	int rc;

	if ((rc = s_status(s, res, diag)) != 0)
		return s_later(rc);
	for (i = 0; i < NPHASES; i++)
		if (strcmp(s_phases[i].phase, res->phase) == 0)
			break;
	if (i == NPHASES) {
		(void)sym_diag_set(diag, SYM_ERR_FORMAT,
		                   "the coordinator reports an unknown phase");
		return EXIT_PROTOCOL;
	}
	if (s_phases[i].step != NULL && (rc = s_phases[i].step(s, res, diag)) != 0)
		return s_later(rc);
	return s_later(s_earlier_indicators(s, res, diag));
}

int
sync_run(const struct cmd_args *a, struct sync_result *res)
{
	struct sym_diag diag = {""};
	struct session s;
	int rc;

	memset(res, 0, sizeof(*res));
	snprintf(res->phase, sizeof(res->phase), "none");
	/* The taxonomy is loaded by the steps that use it (session_taxonomy). */
	if ((rc = s_later(session_open_lazy(a, &s, &diag))) == 0)
		rc = s_sync(&s, res, &diag);
	session_close(&s);
	if (rc != 0)
		fprintf(stderr, "symbi sync: %s\n", diag.msg);
	return rc;
}

static int
s_hardened_phase(const char *phase)
{
	size_t i;

	for (i = 0; i < NPHASES; i++)
		if (strcmp(s_phases[i].phase, phase) == 0)
			return s_phases[i].hardened;
	return 0;
}

static void
s_report(const struct cmd_args *a, const struct sync_result *res, int rc)
{
	if (a->json) {
		json_t *j =
		    json_pack("{s:s?, s:s, s:I, s:I, s:I, s:b, s:i, s:s?, s:I}", "round",
		              res->round[0] ? res->round : NULL, "phase", res->phase, "deposited",
		              (json_int_t)res->deposited, "received", (json_int_t)res->received,
		              "expired", (json_int_t)res->expired, "done", rc == 0, "exit", rc,
		              "indicators", res->indicators[0] ? res->indicators : NULL,
		              "indicator_bytes", (json_int_t)res->indicator_bytes);
		if (s_hardened_phase(res->phase)) {
			json_object_set_new(j, "answered", json_integer((json_int_t)res->answered));
			json_object_set_new(j, "refused", json_integer((json_int_t)res->refused));
			json_object_set_new(j, "submitted", json_boolean(res->submitted));
		}
		json_dumpf(j, stdout, JSON_INDENT(2));
		fputc('\n', stdout);
		json_decref(j);
	}
	if (s_hardened_phase(res->phase))
		fprintf(stderr,
		        "symbi sync: round %.8s (%s): answered %zu, answers received %zu, refused "
		        "%zu%s\n",
		        res->round, res->phase, res->answered, res->received, res->refused,
		        res->submitted ? ", submitted" : "");
	else if (res->deposited == 0 && res->received == 0 && res->expired == 0)
		fprintf(stderr, "symbi sync: round %.8s (%s): %s\n",
		        res->round[0] ? res->round : "-", res->phase,
		        rc == 0 ? "nothing to do" : "nothing done");
	else {
		char more[48] = "";
		if (res->expired > 0)
			snprintf(more, sizeof(more), ", expired undeposited %zu", res->expired);
		fprintf(stderr, "symbi sync: round %.8s (%s): deposited %zu, received %zu%s\n",
		        res->round, res->phase, res->deposited, res->received, more);
	}
}

int
cmd_sync(int argc, char **argv)
{
	struct sync_result res;
	struct cmd_args a;
	int rc;

	if ((rc = round_args_parse(argc, argv, &a, "sync --dir STATE [--json]", 0)) != 0)
		return rc < 0 ? 0 : rc;
	rc = sync_run(&a, &res);
	s_report(&a, &res, rc);
	return rc;
}
