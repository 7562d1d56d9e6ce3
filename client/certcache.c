#include "certcache.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "putbuf.h"
#include "site.h"
#include "util.h"

/* v2: entries carry the member's site (REACH.md); a v1 file is ignored and rewritten. */
#define CERTCACHE_MAGIC "symbi-certcache-v2"
#define CERTCACHE_FILE_MAX (64u << 20)

struct s_entry {
	struct member_record rec;
	int64_t verified_at, until;
};

struct certcache {
	struct s_entry *old, *kept; /* as loaded (sorted by fingerprint); kept by this run */
	size_t nold, nkept, cap;
	int changed;
};

static int
s_fp_cmp(const void *a, const void *b)
{
	return memcmp(((const struct s_entry *)a)->rec.fingerprint,
	              ((const struct s_entry *)b)->rec.fingerprint, 32);
}

/* The MAC key: only this company (its agreement secret) can write a cache it will use. */
static void
s_mac_key(const struct client_state *st, uint8_t key[32])
{
	static const char ctx[] = "symbi-certcache-v1 mac key";

	crypto_generichash(key, 32, (const uint8_t *)ctx, sizeof(ctx) - 1, st->agreement->sk, 32);
}

/* A bounded reader over the loaded bytes; a short read poisons it. */
struct s_take {
	const uint8_t *p;
	size_t left;
	int bad;
};

static const uint8_t *
s_take(struct s_take *t, size_t n)
{
	const uint8_t *p = t->p;

	if (t->bad || n > t->left) {
		t->bad = 1;
		return NULL;
	}
	t->p += n;
	t->left -= n;
	return p;
}

static uint64_t
s_take_u64(struct s_take *t, size_t n)
{
	const uint8_t *p = s_take(t, n);
	uint64_t v = 0;
	size_t i;

	for (i = 0; p != NULL && i < n; i++)
		v = v << 8 | p[i];
	return v;
}

static int
s_take_string(struct s_take *t, char *out, size_t size)
{
	size_t n = (size_t)s_take_u64(t, 1);
	const uint8_t *p = s_take(t, n);

	if (p == NULL || n >= size || memchr(p, 0, n) != NULL)
		return t->bad = 1, 0;
	memcpy(out, p, n);
	out[n] = '\0';
	return 1;
}

static void
s_take_bytes(struct s_take *t, void *out, size_t n)
{
	const uint8_t *p = s_take(t, n);

	if (p != NULL)
		memcpy(out, p, n);
}

static int
s_parse_entry(struct s_take *t, struct s_entry *e)
{
	memset(e, 0, sizeof(*e));
	s_take_bytes(t, e->rec.fingerprint, 32);
	e->verified_at = (int64_t)s_take_u64(t, 8);
	e->until = (int64_t)s_take_u64(t, 8);
	if (!s_take_string(t, e->rec.id, sizeof(e->rec.id)) ||
	    !s_take_string(t, e->rec.name, sizeof(e->rec.name)))
		return 0;
	s_take_bytes(t, e->rec.ed25519, 32);
	s_take_bytes(t, e->rec.x25519, 32);
	s_take_bytes(t, e->rec.curve, 32);
	s_take_bytes(t, e->rec.binding_sig, 64);
	e->rec.site.set = (int)s_take_u64(t, 1);
	e->rec.site.lat = (int32_t)(uint32_t)s_take_u64(t, 4);
	e->rec.site.lon = (int32_t)(uint32_t)s_take_u64(t, 4);
	return !t->bad && (e->rec.site.set == 0 || e->rec.site.set == 1) &&
	       site_valid(&e->rec.site);
}

/* The entries of a file that carries our MAC, the park's id and this format. */
static void
s_parse(struct certcache *c, const struct client_state *st, const uint8_t *buf, size_t len)
{
	uint8_t key[32], mac[32], magic[32];
	struct s_take t = {buf, len, 0};
	size_t n, i;

	const uint8_t *m, *pid;

	if (len < 32)
		return;
	s_mac_key(st, key);
	crypto_generichash(mac, sizeof(mac), buf, len - 32, key, sizeof(key));
	sodium_memzero(key, sizeof(key));
	if (sodium_memcmp(mac, buf + len - 32, 32) != 0)
		return;
	t.left = len - 32;
	memset(magic, 0, sizeof(magic));
	memcpy(magic, CERTCACHE_MAGIC, sizeof(CERTCACHE_MAGIC) - 1);
	m = s_take(&t, 32);
	pid = s_take(&t, 32);
	if (m == NULL || pid == NULL || memcmp(m, magic, 32) != 0 ||
	    memcmp(pid, st->park_id, 32) != 0)
		return;
	if ((n = (size_t)s_take_u64(&t, 4)) > CERTCACHE_MAX || t.bad ||
	    (c->old = calloc(n + 1, sizeof(*c->old))) == NULL)
		return;
	for (i = 0; i < n; i++)
		if (!s_parse_entry(&t, &c->old[i]))
			break;
	c->nold = (i == n && t.left == 0) ? n : 0;
	if (c->nold > 1)
		qsort(c->old, c->nold, sizeof(*c->old), s_fp_cmp);
}

