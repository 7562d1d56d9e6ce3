/* The store's round tables: rounds, submissions, batches, candidates, consents. */
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"
#include "store_internal.h"

/* Upper bound on one stored token set: what WIRE_MAX_MESSAGE can carry. */
#define STORE_BLOB_MAX (8u << 20)

static int
s_prep(struct store *st, const char *sql, sqlite3_stmt **stmt)
{
	int rc = sqlite3_prepare_v2(st->db, sql, -1, stmt, NULL);

	return rc == SQLITE_OK ? SYM_OK : store_sqlite_err(rc);
}

/*
 * A cached statement, reset and with its bindings cleared. Callers finish
 * with s_release (not sqlite3_finalize) so it can be used again.
 */
static int
s_prep_cached(struct store *st, enum store_cached slot, const char *sql, sqlite3_stmt **stmt)
{
	int rc;

	if (st->cached[slot] == NULL &&
	    (rc = sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st->cached[slot],
	                             NULL)) != SQLITE_OK)
		return store_sqlite_err(rc);
	*stmt = st->cached[slot];
	return SYM_OK;
}

static void
s_release(sqlite3_stmt *stmt)
{
	sqlite3_reset(stmt);
	sqlite3_clear_bindings(stmt);
}

void
store_cache_clear(struct store *st)
{
	int i;

	for (i = 0; i < STORE_STMT_COUNT; i++) {
		sqlite3_finalize(st->cached[i]);
		st->cached[i] = NULL;
	}
}

/* Run a cached statement that returns no row. */
static int
s_done_cached(sqlite3_stmt *stmt)
{
	int rc = sqlite3_step(stmt);

	s_release(stmt);
	if (rc == SQLITE_DONE)
		return SYM_OK;
	return (rc & 0xff) == SQLITE_CONSTRAINT ? SYM_ERR_EXISTS : store_sqlite_err(rc);
}

static int
s_bind_id(sqlite3_stmt *stmt, int col, const uint8_t *id)
{
	return sqlite3_bind_blob(stmt, col, id, STORE_ID_LEN, SQLITE_STATIC);
}

static int
s_bind_text(sqlite3_stmt *stmt, int col, const char *s)
{
	return sqlite3_bind_text(stmt, col, s, -1, SQLITE_STATIC);
}

/* Run a statement that returns no row. */
static int
s_done(sqlite3_stmt *stmt)
{
	int rc = sqlite3_step(stmt);

	sqlite3_finalize(stmt);
	if (rc == SQLITE_DONE)
		return SYM_OK;
	return rc == SQLITE_CONSTRAINT || (rc & 0xff) == SQLITE_CONSTRAINT ? SYM_ERR_EXISTS
	                                                                   : store_sqlite_err(rc);
}

static int
s_blob_exact(sqlite3_stmt *stmt, int col, uint8_t *dst, size_t len)
{
	if (sqlite3_column_type(stmt, col) != SQLITE_BLOB ||
	    (size_t)sqlite3_column_bytes(stmt, col) != len)
		return SYM_ERR_FORMAT;
	memcpy(dst, sqlite3_column_blob(stmt, col), len);
	return SYM_OK;
}

static int
s_blob_dup(sqlite3_stmt *stmt, int col, uint8_t **dst, size_t *len)
{
	int n = sqlite3_column_bytes(stmt, col);
	const void *p = sqlite3_column_blob(stmt, col);

	*dst = NULL;
	*len = 0;
	if (sqlite3_column_type(stmt, col) != SQLITE_BLOB || n < 0 || (size_t)n > STORE_BLOB_MAX)
		return SYM_ERR_FORMAT;
	if ((*dst = malloc((size_t)n + 1)) == NULL)
		return SYM_ERR_ALLOC;
	if (n > 0)
		memcpy(*dst, p, (size_t)n);
	*len = (size_t)n;
	return SYM_OK;
}

static int
s_text(sqlite3_stmt *stmt, int col, char *dst, size_t cap)
{
	const unsigned char *t = sqlite3_column_text(stmt, col);
	int n = sqlite3_column_bytes(stmt, col);

	if (sqlite3_column_type(stmt, col) != SQLITE_TEXT || t == NULL || n <= 0 ||
	    (size_t)n >= cap || memchr(t, '\0', (size_t)n) != NULL)
		return SYM_ERR_FORMAT;
	memcpy(dst, t, (size_t)n);
	dst[n] = '\0';
	return SYM_OK;
}

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
	"id, seq, phase, opened_ms, closed_ms, ended_ms, submit_deadline_ms, consent_deadline_ms, "  \
	"announcement"

