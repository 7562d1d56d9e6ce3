/*
 * symbi candidates, accept, decline, exchanges: what a company does with the
 * coordinator's candidates. Each candidate is mapped back to the company's
 * own item. An answer carries no item; once both sides accepted, exchanges
 * deposits this company's sealed item (deposit.c), and an exchange is shown
 * only once the counterpart's sealed item opens and re-checks.
 */
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blind.h"
#include "cmd.h"
#include "confirm.h"
#include "deposit.h"
#include "envelope.h"
#include "flows.h"
#include "logcheck.h"
#include "release_check.h"
#include "policy.h"
#include "roundfile.h"
#include "rpc.h"
#include "session.h"
#include "sysexits.h"
#include "util.h"
#include "wire.h"

/* One candidate as this company sees it: which of its own items, with whom. */
struct view {
	const Symbiod__Candidate *c;
	char id[33], round[33];
	int supplier; /* this company supplies */
	const char *counterpart;
	const struct flow_item *item; /* NULL if no item of ours maps (should not happen) */
	int forged;                   /* the id does not recompute: the coordinator lied */
};

struct round_view {
	uint8_t round[16];
	struct roundfile rf;
	struct flows *fl;
	Symbiod__CandidateList *list;
	struct view *views;
	size_t n;
};

static void
s_round_view_clear(struct round_view *rv)
{
	roundfile_clear(&rv->rf);
	flows_free(&rv->fl);
	wire_free(rv->list ? &rv->list->base : NULL);
	free(rv->views);
	memset(rv, 0, sizeof(*rv));
}

/* The pair keys with `peer` for this round, from the round record, into sodium_malloc'd *pk. */
static int
s_pair(const struct session *s, const struct round_view *rv, const char *peer, struct pairkeys *pk)
{
	const struct roundfile_peer *p = roundfile_peer(&rv->rf, peer);

	if (p == NULL)
		return SYM_ERR_NOT_FOUND;
	return session_pair(s, rv->round, peer, p->x25519, pk);
}

/* Fill the view of candidate c; 0 when it is not this company's. */
static int
s_view(struct session *s, struct round_view *rv, const struct blind_index *bi,
       const Symbiod__Candidate *c, struct pairkeys *pk, struct view *v)
{
	const uint8_t *key;

	if (c->candidate_id.len != 16 || c->token.len != 8 || c->round_id.len != 16 ||
	    memcmp(c->round_id.data, rv->round, 16) != 0)
		return 0;
	v->supplier = strcmp(c->supplier, s->st->id) == 0;
	if (!v->supplier && strcmp(c->consumer, s->st->id) != 0)
		return 0; /* not ours: the coordinator should never send it */
	v->c = c;
	v->forged = !release_check_wire_candidate(c);
	v->counterpart = v->supplier ? c->consumer : c->supplier;
	util_hex(c->candidate_id.data, 16, v->id);
	util_hex(rv->round, 16, v->round);
	if (s_pair(s, rv, v->counterpart, pk) == SYM_OK) {
		/* Our offers used K_tok(us->them); our needs K_tok(them->us). */
		key = v->supplier ? pairkeys_tok(pk, s->st->id, v->counterpart)
		                  : pairkeys_tok(pk, v->counterpart, s->st->id);
		v->item = blind_index_find(bi, s->prf, key, v->supplier ? FLOW_OFFER : FLOW_NEED,
		                           c->token.data);
		pairkeys_clear(pk);
	}
	return 1;
}

/* This company's candidates in the list, each mapped back to its own item. */
static int
s_map_candidates(struct session *s, struct round_view *rv)
{
	struct pairkeys *pk = sodium_malloc(sizeof(*pk));
	struct blind_index *bi = NULL;
	size_t i;
	int rc = EXIT_SOFTWARE;

	if (pk == NULL || blind_index_new(s->tax, rv->fl, &bi) != SYM_OK ||
	    (rv->views = calloc(rv->list->n_candidates + 1, sizeof(*rv->views))) == NULL)
		goto out;
	for (i = 0; i < rv->list->n_candidates; i++)
		rv->n += (size_t)s_view(s, rv, bi, rv->list->candidates[i], pk, &rv->views[rv->n]);
	rc = 0;
out:
	blind_index_free(&bi);
	if (pk != NULL)
		sodium_free(pk);
	return rc;
}

