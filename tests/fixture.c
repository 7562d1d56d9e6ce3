/*
 * The temporary-directory fixture of the cmocka tests (fixture.h).
 */
#define _XOPEN_SOURCE 700 /* nftw */
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fixture.h"

#define FIXTURE_NAME "/symbi-test-"

char fixture_dir[FIXTURE_DIR_MAX];

int
fixture_dir_make(char *dir, size_t size)
{
	const char *base = getenv("TMPDIR");
	int n;

	if (base == NULL || base[0] == '\0')
		base = "/tmp";
	n = snprintf(dir, size, "%s" FIXTURE_NAME "XXXXXX", base);
	if (n < 0 || (size_t)n >= size) {
		fprintf(stderr, "fixture: TMPDIR %s is too long for a test directory\n", base);
		dir[0] = '\0';
		return -1;
	}
	/* mkdtemp creates the directory 0700 whatever the umask. */
	if (mkdtemp(dir) == NULL) {
		fprintf(stderr, "fixture: mkdtemp %s: %s\n", dir, strerror(errno));
		dir[0] = '\0';
		return -1;
	}
	return 0;
}

static int
s_remove_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	if (remove(path) != 0) {
		fprintf(stderr, "fixture: remove %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

int
fixture_dir_remove(const char *dir)
{
	if (dir[0] == '\0')
		return 0;
	/* Only what fixture_dir_make made: a wrong path must never be emptied. */
	if (strstr(dir, FIXTURE_NAME) == NULL) {
		fprintf(stderr, "fixture: refusing to remove %s\n", dir);
		return -1;
	}
	/* Depth first, and symbolic links removed, never followed. */
	return nftw(dir, s_remove_one, 16, FTW_DEPTH | FTW_PHYS) == 0 ? 0 : -1;
}

int
fixture_dir_setup(void **state)
{
	(void)state;
	return fixture_dir_make(fixture_dir, sizeof(fixture_dir));
}

int
fixture_dir_teardown(void **state)
{
	int r;

	(void)state;
	r = fixture_dir_remove(fixture_dir);
	fixture_dir[0] = '\0';
	return r;
}
