/*
 * The client's STATE/rounds-seen list (client/roundseen.c) on untrusted
 * bytes: the input's first 48 bytes are the round id (16) and announcement
 * digest (32) to check, the rest is written as the file in a temporary STATE
 * directory. A round the check accepts was recorded (or already there), so
 * the same check must accept it again on the file it left.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "fuzz_common.h"
#include "roundseen.h"

static char s_dir[64];
static char s_file[128];

static void
s_cleanup(void)
{
	unlink(s_file);
	rmdir(s_dir);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sym_diag diag = {""};
	FILE *f;
	int r;

	fuzz_sodium_init();
	if (size < 48)
		return 0;
	if (s_dir[0] == '\0') {
		fuzz_mkdtemp(s_dir, sizeof(s_dir), "state");
		snprintf(s_file, sizeof(s_file), "%s/" ROUNDSEEN_FILE, s_dir);
		atexit(s_cleanup);
	}
	/* An input of exactly 48 bytes: no file at all (a fresh STATE). */
	unlink(s_file);
	if (size > 48) {
		if ((f = fopen(s_file, "wb")) == NULL)
			abort();
		if (fwrite(data + 48, 1, size - 48, f) != size - 48 || fclose(f) != 0)
			abort();
	}
	r = roundseen_check(s_dir, data, data + 16, &diag);
	if (r == SYM_OK && roundseen_check(s_dir, data, data + 16, &diag) != SYM_OK)
		abort(); /* an accepted round must be accepted again */
	return 0;
}
