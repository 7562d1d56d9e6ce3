/* The store's connection: open, schema migrations, transactions, settings, counters. */
#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "log.h"
#include "store_internal.h"

/* Bounds checked on the way in and again on the way out of the database. */
#define STORE_META_KEY_MAX 64
#define STORE_META_VALUE_MAX (64u << 10)
#define STORE_BUSY_TIMEOUT_MS 5000

/*
 * NOMUTEX: a store is used by one thread at a time (the daemon's store
 * thread); SQLite's own locking still protects the file against other
 * processes. NOFOLLOW: a symbolic link planted at the path is refused.
 */
#define STORE_OPEN_FLAGS                                                                           \
	(SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_NOFOLLOW)

#define STORE_SCHEMA_VERSION ((int)store_migrations_n)

/*
 * Create the file ourselves, 0600, so SQLite never creates it with
 * umask-dependent permissions (its -wal and -shm files copy this mode). An
 * existing file must be a regular file that only its owner can access.
 */
static int
s_prepare_file(const char *path, struct sym_diag *diag)
{
	struct stat sb;
	int fd, r = SYM_OK;

	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd >= 0) {
		/* The umask may have taken the owner's write bit, which SQLite needs. */
		if (fchmod(fd, 0600) != 0)
			r = sym_diag_set(diag, SYM_ERR_IO, "%s: chmod: %s", path, strerror(errno));
		/*
		 * Closed before SQLite opens the file: closing any descriptor of a
		 * file drops every POSIX lock this process holds on it.
		 */
		if (close(fd) != 0 && r == SYM_OK)
			r = sym_diag_set(diag, SYM_ERR_IO, "%s: close: %s", path, strerror(errno));
		return r;
	}
	if (errno != EEXIST)
		return sym_diag_set(diag, errno == EACCES ? SYM_ERR_PERM : SYM_ERR_IO,
		                    "%s: cannot create: %s", path, strerror(errno));
	if (lstat(path, &sb) != 0)
		return sym_diag_set(diag, SYM_ERR_IO, "%s: %s", path, strerror(errno));
	if (S_ISLNK(sb.st_mode))
		return sym_diag_set(diag, SYM_ERR_PERM,
		                    "%s: is a symbolic link; refusing to follow it", path);
	if (!S_ISREG(sb.st_mode))
		return sym_diag_set(diag, SYM_ERR_FORMAT, "%s: not a regular file", path);
	if ((sb.st_mode & (S_IRWXG | S_IRWXO)) != 0)
		return sym_diag_set(
		    diag, SYM_ERR_PERM,
		    "%s: group or others can access it (mode %03o); run chmod 600 on it", path,
		    (unsigned)(sb.st_mode & 0777));
	return SYM_OK;
}

/* PARK/batches beside the database (store_batchfile.c). */
static int
s_batch_dir(struct store *st, const char *path, struct sym_diag *diag)
{
	const char *slash = strrchr(path, '/');
	int n;

	if (slash == NULL)
		n = snprintf(st->batch_dir, sizeof(st->batch_dir), "batches");
	else
		n = snprintf(st->batch_dir, sizeof(st->batch_dir), "%.*s/batches",
		             (int)(slash - path), path);
	if (n <= 0 || (size_t)n >= sizeof(st->batch_dir))
		return sym_diag_set(diag, SYM_ERR_LIMIT, "%s: path too long", path);
	return SYM_OK;
}

/* A failure on the connection, with SQLite's words for it. */
static int
s_fail(struct store *st, int r, const char *path, const char *what, struct sym_diag *diag)
{
	return sym_diag_set(diag, r, "%s: %s%s", path, what, sqlite3_errmsg(st->sql.db));
}

static int
s_user_version(struct store *st, int *version)
{
	sqlite3_stmt *stmt = NULL;
	int r;

	if ((r = store_sql_row(&st->sql, &stmt, "PRAGMA user_version", STORE_NO_ARGS)) != SYM_OK)
		return r == SYM_ERR_NOT_FOUND ? SYM_ERR_INTERNAL : r;
	r = store_sql_col_int(stmt, 0, INT32_MIN, INT32_MAX, version);
	store_sql_release(&st->sql, stmt);
	return r;
}

/*
 * Running an older binary on a newer database could silently drop what the
 * newer schema added, so it is refused rather than "downgraded".
 */
static int
s_check_version(const char *path, int version, struct sym_diag *diag)
{
	if (version >= 0 && version <= STORE_SCHEMA_VERSION)
		return SYM_OK;
	return sym_diag_set(diag, SYM_ERR_FORMAT,
	                    "%s: database schema version %d is newer than this symbiod (%d)", path,
	                    version, STORE_SCHEMA_VERSION);
}

