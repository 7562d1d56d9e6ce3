#include "cert.h"

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
#include "sig.h"

/* The NUL that ends the context string is part of the signed message. */
#define BINDING_CONTEXT "symbiod-member-keys-v1"
#define BINDING_MAX                                                                                \
	(sizeof(BINDING_CONTEXT) + 1 + MEMBER_ID_MAX + 1 + MEMBER_NAME_MAX + 2 * KEY_PUBLIC_LEN)

#define EXT_MAGIC "SYMK"
#define EXT_MAGIC_LEN 4
#define EXT_VERSION 1
#define EXT_LEN (EXT_MAGIC_LEN + 1 + 2 * KEY_PUBLIC_LEN + SIG_LEN)

/* A hundred years: far beyond any sensible lifetime, and well inside GeneralizedTime. */
#define CERT_DAYS_MAX 36500
/* notBefore lies this far back, so a peer whose clock runs a little slow accepts a fresh cert. */
#define CERT_CLOCK_SKEW 300

#define PEM_LABEL_CERT "CERTIFICATE"
#define PEM_LABEL_CSR "CERTIFICATE REQUEST"

_Static_assert(crypto_sign_SEEDBYTES == 32, "ed25519 seed size");
_Static_assert(EXT_LEN == 133, "member keys extension size");
_Static_assert(CERT_PEM_MAX < (1u << 30), "CERT_PEM_MAX must fit an int");

int
member_id_valid(const char *id)
{
	size_t len, i;

	if (id == NULL)
		return 0;
	len = strnlen(id, MEMBER_ID_MAX + 1);
	if (len == 0 || len > MEMBER_ID_MAX || id[0] == '-')
		return 0;
	for (i = 0; i < len; i++) {
		char c = id[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
			return 0;
	}
	return 1;
}

int
member_name_valid(const char *name)
{
	const unsigned char *p = (const unsigned char *)name;
	size_t len, i = 0, n, k;
	uint32_t cp;

	if (name == NULL)
		return 0;
	len = strnlen(name, MEMBER_NAME_MAX + 1);
	if (len == 0 || len > MEMBER_NAME_MAX)
		return 0;
	while (i < len) {
		if (p[i] < 0x80) {
			if (p[i] < 0x20 || p[i] == 0x7f)
				return 0;
			i++;
			continue;
		}
		/* 0xc0 and 0xc1 could only start overlong forms; 0xf5.. lie beyond U+10FFFF. */
		if (p[i] >= 0xc2 && p[i] <= 0xdf) {
			n = 1;
			cp = p[i] & 0x1f;
		} else if (p[i] >= 0xe0 && p[i] <= 0xef) {
			n = 2;
			cp = p[i] & 0x0f;
		} else if (p[i] >= 0xf0 && p[i] <= 0xf4) {
			n = 3;
			cp = p[i] & 0x07;
		} else {
			return 0;
		}
		if (len - i - 1 < n)
			return 0;
		for (k = 1; k <= n; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (p[i + k] & 0x3f);
		}
		/* Overlong forms, UTF-16 surrogates, beyond Unicode, and the C1 controls. */
		if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
		    (cp >= 0xd800 && cp <= 0xdfff) || cp <= 0x9f)
			return 0;
		i += n + 1;
	}
	return 1;
}

/* The message the identity key signs; id and name must already be valid. Its length. */
static size_t
s_binding_message(const char *id, const char *name, const uint8_t x25519[KEY_PUBLIC_LEN],
                  const uint8_t curve[KEY_PUBLIC_LEN], uint8_t buf[BINDING_MAX])
{
	size_t id_len = strlen(id), name_len = strlen(name), n = 0;

	memcpy(buf, BINDING_CONTEXT, sizeof(BINDING_CONTEXT));
	n += sizeof(BINDING_CONTEXT);
	buf[n++] = (uint8_t)id_len;
	memcpy(buf + n, id, id_len);
	n += id_len;
	buf[n++] = (uint8_t)name_len;
	memcpy(buf + n, name, name_len);
	n += name_len;
	memcpy(buf + n, x25519, KEY_PUBLIC_LEN);
	n += KEY_PUBLIC_LEN;
	memcpy(buf + n, curve, KEY_PUBLIC_LEN);
	n += KEY_PUBLIC_LEN;
	return n;
}

