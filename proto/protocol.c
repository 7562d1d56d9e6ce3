#include "protocol.h"

#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "putbuf.h"
#include "wire.h"

static void
s_u32(uint8_t out[4], uint32_t v)
{
	out[0] = (uint8_t)(v >> 24);
	out[1] = (uint8_t)(v >> 16);
	out[2] = (uint8_t)(v >> 8);
	out[3] = (uint8_t)v;
}

static void
s_hash_id(crypto_hash_sha256_state *st, const char *id)
{
	uint8_t len = (uint8_t)strlen(id);

	crypto_hash_sha256_update(st, &len, 1);
	crypto_hash_sha256_update(st, (const uint8_t *)id, len);
}

void
protocol_directory_hash(const struct member_record *const *recs, size_t n, uint8_t out[32])
{
	static const char domain[] = "symbiod-directory-v1";
	crypto_hash_sha256_state st;
	uint8_t count[4];
	size_t i;

	s_u32(count, (uint32_t)n);
	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const uint8_t *)domain, sizeof(domain)); /* with NUL */
	crypto_hash_sha256_update(&st, count, sizeof(count));
	for (i = 0; i < n; i++) {
		s_hash_id(&st, recs[i]->id);
		crypto_hash_sha256_update(&st, recs[i]->fingerprint, 32);
	}
	crypto_hash_sha256_final(&st, out);
}

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
protocol_batch_digest(const char *counterpart, const uint8_t *offers, size_t offers_len,
                      const uint8_t *needs, size_t needs_len, uint8_t out[32])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	uint8_t len = (uint8_t)strlen(counterpart), n[4];
	unsigned int outl = 0;
	int ok;

	/*
	 * OpenSSL's SHA-256 uses the CPU's SHA extensions: several times faster
	 * than a portable one on the megabytes a submission carries.
	 */
	if (ctx == NULL)
		return SYM_ERR_ALLOC;
	ok = EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1 &&
	     EVP_DigestUpdate(ctx, &len, 1) == 1 && EVP_DigestUpdate(ctx, counterpart, len) == 1;
	s_u32(n, (uint32_t)(offers_len / 8));
	ok = ok && EVP_DigestUpdate(ctx, n, 4) == 1 &&
	     (offers_len == 0 || EVP_DigestUpdate(ctx, offers, offers_len) == 1);
	s_u32(n, (uint32_t)(needs_len / 8));
	ok = ok && EVP_DigestUpdate(ctx, n, 4) == 1 &&
	     (needs_len == 0 || EVP_DigestUpdate(ctx, needs, needs_len) == 1) &&
	     EVP_DigestFinal_ex(ctx, out, &outl) == 1 && outl == 32;
	EVP_MD_CTX_free(ctx);
	return ok ? SYM_OK : SYM_ERR_CRYPTO;
}

void
protocol_commitment(const uint8_t round_id[16], const uint8_t submission_id[16],
                    const uint8_t (*digests)[32], size_t n, uint8_t out[32])
{
	static const char domain[] = "symbiod-submission-v1";
	crypto_hash_sha256_state st;
	uint8_t count[4];

	s_u32(count, (uint32_t)n);
	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const uint8_t *)domain, sizeof(domain));
	crypto_hash_sha256_update(&st, round_id, 16);
	crypto_hash_sha256_update(&st, submission_id, 16);
	crypto_hash_sha256_update(&st, count, 4);
	if (n > 0)
		crypto_hash_sha256_update(&st, digests[0], 32 * n);
	crypto_hash_sha256_final(&st, out);
}

void
protocol_candidate_id(const uint8_t round_id[16], const char *supplier, const char *consumer,
                      const uint8_t token[8], uint8_t out[16])
{
	crypto_generichash_state st;
	uint8_t len;

	crypto_generichash_init(&st, NULL, 0, 16);
	crypto_generichash_update(&st, round_id, 16);
	len = (uint8_t)strlen(supplier);
	crypto_generichash_update(&st, &len, 1);
	crypto_generichash_update(&st, (const uint8_t *)supplier, len);
	len = (uint8_t)strlen(consumer);
	crypto_generichash_update(&st, &len, 1);
	crypto_generichash_update(&st, (const uint8_t *)consumer, len);
	crypto_generichash_update(&st, token, 8);
	crypto_generichash_final(&st, out, 16);
}

void
protocol_hits_hash(const uint8_t round_id[16], const char *supplier, const char *consumer,
                   const uint8_t *hits, size_t n_hits, uint8_t out[32])
{
	crypto_hash_sha256_state st;

	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, round_id, 16);
	s_hash_id(&st, supplier);
	s_hash_id(&st, consumer);
	crypto_hash_sha256_update(&st, hits, n_hits * 8);
	crypto_hash_sha256_final(&st, out);
}

int
protocol_tokens_valid(const uint8_t *buf, size_t len, size_t max_tokens)
{
	size_t i;

	if (len % 8 != 0 || len / 8 > max_tokens)
		return 0;
	/* Byte order is big-endian on the wire, so memcmp order is numeric order. */
	for (i = 8; i < len; i += 8)
		if (memcmp(buf + i - 8, buf + i, 8) >= 0)
			return 0;
	return 1;
}
