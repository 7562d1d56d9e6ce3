/* Park indicators, the coordinator's stages: collecting, confirming, unmasking, finished. */
#include "indicators.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auditlog.h"
#include "indhash.h"
#include "log.h"
#include "pairkeys.h"
#include "taxonomy.h"
#include "util.h"
#include "wire.h"

/*
 * The layout comes from the park's taxonomy, which never changes while the
 * daemon runs (its hash is in park.json): loaded once, on first use.
 */
static struct taxonomy *s_tax;
static struct ind_layout *s_layout;

int
indicators_layout(struct rounds_ctx *ctx, const struct ind_layout **out)
{
	struct sym_diag diag = {""};
	int r;

	if (s_layout == NULL) {
		if ((r = taxonomy_load_default(&s_tax, &diag)) != SYM_OK)
			return r;
		if (ctx->taxonomy_hash != NULL &&
		    memcmp(s_tax->hash, ctx->taxonomy_hash, TAX_HASH_LEN) != 0) {
			taxonomy_free(&s_tax);
			return SYM_ERR_VERIFY;
		}
		if ((r = ind_layout_new(s_tax, &s_layout)) != SYM_OK)
			return r;
	}
	*out = s_layout;
	return SYM_OK;
}

static const char *const s_stages[] = {"waiting", "collecting", "confirming", "unmasking",
                                       "finished"};

const char *
indicators_stage_name(int stage)
{
	return stage >= SECAGG_WAITING && stage <= SECAGG_FINISHED ? s_stages[stage] : "unknown";
}

static int
s_id_cmp(const void *a, const void *b)
{
	return pairkeys_id_cmp(*(char *const *)a, *(char *const *)b);
}

int
indicators_ids(const char *text, char ***ids_out, size_t *n_out)
{
	json_t *arr = json_loads(text, JSON_REJECT_DUPLICATES, NULL), *e;
	char **ids = NULL;
	size_t i, n = 0;
	int r = SYM_ERR_FORMAT;

	*ids_out = NULL;
	*n_out = 0;
	if (!json_is_array(arr) || (ids = calloc(json_array_size(arr) + 1, sizeof(*ids))) == NULL)
		goto out;
	json_array_foreach (arr, i, e) {
		if (!json_is_string(e) || (ids[n] = strdup(json_string_value(e))) == NULL)
			goto out;
		n++;
	}
	*ids_out = ids; /* transferred */
	*n_out = n;
	ids = NULL;
	r = SYM_OK;
out:
	if (ids != NULL)
		store_strings_free(ids, n);
	json_decref(arr);
	return r;
}

