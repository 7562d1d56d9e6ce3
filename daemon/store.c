#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cert.h"
#include "err.h"

/* Bounds checked on the way in and again on the way out of the database. */
#define STORE_META_KEY_MAX 64
#define STORE_META_VALUE_MAX (64u << 10)
#define STORE_CERT_DER_MAX CERT_PEM_MAX /* a DER certificate is shorter than its PEM */
#define STORE_BUSY_TIMEOUT_MS 5000

/*
 * NOMUTEX: a store is used by one thread at a time (the daemon's store
 * thread); SQLite's own locking still protects the file against other
 * processes. NOFOLLOW: a symbolic link planted at the path is refused.
 */
#define STORE_OPEN_FLAGS                                                                           \
	(SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_NOFOLLOW)

#define MEMBER_COLUMNS                                                                             \
	"id, name, ed25519, x25519, curve, binding_sig, fingerprint, cert, serial, revoked, "      \
	"enrolled_at, revoked_at"

#include "store_internal.h"

/*
 * Schema migrations in order; PRAGMA user_version counts how many have run.
 * Append only: databases in the field have already run every shipped entry,
 * so an entry is never edited, reordered or removed. STRICT tables make
 * SQLite enforce the column types, so a key column can only ever hold a BLOB.
 */
static const char *const s_migrations[] = {
    /* 1: settings, enrolled members, replay protection, counters. */
    "CREATE TABLE meta ("
    "  key TEXT PRIMARY KEY,"
    "  value TEXT NOT NULL"
    ") STRICT;"
    "CREATE TABLE members ("
    "  id TEXT PRIMARY KEY,"
    "  name TEXT NOT NULL,"
    "  ed25519 BLOB NOT NULL UNIQUE CHECK (length(ed25519) = 32),"
    "  x25519 BLOB NOT NULL UNIQUE CHECK (length(x25519) = 32),"
    "  curve BLOB NOT NULL UNIQUE CHECK (length(curve) = 32),"
    "  binding_sig BLOB NOT NULL CHECK (length(binding_sig) = 64),"
    "  fingerprint BLOB NOT NULL CHECK (length(fingerprint) = 32),"
    "  cert BLOB NOT NULL,"
    "  serial INTEGER NOT NULL UNIQUE CHECK (serial > 0),"
    "  revoked INTEGER NOT NULL DEFAULT 0 CHECK (revoked IN (0, 1)),"
    "  enrolled_at INTEGER NOT NULL,"
    "  revoked_at INTEGER NOT NULL DEFAULT 0"
    ") STRICT;"
    "CREATE TABLE seen_requests ("
    "  member TEXT NOT NULL,"
    "  request_id BLOB NOT NULL CHECK (length(request_id) = 16),"
    "  at_ms INTEGER NOT NULL,"
    "  response BLOB,"
    "  PRIMARY KEY (member, request_id)"
    ") STRICT;"
    "CREATE INDEX seen_requests_at_ms ON seen_requests (at_ms);"
    "CREATE TABLE counters ("
    "  name TEXT PRIMARY KEY,"
    "  value INTEGER NOT NULL"
    ") STRICT;",
    /*
     * 2: rounds, submissions (staged then committed), token batches,
     * candidates with both sides' consent, per-pair match summaries. Tokens
     * are pseudorandom and envelopes sealed: nothing here is a flow's content.
     */
    "CREATE TABLE rounds ("
    "  id BLOB PRIMARY KEY CHECK (length(id) = 16),"
    "  seq INTEGER NOT NULL UNIQUE CHECK (seq > 0),"
    "  phase INTEGER NOT NULL CHECK (phase BETWEEN 1 AND 3),"
    "  opened_ms INTEGER NOT NULL,"
    "  closed_ms INTEGER NOT NULL DEFAULT 0,"
    "  ended_ms INTEGER NOT NULL DEFAULT 0,"
    "  submit_deadline_ms INTEGER NOT NULL DEFAULT 0,"
    "  consent_deadline_ms INTEGER NOT NULL DEFAULT 0,"
    "  announcement BLOB NOT NULL"
    ") STRICT;"
    "CREATE TABLE round_members ("
    "  round BLOB NOT NULL REFERENCES rounds (id),"
    "  member TEXT NOT NULL,"
    "  PRIMARY KEY (round, member)"
    ") STRICT;"
    "CREATE TABLE submissions ("
    "  id BLOB PRIMARY KEY CHECK (length(id) = 16),"
    "  round BLOB NOT NULL REFERENCES rounds (id),"
    "  member TEXT NOT NULL,"
    "  state INTEGER NOT NULL CHECK (state IN (0, 1, 2)),"
    "  chunks INTEGER NOT NULL CHECK (chunks > 0),"
    "  received INTEGER NOT NULL DEFAULT 0,"
    "  commitment BLOB NOT NULL CHECK (length(commitment) = 32),"
    "  begun_ms INTEGER NOT NULL,"
    "  committed_ms INTEGER NOT NULL DEFAULT 0,"
    "  evidence BLOB"
    ") STRICT;"
    "CREATE INDEX submissions_round_member ON submissions (round, member, state);"
    "CREATE TABLE batches ("
    "  submission BLOB NOT NULL REFERENCES submissions (id) ON DELETE CASCADE,"
    "  seq INTEGER NOT NULL,"
    "  counterpart TEXT NOT NULL,"
    "  offers BLOB NOT NULL,"
    "  needs BLOB NOT NULL,"
    "  digest BLOB NOT NULL CHECK (length(digest) = 32),"
    "  PRIMARY KEY (submission, counterpart)"
    ") STRICT;"
    "CREATE UNIQUE INDEX batches_seq ON batches (submission, seq);"
    "CREATE TABLE candidates ("
    "  id BLOB PRIMARY KEY CHECK (length(id) = 16),"
    "  round BLOB NOT NULL REFERENCES rounds (id),"
    "  supplier TEXT NOT NULL,"
    "  consumer TEXT NOT NULL,"
    "  token BLOB NOT NULL CHECK (length(token) = 8),"
    "  supplier_state INTEGER NOT NULL DEFAULT 0 CHECK (supplier_state IN (0, 1, 2)),"
    "  consumer_state INTEGER NOT NULL DEFAULT 0 CHECK (consumer_state IN (0, 1, 2)),"
    "  state INTEGER NOT NULL DEFAULT 0 CHECK (state BETWEEN 0 AND 3),"
    "  supplier_envelope BLOB,"
    "  consumer_envelope BLOB,"
    "  supplier_evidence BLOB,"
    "  consumer_evidence BLOB"
    ") STRICT;"
    "CREATE INDEX candidates_supplier ON candidates (round, supplier);"
    "CREATE INDEX candidates_consumer ON candidates (round, consumer);"
    "CREATE TABLE pair_summaries ("
    "  round BLOB NOT NULL REFERENCES rounds (id),"
    "  supplier TEXT NOT NULL,"
    "  consumer TEXT NOT NULL,"
    "  count INTEGER NOT NULL,"
    "  hits_hash BLOB NOT NULL CHECK (length(hits_hash) = 32),"
    "  PRIMARY KEY (round, supplier, consumer)"
    ") STRICT;",
    /* 3: the audit log (audit/FORMAT.md): entries as hashed, with their leaf hashes. */
    "CREATE TABLE log_entries ("
    "  idx INTEGER PRIMARY KEY CHECK (idx >= 0),"
    "  kind TEXT NOT NULL,"
    "  body BLOB NOT NULL,"
    "  leaf BLOB NOT NULL CHECK (length(leaf) = 32),"
    "  at_ms INTEGER NOT NULL"
    ") STRICT;",
};

