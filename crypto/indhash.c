#include "indhash.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "putbuf.h"

static const char s_included[] = "symbiod-indicator-included-v1";
static const char s_confirm[] = "symbiod-indicator-confirm-v1";
static const char s_share[] = "symbiod-indicator-share-v1";

uint32_t
indhash_threshold(uint32_t n)
{
	return (uint32_t)((2ull * n) / 3u + 1u);
}

static void
s_ids(struct putbuf *b, const char *const *ids, size_t n)
{
	size_t i;

	putbuf_u32(b, (uint32_t)n);
	for (i = 0; i < n; i++) {
		size_t len = strlen(ids[i]);
		if (len == 0 || len > 64)
			putbuf_fail(b, SYM_ERR_RANGE);
		putbuf_string8(b, ids[i], len);
	}
}

int
indhash_included(const uint8_t park_id[32], const uint8_t round_id[16], uint32_t threshold,
                 const char *const *subs, size_t nsubs, const char *const *incl, size_t nincl,
                 uint8_t out[32])
{
	struct putbuf b;
	uint8_t *bytes = NULL;
	size_t len = 0;
	int r;

	putbuf_init_heap(&b, 1u << 20);
	putbuf_bytes(&b, s_included, sizeof(s_included)); /* with its NUL */
	putbuf_bytes(&b, park_id, 32);
	putbuf_bytes(&b, round_id, 16);
	putbuf_u32(&b, threshold);
	s_ids(&b, subs, nsubs);
	s_ids(&b, incl, nincl);
	if ((r = putbuf_finish(&b, &bytes, &len)) != SYM_OK)
		return r;
	crypto_hash_sha256(out, bytes, len);
	free(bytes);
	return SYM_OK;
}

void
indhash_confirm_bytes(const uint8_t park_id[32], const uint8_t round_id[16],
                      const uint8_t included_hash[32], uint8_t out[INDHASH_CONFIRM_LEN])
{
	memcpy(out, s_confirm, sizeof(s_confirm));
	memcpy(out + sizeof(s_confirm), park_id, 32);
	memcpy(out + sizeof(s_confirm) + 32, round_id, 16);
	memcpy(out + sizeof(s_confirm) + 48, included_hash, 32);
}

int
indhash_share_ad(const uint8_t round_id[16], const char *sender, const char *recipient,
                 uint8_t ad[INDHASH_SHARE_AD_MAX])
{
	struct putbuf b;
	size_t len = 0;
	int r;

	putbuf_init_fixed(&b, ad, INDHASH_SHARE_AD_MAX);
	putbuf_bytes(&b, round_id, 16);
	putbuf_bytes(&b, s_share, sizeof(s_share));
	putbuf_string8(&b, sender, strlen(sender));
	putbuf_string8(&b, recipient, strlen(recipient));
	if ((r = putbuf_done(&b, &len)) != SYM_OK)
		return r;
	return (int)len;
}
