#include "prf.h"

#include <openssl/evp.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "err.h"

/*
 * Blocks go through EVP in chunks of 8 KiB, so the ciphertext is still in L1
 * when it is truncated to tokens; one EVP call
 * per block would be about 15 times slower (STYLE.md).
 */
#define PRF_CHUNK_BLOCKS 512

struct prf_ctx {
	EVP_CIPHER_CTX *evp;
	EVP_CIPHER *aes;
	int bound; /* the cipher is set on evp; only keys change */
	uint8_t scratch[PRF_CHUNK_BLOCKS * TOKEN_BLOCK_LEN];
};

int
prf_new(struct prf_ctx **out)
{
	struct prf_ctx *ctx = calloc(1, sizeof(*ctx));

	*out = NULL;
	if (ctx == NULL)
		return SYM_ERR_ALLOC;
	ctx->evp = EVP_CIPHER_CTX_new();
	/* Fetch once: implicit fetching on every init costs a lock and a lookup. */
	ctx->aes = EVP_CIPHER_fetch(NULL, "AES-128-ECB", NULL);
	if (ctx->evp == NULL || ctx->aes == NULL) {
		prf_free(&ctx);
		return SYM_ERR_CRYPTO;
	}
	*out = ctx;
	return SYM_OK;
}

void
prf_free(struct prf_ctx **ctxp)
{
	struct prf_ctx *ctx;

	if (ctxp == NULL || *ctxp == NULL)
		return;
	ctx = *ctxp;
	EVP_CIPHER_CTX_free(ctx->evp); /* also wipes the key schedule */
	EVP_CIPHER_free(ctx->aes);
	sodium_memzero(ctx->scratch, sizeof(ctx->scratch));
	free(ctx);
	*ctxp = NULL;
}

static int
s_set_key(struct prf_ctx *ctx, const uint8_t key[PRF_KEY_LEN])
{
	/*
	 * The cipher is bound once; later calls only change the key, which skips
	 * the provider look-up and context rebuild (a real cost per counterpart).
	 */
	if (!ctx->bound) {
		if (EVP_EncryptInit_ex2(ctx->evp, ctx->aes, NULL, NULL, NULL) != 1 ||
		    EVP_CIPHER_CTX_set_padding(ctx->evp, 0) != 1)
			return SYM_ERR_CRYPTO;
		ctx->bound = 1;
	}
	if (EVP_EncryptInit_ex2(ctx->evp, NULL, key, NULL, NULL) != 1)
		return SYM_ERR_CRYPTO;
	return SYM_OK;
}

static int
s_ecb(struct prf_ctx *ctx, const uint8_t *in, uint8_t *out, size_t nblocks)
{
	/* EVP takes an unsigned int length: callers pass at most PRF_CHUNK_BLOCKS or split. */
	if (nblocks > (size_t)(INT32_MAX / TOKEN_BLOCK_LEN))
		return SYM_ERR_INVALID;
	/*
	 * EVP_Cipher goes straight to the provider's cipher function: without
	 * EVP_EncryptUpdate's buffering logic, which ECB over whole blocks never
	 * needs. For ECB without padding it returns 1 on success.
	 */
	if (EVP_Cipher(ctx->evp, out, in, (unsigned int)(nblocks * TOKEN_BLOCK_LEN)) <= 0)
		return SYM_ERR_CRYPTO;
	return SYM_OK;
}

/* Keep the first 8 bytes of each 16-byte ciphertext: the tokens. */
static void
s_truncate(const uint8_t *ct, size_t n, token_t *out)
{
	size_t k = 0;

#if defined(__SSE2__)
	/* Two ciphertexts in, one register of two tokens out. */
	for (; k + 2 <= n; k += 2) {
		__m128i a = _mm_loadu_si128((const __m128i *)(ct + k * TOKEN_BLOCK_LEN));
		__m128i b = _mm_loadu_si128((const __m128i *)(ct + (k + 1) * TOKEN_BLOCK_LEN));
		_mm_storeu_si128((__m128i *)&out[k], _mm_unpacklo_epi64(a, b));
	}
#endif
	for (; k < n; k++)
		memcpy(&out[k], ct + k * TOKEN_BLOCK_LEN, TOKEN_LEN);
}

int
prf_tokens(struct prf_ctx *ctx, const uint8_t key[PRF_KEY_LEN], const token_block_t *blocks,
           size_t n, token_t *tokens)
{
	size_t done = 0, chunk;
	int r;

	if (ctx == NULL || key == NULL || (n > 0 && (blocks == NULL || tokens == NULL)))
		return SYM_ERR_INVALID;
	if ((r = s_set_key(ctx, key)) != SYM_OK)
		goto out;
	while (done < n) {
		chunk = n - done < PRF_CHUNK_BLOCKS ? n - done : PRF_CHUNK_BLOCKS;
		if ((r = s_ecb(ctx, blocks[done].b, ctx->scratch, chunk)) != SYM_OK)
			goto out;
		s_truncate(ctx->scratch, chunk, &tokens[done]);
		done += chunk;
	}
	r = SYM_OK;
out:
	return r;
}

int
prf_aes_ecb(struct prf_ctx *ctx, const uint8_t key[PRF_KEY_LEN], const uint8_t *in, uint8_t *out,
            size_t nblocks)
{
	size_t done = 0, chunk;
	int r;

	if (ctx == NULL || key == NULL || (nblocks > 0 && (in == NULL || out == NULL)))
		return SYM_ERR_INVALID;
	if ((r = s_set_key(ctx, key)) != SYM_OK)
		return r;
	while (done < nblocks) {
		chunk = nblocks - done < (1u << 20) ? nblocks - done : (1u << 20);
		if ((r = s_ecb(ctx, in + done * TOKEN_BLOCK_LEN, out + done * TOKEN_BLOCK_LEN,
		               chunk)) != SYM_OK)
			return r;
		done += chunk;
	}
	return SYM_OK;
}
