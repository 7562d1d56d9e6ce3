/*
 * symbi candidates, accept, decline, exchanges: what a company does with the
 * coordinator's candidates. Each candidate is mapped back to the company's
 * own item. An answer carries no item; once both sides accepted, exchanges
 * deposits this company's sealed item (deposit.c), and an exchange is shown
 * only once the counterpart's sealed item opens and re-checks.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classname.h"
#include "cmd.h"
#include "confirm.h"
#include "exchange.h"
#include "flows.h"
#include "logcheck.h"
#include "release_check.h"
#include "policy.h"
#include "roundfile.h"
#include "roundview.h"
#include "rpc.h"
#include "session.h"
#include "sysexits.h"
#include "util.h"
#include "wire.h"

/* A command's session and the current round's view of it; 0 or an exit code, said on stderr. */
static int
s_open_view(const char *verb, const struct cmd_args *a, struct session *s, struct round_view *rv,
            struct sym_diag *diag)
{
	int rc;

	memset(rv, 0, sizeof(*rv));
	if ((rc = session_open(a, 1, s, diag)) != 0 || (rc = round_view_load(s, rv, diag)) != 0)
		fprintf(stderr, "symbi %s: %s\n", verb, diag->msg);
	return rc;
}

static json_t *
s_view_json(const struct candidate_view *v)
{
	return json_pack("{s:s, s:s, s:s, s:s?, s:s, s:s, s:s}", "id", v->id, "round", v->round,
	                 "role", v->supplier ? "supplier" : "consumer", "flow",
	                 v->item ? v->item->id : NULL, "counterpart", v->counterpart, "state",
	                 v->c->state, "check", v->forged ? "mismatch" : "ok");
}

static void
s_print_views(const struct round_view *rv, int json)
{
	size_t i;

	if (json) {
		json_t *arr = json_array();
		for (i = 0; i < rv->n; i++)
			json_array_append_new(arr, s_view_json(&rv->views[i]));
		json_dumpf(arr, stdout, JSON_INDENT(2));
		fputc('\n', stdout);
		json_decref(arr);
		return;
	}
	printf("%-32s  %-8s  %-20s  %-16s  %s\n", "CANDIDATE", "ROLE", "FLOW", "COUNTERPART",
	       "STATE");
	for (i = 0; i < rv->n; i++)
		printf("%-32s  %-8s  %-20s  %-16s  %s\n", rv->views[i].id,
		       rv->views[i].supplier ? "supplier" : "consumer",
		       rv->views[i].item ? rv->views[i].item->id : "?", rv->views[i].counterpart,
		       rv->views[i].c->state);
	if (rv->n == 0)
		fprintf(stderr, "symbi candidates: none in the current round\n");
}

/* Say loudly which candidates are forged; EXIT_PROTOCOL if any is, else 0. */
static int
s_warn_forged(const char *verb, const struct round_view *rv)
{
	size_t i;
	int rc = 0;

	for (i = 0; i < rv->n; i++) {
		if (!rv->views[i].forged)
			continue;
		fprintf(
		    stderr,
		    "symbi %s: MISMATCH: candidate %s (with %s): its id does not recompute from "
		    "its round, supplier, consumer and token; the coordinator forged it and it "
		    "is never accepted\n",
		    verb, rv->views[i].id, rv->views[i].counterpart);
		rc = EXIT_PROTOCOL;
	}
	return rc;
}

int
cmd_candidates(int argc, char **argv)
{
	struct sym_diag diag = {""};
	struct round_view rv;
	struct session s;
	struct cmd_args a;
	int rc;

	if ((rc = round_args_parse(argc, argv, &a, "candidates --dir STATE [--json]", 0)) != 0)
		return rc < 0 ? 0 : rc;
	if ((rc = s_open_view("candidates", &a, &s, &rv, &diag)) == 0) {
		s_print_views(&rv, a.json);
		rc = s_warn_forged("candidates", &rv);
	}
	round_view_clear(&rv);
	session_close(&s);
	return rc;
}

