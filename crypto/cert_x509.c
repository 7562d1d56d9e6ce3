/* OpenSSL glue shared by cert.c and cert_verify.c (cert_x509.h). */
#include "cert_x509.h"

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "err.h"
#include "member.h"

ASN1_OBJECT *
cert_x509_member_oid(void)
{
	/* no_name = 1: parse the dotted form only, never look the text up as a name. */
	return OBJ_txt2obj(SYMBI_MEMBER_KEYS_OID, 1);
}

int
cert_x509_ext_create(const uint8_t x25519[32], const uint8_t curve[32], const uint8_t sig[64],
                     const struct site *site, X509_EXTENSION **out)
{
	uint8_t value[MEMBER_EXT_SITE_LEN];
	size_t len = 0;
	ASN1_OBJECT *oid = NULL;
	ASN1_OCTET_STRING *os = NULL;
	X509_EXTENSION *ext = NULL;
	int r;

	if ((r = member_ext_encode(x25519, curve, sig, site, value, &len)) != SYM_OK)
		return r;
	r = SYM_ERR_CRYPTO;
	if ((oid = cert_x509_member_oid()) == NULL)
		goto out;
	if ((os = ASN1_OCTET_STRING_new()) == NULL)
		goto out;
	if (ASN1_OCTET_STRING_set(os, value, (int)len) != 1)
		goto out;
	/* Non-critical: other X.509 software may ignore what it does not know. */
	if ((ext = X509_EXTENSION_create_by_OBJ(NULL, oid, 0, os)) == NULL)
		goto out;
	*out = ext;
	ext = NULL; /* transferred */
	r = SYM_OK;
out:
	X509_EXTENSION_free(ext);
	ASN1_OCTET_STRING_free(os);
	ASN1_OBJECT_free(oid);
	return r;
}

int
cert_x509_ext_read(X509_EXTENSION *ext, struct member_record *rec, struct sym_diag *diag)
{
	const ASN1_OCTET_STRING *os;
	int len;

	if (X509_EXTENSION_get_critical(ext) != 0)
		return sym_diag_set(diag, SYM_ERR_FORMAT,
		                    "member keys extension must not be critical");
	if ((os = X509_EXTENSION_get_data(ext)) == NULL || (len = ASN1_STRING_length(os)) < 0)
		return sym_diag_set(diag, SYM_ERR_FORMAT, "member keys extension is empty");
	return member_ext_decode(ASN1_STRING_get0_data(os), (size_t)len, rec, diag);
}

/* An OpenSSL key for a libsodium Ed25519 key pair, checked to be consistent. */
int
cert_x509_pkey_private(const struct keypair *kp, EVP_PKEY **out)
{
	EVP_PKEY *pkey = NULL;
	uint8_t pk[KEY_PUBLIC_LEN];
	size_t pk_len = sizeof(pk);
	int r = SYM_ERR_INVALID;

	if (kp == NULL || kp->kind != KEY_ED25519)
		goto out;
	/* OpenSSL takes the 32-byte seed: the first half of libsodium's secret key. */
	pkey = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, kp->sk, crypto_sign_SEEDBYTES);
	if (pkey == NULL) {
		r = SYM_ERR_CRYPTO;
		goto out;
	}
	/* A key pair whose halves disagree would sign things no one can verify. */
	if (EVP_PKEY_get_raw_public_key(pkey, pk, &pk_len) != 1 || pk_len != sizeof(pk)) {
		r = SYM_ERR_CRYPTO;
		goto out;
	}
	if (sodium_memcmp(pk, kp->pk, sizeof(pk)) != 0)
		goto out;
	*out = pkey;
	pkey = NULL; /* transferred */
	r = SYM_OK;
out:
	EVP_PKEY_free(pkey);
	return r;
}

