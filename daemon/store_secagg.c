/*
 * Secure aggregation's working state: where a round's indicator collection
 * stands, and what members sent for it. Vectors arrive masked and shares
 * sealed to their recipients; unmasking answers hold only what members
 * reveal to the coordinator on purpose. Everything but the progress row is
 * deleted when the round's sums are done or failed.
 */
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "store.h"
#include "store_internal.h"

#define SECAGG_MSG_MAX (4u << 20)

int
store_secagg_open(struct store *st, const uint8_t round[STORE_ID_LEN], int64_t window_ms)
{
	return store_sql_exec(&st->sql,
	                      "INSERT INTO indicator_progress (round, stage, window_ms) "
	                      "VALUES (?1, 0, ?2)",
	                      STORE_ARGS(store_arg_id(round), store_arg_int(window_ms)));
}

void
store_secagg_clear(struct store_secagg *s)
{
	free(s->submitters);
	free(s->included);
	free(s->included_entry);
	memset(s, 0, sizeof(*s));
}

static int
s_progress_row(sqlite3_stmt *stmt, void *item)
{
	struct store_secagg *s = item;
	int e;

	if ((e = store_sql_col_blob(stmt, 0, s->round, STORE_ID_LEN)) != SYM_OK ||
	    (e = store_sql_col_int(stmt, 1, SECAGG_WAITING, SECAGG_FINISHED, &s->stage)) !=
	        SYM_OK ||
	    (e = store_sql_col_int64(stmt, 2, 1, INT64_MAX, &s->window_ms)) != SYM_OK ||
	    (e = store_sql_col_int64(stmt, 3, 0, INT64_MAX, &s->deadline_ms)) != SYM_OK ||
	    (e = store_sql_col_text_dup(stmt, 4, SECAGG_MSG_MAX, &s->submitters)) != SYM_OK ||
	    (e = store_sql_col_int64(stmt, 7, -1, INT64_MAX, &s->included_index)) != SYM_OK)
		goto fail;
	if (!store_sql_col_is_null(stmt, 5) &&
	    ((e = store_sql_col_blob_dup(stmt, 5, SECAGG_MSG_MAX, &s->included,
	                                 &s->included_len)) != SYM_OK ||
	     (e = store_sql_col_blob(stmt, 6, s->included_hash, 32)) != SYM_OK ||
	     (e = store_sql_col_blob_dup(stmt, 8, SECAGG_MSG_MAX, &s->included_entry,
	                                 &s->included_entry_len)) != SYM_OK))
		goto fail;
	return SYM_OK;
fail:
	store_secagg_clear(s);
	return e;
}

int
store_secagg_get(struct store *st, const uint8_t round[STORE_ID_LEN], struct store_secagg *out)
{
	return store_sql_get(
	    &st->sql,
	    "SELECT round, stage, window_ms, deadline_ms, submitters, included, "
	    "included_hash, included_index, included_entry FROM indicator_progress "
	    "WHERE round = ?1",
	    STORE_ARGS(store_arg_id(round)), s_progress_row, out, sizeof(*out));
}

int
store_secagg_put(struct store *st, const struct store_secagg *s)
{
	if (s->stage < SECAGG_WAITING || s->stage > SECAGG_FINISHED || s->window_ms <= 0)
		return SYM_ERR_INVALID;
	return store_sql_exec(
	    &st->sql,
	    "INSERT INTO indicator_progress (round, stage, window_ms, deadline_ms, submitters, "
	    "included, included_hash, included_index, included_entry) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) "
	    "ON CONFLICT (round) DO UPDATE SET stage = ?2, window_ms = ?3, deadline_ms = ?4, "
	    "submitters = ?5, included = ?6, included_hash = ?7, included_index = ?8, "
	    "included_entry = ?9",
	    STORE_ARGS(store_arg_id(s->round), store_arg_int(s->stage), store_arg_int(s->window_ms),
	               store_arg_int(s->deadline_ms),
	               store_arg_text(s->submitters ? s->submitters : "[]"),
	               store_arg_blob_or_null(s->included, s->included_len),
	               store_arg_blob_or_null(s->included ? s->included_hash : NULL, 32),
	               store_arg_int(s->included_index),
	               store_arg_blob_or_null(s->included_entry, s->included_entry_len)));
}

