#include "rounds.h"

#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auditlog.h"
#include "log.h"
#include "protocol.h"
#include "util.h"
#include "wire.h"

#define ROUND_DEFAULT_PAD_OFFERS 512
#define ROUND_DEFAULT_PAD_NEEDS 128
#define ROUND_DEFAULT_QUANTUM 64
#define ROUND_DEFAULT_MAX_ITEMS 200

static const char *const s_phase_names[] = {"none", "open", "consent", "ended"};

void
rounds_default_opts(struct round_open_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->pad_offers = ROUND_DEFAULT_PAD_OFFERS;
	o->pad_needs = ROUND_DEFAULT_PAD_NEEDS;
	o->quantum = ROUND_DEFAULT_QUANTUM;
	o->max_items = ROUND_DEFAULT_MAX_ITEMS;
}

static int
s_refuse(int32_t *status, char msg[256], int32_t code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int
s_refuse(int32_t *status, char msg[256], int32_t code, const char *fmt, ...)
{
	va_list ap;

	*status = code;
	va_start(ap, fmt);
	vsnprintf(msg, 256, fmt, ap);
	va_end(ap);
	return SYM_OK;
}

static void
s_hex16(const uint8_t id[16], char out[33])
{
	util_hex(id, 16, out);
}

static const struct store_member *
s_member(const struct rounds_ctx *ctx, const char *id)
{
	size_t i;

	for (i = 0; i < ctx->nmembers; i++)
		if (strcmp(ctx->members[i].rec.id, id) == 0)
			return &ctx->members[i];
	return NULL;
}

/* Append an audit-log entry; fields is released. */
static int
s_log(struct rounds_ctx *ctx, const char *kind, json_t *fields, uint64_t *index, uint8_t **bytes,
      size_t *len)
{
	uint64_t idx = 0;
	int r;

	if (fields == NULL)
		return SYM_ERR_ALLOC;
	r = auditlog_append(ctx->log, kind, fields, index ? index : &idx, bytes, len);
	json_decref(fields);
	return r;
}

/* What a member gets with an acknowledgement: its entry, where it is, and a checkpoint. */
struct proof_buf {
	Symbiod__LogProof msg;
	merkle_hash_t hashes[MERKLE_MAX_PROOF];
	ProtobufCBinaryData items[MERKLE_MAX_PROOF];
	char *checkpoint;
	uint8_t *entry;
};

static int
s_proof(struct rounds_ctx *ctx, uint64_t index, uint8_t *entry, size_t entry_len,
        struct proof_buf *pb)
{
	size_t n = 0, i;
	int r;

	memset(pb, 0, sizeof(*pb));
	symbiod__log_proof__init(&pb->msg);
	pb->entry = entry; /* owned from here */
	if ((r = auditlog_inclusion(ctx->log, index, auditlog_size(ctx->log), pb->hashes, &n)) !=
	        SYM_OK ||
	    (r = auditlog_checkpoint(ctx->log, &pb->checkpoint)) != SYM_OK)
		return r;
	for (i = 0; i < n; i++) {
		pb->items[i].data = pb->hashes[i];
		pb->items[i].len = 32;
	}
	pb->msg.index = index;
	pb->msg.tree_size = auditlog_size(ctx->log);
	pb->msg.n_inclusion = n;
	pb->msg.inclusion = pb->items;
	pb->msg.checkpoint = pb->checkpoint;
	pb->msg.entry.data = entry;
	pb->msg.entry.len = entry_len;
	return SYM_OK;
}

static void
s_proof_clear(struct proof_buf *pb)
{
	free(pb->checkpoint);
	free(pb->entry);
	memset(pb, 0, sizeof(*pb));
}

/* ---- operator commands ------------------------------------------------------ */

int
rounds_open(struct rounds_ctx *ctx, const struct round_open_opts *opts, json_t **result,
            struct sym_diag *diag)
{
	Symbiod__RoundAnnouncement ann = SYMBIOD__ROUND_ANNOUNCEMENT__INIT;
	Symbiod__PaddingPolicy pad = SYMBIOD__PADDING_POLICY__INIT;
	struct store_round latest, rd;
	struct store *st = ctx->park->store;
	uint8_t id[16], dir_hash[32], sig[64];
	char **ids = NULL, hex[33];
	size_t n = 0, i;
	uint64_t log_size = 0;
	int r, in_tx = 0;

	memset(&rd, 0, sizeof(rd));
	if (opts->quantum == 0 || opts->quantum > 65536 || opts->pad_offers > ROUNDS_MAX_SET_TOKENS ||
	    opts->pad_needs > ROUNDS_MAX_SET_TOKENS || opts->max_items == 0 ||
	    opts->max_items > 1000 || opts->submit_minutes < 0 || opts->consent_minutes < 0)
		return sym_diag_set(diag, SYM_ERR_INVALID, "round options out of range");
	r = store_round_latest(st, &latest);
	if (r == SYM_OK) {
		int phase = latest.phase;
		store_round_clear(&latest);
		if (phase != ROUND_ENDED)
			return sym_diag_set(diag, SYM_ERR_EXISTS,
			                    "round is still %s; end it first (symbiod round %s)",
			                    s_phase_names[phase], phase == ROUND_OPEN ? "close" : "end");
	} else if (r != SYM_ERR_NOT_FOUND) {
		return sym_diag_set(diag, r, "store: %s", sym_strerror(r));
	}
	/* The round's directory: every active member now, in id order. */
	if ((ids = calloc(ctx->nmembers + 1, sizeof(*ids))) == NULL)
		return sym_diag_set(diag, SYM_ERR_ALLOC, "out of memory");
	for (i = 0; i < ctx->nmembers; i++)
		if (!ctx->members[i].revoked)
			ids[n++] = (char *)ctx->members[i].rec.id;
	if (n < 2) {
		free(ids);
		return sym_diag_set(diag, SYM_ERR_INVALID,
		                    "a round needs at least two active members (the park has %zu)", n);
	}
	park_directory_hash(ctx->members, ctx->nmembers, dir_hash);
	randombytes_buf(id, sizeof(id));
	pad.offer_tokens = opts->pad_offers;
	pad.need_tokens = opts->pad_needs;
	pad.quantum = opts->quantum;
	ann.round_id.data = id;
	ann.round_id.len = 16;
	ann.directory_hash.data = dir_hash;
	ann.directory_hash.len = 32;
	ann.taxonomy_hash.data = (uint8_t *)ctx->taxonomy_hash;
	ann.taxonomy_hash.len = 32;
	ann.padding = &pad;
	ann.max_items = opts->max_items;
	ann.opened_ms = wire_now_ms();
	if (opts->submit_minutes > 0) {
		ann.has_submit_deadline_ms = 1;
		ann.submit_deadline_ms = ann.opened_ms + (uint64_t)opts->submit_minutes * 60000u;
	}
	if (opts->consent_minutes > 0) {
		ann.has_consent_deadline_ms = 1;
		ann.consent_deadline_ms = (ann.has_submit_deadline_ms ? ann.submit_deadline_ms
		                                                      : ann.opened_ms) +
		                          (uint64_t)opts->consent_minutes * 60000u;
	}
	ann.phase = (char *)"open";
	if ((r = protocol_announcement_sign(&ann, ctx->park->sign->sk, sig)) != SYM_OK ||
	    (r = wire_pack(&ann.base, &rd.announcement, &rd.announcement_len)) != SYM_OK) {
		sym_diag_set(diag, r, "cannot sign the announcement: %s", sym_strerror(r));
		goto out;
	}
	memcpy(rd.id, id, 16);
	rd.opened_ms = (int64_t)ann.opened_ms;
	rd.submit_deadline_ms = (int64_t)ann.submit_deadline_ms;
	rd.consent_deadline_ms = (int64_t)ann.consent_deadline_ms;
	if ((r = store_begin(st)) != SYM_OK)
		goto store_fail;
	in_tx = 1;
	log_size = auditlog_size(ctx->log);
	if ((r = store_round_create(st, &rd, ids, n)) != SYM_OK)
		goto store_fail;
	if ((r = s_log(ctx, "round_opened",
	               json_pack("{s:o, s:o}", "round", auditlog_hex(id, 16), "announcement",
	                         auditlog_b64(rd.announcement, rd.announcement_len)),
	               NULL, NULL, NULL)) != SYM_OK ||
	    (r = store_commit(st)) != SYM_OK)
		goto store_fail;
	in_tx = 0;
	s_hex16(id, hex);
	log_notice("round %s opened for %zu members", hex, n);
	*result = json_pack("{s:s, s:s, s:i}", "round", hex, "phase", "open", "members", (int)n);
	r = SYM_OK;
	goto out;
store_fail:
	sym_diag_set(diag, r, "store: cannot record the round: %s", sym_strerror(r));
out:
	if (in_tx) {
		store_rollback(st);
		auditlog_truncate(ctx->log, log_size);
	}
	free(ids);
	store_round_clear(&rd);
	return r;
}

/* Load token sets as big-endian byte strings and intersect them in memcmp order. */
static size_t
s_intersect(const uint8_t *a, size_t na, const uint8_t *b, size_t nb, uint8_t *out)
{
	size_t i = 0, j = 0, k = 0;

	while (i < na && j < nb) {
		int c = memcmp(a + 8 * i, b + 8 * j, 8);
		if (c < 0) {
			i++;
		} else if (c > 0) {
			j++;
		} else {
			memcpy(out + 8 * k++, a + 8 * i, 8);
			i++;
			j++;
		}
	}
	return k;
}

/* One ordered pair: supplier's offers for consumer against consumer's needs from supplier. */
static int
s_match_direction(struct rounds_ctx *ctx, const uint8_t round[16], const char *supplier,
                  const char *consumer, const uint8_t *offers, size_t offers_len,
                  const uint8_t *needs, size_t needs_len, uint64_t *total)
{
	struct store *st = ctx->park->store;
	size_t no = offers_len / 8, nn = needs_len / 8, nh, h;
	uint8_t *hits = calloc(1, 8 * (no < nn ? no : nn) + 8), hh[32];
	struct store_candidate c;
	json_t *cands = NULL;
	int r = SYM_OK;

	if (hits == NULL)
		return SYM_ERR_ALLOC;
	nh = s_intersect(offers, no, needs, nn, hits);
	if (nh > 0 && (cands = json_array()) == NULL)
		r = SYM_ERR_ALLOC;
	for (h = 0; h < nh && r == SYM_OK; h++) {
		memset(&c, 0, sizeof(c));
		memcpy(c.round, round, 16);
		snprintf(c.supplier, sizeof(c.supplier), "%s", supplier);
		snprintf(c.consumer, sizeof(c.consumer), "%s", consumer);
		memcpy(c.token, hits + 8 * h, 8);
		protocol_candidate_id(round, supplier, consumer, c.token, c.id);
		r = store_candidate_add(st, &c);
		if (r == SYM_OK && json_array_append_new(cands, json_pack("{s:o, s:o}", "id",
		                                                          auditlog_hex(c.id, 16), "token",
		                                                          auditlog_hex(c.token, 8))) != 0)
			r = SYM_ERR_ALLOC;
	}
	if (r == SYM_OK) {
		protocol_hits_hash(round, supplier, consumer, hits, nh, hh);
		r = store_pair_summary_add(st, round, supplier, consumer, nh, hh);
	}
	/* Pairs without a hit have no entry: a replay of the batches shows them empty. */
	if (r == SYM_OK && nh > 0) {
		r = s_log(ctx, "pair_matched",
		          json_pack("{s:o, s:s, s:s, s:I, s:o, s:O}", "round", auditlog_hex(round, 16),
		                    "supplier", supplier, "consumer", consumer, "count", (json_int_t)nh,
		                    "hits_hash", auditlog_hex(hh, 32), "candidates", cands),
		          NULL, NULL, NULL);
	}
	json_decref(cands);
	*total += nh;
	free(hits);
	return r;
}

int
rounds_close(struct rounds_ctx *ctx, json_t **result, struct sym_diag *diag)
{
	struct store *st = ctx->park->store;
	struct store_round rd;
	char **subs = NULL, hex[33];
	size_t nsubs = 0, a, b, live = 0;
	uint64_t total = 0, pairs = 0, log_size = 0;
	double t0 = util_now();
	int r, in_tx = 0;

	if ((r = store_round_latest(st, &rd)) != SYM_OK)
		return sym_diag_set(diag, r, "no round to close (open one with: symbiod round open)");
	if (rd.phase != ROUND_OPEN) {
		r = sym_diag_set(diag, SYM_ERR_INVALID, "the round is not open (it is %s)",
		                 s_phase_names[rd.phase]);
		goto out;
	}
	if ((r = store_round_submitters(st, rd.id, &subs, &nsubs)) != SYM_OK) {
		sym_diag_set(diag, r, "store: %s", sym_strerror(r));
		goto out;
	}
	if ((r = store_begin(st)) != SYM_OK) {
		sym_diag_set(diag, r, "store: %s", sym_strerror(r));
		goto out;
	}
	in_tx = 1;
	log_size = auditlog_size(ctx->log);
	/* Members revoked since submitting are out of the matching. */
	for (a = 0; a < nsubs; a++) {
		const struct store_member *m = s_member(ctx, subs[a]);
		if (m == NULL || m->revoked) {
			free(subs[a]);
			subs[a] = NULL;
		} else {
			live++;
		}
	}
	{
		json_t *list = json_array();
		for (a = 0; a < nsubs; a++)
			if (subs[a] != NULL)
				json_array_append_new(list, json_string(subs[a]));
		r = s_log(ctx, "round_closed",
		          json_pack("{s:o, s:o, s:I}", "round", auditlog_hex(rd.id, 16), "submitted",
		                    list, "pairs", (json_int_t)(live * (live - (live > 0)) / 2)),
		          NULL, NULL, NULL);
		if (r != SYM_OK) {
			sym_diag_set(diag, r, "cannot log the close: %s", sym_strerror(r));
			goto out;
		}
	}
	/*
	 * Each unordered pair once: both batches are read, both directions
	 * joined, then freed. Memory is bounded by one pair's token sets.
	 */
	for (a = 0; a < nsubs; a++) {
		if (subs[a] == NULL)
			continue;
		for (b = a + 1; b < nsubs; b++) {
			uint8_t *ab_o = NULL, *ab_n = NULL, *ba_o = NULL, *ba_n = NULL;
			size_t ab_ol = 0, ab_nl = 0, ba_ol = 0, ba_nl = 0;

			if (subs[b] == NULL)
				continue;
			r = store_batch_get(st, rd.id, subs[a], subs[b], &ab_o, &ab_ol, &ab_n, &ab_nl);
			if (r == SYM_OK)
				r = store_batch_get(st, rd.id, subs[b], subs[a], &ba_o, &ba_ol, &ba_n,
				                    &ba_nl);
			if (r == SYM_OK)
				r = s_match_direction(ctx, rd.id, subs[a], subs[b], ab_o, ab_ol, ba_n, ba_nl,
				                      &total);
			if (r == SYM_OK)
				r = s_match_direction(ctx, rd.id, subs[b], subs[a], ba_o, ba_ol, ab_n, ab_nl,
				                      &total);
			free(ab_o);
			free(ab_n);
			free(ba_o);
			free(ba_n);
			if (r != SYM_OK) {
				sym_diag_set(diag, r, "matching %s and %s: %s", subs[a], subs[b],
				             sym_strerror(r));
				goto out;
			}
			pairs++;
		}
	}
	if ((r = store_round_set_phase(st, rd.id, ROUND_CONSENT, (int64_t)wire_now_ms())) != SYM_OK ||
	    (r = store_commit(st)) != SYM_OK) {
		sym_diag_set(diag, r, "store: cannot close the round: %s", sym_strerror(r));
		goto out;
	}
	in_tx = 0;
	s_hex16(rd.id, hex);
	log_notice("round %s closed: %zu submissions, %llu pairs joined, %llu candidates, %.3f s",
	           hex, live, (unsigned long long)pairs, (unsigned long long)total,
	           util_now() - t0);
	*result = json_pack("{s:s, s:s, s:i, s:I, s:I}", "round", hex, "phase", "consent",
	                    "submitted", (int)live, "pairs", (json_int_t)pairs, "candidates",
	                    (json_int_t)total);
	r = SYM_OK;
out:
	if (in_tx) {
		store_rollback(st);
		auditlog_truncate(ctx->log, log_size);
	}
	store_strings_free(subs, nsubs);
	store_round_clear(&rd);
	return r;
}

int
rounds_end(struct rounds_ctx *ctx, json_t **result, struct sym_diag *diag)
{
	struct store *st = ctx->park->store;
	struct store_round rd;
	char hex[33];
	uint64_t log_size = 0;
	int r, expired, in_tx = 0;

	if ((r = store_round_latest(st, &rd)) != SYM_OK)
		return sym_diag_set(diag, r, "no round to end");
	if (rd.phase != ROUND_CONSENT) {
		r = sym_diag_set(diag, SYM_ERR_INVALID, "the round is %s; only a round in consent ends",
		                 s_phase_names[rd.phase]);
		goto out;
	}
	if ((r = store_begin(st)) != SYM_OK)
		goto fail;
	in_tx = 1;
	log_size = auditlog_size(ctx->log);
	if ((expired = store_round_expire(st, rd.id)) < 0) {
		r = expired;
		goto fail;
	}
	if ((r = store_round_set_phase(st, rd.id, ROUND_ENDED, (int64_t)wire_now_ms())) != SYM_OK ||
	    (r = s_log(ctx, "round_ended",
	               json_pack("{s:o, s:i}", "round", auditlog_hex(rd.id, 16), "expired", expired),
	               NULL, NULL, NULL)) != SYM_OK ||
	    (r = store_commit(st)) != SYM_OK)
		goto fail;
	in_tx = 0;
	s_hex16(rd.id, hex);
	log_notice("round %s ended: %d unanswered candidates expired", hex, expired);
	*result = json_pack("{s:s, s:s, s:i}", "round", hex, "phase", "ended", "expired", expired);
	r = SYM_OK;
	goto out;
fail:
	sym_diag_set(diag, r, "store: cannot end the round: %s", sym_strerror(r));
out:
	if (in_tx) {
		store_rollback(st);
		auditlog_truncate(ctx->log, log_size);
	}
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
	json_t *j;

	if (store_round_latest(ctx->park->store, &rd) != SYM_OK)
		return json_pack("{s:s, s:n}", "phase", "none", "round");
	if (store_round_members(ctx->park->store, rd.id, &ids, &n) != SYM_OK ||
	    store_round_counts(ctx->park->store, rd.id, counts, &submitted) != SYM_OK) {
		store_round_clear(&rd);
		return json_pack("{s:s}", "error", "store unavailable");
	}
	s_hex16(rd.id, hex);
	j = json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:{s:I, s:I, s:I, s:I}}",
	              "round", hex, "phase", s_phase_names[rd.phase], "opened_ms",
	              (json_int_t)rd.opened_ms, "closed_ms", (json_int_t)rd.closed_ms, "ended_ms",
	              (json_int_t)rd.ended_ms, "submit_deadline_ms", (json_int_t)rd.submit_deadline_ms,
	              "consent_deadline_ms", (json_int_t)rd.consent_deadline_ms, "members",
	              (json_int_t)n, "submitted", (json_int_t)submitted, "candidates", "pending",
	              (json_int_t)counts[CANDIDATE_PENDING], "agreed",
	              (json_int_t)counts[CANDIDATE_AGREED], "declined",
	              (json_int_t)counts[CANDIDATE_DECLINED], "expired",
	              (json_int_t)counts[CANDIDATE_EXPIRED]);
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
	name = s_phase_names[rd.phase];
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
	if (rd.phase == ROUND_OPEN && rd.submit_deadline_ms > 0 && now >= rd.submit_deadline_ms) {
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
}

