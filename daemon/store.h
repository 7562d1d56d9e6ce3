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
/* A person's description of the store's last error (disk full, read-only...). */
const char *store_errmsg(struct store *st);
/* Schema version after migrations (for tests). */
int store_schema_version(struct store *st);

/*
 * SQLite's PRAGMA data_version: changes when another connection (an operator's
 * `symbiod enroll` or `revoke` while the daemon runs) commits, so the daemon
 * can reload its directory without being told.
 */
int store_data_version(struct store *st, int64_t *version) __attribute__((warn_unused_result));

/*
 * Checkpoint the WAL into the database file and truncate it to zero bytes,
 * so that what a secure delete overwrote survives in no older page image.
 * Outside a transaction; SYM_ERR_IO when a reader kept part of the WAL.
 */
int store_wal_truncate(struct store *st) __attribute__((warn_unused_result));

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

/* ---- rounds (store_round.c) ---------------------------------------------- */

enum round_phase { ROUND_NONE = 0, ROUND_OPEN = 1, ROUND_CONSENT = 2, ROUND_ENDED = 3 };
enum consent_side { CONSENT_PENDING = 0, CONSENT_ACCEPTED = 1, CONSENT_DECLINED = 2 };
enum candidate_state {
	CANDIDATE_PENDING = 0,
	CANDIDATE_AGREED = 1,
	CANDIDATE_DECLINED = 2,
	CANDIDATE_EXPIRED = 3
};
enum submission_state { SUBMISSION_STAGING = 0, SUBMISSION_COMMITTED = 1, SUBMISSION_REPLACED = 2 };

#define STORE_ID_LEN 16

/*
 * A round's size policy as announced (PROTOCOL.md 1.1): every set is padded
 * to fixed_size when it is non-zero, otherwise to a power of two at or above
 * its floor, and never above its maximum. All zero for a round of version 1.
 */
struct store_round_sizes {
	uint32_t offer_floor, need_floor, fixed_size, max_offer, max_need;
};

struct store_round {
	uint8_t id[STORE_ID_LEN];
	int64_t seq;
	int phase;
	int64_t opened_ms, closed_ms, ended_ms, submit_deadline_ms, consent_deadline_ms;
	uint8_t *announcement; /* the signed, packed RoundAnnouncement (owned) */
	size_t announcement_len;
	int keep_batches; /* 1: the token batches outlive the round (as announced) */
	struct store_round_sizes sizes;
};

void store_round_clear(struct store_round *r);
/* The newest round, whatever its phase; SYM_ERR_NOT_FOUND when none was ever opened. */
int store_round_latest(struct store *st, struct store_round *out)
    __attribute__((warn_unused_result));
int store_round_get(struct store *st, const uint8_t id[STORE_ID_LEN], struct store_round *out)
    __attribute__((warn_unused_result));
/* Every round's id, oldest first (malloc'd array). */
int store_rounds_list(struct store *st, uint8_t (**ids)[STORE_ID_LEN], size_t *n)
    __attribute__((warn_unused_result));
/* Record a new open round with its member snapshot (ids of active members). */
int store_round_create(struct store *st, const struct store_round *r, char *const *members,
                       size_t n) __attribute__((warn_unused_result));
int store_round_set_phase(struct store *st, const uint8_t id[STORE_ID_LEN], int phase,
                          int64_t at_ms) __attribute__((warn_unused_result));
/* 1 when member is in the round's snapshot, 0 when not, negative on error. */
int store_round_has_member(struct store *st, const uint8_t id[STORE_ID_LEN], const char *member);
/* The round's member ids (malloc'd array of malloc'd strings), in id order. */
int store_round_members(struct store *st, const uint8_t id[STORE_ID_LEN], char ***ids, size_t *n)
    __attribute__((warn_unused_result));
void store_strings_free(char **ids, size_t n);

/* Submissions: staged chunk by chunk, then committed in one transaction. */
int store_submission_begin(struct store *st, const uint8_t round[STORE_ID_LEN], const char *member,
                           const uint8_t sub_id[STORE_ID_LEN], uint32_t chunks,
                           const uint8_t commitment[32], int64_t at_ms)
    __attribute__((warn_unused_result));
struct store_submission {
	uint8_t id[STORE_ID_LEN], round[STORE_ID_LEN];
	char member[MEMBER_ID_MAX + 1];
	int state;
	uint32_t chunks, received;
	uint8_t commitment[32];
};
int store_submission_get(struct store *st, const uint8_t sub_id[STORE_ID_LEN],
                         struct store_submission *out) __attribute__((warn_unused_result));
