#include "replaymem.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "member.h"
#include "err.h"

/* A power of two: the table never grows; chains stay short below ~1M entries. */
#define S_BUCKETS 65536u

struct s_entry {
	struct s_entry *chain; /* the next in this bucket */
	struct s_entry *older; /* toward the oldest: the expiry list runs newest -> oldest */
	struct s_entry *newer;
	uint64_t at_ms;
	uint32_t bucket;
	uint8_t id[16];
	char member[MEMBER_ID_MAX + 1];
	size_t len;
	uint8_t response[]; /* len bytes */
};

struct replaymem {
	struct s_entry *buckets[S_BUCKETS];
	struct s_entry *oldest, *newest;
	size_t bytes, max_bytes;
	uint64_t keep_ms;
	uint8_t key[crypto_shorthash_KEYBYTES]; /* random: no one can aim ids at one bucket */
};

int
replaymem_new(size_t max_bytes, uint64_t keep_ms, struct replaymem **out)
{
	struct replaymem *rm;

	*out = NULL;
	if (max_bytes == 0 || keep_ms == 0)
		return SYM_ERR_INVALID;
	if ((rm = calloc(1, sizeof(*rm))) == NULL)
		return SYM_ERR_ALLOC;
	rm->max_bytes = max_bytes;
	rm->keep_ms = keep_ms;
	randombytes_buf(rm->key, sizeof(rm->key));
	*out = rm;
	return SYM_OK;
}

void
replaymem_free(struct replaymem **rmp)
{
	struct replaymem *rm = rmp ? *rmp : NULL;
	struct s_entry *e, *next;

	if (rm == NULL)
		return;
	for (e = rm->oldest; e != NULL; e = next) {
		next = e->newer;
		sodium_memzero(e->response, e->len);
		free(e);
	}
	sodium_memzero(rm, sizeof(*rm));
	free(rm);
	*rmp = NULL;
}

static uint32_t
s_bucket(const struct replaymem *rm, const char *member, const uint8_t id[16])
{
	uint8_t in[16 + MEMBER_ID_MAX + 1], h[crypto_shorthash_BYTES];
	size_t n = strlen(member);

	memcpy(in, id, 16);
	memcpy(in + 16, member, n);
	crypto_shorthash(h, in, 16 + n, rm->key);
	return (((uint32_t)h[0] << 8 | h[1]) << 8 | h[2]) & (S_BUCKETS - 1);
}

static struct s_entry *
s_find(const struct replaymem *rm, const char *member, const uint8_t id[16])
{
	struct s_entry *e;

	for (e = rm->buckets[s_bucket(rm, member, id)]; e != NULL; e = e->chain)
		if (memcmp(e->id, id, 16) == 0 && strcmp(e->member, member) == 0)
			return e;
	return NULL;
}

/* Forget the oldest entries remembered before now - keep_ms. */
static void
s_prune(struct replaymem *rm, uint64_t now_ms)
{
	struct s_entry *e, **p;

	while ((e = rm->oldest) != NULL && e->at_ms + rm->keep_ms < now_ms) {
		for (p = &rm->buckets[e->bucket]; *p != e; p = &(*p)->chain)
			;
		*p = e->chain;
		rm->oldest = e->newer;
		if (rm->oldest != NULL)
			rm->oldest->older = NULL;
		else
			rm->newest = NULL;
		rm->bytes -= sizeof(*e) + e->len;
		sodium_memzero(e->response, e->len);
		free(e);
	}
}

int
replaymem_seen(struct replaymem *rm, const char *member, const uint8_t id[16], uint64_t now_ms,
               const uint8_t **response, size_t *response_len)
{
	const struct s_entry *e;

	*response = NULL;
	*response_len = 0;
	if (rm == NULL || member == NULL || strlen(member) > MEMBER_ID_MAX ||
	    (e = s_find(rm, member, id)) == NULL || e->at_ms + rm->keep_ms < now_ms)
		return 0;
	*response = e->len > 0 ? e->response : NULL;
	*response_len = e->len;
	return 1;
}

int
replaymem_keep(struct replaymem *rm, const char *member, const uint8_t id[16], uint64_t now_ms,
               const uint8_t *response, size_t response_len)
{
	struct s_entry *e;
	size_t need = sizeof(*e) + response_len;

	if (rm == NULL || member == NULL || strlen(member) > MEMBER_ID_MAX ||
	    (response == NULL && response_len != 0) || response_len > rm->max_bytes)
		return SYM_ERR_INVALID;
	s_prune(rm, now_ms);
	if (s_find(rm, member, id) != NULL)
		return SYM_ERR_EXISTS;
	if (rm->bytes + need > rm->max_bytes)
		return SYM_ERR_LIMIT;
	if ((e = calloc(1, need)) == NULL)
		return SYM_ERR_ALLOC;
	memcpy(e->id, id, 16);
	memcpy(e->member, member, strlen(member) + 1);
	e->at_ms = now_ms;
	e->len = response_len;
	if (response_len > 0)
		memcpy(e->response, response, response_len);
	e->bucket = s_bucket(rm, member, id);
	e->chain = rm->buckets[e->bucket];
	rm->buckets[e->bucket] = e;
	/* Newest last: ids arrive in time order, so the oldest are pruned from the front. */
	e->older = rm->newest;
	if (rm->newest != NULL)
		rm->newest->newer = e;
	else
		rm->oldest = e;
	rm->newest = e;
	rm->bytes += need;
	return SYM_OK;
}

size_t
replaymem_bytes(const struct replaymem *rm)
{
	return rm ? rm->bytes : 0;
}
