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
    /*
     * 4: whether a round's token batches outlive it (protocol 1.1, repair 7).
     * Rounds opened before this version were announced without a retention
     * promise and kept their batches: they stay kept (1); every new round is
     * stored with the value its announcement carries.
     */
    "ALTER TABLE rounds ADD COLUMN keep_batches INTEGER NOT NULL DEFAULT 1 "
    "CHECK (keep_batches IN (0, 1));",
    /*
     * 5: protocol 1.1 deposits. A consent keeps only the hash of what its
     * member signed (the *_evidence columns); each side's sealed item comes
     * after agreement, its hash in *_deposit, the bytes in *_envelope only
     * until the other side fetched them or the round ended.
     */
    "ALTER TABLE candidates ADD COLUMN supplier_deposit BLOB;"
    "ALTER TABLE candidates ADD COLUMN consumer_deposit BLOB;"
    /* Version 1 kept envelopes and whole signed accepts (which hold them) of ended rounds. */
    "UPDATE candidates SET supplier_envelope = NULL, consumer_envelope = NULL,"
    "  supplier_evidence = NULL, consumer_evidence = NULL"
    "  WHERE round IN (SELECT id FROM rounds WHERE phase = 3);",
    /*
     * 6: each round's size policy (PROTOCOL.md 1.1, sizes): the floors, the
     * fixed size and the maximums the coordinator enforces on every set. A
     * round opened before has zeros: only the 2^20 bound holds for it.
     */
    "ALTER TABLE rounds ADD COLUMN offer_floor INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE rounds ADD COLUMN need_floor INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE rounds ADD COLUMN fixed_size INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE rounds ADD COLUMN max_offer INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE rounds ADD COLUMN max_need INTEGER NOT NULL DEFAULT 0;",
    /*
     * 7: park indicators (INDICATORS.md). Only a round's sums over its
     * included members are kept, never one member's vector; state 0
     * collecting, 1 done, 2 failed (fewer survivors than the threshold).
     */
    "CREATE TABLE indicator_rounds ("
    "  round BLOB PRIMARY KEY REFERENCES rounds(id) CHECK (length(round) = 16),"
    "  state INTEGER NOT NULL CHECK (state IN (0, 1, 2)),"
    "  included INTEGER NOT NULL DEFAULT 0 CHECK (included >= 0),"
    "  threshold INTEGER NOT NULL DEFAULT 0 CHECK (threshold >= 0),"
    "  reason TEXT NOT NULL DEFAULT '',"
    "  updated_ms INTEGER NOT NULL"
    ") STRICT;"
    "CREATE TABLE indicator_sums ("
    "  round BLOB NOT NULL REFERENCES indicator_rounds(round),"
    "  class TEXT NOT NULL,"
    "  indicator TEXT NOT NULL,"
    "  value INTEGER NOT NULL," /* a uint64 sum, its bits stored as int64 */
    "  PRIMARY KEY (round, class, indicator)"
    ") STRICT;",
    /*
     * 8: the class each side of a candidate agreed to publish in the park's
     * diagram (`symbi accept --publish`); NULL: that side did not. A class
     * is the first two taxonomy levels, never a category, quantity or detail.
     */
    "ALTER TABLE candidates ADD COLUMN supplier_publish TEXT;"
    "ALTER TABLE candidates ADD COLUMN consumer_publish TEXT;",
    /*
     * 9: secure aggregation's working state (store_secagg.c). indicator_progress:
     * a round's stage (0 waiting for the round's end, 1 collecting, 2
     * confirming, 3 unmasking, 4 finished), its deadline and the signed
     * included set. indicator_msgs: each member's masked vector (kind 1),
     * confirmation (2) and unmasking answer (3); indicator_shares: the
     * self-mask shares, each sealed to its recipient. All but the progress row
     * are deleted when the round's sums are done or failed.
     */
    "CREATE TABLE indicator_progress ("
    "  round BLOB PRIMARY KEY REFERENCES rounds(id) CHECK (length(round) = 16),"
    "  stage INTEGER NOT NULL CHECK (stage BETWEEN 0 AND 4),"
    "  window_ms INTEGER NOT NULL CHECK (window_ms > 0),"
    "  deadline_ms INTEGER NOT NULL DEFAULT 0,"
    "  submitters TEXT NOT NULL DEFAULT '[]',"
    "  included BLOB,"
    "  included_hash BLOB CHECK (included_hash IS NULL OR length(included_hash) = 32),"
    "  included_index INTEGER NOT NULL DEFAULT -1,"
    "  included_entry BLOB"
    ") STRICT;"
    "CREATE TABLE indicator_msgs ("
    "  round BLOB NOT NULL REFERENCES indicator_progress(round),"
    "  kind INTEGER NOT NULL CHECK (kind IN (1, 2, 3)),"
    "  member TEXT NOT NULL,"
    "  data BLOB NOT NULL,"
    "  PRIMARY KEY (round, kind, member)"
    ") STRICT;"
    "CREATE TABLE indicator_shares ("
    "  round BLOB NOT NULL REFERENCES indicator_progress(round),"
    "  sender TEXT NOT NULL,"
    "  recipient TEXT NOT NULL,"
    "  sealed BLOB NOT NULL,"
    "  PRIMARY KEY (round, recipient, sender)"
    ") STRICT;",
    /*
     * 10: hardened rounds (HARDENED.md): a row in hard_rounds makes a round
     * hardened and holds its sub-phase while the round is open (1 query,
     * 2 evaluate, 3 submit). Keys are public commitments; the batches of
     * blinded and evaluated elements live only while the round needs them
     * (deleted at its end unless it keeps batches); the log has their digests.
     */
    "CREATE TABLE hard_rounds ("
    "  round BLOB PRIMARY KEY REFERENCES rounds(id) CHECK (length(round) = 16),"
    "  phase INTEGER NOT NULL CHECK (phase BETWEEN 1 AND 3),"
    "  query_deadline_ms INTEGER NOT NULL DEFAULT 0,"
    "  evaluate_deadline_ms INTEGER NOT NULL DEFAULT 0,"
    "  batch_size INTEGER NOT NULL CHECK (batch_size > 0)"
    ") STRICT;"
    "CREATE TABLE hard_keys ("
    "  round BLOB NOT NULL REFERENCES rounds(id),"
    "  member TEXT NOT NULL,"
    "  pk BLOB NOT NULL CHECK (length(pk) = 32),"
    "  signature BLOB NOT NULL CHECK (length(signature) = 64),"
    "  PRIMARY KEY (round, member)"
    ") STRICT;"
    "CREATE TABLE hard_queries ("
    "  round BLOB NOT NULL REFERENCES rounds(id),"
    "  querier TEXT NOT NULL,"
    "  blinded BLOB NOT NULL,"
    "  digest BLOB NOT NULL CHECK (length(digest) = 32),"
    "  signature BLOB NOT NULL CHECK (length(signature) = 64),"
    "  PRIMARY KEY (round, querier)"
    ") STRICT;"
    "CREATE TABLE hard_answers ("
    "  round BLOB NOT NULL REFERENCES rounds(id),"
    "  querier TEXT NOT NULL,"
    "  answerer TEXT NOT NULL,"
    "  evaluated BLOB NOT NULL,"
    "  digest BLOB NOT NULL CHECK (length(digest) = 32),"
    "  proof BLOB NOT NULL CHECK (length(proof) = 64),"
    "  signature BLOB NOT NULL CHECK (length(signature) = 64),"
    "  PRIMARY KEY (round, querier, answerer)"
    ") STRICT;",
    /*
     * 11: batch files: a batch's sets live in PARK/batches/<round>/<submission>
     * at file_off (offers_len then needs_len bytes, then a CRC-32C); file_off
     * NULL means they are in the offers and needs blobs (rounds from before
     * this migration), which new rows leave empty. epoch: the store's opening
     * that wrote them. file_end: where the submission's next chunk goes.
     */
    "ALTER TABLE batches ADD COLUMN file_off INTEGER;"
    "ALTER TABLE batches ADD COLUMN offers_len INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE batches ADD COLUMN needs_len INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE batches ADD COLUMN epoch INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE submissions ADD COLUMN file_end INTEGER NOT NULL DEFAULT 0;",
    /*
     * 12: reach: each member's site (REACH.md), as its certificate binds it, in
     * hundredths of a degree. Members enrolled before have none (site_set 0):
     * their distance is unknown and they stay within every reach.
     */
    "ALTER TABLE members ADD COLUMN site_set INTEGER NOT NULL DEFAULT 0 "
    "CHECK (site_set IN (0, 1));"
    "ALTER TABLE members ADD COLUMN site_lat INTEGER NOT NULL DEFAULT 0 "
    "CHECK (site_lat BETWEEN -9000 AND 9000);"
    "ALTER TABLE members ADD COLUMN site_lon INTEGER NOT NULL DEFAULT 0 "
    "CHECK (site_lon BETWEEN -18000 AND 18000);",
};

#define STORE_SCHEMA_VERSION ((int)(sizeof(s_migrations) / sizeof(s_migrations[0])))

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
			if ((r = store_sql_script(&st->sql, s_migrations[i])) != SYM_OK) {
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