static int
s_round_row(sqlite3_stmt *stmt, struct store_round *r)
{
	int rc;

	memset(r, 0, sizeof(*r));
	if ((rc = s_blob_exact(stmt, 0, r->id, STORE_ID_LEN)) != SYM_OK)
		return rc;
	r->seq = sqlite3_column_int64(stmt, 1);
	r->phase = sqlite3_column_int(stmt, 2);
	r->opened_ms = sqlite3_column_int64(stmt, 3);
	r->closed_ms = sqlite3_column_int64(stmt, 4);
	r->ended_ms = sqlite3_column_int64(stmt, 5);
	r->submit_deadline_ms = sqlite3_column_int64(stmt, 6);
	r->consent_deadline_ms = sqlite3_column_int64(stmt, 7);
	if (r->phase < ROUND_OPEN || r->phase > ROUND_ENDED)
		return SYM_ERR_FORMAT;
	return s_blob_dup(stmt, 8, &r->announcement, &r->announcement_len);
}

static int
s_round_query(sqlite3_stmt *stmt, struct store_round *out)
{
	int rc = sqlite3_step(stmt), r;

	if (rc == SQLITE_DONE)
		r = SYM_ERR_NOT_FOUND;
	else if (rc != SQLITE_ROW)
		r = store_sqlite_err(rc);
	else if ((r = s_round_row(stmt, out)) != SYM_OK)
		store_round_clear(out);
	sqlite3_finalize(stmt);
	return r;
}

int
store_round_latest(struct store *st, struct store_round *out)
{
	sqlite3_stmt *stmt = NULL;
	int r;

	memset(out, 0, sizeof(*out));
	if ((r = s_prep(st, "SELECT " ROUND_COLUMNS " FROM rounds ORDER BY seq DESC LIMIT 1",
	                &stmt)) != SYM_OK)
		return r;
	return s_round_query(stmt, out);
}

int
store_round_get(struct store *st, const uint8_t id[STORE_ID_LEN], struct store_round *out)
{
	sqlite3_stmt *stmt = NULL;
	int r;

	memset(out, 0, sizeof(*out));
	if ((r = s_prep(st, "SELECT " ROUND_COLUMNS " FROM rounds WHERE id = ?1", &stmt)) != SYM_OK)
		return r;
	s_bind_id(stmt, 1, id);
	return s_round_query(stmt, out);
}

int
store_round_create(struct store *st, const struct store_round *rd, char *const *members, size_t n)
{
	sqlite3_stmt *stmt = NULL;
	size_t i;
	int r;

	if ((r = s_prep(st,
	                "INSERT INTO rounds (id, seq, phase, opened_ms, submit_deadline_ms, "
	                "consent_deadline_ms, announcement) VALUES (?1, (SELECT coalesce(max(seq), "
	                "0) + 1 FROM rounds), 1, ?2, ?3, ?4, ?5)",
	                &stmt)) != SYM_OK)
		return r;
	s_bind_id(stmt, 1, rd->id);
	sqlite3_bind_int64(stmt, 2, rd->opened_ms);
	sqlite3_bind_int64(stmt, 3, rd->submit_deadline_ms);
	sqlite3_bind_int64(stmt, 4, rd->consent_deadline_ms);
	sqlite3_bind_blob(stmt, 5, rd->announcement, (int)rd->announcement_len, SQLITE_STATIC);
	if ((r = s_done(stmt)) != SYM_OK)
		return r;
	for (i = 0; i < n; i++) {
		if ((r = s_prep(st, "INSERT INTO round_members (round, member) VALUES (?1, ?2)",
		                &stmt)) != SYM_OK)
			return r;
		s_bind_id(stmt, 1, rd->id);
		s_bind_text(stmt, 2, members[i]);
		if ((r = s_done(stmt)) != SYM_OK)
			return r;
	}
	return SYM_OK;
}