/* ---- member requests ---------------------------------------------------------- */

/* The round a request names (or the latest), loaded into rd. */
static int
s_round_for(struct rounds_ctx *ctx, const ProtobufCBinaryData *id, int has_id,
            struct store_round *rd, int32_t *status, char msg[256])
{
	int r;

	if (has_id && id->len != 16)
		return s_refuse(status, msg, SYMBIOD__STATUS__STATUS_BAD_REQUEST, "round id: 16 bytes");
	r = has_id ? store_round_get(ctx->park->store, id->data, rd)
	           : store_round_latest(ctx->park->store, rd);
	if (r == SYM_ERR_NOT_FOUND)
		return s_refuse(status, msg, SYMBIOD__STATUS__STATUS_NOT_FOUND, "no such round");
	return r;
}

static int
s_handle_round(struct rounds_ctx *ctx, int32_t *status, char msg[256], uint8_t **reply,
               size_t *reply_len)
{
	struct store_round rd;
	int r = store_round_latest(ctx->park->store, &rd);

	if (r == SYM_ERR_NOT_FOUND)
		return s_refuse(status, msg, SYMBIOD__STATUS__STATUS_NOT_FOUND,
		                "no round has been opened in this park");
	if (r != SYM_OK)
		return r;
	*reply = rd.announcement; /* already the signed, packed announcement */
	*reply_len = rd.announcement_len;
	rd.announcement = NULL;
	store_round_clear(&rd);
	*status = SYMBIOD__STATUS__STATUS_OK;
	return SYM_OK;
}

