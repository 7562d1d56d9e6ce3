/*
 * Unit tests for crypto/cert: the CA -> CSR -> certificate round trip, checked
 * also with the openssl command line, and a refusal for every way a CSR or a
 * certificate can be wrong. Hostile inputs are built here with OpenSSL directly
 * (re-signed with the right keys), so each negative test reaches the check it
 * is about rather than failing early on a signature.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cert.h"
#include "err.h"
#include "fixture.h"
#include "keys.h"
#include "member.h"
#include "util.h"

#define DAYS 365

struct fixture {
	struct keypair *ca_key, *identity, *xkey, *ckey, *stranger;
	char *ca_pem, *csr_pem, *cert_pem;
	uint8_t *cert_der;
	size_t cert_der_len;
	char dir[FIXTURE_DIR_MAX];
};

/* ---- helpers built on OpenSSL directly, independent of cert.c ---- */

/* The binding message exactly as member.h describes it. */
static size_t
s_binding_message(const char *id, const char *name, const uint8_t x25519[32],
                  const uint8_t curve[32], uint8_t *buf)
{
	static const char ctx[] = "symbiod-member-keys-v1";
	size_t n = 0;

	memcpy(buf, ctx, sizeof(ctx)); /* with its NUL */
	n += sizeof(ctx);
	buf[n++] = (uint8_t)strlen(id);
	memcpy(buf + n, id, strlen(id));
	n += strlen(id);
	buf[n++] = (uint8_t)strlen(name);
	memcpy(buf + n, name, strlen(name));
	n += strlen(name);
	memcpy(buf + n, x25519, 32);
	n += 32;
	memcpy(buf + n, curve, 32);
	return n + 32;
}

static void
s_ext_value(const uint8_t x25519[32], const uint8_t curve[32], const uint8_t sig[64],
            uint8_t out[133])
{
	memcpy(out, "SYMK", 4);
	out[4] = 1;
	memcpy(out + 5, x25519, 32);
	memcpy(out + 37, curve, 32);
	memcpy(out + 69, sig, 64);
}

static X509_EXTENSION *
s_ext_make(const uint8_t *value, size_t len)
{
	ASN1_OBJECT *oid = OBJ_txt2obj(SYMBI_MEMBER_KEYS_OID, 1);
	ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();
	X509_EXTENSION *ext;

	assert_non_null(oid);
	assert_non_null(os);
	assert_int_equal(ASN1_OCTET_STRING_set(os, value, (int)len), 1);
	ext = X509_EXTENSION_create_by_OBJ(NULL, oid, 0, os);
	assert_non_null(ext);
	ASN1_OCTET_STRING_free(os);
	ASN1_OBJECT_free(oid);
	return ext;
}

static EVP_PKEY *
s_pkey(const struct keypair *kp)
{
	EVP_PKEY *pkey = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, kp->sk, 32);

	assert_non_null(pkey);
	return pkey;
}

static X509 *
s_x509(const char *pem)
{
	BIO *bio = BIO_new_mem_buf(pem, -1);
	X509 *x;

	assert_non_null(bio);
	x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
	assert_non_null(x);
	BIO_free(bio);
	return x;
}

static char *
s_bio_take(BIO *bio)
{
	char *data = NULL, *s;
	long n = BIO_get_mem_data(bio, &data);

	assert_true(n > 0);
	s = malloc((size_t)n + 1);
	assert_non_null(s);
	memcpy(s, data, (size_t)n);
	s[n] = '\0';
	BIO_free(bio);
	return s;
}

/* Sign x with kp (after whatever the caller changed) and return it as PEM. */
static char *
s_sign_pem(X509 *x, const struct keypair *kp)
{
	EVP_PKEY *pkey = s_pkey(kp);
	BIO *bio = BIO_new(BIO_s_mem());

	assert_true(X509_sign(x, pkey, NULL) > 0);
	assert_int_equal(PEM_write_bio_X509(bio, x), 1);
	EVP_PKEY_free(pkey);
	return s_bio_take(bio);
}

/* DER bytes as a PEM block under label. */
static char *
s_pem_encode(const char *label, const uint8_t *der, size_t len)
{
	BIO *bio = BIO_new(BIO_s_mem());

	assert_non_null(bio);
	assert_true(PEM_write_bio(bio, label, "", der, (long)len) > 0);
	return s_bio_take(bio);
}

static uint8_t *
s_pem_decode(const char *pem, size_t *len)
{
	BIO *bio = BIO_new_mem_buf(pem, -1);
	char *name = NULL, *header = NULL;
	unsigned char *data = NULL;
	long n = 0;
	uint8_t *out;

	assert_int_equal(PEM_read_bio(bio, &name, &header, &data, &n), 1);
	out = malloc((size_t)n);
	assert_non_null(out);
	memcpy(out, data, (size_t)n);
	*len = (size_t)n;
	OPENSSL_free(name);
	OPENSSL_free(header);
	OPENSSL_free(data);
	BIO_free(bio);
	return out;
}

/*
 * A CSR built without cert.c: the binding signature (by `subject`) covers
 * x_signed while the extension carries x_ext; the request is signed by
 * `signer`. member_ext = 0 leaves our extension out; extra adds a
 * basicConstraints CA:TRUE request.
 */
static char *
s_csr_by_hand(const struct keypair *subject, const struct keypair *signer, const char *id,
              const char *name, const uint8_t x_signed[32], const uint8_t x_ext[32],
              const uint8_t curve[32], int member_ext, int extra)
{
	uint8_t msg[512], sig[64], value[133];
	unsigned long long sig_len = 0;
	size_t msg_len = s_binding_message(id, name, x_signed, curve, msg);
	X509_REQ *req = X509_REQ_new();
	X509_NAME *nm = X509_NAME_new();
	STACK_OF(X509_EXTENSION) *exts = sk_X509_EXTENSION_new_null();
	EVP_PKEY *subject_key = s_pkey(subject), *signer_key = s_pkey(signer);
	BIO *bio = BIO_new(BIO_s_mem());

	assert_non_null(req);
	assert_non_null(nm);
	assert_non_null(exts);
	assert_int_equal(crypto_sign_detached(sig, &sig_len, msg, msg_len, subject->sk), 0);
	s_ext_value(x_ext, curve, sig, value);
	assert_int_equal(X509_NAME_add_entry_by_NID(nm, NID_commonName, MBSTRING_UTF8,
	                                            (const unsigned char *)id, -1, -1, 0),
	                 1);
	assert_int_equal(X509_NAME_add_entry_by_NID(nm, NID_organizationName, MBSTRING_UTF8,
	                                            (const unsigned char *)name, -1, -1, 0),
	                 1);
	assert_int_equal(X509_REQ_set_subject_name(req, nm), 1);
	assert_int_equal(X509_REQ_set_pubkey(req, subject_key), 1);
	if (member_ext)
		assert_true(sk_X509_EXTENSION_push(exts, s_ext_make(value, sizeof(value))) > 0);
	if (extra) {
		X509_EXTENSION *bc =
		    X509V3_EXT_conf_nid(NULL, NULL, NID_basic_constraints, "critical,CA:TRUE");

		assert_non_null(bc);
		assert_true(sk_X509_EXTENSION_push(exts, bc) > 0);
	}
	if (sk_X509_EXTENSION_num(exts) > 0)
		assert_int_equal(X509_REQ_add_extensions(req, exts), 1);
	assert_true(X509_REQ_sign(req, signer_key, NULL) > 0);
	assert_int_equal(PEM_write_bio_X509_REQ(bio, req), 1);
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	EVP_PKEY_free(subject_key);
	EVP_PKEY_free(signer_key);
	X509_NAME_free(nm);
	X509_REQ_free(req);
	return s_bio_take(bio);
}

static uint8_t *
s_find(uint8_t *hay, size_t len, const char *needle, size_t n)
{
	size_t i;

	for (i = 0; i + n <= len; i++) {
		if (memcmp(hay + i, needle, n) == 0)
			return hay + i;
	}
	return NULL;
}

/* ---- files and the openssl command line ---- */

static void
s_write(const struct fixture *f, const char *name, const char *text)
{
	char path[128];
	FILE *fp;

	assert_true((size_t)snprintf(path, sizeof(path), "%s/%s", f->dir, name) < sizeof(path));
	fp = fopen(path, "w");
	assert_non_null(fp);
	assert_int_equal(fputs(text, fp) >= 0, 1);
	assert_int_equal(fclose(fp), 0);
}

/* OpenSSL 3.0's `req -verify` exits 0 even when the signature is bad: read its verdict. */
#define REQ_VERIFY(file) "openssl req -verify -in " file " -noout 2>&1 | grep -q 'verify OK'"

