/*
 * The store's park indicators: each round's secure-sum state and its sums.
 * Only totals over a round's included members are ever written here; a
 * member's own vector reaches the coordinator masked and is not kept.
 */
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "store.h"
#include "store_internal.h"

int
store_indicator_round_set(struct store *st, const struct store_indicator_round *r)
{
	if (r->state < INDICATORS_COLLECTING || r->state > INDICATORS_FAILED)
		return SYM_ERR_INVALID;
	return store_sql_exec(
	    &st->sql,
	    "INSERT INTO indicator_rounds (round, state, included, threshold, reason, updated_ms) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (round) DO UPDATE SET state = ?2, "
	    "included = ?3, threshold = ?4, reason = ?5, updated_ms = ?6",
	    STORE_ARGS(store_arg_id(r->round), store_arg_int(r->state), store_arg_int(r->included),
	               store_arg_int(r->threshold), store_arg_text(r->reason),
	               store_arg_int(r->updated_ms)));
}

static int
s_indicator_round_row(sqlite3_stmt *stmt, void *item)
{
	struct store_indicator_round *r = item;
	int included = 0, threshold = 0;
	char *reason = NULL;
	int e;

	if ((e = store_sql_col_blob(stmt, 0, r->round, STORE_ID_LEN)) != SYM_OK ||
	    (e = store_sql_col_int(stmt, 1, INDICATORS_COLLECTING, INDICATORS_FAILED, &r->state)) !=
	        SYM_OK ||
	    (e = store_sql_col_int(stmt, 2, 0, INT32_MAX, &included)) != SYM_OK ||
	    (e = store_sql_col_int(stmt, 3, 0, INT32_MAX, &threshold)) != SYM_OK ||
	    (e = store_sql_col_text_dup(stmt, 4, sizeof(r->reason) - 1, &reason)) != SYM_OK ||
	    (e = store_sql_col_int64(stmt, 5, INT64_MIN, INT64_MAX, &r->updated_ms)) != SYM_OK) {
		free(reason);
		return e;
	}
	snprintf(r->reason, sizeof(r->reason), "%s", reason);
	free(reason);
	r->included = (uint32_t)included;
	r->threshold = (uint32_t)threshold;
	return SYM_OK;
}

int
store_indicator_round_get(struct store *st, const uint8_t round[STORE_ID_LEN],
                          struct store_indicator_round *out)
{
	return store_sql_get(&st->sql,
	                     "SELECT round, state, included, threshold, reason, updated_ms "
	                     "FROM indicator_rounds WHERE round = ?1",
	                     STORE_ARGS(store_arg_id(round)), s_indicator_round_row, out,
	                     sizeof(*out));
}

static int
s_round_id_row(sqlite3_stmt *stmt, void *item)
{
	return store_sql_col_blob(stmt, 0, item, STORE_ID_LEN);
}

int
store_indicator_latest_done(struct store *st, uint8_t round[STORE_ID_LEN])
{
	return store_sql_get(
	    &st->sql,
	    "SELECT i.round FROM indicator_rounds i JOIN rounds r ON r.id = i.round "
	    "WHERE i.state = 1 ORDER BY r.seq DESC LIMIT 1",
	    STORE_NO_ARGS, s_round_id_row, round, STORE_ID_LEN);
}

int
store_indicator_sums_put(struct store *st, const uint8_t round[STORE_ID_LEN],
                         const struct store_indicator_cell *cells, size_t n)
{
	size_t i;
	int r;

	if ((r = store_sql_exec(&st->sql, "DELETE FROM indicator_sums WHERE round = ?1",
	                        STORE_ARGS(store_arg_id(round)))) != SYM_OK)
		return r;
	for (i = 0; i < n; i++) {
		if (cells[i].cls[0] == '\0' || cells[i].indicator[0] == '\0' ||
		    memchr(cells[i].cls, '\0', sizeof(cells[i].cls)) == NULL ||
		    memchr(cells[i].indicator, '\0', sizeof(cells[i].indicator)) == NULL)
			return SYM_ERR_INVALID;
		if ((r = store_sql_exec(
		         &st->sql,
		         "INSERT INTO indicator_sums (round, class, indicator, value) "
		         "VALUES (?1, ?2, ?3, ?4)",
		         STORE_ARGS(store_arg_id(round), store_arg_text(cells[i].cls),
		                    store_arg_text(cells[i].indicator),
		                    store_arg_int((int64_t)cells[i].value)))) != SYM_OK)
			return r;
	}
	return SYM_OK;
}

static int
s_cell_row(sqlite3_stmt *stmt, void *item)
{
	struct store_indicator_cell *c = item;
	int64_t v = 0;
	int e;

	if ((e = store_sql_col_text(stmt, 0, c->cls, sizeof(c->cls))) != SYM_OK ||
	    (e = store_sql_col_text(stmt, 1, c->indicator, sizeof(c->indicator))) != SYM_OK ||
	    (e = store_sql_col_int64(stmt, 2, INT64_MIN, INT64_MAX, &v)) != SYM_OK)
		return e;
	c->value = (uint64_t)v; /* the sum's bits, stored as int64 */
	return SYM_OK;
}

int
store_indicator_sums_get(struct store *st, const uint8_t round[STORE_ID_LEN],
                         struct store_indicator_cell **cells, size_t *n)
{
	static const struct store_sql_list how = {sizeof(struct store_indicator_cell), s_cell_row,
	                                          NULL};
	void *list = NULL;
	int r;

	*cells = NULL;
	if ((r = store_sql_list(
	         &st->sql,
	         "SELECT class, indicator, value FROM indicator_sums WHERE round = ?1 "
	         "ORDER BY class, indicator",
	         STORE_ARGS(store_arg_id(round)), &how, &list, n)) != SYM_OK)
		return r;
	*cells = list; /* transferred */
	return SYM_OK;
}
