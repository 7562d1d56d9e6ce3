#include "hardtoken.h"

#include <sodium.h>
#include <string.h>

#include "err.h"
#include "putbuf.h"

static const char s_key_domain[] = "symbiod-hardened-key-v1";
static const char s_query_domain[] = "symbiod-hardened-query-v1";
static const char s_answer_domain[] = "symbiod-hardened-answer-v1";

int
hardtoken_pair(const uint8_t out_f[VOPRF_OUTPUT_LEN], const uint8_t round[16], const char *i,
               const char *j, uint8_t token[HARDTOKEN_LEN])
{
	crypto_generichash_state st;
	uint8_t h[32], li, lj;
	size_t ni = strlen(i), nj = strlen(j);

	if (ni == 0 || ni > 255 || nj == 0 || nj > 255)
		return SYM_ERR_RANGE;
	li = (uint8_t)ni;
	lj = (uint8_t)nj;
	if (crypto_generichash_init(&st, out_f, VOPRF_OUTPUT_LEN, sizeof(h)) != 0)
		return SYM_ERR_CRYPTO;
	crypto_generichash_update(&st, (const uint8_t *)HARDTOKEN_CONTEXT,
	                          sizeof(HARDTOKEN_CONTEXT) - 1);
	crypto_generichash_update(&st, round, 16);
	crypto_generichash_update(&st, &li, 1);
	crypto_generichash_update(&st, (const uint8_t *)i, ni);
	crypto_generichash_update(&st, &lj, 1);
	crypto_generichash_update(&st, (const uint8_t *)j, nj);
	crypto_generichash_final(&st, h, sizeof(h));
	memcpy(token, h, HARDTOKEN_LEN);
	sodium_memzero(&st, sizeof(st));
	sodium_memzero(h, sizeof(h));
	return SYM_OK;
}

int
hardtoken_outputs(const uint8_t sk[VOPRF_SCALAR_LEN], const uint8_t *blocks, size_t n,
                  uint8_t *outputs)
{
	size_t k;
	int r;

	for (k = 0; k < n; k++)
		if ((r = voprf_evaluate(VOPRF_MODE_VOPRF, sk, blocks + k * HARDTOKEN_BLOCK_LEN,
		                        HARDTOKEN_BLOCK_LEN, outputs + k * VOPRF_OUTPUT_LEN)) !=
		    SYM_OK) {
			sodium_memzero(outputs, n * VOPRF_OUTPUT_LEN);
			return r;
		}
	return SYM_OK;
}

int
hardtoken_tokens(const uint8_t *outputs, size_t n, const uint8_t round[16], const char *i,
                 const char *j, uint8_t *tokens)
{
	size_t k;
	int r;

	for (k = 0; k < n; k++)
		if ((r = hardtoken_pair(outputs + k * VOPRF_OUTPUT_LEN, round, i, j,
		                        tokens + k * HARDTOKEN_LEN)) != SYM_OK)
			return r;
	return SYM_OK;
}

/* domain with its NUL || park id || round: every statement's head. */
static void
s_head(struct putbuf *b, const char *domain, size_t dlen, const uint8_t park_id[32],
       const uint8_t round[16])
{
	putbuf_bytes(b, domain, dlen);
	putbuf_bytes(b, park_id, 32);
	putbuf_bytes(b, round, 16);
}

int
hardtoken_key_statement(const uint8_t park_id[32], const uint8_t round[16], const char *member,
                        const uint8_t pk[VOPRF_ELEMENT_LEN], uint8_t *out, size_t *len)
{
	struct putbuf b;

	putbuf_init_fixed(&b, out, HARDTOKEN_STATEMENT_MAX);
	s_head(&b, s_key_domain, sizeof(s_key_domain), park_id, round);
	putbuf_string8(&b, member, strlen(member));
	putbuf_bytes(&b, pk, VOPRF_ELEMENT_LEN);
	return putbuf_done(&b, len);
}

int
hardtoken_query_statement(const uint8_t park_id[32], const uint8_t round[16], const char *querier,
                          uint32_t m, const uint8_t digest[32], uint8_t *out, size_t *len)
{
	struct putbuf b;

	putbuf_init_fixed(&b, out, HARDTOKEN_STATEMENT_MAX);
	s_head(&b, s_query_domain, sizeof(s_query_domain), park_id, round);
	putbuf_string8(&b, querier, strlen(querier));
	putbuf_u32(&b, m);
	putbuf_bytes(&b, digest, 32);
	return putbuf_done(&b, len);
}

int
hardtoken_answer_statement(const uint8_t park_id[32], const uint8_t round[16], const char *answerer,
                           const char *querier, const uint8_t query_digest[32], uint32_t m,
                           const uint8_t digest[32], const uint8_t proof[VOPRF_PROOF_LEN],
                           uint8_t *out, size_t *len)
{
	struct putbuf b;

	putbuf_init_fixed(&b, out, HARDTOKEN_STATEMENT_MAX);
	s_head(&b, s_answer_domain, sizeof(s_answer_domain), park_id, round);
	putbuf_string8(&b, answerer, strlen(answerer));
	putbuf_string8(&b, querier, strlen(querier));
	putbuf_bytes(&b, query_digest, 32);
	putbuf_u32(&b, m);
	putbuf_bytes(&b, digest, 32);
	putbuf_bytes(&b, proof, VOPRF_PROOF_LEN);
	return putbuf_done(&b, len);
}

void
hardtoken_digest(const uint8_t *elements, size_t len, uint8_t digest[32])
{
	crypto_hash_sha256(digest, elements, len);
}
