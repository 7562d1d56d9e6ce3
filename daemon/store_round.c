/* The store's rounds, their member snapshots, submissions and token batches. */
#include <sqlite3.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "store.h"
#include "store_internal.h"

/* ---- rounds --------------------------------------------------------------- */

void
store_round_clear(struct store_round *r)
{
	if (r == NULL)
		return;
	free(r->announcement);
	memset(r, 0, sizeof(*r));
}

#define ROUND_COLUMNS                                                                              \
	"id, seq, phase, opened_ms, closed_ms, ended_ms, submit_deadline_ms, "                     \
	"consent_deadline_ms, "                                                                    \
	"announcement, keep_batches, offer_floor, need_floor, fixed_size, max_offer, max_need"

static int
s_round_fields(sqlite3_stmt *stmt, struct store_round *r)
{
	int64_t *const ms[] = {&r->opened_ms, &r->closed_ms, &r->ended_ms, &r->submit_deadline_ms,
	                       &r->consent_deadline_ms};
	uint32_t *const sizes[] = {&r->sizes.offer_floor, &r->sizes.need_floor,
	                           &r->sizes.fixed_size, &r->sizes.max_offer, &r->sizes.max_need};
	size_t i;
	int e;

	if ((e = store_sql_col_blob(stmt, 0, r->id, STORE_ID_LEN)) != SYM_OK ||
	    (e = store_sql_col_int64(stmt, 1, 1, INT64_MAX, &r->seq)) != SYM_OK ||
	    (e = store_sql_col_int(stmt, 2, ROUND_OPEN, ROUND_ENDED, &r->phase)) != SYM_OK)
		return e;
	for (i = 0; i < sizeof(ms) / sizeof(ms[0]); i++)
		if ((e = store_sql_col_int64(stmt, 3 + (int)i, INT64_MIN, INT64_MAX, ms[i])) !=
		    SYM_OK)
			return e;
	if ((e = store_sql_col_int(stmt, 9, 0, 1, &r->keep_batches)) != SYM_OK ||
	    (e = store_sql_col_blob_dup(stmt, 8, STORE_BLOB_MAX, &r->announcement,
	                                &r->announcement_len)) != SYM_OK)
		return e;
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		int v = 0;
		if ((e = store_sql_col_int(stmt, 10 + (int)i, 0, INT32_MAX, &v)) != SYM_OK)
			return e;
		*sizes[i] = (uint32_t)v;
	}
	return SYM_OK;
}

static int
s_round_row(sqlite3_stmt *stmt, void *item)
{
	int r;

	if ((r = s_round_fields(stmt, item)) != SYM_OK)
		store_round_clear(item);
	return r;
}

int
store_round_latest(struct store *st, struct store_round *out)
{
	return store_sql_get(&st->sql,
	                     "SELECT " ROUND_COLUMNS " FROM rounds ORDER BY seq DESC LIMIT 1",
	                     STORE_NO_ARGS, s_round_row, out, sizeof(*out));
}

int
store_round_get(struct store *st, const uint8_t id[STORE_ID_LEN], struct store_round *out)
{
	return store_sql_get(&st->sql, "SELECT " ROUND_COLUMNS " FROM rounds WHERE id = ?1",
	                     STORE_ARGS(store_arg_id(id)), s_round_row, out, sizeof(*out));
}

int
store_id_row(sqlite3_stmt *stmt, void *item)
{
	return store_sql_col_blob(stmt, 0, item, STORE_ID_LEN);
}

int
store_rounds_list(struct store *st, uint8_t (**ids)[STORE_ID_LEN], size_t *n)
{
	static const struct store_sql_list how = {STORE_ID_LEN, store_id_row, NULL};
	void *list = NULL;
	int r;

	*ids = NULL;
	if ((r = store_sql_list(&st->sql, "SELECT id FROM rounds ORDER BY seq", STORE_NO_ARGS, &how,
	                        &list, n)) != SYM_OK)
		return r;
	*ids = list; /* transferred */
	return SYM_OK;
}

