/* The store's SQL helpers: statement cache, binding, running, typed column reads. */
#include "store_sql.h"

#include <sqlite3.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"

/*
 * Extended result codes are on (store_open), so a unique key shows as its
 * own code. Only called on failure, so SQLITE_OK/ROW/DONE here mean a logic
 * error.
 */
int
store_sql_err(int rc)
{
	switch (rc) {
	case SQLITE_CONSTRAINT_PRIMARYKEY:
	case SQLITE_CONSTRAINT_UNIQUE: return SYM_ERR_EXISTS;
	case SQLITE_CANTOPEN_SYMLINK: return SYM_ERR_PERM;
	default: break;
	}
	switch (rc & 0xff) {
	case SQLITE_NOMEM: return SYM_ERR_ALLOC;
	/* Inputs are validated first, so another constraint means a bad argument. */
	case SQLITE_CONSTRAINT:
	case SQLITE_MISMATCH: return SYM_ERR_INVALID;
	case SQLITE_FULL:
	case SQLITE_IOERR:
	case SQLITE_CANTOPEN:
	/* Another process held the lock for longer than the busy timeout. */
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
	case SQLITE_PROTOCOL: return SYM_ERR_IO;
	case SQLITE_READONLY:
	case SQLITE_PERM:
	case SQLITE_AUTH: return SYM_ERR_PERM;
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
	case SQLITE_FORMAT: return SYM_ERR_FORMAT;
	case SQLITE_TOOBIG: return SYM_ERR_LIMIT;
	default: return SYM_ERR_INTERNAL;
	}
}

void
store_sql_init(struct store_sql *q, sqlite3 *db)
{
	memset(q, 0, sizeof(*q));
	q->db = db;
}

void
store_sql_cache_clear(struct store_sql *q)
{
	size_t i;

	if (q == NULL)
		return;
	for (i = 0; i < q->ncached; i++)
		sqlite3_finalize(q->cache[i].stmt);
	memset(q->cache, 0, sizeof(q->cache));
	q->ncached = 0;
}

static struct store_sql_cached *
s_cache_find(struct store_sql *q, const char *sql)
{
	size_t i;

	/* The same literal is the same address; the text comparison is the fallback. */
	for (i = 0; i < q->ncached; i++)
		if (q->cache[i].sql == sql)
			return &q->cache[i];
	for (i = 0; i < q->ncached; i++)
		if (strcmp(q->cache[i].sql, sql) == 0)
			return &q->cache[i];
	return NULL;
}

static int
s_prepare_private(struct store_sql *q, const char *sql, sqlite3_stmt **stmt)
{
	int rc = sqlite3_prepare_v2(q->db, sql, -1, stmt, NULL);

	return rc == SQLITE_OK ? SYM_OK : store_sql_err(rc);
}

int
store_sql_prepare(struct store_sql *q, const char *sql, sqlite3_stmt **stmt)
{
	struct store_sql_cached *c;
	int rc;

	*stmt = NULL;
	if ((c = s_cache_find(q, sql)) != NULL) {
		if (c->busy)
			return s_prepare_private(q, sql, stmt);
		c->busy = 1;
		*stmt = c->stmt;
		return SYM_OK;
	}
	if (q->ncached == STORE_SQL_CACHE_MAX)
		return s_prepare_private(q, sql, stmt);
	c = &q->cache[q->ncached];
	if ((rc = sqlite3_prepare_v3(q->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &c->stmt, NULL)) !=
	    SQLITE_OK)
		return store_sql_err(rc);
	c->sql = sql;
	c->busy = 1;
	q->ncached++;
	*stmt = c->stmt;
	return SYM_OK;
}

void
store_sql_release(struct store_sql *q, sqlite3_stmt *stmt)
{
	size_t i;

	if (stmt == NULL)
		return;
	for (i = 0; i < q->ncached; i++) {
		if (q->cache[i].stmt == stmt) {
			/* Reset ends the statement's read, so it holds no lock while it waits. */
			sqlite3_reset(stmt);
			sqlite3_clear_bindings(stmt);
			q->cache[i].busy = 0;
			return;
		}
	}
	sqlite3_finalize(stmt);
}

