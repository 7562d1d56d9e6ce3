/* The configuration file reader: valid files, and every error naming its line and key. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "err.h"
#include "fixture.h"
#include "util.h"

static const char *const s_formats[] = {"text", "json", NULL};

static struct {
	char dir[64];
	char name[8];
	int heartbeat_ms, offset, format;
} s_f;

static const char *
s_check_abs(const char *v)
{
	return v[0] == '/' ? NULL : "not an absolute path";
}

static const struct config_key s_keys[] = {
    {"dir", CONFIG_STRING, s_f.dir, sizeof(s_f.dir), 0, 0, NULL, s_check_abs, "a directory",
     "none"},
    {"name", CONFIG_STRING, s_f.name, sizeof(s_f.name), 0, 0, NULL, NULL, "a short name", NULL},
    {"heartbeat_ms", CONFIG_INT, &s_f.heartbeat_ms, 0, 100, 600000, NULL, NULL, "an interval",
     NULL},
    {"offset", CONFIG_INT, &s_f.offset, 0, -5, 5, NULL, NULL, "may be negative", NULL},
    {"log_format", CONFIG_ENUM, &s_f.format, 0, 0, 0, s_formats, NULL, "text or json", NULL},
};
#define NKEYS (sizeof(s_keys) / sizeof(s_keys[0]))

static char *const s_dir = fixture_dir; /* the group's directory (fixture.h) */

static int
s_defaults(void **state)
{
	(void)state;
	memset(&s_f, 0, sizeof(s_f));
	snprintf(s_f.name, sizeof(s_f.name), "dflt");
	s_f.heartbeat_ms = 10000;
	s_f.offset = 1;
	return 0;
}

static int
s_parse(const char *text, struct sym_diag *diag)
{
	return config_parse("test.conf", text, strlen(text), s_keys, NKEYS, diag);
}

/* text must be refused with err and a message that is exactly want. */
static void
s_refused(const char *text, int err, const char *want)
{
	struct sym_diag diag = {""};

	s_defaults(NULL);
	assert_int_equal(s_parse(text, &diag), err);
	assert_string_equal(diag.msg, want);
	/* Nothing was stored, not even the good lines before the bad one. */
	assert_string_equal(s_f.dir, "");
	assert_string_equal(s_f.name, "dflt");
	assert_int_equal(s_f.heartbeat_ms, 10000);
	assert_int_equal(s_f.offset, 1);
	assert_int_equal(s_f.format, 0);
}

static void
test_valid(void **state)
{
	struct sym_diag diag = {""};

	(void)state;
	assert_int_equal(s_parse("# symbiod settings\n"
	                         "\n"
	                         "   # an indented comment\n"
	                         "dir = /var/lib/sym biod\n"
	                         "\theartbeat_ms=250\t\n"
	                         "log_format   =   json   \r\n"
	                         "offset = -5\n"
	                         "   \t \n"
	                         "name = a#b", /* '#' inside a value; no final newline */
	                         &diag),
	                 SYM_OK);
	assert_string_equal(s_f.dir, "/var/lib/sym biod");
	assert_string_equal(s_f.name, "a#b");
	assert_int_equal(s_f.heartbeat_ms, 250);
	assert_int_equal(s_f.offset, -5);
	assert_int_equal(s_f.format, 1);
}

static void
test_defaults_kept(void **state)
{
	struct sym_diag diag = {""};

	(void)state;
	assert_int_equal(s_parse("", &diag), SYM_OK);
	assert_int_equal(s_parse("\n\n# only comments\n", &diag), SYM_OK);
	assert_int_equal(s_parse("offset = 5\n", &diag), SYM_OK);
	assert_int_equal(s_f.offset, 5);
	assert_int_equal(s_f.heartbeat_ms, 10000);
	assert_string_equal(s_f.name, "dflt");
	/* Range ends are included. */
	assert_int_equal(s_parse("heartbeat_ms = 100\n", &diag), SYM_OK);
	assert_int_equal(s_f.heartbeat_ms, 100);
	assert_int_equal(s_parse("heartbeat_ms = 600000\nname = 1234567\n", &diag), SYM_OK);
	assert_int_equal(s_f.heartbeat_ms, 600000);
	assert_string_equal(s_f.name, "1234567");
}