#define STORE_SCHEMA_VERSION ((int)(sizeof(s_migrations) / sizeof(s_migrations[0])))

/*
 * Map a failed SQLite result (extended codes are on) to our error space.
 * Only called on failure, so SQLITE_OK/ROW/DONE here mean a logic error.
 */
int
store_sqlite_err(int rc)
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

static int
s_prepare(sqlite3 *db, const char *sql, sqlite3_stmt **stmt)
{
	*stmt = NULL;
	return sqlite3_prepare_v3(db, sql, -1, 0, stmt, NULL);
}

static int
s_exec(sqlite3 *db, const char *sql)
{
	return sqlite3_exec(db, sql, NULL, NULL, NULL);
}

static int
s_id_ok(const char *id)
{
	/* Bound the scan before member_id_valid looks at it. */
	return id != NULL && strnlen(id, MEMBER_ID_MAX + 1) <= MEMBER_ID_MAX && member_id_valid(id);
}

static int
s_now(int64_t *out)
{
	time_t t = time(NULL);

	if (t == (time_t)-1)
		return SYM_ERR_INTERNAL;
	*out = (int64_t)t;
	return SYM_OK;
}

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

static int
s_user_version(sqlite3 *db, int *version)
{
	sqlite3_stmt *stmt = NULL;
	int rc;

	if ((rc = s_prepare(db, "PRAGMA user_version", &stmt)) != SQLITE_OK)
		goto out;
	if ((rc = sqlite3_step(stmt)) != SQLITE_ROW) {
		if (rc == SQLITE_DONE)
			rc = SQLITE_INTERNAL;
		goto out;
	}
	*version = sqlite3_column_int(stmt, 0);
	rc = SQLITE_OK;
out:
	sqlite3_finalize(stmt);
	return rc;
}

/*
 * Running an older binary on a newer database could silently drop what the
 * newer schema added, so it is refused rather than "downgraded".
 */