/* Exit status 0 of a shell command run in the fixture directory. */
static int
s_run_ok(const struct fixture *f, const char *cmd)
{
	char line[512];
	int st;

	assert_true((size_t)snprintf(line, sizeof(line), "cd '%s' && ( %s ) >/dev/null 2>&1",
	                             f->dir, cmd) < sizeof(line));
	st = system(line);
	assert_int_not_equal(st, -1);
	return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

/* ---- verification wrappers ---- */

static int
s_verify_pem(const char *ca_pem, const char *pem, struct sym_diag *diag)
{
	struct member_record rec;

	return cert_verify_member(ca_pem, (const uint8_t *)pem, strlen(pem), &rec, diag);
}

static int
s_csr_verify(const char *pem, struct sym_diag *diag)
{
	struct member_record rec;

	return cert_csr_verify(pem, strlen(pem), &rec, diag);
}

static void
s_assert_diag(const struct sym_diag *diag, const char *needle)
{
	if (strstr(diag->msg, needle) == NULL)
		fail_msg("diag \"%s\" does not mention \"%s\"", diag->msg, needle);
}

/* ---- fixture ---- */

static int
s_setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct sym_diag diag = {{0}};

	if (f == NULL || sodium_init() < 0)
		return -1;
	f->ca_key = keys_generate(KEY_ED25519);
	f->identity = keys_generate(KEY_ED25519);
	f->stranger = keys_generate(KEY_ED25519);
	f->xkey = keys_generate(KEY_X25519);
	f->ckey = keys_generate(KEY_CURVE);
	if (f->ca_key == NULL || f->identity == NULL || f->stranger == NULL || f->xkey == NULL ||
	    f->ckey == NULL)
		return -1;
	if (cert_ca_create("Kalundborg Park", f->ca_key, DAYS, &f->ca_pem) != SYM_OK)
		return -1;
	if (cert_csr_create(f->identity, "novo-42", "Novo Enzymes A/S", f->xkey->pk, f->ckey->pk,
	                    NULL, &f->csr_pem) != SYM_OK)
		return -1;
	if (cert_issue(f->ca_pem, f->ca_key, f->csr_pem, strlen(f->csr_pem), 7, DAYS, &f->cert_pem,
	               &diag) != SYM_OK) {
		fprintf(stderr, "cert_issue: %s\n", diag.msg);
		return -1;
	}
	if (cert_pem_to_der(f->cert_pem, strlen(f->cert_pem), &f->cert_der, &f->cert_der_len) !=
	    SYM_OK)
		return -1;
	if (fixture_dir_make(f->dir, sizeof(f->dir)) != 0)
		return -1;
	*state = f;
	return 0;
}

static int
s_teardown(void **state)
{
	struct fixture *f = *state;
	int r = fixture_dir_remove(f->dir);

	keys_free(&f->ca_key);
	keys_free(&f->identity);
	keys_free(&f->stranger);
	keys_free(&f->xkey);
	keys_free(&f->ckey);
	free(f->ca_pem);
	free(f->csr_pem);
	free(f->cert_pem);
	free(f->cert_der);
	free(f);
	return r;
}

/* ---- syntax ---- */

static void
test_member_id_valid(void **state)
{
	char id[MEMBER_ID_MAX + 2];

	(void)state;
	assert_true(member_id_valid("a"));
	assert_true(member_id_valid("0"));
	assert_true(member_id_valid("novo-42"));
	assert_true(member_id_valid("trailing-"));
	memset(id, 'a', MEMBER_ID_MAX);
	id[MEMBER_ID_MAX] = '\0';
	assert_true(member_id_valid(id));
	id[MEMBER_ID_MAX] = 'a';
	id[MEMBER_ID_MAX + 1] = '\0';
	assert_false(member_id_valid(id));
	assert_false(member_id_valid(NULL));
	assert_false(member_id_valid(""));
	assert_false(member_id_valid("UPPER"));
	assert_false(member_id_valid("has space"));
	assert_false(member_id_valid("-lead"));
	assert_false(member_id_valid("dot.ted"));
	assert_false(member_id_valid("under_score"));
	assert_false(member_id_valid("tab\t"));
	assert_false(member_id_valid("\xc3\xa9t\xc3\xa9"));
}

static void
test_member_name_valid(void **state)
{
	char name[MEMBER_NAME_MAX + 2];

	(void)state;
	assert_true(member_name_valid("Novo Enzymes A/S"));
	assert_true(member_name_valid("\xc3\x98rsted \xe2\x80\x93 Kalundborg")); /* Ørsted – */
	assert_true(member_name_valid("\xf0\x9f\x8c\xb1 Green"));                /* U+1F331 */
	memset(name, 'n', MEMBER_NAME_MAX);
	name[MEMBER_NAME_MAX] = '\0';
	assert_true(member_name_valid(name));
	name[MEMBER_NAME_MAX] = 'n';
	name[MEMBER_NAME_MAX + 1] = '\0';
	assert_false(member_name_valid(name));
	assert_false(member_name_valid(NULL));
	assert_false(member_name_valid(""));
	assert_false(member_name_valid("tab\there"));
	assert_false(member_name_valid("new\nline"));
	assert_false(member_name_valid("del\x7f"));
	assert_false(member_name_valid("c1 \xc2\x85")); /* U+0085 NEL */
	assert_false(member_name_valid("bad \xff"));
	assert_false(member_name_valid("lone \x80"));
	assert_false(member_name_valid("overlong \xc0\xaf"));
	assert_false(member_name_valid("overlong \xe0\x80\xaf"));
	assert_false(member_name_valid("surrogate \xed\xa0\x80"));
	assert_false(member_name_valid("too big \xf4\x90\x80\x80"));
	assert_false(member_name_valid("cut \xe2\x80"));
}

/* ---- the member record without X.509 (member.h) ---- */

/* The fixture's keys as the record of "acme" (Acme Oy), unsigned. */
static void
s_acme_record(const struct fixture *f, struct member_record *rec)
{
	memset(rec, 0, sizeof(*rec));
	snprintf(rec->id, sizeof(rec->id), "acme");
	snprintf(rec->name, sizeof(rec->name), "Acme Oy");
	memcpy(rec->ed25519, f->identity->pk, 32);
	memcpy(rec->x25519, f->xkey->pk, 32);
	memcpy(rec->curve, f->ckey->pk, 32);
}

/* The binding message, pinned byte by byte and against the independent builder above. */
static void
test_member_binding_message(void **state)
{
	static const uint8_t head[] = {'s', 'y', 'm', 'b', 'i', 'o', 'd', '-', 'm', 'e', 'm', 'b',
	                               'e', 'r', '-', 'k', 'e', 'y', 's', '-', 'v', '1', 0,   4,
	                               'a', 'c', 'm', 'e', 7,   'A', 'c', 'm', 'e', ' ', 'O', 'y'};
	struct fixture *f = *state;
	uint8_t x[32], c[32], msg[MEMBER_BINDING_MAX], want[512], sig[64];
	char id[MEMBER_ID_MAX + 1], name[MEMBER_NAME_MAX + 1];
	size_t len = 0;

	memset(x, 0x11, sizeof(x));
	memset(c, 0x22, sizeof(c));
	assert_int_equal(member_binding_message("acme", "Acme Oy", x, c, NULL, msg, &len), SYM_OK);
	assert_int_equal(len, sizeof(head) + 64);
	assert_memory_equal(msg, head, sizeof(head));
	assert_memory_equal(msg + sizeof(head), x, 32);
	assert_memory_equal(msg + sizeof(head) + 32, c, 32);

	/* The longest id and name fill MEMBER_BINDING_MAX but for the site's 8 bytes. */
	memset(id, 'i', MEMBER_ID_MAX);
	id[MEMBER_ID_MAX] = '\0';
	memset(name, 'n', MEMBER_NAME_MAX);
	name[MEMBER_NAME_MAX] = '\0';
	assert_int_equal(member_binding_message(id, name, x, c, NULL, msg, &len), SYM_OK);
	assert_int_equal(len, MEMBER_BINDING_MAX - 8);
	assert_memory_equal(msg, want, s_binding_message(id, name, x, c, want));

	/* Signed by the identity key over exactly that message. */
	assert_int_equal(member_binding_sign(f->identity->sk, "acme", "Acme Oy", x, c, NULL, sig),
	                 SYM_OK);
	len = s_binding_message("acme", "Acme Oy", x, c, want);
	assert_int_equal(crypto_sign_verify_detached(sig, want, len, f->identity->pk), 0);

	/* Only valid ids and names are signed. */
	assert_int_equal(member_binding_message("-acme", "Acme", x, c, NULL, msg, &len),
	                 SYM_ERR_INVALID);
	assert_int_equal(len, 0);
	assert_int_equal(member_binding_message("acme", "bad\n", x, c, NULL, msg, &len),
	                 SYM_ERR_INVALID);
	assert_int_equal(member_binding_sign(f->identity->sk, "ACME", "Acme", x, c, NULL, sig),
	                 SYM_ERR_INVALID);
}

static void
test_member_binding_verify(void **state)
{
	struct fixture *f = *state;
	struct member_record rec;
	struct sym_diag diag = {{0}};

	s_acme_record(f, &rec);
	assert_int_equal(member_binding_sign(f->identity->sk, rec.id, rec.name, rec.x25519,
	                                     rec.curve, NULL, rec.binding_sig),
	                 SYM_OK);
	assert_int_equal(member_binding_verify(&rec, &diag), SYM_OK);
	/* The signature covers the name, and is by the identity key only. */
	rec.name[0] = 'a';
	assert_int_equal(member_binding_verify(&rec, &diag), SYM_ERR_VERIFY);
	s_assert_diag(&diag, "binding signature invalid");
	rec.name[0] = 'A';
	memcpy(rec.ed25519, f->stranger->pk, 32);
	assert_int_equal(member_binding_verify(&rec, &diag), SYM_ERR_VERIFY);
}

