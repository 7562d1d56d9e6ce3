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

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sym_diag diag = {""};
	const char *dir, *file;
	int r;

	fuzz_sodium_init();
	if (size < 48)
		return 0;
	file = fuzz_scratch("state", ROUNDSEEN_FILE, &dir);
	/* An input of exactly 48 bytes: no file at all (a fresh STATE). */
	unlink(file);
	if (size > 48)
		fuzz_write_file(file, data + 48, size - 48);
	r = roundseen_check(dir, data, data + 16, &diag);
	if (r == SYM_OK && roundseen_check(dir, data, data + 16, &diag) != SYM_OK)
		abort(); /* an accepted round must be accepted again */
	return 0;
}
