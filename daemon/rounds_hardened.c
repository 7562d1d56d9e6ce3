/*
 * Hardened rounds (HARDENED.md): open -> query -> evaluate -> submit ->
 * closed -> consent -> ended. The round is ROUND_OPEN in the store through
 * the three middle phases; hard_rounds holds which. The daemon moves on when
 * every member of the round's snapshot has done its part, or at the phase's
 * deadline, or when the operator says so (`symbiod round advance`); each move
 * is a hardened_phase entry naming who was silent.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auditlog.h"
#include "log.h"
#include "rounds_internal.h"
#include "util.h"
#include "wire.h"

static const char *const s_hard_names[] = {"open", "query", "evaluate", "submit"};

int
rounds_hard_phase(struct rounds_ctx *ctx, const struct store_round *rd)
{
	struct store_hard_round h;

	if (rd->phase != ROUND_OPEN || store_hard_round_get(ctx->park->store, rd->id, &h) != SYM_OK)
		return HARD_NONE;
	return h.phase;
}

const char *
rounds_phase_shown(struct rounds_ctx *ctx, const struct store_round *rd)
{
	int hp = rounds_hard_phase(ctx, rd);

	return hp != HARD_NONE ? s_hard_names[hp] : rounds_phase_name(rd->phase);
}

int
rounds_hard_record(struct rounds_ctx *ctx, const struct store_round *rd, uint32_t max_need,
                   int64_t query_deadline_ms, int64_t evaluate_deadline_ms)
{
	struct store_hard_round h;

	memset(&h, 0, sizeof(h));
	memcpy(h.round, rd->id, 16);
	h.phase = HARD_QUERY;
	h.query_deadline_ms = query_deadline_ms;
	h.evaluate_deadline_ms = evaluate_deadline_ms;
	h.batch_size = max_need;
	return store_hard_round_put(ctx->park->store, &h);
}

int
rounds_hard_silent(struct rounds_ctx *ctx, const struct store_round *rd, char ***ids, size_t *n)
{
	int hp = rounds_hard_phase(ctx, rd);
	size_t i, k = 0;
	int r;

	*ids = NULL;
	*n = 0;
	if (hp == HARD_NONE)
		return SYM_OK;
	if ((r = store_hard_silent(ctx->park->store, rd->id, hp, ids, n)) != SYM_OK)
		return r;
	/* A member revoked since the round opened owes nothing any more. */
	for (i = 0; i < *n; i++) {
		const struct store_member *m = rounds_member(ctx, (*ids)[i]);
		if (m != NULL && !m->revoked)
			(*ids)[k++] = (*ids)[i];
		else
			free((*ids)[i]);
	}
	*n = k;
	return SYM_OK;
}

void
rounds_hard_status(struct rounds_ctx *ctx, const struct store_round *rd, json_t *j)
{
	struct store_hard_round h;
	char **ids = NULL;
	size_t n = 0;

	if (store_hard_round_get(ctx->park->store, rd->id, &h) != SYM_OK)
		return; /* a standard round's status stays as it was */
	json_object_set_new(j, "mode", json_string("hardened"));
	json_object_set_new(j, "query_deadline_ms", json_integer(h.query_deadline_ms));
	json_object_set_new(j, "evaluate_deadline_ms", json_integer(h.evaluate_deadline_ms));
	json_object_set_new(j, "batch_size", json_integer(h.batch_size));
	if (rounds_hard_silent(ctx, rd, &ids, &n) == SYM_OK)
		json_object_set_new(j, "silent", util_json_strings(ids, n));
	store_strings_free(ids, n);
}

/* Move from phase hp to the next one in one transaction with its log entry. */
static int
s_next_phase(struct rounds_ctx *ctx, const struct store_round *rd, int hp, const char *reason,
             char *const *silent, size_t nsilent, struct sym_diag *diag)
{
	uint64_t log_size = 0;
	int r;

	if ((r = rounds_tx_begin(ctx, &log_size)) != SYM_OK)
		return sym_diag_set(diag, r, "store: %s", sym_strerror(r));
	if ((r = store_hard_round_advance(ctx->park->store, rd->id, hp, hp + 1)) != SYM_OK ||
	    (r = rounds_log(ctx, "hardened_phase",
	                    json_pack("{s:o, s:s, s:s, s:s, s:o}", "round",
	                              auditlog_hex(rd->id, 16), "from", s_hard_names[hp], "to",
	                              s_hard_names[hp + 1], "reason", reason, "silent",
	                              util_json_strings(silent, nsilent)),
	                    NULL, NULL, NULL)) != SYM_OK ||
	    (r = store_commit(ctx->park->store)) != SYM_OK) {
		rounds_tx_abort(ctx, log_size);
		return sym_diag_set(diag, r, "store: cannot move the round on: %s",
		                    sym_strerror(r));
	}
	return SYM_OK;
}