/* Add one batch (with its digest) to a staging submission; SYM_ERR_EXISTS for a repeated
 * counterpart. */
int store_batch_put(struct store *st, const uint8_t sub_id[STORE_ID_LEN], int64_t seq,
                    const char *counterpart, const uint8_t *offers, size_t offers_len,
                    const uint8_t *needs, size_t needs_len, const uint8_t digest[32])
    __attribute__((warn_unused_result));
int store_submission_chunk_done(struct store *st, const uint8_t sub_id[STORE_ID_LEN])
    __attribute__((warn_unused_result));
/*
 * The batch digests of a submission in seq order (malloc'd array), for the
 * commitment, with their counterparts (free with store_strings_free).
 */
int store_batch_digests(struct store *st, const uint8_t sub_id[STORE_ID_LEN],
                        uint8_t (**digests)[32], char ***counterparts, size_t *n)
    __attribute__((warn_unused_result));
/*
 * Commit: the member's previous committed submission of the round becomes
 * replaced (its batches deleted), this one committed, with the signed request
 * kept as evidence. Call inside a transaction.
 */
int store_submission_commit(struct store *st, const uint8_t sub_id[STORE_ID_LEN], int64_t at_ms,
                            const uint8_t *evidence, size_t evidence_len)
    __attribute__((warn_unused_result));
/* Members with a committed submission in the round, in id order. */
int store_round_submitters(struct store *st, const uint8_t round[STORE_ID_LEN], char ***ids,
                           size_t *n) __attribute__((warn_unused_result));
/* The committed batch submitter -> counterpart (malloc'd blobs); SYM_ERR_NOT_FOUND if none. */
int store_batch_get(struct store *st, const uint8_t round[STORE_ID_LEN], const char *submitter,
                    const char *counterpart, uint8_t **offers, size_t *offers_len, uint8_t **needs,
                    size_t *needs_len) __attribute__((warn_unused_result));

/* Candidates and consent. */
struct store_candidate {
	uint8_t id[STORE_ID_LEN], round[STORE_ID_LEN];
	char supplier[MEMBER_ID_MAX + 1], consumer[MEMBER_ID_MAX + 1];
	uint8_t token[8];
	int supplier_state, consumer_state, state;
};
int store_candidate_add(struct store *st, const struct store_candidate *c)
    __attribute__((warn_unused_result));
int store_pair_summary_add(struct store *st, const uint8_t round[STORE_ID_LEN],
                           const char *supplier, const char *consumer, uint64_t count,
                           const uint8_t hits_hash[32]) __attribute__((warn_unused_result));
int store_candidate_get(struct store *st, const uint8_t id[STORE_ID_LEN],
                        struct store_candidate *out) __attribute__((warn_unused_result));
/* A member's candidates in a round (as supplier or consumer), ordered by id. */
int store_candidates_for(struct store *st, const uint8_t round[STORE_ID_LEN], const char *member,
                         struct store_candidate **out, size_t *n)
    __attribute__((warn_unused_result));
/*
 * Record one side's answer with the hash of what it signed (the signed
 * statement, audit/FORMAT.md) as evidence, and update the overall state:
 * agreed when both accepted, declined when either declined. No item is
 * stored with a consent (protocol 1.1). SYM_ERR_EXISTS when this side
 * already answered. *state_out receives the new overall state.
 */
int store_consent_put(struct store *st, const uint8_t id[STORE_ID_LEN], const char *member,
                      int accept, const uint8_t statement[32], int *state_out)
    __attribute__((warn_unused_result));
/*
 * Store one side's sealed item of an agreed candidate with its hash.
 * SYM_ERR_PERM when the candidate is not agreed; SYM_ERR_EXISTS when this
 * side deposited another item; the same item again sets *repeated and
 * stores nothing. *both: the other side has deposited too.
 */
int store_deposit_put(struct store *st, const uint8_t id[STORE_ID_LEN], const char *member,
                      const uint8_t *envelope, size_t envelope_len, const uint8_t hash[32],
                      int *repeated, int *both) __attribute__((warn_unused_result));
/*
 * The counterpart's envelope of an agreed candidate for `member`, when both
 * sides deposited. SYM_ERR_NOT_FOUND when there is nothing (more) to hand
 * over.
 */
