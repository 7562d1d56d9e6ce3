#include "roundhash.h"

#include <openssl/evp.h>
#include <pthread.h>
#include <sodium.h>
#include <string.h>

#include "cert.h"
#include "err.h"

static void
s_u32(uint8_t out[4], uint32_t v)
{
	out[0] = (uint8_t)(v >> 24);
	out[1] = (uint8_t)(v >> 16);
	out[2] = (uint8_t)(v >> 8);
	out[3] = (uint8_t)v;
}

static void
s_sha256_id(crypto_hash_sha256_state *st, const char *id)
{
	uint8_t len = (uint8_t)strlen(id);

	crypto_hash_sha256_update(st, &len, 1);
	crypto_hash_sha256_update(st, (const uint8_t *)id, len);
}

static void
s_blake2b_id(crypto_generichash_state *st, const char *id)
{
	uint8_t len = (uint8_t)strlen(id);

	crypto_generichash_update(st, &len, 1);
	crypto_generichash_update(st, (const uint8_t *)id, len);
}

/*
 * Reach: the sites, after the n entries, only when some member has one, so
 * that a directory without sites keeps the hash it had before sites existed:
 * u32 m || for each member with a site, in id order: id || i32 lat || i32 lon.
 * The certificate fingerprint binds the site already; listing it here lets
 * a reader of the hash see the distances every party uses without X.509.
 */
static void
s_directory_sites(crypto_hash_sha256_state *st, const struct member_record *const *recs, size_t n)
{
	uint8_t buf[4];
	size_t i, m = 0;

	for (i = 0; i < n; i++)
		m += recs[i]->site.set != 0;
	if (m == 0)
		return;
	s_u32(buf, (uint32_t)m);
	crypto_hash_sha256_update(st, buf, 4);
	for (i = 0; i < n; i++) {
		if (!recs[i]->site.set)
			continue;
		s_sha256_id(st, recs[i]->id);
		s_u32(buf, (uint32_t)recs[i]->site.lat);
		crypto_hash_sha256_update(st, buf, 4);
		s_u32(buf, (uint32_t)recs[i]->site.lon);
		crypto_hash_sha256_update(st, buf, 4);
	}
}

void
roundhash_directory(const struct member_record *const *recs, size_t n, uint8_t out[32])
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
		s_sha256_id(&st, recs[i]->id);
		crypto_hash_sha256_update(&st, recs[i]->fingerprint, 32);
	}
	s_directory_sites(&st, recs, n);
	crypto_hash_sha256_final(&st, out);
}

/*
 * SHA-256 fetched once: OpenSSL 3 looks EVP_sha256() up (under a lock) on
 * every EVP_DigestInit_ex, which costs as much as hashing a few kilobytes,
 * and the coordinator digests a quarter of a million batches per round.
 */
static EVP_MD *s_sha256;
static pthread_once_t s_sha256_once = PTHREAD_ONCE_INIT;

static void
s_sha256_fetch(void)
{
	s_sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
}

static const EVP_MD *
s_sha256_md(void)
{
	(void)pthread_once(&s_sha256_once, s_sha256_fetch);
	return s_sha256 != NULL ? s_sha256 : EVP_sha256();
}

int
roundhash_payload(const uint8_t *p, size_t len, uint8_t out[32])
{
	unsigned int outl = 0;

	if (len < ROUNDHASH_PAYLOAD_SMALL) {
		crypto_hash_sha256(out, len ? p : (const uint8_t *)"", len);
		return SYM_OK;
	}
	if (EVP_Digest(p, len, out, &outl, s_sha256_md(), NULL) != 1 || outl != 32)
		return SYM_ERR_CRYPTO;
	return SYM_OK;
}

int
roundhash_batch_digest(const char *counterpart, const uint8_t *offers, size_t offers_len,
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
	ok = EVP_DigestInit_ex(ctx, s_sha256_md(), NULL) == 1 &&
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
roundhash_commitment(const uint8_t round_id[16], const uint8_t submission_id[16],
                     const uint8_t (*digests)[32], size_t n, uint8_t out[32])
{
	static const char domain[] = "symbiod-submission-v1";
	crypto_hash_sha256_state st;
	uint8_t count[4];

	s_u32(count, (uint32_t)n);
	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const uint8_t *)domain, sizeof(domain)); /* with NUL */
	crypto_hash_sha256_update(&st, round_id, 16);
	crypto_hash_sha256_update(&st, submission_id, 16);
	crypto_hash_sha256_update(&st, count, 4);
	if (n > 0)
		crypto_hash_sha256_update(&st, digests[0], 32 * n);
	crypto_hash_sha256_final(&st, out);
}

void
roundhash_chunk(const uint8_t submission_id[16], uint32_t index, const uint8_t (*digests)[32],
                size_t n, uint8_t out[32])
{
	static const char domain[] = "symbiod-chunk-v1";
	crypto_hash_sha256_state st;
	uint8_t u32[4];

	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const uint8_t *)domain, sizeof(domain)); /* with NUL */
	crypto_hash_sha256_update(&st, submission_id, 16);
	s_u32(u32, index);
	crypto_hash_sha256_update(&st, u32, 4);
	s_u32(u32, (uint32_t)n);
	crypto_hash_sha256_update(&st, u32, 4);
	if (n > 0)
		crypto_hash_sha256_update(&st, digests[0], 32 * n);
	crypto_hash_sha256_final(&st, out);
}

void
roundhash_candidate_id(const uint8_t round_id[16], const char *supplier, const char *consumer,
                       const uint8_t token[8], uint8_t out[16])
{
	crypto_generichash_state st;

	crypto_generichash_init(&st, NULL, 0, 16);
	crypto_generichash_update(&st, round_id, 16);
	s_blake2b_id(&st, supplier);
	s_blake2b_id(&st, consumer);
	crypto_generichash_update(&st, token, 8);
	crypto_generichash_final(&st, out, 16);
}

void
roundhash_hits(const uint8_t round_id[16], const char *supplier, const char *consumer,
               const uint8_t *hits, size_t n_hits, uint8_t out[32])
{
	crypto_hash_sha256_state st;

	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, round_id, 16);
	s_sha256_id(&st, supplier);
	s_sha256_id(&st, consumer);
	crypto_hash_sha256_update(&st, hits, n_hits * 8);
	crypto_hash_sha256_final(&st, out);
}