/* Candidates of the current round; none when this company did not submit to it. */
static int
s_round_view(struct session *s, struct round_view *rv, struct sym_diag *diag)
{
	Symbiod__CandidatesRequest req = SYMBIOD__CANDIDATES_REQUEST__INIT;
	char phase[16];
	int rc;

	memset(rv, 0, sizeof(*rv));
	if ((rc = session_current_round(s, rv->round, phase, diag)) != 0)
		return rc;
	if (roundfile_load(s->st->dir, rv->round, &rv->rf, diag) != SYM_OK)
		return 0; /* not submitted to this round: no candidates can be ours */
	if (flows_from_json("submitted flows", rv->rf.flows, s->tax, &rv->fl, diag) != SYM_OK)
		return EXIT_DATAERR;
	req.has_round_id = 1;
	req.round_id = session_bytes(rv->round, 16);
	rc = rpc_call(s->c, SYMBIOD__MSG_TYPE__MSG_CANDIDATES, &req.base,
	              &symbiod__candidate_list__descriptor, (ProtobufCMessage **)&rv->list, diag);
	if (rc != 0)
		return rc;
	return s_map_candidates(s, rv);
}

/* A command's session and the current round's view of it; 0 or an exit code, said on stderr. */
static int
s_open_view(const char *verb, const struct cmd_args *a, struct session *s, struct round_view *rv,
            struct sym_diag *diag)
{
	int rc;

	memset(rv, 0, sizeof(*rv));
	if ((rc = session_open(a, 1, s, diag)) != 0 || (rc = s_round_view(s, rv, diag)) != 0)
		fprintf(stderr, "symbi %s: %s\n", verb, diag->msg);
	return rc;
}

static json_t *
s_view_json(const struct view *v)
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
	s_round_view_clear(&rv);
	session_close(&s);
	return rc;
}

/* Does the command line ask to answer v? */
static int
s_wanted(const struct view *v, const struct cmd_args *a, int argc, char **argv)
{
	int k;

	if (a->all && strcmp(v->c->state, "pending") == 0)
		return 1;
	for (k = a->first; k < argc; k++)
		if (strcmp(v->id, argv[k]) == 0)
			return 1;
	return 0;
}