int
certcache_load(const struct client_state *st, struct certcache **out)
{
	struct certcache *c = calloc(1, sizeof(*c));
	char path[PATH_MAX], *buf = NULL;
	size_t len = 0;

	*out = NULL;
	if (c == NULL)
		return SYM_ERR_ALLOC;
	if (state_path(st->dir, CERTCACHE_FILE, path, sizeof(path)) == SYM_OK &&
	    util_read_file(path, CERTCACHE_FILE_MAX, &buf, &len) == SYM_OK)
		s_parse(c, st, (const uint8_t *)buf, len);
	free(buf);
	*out = c;
	return SYM_OK;
}

int
certcache_lookup(const struct certcache *c, const uint8_t *cert, size_t len, int64_t now,
                 struct member_record *rec)
{
	struct s_entry key;
	const struct s_entry *e;

	if (c == NULL || c->nold == 0 || len == 0 || cert[0] != 0x30)
		return 0; /* only DER is keyed by its own bytes */
	crypto_hash_sha256(key.rec.fingerprint, cert, len);
	if ((e = bsearch(&key, c->old, c->nold, sizeof(*c->old), s_fp_cmp)) == NULL)
		return 0;
	/* A clock set back before the check, or past either notAfter: check again. */
	if (now < e->verified_at || now >= e->until)
		return 0;
	*rec = e->rec;
	return 1;
}

int
certcache_keep(struct certcache *c, const struct member_record *rec, int64_t until, int64_t now)
{
	const struct s_entry *old;
	struct s_entry *e;

	if (c->nkept == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 64;
		if (cap > CERTCACHE_MAX || (e = realloc(c->kept, cap * sizeof(*e))) == NULL)
			return SYM_ERR_ALLOC;
		c->kept = e;
		c->cap = cap;
	}
	e = &c->kept[c->nkept++];
	memset(e, 0, sizeof(*e));
	e->rec = *rec;
	e->verified_at = now;
	e->until = until;
	/*
	 * A hit keeps the time of its full check: a cache never extends itself.
	 * Only a hit: an entry certcache_lookup refused at `now` (the clock set
	 * back, or past its `until`) was checked in full again and takes this
	 * check's times, or it would be refused, and checked in full, forever.
	 * An empty cache has no array at all (bsearch's base must not be NULL).
	 */
	if (c->nold > 0 && (old = bsearch(e, c->old, c->nold, sizeof(*c->old), s_fp_cmp)) != NULL &&
	    now >= old->verified_at && now < old->until)
		*e = *old;
	else
		c->changed = 1;
	return SYM_OK;
}

int
certcache_changed(const struct certcache *c)
{
	/* A new certificate, or one of the loaded ones no longer in the directory. */
	return c != NULL && (c->changed || c->nkept != c->nold);
}

int
certcache_save(const struct certcache *c, const struct client_state *st)
{
	uint8_t magic[32], key[32], mac[32], *data = NULL;
	char path[PATH_MAX];
	struct putbuf b;
	size_t i, len = 0;
	int r;

	memset(magic, 0, sizeof(magic));
	memcpy(magic, CERTCACHE_MAGIC, sizeof(CERTCACHE_MAGIC) - 1);
	putbuf_init_heap(&b, CERTCACHE_FILE_MAX);
	putbuf_bytes(&b, magic, 32);
	putbuf_bytes(&b, st->park_id, 32);
	putbuf_u32(&b, (uint32_t)c->nkept);
	for (i = 0; i < c->nkept; i++) {
		const struct s_entry *e = &c->kept[i];
		putbuf_bytes(&b, e->rec.fingerprint, 32);
		putbuf_u64(&b, (uint64_t)e->verified_at);
		putbuf_u64(&b, (uint64_t)e->until);
		putbuf_string8(&b, e->rec.id, strlen(e->rec.id));
		putbuf_string8(&b, e->rec.name, strlen(e->rec.name));
		putbuf_bytes(&b, e->rec.ed25519, 32);
		putbuf_bytes(&b, e->rec.x25519, 32);
		putbuf_bytes(&b, e->rec.curve, 32);
		putbuf_bytes(&b, e->rec.binding_sig, 64);
		putbuf_u8(&b, (uint8_t)(e->rec.site.set != 0));
		putbuf_u32(&b, (uint32_t)e->rec.site.lat);
		putbuf_u32(&b, (uint32_t)e->rec.site.lon);
	}
	s_mac_key(st, key);
	if (putbuf_error(&b) == SYM_OK)
		crypto_generichash(mac, sizeof(mac), putbuf_ptr(&b), putbuf_len(&b), key,
		                   sizeof(key));
	sodium_memzero(key, sizeof(key));
	putbuf_bytes(&b, mac, sizeof(mac));
	if ((r = putbuf_finish(&b, &data, &len)) != SYM_OK ||
	    (r = state_path(st->dir, CERTCACHE_FILE, path, sizeof(path))) != SYM_OK)
		goto out;
	r = util_write_file(path, data, len, 0600, 0);
out:
	free(data);
	return r;
}

void
certcache_free(struct certcache **cp)
{
	if (cp == NULL || *cp == NULL)
		return;
	free((*cp)->old);
	free((*cp)->kept);
	free(*cp);
	*cp = NULL;
}
