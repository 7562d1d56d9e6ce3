#include "ratelimit.h"

#include <stdlib.h>
#include <string.h>

#include "err.h"

/* The same bound as the certificates' MEMBER_ID_MAX. */
#define RATELIMIT_ID_MAX 64
/* Tokens are counted in thousandths so refills need no floating point. */
#define RATELIMIT_MILLI 1000ull
#define RATELIMIT_ARG_MAX 1000000u

struct ratelimit_entry {
	uint64_t hash;  /* of the id; 0 marks a free slot */
	uint64_t milli; /* tokens x 1000 at `last_ms` */
	uint64_t last_ms;
	char id[RATELIMIT_ID_MAX + 1];
};

struct ratelimit {
	struct ratelimit_entry *entries;
	size_t capacity, used;
	uint64_t rate_per_s, burst_milli;
};

/* FNV-1a, never 0 (0 marks a free slot). Only speeds up the scan; ids are compared in full. */
static uint64_t
s_hash(const char *id)
{
	uint64_t h = 1469598103934665603ull;

	for (; *id; id++) {
		h ^= (uint8_t)*id;
		h *= 1099511628211ull;
	}
	return h ? h : 1;
}

int
ratelimit_new(size_t capacity, uint32_t rate_per_s, uint32_t burst, struct ratelimit **out)
{
	struct ratelimit *rl;

	*out = NULL;
	if (capacity < 1 || capacity > RATELIMIT_ARG_MAX || rate_per_s < 1 ||
	    rate_per_s > RATELIMIT_ARG_MAX || burst < 1 || burst > RATELIMIT_ARG_MAX)
		return SYM_ERR_RANGE;
	if ((rl = calloc(1, sizeof(*rl))) == NULL)
		return SYM_ERR_ALLOC;
	if ((rl->entries = calloc(capacity, sizeof(*rl->entries))) == NULL) {
		free(rl);
		return SYM_ERR_ALLOC;
	}
	rl->capacity = capacity;
	rl->rate_per_s = rate_per_s;
	rl->burst_milli = burst * RATELIMIT_MILLI;
	*out = rl;
	return SYM_OK;
}

void
ratelimit_free(struct ratelimit **rl)
{
	if (rl == NULL || *rl == NULL)
		return;
	free((*rl)->entries);
	free(*rl);
	*rl = NULL;
}

size_t
ratelimit_count(const struct ratelimit *rl)
{
	return rl ? rl->used : 0;
}

/* The member's bucket, or a fresh full one in a free slot or in the longest-idle one's. */
static struct ratelimit_entry *
s_bucket(struct ratelimit *rl, const char *member, uint64_t now_ms)
{
	struct ratelimit_entry *e, *free_slot = NULL, *oldest = NULL;
	uint64_t h = s_hash(member);
	size_t i;

	for (i = 0; i < rl->capacity; i++) {
		e = &rl->entries[i];
		if (e->hash == 0) {
			if (free_slot == NULL)
				free_slot = e;
			continue;
		}
		if (e->hash == h && strcmp(e->id, member) == 0)
			return e;
		if (oldest == NULL || e->last_ms < oldest->last_ms)
			oldest = e;
	}
	if (free_slot != NULL) {
		e = free_slot;
		rl->used++;
	} else {
		/*
		 * Full: forget the bucket idle the longest. With the table sized above
		 * the directory, that one has refilled anyway, so nothing is lost.
		 */
		e = oldest;
	}
	e->hash = h;
	memcpy(e->id, member, strlen(member) + 1);
	e->milli = rl->burst_milli;
	e->last_ms = now_ms;
	return e;
}

int
ratelimit_take(struct ratelimit *rl, const char *member, uint64_t now_ms, uint64_t *retry_ms)
{
	struct ratelimit_entry *e;
	uint64_t elapsed;

	if (retry_ms != NULL)
		*retry_ms = 0;
	if (rl == NULL || member == NULL || strlen(member) > RATELIMIT_ID_MAX)
		return -1;
	e = s_bucket(rl, member, now_ms);
	if (now_ms > e->last_ms) {
		elapsed = now_ms - e->last_ms;
		/* rate tokens/s is rate thousandths/ms; cap before multiplying. */
		if (elapsed >= rl->burst_milli / rl->rate_per_s + 1)
			e->milli = rl->burst_milli;
		else if ((e->milli += elapsed * rl->rate_per_s) > rl->burst_milli)
			e->milli = rl->burst_milli;
		e->last_ms = now_ms;
	}
	if (e->milli < RATELIMIT_MILLI) {
		if (retry_ms != NULL)
			*retry_ms =
			    (RATELIMIT_MILLI - e->milli + rl->rate_per_s - 1) / rl->rate_per_s;
		return -1;
	}
	e->milli -= RATELIMIT_MILLI;
	return 0;
}