int store_release_get(struct store *st, const uint8_t id[STORE_ID_LEN], const char *member,
                      uint8_t **envelope, size_t *envelope_len, char from[MEMBER_ID_MAX + 1])
    __attribute__((warn_unused_result));
/*
 * `member` received the counterpart's envelope: delete it (and empty the
 * WAL at commit). SYM_ERR_NOT_FOUND when the candidate is not member's.
 */
int store_release_drop(struct store *st, const uint8_t id[STORE_ID_LEN], const char *member)
    __attribute__((warn_unused_result));
/* What a release rests on: [0] supplier, [1] consumer; hashes only. */
struct store_evidence {
	uint8_t consent[2][32]; /* SHA-256 of the signed consent statements */
	uint8_t deposit[2][32]; /* SHA-256 of the deposited envelopes */
	int has_consent[2], has_deposit[2];
};
int store_candidate_evidence(struct store *st, const uint8_t id[STORE_ID_LEN],
                             struct store_evidence *ev) __attribute__((warn_unused_result));

/*
 * Delete every token batch of the round (staged, committed or replaced
 * submissions alike; their digests stay in the log). Returns how many rows
 * went, or < 0. Call inside a transaction; store_wal_truncate after it.
 */
int store_round_drop_batches(struct store *st, const uint8_t round[STORE_ID_LEN]);
/*
 * Pending candidates of the round become expired and every envelope of the
 * round still held is deleted; returns how many expired, or < 0.
 */
int store_round_expire(struct store *st, const uint8_t round[STORE_ID_LEN]);
/* Counts per candidate state [4] and submitters for status. */
int store_round_counts(struct store *st, const uint8_t round[STORE_ID_LEN], int64_t counts[4],
                       int64_t *submitted) __attribute__((warn_unused_result));

/* ---- the audit log (store_log.c) ----------------------------------------------- */

/* Append an entry at the next index, inside the caller's transaction. */
int store_log_append(struct store *st, const char *kind, const uint8_t *body, size_t len,
                     const uint8_t leaf[32], int64_t at_ms, uint64_t *index)
    __attribute__((warn_unused_result));
/* Leaf hashes from index `from` on, in order; SYM_ERR_FORMAT on a gap. */
typedef int (*store_leaf_fn)(void *arg, const uint8_t leaf[32]);
int store_log_leaves(struct store *st, uint64_t from, store_leaf_fn fn, void *arg)
    __attribute__((warn_unused_result));
typedef int (*store_entry_fn)(void *arg, const uint8_t *body, size_t len);
int store_log_foreach(struct store *st, store_entry_fn fn, void *arg)
    __attribute__((warn_unused_result));
/* The newest entry of `kind`: its index and exact bytes (malloc'd); SYM_ERR_NOT_FOUND if none. */
int store_log_latest(struct store *st, const char *kind, uint64_t *index, uint8_t **body,
                     size_t *len) __attribute__((warn_unused_result));
/* Every committed batch of a round, by submitter then order (for the export). */
typedef int (*store_batch_row_fn)(void *arg, const char *submitter, const char *counterpart,
                                  const uint8_t *offers, size_t offers_len, const uint8_t *needs,
                                  size_t needs_len);
int store_round_batches_foreach(struct store *st, const uint8_t round[STORE_ID_LEN],
                                store_batch_row_fn fn, void *arg)
    __attribute__((warn_unused_result));

/* ---- token batch files (store_batchfile.c) ----------------------------------- */

/*
 * Wipe (overwrite, fsync, unlink) every batch file under PARK/batches that
 * nothing live needs: replaced or abandoned uploads, rounds ended without
 * keep_batches, rounds the store does not know. The store runs it after a
 * commit that let batches go; the daemon runs it when it starts, for what a
 * crash left. Outside a transaction.
 */
int store_batch_files_sweep(struct store *st) __attribute__((warn_unused_result));

/* A round's committed batches, indexed once, read one at a time for the join (store_batchjoin.c).
 */
struct store_batch_reader;
struct store_batch_sets {
	uint8_t *buf; /* owned: offers then needs */
	const uint8_t *offers, *needs;
	size_t offers_len, needs_len;
};
/* subs: the round's submitters in id order, NULL for one left out (borrowed). */
int store_batch_reader_open(struct store *st, const uint8_t round[STORE_ID_LEN], char *const *subs,
                            size_t n, struct store_batch_reader **out)
    __attribute__((warn_unused_result));