static int
s_newer(const char *path, int version, struct sym_diag *diag)
{
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
s_pragmas(sqlite3 *db, const char *path, struct sym_diag *diag)
{
	sqlite3_stmt *stmt = NULL;
	const unsigned char *mode;
	int rc, r = SYM_ERR_INTERNAL;

	/* SQLite answers with the mode in force, which stays "delete" if WAL is unavailable. */
	if ((rc = s_prepare(db, "PRAGMA journal_mode = WAL", &stmt)) != SQLITE_OK ||
	    (rc = sqlite3_step(stmt)) != SQLITE_ROW) {
		r = sym_diag_set(diag, rc == SQLITE_DONE ? SYM_ERR_INTERNAL : store_sqlite_err(rc),
		                 "%s: setting WAL mode: %s", path, sqlite3_errmsg(db));
		goto out;
	}
	mode = sqlite3_column_text(stmt, 0);
	if (mode == NULL || strcmp((const char *)mode, "wal") != 0) {
		r = sym_diag_set(diag, SYM_ERR_IO, "%s: journal mode is %s, not wal", path,
		                 mode != NULL ? (const char *)mode : "unknown");
		goto out;
	}
	/*
	 * synchronous=FULL makes every commit durable in WAL mode too;
	 * secure_delete overwrites deleted content (pruned responses) in the file.
	 */
	if ((rc = s_exec(db, "PRAGMA synchronous = FULL;"
	                     "PRAGMA foreign_keys = ON;"
	                     "PRAGMA secure_delete = ON;")) != SQLITE_OK) {
		r = sym_diag_set(diag, store_sqlite_err(rc), "%s: %s", path, sqlite3_errmsg(db));
		goto out;
	}
	r = SYM_OK;
out:
	sqlite3_finalize(stmt);
	return r;
}

static int
s_migrate(sqlite3 *db, const char *path, int *version, struct sym_diag *diag)
{
	char sql[64];
	int rc, r = SYM_ERR_INTERNAL, v = 0, i, in_tx = 0;

	if ((rc = s_user_version(db, &v)) != SQLITE_OK) {
		r = sym_diag_set(diag, store_sqlite_err(rc), "%s: %s", path, sqlite3_errmsg(db));
		goto out;
	}
	if (v < STORE_SCHEMA_VERSION) {
		if ((rc = s_exec(db, "BEGIN IMMEDIATE")) != SQLITE_OK) {
			r = sym_diag_set(diag, store_sqlite_err(rc), "%s: %s", path, sqlite3_errmsg(db));
			goto out;
		}
		in_tx = 1;
		/* Again under the write lock: another symbiod may have migrated meanwhile. */
		if ((rc = s_user_version(db, &v)) != SQLITE_OK) {
			r = sym_diag_set(diag, store_sqlite_err(rc), "%s: %s", path, sqlite3_errmsg(db));
			goto out;
		}
	}
	if (v < 0 || v > STORE_SCHEMA_VERSION) {
		r = s_newer(path, v, diag);
		goto out;
	}
	if (v < STORE_SCHEMA_VERSION) {
		for (i = v; i < STORE_SCHEMA_VERSION; i++) {
			if ((rc = s_exec(db, s_migrations[i])) != SQLITE_OK) {
				r = sym_diag_set(diag, store_sqlite_err(rc), "%s: schema migration %d: %s",
				                 path, i + 1, sqlite3_errmsg(db));
				goto out;
			}
		}
		/* A PRAGMA takes no bound parameter; the value is our own constant. */
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", STORE_SCHEMA_VERSION);
		if ((rc = s_exec(db, sql)) != SQLITE_OK ||
		    (rc = s_exec(db, "COMMIT")) != SQLITE_OK) {
			r = sym_diag_set(diag, store_sqlite_err(rc), "%s: schema migration: %s", path,
			                 sqlite3_errmsg(db));
			goto out;
		}
		in_tx = 0;
	}
	*version = STORE_SCHEMA_VERSION;
	r = SYM_OK;
out:
	if (in_tx && !sqlite3_get_autocommit(db))
		(void)s_exec(db, "ROLLBACK");
	return r;
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
	if ((r = s_prepare_file(path, diag)) != SYM_OK)
		goto out;
	if ((rc = sqlite3_open_v2(path, &db, STORE_OPEN_FLAGS, NULL)) != SQLITE_OK) {
		/* SQLite's own text is generic; the operating system's reason is the useful part. */
		int sys = db != NULL ? sqlite3_system_errno(db) : 0;
		r = sym_diag_set(diag, store_sqlite_err(rc), "%s: %s%s%s%s", path,
		                 db != NULL ? sqlite3_errmsg(db) : sqlite3_errstr(rc), sys ? " (" : "",
		                 sys ? strerror(sys) : "", sys ? ")" : "");
		goto out;
	}
	if ((rc = s_configure(db)) != SQLITE_OK) {
		r = sym_diag_set(diag, store_sqlite_err(rc), "%s: %s", path, sqlite3_errmsg(db));
		goto out;
	}
	/* Refuse a newer database before changing anything in it. */
	if ((rc = s_user_version(db, &version)) != SQLITE_OK) {
		r = sym_diag_set(diag, store_sqlite_err(rc), "%s: %s", path, sqlite3_errmsg(db));
		goto out;
	}
	if (version < 0 || version > STORE_SCHEMA_VERSION) {
		r = s_newer(path, version, diag);
		goto out;
	}
	if ((r = s_pragmas(db, path, diag)) != SYM_OK ||
	    (r = s_migrate(db, path, &version, diag)) != SYM_OK)
		goto out;
	if ((st = calloc(1, sizeof(*st))) == NULL) {
		r = sym_diag_set(diag, SYM_ERR_ALLOC, "%s: out of memory", path);
		goto out;
	}
	st->db = db;
	st->version = version;
	db = NULL; /* transferred */
	*out = st;
	r = SYM_OK;
out:
	/* close_v2 never leaves the handle open because of a forgotten statement. */
	sqlite3_close_v2(db);
	return r;
}

void
store_close(struct store **stp)
{
	if (stp == NULL || *stp == NULL)
		return;
	store_cache_clear(*stp);
	sqlite3_close_v2((*stp)->db);
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
	sys = sqlite3_system_errno(st->db);
	if (sys != 0 && sqlite3_errcode(st->db) != SQLITE_OK)
		return strerror(sys);
	return sqlite3_errmsg(st->db);
}

int
store_schema_version(struct store *st)
{
	return st == NULL ? SYM_ERR_INVALID : st->version;
}

int
store_begin(struct store *st)
{
	int rc;

	if (st == NULL)
		return SYM_ERR_INVALID;
	/* IMMEDIATE takes the write lock now, so no later statement fails with BUSY mid-way. */
	if ((rc = s_exec(st->db, "BEGIN IMMEDIATE")) != SQLITE_OK)
		return store_sqlite_err(rc);
	return SYM_OK;
}

int
store_commit(struct store *st)
{
	int rc;

	if (st == NULL)
		return SYM_ERR_INVALID;
	if ((rc = s_exec(st->db, "COMMIT")) != SQLITE_OK) {
		/*
		 * A failed COMMIT may leave the transaction open; end it so the
		 * caller sees all or nothing and the connection is usable again.
		 */
		if (!sqlite3_get_autocommit(st->db))
			(void)s_exec(st->db, "ROLLBACK");
		return store_sqlite_err(rc);
	}
	return SYM_OK;
}

void
store_rollback(struct store *st)
{
	/* Without a transaction there is nothing to undo, and no error to report. */
	if (st == NULL || sqlite3_get_autocommit(st->db))
		return;
	(void)s_exec(st->db, "ROLLBACK");
}

int
store_meta_set(struct store *st, const char *key, const char *value)
{
	sqlite3_stmt *stmt = NULL;
	size_t klen;
	int rc, r = SYM_ERR_INTERNAL;

	if (st == NULL || key == NULL || value == NULL)
		return SYM_ERR_INVALID;
	klen = strnlen(key, STORE_META_KEY_MAX + 1);
	if (klen == 0 || klen > STORE_META_KEY_MAX ||
	    strnlen(value, STORE_META_VALUE_MAX + 1) > STORE_META_VALUE_MAX)
		return SYM_ERR_INVALID;
	if ((rc = s_prepare(st->db,
	                    "INSERT INTO meta (key, value) VALUES (?1, ?2) "
	                    "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
	                    &stmt)) != SQLITE_OK ||
	    (rc = sqlite3_bind_text(stmt, 1, key, -1, SQLITE_STATIC)) != SQLITE_OK ||
	    (rc = sqlite3_bind_text(stmt, 2, value, -1, SQLITE_STATIC)) != SQLITE_OK ||
	    (rc = sqlite3_step(stmt)) != SQLITE_DONE) {
		r = store_sqlite_err(rc);
		goto out;
	}
	r = SYM_OK;
out:
	sqlite3_finalize(stmt);
	return r;
}

int
store_meta_get(struct store *st, const char *key, char **value)
{
	sqlite3_stmt *stmt = NULL;
	const unsigned char *text;
	char *copy = NULL;
	size_t klen, len;
	int rc, r = SYM_ERR_INTERNAL;

	if (value != NULL)
		*value = NULL;
	if (st == NULL || key == NULL || value == NULL)
		return SYM_ERR_INVALID;
	klen = strnlen(key, STORE_META_KEY_MAX + 1);
	if (klen == 0 || klen > STORE_META_KEY_MAX)
		return SYM_ERR_INVALID;
	if ((rc = s_prepare(st->db, "SELECT value FROM meta WHERE key = ?1", &stmt)) != SQLITE_OK ||
	    (rc = sqlite3_bind_text(stmt, 1, key, -1, SQLITE_STATIC)) != SQLITE_OK) {
		r = store_sqlite_err(rc);
		goto out;
	}
	if ((rc = sqlite3_step(stmt)) != SQLITE_ROW) {
		r = rc == SQLITE_DONE ? SYM_ERR_NOT_FOUND : store_sqlite_err(rc);
		goto out;
	}
	if (sqlite3_column_type(stmt, 0) != SQLITE_TEXT) {
		r = SYM_ERR_FORMAT;
		goto out;
	}
	if ((text = sqlite3_column_text(stmt, 0)) == NULL) {
		r = SYM_ERR_ALLOC;
		goto out;
	}
	len = (size_t)sqlite3_column_bytes(stmt, 0);
	/* An embedded NUL would silently truncate the value for every caller. */
	if (len > STORE_META_VALUE_MAX || memchr(text, '\0', len) != NULL) {
		r = SYM_ERR_FORMAT;
		goto out;
	}
	if ((copy = malloc(len + 1)) == NULL) {
		r = SYM_ERR_ALLOC;
		goto out;
	}
	memcpy(copy, text, len);
	copy[len] = '\0';
	*value = copy;
	copy = NULL; /* transferred */
	r = SYM_OK;
out:
	free(copy);
	sqlite3_finalize(stmt);
	return r;
}

int
store_next_serial(struct store *st, uint64_t *serial)
{
	sqlite3_stmt *stmt = NULL;
	sqlite3_int64 v;
	int rc, r = SYM_ERR_INTERNAL;

	if (st == NULL || serial == NULL)
		return SYM_ERR_INVALID;
	/* One statement, so the increment is atomic with or without a transaction. */
	if ((rc = s_prepare(st->db,
	                    "INSERT INTO counters (name, value) VALUES ('serial', 1) "
	                    "ON CONFLICT (name) DO UPDATE SET value = value + 1 RETURNING value",
	                    &stmt)) != SQLITE_OK ||
	    (rc = sqlite3_step(stmt)) != SQLITE_ROW) {
		r = rc == SQLITE_DONE ? SYM_ERR_INTERNAL : store_sqlite_err(rc);
		goto out;
	}
	if (sqlite3_column_type(stmt, 0) != SQLITE_INTEGER ||
	    (v = sqlite3_column_int64(stmt, 0)) < 1) {
		r = SYM_ERR_FORMAT;
		goto out;
	}
	/* Run the statement to completion so the autocommit write is committed. */
	if ((rc = sqlite3_step(stmt)) != SQLITE_DONE) {
		r = rc == SQLITE_ROW ? SYM_ERR_INTERNAL : store_sqlite_err(rc);
		goto out;
	}
	*serial = (uint64_t)v;
	r = SYM_OK;
out:
	sqlite3_finalize(stmt);
	return r;
}

static int
s_record_ok(const struct member_record *rec)
{
	/* Both strings must end inside their arrays before anything reads them. */
	return memchr(rec->id, '\0', sizeof(rec->id)) != NULL && member_id_valid(rec->id) &&
	       memchr(rec->name, '\0', sizeof(rec->name)) != NULL && member_name_valid(rec->name);
}

int
store_member_add(struct store *st, const struct member_record *rec, const uint8_t *cert_der,
                 size_t cert_der_len, uint64_t serial)
{
	sqlite3_stmt *stmt = NULL;
	int64_t now = 0;
	int rc, r = SYM_ERR_INTERNAL;

	if (st == NULL || rec == NULL || !s_record_ok(rec) || cert_der == NULL ||
	    cert_der_len == 0 || cert_der_len > STORE_CERT_DER_MAX || serial == 0 ||
	    serial > (uint64_t)INT64_MAX)
		return SYM_ERR_INVALID;
	if ((r = s_now(&now)) != SYM_OK)
		return r;
	if ((rc = s_prepare(st->db,
	                    "INSERT INTO members (id, name, ed25519, x25519, curve, binding_sig, "
	                    "fingerprint, cert, serial, enrolled_at) "
	                    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
	                    &stmt)) != SQLITE_OK ||
	    (rc = sqlite3_bind_text(stmt, 1, rec->id, -1, SQLITE_STATIC)) != SQLITE_OK ||
	    (rc = sqlite3_bind_text(stmt, 2, rec->name, -1, SQLITE_STATIC)) != SQLITE_OK ||
	    (rc = sqlite3_bind_blob(stmt, 3, rec->ed25519, sizeof(rec->ed25519), SQLITE_STATIC)) !=
	        SQLITE_OK ||
	    (rc = sqlite3_bind_blob(stmt, 4, rec->x25519, sizeof(rec->x25519), SQLITE_STATIC)) !=
	        SQLITE_OK ||
	    (rc = sqlite3_bind_blob(stmt, 5, rec->curve, sizeof(rec->curve), SQLITE_STATIC)) !=
	        SQLITE_OK ||
	    (rc = sqlite3_bind_blob(stmt, 6, rec->binding_sig, sizeof(rec->binding_sig),
	                            SQLITE_STATIC)) != SQLITE_OK ||
	    (rc = sqlite3_bind_blob(stmt, 7, rec->fingerprint, sizeof(rec->fingerprint),
	                            SQLITE_STATIC)) != SQLITE_OK ||
	    (rc = sqlite3_bind_blob(stmt, 8, cert_der, (int)cert_der_len, SQLITE_STATIC)) !=
	        SQLITE_OK ||
	    (rc = sqlite3_bind_int64(stmt, 9, (sqlite3_int64)serial)) != SQLITE_OK ||
	    (rc = sqlite3_bind_int64(stmt, 10, now)) != SQLITE_OK ||
	    (rc = sqlite3_step(stmt)) != SQLITE_DONE) {
		r = store_sqlite_err(rc);
		goto out;
	}
	r = SYM_OK;
out:
	sqlite3_finalize(stmt);
	return r;
}

int
store_member_revoke(struct store *st, const char *id)
{
	sqlite3_stmt *stmt = NULL;
	int64_t now = 0;
	int rc, r = SYM_ERR_INTERNAL;

	if (st == NULL || !s_id_ok(id))
		return SYM_ERR_INVALID;
	if ((r = s_now(&now)) != SYM_OK)
		return r;
	if ((rc = s_prepare(st->db,
	                    "UPDATE members SET revoked = 1, revoked_at = ?1 "
	                    "WHERE id = ?2 AND revoked = 0",
	                    &stmt)) != SQLITE_OK ||
	    (rc = sqlite3_bind_int64(stmt, 1, now)) != SQLITE_OK ||
	    (rc = sqlite3_bind_text(stmt, 2, id, -1, SQLITE_STATIC)) != SQLITE_OK ||
	    (rc = sqlite3_step(stmt)) != SQLITE_DONE) {
		r = store_sqlite_err(rc);
		goto out;
	}
	if (sqlite3_changes(st->db) == 1) {
		r = SYM_OK;
		goto out;
	}
	/* Nothing changed: members are never deleted, so the row is either revoked or absent. */
	sqlite3_finalize(stmt);
	if ((rc = s_prepare(st->db, "SELECT 1 FROM members WHERE id = ?1", &stmt)) != SQLITE_OK ||
	    (rc = sqlite3_bind_text(stmt, 1, id, -1, SQLITE_STATIC)) != SQLITE_OK) {
		r = store_sqlite_err(rc);
		goto out;
	}
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW)
		r = SYM_ERR_EXISTS;
	else if (rc == SQLITE_DONE)
		r = SYM_ERR_NOT_FOUND;
	else
		r = store_sqlite_err(rc);
out:
	sqlite3_finalize(stmt);
	return r;
}