void
rounds_fill_record(const struct store_member *m, Symbiod__MemberRecord *rec)
{
	rec->id = (char *)m->rec.id;
	rec->name = (char *)m->rec.name;
	rec->ed25519.data = (uint8_t *)m->rec.ed25519;
	rec->ed25519.len = 32;
	rec->x25519.data = (uint8_t *)m->rec.x25519;
	rec->x25519.len = 32;
	rec->curve.data = (uint8_t *)m->rec.curve;
	rec->curve.len = 32;
	rec->certificate.data = m->cert_der;
	rec->certificate.len = m->cert_der_len;
	rec->revoked = m->revoked != 0;
}

static int
s_handle_directory(struct rounds_ctx *ctx, const uint8_t *payload, size_t len, int32_t *status,
                   char msg[256], uint8_t **reply, size_t *reply_len)
{
	Symbiod__Directory dir = SYMBIOD__DIRECTORY__INIT;
	Symbiod__DirectoryRequest *req = NULL;
	Symbiod__MemberRecord *recs = NULL, **ptrs = NULL;
	const struct member_record **hash_recs = NULL;
	char **ids = NULL;
	size_t n = 0, i, k = 0;
	uint8_t hash[32];
	int r;

	if (wire_unpack(&symbiod__directory_request__descriptor, payload, len, 0,
	                (ProtobufCMessage **)&req) != SYM_OK)
		return s_refuse(status, msg, SYMBIOD__STATUS__STATUS_BAD_REQUEST,
		                "malformed DirectoryRequest");
	if (req->has_round_id) {
		struct store_round rd;
		if ((r = s_round_for(ctx, &req->round_id, 1, &rd, status, msg)) != SYM_OK ||
		    *status != 0)
			goto out;
		r = store_round_members(ctx->park->store, rd.id, &ids, &n);
		store_round_clear(&rd);
		if (r != SYM_OK)
			goto out;
	}
	recs = calloc(ctx->nmembers + 1, sizeof(*recs));
	ptrs = calloc(ctx->nmembers + 1, sizeof(*ptrs));
	hash_recs = calloc(ctx->nmembers + 1, sizeof(*hash_recs));
	if (recs == NULL || ptrs == NULL || hash_recs == NULL) {
		r = SYM_ERR_ALLOC;
		goto out;
	}
	/*
	 * A round's directory is its snapshot: everyone active when it opened,
	 * even if revoked since (the record says so). Without a round: the
	 * current active members.
	 */
	for (i = 0; i < ctx->nmembers; i++) {
		const struct store_member *m = &ctx->members[i];
		int in = 0;
		if (req->has_round_id) {
			size_t j;
			for (j = 0; j < n && !in; j++)
				in = strcmp(ids[j], m->rec.id) == 0;
		} else {
			in = !m->revoked;
		}
		if (!in)
			continue;
		symbiod__member_record__init(&recs[k]);
		rounds_fill_record(m, &recs[k]);
		ptrs[k] = &recs[k];
		hash_recs[k] = &m->rec;
		k++;
	}
	protocol_directory_hash(hash_recs, k, hash);
	dir.n_members = k;
	dir.members = ptrs;
	dir.directory_hash.data = hash;
	dir.directory_hash.len = 32;
	if ((r = wire_pack(&dir.base, reply, reply_len)) != SYM_OK)
		goto out;
	*status = SYMBIOD__STATUS__STATUS_OK;
	r = SYM_OK;
out:
	free(recs);
	free(ptrs);
	free(hash_recs);
	store_strings_free(ids, n);
	wire_free(req ? &req->base : NULL);
	return r;
}