/* The extension value: the same bytes as the independent builder, and every refusal. */
static void
test_member_ext(void **state)
{
	uint8_t x[32], c[32], sig[64], value[MEMBER_EXT_LEN], want[133], v2[MEMBER_EXT_SITE_LEN];
	struct member_record rec;
	struct sym_diag diag = {{0}};
	size_t len = 0;

	(void)state;
	memset(x, 0x11, sizeof(x));
	memset(c, 0x22, sizeof(c));
	memset(sig, 0x33, sizeof(sig));
	assert_int_equal(member_ext_encode(x, c, sig, NULL, v2, &len), SYM_OK);
	assert_int_equal(len, MEMBER_EXT_LEN);
	memcpy(value, v2, sizeof(value));
	s_ext_value(x, c, sig, want);
	assert_memory_equal(value, want, sizeof(want));
	memset(&rec, 0, sizeof(rec));
	assert_int_equal(member_ext_decode(value, sizeof(value), &rec, &diag), SYM_OK);
	assert_memory_equal(rec.x25519, x, 32);
	assert_memory_equal(rec.curve, c, 32);
	assert_memory_equal(rec.binding_sig, sig, 64);

	assert_int_equal(member_ext_decode(value, sizeof(value) - 1, &rec, &diag), SYM_ERR_FORMAT);
	s_assert_diag(&diag, "is 132 bytes long, expected 133");
	assert_int_equal(member_ext_decode(NULL, 0, &rec, &diag), SYM_ERR_FORMAT);
	s_assert_diag(&diag, "is empty");
	value[0] = 'X';
	assert_int_equal(member_ext_decode(value, sizeof(value), &rec, &diag), SYM_ERR_FORMAT);
	s_assert_diag(&diag, "bad magic");
	value[0] = 'S';
	value[4] = 3;
	assert_int_equal(member_ext_decode(value, sizeof(value), &rec, &diag), SYM_ERR_FORMAT);
	s_assert_diag(&diag, "version 3 is not supported");
	/* Version 2 carries a site: 133 bytes are too short for it. */
	value[4] = 2;
	assert_int_equal(member_ext_decode(value, sizeof(value), &rec, &diag), SYM_ERR_FORMAT);
	s_assert_diag(&diag, "expected 141");
	assert_int_equal(member_ext_encode(NULL, c, sig, NULL, v2, &len), SYM_ERR_INVALID);
}

static int
s_sorted_by_id(const struct member_record *const *recs, size_t n)
{
	size_t i;

	for (i = 1; i < n; i++)
		if (strcmp(recs[i - 1]->id, recs[i]->id) >= 0)
			return 0;
	return 1;
}

/* What a directory needs: records checked before use, and put in the directory hash's order. */
static void
test_member_record_helpers(void **state)
{
	struct member_record recs[4];
	const struct member_record *order[4];
	static const char *const ids[] = {"zeta", "alpha", "alpha-2", "9lives"};
	size_t i;

	(void)state;
	memset(recs, 0, sizeof(recs));
	for (i = 0; i < 4; i++) {
		snprintf(recs[i].id, sizeof(recs[i].id), "%s", ids[i]);
		snprintf(recs[i].name, sizeof(recs[i].name), "Company %zu", i);
		order[i] = &recs[i];
		assert_true(member_record_valid(&recs[i]));
	}
	qsort(order, 4, sizeof(order[0]), member_record_cmp_id);
	assert_true(s_sorted_by_id(order, 4));
	assert_string_equal(order[0]->id, "9lives");
	assert_string_equal(order[3]->id, "zeta");

	/* An id that runs to the end of its array is refused before anyone reads it. */
	memset(recs[0].id, 'a', sizeof(recs[0].id));
	assert_false(member_record_valid(&recs[0]));
	memset(recs[1].name, 'n', sizeof(recs[1].name));
	assert_false(member_record_valid(&recs[1]));
	snprintf(recs[2].id, sizeof(recs[2].id), "Upper");
	assert_false(member_record_valid(&recs[2]));
	assert_false(member_record_valid(NULL));
}

/* ---- the round trip ---- */

static void
s_assert_record(const struct fixture *f, const struct member_record *rec, const char *id,
                const char *name)
{
	uint8_t msg[512];
	size_t len;

	assert_string_equal(rec->id, id);
	assert_string_equal(rec->name, name);
	assert_memory_equal(rec->ed25519, f->identity->pk, 32);
	assert_memory_equal(rec->x25519, f->xkey->pk, 32);
	assert_memory_equal(rec->curve, f->ckey->pk, 32);
	/* The binding signature covers the message of member.h, as built independently here. */
	len = s_binding_message(id, name, rec->x25519, rec->curve, msg);
	assert_int_equal(crypto_sign_verify_detached(rec->binding_sig, msg, len, rec->ed25519), 0);
}

static void
test_roundtrip(void **state)
{
	struct fixture *f = *state;
	struct member_record rec, rec_der;
	struct sym_diag diag = {{0}};
	uint8_t fp[32], pk[32], zero[32] = {0}, value[133];
	char hex[65], line[256], *p, *q;
	X509 *x;
	X509_EXTENSION *ext;
	ASN1_OBJECT *oid;
	FILE *fp_file;
	int idx;

	assert_int_equal(cert_csr_verify(f->csr_pem, strlen(f->csr_pem), &rec, &diag), SYM_OK);
	s_assert_record(f, &rec, "novo-42", "Novo Enzymes A/S");
	assert_memory_equal(rec.fingerprint, zero, 32);

	if (cert_verify_member(f->ca_pem, (const uint8_t *)f->cert_pem, strlen(f->cert_pem), &rec,
	                       &diag) != SYM_OK)
		fail_msg("verify PEM: %s", diag.msg);
	s_assert_record(f, &rec, "novo-42", "Novo Enzymes A/S");
	crypto_hash_sha256(fp, f->cert_der, f->cert_der_len);
	assert_memory_equal(rec.fingerprint, fp, 32);

	assert_int_equal(
	    cert_verify_member(f->ca_pem, f->cert_der, f->cert_der_len, &rec_der, &diag), SYM_OK);
	assert_memory_equal(&rec, &rec_der, sizeof(rec));

	assert_int_equal(cert_ca_public_key(f->ca_pem, pk), SYM_OK);
	assert_memory_equal(pk, f->ca_key->pk, 32);

	/* The certificate, seen by OpenSSL: the fields and extensions we promise. */
	x = s_x509(f->cert_pem);
	assert_int_equal(X509_get_version(x), X509_VERSION_3);
	assert_int_equal(ASN1_INTEGER_get(X509_get0_serialNumber(x)), 7);
	assert_int_equal(X509_check_ca(x), 0);
	assert_true((X509_get_extension_flags(x) & EXFLAG_BCONS) != 0);
	assert_int_equal(X509_get_key_usage(x), KU_DIGITAL_SIGNATURE);
	assert_non_null(X509_get0_subject_key_id(x));
	assert_non_null(X509_get0_authority_key_id(x));
	assert_true(X509_get_ext_by_critical(x, 1, -1) >= 0);
	oid = OBJ_txt2obj(SYMBI_MEMBER_KEYS_OID, 1);
	idx = X509_get_ext_by_OBJ(x, oid, -1);
	assert_true(idx >= 0);
	ext = X509_get_ext(x, idx);
	assert_int_equal(X509_EXTENSION_get_critical(ext), 0);
	s_ext_value(f->xkey->pk, f->ckey->pk, rec.binding_sig, value);
	assert_int_equal(ASN1_STRING_length(X509_EXTENSION_get_data(ext)), 133);
	assert_memory_equal(ASN1_STRING_get0_data(X509_EXTENSION_get_data(ext)), value, 133);
	ASN1_OBJECT_free(oid);
	X509_free(x);
	x = s_x509(f->ca_pem);
	assert_int_equal(X509_check_ca(x), 1);
	assert_int_equal(X509_get_key_usage(x), KU_KEY_CERT_SIGN | KU_CRL_SIGN);
	assert_int_equal(X509_self_signed(x, 1), 1);
	X509_free(x);

	/* And by the openssl command line. */
	s_write(f, "ca.pem", f->ca_pem);
	s_write(f, "cert.pem", f->cert_pem);
	s_write(f, "csr.pem", f->csr_pem);
	assert_true(s_run_ok(f, "openssl verify -CAfile ca.pem cert.pem"));
	assert_true(s_run_ok(f, "openssl verify -x509_strict -CAfile ca.pem ca.pem"));
	assert_true(s_run_ok(f, REQ_VERIFY("csr.pem")));
	assert_true(s_run_ok(f, "openssl x509 -in cert.pem -noout -fingerprint -sha256 > fp.txt"));
	snprintf(line, sizeof(line), "%s/fp.txt", f->dir);
	fp_file = fopen(line, "r");
	assert_non_null(fp_file);
	assert_non_null(fgets(line, sizeof(line), fp_file));
	fclose(fp_file);
	p = strchr(line, '=');
	assert_non_null(p);
	for (q = hex, p++; *p != '\0' && *p != '\n' && q < hex + 64; p++) {
		if (*p != ':')
			*q++ = *p;
	}
	*q = '\0';
	util_hex(rec.fingerprint, 32, line);
	assert_int_equal(strcasecmp(hex, line), 0);
}

