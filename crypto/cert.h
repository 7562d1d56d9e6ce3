/*
 * X.509 enrolment with OpenSSL 3: the park CA (self-signed, Ed25519), a
 * company's certificate signing request over its Ed25519 identity key, and
 * the certificate the CA issues. A certificate *is* the member record: the
 * subject CN is the company id, O the display name, and a private extension
 * (OID SYMBI_MEMBER_KEYS_OID, non-critical) carries the company's X25519 and
 * CURVE public keys with an Ed25519 "binding" signature over them by the
 * identity key. Both sides verify with OpenSSL (chain, signature, validity,
 * key usage) and then check the binding signature.
 *
 * The record, its field syntax, the binding signature and the extension's
 * value are member.h's (no OpenSSL); this header is the X.509 side.
 */
#ifndef SYMBI_CERT_H
#define SYMBI_CERT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "err.h"
#include "keys.h"
#include "member.h"

/* A UUID-derived OID (ITU-T X.667), needing no registration. */
#define SYMBI_MEMBER_KEYS_OID "2.25.198352119785364312271338016384137710601"
#define CERT_PEM_MAX (16u << 10)

/*
 * A self-signed CA certificate for the park (CN = "<park name> CA"), valid
 * for `days`, basicConstraints CA:TRUE (critical), keyUsage keyCertSign|cRLSign.
 * *pem_out is a NUL-terminated heap string (free()).
 */
int cert_ca_create(const char *park_name, const struct keypair *ca_key, int days, char **pem_out)
    __attribute__((warn_unused_result));

/*
 * A CSR for company `id`/`name`, self-signed by the identity key, carrying
 * the extension; site NULL or unset: none (extension version 1).
 */
int cert_csr_create(const struct keypair *identity, const char *id, const char *name,
                    const uint8_t x25519[32], const uint8_t curve[32], const struct site *site,
                    char **pem_out) __attribute__((warn_unused_result));

/*
 * Verify a CSR (PEM): its self-signature, that the key is Ed25519, the id and
 * name syntax, the extension and its binding signature. Fills *out.
 */
int cert_csr_verify(const char *pem, size_t len, struct member_record *out, struct sym_diag *diag)
    __attribute__((warn_unused_result));

/*
 * Issue a certificate for a verified CSR: signed by the CA key, serial
 * `serial` (> 0), valid for `days`, basicConstraints CA:FALSE, keyUsage
 * digitalSignature, the member-keys extension copied. *pem_out as above.
 */
int cert_issue(const char *ca_pem, const struct keypair *ca_key, const char *csr_pem,
               size_t csr_len, uint64_t serial, int days, char **pem_out, struct sym_diag *diag)
    __attribute__((warn_unused_result));

/*
 * Verify a member certificate (PEM or DER, told apart by content) against the
 * park CA (PEM) with X509_verify_cert, then the extension and binding
 * signature; fills *out including the fingerprint.
 */
int cert_verify_member(const char *ca_pem, const uint8_t *cert, size_t len,
                       struct member_record *out, struct sym_diag *diag)
    __attribute__((warn_unused_result));

/*
 * The same checks for many certificates against one CA: the CA is parsed and
 * checked once. cert_verify_member is new + member + free.
 */
struct cert_verifier;
int cert_verifier_new(const char *ca_pem, struct cert_verifier **out, struct sym_diag *diag)
    __attribute__((warn_unused_result));
int cert_verifier_member(struct cert_verifier *v, const uint8_t *cert, size_t len,
                         struct member_record *out, struct sym_diag *diag)
    __attribute__((warn_unused_result));
/*
 * cert_verifier_member, and until when its answer holds (*until, Unix
 * seconds): the earlier notAfter of the certificate and the CA. What a
 * cache may remember and for how long (client/certcache.c).
 */
int cert_verifier_member_until(struct cert_verifier *v, const uint8_t *cert, size_t len,
                               struct member_record *out, int64_t *until, struct sym_diag *diag)
    __attribute__((warn_unused_result));
/* Check validity periods at `at` instead of now (an auditor replaying an old log). */
void cert_verifier_set_time(struct cert_verifier *v, time_t at);
void cert_verifier_free(struct cert_verifier **v);

/* The DER form of a PEM certificate (*der_out malloc'd). */
int cert_pem_to_der(const char *pem, size_t len, uint8_t **der_out, size_t *der_len)
    __attribute__((warn_unused_result));

/*
 * The park's identity: SHA-256 of its CA certificate's DER form. Pair keys and
 * signed requests are bound to it (protocol 1.1).
 */
int cert_park_id(const char *ca_pem, uint8_t out[32]) __attribute__((warn_unused_result));

/*
 * The bytes those two hash, without parsing them: a certificate's DER
 * (*der_out malloc'd; DER given as DER stays as it is) and the park id of a
 * CA. For a client that parses the CA wherever it verifies anything and
 * binds its caches to this id: a CA that does not parse gives an id no cache
 * knows, and the full check that follows refuses it.
 */
int cert_der_bytes(const uint8_t *cert, size_t len, uint8_t **der_out, size_t *der_len)
    __attribute__((warn_unused_result));
int cert_park_id_unparsed(const char *ca_pem, uint8_t out[32]) __attribute__((warn_unused_result));

/* The Ed25519 public key of a CA certificate (PEM), e.g. to show its fingerprint. */
int cert_ca_public_key(const char *ca_pem, uint8_t pk[32]) __attribute__((warn_unused_result));

#endif
