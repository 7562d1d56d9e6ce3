/* File helpers: permission checks on secret files, atomic writes, hex. */
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
#include <unistd.h>

#include "err.h"
#include "fixture.h"
#include "util.h"

static char *const s_dir = fixture_dir; /* the group's directory (fixture.h) */

static void
test_secret_file_permissions(void **state)
{
	char path[128], *buf = NULL;
	size_t len = 0;
	struct stat st;

	(void)state;
	snprintf(path, sizeof(path), "%s/secret.key", s_dir);
	assert_int_equal(util_write_file(path, "k3y\n", 4, 0600, 1), SYM_OK);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(util_read_secret_file(path, 64, &buf, &len), SYM_OK);
	assert_int_equal(len, 4);
	assert_memory_equal(buf, "k3y\n", 4);
	sodium_free(buf);
	/* Readable by group or others: refused, whatever the content. */
	assert_int_equal(chmod(path, 0640), 0);
	assert_int_equal(util_read_secret_file(path, 64, &buf, &len), SYM_ERR_PERM);
	assert_int_equal(chmod(path, 0604), 0);
	assert_int_equal(util_read_secret_file(path, 64, &buf, &len), SYM_ERR_PERM);
	/* Too large for the limit: refused before reading. */
	assert_int_equal(chmod(path, 0600), 0);
	assert_int_equal(util_read_secret_file(path, 3, &buf, &len), SYM_ERR_LIMIT);
	/* A symbolic link is not followed. */
	{
		char link[160];
		snprintf(link, sizeof(link), "%s/link.key", s_dir);
		assert_int_equal(symlink(path, link), 0);
		assert_int_not_equal(util_read_secret_file(link, 64, &buf, &len), SYM_OK);
	}
}

static void
test_write_exclusive(void **state)
{
	char path[128], *buf = NULL;
	size_t len = 0;

	(void)state;
	snprintf(path, sizeof(path), "%s/once.txt", s_dir);
	assert_int_equal(util_write_file(path, "one", 3, 0644, 1), SYM_OK);
	assert_int_equal(util_write_file(path, "two", 3, 0644, 1), SYM_ERR_EXISTS);
	assert_int_equal(util_read_file(path, 64, &buf, &len), SYM_OK);
	assert_string_equal(buf, "one");
	free(buf);
	/* Non-exclusive replaces atomically. */
	assert_int_equal(util_write_file(path, "three", 5, 0644, 0), SYM_OK);
	assert_int_equal(util_read_file(path, 64, &buf, &len), SYM_OK);
	assert_string_equal(buf, "three");
	free(buf);
	assert_int_equal(util_read_file("/nonexistent/file", 64, &buf, &len), SYM_ERR_NOT_FOUND);
	assert_int_equal(util_read_file(s_dir, 64, &buf, &len), SYM_ERR_FORMAT); /* a directory */
}

static void
test_hex(void **state)
{
	uint8_t in[3] = {0x00, 0xab, 0xff}, out[3];
	char hex[7];

	(void)state;
	util_hex(in, 3, hex);
	assert_string_equal(hex, "00abff");
	assert_int_equal(util_unhex("00abff", out, 3), SYM_OK);
	assert_memory_equal(in, out, 3);
	assert_int_equal(util_unhex("00abf", out, 3), SYM_ERR_FORMAT);
	assert_int_equal(util_unhex("00abfg", out, 3), SYM_ERR_FORMAT);
	assert_int_equal(util_unhex("00abff00", out, 3), SYM_ERR_FORMAT);
	assert_string_equal(util_basename("a/b/c.json"), "c.json");
	assert_string_equal(util_basename("c.json"), "c.json");
}

/* The fixture itself: a 0700 directory, removed whole, links not followed. */
static void
test_fixture_dir(void **state)
{
	char dir[FIXTURE_DIR_MAX], path[128], keep[128];
	struct stat st;

	(void)state;
	assert_int_equal(stat(s_dir, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	snprintf(keep, sizeof(keep), "%s/kept.txt", s_dir);
	assert_int_equal(util_write_file(keep, "x", 1, 0600, 0), SYM_OK);

	assert_int_equal(fixture_dir_make(dir, sizeof(dir)), 0);
	assert_string_not_equal(dir, s_dir);
	snprintf(path, sizeof(path), "%s/sub", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/sub/file.txt", dir);
	assert_int_equal(util_write_file(path, "y", 1, 0600, 0), SYM_OK);
	snprintf(path, sizeof(path), "%s/sub/link", dir);
	assert_int_equal(symlink(keep, path), 0);
	assert_int_equal(fixture_dir_remove(dir), 0);
	assert_int_equal(stat(dir, &st), -1);
	assert_int_equal(stat(keep, &st), 0); /* the link's target stays */
	/* Anything it did not make is refused, and "" is nothing to do. */
	assert_int_equal(fixture_dir_remove("/tmp/not-a-fixture"), -1);
	assert_int_equal(fixture_dir_remove(""), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_secret_file_permissions),
	    cmocka_unit_test(test_write_exclusive),
	    cmocka_unit_test(test_hex),
	    cmocka_unit_test(test_fixture_dir),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, fixture_dir_setup, fixture_dir_teardown);
}
