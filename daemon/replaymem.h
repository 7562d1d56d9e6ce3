/*
 * The replay memory of read-only requests, in the daemon's memory instead
 * of the store (server_handle.c): each (member, request id) with the signed
 * response sent, for `keep_ms`, within a byte budget. A read changes nothing,
 * so nothing about it needs to survive a crash; keeping it out of SQLite
 * spares every status, checkpoint and list request a transaction and an
 * fsync'd commit. When the budget is spent a read is remembered in the store
 * as before, so no id is ever forgotten early while the daemon runs.
 */
#ifndef SYMBI_REPLAYMEM_H
#define SYMBI_REPLAYMEM_H

#include <stddef.h>
#include <stdint.h>

struct replaymem;

/* An empty memory holding at most max_bytes of responses and ids. */
int replaymem_new(size_t max_bytes, uint64_t keep_ms, struct replaymem **out)
    __attribute__((warn_unused_result));
void replaymem_free(struct replaymem **rm);

/*
 * 1 with the stored response (borrowed until the next keep or prune; NULL
 * and 0 for none) when the id was remembered and has not expired at now_ms,
 * else 0.
 */
int replaymem_seen(struct replaymem *rm, const char *member, const uint8_t id[16], uint64_t now_ms,
                   const uint8_t **response, size_t *response_len);

/*
 * Remember the id with a copy of its response at now_ms, after forgetting
 * what expired. SYM_ERR_LIMIT when it does not fit the budget (the caller
 * remembers it elsewhere), SYM_ERR_EXISTS when the id is already remembered.
 */
int replaymem_keep(struct replaymem *rm, const char *member, const uint8_t id[16], uint64_t now_ms,
                   const uint8_t *response, size_t response_len)
    __attribute__((warn_unused_result));

/* Bytes held now (ids, responses and bookkeeping). */
size_t replaymem_bytes(const struct replaymem *rm);

#endif