/* The longest id and a 128-byte UTF-8 name survive (O longer than X.520's 64 characters). */
static void
test_roundtrip_long_names(void **state)
{
	struct fixture *f = *state;
	struct member_record rec;
	struct sym_diag diag = {{0}};
	char id[MEMBER_ID_MAX + 1], name[MEMBER_NAME_MAX + 1], *csr = NULL, *cert = NULL;
	size_t i;

	memset(id, 'z', MEMBER_ID_MAX);
	id[MEMBER_ID_MAX] = '\0';
	for (i = 0; i + 2 <= MEMBER_NAME_MAX; i += 2)
		memcpy(name + i, "\xc3\xa6", 2); /* æ */
	name[MEMBER_NAME_MAX] = '\0';
	assert_true(member_name_valid(name));
	assert_int_equal(
	    cert_csr_create(f->identity, id, name, f->xkey->pk, f->ckey->pk, NULL, &csr), SYM_OK);
	assert_int_equal(
	    cert_issue(f->ca_pem, f->ca_key, csr, strlen(csr), UINT64_MAX, 1, &cert, &diag),
	    SYM_OK);
	if (s_verify_pem(f->ca_pem, cert, &diag) != SYM_OK)
		fail_msg("%s", diag.msg);
	assert_int_equal(
	    cert_verify_member(f->ca_pem, (const uint8_t *)cert, strlen(cert), &rec, &diag),
	    SYM_OK);
	s_assert_record(f, &rec, id, name);
	s_write(f, "ca.pem", f->ca_pem);
	s_write(f, "long.pem", cert);
	assert_true(s_run_ok(f, "openssl verify -CAfile ca.pem long.pem"));
	free(csr);
	free(cert);
}

/*
 * Reach: a site is bound like the keys. With a site the binding message has
 * its own context ("-v2") and the site after the keys; a signature made with
 * a site does not verify without it or with another one, and the reverse.
 */
static void
test_member_binding_site(void **state)
{
	static const uint8_t tail[] = {0x00, 0x00, 0x15, 0xbe, 0xff, 0xff, 0xe3, 0x1d};
	struct fixture *f = *state;
	struct site site = {1, 5566, -7395}; /* 55.66, -73.95 */
	struct member_record rec;
	struct sym_diag diag = {{0}};
	uint8_t x[32], c[32], msg[MEMBER_BINDING_MAX];
	size_t len = 0;

	memset(x, 0x11, sizeof(x));
	memset(c, 0x22, sizeof(c));
	assert_int_equal(member_binding_message("acme", "Acme Oy", x, c, &site, msg, &len), SYM_OK);
	assert_int_equal(len, sizeof("symbiod-member-keys-v2") + 5 + 8 + 64 + 8);
	assert_memory_equal(msg, "symbiod-member-keys-v2", sizeof("symbiod-member-keys-v2"));
	assert_memory_equal(msg + len - 8, tail, 8);

	s_acme_record(f, &rec);
	rec.site = site;
	assert_int_equal(member_binding_sign(f->identity->sk, rec.id, rec.name, rec.x25519,
	                                     rec.curve, &rec.site, rec.binding_sig),
	                 SYM_OK);
	assert_int_equal(member_binding_verify(&rec, &diag), SYM_OK);
	rec.site.lon++; /* moved by 0.01 degree */
	assert_int_equal(member_binding_verify(&rec, &diag), SYM_ERR_VERIFY);
	rec.site.lon--;
	rec.site.set = 0; /* stripped */
	assert_int_equal(member_binding_verify(&rec, &diag), SYM_ERR_VERIFY);
	/* A signature without a site does not verify with one added. */
	assert_int_equal(member_binding_sign(f->identity->sk, rec.id, rec.name, rec.x25519,
	                                     rec.curve, NULL, rec.binding_sig),
	                 SYM_OK);
	assert_int_equal(member_binding_verify(&rec, &diag), SYM_OK);
	rec.site = site;
	assert_int_equal(member_binding_verify(&rec, &diag), SYM_ERR_VERIFY);
	/* Only sites in range are signed. */
	site.lat = 9001;
	assert_int_equal(member_binding_message("acme", "Acme Oy", x, c, &site, msg, &len),
	                 SYM_ERR_INVALID);
}

/* The version 2 extension: the site after the signature, and a site out of range refused. */
static void
test_member_ext_site(void **state)
{
	struct site site = {1, -3387, 15121};
	struct member_record rec;
	struct sym_diag diag = {{0}};
	uint8_t x[32], c[32], sig[64], value[MEMBER_EXT_SITE_LEN];
	size_t len = 0;

	(void)state;
	memset(x, 0x11, sizeof(x));
	memset(c, 0x22, sizeof(c));
	memset(sig, 0x33, sizeof(sig));
	assert_int_equal(member_ext_encode(x, c, sig, &site, value, &len), SYM_OK);
	assert_int_equal(len, MEMBER_EXT_SITE_LEN);
	assert_int_equal(value[4], 2);
	memset(&rec, 0, sizeof(rec));
	assert_int_equal(member_ext_decode(value, len, &rec, &diag), SYM_OK);
	assert_int_equal(rec.site.set, 1);
	assert_int_equal(rec.site.lat, -3387);
	assert_int_equal(rec.site.lon, 15121);
	/* 90.01 degrees north: an untrusted request file, refused by range. */
	value[MEMBER_EXT_LEN + 2] = 0x23;
	value[MEMBER_EXT_LEN + 3] = 0x29; /* 9001 */
	value[MEMBER_EXT_LEN] = value[MEMBER_EXT_LEN + 1] = 0;
	assert_int_equal(member_ext_decode(value, len, &rec, &diag), SYM_ERR_RANGE);
	s_assert_diag(&diag, "outside [-90, 90] x [-180, 180]");
	/* Longitude -180.01. */
	memset(value + MEMBER_EXT_LEN, 0, 4);
	value[MEMBER_EXT_LEN + 4] = 0xff;
	value[MEMBER_EXT_LEN + 5] = 0xff;
	value[MEMBER_EXT_LEN + 6] = 0xb9;
	value[MEMBER_EXT_LEN + 7] = 0xaf; /* -18001 */
	assert_int_equal(member_ext_decode(value, len, &rec, &diag), SYM_ERR_RANGE);
	assert_int_equal(member_ext_decode(value, len - 1, &rec, &diag), SYM_ERR_FORMAT);
}

/* A CSR with a site: the CA copies it, the certificate binds it, every reader gets it back. */
static void
test_roundtrip_site(void **state)
{
	struct fixture *f = *state;
	struct site site = {1, 3548, 12935};
	struct member_record rec;
	struct sym_diag diag = {{0}};
	char *csr = NULL, *cert = NULL;

	assert_int_equal(cert_csr_create(f->identity, "petrochem", "Petrochem Co", f->xkey->pk,
	                                 f->ckey->pk, &site, &csr),
	                 SYM_OK);
	assert_int_equal(cert_csr_verify(csr, strlen(csr), &rec, &diag), SYM_OK);
	assert_int_equal(rec.site.set, 1);
	assert_int_equal(rec.site.lat, 3548);
	assert_int_equal(cert_issue(f->ca_pem, f->ca_key, csr, strlen(csr), 7, 1, &cert, &diag),
	                 SYM_OK);
	assert_int_equal(
	    cert_verify_member(f->ca_pem, (const uint8_t *)cert, strlen(cert), &rec, &diag),
	    SYM_OK);
	assert_int_equal(rec.site.set, 1);
	assert_int_equal(rec.site.lat, 3548);
	assert_int_equal(rec.site.lon, 12935);
	free(csr);
	free(cert);
	/* The request of a member without a site reads as none. */
	assert_int_equal(cert_csr_verify(f->csr_pem, strlen(f->csr_pem), &rec, &diag), SYM_OK);
	assert_int_equal(rec.site.set, 0);
}

/* ---- refusals ---- */