int
store_sql_bind(sqlite3_stmt *stmt, const struct store_sql_arg *args, size_t nargs)
{
	static const uint8_t empty;
	const struct store_sql_arg *a;
	size_t i;
	int rc = SQLITE_OK;

	for (i = 0; i < nargs && rc == SQLITE_OK; i++) {
		a = &args[i];
		switch (a->type) {
		case STORE_ARG_INT: rc = sqlite3_bind_int64(stmt, (int)i + 1, a->i); break;
		case STORE_ARG_TEXT:
			rc = sqlite3_bind_text(stmt, (int)i + 1, a->p, -1, SQLITE_STATIC);
			break;
		case STORE_ARG_BLOB:
			/* blob64: a length over SQLite's limit is SQLITE_TOOBIG, not truncated. */
			rc = sqlite3_bind_blob64(stmt, (int)i + 1, a->len > 0 ? a->p : &empty,
			                         a->len, SQLITE_STATIC);
			break;
		case STORE_ARG_BLOB_OR_NULL:
			rc = a->p == NULL ? sqlite3_bind_null(stmt, (int)i + 1)
			                  : sqlite3_bind_blob64(stmt, (int)i + 1, a->p, a->len,
			                                        SQLITE_STATIC);
			break;
		default: return SYM_ERR_INTERNAL;
		}
	}
	return rc == SQLITE_OK ? SYM_OK : store_sql_err(rc);
}

int
store_sql_step(sqlite3_stmt *stmt)
{
	int rc = sqlite3_step(stmt);

	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	return store_sql_err(rc);
}

/* Prepared and bound, or released. */
static int
s_start(struct store_sql *q, const char *sql, const struct store_sql_arg *args, size_t nargs,
        sqlite3_stmt **stmt)
{
	int r;

	if ((r = store_sql_prepare(q, sql, stmt)) != SYM_OK)
		return r;
	if ((r = store_sql_bind(*stmt, args, nargs)) != SYM_OK) {
		store_sql_release(q, *stmt);
		*stmt = NULL;
	}
	return r;
}

int
store_sql_exec(struct store_sql *q, const char *sql, const struct store_sql_arg *args, size_t nargs)
{
	sqlite3_stmt *stmt = NULL;
	int r;

	if ((r = s_start(q, sql, args, nargs, &stmt)) != SYM_OK)
		return r;
	r = store_sql_step(stmt);
	store_sql_release(q, stmt);
	/* A row here means the caller used the wrong helper. */
	return r == 0 ? SYM_OK : r > 0 ? SYM_ERR_INTERNAL : r;
}

int
store_sql_script(struct store_sql *q, const char *sql)
{
	int rc = sqlite3_exec(q->db, sql, NULL, NULL, NULL);

	return rc == SQLITE_OK ? SYM_OK : store_sql_err(rc);
}

int
store_sql_update(struct store_sql *q, const char *sql, const struct store_sql_arg *args,
                 size_t nargs)
{
	int r;

	if ((r = store_sql_exec(q, sql, args, nargs)) != SYM_OK)
		return r;
	return sqlite3_changes(q->db);
}

int
store_sql_insert_returning(struct store_sql *q, const char *sql, const struct store_sql_arg *args,
                           size_t nargs, int64_t *value)
{
	sqlite3_stmt *stmt = NULL;
	int64_t v = 0;
	int r;

	if ((r = store_sql_row(q, &stmt, sql, args, nargs)) != SYM_OK)
		return r == SYM_ERR_NOT_FOUND ? SYM_ERR_INTERNAL : r;
	if ((r = store_sql_col_int64(stmt, 0, 0, INT64_MAX, &v)) == SYM_OK &&
	    (r = store_sql_step(stmt)) != 0)
		r = r > 0 ? SYM_ERR_INTERNAL : r; /* one row only */
	store_sql_release(q, stmt);
	if (r == SYM_OK)
		*value = v;
	return r;
}

