/*
 * The ZAP decision. Input: frames, each a length byte then that many bytes
 * (a short last frame takes what is left). Two fixed members are admitted.
 * Invariants: the status is one of 200/400/500, and 200 only for a CURVE
 * request in our domain whose key is a member's, with that member's id.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "zap.h"

#define S_MAX_FRAMES 16

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct zap_entry members[2];
	static int ready;
	const uint8_t *frames[S_MAX_FRAMES];
	size_t lens[S_MAX_FRAMES], n = 0, pos = 0, i;
	struct zap_reply reply;

	fuzz_sodium_init();
	if (!ready) {
		memset(members[0].curve, 0x11, 32);
		strcpy(members[0].id, "co-a");
		memset(members[1].curve, 0x22, 32);
		strcpy(members[1].id, "co-b");
		ready = 1;
	}
	while (pos < size && n < S_MAX_FRAMES) {
		size_t len = data[pos++];
		if (len > size - pos)
			len = size - pos;
		frames[n] = data + pos;
		lens[n++] = len;
		pos += len;
	}
	zap_decide(members, 2, frames, lens, n, &reply);
	if (memchr(reply.status, '\0', sizeof(reply.status)) == NULL ||
	    memchr(reply.text, '\0', sizeof(reply.text)) == NULL ||
	    memchr(reply.user_id, '\0', sizeof(reply.user_id)) == NULL)
		abort();
	if (strcmp(reply.status, "200") == 0) {
		if (n != 7 || lens[6] != 32 || lens[2] != strlen(ZAP_DOMAIN) ||
		    memcmp(frames[2], ZAP_DOMAIN, lens[2]) != 0)
			abort();
		for (i = 0; i < 2; i++)
			if (memcmp(frames[6], members[i].curve, 32) == 0)
				break;
		if (i == 2 || strcmp(reply.user_id, members[i].id) != 0)
			abort();
	} else if (strcmp(reply.status, "400") != 0 && strcmp(reply.status, "500") != 0) {
		abort();
	} else if (reply.user_id[0] != '\0') {
		abort(); /* a refusal names nobody */
	}
	return 0;
}
