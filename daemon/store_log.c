/* The store's audit-log table: entries in order with their leaf hashes. */
#include <sqlite3.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "store.h"
#include "store_internal.h"

#define STORE_LOG_ENTRY_MAX (16u << 20)

int
store_log_append(struct store *st, const char *kind, const uint8_t *body, size_t len,
                 const uint8_t leaf[32], int64_t at_ms, uint64_t *index)
{
	sqlite3_stmt *stmt = NULL;
	int64_t idx = 0;
	int r;

	if (len > STORE_LOG_ENTRY_MAX)
		return SYM_ERR_LIMIT;
	if ((r = store_sql_row(&st->sql, &stmt,
	                       "INSERT INTO log_entries (idx, kind, body, leaf, at_ms) VALUES "
	                       "((SELECT coalesce(max(idx) + 1, 0) FROM log_entries), ?1, ?2, ?3, "
	                       "?4) RETURNING idx",
	                       STORE_ARGS(store_arg_text(kind), store_arg_blob_or_null(body, len),
	                                  store_arg_hash(leaf), store_arg_int(at_ms)))) != SYM_OK)
		return r == SYM_ERR_NOT_FOUND ? SYM_ERR_INTERNAL : r;
	/* Run the statement to completion so the write is complete. */
	if ((r = store_sql_col_int64(stmt, 0, 0, INT64_MAX, &idx)) == SYM_OK &&
	    (r = store_sql_step(stmt)) != 0)
		r = r > 0 ? SYM_ERR_INTERNAL : r;
	store_sql_release(&st->sql, stmt);
	if (r == SYM_OK)
		*index = (uint64_t)idx;
	return r;
}

struct s_leaves {
	uint64_t expect;
	store_leaf_fn fn;
	void *arg;
};

static int
s_leaf_row(void *arg, sqlite3_stmt *stmt)
{
	struct s_leaves *l = arg;
	uint8_t leaf[32];
	int64_t idx = 0;
	int r;

	/* A gap or a malformed leaf would silently change every later root. */
	if ((r = store_sql_col_int64(stmt, 0, 0, INT64_MAX, &idx)) != SYM_OK ||
	    (r = store_sql_col_blob(stmt, 1, leaf, sizeof(leaf))) != SYM_OK)
		return r;
	if ((uint64_t)idx != l->expect)
		return SYM_ERR_FORMAT;
	l->expect++;
	return l->fn(l->arg, leaf);
}

int
store_log_leaves(struct store *st, uint64_t from, store_leaf_fn fn, void *arg)
{
	struct s_leaves l = {from, fn, arg};

	return store_sql_foreach(&st->sql,
	                         "SELECT idx, leaf FROM log_entries WHERE idx >= ?1 ORDER BY idx",
	                         STORE_ARGS(store_arg_int((int64_t)from)), s_leaf_row, &l);
}

struct s_entries {
	store_entry_fn fn;
	void *arg;
};

static int
s_entry_row(void *arg, sqlite3_stmt *stmt)
{
	struct s_entries *e = arg;

	if (sqlite3_column_type(stmt, 0) != SQLITE_BLOB)
		return SYM_ERR_FORMAT;
	/* Read in place: an entry is passed on, never kept. */
	return e->fn(e->arg, sqlite3_column_blob(stmt, 0), (size_t)sqlite3_column_bytes(stmt, 0));
}

int
store_log_foreach(struct store *st, store_entry_fn fn, void *arg)
{
	struct s_entries e = {fn, arg};

	return store_sql_foreach(&st->sql, "SELECT body FROM log_entries ORDER BY idx",
	                         STORE_NO_ARGS, s_entry_row, &e);
}

struct s_batches {
	store_batch_row_fn fn;
	void *arg;
};

static int
s_batch_row(void *arg, sqlite3_stmt *stmt)
{
	struct s_batches *b = arg;
	char sub[MEMBER_ID_MAX + 1], cp[MEMBER_ID_MAX + 1];
	int r;

	if ((r = store_sql_col_text(stmt, 0, sub, sizeof(sub))) != SYM_OK ||
	    (r = store_sql_col_text(stmt, 1, cp, sizeof(cp))) != SYM_OK)
		return r;
	return b->fn(b->arg, sub, cp, sqlite3_column_blob(stmt, 2),
	             (size_t)sqlite3_column_bytes(stmt, 2), sqlite3_column_blob(stmt, 3),
	             (size_t)sqlite3_column_bytes(stmt, 3));
}

int
store_round_batches_foreach(struct store *st, const uint8_t round[STORE_ID_LEN],
                            store_batch_row_fn fn, void *arg)
{
	struct s_batches b = {fn, arg};

	return store_sql_foreach(&st->sql,
	                         "SELECT s.member, b.counterpart, b.offers, b.needs FROM batches b "
	                         "JOIN submissions s ON b.submission = s.id WHERE s.round = ?1 AND "
	                         "s.state = 1 ORDER BY s.member, b.seq",
	                         STORE_ARGS(store_arg_id(round)), s_batch_row, &b);
}