int
store_sql_row(struct store_sql *q, sqlite3_stmt **stmt, const char *sql,
              const struct store_sql_arg *args, size_t nargs)
{
	int r;

	if ((r = s_start(q, sql, args, nargs, stmt)) != SYM_OK)
		return r;
	if ((r = store_sql_step(*stmt)) == 1)
		return SYM_OK;
	store_sql_release(q, *stmt);
	*stmt = NULL;
	return r == 0 ? SYM_ERR_NOT_FOUND : r;
}

int
store_sql_foreach(struct store_sql *q, const char *sql, const struct store_sql_arg *args,
                  size_t nargs, store_sql_row_fn fn, void *arg)
{
	sqlite3_stmt *stmt = NULL;
	int r;

	if ((r = s_start(q, sql, args, nargs, &stmt)) != SYM_OK)
		return r;
	while ((r = store_sql_step(stmt)) == 1)
		if ((r = fn(arg, stmt)) != SYM_OK)
			break;
	store_sql_release(q, stmt);
	return r;
}

int
store_sql_get(struct store_sql *q, const char *sql, const struct store_sql_arg *args, size_t nargs,
              store_sql_decode_fn decode, void *item, size_t item_size)
{
	sqlite3_stmt *stmt = NULL;
	int r;

	memset(item, 0, item_size);
	if ((r = store_sql_row(q, &stmt, sql, args, nargs)) != SYM_OK)
		return r;
	r = decode(stmt, item);
	store_sql_release(q, stmt);
	return r;
}

struct s_list {
	const struct store_sql_list *how;
	uint8_t *items;
	size_t n, cap;
};

static void
s_list_free(struct s_list *l)
{
	size_t i;

	if (l->how->clear != NULL)
		for (i = 0; i < l->n; i++)
			l->how->clear(l->items + i * l->how->size);
	free(l->items);
	l->items = NULL;
	l->n = l->cap = 0;
}

static int
s_list_row(void *arg, sqlite3_stmt *stmt)
{
	struct s_list *l = arg;
	size_t size = l->how->size, newcap;
	uint8_t *grown;
	int r;

	if (l->n == l->cap) {
		newcap = l->cap == 0 ? 16 : l->cap * 2;
		if (newcap > SIZE_MAX / size)
			return SYM_ERR_ALLOC;
		if ((grown = realloc(l->items, newcap * size)) == NULL)
			return SYM_ERR_ALLOC;
		l->items = grown;
		l->cap = newcap;
	}
	memset(l->items + l->n * size, 0, size);
	if ((r = l->how->decode(stmt, l->items + l->n * size)) != SYM_OK)
		return r;
	l->n++;
	return SYM_OK;
}

int
store_sql_list(struct store_sql *q, const char *sql, const struct store_sql_arg *args, size_t nargs,
               const struct store_sql_list *how, void **items, size_t *n)
{
	struct s_list l = {how, NULL, 0, 0};
	int r;

	*items = NULL;
	*n = 0;
	if ((r = store_sql_foreach(q, sql, args, nargs, s_list_row, &l)) != SYM_OK) {
		s_list_free(&l);
		return r;
	}
	*items = l.items; /* transferred */
	*n = l.n;
	return SYM_OK;
}

int
store_sql_col_blob(sqlite3_stmt *stmt, int col, uint8_t *dst, size_t len)
{
	const void *blob;

	if (sqlite3_column_type(stmt, col) != SQLITE_BLOB)
		return SYM_ERR_FORMAT;
	blob = sqlite3_column_blob(stmt, col); /* before _bytes, as SQLite documents */
	if ((size_t)sqlite3_column_bytes(stmt, col) != len)
		return SYM_ERR_FORMAT;
	if (blob == NULL)
		return SYM_ERR_ALLOC;
	memcpy(dst, blob, len);
	return SYM_OK;
}

