/*
 * Long-term key pairs and their on-disk text form.
 *
 * A secret key file is one line:  "symbiod-<kind>-secret-v1 <base64>\n"
 * A public key file is one line:  "symbiod-<kind>-public-v1 <base64>\n"
 * Kinds: "ed25519" (identity/signing; secret = 64-byte libsodium form),
 * "x25519" (agreement), "curve" (ZeroMQ CURVE, also X25519). Key pairs live in
 * sodium_malloc memory; keys_free wipes them. No file I/O here: callers read
 * and write files (util_read_secret_file checks permissions).
 */
#ifndef SYMBI_KEYS_H
#define SYMBI_KEYS_H

#include <stddef.h>
#include <stdint.h>

enum key_kind { KEY_ED25519 = 1, KEY_X25519 = 2, KEY_CURVE = 3 };

#define KEY_PUBLIC_LEN 32
#define KEY_SECRET_MAX 64
/* Longest encoded key line, including the newline and NUL. */
#define KEY_TEXT_MAX 160

struct keypair {
	enum key_kind kind;
	uint8_t pk[KEY_PUBLIC_LEN];
	uint8_t sk[KEY_SECRET_MAX]; /* 64 bytes for ed25519, 32 otherwise */
};

/* A fresh key pair of the given kind in sodium_malloc memory; NULL on failure. */
struct keypair *keys_generate(enum key_kind kind);

/* Wipe and free; accepts NULL and nulls the caller's pointer. */
void keys_free(struct keypair **kp);

/* Length of the secret key for a kind (64 or 32), or 0 for an unknown kind. */
size_t keys_secret_len(enum key_kind kind);

/* Encode the secret (with public derivable) or public half as a text line. */
int keys_encode_secret(const struct keypair *kp, char out[KEY_TEXT_MAX]);
int keys_encode_public(enum key_kind kind, const uint8_t pk[KEY_PUBLIC_LEN],
                       char out[KEY_TEXT_MAX]);

/*
 * Parse a secret key line of the expected kind into a new key pair,
 * recomputing the public key; SYM_ERR_FORMAT on any deviation.
 */
int keys_decode_secret(const char *text, size_t len, enum key_kind kind, struct keypair **out)
    __attribute__((warn_unused_result));
int keys_decode_public(const char *text, size_t len, enum key_kind kind, uint8_t pk[KEY_PUBLIC_LEN])
    __attribute__((warn_unused_result));

/*
 * Could an honest holder have this public key? A low-order key would make
 * every key agreement with it (or a signature by it) predictable.
 * Ed25519: crypto_core_ed25519_is_valid_point (canonical, not of small
 * order, in the prime-order subgroup). X25519 and CURVE (ZeroMQ CURVE is
 * X25519 too): u < p, not one of the low-order points libsodium's
 * crypto_scalarmult refuses, and on the curve rather than its twist.
 * SYM_OK, or SYM_ERR_WEAK_KEY with *why (if not NULL) a static phrase such
 * as "is a low-order point".
 */
int keys_public_check(enum key_kind kind, const uint8_t pk[KEY_PUBLIC_LEN], const char **why)
    __attribute__((warn_unused_result));

#endif
