#include "paircache.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "log.h"
#include "pairkeys.h"
#include "putbuf.h"
#include "util.h"

/*
 * STATE/paircache:
 *   magic[32] park_id[32] own_x25519[32] count:u32be   (the associated data)
 *   nonce[24]
 *   XChaCha20-Poly1305(count x (id_len:u8 id peer_x25519[32] s[32]))
 * under crypto_kdf_derive_from_key(agreement secret, PAIRCACHE_KDF_ID, "symbipc1").
 */
#define PAIRCACHE_MAGIC "symbi-paircache-v1"
#define PAIRCACHE_KDF_CONTEXT "symbipc1"
#define PAIRCACHE_KDF_ID 1
#define PAIRCACHE_BOUND_LEN (32 + 32 + 32) /* magic, park, own key: whose file it is */
#define PAIRCACHE_AD_LEN (PAIRCACHE_BOUND_LEN + 4)
#define PAIRCACHE_NONCE_LEN crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define PAIRCACHE_TAG_LEN crypto_aead_xchacha20poly1305_ietf_ABYTES
#define PAIRCACHE_HEAD_LEN (PAIRCACHE_AD_LEN + PAIRCACHE_NONCE_LEN)
#define PAIRCACHE_ENTRY_MAX (1 + PAIRKEYS_ID_MAX + 32 + 32)
#define PAIRCACHE_FILE_MAX                                                                         \
	((size_t)PAIRCACHE_HEAD_LEN + (size_t)PAIRCACHE_MAX * PAIRCACHE_ENTRY_MAX +                \
	 PAIRCACHE_TAG_LEN)

_Static_assert(sizeof(PAIRCACHE_KDF_CONTEXT) - 1 == crypto_kdf_CONTEXTBYTES, "kdf context size");
_Static_assert(crypto_kdf_KEYBYTES == 32 && crypto_aead_xchacha20poly1305_ietf_KEYBYTES == 32,
               "the agreement secret is the kdf key; the kdf gives the aead key");
_Static_assert(sizeof(PAIRCACHE_MAGIC) <= 32, "magic size");
_Static_assert(PAIRCACHE_MAX < UINT32_MAX, "slot indices are u32");

struct s_entry {
	uint8_t pk[32];
	uint8_t s[32];
	char id[PAIRKEYS_ID_MAX + 1];
};

struct paircache {
	const struct client_state *st;
	struct s_entry *e; /* sodium_malloc'd, cap entries, n used */
	uint32_t *slot;    /* nslots (a power of two >= 2 cap): entry index + 1, 0 free */
	size_t n, cap, nslots;
	size_t hits, misses;
	/* Ids are chosen by the members: a keyed hash keeps them from filling one chain. */
	uint8_t hkey[crypto_shorthash_KEYBYTES];
	int loaded, changed;
};

/* The slot that holds `id`, or the free slot where it would go. Needs nslots > 0. */
static size_t
s_slot(const struct paircache *c, const char *id, size_t len)
{
	uint8_t h[crypto_shorthash_BYTES];
	size_t pos = 0, i;

	crypto_shorthash(h, (const uint8_t *)id, len, c->hkey);
	for (i = 0; i < sizeof(size_t) && i < sizeof(h); i++)
		pos = pos << 8 | h[i];
	pos &= c->nslots - 1;
	while (c->slot[pos] != 0 && strcmp(c->e[c->slot[pos] - 1].id, id) != 0)
		pos = (pos + 1) & (c->nslots - 1);
	return pos;
}

/* Twice the room (at most PAIRCACHE_MAX), the entries moved into fresh guarded memory. */
static int
s_grow(struct paircache *c)
{
	size_t cap = c->cap ? 2 * c->cap : 64, nslots = 1, i;
	struct s_entry *e;
	uint32_t *slot;

	if (c->cap >= PAIRCACHE_MAX)
		return SYM_ERR_LIMIT;
	if (cap > PAIRCACHE_MAX)
		cap = PAIRCACHE_MAX;
	while (nslots < 2 * cap)
		nslots <<= 1;
	if ((e = sodium_malloc(cap * sizeof(*e))) == NULL)
		return SYM_ERR_ALLOC;
	if ((slot = calloc(nslots, sizeof(*slot))) == NULL) {
		sodium_free(e);
		return SYM_ERR_ALLOC;
	}
	if (c->n > 0)
		memcpy(e, c->e, c->n * sizeof(*e));
	sodium_free(c->e); /* wipes */
	free(c->slot);
	c->e = e;
	c->slot = slot;
	c->cap = cap;
	c->nslots = nslots;
	for (i = 0; i < c->n; i++)
		c->slot[s_slot(c, c->e[i].id, strlen(c->e[i].id))] = (uint32_t)(i + 1);
	return SYM_OK;
}

