#include "sig.h"

#include <sodium.h>

#include "err.h"

_Static_assert(crypto_sign_BYTES == SIG_LEN, "signature size");
_Static_assert(crypto_sign_PUBLICKEYBYTES == SIG_PUBLIC_LEN, "public key size");
_Static_assert(crypto_sign_SECRETKEYBYTES == SIG_SECRET_LEN, "secret key size");

/* Never hand libsodium a NULL message pointer, even for an empty message. */
static const uint8_t s_empty[1];

int
sig_sign(const uint8_t sk[SIG_SECRET_LEN], const uint8_t *msg, size_t len, uint8_t sig[SIG_LEN])
{
	if (sk == NULL || sig == NULL || (msg == NULL && len != 0))
		return SYM_ERR_INVALID;
	if (crypto_sign_detached(sig, NULL, msg != NULL ? msg : s_empty, len, sk) != 0) {
		sodium_memzero(sig, SIG_LEN);
		return SYM_ERR_CRYPTO;
	}
	return SYM_OK;
}

int
sig_verify(const uint8_t pk[SIG_PUBLIC_LEN], const uint8_t *msg, size_t len,
           const uint8_t sig[SIG_LEN])
{
	/* Every refusal is SYM_ERR_VERIFY: a caller testing `!= 0` cannot take one for success. */
	if (pk == NULL || sig == NULL || (msg == NULL && len != 0))
		return SYM_ERR_VERIFY;
	if (crypto_sign_verify_detached(sig, msg != NULL ? msg : s_empty, len, pk) != 0)
		return SYM_ERR_VERIFY;
	return SYM_OK;
}
