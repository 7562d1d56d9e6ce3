/* The operator's commands of the running daemon, one table from name to handler. */
#include "control_cmds.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "auditlog.h"
#include "control.h"
#include "export.h"
#include "log.h"
#include "server_internal.h"
#include "token.h"
#include "util.h"
#include "zap.h"

static json_t *
s_error(const char *msg)
{
	return json_pack("{s:b, s:s}", "ok", 0, "error", msg);
}

static json_t *
s_cmd_status(struct server *srv, json_t *req)
{
	uint64_t admitted = 0, refused = 0;
	uint8_t rid[16];
	int has_rid = 0;
	const char *phase = rounds_phase(&srv->rounds, rid, &has_rid);
	char hex[65];

	(void)req;
	zap_counts(srv->zap, &admitted, &refused);
	util_hex(srv->dir_hash, 32, hex);
	return json_pack("{s:b, s:s, s:s, s:I, s:s, s:s, s:I, s:I, s:I, s:I, s:I}", "ok", 1, "park",
	                 srv->park->info.name, "endpoint", srv->park->info.endpoint, "members",
	                 (json_int_t)srv->nmembers, "directory_hash", hex, "phase", phase,
	                 "handshakes_admitted", (json_int_t)admitted, "handshakes_refused",
	                 (json_int_t)refused, "requests", (json_int_t)srv->handled,
	                 "requests_refused", (json_int_t)srv->refused, "requests_rate_limited",
	                 (json_int_t)srv->rate_limited);
}

static json_t *
s_cmd_members(struct server *srv, json_t *req)
{
	json_t *arr = json_array();
	size_t i;

	(void)req;
	for (i = 0; i < srv->nmembers; i++) {
		const struct store_member *m = &srv->members[i];
		char fp[65];

		util_hex(m->rec.fingerprint, 32, fp);
		json_array_append_new(
		    arr, json_pack("{s:s, s:s, s:s, s:s}", "id", m->rec.id, "name", m->rec.name,
		                   "status", m->revoked ? "revoked" : "active", "fingerprint", fp));
	}
	return json_pack("{s:b, s:o}", "ok", 1, "members", arr);
}

static int
s_opt_u32(json_t *req, const char *key, uint32_t *out)
{
	json_t *v = json_object_get(req, key);

	if (v == NULL)
		return 1;
	if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 100000000)
		return 0;
	*out = (uint32_t)json_integer_value(v);
	return 1;
}

/* round open: the options the operator gave, over the defaults. */
static int
s_open_opts(json_t *req, struct round_open_opts *opts)
{
	uint32_t submit_min = 0, consent_min = 0, indicator_s = 0, query_min = 0, evaluate_min = 0;
	uint32_t reach_km = 0, encoding = TOKEN_VERSION;
	json_t *keep = json_object_get(req, "keep_batches");
	const char *mode = json_string_value(json_object_get(req, "mode"));

	if (keep != NULL && !json_is_boolean(keep))
		return 0;
	if (mode != NULL && strcmp(mode, "hardened") != 0 && strcmp(mode, "standard") != 0)
		return 0;
	if (!s_opt_u32(req, "token_encoding", &encoding) ||
	    (encoding != TOKEN_VERSION && encoding != TOKEN_VERSION_1))
		return 0;
	rounds_default_opts(opts, mode != NULL && strcmp(mode, "hardened") == 0, encoding);
	if (!s_opt_u32(req, "query_minutes", &query_min) ||
	    !s_opt_u32(req, "evaluate_minutes", &evaluate_min))
		return 0;
	opts->query_minutes = query_min;
	opts->evaluate_minutes = evaluate_min;
	opts->keep_batches = json_is_true(keep);
	if (!s_opt_u32(req, "pad_offers", &opts->pad_offers) ||
	    !s_opt_u32(req, "pad_needs", &opts->pad_needs) ||
	    !s_opt_u32(req, "fixed_size", &opts->fixed_size) ||
	    !s_opt_u32(req, "max_offer", &opts->max_offer) ||
	    !s_opt_u32(req, "max_need", &opts->max_need) ||
	    !s_opt_u32(req, "max_items", &opts->max_items) ||
	    !s_opt_u32(req, "submit_minutes", &submit_min) ||
	    !s_opt_u32(req, "consent_minutes", &consent_min) ||
	    !s_opt_u32(req, "indicator_seconds", &indicator_s) ||
	    !s_opt_u32(req, "max_reach_km", &reach_km) ||
	    (json_object_get(req, "max_reach_km") != NULL && (reach_km == 0 || reach_km > 40000)))
		return 0;
	opts->indicator_seconds = indicator_s;
	opts->max_reach_m = (uint64_t)reach_km * 1000u;
	opts->submit_minutes = submit_min;
	opts->consent_minutes = consent_min;
	return 1;
}

