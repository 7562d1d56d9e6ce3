/*
 * What a member reads about the park before it submits: the daemon's status,
 * the signed log checkpoint, the round's announcement and its directory.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auditlog.h"
#include "rounds_internal.h"
#include "util.h"
#include "wire.h"
#include "roundhash.h"

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
	if (m->rec.site.set) {
		rec->has_site_lat = rec->has_site_lon = 1;
		rec->site_lat = m->rec.site.lat;
		rec->site_lon = m->rec.site.lon;
	}
}

/* A hardened round's members that have not done their part of its phase yet. */
static int
s_silent(struct rounds_ctx *ctx, Symbiod__StatusReply *reply)
{
	struct store_round rd;
	char **ids = NULL;
	size_t n = 0;
	int r;

	if (store_round_latest(ctx->park->store, &rd) != SYM_OK)
		return SYM_OK;
	r = rounds_hard_silent(ctx, &rd, &ids, &n);
	store_round_clear(&rd);
	reply->silent = ids;
	reply->n_silent = n;
	return r;
}

int
round_handle_status(struct round_call *c, const ProtobufCMessage *unused)
{
	Symbiod__StatusReply reply = SYMBIOD__STATUS_REPLY__INIT;
	Symbiod__MemberRecord rec = SYMBIOD__MEMBER_RECORD__INIT;
	struct rounds_ctx *ctx = c->ctx;
	size_t i, active = 0;
	uint8_t round_id[16];
	int has_round = 0, r;

	(void)unused;
	for (i = 0; i < ctx->nmembers; i++)
		active += !ctx->members[i].revoked;
	rounds_fill_record(c->member, &rec);
	reply.park = ctx->park->info.name;
	reply.member = &rec;
	reply.round_phase = (char *)rounds_phase(ctx, round_id, &has_round);
	if (has_round) {
		reply.has_round_id = 1;
		reply.round_id.data = round_id;
		reply.round_id.len = 16;
	}
	reply.directory_hash.data = (uint8_t *)ctx->directory_hash;
	reply.directory_hash.len = 32;
	reply.members = (uint32_t)active;
	if ((r = s_silent(ctx, &reply)) != SYM_OK)
		return r;
	r = wire_pack(&reply.base, &c->reply, &c->reply_len);
	store_strings_free(reply.silent, reply.n_silent);
	if (r != SYM_OK)
		return r;
	c->status = SYMBIOD__STATUS__STATUS_OK;
	return SYM_OK;
}

/* Consistency proofs from 0 (none asked), or from a size the member saw, to now. */
static int
s_consistency(struct auditlog *log, int has_from, uint64_t from, uint64_t n,
              merkle_hash_t proof[MERKLE_MAX_PROOF], ProtobufCBinaryData items[MERKLE_MAX_PROOF],
              size_t *nproof)
{
	size_t i;
	int r;

	*nproof = 0;
	if (!has_from || from == 0)
		return SYM_OK;
	if ((r = auditlog_consistency(log, from, n, proof, nproof)) != SYM_OK)
		return r;
	for (i = 0; i < *nproof; i++) {
		items[i].data = proof[i];
		items[i].len = 32;
	}
	return SYM_OK;
}

/* The latest checkpoint, with consistency proofs from what the member saw before. */
int
round_handle_checkpoint(struct round_call *c, const ProtobufCMessage *msg)
{
	const Symbiod__CheckpointRequest *req = (const Symbiod__CheckpointRequest *)msg;
	Symbiod__CheckpointReply reply = SYMBIOD__CHECKPOINT_REPLY__INIT;
	struct auditlog *log = c->ctx->log;
	merkle_hash_t p1[MERKLE_MAX_PROOF], p2[MERKLE_MAX_PROOF];
	ProtobufCBinaryData b1[MERKLE_MAX_PROOF], b2[MERKLE_MAX_PROOF];
	uint64_t n = auditlog_size(log);
	char *text = NULL;
	size_t n1 = 0, n2 = 0;
	int r;

	/* Never happens with an honest log: it only grows. Say so plainly. */
	if ((req->has_old_size && req->old_size > n) ||
	    (req->has_proof_size && req->proof_size > n))
		return round_refuse(c, SYMBIOD__STATUS__STATUS_BAD_REQUEST,
		                    "the log has %llu entries, fewer than the checkpoint you hold",
		                    (unsigned long long)n);
	if ((r = auditlog_checkpoint(log, &text)) != SYM_OK ||
	    (r = s_consistency(log, req->has_old_size, req->old_size, n, p1, b1, &n1)) != SYM_OK ||
	    (r = s_consistency(log, req->has_proof_size, req->proof_size, n, p2, b2, &n2)) !=
	        SYM_OK)
		goto out;
	reply.checkpoint = text;
	reply.n_consistency = n1;
	reply.consistency = b1;
	reply.n_proof_consistency = n2;
	reply.proof_consistency = b2;
	if ((r = wire_pack(&reply.base, &c->reply, &c->reply_len)) != SYM_OK)
		goto out;
	c->status = SYMBIOD__STATUS__STATUS_OK;
out:
	free(text);
	return r;
}

