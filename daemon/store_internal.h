/*
 * Shared between the store's source files only (daemon/store*.c); not part
 * of the store's API. The store's jobs, one file each: store.c (open,
 * migrations, transactions, settings), store_member.c (enrolled members),
 * store_request.c (replay memory), store_round.c (rounds, submissions,
 * batches), store_candidate.c (candidates and consent), store_log.c (the
 * audit log); all of them talk SQL through store_sql.c.
 */
#ifndef SYMBI_STORE_INTERNAL_H
#define SYMBI_STORE_INTERNAL_H

#include "store_sql.h"

struct store {
	struct store_sql sql; /* the connection and its statement cache */
	int version;
	int wipe; /* envelopes were deleted in this transaction: empty the WAL after commit */
};

/* Upper bound on one stored token set or envelope: what WIRE_MAX_MESSAGE can carry. */
#define STORE_BLOB_MAX (8u << 20)

/* A member id that is valid and bounded (checked before anything scans it). */
int store_id_ok(const char *id);

/* Column 0 of every row of sql (bound ?1 = round), a member id, as a malloc'd array of strings. */
int store_id_strings(struct store *st, const char *sql, const uint8_t round[STORE_ID_LEN],
                     char ***ids, size_t *n) __attribute__((warn_unused_result));

#endif
