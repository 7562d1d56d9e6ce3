/*
 * Sealed envelopes: XChaCha20-Poly1305 (IETF) with associated data.
 * Wire form: nonce (24) || ciphertext || tag (16). The associated data binds
 * an envelope to its round, candidate, sender and receiver (envelope_ad).
 */
#ifndef SYMBI_ENVELOPE_H
#define SYMBI_ENVELOPE_H

#include <stddef.h>
#include <stdint.h>

#define ENVELOPE_KEY_LEN 32
#define ENVELOPE_NONCE_LEN 24
#define ENVELOPE_TAG_LEN 16
#define ENVELOPE_OVERHEAD (ENVELOPE_NONCE_LEN + ENVELOPE_TAG_LEN)
#define ENVELOPE_AD_MAX 256

/*
 * Build the associated data round_id || candidate_id || len(sender) || sender
 * || len(receiver) || receiver. Ids are 1..64 bytes. Returns the length
 * written into ad (ENVELOPE_AD_MAX bytes), or a negative error.
 */
int envelope_ad(const uint8_t round_id[16], const uint8_t candidate_id[16], const char *sender,
                const char *receiver, uint8_t ad[ENVELOPE_AD_MAX]);

/* Seal msg into out (msg_len + ENVELOPE_OVERHEAD bytes) with a random nonce. */
int envelope_seal(const uint8_t key[ENVELOPE_KEY_LEN], const uint8_t *ad, size_t ad_len,
                  const uint8_t *msg, size_t msg_len, uint8_t *out);

/* Open an envelope into out (env_len - ENVELOPE_OVERHEAD bytes); SYM_ERR_VERIFY if forged. */
int envelope_open(const uint8_t key[ENVELOPE_KEY_LEN], const uint8_t *ad, size_t ad_len,
                  const uint8_t *env, size_t env_len, uint8_t *out)
    __attribute__((warn_unused_result));

#endif