int
store_round_create(struct store *st, const struct store_round *rd, char *const *members, size_t n)
{
	size_t i;
	int r;

	if ((r = store_sql_exec(
	         &st->sql,
	         "INSERT INTO rounds (id, seq, phase, opened_ms, submit_deadline_ms, "
	         "consent_deadline_ms, announcement, keep_batches, offer_floor, need_floor, "
	         "fixed_size, max_offer, max_need) VALUES (?1, (SELECT coalesce(max(seq), 0) + 1 "
	         "FROM rounds), 1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
	         STORE_ARGS(
	             store_arg_id(rd->id), store_arg_int(rd->opened_ms),
	             store_arg_int(rd->submit_deadline_ms), store_arg_int(rd->consent_deadline_ms),
	             store_arg_blob_or_null(rd->announcement, rd->announcement_len),
	             store_arg_int(rd->keep_batches != 0), store_arg_int(rd->sizes.offer_floor),
	             store_arg_int(rd->sizes.need_floor), store_arg_int(rd->sizes.fixed_size),
	             store_arg_int(rd->sizes.max_offer), store_arg_int(rd->sizes.max_need)))) !=
	    SYM_OK)
		return r;
	for (i = 0; i < n; i++)
		if ((r = store_sql_exec(
		         &st->sql, "INSERT INTO round_members (round, member) VALUES (?1, ?2)",
		         STORE_ARGS(store_arg_id(rd->id), store_arg_text(members[i])))) != SYM_OK)
			return r;
	return SYM_OK;
}

int
store_round_set_phase(struct store *st, const uint8_t id[STORE_ID_LEN], int phase, int64_t at_ms)
{
	const char *sql;
	int r;

	if (phase == ROUND_CONSENT)
		sql = "UPDATE rounds SET phase = 2, closed_ms = ?2 WHERE id = ?1 AND phase = 1";
	else if (phase == ROUND_ENDED)
		sql = "UPDATE rounds SET phase = 3, ended_ms = ?2 WHERE id = ?1 AND phase = 2";
	else
		return SYM_ERR_INVALID;
	r = store_sql_update(&st->sql, sql, STORE_ARGS(store_arg_id(id), store_arg_int(at_ms)));
	return r < 0 ? r : r == 1 ? SYM_OK : SYM_ERR_INVALID;
}

int
store_round_has_member(struct store *st, const uint8_t id[STORE_ID_LEN], const char *member)
{
	sqlite3_stmt *stmt = NULL;
	int r;

	r = store_sql_row(&st->sql, &stmt,
	                  "SELECT 1 FROM round_members WHERE round = ?1 AND member = ?2",
	                  STORE_ARGS(store_arg_id(id), store_arg_text(member)));
	store_sql_release(&st->sql, stmt);
	if (r == SYM_OK)
		return 1;
	return r == SYM_ERR_NOT_FOUND ? 0 : r;
}

void
store_strings_free(char **ids, size_t n)
{
	size_t i;

	if (ids == NULL)
		return;
	for (i = 0; i < n; i++)
		free(ids[i]);
	free(ids);
}

static int
s_id_string_row(sqlite3_stmt *stmt, void *item)
{
	char buf[MEMBER_ID_MAX + 1];
	int r;

	if ((r = store_sql_col_text(stmt, 0, buf, sizeof(buf))) != SYM_OK)
		return r;
	return (*(char **)item = strdup(buf)) != NULL ? SYM_OK : SYM_ERR_ALLOC;
}

static void
s_string_clear(void *item)
{
	free(*(char **)item);
}

static const struct store_sql_list s_id_string_list = {sizeof(char *), s_id_string_row,
                                                       s_string_clear};

/* Column 0 of every row, a member id, as a malloc'd array of malloc'd strings. */
int
store_id_strings(struct store *st, const char *sql, const uint8_t round[STORE_ID_LEN], char ***ids,
                 size_t *n)
{
	void *list = NULL;
	int r;

	*ids = NULL;
	if ((r = store_sql_list(&st->sql, sql, STORE_ARGS(store_arg_id(round)), &s_id_string_list,
	                        &list, n)) != SYM_OK)
		return r;
	*ids = list; /* transferred */
	return SYM_OK;
}

int
store_round_members(struct store *st, const uint8_t id[STORE_ID_LEN], char ***ids, size_t *n)
{
	return store_id_strings(
	    st, "SELECT member FROM round_members WHERE round = ?1 ORDER BY member", id, ids, n);
}

int
store_round_submitters(struct store *st, const uint8_t round[STORE_ID_LEN], char ***ids, size_t *n)
{
	return store_id_strings(
	    st, "SELECT member FROM submissions WHERE round = ?1 AND state = 1 ORDER BY member",
	    round, ids, n);
}

