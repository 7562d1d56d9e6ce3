/* The round lifecycle: open, close (the matching runs), end, status, deadlines. */
#include "rounds.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auditlog.h"
#include "indicators.h"
#include "log.h"
#include "protocol.h"
#include "rounds_internal.h"
#include "token.h"
#include "tokset.h"
#include "util.h"
#include "wire.h"

/*
 * The size classes (PROTOCOL.md 3.2, "Size classes"). Measured on the parks
 * in tests/parks, examples and the reference scenarios with the strides of
 * protocol 1.2 (token.h): a company's offers cost 0 to 634 tokens, its needs
 * 0 to 392; so a floor of 1,024 offer and 512 need tokens puts every company
 * of those parks in the floor class, as 2,048 and 256 did with stride 1
 * (offers up to 1,518, needs up to 125). The maximums bound what one member
 * can probe per counterpart and round (a set of n tokens tests at most n
 * (category, prefix) hypotheses) yet take the costliest items of the
 * taxonomy: an offer of water.wastewater.food_industry with its four
 * attributes costs 4,680 tokens (81,180 at stride 1); a need there that
 * bounds every dimension costs more with strides (the costliest of the
 * synthetic park of symbi-bench: 35,689 tokens, 3,199 at stride 1).
 * Together 73,728 hypotheses per counterpart, against 135,168 before.
 *
 * A hardened round keeps stride 1 (its query batch, every element two scalar
 * multiplications on each side, is the need floor's class), so it keeps the
 * sizes chosen for stride 1.
 *
 * A round of token encoding 1 (--token-encoding 1: members still on
 * protocol 1.1) takes 1.1's sizes, which its stride-1 offers need.
 */
#define ROUND_DEFAULT_PAD_OFFERS 1024
#define ROUND_DEFAULT_PAD_NEEDS 512
#define ROUND_DEFAULT_MAX_OFFER 8192
#define ROUND_DEFAULT_MAX_NEED 65536
#define ROUND_HARD_PAD_OFFERS 2048
#define ROUND_HARD_PAD_NEEDS 256
#define ROUND_HARD_MAX_OFFER 131072
#define ROUND_V1_PAD_OFFERS 2048
#define ROUND_V1_PAD_NEEDS 256
#define ROUND_V1_MAX_OFFER 131072
#define ROUND_V1_MAX_NEED 4096
#define ROUND_DEFAULT_MAX_ITEMS 200
/* Each hardened phase's default length: a silent member holds a round up no longer. */
#define ROUND_HARD_MINUTES 60

static const char *const s_phase_names[] = {"none", "open", "consent", "ended"};

const char *
rounds_phase_name(int phase)
{
	return s_phase_names[phase];
}

void
rounds_default_opts(struct round_open_opts *o, int hardened, uint32_t token_encoding)
{
	int v1 = token_encoding == TOKEN_VERSION_1;

	memset(o, 0, sizeof(*o));
	o->hardened = hardened;
	o->token_encoding = token_encoding;
	o->pad_offers = hardened ? ROUND_HARD_PAD_OFFERS
	                : v1     ? ROUND_V1_PAD_OFFERS
	                         : ROUND_DEFAULT_PAD_OFFERS;
	o->pad_needs = hardened ? ROUND_HARD_PAD_NEEDS
	               : v1     ? ROUND_V1_PAD_NEEDS
	                        : ROUND_DEFAULT_PAD_NEEDS;
	o->max_items = ROUND_DEFAULT_MAX_ITEMS;
}

/* ---- open ------------------------------------------------------------------- */

/*
 * One direction's maximum: the default (raised to the floor's class) when
 * not given; with a fixed size, that size. 0 when the options contradict.
 */
static uint32_t
s_max_for(uint32_t given, uint32_t floor, uint32_t fixed, uint32_t dflt)
{
	size_t lowest = tokset_size_class(0, floor, fixed);

	if (fixed > 0)
		return given == 0 || given == fixed ? fixed : 0;
	if (given == 0)
		return (uint32_t)(lowest > dflt ? lowest : dflt);
	return given >= lowest ? given : 0;
}

/*
 * The size policy the round announces, from the options: floors, fixed
 * size, maximums, all within ROUNDS_MAX_SET_TOKENS. Says why not in diag.
 */
