/* The store's rounds, their member snapshots, submissions and token batches. */
#include <sqlite3.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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

static int
s_round_id_row(sqlite3_stmt *stmt, void *item)
{
	return store_sql_col_blob(stmt, 0, item, STORE_ID_LEN);
}

int
store_rounds_list(struct store *st, uint8_t (**ids)[STORE_ID_LEN], size_t *n)
{
	static const struct store_sql_list how = {STORE_ID_LEN, s_round_id_row, NULL};
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
	if ((r = store_sql_exec(&st->sql,
	                        "DELETE FROM submissions WHERE round = ?1 AND member = ?2 AND "
	                        "state = 0",
	                        STORE_ARGS(store_arg_id(round), store_arg_text(member)))) != SYM_OK)
		return r;
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
	if (offers_len > STORE_BLOB_MAX || needs_len > STORE_BLOB_MAX)
		return SYM_ERR_LIMIT;
	/* store_arg_blob: a zero-length set must still be a blob, not NULL. */
	return store_sql_exec(&st->sql,
	                      "INSERT INTO batches (submission, seq, counterpart, offers, needs, "
	                      "digest) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	                      STORE_ARGS(store_arg_id(sub_id), store_arg_int(seq),
	                                 store_arg_text(counterpart),
	                                 store_arg_blob(offers, offers_len),
	                                 store_arg_blob(needs, needs_len), store_arg_hash(digest)));
}

int
store_submission_chunk_done(struct store *st, const uint8_t sub_id[STORE_ID_LEN])
{
	int r;

	r = store_sql_update(&st->sql,
	                     "UPDATE submissions SET received = received + 1 WHERE id = ?1 AND "
	                     "state = 0",
	                     STORE_ARGS(store_arg_id(sub_id)));
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
	/* The earlier committed submission's tokens go; the row stays as history. */
	if ((r = store_sql_exec(
	         &st->sql,
	         "DELETE FROM batches WHERE submission IN (SELECT id FROM submissions "
	         "WHERE round = ?1 AND member = ?2 AND state = 1)",
	         STORE_ARGS(store_arg_id(sub.round), store_arg_text(sub.member)))) != SYM_OK ||
	    (r = store_sql_exec(&st->sql,
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
	                       "SELECT b.offers, b.needs FROM batches b JOIN submissions s ON "
	                       "b.submission = s.id WHERE s.round = ?1 AND s.member = ?2 AND "
	                       "s.state = 1 AND b.counterpart = ?3",
	                       STORE_ARGS(store_arg_id(round), store_arg_text(submitter),
	                                  store_arg_text(counterpart)))) != SYM_OK)
		return r;
	if ((r = store_sql_col_blob_dup(stmt, 0, STORE_BLOB_MAX, offers, offers_len)) != SYM_OK ||
	    (r = store_sql_col_blob_dup(stmt, 1, STORE_BLOB_MAX, needs, needs_len)) != SYM_OK) {
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
	/* secure_delete (store.c) zeroes the cells and the freed overflow pages. */
	return store_sql_update(&st->sql,
	                        "DELETE FROM batches WHERE submission IN (SELECT id FROM "
	                        "submissions WHERE round = ?1)",
	                        STORE_ARGS(store_arg_id(round)));
}
