/*
 * Per-member token buckets, for the daemon's request loop. A fixed-size table
 * keyed by member id: it never grows; when it is full, the entry idle the
 * longest is evicted. The caller passes the clock (`now_ms`, any monotonic
 * millisecond count), so tests need no sleeping.
 */
#ifndef SYMBI_RATELIMIT_H
#define SYMBI_RATELIMIT_H

#include <stddef.h>
#include <stdint.h>

struct ratelimit;

/*
 * A table of `capacity` buckets (1..1000000) each refilling `rate_per_s`
 * tokens a second (1..1000000) up to `burst` (1..1000000). A member never seen
 * before starts with a full bucket. SYM_ERR_RANGE on bad arguments, SYM_ERR_ALLOC.
 */
int ratelimit_new(size_t capacity, uint32_t rate_per_s, uint32_t burst, struct ratelimit **out)
    __attribute__((warn_unused_result));

/* Free the table and NULL the caller's pointer. Accepts NULL. */
void ratelimit_free(struct ratelimit **rl);

/*
 * Take one token from `member`'s bucket at time `now_ms`. 0: allowed. -1:
 * over the limit (nothing taken), and *retry_ms (if not NULL) receives how
 * long until a token is there. A clock that goes backwards refills nothing.
 * Ids longer than 64 bytes are refused (-1, *retry_ms 0): the directory never
 * admits them.
 */
int ratelimit_take(struct ratelimit *rl, const char *member, uint64_t now_ms, uint64_t *retry_ms)
    __attribute__((warn_unused_result));

/* Buckets in use, for tests and status: never more than the capacity. */
size_t ratelimit_count(const struct ratelimit *rl);

#endif
