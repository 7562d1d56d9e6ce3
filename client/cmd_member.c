/* symbi init, enroll and status: joining a park and checking the connection. */
#include <jansson.h>
#include <sodium.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "cmd.h"
#include "logcheck.h"
#include "state.h"
#include "sysexits.h"
#include "transport.h"
#include "util.h"
#include "wire.h"
#include "exitcode.h"
#include "rpc.h"
#include "paircache.h"
#include "session.h"

static int
s_parse(int argc, char **argv, struct cmd_args *a, const char *usage)
{
	int r;

	if ((r = cmd_args_parse(argc, argv, ARGS_MEMBER, 3000, usage, a)) != 0)
		return r;
	if (a->first != argc || a->dir == NULL || a->timeout_ms < 100 || a->timeout_ms > 600000 ||
	    a->attempts < 1 || a->attempts > 10)
		return cmd_args_usage(usage);
	return 0;
}

int
cmd_init(int argc, char **argv)
{
	const char *usage =
	    "init --dir STATE --park park.json --id ID --name NAME [--site LAT,LON]";
	struct sym_diag diag = {""};
	struct site site = {0, 0, 0};
	struct cmd_args a;
	char csr[PATH_MAX], text[SITE_TEXT_MAX];
	int r;

	if ((r = s_parse(argc, argv, &a, usage)) != 0)
		return r < 0 ? 0 : r;
	if (a.park == NULL || a.id == NULL || a.name == NULL) {
		fprintf(stderr,
		        "symbi init: --park, --id and --name are required\nusage: symbi %s\n",
		        usage);
		return EXIT_USAGE;
	}
	/* Checked before anything is created: a bad site leaves no half-made STATE. */
	if (a.site != NULL && site_parse(a.site, &site, &diag) != SYM_OK) {
		fprintf(stderr, "symbi init: --site \"%.40s\": %s\n", a.site, diag.msg);
		return EXIT_USAGE;
	}
	if ((r = state_init(a.dir, a.park, a.id, a.name, &site, csr, sizeof(csr), &diag)) !=
	    SYM_OK) {
		fprintf(stderr, "symbi init: %s\n", diag.msg);
		return sym_exit_code(r, SYM_ORIGIN_INPUT);
	}
	site_format(&site, text);
	fprintf(stderr,
	        "symbi init: keys for \"%s\" (site %s) created in %s\n"
	        "  send %s to the park operator, then install the certificate you get back with:\n"
	        "  symbi enroll --dir %s --cert CERT\n",
	        a.id, text, a.dir, csr, a.dir);
	return 0;
}

int
cmd_enroll(int argc, char **argv)
{
	const char *usage = "enroll --dir STATE --cert CERT";
	struct sym_diag diag = {""};
	struct member_record rec;
	struct cmd_args a;
	int r;

	if ((r = s_parse(argc, argv, &a, usage)) != 0)
		return r < 0 ? 0 : r;
	if (a.cert == NULL) {
		fprintf(stderr, "symbi enroll: --cert is required\n");
		return EXIT_USAGE;
	}
	if ((r = state_enroll(a.dir, a.cert, &rec, &diag)) != SYM_OK) {
		fprintf(stderr, "symbi enroll: %s\n", diag.msg);
		return sym_exit_code(r, SYM_ORIGIN_INPUT);
	}
	fprintf(stderr, "symbi enroll: \"%s\" (%s) is enrolled in this park\n", rec.id, rec.name);
	return 0;
}

static json_t *
s_status_json(const struct client_state *st, const Symbiod__StatusReply *rep)
{
	char fp[65], dh[65], ed[65], x[65], cv[65], rid[33] = "";

	util_hex(st->record.fingerprint, 32, fp);
	util_hex(st->record.ed25519, 32, ed);
	util_hex(st->record.x25519, 32, x);
	util_hex(st->record.curve, 32, cv);
	util_hex(rep->directory_hash.data, 32, dh);
	if (rep->has_round_id && rep->round_id.len == 16)
		util_hex(rep->round_id.data, 16, rid);
	return json_pack("{s:{s:s, s:s}, s:{s:s, s:s, s:s, s:s, s:s, s:s, s:s}, s:{s:s, s:s?}, "
	                 "s:{s:i, s:s, s:b}}",
	                 "park", "name", rep->park, "endpoint", st->park.endpoint, "member", "id",
	                 rep->member->id, "name", rep->member->name, "status",
	                 rep->member->revoked ? "revoked" : "active", "fingerprint", fp, "ed25519",
	                 ed, "x25519", x, "curve", cv, "round", "phase", rep->round_phase, "id",
	                 rid[0] ? rid : NULL, "directory", "members", (int)rep->members, "hash", dh,
	                 "verified", !rep->member->revoked);
}

/*
 * The pair secret with every other member of a verified directory, into
 * STATE/paircache (paircache.h): computed for a member the first time it
 * is seen, as its certificate is checked the first time, so that the next
 * submission finds both caches warm. Best effort: a failure only leaves
 * the work to the submission.
 */
static void
s_status_pairs(struct client_state *st, const struct verified_dir *vd)
{
	struct paircache *pc = NULL;
	uint8_t shared[32];
	size_t i;

	if (paircache_new(st, &pc) != SYM_OK)
		return;
	/* A record it cannot use (a low-order key) is the submission's to refuse, not status's. */
	for (i = 0; i < vd->n; i++)
		if (strcmp(vd->recs[i].id, st->id) != 0 &&
		    paircache_shared(pc, vd->recs[i].id, vd->recs[i].x25519, shared) != SYM_OK)
			continue;
	sodium_memzero(shared, sizeof(shared));
	if (paircache_save(pc) != SYM_OK)
		fprintf(stderr, "symbi status: cannot write %s/" PAIRCACHE_FILE "\n", st->dir);
	paircache_free(&pc);
}