static int
s_sizes(const struct round_open_opts *opts, struct store_round_sizes *sz, struct sym_diag *diag)
{
	const uint32_t cap = ROUNDS_MAX_SET_TOKENS;

	if (opts->pad_offers > cap || opts->pad_needs > cap || opts->fixed_size > cap ||
	    opts->max_offer > cap || opts->max_need > cap)
		return sym_diag_set(diag, SYM_ERR_INVALID,
		                    "round sizes: floors, --fixed-size and maximums are at most %u "
		                    "tokens",
		                    cap);
	sz->offer_floor = opts->pad_offers;
	sz->need_floor = opts->pad_needs;
	sz->fixed_size = opts->fixed_size;
	sz->max_offer =
	    s_max_for(opts->max_offer, opts->pad_offers, opts->fixed_size,
	              opts->hardened                            ? ROUND_HARD_MAX_OFFER
	              : opts->token_encoding == TOKEN_VERSION_1 ? ROUND_V1_MAX_OFFER
	                                                        : ROUND_DEFAULT_MAX_OFFER);
	/*
	 * A hardened query batch has exactly max_need elements, each costing both
	 * sides scalar multiplications: by default the need floor's class.
	 */
	sz->max_need =
	    s_max_for(opts->max_need, opts->pad_needs, opts->fixed_size,
	              opts->hardened                            ? 0
	              : opts->token_encoding == TOKEN_VERSION_1 ? ROUND_V1_MAX_NEED
	                                                        : ROUND_DEFAULT_MAX_NEED);
	if (sz->max_offer == 0 || sz->max_need == 0 ||
	    tokset_size_class(0, sz->offer_floor, 0) > cap ||
	    tokset_size_class(0, sz->need_floor, 0) > cap)
		return sym_diag_set(
		    diag, SYM_ERR_INVALID,
		    opts->fixed_size > 0
		        ? "round sizes: with --fixed-size the maximums are the fixed size"
		        : "round sizes: --max-offer and --max-need must be at least the floor's "
		          "class (the power of two at or above --pad-offers, --pad-needs)");
	return SYM_OK;
}

/* The size policy in status: what the announcement says, 0 for "none". */
static json_t *
s_sizes_json(const struct store_round_sizes *sz)
{
	return json_pack("{s:I, s:I, s:I, s:I, s:I}", "offer_floor", (json_int_t)sz->offer_floor,
	                 "need_floor", (json_int_t)sz->need_floor, "fixed_size",
	                 (json_int_t)sz->fixed_size, "max_offer", (json_int_t)sz->max_offer,
	                 "max_need", (json_int_t)sz->max_need);
}

/* Options in range, and the latest round (if any) ended. */
static int
s_may_open(struct rounds_ctx *ctx, const struct round_open_opts *opts, struct store_round_sizes *sz,
           struct sym_diag *diag)
{
	struct store_round latest;
	int r;

	if (opts->max_items == 0 || opts->max_items > 1000 || opts->submit_minutes < 0 ||
	    opts->consent_minutes < 0 || opts->indicator_seconds < 0 ||
	    opts->indicator_seconds > INDICATORS_MAX_WINDOW_S)
		return sym_diag_set(diag, SYM_ERR_INVALID, "round options out of range");
	if ((r = s_sizes(opts, sz, diag)) != SYM_OK)
		return r;
	r = store_round_latest(ctx->park->store, &latest);
	if (r == SYM_OK) {
		int phase = latest.phase;
		store_round_clear(&latest);
		if (phase != ROUND_ENDED)
			return sym_diag_set(diag, SYM_ERR_EXISTS,
			                    "round is still %s; end it first (symbiod round %s)",
			                    s_phase_names[phase],
			                    phase == ROUND_OPEN ? "close" : "end");
	} else if (r != SYM_ERR_NOT_FOUND) {
		return sym_diag_set(diag, r, "store: %s", sym_strerror(r));
	}
	return SYM_OK;
}

/*
 * A member enrolled before keys were checked (protocol 1.1) may hold a
 * low-order key: every client would refuse the round's directory, so the
 * operator is told whom to revoke instead.
 */
static int
s_member_keys(const struct store_member *m, struct sym_diag *diag)
{
	struct sym_diag why = {""};
	int r;

	if ((r = member_keys_valid(&m->rec, &why)) == SYM_OK)
		return SYM_OK;
	return sym_diag_set(
	    diag, r, "cannot open a round: %s (revoke it: symbiod revoke --dir PARK --id %s)",
	    why.msg, m->rec.id);
}