static void
test_other_ca(void **state)
{
	struct fixture *f = *state;
	struct sym_diag diag = {{0}};
	struct member_record rec;
	char *other = NULL, *same_name = NULL;
	struct keypair *k2 = keys_generate(KEY_ED25519);
	X509 *x;

	assert_non_null(k2);
	assert_int_equal(cert_ca_create("Rotterdam Park", k2, DAYS, &other), SYM_OK);
	assert_int_equal(cert_ca_create("Kalundborg Park", k2, DAYS, &same_name), SYM_OK);
	assert_int_equal(s_verify_pem(other, f->cert_pem, &diag), SYM_ERR_VERIFY);
	s_assert_diag(&diag, "not signed by this park's CA");
	/* The same CA name with another key must not fool the issuer lookup. */
	diag.msg[0] = '\0';
	memset(&rec, 0xaa, sizeof(rec));
	assert_int_equal(cert_verify_member(same_name, f->cert_der, f->cert_der_len, &rec, &diag),
	                 SYM_ERR_VERIFY);
	s_assert_diag(&diag, "not signed by this park's CA");
	/* Nothing of a refused certificate is handed back. */
	assert_true(sodium_is_zero((const unsigned char *)&rec, sizeof(rec)));
	s_write(f, "ca2.pem", same_name);
	s_write(f, "cert.pem", f->cert_pem);
	assert_false(s_run_ok(f, "openssl verify -CAfile ca2.pem cert.pem"));
	free(other);
	/* The park CA certificate itself must carry a valid self-signature. */
	x = s_x509(f->ca_pem);
	other = s_sign_pem(x, k2);
	X509_free(x);
	assert_int_equal(s_verify_pem(other, f->cert_pem, &diag), SYM_ERR_VERIFY);
	s_assert_diag(&diag, "not validly self-signed");
	assert_int_not_equal(cert_ca_public_key(other, (uint8_t[32]){0}), SYM_OK);
	free(other);
	other = NULL;
	/* Issuing with another CA's key than the certificate's. */
	assert_int_equal(
	    cert_issue(f->ca_pem, k2, f->csr_pem, strlen(f->csr_pem), 1, DAYS, &other, &diag),
	    SYM_ERR_INVALID);
	assert_null(other);
	s_assert_diag(&diag, "CA key");
	free(same_name);
	keys_free(&k2);
}

/*
 * The park id without parsing (a client's start, whose caches are bound to
 * it) equals the parsed one for a real CA; a certificate's DER bytes come
 * back as they are from PEM or DER; what does not decode is refused.
 */
static void
test_park_id_unparsed(void **state)
{
	struct fixture *f = *state;
	uint8_t parsed[32], unparsed[32], *der = NULL;
	size_t n = 0;
	char *bad;

	assert_int_equal(cert_park_id(f->ca_pem, parsed), SYM_OK);
	assert_int_equal(cert_park_id_unparsed(f->ca_pem, unparsed), SYM_OK);
	assert_memory_equal(parsed, unparsed, 32);
	assert_int_equal(
	    cert_der_bytes((const uint8_t *)f->cert_pem, strlen(f->cert_pem), &der, &n), SYM_OK);
	assert_int_equal(n, f->cert_der_len);
	assert_memory_equal(der, f->cert_der, n);
	free(der);
	assert_int_equal(cert_der_bytes(f->cert_der, f->cert_der_len, &der, &n), SYM_OK);
	assert_memory_equal(der, f->cert_der, f->cert_der_len);
	free(der);
	assert_int_not_equal(cert_park_id_unparsed("not a certificate", unparsed), SYM_OK);
	assert_int_not_equal(cert_der_bytes((const uint8_t *)"", 0, &der, &n), SYM_OK);
	/* One changed base64 character: another id, not the park's (a cache of it is not used). */
	assert_non_null(bad = strdup(f->ca_pem));
	bad[strlen("-----BEGIN CERTIFICATE-----\n") + 40] ^= 0x01;
	if (cert_park_id_unparsed(bad, unparsed) == SYM_OK)
		assert_memory_not_equal(parsed, unparsed, 32);
	free(bad);
}

static void
test_csr_tampered_binding(void **state)
{
	struct fixture *f = *state;
	struct sym_diag diag = {{0}};
	uint8_t other_x[32], *der, *hit;
	size_t len, i;
	char *csr, *cert = NULL, *pem;

	randombytes_buf(other_x, sizeof(other_x));
	/* Well signed by its subject key, but the extension's X25519 is not the one bound. */
	csr = s_csr_by_hand(f->identity, f->identity, "novo-42", "Novo Enzymes A/S", f->xkey->pk,
	                    other_x, f->ckey->pk, 1, 0);
	s_write(f, "bad.pem", csr);
	assert_true(s_run_ok(f, REQ_VERIFY("bad.pem")));
	assert_int_equal(s_csr_verify(csr, &diag), SYM_ERR_VERIFY);
	s_assert_diag(&diag, "binding signature invalid");
	assert_int_equal(cert_issue(f->ca_pem, f->ca_key, csr, strlen(csr), 2, DAYS, &cert, &diag),
	                 SYM_ERR_VERIFY);
	assert_null(cert);
	free(csr);

	/* The hand-built CSR with matching keys is accepted: the helper is faithful. */
	csr = s_csr_by_hand(f->identity, f->identity, "novo-42", "Novo Enzymes A/S", f->xkey->pk,
	                    f->xkey->pk, f->ckey->pk, 1, 0);
	if (s_csr_verify(csr, &diag) != SYM_OK)
		fail_msg("%s", diag.msg);
	free(csr);

	/* One flipped byte of the X25519 key inside the extension of a real CSR. */
	der = s_pem_decode(f->csr_pem, &len);
	hit = s_find(der, len, "SYMK", 4);
	assert_non_null(hit);
	hit[5] ^= 0x01;
	pem = s_pem_encode("CERTIFICATE REQUEST", der, len);
	assert_int_equal(s_csr_verify(pem, &diag), SYM_ERR_VERIFY);
	free(pem);
	hit[5] ^= 0x01;

	/* Any flipped byte anywhere. */
	for (i = 0; i < len; i++) {
		der[i] ^= 0x01;
		pem = s_pem_encode("CERTIFICATE REQUEST", der, len);
		if (s_csr_verify(pem, &diag) == SYM_OK)
			fail_msg("CSR with byte %zu flipped accepted", i);
		free(pem);
		der[i] ^= 0x01;
	}
	pem = s_pem_encode("CERTIFICATE REQUEST", der, len);
	assert_int_equal(s_csr_verify(pem, &diag), SYM_OK);
	free(pem);
	free(der);
}

static void
test_csr_wrong_signer(void **state)
{
	struct fixture *f = *state;
	struct sym_diag diag = {{0}};
	uint8_t *der;
	size_t len;
	char *pem;

	/* The last byte of the DER is the last byte of the signature. */
	der = s_pem_decode(f->csr_pem, &len);
	der[len - 1] ^= 0x80;
	pem = s_pem_encode("CERTIFICATE REQUEST", der, len);
	assert_int_equal(s_csr_verify(pem, &diag), SYM_ERR_VERIFY);
	s_assert_diag(&diag, "CSR signature invalid");
	s_write(f, "bad.pem", pem);
	assert_false(s_run_ok(f, REQ_VERIFY("bad.pem")));
	free(pem);
	free(der);

	/* Subject key is the identity, signed by a stranger (binding is fine). */
	pem = s_csr_by_hand(f->identity, f->stranger, "novo-42", "Novo Enzymes A/S", f->xkey->pk,
	                    f->xkey->pk, f->ckey->pk, 1, 0);
	assert_int_equal(s_csr_verify(pem, &diag), SYM_ERR_VERIFY);
	s_assert_diag(&diag, "CSR signature invalid");
	free(pem);
}

static void
test_csr_extensions(void **state)
{
	struct fixture *f = *state;
	struct sym_diag diag = {{0}};
	char *pem, *cert = NULL;

	/* A company asking to be a CA is refused, not quietly downgraded. */
	pem = s_csr_by_hand(f->identity, f->identity, "novo-42", "Novo Enzymes A/S", f->xkey->pk,
	                    f->xkey->pk, f->ckey->pk, 1, 1);
	assert_int_equal(s_csr_verify(pem, &diag), SYM_ERR_FORMAT);
	s_assert_diag(&diag, "only the member keys extension");
	assert_int_equal(cert_issue(f->ca_pem, f->ca_key, pem, strlen(pem), 3, DAYS, &cert, &diag),
	                 SYM_ERR_FORMAT);
	assert_null(cert);
	free(pem);

	pem = s_csr_by_hand(f->identity, f->identity, "novo-42", "Novo Enzymes A/S", f->xkey->pk,
	                    f->xkey->pk, f->ckey->pk, 0, 1);
	assert_int_equal(s_csr_verify(pem, &diag), SYM_ERR_FORMAT);
	s_assert_diag(&diag, "member keys extension missing");
	free(pem);

	pem = s_csr_by_hand(f->identity, f->identity, "novo-42", "Novo Enzymes A/S", f->xkey->pk,
	                    f->xkey->pk, f->ckey->pk, 0, 0);
	assert_int_equal(s_csr_verify(pem, &diag), SYM_ERR_FORMAT);
	assert_int_equal(cert_issue(f->ca_pem, f->ca_key, pem, strlen(pem), 3, DAYS, &cert, &diag),
	                 SYM_ERR_FORMAT);
	assert_null(cert);
	free(pem);

	/* Subject syntax is checked on the CSR too. */
	pem = s_csr_by_hand(f->identity, f->identity, "UPPER", "Novo Enzymes A/S", f->xkey->pk,
	                    f->xkey->pk, f->ckey->pk, 1, 0);
	assert_int_equal(s_csr_verify(pem, &diag), SYM_ERR_FORMAT);
	s_assert_diag(&diag, "company id");
	free(pem);
}