static void
test_the_documented_message(void **state)
{
	struct sym_diag diag = {""};
	const char *text = "# settings\n\ndir = /srv/park\n\n\n\nheartbeat_ms = 50\n";

	(void)state;
	assert_int_equal(
	    config_parse("/etc/symbiod/symbiod.conf", text, strlen(text), s_keys, NKEYS, &diag),
	    SYM_ERR_RANGE);
	assert_string_equal(diag.msg,
	                    "/etc/symbiod/symbiod.conf: line 7: key \"heartbeat_ms\": not "
	                    "an integer in 100..600000");
}

static void
test_unknown_key(void **state)
{
	(void)state;
	s_refused(
	    "dir = /a\nheartbeat = 5\n", SYM_ERR_FORMAT,
	    "test.conf: line 2: key \"heartbeat\": unknown key (known: dir, name, heartbeat_ms, "
	    "offset, log_format)");
	/* Keys are lower case, exactly. */
	s_refused("\nDir = /a\n", SYM_ERR_FORMAT,
	          "test.conf: line 2: \"Dir\" is not a key name (a-z, 0-9, _)");
	s_refused("log-format = json\n", SYM_ERR_FORMAT,
	          "test.conf: line 1: \"log-format\" is not a key name (a-z, 0-9, _)");
}

static void
test_duplicate(void **state)
{
	(void)state;
	s_refused("dir = /a\n# again\ndir = /a\n", SYM_ERR_FORMAT,
	          "test.conf: line 3: key \"dir\": already set on line 1");
	s_refused("offset = 1\noffset=2\n", SYM_ERR_FORMAT,
	          "test.conf: line 2: key \"offset\": already set on line 1");
}

static void
test_missing_equals(void **state)
{
	(void)state;
	s_refused("dir = /a\nheartbeat_ms 100\n", SYM_ERR_FORMAT,
	          "test.conf: line 2: key \"heartbeat_ms\": missing \"=\" (lines are key = value)");
	s_refused("heartbeat_ms\n", SYM_ERR_FORMAT,
	          "test.conf: line 1: key \"heartbeat_ms\": missing \"=\" (lines are key = value)");
	s_refused("\n\n = 100\n", SYM_ERR_FORMAT, "test.conf: line 3: no key before \"=\"");
}

static void
test_bad_integer(void **state)
{
	static const char *const bad[] = {"12x", "0x10", "+500", "1e3", "500 500",
	                                  "- 5", "five", "1.5",  "-"};
	char text[64], want[128];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), "\nheartbeat_ms = %s\n", bad[i]);
		snprintf(want, sizeof(want),
		         "test.conf: line 2: key \"heartbeat_ms\": not an integer in 100..600000");
		s_refused(text, SYM_ERR_RANGE, want);
	}
}

static void
test_out_of_range(void **state)
{
	(void)state;
	s_refused("heartbeat_ms = 99\n", SYM_ERR_RANGE,
	          "test.conf: line 1: key \"heartbeat_ms\": not an integer in 100..600000");
	s_refused("heartbeat_ms = 600001\n", SYM_ERR_RANGE,
	          "test.conf: line 1: key \"heartbeat_ms\": not an integer in 100..600000");
	s_refused("heartbeat_ms = -100\n", SYM_ERR_RANGE,
	          "test.conf: line 1: key \"heartbeat_ms\": not an integer in 100..600000");
	s_refused("heartbeat_ms = 99999999999999999999999\n", SYM_ERR_RANGE,
	          "test.conf: line 1: key \"heartbeat_ms\": not an integer in 100..600000");
	s_refused("offset = -6\n", SYM_ERR_RANGE,
	          "test.conf: line 1: key \"offset\": not an integer in -5..5");
	/* A string longer than its field. */
	s_refused("name = 12345678\n", SYM_ERR_RANGE,
	          "test.conf: line 1: key \"name\": longer than 7 bytes");
	/* A value the key's own check refuses. */
	s_refused("dir = relative/path\n", SYM_ERR_RANGE,
	          "test.conf: line 1: key \"dir\": not an absolute path");
}