static int
s_binding_verify(const struct member_record *rec, struct sym_diag *diag)
{
	uint8_t msg[BINDING_MAX];
	size_t len = s_binding_message(rec->id, rec->name, rec->x25519, rec->curve, msg);

	if (sig_verify(rec->ed25519, msg, len, rec->binding_sig) != SYM_OK)
		return sym_diag_set(
		    diag, SYM_ERR_VERIFY,
		    "binding signature invalid: the X25519 and CURVE keys of \"%s\" are "
		    "not signed by its identity key",
		    rec->id);
	return SYM_OK;
}

static ASN1_OBJECT *
s_member_oid(void)
{
	/* no_name = 1: parse the dotted form only, never look the text up as a name. */
	return OBJ_txt2obj(SYMBI_MEMBER_KEYS_OID, 1);
}

static int
s_ext_create(const uint8_t x25519[KEY_PUBLIC_LEN], const uint8_t curve[KEY_PUBLIC_LEN],
             const uint8_t sig[SIG_LEN], X509_EXTENSION **out)
{
	uint8_t value[EXT_LEN];
	ASN1_OBJECT *oid = NULL;
	ASN1_OCTET_STRING *os = NULL;
	X509_EXTENSION *ext = NULL;
	int r = SYM_ERR_CRYPTO;

	memcpy(value, EXT_MAGIC, EXT_MAGIC_LEN);
	value[EXT_MAGIC_LEN] = EXT_VERSION;
	memcpy(value + EXT_MAGIC_LEN + 1, x25519, KEY_PUBLIC_LEN);
	memcpy(value + EXT_MAGIC_LEN + 1 + KEY_PUBLIC_LEN, curve, KEY_PUBLIC_LEN);
	memcpy(value + EXT_MAGIC_LEN + 1 + 2 * KEY_PUBLIC_LEN, sig, SIG_LEN);

	if ((oid = s_member_oid()) == NULL)
		goto out;
	if ((os = ASN1_OCTET_STRING_new()) == NULL)
		goto out;
	if (ASN1_OCTET_STRING_set(os, value, EXT_LEN) != 1)
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

/* Check our extension (already known to carry our OID) and copy its keys into rec. */
static int
s_ext_decode(X509_EXTENSION *ext, struct member_record *rec, struct sym_diag *diag)
{
	const ASN1_OCTET_STRING *os;
	const uint8_t *p;

	if (X509_EXTENSION_get_critical(ext) != 0)
		return sym_diag_set(diag, SYM_ERR_FORMAT,
		                    "member keys extension must not be critical");
	os = X509_EXTENSION_get_data(ext);
	if (os == NULL || (p = ASN1_STRING_get0_data(os)) == NULL)
		return sym_diag_set(diag, SYM_ERR_FORMAT, "member keys extension is empty");
	if (ASN1_STRING_length(os) != EXT_LEN)
		return sym_diag_set(diag, SYM_ERR_FORMAT,
		                    "member keys extension is %d bytes long, expected %d",
		                    ASN1_STRING_length(os), EXT_LEN);
	if (memcmp(p, EXT_MAGIC, EXT_MAGIC_LEN) != 0)
		return sym_diag_set(diag, SYM_ERR_FORMAT, "member keys extension has a bad magic");
	if (p[EXT_MAGIC_LEN] != EXT_VERSION)
		return sym_diag_set(diag, SYM_ERR_FORMAT,
		                    "member keys extension version %u is not supported",
		                    (unsigned)p[EXT_MAGIC_LEN]);
	p += EXT_MAGIC_LEN + 1;
	memcpy(rec->x25519, p, KEY_PUBLIC_LEN);
	memcpy(rec->curve, p + KEY_PUBLIC_LEN, KEY_PUBLIC_LEN);
	memcpy(rec->binding_sig, p + 2 * KEY_PUBLIC_LEN, SIG_LEN);
	return SYM_OK;
}

/* An OpenSSL key for a libsodium Ed25519 key pair, checked to be consistent. */
static int
s_pkey_private(const struct keypair *kp, EVP_PKEY **out)
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

static int
s_pkey_ed25519_public(const EVP_PKEY *pkey, uint8_t pk[KEY_PUBLIC_LEN])
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

static int
s_subject_build(const char *id, const char *name, X509_NAME **out)
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
static int
s_subject_read(const X509_NAME *nm, struct member_record *rec, struct sym_diag *diag)
{
	if (nm == NULL || X509_NAME_entry_count(nm) != 2 ||
	    s_name_get(nm, NID_commonName, rec->id, sizeof(rec->id)) != SYM_OK ||
	    s_name_get(nm, NID_organizationName, rec->name, sizeof(rec->name)) != SYM_OK)
		return sym_diag_set(diag, SYM_ERR_FORMAT,
		                    "subject must be exactly CN=<company id>, O=<display name> "
		                    "(UTF8String, %d and %d bytes at most)",
		                    MEMBER_ID_MAX, MEMBER_NAME_MAX);
	/* Never echo an invalid value: it may hold control characters. */
	if (!member_id_valid(rec->id))
		return sym_diag_set(
		    diag, SYM_ERR_FORMAT,
		    "subject CN is not a valid company id (1 to %d of a-z, 0-9 and '-', "
		    "not starting with '-')",
		    MEMBER_ID_MAX);
	if (!member_name_valid(rec->name))
		return sym_diag_set(
		    diag, SYM_ERR_FORMAT,
		    "subject O of \"%s\" is not a valid display name (UTF-8 without "
		    "control characters)",
		    rec->id);
	return SYM_OK;
}

/* The first PEM block, which must be labelled `label` and have no headers, as malloc'd DER. */
static int
s_pem_decode(const char *pem, size_t len, const char *label, uint8_t **der_out, size_t *der_len)
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
 * Parse exactly len bytes of canonical DER. Refusing trailing bytes and
 * non-canonical encodings makes the fingerprint a function of the certificate.
 */
static int
s_cert_parse_der(const uint8_t *der, size_t len, X509 **out)
{
	const unsigned char *p = der;
	unsigned char *enc = NULL;
	X509 *x = NULL;
	int enc_len, r = SYM_ERR_FORMAT;

	if (len == 0 || len > CERT_PEM_MAX)
		return SYM_ERR_LIMIT;
	if ((x = d2i_X509(NULL, &p, (long)len)) == NULL || p != der + len)
		goto out;
	enc_len = i2d_X509(x, &enc);
	if (!s_der_same(der, len, enc, enc_len))
		goto out;
	*out = x;
	x = NULL; /* transferred */
	r = SYM_OK;
out:
	OPENSSL_free(enc);
	X509_free(x);
	return r;
}

static int
s_csr_parse_der(const uint8_t *der, size_t len, X509_REQ **out)
{
	const unsigned char *p = der;
	unsigned char *enc = NULL;
	X509_REQ *req = NULL;
	int enc_len, r = SYM_ERR_FORMAT;

	if (len == 0 || len > CERT_PEM_MAX)
		return SYM_ERR_LIMIT;
	if ((req = d2i_X509_REQ(NULL, &p, (long)len)) == NULL || p != der + len)
		goto out;
	enc_len = i2d_X509_REQ(req, &enc);
	if (!s_der_same(der, len, enc, enc_len))
		goto out;
	*out = req;
	req = NULL; /* transferred */
	r = SYM_OK;
out:
	OPENSSL_free(enc);
	X509_REQ_free(req);
	return r;
}

static int
s_cert_parse_pem(const char *pem, size_t len, X509 **out)
{
	uint8_t *der = NULL;
	size_t der_len = 0;
	int r;

	if ((r = s_pem_decode(pem, len, PEM_LABEL_CERT, &der, &der_len)) != SYM_OK)
		return r;
	r = s_cert_parse_der(der, der_len, out);
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

static int
s_mem_bio_string(BIO *bio, char **out)
{
	char *data = NULL, *s;
	long n = BIO_get_mem_data(bio, &data);

	if (n <= 0 || data == NULL)
		return SYM_ERR_CRYPTO;
	if ((s = malloc((size_t)n + 1)) == NULL)
		return SYM_ERR_ALLOC;
	memcpy(s, data, (size_t)n);
	s[n] = '\0';
	*out = s;
	return SYM_OK;
}

static int
s_cert_pem(X509 *x, char **out)
{
	BIO *bio = BIO_new(BIO_s_mem());
	int r = SYM_ERR_CRYPTO;

	if (bio == NULL)
		return SYM_ERR_ALLOC;
	if (PEM_write_bio_X509(bio, x) == 1)
		r = s_mem_bio_string(bio, out);
	BIO_free(bio);
	return r;
}

static int
s_csr_pem(X509_REQ *req, char **out)
{
	BIO *bio = BIO_new(BIO_s_mem());
	int r = SYM_ERR_CRYPTO;

	if (bio == NULL)
		return SYM_ERR_ALLOC;
	if (PEM_write_bio_X509_REQ(bio, req) == 1)
		r = s_mem_bio_string(bio, out);
	BIO_free(bio);
	return r;
}

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
 * Load the park CA and check that it can be one: a self-signed Ed25519
 * certificate with basicConstraints CA:TRUE and keyUsage keyCertSign. A member
 * certificate offered as the CA stops here.
 */
static int
s_ca_load(const char *ca_pem, X509 **out, uint8_t pk[KEY_PUBLIC_LEN], struct sym_diag *diag)
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
	if (s_pkey_ed25519_public(X509_get0_pubkey(ca), pk) != SYM_OK) {
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

/*
 * Everything cert_csr_verify promises, handing back the parsed request for
 * cert_issue. A CSR may carry exactly one attribute, the extension request,
 * holding exactly one extension, ours: whatever else a company asks for (CA:TRUE,
 * alternative names) is refused rather than silently dropped.
 */
static int
s_csr_check(const char *pem, size_t len, X509_REQ **req_out, struct member_record *rec,
            struct sym_diag *diag)
{
	X509_REQ *req = NULL;
	STACK_OF(X509_EXTENSION) *exts = NULL;
	ASN1_OBJECT *oid = NULL;
	X509_ATTRIBUTE *attr;
	X509_EXTENSION *ext;
	uint8_t *der = NULL;
	size_t der_len = 0;
	int r;

	memset(rec, 0, sizeof(*rec));
	if (pem == NULL) {
		r = sym_diag_set(diag, SYM_ERR_INVALID, "no CSR given");
		goto out;
	}
	if (len > CERT_PEM_MAX) {
		r = sym_diag_set(diag, SYM_ERR_LIMIT, "CSR is larger than %u bytes", CERT_PEM_MAX);
		goto out;
	}
	if ((r = s_pem_decode(pem, len, PEM_LABEL_CSR, &der, &der_len)) != SYM_OK ||
	    (r = s_csr_parse_der(der, der_len, &req)) != SYM_OK) {
		r = sym_diag_set(diag, r == SYM_ERR_ALLOC ? r : SYM_ERR_FORMAT,
		                 "CSR is not a PEM \"" PEM_LABEL_CSR "\" in canonical DER");
		goto out;
	}
	if (X509_REQ_get_version(req) != X509_REQ_VERSION_1) {
		r = sym_diag_set(diag, SYM_ERR_FORMAT, "CSR version is not 1");
		goto out;
	}
	if (s_pkey_ed25519_public(X509_REQ_get0_pubkey(req), rec->ed25519) != SYM_OK) {
		r = sym_diag_set(diag, SYM_ERR_VERIFY, "CSR key is not an Ed25519 key");
		goto out;
	}
	/* Proof of possession: the request is signed by the key it asks a certificate for. */
	if (X509_REQ_verify(req, X509_REQ_get0_pubkey(req)) != 1) {
		r = sym_diag_set(diag, SYM_ERR_VERIFY,
		                 "CSR signature invalid: not signed by its own identity key");
		goto out;
	}
	if ((r = s_subject_read(X509_REQ_get_subject_name(req), rec, diag)) != SYM_OK)
		goto out;
	if (X509_REQ_get_attr_count(req) != 1 ||
	    X509_REQ_get_attr_by_NID(req, NID_ext_req, -1) != 0 ||
	    (attr = X509_REQ_get_attr(req, 0)) == NULL || X509_ATTRIBUTE_count(attr) != 1) {
		r = sym_diag_set(diag, SYM_ERR_FORMAT,
		                 "CSR must carry exactly one attribute, the extension request");
		goto out;
	}
	if ((exts = X509_REQ_get_extensions(req)) == NULL) {
		r = sym_diag_set(diag, SYM_ERR_FORMAT, "CSR extension request is malformed");
		goto out;
	}
	if ((oid = s_member_oid()) == NULL) {
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
	ext = sk_X509_EXTENSION_value(exts, 0);
	if ((r = s_ext_decode(ext, rec, diag)) != SYM_OK)
		goto out;
	if ((r = s_binding_verify(rec, diag)) != SYM_OK)
		goto out;
	if (req_out != NULL) {
		*req_out = req;
		req = NULL; /* transferred */
	}
	r = SYM_OK;
out:
	if (r != SYM_OK)
		memset(rec, 0, sizeof(*rec));
	ASN1_OBJECT_free(oid);
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	X509_REQ_free(req);
	free(der);
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
	if ((r = s_pkey_private(ca_key, &pkey)) != SYM_OK)
		goto out;

	r = SYM_ERR_CRYPTO;
	if ((x = X509_new()) == NULL || X509_set_version(x, X509_VERSION_3) != 1)
		goto out;
	/* Random, so a park that recreates its CA does not reuse an (issuer, serial) pair. */
	randombytes_buf(&serial, sizeof(serial));
	serial = (serial >> 1) + 1;
	if (ASN1_INTEGER_set_uint64(X509_get_serialNumber(x), serial) != 1)
		goto out;
	if (s_subject_build(cn, NULL, &nm) != SYM_OK || X509_set_subject_name(x, nm) != 1 ||
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
	r = s_cert_pem(x, pem_out);
out:
	EVP_PKEY_free(pkey);
	X509_NAME_free(nm);
	X509_free(x);
	ERR_clear_error();
	return r;
}

int
cert_csr_create(const struct keypair *identity, const char *id, const char *name,
                const uint8_t x25519[32], const uint8_t curve[32], char **pem_out)
{
	uint8_t msg[BINDING_MAX], sig[SIG_LEN];
	size_t msg_len;
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
	if ((r = s_pkey_private(identity, &pkey)) != SYM_OK)
		goto out;
	msg_len = s_binding_message(id, name, x25519, curve, msg);
	if ((r = sig_sign(identity->sk, msg, msg_len, sig)) != SYM_OK)
		goto out;
	if ((r = s_ext_create(x25519, curve, sig, &ext)) != SYM_OK)
		goto out;

	r = SYM_ERR_CRYPTO;
	if ((req = X509_REQ_new()) == NULL || X509_REQ_set_version(req, X509_REQ_VERSION_1) != 1)
		goto out;
	if (s_subject_build(id, name, &nm) != SYM_OK || X509_REQ_set_subject_name(req, nm) != 1)
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
	r = s_csr_pem(req, pem_out);
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

int
cert_issue(const char *ca_pem, const struct keypair *ca_key, const char *csr_pem, size_t csr_len,
           uint64_t serial, int days, char **pem_out, struct sym_diag *diag)
{
	struct member_record rec;
	uint8_t ca_pk[KEY_PUBLIC_LEN];
	EVP_PKEY *pkey = NULL;
	X509 *ca = NULL, *x = NULL;
	X509_REQ *req = NULL;
	STACK_OF(X509_EXTENSION) *exts = NULL;
	ASN1_OBJECT *oid = NULL;
	X509V3_CTX v3;
	int idx, r = SYM_ERR_INVALID;

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
	if ((r = s_ca_load(ca_pem, &ca, ca_pk, diag)) != SYM_OK)
		goto out;
	if ((r = s_pkey_private(ca_key, &pkey)) != SYM_OK ||
	    sodium_memcmp(ca_pk, ca_key->pk, sizeof(ca_pk)) != 0) {
		r = sym_diag_set(diag, SYM_ERR_INVALID,
		                 "the CA key is not the key of the park CA certificate");
		goto out;
	}
	if ((r = s_csr_check(csr_pem, csr_len, &req, &rec, diag)) != SYM_OK)
		goto out;

	r = sym_diag_set(diag, SYM_ERR_CRYPTO, "OpenSSL failed to build the certificate");
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
	if ((exts = X509_REQ_get_extensions(req)) == NULL || (oid = s_member_oid()) == NULL)
		goto out;
	if ((idx = X509v3_get_ext_by_OBJ(exts, oid, -1)) < 0)
		goto out;
	if (X509_add_ext(x, sk_X509_EXTENSION_value(exts, idx), -1) != 1)
		goto out;
	if (X509_sign(x, pkey, NULL) <= 0)
		goto out;
	EVP_PKEY_free(pkey);
	pkey = NULL; /* done with the private key */
	if ((r = s_cert_pem(x, pem_out)) != SYM_OK) {
		sym_diag_set(diag, r, "cannot write the certificate as PEM");
		goto out;
	}
	sym_diag_set(diag, SYM_OK, "%s", "");
out:
	EVP_PKEY_free(pkey);
	ASN1_OBJECT_free(oid);
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	X509_REQ_free(req);
	X509_free(x);
	X509_free(ca);
	ERR_clear_error();
	return r;
}

/*
 * A verifier holds the park CA, loaded and checked once (s_ca_load verifies
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
	if ((r = s_ca_load(ca_pem, &v->ca, v->ca_pk, diag)) != SYM_OK)
		goto fail;
	if ((v->store = X509_STORE_new()) == NULL || X509_STORE_add_cert(v->store, v->ca) != 1) {
		r = sym_diag_set(diag, SYM_ERR_CRYPTO, "OpenSSL could not set up a certificate store");
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

int
cert_verifier_member(struct cert_verifier *v, const uint8_t *cert, size_t len,
                     struct member_record *out, struct sym_diag *diag)
{
	struct member_record rec;
	uint8_t *der = NULL;
	size_t der_len = 0;
	X509 *leaf = NULL;
	ASN1_OBJECT *oid = NULL;
	uint32_t flags;
	int idx, r;

	memset(&rec, 0, sizeof(rec));
	if (out == NULL)
		return sym_diag_set(diag, SYM_ERR_INVALID, "no output record");
	memset(out, 0, sizeof(*out));
	if (cert == NULL || len == 0) {
		r = sym_diag_set(diag, SYM_ERR_FORMAT, "certificate is empty");
		goto out;
	}
	if (len > CERT_PEM_MAX) {
		r = sym_diag_set(diag, SYM_ERR_LIMIT, "certificate is larger than %u bytes",
		                 CERT_PEM_MAX);
		goto out;
	}
	/* A DER certificate starts with a SEQUENCE tag; PEM text never does. */
	if (cert[0] == 0x30) {
		r = s_cert_parse_der(cert, len, &leaf);
	} else if ((r = s_pem_decode((const char *)cert, len, PEM_LABEL_CERT, &der, &der_len)) ==
	           SYM_OK) {
		r = s_cert_parse_der(der, der_len, &leaf);
	}
	if (r != SYM_OK) {
		r = sym_diag_set(diag, r == SYM_ERR_ALLOC ? r : SYM_ERR_FORMAT,
		                 "certificate is neither canonical DER nor PEM \"" PEM_LABEL_CERT
		                 "\"");
		goto out;
	}
	if ((r = s_chain_verify(v, leaf, diag)) != SYM_OK)
		goto out;

	r = SYM_ERR_VERIFY;
	flags = X509_get_extension_flags(leaf);
	if (X509_check_ca(leaf) != 0 || (flags & EXFLAG_CA) != 0) {
		sym_diag_set(diag, r, "a CA certificate is not a member certificate");
		goto out;
	}
	if (X509_get_version(leaf) != X509_VERSION_3 || (flags & EXFLAG_BCONS) == 0 ||
	    (flags & EXFLAG_KUSAGE) == 0 ||
	    (X509_get_key_usage(leaf) & KU_DIGITAL_SIGNATURE) == 0) {
		sym_diag_set(diag, r,
		             "certificate is not a member certificate (needs version 3, "
		             "basicConstraints CA:FALSE and keyUsage digitalSignature)");
		goto out;
	}
	if (s_pkey_ed25519_public(X509_get0_pubkey(leaf), rec.ed25519) != SYM_OK) {
		sym_diag_set(diag, r, "certificate key is not an Ed25519 key");
		goto out;
	}
	if ((r = s_subject_read(X509_get_subject_name(leaf), &rec, diag)) != SYM_OK)
		goto out;
	if ((oid = s_member_oid()) == NULL) {
		r = sym_diag_set(diag, SYM_ERR_CRYPTO, "cannot build the member keys OID");
		goto out;
	}
	if ((idx = X509_get_ext_by_OBJ(leaf, oid, -1)) < 0) {
		r = sym_diag_set(diag, SYM_ERR_FORMAT, "member keys extension missing");
		goto out;
	}
	if (X509_get_ext_by_OBJ(leaf, oid, idx) >= 0) {
		r = sym_diag_set(diag, SYM_ERR_FORMAT,
		                 "member keys extension present more than once");
		goto out;
	}
	if ((r = s_ext_decode(X509_get_ext(leaf, idx), &rec, diag)) != SYM_OK)
		goto out;
	if ((r = s_binding_verify(&rec, diag)) != SYM_OK)
		goto out;
	/* s_cert_parse_der checked the input is the canonical DER, so hash it as it is. */
	if (cert[0] == 0x30)
		crypto_hash_sha256(rec.fingerprint, cert, len);
	else
		crypto_hash_sha256(rec.fingerprint, der, der_len);
	*out = rec;
	r = SYM_OK;
out:
	ASN1_OBJECT_free(oid);
	X509_free(leaf);
	free(der);
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
	if ((r = s_pem_decode(pem, len, PEM_LABEL_CERT, &der, &n)) != SYM_OK)
		goto out;
	/* Hand back only what really is a certificate. */
	if ((r = s_cert_parse_der(der, n, &x)) != SYM_OK)
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

int
cert_ca_public_key(const char *ca_pem, uint8_t pk[32])
{
	X509 *ca = NULL;
	int r;

	if (pk == NULL)
		return SYM_ERR_INVALID;
	r = s_ca_load(ca_pem, &ca, pk, NULL);
	X509_free(ca);
	ERR_clear_error();
	return r;
}