/* The latest round, which must be open, and the member in its snapshot. */
static int
s_open_round_for(struct rounds_ctx *ctx, const char *member, const ProtobufCBinaryData *round_id,
                 struct store_round *rd, int32_t *status, char msg[256])
{
	int r, in;

	if ((r = s_round_for(ctx, round_id, round_id != NULL, rd, status, msg)) != SYM_OK ||
	    *status != 0)
		return r;
	if (rd->phase != ROUND_OPEN)
		return s_refuse(status, msg, SYMBIOD__STATUS__STATUS_FORBIDDEN,
		                "the round is not open for submissions (it is %s)",
		                s_phase_names[rd->phase]);
	if ((in = store_round_has_member(ctx->park->store, rd->id, member)) < 0)
		return in;
	if (!in)
		return s_refuse(status, msg, SYMBIOD__STATUS__STATUS_FORBIDDEN,
		                "not a member of this round (enrolled after it opened?)");
	return SYM_OK;
}

static int
s_ack(const uint8_t sub_id[16], uint32_t received, int has_received, uint8_t **reply,
      size_t *reply_len)
{
	Symbiod__SubmitAck ack = SYMBIOD__SUBMIT_ACK__INIT;

	ack.submission_id.data = (uint8_t *)sub_id;
	ack.submission_id.len = 16;
	ack.has_received_chunks = has_received;
	ack.received_chunks = received;
	return wire_pack(&ack.base, reply, reply_len);
}

