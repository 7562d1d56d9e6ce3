/*
 * Certificate creation with OpenSSL (cert.h): the park CA, a company's CSR,
 * and the certificate the CA issues for a checked CSR. What the member
 * record means and how its binding signature is made lives in member.c;
 * verification in cert_verify.c; the OpenSSL helpers both use in cert_x509.c.
 */
#include "cert.h"

#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cert_x509.h"
#include "err.h"
#include "member.h"

/* A hundred years: far beyond any sensible lifetime, and well inside GeneralizedTime. */
#define CERT_DAYS_MAX 36500
/* notBefore lies this far back, so a peer whose clock runs a little slow accepts a fresh cert. */
#define CERT_CLOCK_SKEW 300

_Static_assert(crypto_sign_SEEDBYTES == 32, "ed25519 seed size");
_Static_assert(CERT_PEM_MAX < (1u << 30), "CERT_PEM_MAX must fit an int");

static int
s_validity_set(X509 *x, int days)
{
	if (X509_time_adj_ex(X509_getm_notBefore(x), 0, -CERT_CLOCK_SKEW, NULL) == NULL)
		return SYM_ERR_CRYPTO;
	if (X509_time_adj_ex(X509_getm_notAfter(x), days, 0, NULL) == NULL)
		return SYM_ERR_CRYPTO;
	return SYM_OK;
}

static int
s_ext_add_conf(X509 *x, X509V3_CTX *ctx, int nid, const char *value)
{
	X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, ctx, nid, value);
	int ok;

	if (ext == NULL)
		return SYM_ERR_CRYPTO;
	ok = X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	return ok == 1 ? SYM_OK : SYM_ERR_CRYPTO;
}

/*
 * The request itself: a PEM CSR in canonical DER, version 1, for an Ed25519
 * key, signed by that key (proof of possession). Its key goes to ed25519.
 */
static int
s_csr_load(const char *pem, size_t len, X509_REQ **out, uint8_t ed25519[KEY_PUBLIC_LEN],
           struct sym_diag *diag)
{
	X509_REQ *req = NULL;
	uint8_t *der = NULL;
	size_t der_len = 0;
	int r;

	if (pem == NULL)
		return sym_diag_set(diag, SYM_ERR_INVALID, "no CSR given");
	if (len > CERT_PEM_MAX)
		return sym_diag_set(diag, SYM_ERR_LIMIT, "CSR is larger than %u bytes",
		                    CERT_PEM_MAX);
	if ((r = cert_x509_pem_decode(pem, len, PEM_LABEL_CSR, &der, &der_len)) != SYM_OK ||
	    (r = cert_x509_csr_parse_der(der, der_len, &req)) != SYM_OK) {
		r = sym_diag_set(diag, r == SYM_ERR_ALLOC ? r : SYM_ERR_FORMAT,
		                 "CSR is not a PEM \"" PEM_LABEL_CSR "\" in canonical DER");
		goto out;
	}
	if (X509_REQ_get_version(req) != X509_REQ_VERSION_1) {
		r = sym_diag_set(diag, SYM_ERR_FORMAT, "CSR version is not 1");
		goto out;
	}
	if (cert_x509_pkey_ed25519(X509_REQ_get0_pubkey(req), ed25519) != SYM_OK) {
		r = sym_diag_set(diag, SYM_ERR_VERIFY, "CSR key is not an Ed25519 key");
		goto out;
	}
	if (X509_REQ_verify(req, X509_REQ_get0_pubkey(req)) != 1) {
		r = sym_diag_set(diag, SYM_ERR_VERIFY,
		                 "CSR signature invalid: not signed by its own identity key");
		goto out;
	}
	*out = req;
	req = NULL; /* transferred */
	r = SYM_OK;
out:
	X509_REQ_free(req);
	free(der);
	return r;
}

/*
 * A CSR may carry exactly one attribute, the extension request, holding
 * exactly one extension, ours: whatever else a company asks for (CA:TRUE,
 * alternative names) is refused rather than silently dropped.
 */