long
indicators_find(char *const *ids, size_t n, const char *id)
{
	size_t lo = 0, hi = n;

	/* Every list of ids here is in id order (as built, and as signed): binary search. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = pairkeys_id_cmp(ids[mid], id);
		if (c == 0)
			return (long)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

int
indicators_included(const struct store_secagg *sa, Symbiod__IncludedSet **out)
{
	*out = NULL;
	if (sa->included == NULL)
		return SYM_ERR_NOT_FOUND;
	return wire_unpack(&symbiod__included_set__descriptor, sa->included, sa->included_len, 0,
	                   (ProtobufCMessage **)out);
}

int
indicators_opened(struct rounds_ctx *ctx, const uint8_t round[16], int64_t window_s)
{
	if (window_s <= 0)
		window_s = INDICATORS_DEFAULT_WINDOW_S;
	return store_secagg_open(ctx->park->store, round, window_s * 1000);
}

/* The round's submitters still members, in id order, as a JSON array. */
static int
s_submitters(struct rounds_ctx *ctx, const uint8_t round[16], json_t **arr)
{
	char **subs = NULL;
	size_t n = 0, i;
	int r;

	if ((r = store_round_submitters(ctx->park->store, round, &subs, &n)) != SYM_OK)
		return r;
	if (n > 1) /* qsort's base must not be NULL, even for no element */
		qsort(subs, n, sizeof(*subs), s_id_cmp);
	*arr = json_array();
	for (i = 0; i < n; i++) {
		const struct store_member *m = rounds_member(ctx, subs[i]);
		if (m != NULL && !m->revoked)
			json_array_append_new(*arr, json_string(subs[i]));
	}
	store_strings_free(subs, n);
	return SYM_OK;
}

/* The round's result: sums (done) or a reason (failed); logged; every message forgotten. */
static int
s_finish(struct rounds_ctx *ctx, struct store_secagg *sa, const uint64_t *sums, size_t nincl,
         uint32_t threshold, const char *reason)
{
	struct store_indicator_round ir;
	const struct ind_layout *l = NULL;
	uint8_t hash[32] = {0};
	char hex[33];
	int r;

	memset(&ir, 0, sizeof(ir));
	memcpy(ir.round, sa->round, 16);
	ir.state = sums != NULL ? INDICATORS_DONE : INDICATORS_FAILED;
	ir.included = (uint32_t)nincl;
	ir.threshold = threshold;
	ir.updated_ms = (int64_t)wire_now_ms();
	snprintf(ir.reason, sizeof(ir.reason), "%s", reason ? reason : "");
	if (sums != NULL) {
		struct store_indicator_cell *cells = NULL;
		size_t n = 0, c, k;
		if ((r = indicators_layout(ctx, &l)) != SYM_OK)
			return r;
		if ((cells = calloc(l->ncells + 1, sizeof(*cells))) == NULL)
			return SYM_ERR_ALLOC;
		for (c = 0; c < l->nclasses; c++) {
			int any = 0;
			for (k = 0; k < IND_INDICATORS; k++)
				any |= sums[c * IND_INDICATORS + k] != 0;
			for (k = 0; any && k < IND_INDICATORS; k++, n++) {
				size_t len = strlen(l->classes[c].name);
				if (len >= sizeof(cells[n].cls)) {
					free(cells);
					return SYM_ERR_LIMIT; /* a class name the store cannot hold
					                       */
				}
				memcpy(cells[n].cls, l->classes[c].name, len + 1);
				snprintf(cells[n].indicator, sizeof(cells[n].indicator), "%s",
				         ind_indicator_name((unsigned)k));
				cells[n].value = sums[c * IND_INDICATORS + k];
			}
		}
		r = store_indicator_sums_put(ctx->park->store, sa->round, cells, n);
		free(cells);
		if (r != SYM_OK)
			return r;
		crypto_hash_sha256(hash, (const uint8_t *)sums, l->ncells * sizeof(*sums));
	}
	if ((r = store_indicator_round_set(ctx->park->store, &ir)) != SYM_OK ||
	    (r = rounds_log(ctx, "indicator_result",
	                    json_pack("{s:o, s:s, s:I, s:I, s:s, s:o*}", "round",
	                              auditlog_hex(sa->round, 16), "state",
	                              sums ? "done" : "failed", "included", (json_int_t)nincl,
	                              "threshold", (json_int_t)threshold, "reason", ir.reason,
	                              "sums", sums ? auditlog_hex(hash, 32) : NULL),
	                    NULL, NULL, NULL)) != SYM_OK ||
	    (r = store_secagg_wipe(ctx->park->store, sa->round)) != SYM_OK)
		return r;
	ctx->shares_to_sweep = 1; /* its sealed shares go between requests (indicators_tick) */
	sa->stage = SECAGG_FINISHED;
	util_hex(sa->round, 16, hex);
	if (sums)
		log_notice("round %s: park indicators summed over %zu members", hex, nincl);
	else
		log_notice("round %s: park indicators failed: %s", hex, ir.reason);
	return store_secagg_put(ctx->park->store, sa);
}

int
indicators_ended(struct rounds_ctx *ctx, const uint8_t round[16])
{
	struct store *st = ctx->park->store;
	struct store_indicator_round ir;
	struct store_secagg sa;
	json_t *subs = NULL;
	const struct ind_layout *l = NULL;
	uint32_t t;
	int r, nolayout;

	memset(&sa, 0, sizeof(sa));
	r = store_secagg_get(st, round, &sa);
	if (r == SYM_ERR_NOT_FOUND && (r = indicators_opened(ctx, round, 0)) == SYM_OK)
		r = store_secagg_get(st, round, &sa); /* a round opened before this version */
	if (r != SYM_OK || (r = s_submitters(ctx, round, &subs)) != SYM_OK)
		goto out;
	/* Without the park's taxonomy the round still ends; its indicators fail, said why. */
	nolayout = indicators_layout(ctx, &l) != SYM_OK;
	t = indhash_threshold((uint32_t)json_array_size(subs));
	memset(&ir, 0, sizeof(ir));
	memcpy(ir.round, round, 16);
	ir.state = INDICATORS_COLLECTING;
	ir.threshold = t;
	ir.updated_ms = (int64_t)wire_now_ms();
	sa.stage = SECAGG_COLLECTING;
	sa.deadline_ms = ir.updated_ms + sa.window_ms;
	free(sa.submitters);
	if ((sa.submitters = json_dumps(subs, JSON_COMPACT)) == NULL) {
		r = SYM_ERR_ALLOC;
		goto out;
	}
	if ((r = store_indicator_round_set(st, &ir)) != SYM_OK ||
	    (r = store_secagg_put(st, &sa)) != SYM_OK ||
	    (r = rounds_log(ctx, "indicator_opened",
	                    json_pack("{s:o, s:O, s:I, s:I, s:I}", "round", auditlog_hex(round, 16),
	                              "submitters", subs, "threshold", (json_int_t)t, "cells",
	                              (json_int_t)(nolayout ? 0 : l->ncells), "deadline_ms",
	                              (json_int_t)sa.deadline_ms),
	                    NULL, NULL, NULL)) != SYM_OK)
		goto out;
	if (nolayout)
		r = s_finish(ctx, &sa, NULL, 0, t,
		             "the installed taxonomy is not the park's: no vector layout");
	else if (json_array_size(subs) < 2)
		r = s_finish(ctx, &sa, NULL, 0, t, "fewer than two members submitted");
out:
	json_decref(subs);
	store_secagg_clear(&sa);
	return r;
}

/* Sign and log the included set: the members whose vectors are held. */
static int
s_announce(struct rounds_ctx *ctx, struct store_secagg *sa, char **subs, size_t nsubs, char **incl,
           size_t nincl, uint32_t t)
{
	Symbiod__IncludedSet set = SYMBIOD__INCLUDED_SET__INIT;
	uint8_t sig[64], *entry = NULL;
	size_t entry_len = 0;
	uint64_t index = 0;
	json_t *js = json_array(), *ji = json_array();
	size_t i;
	int r;

	if ((r = indhash_included(ctx->park->id, sa->round, t, (const char *const *)subs, nsubs,
	                          (const char *const *)incl, nincl, sa->included_hash)) != SYM_OK)
		goto out;
	crypto_sign_detached(sig, NULL, sa->included_hash, 32, ctx->park->sign->sk);
	set.round_id.data = sa->round;
	set.round_id.len = 16;
	set.n_submitters = nsubs;
	set.submitters = subs;
	set.n_included = nincl;
	set.included = incl;
	set.threshold = t;
	set.signature.data = sig;
	set.signature.len = 64;
	for (i = 0; i < nsubs; i++)
		json_array_append_new(js, json_string(subs[i]));
	for (i = 0; i < nincl; i++)
		json_array_append_new(ji, json_string(incl[i]));
	free(sa->included);
	sa->included = NULL;
	if ((r = wire_pack(&set.base, &sa->included, &sa->included_len)) != SYM_OK ||
	    (r = rounds_log(ctx, "indicator_included",
	                    json_pack("{s:o, s:o, s:I, s:O, s:O, s:o}", "round",
	                              auditlog_hex(sa->round, 16), "included_hash",
	                              auditlog_hex(sa->included_hash, 32), "threshold",
	                              (json_int_t)t, "submitters", js, "included", ji, "signature",
	                              auditlog_b64(sig, 64)),
	                    &index, &entry, &entry_len)) != SYM_OK)
		goto out;
	free(sa->included_entry);
	sa->included_entry = entry; /* transferred */
	sa->included_entry_len = entry_len;
	entry = NULL;
	sa->included_index = (int64_t)index;
	sa->stage = SECAGG_CONFIRMING;
	sa->deadline_ms = (int64_t)wire_now_ms() + sa->window_ms;
	r = store_secagg_put(ctx->park->store, sa);
out:
	free(entry);
	json_decref(js);
	json_decref(ji);
	return r;
}

/* Collecting: when every submitter sent, or at the deadline, announce who is in. */
static int
s_collecting(struct rounds_ctx *ctx, struct store_secagg *sa, char **subs, size_t nsubs, int late,
             int *moved)
{
	struct store_secagg_msg *v = NULL;
	char **incl = NULL, reason[128];
	size_t nv = 0, ni = 0, i;
	uint32_t t = indhash_threshold((uint32_t)nsubs);
	int r, held = store_secagg_msg_count(ctx->park->store, sa->round, SECAGG_VECTOR);

	if (held < 0)
		return held;
	if ((size_t)held < nsubs && !late)
		return SYM_OK;
	*moved = 1;
	if ((r = store_secagg_msgs(ctx->park->store, sa->round, SECAGG_VECTOR, &v, &nv)) != SYM_OK)
		return r;
	if ((incl = calloc(nv + 1, sizeof(*incl))) == NULL) {
		r = SYM_ERR_ALLOC;
		goto out;
	}
	for (i = 0; i < nv; i++)
		if (indicators_find(subs, nsubs, v[i].member) >= 0)
			incl[ni++] = v[i].member; /* borrowed */
	if (ni < t) {
		snprintf(reason, sizeof(reason),
		         "only %zu of %zu submitters sent their vector; the threshold is %u", ni,
		         nsubs, t);
		r = s_finish(ctx, sa, NULL, ni, t, reason);
	} else {
		if (ni > 1)
			qsort(incl, ni, sizeof(*incl), s_id_cmp);
		r = s_announce(ctx, sa, subs, nsubs, incl, ni, t);
	}
out:
	free(incl);
	store_secagg_msgs_free(&v, nv);
	return r;
}

/* Confirming: when every included member confirmed, or at the deadline, ask for unmasking. */
static int
s_confirming(struct rounds_ctx *ctx, struct store_secagg *sa, size_t nincl, uint32_t t, int late,
             int *moved)
{
	char reason[128];
	int held = store_secagg_msg_count(ctx->park->store, sa->round, SECAGG_CONFIRM);

	if (held < 0)
		return held;
	if ((size_t)held < nincl && !late)
		return SYM_OK;
	*moved = 1;
	if ((uint32_t)held < t) {
		snprintf(reason, sizeof(reason),
		         "only %d of %zu included members confirmed the set; the threshold is %u",
		         held, nincl, t);
		return s_finish(ctx, sa, NULL, nincl, t, reason);
	}
	sa->stage = SECAGG_UNMASKING;
	sa->deadline_ms = (int64_t)wire_now_ms() + sa->window_ms;
	return store_secagg_put(ctx->park->store, sa);
}

/* Unmasking: sum as soon as the answers suffice; fail at the deadline if they never do. */
static int
s_unmasking(struct rounds_ctx *ctx, struct store_secagg *sa, const Symbiod__IncludedSet *inc,
            int late, int *moved)
{
	const struct ind_layout *l = NULL;
	struct sym_diag why = {""};
	uint64_t *sums = NULL;
	int r, ready = 0;

	if ((r = indicators_layout(ctx, &l)) != SYM_OK)
		return r;
	if ((sums = calloc(l->ncells + 1, sizeof(*sums))) == NULL)
		return SYM_ERR_ALLOC;
	r = indicators_sum(ctx, sa, inc, sums, &ready, &why);
	if (r == SYM_ERR_VERIFY) {
		*moved = 1;
		r = s_finish(ctx, sa, NULL, inc->n_included, inc->threshold, why.msg);
	} else if (r == SYM_OK && ready) {
		*moved = 1;
		r = s_finish(ctx, sa, sums, inc->n_included, inc->threshold, NULL);
	} else if (r == SYM_OK && late) {
		*moved = 1;
		r = s_finish(ctx, sa, NULL, inc->n_included, inc->threshold,
		             why.msg[0] ? why.msg : "too few members answered the unmasking");
	}
	sodium_memzero(sums, l->ncells * sizeof(*sums));
	free(sums);
	return r;
}

/* One step of the round's stage machine; *moved when the stage changed. */
static int
s_step(struct rounds_ctx *ctx, struct store_secagg *sa, int64_t now, int *moved)
{
	Symbiod__IncludedSet *inc = NULL;
	char **subs = NULL;
	size_t nsubs = 0;
	int late = now >= sa->deadline_ms, r;

	*moved = 0;
	if (sa->stage < SECAGG_COLLECTING || sa->stage > SECAGG_UNMASKING)
		return SYM_OK;
	if ((r = indicators_ids(sa->submitters, &subs, &nsubs)) != SYM_OK)
		return r;
	if (sa->stage == SECAGG_COLLECTING) {
		r = s_collecting(ctx, sa, subs, nsubs, late, moved);
	} else if ((r = indicators_included(sa, &inc)) == SYM_OK) {
		if (sa->stage == SECAGG_CONFIRMING)
			r = s_confirming(ctx, sa, inc->n_included, inc->threshold, late, moved);
		else
			r = s_unmasking(ctx, sa, inc, late, moved);
	}
	wire_free((ProtobufCMessage *)inc);
	store_strings_free(subs, nsubs);
	return r;
}

int
indicators_advance(struct rounds_ctx *ctx, const uint8_t round[16])
{
	struct store_secagg sa;
	int r, moved = 1;

	while (moved) {
		memset(&sa, 0, sizeof(sa));
		if ((r = store_secagg_get(ctx->park->store, round, &sa)) != SYM_OK)
			return r == SYM_ERR_NOT_FOUND ? SYM_OK : r;
		r = s_step(ctx, &sa, (int64_t)wire_now_ms(), &moved);
		store_secagg_clear(&sa);
		if (r != SYM_OK)
			return r;
	}
	return SYM_OK;
}

/*
 * The sealed shares of finished rounds, a slice at a time within a small
 * budget per tick: n^2 rows a round (4 million at 2,000 submitters, about
 * 13 s to delete here), which inside the request that finished the round
 * kept that member and every other waiting past its timeout.
 */
#define INDICATORS_SWEEP_SLICE 5000
#define INDICATORS_SWEEP_BUDGET_S 0.05

static void
s_sweep_shares(struct rounds_ctx *ctx)
{
	double start = util_now();
	size_t deleted = 0;

	while (ctx->shares_to_sweep && util_now() - start < INDICATORS_SWEEP_BUDGET_S) {
		if (store_begin(ctx->park->store) != SYM_OK)
			return;
		if (store_secagg_shares_sweep(ctx->park->store, INDICATORS_SWEEP_SLICE, &deleted) !=
		        SYM_OK ||
		    store_commit(ctx->park->store) != SYM_OK) {
			store_rollback(ctx->park->store);
			log_warn("park indicators: cannot delete the sealed shares of finished "
			         "rounds (tried again at the next tick)");
			return;
		}
		if (deleted < INDICATORS_SWEEP_SLICE)
			ctx->shares_to_sweep = 0;
	}
}

void
indicators_tick(struct rounds_ctx *ctx)
{
	uint8_t(*rounds)[STORE_ID_LEN] = NULL;
	struct store_secagg sa;
	uint64_t log_size = 0;
	size_t n = 0, i;
	int r;

	if (store_secagg_active(ctx->park->store, &rounds, &n) != SYM_OK)
		return;
	for (i = 0; i < n; i++) {
		memset(&sa, 0, sizeof(sa));
		if (store_secagg_get(ctx->park->store, rounds[i], &sa) != SYM_OK)
			continue;
		r = (int64_t)wire_now_ms() >= sa.deadline_ms;
		store_secagg_clear(&sa);
		if (!r)
			continue;
		if (rounds_tx_begin(ctx, &log_size) != SYM_OK)
			break;
		if ((r = indicators_advance(ctx, rounds[i])) != SYM_OK ||
		    (r = store_commit(ctx->park->store)) != SYM_OK) {
			rounds_tx_abort(ctx, log_size);
			log_err("park indicators: cannot move a round on: %s", sym_strerror(r));
		}
	}
	free(rounds);
	s_sweep_shares(ctx);
}

const char *
indicators_state_name(struct rounds_ctx *ctx, const uint8_t round[16])
{
	static const char *const names[] = {"collecting", "done", "failed"};
	struct store_indicator_round ir;

	if (store_indicator_round_get(ctx->park->store, round, &ir) != SYM_OK)
		return NULL;
	return names[ir.state];
}
