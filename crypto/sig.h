/* Ed25519 signatures over exact bytes (RFC 8032, through libsodium). */
#ifndef SYMBI_SIG_H
#define SYMBI_SIG_H

#include <stddef.h>
#include <stdint.h>

#define SIG_LEN 64
#define SIG_PUBLIC_LEN 32
#define SIG_SECRET_LEN 64 /* libsodium form: seed || public key */

int sig_sign(const uint8_t sk[SIG_SECRET_LEN], const uint8_t *msg, size_t len,
             uint8_t sig[SIG_LEN]);

/* 0 when sig is a valid signature of exactly msg[0..len) under pk, else SYM_ERR_VERIFY. */
int sig_verify(const uint8_t pk[SIG_PUBLIC_LEN], const uint8_t *msg, size_t len,
               const uint8_t sig[SIG_LEN]) __attribute__((warn_unused_result));

#endif
