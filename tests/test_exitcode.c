/*
 * The exit policy (common/exitcode.c): the rule for bad signatures, unknown
 * codes, and README.md's table, row by row, against the function.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "exitcode.h"
#include "sysexits.h"
#include "util.h"

#define NORIGINS 3

#define CODE(c)                                                                                    \
	{                                                                                          \
#c, c                                                                              \
	}
static const struct {
	const char *name;
	int err;
} s_codes[] = {
    CODE(SYM_OK),         CODE(SYM_ERR_INTERNAL), CODE(SYM_ERR_ALLOC),    CODE(SYM_ERR_INVALID),
    CODE(SYM_ERR_FORMAT), CODE(SYM_ERR_RANGE),    CODE(SYM_ERR_IO),       CODE(SYM_ERR_PERM),
    CODE(SYM_ERR_CRYPTO), CODE(SYM_ERR_VERIFY),   CODE(SYM_ERR_NOSPACE),  CODE(SYM_ERR_NOT_FOUND),
    CODE(SYM_ERR_LIMIT),  CODE(SYM_ERR_EXISTS),   CODE(SYM_ERR_WEAK_KEY),
};
#define NCODES (sizeof(s_codes) / sizeof(s_codes[0]))

/* Index of the code named at p (length len) in s_codes, or -1. */
static int
s_code_index(const char *p, size_t len)
{
	size_t i;

	for (i = 0; i < NCODES; i++)
		if (strlen(s_codes[i].name) == len && strncmp(s_codes[i].name, p, len) == 0)
			return (int)i;
	return -1;
}

/* The decision the issue asked for, stated directly. */
static void
test_bad_signature(void **state)
{
	(void)state;
	assert_int_equal(sym_exit_code(SYM_ERR_VERIFY, SYM_ORIGIN_INPUT), EXIT_DATAERR);
	assert_int_equal(sym_exit_code(SYM_ERR_VERIFY, SYM_ORIGIN_PEER), EXIT_PROTOCOL);
	assert_int_equal(EXIT_DATAERR, 65);
	assert_int_equal(EXIT_PROTOCOL, 76);
}

static void
test_success_and_unknown(void **state)
{
	int o;

	(void)state;
	for (o = 0; o < NORIGINS; o++) {
		assert_int_equal(sym_exit_code(SYM_OK, (enum sym_origin)o), 0);
		assert_int_equal(sym_exit_code(-999, (enum sym_origin)o), EXIT_SOFTWARE);
		assert_int_equal(sym_exit_code(7, (enum sym_origin)o), EXIT_SOFTWARE);
	}
	assert_int_equal(sym_exit_code(SYM_ERR_VERIFY, (enum sym_origin)NORIGINS), EXIT_SOFTWARE);
	assert_int_equal(sym_exit_code(SYM_ERR_VERIFY, (enum sym_origin) - 1), EXIT_SOFTWARE);
}

/* Every code of err.h is in this test's list, so the table check below is complete. */
static void
test_codes_complete(void **state)
{
	const char *unknown = sym_strerror(-1000);
	size_t i;
	int e, found;

	(void)state;
	for (e = 0; e >= -100; e--) {
		if (strcmp(sym_strerror(e), unknown) == 0)
			continue;
		for (found = 0, i = 0; i < NCODES; i++)
			found |= s_codes[i].err == e;
		if (!found)
			fail_msg("error code %d (%s) is missing from test_exitcode.c and README.md",
			         e, sym_strerror(e));
	}
}

/* One table row "| `CODE`, ... | origin | exit ... | meaning |": check and mark it. */
static void
s_check_row(char *line, int covered[NCODES][NORIGINS])
{
	static const char *const origins[NORIGINS] = {"input", "peer", "config"};
	char *col[4], *p, *q;
	int i, n, o, want, any;

	for (n = 0, p = line + 1; n < 4 && (q = strchr(p, '|')) != NULL; n++, p = q + 1) {
		*q = '\0';
		col[n] = p;
	}
	if (n != 4) {
		fail_msg("README.md: a table row without 4 columns");
		return; /* not reached: cmocka jumps out, but gcc cannot know */
	}
	want = (int)strtol(col[2], NULL, 10);
	any = strstr(col[1], "any") != NULL;
	for (p = col[0]; (p = strstr(p, "SYM_")) != NULL; p += n) {
		n = (int)strspn(p, "ABCDEFGHIJKLMNOPQRSTUVWXYZ_");
		if ((i = s_code_index(p, (size_t)n)) < 0)
			fail_msg("README.md names an unknown error code: %.*s", n, p);
		for (o = 0; o < NORIGINS; o++) {
			if (!any && strstr(col[1], origins[o]) == NULL)
				continue;
			if (sym_exit_code(s_codes[i].err, (enum sym_origin)o) != want)
				fail_msg("README.md: %s from %s exits %d; sym_exit_code says %d",
				         s_codes[i].name, origins[o], want,
				         sym_exit_code(s_codes[i].err, (enum sym_origin)o));
			if (covered[i][o]++)
				fail_msg("README.md: %s from %s is in two rows", s_codes[i].name,
				         origins[o]);
		}
	}
}

/* README.md's table says what the function does, and says it for every code and origin. */
static void
test_readme_table(void **state)
{
	int covered[NCODES][NORIGINS] = {{0}}, rows = 0, r;
	char *text = NULL, *line, *save = NULL;
	size_t len, i;
	int o;

	(void)state;
	r = util_read_file(SYMBI_SOURCE_DIR "/README.md", 1u << 20, &text, &len);
	assert_int_equal(r, SYM_OK);
	for (line = strtok_r(text, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "| `SYM_", 7) != 0)
			continue;
		s_check_row(line, covered);
		rows++;
	}
	free(text);
	assert_true(rows >= 5);
	for (i = 0; i < NCODES; i++)
		for (o = 0; o < NORIGINS; o++)
			if (!covered[i][o])
				fail_msg(
				    "README.md's exit-code table has no row for %s from origin %d",
				    s_codes[i].name, o);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_bad_signature),
	    cmocka_unit_test(test_success_and_unknown),
	    cmocka_unit_test(test_codes_complete),
	    cmocka_unit_test(test_readme_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