static int
s_round_row(sqlite3_stmt *stmt, void *item)
{
	return store_sql_col_blob(stmt, 0, item, STORE_ID_LEN);
}

int
store_secagg_active(struct store *st, uint8_t (**rounds)[STORE_ID_LEN], size_t *n)
{
	static const struct store_sql_list how = {STORE_ID_LEN, s_round_row, NULL};
	void *list = NULL;
	int r;

	*rounds = NULL;
	if ((r = store_sql_list(&st->sql,
	                        "SELECT p.round FROM indicator_progress p JOIN rounds r ON "
	                        "r.id = p.round WHERE p.stage BETWEEN 1 AND 3 ORDER BY r.seq",
	                        STORE_NO_ARGS, &how, &list, n)) != SYM_OK)
		return r;
	*rounds = list; /* transferred */
	return SYM_OK;
}

int
store_secagg_msg_put(struct store *st, const uint8_t round[STORE_ID_LEN], int kind,
                     const char *member, const uint8_t *data, size_t len, int *repeated)
{
	sqlite3_stmt *stmt = NULL;
	const uint8_t *old = NULL;
	size_t old_len = 0;
	int r;

	*repeated = 0;
	if (!store_id_ok(member) || len == 0 || len > SECAGG_MSG_MAX)
		return SYM_ERR_INVALID;
	r = store_sql_row(
	    &st->sql, &stmt,
	    "SELECT data FROM indicator_msgs WHERE round = ?1 AND kind = ?2 AND "
	    "member = ?3",
	    STORE_ARGS(store_arg_id(round), store_arg_int(kind), store_arg_text(member)));
	if (r == SYM_OK) {
		r = store_sql_col_blob_ref(stmt, 0, &old, &old_len);
		if (r == SYM_OK)
			*repeated = old_len == len && memcmp(old, data, len) == 0;
		store_sql_release(&st->sql, stmt);
		return r != SYM_OK ? r : *repeated ? SYM_OK : SYM_ERR_EXISTS;
	}
	if (r != SYM_ERR_NOT_FOUND)
		return r;
	return store_sql_exec(&st->sql,
	                      "INSERT INTO indicator_msgs (round, kind, member, data) "
	                      "VALUES (?1, ?2, ?3, ?4)",
	                      STORE_ARGS(store_arg_id(round), store_arg_int(kind),
	                                 store_arg_text(member), store_arg_blob(data, len)));
}

int
store_secagg_msg_has(struct store *st, const uint8_t round[STORE_ID_LEN], int kind,
                     const char *member)
{
	sqlite3_stmt *stmt = NULL;
	int r = store_sql_row(
	    &st->sql, &stmt,
	    "SELECT 1 FROM indicator_msgs WHERE round = ?1 AND kind = ?2 AND "
	    "member = ?3",
	    STORE_ARGS(store_arg_id(round), store_arg_int(kind), store_arg_text(member)));

	if (r == SYM_OK) {
		store_sql_release(&st->sql, stmt);
		return 1;
	}
	return r == SYM_ERR_NOT_FOUND ? 0 : r;
}

static int
s_count_row(sqlite3_stmt *stmt, void *item)
{
	return store_sql_col_int(stmt, 0, 0, INT32_MAX, item);
}

int
store_secagg_msg_count(struct store *st, const uint8_t round[STORE_ID_LEN], int kind)
{
	int n = 0, r;

	r = store_sql_get(
	    &st->sql, "SELECT count(*) FROM indicator_msgs WHERE round = ?1 AND kind = ?2",
	    STORE_ARGS(store_arg_id(round), store_arg_int(kind)), s_count_row, &n, sizeof(n));
	return r == SYM_OK ? n : r;
}

