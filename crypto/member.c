#include "member.h"

#include <sodium.h>
#include <string.h>

#include "err.h"
#include "keys.h"
#include "putbuf.h"
#include "sig.h"

/* The NUL that ends the context string is part of the signed message. */
#define BINDING_CONTEXT "symbiod-member-keys-v1"
#define BINDING_CONTEXT_SITE "symbiod-member-keys-v2"

#define EXT_MAGIC "SYMK"
#define EXT_MAGIC_LEN 4
#define EXT_VERSION 1
#define EXT_VERSION_SITE 2

_Static_assert(MEMBER_EXT_LEN == 133, "member keys extension size");
_Static_assert(sizeof(BINDING_CONTEXT) == sizeof(BINDING_CONTEXT_SITE), "context sizes");
_Static_assert(MEMBER_KEY_LEN == SIG_PUBLIC_LEN && MEMBER_SIG_LEN == SIG_LEN, "key sizes");

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

/*
 * One UTF-8 sequence at p[0..avail) that is neither a control character
 * (C0, DEL, C1) nor overlong, a surrogate or beyond U+10FFFF: its length,
 * or 0.
 */
static size_t
s_utf8_char(const unsigned char *p, size_t avail)
{
	size_t n, k;
	uint32_t cp;

	if (p[0] < 0x80)
		return p[0] < 0x20 || p[0] == 0x7f ? 0 : 1;
	/* 0xc0 and 0xc1 could only start overlong forms; 0xf5.. lie beyond U+10FFFF. */
	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		n = 1;
		cp = p[0] & 0x1f;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		n = 2;
		cp = p[0] & 0x0f;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		n = 3;
		cp = p[0] & 0x07;
	} else {
		return 0;
	}
	if (avail - 1 < n)
		return 0;
	for (k = 1; k <= n; k++) {
		if ((p[k] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[k] & 0x3f);
	}
	/* Overlong forms, UTF-16 surrogates, beyond Unicode, and the C1 controls. */
	if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp <= 0x9f)
		return 0;
	return n + 1;
}

int
member_name_valid(const char *name)
{
	const unsigned char *p = (const unsigned char *)name;
	size_t len, i, n;

	if (name == NULL)
		return 0;
	len = strnlen(name, MEMBER_NAME_MAX + 1);
	if (len == 0 || len > MEMBER_NAME_MAX)
		return 0;
	for (i = 0; i < len; i += n)
		if ((n = s_utf8_char(p + i, len - i)) == 0)
			return 0;
	return 1;
}

int
member_record_valid(const struct member_record *rec)
{
	/* Both strings must end inside their arrays before anything reads them. */
	return rec != NULL && memchr(rec->id, '\0', sizeof(rec->id)) != NULL &&
	       member_id_valid(rec->id) && memchr(rec->name, '\0', sizeof(rec->name)) != NULL &&
	       member_name_valid(rec->name);
}

int
member_record_cmp_id(const void *a, const void *b)
{
	const struct member_record *const *x = a, *const *y = b;

	return strcmp((*x)->id, (*y)->id);
}

/* A site as its two big-endian 32-bit two's complement integers. */
static void
s_put_site(struct putbuf *b, const struct site *site)
{
	putbuf_u32(b, (uint32_t)site->lat);
	putbuf_u32(b, (uint32_t)site->lon);
}

int
member_binding_message(const char *id, const char *name, const uint8_t x25519[32],
                       const uint8_t curve[32], const struct site *site,
                       uint8_t out[MEMBER_BINDING_MAX], size_t *len)
{
	int with_site = site != NULL && site->set;
	struct putbuf b;

	*len = 0;
	if (!member_id_valid(id) || !member_name_valid(name) || x25519 == NULL || curve == NULL ||
	    (site != NULL && !site_valid(site)))
		return SYM_ERR_INVALID;
	putbuf_init_fixed(&b, out, MEMBER_BINDING_MAX);
	putbuf_bytes(&b, with_site ? BINDING_CONTEXT_SITE : BINDING_CONTEXT,
	             sizeof(BINDING_CONTEXT));
	putbuf_string8(&b, id, strlen(id));
	putbuf_string8(&b, name, strlen(name));
	putbuf_bytes(&b, x25519, MEMBER_KEY_LEN);
	putbuf_bytes(&b, curve, MEMBER_KEY_LEN);
	if (with_site)
		s_put_site(&b, site);
	return putbuf_done(&b, len);
}

int
member_binding_sign(const uint8_t identity_sk[64], const char *id, const char *name,
                    const uint8_t x25519[32], const uint8_t curve[32], const struct site *site,
                    uint8_t sig[64])
{
	uint8_t msg[MEMBER_BINDING_MAX];
	size_t len = 0;
	int r;

	if (identity_sk == NULL || sig == NULL)
		return SYM_ERR_INVALID;
	if ((r = member_binding_message(id, name, x25519, curve, site, msg, &len)) != SYM_OK)
		return r;
	return sig_sign(identity_sk, msg, len, sig);
}

static const char *
s_key_name(enum key_kind kind)
{
	switch (kind) {
	case KEY_ED25519: return "Ed25519 identity";
	case KEY_X25519: return "X25519 agreement";
	case KEY_CURVE: return "CURVE transport";
	}
	return "?";
}

/* One key of rec, refused by its member's id and its name. */
static int
s_key_check(const struct member_record *rec, enum key_kind kind, const uint8_t pk[32],
            struct sym_diag *diag)
{
	const char *why = NULL;
	int r;

	if ((r = keys_public_check(kind, pk, &why)) == SYM_OK)
		return SYM_OK;
	return sym_diag_set(diag, r, "the %s key of \"%s\" %s: refused", s_key_name(kind),
	                    member_id_valid(rec->id) ? rec->id : "?", why != NULL ? why : "");
}