/* The round's directory: every active member now, in id order (borrowed strings). */
static int
s_round_directory(struct rounds_ctx *ctx, char ***ids_out, size_t *n_out, struct sym_diag *diag)
{
	char **ids;
	size_t n = 0, i;
	int r;

	if ((ids = calloc(ctx->nmembers + 1, sizeof(*ids))) == NULL)
		return sym_diag_set(diag, SYM_ERR_ALLOC, "out of memory");
	for (i = 0; i < ctx->nmembers; i++) {
		if (ctx->members[i].revoked)
			continue;
		if ((r = s_member_keys(&ctx->members[i], diag)) != SYM_OK) {
			free(ids);
			return r;
		}
		ids[n++] = (char *)ctx->members[i].rec.id;
	}
	if (n < 2) {
		free(ids);
		return sym_diag_set(diag, SYM_ERR_INVALID,
		                    "a round needs at least two active members (the park has %zu)",
		                    n);
	}
	*ids_out = ids;
	*n_out = n;
	return SYM_OK;
}

/*
 * Hardened mode in the announcement: the mode and the deadlines of the query
 * and evaluate phases, each after the one before (default ROUND_HARD_MINUTES).
 */
static void
s_announce_hardened(const struct round_open_opts *opts, Symbiod__RoundAnnouncement *ann)
{
	int64_t q = opts->query_minutes > 0 ? opts->query_minutes : ROUND_HARD_MINUTES;
	int64_t e = opts->evaluate_minutes > 0 ? opts->evaluate_minutes : ROUND_HARD_MINUTES;

	ann->mode = (char *)"hardened";
	ann->has_query_deadline_ms = ann->has_evaluate_deadline_ms = 1;
	ann->query_deadline_ms = ann->opened_ms + (uint64_t)q * 60000u;
	ann->evaluate_deadline_ms = ann->query_deadline_ms + (uint64_t)e * 60000u;
}

/* Sign the new round's announcement into rd (id, times, packed announcement). */
static int
s_announce(struct rounds_ctx *ctx, const struct round_open_opts *opts, struct store_round *rd,
           int64_t *query_deadline, int64_t *evaluate_deadline, struct sym_diag *diag)
{
	Symbiod__RoundAnnouncement ann = SYMBIOD__ROUND_ANNOUNCEMENT__INIT;
	Symbiod__PaddingPolicy pad = SYMBIOD__PADDING_POLICY__INIT;
	uint8_t dir_hash[32], sig[64];
	int r;

	park_directory_hash(ctx->members, ctx->nmembers, dir_hash);
	randombytes_buf(rd->id, sizeof(rd->id));
	pad.offer_tokens = rd->sizes.offer_floor;
	pad.need_tokens = rd->sizes.need_floor;
	pad.quantum = 0; /* version 1's rounding; size classes replace it */
	ann.has_fixed_size = rd->sizes.fixed_size > 0;
	ann.fixed_size = rd->sizes.fixed_size;
	ann.has_max_offer = ann.has_max_need = 1;
	ann.max_offer = rd->sizes.max_offer;
	ann.max_need = rd->sizes.max_need;
	ann.round_id.data = rd->id;
	ann.round_id.len = 16;
	ann.directory_hash.data = dir_hash;
	ann.directory_hash.len = 32;
	ann.taxonomy_hash.data = (uint8_t *)ctx->taxonomy_hash;
	ann.taxonomy_hash.len = 32;
	ann.padding = &pad;
	ann.max_items = opts->max_items;
	ann.opened_ms = wire_now_ms();
	if (opts->hardened)
		s_announce_hardened(opts, &ann);
	if (opts->submit_minutes > 0) {
		ann.has_submit_deadline_ms = 1;
		ann.submit_deadline_ms =
		    (ann.has_evaluate_deadline_ms ? ann.evaluate_deadline_ms : ann.opened_ms) +
		    (uint64_t)opts->submit_minutes * 60000u;
	}
	if (opts->consent_minutes > 0) {
		ann.has_consent_deadline_ms = 1;
		ann.consent_deadline_ms = (ann.has_submit_deadline_ms     ? ann.submit_deadline_ms
		                           : ann.has_evaluate_deadline_ms ? ann.evaluate_deadline_ms
		                                                          : ann.opened_ms) +
		                          (uint64_t)opts->consent_minutes * 60000u;
	}
	ann.phase = (char *)"open";
	/* Said either way: a member reads the retention promise in what was signed. */
	ann.has_keep_batches = 1;
	ann.keep_batches = opts->keep_batches != 0;
	/* Reach: announced when finite; members farther apart exchange no batches. */
	if ((r = rounds_reach_policy(ctx, opts->max_reach_m, &ann.max_reach_m, diag)) != SYM_OK)
		return r;
	ann.has_max_reach_m = ann.max_reach_m != SITE_REACH_UNLIMITED;
	/* Encoding 1 is announced as 1.1 announced it, without the field: 1.1 clients take it. */
	ann.has_token_encoding = opts->token_encoding != TOKEN_VERSION_1;
	ann.token_encoding = opts->token_encoding;
	if ((r = protocol_announcement_sign(&ann, ctx->park->sign->sk, sig)) != SYM_OK ||
	    (r = wire_pack(&ann.base, &rd->announcement, &rd->announcement_len)) != SYM_OK)
		return sym_diag_set(diag, r, "cannot sign the announcement: %s", sym_strerror(r));
	rd->opened_ms = (int64_t)ann.opened_ms;
	rd->submit_deadline_ms = (int64_t)ann.submit_deadline_ms;
	rd->consent_deadline_ms = (int64_t)ann.consent_deadline_ms;
	rd->keep_batches = ann.keep_batches;
	*query_deadline = (int64_t)ann.query_deadline_ms;
	*evaluate_deadline = (int64_t)ann.evaluate_deadline_ms;
	return SYM_OK;
}