/* ---- submissions ---------------------------------------------------------- */

int
store_submission_begin(struct store *st, const uint8_t round[STORE_ID_LEN], const char *member,
                       const uint8_t sub_id[STORE_ID_LEN], uint32_t chunks,
                       const uint8_t commitment[32], int64_t at_ms)
{
	int r;

	/* An abandoned upload of the same member and round is dropped with its batches. */
	if ((r = store_sql_update(&st->sql,
	                          "DELETE FROM submissions WHERE round = ?1 AND member = ?2 AND "
	                          "state = 0",
	                          STORE_ARGS(store_arg_id(round), store_arg_text(member)))) < 0)
		return r;
	if (r > 0)
		st->sweep = 1; /* its file goes after the commit */
	return store_sql_exec(
	    &st->sql,
	    "INSERT INTO submissions (id, round, member, state, chunks, commitment, "
	    "begun_ms) VALUES (?1, ?2, ?3, 0, ?4, ?5, ?6)",
	    STORE_ARGS(store_arg_id(sub_id), store_arg_id(round), store_arg_text(member),
	               store_arg_int(chunks), store_arg_hash(commitment), store_arg_int(at_ms)));
}

static int
s_submission_row(sqlite3_stmt *stmt, void *item)
{
	struct store_submission *out = item;
	int64_t chunks = 0, received = 0;
	int r;

	if ((r = store_sql_col_blob(stmt, 0, out->id, STORE_ID_LEN)) != SYM_OK ||
	    (r = store_sql_col_blob(stmt, 1, out->round, STORE_ID_LEN)) != SYM_OK ||
	    (r = store_sql_col_text(stmt, 2, out->member, sizeof(out->member))) != SYM_OK ||
	    (r = store_sql_col_int(stmt, 3, SUBMISSION_STAGING, SUBMISSION_REPLACED,
	                           &out->state)) != SYM_OK ||
	    (r = store_sql_col_int64(stmt, 4, 0, UINT32_MAX, &chunks)) != SYM_OK ||
	    (r = store_sql_col_int64(stmt, 5, 0, UINT32_MAX, &received)) != SYM_OK ||
	    (r = store_sql_col_blob(stmt, 6, out->commitment, 32)) != SYM_OK)
		return r;
	out->chunks = (uint32_t)chunks;
	out->received = (uint32_t)received;
	return SYM_OK;
}

int
store_submission_get(struct store *st, const uint8_t sub_id[STORE_ID_LEN],
                     struct store_submission *out)
{
	return store_sql_get(&st->sql,
	                     "SELECT id, round, member, state, chunks, received, commitment FROM "
	                     "submissions WHERE id = ?1",
	                     STORE_ARGS(store_arg_id(sub_id)), s_submission_row, out, sizeof(*out));
}

int
store_batch_put(struct store *st, const uint8_t sub_id[STORE_ID_LEN], int64_t seq,
                const char *counterpart, const uint8_t *offers, size_t offers_len,
                const uint8_t *needs, size_t needs_len, const uint8_t digest[32])
{
	sqlite3_stmt *stmt = NULL;
	uint8_t round[STORE_ID_LEN] = {0};
	int64_t end = 0, off = 0;
	int r;

	if (offers_len > STORE_BLOB_MAX || needs_len > STORE_BLOB_MAX)
		return SYM_ERR_LIMIT;
	/*
	 * The batch's place in the file: after what this chunk queued, or the
	 * recorded end; written with the rest of the chunk by chunk_done.
	 */
	if (!store_batchfile_queued(st, sub_id, &end)) {
		if ((r = store_sql_row(
		         &st->sql, &stmt,
		         "SELECT round, max(file_end, ?2) FROM submissions WHERE id = ?1 "
		         "AND state = 0",
		         STORE_ARGS(store_arg_id(sub_id), store_arg_int(BATCHFILE_BLOCK)))) !=
		    SYM_OK)
			return r;
		if ((r = store_sql_col_blob(stmt, 0, round, STORE_ID_LEN)) == SYM_OK)
			r = store_sql_col_int64(stmt, 1, BATCHFILE_HEADER, INT64_MAX, &end);
		store_sql_release(&st->sql, stmt);
		if (r != SYM_OK)
			return r;
	}
	if ((r = store_batchfile_queue(st, round, sub_id, end, offers, offers_len, needs, needs_len,
	                               &off)) != SYM_OK)
		return r;
	/* The sets are in the file; the blobs stay empty (a zero-length blob, not NULL). */
	return store_sql_exec(
	    &st->sql,
	    "INSERT INTO batches (submission, seq, counterpart, offers, needs, digest, file_off, "
	    "offers_len, needs_len, epoch) VALUES (?1, ?2, ?3, ?4, ?4, ?5, ?6, ?7, ?8, ?9)",
	    STORE_ARGS(store_arg_id(sub_id), store_arg_int(seq), store_arg_text(counterpart),
	               store_arg_blob("", 0), store_arg_hash(digest), store_arg_int(off),
	               store_arg_int((int64_t)offers_len), store_arg_int((int64_t)needs_len),
	               store_arg_int(st->epoch)));
}

