/* The store's audit-log table: entries in order with their leaf hashes. */
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"
#include "store_internal.h"

#define STORE_LOG_ENTRY_MAX (16u << 20)

int
store_log_append(struct store *st, const char *kind, const uint8_t *body, size_t len,
                 const uint8_t leaf[32], int64_t at_ms, uint64_t *index)
{
	sqlite3_stmt *stmt = NULL;
	int rc, r;

	if (len > STORE_LOG_ENTRY_MAX)
		return SYM_ERR_LIMIT;
	rc = sqlite3_prepare_v2(st->db,
	                        "INSERT INTO log_entries (idx, kind, body, leaf, at_ms) VALUES "
	                        "((SELECT coalesce(max(idx) + 1, 0) FROM log_entries), ?1, ?2, ?3, "
	                        "?4) RETURNING idx",
	                        -1, &stmt, NULL);
	if (rc != SQLITE_OK)
		return store_sqlite_err(rc);
	sqlite3_bind_text(stmt, 1, kind, -1, SQLITE_STATIC);
	sqlite3_bind_blob(stmt, 2, body, (int)len, SQLITE_STATIC);
	sqlite3_bind_blob(stmt, 3, leaf, 32, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 4, at_ms);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		*index = (uint64_t)sqlite3_column_int64(stmt, 0);
		rc = sqlite3_step(stmt);
	}
	r = rc == SQLITE_DONE ? SYM_OK : store_sqlite_err(rc);
	sqlite3_finalize(stmt);
	return r;
}

int
store_log_leaves(struct store *st, uint64_t from, store_leaf_fn fn, void *arg)
{
	sqlite3_stmt *stmt = NULL;
	uint64_t expect = from;
	int rc, r = SYM_OK;

	rc = sqlite3_prepare_v2(st->db, "SELECT idx, leaf FROM log_entries WHERE idx >= ?1 ORDER BY idx",
	                        -1, &stmt, NULL);
	if (rc != SQLITE_OK)
		return store_sqlite_err(rc);
	sqlite3_bind_int64(stmt, 1, (int64_t)from);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		/* A gap or a malformed leaf would silently change every later root. */
		if ((uint64_t)sqlite3_column_int64(stmt, 0) != expect ||
		    sqlite3_column_type(stmt, 1) != SQLITE_BLOB || sqlite3_column_bytes(stmt, 1) != 32) {
			r = SYM_ERR_FORMAT;
			break;
		}
		if ((r = fn(arg, sqlite3_column_blob(stmt, 1))) != SYM_OK)
			break;
		expect++;
	}
	if (r == SYM_OK && rc != SQLITE_DONE)
		r = store_sqlite_err(rc);
	sqlite3_finalize(stmt);
	return r;
}

int
store_log_foreach(struct store *st, store_entry_fn fn, void *arg)
{
	sqlite3_stmt *stmt = NULL;
	int rc, r = SYM_OK;

	rc = sqlite3_prepare_v2(st->db, "SELECT body FROM log_entries ORDER BY idx", -1, &stmt, NULL);
	if (rc != SQLITE_OK)
		return store_sqlite_err(rc);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (sqlite3_column_type(stmt, 0) != SQLITE_BLOB) {
			r = SYM_ERR_FORMAT;
			break;
		}
		if ((r = fn(arg, sqlite3_column_blob(stmt, 0), (size_t)sqlite3_column_bytes(stmt, 0))) !=
		    SYM_OK)
			break;
	}
	if (r == SYM_OK && rc != SQLITE_DONE)
		r = store_sqlite_err(rc);
	sqlite3_finalize(stmt);
	return r;
}

int
store_round_batches_foreach(struct store *st, const uint8_t round[STORE_ID_LEN],
                            store_batch_row_fn fn, void *arg)
{
	sqlite3_stmt *stmt = NULL;
	char sub[MEMBER_ID_MAX + 1], cp[MEMBER_ID_MAX + 1];
	int rc, r = SYM_OK, n;

	rc = sqlite3_prepare_v2(st->db,
	                        "SELECT s.member, b.counterpart, b.offers, b.needs FROM batches b "
	                        "JOIN submissions s ON b.submission = s.id WHERE s.round = ?1 AND "
	                        "s.state = 1 ORDER BY s.member, b.seq",
	                        -1, &stmt, NULL);
	if (rc != SQLITE_OK)
		return store_sqlite_err(rc);
	sqlite3_bind_blob(stmt, 1, round, STORE_ID_LEN, SQLITE_STATIC);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		const unsigned char *a = sqlite3_column_text(stmt, 0), *b = sqlite3_column_text(stmt, 1);
		if (a == NULL || b == NULL || (n = sqlite3_column_bytes(stmt, 0)) <= 0 ||
		    n > MEMBER_ID_MAX || sqlite3_column_bytes(stmt, 1) <= 0 ||
		    sqlite3_column_bytes(stmt, 1) > MEMBER_ID_MAX) {
			r = SYM_ERR_FORMAT;
			break;
		}
		memcpy(sub, a, (size_t)n + 1);
		memcpy(cp, b, (size_t)sqlite3_column_bytes(stmt, 1) + 1);
		if ((r = fn(arg, sub, cp, sqlite3_column_blob(stmt, 2),
		            (size_t)sqlite3_column_bytes(stmt, 2), sqlite3_column_blob(stmt, 3),
		            (size_t)sqlite3_column_bytes(stmt, 3))) != SYM_OK)
			break;
	}
	if (r == SYM_OK && rc != SQLITE_DONE)
		r = store_sqlite_err(rc);
	sqlite3_finalize(stmt);
	return r;
}
