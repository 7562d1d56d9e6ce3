/*
 * The store's replay memory: each (member, request id) seen, with the
 * response sent, so a repeated request gets the same answer and is never
 * executed twice.
 */
#include <stdint.h>
#include <stdlib.h>

#include "err.h"
#include "store.h"
#include "store_internal.h"

int
store_request_seen(struct store *st, const char *member, const uint8_t request_id[16],
                   uint8_t **response, size_t *response_len)
{
	sqlite3_stmt *stmt = NULL;
	int r;

	if (response != NULL)
		*response = NULL;
	if (response_len != NULL)
		*response_len = 0;
	if (st == NULL || !store_id_ok(member) || request_id == NULL || response == NULL ||
	    response_len == NULL)
		return SYM_ERR_INVALID;
	if ((r = store_sql_row(&st->sql, &stmt,
	                       "SELECT response FROM seen_requests WHERE member = ?1 AND "
	                       "request_id = ?2",
	                       STORE_ARGS(store_arg_text(member), store_arg_id(request_id)))) !=
	    SYM_OK)
		return r;
	/* A request answered with no payload was stored as NULL. */
	if (!store_sql_col_is_null(stmt, 0) &&
	    (r = store_sql_col_blob_dup(stmt, 0, SIZE_MAX - 1, response, response_len)) == SYM_OK &&
	    *response_len == 0) {
		free(*response);
		*response = NULL;
	}
	store_sql_release(&st->sql, stmt);
	return r;
}

int
store_request_remember(struct store *st, const char *member, const uint8_t request_id[16],
                       uint64_t at_ms, const uint8_t *response, size_t response_len)
{
	if (st == NULL || !store_id_ok(member) || request_id == NULL ||
	    at_ms > (uint64_t)INT64_MAX || (response == NULL && response_len != 0))
		return SYM_ERR_INVALID;
	return store_sql_exec(&st->sql,
	                      "INSERT INTO seen_requests (member, request_id, at_ms, response) "
	                      "VALUES (?1, ?2, ?3, ?4)",
	                      STORE_ARGS(store_arg_text(member), store_arg_id(request_id),
	                                 store_arg_int((int64_t)at_ms),
	                                 store_arg_blob_or_null(response, response_len)));
}

int
store_requests_prune(struct store *st, uint64_t before_ms)
{
	if (st == NULL || before_ms > (uint64_t)INT64_MAX)
		return SYM_ERR_INVALID;
	return store_sql_exec(&st->sql, "DELETE FROM seen_requests WHERE at_ms < ?1",
	                      STORE_ARGS(store_arg_int((int64_t)before_ms)));
}