/*
 * The directory whose hash the coordinator just signed, every certificate
 * checked as a submission checks them (and remembered: certcache.h), and
 * the pair secrets with its members (paircache.h). A revoked company is in
 * no directory.
 */
static int
s_status_directory(struct client_state *st, struct conn *c, const Symbiod__StatusReply *rep,
                   struct sym_diag *diag)
{
	struct session s = {st, c, NULL, NULL, NULL, NULL};
	struct verified_dir vd;
	int rc;

	if (rep->member->revoked)
		return 0;
	if ((rc = session_directory_check(&s, NULL, rep->directory_hash.data, &vd, diag)) == 0) {
		s_status_pairs(st, &vd);
		verified_dir_clear(&vd);
	}
	return rc;
}

int
cmd_status(int argc, char **argv)
{
	const char *usage = "status --dir STATE [--json] [--timeout MS] [--attempts N]";
	char site[SITE_TEXT_MAX];
	struct conn_opts copts = {3000, 3};
	struct sym_diag diag = {""};
	struct client_state *st = NULL;
	struct conn *c = NULL;
	Symbiod__Response *resp = NULL;
	ProtobufCMessage *msg = NULL;
	Symbiod__StatusReply *rep;
	Symbiod__StatusRequest sreq = SYMBIOD__STATUS_REQUEST__INIT;
	uint8_t *payload = NULL;
	size_t payload_len = 0;
	struct cmd_args a;
	int r, rc;

	if ((r = s_parse(argc, argv, &a, usage)) != 0)
		return r < 0 ? 0 : r;
	copts.timeout_ms = a.timeout_ms;
	copts.attempts = a.attempts;
	if ((r = state_load(a.dir, &st, &diag)) != SYM_OK) {
		fprintf(stderr, "symbi status: %s\n", diag.msg);
		return sym_exit_code(r, SYM_ORIGIN_INPUT);
	}
	if (!st->enrolled) {
		fprintf(stderr,
		        "symbi status: \"%s\" is not enrolled yet: send %s/request.csr to the park "
		        "operator and run symbi enroll --dir %s --cert CERT\n",
		        st->id, a.dir, a.dir);
		rc = EXIT_NOPERM;
		goto out;
	}
	if ((r = wire_pack(&sreq.base, &payload, &payload_len)) != SYM_OK ||
	    (r = conn_open(st, &copts, &c, &diag)) != SYM_OK ||
	    (r = conn_call(c, SYMBIOD__MSG_TYPE__MSG_STATUS, payload, payload_len, &resp, &diag)) !=
	        SYM_OK) {
		fprintf(stderr, "symbi status: %s\n", diag.msg);
		rc = sym_exit_code(r, SYM_ORIGIN_PEER);
		goto out;
	}
	if (resp->status == SYMBIOD__STATUS__STATUS_OK &&
	    (rc = logcheck_contact(st, c, &diag)) != 0) {
		fprintf(stderr, "symbi status: %s\n", diag.msg);
		goto out;
	}
	if (resp->status != SYMBIOD__STATUS__STATUS_OK) {
		fprintf(stderr, "symbi status: the coordinator refused: %s (%d)\n",
		        resp->message ? resp->message : "no reason given", resp->status);
		rc = rpc_exit_for_status(resp->status);
		goto out;
	}
	if (!resp->has_payload ||
	    wire_unpack(&symbiod__status_reply__descriptor, resp->payload.data, resp->payload.len,
	                0, &msg) != SYM_OK) {
		fprintf(stderr, "symbi status: malformed status reply\n");
		rc = EXIT_PROTOCOL;
		goto out;
	}
	rep = (Symbiod__StatusReply *)msg;
	if (rep->directory_hash.len != 32 || rep->member == NULL ||
	    strcmp(rep->member->id, st->id) != 0) {
		fprintf(stderr, "symbi status: the coordinator's reply is about another member\n");
		rc = EXIT_PROTOCOL;
		goto out;
	}
	if ((rc = s_status_directory(st, c, rep, &diag)) != 0) {
		fprintf(stderr, "symbi status: %s\n", diag.msg);
		goto out;
	}
	site_format(&st->record.site, site);
	if (a.json) {
		json_t *j = s_status_json(st, rep);
		/* The site the certificate binds: "LAT,LON", or null without one. */
		json_object_set_new(json_object_get(j, "member"), "site",
		                    st->record.site.set ? json_string(site) : json_null());
		json_dumpf(j, stdout, JSON_INDENT(2));
		fputc('\n', stdout);
		json_decref(j);
	} else {
		char dh[65];
		util_hex(rep->directory_hash.data, 32, dh);
		printf("park       %s (%s)\n", rep->park, st->park.endpoint);
		printf("company    %s: %s (%s), site %s\n", rep->member->id, rep->member->name,
		       rep->member->revoked ? "revoked" : "active", site);
		printf("round      %s\n", rep->round_phase);
		printf("directory  %u members, hash %.16s...%s\n", rep->members, dh,
		       rep->member->revoked ? "" : ", every certificate verified");
	}
	rc = 0;
out:
	wire_free(msg);
	wire_free(resp ? &resp->base : NULL);
	free(payload);
	conn_close(&c);
	state_free(&st);
	return rc;
}