static void
test_bad_enum(void **state)
{
	(void)state;
	s_refused("log_format = xml\n", SYM_ERR_RANGE,
	          "test.conf: line 1: key \"log_format\": not one of text, json");
	s_refused("log_format = JSON\n", SYM_ERR_RANGE,
	          "test.conf: line 1: key \"log_format\": not one of text, json");
	s_refused("log_format = 1\n", SYM_ERR_RANGE,
	          "test.conf: line 1: key \"log_format\": not one of text, json");
}

static void
test_empty_value(void **state)
{
	(void)state;
	s_refused("dir =\n", SYM_ERR_RANGE, "test.conf: line 1: key \"dir\": empty value");
	s_refused("name = \t \n", SYM_ERR_RANGE, "test.conf: line 1: key \"name\": empty value");
	s_refused("\n\nheartbeat_ms=\n", SYM_ERR_RANGE,
	          "test.conf: line 3: key \"heartbeat_ms\": empty value");
	s_refused("log_format =", SYM_ERR_RANGE,
	          "test.conf: line 1: key \"log_format\": empty value");
}

static void
test_strictness(void **state)
{
	(void)state;
	/* No quoting and no trailing comments: they would end up in the value. */
	s_refused("dir = \"/srv/park\"\n", SYM_ERR_RANGE,
	          "test.conf: line 1: key \"dir\": write the value without quotes");
	s_refused("heartbeat_ms = 500 # half a second\n", SYM_ERR_RANGE,
	          "test.conf: line 1: key \"heartbeat_ms\": comments go on a line of their own");
	s_refused("name = a\vb\n", SYM_ERR_FORMAT,
	          "test.conf: line 1: key \"name\": control character in the value");
	s_refused("name = a\rb\n", SYM_ERR_FORMAT,
	          "test.conf: line 1: key \"name\": control character in the value");
}

static void
test_nul_byte(void **state)
{
	struct sym_diag diag = {""};
	const char text[] = "dir = /a\nname = a\0b\n";

	(void)state;
	s_defaults(NULL);
	assert_int_equal(config_parse("test.conf", text, sizeof(text) - 1, s_keys, NKEYS, &diag),
	                 SYM_ERR_FORMAT);
	assert_string_equal(diag.msg, "test.conf: line 2: contains a NUL byte");
	assert_string_equal(s_f.dir, "");
}

static void
test_oversized(void **state)
{
	struct sym_diag diag = {""};
	char path[128], *big;
	FILE *f;

	(void)state;
	s_defaults(NULL);
	assert_non_null(big = malloc(CONFIG_FILE_MAX + 2));
	/* Exactly the limit, comments and one setting: accepted. */
	memset(big, '#', CONFIG_FILE_MAX);
	big[0] = '\n';
	memcpy(big + 1, "offset = 3\n", 11);
	big[CONFIG_FILE_MAX] = '\0';
	snprintf(path, sizeof(path), "%s/max.conf", s_dir);
	assert_non_null(f = fopen(path, "w"));
	assert_int_equal(fwrite(big, 1, CONFIG_FILE_MAX, f), CONFIG_FILE_MAX);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(config_load(path, s_keys, NKEYS, &diag), SYM_OK);
	assert_int_equal(s_f.offset, 3);
	/* One byte more: refused before parsing. */
	snprintf(path, sizeof(path), "%s/big.conf", s_dir);
	assert_non_null(f = fopen(path, "w"));
	assert_int_equal(fwrite(big, 1, CONFIG_FILE_MAX, f), CONFIG_FILE_MAX);
	assert_int_equal(fputc('\n', f), '\n');
	assert_int_equal(fclose(f), 0);
	assert_int_equal(config_load(path, s_keys, NKEYS, &diag), SYM_ERR_LIMIT);
	assert_non_null(strstr(diag.msg, "big.conf: larger than 65536 bytes; refused"));
	memset(big, '\n', CONFIG_FILE_MAX + 1);
	assert_int_equal(config_parse("mem.conf", big, CONFIG_FILE_MAX + 1, s_keys, NKEYS, &diag),
	                 SYM_ERR_LIMIT);
	assert_string_equal(diag.msg, "mem.conf: larger than 65536 bytes; refused");
	free(big);
}