/* Answer one candidate; its proof must be in the coordinator's log. 0, or -1 after saying why. */
static int
s_answer(struct session *s, struct round_view *rv, const struct view *v, int accept,
         const char *verb, struct sym_diag *diag)
{
	Symbiod__Consent msg = SYMBIOD__CONSENT__INIT;
	Symbiod__ConsentAck *ack = NULL;
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
	printf("%s  %s %s with %s: %s\n", v->id, accept ? "accepted" : "declined", v->item->id,
	       v->counterpart, ack->state);
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
	if ((rc = cmd_args_parse(argc, argv, ARGS_ALL | (accept ? ARGS_YES : 0), 5000, usage, a)) !=
	    0)
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
	const char *usage = accept ? "accept --dir STATE (ID... | --all) [--yes]"
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
		if (s_answer(&s, &rv, &rv.views[i], accept, verb, &diag) == 0)
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
	s_round_view_clear(&rv);
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

/* The partner's revealed item as flows of their own: exactly one, of the other direction. */
static int
s_their_item(const struct session *s, const struct view *v, json_t *item, struct flows **theirs,
             struct sym_diag *diag)
{
	json_t *doc = json_is_object(item) ? json_pack("{s:[O]}", "flows", item) : NULL;
	int r = SYM_ERR_FORMAT;

	if (doc != NULL && flows_from_json(v->counterpart, doc, s->tax, theirs, diag) == SYM_OK &&
	    (*theirs)->n == 1 && ((*theirs)->items[0].direction == FLOW_OFFER) != v->supplier)
		r = SYM_OK;
	json_decref(doc);
	if (r != SYM_OK)
		return sym_diag_set(diag, SYM_ERR_FORMAT,
		                    "%s: the partner's item is not a valid %s", v->id,
		                    v->supplier ? "need" : "offer");
	return r;
}

/* Open a released envelope from the counterpart and re-check the match on exact values. */
static int
s_reveal(struct session *s, const struct round_view *rv, const struct view *v,
         const Symbiod__Release *rel, json_t **exchange, struct sym_diag *diag)
{
	struct pairkeys *pk = sodium_malloc(sizeof(*pk));
	struct flows *theirs = NULL;
	uint8_t ad[ENVELOPE_AD_MAX], *plain = NULL;
	size_t plain_len;
	json_t *item = NULL;
	json_error_t jerr;
	struct release_candidate cand;
	enum release_check check;
	int adlen, r = SYM_ERR_VERIFY;

	*exchange = NULL;
	if (pk == NULL)
		return SYM_ERR_ALLOC;
	if (rel->envelope.len < ENVELOPE_OVERHEAD || rel->envelope.len > 1u << 20 ||
	    (r = s_pair(s, rv, v->counterpart, pk)) != SYM_OK)
		goto out;
	adlen = envelope_ad(rv->round, v->c->candidate_id.data, v->counterpart, s->st->id, ad);
	plain_len = rel->envelope.len - ENVELOPE_OVERHEAD;
	if (adlen < 0 || (plain = sodium_malloc(plain_len + 1)) == NULL) {
		r = SYM_ERR_ALLOC;
		goto out;
	}
	if (envelope_open(pairkeys_env(pk, v->counterpart, s->st->id), ad, (size_t)adlen,
	                  rel->envelope.data, rel->envelope.len, plain) != SYM_OK) {
		r = sym_diag_set(diag, SYM_ERR_VERIFY, "%s: the released envelope does not open",
		                 v->id);
		goto out;
	}
	item = json_loadb((const char *)plain, plain_len, JSON_REJECT_DUPLICATES, &jerr);
	if ((r = s_their_item(s, v, item, &theirs, diag)) != SYM_OK)
		goto out;
	/* Both items must produce the candidate's token; then the exact values decide. */
	if ((r = release_candidate_from_wire(v->c, &cand)) != SYM_OK ||
	    (r = release_check_exchange(
	         s->tax, s->prf, pk, &cand, v->supplier ? v->item : &theirs->items[0],
	         v->supplier ? &theirs->items[0] : v->item, &check)) != SYM_OK) {
		r = sym_diag_set(diag, r, "%s: cannot check the released item", v->id);
		goto out;
	}
	*exchange = json_pack("{s:s, s:s, s:s, s:s, s:O, s:O, s:b, s:s}", "candidate", v->id,
	                      "round", v->round, "supplier", v->c->supplier, "consumer",
	                      v->c->consumer, "offer", v->supplier ? v->item->raw : item, "need",
	                      v->supplier ? item : v->item->raw, "near_miss",
	                      check == RELEASE_CHECK_NEAR_MISS, "check", release_check_name(check));
	r = *exchange ? SYM_OK : SYM_ERR_ALLOC;
out:
	if (plain != NULL)
		sodium_free(plain);
	json_decref(item);
	flows_free(&theirs);
	pairkeys_clear(pk);
	sodium_free(pk);
	return r;
}

/*
 * Deposit this company's sealed item for each agreed candidate it has not
 * deposited yet (recorded in the round file); returns how many were.
 */
static size_t
s_deposit_agreed(struct session *s, struct round_view *rv, struct sym_diag *diag)
{
	const char *done;
	size_t i, n = 0;

	for (i = 0; i < rv->n; i++) {
		const struct view *v = &rv->views[i];
		struct deposit_what w = {rv->round, v->c->candidate_id.data, v->counterpart,
		                         v->item ? v->item->raw : NULL};

		/*
		 * Only what this company itself accepted, as recorded when it did:
		 * a coordinator that calls a declined, unanswered or forged
		 * candidate "agreed" gets nothing.
		 */
		done = json_string_value(json_object_get(rv->rf.consents, v->id));
		if (v->item == NULL || v->forged || strcmp(v->c->state, "agreed") != 0 ||
		    done == NULL || strcmp(done, "accepted") != 0 ||
		    (v->counterpart != NULL && policy_denies(&client_policy, v->counterpart)))
			continue;
		if (deposit_send(s, &rv->rf, &w, diag) != 0) {
			fprintf(stderr, "symbi exchanges: %s: deposit: %s\n", v->id, diag->msg);
			continue;
		}
		json_object_set_new(rv->rf.consents, v->id, json_string("deposited"));
		n++;
	}
	if (n > 0 && roundfile_save(s->st->dir, &rv->rf, diag) != SYM_OK)
		fprintf(stderr, "symbi exchanges: cannot record the deposits locally: %s\n",
		        diag->msg);
	return n;
}

static int
s_has_candidate(json_t *arr, const char *id)
{
	size_t i;
	json_t *e;

	json_array_foreach (arr, i, e) {
		const char *c = json_string_value(json_object_get(e, "candidate"));
		if (c != NULL && strcmp(c, id) == 0)
			return 1;
	}
	return 0;
}

/* The view a release answers: ours, with an item of ours, from its counterpart; NULL if none. */
static const struct view *
s_view_of_release(const struct round_view *rv, const Symbiod__Release *rel, const char *idhex)
{
	size_t j;

	for (j = 0; j < rv->n; j++)
		if (strcmp(rv->views[j].id, idhex) == 0)
			break;
	if (j == rv->n || rv->views[j].item == NULL || strcmp(rel->from, rv->views[j].counterpart))
		return NULL;
	return &rv->views[j];
}

/* Append the current round's new releases to `all`; returns how many. */
static size_t
s_add_releases(struct session *s, const struct round_view *rv, const Symbiod__ReleaseList *rels,
               json_t *all, struct sym_diag *diag)
{
	const struct view *v;
	size_t i, added = 0;
	json_t *e;

	for (i = 0; rels != NULL && i < rels->n_releases; i++) {
		const Symbiod__Release *rel = rels->releases[i];
		char idhex[33];

		if (rel->candidate_id.len != 16)
			continue;
		util_hex(rel->candidate_id.data, 16, idhex);
		if (s_has_candidate(all, idhex) || (v = s_view_of_release(rv, rel, idhex)) == NULL)
			continue;
		if (s_reveal(s, rv, v, rel, &e, diag) != SYM_OK) {
			fprintf(stderr, "symbi exchanges: %s\n", diag->msg);
			continue;
		}
		json_array_append_new(all, e);
		added++;
	}
	return added;
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
	Symbiod__ReleasesRequest req = SYMBIOD__RELEASES_REQUEST__INIT;
	Symbiod__ReleaseList *rels = NULL;
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
	if ((rc = s_round_view(&s, &rv, &diag)) == 0 && rv.fl != NULL) {
		(void)s_deposit_agreed(&s, &rv, &diag);
		req.has_round_id = 1;
		req.round_id = session_bytes(rv.round, 16);
		rc =
		    rpc_call(s.c, SYMBIOD__MSG_TYPE__MSG_RELEASES, &req.base,
		             &symbiod__release_list__descriptor, (ProtobufCMessage **)&rels, &diag);
	}
	if (rc != 0 && rc != EXIT_TEMPFAIL)
		fprintf(stderr, "symbi exchanges: %s (showing what is stored locally)\n", diag.msg);
	if (s_add_releases(&s, &rv, rels, all, &diag) > 0 &&
	    exchanges_save(a.dir, all, &diag) != SYM_OK) {
		fprintf(stderr, "symbi exchanges: %s\n", diag.msg);
		rc = EXIT_CANTCREAT;
		goto out;
	}
	/* Kept here now: the coordinator may delete its copies. */
	if (deposit_received(&s, rv.round, rels, &diag) != 0)
		fprintf(stderr,
		        "symbi exchanges: could not confirm receipt (%s); the next run will\n",
		        diag.msg);
	s_print_exchanges(all, s.st->id, a.json);
	rc = release_check_warn_exchanges(all) > 0 ? EXIT_PROTOCOL : 0;
out:
	wire_free(rels ? &rels->base : NULL);
	json_decref(all);
	s_round_view_clear(&rv);
	session_close(&s);
	return rc;
}