/* Does the command line ask to answer v? */
static int
s_wanted(const struct candidate_view *v, const struct cmd_args *a, int argc, char **argv)
{
	int k;

	if (a->all && strcmp(v->c->state, "pending") == 0)
		return 1;
	for (k = a->first; k < argc; k++)
		if (strcmp(v->id, argv[k]) == 0)
			return 1;
	return 0;
}

/*
 * accept --publish: the class this candidate's exchange is in, from our own
 * item only (never from anything the coordinator said): an offer's category,
 * or a need's, which a matching offer sits at or below. A need at a top
 * level names no two-level class: then nothing is published, and we say so.
 */
static const char *
s_publish_class(const struct candidate_view *v, char cls[CLASS_NAME_MAX])
{
	if (class_of_category(v->item->category->path, cls) == SYM_OK)
		return cls;
	fprintf(stderr,
	        "symbi accept: %s: not published: our %s \"%s\" is at category %s, which names "
	        "no class of two levels; accepted without --publish\n",
	        v->id, v->supplier ? "offer" : "need", v->item->id, v->item->category->path);
	return NULL;
}

/* Answer one candidate; its proof must be in the coordinator's log. 0, or -1 after saying why. */
static int
s_answer(struct session *s, struct round_view *rv, const struct candidate_view *v, int accept,
         int publish, const char *verb, struct sym_diag *diag)
{
	Symbiod__Consent msg = SYMBIOD__CONSENT__INIT;
	Symbiod__ConsentAck *ack = NULL;
	char cls[CLASS_NAME_MAX];
	int rc;

	if (v->item == NULL || v->forged) {
		fprintf(stderr, "symbi %s: %s: %s; skipped\n", verb, v->id,
		        v->forged ? "a forged candidate" : "no item of ours maps to it");
		return -1;
	}
	/* No item travels with a consent: it is deposited once both sides accepted. */
	msg.round_id = session_bytes(rv->round, 16);
	msg.candidate_id = v->c->candidate_id;
	msg.accept = accept;
	if (accept && publish)
		msg.publish_class = (char *)s_publish_class(v, cls);
	rc = rpc_call(s->c, SYMBIOD__MSG_TYPE__MSG_CONSENT, &msg.base,
	              &symbiod__consent_ack__descriptor, (ProtobufCMessage **)&ack, diag);
	if (rc == 0 && (rc = logcheck_proof(s->st, s->c, ack->proof, "consent", "candidate", v->id,
	                                    diag)) != 0)
		wire_free(&ack->base);
	if (rc != 0) {
		fprintf(stderr, "symbi %s: %s: %s\n", verb, v->id, diag->msg);
		return -1;
	}
	json_object_set_new(rv->rf.consents, v->id, json_string(accept ? "accepted" : "declined"));
	printf("%s  %s %s with %s: %s%s%s\n", v->id, accept ? "accepted" : "declined", v->item->id,
	       v->counterpart, ack->state, msg.publish_class ? "; class published: " : "",
	       msg.publish_class ? msg.publish_class : "");
	wire_free(&ack->base);
	return 0;
}

/* Every id on the command line must be a candidate id of this company's. */
static int
s_check_ids(const char *verb, const struct round_view *rv, int first, int argc, char **argv)
{
	size_t i;
	int k;

	for (k = first; k < argc; k++) {
		for (i = 0; i < rv->n; i++)
			if (strcmp(rv->views[i].id, argv[k]) == 0)
				break;
		if (i == rv->n) {
			fprintf(stderr, "symbi %s: %s is not one of this company's candidates\n",
			        verb, argv[k]);
			return EXIT_DATAERR;
		}
	}
	return 0;
}

/*
 * A counterpart this company denies (STATE/symbi.conf) never obtains an item:
 * naming one of its candidates is refused before anything is sent (65).
 */
