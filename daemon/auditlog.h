/*
 * The audit log (audit/FORMAT.md): every protocol event appended as a JSON
 * entry, in the caller's store transaction, and hashed into an RFC 6962
 * Merkle tree. The daemon keeps the leaf hashes and the hashes of all
 * complete subtrees in memory, so roots and proofs cost O(log^2 n) hashes;
 * the store holds the entries and leaf hashes, the source of truth.
 *
 * Entries written by other processes (an operator's enroll or revoke) are
 * picked up with auditlog_sync; an append whose transaction rolled back is
 * undone in memory with auditlog_truncate.
 */
#ifndef SYMBI_AUDITLOG_H
#define SYMBI_AUDITLOG_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "keys.h"
#include "merkle.h"
#include "store.h"

struct auditlog;

/* Append one entry from any process (no in-memory tree): the CLI's path. */
int auditlog_append_row(struct store *st, const char *kind, json_t *fields, uint64_t *index)
    __attribute__((warn_unused_result));

int auditlog_open(struct store *st, const struct keypair *sign, struct auditlog **out)
    __attribute__((warn_unused_result));
void auditlog_close(struct auditlog **log);

/* Load entries appended by others since we last looked. */
int auditlog_sync(struct auditlog *log) __attribute__((warn_unused_result));
/* Forget in-memory entries at and after `size` (their transaction rolled back). */
void auditlog_truncate(struct auditlog *log, uint64_t size);
uint64_t auditlog_size(const struct auditlog *log);

/*
 * Append an entry (kind, "v", "at_ms" are added to `fields`, which is not
 * consumed) inside the caller's transaction. *bytes, if not NULL, receives a
 * malloc'd copy of the exact entry bytes.
 */
int auditlog_append(struct auditlog *log, const char *kind, json_t *fields, uint64_t *index,
                    uint8_t **bytes, size_t *len) __attribute__((warn_unused_result));

void auditlog_root(struct auditlog *log, uint64_t size, merkle_hash_t out);
/* A signed checkpoint of the current tree (malloc'd text). */
int auditlog_checkpoint(struct auditlog *log, char **text) __attribute__((warn_unused_result));
int auditlog_inclusion(struct auditlog *log, uint64_t index, uint64_t size,
                       merkle_hash_t proof[MERKLE_MAX_PROOF], size_t *n)
    __attribute__((warn_unused_result));
int auditlog_consistency(struct auditlog *log, uint64_t m, uint64_t n,
                         merkle_hash_t proof[MERKLE_MAX_PROOF], size_t *len)
    __attribute__((warn_unused_result));

/* Helpers for building entries. */
json_t *auditlog_hex(const uint8_t *data, size_t len);
json_t *auditlog_b64(const uint8_t *data, size_t len);

#endif
