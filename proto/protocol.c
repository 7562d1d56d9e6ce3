#include "protocol.h"

#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "putbuf.h"
#include "wire.h"

int
protocol_announcement_signed_bytes(const Symbiod__RoundAnnouncement *a, uint8_t **out,
                                   size_t *out_len)
{
	static const char domain[] = "symbiod-round-v1";
	Symbiod__RoundAnnouncement copy = *a;
	uint8_t *packed = NULL;
	size_t packed_len = 0;
	struct putbuf b;
	int r;

	/* The signature field is part of the message; it is signed empty. */
	copy.signature.data = NULL;
	copy.signature.len = 0;
	if ((r = wire_pack(&copy.base, &packed, &packed_len)) != SYM_OK)
		return r;
	putbuf_init_heap(&b, sizeof(domain) + WIRE_MAX_MESSAGE);
	putbuf_bytes(&b, domain, sizeof(domain)); /* with its NUL */
	putbuf_bytes(&b, packed, packed_len);
	free(packed);
	return putbuf_finish(&b, out, out_len);
}

int
protocol_announcement_sign(Symbiod__RoundAnnouncement *a, const uint8_t sk[64], uint8_t sig_out[64])
{
	uint8_t *msg = NULL;
	size_t len = 0;
	int r;

	if ((r = protocol_announcement_signed_bytes(a, &msg, &len)) != SYM_OK)
		return r;
	crypto_sign_detached(sig_out, NULL, msg, len, sk);
	free(msg);
	a->signature.data = sig_out;
	a->signature.len = 64;
	return SYM_OK;
}

int
protocol_announcement_verify(const Symbiod__RoundAnnouncement *a, const uint8_t pk[32])
{
	uint8_t *msg = NULL;
	size_t len = 0;
	int r;

	if (a->signature.len != 64 || a->round_id.len != 16 || a->directory_hash.len != 32 ||
	    a->taxonomy_hash.len != 32 || a->padding == NULL)
		return SYM_ERR_FORMAT;
	if ((r = protocol_announcement_signed_bytes(a, &msg, &len)) != SYM_OK)
		return r;
	r = crypto_sign_verify_detached(a->signature.data, msg, len, pk) == 0 ? SYM_OK
	                                                                      : SYM_ERR_VERIFY;
	free(msg);
	return r;
}

int
protocol_record_site_equal(const struct member_record *rec, const Symbiod__MemberRecord *m)
{
	if (!rec->site.set)
		return !m->has_site_lat && !m->has_site_lon;
	return m->has_site_lat && m->has_site_lon && m->site_lat == rec->site.lat &&
	       m->site_lon == rec->site.lon;
}

uint64_t
protocol_announcement_reach_m(const Symbiod__RoundAnnouncement *a)
{
	return a->has_max_reach_m ? a->max_reach_m : SITE_REACH_UNLIMITED;
}

uint32_t
protocol_announcement_token_encoding(const Symbiod__RoundAnnouncement *a)
{
	return a->has_token_encoding ? a->token_encoding : 1u;
}
