/*
 * Every message type through wire_unpack (precheck, bounded protobuf-c
 * unpack, field validation). Input: one byte choosing the descriptor
 * (modulo the number of message types), then the packed message. A message
 * that unpacks is packed again, and those bytes must unpack again.
 */
#include <stdlib.h>

#include "fuzz_common.h"
#include "fuzz_descriptors.h"
#include "wire.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const ProtobufCMessageDescriptor *desc;
	ProtobufCMessage *msg = NULL, *again = NULL;
	uint8_t *packed = NULL;
	size_t packed_len = 0;

	fuzz_sodium_init();
	if (size < 1)
		return 0;
	desc = fuzz_descriptors[data[0] % FUZZ_NDESCRIPTORS];
	if (wire_unpack(desc, data + 1, size - 1, 0, &msg) != SYM_OK)
		return 0;
	if (wire_pack(msg, &packed, &packed_len) != SYM_OK)
		abort(); /* what we accepted we must be able to write back */
	if (wire_unpack(desc, packed, packed_len, 0, &again) != SYM_OK)
		abort(); /* and what we wrote must be accepted again */
	wire_free(again);
	free(packed);
	wire_free(msg);
	return 0;
}
