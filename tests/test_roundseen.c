/*
 * Unit tests for client/roundseen (protocol 1.1, repair 8): a round id that
 * STATE recorded for one announcement is refused for any other, however
 * often the same round is seen again.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "err.h"
#include "fixture.h"
#include "roundseen.h"
#include "util.h"

struct fixture {
	char dir[FIXTURE_DIR_MAX];
	char path[FIXTURE_DIR_MAX + sizeof("/" ROUNDSEEN_FILE)];
};

static int
s_setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (f == NULL || sodium_init() < 0 || fixture_dir_make(f->dir, sizeof(f->dir)) != 0)
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/%s", f->dir, ROUNDSEEN_FILE);
	*state = f;
	return 0;
}

static int
s_teardown(void **state)
{
	struct fixture *f = *state;
	int r = fixture_dir_remove(f->dir);

	free(f);
	return r;
}

static size_t
s_file_len(const struct fixture *f)
{
	struct stat st;

	assert_int_equal(stat(f->path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	return (size_t)st.st_size;
}

static void
test_roundseen_reuse(void **state)
{
	struct fixture *f = *state;
	struct sym_diag diag = {{0}};
	uint8_t r1[16], r2[16], a1[32], a2[32], b1[32];
	char hex[33];

	randombytes_buf(r1, sizeof(r1));
	randombytes_buf(r2, sizeof(r2));
	randombytes_buf(a1, sizeof(a1));
	randombytes_buf(a2, sizeof(a2));
	randombytes_buf(b1, sizeof(b1));
	/* First sight records the round. */
	assert_int_equal(roundseen_check(f->dir, r1, a1, &diag), SYM_OK);
	assert_int_equal(s_file_len(f), 98);
	/* The same round seen again (every round command fetches it): accepted, not re-recorded. */
	assert_int_equal(roundseen_check(f->dir, r1, a1, &diag), SYM_OK);
	assert_int_equal(roundseen_check(f->dir, r1, a1, &diag), SYM_OK);
	assert_int_equal(s_file_len(f), 98);
	/* Another round: recorded beside it. */
	assert_int_equal(roundseen_check(f->dir, r2, a2, &diag), SYM_OK);
	assert_int_equal(s_file_len(f), 2 * 98);
	/* The first round's id announced for another round: refused, by id, nothing recorded. */
	assert_int_equal(roundseen_check(f->dir, r1, b1, &diag), SYM_ERR_VERIFY);
	util_hex(r1, 16, hex);
	assert_non_null(strstr(diag.msg, hex));
	assert_non_null(strstr(diag.msg, "reused round id is refused"));
	assert_int_equal(s_file_len(f), 2 * 98);
	/* ... and stays refused; the genuine rounds still pass. */
	assert_int_equal(roundseen_check(f->dir, r1, b1, &diag), SYM_ERR_VERIFY);
	assert_int_equal(roundseen_check(f->dir, r2, a1, &diag), SYM_ERR_VERIFY);
	assert_int_equal(roundseen_check(f->dir, r1, a1, &diag), SYM_OK);
	assert_int_equal(roundseen_check(f->dir, r2, a2, &diag), SYM_OK);
	assert_int_equal(roundseen_check(f->dir, NULL, a1, &diag), SYM_ERR_INVALID);
}

static void
test_roundseen_damaged(void **state)
{
	struct fixture *f = *state;
	struct sym_diag diag = {{0}};
	uint8_t r[16] = {1}, d[32] = {2};
	FILE *fp;

	(void)remove(f->path); /* a list of its own */
	assert_int_equal(roundseen_check(f->dir, r, d, &diag), SYM_OK);
	/* A torn last line: the list is not trusted blindly, and says where it broke. */
	fp = fopen(f->path, "a");
	assert_non_null(fp);
	assert_true(fputs("0011", fp) >= 0);
	assert_int_equal(fclose(fp), 0);
	assert_int_equal(roundseen_check(f->dir, r, d, &diag), SYM_ERR_FORMAT);
	assert_non_null(strstr(diag.msg, "line 2 is malformed"));
	/* No STATE to write to. */
	assert_int_equal(roundseen_check("/nonexistent/state", r, d, &diag), SYM_ERR_IO);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_roundseen_reuse),
	    cmocka_unit_test(test_roundseen_damaged),
	};

	return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
