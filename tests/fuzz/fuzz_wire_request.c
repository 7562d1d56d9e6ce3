/*
 * wire_request_decode on untrusted bytes, then the signature check against a
 * fixed member key. Invariants: version 2 comes only with a SubmitChunk, and
 * never verifies without its chunk digest (nor over the payload's hash).
 */
#include <stdlib.h>

#include "fuzz_common.h"
#include "wire.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t pk[32], sk[64], park[32];
	static int keyed;
	Symbiod__Request *req = NULL;

	fuzz_sodium_init();
	if (!keyed) {
		fuzz_ed25519(FUZZ_KEY_MEMBER, pk, sk);
		fuzz_park_id(park);
		keyed = 1;
	}
	if (wire_request_decode(data, size, &req) != SYM_OK)
		return 0;
	if (req->version == WIRE_VERSION_CHUNK &&
	    (req->type != SYMBIOD__MSG_TYPE__MSG_SUBMIT_CHUNK ||
	     wire_request_verify(req, park, pk) == SYM_OK))
		abort();
	(void)!wire_request_verify(req, park, pk);
	wire_free(&req->base);
	return 0;
}
