/*
 * A small open-addressing hash map from byte strings to uint64 values. The
 * keys come from the log under audit, so the hash is SipHash (libsodium's
 * crypto_shorthash) under a random key: a hostile export cannot make every
 * lookup collide.
 */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"

#define S_MIN_SLOTS 64

struct s_slot {
	uint8_t *key; /* NULL: empty */
	size_t len;
	uint64_t value;
	uint64_t hash;
};

struct audit_index {
	struct s_slot *slots;
	size_t nslots; /* a power of two */
	size_t used;
	uint8_t key[crypto_shorthash_KEYBYTES];
};

static uint64_t
s_hash(const struct audit_index *ix, const void *key, size_t len)
{
	uint8_t h[crypto_shorthash_BYTES];
	uint64_t v;

	crypto_shorthash(h, key, len, ix->key);
	memcpy(&v, h, sizeof(v));
	return v;
}

struct audit_index *
audit_index_new(void)
{
	struct audit_index *ix = calloc(1, sizeof(*ix));

	if (ix == NULL)
		return NULL;
	if ((ix->slots = calloc(S_MIN_SLOTS, sizeof(*ix->slots))) == NULL) {
		free(ix);
		return NULL;
	}
	ix->nslots = S_MIN_SLOTS;
	crypto_shorthash_keygen(ix->key);
	return ix;
}

void
audit_index_free(struct audit_index **ixp)
{
	struct audit_index *ix;
	size_t i;

	if (ixp == NULL || (ix = *ixp) == NULL)
		return;
	for (i = 0; i < ix->nslots; i++)
		free(ix->slots[i].key);
	free(ix->slots);
	free(ix);
	*ixp = NULL;
}

static struct s_slot *
s_find(const struct audit_index *ix, const void *key, size_t len, uint64_t hash)
{
	size_t mask = ix->nslots - 1, i = (size_t)hash & mask;

	/* The table is never more than half full, so an empty slot ends every probe. */
	for (;; i = (i + 1) & mask) {
		struct s_slot *s = &ix->slots[i];
		if (s->key == NULL ||
		    (s->hash == hash && s->len == len && memcmp(s->key, key, len) == 0))
			return s;
	}
}

static int
s_grow(struct audit_index *ix)
{
	struct audit_index bigger = *ix;
	size_t i;

	if (ix->nslots > SIZE_MAX / 2 / sizeof(*ix->slots))
		return SYM_ERR_ALLOC;
	bigger.nslots = ix->nslots * 2;
	if ((bigger.slots = calloc(bigger.nslots, sizeof(*bigger.slots))) == NULL)
		return SYM_ERR_ALLOC;
	for (i = 0; i < ix->nslots; i++) {
		struct s_slot *s = &ix->slots[i];
		if (s->key != NULL)
			*s_find(&bigger, s->key, s->len, s->hash) = *s;
	}
	free(ix->slots);
	ix->slots = bigger.slots;
	ix->nslots = bigger.nslots;
	return SYM_OK;
}

int
audit_index_put(struct audit_index *ix, const void *key, size_t len, uint64_t value)
{
	uint64_t hash = s_hash(ix, key, len);
	struct s_slot *s;
	int r;

	if ((s = s_find(ix, key, len, hash))->key != NULL)
		return SYM_ERR_EXISTS;
	if (2 * (ix->used + 1) > ix->nslots) {
		if ((r = s_grow(ix)) != SYM_OK)
			return r;
		s = s_find(ix, key, len, hash);
	}
	/* One more byte so that an empty key still gets a non-NULL pointer. */
	if ((s->key = malloc(len + 1)) == NULL)
		return SYM_ERR_ALLOC;
	memcpy(s->key, key, len);
	s->len = len;
	s->value = value;
	s->hash = hash;
	ix->used++;
	return SYM_OK;
}

int
audit_index_get(const struct audit_index *ix, const void *key, size_t len, uint64_t *value)
{
	const struct s_slot *s = s_find(ix, key, len, s_hash(ix, key, len));

	if (s->key == NULL)
		return SYM_ERR_NOT_FOUND;
	*value = s->value;
	return SYM_OK;
}
