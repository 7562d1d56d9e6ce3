/*
 * Certificate verification with OpenSSL (cert.h): a member certificate
 * against the park CA (chain, signature, validity, key usage), then its
 * subject and member keys extension through member.c, and the binding
 * signature.
 */
#include "cert.h"

#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cert_x509.h"
#include "err.h"
#include "member.h"

/*
 * A verifier holds the park CA, loaded and checked once (cert_x509_ca_load verifies
 * its self-signature), and an X509_STORE with it as the only trust anchor:
 * a client checking a whole directory pays for the CA once, not per member.
 */
struct cert_verifier {
	X509 *ca;
	X509_STORE *store;
	uint8_t ca_pk[KEY_PUBLIC_LEN];
	time_t at; /* check validity at this time instead of now, when set */
	int has_at;
};

/* Chain, signature and validity with OpenSSL, the park CA as the only trust anchor. */
static int
s_chain_verify(const struct cert_verifier *v, X509 *leaf, struct sym_diag *diag)
{
	X509_STORE_CTX *ctx = NULL;
	int err, r = SYM_ERR_CRYPTO;

	if ((ctx = X509_STORE_CTX_new()) == NULL ||
	    X509_STORE_CTX_init(ctx, v->store, leaf, NULL) != 1 ||
	    X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_ANY) != 1) {
		sym_diag_set(diag, r, "OpenSSL could not set up certificate verification");
		goto out;
	}
	X509_STORE_CTX_set_flags(ctx, X509_V_FLAG_X509_STRICT);
	/* A reviewer judges a certificate at the time it was used, not years later. */
	if (v->has_at)
		X509_STORE_CTX_set_time(ctx, 0, v->at);
	if (X509_verify_cert(ctx) == 1) {
		r = SYM_OK;
		goto out;
	}
	r = SYM_ERR_VERIFY;
	err = X509_STORE_CTX_get_error(ctx);
	switch (err) {
	case X509_V_ERR_CERT_HAS_EXPIRED: sym_diag_set(diag, r, "certificate expired"); break;
	case X509_V_ERR_CERT_NOT_YET_VALID:
		sym_diag_set(diag, r, "certificate is not yet valid (check the clocks)");
		break;
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
	case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
	case X509_V_ERR_CERT_SIGNATURE_FAILURE:
	case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
	case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
		sym_diag_set(diag, r, "certificate is not signed by this park's CA");
		break;
	default:
		sym_diag_set(diag, r, "certificate verification failed: %s",
		             X509_verify_cert_error_string(err));
		break;
	}
out:
	X509_STORE_CTX_free(ctx);
	return r;
}

int
cert_verifier_new(const char *ca_pem, struct cert_verifier **out, struct sym_diag *diag)
{
	struct cert_verifier *v = calloc(1, sizeof(*v));
	int r;

	*out = NULL;
	if (v == NULL)
		return sym_diag_set(diag, SYM_ERR_ALLOC, "out of memory");
	if ((r = cert_x509_ca_load(ca_pem, &v->ca, v->ca_pk, diag)) != SYM_OK)
		goto fail;
	if ((v->store = X509_STORE_new()) == NULL || X509_STORE_add_cert(v->store, v->ca) != 1) {
		r = sym_diag_set(diag, SYM_ERR_CRYPTO,
		                 "OpenSSL could not set up a certificate store");
		goto fail;
	}
	*out = v;
	return SYM_OK;
fail:
	cert_verifier_free(&v);
	ERR_clear_error();
	return r;
}

void
cert_verifier_set_time(struct cert_verifier *v, time_t at)
{
	v->at = at;
	v->has_at = 1;
}

void
cert_verifier_free(struct cert_verifier **vp)
{
	if (vp == NULL || *vp == NULL)
		return;
	X509_STORE_free((*vp)->store);
	X509_free((*vp)->ca);
	free(*vp);
	*vp = NULL;
}

int
cert_verify_member(const char *ca_pem, const uint8_t *cert, size_t len, struct member_record *out,
                   struct sym_diag *diag)
{
	struct cert_verifier *v = NULL;
	int r;

	if (out != NULL)
		memset(out, 0, sizeof(*out));
	if ((r = cert_verifier_new(ca_pem, &v, diag)) != SYM_OK)
		return r;
	r = cert_verifier_member(v, cert, len, out, diag);
	cert_verifier_free(&v);
	return r;
}