int
store_round_set_phase(struct store *st, const uint8_t id[STORE_ID_LEN], int phase, int64_t at_ms)
{
	sqlite3_stmt *stmt = NULL;
	int r;

	if (phase == ROUND_CONSENT)
		r = s_prep(st, "UPDATE rounds SET phase = 2, closed_ms = ?2 WHERE id = ?1 AND phase = 1",
		           &stmt);
	else if (phase == ROUND_ENDED)
		r = s_prep(st, "UPDATE rounds SET phase = 3, ended_ms = ?2 WHERE id = ?1 AND phase = 2",
		           &stmt);
	else
		return SYM_ERR_INVALID;
	if (r != SYM_OK)
		return r;
	s_bind_id(stmt, 1, id);
	sqlite3_bind_int64(stmt, 2, at_ms);
	if ((r = s_done(stmt)) != SYM_OK)
		return r;
	return sqlite3_changes(st->db) == 1 ? SYM_OK : SYM_ERR_INVALID;
}

int
store_round_has_member(struct store *st, const uint8_t id[STORE_ID_LEN], const char *member)
{
	sqlite3_stmt *stmt = NULL;
	int r, rc;

	if ((r = s_prep(st, "SELECT 1 FROM round_members WHERE round = ?1 AND member = ?2",
	                &stmt)) != SYM_OK)
		return r;
	s_bind_id(stmt, 1, id);
	s_bind_text(stmt, 2, member);
	rc = sqlite3_step(stmt);
	sqlite3_finalize(stmt);
	if (rc == SQLITE_ROW)
		return 1;
	return rc == SQLITE_DONE ? 0 : store_sqlite_err(rc);
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

/* Collect column 0 of every row as strings. */
static int
s_strings(sqlite3_stmt *stmt, char ***ids, size_t *n)
{
	char **list = NULL, **t, buf[MEMBER_ID_MAX + 1];
	size_t count = 0;
	int rc, r = SYM_OK;

	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if ((r = s_text(stmt, 0, buf, sizeof(buf))) != SYM_OK)
			break;
		if ((t = realloc(list, (count + 1) * sizeof(*list))) == NULL) {
			r = SYM_ERR_ALLOC;
			break;
		}
		list = t;
		if ((list[count] = strdup(buf)) == NULL) {
			r = SYM_ERR_ALLOC;
			break;
		}
		count++;
	}
	if (r == SYM_OK && rc != SQLITE_DONE)
		r = store_sqlite_err(rc);
	sqlite3_finalize(stmt);
	if (r != SYM_OK) {
		store_strings_free(list, count);
		return r;
	}
	*ids = list;
	*n = count;
	return SYM_OK;
}

int
store_round_members(struct store *st, const uint8_t id[STORE_ID_LEN], char ***ids, size_t *n)
{
	sqlite3_stmt *stmt = NULL;
	int r;

	*ids = NULL;
	*n = 0;
	if ((r = s_prep(st, "SELECT member FROM round_members WHERE round = ?1 ORDER BY member",
	                &stmt)) != SYM_OK)
		return r;
	s_bind_id(stmt, 1, id);
	return s_strings(stmt, ids, n);
}

/* ---- submissions ---------------------------------------------------------- */

/* A statement over (round, member) that returns no row. */
static int
s_exec_round_member(struct store *st, const char *sql, const uint8_t round[STORE_ID_LEN],
                    const char *member)
{
	sqlite3_stmt *stmt = NULL;
	int r;

	if ((r = s_prep(st, sql, &stmt)) != SYM_OK)
		return r;
	s_bind_id(stmt, 1, round);
	s_bind_text(stmt, 2, member);
	return s_done(stmt);
}

int
store_submission_begin(struct store *st, const uint8_t round[STORE_ID_LEN], const char *member,
                       const uint8_t sub_id[STORE_ID_LEN], uint32_t chunks,
                       const uint8_t commitment[32], int64_t at_ms)
{
	sqlite3_stmt *stmt = NULL;
	int r;

	/* An abandoned upload of the same member and round is dropped with its batches. */
	if ((r = s_exec_round_member(st,
	                             "DELETE FROM submissions WHERE round = ?1 AND member = ?2 AND "
	                             "state = 0",
	                             round, member)) != SYM_OK)
		return r;
	if ((r = s_prep(st,
	                "INSERT INTO submissions (id, round, member, state, chunks, commitment, "
	                "begun_ms) VALUES (?1, ?2, ?3, 0, ?4, ?5, ?6)",
	                &stmt)) != SYM_OK)
		return r;
	s_bind_id(stmt, 1, sub_id);
	s_bind_id(stmt, 2, round);
	s_bind_text(stmt, 3, member);
	sqlite3_bind_int64(stmt, 4, chunks);
	sqlite3_bind_blob(stmt, 5, commitment, 32, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 6, at_ms);
	return s_done(stmt);
}