/* Connection settings that write nothing to the file. */
static int
s_configure(sqlite3 *db)
{
	int rc;

	if ((rc = sqlite3_extended_result_codes(db, 1)) != SQLITE_OK ||
	    (rc = sqlite3_busy_timeout(db, STORE_BUSY_TIMEOUT_MS)) != SQLITE_OK)
		return rc;
	/*
	 * Defensive mode forbids writable_schema and similar footguns on this
	 * connection; an untrusted schema may not call functions with side
	 * effects; double-quoted strings are errors, not silent literals.
	 */
	if ((rc = sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL)) != SQLITE_OK ||
	    (rc = sqlite3_db_config(db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL)) != SQLITE_OK ||
	    (rc = sqlite3_db_config(db, SQLITE_DBCONFIG_DQS_DML, 0, NULL)) != SQLITE_OK ||
	    (rc = sqlite3_db_config(db, SQLITE_DBCONFIG_DQS_DDL, 0, NULL)) != SQLITE_OK)
		return rc;
	return SQLITE_OK;
}

static int
s_pragmas(struct store *st, const char *path, struct sym_diag *diag)
{
	sqlite3_stmt *stmt = NULL;
	char mode[16];
	int r;

	/* SQLite answers with the mode in force, which stays "delete" if WAL is unavailable. */
	if ((r = store_sql_row(&st->sql, &stmt, "PRAGMA journal_mode = WAL", STORE_NO_ARGS)) !=
	    SYM_OK)
		return s_fail(st, r == SYM_ERR_NOT_FOUND ? SYM_ERR_INTERNAL : r, path,
		              "setting WAL mode: ", diag);
	r = store_sql_col_text(stmt, 0, mode, sizeof(mode));
	store_sql_release(&st->sql, stmt);
	if (r != SYM_OK || strcmp(mode, "wal") != 0)
		return sym_diag_set(diag, SYM_ERR_IO, "%s: journal mode is %s, not wal", path,
		                    r == SYM_OK ? mode : "unknown");
	/*
	 * synchronous=FULL makes every commit durable in WAL mode too;
	 * secure_delete overwrites deleted content (pruned responses, token
	 * batches at round end) in the pages, and freed pages with zeros.
	 */
	if ((r = store_sql_script(&st->sql, "PRAGMA synchronous = FULL;"
	                                    "PRAGMA foreign_keys = ON;"
	                                    "PRAGMA secure_delete = ON;")) != SYM_OK)
		return s_fail(st, r, path, "", diag);
	return SYM_OK;
}

/* Run the migrations this database has not run yet, all in one transaction. */
static int
s_migrate(struct store *st, const char *path, struct sym_diag *diag)
{
	char sql[64];
	int r = SYM_ERR_INTERNAL, v = 0, i, in_tx = 0;

	if ((r = s_user_version(st, &v)) != SYM_OK) {
		r = s_fail(st, r, path, "", diag);
		goto out;
	}
	if (v < STORE_SCHEMA_VERSION) {
		if ((r = store_sql_script(&st->sql, "BEGIN IMMEDIATE")) != SYM_OK) {
			r = s_fail(st, r, path, "", diag);
			goto out;
		}
		in_tx = 1;
		/* Again under the write lock: another symbiod may have migrated meanwhile. */
		if ((r = s_user_version(st, &v)) != SYM_OK) {
			r = s_fail(st, r, path, "", diag);
			goto out;
		}
	}
	if ((r = s_check_version(path, v, diag)) != SYM_OK)
		goto out;
	if (v < STORE_SCHEMA_VERSION) {
		for (i = v; i < STORE_SCHEMA_VERSION; i++) {
			if ((r = store_sql_script(&st->sql, store_migrations[i])) != SYM_OK) {
				snprintf(sql, sizeof(sql), "schema migration %d: ", i + 1);
				r = s_fail(st, r, path, sql, diag);
				goto out;
			}
		}
		/* A PRAGMA takes no bound parameter; the value is our own constant. */
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", STORE_SCHEMA_VERSION);
		if ((r = store_sql_script(&st->sql, sql)) != SYM_OK ||
		    (r = store_sql_script(&st->sql, "COMMIT")) != SYM_OK) {
			r = s_fail(st, r, path, "schema migration: ", diag);
			goto out;
		}
		in_tx = 0;
	}
	st->version = STORE_SCHEMA_VERSION;
	r = SYM_OK;
out:
	if (in_tx)
		store_rollback(st);
	return r;
}