/* Change x and have the real CA sign it again, so only the check under test can refuse it. */
static char *
s_cert_resigned(const struct fixture *f, const struct keypair *signer, void (*change)(X509 *))
{
	X509 *x = s_x509(f->cert_pem);
	char *pem;

	change(x);
	pem = s_sign_pem(x, signer);
	X509_free(x);
	return pem;
}

static void
s_make_expired(X509 *x)
{
	assert_non_null(X509_time_adj_ex(X509_getm_notBefore(x), -10, 0, NULL));
	assert_non_null(X509_time_adj_ex(X509_getm_notAfter(x), -1, 0, NULL));
}

static void
s_make_future(X509 *x)
{
	assert_non_null(X509_time_adj_ex(X509_getm_notBefore(x), 2, 0, NULL));
	assert_non_null(X509_time_adj_ex(X509_getm_notAfter(x), 10, 0, NULL));
}

static void
s_nothing(X509 *x)
{
	(void)x;
}

static void
test_expired(void **state)
{
	struct fixture *f = *state;
	struct sym_diag diag = {{0}};
	char *pem = NULL;

	assert_int_equal(
	    cert_issue(f->ca_pem, f->ca_key, f->csr_pem, strlen(f->csr_pem), 8, 0, &pem, &diag),
	    SYM_ERR_RANGE);
	assert_null(pem);
	assert_int_equal(
	    cert_issue(f->ca_pem, f->ca_key, f->csr_pem, strlen(f->csr_pem), 8, -1, &pem, &diag),
	    SYM_ERR_RANGE);
	assert_int_equal(
	    cert_issue(f->ca_pem, f->ca_key, f->csr_pem, strlen(f->csr_pem), 0, DAYS, &pem, &diag),
	    SYM_ERR_RANGE);
	assert_null(pem);

	/* Re-signing without a change keeps it valid: the helper does not break things itself. */
	pem = s_cert_resigned(f, f->ca_key, s_nothing);
	assert_int_equal(s_verify_pem(f->ca_pem, pem, &diag), SYM_OK);
	free(pem);

	pem = s_cert_resigned(f, f->ca_key, s_make_expired);
	assert_int_equal(s_verify_pem(f->ca_pem, pem, &diag), SYM_ERR_VERIFY);
	s_assert_diag(&diag, "certificate expired");
	s_write(f, "ca.pem", f->ca_pem);
	s_write(f, "expired.pem", pem);
	assert_false(s_run_ok(f, "openssl verify -CAfile ca.pem expired.pem"));
	free(pem);

	pem = s_cert_resigned(f, f->ca_key, s_make_future);
	assert_int_equal(s_verify_pem(f->ca_pem, pem, &diag), SYM_ERR_VERIFY);
	s_assert_diag(&diag, "not yet valid");
	free(pem);
}

static void
test_invalid_ids(void **state)
{
	static const char *bad_ids[] = {"", "UPPER", "has space", "-lead", "dot.", NULL};
	struct fixture *f = *state;
	char id[MEMBER_ID_MAX + 2], *pem = NULL;
	size_t i;

	for (i = 0; bad_ids[i] != NULL; i++) {
		assert_false(member_id_valid(bad_ids[i]));
		assert_int_equal(cert_csr_create(f->identity, bad_ids[i], "Name", f->xkey->pk,
		                                 f->ckey->pk, NULL, &pem),
		                 SYM_ERR_INVALID);
		assert_null(pem);
	}
	memset(id, 'a', MEMBER_ID_MAX + 1);
	id[MEMBER_ID_MAX + 1] = '\0';
	assert_false(member_id_valid(id));
	assert_int_equal(
	    cert_csr_create(f->identity, id, "Name", f->xkey->pk, f->ckey->pk, NULL, &pem),
	    SYM_ERR_INVALID);
	assert_int_equal(
	    cert_csr_create(f->identity, NULL, "Name", f->xkey->pk, f->ckey->pk, NULL, &pem),
	    SYM_ERR_INVALID);
	assert_int_equal(
	    cert_csr_create(f->identity, "ok", "bad\nname", f->xkey->pk, f->ckey->pk, NULL, &pem),
	    SYM_ERR_INVALID);
	assert_int_equal(
	    cert_csr_create(f->identity, "ok", "", f->xkey->pk, f->ckey->pk, NULL, &pem),
	    SYM_ERR_INVALID);
	assert_null(pem);
	/* Keys of the wrong kind, and a key pair whose halves disagree. */
	assert_int_equal(
	    cert_csr_create(f->xkey, "ok", "Name", f->xkey->pk, f->ckey->pk, NULL, &pem),
	    SYM_ERR_INVALID);
	assert_int_equal(cert_ca_create("Park", f->xkey, DAYS, &pem), SYM_ERR_INVALID);
	assert_int_equal(cert_ca_create("Park\n", f->ca_key, DAYS, &pem), SYM_ERR_INVALID);
	assert_int_equal(cert_ca_create("Park", f->ca_key, 0, &pem), SYM_ERR_RANGE);
	{
		struct keypair *mixed = keys_generate(KEY_ED25519);

		assert_non_null(mixed);
		memcpy(mixed->pk, f->identity->pk, 32);
		assert_int_equal(
		    cert_csr_create(mixed, "ok", "Name", f->xkey->pk, f->ckey->pk, NULL, &pem),
		    SYM_ERR_INVALID);
		keys_free(&mixed);
	}
	assert_null(pem);
}

static void
test_garbage(void **state)
{
	struct fixture *f = *state;
	struct sym_diag diag = {{0}};
	struct member_record rec;
	uint8_t junk[600], *der = NULL, *big;
	size_t i, len = 0, end, csr_end;
	char *pem, *mid;
	int r;

	/* Truncated DER at every length. */
	for (i = 0; i < f->cert_der_len; i++) {
		r = cert_verify_member(f->ca_pem, f->cert_der, i, &rec, &diag);
		if (r != SYM_ERR_FORMAT)
			fail_msg("DER truncated to %zu: %d", i, r);
	}
	/* Truncated PEM at every length: refused until the END line is complete. */
	end = (size_t)(strstr(f->cert_pem, "-----END CERTIFICATE-----") - f->cert_pem) +
	      strlen("-----END CERTIFICATE-----");
	for (i = 0; i <= strlen(f->cert_pem); i++) {
		r = cert_verify_member(f->ca_pem, (const uint8_t *)f->cert_pem, i, &rec, &diag);
		if (i < end && r == SYM_OK)
			fail_msg("PEM truncated to %zu accepted", i);
		if (i >= end && r != SYM_OK)
			fail_msg("PEM of %zu bytes refused: %s", i, diag.msg);
	}
	csr_end = (size_t)(strstr(f->csr_pem, "-----END CERTIFICATE REQUEST-----") - f->csr_pem) +
	          strlen("-----END CERTIFICATE REQUEST-----");
	for (i = 0; i <= strlen(f->csr_pem); i++) {
		r = cert_csr_verify(f->csr_pem, i, &rec, &diag);
		if ((i < csr_end) != (r != SYM_OK))
			fail_msg("CSR truncated to %zu: %d", i, r);
	}
	for (i = 0; i <= strlen(f->cert_pem); i++) {
		r = cert_pem_to_der(f->cert_pem, i, &der, &len);
		if ((i < end) != (r != SYM_OK))
			fail_msg("cert_pem_to_der of %zu bytes: %d", i, r);
		if (r == SYM_OK) {
			assert_int_equal(len, f->cert_der_len);
			assert_memory_equal(der, f->cert_der, len);
		} else {
			assert_null(der);
		}
		free(der);
		der = NULL;
	}
	/* Random bytes, with and without a DER SEQUENCE tag in front. */
	for (i = 0; i < 200; i++) {
		randombytes_buf(junk, sizeof(junk));
		if (i % 2 == 0)
			junk[0] = 0x30;
		assert_int_not_equal(cert_verify_member(f->ca_pem, junk, 1 + i * 3, &rec, &diag),
		                     SYM_OK);
		assert_int_not_equal(cert_csr_verify((const char *)junk, 1 + i * 3, &rec, &diag),
		                     SYM_OK);
		assert_int_not_equal(cert_pem_to_der((const char *)junk, 1 + i * 3, &der, &len),
		                     SYM_OK);
	}
	/* A SEQUENCE header that claims more than there is. */
	memcpy(junk, "\x30\x84\x7f\xff\xff\xff\x30\x82", 8);
	assert_int_equal(cert_verify_member(f->ca_pem, junk, 8, &rec, &diag), SYM_ERR_FORMAT);
	/* A well-formed PEM block of garbage. */
	pem = s_pem_encode("CERTIFICATE", junk, 300);
	assert_int_equal(s_verify_pem(f->ca_pem, pem, &diag), SYM_ERR_FORMAT);
	free(pem);
	/* Trailing bytes after the DER, and a non-minimal length encoding. */
	big = malloc(f->cert_der_len + 2);
	assert_non_null(big);
	memcpy(big, f->cert_der, f->cert_der_len);
	big[f->cert_der_len] = 0;
	assert_int_equal(cert_verify_member(f->ca_pem, big, f->cert_der_len + 1, &rec, &diag),
	                 SYM_ERR_FORMAT);
	assert_int_equal(f->cert_der[1], 0x82);
	big[0] = 0x30;
	big[1] = 0x83;
	big[2] = 0x00;
	memcpy(big + 3, f->cert_der + 2, f->cert_der_len - 2);
	assert_int_equal(cert_verify_member(f->ca_pem, big, f->cert_der_len + 1, &rec, &diag),
	                 SYM_ERR_FORMAT);
	free(big);
	/* Oversized input is refused before parsing. */
	big = calloc(1, CERT_PEM_MAX + 2);
	assert_non_null(big);
	memcpy(big, f->cert_pem, strlen(f->cert_pem));
	assert_int_equal(cert_verify_member(f->ca_pem, big, CERT_PEM_MAX + 1, &rec, &diag),
	                 SYM_ERR_LIMIT);
	assert_int_equal(cert_csr_verify((const char *)big, CERT_PEM_MAX + 1, &rec, &diag),
	                 SYM_ERR_LIMIT);
	memset(big, 'A', CERT_PEM_MAX + 1);
	big[CERT_PEM_MAX + 1] = '\0';
	assert_int_not_equal(s_verify_pem((const char *)big, f->cert_pem, &diag), SYM_OK);
	free(big);
	/* The wrong PEM label either way, and an "encrypted" block (no password prompt). */
	assert_int_equal(s_verify_pem(f->ca_pem, f->csr_pem, &diag), SYM_ERR_FORMAT);
	assert_int_equal(s_csr_verify(f->cert_pem, &diag), SYM_ERR_FORMAT);
	mid = strchr(f->cert_pem, '\n');
	assert_non_null(mid);
	pem = malloc(strlen(f->cert_pem) + 128);
	assert_non_null(pem);
	memcpy(pem, f->cert_pem, (size_t)(mid + 1 - f->cert_pem));
	strcpy(
	    pem + (mid + 1 - f->cert_pem),
	    "Proc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00112233445566778899AABBCCDDEEFF\n\n");
	strcat(pem, mid + 1);
	assert_int_equal(s_verify_pem(f->ca_pem, pem, &diag), SYM_ERR_FORMAT);
	assert_int_equal(cert_pem_to_der(pem, strlen(pem), &der, &len), SYM_ERR_FORMAT);
	free(pem);
	/* Garbage CA, NULL arguments. */
	assert_int_not_equal(s_verify_pem("not a certificate", f->cert_pem, &diag), SYM_OK);
	assert_int_not_equal(s_verify_pem("", f->cert_pem, &diag), SYM_OK);
	assert_int_not_equal(s_verify_pem(NULL, f->cert_pem, &diag), SYM_OK);
	assert_int_not_equal(cert_verify_member(f->ca_pem, NULL, 10, &rec, &diag), SYM_OK);
	assert_int_equal(cert_verify_member(f->ca_pem, f->cert_der, f->cert_der_len, &rec, NULL),
	                 SYM_OK);
	assert_int_not_equal(cert_csr_verify(NULL, 10, &rec, &diag), SYM_OK);
	assert_int_not_equal(cert_ca_public_key("garbage", junk), SYM_OK);
	assert_int_not_equal(cert_ca_public_key(f->cert_pem, junk), SYM_OK);
	pem = NULL;
	assert_int_not_equal(
	    cert_issue("garbage", f->ca_key, f->csr_pem, strlen(f->csr_pem), 1, DAYS, &pem, &diag),
	    SYM_OK);
	assert_int_not_equal(cert_issue(f->ca_pem, f->ca_key, "garbage", 7, 1, DAYS, &pem, &diag),
	                     SYM_OK);
	assert_null(pem);
}