static int
s_csr_member_ext(X509_REQ *req, struct member_record *rec, struct sym_diag *diag)
{
	STACK_OF(X509_EXTENSION) *exts = NULL;
	ASN1_OBJECT *oid = NULL;
	X509_ATTRIBUTE *attr;
	int r;

	if (X509_REQ_get_attr_count(req) != 1 ||
	    X509_REQ_get_attr_by_NID(req, NID_ext_req, -1) != 0 ||
	    (attr = X509_REQ_get_attr(req, 0)) == NULL || X509_ATTRIBUTE_count(attr) != 1)
		return sym_diag_set(diag, SYM_ERR_FORMAT,
		                    "CSR must carry exactly one attribute, the extension request");
	if ((exts = X509_REQ_get_extensions(req)) == NULL)
		return sym_diag_set(diag, SYM_ERR_FORMAT, "CSR extension request is malformed");
	if ((oid = cert_x509_member_oid()) == NULL) {
		r = sym_diag_set(diag, SYM_ERR_CRYPTO, "cannot build the member keys OID");
		goto out;
	}
	if (X509v3_get_ext_by_OBJ(exts, oid, -1) < 0) {
		r = sym_diag_set(diag, SYM_ERR_FORMAT,
		                 "member keys extension missing from the CSR");
		goto out;
	}
	if (sk_X509_EXTENSION_num(exts) != 1) {
		r = sym_diag_set(
		    diag, SYM_ERR_FORMAT,
		    "CSR requests %d extensions: only the member keys extension is allowed",
		    sk_X509_EXTENSION_num(exts));
		goto out;
	}
	r = cert_x509_ext_read(sk_X509_EXTENSION_value(exts, 0), rec, diag);
out:
	ASN1_OBJECT_free(oid);
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	return r;
}

/* Everything cert_csr_verify promises, handing back the parsed request for cert_issue. */
static int
s_csr_check(const char *pem, size_t len, X509_REQ **req_out, struct member_record *rec,
            struct sym_diag *diag)
{
	X509_REQ *req = NULL;
	int r;

	memset(rec, 0, sizeof(*rec));
	if ((r = s_csr_load(pem, len, &req, rec->ed25519, diag)) != SYM_OK)
		goto out;
	if ((r = cert_x509_subject_read(X509_REQ_get_subject_name(req), rec, diag)) != SYM_OK)
		goto out;
	if ((r = s_csr_member_ext(req, rec, diag)) != SYM_OK)
		goto out;
	if ((r = member_binding_verify(rec, diag)) != SYM_OK)
		goto out;
	/* After the binding, so the message names a key the member really vouched for. */
	if ((r = member_keys_valid(rec, diag)) != SYM_OK)
		goto out;
	if (req_out != NULL) {
		*req_out = req;
		req = NULL; /* transferred */
	}
	r = SYM_OK;
out:
	if (r != SYM_OK)
		memset(rec, 0, sizeof(*rec));
	X509_REQ_free(req);
	return r;
}

int
cert_ca_create(const char *park_name, const struct keypair *ca_key, int days, char **pem_out)
{
	char cn[MEMBER_NAME_MAX + sizeof(" CA")];
	EVP_PKEY *pkey = NULL;
	X509 *x = NULL;
	X509_NAME *nm = NULL;
	X509V3_CTX v3;
	uint64_t serial;
	int n, r = SYM_ERR_INVALID;

	if (pem_out == NULL)
		return SYM_ERR_INVALID;
	*pem_out = NULL;
	if (!member_name_valid(park_name))
		goto out;
	if (days < 1 || days > CERT_DAYS_MAX) {
		r = SYM_ERR_RANGE;
		goto out;
	}
	n = snprintf(cn, sizeof(cn), "%s CA", park_name);
	if (n < 0 || (size_t)n >= sizeof(cn))
		goto out;
	if ((r = cert_x509_pkey_private(ca_key, &pkey)) != SYM_OK)
		goto out;

	r = SYM_ERR_CRYPTO;
	if ((x = X509_new()) == NULL || X509_set_version(x, X509_VERSION_3) != 1)
		goto out;
	/* Random, so a park that recreates its CA does not reuse an (issuer, serial) pair. */
	randombytes_buf(&serial, sizeof(serial));
	serial = (serial >> 1) + 1;
	if (ASN1_INTEGER_set_uint64(X509_get_serialNumber(x), serial) != 1)
		goto out;
	if (cert_x509_subject_build(cn, NULL, &nm) != SYM_OK || X509_set_subject_name(x, nm) != 1 ||
	    X509_set_issuer_name(x, nm) != 1)
		goto out;
	if (s_validity_set(x, days) != SYM_OK || X509_set_pubkey(x, pkey) != 1)
		goto out;
	memset(&v3, 0, sizeof(v3));
	X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
	/* pathlen:0: the park CA signs members only, never another CA. */
	if (s_ext_add_conf(x, &v3, NID_basic_constraints, "critical,CA:TRUE,pathlen:0") != SYM_OK ||
	    s_ext_add_conf(x, &v3, NID_key_usage, "critical,keyCertSign,cRLSign") != SYM_OK ||
	    s_ext_add_conf(x, &v3, NID_subject_key_identifier, "hash") != SYM_OK)
		goto out;
	/* Ed25519 hashes internally: the digest must be NULL. */
	if (X509_sign(x, pkey, NULL) <= 0)
		goto out;
	EVP_PKEY_free(pkey);
	pkey = NULL; /* done with the private key */
	r = cert_x509_cert_pem(x, pem_out);
out:
	EVP_PKEY_free(pkey);
	X509_NAME_free(nm);
	X509_free(x);
	ERR_clear_error();
	return r;
}