/*
 * subs[i]'s sets for subs[j], checked against their digest (a truncated or
 * changed batch file is SYM_ERR_FORMAT, logged with what is wrong);
 * SYM_ERR_NOT_FOUND when there is no such batch.
 */
int store_batch_reader_get(struct store_batch_reader *rd, size_t i, size_t j,
                           struct store_batch_sets *out) __attribute__((warn_unused_result));
void store_batch_sets_clear(struct store_batch_sets *s);
void store_batch_reader_close(struct store_batch_reader **rd);

/* ---- park indicators (store_indicator.c) ----------------------------------- */

enum indicator_state { INDICATORS_COLLECTING = 0, INDICATORS_DONE = 1, INDICATORS_FAILED = 2 };

#define STORE_CLASS_MAX 64
#define STORE_INDICATOR_MAX 32

/* A round's secure sum: where it stands, how many members it includes. */
struct store_indicator_round {
	uint8_t round[STORE_ID_LEN];
	int state; /* enum indicator_state */
	uint32_t included, threshold;
	int64_t updated_ms;
	char reason[128]; /* why it failed; "" otherwise */
};

/* One cell of a round's sum: (class, indicator) -> total over the included members. */
struct store_indicator_cell {
	char cls[STORE_CLASS_MAX];
	char indicator[STORE_INDICATOR_MAX];
	uint64_t value;
};

/* Insert or replace the round's indicator state. */
int store_indicator_round_set(struct store *st, const struct store_indicator_round *r)
    __attribute__((warn_unused_result));
/* SYM_ERR_NOT_FOUND when the round has no indicator state yet. */
int store_indicator_round_get(struct store *st, const uint8_t round[STORE_ID_LEN],
                              struct store_indicator_round *out)
    __attribute__((warn_unused_result));
/* The newest round (by seq) whose sums are done; SYM_ERR_NOT_FOUND when none is. */
int store_indicator_latest_done(struct store *st, uint8_t round[STORE_ID_LEN])
    __attribute__((warn_unused_result));
/* Replace the round's sums by these cells (inside the caller's transaction). */
int store_indicator_sums_put(struct store *st, const uint8_t round[STORE_ID_LEN],
                             const struct store_indicator_cell *cells, size_t n)
    __attribute__((warn_unused_result));
/* The round's sums ordered by class then indicator (malloc'd array; free()). */
int store_indicator_sums_get(struct store *st, const uint8_t round[STORE_ID_LEN],
                             struct store_indicator_cell **cells, size_t *n)
    __attribute__((warn_unused_result));

/* ---- the published classes of agreed exchanges (store_publish.c) ------------ */

/*
 * Record that `member`, a side of candidate id, agreed to publish the
 * exchange's class `cls` (a two-level class, classname.h), inside the
 * caller's transaction, with its consent. SYM_ERR_NOT_FOUND when the
 * candidate is not member's, SYM_ERR_EXISTS when that side published already.
 */
int store_publish_put(struct store *st, const uint8_t id[STORE_ID_LEN], const char *member,
                      const char *cls) __attribute__((warn_unused_result));

/* An agreed exchange as the report draws it: who, and what each side published ("" none). */
struct store_agreed {
	uint8_t id[STORE_ID_LEN];
	char supplier[MEMBER_ID_MAX + 1], consumer[MEMBER_ID_MAX + 1];
	char publish[2][STORE_CLASS_MAX]; /* [0] supplier's, [1] consumer's */
};
/* The round's agreed candidates ordered by id (malloc'd array; free()). */
int store_round_agreed(struct store *st, const uint8_t round[STORE_ID_LEN],
                       struct store_agreed **out, size_t *n) __attribute__((warn_unused_result));

/* ---- secure aggregation's working state (store_secagg.c) -------------------- */

enum secagg_stage {
	SECAGG_WAITING = 0,    /* the round has not ended */
	SECAGG_COLLECTING = 1, /* masked vectors and sealed shares come in */
	SECAGG_CONFIRMING = 2, /* the included set is announced; members confirm it */
	SECAGG_UNMASKING = 3,  /* members reveal shares and pair-mask keys */
	SECAGG_FINISHED = 4    /* indicator_rounds says done or failed */
};

enum secagg_kind { SECAGG_VECTOR = 1, SECAGG_CONFIRM = 2, SECAGG_ANSWER = 3 };