int
cert_x509_pkey_ed25519(const EVP_PKEY *pkey, uint8_t pk[KEY_PUBLIC_LEN])
{
	size_t len = KEY_PUBLIC_LEN;

	if (pkey == NULL || EVP_PKEY_get_id(pkey) != EVP_PKEY_ED25519)
		return SYM_ERR_VERIFY;
	if (EVP_PKEY_get_raw_public_key(pkey, pk, &len) != 1 || len != KEY_PUBLIC_LEN)
		return SYM_ERR_FORMAT;
	return SYM_OK;
}

static int
s_name_add(X509_NAME *nm, int nid, const char *value)
{
	/*
	 * V_ASN1_UTF8STRING rather than MBSTRING_UTF8: the latter enforces the X.520
	 * bound of 64 characters on O, and display names may have 128. Callers have
	 * checked the UTF-8 with member_name_valid.
	 */
	if (X509_NAME_add_entry_by_NID(nm, nid, V_ASN1_UTF8STRING, (const unsigned char *)value, -1,
	                               -1, 0) != 1)
		return SYM_ERR_CRYPTO;
	return SYM_OK;
}

int
cert_x509_subject_build(const char *id, const char *name, X509_NAME **out)
{
	X509_NAME *nm = NULL;
	int r = SYM_ERR_CRYPTO;

	if ((nm = X509_NAME_new()) == NULL)
		goto out;
	if ((r = s_name_add(nm, NID_commonName, id)) != SYM_OK)
		goto out;
	if (name != NULL && (r = s_name_add(nm, NID_organizationName, name)) != SYM_OK)
		goto out;
	*out = nm;
	nm = NULL; /* transferred */
	r = SYM_OK;
out:
	X509_NAME_free(nm);
	return r;
}

/* The single UTF8String entry `nid` of a name, NUL-terminated, without embedded NULs. */
static int
s_name_get(const X509_NAME *nm, int nid, char *out, size_t out_size)
{
	const X509_NAME_ENTRY *e;
	const ASN1_STRING *s;
	const unsigned char *data;
	int idx, len;

	idx = X509_NAME_get_index_by_NID(nm, nid, -1);
	if (idx < 0 || X509_NAME_get_index_by_NID(nm, nid, idx) >= 0)
		return SYM_ERR_FORMAT;
	if ((e = X509_NAME_get_entry(nm, idx)) == NULL || (s = X509_NAME_ENTRY_get_data(e)) == NULL)
		return SYM_ERR_FORMAT;
	if (ASN1_STRING_type(s) != V_ASN1_UTF8STRING)
		return SYM_ERR_FORMAT;
	data = ASN1_STRING_get0_data(s);
	len = ASN1_STRING_length(s);
	if (data == NULL || len <= 0 || (size_t)len >= out_size || memchr(data, '\0', (size_t)len))
		return SYM_ERR_FORMAT;
	memcpy(out, data, (size_t)len);
	out[len] = '\0';
	return SYM_OK;
}

/* The subject of a member: exactly CN = company id and O = display name. */
int
cert_x509_subject_read(const X509_NAME *nm, struct member_record *rec, struct sym_diag *diag)
{
	if (nm == NULL || X509_NAME_entry_count(nm) != 2 ||
	    s_name_get(nm, NID_commonName, rec->id, sizeof(rec->id)) != SYM_OK ||
	    s_name_get(nm, NID_organizationName, rec->name, sizeof(rec->name)) != SYM_OK)
		return sym_diag_set(diag, SYM_ERR_FORMAT,
		                    "subject must be exactly CN=<company id>, O=<display name> "
		                    "(UTF8String, %d and %d bytes at most)",
		                    MEMBER_ID_MAX, MEMBER_NAME_MAX);
	return member_subject_check(rec, diag);
}

