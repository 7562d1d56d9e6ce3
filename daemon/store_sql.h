/*
 * The store's one way of talking SQL (internal to daemon/store_*.c): a
 * connection with a small cache of prepared statements keyed by their SQL
 * text, typed arguments bound from one array, a statement run, a one-row
 * lookup, a row loop and a list builder, and column getters that check the
 * type and size of what the database hands back. Every function returns
 * SYM_OK or a negative sym_err code; SQLite's codes never leave this module
 * except through store_sql_err.
 *
 * It knows nothing of the store's tables: tests can drive it over any
 * SQLite connection.
 */
#ifndef SYMBI_STORE_SQL_H
#define SYMBI_STORE_SQL_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "store.h" /* STORE_ID_LEN */

/* Distinct statements the store runs; more still work, prepared per use. */
#define STORE_SQL_CACHE_MAX 64

struct store_sql_cached {
	const char *sql; /* the caller's string literal: compared by address, then text */
	sqlite3_stmt *stmt;
	int busy; /* handed out and not yet released */
};

struct store_sql {
	sqlite3 *db; /* borrowed: store_sql_cache_clear finalizes, never closes */
	struct store_sql_cached cache[STORE_SQL_CACHE_MAX];
	size_t ncached;
};

/* Map a failed SQLite result (extended codes) into our error space. */
int store_sql_err(int rc);

/* Use `db` with an empty cache. */
void store_sql_init(struct store_sql *q, sqlite3 *db);
/* Finalize every cached statement; call before closing the connection. */
void store_sql_cache_clear(struct store_sql *q);

/*
 * The statement for `sql`, reset with no bindings. The cached one unless it
 * is already handed out (a row loop whose callback runs the same SQL) or the
 * cache is full: then a private one. Give it back with store_sql_release.
 * The cache keeps the `sql` pointer: pass a string literal.
 */
int store_sql_prepare(struct store_sql *q, const char *sql, sqlite3_stmt **stmt)
    __attribute__((warn_unused_result));
/* Reset a cached statement for its next use, finalize a private one; NULL is fine. */
void store_sql_release(struct store_sql *q, sqlite3_stmt *stmt);

/* One bound parameter, ?1 first. Build them with the store_arg_* helpers. */
enum store_arg_type {
	STORE_ARG_INT,
	STORE_ARG_TEXT,
	STORE_ARG_BLOB,         /* never NULL: a zero-length blob stays a blob */
	STORE_ARG_BLOB_OR_NULL, /* NULL pointer -> SQL NULL */
};
struct store_sql_arg {
	enum store_arg_type type;
	const void *p;
	size_t len;
	int64_t i;
};

static inline struct store_sql_arg
store_arg_int(int64_t v)
{
	return (struct store_sql_arg){STORE_ARG_INT, NULL, 0, v};
}

static inline struct store_sql_arg
store_arg_text(const char *s)
{
	return (struct store_sql_arg){STORE_ARG_TEXT, s, 0, 0};
}

static inline struct store_sql_arg
store_arg_blob(const void *p, size_t len)
{
	return (struct store_sql_arg){STORE_ARG_BLOB, p, len, 0};
}

static inline struct store_sql_arg
store_arg_blob_or_null(const void *p, size_t len)
{
	return (struct store_sql_arg){STORE_ARG_BLOB_OR_NULL, p, len, 0};
}

/* A round, submission, candidate or request id. */
static inline struct store_sql_arg
store_arg_id(const uint8_t id[STORE_ID_LEN])
{
	return store_arg_blob(id, STORE_ID_LEN);
}

/* A 32-byte digest, commitment or leaf hash. */
static inline struct store_sql_arg
store_arg_hash(const uint8_t hash[32])
{
	return store_arg_blob(hash, 32);
}

/* `args, nargs` for the functions below: STORE_ARGS(store_arg_id(id), store_arg_int(t)). */
#define STORE_ARGS(...)                                                                            \
	(const struct store_sql_arg[]){__VA_ARGS__},                                               \
	    sizeof((const struct store_sql_arg[]){__VA_ARGS__}) / sizeof(struct store_sql_arg)
#define STORE_NO_ARGS NULL, 0

/* Bind `args` to ?1..?n of a prepared statement. */
int store_sql_bind(sqlite3_stmt *stmt, const struct store_sql_arg *args, size_t nargs)
    __attribute__((warn_unused_result));

/*
 * Step once: 1 with a row, 0 when done, or a negative error code. Leaves the
 * statement as it is (the caller releases it).
 */
int store_sql_step(sqlite3_stmt *stmt);

/* Run a statement that returns no row (INSERT, UPDATE, DELETE). */
int store_sql_exec(struct store_sql *q, const char *sql, const struct store_sql_arg *args,
                   size_t nargs) __attribute__((warn_unused_result));
