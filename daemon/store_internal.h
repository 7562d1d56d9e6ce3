/* Shared between the store's source files only; not part of the store's API. */
#ifndef SYMBI_STORE_INTERNAL_H
#define SYMBI_STORE_INTERNAL_H

#include <sqlite3.h>

/* Statements prepared once and reused on the hot paths (the matching). */
enum store_cached {
	STORE_STMT_BATCH_GET,
	STORE_STMT_CANDIDATE_ADD,
	STORE_STMT_PAIR_SUMMARY_ADD,
	STORE_STMT_COUNT
};

struct store {
	sqlite3 *db;
	int version;
	sqlite3_stmt *cached[STORE_STMT_COUNT];
};

/* Finalize the cached statements (store_close does). */
void store_cache_clear(struct store *st);

/* Map an SQLite result code into our error space. */
int store_sqlite_err(int rc);

#endif