/* Store the new round and log it, in one transaction. */
static int
s_record_open(struct rounds_ctx *ctx, const struct store_round *rd, char **ids, size_t n,
              int64_t indicator_seconds, int hardened, const int64_t hard_deadlines[2])
{
	uint64_t log_size = 0;
	int r;

	if ((r = rounds_tx_begin(ctx, &log_size)) != SYM_OK)
		return r;
	if ((r = store_round_create(ctx->park->store, rd, ids, n)) != SYM_OK ||
	    (r = indicators_opened(ctx, rd->id, indicator_seconds)) != SYM_OK ||
	    (hardened && (r = rounds_hard_record(ctx, rd, rd->sizes.max_need, hard_deadlines[0],
	                                         hard_deadlines[1])) != SYM_OK) ||
	    (r = rounds_log(ctx, "round_opened",
	                    json_pack("{s:o, s:o}", "round", auditlog_hex(rd->id, 16),
	                              "announcement",
	                              auditlog_b64(rd->announcement, rd->announcement_len)),
	                    NULL, NULL, NULL)) != SYM_OK ||
	    (r = store_commit(ctx->park->store)) != SYM_OK)
		rounds_tx_abort(ctx, log_size);
	return r;
}

int
rounds_open(struct rounds_ctx *ctx, const struct round_open_opts *opts, json_t **result,
            struct sym_diag *diag)
{
	struct store_round rd;
	char **ids = NULL, hex[33];
	int64_t deadlines[2] = {0, 0};
	size_t n = 0;
	int r;

	memset(&rd, 0, sizeof(rd));
	if ((r = s_may_open(ctx, opts, &rd.sizes, diag)) != SYM_OK ||
	    (r = s_round_directory(ctx, &ids, &n, diag)) != SYM_OK ||
	    (r = s_announce(ctx, opts, &rd, &deadlines[0], &deadlines[1], diag)) != SYM_OK)
		goto out;
	if ((r = s_record_open(ctx, &rd, ids, n, opts->indicator_seconds, opts->hardened,
	                       deadlines)) != SYM_OK) {
		sym_diag_set(diag, r, "store: cannot record the round: %s", sym_strerror(r));
		goto out;
	}
	util_hex(rd.id, 16, hex);
	log_notice(
	    "round %s opened for %zu members%s%s", hex, n, opts->hardened ? " (hardened)" : "",
	    opts->token_encoding == TOKEN_VERSION_1 ? " in token encoding 1 (protocol 1.1)" : "");
	*result = json_pack("{s:s, s:s, s:i, s:o}", "round", hex, "phase",
	                    opts->hardened ? "query" : "open", "members", (int)n, "sizes",
	                    s_sizes_json(&rd.sizes));
	if (opts->hardened)
		json_object_set_new(*result, "mode", json_string("hardened"));
	json_object_set_new(*result, "token_encoding", json_integer(opts->token_encoding));
out:
	free(ids);
	store_round_clear(&rd);
	return r;
}

