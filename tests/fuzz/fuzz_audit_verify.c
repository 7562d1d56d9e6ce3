/*
 * symbi-audit verify end to end: the input is written as entries.jsonl into
 * a temporary export directory that holds the fixed park.json and checkpoint
 * (tests/fuzz/fixtures), then audit_verify runs on it. The checkpoint only
 * matches the fixture log, but every rule still runs on every entry.
 *
 * The input's first line may choose the export around the log: a prefix of
 * fuzz_exports that export's park, checkpoint and format-version file
 * (FUZZ_V1_PREFIX: the real version 1 export, without one);
 * "#format-version:X" the fixed export with X and a newline as its
 * format-version file; otherwise the fixed export with format-version "2\n".
 * What follows a line "#batches" is written as the token batches of the
 * log's first round, what follows a line "#hardbatches" (after those, or
 * straight after the log) as its hardened batches (<round>.hard.jsonl); when
 * the log verified (a fixture log itself) they are checked as symbi-audit
 * verify does (audit_verify_batches: audit/batches.c, rules_hard_batches).
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

/* The batches of the log's first round (token batches, hardened batches), when the input has some.
 */
static void
s_batches(const struct audit_log *log, const uint8_t *b, size_t blen, const uint8_t *h, size_t hlen)
{
	struct audit_batch_stats st;
	struct audit_problem p;
	char name[64], hname[64], path[192];

	if (log->nrounds == 0)
		return;
	s_path("batches", path, sizeof(path));
	(void)mkdir(path, 0700);
	memcpy(name, "batches/", 8);
	util_hex(log->rounds[0].id, 16, name + 8);
	memcpy(hname, name, 8 + 32);
	memcpy(name + 8 + 32, ".jsonl", 7);
	memcpy(hname + 8 + 32, ".hard.jsonl", 12);
	if (b != NULL)
		s_write(name, b, blen);
	if (h != NULL)
		s_write(hname, h, hlen);
	memset(&p, 0, sizeof(p));
	(void)!audit_verify_batches(s_dir, log, &st, &p);
	audit_batch_stats_clear(&st);
	s_remove(name);
	s_remove(hname);
}

/* Where sep starts in data[from, size), or size. */
static size_t
s_find(const uint8_t *data, size_t from, size_t size, const char *sep)
{
	size_t i, n = strlen(sep);

	for (i = from; i + n <= size; i++)
		if (memcmp(data + i, sep, n) == 0)
			return i;
	return size;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char bsep[] = "\n#batches\n", hsep[] = "\n#hardbatches\n";
	struct audit_log log;
	struct audit_problem p;
	const uint8_t *b = NULL, *h = NULL;
	char msg[1024];
	size_t start, bi, hi, end, blen = 0;

	fuzz_sodium_init();
	if (s_dir[0] == '\0') {
		fuzz_mkdtemp(s_dir, sizeof(s_dir), "audit");
		atexit(s_cleanup);
	}
	start = s_setup(data, size);
	/* The log, then optionally its token batches, then optionally its hardened batches. */
	bi = s_find(data, start, size, bsep);
	hi = s_find(data, bi < size ? bi + strlen(bsep) : start, size, hsep);
	end = bi < hi ? bi : hi;
	if (bi < size) {
		b = data + bi + strlen(bsep);
		blen = (hi < size ? hi + 1 : size) - (bi + strlen(bsep));
	}
	if (hi < size)
		h = data + hi + strlen(hsep);
	/* The log keeps its last newline. */
	s_write("entries.jsonl", data + start, end < size ? end + 1 - start : size - start);
	if (audit_verify(s_dir, &log, &p) != SYM_OK || p.set)
		audit_problem_format(&p, msg, sizeof(msg));
	else if (b != NULL ||
	         h != NULL) /* as symbi-audit verify: the batches of a log that verified */
		s_batches(&log, b, blen, h, h != NULL ? (size_t)(data + size - h) : 0);
	audit_log_free(&log);
	return 0;
}
