/*
 * checkpoint_verify with a fixed coordinator key. A note that verifies is
 * signed again from its parsed content; that note must verify to the same
 * checkpoint. (Not byte-equal: a note may carry other keys' signature lines.)
 */
#include <stdlib.h>
#include <string.h>

#include "checkpoint.h"
#include "fuzz_common.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t pk[32], sk[64];
	static int keyed;
	struct checkpoint cp, again;
	char *text, *resigned = NULL;

	fuzz_sodium_init();
	if (!keyed) {
		fuzz_ed25519(FUZZ_KEY_COORDINATOR, pk, sk);
		keyed = 1;
	}
	text = fuzz_strdup(data, size);
	if (checkpoint_verify(text, size, pk, &cp) == SYM_OK) {
		if (checkpoint_sign(&cp, sk, pk, &resigned) != SYM_OK ||
		    checkpoint_verify(resigned, strlen(resigned), pk, &again) != SYM_OK ||
		    strcmp(cp.origin, again.origin) != 0 || cp.size != again.size ||
		    memcmp(cp.root, again.root, 32) != 0)
			abort();
		free(resigned);
	}
	free(text);
	return 0;
}