static int
s_handle_submit_begin(struct rounds_ctx *ctx, const char *member, const uint8_t *payload,
                      size_t len, int32_t *status, char msg[256], uint8_t **reply,
                      size_t *reply_len)
{
	Symbiod__SubmitBegin *req = NULL;
	struct store_round rd;
	int r;

	memset(&rd, 0, sizeof(rd));
	if (wire_unpack(&symbiod__submit_begin__descriptor, payload, len, 0,
	                (ProtobufCMessage **)&req) != SYM_OK)
		return s_refuse(status, msg, SYMBIOD__STATUS__STATUS_BAD_REQUEST,
		                "malformed SubmitBegin");
	if (req->submission_id.len != 16 || req->commitment.len != 32 || req->chunks == 0 ||
	    req->chunks > ROUNDS_MAX_CHUNKS) {
		r = s_refuse(status, msg, SYMBIOD__STATUS__STATUS_BAD_REQUEST,
		             "SubmitBegin: bad submission id, commitment or chunk count (1..%d)",
		             ROUNDS_MAX_CHUNKS);
		goto out;
	}
	if ((r = s_open_round_for(ctx, member, &req->round_id, &rd, status, msg)) != SYM_OK ||
	    *status != 0)
		goto out;
	r = store_submission_begin(ctx->park->store, rd.id, member, req->submission_id.data,
	                           req->chunks, req->commitment.data, (int64_t)wire_now_ms());
	if (r == SYM_ERR_EXISTS) {
		r = s_refuse(status, msg, SYMBIOD__STATUS__STATUS_BAD_REQUEST,
		             "submission id already used");
		goto out;
	}
	if (r != SYM_OK)
		goto out;
	if ((r = s_ack(req->submission_id.data, 0, 1, reply, reply_len)) != SYM_OK)
		goto out;
	*status = SYMBIOD__STATUS__STATUS_OK;
out:
	store_round_clear(&rd);
	wire_free(req ? &req->base : NULL);
	return r;
}

/* The staging submission `id`, which must belong to member and to the open round. */
static int
s_staging(struct rounds_ctx *ctx, const char *member, const ProtobufCBinaryData *id,
          struct store_submission *sub, struct store_round *rd, int32_t *status, char msg[256])
{
	int r;

	if (id->len != 16)
		return s_refuse(status, msg, SYMBIOD__STATUS__STATUS_BAD_REQUEST,
		                "submission id: 16 bytes");
	r = store_submission_get(ctx->park->store, id->data, sub);
	if (r == SYM_ERR_NOT_FOUND || (r == SYM_OK && strcmp(sub->member, member) != 0))
		return s_refuse(status, msg, SYMBIOD__STATUS__STATUS_NOT_FOUND,
		                "no such submission (begin it first)");
	if (r != SYM_OK)
		return r;
	if (sub->state != SUBMISSION_STAGING)
		return s_refuse(status, msg, SYMBIOD__STATUS__STATUS_BAD_REQUEST,
		                "this submission is already committed");
	{
		ProtobufCBinaryData rid = {16, sub->round};
		return s_open_round_for(ctx, member, &rid, rd, status, msg);
	}
}

/* bsearch over an id-ordered array of strings (store order is memcmp order). */
static int
s_strp_cmp(const void *key, const void *elem)
{
	return strcmp(*(const char *const *)key, *(const char *const *)elem);
}

static int
s_handle_submit_chunk(struct rounds_ctx *ctx, const char *member, const uint8_t *payload,
                      size_t len, int32_t *status, char msg[256], uint8_t **reply,
                      size_t *reply_len)
{
	Symbiod__SubmitChunk *req = NULL;
	struct store_submission sub;
	struct store_round rd;
	char **ids = NULL;
	uint8_t digest[32];
	size_t k, nids = 0;
	int r;

	memset(&rd, 0, sizeof(rd));
	if (wire_unpack(&symbiod__submit_chunk__descriptor, payload, len, 0,
	                (ProtobufCMessage **)&req) != SYM_OK)
		return s_refuse(status, msg, SYMBIOD__STATUS__STATUS_BAD_REQUEST,
		                "malformed SubmitChunk");
	if ((r = s_staging(ctx, member, &req->submission_id, &sub, &rd, status, msg)) != SYM_OK ||
	    *status != 0)
		goto out;
	if (req->index != sub.received || req->index >= sub.chunks) {
		r = s_refuse(status, msg, SYMBIOD__STATUS__STATUS_BAD_REQUEST,
		             "chunk %u out of order: expected %u of %u", req->index, sub.received,
		             sub.chunks);
		goto out;
	}
	/* The round's members once per chunk, not once per batch. */
	if ((r = store_round_members(ctx->park->store, rd.id, &ids, &nids)) != SYM_OK)
		goto out;
	for (k = 0; k < req->n_batches; k++) {
		const Symbiod__TokenBatch *b = req->batches[k];

		if (strcmp(b->counterpart, member) == 0 || !member_id_valid(b->counterpart) ||
		    bsearch(&b->counterpart, ids, nids, sizeof(*ids), s_strp_cmp) == NULL) {
			r = s_refuse(status, msg, SYMBIOD__STATUS__STATUS_BAD_REQUEST,
			             "batch %zu: counterpart is not another member of this round", k);
			goto out;
		}
		if (!protocol_tokens_valid(b->offer_tokens.data, b->offer_tokens.len,
		                           ROUNDS_MAX_SET_TOKENS) ||
		    !protocol_tokens_valid(b->need_tokens.data, b->need_tokens.len,
		                           ROUNDS_MAX_SET_TOKENS)) {
			r = s_refuse(status, msg, SYMBIOD__STATUS__STATUS_BAD_REQUEST,
			             "batch %zu: token sets must be 8-byte tokens, strictly increasing",
			             k);
			goto out;
		}
		if ((r = protocol_batch_digest(b->counterpart, b->offer_tokens.data, b->offer_tokens.len,
		                               b->need_tokens.data, b->need_tokens.len, digest)) !=
		    SYM_OK)
			goto out;
		r = store_batch_put(ctx->park->store, sub.id, ((int64_t)req->index << 20) | (int64_t)k,
		                    b->counterpart, b->offer_tokens.data, b->offer_tokens.len,
		                    b->need_tokens.data, b->need_tokens.len, digest);
		if (r == SYM_ERR_EXISTS) {
			r = s_refuse(status, msg, SYMBIOD__STATUS__STATUS_BAD_REQUEST,
			             "batch %zu: a second batch for the same counterpart", k);
			goto out;
		}
		if (r != SYM_OK)
			goto out;
	}
	if ((r = store_submission_chunk_done(ctx->park->store, sub.id)) != SYM_OK ||
	    (r = s_ack(sub.id, sub.received + 1, 1, reply, reply_len)) != SYM_OK)
		goto out;
	*status = SYMBIOD__STATUS__STATUS_OK;
out:
	store_strings_free(ids, nids);
	store_round_clear(&rd);
	wire_free(req ? &req->base : NULL);
	return r;
}