static int
s_check_denied(const struct round_view *rv, int first, int argc, char **argv)
{
	size_t i;
	int k;

	for (k = first; k < argc; k++)
		for (i = 0; i < rv->n; i++)
			if (strcmp(rv->views[i].id, argv[k]) == 0 && rv->views[i].counterpart &&
			    policy_denies(&client_policy, rv->views[i].counterpart)) {
				fprintf(stderr,
				        "symbi accept: %s: %s is denied in STATE/symbi.conf; "
				        "nothing was accepted\n",
				        argv[k], rv->views[i].counterpart);
				return EXIT_DATAERR;
			}
	return 0;
}

/* The arguments of accept and decline: candidate ids (32 hex digits) or --all; accept --yes. */
static int
s_consent_args(int argc, char **argv, int accept, const char *usage, struct cmd_args *a)
{
	const char *verb = accept ? "accept" : "decline";
	uint8_t tmp[16];
	int rc, k;

	/* The round commands' options (round_args_parse), and --yes for accept. */
	if ((rc = cmd_args_parse(argc, argv, ARGS_ALL | (accept ? ARGS_YES | ARGS_PUBLISH : 0),
	                         5000, usage, a)) != 0)
		return rc;
	if (a->dir == NULL)
		return cmd_args_usage(usage);
	if (a->all == (a->first < argc)) {
		fprintf(stderr, "symbi %s: give candidate ids or --all\nusage: symbi %s\n", verb,
		        usage);
		return EXIT_USAGE;
	}
	if (accept && a->all && !a->yes && !confirm_on_terminal()) {
		fprintf(stderr,
		        "symbi accept: --all needs a confirmation and standard input is not a "
		        "terminal; add --yes to accept every pending candidate (symbi "
		        "candidates lists them)\n");
		return EXIT_USAGE;
	}
	for (k = a->first; k < argc; k++) {
		if (util_unhex(argv[k], tmp, 16) != SYM_OK) {
			fprintf(stderr, "symbi %s: \"%s\" is not a candidate id (32 hex digits)\n",
			        verb, argv[k]);
			return EXIT_USAGE;
		}
	}
	return 0;
}

/* accept --all: list what it would accept and ask (PROTOCOL.md 1.1, item 9); 1 to go ahead. */
static int
s_confirm_all(const struct round_view *rv, const struct cmd_args *a, int argc, char **argv)
{
	json_t *list = json_array();
	size_t i;
	int go;

	for (i = 0; i < rv->n; i++)
		if (s_wanted(&rv->views[i], a, argc, argv) && !rv->views[i].forged &&
		    rv->views[i].item != NULL)
			json_array_append_new(list, s_view_json(&rv->views[i]));
	go = list != NULL && confirm_accept_all(list, a->yes);
	json_decref(list);
	return go;
}

static int
s_consent(int argc, char **argv, int accept)
{
	const char *usage = accept ? "accept --dir STATE (ID... | --all) [--publish] [--yes]"
	                           : "decline --dir STATE (ID... | --all)";
	const char *verb = accept ? "accept" : "decline";
	struct sym_diag diag = {""};
	struct round_view rv;
	struct session s;
	struct cmd_args a;
	size_t i, done = 0, failed = 0;
	int rc, forged;

	if ((rc = s_consent_args(argc, argv, accept, usage, &a)) != 0)
		return rc < 0 ? 0 : rc;
	if ((rc = s_open_view(verb, &a, &s, &rv, &diag)) != 0 ||
	    (rc = s_check_ids(verb, &rv, a.first, argc, argv)) != 0 ||
	    (accept && (rc = s_check_denied(&rv, a.first, argc, argv)) != 0))
		goto out;
	/* A forged candidate is named before anything is asked or answered. */
	forged = s_warn_forged(verb, &rv);
	if (accept && a.all && !s_confirm_all(&rv, &a, argc, argv)) {
		fprintf(stderr, "symbi accept: nothing accepted\n");
		rc = forged;
		goto out;
	}
	for (i = 0; i < rv.n; i++) {
		if (!s_wanted(&rv.views[i], &a, argc, argv))
			continue;
		if (accept && rv.views[i].counterpart &&
		    policy_denies(&client_policy, rv.views[i].counterpart)) {
			fprintf(stderr,
			        "symbi accept: %s: %s is denied in STATE/symbi.conf; skipped\n",
			        rv.views[i].id, rv.views[i].counterpart);
			continue;
		}
		if (s_answer(&s, &rv, &rv.views[i], accept, a.publish, verb, &diag) == 0)
			done++;
		else
			failed++;
	}
	if (roundfile_save(a.dir, &rv.rf, &diag) != SYM_OK)
		fprintf(stderr, "symbi %s: cannot record the decisions locally: %s\n", verb,
		        diag.msg);
	if (done == 0 && failed == 0)
		fprintf(stderr, "symbi %s: nothing to answer\n", verb);
	rc = forged ? forged : failed > 0 ? EXIT_TEMPFAIL : 0;
out:
	round_view_clear(&rv);
	session_close(&s);
	return rc;
}

