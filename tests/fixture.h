/*
 * A private temporary directory for a group of cmocka tests.
 *
 * Made 0700 under $TMPDIR (or /tmp) at group setup and removed, with all it
 * holds, at group teardown: no test leaves files behind, and two runs never
 * share a directory.
 *
 *	return cmocka_run_group_tests(tests, fixture_dir_setup, fixture_dir_teardown);
 *
 * and the tests write under fixture_dir. A group that keeps its own state
 * makes and removes its directory with fixture_dir_make / fixture_dir_remove.
 */
#ifndef SYMBI_TESTS_FIXTURE_H
#define SYMBI_TESTS_FIXTURE_H

#include <stddef.h>

/* Room for "$TMPDIR/symbi-test-XXXXXX"; tests append short file names to it. */
#define FIXTURE_DIR_MAX 64

/* The group's directory while its tests run; "" before setup and after teardown. */
extern char fixture_dir[FIXTURE_DIR_MAX];

/* Makes a fresh 0700 directory and writes its path to dir; 0, or -1 (said on stderr). */
int fixture_dir_make(char *dir, size_t size);

/* Removes a directory made by fixture_dir_make and everything in it; "" is a no-op. */
int fixture_dir_remove(const char *dir);

/* cmocka group setup and teardown over fixture_dir. */
int fixture_dir_setup(void **state);
int fixture_dir_teardown(void **state);

#endif