int
store_submission_get(struct store *st, const uint8_t sub_id[STORE_ID_LEN],
                     struct store_submission *out)
{
	sqlite3_stmt *stmt = NULL;
	int r, rc;

	memset(out, 0, sizeof(*out));
	if ((r = s_prep(st,
	                "SELECT id, round, member, state, chunks, received, commitment FROM "
	                "submissions WHERE id = ?1",
	                &stmt)) != SYM_OK)
		return r;
	s_bind_id(stmt, 1, sub_id);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_DONE) {
		r = SYM_ERR_NOT_FOUND;
	} else if (rc != SQLITE_ROW) {
		r = store_sqlite_err(rc);
	} else if ((r = s_blob_exact(stmt, 0, out->id, STORE_ID_LEN)) == SYM_OK &&
	           (r = s_blob_exact(stmt, 1, out->round, STORE_ID_LEN)) == SYM_OK &&
	           (r = s_text(stmt, 2, out->member, sizeof(out->member))) == SYM_OK &&
	           (r = s_blob_exact(stmt, 6, out->commitment, 32)) == SYM_OK) {
		out->state = sqlite3_column_int(stmt, 3);
		out->chunks = (uint32_t)sqlite3_column_int64(stmt, 4);
		out->received = (uint32_t)sqlite3_column_int64(stmt, 5);
	}
	sqlite3_finalize(stmt);
	return r;
}