/* Keep (id, pk, s); an entry for the same id is replaced, or SYM_ERR_EXISTS unless `replace`. */
static int
s_put(struct paircache *c, const char *id, size_t len, const uint8_t pk[32], const uint8_t s[32],
      int replace)
{
	struct s_entry *e;
	size_t pos;
	int r;

	if (c->n == c->cap && (r = s_grow(c)) != SYM_OK)
		return r;
	pos = s_slot(c, id, len);
	if (c->slot[pos] != 0) {
		if (!replace)
			return SYM_ERR_EXISTS;
		e = &c->e[c->slot[pos] - 1];
	} else {
		e = &c->e[c->n];
		memcpy(e->id, id, len);
		e->id[len] = '\0';
		c->slot[pos] = (uint32_t)++c->n;
	}
	memcpy(e->pk, pk, 32);
	memcpy(e->s, s, 32);
	return SYM_OK;
}

static void
s_forget(struct paircache *c)
{
	if (c->cap > 0) {
		sodium_memzero(c->e, c->cap * sizeof(*c->e));
		memset(c->slot, 0, c->nslots * sizeof(*c->slot));
	}
	c->n = 0;
}

/* The associated data: whose file (magic, park, own key) and how many entries. */
static void
s_ad(const struct paircache *c, uint32_t count, uint8_t ad[PAIRCACHE_AD_LEN])
{
	memset(ad, 0, 32);
	memcpy(ad, PAIRCACHE_MAGIC, sizeof(PAIRCACHE_MAGIC) - 1);
	memcpy(ad + 32, c->st->park_id, 32);
	memcpy(ad + 64, c->st->agreement->pk, 32);
	ad[96] = (uint8_t)(count >> 24);
	ad[97] = (uint8_t)(count >> 16);
	ad[98] = (uint8_t)(count >> 8);
	ad[99] = (uint8_t)count;
}

/* Only this company (its agreement secret) can seal a cache it will open. */
static int
s_key(const struct paircache *c, uint8_t key[32])
{
	return crypto_kdf_derive_from_key(key, 32, PAIRCACHE_KDF_ID, PAIRCACHE_KDF_CONTEXT,
	                                  c->st->agreement->sk) == 0
	           ? SYM_OK
	           : SYM_ERR_CRYPTO;
}

/* count entries, exactly filling plain[0..len): each id valid and once, each s non-zero. */
static int
s_parse_entries(struct paircache *c, const uint8_t *plain, size_t len, size_t count)
{
	char id[PAIRKEYS_ID_MAX + 1];
	size_t i, off = 0, n;

	for (i = 0; i < count; i++) {
		if (off >= len)
			return 0;
		n = plain[off++];
		if (n == 0 || n > PAIRKEYS_ID_MAX || len - off < n + 64 ||
		    memchr(plain + off, 0, n) != NULL)
			return 0;
		memcpy(id, plain + off, n);
		id[n] = '\0';
		off += n;
		if (sodium_is_zero(plain + off + 32, 32) ||
		    s_put(c, id, n, plain + off, plain + off + 32, 0) != SYM_OK)
			return 0;
		off += 64;
	}
	return off == len;
}

/* 1: loaded; 0: not ours to use (another park or own key); -1: damaged or another format. */
static int
s_parse(struct paircache *c, const uint8_t *buf, size_t len)
{
	uint8_t ad[PAIRCACHE_AD_LEN], key[32], *plain = NULL;
	unsigned long long got = 0;
	size_t count;
	int r = -1;

	if (len < PAIRCACHE_HEAD_LEN + PAIRCACHE_TAG_LEN)
		return -1;
	s_ad(c, 0, ad);
	if (memcmp(buf, ad, 32) != 0)
		return -1; /* not a cache of this format */
	/* Written for another park or another own key (re-enrolled): not ours, nothing damaged. */
	if (memcmp(buf + 32, ad + 32, PAIRCACHE_BOUND_LEN - 32) != 0)
		return 0;
	count = (size_t)buf[96] << 24 | (size_t)buf[97] << 16 | (size_t)buf[98] << 8 | buf[99];
	if (count > PAIRCACHE_MAX)
		return -1;
	if ((plain = sodium_malloc(len - PAIRCACHE_HEAD_LEN + 1)) == NULL)
		return 0;
	/* Our own park and key as associated data, not the file's: the seal itself binds them. */
	s_ad(c, (uint32_t)count, ad);
	if (s_key(c, key) == SYM_OK &&
	    crypto_aead_xchacha20poly1305_ietf_decrypt(
	        plain, &got, NULL, buf + PAIRCACHE_HEAD_LEN, len - PAIRCACHE_HEAD_LEN, ad,
	        PAIRCACHE_AD_LEN, buf + PAIRCACHE_AD_LEN, key) == 0 &&
	    s_parse_entries(c, plain, (size_t)got, count))
		r = 1;
	sodium_memzero(key, sizeof(key));
	sodium_free(plain);
	return r;
}