/* A TEXT column into a fixed array: it must fit with its NUL and hold no NUL of its own. */
static int
s_column_text(sqlite3_stmt *stmt, int col, char *dst, size_t dst_size)
{
	const unsigned char *text;
	size_t len;

	if (sqlite3_column_type(stmt, col) != SQLITE_TEXT)
		return SYM_ERR_FORMAT;
	if ((text = sqlite3_column_text(stmt, col)) == NULL)
		return SYM_ERR_ALLOC;
	len = (size_t)sqlite3_column_bytes(stmt, col);
	if (len >= dst_size || memchr(text, '\0', len) != NULL)
		return SYM_ERR_FORMAT;
	memcpy(dst, text, len);
	dst[len] = '\0';
	return SYM_OK;
}

/* A BLOB column into a fixed array of exactly `len` bytes. */
static int
s_column_blob(sqlite3_stmt *stmt, int col, uint8_t *dst, size_t len)
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

static int
s_column_int(sqlite3_stmt *stmt, int col, int64_t min, int64_t max, int64_t *out)
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

/*
 * Decode one row selected with MEMBER_COLUMNS. Rows are checked as strictly
 * as caller input: a damaged or tampered database gives SYM_ERR_FORMAT.
 */
static int
s_member_from_row(sqlite3_stmt *stmt, struct store_member *m)
{
	struct member_record *rec = &m->rec;
	const void *cert;
	size_t cert_len;
	int64_t serial = 0, revoked = 0;
	int r;

	memset(m, 0, sizeof(*m));
	if ((r = s_column_text(stmt, 0, rec->id, sizeof(rec->id))) != SYM_OK ||
	    (r = s_column_text(stmt, 1, rec->name, sizeof(rec->name))) != SYM_OK ||
	    (r = s_column_blob(stmt, 2, rec->ed25519, sizeof(rec->ed25519))) != SYM_OK ||
	    (r = s_column_blob(stmt, 3, rec->x25519, sizeof(rec->x25519))) != SYM_OK ||
	    (r = s_column_blob(stmt, 4, rec->curve, sizeof(rec->curve))) != SYM_OK ||
	    (r = s_column_blob(stmt, 5, rec->binding_sig, sizeof(rec->binding_sig))) != SYM_OK ||
	    (r = s_column_blob(stmt, 6, rec->fingerprint, sizeof(rec->fingerprint))) != SYM_OK ||
	    (r = s_column_int(stmt, 8, 1, INT64_MAX, &serial)) != SYM_OK ||
	    (r = s_column_int(stmt, 9, 0, 1, &revoked)) != SYM_OK ||
	    (r = s_column_int(stmt, 10, 0, INT64_MAX, &m->enrolled_at)) != SYM_OK ||
	    (r = s_column_int(stmt, 11, 0, INT64_MAX, &m->revoked_at)) != SYM_OK)
		goto out;
	if (!member_id_valid(rec->id) || !member_name_valid(rec->name)) {
		r = SYM_ERR_FORMAT;
		goto out;
	}
	m->serial = (uint64_t)serial;
	m->revoked = (int)revoked;
	if (sqlite3_column_type(stmt, 7) != SQLITE_BLOB) {
		r = SYM_ERR_FORMAT;
		goto out;
	}
	cert = sqlite3_column_blob(stmt, 7);
	cert_len = (size_t)sqlite3_column_bytes(stmt, 7);
	if (cert_len == 0 || cert_len > STORE_CERT_DER_MAX) {
		r = SYM_ERR_FORMAT;
		goto out;
	}
	if (cert == NULL || (m->cert_der = malloc(cert_len)) == NULL) {
		r = SYM_ERR_ALLOC;
		goto out;
	}
	memcpy(m->cert_der, cert, cert_len);
	m->cert_der_len = cert_len;
	r = SYM_OK;
out:
	if (r != SYM_OK)
		store_member_clear(m);
	return r;
}