int
store_batch_put(struct store *st, const uint8_t sub_id[STORE_ID_LEN], int64_t seq,
                const char *counterpart, const uint8_t *offers, size_t offers_len,
                const uint8_t *needs, size_t needs_len, const uint8_t digest[32])
{
	static const uint8_t empty;
	sqlite3_stmt *stmt = NULL;
	int r;

	if (offers_len > STORE_BLOB_MAX || needs_len > STORE_BLOB_MAX)
		return SYM_ERR_LIMIT;
	if ((r = s_prep(st,
	                "INSERT INTO batches (submission, seq, counterpart, offers, needs, digest) "
	                "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	                &stmt)) != SYM_OK)
		return r;
	s_bind_id(stmt, 1, sub_id);
	sqlite3_bind_int64(stmt, 2, seq);
	s_bind_text(stmt, 3, counterpart);
	/* A zero-length blob must still be a blob, not NULL. */
	sqlite3_bind_blob(stmt, 4, offers_len ? offers : &empty, (int)offers_len, SQLITE_STATIC);
	sqlite3_bind_blob(stmt, 5, needs_len ? needs : &empty, (int)needs_len, SQLITE_STATIC);
	sqlite3_bind_blob(stmt, 6, digest, 32, SQLITE_STATIC);
	return s_done(stmt);
}

int
store_submission_chunk_done(struct store *st, const uint8_t sub_id[STORE_ID_LEN])
{
	sqlite3_stmt *stmt = NULL;
	int r;

	if ((r = s_prep(st,
	                "UPDATE submissions SET received = received + 1 WHERE id = ?1 AND state = 0",
	                &stmt)) != SYM_OK)
		return r;
	s_bind_id(stmt, 1, sub_id);
	if ((r = s_done(stmt)) != SYM_OK)
		return r;
	return sqlite3_changes(st->db) == 1 ? SYM_OK : SYM_ERR_NOT_FOUND;
}

int
store_batch_digests(struct store *st, const uint8_t sub_id[STORE_ID_LEN], uint8_t (**digests)[32],
                    char ***counterparts, size_t *n)
{
	uint8_t(*list)[32] = NULL, (*t)[32];
	char **names = NULL, **tn, cp[MEMBER_ID_MAX + 1];
	sqlite3_stmt *stmt = NULL;
	size_t count = 0;
	int r, rc;

	*digests = NULL;
	*counterparts = NULL;
	*n = 0;
	if ((r = s_prep(st,
	                "SELECT digest, counterpart FROM batches WHERE submission = ?1 ORDER BY seq",
	                &stmt)) != SYM_OK)
		return r;
	s_bind_id(stmt, 1, sub_id);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if ((t = realloc(list, (count + 1) * sizeof(*list))) == NULL) {
			r = SYM_ERR_ALLOC;
			break;
		}
		list = t;
		if ((tn = realloc(names, (count + 1) * sizeof(*names))) == NULL) {
			r = SYM_ERR_ALLOC;
			break;
		}
		names = tn;
		if ((r = s_blob_exact(stmt, 0, list[count], 32)) != SYM_OK ||
		    (r = s_text(stmt, 1, cp, sizeof(cp))) != SYM_OK)
			break;
		if ((names[count] = strdup(cp)) == NULL) {
			r = SYM_ERR_ALLOC;
			break;
		}
		count++;
	}
	if (r == SYM_OK && rc != SQLITE_DONE)
		r = store_sqlite_err(rc);
	sqlite3_finalize(stmt);
	if (r != SYM_OK) {
		free(list);
		store_strings_free(names, count);
		return r;
	}
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
	sqlite3_stmt *stmt = NULL;
	int r;

	if ((r = store_submission_get(st, sub_id, &sub)) != SYM_OK)
		return r;
	if (sub.state != SUBMISSION_STAGING)
		return SYM_ERR_EXISTS;
	/* The earlier committed submission's tokens go; the row stays as history. */
	if ((r = s_exec_round_member(st,
	                             "DELETE FROM batches WHERE submission IN (SELECT id FROM "
	                             "submissions WHERE round = ?1 AND member = ?2 AND state = 1)",
	                             sub.round, sub.member)) != SYM_OK ||
	    (r = s_exec_round_member(st,
	                             "UPDATE submissions SET state = 2 WHERE round = ?1 AND member = "
	                             "?2 AND state = 1",
	                             sub.round, sub.member)) != SYM_OK)
		return r;
	if ((r = s_prep(st,
	                "UPDATE submissions SET state = 1, committed_ms = ?2, evidence = ?3 WHERE id "
	                "= ?1",
	                &stmt)) != SYM_OK)
		return r;
	s_bind_id(stmt, 1, sub_id);
	sqlite3_bind_int64(stmt, 2, at_ms);
	sqlite3_bind_blob(stmt, 3, evidence, (int)evidence_len, SQLITE_STATIC);
	return s_done(stmt);
}

int
store_round_submitters(struct store *st, const uint8_t round[STORE_ID_LEN], char ***ids,
                       size_t *n)
{
	sqlite3_stmt *stmt = NULL;
	int r;

	*ids = NULL;
	*n = 0;
	if ((r = s_prep(st,
	                "SELECT member FROM submissions WHERE round = ?1 AND state = 1 ORDER BY "
	                "member",
	                &stmt)) != SYM_OK)
		return r;
	s_bind_id(stmt, 1, round);
	return s_strings(stmt, ids, n);
}

int
store_batch_get(struct store *st, const uint8_t round[STORE_ID_LEN], const char *submitter,
                const char *counterpart, uint8_t **offers, size_t *offers_len, uint8_t **needs,
                size_t *needs_len)
{
	sqlite3_stmt *stmt = NULL;
	int r, rc;

	*offers = *needs = NULL;
	*offers_len = *needs_len = 0;
	if ((r = s_prep_cached(st, STORE_STMT_BATCH_GET,
	                       "SELECT b.offers, b.needs FROM batches b JOIN submissions s ON "
	                       "b.submission = s.id WHERE s.round = ?1 AND s.member = ?2 AND "
	                       "s.state = 1 AND b.counterpart = ?3",
	                       &stmt)) != SYM_OK)
		return r;
	s_bind_id(stmt, 1, round);
	s_bind_text(stmt, 2, submitter);
	s_bind_text(stmt, 3, counterpart);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_DONE) {
		r = SYM_ERR_NOT_FOUND;
	} else if (rc != SQLITE_ROW) {
		r = store_sqlite_err(rc);
	} else if ((r = s_blob_dup(stmt, 0, offers, offers_len)) != SYM_OK ||
	           (r = s_blob_dup(stmt, 1, needs, needs_len)) != SYM_OK) {
		free(*offers);
		free(*needs);
		*offers = *needs = NULL;
	}
	s_release(stmt);
	return r;
}

/* ---- candidates ----------------------------------------------------------- */

int
store_candidate_add(struct store *st, const struct store_candidate *c)
{
	sqlite3_stmt *stmt = NULL;
	int r;

	if ((r = s_prep_cached(st, STORE_STMT_CANDIDATE_ADD,
	                       "INSERT INTO candidates (id, round, supplier, consumer, token) VALUES "
	                       "(?1, ?2, ?3, ?4, ?5)",
	                       &stmt)) != SYM_OK)
		return r;
	s_bind_id(stmt, 1, c->id);
	s_bind_id(stmt, 2, c->round);
	s_bind_text(stmt, 3, c->supplier);
	s_bind_text(stmt, 4, c->consumer);
	sqlite3_bind_blob(stmt, 5, c->token, 8, SQLITE_STATIC);
	return s_done_cached(stmt);
}

int
store_pair_summary_add(struct store *st, const uint8_t round[STORE_ID_LEN], const char *supplier,
                       const char *consumer, uint64_t count, const uint8_t hits_hash[32])
{
	sqlite3_stmt *stmt = NULL;
	int r;

	if ((r = s_prep_cached(st, STORE_STMT_PAIR_SUMMARY_ADD,
	                       "INSERT INTO pair_summaries (round, supplier, consumer, count, "
	                       "hits_hash) VALUES (?1, ?2, ?3, ?4, ?5)",
	                       &stmt)) != SYM_OK)
		return r;
	s_bind_id(stmt, 1, round);
	s_bind_text(stmt, 2, supplier);
	s_bind_text(stmt, 3, consumer);
	sqlite3_bind_int64(stmt, 4, (int64_t)count);
	sqlite3_bind_blob(stmt, 5, hits_hash, 32, SQLITE_STATIC);
	return s_done_cached(stmt);
}

#define CANDIDATE_COLUMNS "id, round, supplier, consumer, token, supplier_state, consumer_state, state"

static int
s_candidate_row(sqlite3_stmt *stmt, struct store_candidate *c)
{
	int r;

	memset(c, 0, sizeof(*c));
	if ((r = s_blob_exact(stmt, 0, c->id, STORE_ID_LEN)) != SYM_OK ||
	    (r = s_blob_exact(stmt, 1, c->round, STORE_ID_LEN)) != SYM_OK ||
	    (r = s_text(stmt, 2, c->supplier, sizeof(c->supplier))) != SYM_OK ||
	    (r = s_text(stmt, 3, c->consumer, sizeof(c->consumer))) != SYM_OK ||
	    (r = s_blob_exact(stmt, 4, c->token, 8)) != SYM_OK)
		return r;
	c->supplier_state = sqlite3_column_int(stmt, 5);
	c->consumer_state = sqlite3_column_int(stmt, 6);
	c->state = sqlite3_column_int(stmt, 7);
	return SYM_OK;
}

int
store_candidate_get(struct store *st, const uint8_t id[STORE_ID_LEN], struct store_candidate *out)
{
	sqlite3_stmt *stmt = NULL;
	int r, rc;

	if ((r = s_prep(st, "SELECT " CANDIDATE_COLUMNS " FROM candidates WHERE id = ?1", &stmt)) !=
	    SYM_OK)
		return r;
	s_bind_id(stmt, 1, id);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_DONE)
		r = SYM_ERR_NOT_FOUND;
	else if (rc != SQLITE_ROW)
		r = store_sqlite_err(rc);
	else
		r = s_candidate_row(stmt, out);
	sqlite3_finalize(stmt);
	return r;
}

