/*
 * Internal to crypto/cert*.c: the OpenSSL glue that certificate creation
 * (cert.c) and verification (cert_verify.c) share. Not for other modules:
 * they use cert.h, and member.h for what needs no OpenSSL.
 *
 * Every function returns SYM_OK or a negative code and never leaves an
 * OpenSSL error on the queue for its caller to interpret; the public
 * functions of cert.h clear the queue before they return.
 */
#ifndef SYMBI_CERT_X509_H
#define SYMBI_CERT_X509_H

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stddef.h>
#include <stdint.h>

#include "cert.h"

#define PEM_LABEL_CERT "CERTIFICATE"
#define PEM_LABEL_CSR "CERTIFICATE REQUEST"

/* The member keys extension's OID (caller frees), or NULL. */
ASN1_OBJECT *cert_x509_member_oid(void);
/* The member keys extension (non-critical) for the keys, the site and their binding signature. */
int cert_x509_ext_create(const uint8_t x25519[32], const uint8_t curve[32], const uint8_t sig[64],
                         const struct site *site, X509_EXTENSION **out);
/* Check our extension (already known to carry our OID) and copy its keys into rec. */
int cert_x509_ext_read(X509_EXTENSION *ext, struct member_record *rec, struct sym_diag *diag);

/* An OpenSSL key for a libsodium Ed25519 key pair, checked to be consistent. */
int cert_x509_pkey_private(const struct keypair *kp, EVP_PKEY **out);
/* The raw key of an Ed25519 public key; SYM_ERR_VERIFY for any other kind of key. */
int cert_x509_pkey_ed25519(const EVP_PKEY *pkey, uint8_t pk[KEY_PUBLIC_LEN]);

/* CN = id and, if name is not NULL, O = name, as UTF8Strings. */
int cert_x509_subject_build(const char *id, const char *name, X509_NAME **out);
/* The subject of a member: exactly CN = company id and O = display name, both valid. */
int cert_x509_subject_read(const X509_NAME *nm, struct member_record *rec, struct sym_diag *diag);

/* The first PEM block, which must be labelled `label` and have no headers, as malloc'd DER. */
int cert_x509_pem_decode(const char *pem, size_t len, const char *label, uint8_t **der_out,
                         size_t *der_len);
/*
 * Parse exactly len bytes of canonical DER. Refusing trailing bytes and
 * non-canonical encodings makes the fingerprint a function of the certificate.
 */
int cert_x509_cert_parse_der(const uint8_t *der, size_t len, X509 **out);
int cert_x509_csr_parse_der(const uint8_t *der, size_t len, X509_REQ **out);
/* PEM text as a NUL-terminated malloc'd string. */
int cert_x509_cert_pem(X509 *x, char **out);
int cert_x509_csr_pem(X509_REQ *req, char **out);

/*
 * Load the park CA and check that it can be one: a self-signed Ed25519
 * certificate with basicConstraints CA:TRUE and keyUsage keyCertSign. A
 * member certificate offered as the CA stops here. diag may be NULL.
 */
int cert_x509_ca_load(const char *ca_pem, X509 **out, uint8_t pk[KEY_PUBLIC_LEN],
                      struct sym_diag *diag);

#endif