int
store_member_get(struct store *st, const char *id, struct store_member *out)
{
	sqlite3_stmt *stmt = NULL;
	int rc, r = SYM_ERR_INTERNAL;

	if (out != NULL)
		memset(out, 0, sizeof(*out));
	if (st == NULL || out == NULL || !s_id_ok(id))
		return SYM_ERR_INVALID;
	if ((rc = s_prepare(st->db, "SELECT " MEMBER_COLUMNS " FROM members WHERE id = ?1",
	                    &stmt)) != SQLITE_OK ||
	    (rc = sqlite3_bind_text(stmt, 1, id, -1, SQLITE_STATIC)) != SQLITE_OK) {
		r = store_sqlite_err(rc);
		goto out;
	}
	if ((rc = sqlite3_step(stmt)) != SQLITE_ROW) {
		r = rc == SQLITE_DONE ? SYM_ERR_NOT_FOUND : store_sqlite_err(rc);
		goto out;
	}
	r = s_member_from_row(stmt, out);
out:
	sqlite3_finalize(stmt);
	return r;
}

int
store_members_list(struct store *st, struct store_member **out, size_t *n)
{
	sqlite3_stmt *stmt = NULL;
	struct store_member *list = NULL, *grown;
	size_t count = 0, cap = 0, newcap;
	int rc, r = SYM_ERR_INTERNAL;

	if (out != NULL)
		*out = NULL;
	if (n != NULL)
		*n = 0;
	if (st == NULL || out == NULL || n == NULL)
		return SYM_ERR_INVALID;
	/* Ids are ASCII, so the default BINARY collation gives a stable byte order. */
	if ((rc = s_prepare(st->db, "SELECT " MEMBER_COLUMNS " FROM members ORDER BY id", &stmt)) !=
	    SQLITE_OK) {
		r = store_sqlite_err(rc);
		goto out;
	}
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (count == cap) {
			newcap = cap == 0 ? 16 : cap * 2;
			if (newcap > SIZE_MAX / sizeof(*list)) {
				r = SYM_ERR_ALLOC;
				goto out;
			}
			if ((grown = realloc(list, newcap * sizeof(*list))) == NULL) {
				r = SYM_ERR_ALLOC;
				goto out;
			}
			list = grown;
			cap = newcap;
		}
		if ((r = s_member_from_row(stmt, &list[count])) != SYM_OK)
			goto out;
		count++;
	}
	if (rc != SQLITE_DONE) {
		r = store_sqlite_err(rc);
		goto out;
	}
	*out = list;
	*n = count;
	list = NULL; /* transferred */
	r = SYM_OK;
