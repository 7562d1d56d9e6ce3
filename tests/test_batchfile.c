/*
 * The token batch files (daemon/store_batchfile.c) through the store's API,
 * on real files: where they are and with which modes; a truncated, changed,
 * swapped or missing file is a clear error and loses nothing (put back, it
 * reads again); bytes written before a restart are checked before a commit
 * counts; what nothing live needs is wiped after the commit that lets it go,
 * and at start; batches stored in the database before batch files existed
 * are still read.
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

#include "fixture.h"
#include "roundhash.h"
#include "store.h"
#include "util.h"

static const uint8_t s_round[STORE_ID_LEN] = {0xa1}, s_sub_a[STORE_ID_LEN] = {0xb1},
                     s_sub_b[STORE_ID_LEN] = {0xb2}, s_commit[32] = {9};

/* A strictly increasing set of n tokens starting at `seed`. */
static void
s_set(uint8_t *out, size_t n, uint8_t seed)
{
	size_t i;

	memset(out, 0, 8 * n);
	for (i = 0; i < n; i++) {
		out[8 * i] = seed;
		out[8 * i + 7] = (uint8_t)(i + 1);
	}
}

static struct store *
s_open(const char *name, char *db, size_t len)
{
	struct sym_diag diag = {{0}};
	struct store *st = NULL;
	char dir[PATH_MAX];

	snprintf(dir, sizeof(dir), "%s/%s", fixture_dir, name);
	(void)mkdir(dir, 0700);
	assert_true((size_t)snprintf(db, len, "%s/symbiod.db", dir) < len);
	if (store_open(db, &st, &diag) != SYM_OK)
		fail_msg("store_open: %s", diag.msg);
	return st;
}

static void
s_reopen(struct store **st, const char *db)
{
	struct sym_diag diag = {{0}};

	store_close(st);
	if (store_open(db, st, &diag) != SYM_OK)
		fail_msg("store_open: %s", diag.msg);
}

/* PARK/batches/<round>[/<submission>] beside db. */
static void
s_file(const char *db, const uint8_t *sub, char *out, size_t len)
{
	char rh[33], sh[33];
	size_t n = strlen(db) - strlen("/symbiod.db");

	util_hex(s_round, STORE_ID_LEN, rh);
	if (sub == NULL) {
		snprintf(out, len, "%.*s/batches/%s", (int)n, db, rh);
		return;
	}
	util_hex(sub, STORE_ID_LEN, sh);
	snprintf(out, len, "%.*s/batches/%s/%s", (int)n, db, rh, sh);
}

static void
s_round_open(struct store *st)
{
	char *members[] = {"acme", "beta"};
	uint8_t ann[] = {0xaa};
	struct store_round rd;

	memset(&rd, 0, sizeof(rd));
	memcpy(rd.id, s_round, STORE_ID_LEN);
	rd.announcement = ann;
	rd.announcement_len = sizeof(ann);
	assert_int_equal(store_round_create(st, &rd, members, 2), SYM_OK);
}

/* One member's submission of one batch (offers from seed, 3 needs), committed or staged. */
static void
s_submit(struct store *st, const uint8_t sub[STORE_ID_LEN], const char *member,
         const char *counterpart, uint8_t seed, int commit)
{
	uint8_t offers[8 * 16], needs[8 * 3], digest[32];

	s_set(offers, 16, seed);
	s_set(needs, 3, (uint8_t)(seed + 1));
	assert_int_equal(roundhash_batch_digest(counterpart, offers, sizeof(offers), needs,
	                                        sizeof(needs), digest),
	                 SYM_OK);
	assert_int_equal(store_begin(st), SYM_OK);
	assert_int_equal(store_submission_begin(st, s_round, member, sub, 1, s_commit, 1), SYM_OK);
	assert_int_equal(store_batch_put(st, sub, 0, counterpart, offers, sizeof(offers), needs,
	                                 sizeof(needs), digest),
	                 SYM_OK);
	assert_int_equal(store_submission_chunk_done(st, sub), SYM_OK);
	if (commit)
		assert_int_equal(store_submission_commit(st, sub, 2, NULL, 0), SYM_OK);
	assert_int_equal(store_commit(st), SYM_OK);
}

/* acme's batch for beta read through the join's reader: SYM_OK with the sets, or the error. */
static int
s_read(struct store *st, uint8_t seed)
{
	char *subs[] = {"acme", "beta"};
	struct store_batch_reader *rd = NULL;
	struct store_batch_sets sets;
	uint8_t offers[8 * 16], needs[8 * 3];
	int r;

	assert_int_equal(store_batch_reader_open(st, s_round, subs, 2, &rd), SYM_OK);
	if ((r = store_batch_reader_get(rd, 0, 1, &sets)) == SYM_OK) {
		s_set(offers, 16, seed);
		s_set(needs, 3, (uint8_t)(seed + 1));
		assert_int_equal(sets.offers_len, sizeof(offers));
		assert_memory_equal(sets.offers, offers, sizeof(offers));
		assert_int_equal(sets.needs_len, sizeof(needs));
		assert_memory_equal(sets.needs, needs, sizeof(needs));
		store_batch_sets_clear(&sets);
	}
	store_batch_reader_close(&rd);
	return r;
}