int
cert_csr_create(const struct keypair *identity, const char *id, const char *name,
                const uint8_t x25519[32], const uint8_t curve[32], const struct site *site,
                char **pem_out)
{
	uint8_t sig[MEMBER_SIG_LEN];
	EVP_PKEY *pkey = NULL;
	X509_REQ *req = NULL;
	X509_NAME *nm = NULL;
	X509_EXTENSION *ext = NULL;
	STACK_OF(X509_EXTENSION) *exts = NULL;
	int r = SYM_ERR_INVALID;

	if (pem_out == NULL)
		return SYM_ERR_INVALID;
	*pem_out = NULL;
	if (identity == NULL || x25519 == NULL || curve == NULL || !member_id_valid(id) ||
	    !member_name_valid(name))
		goto out;
	if ((r = cert_x509_pkey_private(identity, &pkey)) != SYM_OK)
		goto out;
	if ((r = member_binding_sign(identity->sk, id, name, x25519, curve, site, sig)) != SYM_OK)
		goto out;
	if ((r = cert_x509_ext_create(x25519, curve, sig, site, &ext)) != SYM_OK)
		goto out;

	r = SYM_ERR_CRYPTO;
	if ((req = X509_REQ_new()) == NULL || X509_REQ_set_version(req, X509_REQ_VERSION_1) != 1)
		goto out;
	if (cert_x509_subject_build(id, name, &nm) != SYM_OK ||
	    X509_REQ_set_subject_name(req, nm) != 1)
		goto out;
	if (X509_REQ_set_pubkey(req, pkey) != 1)
		goto out;
	if ((exts = sk_X509_EXTENSION_new_null()) == NULL || sk_X509_EXTENSION_push(exts, ext) <= 0)
		goto out;
	ext = NULL; /* transferred to exts */
	if (X509_REQ_add_extensions(req, exts) != 1)
		goto out;
	if (X509_REQ_sign(req, pkey, NULL) <= 0)
		goto out;
	EVP_PKEY_free(pkey);
	pkey = NULL; /* done with the private key */
	r = cert_x509_csr_pem(req, pem_out);
out:
	EVP_PKEY_free(pkey);
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	X509_EXTENSION_free(ext);
	X509_NAME_free(nm);
	X509_REQ_free(req);
	ERR_clear_error();
	return r;
}

int
cert_csr_verify(const char *pem, size_t len, struct member_record *out, struct sym_diag *diag)
{
	struct member_record rec;
	int r;

	if (out == NULL)
		return sym_diag_set(diag, SYM_ERR_INVALID, "no output record");
	memset(out, 0, sizeof(*out));
	r = s_csr_check(pem, len, NULL, &rec, diag);
	if (r == SYM_OK)
		*out = rec;
	ERR_clear_error();
	return r;
}