out:
	store_members_free(list, count);
	sqlite3_finalize(stmt);
	return r;
}

void
store_member_clear(struct store_member *m)
{
	if (m == NULL)
		return;
	free(m->cert_der);
	memset(m, 0, sizeof(*m));
}

void
store_members_free(struct store_member *m, size_t n)
{
	size_t i;

	if (m == NULL)
		return;
	for (i = 0; i < n; i++)
		store_member_clear(&m[i]);
	free(m);
}

int
store_request_seen(struct store *st, const char *member, const uint8_t request_id[16],
                   uint8_t **response, size_t *response_len)
{
	sqlite3_stmt *stmt = NULL;
	const void *blob;
	uint8_t *copy = NULL;
	size_t len;
	int rc, type, r = SYM_ERR_INTERNAL;

	if (response != NULL)
		*response = NULL;
	if (response_len != NULL)
		*response_len = 0;
	if (st == NULL || !s_id_ok(member) || request_id == NULL || response == NULL ||
	    response_len == NULL)
		return SYM_ERR_INVALID;
	if ((rc = s_prepare(
	         st->db, "SELECT response FROM seen_requests WHERE member = ?1 AND request_id = ?2",
	         &stmt)) != SQLITE_OK ||
	    (rc = sqlite3_bind_text(stmt, 1, member, -1, SQLITE_STATIC)) != SQLITE_OK ||
	    (rc = sqlite3_bind_blob(stmt, 2, request_id, 16, SQLITE_STATIC)) != SQLITE_OK) {
		r = store_sqlite_err(rc);
		goto out;
	}
	if ((rc = sqlite3_step(stmt)) != SQLITE_ROW) {
		r = rc == SQLITE_DONE ? SYM_ERR_NOT_FOUND : store_sqlite_err(rc);
		goto out;
	}
	type = sqlite3_column_type(stmt, 0);
	if (type == SQLITE_NULL) {
		r = SYM_OK;
		goto out;
	}
	if (type != SQLITE_BLOB) {
		r = SYM_ERR_FORMAT;
		goto out;
	}
	blob = sqlite3_column_blob(stmt, 0);
	len = (size_t)sqlite3_column_bytes(stmt, 0);
	if (len > 0) {
		if (blob == NULL || (copy = malloc(len)) == NULL) {
			r = SYM_ERR_ALLOC;
			goto out;
		}
		memcpy(copy, blob, len);
	}
	*response = copy;
	*response_len = len;
	copy = NULL; /* transferred */
	r = SYM_OK;
out:
	free(copy);
	sqlite3_finalize(stmt);
	return r;
}