int
store_candidates_for(struct store *st, const uint8_t round[STORE_ID_LEN], const char *member,
                     struct store_candidate **out, size_t *n)
{
	struct store_candidate *list = NULL, *t;
	sqlite3_stmt *stmt = NULL;
	size_t count = 0;
	int r, rc;

	*out = NULL;
	*n = 0;
	if ((r = s_prep(st,
	                "SELECT " CANDIDATE_COLUMNS " FROM candidates WHERE round = ?1 AND (supplier "
	                "= ?2 OR consumer = ?2) ORDER BY id",
	                &stmt)) != SYM_OK)
		return r;
	s_bind_id(stmt, 1, round);
	s_bind_text(stmt, 2, member);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if ((t = realloc(list, (count + 1) * sizeof(*list))) == NULL) {
			r = SYM_ERR_ALLOC;
			break;
		}
		list = t;
		if ((r = s_candidate_row(stmt, &list[count])) != SYM_OK)
			break;
		count++;
	}
	if (r == SYM_OK && rc != SQLITE_DONE)
		r = store_sqlite_err(rc);
	sqlite3_finalize(stmt);
	if (r != SYM_OK) {
		free(list);
		return r;
	}
	*out = list;
	*n = count;
	return SYM_OK;
}

int
store_consent_put(struct store *st, const uint8_t id[STORE_ID_LEN], const char *member, int accept,
                  const uint8_t *envelope, size_t envelope_len, const uint8_t *evidence,
                  size_t evidence_len, int *state_out)
{
	struct store_candidate c;
	sqlite3_stmt *stmt = NULL;
	int r, supplier, mine, other, state;

	if ((r = store_candidate_get(st, id, &c)) != SYM_OK)
		return r;
	supplier = strcmp(c.supplier, member) == 0;
	if (!supplier && strcmp(c.consumer, member) != 0)
		return SYM_ERR_NOT_FOUND;
	mine = supplier ? c.supplier_state : c.consumer_state;
	other = supplier ? c.consumer_state : c.supplier_state;
	if (mine != CONSENT_PENDING || c.state != CANDIDATE_PENDING)
		return SYM_ERR_EXISTS;
	mine = accept ? CONSENT_ACCEPTED : CONSENT_DECLINED;
	if (mine == CONSENT_DECLINED || other == CONSENT_DECLINED)
		state = CANDIDATE_DECLINED;
	else if (other == CONSENT_ACCEPTED)
		state = CANDIDATE_AGREED;
	else
		state = CANDIDATE_PENDING;
	r = s_prep(st,
	           supplier ? "UPDATE candidates SET supplier_state = ?2, supplier_envelope = ?3, "
	                      "supplier_evidence = ?4, state = ?5 WHERE id = ?1"
	                    : "UPDATE candidates SET consumer_state = ?2, consumer_envelope = ?3, "
	                      "consumer_evidence = ?4, state = ?5 WHERE id = ?1",
	           &stmt);
	if (r != SYM_OK)
		return r;
	s_bind_id(stmt, 1, id);
	sqlite3_bind_int(stmt, 2, mine);
	if (accept && envelope_len > 0)
		sqlite3_bind_blob(stmt, 3, envelope, (int)envelope_len, SQLITE_STATIC);
	else
		sqlite3_bind_null(stmt, 3);
	sqlite3_bind_blob(stmt, 4, evidence, (int)evidence_len, SQLITE_STATIC);
	sqlite3_bind_int(stmt, 5, state);
	if ((r = s_done(stmt)) != SYM_OK)
		return r;
	/* A decline makes the other side's envelope useless: it is never released, so drop it. */
	if (state == CANDIDATE_DECLINED) {
		if ((r = s_prep(st,
		                "UPDATE candidates SET supplier_envelope = NULL, consumer_envelope = "
		                "NULL WHERE id = ?1",
		                &stmt)) != SYM_OK)
			return r;
		s_bind_id(stmt, 1, id);
		if ((r = s_done(stmt)) != SYM_OK)
			return r;
	}
	*state_out = state;
	return SYM_OK;
}

