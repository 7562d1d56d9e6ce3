/*
 * Shared between the store's source files only (daemon/store*.c); not part
 * of the store's API. The store's jobs, one file each: store.c (open,
 * migrations, transactions, settings), store_member.c (enrolled members),
 * store_request.c (replay memory), store_round.c (rounds, submissions,
 * batches' rows), store_batchfile.c (the batches' files: write, read,
 * wipe), store_batchjoin.c (reading a round's batches for the join),
 * store_candidate.c (candidates and consent), store_log.c (the audit log);
 * all of them talk SQL through store_sql.c.
 */
#ifndef SYMBI_STORE_INTERNAL_H
#define SYMBI_STORE_INTERNAL_H

#include <limits.h>

#include "store_sql.h"

struct store {
	struct store_sql sql; /* the connection and its statement cache */
	int version;
	int wipe;  /* envelopes were deleted in this transaction: empty the WAL after commit */
	int sweep; /* batches were let go in this transaction: sweep their files after commit */
	/* Random per open: batch bytes written under this epoch are at least in the page cache. */
	int64_t epoch;
	char batch_dir[PATH_MAX];   /* PARK/batches (store_batchfile.c) */
	int wfd;                    /* the batch file last appended to, or -1 */
	uint8_t wsub[16];           /* ... and its submission */
	struct store_pending *pend; /* the chunk being stored (store_batchfile.c) */
};

/* Upper bound on one stored token set or envelope: what WIRE_MAX_MESSAGE can carry. */
#define STORE_BLOB_MAX (8u << 20)

/* A member id that is valid and bounded (checked before anything scans it). */
int store_id_ok(const char *id);

/* Column 0 of every row of sql (bound ?1 = round), a member id, as a malloc'd array of strings. */
int store_id_strings(struct store *st, const char *sql, const uint8_t round[STORE_ID_LEN],
                     char ***ids, size_t *n) __attribute__((warn_unused_result));

/* Column 0, a 16-byte id, into item (a store_sql_list decoder). */
int store_id_row(sqlite3_stmt *stmt, void *item);

/* ---- batch files (store_batchfile.c) ---- */

#define BATCHFILE_HEADER 64  /* what the first block holds */
#define BATCHFILE_BLOCK 4096 /* every chunk starts on one: O_DIRECT writes */
#define BATCHFILE_CRC 4      /* after each batch's sets */

/* Where one batch's sets are in its submission's file, and what they hash to. */
struct store_batch_loc {
	int64_t off;
	size_t offers_len, needs_len;
	uint8_t digest[32];
};

/*
 * Queue one batch of the chunk being stored (the sets stay the caller's
 * until store_batchfile_flush): *off receives where it goes in the
 * submission's file. `end` is the file's recorded end when the chunk's
 * first batch comes.
 */
int store_batchfile_queue(struct store *st, const uint8_t round[16], const uint8_t sub[16],
                          int64_t end, const uint8_t *offers, size_t offers_len,
                          const uint8_t *needs, size_t needs_len, int64_t *off);
/* 1 when batches of `sub` are queued; *end then is where the next one goes. */
int store_batchfile_queued(const struct store *st, const uint8_t sub[16], int64_t *end);
/*
 * Write what is queued (the file created with its header first), padded to
 * the next block; *end (may be NULL) receives that block boundary, where
 * the submission's next chunk goes.
 */
int store_batchfile_flush(struct store *st, int64_t *end);
/* Forget what is queued (the transaction rolled back). */
void store_batchfile_discard(struct store *st);
/* fsync the submission's file and the folders naming it. */
int store_batchfile_sync(struct store *st, const uint8_t round[16], const uint8_t sub[16]);
/*
 * Open the submission's file for reading, its header checked (SYM_ERR_FORMAT);
 * with `direct`, O_DIRECT where the file system has it (block-aligned reads only).
 */
int store_batchfile_open(const struct store *st, const uint8_t round[16], const uint8_t sub[16],
                         int direct, int *fd);
/* v rounded up to a block boundary. */
int64_t store_batchfile_align(int64_t v);
/*
 * A batch's bytes at p (sets, then checksum) are what was written: the
 * checksum always, the digest when `full`. SYM_ERR_FORMAT, logged with path.
 */
int store_batchfile_check(const char *path, const struct store_batch_loc *loc,
                          const char *counterpart, int full, const uint8_t *p);
/* The join's read-ahead windows (store_batchjoin.c), one per file, at most this in all. */
#define READER_WINDOWS_MAX (64u << 20)
/*
 * One batch's sets (offers then needs, malloc'd into *buf), checked against
 * their checksum and, when `full`, their digest: SYM_ERR_FORMAT for a
 * truncated or changed file, logged.
 */
int store_batchfile_read(int fd, const char *path, const struct store_batch_loc *loc,
                         const char *counterpart, int full, uint8_t **buf);
/* PARK/batches[/<round>[/<submission>]] (round and sub may be NULL). */
int store_batchfile_path(const struct store *st, const uint8_t *round, const uint8_t *sub,
                         char *out, size_t len);
/* Close the append descriptor the store keeps; _free also drops the queue (store_close). */
void store_batchfile_close(struct store *st);
void store_batchfile_free(struct store *st);

/* ---- the schema (store_schema.c) ---- */

/* Migrations in order; PRAGMA user_version counts how many have run. */
extern const char *const store_migrations[];
extern const size_t store_migrations_n;

#endif
