/*
 * The member record without X.509: what a park member is (company id,
 * display name, three public keys), the syntax of its fields, and the
 * "binding" signature by which the identity key vouches for the member's
 * X25519 and CURVE keys. cert.h carries records in certificates; this file
 * needs no OpenSSL, so a directory, a store or an auditor can check and
 * order records without it.
 *
 * Binding signature message (Ed25519 by the identity key):
 *   "symbiod-member-keys-v1\0" || u8 len(id) || id || u8 len(name) || name ||
 *   x25519 (32) || curve (32)
 * and for a member with a site (REACH.md) another context and the site after
 * the keys, so that a signature with a site never verifies without it:
 *   "symbiod-member-keys-v2\0" || ... || curve (32) || i32 lat || i32 lon
 * (hundredths of a degree, big-endian two's complement).
 * Member keys extension value (the certificate's OCTET STRING contents):
 *   "SYMK" || u8 version (1) || x25519 (32) || curve (32) || binding sig (64)
 *   "SYMK" || u8 version (2) || x25519 || curve || binding sig || i32 lat || i32 lon
 */
#ifndef SYMBI_MEMBER_H
#define SYMBI_MEMBER_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "site.h"

#define MEMBER_ID_MAX 64
#define MEMBER_NAME_MAX 128
#define MEMBER_KEY_LEN 32
#define MEMBER_SIG_LEN 64
/* The longest binding message: context with its NUL, both lengths, id, name, two keys. */
#define MEMBER_BINDING_MAX                                                                         \
	(sizeof("symbiod-member-keys-v1") + 1 + MEMBER_ID_MAX + 1 + MEMBER_NAME_MAX +              \
	 2 * MEMBER_KEY_LEN + 8)
#define MEMBER_EXT_LEN (4 + 1 + 2 * MEMBER_KEY_LEN + MEMBER_SIG_LEN)
#define MEMBER_EXT_SITE_LEN (MEMBER_EXT_LEN + 8) /* version 2: with the site */

struct member_record {
	char id[MEMBER_ID_MAX + 1];
	char name[MEMBER_NAME_MAX + 1];
	uint8_t ed25519[32];
	uint8_t x25519[32];
	uint8_t curve[32];
	uint8_t binding_sig[64];
	uint8_t fingerprint[32]; /* SHA-256 of the certificate DER (zero for a CSR) */
	struct site site;        /* bound by binding_sig when set */
};

/* Company ids: 1..64 bytes of [a-z0-9-], starting with a letter or digit. */
int member_id_valid(const char *id);
/* Display names: 1..128 bytes of printable UTF-8 without control characters. */
int member_name_valid(const char *name);

/*
 * Both strings of a record end inside their arrays and are valid: check
 * this before reading a record from anywhere but the functions below.
 */
int member_record_valid(const struct member_record *rec);

/*
 * qsort comparator over an array of `const struct member_record *`: id
 * order, which (ids being ASCII) is the memcmp order of the directory hash.
 */
int member_record_cmp_id(const void *a, const void *b);

/*
 * The binding message for id, name, the two keys and the site (NULL or unset:
 * none, the version 1 message); id, name and site must be valid
 * (SYM_ERR_INVALID otherwise). *len receives its length.
 */
int member_binding_message(const char *id, const char *name, const uint8_t x25519[32],
                           const uint8_t curve[32], const struct site *site,
                           uint8_t out[MEMBER_BINDING_MAX], size_t *len)
    __attribute__((warn_unused_result));

/* Sign the binding message with the identity key (libsodium's 64-byte secret key). */
int member_binding_sign(const uint8_t identity_sk[64], const char *id, const char *name,
                        const uint8_t x25519[32], const uint8_t curve[32], const struct site *site,
                        uint8_t sig[64]) __attribute__((warn_unused_result));

/*
 * Check rec->binding_sig by rec->ed25519 over rec's id, name and keys; when
 * it fails because the identity key is no valid Ed25519 point, that is what
 * the message says (SYM_ERR_WEAK_KEY).
 */
int member_binding_verify(const struct member_record *rec, struct sym_diag *diag)
    __attribute__((warn_unused_result));

/*
 * All three keys of rec are keys an honest member can have
 * (keys_public_check): a low-order or otherwise invalid X25519, CURVE or
 * Ed25519 key is SYM_ERR_WEAK_KEY, the message naming the member and the key.
 * Keys are checked where they enter: a CSR (cert_csr_verify) and a
 * certificate (cert_verifier_member, so every directory a client verifies).
 */
int member_keys_valid(const struct member_record *rec, struct sym_diag *diag)
    __attribute__((warn_unused_result));

/*
 * The member keys extension value: version 1 without a site (NULL or
 * unset), version 2 with one. *len receives MEMBER_EXT_LEN or
 * MEMBER_EXT_SITE_LEN.
 */
int member_ext_encode(const uint8_t x25519[32], const uint8_t curve[32], const uint8_t sig[64],
                      const struct site *site, uint8_t out[MEMBER_EXT_SITE_LEN], size_t *len)
    __attribute__((warn_unused_result));
/*
 * Check an extension value (length, magic, version, a site in range) and
 * copy its keys, signature and site into rec.
 */
int member_ext_decode(const uint8_t *value, size_t len, struct member_record *rec,
                      struct sym_diag *diag) __attribute__((warn_unused_result));

/*
 * The id and name a certificate's subject gave rec, checked; the diagnostic
 * never echoes an invalid value (it may hold control characters).
 */
int member_subject_check(const struct member_record *rec, struct sym_diag *diag)
    __attribute__((warn_unused_result));

#endif