/* Every single flipped bit-pattern of the certificate DER is refused. */
static void
test_cert_byte_flips(void **state)
{
	struct fixture *f = *state;
	struct sym_diag diag = {{0}};
	struct member_record rec;
	uint8_t *der = malloc(f->cert_der_len);
	size_t i;

	assert_non_null(der);
	memcpy(der, f->cert_der, f->cert_der_len);
	for (i = 0; i < f->cert_der_len; i++) {
		der[i] ^= 0x01;
		if (cert_verify_member(f->ca_pem, der, f->cert_der_len, &rec, &diag) == SYM_OK)
			fail_msg("certificate with byte %zu flipped accepted", i);
		der[i] ^= 0x01;
	}
	assert_int_equal(cert_verify_member(f->ca_pem, der, f->cert_der_len, &rec, &diag), SYM_OK);
	free(der);
}

static void
test_ca_as_member(void **state)
{
	struct fixture *f = *state;
	struct sym_diag diag = {{0}};
	uint8_t *der = NULL;
	size_t len = 0;

	assert_int_equal(s_verify_pem(f->ca_pem, f->ca_pem, &diag), SYM_ERR_VERIFY);
	s_assert_diag(&diag, "CA certificate is not a member certificate");
	assert_int_equal(cert_pem_to_der(f->ca_pem, strlen(f->ca_pem), &der, &len), SYM_OK);
	assert_int_equal(
	    cert_verify_member(f->ca_pem, der, len, &(struct member_record){.id = {0}}, &diag),
	    SYM_ERR_VERIFY);
	free(der);
}

/* A certificate for a stranger that a member signed with its own identity key. */
static const struct fixture *s_forger;

static void
s_issued_by_member(X509 *x)
{
	X509 *member = s_x509(s_forger->cert_pem);

	assert_int_equal(X509_set_issuer_name(x, X509_get_subject_name(member)), 1);
	X509_free(member);
}

static void
test_member_as_ca(void **state)
{
	struct fixture *f = *state;
	struct sym_diag diag = {{0}};
	char *pem = NULL;

	assert_int_equal(s_verify_pem(f->cert_pem, f->cert_pem, &diag), SYM_ERR_VERIFY);
	s_assert_diag(&diag, "not a CA certificate");
	assert_int_equal(cert_issue(f->cert_pem, f->identity, f->csr_pem, strlen(f->csr_pem), 9,
	                            DAYS, &pem, &diag),
	                 SYM_ERR_VERIFY);
	assert_null(pem);
	assert_int_not_equal(cert_ca_public_key(f->cert_pem, (uint8_t[32]){0}), SYM_OK);

	s_forger = f;
	pem = s_cert_resigned(f, f->identity, s_issued_by_member);
	assert_int_equal(s_verify_pem(f->cert_pem, pem, &diag), SYM_ERR_VERIFY);
	s_assert_diag(&diag, "not a CA certificate");
	assert_int_equal(s_verify_pem(f->ca_pem, pem, &diag), SYM_ERR_VERIFY);
	s_assert_diag(&diag, "not signed by this park's CA");
	s_write(f, "member.pem", f->cert_pem);
	s_write(f, "forged.pem", pem);
	assert_false(s_run_ok(f, "openssl verify -CAfile member.pem forged.pem"));
	free(pem);
}

/* CA-signed certificates whose member keys extension is wrong in one way each. */
static void
s_drop_ext(X509 *x)
{
	ASN1_OBJECT *oid = OBJ_txt2obj(SYMBI_MEMBER_KEYS_OID, 1);
	int idx = X509_get_ext_by_OBJ(x, oid, -1);

	assert_true(idx >= 0);
	X509_EXTENSION_free(X509_delete_ext(x, idx));
	ASN1_OBJECT_free(oid);
}

static void
s_dup_ext(X509 *x)
{
	ASN1_OBJECT *oid = OBJ_txt2obj(SYMBI_MEMBER_KEYS_OID, 1);
	int idx = X509_get_ext_by_OBJ(x, oid, -1);

	assert_true(idx >= 0);
	assert_int_equal(X509_add_ext(x, X509_get_ext(x, idx), -1), 1);
	ASN1_OBJECT_free(oid);
}

/* The member keys extension's value, and its replacement by another one. */
static const uint8_t *
s_ext_value_of(X509 *x)
{
	ASN1_OBJECT *oid = OBJ_txt2obj(SYMBI_MEMBER_KEYS_OID, 1);
	int idx = X509_get_ext_by_OBJ(x, oid, -1);

	assert_true(idx >= 0);
	ASN1_OBJECT_free(oid);
	return ASN1_STRING_get0_data(X509_EXTENSION_get_data(X509_get_ext(x, idx)));
}

static void
s_ext_set(X509 *x, const uint8_t *value, size_t len)
{
	ASN1_OBJECT *oid = OBJ_txt2obj(SYMBI_MEMBER_KEYS_OID, 1);
	int idx = X509_get_ext_by_OBJ(x, oid, -1);
	X509_EXTENSION *ext;

	assert_true(idx >= 0);
	X509_EXTENSION_free(X509_delete_ext(x, idx));
	ext = s_ext_make(value, len);
	assert_int_equal(X509_add_ext(x, ext, -1), 1);
	X509_EXTENSION_free(ext);
	ASN1_OBJECT_free(oid);
}

static void
s_replace_ext(X509 *x, size_t byte, size_t len)
{
	uint8_t value[140];

	memset(value, 0, sizeof(value));
	memcpy(value, s_ext_value_of(x), 133);
	value[byte] ^= 0x01;
	s_ext_set(x, value, len);
}