/*
 * A certificate as canonical DER, or PEM around it (told apart by content),
 * and the SHA-256 fingerprint of its DER.
 */
static int
s_leaf_parse(const uint8_t *cert, size_t len, X509 **leaf, uint8_t fingerprint[32],
             struct sym_diag *diag)
{
	uint8_t *der = NULL;
	size_t der_len = 0;
	int r;

	if (cert == NULL || len == 0)
		return sym_diag_set(diag, SYM_ERR_FORMAT, "certificate is empty");
	if (len > CERT_PEM_MAX)
		return sym_diag_set(diag, SYM_ERR_LIMIT, "certificate is larger than %u bytes",
		                    CERT_PEM_MAX);
	/* A DER certificate starts with a SEQUENCE tag; PEM text never does. */
	if (cert[0] == 0x30) {
		r = cert_x509_cert_parse_der(cert, len, leaf);
	} else if ((r = cert_x509_pem_decode((const char *)cert, len, PEM_LABEL_CERT, &der,
	                                     &der_len)) == SYM_OK) {
		r = cert_x509_cert_parse_der(der, der_len, leaf);
	}
	if (r != SYM_OK) {
		r = sym_diag_set(diag, r == SYM_ERR_ALLOC ? r : SYM_ERR_FORMAT,
		                 "certificate is neither canonical DER nor PEM \"" PEM_LABEL_CERT
		                 "\"");
		goto out;
	}
	/* The parser checked that the DER is canonical, so hash it as it is. */
	if (der != NULL)
		crypto_hash_sha256(fingerprint, der, der_len);
	else
		crypto_hash_sha256(fingerprint, cert, len);
out:
	free(der);
	return r;
}

/* What makes a chain-verified certificate a member's: its kind, key, subject and extension. */
static int
s_leaf_member(X509 *leaf, struct member_record *rec, struct sym_diag *diag)
{
	ASN1_OBJECT *oid = NULL;
	uint32_t flags = X509_get_extension_flags(leaf);
	int idx, r = SYM_ERR_VERIFY;

	if (X509_check_ca(leaf) != 0 || (flags & EXFLAG_CA) != 0)
		return sym_diag_set(diag, r, "a CA certificate is not a member certificate");
	if (X509_get_version(leaf) != X509_VERSION_3 || (flags & EXFLAG_BCONS) == 0 ||
	    (flags & EXFLAG_KUSAGE) == 0 || (X509_get_key_usage(leaf) & KU_DIGITAL_SIGNATURE) == 0)
		return sym_diag_set(diag, r,
		                    "certificate is not a member certificate (needs version 3, "
		                    "basicConstraints CA:FALSE and keyUsage digitalSignature)");
	if (cert_x509_pkey_ed25519(X509_get0_pubkey(leaf), rec->ed25519) != SYM_OK)
		return sym_diag_set(diag, r, "certificate key is not an Ed25519 key");
	if ((r = cert_x509_subject_read(X509_get_subject_name(leaf), rec, diag)) != SYM_OK)
		return r;
	if ((oid = cert_x509_member_oid()) == NULL)
		return sym_diag_set(diag, SYM_ERR_CRYPTO, "cannot build the member keys OID");
	if ((idx = X509_get_ext_by_OBJ(leaf, oid, -1)) < 0)
		r = sym_diag_set(diag, SYM_ERR_FORMAT, "member keys extension missing");
	else if (X509_get_ext_by_OBJ(leaf, oid, idx) >= 0)
		r = sym_diag_set(diag, SYM_ERR_FORMAT,
		                 "member keys extension present more than once");
	else
		r = cert_x509_ext_read(X509_get_ext(leaf, idx), rec, diag);
	ASN1_OBJECT_free(oid);
	return r;
}

/* An ASN1_TIME as Unix seconds; INT64_MIN when it cannot be read. */
static int64_t
s_unix_time(const ASN1_TIME *t)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1)
		return INT64_MIN;
	return (int64_t)timegm(&tm);
}

int
cert_verifier_member(struct cert_verifier *v, const uint8_t *cert, size_t len,
                     struct member_record *out, struct sym_diag *diag)
{
	return cert_verifier_member_until(v, cert, len, out, NULL, diag);
}