static void
test_load(void **state)
{
	struct sym_diag diag = {""};
	char path[128], link[128];
	const char *text = "# from a file\nname = file\n\nlog_format = json\n";

	(void)state;
	s_defaults(NULL);
	snprintf(path, sizeof(path), "%s/missing.conf", s_dir);
	assert_int_equal(config_load(path, s_keys, NKEYS, &diag), SYM_ERR_NOT_FOUND);
	assert_non_null(strstr(diag.msg, "missing.conf: no such file"));
	/* A directory is not a configuration file. */
	assert_int_equal(config_load(s_dir, s_keys, NKEYS, &diag), SYM_ERR_FORMAT);
	assert_non_null(strstr(diag.msg, "not a regular file"));
	snprintf(path, sizeof(path), "%s/good.conf", s_dir);
	assert_int_equal(util_write_file(path, text, strlen(text), 0644, 0), SYM_OK);
	/* Installed through a symbolic link, as configuration management does. */
	snprintf(link, sizeof(link), "%s/link.conf", s_dir);
	assert_int_equal(symlink(path, link), 0);
	assert_int_equal(config_load(link, s_keys, NKEYS, &diag), SYM_OK);
	assert_string_equal(s_f.name, "file");
	assert_int_equal(s_f.format, 1);
	/* Messages name the path as given. */
	text = "name = x\nname = y\n";
	assert_int_equal(util_write_file(path, text, strlen(text), 0644, 0), SYM_OK);
	assert_int_equal(config_load(link, s_keys, NKEYS, &diag), SYM_ERR_FORMAT);
	assert_non_null(strstr(diag.msg, "link.conf: line 2: key \"name\": already set on line 1"));
}

/* What config_print writes, config_parse reads back to the same settings. */
static void
test_print_round_trip(void **state)
{
	struct sym_diag diag = {""};
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	s_defaults(NULL);
	assert_int_equal(
	    s_parse("dir = /x y\nheartbeat_ms = 123\noffset = -2\nlog_format = json\n", &diag),
	    SYM_OK);
	assert_non_null(f = open_memstream(&text, &len));
	config_print(f, s_keys, NKEYS, 0);
	assert_int_equal(fclose(f), 0);
	assert_string_equal(text, "dir = /x y\nname = dflt\nheartbeat_ms = 123\noffset = -2\n"
	                          "log_format = json\n");
	s_defaults(NULL);
	assert_int_equal(config_parse("printed", text, len, s_keys, NKEYS, &diag), SYM_OK);
	assert_string_equal(s_f.dir, "/x y");
	assert_int_equal(s_f.heartbeat_ms, 123);
	assert_int_equal(s_f.offset, -2);
	assert_int_equal(s_f.format, 1);
	free(text);
	/* The example form: descriptions, settings commented out, empty ones explained. */
	s_defaults(NULL);
	assert_non_null(f = open_memstream(&text, &len));
	config_print(f, s_keys, NKEYS, 1);
	assert_int_equal(fclose(f), 0);
	assert_non_null(strstr(text, "# a directory\n# dir: not set (none)\n\n# a short name\n"
	                             "#name = dflt\n"));
	assert_int_equal(config_parse("example", text, len, s_keys, NKEYS, &diag), SYM_OK);
	assert_string_equal(s_f.dir, "");
	free(text);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_valid, s_defaults),
	    cmocka_unit_test_setup(test_defaults_kept, s_defaults),
	    cmocka_unit_test_setup(test_the_documented_message, s_defaults),
	    cmocka_unit_test(test_unknown_key),
	    cmocka_unit_test(test_duplicate),
	    cmocka_unit_test(test_missing_equals),
	    cmocka_unit_test(test_bad_integer),
	    cmocka_unit_test(test_out_of_range),
	    cmocka_unit_test(test_bad_enum),
	    cmocka_unit_test(test_empty_value),
	    cmocka_unit_test(test_strictness),
	    cmocka_unit_test(test_nul_byte),
	    cmocka_unit_test(test_oversized),
	    cmocka_unit_test(test_load),
	    cmocka_unit_test(test_print_round_trip),
	};

	return cmocka_run_group_tests(tests, fixture_dir_setup, fixture_dir_teardown);
}