int
store_release_get(struct store *st, const uint8_t id[STORE_ID_LEN], const char *member,
                  uint8_t **envelope, size_t *envelope_len, char from[MEMBER_ID_MAX + 1])
{
	struct store_candidate c;
	sqlite3_stmt *stmt = NULL;
	int r, rc, supplier;

	*envelope = NULL;
	*envelope_len = 0;
	if ((r = store_candidate_get(st, id, &c)) != SYM_OK)
		return r;
	supplier = strcmp(c.supplier, member) == 0;
	if (!supplier && strcmp(c.consumer, member) != 0)
		return SYM_ERR_NOT_FOUND;
	if (c.state != CANDIDATE_AGREED)
		return SYM_ERR_PERM;
	/* The member receives the other side's envelope. */
	if ((r = s_prep(st,
	                supplier ? "SELECT consumer_envelope FROM candidates WHERE id = ?1"
	                         : "SELECT supplier_envelope FROM candidates WHERE id = ?1",
	                &stmt)) != SYM_OK)
		return r;
	s_bind_id(stmt, 1, id);
	rc = sqlite3_step(stmt);
	if (rc != SQLITE_ROW)
		r = rc == SQLITE_DONE ? SYM_ERR_NOT_FOUND : store_sqlite_err(rc);
	else
		r = s_blob_dup(stmt, 0, envelope, envelope_len);
	sqlite3_finalize(stmt);
	if (r == SYM_OK)
		memcpy(from, supplier ? c.consumer : c.supplier, MEMBER_ID_MAX + 1);
	return r;
}