/* ---- close ------------------------------------------------------------------ */

/* Members revoked since submitting are out of the matching; logs who is in. */
static int
s_log_close(struct rounds_ctx *ctx, const uint8_t round[16], uint64_t reach_m, char **subs,
            size_t nsubs, size_t *live_out, struct sym_diag *diag)
{
	json_t *list;
	size_t a, live = 0;
	int r;

	for (a = 0; a < nsubs; a++) {
		const struct store_member *m = rounds_member(ctx, subs[a]);
		if (m == NULL || m->revoked) {
			free(subs[a]);
			subs[a] = NULL;
		} else {
			live++;
		}
	}
	list = json_array();
	for (a = 0; a < nsubs; a++)
		if (subs[a] != NULL)
			json_array_append_new(list, json_string(subs[a]));
	r = rounds_log(ctx, "round_closed",
	               json_pack("{s:o, s:o, s:I}", "round", auditlog_hex(round, 16), "submitted",
	                         list, "pairs",
	                         (json_int_t)rounds_reach_pairs(ctx, reach_m, subs, nsubs)),
	               NULL, NULL, NULL);
	if (r != SYM_OK)
		return sym_diag_set(diag, r, "cannot log the close: %s", sym_strerror(r));
	*live_out = live;
	return SYM_OK;
}

/* The close in one transaction: who is in, the match, the move to consent. */
static int
s_record_close(struct rounds_ctx *ctx, const struct store_round *rd, char **subs, size_t nsubs,
               size_t *live, uint64_t *pairs, uint64_t *total, struct sym_diag *diag)
{
	uint64_t log_size = 0, reach_m = 0;
	int r;

	/* Pairs farther apart than the announced reach sent no batches: not joined. */
	if ((r = rounds_reach_of(rd, &reach_m)) != SYM_OK)
		return sym_diag_set(diag, r, "cannot read the round's announcement: %s",
		                    sym_strerror(r));
	if ((r = rounds_tx_begin(ctx, &log_size)) != SYM_OK)
		return sym_diag_set(diag, r, "store: %s", sym_strerror(r));
	if ((r = s_log_close(ctx, rd->id, reach_m, subs, nsubs, live, diag)) != SYM_OK ||
	    (r = rounds_match(ctx, rd->id, reach_m, subs, nsubs, pairs, total, diag)) != SYM_OK)
		goto fail;
	if ((r = store_round_set_phase(ctx->park->store, rd->id, ROUND_CONSENT,
	                               (int64_t)wire_now_ms())) != SYM_OK ||
	    (r = store_commit(ctx->park->store)) != SYM_OK) {
		sym_diag_set(diag, r, "store: cannot close the round: %s", sym_strerror(r));
		goto fail;
	}
	return SYM_OK;
fail:
	rounds_tx_abort(ctx, log_size);
	return r;
}

int
rounds_close(struct rounds_ctx *ctx, json_t **result, struct sym_diag *diag)
{
	struct store_round rd;
	char **subs = NULL, hex[33];
	size_t nsubs = 0, live = 0;
	uint64_t total = 0, pairs = 0;
	double t0 = util_now();
	int r;

	if ((r = store_round_latest(ctx->park->store, &rd)) != SYM_OK)
		return sym_diag_set(diag, r,
		                    "no round to close (open one with: symbiod round open)");
	if (rd.phase != ROUND_OPEN) {
		r = sym_diag_set(diag, SYM_ERR_INVALID, "the round is not open (it is %s)",
		                 s_phase_names[rd.phase]);
		goto out;
	}
	if ((r = rounds_hard_may_close(ctx, &rd, diag)) != SYM_OK)
		goto out;
	if ((r = store_round_submitters(ctx->park->store, rd.id, &subs, &nsubs)) != SYM_OK) {
		sym_diag_set(diag, r, "store: %s", sym_strerror(r));
		goto out;
	}
	if ((r = s_record_close(ctx, &rd, subs, nsubs, &live, &pairs, &total, diag)) != SYM_OK)
		goto out;
	util_hex(rd.id, 16, hex);
	log_notice("round %s closed: %zu submissions, %llu pairs joined, %llu candidates, %.3f s",
	           hex, live, (unsigned long long)pairs, (unsigned long long)total,
	           util_now() - t0);
	*result =
	    json_pack("{s:s, s:s, s:i, s:I, s:I}", "round", hex, "phase", "consent", "submitted",
	              (int)live, "pairs", (json_int_t)pairs, "candidates", (json_int_t)total);
out:
	store_strings_free(subs, nsubs);
	store_round_clear(&rd);
	return r;
}