/* sqlite3_open_v2, with the operating system's reason in the message. */
static int
s_connect(const char *path, sqlite3 **db, struct sym_diag *diag)
{
	int rc, sys;

	if ((rc = sqlite3_open_v2(path, db, STORE_OPEN_FLAGS, NULL)) == SQLITE_OK)
		return SYM_OK;
	/* SQLite's own text is generic; the operating system's reason is the useful part. */
	sys = *db != NULL ? sqlite3_system_errno(*db) : 0;
	return sym_diag_set(diag, store_sql_err(rc), "%s: %s%s%s%s", path,
	                    *db != NULL ? sqlite3_errmsg(*db) : sqlite3_errstr(rc), sys ? " (" : "",
	                    sys ? strerror(sys) : "", sys ? ")" : "");
}

int
store_open(const char *path, struct store **out, struct sym_diag *diag)
{
	struct store *st = NULL;
	sqlite3 *db = NULL;
	int r = SYM_ERR_INTERNAL, rc, version = 0;

	if (out != NULL)
		*out = NULL;
	if (path == NULL || *path == '\0' || out == NULL)
		return sym_diag_set(diag, SYM_ERR_INVALID, "store_open: no database path");
	if ((r = s_prepare_file(path, diag)) != SYM_OK ||
	    (r = s_connect(path, &db, diag)) != SYM_OK)
		goto out;
	if ((rc = s_configure(db)) != SQLITE_OK) {
		r = sym_diag_set(diag, store_sql_err(rc), "%s: %s", path, sqlite3_errmsg(db));
		goto out;
	}
	if ((st = calloc(1, sizeof(*st))) == NULL) {
		r = sym_diag_set(diag, SYM_ERR_ALLOC, "%s: out of memory", path);
		goto out;
	}
	store_sql_init(&st->sql, db);
	db = NULL; /* transferred */
	st->wfd = -1;
	randombytes_buf(&st->epoch, sizeof(st->epoch));
	if ((r = s_batch_dir(st, path, diag)) != SYM_OK)
		goto out;
	/* Refuse a newer database before changing anything in it. */
	if ((r = s_user_version(st, &version)) != SYM_OK) {
		r = s_fail(st, r, path, "", diag);
		goto out;
	}
	if ((r = s_check_version(path, version, diag)) != SYM_OK ||
	    (r = s_pragmas(st, path, diag)) != SYM_OK || (r = s_migrate(st, path, diag)) != SYM_OK)
		goto out;
	*out = st;
	st = NULL; /* transferred */
	r = SYM_OK;
out:
	store_close(&st);
	/* close_v2 never leaves the handle open because of a forgotten statement. */
	sqlite3_close_v2(db);
	return r;
}

void
store_close(struct store **stp)
{
	if (stp == NULL || *stp == NULL)
		return;
	store_batchfile_free(*stp);
	store_sql_cache_clear(&(*stp)->sql);
	sqlite3_close_v2((*stp)->sql.db);
	free(*stp);
	*stp = NULL;
}

const char *
store_errmsg(struct store *st)
{
	int sys;

	if (st == NULL)
		return "no store";
	/* A full disk or a read-only file shows as an OS error behind SQLite's code. */
	sys = sqlite3_system_errno(st->sql.db);
	if (sys != 0 && sqlite3_errcode(st->sql.db) != SQLITE_OK)
		return strerror(sys);
	return sqlite3_errmsg(st->sql.db);
}

int
store_schema_version(struct store *st)
{
	return st == NULL ? SYM_ERR_INVALID : st->version;
}

int
store_data_version(struct store *st, int64_t *version)
{
	sqlite3_stmt *stmt = NULL;
	int r;

	if (st == NULL || version == NULL)
		return SYM_ERR_INVALID;
	if ((r = store_sql_row(&st->sql, &stmt, "PRAGMA data_version", STORE_NO_ARGS)) != SYM_OK)
		return SYM_ERR_IO;
	r = store_sql_col_int64(stmt, 0, INT64_MIN, INT64_MAX, version);
	store_sql_release(&st->sql, stmt);
	return r;
}