int
store_round_expire(struct store *st, const uint8_t round[STORE_ID_LEN])
{
	sqlite3_stmt *stmt = NULL;
	int r;

	if ((r = s_prep(st,
	                "UPDATE candidates SET state = 3, supplier_envelope = NULL, "
	                "consumer_envelope = NULL WHERE round = ?1 AND state = 0",
	                &stmt)) != SYM_OK)
		return r;
	s_bind_id(stmt, 1, round);
	if ((r = s_done(stmt)) != SYM_OK)
		return r;
	return sqlite3_changes(st->db);
}

int
store_round_counts(struct store *st, const uint8_t round[STORE_ID_LEN], int64_t counts[4],
                   int64_t *submitted)
{
	sqlite3_stmt *stmt = NULL;
	int r, rc;

	memset(counts, 0, 4 * sizeof(*counts));
	if ((r = s_prep(st, "SELECT state, count(*) FROM candidates WHERE round = ?1 GROUP BY state",
	                &stmt)) != SYM_OK)
		return r;
	s_bind_id(stmt, 1, round);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		int s = sqlite3_column_int(stmt, 0);
		if (s >= 0 && s < 4)
			counts[s] = sqlite3_column_int64(stmt, 1);
	}
	sqlite3_finalize(stmt);
	if (rc != SQLITE_DONE)
		return store_sqlite_err(rc);
	if ((r = s_prep(st, "SELECT count(*) FROM submissions WHERE round = ?1 AND state = 1",
	                &stmt)) != SYM_OK)
		return r;
	s_bind_id(stmt, 1, round);
	rc = sqlite3_step(stmt);
	*submitted = rc == SQLITE_ROW ? sqlite3_column_int64(stmt, 0) : 0;
	sqlite3_finalize(stmt);
	return rc == SQLITE_ROW ? SYM_OK : store_sqlite_err(rc);
}

int
store_candidate_evidence(struct store *st, const uint8_t id[STORE_ID_LEN],
                         struct store_evidence *ev)
{
	sqlite3_stmt *stmt = NULL;
	int r, rc;

	memset(ev, 0, sizeof(*ev));
	if ((r = s_prep(st,
	                "SELECT supplier_evidence, consumer_evidence, supplier_envelope, "
	                "consumer_envelope FROM candidates WHERE id = ?1",
	                &stmt)) != SYM_OK)
		return r;
	s_bind_id(stmt, 1, id);
	rc = sqlite3_step(stmt);
	if (rc != SQLITE_ROW) {
		r = rc == SQLITE_DONE ? SYM_ERR_NOT_FOUND : store_sqlite_err(rc);
	} else if ((r = s_blob_dup(stmt, 0, &ev->supplier_request, &ev->supplier_request_len)) !=
	               SYM_OK ||
	           (r = s_blob_dup(stmt, 1, &ev->consumer_request, &ev->consumer_request_len)) !=
	               SYM_OK ||
	           (r = s_blob_dup(stmt, 2, &ev->supplier_envelope, &ev->supplier_envelope_len)) !=
	               SYM_OK ||
	           (r = s_blob_dup(stmt, 3, &ev->consumer_envelope, &ev->consumer_envelope_len)) !=
	               SYM_OK) {
		store_evidence_clear(ev);
	}
	sqlite3_finalize(stmt);
	return r;
}

void
store_evidence_clear(struct store_evidence *ev)
{
	free(ev->supplier_request);
	free(ev->consumer_request);
	free(ev->supplier_envelope);
	free(ev->consumer_envelope);
	memset(ev, 0, sizeof(*ev));
}

int
store_rounds_list(struct store *st, uint8_t (**ids)[STORE_ID_LEN], size_t *n)
{
	uint8_t(*list)[STORE_ID_LEN] = NULL, (*t)[STORE_ID_LEN];
	sqlite3_stmt *stmt = NULL;
	size_t count = 0;
	int r, rc;

	*ids = NULL;
	*n = 0;
	if ((r = s_prep(st, "SELECT id FROM rounds ORDER BY seq", &stmt)) != SYM_OK)
		return r;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if ((t = realloc(list, (count + 1) * sizeof(*list))) == NULL) {
			r = SYM_ERR_ALLOC;
			break;
		}
		list = t;
		if ((r = s_blob_exact(stmt, 0, list[count], STORE_ID_LEN)) != SYM_OK)
			break;
		count++;
	}
	if (r == SYM_OK && rc != SQLITE_DONE)
		r = store_sqlite_err(rc);
	sqlite3_finalize(stmt);
	if (r != SYM_OK) {
		free(list);
		return r;
	}
	*ids = list;
	*n = count;
	return SYM_OK;
}