int
store_request_remember(struct store *st, const char *member, const uint8_t request_id[16],
                       uint64_t at_ms, const uint8_t *response, size_t response_len)
{
	sqlite3_stmt *stmt = NULL;
	int rc, r = SYM_ERR_INTERNAL;

	if (st == NULL || !s_id_ok(member) || request_id == NULL || at_ms > (uint64_t)INT64_MAX ||
	    (response == NULL && response_len != 0))
		return SYM_ERR_INVALID;
	if ((rc = s_prepare(st->db,
	                    "INSERT INTO seen_requests (member, request_id, at_ms, response) "
	                    "VALUES (?1, ?2, ?3, ?4)",
	                    &stmt)) != SQLITE_OK ||
	    (rc = sqlite3_bind_text(stmt, 1, member, -1, SQLITE_STATIC)) != SQLITE_OK ||
	    (rc = sqlite3_bind_blob(stmt, 2, request_id, 16, SQLITE_STATIC)) != SQLITE_OK ||
	    (rc = sqlite3_bind_int64(stmt, 3, (sqlite3_int64)at_ms)) != SQLITE_OK) {
		r = store_sqlite_err(rc);
		goto out;
	}
	/* blob64: a length that does not fit SQLite's limit is SQLITE_TOOBIG, not truncated. */
	if (response == NULL)
		rc = sqlite3_bind_null(stmt, 4);
	else
		rc = sqlite3_bind_blob64(stmt, 4, response, response_len, SQLITE_STATIC);
	if (rc != SQLITE_OK || (rc = sqlite3_step(stmt)) != SQLITE_DONE) {
		r = store_sqlite_err(rc);
		goto out;
	}
	r = SYM_OK;
out:
	sqlite3_finalize(stmt);
	return r;
}

