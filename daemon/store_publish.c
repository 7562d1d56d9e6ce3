/*
 * The classes the sides of an agreed exchange chose to publish in the park's
 * diagram (`symbi accept --publish`), and the agreed exchanges of a round
 * with them, for the report. A class is two taxonomy levels a company
 * agreed to show; the store holds nothing finer.
 */
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "store.h"
#include "store_internal.h"

int
store_publish_put(struct store *st, const uint8_t id[STORE_ID_LEN], const char *member,
                  const char *cls)
{
	struct store_candidate c;
	int r, changed;

	if (cls == NULL || cls[0] == '\0' || strnlen(cls, STORE_CLASS_MAX) >= STORE_CLASS_MAX)
		return SYM_ERR_INVALID;
	if ((r = store_candidate_get(st, id, &c)) != SYM_OK)
		return r;
	if (strcmp(c.supplier, member) != 0 && strcmp(c.consumer, member) != 0)
		return SYM_ERR_NOT_FOUND;
	changed =
	    store_sql_update(&st->sql,
	                     strcmp(c.supplier, member) == 0
	                         ? "UPDATE candidates SET supplier_publish = ?2 WHERE id = ?1 "
	                           "AND supplier_publish IS NULL"
	                         : "UPDATE candidates SET consumer_publish = ?2 WHERE id = ?1 "
	                           "AND consumer_publish IS NULL",
	                     STORE_ARGS(store_arg_id(id), store_arg_text(cls)));
	if (changed < 0)
		return changed;
	return changed == 1 ? SYM_OK : SYM_ERR_EXISTS;
}

static int
s_agreed_row(sqlite3_stmt *stmt, void *item)
{
	struct store_agreed *a = item;
	int e, side;

	if ((e = store_sql_col_blob(stmt, 0, a->id, STORE_ID_LEN)) != SYM_OK ||
	    (e = store_sql_col_text(stmt, 1, a->supplier, sizeof(a->supplier))) != SYM_OK ||
	    (e = store_sql_col_text(stmt, 2, a->consumer, sizeof(a->consumer))) != SYM_OK)
		return e;
	for (side = 0; side < 2; side++)
		if (!store_sql_col_is_null(stmt, 3 + side) &&
		    (e = store_sql_col_text(stmt, 3 + side, a->publish[side],
		                            sizeof(a->publish[side]))) != SYM_OK)
			return e;
	return SYM_OK;
}

int
store_round_agreed(struct store *st, const uint8_t round[STORE_ID_LEN], struct store_agreed **out,
                   size_t *n)
{
	static const struct store_sql_list how = {sizeof(struct store_agreed), s_agreed_row, NULL};
	void *list = NULL;
	int r;

	*out = NULL;
	if ((r = store_sql_list(&st->sql,
	                        "SELECT id, supplier, consumer, supplier_publish, consumer_publish "
	                        "FROM candidates WHERE round = ?1 AND state = 1 ORDER BY id",
	                        STORE_ARGS(store_arg_id(round)), &how, &list, n)) != SYM_OK)
		return r;
	*out = list; /* transferred */
	return SYM_OK;
}