static int
s_handle_submit_commit(struct rounds_ctx *ctx, const char *member, const uint8_t *payload,
                       size_t len, const uint8_t *request, size_t request_len, int32_t *status,
                       char msg[256], uint8_t **reply, size_t *reply_len)
{
	Symbiod__SubmitCommit *req = NULL;
	struct store_submission sub;
	struct store_round rd;
	uint8_t(*digests)[32] = NULL;
	char **ids = NULL, **cps = NULL, hex[33];
	size_t n = 0, nbatches = 0, i;
	uint8_t digest[32], *entry = NULL;
	size_t entry_len = 0;
	uint64_t index = 0;
	struct proof_buf pb;
	Symbiod__SubmitAck ack = SYMBIOD__SUBMIT_ACK__INIT;
	json_t *batches = NULL;
	int r;

	memset(&pb, 0, sizeof(pb));

	memset(&rd, 0, sizeof(rd));
	if (wire_unpack(&symbiod__submit_commit__descriptor, payload, len, 0,
	                (ProtobufCMessage **)&req) != SYM_OK)
		return s_refuse(status, msg, SYMBIOD__STATUS__STATUS_BAD_REQUEST,
		                "malformed SubmitCommit");
	if ((r = s_staging(ctx, member, &req->submission_id, &sub, &rd, status, msg)) != SYM_OK ||
	    *status != 0)
		goto out;
	if (req->round_id.len != 16 || memcmp(req->round_id.data, sub.round, 16) != 0 ||
	    req->commitment.len != 32 || sodium_memcmp(req->commitment.data, sub.commitment, 32) != 0) {
		r = s_refuse(status, msg, SYMBIOD__STATUS__STATUS_BAD_REQUEST,
		             "round or commitment differs from SubmitBegin");
		goto out;
	}
	if (sub.received != sub.chunks) {
		r = s_refuse(status, msg, SYMBIOD__STATUS__STATUS_BAD_REQUEST,
		             "only %u of %u chunks received", sub.received, sub.chunks);
		goto out;
	}
	/* What was stored must be exactly what the member committed to. */
	if ((r = store_batch_digests(ctx->park->store, sub.id, &digests, &cps, &nbatches)) != SYM_OK)
		goto out;
	protocol_commitment(sub.round, sub.id, (const uint8_t(*)[32])digests, nbatches, digest);
	if (sodium_memcmp(digest, sub.commitment, 32) != 0) {
		r = s_refuse(status, msg, SYMBIOD__STATUS__STATUS_BAD_REQUEST,
		             "the batches received do not match the commitment");
		goto out;
	}
	if ((r = store_round_members(ctx->park->store, rd.id, &ids, &n)) != SYM_OK)
		goto out;
	/* Counterparts were checked one by one and are unique: the count settles coverage. */
	if (nbatches != n - 1) {
		r = s_refuse(status, msg, SYMBIOD__STATUS__STATUS_BAD_REQUEST,
		             "a submission needs one batch for each of the %zu other members (got %zu)",
		             n - 1, nbatches);
		goto out;
	}
	if ((r = store_submission_commit(ctx->park->store, sub.id, (int64_t)wire_now_ms(), request,
	                                 request_len)) != SYM_OK)
		goto out;
	/* Logged with the member's signed commit; the ack carries the proof of it. */
	if ((batches = json_array()) == NULL) {
		r = SYM_ERR_ALLOC;
		goto out;
	}
	for (i = 0; i < nbatches; i++)
		json_array_append_new(batches, json_pack("{s:s, s:o}", "counterpart", cps[i], "digest",
		                                         auditlog_hex(digests[i], 32)));
	if ((r = s_log(ctx, "submission",
	               json_pack("{s:o, s:s, s:o, s:o, s:O, s:o}", "round", auditlog_hex(sub.round, 16),
	                         "member", member, "submission", auditlog_hex(sub.id, 16),
	                         "commitment", auditlog_hex(sub.commitment, 32), "batches", batches,
	                         "request", auditlog_b64(request, request_len)),
	               &index, &entry, &entry_len)) != SYM_OK)
		goto out;
	r = s_proof(ctx, index, entry, entry_len, &pb);
	entry = NULL; /* owned by pb */
	if (r != SYM_OK)
		goto out;
	ack.submission_id.data = sub.id;
	ack.submission_id.len = 16;
	ack.has_received_chunks = 1;
	ack.received_chunks = sub.chunks;
	ack.proof = &pb.msg;
	if ((r = wire_pack(&ack.base, reply, reply_len)) != SYM_OK)
		goto out;
	s_hex16(rd.id, hex);
	log_info("round %.8s: submission from %s committed (%zu batches)", hex, member, nbatches);
	*status = SYMBIOD__STATUS__STATUS_OK;
out:
	json_decref(batches);
	free(entry);
	s_proof_clear(&pb);
	free(digests);
	store_strings_free(cps, nbatches);
	store_strings_free(ids, n);
	store_round_clear(&rd);
	wire_free(req ? &req->base : NULL);
	return r;
}

/* A candidate's state as one side sees it (INTERFACE.md). */
static const char *
s_state_for(const struct store_candidate *c, const char *member)
{
	int mine = strcmp(c->supplier, member) == 0 ? c->supplier_state : c->consumer_state;

	switch (c->state) {
	case CANDIDATE_AGREED: return "agreed";
	case CANDIDATE_DECLINED: return "declined";
	case CANDIDATE_EXPIRED: return "expired";
	}
	return mine == CONSENT_ACCEPTED ? "accepted" : "pending";
}