int
cert_verifier_member_until(struct cert_verifier *v, const uint8_t *cert, size_t len,
                           struct member_record *out, int64_t *until, struct sym_diag *diag)
{
	struct member_record rec;
	X509 *leaf = NULL;
	int64_t a, b;
	int r;

	memset(&rec, 0, sizeof(rec));
	if (out == NULL)
		return sym_diag_set(diag, SYM_ERR_INVALID, "no output record");
	memset(out, 0, sizeof(*out));
	if ((r = s_leaf_parse(cert, len, &leaf, rec.fingerprint, diag)) != SYM_OK)
		goto out;
	if ((r = s_chain_verify(v, leaf, diag)) != SYM_OK)
		goto out;
	if ((r = s_leaf_member(leaf, &rec, diag)) != SYM_OK)
		goto out;
	if ((r = member_binding_verify(&rec, diag)) != SYM_OK)
		goto out;
	/* A CA may have signed a key no honest member has: every reader refuses it. */
	if ((r = member_keys_valid(&rec, diag)) != SYM_OK)
		goto out;
	if (until != NULL) {
		/* The chain stays valid until the first of the two ends. */
		a = s_unix_time(X509_get0_notAfter(leaf));
		b = s_unix_time(X509_get0_notAfter(v->ca));
		*until = a < b ? a : b;
	}
	*out = rec;
	r = SYM_OK;
out:
	X509_free(leaf);
	ERR_clear_error();
	return r;
}

int
cert_pem_to_der(const char *pem, size_t len, uint8_t **der_out, size_t *der_len)
{
	uint8_t *der = NULL;
	size_t n = 0;
	X509 *x = NULL;
	int r;

	if (pem == NULL || der_out == NULL || der_len == NULL)
		return SYM_ERR_INVALID;
	*der_out = NULL;
	*der_len = 0;
	if ((r = cert_x509_pem_decode(pem, len, PEM_LABEL_CERT, &der, &n)) != SYM_OK)
		goto out;
	/* Hand back only what really is a certificate. */
	if ((r = cert_x509_cert_parse_der(der, n, &x)) != SYM_OK)
		goto out;
	*der_out = der;
	*der_len = n;
	der = NULL; /* transferred */
out:
	X509_free(x);
	free(der);
	ERR_clear_error();
	return r;
}

/* SHA-256 of the CA's DER bytes, parsed first as a certificate or not. */
static int
s_park_id(const char *ca_pem, int parse, uint8_t out[32])
{
	uint8_t *der = NULL;
	size_t n = 0;
	int r;

	if (ca_pem == NULL)
		return SYM_ERR_INVALID;
	r = parse ? cert_pem_to_der(ca_pem, strlen(ca_pem), &der, &n)
	          : cert_der_bytes((const uint8_t *)ca_pem, strlen(ca_pem), &der, &n);
	if (r != SYM_OK)
		return r;
	crypto_hash_sha256(out, der, n);
	free(der);
	return SYM_OK;
}

int
cert_park_id(const char *ca_pem, uint8_t out[32])
{
	return s_park_id(ca_pem, 1, out);
}

int
cert_der_bytes(const uint8_t *cert, size_t len, uint8_t **der_out, size_t *der_len)
{
	if (cert == NULL || der_out == NULL || der_len == NULL || len == 0)
		return SYM_ERR_INVALID;
	*der_out = NULL;
	*der_len = 0;
	if (cert[0] != 0x30) { /* PEM, as member.crt and park.json hold it */
		int r =
		    cert_x509_pem_decode((const char *)cert, len, PEM_LABEL_CERT, der_out, der_len);
		if (r != SYM_OK)
			ERR_clear_error(); /* only then: its first call loads every error string */
		return r;
	}
	if ((*der_out = malloc(len)) == NULL)
		return SYM_ERR_ALLOC;
	memcpy(*der_out, cert, len);
	*der_len = len;
	return SYM_OK;
}

int
cert_park_id_unparsed(const char *ca_pem, uint8_t out[32])
{
	return s_park_id(ca_pem, 0, out);
}

int
cert_ca_public_key(const char *ca_pem, uint8_t pk[32])
{
	X509 *ca = NULL;
	int r;

	if (pk == NULL)
		return SYM_ERR_INVALID;
	r = cert_x509_ca_load(ca_pem, &ca, pk, NULL);
	X509_free(ca);
	ERR_clear_error();
	return r;
}