static void
s_copy(const char *from, const char *to)
{
	char *buf = NULL;
	size_t len = 0;

	assert_int_equal(util_read_file(from, 1 << 20, &buf, &len), SYM_OK);
	assert_int_equal(util_write_file(to, buf, len, 0600, 0), SYM_OK);
	free(buf);
}

static void
test_files_and_modes(void **state)
{
	char db[PATH_MAX], path[PATH_MAX];
	struct stat sb;
	struct store *st;

	(void)state;
	st = s_open("modes", db, sizeof(db));
	s_round_open(st);
	s_submit(st, s_sub_a, "acme", "beta", 0x10, 1);
	s_file(db, s_sub_a, path, sizeof(path));
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	/* The header's block, then offers, needs and checksum, zero-filled to the next block. */
	assert_int_equal(sb.st_size, 4096 + 4096);
	s_file(db, NULL, path, sizeof(path));
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0700);
	assert_int_equal(s_read(st, 0x10), SYM_OK);
	store_close(&st);
}

/* Truncated, one byte changed, another submission's file, gone: refused; put back: read. */
static void
test_bad_files_refused_nothing_lost(void **state)
{
	char db[PATH_MAX], path[PATH_MAX], keep[PATH_MAX + 8], other[PATH_MAX];
	/* Data starts at 4096: 16 offer tokens, 3 need tokens, 4 bytes of checksum. */
	static const long cuts[] = {0,    10,   63,         64,         4095,
	                            4096, 4100, 4096 + 128, 4096 + 151, 4096 + 155};
	static const long flips[] = {3, 40, 4096 + 8, 4096 + 130, 4096 + 153};
	uint8_t *o = NULL, *n = NULL;
	size_t ol = 0, nl = 0, k;
	struct store *st;
	FILE *f;

	(void)state;
	st = s_open("bad", db, sizeof(db));
	s_round_open(st);
	s_submit(st, s_sub_a, "acme", "beta", 0x10, 1);
	s_submit(st, s_sub_b, "beta", "acme", 0x20, 1);
	s_file(db, s_sub_a, path, sizeof(path));
	s_file(db, s_sub_b, other, sizeof(other));
	snprintf(keep, sizeof(keep), "%s.keep", path);
	s_copy(path, keep);
	for (k = 0; k < sizeof(cuts) / sizeof(cuts[0]); k++) {
		assert_int_equal(truncate(path, (off_t)cuts[k]), 0);
		assert_int_equal(s_read(st, 0x10), SYM_ERR_FORMAT);
		s_copy(keep, path);
	}
	/* One flipped byte in the header, the offers, the needs, the checksum. */
	for (k = 0; k < sizeof(flips) / sizeof(flips[0]); k++) {
		assert_non_null(f = fopen(path, "r+b"));
		assert_int_equal(fseek(f, flips[k], SEEK_SET), 0);
		assert_int_equal(fputc(0xff, f), 0xff);
		fclose(f);
		assert_int_equal(s_read(st, 0x10), SYM_ERR_FORMAT);
		assert_int_equal(store_batch_get(st, s_round, "acme", "beta", &o, &ol, &n, &nl),
		                 SYM_ERR_FORMAT);
		s_copy(keep, path);
	}
	s_copy(other, path); /* beta's file where acme's belongs: its header says whose it is */
	assert_int_equal(s_read(st, 0x10), SYM_ERR_FORMAT);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(s_read(st, 0x10), SYM_ERR_FORMAT);
	s_copy(keep, path);
	assert_int_equal(s_read(st, 0x10), SYM_OK);
	unlink(keep);
	store_close(&st);
}

/*
 * A restart between the chunks and the commit: bytes written before it are
 * read back against their digests; changed (lost with the machine), the
 * commit is refused and nothing counts.
 */
