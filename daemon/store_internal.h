/* Shared between the store's source files only; not part of the store's API. */
#ifndef SYMBI_STORE_INTERNAL_H
#define SYMBI_STORE_INTERNAL_H

#include <sqlite3.h>

struct store {
	sqlite3 *db;
	int version;
};

/* Map an SQLite result code into our error space. */
int store_sqlite_err(int rc);

#endif