int
store_sql_col_blob_ref(sqlite3_stmt *stmt, int col, const uint8_t **p, size_t *len)
{
	*p = NULL;
	*len = 0;
	if (sqlite3_column_type(stmt, col) != SQLITE_BLOB)
		return SYM_ERR_FORMAT;
	*p = sqlite3_column_blob(stmt, col); /* before _bytes, as SQLite documents */
	*len = (size_t)sqlite3_column_bytes(stmt, col);
	if (*len > 0 && *p == NULL)
		return SYM_ERR_ALLOC;
	return SYM_OK;
}

/* n bytes copied with a NUL after them, so a text copy is a C string. */
static void *
s_dup(const void *p, size_t n)
{
	uint8_t *copy;

	if ((copy = malloc(n + 1)) == NULL)
		return NULL;
	if (n > 0)
		memcpy(copy, p, n);
	copy[n] = '\0';
	return copy;
}

int
store_sql_col_blob_dup(sqlite3_stmt *stmt, int col, size_t max, uint8_t **dst, size_t *len)
{
	const uint8_t *blob;
	size_t n;
	int r;

	*dst = NULL;
	*len = 0;
	if ((r = store_sql_col_blob_ref(stmt, col, &blob, &n)) != SYM_OK)
		return r;
	if (n > max)
		return SYM_ERR_FORMAT;
	if ((*dst = s_dup(blob, n)) == NULL)
		return SYM_ERR_ALLOC;
	*len = n;
	return SYM_OK;
}

/* A TEXT column's bytes, checked for an embedded NUL that would truncate it silently. */
static int
s_col_text(sqlite3_stmt *stmt, int col, const unsigned char **text, size_t *len)
{
	if (sqlite3_column_type(stmt, col) != SQLITE_TEXT)
		return SYM_ERR_FORMAT;
	if ((*text = sqlite3_column_text(stmt, col)) == NULL)
		return SYM_ERR_ALLOC;
	*len = (size_t)sqlite3_column_bytes(stmt, col);
	if (memchr(*text, '\0', *len) != NULL)
		return SYM_ERR_FORMAT;
	return SYM_OK;
}

int
store_sql_col_text(sqlite3_stmt *stmt, int col, char *dst, size_t size)
{
	const unsigned char *text;
	size_t len;
	int r;

	if ((r = s_col_text(stmt, col, &text, &len)) != SYM_OK)
		return r;
	if (len == 0 || len >= size)
		return SYM_ERR_FORMAT;
	memcpy(dst, text, len);
	dst[len] = '\0';
	return SYM_OK;
}

int
store_sql_col_text_dup(sqlite3_stmt *stmt, int col, size_t max, char **dst)
{
	const unsigned char *text;
	size_t len;
	int r;

	*dst = NULL;
	if ((r = s_col_text(stmt, col, &text, &len)) != SYM_OK)
		return r;
	if (len > max)
		return SYM_ERR_FORMAT;
	return (*dst = s_dup(text, len)) != NULL ? SYM_OK : SYM_ERR_ALLOC;
}

int
store_sql_col_int64(sqlite3_stmt *stmt, int col, int64_t min, int64_t max, int64_t *out)
{
	sqlite3_int64 v;

	if (sqlite3_column_type(stmt, col) != SQLITE_INTEGER)
		return SYM_ERR_FORMAT;
	v = sqlite3_column_int64(stmt, col);
	if (v < min || v > max)
		return SYM_ERR_FORMAT;
	*out = v;
	return SYM_OK;
}

int
store_sql_col_int(sqlite3_stmt *stmt, int col, int min, int max, int *out)
{
	int64_t v;
	int r;

	if ((r = store_sql_col_int64(stmt, col, min, max, &v)) != SYM_OK)
		return r;
	*out = (int)v;
	return SYM_OK;
}

int
store_sql_col_is_null(sqlite3_stmt *stmt, int col)
{
	return sqlite3_column_type(stmt, col) == SQLITE_NULL;
}