static void
test_restart_rechecks_before_commit(void **state)
{
	char db[PATH_MAX], path[PATH_MAX];
	struct store_submission sub;
	struct store *st;
	FILE *f;

	(void)state;
	st = s_open("restart", db, sizeof(db));
	s_round_open(st);
	s_submit(st, s_sub_a, "acme", "beta", 0x10, 0);
	s_reopen(&st, db);
	s_file(db, s_sub_a, path, sizeof(path));
	assert_non_null(f = fopen(path, "r+b"));
	assert_int_equal(fseek(f, 4096 + 8, SEEK_SET), 0);
	assert_int_equal(fputc(0x77, f), 0x77);
	fclose(f);
	assert_int_equal(store_begin(st), SYM_OK);
	assert_int_equal(store_submission_commit(st, s_sub_a, 3, NULL, 0), SYM_ERR_FORMAT);
	store_rollback(st);
	assert_int_equal(store_submission_get(st, s_sub_a, &sub), SYM_OK);
	assert_int_equal(sub.state, SUBMISSION_STAGING);
	/* An intact file written before the restart commits. */
	s_submit(st, s_sub_b, "beta", "acme", 0x20, 0);
	s_reopen(&st, db);
	assert_int_equal(store_begin(st), SYM_OK);
	assert_int_equal(store_submission_commit(st, s_sub_b, 3, NULL, 0), SYM_OK);
	assert_int_equal(store_commit(st), SYM_OK);
	store_close(&st);
}

/* What nothing live needs is wiped after the commit that let it go; a round's end takes all. */
static void
test_sweep(void **state)
{
	static const uint8_t sub_a2[STORE_ID_LEN] = {0xc1};
	char db[PATH_MAX], path[PATH_MAX], orphan[PATH_MAX + 40];
	struct store *st;
	struct stat sb;

	(void)state;
	st = s_open("sweep", db, sizeof(db));
	s_round_open(st);
	s_submit(st, s_sub_a, "acme", "beta", 0x10, 1);
	s_submit(st, sub_a2, "acme", "beta", 0x30, 1); /* replaces the first */
	s_file(db, s_sub_a, path, sizeof(path));
	assert_int_equal(stat(path, &sb), -1);
	assert_int_equal(s_read(st, 0x30), SYM_OK);
	/* Left by a crash: a round the store does not know. */
	s_file(db, NULL, path, sizeof(path));
	snprintf(orphan, sizeof(orphan), "%s/../%032x", path, 7);
	assert_int_equal(mkdir(orphan, 0700), 0);
	strcat(orphan, "/x");
	assert_int_equal(util_write_file(orphan, "tokens", 6, 0600, 0), SYM_OK);
	assert_int_equal(store_batch_files_sweep(st), SYM_OK);
	assert_int_equal(stat(orphan, &sb), -1);
	assert_int_equal(s_read(st, 0x30), SYM_OK);
	/* The round ends without keep_batches: every file and the folder go after the commit. */
	assert_int_equal(store_begin(st), SYM_OK);
	assert_true(store_round_drop_batches(st, s_round) > 0);
	assert_int_equal(store_round_set_phase(st, s_round, ROUND_CONSENT, 4), SYM_OK);
	assert_int_equal(store_round_set_phase(st, s_round, ROUND_ENDED, 5), SYM_OK);
	assert_int_equal(store_commit(st), SYM_OK);
	assert_int_equal(stat(path, &sb), -1);
	store_close(&st);
}

/* A round stored before batch files (sets in the row, file_off NULL) is still read. */
static void
test_batches_in_the_database(void **state)
{
	char db[PATH_MAX];
	uint8_t offers[8 * 16], *o = NULL, *n = NULL;
	size_t ol = 0, nl = 0;
	sqlite3 *raw = NULL;
	struct store *st;

	(void)state;
	st = s_open("legacy", db, sizeof(db));
	s_round_open(st);
	s_submit(st, s_sub_a, "acme", "beta", 0x10, 1);
	store_close(&st);
	s_set(offers, 16, 0x10);
	assert_int_equal(sqlite3_open(db, &raw), SQLITE_OK);
	/* The sets in the row, as the store wrote them before batch files. */
	{
		sqlite3_stmt *stmt = NULL;
		assert_int_equal(
		    sqlite3_prepare_v2(
		        raw,
		        "UPDATE batches SET offers = ?1, needs = x'', file_off = NULL, "
		        "offers_len = 0, needs_len = 0",
		        -1, &stmt, NULL),
		    SQLITE_OK);
		assert_int_equal(sqlite3_bind_blob(stmt, 1, offers, sizeof(offers), SQLITE_STATIC),
		                 SQLITE_OK);
		assert_int_equal(sqlite3_step(stmt), SQLITE_DONE);
		sqlite3_finalize(stmt);
	}
	sqlite3_close(raw);
	st = s_open("legacy", db, sizeof(db));
	assert_int_equal(store_batch_get(st, s_round, "acme", "beta", &o, &ol, &n, &nl), SYM_OK);
	assert_int_equal(ol, sizeof(offers));
	assert_memory_equal(o, offers, sizeof(offers));
	assert_int_equal(nl, 0);
	free(o);
	free(n);
	store_close(&st);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_files_and_modes),
	    cmocka_unit_test(test_bad_files_refused_nothing_lost),
	    cmocka_unit_test(test_restart_rechecks_before_commit),
	    cmocka_unit_test(test_sweep),
	    cmocka_unit_test(test_batches_in_the_database),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, fixture_dir_setup, fixture_dir_teardown);
}
