/*
 * The coordinator's SQLite store: file creation and permissions, WAL, schema
 * migrations and their refusal of newer databases, settings, serials,
 * members, replay protection, damaged rows and transactions. A second, raw
 * SQLite connection plays the part of an operator or an attacker with
 * access to the file.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cert.h"
#include "err.h"
#include "fixture.h"
#include "roundhash.h"
#include "store.h"
#include "store_sql.h"

/* Bump with every migration appended to daemon/store.c. */
#define TEST_SCHEMA_VERSION 13

#ifdef STORE_TEST_STANDALONE
/* Stand-ins with the documented rules, for building before crypto/cert.c exists. */
int
member_id_valid(const char *id)
{
	size_t i, len;

	if (id == NULL || (len = strlen(id)) == 0 || len > MEMBER_ID_MAX || id[0] == '-')
		return 0;
	for (i = 0; i < len; i++)
		if (!((id[i] >= 'a' && id[i] <= 'z') || (id[i] >= '0' && id[i] <= '9') ||
		      id[i] == '-'))
			return 0;
	return 1;
}

int
member_name_valid(const char *name)
{
	size_t i, len;

	if (name == NULL || (len = strlen(name)) == 0 || len > MEMBER_NAME_MAX)
		return 0;
	for (i = 0; i < len; i++)
		if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f)
			return 0;
	return 1;
}
#endif

static char *const s_dir = fixture_dir; /* the group's directory (fixture.h) */

static void
s_path(char *out, size_t len, const char *name)
{
	assert_true((size_t)snprintf(out, len, "%s/%s", s_dir, name) < len);
}

/* Run SQL on the file through a connection of our own, bypassing the store. */
static void
s_raw_exec(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	char *err = NULL;
	int rc;

	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	rc = sqlite3_exec(db, sql, NULL, NULL, &err);
	if (rc != SQLITE_OK)
		fail_msg("raw SQL failed: %s: %s", sql, err != NULL ? err : "?");
	sqlite3_free(err);
	assert_int_equal(sqlite3_close(db), SQLITE_OK);
}

/* The first column of the first row of `sql`, as text. */
static void
s_raw_text(const char *path, const char *sql, char *out, size_t len)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *stmt = NULL;
	const unsigned char *text;

	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &stmt, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
	text = sqlite3_column_text(stmt, 0);
	assert_non_null(text);
	assert_true((size_t)snprintf(out, len, "%s", (const char *)text) < len);
	assert_int_equal(sqlite3_finalize(stmt), SQLITE_OK);
	assert_int_equal(sqlite3_close(db), SQLITE_OK);
}

static struct store *
s_open(const char *path)
{
	struct store *st = NULL;
	struct sym_diag diag = {{0}};
	int r;

	r = store_open(path, &st, &diag);
	if (r != SYM_OK)
		fail_msg("store_open(%s): %s: %s", path, sym_strerror(r), diag.msg);
	assert_non_null(st);
	return st;
}

/* A hand-made record: the store does not verify certificates, only shapes. */
static void
s_record(struct member_record *rec, const char *id, uint8_t seed)
{
	memset(rec, 0, sizeof(*rec));
	assert_true((size_t)snprintf(rec->id, sizeof(rec->id), "%s", id) < sizeof(rec->id));
	snprintf(rec->name, sizeof(rec->name), "Company %s GmbH", id);
	memset(rec->ed25519, seed, sizeof(rec->ed25519));
	memset(rec->x25519, seed ^ 0x40, sizeof(rec->x25519));
	memset(rec->curve, seed ^ 0x80, sizeof(rec->curve));
	memset(rec->binding_sig, seed ^ 0xc0, sizeof(rec->binding_sig));
	memset(rec->fingerprint, seed ^ 0x20, sizeof(rec->fingerprint));
}

static const uint8_t s_cert[] = {0x30, 0x82, 0x01, 0x0a, 0x02, 0x01, 0x01, 0xde, 0xad};

static void
s_add(struct store *st, const char *id, uint8_t seed, uint64_t serial)
{
	struct member_record rec;

	s_record(&rec, id, seed);
	assert_int_equal(store_member_add(st, &rec, s_cert, sizeof(s_cert), serial), SYM_OK);
}

