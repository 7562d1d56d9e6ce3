/* The store's audit-log table: entries in order with their leaf hashes. */
#include <limits.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "store.h"
#include "store_internal.h"

#define STORE_LOG_ENTRY_MAX (16u << 20)

int
store_log_append(struct store *st, const char *kind, const uint8_t *body, size_t len,
                 const uint8_t leaf[32], int64_t at_ms, uint64_t *index)
{
	int64_t idx = 0;
	int r;

	if (len > STORE_LOG_ENTRY_MAX)
		return SYM_ERR_LIMIT;
	if ((r = store_sql_insert_returning(
	         &st->sql,
	         "INSERT INTO log_entries (idx, kind, body, leaf, at_ms) VALUES ((SELECT "
	         "coalesce(max(idx) + 1, 0) FROM log_entries), ?1, ?2, ?3, ?4) RETURNING idx",
	         STORE_ARGS(store_arg_text(kind), store_arg_blob_or_null(body, len),
	                    store_arg_hash(leaf), store_arg_int(at_ms)),
	         &idx)) != SYM_OK)
		return r;
	*index = (uint64_t)idx;
	return SYM_OK;
}

/* The caller's callback and its state, for the row functions below. */
struct s_visit {
	store_leaf_fn leaf;
	store_entry_fn entry;
	store_batch_row_fn batch;
	void *arg;
	uint64_t expect;  /* the next leaf index */
	struct store *st; /* for batches: the round, the file open and whose it is */
	uint8_t round[STORE_ID_LEN], sub[STORE_ID_LEN];
	int fd;
	char path[PATH_MAX];
};

static int
s_leaf_row(void *arg, sqlite3_stmt *stmt)
{
	struct s_visit *v = arg;
	uint8_t leaf[32];
	int64_t idx = 0;
	int r;

	/* A gap or a malformed leaf would silently change every later root. */
	if ((r = store_sql_col_int64(stmt, 0, 0, INT64_MAX, &idx)) != SYM_OK ||
	    (r = store_sql_col_blob(stmt, 1, leaf, sizeof(leaf))) != SYM_OK)
		return r;
	if ((uint64_t)idx != v->expect)
		return SYM_ERR_FORMAT;
	v->expect++;
	return v->leaf(v->arg, leaf);
}

int
store_log_leaves(struct store *st, uint64_t from, store_leaf_fn fn, void *arg)
{
	struct s_visit v = {.leaf = fn, .arg = arg, .expect = from};

	return store_sql_foreach(&st->sql,
	                         "SELECT idx, leaf FROM log_entries WHERE idx >= ?1 ORDER BY idx",
	                         STORE_ARGS(store_arg_int((int64_t)from)), s_leaf_row, &v);
}

static int
s_entry_row(void *arg, sqlite3_stmt *stmt)
{
	struct s_visit *v = arg;
	const uint8_t *body;
	size_t len;
	int r;

	/* Read in place: an entry is passed on, never kept. */
	if ((r = store_sql_col_blob_ref(stmt, 0, &body, &len)) != SYM_OK)
		return r;
	return v->entry(v->arg, body, len);
}

int
store_log_foreach(struct store *st, store_entry_fn fn, void *arg)
{
	struct s_visit v = {.entry = fn, .arg = arg};

	return store_sql_foreach(&st->sql, "SELECT body FROM log_entries ORDER BY idx",
	                         STORE_NO_ARGS, s_entry_row, &v);
}

