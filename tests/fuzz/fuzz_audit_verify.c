/*
 * symbi-audit verify end to end: the input is written as entries.jsonl into
 * a temporary export directory that holds the fixed park.json and checkpoint
 * (tests/fuzz/fixtures), then audit_verify runs on it. The checkpoint only
 * matches the fixture log, but every rule still runs on every entry.
 *
 * The input's first line may choose the export around the log: a prefix
 * of fuzz_exports that export's park, checkpoint and format-version file
 * (FUZZ_V1_PREFIX: the real version 1 export, without one); "#format-version:X" the fixed export
 * with X and a newline as its format-version file; otherwise the fixed export with format-version
 * "2\n". What follows a line "#batches" is written as the token batches of the log's first round
 * and, when the log verified (the fixture log itself), checked as symbi-audit verify does
 * (audit_verify_batches, audit/batches.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit.h"
#include "fuzz_common.h"
#include "util.h"

static char s_dir[64];

static void
s_path(const char *name, char *path, size_t cap)
{
	if ((size_t)snprintf(path, cap, "%s/%s", s_dir, name) >= cap)
		abort();
}

static void
s_write(const char *name, const void *data, size_t len)
{
	char path[192];
	FILE *f;

	s_path(name, path, sizeof(path));
	if ((f = fopen(path, "wb")) == NULL)
		abort();
	if ((len > 0 && fwrite(data, 1, len, f) != len) || fclose(f) != 0)
		abort();
}

static void
s_copy(const char *from, const char *name)
{
	char *buf = NULL;
	size_t len = 0;

	if (util_read_file(from, 1u << 20, &buf, &len) != SYM_OK)
		abort();
	s_write(name, buf, len);
	free(buf);
}

static void
s_remove(const char *name)
{
	char path[192];

	s_path(name, path, sizeof(path));
	unlink(path);
}

static void
s_cleanup(void)
{
	char path[192];

	s_remove("park.json");
	s_remove("checkpoint");
	s_remove("format-version");
	s_remove("entries.jsonl");
	s_path("batches", path, sizeof(path));
	rmdir(path);
	rmdir(s_dir);
}

/* The export around the log, from the input's first line; returns where the log starts. */
static size_t
s_setup(const uint8_t *data, size_t size)
{
	static const char fv[] = "#format-version:";
	const struct fuzz_export *x = fuzz_export_of(data, size);
	const uint8_t *nl;
	size_t n;

	if (x != NULL) {
		char from[4096];
		snprintf(from, sizeof(from), "%s/park.json", x->dir);
		s_copy(from, "park.json");
		snprintf(from, sizeof(from), "%s/checkpoint", x->dir);
		s_copy(from, "checkpoint");
		snprintf(from, sizeof(from), "%s/format-version", x->dir);
		if (x->format == 0)
			s_remove("format-version");
		else
			s_copy(from, "format-version");
		return strlen(x->prefix);
	}
	s_copy(FUZZ_FIXTURE_PARK, "park.json");
	s_copy(FUZZ_FIXTURE_CHECKPOINT, "checkpoint");
	if (size >= strlen(fv) && memcmp(data, fv, strlen(fv)) == 0 &&
	    (nl = memchr(data, '\n', size)) != NULL) {
		n = (size_t)(nl - data) - strlen(fv) + 1; /* with its newline */
		s_write("format-version", data + strlen(fv), n);
		return strlen(fv) + n;
	}
	s_write("format-version", "2\n", 2);
	return 0;
}

/* The batches of the log's first round, when the input has some. */
static void
s_batches(const struct audit_log *log, const uint8_t *data, size_t len)
{
	struct audit_batch_stats st;
	struct audit_problem p;
	char name[64], path[192];

	if (log->nrounds == 0)
		return;
	s_path("batches", path, sizeof(path));
	(void)mkdir(path, 0700);
	memcpy(name, "batches/", 8);
	util_hex(log->rounds[0].id, 16, name + 8);
	memcpy(name + 8 + 32, ".jsonl", 7);
	s_write(name, data, len);
	memset(&p, 0, sizeof(p));
	(void)!audit_verify_batches(s_dir, log, &st, &p);
	audit_batch_stats_clear(&st);
	s_remove(name);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char sep[] = "\n#batches\n";
	struct audit_log log;
	struct audit_problem p;
	const uint8_t *b = NULL;
	char msg[1024];
	size_t start, i, len;

	fuzz_sodium_init();
	if (s_dir[0] == '\0') {
		fuzz_mkdtemp(s_dir, sizeof(s_dir), "audit");
		atexit(s_cleanup);
	}
	start = s_setup(data, size);
	len = size - start;
	for (i = start; i + strlen(sep) <= size; i++) {
		if (memcmp(data + i, sep, strlen(sep)) == 0) {
			b = data + i + strlen(sep);
			len = i + 1 - start; /* the log keeps its last newline */
			break;
		}
	}
	s_write("entries.jsonl", data + start, len);
	if (audit_verify(s_dir, &log, &p) != SYM_OK || p.set)
		audit_problem_format(&p, msg, sizeof(msg));
	else if (b != NULL) /* as symbi-audit verify: the batches of a log that verified */
		s_batches(&log, b, (size_t)(data + size - b));
	audit_log_free(&log);
	return 0;
}