/* The first PEM block, which must be labelled `label` and have no headers, as malloc'd DER. */
int
cert_x509_pem_decode(const char *pem, size_t len, const char *label, uint8_t **der_out,
                     size_t *der_len)
{
	BIO *bio = NULL;
	char *name = NULL, *header = NULL;
	unsigned char *data = NULL;
	long data_len = 0;
	uint8_t *der = NULL;
	int r = SYM_ERR_FORMAT;

	if (len == 0 || len > CERT_PEM_MAX)
		return SYM_ERR_LIMIT;
	if ((bio = BIO_new_mem_buf(pem, (int)len)) == NULL) {
		r = SYM_ERR_ALLOC;
		goto out;
	}
	/*
	 * PEM_read_bio never decrypts, so unlike PEM_read_bio_X509 it cannot fall
	 * back to prompting for a password on the terminal for a crafted
	 * "Proc-Type: 4,ENCRYPTED" block.
	 */
	if (PEM_read_bio(bio, &name, &header, &data, &data_len) != 1)
		goto out;
	if (strcmp(name, label) != 0 || header[0] != '\0' || data_len <= 0)
		goto out;
	if ((der = malloc((size_t)data_len)) == NULL) {
		r = SYM_ERR_ALLOC;
		goto out;
	}
	memcpy(der, data, (size_t)data_len);
	*der_out = der;
	*der_len = (size_t)data_len;
	der = NULL; /* transferred */
	r = SYM_OK;
out:
	free(der);
	OPENSSL_free(data);
	OPENSSL_free(header);
	OPENSSL_free(name);
	BIO_free(bio);
	return r;
}

/* Whether enc[0..enc_len) (a fresh re-encoding) is exactly the input: DER, not BER. */
static int
s_der_same(const uint8_t *der, size_t len, const unsigned char *enc, int enc_len)
{
	return enc != NULL && enc_len > 0 && (size_t)enc_len == len && memcmp(enc, der, len) == 0;
}

/*
 * One item of type `it` from exactly len bytes of canonical DER. Refusing
 * trailing bytes and non-canonical encodings makes the fingerprint a
 * function of the certificate.
 */
static int
s_parse_canonical(const ASN1_ITEM *it, const uint8_t *der, size_t len, ASN1_VALUE **out)
{
	const unsigned char *p = der;
	unsigned char *enc = NULL;
	ASN1_VALUE *v = NULL;
	int enc_len, r = SYM_ERR_FORMAT;

	if (len == 0 || len > CERT_PEM_MAX)
		return SYM_ERR_LIMIT;
	if ((v = ASN1_item_d2i(NULL, &p, (long)len, it)) == NULL || p != der + len)
		goto out;
	enc_len = ASN1_item_i2d(v, &enc, it);
	if (!s_der_same(der, len, enc, enc_len))
		goto out;
	*out = v;
	v = NULL; /* transferred */
	r = SYM_OK;
out:
	OPENSSL_free(enc);
	ASN1_item_free(v, it);
	return r;
}

int
cert_x509_cert_parse_der(const uint8_t *der, size_t len, X509 **out)
{
	ASN1_VALUE *v = NULL;
	int r = s_parse_canonical(ASN1_ITEM_rptr(X509), der, len, &v);

	if (r == SYM_OK)
		*out = (X509 *)v;
	return r;
}

int
cert_x509_csr_parse_der(const uint8_t *der, size_t len, X509_REQ **out)
{
	ASN1_VALUE *v = NULL;
	int r = s_parse_canonical(ASN1_ITEM_rptr(X509_REQ), der, len, &v);

	if (r == SYM_OK)
		*out = (X509_REQ *)v;
	return r;
}

static int
s_cert_parse_pem(const char *pem, size_t len, X509 **out)
{
	uint8_t *der = NULL;
	size_t der_len = 0;
	int r;

	if ((r = cert_x509_pem_decode(pem, len, PEM_LABEL_CERT, &der, &der_len)) != SYM_OK)
		return r;
	r = cert_x509_cert_parse_der(der, der_len, out);
	free(der);
	return r;
}

/* Bounded strlen for the NUL-terminated PEM strings of the API. */
static int
s_pem_len(const char *pem, size_t *len)
{
	size_t n = strnlen(pem, CERT_PEM_MAX + 1);

	if (n == 0)
		return SYM_ERR_FORMAT;
	if (n > CERT_PEM_MAX)
		return SYM_ERR_LIMIT;
	*len = n;
	return SYM_OK;
}