static void
test_open_creates_private_wal_database(void **state)
{
	char path[128], side[160], text[32];
	struct store *st;
	struct stat sb;
	mode_t old;

	(void)state;
	s_path(path, sizeof(path), "fresh.db");
	/* With no umask at all, a file SQLite created itself would be 0644. */
	old = umask(0);
	st = s_open(path);
	umask(old);
	assert_int_equal(lstat(path, &sb), 0);
	assert_true(S_ISREG(sb.st_mode));
	assert_int_equal(sb.st_mode & 0777, 0600);
	/* SQLite gives the write-ahead log the database file's mode. */
	assert_true((size_t)snprintf(side, sizeof(side), "%s-wal", path) < sizeof(side));
	assert_int_equal(lstat(side, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_int_equal(store_schema_version(st), TEST_SCHEMA_VERSION);

	/* WAL is a property of the file: a second connection sees it. */
	s_raw_text(path, "PRAGMA journal_mode", text, sizeof(text));
	assert_string_equal(text, "wal");
	s_raw_text(path, "PRAGMA user_version", text, sizeof(text));
	assert_int_equal(atoi(text), TEST_SCHEMA_VERSION);
	s_raw_text(path,
	           "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name IN "
	           "('meta', 'members', 'seen_requests', 'counters')",
	           text, sizeof(text));
	assert_string_equal(text, "4");
	store_close(&st);
	assert_null(st);
	store_close(&st); /* NULL is fine */
	store_close(NULL);

	/* Reopening migrates nothing and changes nothing. */
	st = s_open(path);
	assert_int_equal(store_schema_version(st), TEST_SCHEMA_VERSION);
	store_close(&st);
	st = s_open(path);
	assert_int_equal(store_schema_version(st), TEST_SCHEMA_VERSION);
	store_close(&st);
	s_raw_text(path, "PRAGMA user_version", text, sizeof(text));
	assert_int_equal(atoi(text), TEST_SCHEMA_VERSION);
	assert_int_equal(lstat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
}

static void
test_open_refuses_bad_paths(void **state)
{
	char path[128], link[128];
	struct store *st = (struct store *)&st; /* must be reset to NULL */
	struct sym_diag diag = {{0}};
	FILE *f;

	(void)state;
	assert_int_equal(store_open(NULL, &st, &diag), SYM_ERR_INVALID);
	assert_null(st);
	assert_int_equal(store_open("", &st, NULL), SYM_ERR_INVALID);

	/* A symbolic link planted at the database path is not followed. */
	s_path(path, sizeof(path), "target.db");
	s_path(link, sizeof(link), "link.db");
	st = s_open(path);
	store_close(&st);
	assert_int_equal(symlink(path, link), 0);
	assert_int_equal(store_open(link, &st, &diag), SYM_ERR_PERM);
	assert_null(st);
	assert_non_null(strstr(diag.msg, "symbolic link"));

	/* A directory is not a database. */
	assert_int_equal(store_open(s_dir, &st, &diag), SYM_ERR_FORMAT);
	assert_null(st);

	/* Nor is a private file full of something else. */
	s_path(path, sizeof(path), "garbage.db");
	f = fopen(path, "w");
	assert_non_null(f);
	for (int i = 0; i < 512; i++)
		fputs("not a database, just text ", f);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, 0600), 0);
	memset(&diag, 0, sizeof(diag));
	assert_int_equal(store_open(path, &st, &diag), SYM_ERR_FORMAT);
	assert_null(st);
	assert_non_null(strstr(diag.msg, "garbage.db"));
}

static void
test_newer_schema_refused(void **state)
{
	char path[128], text[32];
	struct store *st;
	struct sym_diag diag = {{0}};
	char want[96];

	(void)state;
	s_path(path, sizeof(path), "newer.db");
	st = s_open(path);
	store_close(&st);
	s_raw_exec(path, "PRAGMA user_version = 99");
	assert_int_equal(store_open(path, &st, &diag), SYM_ERR_FORMAT);
	assert_null(st);
	snprintf(want, sizeof(want), "database schema version 99 is newer than this symbiod (%d)",
	         TEST_SCHEMA_VERSION);
	if (strstr(diag.msg, want) == NULL)
		fail_msg("diag \"%s\" lacks \"%s\"", diag.msg, want);
	/* Refusing does not touch the file. */
	s_raw_text(path, "PRAGMA user_version", text, sizeof(text));
	assert_string_equal(text, "99");
	/* Without a diag the error is still returned. */
	assert_int_equal(store_open(path, &st, NULL), SYM_ERR_FORMAT);
	assert_null(st);
}

static void
test_group_readable_refused(void **state)
{
	char path[128];
	struct store *st;
	struct sym_diag diag = {{0}};

	(void)state;
	s_path(path, sizeof(path), "perm.db");
	st = s_open(path);
	store_close(&st);
	assert_int_equal(chmod(path, 0640), 0);
	assert_int_equal(store_open(path, &st, &diag), SYM_ERR_PERM);
	assert_null(st);
	assert_non_null(strstr(diag.msg, "perm.db"));
	assert_int_equal(chmod(path, 0604), 0);
	assert_int_equal(store_open(path, &st, NULL), SYM_ERR_PERM);
	assert_int_equal(chmod(path, 0620), 0);
	assert_int_equal(store_open(path, &st, NULL), SYM_ERR_PERM);
	assert_null(st);
	assert_int_equal(chmod(path, 0600), 0);
	st = s_open(path);
	store_close(&st);
}

static void
test_meta(void **state)
{
	char path[128], *value = (char *)"x", big[70000];
	struct store *st;

	(void)state;
	s_path(path, sizeof(path), "meta.db");
	st = s_open(path);
	assert_int_equal(store_meta_get(st, "park_name", &value), SYM_ERR_NOT_FOUND);
	assert_null(value);
	assert_int_equal(store_meta_set(st, "park_name", "Kalundborg"), SYM_OK);
	assert_int_equal(store_meta_get(st, "park_name", &value), SYM_OK);
	assert_string_equal(value, "Kalundborg");
	free(value);
	/* Overwrite in place. */
	assert_int_equal(store_meta_set(st, "park_name", "Kalundborg Symbiosis"), SYM_OK);
	assert_int_equal(store_meta_get(st, "park_name", &value), SYM_OK);
	assert_string_equal(value, "Kalundborg Symbiosis");
	free(value);
	/* Empty values are values; SQL metacharacters are only data. */
	assert_int_equal(store_meta_set(st, "empty", ""), SYM_OK);
	assert_int_equal(store_meta_get(st, "empty", &value), SYM_OK);
	assert_string_equal(value, "");
	free(value);
	assert_int_equal(store_meta_set(st, "x'); DROP TABLE meta; --", "'\""), SYM_OK);
	assert_int_equal(store_meta_get(st, "x'); DROP TABLE meta; --", &value), SYM_OK);
	assert_string_equal(value, "'\"");
	free(value);
	assert_int_equal(store_meta_get(st, "park_name", &value), SYM_OK);
	free(value);

	assert_int_equal(store_meta_set(st, NULL, "v"), SYM_ERR_INVALID);
	assert_int_equal(store_meta_set(st, "", "v"), SYM_ERR_INVALID);
	assert_int_equal(store_meta_set(st, "k", NULL), SYM_ERR_INVALID);
	assert_int_equal(store_meta_set(NULL, "k", "v"), SYM_ERR_INVALID);
	assert_int_equal(store_meta_get(st, "k", NULL), SYM_ERR_INVALID);
	memset(big, 'v', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(store_meta_set(st, "big", big), SYM_ERR_INVALID);
	assert_int_equal(store_meta_set(st, big, "v"), SYM_ERR_INVALID);
	store_close(&st);

	/* Settings are durable. */
	st = s_open(path);
	assert_int_equal(store_meta_get(st, "park_name", &value), SYM_OK);
	assert_string_equal(value, "Kalundborg Symbiosis");
	free(value);
	store_close(&st);
}

static void
test_serials_monotonic(void **state)
{
	char path[128];
	struct store *st;
	uint64_t s = 0, prev = 0;

	(void)state;
	s_path(path, sizeof(path), "serial.db");
	st = s_open(path);
	for (int i = 1; i <= 5; i++) {
		assert_int_equal(store_next_serial(st, &s), SYM_OK);
		assert_int_equal(s, (uint64_t)i);
		prev = s;
	}
	assert_int_equal(store_next_serial(st, NULL), SYM_ERR_INVALID);
	store_close(&st);
	st = s_open(path);
	assert_int_equal(store_next_serial(st, &s), SYM_OK);
	assert_int_equal(s, prev + 1);
	/* A serial drawn in a rolled-back transaction is drawn again; never skipped twice. */
	assert_int_equal(store_begin(st), SYM_OK);
	assert_int_equal(store_next_serial(st, &s), SYM_OK);
	assert_int_equal(s, prev + 2);
	store_rollback(st);
	assert_int_equal(store_next_serial(st, &s), SYM_OK);
	assert_int_equal(s, prev + 2);
	store_close(&st);
}

/* Reach: a member's site goes in and comes back; one out of range never reaches the database. */
static void
test_member_site(void **state)
{
	struct member_record rec;
	struct store_member m;
	char path[128];
	struct store *st;

	(void)state;
	s_path(path, sizeof(path), "sites.db");
	st = s_open(path);
	s_record(&rec, "sited", 12);
	rec.site.set = 1;
	rec.site.lat = -3387;
	rec.site.lon = 15121;
	assert_int_equal(store_member_add(st, &rec, s_cert, sizeof(s_cert), 12), SYM_OK);
	s_add(st, "unsited", 13, 13);
	assert_int_equal(store_member_get(st, "sited", &m), SYM_OK);
	assert_memory_equal(&m.rec, &rec, sizeof(rec));
	store_member_clear(&m);
	assert_int_equal(store_member_get(st, "unsited", &m), SYM_OK);
	assert_int_equal(m.rec.site.set, 0);
	store_member_clear(&m);
	s_record(&rec, "too-far", 14);
	rec.site.set = 1;
	rec.site.lat = 9001;
	assert_int_equal(store_member_add(st, &rec, s_cert, sizeof(s_cert), 14), SYM_ERR_INVALID);
	rec.site.lat = 0;
	rec.site.lon = -18001;
	assert_int_equal(store_member_add(st, &rec, s_cert, sizeof(s_cert), 14), SYM_ERR_INVALID);
	assert_int_equal(store_member_get(st, "too-far", &m), SYM_ERR_NOT_FOUND);
	store_close(&st);
}

static void
test_members(void **state)
{
	char path[128], long_id[MEMBER_ID_MAX + 2];
	struct store *st;
	struct store_member m, *list = NULL;
	struct member_record rec, want;
	size_t n = 99;

	(void)state;
	s_path(path, sizeof(path), "members.db");
	st = s_open(path);
	assert_int_equal(store_members_list(st, &list, &n), SYM_OK);
	assert_int_equal(n, 0);
	assert_null(list);

	s_add(st, "zeta-chem", 3, 3);
	s_add(st, "acme", 1, 1);
	s_add(st, "m2-brewery", 2, 2);

	s_record(&want, "acme", 1);
	assert_int_equal(store_member_get(st, "acme", &m), SYM_OK);
	assert_memory_equal(&m.rec, &want, sizeof(want));
	assert_int_equal(m.cert_der_len, sizeof(s_cert));
	assert_memory_equal(m.cert_der, s_cert, sizeof(s_cert));
	assert_int_equal(m.serial, 1);
	assert_int_equal(m.revoked, 0);
	assert_true(m.enrolled_at > 1600000000);
	assert_int_equal(m.revoked_at, 0);
	store_member_clear(&m);
	assert_null(m.cert_der);
	store_member_clear(NULL);
	assert_int_equal(store_member_get(st, "nobody", &m), SYM_ERR_NOT_FOUND);

	assert_int_equal(store_members_list(st, &list, &n), SYM_OK);
	assert_int_equal(n, 3);
	assert_string_equal(list[0].rec.id, "acme");
	assert_string_equal(list[1].rec.id, "m2-brewery");
	assert_string_equal(list[2].rec.id, "zeta-chem");
	assert_int_equal(list[2].serial, 3);
	assert_int_equal(list[1].rec.curve[0], 2 ^ 0x80);
	store_members_free(list, n);
	store_members_free(NULL, 0);

	/* The same id, with fresh keys. */
	s_record(&rec, "acme", 9);
	assert_int_equal(store_member_add(st, &rec, s_cert, sizeof(s_cert), 9), SYM_ERR_EXISTS);
	/* A new id reusing one of an enrolled member's keys, each in turn. */
	s_record(&rec, "copycat", 10);
	memset(rec.curve, 1 ^ 0x80, sizeof(rec.curve));
	assert_int_equal(store_member_add(st, &rec, s_cert, sizeof(s_cert), 10), SYM_ERR_EXISTS);
	s_record(&rec, "copycat", 10);
	memset(rec.ed25519, 1, sizeof(rec.ed25519));
	assert_int_equal(store_member_add(st, &rec, s_cert, sizeof(s_cert), 10), SYM_ERR_EXISTS);
	s_record(&rec, "copycat", 10);
	memset(rec.x25519, 1 ^ 0x40, sizeof(rec.x25519));
	assert_int_equal(store_member_add(st, &rec, s_cert, sizeof(s_cert), 10), SYM_ERR_EXISTS);
	/* A serial already issued. */
	s_record(&rec, "copycat", 10);
	assert_int_equal(store_member_add(st, &rec, s_cert, sizeof(s_cert), 2), SYM_ERR_EXISTS);

	/* Invalid ids, names and arguments never reach the database. */
	s_record(&rec, "Acme", 11);
	assert_int_equal(store_member_add(st, &rec, s_cert, sizeof(s_cert), 11), SYM_ERR_INVALID);
	s_record(&rec, "", 11);
	assert_int_equal(store_member_add(st, &rec, s_cert, sizeof(s_cert), 11), SYM_ERR_INVALID);
	s_record(&rec, "acme'--", 11);
	assert_int_equal(store_member_add(st, &rec, s_cert, sizeof(s_cert), 11), SYM_ERR_INVALID);
	s_record(&rec, "fine", 11);
	memset(rec.id, 'a', sizeof(rec.id)); /* no terminating NUL inside the array */
	assert_int_equal(store_member_add(st, &rec, s_cert, sizeof(s_cert), 11), SYM_ERR_INVALID);
	s_record(&rec, "fine", 11);
	rec.name[0] = '\0';
	assert_int_equal(store_member_add(st, &rec, s_cert, sizeof(s_cert), 11), SYM_ERR_INVALID);
	s_record(&rec, "fine", 11);
	rec.name[2] = '\n';
	assert_int_equal(store_member_add(st, &rec, s_cert, sizeof(s_cert), 11), SYM_ERR_INVALID);
	s_record(&rec, "fine", 11);
	assert_int_equal(store_member_add(st, &rec, NULL, 0, 11), SYM_ERR_INVALID);
	assert_int_equal(store_member_add(st, &rec, s_cert, 0, 11), SYM_ERR_INVALID);
	assert_int_equal(store_member_add(st, &rec, s_cert, sizeof(s_cert), 0), SYM_ERR_INVALID);
	assert_int_equal(store_member_add(st, &rec, s_cert, sizeof(s_cert), UINT64_MAX),
	                 SYM_ERR_INVALID);
	assert_int_equal(store_member_add(st, NULL, s_cert, sizeof(s_cert), 11), SYM_ERR_INVALID);
	assert_int_equal(store_member_get(st, "Acme", &m), SYM_ERR_INVALID);
	assert_int_equal(store_member_get(st, NULL, &m), SYM_ERR_INVALID);
	memset(long_id, 'a', sizeof(long_id) - 1);
	long_id[sizeof(long_id) - 1] = '\0';
	assert_int_equal(store_member_get(st, long_id, &m), SYM_ERR_INVALID);
	assert_int_equal(store_member_revoke(st, "a b"), SYM_ERR_INVALID);
	assert_int_equal(store_members_list(st, &list, &n), SYM_OK);
	assert_int_equal(n, 3);
	store_members_free(list, n);

	/* Revocation: once, of a known member. */
	assert_int_equal(store_member_revoke(st, "m2-brewery"), SYM_OK);
	assert_int_equal(store_member_revoke(st, "m2-brewery"), SYM_ERR_EXISTS);
	assert_int_equal(store_member_revoke(st, "nobody"), SYM_ERR_NOT_FOUND);
	assert_int_equal(store_member_get(st, "m2-brewery", &m), SYM_OK);
	assert_int_equal(m.revoked, 1);
	assert_true(m.revoked_at >= m.enrolled_at);
	store_member_clear(&m);
	/* A revoked member's keys stay taken. */
	s_record(&rec, "m2-brewery-new", 2);
	assert_int_equal(store_member_add(st, &rec, s_cert, sizeof(s_cert), 12), SYM_ERR_EXISTS);
	store_close(&st);

	/* Everything survives close and reopen. */
	st = s_open(path);
	assert_int_equal(store_members_list(st, &list, &n), SYM_OK);
	assert_int_equal(n, 3);
	assert_string_equal(list[0].rec.id, "acme");
	assert_memory_equal(&list[0].rec, &want, sizeof(want));
	assert_int_equal(list[0].revoked, 0);
	assert_string_equal(list[1].rec.id, "m2-brewery");
	assert_int_equal(list[1].revoked, 1);
	assert_memory_equal(list[1].cert_der, s_cert, sizeof(s_cert));
	store_members_free(list, n);
	store_close(&st);
}

static void
test_seen_requests(void **state)
{
	char path[128];
	struct store *st;
	uint8_t rid1[16], rid2[16], rid3[16], *resp = (uint8_t *)"x";
	size_t resp_len = 7;
	static const uint8_t reply[] = "ok: round 4 accepted";

	(void)state;
	memset(rid1, 0x11, sizeof(rid1));
	memset(rid2, 0x22, sizeof(rid2));
	memset(rid3, 0x33, sizeof(rid3));
	s_path(path, sizeof(path), "seen.db");
	st = s_open(path);
	assert_int_equal(store_request_seen(st, "acme", rid1, &resp, &resp_len), SYM_ERR_NOT_FOUND);
	assert_null(resp);
	assert_int_equal(resp_len, 0);

	assert_int_equal(store_request_remember(st, "acme", rid1, 1000, reply, sizeof(reply)),
	                 SYM_OK);
	assert_int_equal(store_request_remember(st, "acme", rid2, 2000, NULL, 0), SYM_OK);
	assert_int_equal(store_request_remember(st, "beta", rid1, 3000, reply, 3), SYM_OK);
	/* The same request twice is a replay, not an update. */
	assert_int_equal(store_request_remember(st, "acme", rid1, 4000, NULL, 0), SYM_ERR_EXISTS);

	assert_int_equal(store_request_seen(st, "acme", rid1, &resp, &resp_len), SYM_OK);
	assert_int_equal(resp_len, sizeof(reply));
	assert_memory_equal(resp, reply, sizeof(reply));
	free(resp);
	assert_int_equal(store_request_seen(st, "acme", rid2, &resp, &resp_len), SYM_OK);
	assert_null(resp);
	assert_int_equal(resp_len, 0);
	assert_int_equal(store_request_seen(st, "beta", rid1, &resp, &resp_len), SYM_OK);
	assert_int_equal(resp_len, 3);
	free(resp);
	/* Request ids are per member. */
	assert_int_equal(store_request_seen(st, "beta", rid2, &resp, &resp_len), SYM_ERR_NOT_FOUND);
	assert_int_equal(store_request_seen(st, "acme", rid3, &resp, &resp_len), SYM_ERR_NOT_FOUND);

	assert_int_equal(store_request_remember(st, "Acme", rid3, 1, NULL, 0), SYM_ERR_INVALID);
	assert_int_equal(store_request_remember(st, "acme", NULL, 1, NULL, 0), SYM_ERR_INVALID);
	assert_int_equal(store_request_remember(st, "acme", rid3, 1, NULL, 5), SYM_ERR_INVALID);
	assert_int_equal(store_request_remember(st, "acme", rid3, UINT64_MAX, NULL, 0),
	                 SYM_ERR_INVALID);
	assert_int_equal(store_request_seen(st, "acme", rid1, NULL, &resp_len), SYM_ERR_INVALID);
	assert_int_equal(store_request_seen(st, NULL, rid1, &resp, &resp_len), SYM_ERR_INVALID);
	assert_int_equal(store_requests_prune(st, UINT64_MAX), SYM_ERR_INVALID);

	/* Pruning drops strictly older entries only. */
	assert_int_equal(store_requests_prune(st, 2000), SYM_OK);
	assert_int_equal(store_request_seen(st, "acme", rid1, &resp, &resp_len), SYM_ERR_NOT_FOUND);
	assert_int_equal(store_request_seen(st, "acme", rid2, &resp, &resp_len), SYM_OK);
	assert_int_equal(store_request_seen(st, "beta", rid1, &resp, &resp_len), SYM_OK);
	free(resp);
	store_close(&st);

	st = s_open(path);
	assert_int_equal(store_request_seen(st, "acme", rid2, &resp, &resp_len), SYM_OK);
	assert_int_equal(store_requests_prune(st, 10000), SYM_OK);
	assert_int_equal(store_request_seen(st, "acme", rid2, &resp, &resp_len), SYM_ERR_NOT_FOUND);
	assert_int_equal(store_request_seen(st, "beta", rid1, &resp, &resp_len), SYM_ERR_NOT_FOUND);
	store_close(&st);
}

/*
 * Rows damaged behind the store's back (CHECK constraints switched off on a
 * raw connection) are reported as malformed, never copied past a field.
 */
static void
test_corrupt_rows(void **state)
{
	static const struct {
		const char *sql;
		int get; /* what store_member_get("acme") returns */
	} cases[] = {
	    {"UPDATE members SET ed25519 = x'00'", SYM_ERR_FORMAT},
	    {"UPDATE members SET x25519 = zeroblob(4096)", SYM_ERR_FORMAT},
	    {"UPDATE members SET curve = x''", SYM_ERR_FORMAT},
	    {"UPDATE members SET binding_sig = zeroblob(65)", SYM_ERR_FORMAT},
	    {"UPDATE members SET fingerprint = zeroblob(31)", SYM_ERR_FORMAT},
	    {"UPDATE members SET name = hex(zeroblob(100))", SYM_ERR_FORMAT},
	    {"UPDATE members SET name = CAST(x'41004243' AS TEXT)", SYM_ERR_FORMAT},
	    {"UPDATE members SET name = ''", SYM_ERR_FORMAT},
	    {"UPDATE members SET name = 'bell' || char(7)", SYM_ERR_FORMAT},
	    {"UPDATE members SET cert = x''", SYM_ERR_FORMAT},
	    {"UPDATE members SET cert = zeroblob(100000)", SYM_ERR_FORMAT},
	    {"UPDATE members SET revoked = 7", SYM_ERR_FORMAT},
	    {"UPDATE members SET serial = 0", SYM_ERR_FORMAT},
	    {"UPDATE members SET enrolled_at = -1", SYM_ERR_FORMAT},
	    {"UPDATE members SET id = 'Bad Id'", SYM_ERR_NOT_FOUND},
	    {"UPDATE members SET id = hex(zeroblob(40))", SYM_ERR_NOT_FOUND},
	};
	char path[128], name[32], sql[256], *value = NULL;
	struct store *st;
	struct store_member m, *list = NULL;
	size_t n = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(name, sizeof(name), "corrupt%zu.db", i);
		s_path(path, sizeof(path), name);
		st = s_open(path);
		s_add(st, "acme", 1, 1);
		store_close(&st);
		snprintf(sql, sizeof(sql), "PRAGMA ignore_check_constraints = ON; %s",
		         cases[i].sql);
		s_raw_exec(path, sql);
		st = s_open(path);
		if (store_member_get(st, "acme", &m) != cases[i].get)
			fail_msg("%s: store_member_get did not return %d", cases[i].sql,
			         cases[i].get);
		assert_null(m.cert_der);
		if (store_members_list(st, &list, &n) != SYM_ERR_FORMAT)
			fail_msg("%s: store_members_list was not SYM_ERR_FORMAT", cases[i].sql);
		assert_null(list);
		assert_int_equal(n, 0);
		store_close(&st);
	}

	/* A setting with an embedded NUL would be silently truncated: refused. */
	s_path(path, sizeof(path), "corrupt-meta.db");
	st = s_open(path);
	assert_int_equal(store_meta_set(st, "park_name", "Kalundborg"), SYM_OK);
	store_close(&st);
	s_raw_exec(path, "UPDATE meta SET value = CAST(x'4b00414c' AS TEXT)");
	st = s_open(path);
	assert_int_equal(store_meta_get(st, "park_name", &value), SYM_ERR_FORMAT);
	assert_null(value);
	store_close(&st);
}

static void
test_transactions(void **state)
{
	char path[128];
	struct store *st;
	struct store_member m;
	size_t n = 0;
	struct store_member *list = NULL;

	(void)state;
	s_path(path, sizeof(path), "tx.db");
	st = s_open(path);
	/* Rollback outside a transaction is harmless. */
	store_rollback(st);
	store_rollback(NULL);

	assert_int_equal(store_begin(st), SYM_OK);
	s_add(st, "acme", 1, 1);
	assert_int_equal(store_meta_set(st, "k", "v"), SYM_OK);
	assert_int_equal(store_member_get(st, "acme", &m), SYM_OK); /* visible inside */
	store_member_clear(&m);
	store_rollback(st);
	assert_int_equal(store_member_get(st, "acme", &m), SYM_ERR_NOT_FOUND);
	assert_int_equal(store_members_list(st, &list, &n), SYM_OK);
	assert_int_equal(n, 0);

	/* No nesting: a second BEGIN fails and leaves the first one intact. */
	assert_int_equal(store_begin(st), SYM_OK);
	assert_int_not_equal(store_begin(st), SYM_OK);
	s_add(st, "acme", 1, 1);
	s_add(st, "beta", 2, 2);
	assert_int_equal(store_commit(st), SYM_OK);
	assert_int_not_equal(store_commit(st), SYM_OK); /* nothing to commit */
	store_close(&st);

	st = s_open(path);
	assert_int_equal(store_members_list(st, &list, &n), SYM_OK);
	assert_int_equal(n, 2);
	store_members_free(list, n);
	/* A failed statement inside a transaction does not end it. */
	assert_int_equal(store_begin(st), SYM_OK);
	s_add(st, "gamma", 3, 3);
	{
		struct member_record rec;

		s_record(&rec, "acme", 9);
		assert_int_equal(store_member_add(st, &rec, s_cert, sizeof(s_cert), 9),
		                 SYM_ERR_EXISTS);
	}
	assert_int_equal(store_commit(st), SYM_OK);
	assert_int_equal(store_member_get(st, "gamma", &m), SYM_OK);
	store_member_clear(&m);
	assert_int_equal(store_begin(NULL), SYM_ERR_INVALID);
	assert_int_equal(store_commit(NULL), SYM_ERR_INVALID);
	store_close(&st);
}

/* The round tables through the public API: one round from open to end. */
static void
test_round_lifecycle(void **state)
{
	static const uint8_t rid[STORE_ID_LEN] = {1}, sid[STORE_ID_LEN] = {2},
	                     cid[STORE_ID_LEN] = {3}, commitment[32] = {4}, offers[16] = {6};
	uint8_t digest[32];
	char path[128], *members[] = {"acme", "beta"}, **ids = NULL, **cps = NULL,
	                from[MEMBER_ID_MAX + 1];
	uint8_t ann[] = {0xaa, 0xbb}, (*digests)[32] = NULL, (*rounds)[STORE_ID_LEN] = NULL;
	uint8_t *o = NULL, *nd = NULL, *env = NULL;
	size_t n = 0, olen = 0, nlen = 0, elen = 0;
	struct store_round rd, got;
	struct store_submission sub;
	struct store_candidate c, *cands = NULL;
	struct store_evidence ev;
	int64_t counts[4], submitted = -1;
	uint8_t stmt[32], h[2][32];
	int state_out = -1, repeated = -1, both = -1;
	struct store *st;

	(void)state;
	/* The store checks a batch read back against its digest: the real one. */
	assert_int_equal(roundhash_batch_digest("beta", offers, sizeof(offers), NULL, 0, digest),
	                 SYM_OK);
	s_path(path, sizeof(path), "round.db");
	st = s_open(path);
	assert_int_equal(store_round_latest(st, &got), SYM_ERR_NOT_FOUND);
	memset(&rd, 0, sizeof(rd));
	memcpy(rd.id, rid, sizeof(rid));
	rd.opened_ms = 1000;
	rd.submit_deadline_ms = 2000;
	rd.consent_deadline_ms = 3000;
	rd.announcement = ann;
	rd.announcement_len = sizeof(ann);
	assert_int_equal(store_round_create(st, &rd, members, 2), SYM_OK);
	assert_int_equal(store_round_latest(st, &got), SYM_OK);
	assert_int_equal(got.seq, 1);
	assert_int_equal(got.phase, ROUND_OPEN);
	assert_int_equal(got.consent_deadline_ms, 3000);
	assert_int_equal(got.announcement_len, sizeof(ann));
	assert_memory_equal(got.announcement, ann, sizeof(ann));
	store_round_clear(&got);
	assert_int_equal(store_round_has_member(st, rid, "beta"), 1);
	assert_int_equal(store_round_has_member(st, rid, "gamma"), 0);
	assert_int_equal(store_round_members(st, rid, &ids, &n), SYM_OK);
	assert_int_equal(n, 2);
	assert_string_equal(ids[1], "beta");
	store_strings_free(ids, n);

	/* A submission: staged, one batch (an empty need set stays a blob), committed. */
	assert_int_equal(store_submission_begin(st, rid, "acme", sid, 1, commitment, 1500), SYM_OK);
	assert_int_equal(
	    store_batch_put(st, sid, 0, "beta", offers, sizeof(offers), NULL, 0, digest), SYM_OK);
	assert_int_equal(
	    store_batch_put(st, sid, 1, "beta", offers, sizeof(offers), NULL, 0, digest),
	    SYM_ERR_EXISTS);
	assert_int_equal(store_submission_chunk_done(st, sid), SYM_OK);
	assert_int_equal(store_submission_get(st, sid, &sub), SYM_OK);
	assert_int_equal(sub.state, SUBMISSION_STAGING);
	assert_int_equal(sub.chunks, 1);
	assert_int_equal(sub.received, 1);
	assert_string_equal(sub.member, "acme");
	assert_int_equal(store_batch_digests(st, sid, &digests, &cps, &n), SYM_OK);
	assert_int_equal(n, 1);
	assert_memory_equal(digests[0], digest, 32);
	assert_string_equal(cps[0], "beta");
	free(digests);
	store_strings_free(cps, n);
	assert_int_equal(store_batch_get(st, rid, "acme", "beta", &o, &olen, &nd, &nlen),
	                 SYM_ERR_NOT_FOUND); /* not committed yet */
	assert_int_equal(store_submission_commit(st, sid, 1600, ann, sizeof(ann)), SYM_OK);
	assert_int_equal(store_submission_commit(st, sid, 1600, ann, sizeof(ann)), SYM_ERR_EXISTS);
	assert_int_equal(store_submission_chunk_done(st, sid), SYM_ERR_NOT_FOUND);
	assert_int_equal(store_batch_get(st, rid, "acme", "beta", &o, &olen, &nd, &nlen), SYM_OK);
	assert_int_equal(olen, sizeof(offers));
	assert_memory_equal(o, offers, sizeof(offers));
	assert_non_null(nd);
	assert_int_equal(nlen, 0);
	free(o);
	free(nd);
	assert_int_equal(store_round_submitters(st, rid, &ids, &n), SYM_OK);
	assert_int_equal(n, 1);
	store_strings_free(ids, n);

	/* Phases move forward only. */
	assert_int_equal(store_round_set_phase(st, rid, ROUND_ENDED, 2500), SYM_ERR_INVALID);
	assert_int_equal(store_round_set_phase(st, rid, ROUND_CONSENT, 2500), SYM_OK);
	assert_int_equal(store_round_set_phase(st, rid, ROUND_CONSENT, 2500), SYM_ERR_INVALID);

	/* A candidate agreed by both sides releases each side's envelope to the other. */
	memset(&c, 0, sizeof(c));
	memcpy(c.id, cid, sizeof(cid));
	memcpy(c.round, rid, sizeof(rid));
	strcpy(c.supplier, "acme");
	strcpy(c.consumer, "beta");
	memset(c.token, 7, sizeof(c.token));
	assert_int_equal(store_candidate_add(st, &c), SYM_OK);
	assert_int_equal(store_candidate_add(st, &c), SYM_ERR_EXISTS);
	assert_int_equal(store_pair_summary_add(st, rid, "acme", "beta", 1, digest), SYM_OK);
	assert_int_equal(store_candidates_for(st, rid, "beta", &cands, &n), SYM_OK);
	assert_int_equal(n, 1);
	assert_memory_equal(cands[0].token, c.token, sizeof(c.token));
	free(cands);
	assert_int_equal(store_release_get(st, cid, "beta", &env, &elen, from), SYM_ERR_PERM);
	memset(stmt, 0x11, sizeof(stmt));
	assert_int_equal(store_consent_put(st, cid, "acme", 1, stmt, &state_out), SYM_OK);
	assert_int_equal(state_out, CANDIDATE_PENDING);
	assert_int_equal(store_consent_put(st, cid, "acme", 1, stmt, &state_out), SYM_ERR_EXISTS);
	assert_int_equal(store_consent_put(st, cid, "gamma", 1, stmt, &state_out),
	                 SYM_ERR_NOT_FOUND);
	/* Nothing can be deposited before both sides accepted. */
	assert_int_equal(store_deposit_put(st, cid, "acme", ann, 1, h[0], &repeated, &both),
	                 SYM_ERR_PERM);
	stmt[0] = 0x22;
	assert_int_equal(store_consent_put(st, cid, "beta", 1, stmt, &state_out), SYM_OK);
	assert_int_equal(state_out, CANDIDATE_AGREED);
	assert_int_equal(store_release_get(st, cid, "beta", &env, &elen, from), SYM_ERR_NOT_FOUND);
	crypto_hash_sha256(h[0], ann, 1);
	crypto_hash_sha256(h[1], ann + 1, 1);
	assert_int_equal(store_deposit_put(st, cid, "acme", ann, 1, h[0], &repeated, &both),
	                 SYM_OK);
	assert_true(!repeated && !both);
	assert_int_equal(store_deposit_put(st, cid, "acme", ann, 1, h[0], &repeated, &both),
	                 SYM_OK);
	assert_true(repeated && !both);
	assert_int_equal(store_deposit_put(st, cid, "acme", ann + 1, 1, h[1], &repeated, &both),
	                 SYM_ERR_EXISTS);
	/* One side's deposit is not handed over before the other side deposited. */
	assert_int_equal(store_release_get(st, cid, "beta", &env, &elen, from), SYM_ERR_NOT_FOUND);
	assert_int_equal(store_deposit_put(st, cid, "beta", ann + 1, 1, h[1], &repeated, &both),
	                 SYM_OK);
	assert_true(!repeated && both);
	assert_int_equal(store_release_get(st, cid, "beta", &env, &elen, from), SYM_OK);
	assert_int_equal(elen, 1);
	assert_int_equal(env[0], 0xaa);
	assert_string_equal(from, "acme");
	free(env);
	/* Kept until beta says it received it; then deleted. */
	assert_int_equal(store_release_get(st, cid, "beta", &env, &elen, from), SYM_OK);
	free(env);
	assert_int_equal(store_release_drop(st, cid, "gamma"), SYM_ERR_NOT_FOUND);
	assert_int_equal(store_release_drop(st, cid, "beta"), SYM_OK);
	assert_int_equal(store_release_get(st, cid, "beta", &env, &elen, from), SYM_ERR_NOT_FOUND);
	assert_int_equal(store_release_get(st, cid, "acme", &env, &elen, from), SYM_OK);
	free(env);
	assert_int_equal(store_candidate_evidence(st, cid, &ev), SYM_OK);
	assert_true(ev.has_consent[0] && ev.has_consent[1] && ev.has_deposit[0] &&
	            ev.has_deposit[1]);
	assert_int_equal(ev.consent[0][0], 0x11);
	assert_int_equal(ev.consent[1][0], 0x22);
	assert_memory_equal(ev.deposit[1], h[1], 32);
	assert_int_equal(store_round_counts(st, rid, counts, &submitted), SYM_OK);
	assert_int_equal(counts[CANDIDATE_AGREED], 1);
	assert_int_equal(counts[CANDIDATE_PENDING], 0);
	assert_int_equal(submitted, 1);
	assert_int_equal(store_round_expire(st, rid), 0); /* nothing pending */
	/* ... but the envelope acme never fetched is gone with the round. */
	assert_int_equal(store_release_get(st, cid, "acme", &env, &elen, from), SYM_ERR_NOT_FOUND);
	assert_int_equal(store_round_set_phase(st, rid, ROUND_ENDED, 3500), SYM_OK);
	assert_int_equal(store_rounds_list(st, &rounds, &n), SYM_OK);
	assert_int_equal(n, 1);
	assert_memory_equal(rounds[0], rid, STORE_ID_LEN);
	free(rounds);
	store_close(&st);
}

/* Repair 7: keep_batches is stored; a round's batches go, staged or committed; the WAL is cut. */
static void
test_round_drop_batches(void **state)
{
	static const uint8_t rid[STORE_ID_LEN] = {1}, s1[STORE_ID_LEN] = {2},
	                     s2[STORE_ID_LEN] = {3}, commitment[32] = {4}, digest[32] = {5},
	                     offers[16] = {6};
	char path[128], wal[160], *members[] = {"acme", "beta"};
	uint8_t ann[] = {0xaa}, *o = NULL, *nd = NULL;
	size_t olen = 0, nlen = 0;
	struct store_round rd, got;
	struct stat sb;
	struct store *st;

	(void)state;
	s_path(path, sizeof(path), "drop.db");
	st = s_open(path);
	memset(&rd, 0, sizeof(rd));
	memcpy(rd.id, rid, sizeof(rid));
	rd.announcement = ann;
	rd.announcement_len = sizeof(ann);
	rd.keep_batches = 1;
	assert_int_equal(store_round_create(st, &rd, members, 2), SYM_OK);
	assert_int_equal(store_round_get(st, rid, &got), SYM_OK);
	assert_int_equal(got.keep_batches, 1);
	store_round_clear(&got);
	assert_int_equal(store_submission_begin(st, rid, "acme", s1, 1, commitment, 1), SYM_OK);
	assert_int_equal(
	    store_batch_put(st, s1, 0, "beta", offers, sizeof(offers), offers, 8, digest), SYM_OK);
	assert_int_equal(store_submission_commit(st, s1, 2, ann, sizeof(ann)), SYM_OK);
	assert_int_equal(store_submission_begin(st, rid, "beta", s2, 1, commitment, 3), SYM_OK);
	assert_int_equal(
	    store_batch_put(st, s2, 0, "acme", offers, sizeof(offers), NULL, 0, digest), SYM_OK);
	assert_int_equal(store_round_drop_batches(st, rid), 2);
	assert_int_equal(store_batch_get(st, rid, "acme", "beta", &o, &olen, &nd, &nlen),
	                 SYM_ERR_NOT_FOUND);
	assert_int_equal(store_round_drop_batches(st, rid), 0);
	assert_int_equal(store_wal_truncate(st), SYM_OK);
	assert_true((size_t)snprintf(wal, sizeof(wal), "%s-wal", path) < sizeof(wal));
	assert_int_equal(stat(wal, &sb), 0);
	assert_int_equal(sb.st_size, 0);
	store_close(&st);
}

/* Hardened rounds: sub-phase moves, one key and query per member, who is silent, dropping. */
static int
s_count_batch(void *arg, const struct store_hard_batch *b)
{
	(void)b;
	(*(int *)arg)++;
	return SYM_OK;
}

static void
test_hardened(void **state)
{
	static const uint8_t rid[STORE_ID_LEN] = {9}, pk[32] = {1}, sig[64] = {2}, dg[32] = {3},
	                     el[64] = {4};
	char path[128], *members[] = {"acme", "beta", "cora"}, **ids = NULL;
	uint8_t ann[] = {0xaa}, got_pk[32], got_sig[64], got_dg[32], *blinded = NULL;
	struct store_hard_round h, hg;
	struct store_hard_batch ab;
	struct store_round rd;
	struct store *st;
	size_t n = 0, blen = 0;
	int count = 0;

	(void)state;
	s_path(path, sizeof(path), "hard.db");
	st = s_open(path);
	memset(&rd, 0, sizeof(rd));
	memcpy(rd.id, rid, sizeof(rid));
	rd.announcement = ann;
	rd.announcement_len = sizeof(ann);
	assert_int_equal(store_round_create(st, &rd, members, 3), SYM_OK);
	assert_int_equal(store_hard_round_get(st, rid, &hg), SYM_ERR_NOT_FOUND);
	memset(&h, 0, sizeof(h));
	memcpy(h.round, rid, sizeof(rid));
	h.phase = HARD_QUERY;
	h.batch_size = 2;
	h.query_deadline_ms = 5;
	assert_int_equal(store_hard_round_put(st, &h), SYM_OK);
	assert_int_equal(store_hard_round_get(st, rid, &hg), SYM_OK);
	assert_int_equal(hg.phase, HARD_QUERY);
	assert_int_equal(hg.batch_size, 2);
	assert_int_equal(hg.query_deadline_ms, 5);
	/* Everyone is silent; acme commits and queries, beta only commits. */
	assert_int_equal(store_hard_silent(st, rid, HARD_QUERY, &ids, &n), SYM_OK);
	assert_int_equal(n, 3);
	store_strings_free(ids, n);
	assert_int_equal(store_hard_key_put(st, rid, "acme", pk, sig), SYM_OK);
	assert_int_equal(store_hard_key_put(st, rid, "acme", pk, sig), SYM_ERR_EXISTS);
	assert_int_equal(store_hard_key_put(st, rid, "beta", pk, sig), SYM_OK);
	assert_int_equal(store_hard_query_put(st, rid, "acme", el, sizeof(el), dg, sig), SYM_OK);
	assert_int_equal(store_hard_query_put(st, rid, "acme", el, sizeof(el), dg, sig),
	                 SYM_ERR_EXISTS);
	assert_int_equal(store_hard_key_get(st, rid, "acme", got_pk, got_sig), SYM_OK);
	assert_memory_equal(got_pk, pk, 32);
	assert_int_equal(store_hard_key_get(st, rid, "cora", got_pk, got_sig), SYM_ERR_NOT_FOUND);
	assert_int_equal(store_hard_query_get(st, rid, "acme", &blinded, &blen), SYM_OK);
	assert_int_equal(blen, sizeof(el));
	free(blinded);
	assert_int_equal(store_hard_silent(st, rid, HARD_QUERY, &ids, &n), SYM_OK);
	assert_int_equal(n, 2);
	assert_string_equal(ids[0], "beta");
	assert_string_equal(ids[1], "cora");
	store_strings_free(ids, n);
	/* Evaluate: beta (with a key) owes acme an answer; cora has no key and owes nothing. */
	assert_int_equal(store_hard_round_advance(st, rid, HARD_QUERY, HARD_EVALUATE), SYM_OK);
	assert_int_equal(store_hard_round_advance(st, rid, HARD_QUERY, HARD_EVALUATE),
	                 SYM_ERR_INVALID);
	assert_int_equal(store_hard_silent(st, rid, HARD_EVALUATE, &ids, &n), SYM_OK);
	assert_int_equal(n, 1);
	assert_string_equal(ids[0], "beta");
	store_strings_free(ids, n);
	assert_int_equal(store_hard_queries_open(st, rid, "beta", s_count_batch, &count), SYM_OK);
	assert_int_equal(count, 1);
	memset(&ab, 0, sizeof(ab));
	snprintf(ab.querier, sizeof(ab.querier), "acme");
	snprintf(ab.answerer, sizeof(ab.answerer), "beta");
	ab.elements = el;
	ab.len = sizeof(el);
	memcpy(ab.digest, dg, 32);
	assert_int_equal(store_hard_answer_put(st, rid, &ab), SYM_OK);
	assert_int_equal(store_hard_answer_put(st, rid, &ab), SYM_ERR_EXISTS);
	assert_int_equal(store_hard_answer_digest(st, rid, "acme", "beta", got_dg), SYM_OK);
	assert_memory_equal(got_dg, dg, 32);
	count = 0;
	assert_int_equal(store_hard_queries_open(st, rid, "beta", s_count_batch, &count), SYM_OK);
	assert_int_equal(count, 0);
	count = 0;
	assert_int_equal(store_hard_answers_to(st, rid, "acme", s_count_batch, &count), SYM_OK);
	assert_int_equal(count, 1);
	assert_int_equal(store_hard_silent(st, rid, HARD_EVALUATE, &ids, &n), SYM_OK);
	assert_int_equal(n, 0);
	store_strings_free(ids, n);
	/* At round end the batches go, the keys stay. */
	assert_int_equal(store_hard_drop_batches(st, rid), 2);
	count = 0;
	assert_int_equal(store_hard_batches_foreach(st, rid, s_count_batch, &count), SYM_OK);
	assert_int_equal(count, 0);
	assert_int_equal(store_hard_key_get(st, rid, "acme", got_pk, got_sig), SYM_OK);
	store_close(&st);
}

/* ---- store_sql: the helpers every store file talks SQL through ------------ */

/* A connection of its own with one small table, outside any store. */
static void
s_sql_open(const char *name, sqlite3 **db, struct store_sql *q)
{
	char path[128];

	s_path(path, sizeof(path), name);
	assert_int_equal(
	    sqlite3_open_v2(path, db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_extended_result_codes(*db, 1), SQLITE_OK);
	store_sql_init(q, *db);
	assert_int_equal(store_sql_script(q, "CREATE TABLE t ("
	                                     "  id BLOB PRIMARY KEY,"
	                                     "  name TEXT,"
	                                     "  n INTEGER CHECK (n >= 0),"
	                                     "  data BLOB"
	                                     ") STRICT"),
	                 SYM_OK);
}

static void
s_sql_close(sqlite3 *db, struct store_sql *q)
{
	store_sql_cache_clear(q);
	assert_int_equal(q->ncached, 0);
	/* sqlite3_close (not _v2) fails while any statement is left unfinalized. */
	assert_int_equal(sqlite3_close(db), SQLITE_OK);
}

static const uint8_t s_id_a[STORE_ID_LEN] = {0xa};
static const uint8_t s_id_b[STORE_ID_LEN] = {0xb};
static const uint8_t s_id_c[STORE_ID_LEN] = {0xc};

/* Indicator sums: state upserts, sums replace, a uint64 above INT64_MAX survives, bad cells
 * refused. */
static void
test_indicators(void **state)
{
	static const uint8_t rid[STORE_ID_LEN] = {7};
	char path[128], *members[] = {"acme"};
	uint8_t ann[] = {0xaa}, latest[STORE_ID_LEN];
	struct store_indicator_cell cells[2], bad, *got = NULL;
	struct store_indicator_round ir, back;
	struct store_round rd;
	struct store *st;
	size_t n = 0;

	(void)state;
	s_path(path, sizeof(path), "ind.db");
	st = s_open(path);
	memset(&rd, 0, sizeof(rd));
	memcpy(rd.id, rid, sizeof(rid));
	rd.announcement = ann;
	rd.announcement_len = sizeof(ann);
	assert_int_equal(store_round_create(st, &rd, members, 1), SYM_OK);
	assert_int_equal(store_indicator_round_get(st, rid, &back), SYM_ERR_NOT_FOUND);
	assert_int_equal(store_indicator_latest_done(st, latest), SYM_ERR_NOT_FOUND);
	memset(&ir, 0, sizeof(ir));
	memcpy(ir.round, rid, sizeof(rid));
	ir.state = INDICATORS_COLLECTING;
	ir.updated_ms = 5;
	assert_int_equal(store_indicator_round_set(st, &ir), SYM_OK);
	ir.state = INDICATORS_DONE;
	ir.included = 9;
	ir.threshold = 7;
	assert_int_equal(store_indicator_round_set(st, &ir), SYM_OK);
	assert_int_equal(store_indicator_round_get(st, rid, &back), SYM_OK);
	assert_int_equal(back.state, INDICATORS_DONE);
	assert_int_equal(back.included, 9);
	assert_int_equal(back.threshold, 7);
	assert_int_equal(store_indicator_latest_done(st, latest), SYM_OK);
	assert_memory_equal(latest, rid, sizeof(rid));
	ir.state = 3;
	assert_int_equal(store_indicator_round_set(st, &ir), SYM_ERR_INVALID);

	memset(cells, 0, sizeof(cells));
	snprintf(cells[0].cls, sizeof(cells[0].cls), "water");
	snprintf(cells[0].indicator, sizeof(cells[0].indicator), "offered");
	cells[0].value = UINT64_MAX - 1;
	snprintf(cells[1].cls, sizeof(cells[1].cls), "energy.steam");
	snprintf(cells[1].indicator, sizeof(cells[1].indicator), "needed");
	cells[1].value = 42;
	assert_int_equal(store_indicator_sums_put(st, rid, cells, 2), SYM_OK);
	assert_int_equal(store_indicator_sums_put(st, rid, cells, 2), SYM_OK); /* replaces */
	assert_int_equal(store_indicator_sums_get(st, rid, &got, &n), SYM_OK);
	assert_int_equal(n, 2);
	assert_string_equal(got[0].cls, "energy.steam");
	assert_true(got[0].value == 42);
	assert_string_equal(got[1].cls, "water");
	assert_true(got[1].value == UINT64_MAX - 1);
	free(got);
	memset(&bad, 0, sizeof(bad));
	assert_int_equal(store_indicator_sums_put(st, rid, &bad, 1), SYM_ERR_INVALID);
	store_close(&st);
}

static void
test_sql_cache_reuse(void **state)
{
	static const char *const sql = "SELECT name FROM t WHERE id = ?1";
	static char texts[STORE_SQL_CACHE_MAX + 1][48];
	char copy[64];
	struct store_sql q;
	sqlite3 *db = NULL;
	sqlite3_stmt *a = NULL, *b = NULL, *c = NULL;
	size_t i, before;

	(void)state;
	s_sql_open("sql-cache.db", &db, &q);
	assert_int_equal(q.ncached, 0); /* the script above is never cached */

	/* Prepared once, then handed out again after each release. */
	assert_int_equal(store_sql_prepare(&q, sql, &a), SYM_OK);
	assert_int_equal(q.ncached, 1);
	store_sql_release(&q, a);
	assert_int_equal(store_sql_prepare(&q, sql, &b), SYM_OK);
	assert_ptr_equal(a, b);
	/* The same text at another address is the same statement. */
	snprintf(copy, sizeof(copy), "%s", sql);
	store_sql_release(&q, b);
	assert_int_equal(store_sql_prepare(&q, copy, &b), SYM_OK);
	assert_ptr_equal(a, b);
	assert_int_equal(q.ncached, 1);

	/* While it is handed out (a loop whose callback runs it too), a private one. */
	assert_int_equal(store_sql_prepare(&q, sql, &c), SYM_OK);
	assert_ptr_not_equal(b, c);
	assert_int_equal(q.ncached, 1);
	store_sql_release(&q, c); /* finalized */
	store_sql_release(&q, b);
	store_sql_release(&q, NULL);

	/* Released statements keep no bindings from their last use. */
	assert_int_equal(store_sql_row(&q, &a, "SELECT ?1 IS NULL", STORE_ARGS(store_arg_int(7))),
	                 SYM_OK);
	assert_int_equal(sqlite3_column_int(a, 0), 0);
	store_sql_release(&q, a);
	assert_int_equal(store_sql_prepare(&q, "SELECT ?1 IS NULL", &b), SYM_OK);
	assert_ptr_equal(a, b);
	assert_int_equal(sqlite3_step(b), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(b, 0), 1);
	store_sql_release(&q, b);

	/* A full cache still answers, with private statements, and does not grow. */
	before = q.ncached;
	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		snprintf(texts[i], sizeof(texts[i]), "SELECT %zu FROM t", i);
		assert_int_equal(store_sql_prepare(&q, texts[i], &a), SYM_OK);
		store_sql_release(&q, a);
	}
	assert_int_equal(q.ncached, STORE_SQL_CACHE_MAX);
	assert_true(before < STORE_SQL_CACHE_MAX);
	assert_int_equal(store_sql_prepare(&q, texts[STORE_SQL_CACHE_MAX], &a), SYM_OK);
	for (i = 0; i < q.ncached; i++)
		assert_ptr_not_equal(q.cache[i].stmt, a);
	store_sql_release(&q, a);

	/* Bad SQL is an error, not a cache entry. */
	assert_int_not_equal(store_sql_prepare(&q, "SELEKT 1", &a), SYM_OK);
	assert_null(a);
	s_sql_close(db, &q);
}

static void
test_sql_columns_checked(void **state)
{
	static const uint8_t fifteen[15] = {1};
	struct store_sql q;
	sqlite3 *db = NULL;
	sqlite3_stmt *stmt = NULL;
	uint8_t id[STORE_ID_LEN], *dup = NULL;
	char name[8], *text = NULL;
	size_t len = 99;
	int64_t n = 0;
	int small = 0;

	(void)state;
	s_sql_open("sql-columns.db", &db, &q);
	assert_int_equal(store_sql_exec(&q,
	                                "INSERT INTO t (id, name, n, data) VALUES (?1, ?2, ?3, ?4)",
	                                STORE_ARGS(store_arg_blob(fifteen, sizeof(fifteen)),
	                                           store_arg_text("abcdefgh"), store_arg_int(300),
	                                           store_arg_blob(NULL, 0))),
	                 SYM_OK);
	assert_int_equal(store_sql_row(&q, &stmt, "SELECT id, name, n, data FROM t", STORE_NO_ARGS),
	                 SYM_OK);
	/* A 15-byte id is refused where 16 are wanted, and nothing is copied. */
	memset(id, 0xee, sizeof(id));
	assert_int_equal(store_sql_col_blob(stmt, 0, id, sizeof(id)), SYM_ERR_FORMAT);
	assert_int_equal(id[0], 0xee);
	assert_int_equal(store_sql_col_blob(stmt, 0, id, 15), SYM_OK);
	assert_int_equal(id[0], 1);
	/* ...and over a bound it is not copied out either. */
	assert_int_equal(store_sql_col_blob_dup(stmt, 0, 14, &dup, &len), SYM_ERR_FORMAT);
	assert_null(dup);
	assert_int_equal(len, 0);
	/* A text column is not a blob, nor a blob a text. */
	assert_int_equal(store_sql_col_blob(stmt, 1, id, 8), SYM_ERR_FORMAT);
	assert_int_equal(store_sql_col_text(stmt, 0, name, sizeof(name)), SYM_ERR_FORMAT);
	/* Eight characters do not fit eight bytes with their terminator. */
	assert_int_equal(store_sql_col_text(stmt, 1, name, sizeof(name)), SYM_ERR_FORMAT);
	assert_int_equal(store_sql_col_text_dup(stmt, 1, 7, &text), SYM_ERR_FORMAT);
	assert_null(text);
	assert_int_equal(store_sql_col_text_dup(stmt, 1, 8, &text), SYM_OK);
	assert_string_equal(text, "abcdefgh");
	free(text);
	/* Integers are range-checked. */
	assert_int_equal(store_sql_col_int64(stmt, 2, 0, 299, &n), SYM_ERR_FORMAT);
	assert_int_equal(store_sql_col_int(stmt, 2, 0, 255, &small), SYM_ERR_FORMAT);
	assert_int_equal(store_sql_col_int64(stmt, 2, 0, 300, &n), SYM_OK);
	assert_int_equal(n, 300);
	assert_int_equal(store_sql_col_int64(stmt, 1, 0, 300, &n), SYM_ERR_FORMAT);
	/* An empty blob bound as a blob stays a blob, not NULL. */
	assert_false(store_sql_col_is_null(stmt, 3));
	assert_int_equal(store_sql_col_blob_dup(stmt, 3, 10, &dup, &len), SYM_OK);
	assert_non_null(dup);
	assert_int_equal(len, 0);
	free(dup);
	store_sql_release(&q, stmt);

	/* An embedded NUL would truncate the text silently: refused. */
	assert_int_equal(store_sql_script(&q, "UPDATE t SET name = CAST(x'41004243' AS TEXT), "
	                                      "data = NULL"),
	                 SYM_OK);
	assert_int_equal(store_sql_row(&q, &stmt, "SELECT id, name, n, data FROM t", STORE_NO_ARGS),
	                 SYM_OK);
	assert_int_equal(store_sql_col_text(stmt, 1, name, sizeof(name)), SYM_ERR_FORMAT);
	assert_int_equal(store_sql_col_text_dup(stmt, 1, 100, &text), SYM_ERR_FORMAT);
	assert_true(store_sql_col_is_null(stmt, 3));
	assert_int_equal(store_sql_col_blob_dup(stmt, 3, 10, &dup, &len), SYM_ERR_FORMAT);
	store_sql_release(&q, stmt);
	s_sql_close(db, &q);
}

static int
s_count_rows(void *arg, sqlite3_stmt *stmt)
{
	(void)stmt;
	++*(int *)arg;
	return *(int *)arg == 2 ? SYM_ERR_RANGE : SYM_OK;
}

static int
s_name_row(sqlite3_stmt *stmt, void *item)
{
	return store_sql_col_text(stmt, 0, item, 8);
}

static void
test_sql_not_found_and_errors(void **state)
{
	static const struct store_sql_list names = {8, s_name_row, NULL};
	struct store_sql q, q2;
	sqlite3 *db = NULL, *db2 = NULL;
	sqlite3_stmt *stmt = (sqlite3_stmt *)&q, *again = NULL;
	void *items = &q;
	char name[8];
	int64_t value = 0;
	size_t n = 99;
	int calls = 0;

	(void)state;
	s_sql_open("sql-errors.db", &db, &q);
	/* Not found: no statement to release, and the cached one is free again. */
	assert_int_equal(store_sql_row(&q, &stmt, "SELECT name FROM t WHERE id = ?1",
	                               STORE_ARGS(store_arg_id(s_id_a))),
	                 SYM_ERR_NOT_FOUND);
	assert_null(stmt);
	assert_int_equal(q.ncached, 1);
	assert_false(q.cache[0].busy);
	assert_int_equal(store_sql_prepare(&q, "SELECT name FROM t WHERE id = ?1", &again), SYM_OK);
	assert_ptr_equal(again, q.cache[0].stmt);
	store_sql_release(&q, again);
	/* No row is an empty list, not an error. */
	assert_int_equal(store_sql_list(&q, "SELECT name FROM t ORDER BY name", STORE_NO_ARGS,
	                                &names, &items, &n),
	                 SYM_OK);
	assert_null(items);
	assert_int_equal(n, 0);

	/* Constraint failures: a repeated key exists, a broken CHECK is a bad argument. */
	assert_int_equal(store_sql_exec(&q, "INSERT INTO t (id, name) VALUES (?1, ?2)",
	                                STORE_ARGS(store_arg_id(s_id_a), store_arg_text("a"))),
	                 SYM_OK);
	assert_int_equal(store_sql_exec(&q, "INSERT INTO t (id, name) VALUES (?1, ?2)",
	                                STORE_ARGS(store_arg_id(s_id_a), store_arg_text("b"))),
	                 SYM_ERR_EXISTS);
	assert_int_equal(store_sql_exec(&q, "INSERT INTO t (id, n) VALUES (?1, ?2)",
	                                STORE_ARGS(store_arg_id(s_id_b), store_arg_int(-1))),
	                 SYM_ERR_INVALID);
	/* A statement that returns rows is not run with store_sql_exec. */
	assert_int_equal(store_sql_exec(&q, "SELECT 1", STORE_NO_ARGS), SYM_ERR_INTERNAL);
	assert_int_equal(
	    store_sql_exec(&q, "INSERT INTO t (id, name) VALUES (?1, ?2)",
	                   STORE_ARGS(store_arg_id(s_id_b), store_arg_text("much too long"))),
	    SYM_OK);
	/* An update says how many rows it changed; none is not an error. */
	assert_int_equal(store_sql_update(&q, "UPDATE t SET n = ?2 WHERE id = ?1",
	                                  STORE_ARGS(store_arg_id(s_id_b), store_arg_int(5))),
	                 1);
	assert_int_equal(store_sql_update(&q, "UPDATE t SET n = ?2 WHERE id = ?1",
	                                  STORE_ARGS(store_arg_id(s_id_c), store_arg_int(5))),
	                 0);
	/* A lookup by id that finds nothing leaves the item zeroed. */
	memset(name, 'x', sizeof(name));
	assert_int_equal(store_sql_get(&q, "SELECT name FROM t WHERE id = ?1",
	                               STORE_ARGS(store_arg_id(s_id_c)), s_name_row, name,
	                               sizeof(name)),
	                 SYM_ERR_NOT_FOUND);
	assert_int_equal(name[0], '\0');
	assert_int_equal(store_sql_get(&q, "SELECT name FROM t WHERE id = ?1",
	                               STORE_ARGS(store_arg_id(s_id_a)), s_name_row, name,
	                               sizeof(name)),
	                 SYM_OK);
	assert_string_equal(name, "a");
	/* RETURNING runs to completion: the row is there afterwards. */
	assert_int_equal(store_sql_insert_returning(&q,
	                                            "INSERT INTO t (id, n) VALUES (?1, 41) "
	                                            "RETURNING n + 1",
	                                            STORE_ARGS(store_arg_id(s_id_c)), &value),
	                 SYM_OK);
	assert_int_equal(value, 42);
	assert_int_equal(
	    store_sql_update(&q, "DELETE FROM t WHERE id = ?1", STORE_ARGS(store_arg_id(s_id_c))),
	    1);

	/* A row that does not decode spoils the list: nothing is returned. */
	items = &q;
	assert_int_equal(store_sql_list(&q, "SELECT name FROM t ORDER BY name", STORE_NO_ARGS,
	                                &names, &items, &n),
	                 SYM_ERR_FORMAT);
	assert_null(items);
	assert_int_equal(n, 0);
	/* The callback's own error stops the loop and is returned. */
	assert_int_equal(
	    store_sql_foreach(&q, "SELECT name FROM t", STORE_NO_ARGS, s_count_rows, &calls),
	    SYM_ERR_RANGE);
	assert_int_equal(calls, 2);

	/* Another connection holding the write lock: BUSY is an I/O error. */
	assert_int_equal(
	    sqlite3_open_v2(sqlite3_db_filename(db, "main"), &db2, SQLITE_OPEN_READWRITE, NULL),
	    SQLITE_OK);
	store_sql_init(&q2, db2);
	assert_int_equal(store_sql_script(&q2, "BEGIN IMMEDIATE"), SYM_OK);
	assert_int_equal(store_sql_exec(&q, "DELETE FROM t", STORE_NO_ARGS), SYM_ERR_IO);
	assert_int_equal(store_sql_script(&q2, "ROLLBACK"), SYM_OK);
	s_sql_close(db2, &q2);
	assert_int_equal(store_sql_err(SQLITE_BUSY), SYM_ERR_IO);
	assert_int_equal(store_sql_err(SQLITE_IOERR_WRITE), SYM_ERR_IO);
	assert_int_equal(store_sql_err(SQLITE_FULL), SYM_ERR_IO);
	assert_int_equal(store_sql_err(SQLITE_READONLY), SYM_ERR_PERM);
	assert_int_equal(store_sql_err(SQLITE_CORRUPT), SYM_ERR_FORMAT);
	assert_int_equal(store_sql_err(SQLITE_TOOBIG), SYM_ERR_LIMIT);
	assert_int_equal(store_sql_err(SQLITE_NOMEM), SYM_ERR_ALLOC);
	s_sql_close(db, &q);
}

/*
 * Secure aggregation's working state: a message is kept once (the same bytes
 * again are a repeat, others refused), shares are listed per recipient, and
 * the wipe leaves only the progress row.
 */
static void
test_secagg_state(void **state)
{
	static const uint8_t rid[STORE_ID_LEN] = {9};
	char path[128], *members[] = {"acme", "beta"};
	uint8_t ann[] = {0xaa}, v1[8] = {1}, v2[8] = {2}, sealed[72] = {3};
	uint8_t(*active)[STORE_ID_LEN] = NULL;
	struct store_secagg_msg *msgs = NULL;
	struct store_secagg sa, back;
	struct store_round rd;
	struct store *st;
	size_t n = 0;
	int rep = 0;

	(void)state;
	s_path(path, sizeof(path), "secagg.db");
	st = s_open(path);
	memset(&rd, 0, sizeof(rd));
	memcpy(rd.id, rid, sizeof(rid));
	rd.announcement = ann;
	rd.announcement_len = sizeof(ann);
	assert_int_equal(store_round_create(st, &rd, members, 2), SYM_OK);
	assert_int_equal(store_secagg_get(st, rid, &back), SYM_ERR_NOT_FOUND);
	assert_int_equal(store_secagg_open(st, rid, 3000), SYM_OK);
	assert_int_equal(store_secagg_get(st, rid, &back), SYM_OK);
	assert_int_equal(back.stage, SECAGG_WAITING);
	assert_int_equal(back.window_ms, 3000);
	assert_null(back.included);
	store_secagg_clear(&back);
	assert_int_equal(store_secagg_active(st, &active, &n), SYM_OK);
	assert_int_equal(n, 0); /* waiting: not active */
	free(active);

	memset(&sa, 0, sizeof(sa));
	memcpy(sa.round, rid, sizeof(rid));
	sa.stage = SECAGG_COLLECTING;
	sa.window_ms = 3000;
	sa.deadline_ms = 42;
	sa.submitters = (char *)"[\"acme\",\"beta\"]";
	assert_int_equal(store_secagg_put(st, &sa), SYM_OK);
	assert_int_equal(store_secagg_active(st, &active, &n), SYM_OK);
	assert_int_equal(n, 1);
	free(active);
	sa.stage = 7;
	assert_int_equal(store_secagg_put(st, &sa), SYM_ERR_INVALID);

	assert_int_equal(store_secagg_msg_put(st, rid, SECAGG_VECTOR, "acme", v1, 8, &rep), SYM_OK);
	assert_false(rep);
	assert_int_equal(store_secagg_msg_put(st, rid, SECAGG_VECTOR, "acme", v1, 8, &rep), SYM_OK);
	assert_true(rep);
	assert_int_equal(store_secagg_msg_put(st, rid, SECAGG_VECTOR, "acme", v2, 8, &rep),
	                 SYM_ERR_EXISTS);
	assert_int_equal(store_secagg_msg_has(st, rid, SECAGG_VECTOR, "acme"), 1);
	assert_int_equal(store_secagg_msg_has(st, rid, SECAGG_VECTOR, "beta"), 0);
	assert_int_equal(store_secagg_msg_count(st, rid, SECAGG_VECTOR), 1);
	assert_int_equal(store_secagg_msg_count(st, rid, SECAGG_ANSWER), 0);

	assert_int_equal(store_secagg_share_put(st, rid, "acme", "beta", sealed, 72), SYM_OK);
	assert_int_equal(store_secagg_share_put(st, rid, "beta", "beta", sealed, 72), SYM_OK);
	assert_int_equal(store_secagg_shares_for(st, rid, "beta", &msgs, &n), SYM_OK);
	assert_int_equal(n, 2);
	assert_string_equal(msgs[0].member, "acme");
	assert_int_equal(msgs[0].len, 72);
	store_secagg_msgs_free(&msgs, n);
	assert_int_equal(store_secagg_shares_for(st, rid, "acme", &msgs, &n), SYM_OK);
	assert_int_equal(n, 0);
	store_secagg_msgs_free(&msgs, n);

	assert_int_equal(store_secagg_wipe(st, rid), SYM_OK);
	assert_int_equal(store_secagg_msg_count(st, rid, SECAGG_VECTOR), 0);
	/* The sealed shares go later, and only once the round is finished. */
	assert_int_equal(store_secagg_shares_for(st, rid, "beta", &msgs, &n), SYM_OK);
	assert_int_equal(n, 2);
	store_secagg_msgs_free(&msgs, n);
	assert_int_equal(store_secagg_shares_sweep(st, 1, &n), SYM_OK);
	assert_int_equal(n, 0);
	assert_int_equal(store_secagg_get(st, rid, &back), SYM_OK);
	assert_int_equal(back.deadline_ms, 42);
	back.stage = SECAGG_FINISHED;
	assert_int_equal(store_secagg_put(st, &back), SYM_OK);
	store_secagg_clear(&back);
	assert_int_equal(store_secagg_shares_sweep(st, 1, &n), SYM_OK);
	assert_int_equal(n, 1);
	assert_int_equal(store_secagg_shares_sweep(st, 5, &n), SYM_OK);
	assert_int_equal(n, 1);
	assert_int_equal(store_secagg_shares_for(st, rid, "beta", &msgs, &n), SYM_OK);
	assert_int_equal(n, 0);
	store_close(&st);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_open_creates_private_wal_database),
	    cmocka_unit_test(test_open_refuses_bad_paths),
	    cmocka_unit_test(test_newer_schema_refused),
	    cmocka_unit_test(test_group_readable_refused),
	    cmocka_unit_test(test_meta),
	    cmocka_unit_test(test_serials_monotonic),
	    cmocka_unit_test(test_members),
	    cmocka_unit_test(test_member_site),
	    cmocka_unit_test(test_seen_requests),
	    cmocka_unit_test(test_corrupt_rows),
	    cmocka_unit_test(test_transactions),
	    cmocka_unit_test(test_round_lifecycle),
	    cmocka_unit_test(test_round_drop_batches),
	    cmocka_unit_test(test_hardened),
	    cmocka_unit_test(test_indicators),
	    cmocka_unit_test(test_secagg_state),
	    cmocka_unit_test(test_sql_cache_reuse),
	    cmocka_unit_test(test_sql_columns_checked),
	    cmocka_unit_test(test_sql_not_found_and_errors),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, fixture_dir_setup, fixture_dir_teardown);
}