static void
s_flip_x25519(X509 *x)
{
	s_replace_ext(x, 5, 133);
}

static void
s_flip_curve(X509 *x)
{
	s_replace_ext(x, 40, 133);
}

static void
s_flip_version(X509 *x)
{
	s_replace_ext(x, 4, 133);
}

static void
s_long_ext(X509 *x)
{
	s_replace_ext(x, 139, 134);
}

/* A new CN under the old binding signature (which covers the id). */
static void
s_rename(X509 *x)
{
	X509_NAME *nm = X509_NAME_new();

	assert_non_null(nm);
	assert_int_equal(X509_NAME_add_entry_by_NID(nm, NID_commonName, MBSTRING_UTF8,
	                                            (const unsigned char *)"evil-1", -1, -1, 0),
	                 1);
	assert_int_equal(X509_NAME_add_entry_by_NID(nm, NID_organizationName, MBSTRING_UTF8,
	                                            (const unsigned char *)"Novo Enzymes A/S", -1,
	                                            -1, 0),
	                 1);
	assert_int_equal(X509_set_subject_name(x, nm), 1);
	X509_NAME_free(nm);
}

static void
s_extra_subject(X509 *x)
{
	assert_int_equal(X509_NAME_add_entry_by_NID(X509_get_subject_name(x), NID_countryName,
	                                            MBSTRING_ASC, (const unsigned char *)"DK", -1,
	                                            -1, 0),
	                 1);
}

static void
test_ca_signed_bad_extension(void **state)
{
	static const struct {
		void (*change)(X509 *);
		int err;
		const char *diag;
	} cases[] = {
	    {s_drop_ext, SYM_ERR_FORMAT, "member keys extension missing"},
	    {s_dup_ext, SYM_ERR_FORMAT, "more than once"},
	    {s_flip_x25519, SYM_ERR_VERIFY, "binding signature invalid"},
	    {s_flip_curve, SYM_ERR_VERIFY, "binding signature invalid"},
	    {s_flip_version, SYM_ERR_FORMAT, "version"},
	    {s_long_ext, SYM_ERR_FORMAT, "134 bytes"},
	    {s_rename, SYM_ERR_VERIFY, "binding signature invalid"},
	    {s_extra_subject, SYM_ERR_FORMAT, "subject must be exactly"},
	};
	struct fixture *f = *state;
	struct sym_diag diag = {{0}};
	size_t i;
	char *pem;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		pem = s_cert_resigned(f, f->ca_key, cases[i].change);
		diag.msg[0] = '\0';
		assert_int_equal(s_verify_pem(f->ca_pem, pem, &diag), cases[i].err);
		s_assert_diag(&diag, cases[i].diag);
		free(pem);
	}
}

/* ---- keys checked where they enter (protocol 1.1, repair 5) ---- */

/* A point of order 8: every X25519 agreement with it gives one of eight values. */
static const uint8_t s_low_order[32] = {
    0xe0, 0xeb, 0x7a, 0x7c, 0x3b, 0x41, 0xb8, 0xae, 0x16, 0x56, 0xe3, 0xfa, 0xf1, 0x9f, 0xc4, 0x6a,
    0xda, 0x09, 0x8d, 0xeb, 0x9c, 0x32, 0xb1, 0xfd, 0x86, 0x62, 0x05, 0x16, 0x5f, 0x49, 0xb8, 0x00};
static const uint8_t *s_bad_x25519, *s_bad_curve;

/* The member keys extension replaced by one for s_bad_x25519 / s_bad_curve, properly bound. */
static void
s_weak_keys_ext(X509 *x)
{
	uint8_t msg[512], sig[64], value[133];
	size_t msg_len =
	    s_binding_message("novo-42", "Novo Enzymes A/S", s_bad_x25519, s_bad_curve, msg);

	assert_int_equal(crypto_sign_detached(sig, NULL, msg, msg_len, s_forger->identity->sk), 0);
	s_ext_value(s_bad_x25519, s_bad_curve, sig, value);
	s_ext_set(x, value, sizeof(value));
}

static void
test_weak_keys(void **state)
{
	struct fixture *f = *state;
	struct sym_diag diag = {{0}};
	uint8_t high[32];
	char *pem, *cert = NULL;
	int i;

	/* Enrolment: a CSR whose low-order key its identity key really vouches for. */
	pem = s_csr_by_hand(f->identity, f->identity, "novo-42", "Novo Enzymes A/S", s_low_order,
	                    s_low_order, f->ckey->pk, 1, 0);
	assert_int_equal(s_csr_verify(pem, &diag), SYM_ERR_WEAK_KEY);
	s_assert_diag(&diag, "the X25519 agreement key of \"novo-42\" is a low-order point");
	assert_int_equal(cert_issue(f->ca_pem, f->ca_key, pem, strlen(pem), 11, DAYS, &cert, &diag),
	                 SYM_ERR_WEAK_KEY);
	assert_null(cert);
	free(pem);
	/* The same for the CURVE key, and for an encoding with the ignored high bit set. */
	memcpy(high, f->xkey->pk, 32);
	high[31] |= 0x80;
	pem = s_csr_by_hand(f->identity, f->identity, "novo-42", "Novo Enzymes A/S", f->xkey->pk,
	                    f->xkey->pk, s_low_order, 1, 0);
	assert_int_equal(s_csr_verify(pem, &diag), SYM_ERR_WEAK_KEY);
	s_assert_diag(&diag, "CURVE transport key of \"novo-42\"");
	free(pem);
	pem = s_csr_by_hand(f->identity, f->identity, "novo-42", "Novo Enzymes A/S", high, high,
	                    f->ckey->pk, 1, 0);
	assert_int_equal(s_csr_verify(pem, &diag), SYM_ERR_WEAK_KEY);
	s_assert_diag(&diag, "not a canonical encoding");
	free(pem);

	/*
	 * The directory: a certificate the park CA signed for such keys (a
	 * coordinator that skipped the check) is refused by every reader.
	 */
	s_forger = f;
	for (i = 0; i < 2; i++) {
		s_bad_x25519 = i == 0 ? s_low_order : f->xkey->pk;
		s_bad_curve = i == 0 ? f->ckey->pk : s_low_order;
		pem = s_cert_resigned(f, f->ca_key, s_weak_keys_ext);
		diag.msg[0] = '\0';
		assert_int_equal(s_verify_pem(f->ca_pem, pem, &diag), SYM_ERR_WEAK_KEY);
		s_assert_diag(&diag, i == 0 ? "X25519 agreement key" : "CURVE transport key");
		s_assert_diag(&diag, "low-order");
		free(pem);
	}
	/* A record from anywhere: each of its three keys is checked, by name. */
	{
		struct member_record rec;

		assert_int_equal(
		    cert_verify_member(f->ca_pem, f->cert_der, f->cert_der_len, &rec, &diag),
		    SYM_OK);
		assert_int_equal(member_keys_valid(&rec, &diag), SYM_OK);
		memset(rec.ed25519, 0, 32);
		rec.ed25519[0] = 1; /* the identity point */
		assert_int_equal(member_keys_valid(&rec, &diag), SYM_ERR_WEAK_KEY);
		s_assert_diag(&diag, "the Ed25519 identity key of \"novo-42\"");
		assert_int_equal(member_binding_verify(&rec, &diag), SYM_ERR_WEAK_KEY);
		s_assert_diag(&diag, "Ed25519 identity key");
	}
	/* The control: the same forgery with the honest keys verifies. */
	s_bad_x25519 = f->xkey->pk;
	s_bad_curve = f->ckey->pk;
	pem = s_cert_resigned(f, f->ca_key, s_weak_keys_ext);
	assert_int_equal(s_verify_pem(f->ca_pem, pem, &diag), SYM_OK);
	free(pem);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_member_id_valid),
	    cmocka_unit_test(test_member_name_valid),
	    cmocka_unit_test(test_member_binding_message),
	    cmocka_unit_test(test_member_binding_verify),
	    cmocka_unit_test(test_member_ext),
	    cmocka_unit_test(test_member_binding_site),
	    cmocka_unit_test(test_member_ext_site),
	    cmocka_unit_test(test_roundtrip_site),
	    cmocka_unit_test(test_member_record_helpers),
	    cmocka_unit_test(test_roundtrip),
	    cmocka_unit_test(test_roundtrip_long_names),
	    cmocka_unit_test(test_other_ca),
	    cmocka_unit_test(test_csr_tampered_binding),
	    cmocka_unit_test(test_csr_wrong_signer),
	    cmocka_unit_test(test_csr_extensions),
	    cmocka_unit_test(test_expired),
	    cmocka_unit_test(test_invalid_ids),
	    cmocka_unit_test(test_garbage),
	    cmocka_unit_test(test_cert_byte_flips),
	    cmocka_unit_test(test_ca_as_member),
	    cmocka_unit_test(test_member_as_ca),
	    cmocka_unit_test(test_ca_signed_bad_extension),
	    cmocka_unit_test(test_weak_keys),
	    cmocka_unit_test(test_park_id_unparsed),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