int
member_keys_valid(const struct member_record *rec, struct sym_diag *diag)
{
	int r;

	if (rec == NULL)
		return sym_diag_set(diag, SYM_ERR_INVALID, "no member record");
	/* The cheap checks first: X25519's is a comparison and a Legendre symbol. */
	if ((r = s_key_check(rec, KEY_X25519, rec->x25519, diag)) != SYM_OK ||
	    (r = s_key_check(rec, KEY_CURVE, rec->curve, diag)) != SYM_OK ||
	    (r = s_key_check(rec, KEY_ED25519, rec->ed25519, diag)) != SYM_OK)
		return r;
	return SYM_OK;
}

int
member_binding_verify(const struct member_record *rec, struct sym_diag *diag)
{
	uint8_t msg[MEMBER_BINDING_MAX];
	size_t len = 0;
	int r;

	if (member_binding_message(rec->id, rec->name, rec->x25519, rec->curve, &rec->site, msg,
	                           &len) == SYM_OK &&
	    sig_verify(rec->ed25519, msg, len, rec->binding_sig) == SYM_OK)
		return SYM_OK;
	/* Only now the identity key's own check: it costs a scalar multiplication. */
	if ((r = s_key_check(rec, KEY_ED25519, rec->ed25519, diag)) != SYM_OK)
		return r;
	return sym_diag_set(diag, SYM_ERR_VERIFY,
	                    "binding signature invalid: the X25519 and CURVE keys of \"%s\" are "
	                    "not signed by its identity key",
	                    member_id_valid(rec->id) ? rec->id : "?");
}

int
member_ext_encode(const uint8_t x25519[32], const uint8_t curve[32], const uint8_t sig[64],
                  const struct site *site, uint8_t out[MEMBER_EXT_SITE_LEN], size_t *len)
{
	int with_site = site != NULL && site->set;
	struct putbuf b;
	int r;

	*len = 0;
	if (x25519 == NULL || curve == NULL || sig == NULL || (site != NULL && !site_valid(site)))
		return SYM_ERR_INVALID;
	putbuf_init_fixed(&b, out, MEMBER_EXT_SITE_LEN);
	putbuf_bytes(&b, EXT_MAGIC, EXT_MAGIC_LEN);
	putbuf_u8(&b, with_site ? EXT_VERSION_SITE : EXT_VERSION);
	putbuf_bytes(&b, x25519, MEMBER_KEY_LEN);
	putbuf_bytes(&b, curve, MEMBER_KEY_LEN);
	putbuf_bytes(&b, sig, MEMBER_SIG_LEN);
	if (with_site)
		s_put_site(&b, site);
	if ((r = putbuf_done(&b, len)) != SYM_OK)
		return r;
	return *len == (with_site ? MEMBER_EXT_SITE_LEN : MEMBER_EXT_LEN) ? SYM_OK
	                                                                  : SYM_ERR_INTERNAL;
}

static int32_t
s_get_i32(const uint8_t *p)
{
	return (int32_t)(((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) |
	                 (uint32_t)p[3]);
}

/* A version 2 extension's site: untrusted bytes (a request file), so checked for range. */
static int
s_ext_site(const uint8_t *p, struct member_record *rec, struct sym_diag *diag)
{
	struct site s = {1, s_get_i32(p), s_get_i32(p + 4)};

	if (!site_valid(&s))
		return sym_diag_set(diag, SYM_ERR_RANGE,
		                    "member keys extension: the site (%ld, %ld hundredths of a "
		                    "degree) is outside [-90, 90] x [-180, 180]",
		                    (long)s.lat, (long)s.lon);
	rec->site = s;
	return SYM_OK;
}

int
member_ext_decode(const uint8_t *p, size_t len, struct member_record *rec, struct sym_diag *diag)
{
	size_t want;
	int r;

	if (p == NULL)
		return sym_diag_set(diag, SYM_ERR_FORMAT, "member keys extension is empty");
	if (len < EXT_MAGIC_LEN + 1 || memcmp(p, EXT_MAGIC, EXT_MAGIC_LEN) != 0)
		return sym_diag_set(diag, SYM_ERR_FORMAT, "member keys extension has a bad magic");
	if (p[EXT_MAGIC_LEN] != EXT_VERSION && p[EXT_MAGIC_LEN] != EXT_VERSION_SITE)
		return sym_diag_set(diag, SYM_ERR_FORMAT,
		                    "member keys extension version %u is not supported",
		                    (unsigned)p[EXT_MAGIC_LEN]);
	want = p[EXT_MAGIC_LEN] == EXT_VERSION ? MEMBER_EXT_LEN : MEMBER_EXT_SITE_LEN;
	if (len != want)
		return sym_diag_set(diag, SYM_ERR_FORMAT,
		                    "member keys extension version %u is %zu bytes long, expected "
		                    "%zu",
		                    (unsigned)p[EXT_MAGIC_LEN], len, want);
	memset(&rec->site, 0, sizeof(rec->site));
	if (want == MEMBER_EXT_SITE_LEN &&
	    (r = s_ext_site(p + MEMBER_EXT_LEN, rec, diag)) != SYM_OK)
		return r;
	p += EXT_MAGIC_LEN + 1;
	memcpy(rec->x25519, p, MEMBER_KEY_LEN);
	memcpy(rec->curve, p + MEMBER_KEY_LEN, MEMBER_KEY_LEN);
	memcpy(rec->binding_sig, p + 2 * MEMBER_KEY_LEN, MEMBER_SIG_LEN);
	return SYM_OK;
}

int
member_subject_check(const struct member_record *rec, struct sym_diag *diag)
{
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
