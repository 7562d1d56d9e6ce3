/*
 * Shamir t-of-n secret sharing over the ristretto255 scalar field (the prime
 * order L = 2^252 + 27742317777372353535851937790883648493), with libsodium's
 * crypto_core_ristretto255_scalar_* arithmetic. The secret is a canonical
 * scalar (32 bytes, little-endian, below L); share k is f(k) for k = 1..n,
 * where f has degree t-1 and f(0) is the secret. Any t shares give the
 * secret back by Lagrange interpolation at 0; t-1 shares say nothing about
 * it. Secure aggregation (INDICATORS.md) shares each member's self-mask seed
 * this way; the share's x is the member's 1-based position among the round's
 * submitters in id order.
 */
#ifndef SYMBI_SHAMIR_H
#define SYMBI_SHAMIR_H

#include <stddef.h>
#include <stdint.h>

#define SHAMIR_SCALAR_LEN 32
#define SHAMIR_MAX_SHARES 4096

/* 1 when s is a canonical scalar (below L), 0 otherwise. */
int shamir_scalar_canonical(const uint8_t s[SHAMIR_SCALAR_LEN]);

/*
 * Split the canonical scalar `secret` into n shares (shares[k-1] = f(k)),
 * any t of which recover it; 1 <= t <= n <= SHAMIR_MAX_SHARES. The random
 * coefficients are wiped before return.
 */
int shamir_split(const uint8_t secret[SHAMIR_SCALAR_LEN], unsigned t, unsigned n,
                 uint8_t (*shares)[SHAMIR_SCALAR_LEN]) __attribute__((warn_unused_result));

/*
 * The Lagrange coefficients at 0 for the k distinct, non-zero points xs:
 * secret = sum coeffs[j] * f(xs[j]). Computed once for a set of answerers,
 * they recover every secret shared over the same points.
 */
int shamir_lagrange(const uint32_t *xs, size_t k, uint8_t (*coeffs)[SHAMIR_SCALAR_LEN])
    __attribute__((warn_unused_result));

/* sum coeffs[j] * ys[j]: the secret, given t shares and their coefficients. */
int shamir_combine(const uint8_t (*coeffs)[SHAMIR_SCALAR_LEN],
                   const uint8_t (*ys)[SHAMIR_SCALAR_LEN], size_t k,
                   uint8_t secret[SHAMIR_SCALAR_LEN]) __attribute__((warn_unused_result));

#endif