static int
s_handle_candidates(struct rounds_ctx *ctx, const char *member, const uint8_t *payload,
                    size_t len, int32_t *status, char msg[256], uint8_t **reply,
                    size_t *reply_len)
{
	Symbiod__CandidateList list = SYMBIOD__CANDIDATE_LIST__INIT;
	Symbiod__CandidatesRequest *req = NULL;
	Symbiod__Candidate *items = NULL, **ptrs = NULL;
	struct store_candidate *cs = NULL;
	struct store_round rd;
	size_t n = 0, i;
	int r;

	memset(&rd, 0, sizeof(rd));
	if (wire_unpack(&symbiod__candidates_request__descriptor, payload, len, 0,
	                (ProtobufCMessage **)&req) != SYM_OK)
		return s_refuse(status, msg, SYMBIOD__STATUS__STATUS_BAD_REQUEST,
		                "malformed CandidatesRequest");
	if ((r = s_round_for(ctx, &req->round_id, req->has_round_id, &rd, status, msg)) != SYM_OK ||
	    *status != 0)
		goto out;
	if ((r = store_candidates_for(ctx->park->store, rd.id, member, &cs, &n)) != SYM_OK)
		goto out;
	items = calloc(n + 1, sizeof(*items));
	ptrs = calloc(n + 1, sizeof(*ptrs));
	if (items == NULL || ptrs == NULL) {
		r = SYM_ERR_ALLOC;
		goto out;
	}
	for (i = 0; i < n; i++) {
		symbiod__candidate__init(&items[i]);
		items[i].candidate_id.data = cs[i].id;
		items[i].candidate_id.len = 16;
		items[i].round_id.data = cs[i].round;
		items[i].round_id.len = 16;
		items[i].supplier = cs[i].supplier;
		items[i].consumer = cs[i].consumer;
		items[i].token.data = cs[i].token;
		items[i].token.len = 8;
		items[i].state = (char *)s_state_for(&cs[i], member);
		ptrs[i] = &items[i];
	}
	list.n_candidates = n;
	list.candidates = ptrs;
	if ((r = wire_pack(&list.base, reply, reply_len)) != SYM_OK)
		goto out;
	*status = SYMBIOD__STATUS__STATUS_OK;
out:
	free(items);
	free(ptrs);
	free(cs);
	store_round_clear(&rd);
	wire_free(req ? &req->base : NULL);
	return r;
}

/* Both accepted: log which consents and envelopes the release rests on. */
static int
s_log_release(struct rounds_ctx *ctx, const struct store_candidate *c)
{
	struct store_evidence ev;
	uint8_t h[4][32];
	int r;

	if ((r = store_candidate_evidence(ctx->park->store, c->id, &ev)) != SYM_OK)
		return r;
	crypto_hash_sha256(h[0], ev.supplier_request, ev.supplier_request_len);
	crypto_hash_sha256(h[1], ev.consumer_request, ev.consumer_request_len);
	crypto_hash_sha256(h[2], ev.supplier_envelope, ev.supplier_envelope_len);
	crypto_hash_sha256(h[3], ev.consumer_envelope, ev.consumer_envelope_len);
	store_evidence_clear(&ev);
	return s_log(ctx, "release",
	             json_pack("{s:o, s:o, s:o, s:o, s:o, s:o}", "round", auditlog_hex(c->round, 16),
	                       "candidate", auditlog_hex(c->id, 16), "supplier_consent",
	                       auditlog_hex(h[0], 32), "consumer_consent", auditlog_hex(h[1], 32),
	                       "supplier_envelope", auditlog_hex(h[2], 32), "consumer_envelope",
	                       auditlog_hex(h[3], 32)),
	             NULL, NULL, NULL);
}

static int
s_handle_consent(struct rounds_ctx *ctx, const char *member, const uint8_t *payload, size_t len,
                 const uint8_t *request, size_t request_len, int32_t *status, char msg[256],
                 uint8_t **reply, size_t *reply_len)
{
	Symbiod__ConsentAck ack = SYMBIOD__CONSENT_ACK__INIT;
	Symbiod__Consent *req = NULL;
	struct store_candidate c;
	struct store_round rd;
	struct proof_buf pb;
	uint8_t *entry = NULL;
	size_t entry_len = 0;
	uint64_t index = 0;
	int r, state = 0;
	char hex[33];

	memset(&rd, 0, sizeof(rd));
	memset(&pb, 0, sizeof(pb));
	if (wire_unpack(&symbiod__consent__descriptor, payload, len, 0, (ProtobufCMessage **)&req) !=
	    SYM_OK)
		return s_refuse(status, msg, SYMBIOD__STATUS__STATUS_BAD_REQUEST, "malformed Consent");
	if (req->candidate_id.len != 16 ||
	    (req->accept && (!req->has_envelope || req->envelope.len < 40 ||
	                     req->envelope.len > ROUNDS_MAX_ENVELOPE)) ||
	    (!req->accept && req->has_envelope)) {
		r = s_refuse(status, msg, SYMBIOD__STATUS__STATUS_BAD_REQUEST,
		             "an accept carries one sealed envelope (40..%u bytes), a decline none",
		             ROUNDS_MAX_ENVELOPE);
		goto out;
	}
	if ((r = s_round_for(ctx, &req->round_id, 1, &rd, status, msg)) != SYM_OK || *status != 0)
		goto out;
	if (rd.phase != ROUND_CONSENT) {
		r = s_refuse(status, msg, SYMBIOD__STATUS__STATUS_FORBIDDEN,
		             "the round is not in its consent window (it is %s)",
		             s_phase_names[rd.phase]);
		goto out;
	}
	r = store_candidate_get(ctx->park->store, req->candidate_id.data, &c);
	if (r == SYM_ERR_NOT_FOUND || (r == SYM_OK && (memcmp(c.round, rd.id, 16) != 0 ||
	                                               (strcmp(c.supplier, member) != 0 &&
	                                                strcmp(c.consumer, member) != 0)))) {
		r = s_refuse(status, msg, SYMBIOD__STATUS__STATUS_NOT_FOUND,
		             "no such candidate of yours in this round");
		goto out;
	}
	if (r != SYM_OK)
		goto out;
	r = store_consent_put(ctx->park->store, c.id, member, req->accept,
	                      req->has_envelope ? req->envelope.data : NULL,
	                      req->has_envelope ? req->envelope.len : 0, request, request_len, &state);
	if (r == SYM_ERR_EXISTS) {
		r = s_refuse(status, msg, SYMBIOD__STATUS__STATUS_FORBIDDEN,
		             "this candidate is already answered (%s)", s_state_for(&c, member));
		goto out;
	}
	if (r != SYM_OK)
		goto out;
	c.state = state;
	if (strcmp(c.supplier, member) == 0)
		c.supplier_state = req->accept ? CONSENT_ACCEPTED : CONSENT_DECLINED;
	else
		c.consumer_state = req->accept ? CONSENT_ACCEPTED : CONSENT_DECLINED;
	if ((r = s_log(ctx, "consent",
	               json_pack("{s:o, s:o, s:s, s:b, s:o}", "round", auditlog_hex(rd.id, 16),
	                         "candidate", auditlog_hex(c.id, 16), "member", member, "accept",
	                         req->accept, "request", auditlog_b64(request, request_len)),
	               &index, &entry, &entry_len)) != SYM_OK)
		goto out;
	if ((r = s_proof(ctx, index, entry, entry_len, &pb)) != SYM_OK) {
		entry = NULL;
		goto out;
	}
	entry = NULL; /* owned by pb */
	if (state == CANDIDATE_AGREED && (r = s_log_release(ctx, &c)) != SYM_OK)
		goto out;
	ack.candidate_id.data = c.id;
	ack.candidate_id.len = 16;
	ack.state = (char *)s_state_for(&c, member);
	ack.proof = &pb.msg;
	if ((r = wire_pack(&ack.base, reply, reply_len)) != SYM_OK)
		goto out;
	s_hex16(c.id, hex);
	log_info("candidate %.8s: %s %s%s", hex, member, req->accept ? "accepted" : "declined",
	         state == CANDIDATE_AGREED ? "; both agreed, released" : "");
	*status = SYMBIOD__STATUS__STATUS_OK;
out:
	free(entry);
	s_proof_clear(&pb);
	store_round_clear(&rd);
	wire_free(req ? &req->base : NULL);
	return r;
}