struct store_secagg {
	uint8_t round[STORE_ID_LEN];
	int stage; /* enum secagg_stage */
	int64_t window_ms, deadline_ms;
	char *submitters;  /* JSON array of ids (malloc'd) */
	uint8_t *included; /* the packed, signed IncludedSet; NULL before it is announced */
	size_t included_len;
	uint8_t included_hash[32];
	int64_t included_index;  /* its audit-log entry, -1 before */
	uint8_t *included_entry; /* that entry's bytes, for members' inclusion proofs */
	size_t included_entry_len;
};

/* A member's message of a kind, or a share (member = its sender). */
struct store_secagg_msg {
	char member[MEMBER_ID_MAX + 1];
	uint8_t *data; /* malloc'd */
	size_t len;
};

/* The round's row at open: waiting, with the stage window. */
int store_secagg_open(struct store *st, const uint8_t round[STORE_ID_LEN], int64_t window_ms)
    __attribute__((warn_unused_result));
/* SYM_ERR_NOT_FOUND when the round has none (opened before this version). */
int store_secagg_get(struct store *st, const uint8_t round[STORE_ID_LEN], struct store_secagg *out)
    __attribute__((warn_unused_result));
/* Write the row's stage, deadline, submitters and included set (insert when missing). */
int store_secagg_put(struct store *st, const struct store_secagg *s)
    __attribute__((warn_unused_result));
void store_secagg_clear(struct store_secagg *s);
/* Rounds in stages 1..3, oldest first (malloc'd ids). */
int store_secagg_active(struct store *st, uint8_t (**rounds)[STORE_ID_LEN], size_t *n)
    __attribute__((warn_unused_result));
/*
 * Keep a member's message of `kind`, once: the same bytes again set
 * *repeated; other bytes are SYM_ERR_EXISTS.
 */
int store_secagg_msg_put(struct store *st, const uint8_t round[STORE_ID_LEN], int kind,
                         const char *member, const uint8_t *data, size_t len, int *repeated)
    __attribute__((warn_unused_result));
/* 1 when the member's message of `kind` is held, 0 when not, < 0 on error. */
int store_secagg_msg_has(struct store *st, const uint8_t round[STORE_ID_LEN], int kind,
                         const char *member);
/* How many messages of `kind` the round holds (>= 0), or a negative error. */
int store_secagg_msg_count(struct store *st, const uint8_t round[STORE_ID_LEN], int kind);
/* The round's messages of `kind` in member order (free with store_secagg_msgs_free). */
int store_secagg_msgs(struct store *st, const uint8_t round[STORE_ID_LEN], int kind,
                      struct store_secagg_msg **out, size_t *n) __attribute__((warn_unused_result));
void store_secagg_msgs_free(struct store_secagg_msg **msgs, size_t n);
/* A sealed share from sender to recipient. */
int store_secagg_share_put(struct store *st, const uint8_t round[STORE_ID_LEN], const char *sender,
                           const char *recipient, const uint8_t *sealed, size_t len)
    __attribute__((warn_unused_result));
/* The shares sealed to recipient, by sender (member = sender). */
int store_secagg_shares_for(struct store *st, const uint8_t round[STORE_ID_LEN],
                            const char *recipient, struct store_secagg_msg **out, size_t *n)
    __attribute__((warn_unused_result));
/*
 * Delete the round's messages: vectors, confirmations and the answers that
 * reveal shares and keys (the progress row stays); the WAL is emptied at
 * commit. Its sealed shares go later, by store_secagg_shares_sweep.
 */
int store_secagg_wipe(struct store *st, const uint8_t round[STORE_ID_LEN])
    __attribute__((warn_unused_result));
/*
 * Delete up to max sealed shares of rounds whose indicators are finished;
 * *deleted says how many went (fewer than max: none is left). A round holds
 * n^2 of them (4 million at 2,000 submitters, about 13 s to delete with
 * secure_delete), so they go in slices between requests, not inside the
 * request that finishes the round. Sealed to their recipients, they tell the
 * coordinator nothing; the vectors they could help unmask are already gone.
 */
int store_secagg_shares_sweep(struct store *st, size_t max, size_t *deleted)
    __attribute__((warn_unused_result));

/* ---- hardened rounds (store_hardened.c) ------------------------------------ */

/* A hardened round's sub-phases while it is open (HARDENED.md). */
enum hard_phase { HARD_NONE = 0, HARD_QUERY = 1, HARD_EVALUATE = 2, HARD_SUBMIT = 3 };