int
round_handle_round(struct round_call *c, const ProtobufCMessage *unused)
{
	struct store_round rd;
	int r = store_round_latest(c->ctx->park->store, &rd);

	(void)unused;
	if (r == SYM_ERR_NOT_FOUND)
		return round_refuse(c, SYMBIOD__STATUS__STATUS_NOT_FOUND,
		                    "no round has been opened in this park");
	if (r != SYM_OK)
		return r;
	c->reply = rd.announcement; /* already the signed, packed announcement */
	c->reply_len = rd.announcement_len;
	rd.announcement = NULL;
	store_round_clear(&rd);
	c->status = SYMBIOD__STATUS__STATUS_OK;
	return SYM_OK;
}

/*
 * The entry that logged the latest round's announcement, with its proof in
 * the current tree: a member checks that the announcement it was served is
 * the one every member and reviewer sees (client/session.c).
 */
int
round_handle_round_logged(struct round_call *c, const ProtobufCMessage *unused)
{
	struct store *st = c->ctx->park->store;
	struct store_round rd;
	struct proof_buf pb;
	uint8_t *entry = NULL;
	size_t len = 0;
	uint64_t index = 0;
	json_error_t jerr;
	json_t *e = NULL;
	const char *logged;
	char hex[33];
	int r;

	(void)unused;
	memset(&pb, 0, sizeof(pb));
	memset(&rd, 0, sizeof(rd));
	if ((r = store_round_latest(st, &rd)) == SYM_ERR_NOT_FOUND)
		return round_refuse(c, SYMBIOD__STATUS__STATUS_NOT_FOUND,
		                    "no round has been opened in this park");
	if (r != SYM_OK)
		goto out;
	/* Rounds open one after another: the newest round_opened entry is the latest round's. */
	if ((r = store_log_latest(st, "round_opened", &index, &entry, &len)) == SYM_ERR_NOT_FOUND) {
		r = round_refuse(c, SYMBIOD__STATUS__STATUS_NOT_FOUND,
		                 "the latest round's opening is not in the audit log");
		goto out;
	}
	if (r != SYM_OK)
		goto out;
	util_hex(rd.id, 16, hex);
	e = json_loadb((const char *)entry, len, 0, &jerr);
	logged = json_string_value(json_object_get(e, "round"));
	if (logged == NULL || strcmp(logged, hex) != 0) {
		r = SYM_ERR_INTERNAL; /* the store and its own log disagree */
		goto out;
	}
	if ((r = round_proof_of(c, index, entry, len, &pb)) != SYM_OK ||
	    (r = wire_pack(&pb.msg.base, &c->reply, &c->reply_len)) != SYM_OK)
		goto out;
	c->status = SYMBIOD__STATUS__STATUS_OK;
out:
	json_decref(e);
	free(entry);
	round_proof_clear(&pb);
	store_round_clear(&rd);
	return r;
}

/*
 * A round's directory is its snapshot: everyone active when it opened, even
 * if revoked since (the record says so). Without a round: the current
 * active members.
 */
static int
s_in_directory(const struct store_member *m, int has_round, char *const *ids, size_t n)
{
	size_t j;

	if (!has_round)
		return !m->revoked;
	for (j = 0; j < n; j++)
		if (strcmp(ids[j], m->rec.id) == 0)
			return 1;
	return 0;
}

int
round_handle_directory(struct round_call *c, const ProtobufCMessage *msg)
{
	const Symbiod__DirectoryRequest *req = (const Symbiod__DirectoryRequest *)msg;
	Symbiod__Directory dir = SYMBIOD__DIRECTORY__INIT;
	struct rounds_ctx *ctx = c->ctx;
	Symbiod__MemberRecord *recs = NULL, **ptrs = NULL;
	const struct member_record **hash_recs = NULL;
	char **ids = NULL;
	size_t n = 0, i, k = 0;
	uint8_t hash[32];
	int r;

	if (req->has_round_id) {
		struct store_round rd;
		if ((r = round_for(c, &req->round_id, 1, &rd)) != SYM_OK || c->status != 0)
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
	for (i = 0; i < ctx->nmembers; i++) {
		const struct store_member *m = &ctx->members[i];
		if (!s_in_directory(m, req->has_round_id, ids, n))
			continue;
		symbiod__member_record__init(&recs[k]);
		rounds_fill_record(m, &recs[k]);
		ptrs[k] = &recs[k];
		hash_recs[k] = &m->rec;
		k++;
	}
	roundhash_directory(hash_recs, k, hash);
	dir.n_members = k;
	dir.members = ptrs;
	dir.directory_hash.data = hash;
	dir.directory_hash.len = 32;
	if ((r = wire_pack(&dir.base, &c->reply, &c->reply_len)) != SYM_OK)
		goto out;
	c->status = SYMBIOD__STATUS__STATUS_OK;
	r = SYM_OK;
out:
	free(recs);
	free(ptrs);
	free(hash_recs);
	store_strings_free(ids, n);
	return r;
}