static int
s_handle_releases(struct rounds_ctx *ctx, const char *member, const uint8_t *payload, size_t len,
                  int32_t *status, char msg[256], uint8_t **reply, size_t *reply_len)
{
	Symbiod__ReleaseList list = SYMBIOD__RELEASE_LIST__INIT;
	Symbiod__ReleasesRequest *req = NULL;
	Symbiod__Release *items = NULL, **ptrs = NULL;
	struct store_candidate *cs = NULL;
	struct store_round rd;
	char (*from)[MEMBER_ID_MAX + 1] = NULL;
	uint8_t **envs = NULL;
	size_t n = 0, i, k = 0, *env_lens = NULL;
	int r;

	memset(&rd, 0, sizeof(rd));
	if (wire_unpack(&symbiod__releases_request__descriptor, payload, len, 0,
	                (ProtobufCMessage **)&req) != SYM_OK)
		return s_refuse(status, msg, SYMBIOD__STATUS__STATUS_BAD_REQUEST,
		                "malformed ReleasesRequest");
	if ((r = s_round_for(ctx, &req->round_id, req->has_round_id, &rd, status, msg)) != SYM_OK ||
	    *status != 0)
		goto out;
	if ((r = store_candidates_for(ctx->park->store, rd.id, member, &cs, &n)) != SYM_OK)
		goto out;
	items = calloc(n + 1, sizeof(*items));
	ptrs = calloc(n + 1, sizeof(*ptrs));
	envs = calloc(n + 1, sizeof(*envs));
	env_lens = calloc(n + 1, sizeof(*env_lens));
	from = calloc(n + 1, sizeof(*from));
	if (items == NULL || ptrs == NULL || envs == NULL || env_lens == NULL || from == NULL) {
		r = SYM_ERR_ALLOC;
		goto out;
	}
	/* Only candidates both sides accepted: a decline or expiry releases nothing. */
	for (i = 0; i < n; i++) {
		if (cs[i].state != CANDIDATE_AGREED)
			continue;
		if ((r = store_release_get(ctx->park->store, cs[i].id, member, &envs[k], &env_lens[k],
		                           from[k])) != SYM_OK)
			goto out;
		symbiod__release__init(&items[k]);
		items[k].candidate_id.data = cs[i].id;
		items[k].candidate_id.len = 16;
		items[k].round_id.data = cs[i].round;
		items[k].round_id.len = 16;
		items[k].from = from[k];
		items[k].envelope.data = envs[k];
		items[k].envelope.len = env_lens[k];
		ptrs[k] = &items[k];
		k++;
	}
	list.n_releases = k;
	list.releases = ptrs;
	if ((r = wire_pack(&list.base, reply, reply_len)) != SYM_OK)
		goto out;
	*status = SYMBIOD__STATUS__STATUS_OK;
out:
	for (i = 0; envs != NULL && i < k; i++)
		free(envs[i]);
	free(envs);
	free(env_lens);
	free(from);
	free(items);
	free(ptrs);
	free(cs);
	store_round_clear(&rd);
	wire_free(req ? &req->base : NULL);
	return r;
}

int
rounds_handle(struct rounds_ctx *ctx, const char *member, uint32_t type, const uint8_t *payload,
              size_t payload_len, const uint8_t *request, size_t request_len, int32_t *status,
              char msg[256], uint8_t **reply, size_t *reply_len)
{
	*status = 0;
	msg[0] = '\0';
	*reply = NULL;
	*reply_len = 0;
	switch (type) {
	case SYMBIOD__MSG_TYPE__MSG_ROUND: return s_handle_round(ctx, status, msg, reply, reply_len);
	case SYMBIOD__MSG_TYPE__MSG_DIRECTORY:
		return s_handle_directory(ctx, payload, payload_len, status, msg, reply, reply_len);
	case SYMBIOD__MSG_TYPE__MSG_SUBMIT_BEGIN:
		return s_handle_submit_begin(ctx, member, payload, payload_len, status, msg, reply,
		                             reply_len);
	case SYMBIOD__MSG_TYPE__MSG_SUBMIT_CHUNK:
		return s_handle_submit_chunk(ctx, member, payload, payload_len, status, msg, reply,
		                             reply_len);
	case SYMBIOD__MSG_TYPE__MSG_SUBMIT_COMMIT:
		return s_handle_submit_commit(ctx, member, payload, payload_len, request, request_len,
		                              status, msg, reply, reply_len);
	case SYMBIOD__MSG_TYPE__MSG_CANDIDATES:
		return s_handle_candidates(ctx, member, payload, payload_len, status, msg, reply,
		                           reply_len);
	case SYMBIOD__MSG_TYPE__MSG_CONSENT:
		return s_handle_consent(ctx, member, payload, payload_len, request, request_len, status,
		                        msg, reply, reply_len);
	case SYMBIOD__MSG_TYPE__MSG_RELEASES:
		return s_handle_releases(ctx, member, payload, payload_len, status, msg, reply,
		                         reply_len);
	}
	return s_refuse(status, msg, SYMBIOD__STATUS__STATUS_UNAVAILABLE,
	                "this request type is not served by this version");
}