int
store_submission_chunk_done(struct store *st, const uint8_t sub_id[STORE_ID_LEN])
{
	int64_t end = 0;
	int r, queued = store_batchfile_queued(st, sub_id, &end);

	/* The chunk's batches go to the file now, and the file's new end into the row. */
	if (queued && (r = store_batchfile_flush(st, &end)) != SYM_OK)
		return r;
	r = store_sql_update(&st->sql,
	                     "UPDATE submissions SET received = received + 1, file_end = "
	                     "CASE WHEN ?2 > file_end THEN ?2 ELSE file_end END WHERE id = ?1 AND "
	                     "state = 0",
	                     STORE_ARGS(store_arg_id(sub_id), store_arg_int(queued ? end : 0)));
	return r < 0 ? r : r == 1 ? SYM_OK : SYM_ERR_NOT_FOUND;
}

struct s_digest {
	uint8_t digest[32];
	char *counterpart;
};

static int
s_digest_row(sqlite3_stmt *stmt, void *item)
{
	struct s_digest *d = item;
	char cp[MEMBER_ID_MAX + 1];
	int r;

	if ((r = store_sql_col_blob(stmt, 0, d->digest, 32)) != SYM_OK ||
	    (r = store_sql_col_text(stmt, 1, cp, sizeof(cp))) != SYM_OK)
		return r;
	return (d->counterpart = strdup(cp)) != NULL ? SYM_OK : SYM_ERR_ALLOC;
}

static void
s_digest_clear(void *item)
{
	free(((struct s_digest *)item)->counterpart);
}

int
store_batch_digests(struct store *st, const uint8_t sub_id[STORE_ID_LEN], uint8_t (**digests)[32],
                    char ***counterparts, size_t *n)
{
	static const struct store_sql_list how = {sizeof(struct s_digest), s_digest_row,
	                                          s_digest_clear};
	struct s_digest *rows;
	uint8_t(*list)[32] = NULL;
	char **names = NULL;
	void *items = NULL;
	size_t i, count = 0;
	int r;

	*digests = NULL;
	*counterparts = NULL;
	*n = 0;
	if ((r = store_sql_list(
	         &st->sql,
	         "SELECT digest, counterpart FROM batches WHERE submission = ?1 ORDER "
	         "BY seq",
	         STORE_ARGS(store_arg_id(sub_id)), &how, &items, &count)) != SYM_OK)
		return r;
	rows = items;
	/* Two parallel arrays, as the callers hash one and name the other. */
	if (count > 0 && ((list = calloc(count, sizeof(*list))) == NULL ||
	                  (names = calloc(count, sizeof(*names))) == NULL)) {
		for (i = 0; i < count; i++)
			s_digest_clear(&rows[i]);
		free(rows);
		free(list);
		return SYM_ERR_ALLOC;
	}
	for (i = 0; i < count; i++) {
		memcpy(list[i], rows[i].digest, 32);
		names[i] = rows[i].counterpart; /* transferred */
	}
	free(rows);
	*digests = list;
	*counterparts = names;
	*n = count;
	return SYM_OK;
}

struct s_recheck {
	struct store *st;
	int fd;
	char path[PATH_MAX];
};