/* An item as PEM text (what PEM_write_bio_X509 and friends write), NUL-terminated and malloc'd. */
static int
s_pem_encode(const ASN1_ITEM *it, const ASN1_VALUE *v, const char *label, char **out)
{
	unsigned char *der = NULL;
	char *data = NULL, *s;
	BIO *bio = NULL;
	long n;
	int der_len, r = SYM_ERR_CRYPTO;

	if ((der_len = ASN1_item_i2d(v, &der, it)) <= 0)
		goto out;
	if ((bio = BIO_new(BIO_s_mem())) == NULL) {
		r = SYM_ERR_ALLOC;
		goto out;
	}
	if (PEM_write_bio(bio, label, "", der, der_len) <= 0)
		goto out;
	if ((n = BIO_get_mem_data(bio, &data)) <= 0 || data == NULL)
		goto out;
	if ((s = malloc((size_t)n + 1)) == NULL) {
		r = SYM_ERR_ALLOC;
		goto out;
	}
	memcpy(s, data, (size_t)n);
	s[n] = '\0';
	*out = s;
	r = SYM_OK;
out:
	BIO_free(bio);
	OPENSSL_free(der);
	return r;
}

int
cert_x509_cert_pem(X509 *x, char **out)
{
	return s_pem_encode(ASN1_ITEM_rptr(X509), (const ASN1_VALUE *)x, PEM_LABEL_CERT, out);
}

int
cert_x509_csr_pem(X509_REQ *req, char **out)
{
	return s_pem_encode(ASN1_ITEM_rptr(X509_REQ), (const ASN1_VALUE *)req, PEM_LABEL_CSR, out);
}

/*
 * Load the park CA and check that it can be one: a self-signed Ed25519
 * certificate with basicConstraints CA:TRUE and keyUsage keyCertSign. A member
 * certificate offered as the CA stops here.
 */
int
cert_x509_ca_load(const char *ca_pem, X509 **out, uint8_t pk[KEY_PUBLIC_LEN], struct sym_diag *diag)
{
	X509 *ca = NULL;
	size_t len = 0;
	uint32_t flags;
	int r;

	if (ca_pem == NULL)
		return sym_diag_set(diag, SYM_ERR_INVALID, "no park CA certificate given");
	if ((r = s_pem_len(ca_pem, &len)) != SYM_OK ||
	    (r = s_cert_parse_pem(ca_pem, len, &ca)) != SYM_OK) {
		sym_diag_set(diag, r, "the park CA certificate is not a PEM certificate%s",
		             r == SYM_ERR_LIMIT ? " (too large)" : "");
		goto out;
	}
	r = SYM_ERR_VERIFY;
	flags = X509_get_extension_flags(ca);
	if ((flags & EXFLAG_INVALID) != 0) {
		sym_diag_set(diag, r, "the park CA certificate has malformed extensions");
		goto out;
	}
	if (X509_check_ca(ca) != 1 || (flags & EXFLAG_CA) == 0 || (flags & EXFLAG_KUSAGE) == 0 ||
	    (X509_get_key_usage(ca) & KU_KEY_CERT_SIGN) == 0) {
		sym_diag_set(
		    diag, r,
		    "the park CA certificate is not a CA certificate (needs basicConstraints "
		    "CA:TRUE and keyUsage keyCertSign)");
		goto out;
	}
	if (X509_self_signed(ca, 1) != 1) {
		sym_diag_set(diag, r, "the park CA certificate is not validly self-signed");
		goto out;
	}
	if (cert_x509_pkey_ed25519(X509_get0_pubkey(ca), pk) != SYM_OK) {
		sym_diag_set(diag, r, "the park CA certificate does not hold an Ed25519 key");
		goto out;
	}
	*out = ca;
	ca = NULL; /* transferred */
	r = SYM_OK;
out:
	X509_free(ca);
	return r;
}