static void
s_load(struct paircache *c)
{
	char path[PATH_MAX], *buf = NULL;
	size_t len = 0;
	int r;

	c->loaded = 1;
	if (state_path(c->st->dir, PAIRCACHE_FILE, path, sizeof(path)) != SYM_OK)
		return;
	if ((r = util_read_file(path, PAIRCACHE_FILE_MAX, &buf, &len)) == SYM_ERR_NOT_FOUND)
		return;
	if (r != SYM_OK || s_parse(c, (const uint8_t *)buf, len) < 0) {
		/* Half a file must not stay half used: every secret is computed again. */
		s_forget(c);
		log_warn("%s: damaged, cut short or not sealed by this company: ignored, rebuilt "
		         "(%s)",
		         path, r != SYM_OK ? sym_strerror(r) : "does not open");
	}
	free(buf);
}

int
paircache_new(const struct client_state *st, struct paircache **out)
{
	struct paircache *c;

	*out = NULL;
	if (st == NULL || st->agreement == NULL)
		return SYM_ERR_INVALID;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return SYM_ERR_ALLOC;
	c->st = st;
	crypto_shorthash_keygen(c->hkey);
	*out = c;
	return SYM_OK;
}

int
paircache_shared(struct paircache *c, const char *peer_id, const uint8_t peer_pk[32], uint8_t s[32])
{
	const struct s_entry *e;
	size_t len, pos;
	int r;

	if (c == NULL || peer_id == NULL || peer_pk == NULL || s == NULL)
		return SYM_ERR_INVALID;
	len = strnlen(peer_id, PAIRKEYS_ID_MAX + 1);
	if (len == 0 || len > PAIRKEYS_ID_MAX)
		return SYM_ERR_INVALID;
	if (!c->loaded)
		s_load(c);
	if (c->n > 0 && c->slot[pos = s_slot(c, peer_id, len)] != 0) {
		e = &c->e[c->slot[pos] - 1];
		/* The same id with another key (re-enrolled): a miss, replaced below. */
		if (memcmp(e->pk, peer_pk, 32) == 0) {
			memcpy(s, e->s, 32);
			c->hits++;
			return SYM_OK;
		}
	}
	if ((r = pairkeys_shared(c->st->agreement->sk, peer_pk, s)) != SYM_OK)
		return r;
	c->misses++;
	/* A full cache (or no memory for it) only costs the next run this multiplication. */
	if (s_put(c, peer_id, len, peer_pk, s, 1) == SYM_OK)
		c->changed = 1;
	return SYM_OK;
}

void
paircache_counts(const struct paircache *c, size_t *hits, size_t *misses)
{
	*hits = c != NULL ? c->hits : 0;
	*misses = c != NULL ? c->misses : 0;
}

/* The sealed file: header, nonce, entries. */
static int
s_seal(const struct paircache *c, const uint8_t *plain, size_t plen, uint8_t *file)
{
	uint8_t key[32];
	unsigned long long clen = 0;
	int r;

	s_ad(c, (uint32_t)c->n, file);
	randombytes_buf(file + PAIRCACHE_AD_LEN, PAIRCACHE_NONCE_LEN);
	if ((r = s_key(c, key)) == SYM_OK &&
	    crypto_aead_xchacha20poly1305_ietf_encrypt(file + PAIRCACHE_HEAD_LEN, &clen, plain,
	                                               plen, file, PAIRCACHE_AD_LEN, NULL,
	                                               file + PAIRCACHE_AD_LEN, key) != 0)
		r = SYM_ERR_CRYPTO;
	sodium_memzero(key, sizeof(key));
	return r;
}

int
paircache_save(struct paircache *c)
{
	char path[PATH_MAX];
	struct putbuf b;
	uint8_t *plain = NULL, *file = NULL;
	size_t plen = 0, done = 0, i;
	int r = SYM_ERR_ALLOC;

	if (c == NULL || !c->changed)
		return SYM_OK;
	for (i = 0; i < c->n; i++)
		plen += 1 + strlen(c->e[i].id) + 64;
	if ((plain = sodium_malloc(plen + 1)) == NULL ||
	    (file = malloc(PAIRCACHE_HEAD_LEN + plen + PAIRCACHE_TAG_LEN)) == NULL)
		goto out;
	putbuf_init_fixed(&b, plain, plen);
	for (i = 0; i < c->n; i++) {
		putbuf_string8(&b, c->e[i].id, strlen(c->e[i].id));
		putbuf_bytes(&b, c->e[i].pk, 32);
		putbuf_bytes(&b, c->e[i].s, 32);
	}
	if ((r = putbuf_done(&b, &done)) != SYM_OK ||
	    (r = s_seal(c, plain, plen, file)) != SYM_OK ||
	    (r = state_path(c->st->dir, PAIRCACHE_FILE, path, sizeof(path))) != SYM_OK)
		goto out;
	if ((r = util_write_file(path, file, PAIRCACHE_HEAD_LEN + plen + PAIRCACHE_TAG_LEN, 0600,
	                         0)) == SYM_OK)
		c->changed = 0;
out:
	sodium_free(plain); /* wipes */
	free(file);
	return r;
}

void
paircache_free(struct paircache **cp)
{
	struct paircache *c;

	if (cp == NULL || (c = *cp) == NULL)
		return;
	sodium_free(c->e); /* wipes */
	free(c->slot);
	sodium_memzero(c, sizeof(*c));
	free(c);
	*cp = NULL;
}