static int
s_batch_row(void *arg, sqlite3_stmt *stmt)
{
	struct s_visit *v = arg;
	char sub[MEMBER_ID_MAX + 1], cp[MEMBER_ID_MAX + 1];
	const uint8_t *offers, *needs;
	size_t offers_len, needs_len;
	struct store_batch_loc loc;
	uint8_t sub_id[STORE_ID_LEN], *buf = NULL;
	int64_t ol = 0, nl = 0;
	int r;

	if ((r = store_sql_col_text(stmt, 0, sub, sizeof(sub))) != SYM_OK ||
	    (r = store_sql_col_text(stmt, 1, cp, sizeof(cp))) != SYM_OK ||
	    (r = store_sql_col_blob_ref(stmt, 2, &offers, &offers_len)) != SYM_OK ||
	    (r = store_sql_col_blob_ref(stmt, 3, &needs, &needs_len)) != SYM_OK)
		return r;
	/* A round from before batch files has its sets in the row. */
	if (store_sql_col_is_null(stmt, 4))
		return v->batch(v->arg, sub, cp, offers, offers_len, needs, needs_len);
	if ((r = store_sql_col_int64(stmt, 4, BATCHFILE_HEADER, INT64_MAX, &loc.off)) != SYM_OK ||
	    (r = store_sql_col_int64(stmt, 5, 0, STORE_BLOB_MAX, &ol)) != SYM_OK ||
	    (r = store_sql_col_int64(stmt, 6, 0, STORE_BLOB_MAX, &nl)) != SYM_OK ||
	    (r = store_sql_col_blob(stmt, 7, loc.digest, 32)) != SYM_OK ||
	    (r = store_sql_col_blob(stmt, 8, sub_id, STORE_ID_LEN)) != SYM_OK)
		return r;
	loc.offers_len = (size_t)ol;
	loc.needs_len = (size_t)nl;
	/* Rows come by submitter: one file open at a time. */
	if (v->fd < 0 || memcmp(v->sub, sub_id, STORE_ID_LEN) != 0) {
		if (v->fd >= 0)
			close(v->fd);
		v->fd = -1;
		if ((r = store_batchfile_path(v->st, v->round, sub_id, v->path, sizeof(v->path))) !=
		        SYM_OK ||
		    (r = store_batchfile_open(v->st, v->round, sub_id, 0, &v->fd)) != SYM_OK)
			return r;
		memcpy(v->sub, sub_id, STORE_ID_LEN);
	}
	if ((r = store_batchfile_read(v->fd, v->path, &loc, cp, 0, &buf)) != SYM_OK)
		return r;
	r = v->batch(v->arg, sub, cp, buf, loc.offers_len, buf + loc.offers_len, loc.needs_len);
	free(buf);
	return r;
}

int
store_round_batches_foreach(struct store *st, const uint8_t round[STORE_ID_LEN],
                            store_batch_row_fn fn, void *arg)
{
	struct s_visit v = {.batch = fn, .arg = arg, .st = st, .fd = -1};
	int r;

	memcpy(v.round, round, STORE_ID_LEN);
	r = store_sql_foreach(&st->sql,
	                      "SELECT s.member, b.counterpart, b.offers, b.needs, b.file_off, "
	                      "b.offers_len, b.needs_len, b.digest, s.id FROM batches b JOIN "
	                      "submissions s ON b.submission = s.id WHERE s.round = ?1 AND "
	                      "s.state = 1 ORDER BY s.member, b.seq",
	                      STORE_ARGS(store_arg_id(round)), s_batch_row, &v);
	if (v.fd >= 0)
		close(v.fd);
	return r;
}

int
store_log_latest(struct store *st, const char *kind, uint64_t *index, uint8_t **body, size_t *len)
{
	sqlite3_stmt *stmt = NULL;
	int64_t idx = 0;
	int r;

	*body = NULL;
	*len = 0;
	if ((r = store_sql_row(&st->sql, &stmt,
	                       "SELECT idx, body FROM log_entries WHERE kind = ?1 "
	                       "ORDER BY idx DESC LIMIT 1",
	                       STORE_ARGS(store_arg_text(kind)))) != SYM_OK)
		return r;
	if ((r = store_sql_col_int64(stmt, 0, 0, INT64_MAX, &idx)) == SYM_OK)
		r = store_sql_col_blob_dup(stmt, 1, STORE_LOG_ENTRY_MAX, body, len);
	store_sql_release(&st->sql, stmt);
	*index = (uint64_t)idx;
	return r;
}