/* One batch written before the store was last opened: read back and checked. */
static int
s_recheck_row(void *arg, sqlite3_stmt *stmt)
{
	struct s_recheck *c = arg;
	struct store_batch_loc loc;
	char cp[MEMBER_ID_MAX + 1];
	uint8_t *buf = NULL;
	int64_t ol = 0, nl = 0;
	int r;

	if ((r = store_sql_col_text(stmt, 0, cp, sizeof(cp))) != SYM_OK ||
	    (r = store_sql_col_int64(stmt, 1, BATCHFILE_HEADER, INT64_MAX, &loc.off)) != SYM_OK ||
	    (r = store_sql_col_int64(stmt, 2, 0, STORE_BLOB_MAX, &ol)) != SYM_OK ||
	    (r = store_sql_col_int64(stmt, 3, 0, STORE_BLOB_MAX, &nl)) != SYM_OK ||
	    (r = store_sql_col_blob(stmt, 4, loc.digest, 32)) != SYM_OK)
		return r;
	loc.offers_len = (size_t)ol;
	loc.needs_len = (size_t)nl;
	r = store_batchfile_read(c->fd, c->path, &loc, cp, 1, &buf);
	free(buf);
	return r;
}

/*
 * Before a submission counts, its batch file is made durable: one fsync.
 * Batches written by this opening of the store are at least in the page
 * cache; those written before a restart may have been lost with the
 * machine, so they are read back and checked against their digests first
 * (SYM_ERR_FORMAT: the member must upload again).
 */
static int
s_batches_durable(struct store *st, const struct store_submission *sub)
{
	struct s_recheck c = {st, -1, ""};
	int64_t end = 0;
	int r;

	if ((r = store_sql_insert_returning(&st->sql,
	                                    "SELECT file_end FROM submissions WHERE id = ?1",
	                                    STORE_ARGS(store_arg_id(sub->id)), &end)) != SYM_OK)
		return r;
	if (end == 0)
		return SYM_OK; /* nothing in a file */
	store_batchfile_close(st);
	if ((r = store_batchfile_path(st, sub->round, sub->id, c.path, sizeof(c.path))) != SYM_OK ||
	    (r = store_batchfile_open(st, sub->round, sub->id, 0, &c.fd)) != SYM_OK)
		return r;
	r = store_sql_foreach(&st->sql,
	                      "SELECT counterpart, file_off, offers_len, needs_len, digest FROM "
	                      "batches WHERE submission = ?1 AND file_off IS NOT NULL AND epoch != "
	                      "?2",
	                      STORE_ARGS(store_arg_id(sub->id), store_arg_int(st->epoch)),
	                      s_recheck_row, &c);
	close(c.fd);
	if (r != SYM_OK)
		return r;
	return store_batchfile_sync(st, sub->round, sub->id);
}

int
store_submission_commit(struct store *st, const uint8_t sub_id[STORE_ID_LEN], int64_t at_ms,
                        const uint8_t *evidence, size_t evidence_len)
{
	struct store_submission sub;
	int r;

	if ((r = store_submission_get(st, sub_id, &sub)) != SYM_OK)
		return r;
	if (sub.state != SUBMISSION_STAGING)
		return SYM_ERR_EXISTS;
	/* Nothing queued stays behind (chunk_done writes; a caller may not have called it). */
	if ((r = store_batchfile_flush(st, NULL)) != SYM_OK ||
	    (r = s_batches_durable(st, &sub)) != SYM_OK)
		return r;
	/* The earlier committed submission's tokens go; the row stays as history. */
	if ((r = store_sql_update(
	         &st->sql,
	         "DELETE FROM batches WHERE submission IN (SELECT id FROM submissions "
	         "WHERE round = ?1 AND member = ?2 AND state = 1)",
	         STORE_ARGS(store_arg_id(sub.round), store_arg_text(sub.member)))) < 0)
		return r;
	if (r > 0)
		st->sweep = 1; /* the replaced submission's file goes after the commit */
	if ((r = store_sql_exec(&st->sql,
	                        "UPDATE submissions SET state = 2 WHERE round = ?1 AND member = ?2 "
	                        "AND state = 1",
	                        STORE_ARGS(store_arg_id(sub.round), store_arg_text(sub.member)))) !=
	    SYM_OK)
		return r;
	return store_sql_exec(&st->sql,
	                      "UPDATE submissions SET state = 1, committed_ms = ?2, evidence = ?3 "
	                      "WHERE id = ?1",
	                      STORE_ARGS(store_arg_id(sub_id), store_arg_int(at_ms),
	                                 store_arg_blob_or_null(evidence, evidence_len)));
}