int
store_requests_prune(struct store *st, uint64_t before_ms)
{
	sqlite3_stmt *stmt = NULL;
	int rc, r = SYM_ERR_INTERNAL;

	if (st == NULL || before_ms > (uint64_t)INT64_MAX)
		return SYM_ERR_INVALID;
	if ((rc = s_prepare(st->db, "DELETE FROM seen_requests WHERE at_ms < ?1", &stmt)) !=
	        SQLITE_OK ||
	    (rc = sqlite3_bind_int64(stmt, 1, (sqlite3_int64)before_ms)) != SQLITE_OK ||
	    (rc = sqlite3_step(stmt)) != SQLITE_DONE) {
		r = store_sqlite_err(rc);
		goto out;
	}
	r = SYM_OK;
out:
	sqlite3_finalize(stmt);
	return r;
}

int
store_data_version(struct store *st, int64_t *version)
{
	sqlite3_stmt *stmt = NULL;
	int r = SYM_ERR_IO;

	if (st == NULL || version == NULL)
		return SYM_ERR_INVALID;
	if (sqlite3_prepare_v2(st->db, "PRAGMA data_version", -1, &stmt, NULL) != SQLITE_OK)
		goto out;
	if (sqlite3_step(stmt) != SQLITE_ROW)
		goto out;
	*version = sqlite3_column_int64(stmt, 0);
	r = SYM_OK;
out:
	sqlite3_finalize(stmt);
	return r;
}