/*
 * Run SQL text without parameters, several statements allowed (BEGIN,
 * migrations). Not warn_unused_result: a ROLLBACK's failure has no remedy.
 */
int store_sql_script(struct store_sql *q, const char *sql);
/* Run an UPDATE or DELETE: how many rows it changed (>= 0), or a negative error. */
int store_sql_update(struct store_sql *q, const char *sql, const struct store_sql_arg *args,
                     size_t nargs);
/*
 * Run a write with "RETURNING <one integer>" to completion (so an autocommit
 * write is committed) and give back that integer, which must be >= 0.
 */
int store_sql_insert_returning(struct store_sql *q, const char *sql,
                               const struct store_sql_arg *args, size_t nargs, int64_t *value)
    __attribute__((warn_unused_result));

/*
 * One row (a lookup by id): SYM_OK with *stmt on the row, to read with the
 * getters and then store_sql_release; SYM_ERR_NOT_FOUND when there is none.
 * On any error *stmt is NULL and nothing needs releasing.
 */
int store_sql_row(struct store_sql *q, sqlite3_stmt **stmt, const char *sql,
                  const struct store_sql_arg *args, size_t nargs)
    __attribute__((warn_unused_result));

/* Call `fn` for each row in order; its first non-SYM_OK result stops the loop and is returned. */
typedef int (*store_sql_row_fn)(void *arg, sqlite3_stmt *stmt);
int store_sql_foreach(struct store_sql *q, const char *sql, const struct store_sql_arg *args,
                      size_t nargs, store_sql_row_fn fn, void *arg)
    __attribute__((warn_unused_result));

/* Fill a zeroed item from the row; on failure leave nothing to free. */
typedef int (*store_sql_decode_fn)(sqlite3_stmt *stmt, void *item);

/*
 * One row (a lookup by id) decoded into `item`, which is zeroed first:
 * SYM_ERR_NOT_FOUND when there is no row.
 */
int store_sql_get(struct store_sql *q, const char *sql, const struct store_sql_arg *args,
                  size_t nargs, store_sql_decode_fn decode, void *item, size_t item_size)
    __attribute__((warn_unused_result));

/* How store_sql_list turns each row into one array element. */
struct store_sql_list {
	size_t size; /* bytes per element */
	store_sql_decode_fn decode;
	/* Free what decode allocated in an element; NULL when it allocates nothing. */
	void (*clear)(void *item);
};

/*
 * Every row decoded into one malloc'd array (*items, *n; NULL and 0 when no
 * row). On failure nothing is returned and everything decoded is cleared.
 */
int store_sql_list(struct store_sql *q, const char *sql, const struct store_sql_arg *args,
                   size_t nargs, const struct store_sql_list *how, void **items, size_t *n)
    __attribute__((warn_unused_result));

/*
 * Column getters. Rows are checked as strictly as caller input: a damaged or
 * tampered database gives SYM_ERR_FORMAT, never a copy past a field.
 */
/* A BLOB of exactly `len` bytes into `dst`. */
int store_sql_col_blob(sqlite3_stmt *stmt, int col, uint8_t *dst, size_t len)
    __attribute__((warn_unused_result));
/*
 * A BLOB read in place: *p is valid until the next step, reset or release,
 * and may be NULL when *len is 0.
 */
int store_sql_col_blob_ref(sqlite3_stmt *stmt, int col, const uint8_t **p, size_t *len)
    __attribute__((warn_unused_result));
/* A BLOB of at most `max` bytes, malloc'd (never NULL, even when empty). */
int store_sql_col_blob_dup(sqlite3_stmt *stmt, int col, size_t max, uint8_t **dst, size_t *len)
    __attribute__((warn_unused_result));
/* Non-empty TEXT without NUL that fits `dst` with its terminator. */
int store_sql_col_text(sqlite3_stmt *stmt, int col, char *dst, size_t size)
    __attribute__((warn_unused_result));
/* TEXT without NUL of at most `max` bytes (may be empty), malloc'd. */
int store_sql_col_text_dup(sqlite3_stmt *stmt, int col, size_t max, char **dst)
    __attribute__((warn_unused_result));
/* An INTEGER in [min, max]. */
int store_sql_col_int64(sqlite3_stmt *stmt, int col, int64_t min, int64_t max, int64_t *out)
    __attribute__((warn_unused_result));
int store_sql_col_int(sqlite3_stmt *stmt, int col, int min, int max, int *out)
    __attribute__((warn_unused_result));
/* 1 when the column is SQL NULL. */
int store_sql_col_is_null(sqlite3_stmt *stmt, int col);

#endif