int
cmd_accept(int argc, char **argv)
{
	return s_consent(argc, argv, 1);
}

int
cmd_decline(int argc, char **argv)
{
	return s_consent(argc, argv, 0);
}

static void
s_print_exchanges(json_t *all, const char *self, int json)
{
	size_t i;
	json_t *e;

	if (json) {
		json_dumpf(all, stdout, JSON_INDENT(2));
		fputc('\n', stdout);
		return;
	}
	printf("%-16s %-22s    %-16s %-22s %-9s %s\n", "SUPPLIER", "OFFER", "CONSUMER", "NEED",
	       "CHECK", "PARTNER'S DETAILS");
	json_array_foreach (all, i, e) {
		int sup = strcmp(json_string_value(json_object_get(e, "supplier")), self) == 0;
		json_t *partner = json_object_get(e, sup ? "need" : "offer");
		char *details =
		    json_dumps(json_object_get(partner, "details"), JSON_COMPACT | JSON_ENCODE_ANY);
		printf("%-16s %-22s -> %-16s %-22s %-9s %.60s\n",
		       json_string_value(json_object_get(e, "supplier")),
		       json_string_value(json_object_get(json_object_get(e, "offer"), "id")),
		       json_string_value(json_object_get(e, "consumer")),
		       json_string_value(json_object_get(json_object_get(e, "need"), "id")),
		       release_check_word(e), details ? details : "-");
		free(details);
	}
}

int
cmd_exchanges(int argc, char **argv)
{
	struct exchange_step st = {"exchanges", 0, 0, 0, 0, 0, 0};
	struct sym_diag diag = {""};
	struct round_view rv;
	struct session s;
	struct cmd_args a;
	json_t *all = NULL;
	int rc;

	memset(&rv, 0, sizeof(rv));
	if ((rc = round_args_parse(argc, argv, &a, "exchanges --dir STATE [--json]", 0)) != 0)
		return rc < 0 ? 0 : rc;
	if ((rc = session_open(&a, 1, &s, &diag)) != 0) {
		fprintf(stderr, "symbi exchanges: %s\n", diag.msg);
		goto out;
	}
	if (exchanges_load(a.dir, &all, &diag) != SYM_OK) {
		fprintf(stderr, "symbi exchanges: %s\n", diag.msg);
		rc = EXIT_DATAERR;
		goto out;
	}
	/* New releases of the current round join what earlier rounds revealed. */
	if ((rc = round_view_load(&s, &rv, &diag)) == 0)
		rc = exchange_step_run(&s, &rv, all, &st, &diag);
	if (st.save_failed) {
		fprintf(stderr, "symbi exchanges: %s\n", diag.msg);
		goto out;
	}
	if (rc != 0 && rc != EXIT_TEMPFAIL)
		fprintf(stderr, "symbi exchanges: %s (showing what is stored locally)\n", diag.msg);
	s_print_exchanges(all, s.st->id, a.json);
	rc = release_check_warn_exchanges(all) > 0 ? EXIT_PROTOCOL : 0;
out:
	json_decref(all);
	round_view_clear(&rv);
	session_close(&s);
	return rc;
}
