/*
 * symbi-audit verify end to end: the input is written as entries.jsonl into
 * a temporary export directory that holds the fixed park.json and checkpoint
 * (tests/fuzz/fixtures), then audit_verify runs on it. The checkpoint only
 * matches the fixture log, but every rule still runs on every entry.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit.h"
#include "fuzz_common.h"
#include "util.h"

static char s_dir[64];
static char s_entries[128];

static void
s_copy(const char *from, const char *name)
{
	char path[128], *buf = NULL;
	size_t len = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", s_dir, name);
	if (util_read_file(from, 1u << 20, &buf, &len) != SYM_OK || (f = fopen(path, "wb")) == NULL)
		abort();
	if (fwrite(buf, 1, len, f) != len || fclose(f) != 0)
		abort();
	free(buf);
}

static void
s_cleanup(void)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/park.json", s_dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/checkpoint", s_dir);
	unlink(path);
	unlink(s_entries);
	rmdir(s_dir);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct audit_log log;
	struct audit_problem p;
	char msg[1024];
	FILE *f;

	fuzz_sodium_init();
	if (s_dir[0] == '\0') {
		const char *tmp = getenv("TMPDIR");
		snprintf(s_dir, sizeof(s_dir), "%s/symbi-fuzz-audit-XXXXXX",
		         tmp != NULL && strlen(tmp) < 24 ? tmp : "/tmp");
		if (mkdtemp(s_dir) == NULL)
			abort();
		snprintf(s_entries, sizeof(s_entries), "%s/entries.jsonl", s_dir);
		s_copy(FUZZ_FIXTURE_PARK, "park.json");
		s_copy(FUZZ_FIXTURE_CHECKPOINT, "checkpoint");
		atexit(s_cleanup);
	}
	if ((f = fopen(s_entries, "wb")) == NULL)
		abort();
	if ((size > 0 && fwrite(data, 1, size, f) != size) || fclose(f) != 0)
		abort();
	if (audit_verify(s_dir, &log, &p) != SYM_OK || p.set)
		audit_problem_format(&p, msg, sizeof(msg));
	audit_log_free(&log);
	return 0;
}