struct store_hard_round {
	uint8_t round[STORE_ID_LEN];
	int phase; /* enum hard_phase */
	int64_t query_deadline_ms, evaluate_deadline_ms;
	uint32_t batch_size; /* max_need: the exact size of every query batch */
};

/* Mark a round hardened (inside the round's opening transaction). */
int store_hard_round_put(struct store *st, const struct store_hard_round *h)
    __attribute__((warn_unused_result));
/* SYM_ERR_NOT_FOUND for a standard round. */
int store_hard_round_get(struct store *st, const uint8_t round[STORE_ID_LEN],
                         struct store_hard_round *out) __attribute__((warn_unused_result));
/* Move from `from` to `to`; SYM_ERR_INVALID when the round was not in `from`. */
int store_hard_round_advance(struct store *st, const uint8_t round[STORE_ID_LEN], int from, int to)
    __attribute__((warn_unused_result));

/* A member's key commitment; SYM_ERR_NOT_FOUND when it has none. */
int store_hard_key_get(struct store *st, const uint8_t round[STORE_ID_LEN], const char *member,
                       uint8_t pk[32], uint8_t sig[64]) __attribute__((warn_unused_result));
int store_hard_key_put(struct store *st, const uint8_t round[STORE_ID_LEN], const char *member,
                       const uint8_t pk[32], const uint8_t sig[64])
    __attribute__((warn_unused_result));

/* One stored batch: a query (answerer NULL) or an answer joined with its answerer's key. */
struct store_hard_batch {
	char querier[MEMBER_ID_MAX + 1], answerer[MEMBER_ID_MAX + 1];
	const uint8_t *elements; /* valid during the callback only */
	size_t len;
	uint8_t digest[32], signature[64], query_digest[32], proof[64], pk[32], key_sig[64];
};
typedef int (*store_hard_batch_fn)(void *arg, const struct store_hard_batch *b);

/* The querier's batch digest; SYM_ERR_NOT_FOUND when it sent none. */
int store_hard_query_digest(struct store *st, const uint8_t round[STORE_ID_LEN],
                            const char *querier, uint8_t digest[32])
    __attribute__((warn_unused_result));
/* The querier's batch (*blinded malloc'd); SYM_ERR_NOT_FOUND when none. */
int store_hard_query_get(struct store *st, const uint8_t round[STORE_ID_LEN], const char *querier,
                         uint8_t **blinded, size_t *len) __attribute__((warn_unused_result));
int store_hard_query_put(struct store *st, const uint8_t round[STORE_ID_LEN], const char *querier,
                         const uint8_t *blinded, size_t len, const uint8_t digest[32],
                         const uint8_t sig[64]) __attribute__((warn_unused_result));
/* The queries of every member but `answerer` that it has not answered yet. */
int store_hard_queries_open(struct store *st, const uint8_t round[STORE_ID_LEN],
                            const char *answerer, store_hard_batch_fn fn, void *arg)
    __attribute__((warn_unused_result));
/* The digest of answerer's answer to querier; SYM_ERR_NOT_FOUND when none. */
int store_hard_answer_digest(struct store *st, const uint8_t round[STORE_ID_LEN],
                             const char *querier, const char *answerer, uint8_t digest[32])
    __attribute__((warn_unused_result));
int store_hard_answer_put(struct store *st, const uint8_t round[STORE_ID_LEN],
                          const struct store_hard_batch *b) __attribute__((warn_unused_result));
/* The answers to querier, with each answerer's key commitment. */
int store_hard_answers_to(struct store *st, const uint8_t round[STORE_ID_LEN], const char *querier,
                          store_hard_batch_fn fn, void *arg) __attribute__((warn_unused_result));
/* Every query (answerer "") and answer of the round, for the export with batches. */
int store_hard_batches_foreach(struct store *st, const uint8_t round[STORE_ID_LEN],
                               store_hard_batch_fn fn, void *arg)
    __attribute__((warn_unused_result));
/*
 * Who has not done its part of `phase` yet, in id order: HARD_QUERY, no key
 * or no query; HARD_EVALUATE, a committed member that owes an answer;
 * HARD_SUBMIT, no committed submission.
 */
int store_hard_silent(struct store *st, const uint8_t round[STORE_ID_LEN], int phase, char ***ids,
                      size_t *n) __attribute__((warn_unused_result));
/* Delete the round's query and answer batches (keys stay); rows deleted or < 0. */
int store_hard_drop_batches(struct store *st, const uint8_t round[STORE_ID_LEN]);

#endif
