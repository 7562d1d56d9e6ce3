/*
 * The coordinator's durable state: one SQLite database PARK/symbiod.db in WAL
 * mode with synchronous=FULL, its schema versioned (PRAGMA user_version) and
 * upgraded by ordered migrations inside a transaction. Nothing stored here is
 * ever a plaintext category, quantity, attribute or detail of a flow.
 */
#ifndef SYMBI_STORE_H
#define SYMBI_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "cert.h"
#include "err.h"

#define STORE_FILE "symbiod.db"

struct store;

struct store_member {
	struct member_record rec;
	uint8_t *cert_der; /* owned; free with store_member_clear */
	size_t cert_der_len;
	int revoked;
	uint64_t serial;
	int64_t enrolled_at, revoked_at; /* Unix seconds; 0 if not revoked */
};

/*
 * Open (creating if needed) the database at `path`, apply migrations, set WAL
 * and synchronous=FULL, busy timeout. The file is created 0600.
 * SYM_ERR_FORMAT for a database from a newer version than this binary.
 */
int store_open(const char *path, struct store **out, struct sym_diag *diag)
    __attribute__((warn_unused_result));
void store_close(struct store **st);
/* Schema version after migrations (for tests). */
int store_schema_version(struct store *st);

/*
 * SQLite's PRAGMA data_version: changes when another connection (an operator's
 * `symbiod enroll` or `revoke` while the daemon runs) commits, so the daemon
 * can reload its directory without being told.
 */
int store_data_version(struct store *st, int64_t *version) __attribute__((warn_unused_result));

int store_begin(struct store *st) __attribute__((warn_unused_result));
int store_commit(struct store *st) __attribute__((warn_unused_result));
void store_rollback(struct store *st);

/* Key/value settings (park name, endpoint, next serial...). */
int store_meta_set(struct store *st, const char *key, const char *value)
    __attribute__((warn_unused_result));
/* SYM_ERR_NOT_FOUND when absent; *value malloc'd. */
int store_meta_get(struct store *st, const char *key, char **value)
    __attribute__((warn_unused_result));

/* Next certificate serial (monotonic, starts at 1; durable). */
int store_next_serial(struct store *st, uint64_t *serial) __attribute__((warn_unused_result));

/* Add a member; SYM_ERR_EXISTS if the id or any of its keys is already enrolled. */
int store_member_add(struct store *st, const struct member_record *rec, const uint8_t *cert_der,
                     size_t cert_der_len, uint64_t serial) __attribute__((warn_unused_result));
/* Mark revoked; SYM_ERR_NOT_FOUND if unknown; SYM_ERR_EXISTS if already revoked. */
int store_member_revoke(struct store *st, const char *id) __attribute__((warn_unused_result));
int store_member_get(struct store *st, const char *id, struct store_member *out)
    __attribute__((warn_unused_result));
/* All members ordered by id (revoked ones included); free with store_members_free. */
int store_members_list(struct store *st, struct store_member **out, size_t *n)
    __attribute__((warn_unused_result));
void store_member_clear(struct store_member *m);
void store_members_free(struct store_member *m, size_t n);

/*
 * Replay protection: remember (member, request id) with the response sent.
 * store_request_seen: 0 and *response (malloc'd, may be NULL/0 length) when
 * seen, SYM_ERR_NOT_FOUND when new. store_request_remember records it.
 * store_requests_prune drops entries older than `before_ms`.
 */
int store_request_seen(struct store *st, const char *member, const uint8_t request_id[16],
                       uint8_t **response, size_t *response_len)
    __attribute__((warn_unused_result));
int store_request_remember(struct store *st, const char *member, const uint8_t request_id[16],
                           uint64_t at_ms, const uint8_t *response, size_t response_len)
    __attribute__((warn_unused_result));
int store_requests_prune(struct store *st, uint64_t before_ms) __attribute__((warn_unused_result));

#endif