/* ---- end, status, deadlines ------------------------------------------------- */

/* The round's token batches and, of a hardened round, its query and answer batches. */
static int
s_drop_batches(struct store *st, const uint8_t round[16])
{
	int t, h;

	if ((t = store_round_drop_batches(st, round)) < 0)
		return t;
	if ((h = store_hard_drop_batches(st, round)) < 0)
		return h;
	return t + h;
}

/*
 * Expire what is unanswered, delete the token batches unless the round keeps
 * them, and end the round, in one transaction: a round never ends with its
 * batches left behind by a failure half-way.
 */
static int
s_record_end(struct rounds_ctx *ctx, const struct store_round *rd, int *expired, int *dropped)
{
	struct store *st = ctx->park->store;
	const uint8_t *round = rd->id;
	uint64_t log_size = 0;
	int r;

	*dropped = 0;
	if ((r = rounds_tx_begin(ctx, &log_size)) != SYM_OK)
		return r;
	if ((*expired = store_round_expire(st, round)) < 0)
		r = *expired;
	else if (!rd->keep_batches && (*dropped = s_drop_batches(st, round)) < 0)
		r = *dropped;
	else if ((r = store_round_set_phase(st, round, ROUND_ENDED, (int64_t)wire_now_ms())) ==
	             SYM_OK &&
	         (r = rounds_log(ctx, "round_ended",
	                         json_pack("{s:o, s:i}", "round", auditlog_hex(round, 16),
	                                   "expired", *expired),
	                         NULL, NULL, NULL)) == SYM_OK &&
	         (r = indicators_ended(ctx, round)) == SYM_OK)
		r = store_commit(st);
	if (r != SYM_OK)
		rounds_tx_abort(ctx, log_size);
	return r;
}

int
rounds_end(struct rounds_ctx *ctx, json_t **result, struct sym_diag *diag)
{
	struct store_round rd;
	char hex[33];
	int r, expired = 0, dropped = 0;

	if ((r = store_round_latest(ctx->park->store, &rd)) != SYM_OK)
		return sym_diag_set(diag, r, "no round to end");
	if (rd.phase != ROUND_CONSENT) {
		r = sym_diag_set(diag, SYM_ERR_INVALID,
		                 "the round is %s; only a round in consent ends",
		                 s_phase_names[rd.phase]);
		goto out;
	}
	if ((r = s_record_end(ctx, &rd, &expired, &dropped)) != SYM_OK) {
		sym_diag_set(diag, r, "store: cannot end the round: %s", sym_strerror(r));
		goto out;
	}
	util_hex(rd.id, 16, hex);
	/* The round has ended either way; a WAL still holding old pages is the operator's to know.
	 */
	if (!rd.keep_batches && store_wal_truncate(ctx->park->store) != SYM_OK)
		log_err("round %s: the deleted token batches may survive in the WAL until the next "
		        "checkpoint: %s",
		        hex, store_errmsg(ctx->park->store));
	log_notice("round %s ended: %d unanswered candidates expired; token batches %s (%d)", hex,
	           expired, rd.keep_batches ? "kept" : "deleted", dropped);
	*result = json_pack("{s:s, s:s, s:i, s:s}", "round", hex, "phase", "ended", "expired",
	                    expired, "batches", rd.keep_batches ? "kept" : "deleted");
out:
	store_round_clear(&rd);
	return r;
}