static json_t *
s_cmd_round(struct server *srv, json_t *req)
{
	const char *action = json_string_value(json_object_get(req, "action"));
	struct sym_diag diag = {""};
	struct round_open_opts opts;
	json_t *result = NULL;
	int r;

	if (action == NULL)
		return s_error("round: missing action");
	if (strcmp(action, "status") == 0) {
		result = rounds_status(&srv->rounds);
		json_object_set_new(result, "ok", json_true());
		return result;
	}
	if (strcmp(action, "open") == 0) {
		if (!s_open_opts(req, &opts))
			return s_error("round open: bad option value");
		r = rounds_open(&srv->rounds, &opts, &result, &diag);
	} else if (strcmp(action, "close") == 0) {
		r = rounds_close(&srv->rounds, &result, &diag);
	} else if (strcmp(action, "end") == 0) {
		r = rounds_end(&srv->rounds, &result, &diag);
	} else if (strcmp(action, "advance") == 0) {
		r = rounds_advance(&srv->rounds, &result, &diag);
	} else {
		return s_error("round: unknown action");
	}
	if (r != SYM_OK) {
		log_notice("control: round %s refused: %s", action, diag.msg);
		return s_error(diag.msg);
	}
	json_object_set_new(result, "ok", json_true());
	return result;
}

static json_t *
s_cmd_log(struct server *srv, json_t *req)
{
	const char *action = json_string_value(json_object_get(req, "action"));
	const char *out = json_string_value(json_object_get(req, "out"));
	json_t *with = json_object_get(req, "with_batches");
	struct export_result res = {0, 0, 0};
	struct sym_diag diag = {""};
	char *text = NULL;
	json_t *reply;

	if (action != NULL && strcmp(action, "export") == 0 && out != NULL && *out == '/' &&
	    (with == NULL || json_is_boolean(with))) {
		if (export_write(srv->park, srv->log, out, json_is_true(with), &res, &diag) !=
		    SYM_OK)
			return s_error(diag.msg);
		log_notice("audit log exported to %s (%llu entries%s)", out,
		           (unsigned long long)res.entries,
		           json_is_true(with) ? ", with the token batches" : ", public part");
		return json_pack("{s:b, s:s, s:I, s:i, s:b, s:I, s:I}", "ok", 1, "out", out,
		                 "entries", (json_int_t)res.entries, "format_version",
		                 EXPORT_FORMAT_VERSION, "with_batches", json_is_true(with),
		                 "batch_files", (json_int_t)res.batch_files, "batches_deleted",
		                 (json_int_t)res.rounds_deleted);
	}
	if (action != NULL && strcmp(action, "checkpoint") == 0) {
		if (auditlog_checkpoint(srv->log, &text) != SYM_OK)
			return s_error("cannot sign a checkpoint");
		reply = json_pack("{s:b, s:s, s:I}", "ok", 1, "checkpoint", text, "entries",
		                  (json_int_t)auditlog_size(srv->log));
		free(text);
		return reply;
	}
	return s_error("log: expected action export (with an absolute \"out\") or checkpoint");
}

static json_t *
s_cmd_reload(struct server *srv, json_t *req)
{
	(void)req;
	return json_pack("{s:b}", "ok", server_load_directory(srv) == SYM_OK);
}

static const struct {
	const char *name;
	json_t *(*run)(struct server *srv, json_t *req);
} s_cmds[] = {
    {"status", s_cmd_status}, {"members", s_cmd_members}, {"log", s_cmd_log},
    {"round", s_cmd_round},   {"reload", s_cmd_reload},
};

void
control_cmds_serve(struct server *srv)
{
	json_t *req = NULL, *reply;
	const char *cmd;
	size_t i, n = sizeof(s_cmds) / sizeof(s_cmds[0]);
	int fd = -1;

	if (control_accept(srv->control_fd, &fd, &req) != SYM_OK)
		return;
	cmd = json_string_value(json_object_get(req, "cmd"));
	for (i = 0; cmd != NULL && i < n && strcmp(cmd, s_cmds[i].name) != 0; i++)
		;
	if (cmd == NULL)
		reply = s_error("missing cmd");
	else if (i == n)
		reply = s_error("this command is not served by this version of the daemon");
	else
		reply = s_cmds[i].run(srv, req);
	log_info("control: %s", cmd ? cmd : "(none)");
	control_reply(fd, reply);
	json_decref(req);
}