/* A committed batch whose sets are in its submission's file: read and checked. */
static int
s_batch_from_file(struct store *st, const uint8_t round[STORE_ID_LEN], sqlite3_stmt *stmt,
                  const char *counterpart, uint8_t **offers, uint8_t **needs)
{
	struct store_batch_loc loc;
	uint8_t sub[STORE_ID_LEN], *buf = NULL;
	char path[PATH_MAX];
	int64_t ol = 0, nl = 0;
	int r, fd = -1;

	if ((r = store_sql_col_int64(stmt, 2, BATCHFILE_HEADER, INT64_MAX, &loc.off)) != SYM_OK ||
	    (r = store_sql_col_int64(stmt, 3, 0, STORE_BLOB_MAX, &ol)) != SYM_OK ||
	    (r = store_sql_col_int64(stmt, 4, 0, STORE_BLOB_MAX, &nl)) != SYM_OK ||
	    (r = store_sql_col_blob(stmt, 5, loc.digest, 32)) != SYM_OK ||
	    (r = store_sql_col_blob(stmt, 6, sub, STORE_ID_LEN)) != SYM_OK ||
	    (r = store_batchfile_path(st, round, sub, path, sizeof(path))) != SYM_OK ||
	    (r = store_batchfile_open(st, round, sub, 0, &fd)) != SYM_OK)
		return r;
	loc.offers_len = (size_t)ol;
	loc.needs_len = (size_t)nl;
	r = store_batchfile_read(fd, path, &loc, counterpart, 0, &buf);
	close(fd);
	if (r != SYM_OK)
		return r;
	/* Two buffers, as callers free both. */
	if ((*offers = malloc(loc.offers_len + 1)) == NULL ||
	    (*needs = malloc(loc.needs_len + 1)) == NULL) {
		free(*offers);
		*offers = NULL;
		free(buf);
		return SYM_ERR_ALLOC;
	}
	memcpy(*offers, buf, loc.offers_len);
	memcpy(*needs, buf + loc.offers_len, loc.needs_len);
	free(buf);
	return SYM_OK;
}

int
store_batch_get(struct store *st, const uint8_t round[STORE_ID_LEN], const char *submitter,
                const char *counterpart, uint8_t **offers, size_t *offers_len, uint8_t **needs,
                size_t *needs_len)
{
	sqlite3_stmt *stmt = NULL;
	int r;

	*offers = *needs = NULL;
	*offers_len = *needs_len = 0;
	if ((r = store_sql_row(&st->sql, &stmt,
	                       "SELECT b.offers, b.needs, b.file_off, b.offers_len, b.needs_len, "
	                       "b.digest, s.id FROM batches b JOIN submissions s ON b.submission = "
	                       "s.id WHERE s.round = ?1 AND s.member = ?2 AND s.state = 1 AND "
	                       "b.counterpart = ?3",
	                       STORE_ARGS(store_arg_id(round), store_arg_text(submitter),
	                                  store_arg_text(counterpart)))) != SYM_OK)
		return r;
	if (!store_sql_col_is_null(stmt, 2)) {
		if ((r = s_batch_from_file(st, round, stmt, counterpart, offers, needs)) ==
		    SYM_OK) {
			*offers_len = (size_t)sqlite3_column_int64(stmt, 3);
			*needs_len = (size_t)sqlite3_column_int64(stmt, 4);
		}
	} else if ((r = store_sql_col_blob_dup(stmt, 0, STORE_BLOB_MAX, offers, offers_len)) ==
	           SYM_OK) {
		r = store_sql_col_blob_dup(stmt, 1, STORE_BLOB_MAX, needs, needs_len);
	}
	if (r != SYM_OK) {
		free(*offers);
		free(*needs);
		*offers = *needs = NULL;
		*offers_len = *needs_len = 0;
	}
	store_sql_release(&st->sql, stmt);
	return r;
}

int
store_round_drop_batches(struct store *st, const uint8_t round[STORE_ID_LEN])
{
	/*
	 * secure_delete (store.c) zeroes the cells and the freed overflow pages
	 * of rounds stored before batch files; the files go after the commit.
	 */
	st->sweep = 1;
	return store_sql_update(&st->sql,
	                        "DELETE FROM batches WHERE submission IN (SELECT id FROM "
	                        "submissions WHERE round = ?1)",
	                        STORE_ARGS(store_arg_id(round)));
}