json_t *
rounds_status(struct rounds_ctx *ctx)
{
	struct store_round rd;
	char **ids = NULL, hex[33];
	size_t n = 0;
	int64_t counts[4], submitted = 0;
	uint64_t reach_m = 0;
	uint32_t encoding = 0;
	json_t *j;

	if (store_round_latest(ctx->park->store, &rd) != SYM_OK)
		return json_pack("{s:s, s:n}", "phase", "none", "round");
	if (store_round_members(ctx->park->store, rd.id, &ids, &n) != SYM_OK ||
	    store_round_counts(ctx->park->store, rd.id, counts, &submitted) != SYM_OK) {
		store_round_clear(&rd);
		return json_pack("{s:s}", "error", "store unavailable");
	}
	util_hex(rd.id, 16, hex);
	j = json_pack(
	    "{s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:{s:I, s:I, s:I, s:I}}", "round", hex,
	    "phase", s_phase_names[rd.phase], "opened_ms", (json_int_t)rd.opened_ms, "closed_ms",
	    (json_int_t)rd.closed_ms, "ended_ms", (json_int_t)rd.ended_ms, "submit_deadline_ms",
	    (json_int_t)rd.submit_deadline_ms, "consent_deadline_ms",
	    (json_int_t)rd.consent_deadline_ms, "members", (json_int_t)n, "submitted",
	    (json_int_t)submitted, "candidates", "pending", (json_int_t)counts[CANDIDATE_PENDING],
	    "agreed", (json_int_t)counts[CANDIDATE_AGREED], "declined",
	    (json_int_t)counts[CANDIDATE_DECLINED], "expired",
	    (json_int_t)counts[CANDIDATE_EXPIRED]);
	json_object_set_new(j, "keep_batches", json_boolean(rd.keep_batches));
	json_object_set_new(j, "sizes", s_sizes_json(&rd.sizes));
	json_object_set_new(j, "token_encoding",
	                    rounds_encoding_of(&rd, &encoding) == SYM_OK ? json_integer(encoding)
	                                                                 : json_null());
	json_object_set_new(j, "phase", json_string(rounds_phase_shown(ctx, &rd)));
	rounds_hard_status(ctx, &rd, j);
	if (rd.phase == ROUND_ENDED && indicators_state_name(ctx, rd.id) != NULL)
		json_object_set_new(j, "indicators",
		                    json_string(indicators_state_name(ctx, rd.id)));
	/* Reach: the announced largest reach in metres, null when unlimited. */
	json_object_set_new(j, "max_reach_m",
	                    rounds_reach_of(&rd, &reach_m) == SYM_OK &&
	                            reach_m != SITE_REACH_UNLIMITED
	                        ? json_integer((json_int_t)reach_m)
	                        : json_null());
	store_strings_free(ids, n);
	store_round_clear(&rd);
	return j;
}

const char *
rounds_phase(struct rounds_ctx *ctx, uint8_t id[16], int *has_id)
{
	struct store_round rd;
	const char *name;

	*has_id = 0;
	if (store_round_latest(ctx->park->store, &rd) != SYM_OK)
		return "none";
	memcpy(id, rd.id, 16);
	*has_id = 1;
	name = rounds_phase_shown(ctx, &rd);
	store_round_clear(&rd);
	return name;
}

void
rounds_tick(struct rounds_ctx *ctx)
{
	struct sym_diag diag = {""};
	struct store_round rd;
	json_t *res = NULL;
	int64_t now = (int64_t)wire_now_ms();

	if (store_round_latest(ctx->park->store, &rd) != SYM_OK)
		return;
	if (rounds_hard_tick(ctx, &rd)) {
		/* A hardened round's phases before the close are its own. */
	} else if (rd.phase == ROUND_OPEN && rd.submit_deadline_ms > 0 &&
	           now >= rd.submit_deadline_ms) {
		log_notice("submission deadline passed: closing the round");
		if (rounds_close(ctx, &res, &diag) != SYM_OK)
			log_err("cannot close the round: %s", diag.msg);
	} else if (rd.phase == ROUND_CONSENT && rd.consent_deadline_ms > 0 &&
	           now >= rd.consent_deadline_ms) {
		log_notice("consent deadline passed: ending the round");
		if (rounds_end(ctx, &res, &diag) != SYM_OK)
			log_err("cannot end the round: %s", diag.msg);
	}
	json_decref(res);
	store_round_clear(&rd);
	indicators_tick(ctx);
}