/* The certificate for a checked request, signed by the CA: serial, validity, extensions. */
static int
s_issue_build(X509 *ca, EVP_PKEY *ca_pkey, X509_REQ *req, uint64_t serial, int days, X509 **out)
{
	STACK_OF(X509_EXTENSION) *exts = NULL;
	ASN1_OBJECT *oid = NULL;
	X509 *x = NULL;
	X509V3_CTX v3;
	int idx, r = SYM_ERR_CRYPTO;

	if ((x = X509_new()) == NULL || X509_set_version(x, X509_VERSION_3) != 1)
		goto out;
	if (ASN1_INTEGER_set_uint64(X509_get_serialNumber(x), serial) != 1)
		goto out;
	if (X509_set_issuer_name(x, X509_get_subject_name(ca)) != 1 ||
	    X509_set_subject_name(x, X509_REQ_get_subject_name(req)) != 1)
		goto out;
	if (s_validity_set(x, days) != SYM_OK || X509_set_pubkey(x, X509_REQ_get0_pubkey(req)) != 1)
		goto out;
	memset(&v3, 0, sizeof(v3));
	X509V3_set_ctx(&v3, ca, x, NULL, NULL, 0);
	if (s_ext_add_conf(x, &v3, NID_basic_constraints, "critical,CA:FALSE") != SYM_OK ||
	    s_ext_add_conf(x, &v3, NID_key_usage, "critical,digitalSignature") != SYM_OK ||
	    s_ext_add_conf(x, &v3, NID_subject_key_identifier, "hash") != SYM_OK ||
	    s_ext_add_conf(x, &v3, NID_authority_key_identifier, "keyid:always") != SYM_OK)
		goto out;
	/* Copy only our extension, found by OID: s_csr_check refused any other. */
	if ((exts = X509_REQ_get_extensions(req)) == NULL || (oid = cert_x509_member_oid()) == NULL)
		goto out;
	if ((idx = X509v3_get_ext_by_OBJ(exts, oid, -1)) < 0)
		goto out;
	if (X509_add_ext(x, sk_X509_EXTENSION_value(exts, idx), -1) != 1)
		goto out;
	if (X509_sign(x, ca_pkey, NULL) <= 0)
		goto out;
	*out = x;
	x = NULL; /* transferred */
	r = SYM_OK;
out:
	ASN1_OBJECT_free(oid);
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	X509_free(x);
	return r;
}

int
cert_issue(const char *ca_pem, const struct keypair *ca_key, const char *csr_pem, size_t csr_len,
           uint64_t serial, int days, char **pem_out, struct sym_diag *diag)
{
	struct member_record rec;
	uint8_t ca_pk[KEY_PUBLIC_LEN];
	EVP_PKEY *pkey = NULL;
	X509 *ca = NULL, *x = NULL;
	X509_REQ *req = NULL;
	int r = SYM_ERR_INVALID;

	if (pem_out == NULL)
		return sym_diag_set(diag, SYM_ERR_INVALID, "no output for the certificate");
	*pem_out = NULL;
	if (ca_key == NULL) {
		r = sym_diag_set(diag, SYM_ERR_INVALID, "no CA key given");
		goto out;
	}
	if (serial == 0) {
		r = sym_diag_set(diag, SYM_ERR_RANGE, "certificate serial number must be positive");
		goto out;
	}
	if (days < 1 || days > CERT_DAYS_MAX) {
		r = sym_diag_set(diag, SYM_ERR_RANGE,
		                 "certificate lifetime %d days is not in 1..%d", days,
		                 CERT_DAYS_MAX);
		goto out;
	}
	if ((r = cert_x509_ca_load(ca_pem, &ca, ca_pk, diag)) != SYM_OK)
		goto out;
	if ((r = cert_x509_pkey_private(ca_key, &pkey)) != SYM_OK ||
	    sodium_memcmp(ca_pk, ca_key->pk, sizeof(ca_pk)) != 0) {
		r = sym_diag_set(diag, SYM_ERR_INVALID,
		                 "the CA key is not the key of the park CA certificate");
		goto out;
	}
	if ((r = s_csr_check(csr_pem, csr_len, &req, &rec, diag)) != SYM_OK)
		goto out;
	if ((r = s_issue_build(ca, pkey, req, serial, days, &x)) != SYM_OK) {
		sym_diag_set(diag, r, "OpenSSL failed to build the certificate");
		goto out;
	}
	EVP_PKEY_free(pkey);
	pkey = NULL; /* done with the private key */
	if ((r = cert_x509_cert_pem(x, pem_out)) != SYM_OK) {
		sym_diag_set(diag, r, "cannot write the certificate as PEM");
		goto out;
	}
	sym_diag_set(diag, SYM_OK, "%s", "");
out:
	EVP_PKEY_free(pkey);
	X509_REQ_free(req);
	X509_free(x);
	X509_free(ca);
	ERR_clear_error();
	return r;
}