int
store_wal_truncate(struct store *st)
{
	int rc, frames = 0, done = 0;

	if (st == NULL)
		return SYM_ERR_INVALID;
	/*
	 * The WAL still holds the page images written before a secure delete:
	 * copy everything back into the database file and cut the WAL to zero
	 * bytes. A reader that kept part of it makes this an error the caller
	 * reports.
	 */
	rc =
	    sqlite3_wal_checkpoint_v2(st->sql.db, NULL, SQLITE_CHECKPOINT_TRUNCATE, &frames, &done);
	if (rc != SQLITE_OK)
		return store_sql_err(rc);
	return frames == done ? SYM_OK : SYM_ERR_IO;
}

int
store_begin(struct store *st)
{
	if (st == NULL)
		return SYM_ERR_INVALID;
	/* IMMEDIATE takes the write lock now, so no later statement fails with BUSY mid-way. */
	return store_sql_script(&st->sql, "BEGIN IMMEDIATE");
}

/*
 * Deleted envelopes: secure_delete zeroed them in the pages, but older
 * copies of those pages stay in the WAL until a checkpoint copies the
 * current ones back and TRUNCATE empties the file.
 */
static int
s_wipe_wal(struct store *st)
{
	int r;

	if (!st->wipe)
		return SYM_OK;
	st->wipe = 0;
	if ((r = store_sql_script(&st->sql, "PRAGMA wal_checkpoint(TRUNCATE)")) != SYM_OK)
		log_warn("store: cannot checkpoint the WAL after deleting envelopes: %s",
		         store_errmsg(st));
	return SYM_OK; /* the commit holds; the next checkpoint finishes the wipe */
}

int
store_commit(struct store *st)
{
	int r;

	if (st == NULL)
		return SYM_ERR_INVALID;
	if ((r = store_sql_script(&st->sql, "COMMIT")) != SYM_OK) {
		/*
		 * A failed COMMIT may leave the transaction open; end it so the
		 * caller sees all or nothing and the connection is usable again.
		 */
		store_rollback(st);
		return r;
	}
	/* Only now may the files of batches this commit let go be wiped. */
	if (st->sweep && store_batch_files_sweep(st) != SYM_OK)
		log_warn("store: cannot wipe every token batch file no longer needed (retried when "
		         "the daemon starts)");
	return s_wipe_wal(st);
}

void
store_rollback(struct store *st)
{
	/* Without a transaction there is nothing to undo, and no error to report. */
	if (st != NULL) {
		st->wipe = st->sweep = 0; /* nothing was deleted after all */
		store_batchfile_discard(st);
	}
	if (st == NULL || sqlite3_get_autocommit(st->sql.db))
		return;
	(void)store_sql_script(&st->sql, "ROLLBACK");
}

static int
s_key_ok(const char *key)
{
	size_t klen;

	if (key == NULL)
		return 0;
	klen = strnlen(key, STORE_META_KEY_MAX + 1);
	return klen > 0 && klen <= STORE_META_KEY_MAX;
}

int
store_meta_set(struct store *st, const char *key, const char *value)
{
	if (st == NULL || !s_key_ok(key) || value == NULL ||
	    strnlen(value, STORE_META_VALUE_MAX + 1) > STORE_META_VALUE_MAX)
		return SYM_ERR_INVALID;
	return store_sql_exec(&st->sql,
	                      "INSERT INTO meta (key, value) VALUES (?1, ?2) "
	                      "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
	                      STORE_ARGS(store_arg_text(key), store_arg_text(value)));
}

static int
s_meta_value(sqlite3_stmt *stmt, void *item)
{
	return store_sql_col_text_dup(stmt, 0, STORE_META_VALUE_MAX, item);
}

int
store_meta_get(struct store *st, const char *key, char **value)
{
	if (value != NULL)
		*value = NULL;
	if (st == NULL || !s_key_ok(key) || value == NULL)
		return SYM_ERR_INVALID;
	return store_sql_get(&st->sql, "SELECT value FROM meta WHERE key = ?1",
	                     STORE_ARGS(store_arg_text(key)), s_meta_value, value, sizeof(*value));
}

int
store_next_serial(struct store *st, uint64_t *serial)
{
	int64_t v = 0;
	int r;

	if (st == NULL || serial == NULL)
		return SYM_ERR_INVALID;
	/* One statement, so the increment is atomic with or without a transaction. */
	if ((r = store_sql_insert_returning(
	         &st->sql,
	         "INSERT INTO counters (name, value) VALUES ('serial', 1) "
	         "ON CONFLICT (name) DO UPDATE SET value = value + 1 RETURNING value",
	         STORE_NO_ARGS, &v)) != SYM_OK)
		return r;
	if (v < 1)
		return SYM_ERR_FORMAT;
	*serial = (uint64_t)v;
	return SYM_OK;
}