static int
s_msg_row(sqlite3_stmt *stmt, void *item)
{
	struct store_secagg_msg *m = item;
	int e;

	if ((e = store_sql_col_text(stmt, 0, m->member, sizeof(m->member))) != SYM_OK)
		return e;
	return store_sql_col_blob_dup(stmt, 1, SECAGG_MSG_MAX, &m->data, &m->len);
}

static void
s_msg_clear(void *item)
{
	struct store_secagg_msg *m = item;

	free(m->data);
	m->data = NULL;
}

static const struct store_sql_list s_msg_list = {sizeof(struct store_secagg_msg), s_msg_row,
                                                 s_msg_clear};

int
store_secagg_msgs(struct store *st, const uint8_t round[STORE_ID_LEN], int kind,
                  struct store_secagg_msg **out, size_t *n)
{
	void *list = NULL;
	int r;

	*out = NULL;
	if ((r = store_sql_list(&st->sql,
	                        "SELECT member, data FROM indicator_msgs WHERE round = ?1 AND "
	                        "kind = ?2 ORDER BY member",
	                        STORE_ARGS(store_arg_id(round), store_arg_int(kind)), &s_msg_list,
	                        &list, n)) != SYM_OK)
		return r;
	*out = list; /* transferred */
	return SYM_OK;
}

void
store_secagg_msgs_free(struct store_secagg_msg **msgs, size_t n)
{
	size_t i;

	if (*msgs == NULL)
		return;
	for (i = 0; i < n; i++)
		free((*msgs)[i].data);
	free(*msgs);
	*msgs = NULL;
}

int
store_secagg_share_put(struct store *st, const uint8_t round[STORE_ID_LEN], const char *sender,
                       const char *recipient, const uint8_t *sealed, size_t len)
{
	if (!store_id_ok(sender) || !store_id_ok(recipient))
		return SYM_ERR_INVALID;
	return store_sql_exec(&st->sql,
	                      "INSERT INTO indicator_shares (round, sender, recipient, sealed) "
	                      "VALUES (?1, ?2, ?3, ?4)",
	                      STORE_ARGS(store_arg_id(round), store_arg_text(sender),
	                                 store_arg_text(recipient), store_arg_blob(sealed, len)));
}

int
store_secagg_shares_for(struct store *st, const uint8_t round[STORE_ID_LEN], const char *recipient,
                        struct store_secagg_msg **out, size_t *n)
{
	void *list = NULL;
	int r;

	*out = NULL;
	if ((r = store_sql_list(&st->sql,
	                        "SELECT sender, sealed FROM indicator_shares WHERE round = ?1 AND "
	                        "recipient = ?2 ORDER BY sender",
	                        STORE_ARGS(store_arg_id(round), store_arg_text(recipient)),
	                        &s_msg_list, &list, n)) != SYM_OK)
		return r;
	*out = list; /* transferred */
	return SYM_OK;
}

int
store_secagg_wipe(struct store *st, const uint8_t round[STORE_ID_LEN])
{
	int r;

	if ((r = store_sql_exec(&st->sql, "DELETE FROM indicator_msgs WHERE round = ?1",
	                        STORE_ARGS(store_arg_id(round)))) != SYM_OK)
		return r;
	st->wipe = 1; /* revealed shares and keys leave no copy in the WAL */
	return SYM_OK;
}

int
store_secagg_shares_sweep(struct store *st, size_t max, size_t *deleted)
{
	int r;

	*deleted = 0;
	r = store_sql_update(
	    &st->sql,
	    "DELETE FROM indicator_shares WHERE rowid IN (SELECT s.rowid FROM "
	    "indicator_shares s JOIN indicator_progress p ON p.round = s.round "
	    "WHERE p.stage = ?1 LIMIT ?2)",
	    STORE_ARGS(store_arg_int(SECAGG_FINISHED), store_arg_int((int64_t)max)));
	if (r < 0)
		return r;
	*deleted = (size_t)r;
	if (*deleted < max)
		st->wipe = 1; /* the last slice: no copy of the pages stays in the WAL */
	return SYM_OK;
}