/* The next phase (the close after submit), for a reason; *result says where the round is. */
static int
s_advance(struct rounds_ctx *ctx, const struct store_round *rd, int hp, const char *reason,
          json_t **result, struct sym_diag *diag)
{
	char **silent = NULL, hex[33];
	size_t n = 0, i;
	int r;

	if ((r = rounds_hard_silent(ctx, rd, &silent, &n)) != SYM_OK)
		return sym_diag_set(diag, r, "store: %s", sym_strerror(r));
	util_hex(rd->id, 16, hex);
	for (i = 0; i < n; i++)
		log_notice("round %.8s: %s did not do its part of the %s phase (%s)", hex,
		           silent[i], s_hard_names[hp], reason);
	if (hp == HARD_SUBMIT) {
		r = rounds_close(ctx, result, diag);
	} else if ((r = s_next_phase(ctx, rd, hp, reason, silent, n, diag)) == SYM_OK) {
		log_notice("round %.8s: %s phase (%s)", hex, s_hard_names[hp + 1], reason);
		*result = json_pack("{s:s, s:s, s:o}", "round", hex, "phase", s_hard_names[hp + 1],
		                    "silent", util_json_strings(silent, n));
	}
	store_strings_free(silent, n);
	return r;
}

int
rounds_hard_tick(struct rounds_ctx *ctx, const struct store_round *rd)
{
	struct sym_diag diag = {""};
	struct store_hard_round h;
	int64_t now = (int64_t)wire_now_ms(), deadline;
	json_t *res = NULL;
	char **silent = NULL;
	size_t n = 0;
	int hp = rounds_hard_phase(ctx, rd);

	if (hp == HARD_NONE || store_hard_round_get(ctx->park->store, rd->id, &h) != SYM_OK)
		return 0;
	deadline = hp == HARD_QUERY      ? h.query_deadline_ms
	           : hp == HARD_EVALUATE ? h.evaluate_deadline_ms
	                                 : rd->submit_deadline_ms;
	if (rounds_hard_silent(ctx, rd, &silent, &n) != SYM_OK)
		return 1;
	store_strings_free(silent, n);
	if (n == 0 || (deadline > 0 && now >= deadline)) {
		if (s_advance(ctx, rd, hp, n == 0 ? "done" : "deadline", &res, &diag) != SYM_OK)
			log_err("cannot move the hardened round on: %s", diag.msg);
		json_decref(res);
	}
	return 1;
}

int
rounds_advance(struct rounds_ctx *ctx, json_t **result, struct sym_diag *diag)
{
	struct store_round rd;
	int r, hp;

	if ((r = store_round_latest(ctx->park->store, &rd)) != SYM_OK)
		return sym_diag_set(diag, r, "no round to advance");
	if ((hp = rounds_hard_phase(ctx, &rd)) == HARD_NONE)
		r = sym_diag_set(diag, SYM_ERR_INVALID,
		                 "round advance moves a hardened round through query, evaluate and "
		                 "submit; this round is %s",
		                 rounds_phase_shown(ctx, &rd));
	else
		r = s_advance(ctx, &rd, hp, "operator", result, diag);
	store_round_clear(&rd);
	return r;
}

int
rounds_hard_may_close(struct rounds_ctx *ctx, const struct store_round *rd, struct sym_diag *diag)
{
	int hp = rounds_hard_phase(ctx, rd);

	if (hp == HARD_NONE || hp == HARD_SUBMIT)
		return SYM_OK;
	return sym_diag_set(diag, SYM_ERR_INVALID,
	                    "the hardened round is in its %s phase: it closes after the submit "
	                    "phase (symbiod round advance moves it on)",
	                    s_hard_names[hp]);
}
