/* wire_response_decode (decode, validate, verify the coordinator's signature) with a fixed key. */
#include <stdlib.h>

#include "fuzz_common.h"
#include "wire.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t pk[32], sk[64], park[32];
	static int keyed;
	Symbiod__Response *resp = NULL;

	fuzz_sodium_init();
	if (!keyed) {
		fuzz_ed25519(FUZZ_KEY_COORDINATOR, pk, sk);
		fuzz_park_id(park);
		keyed = 1;
	}
	if (wire_response_decode(data, size, park, pk, &resp) != SYM_OK)
		return 0;
	wire_free(&resp->base);
	return 0;
}
