/*
 * symbi-audit's model of an exported log (FORMAT.md). verify reads the
 * export entry by entry, checks every rule and builds this model as it goes;
 * replay and graph only read the model of a log that verified.
 *
 * A problem is reported once, where it was found first: an entry (0-based
 * index), the checkpoint, a round (replay) or a file of the export. Every
 * checker returns SYM_ERR_VERIFY after filling the problem, so that callers
 * can tell a rule that does not hold from an I/O or memory failure.
 */
#ifndef SYMBI_AUDIT_H
#define SYMBI_AUDIT_H

#include <stddef.h>
#include <stdint.h>

#include "cert.h"
#include "checkpoint.h"
#include "err.h"
#include "merkle.h"
#include "parkinfo.h"

/* Longest entry line (without its newline) and longest batches line. */
#define AUDIT_LINE_MAX (16u << 20)
#define AUDIT_BATCH_LINE_MAX (48u << 20)
/* The daemon's caps (daemon/rounds.h), which a verifier must not trust to be smaller. */
#define AUDIT_MAX_SET_TOKENS (1u << 20)
#define AUDIT_MAX_LIST (1u << 20) /* batches, submitted, candidates in one entry */

enum audit_where {
	AUDIT_AT_ENTRY = 1,
	AUDIT_AT_CHECKPOINT,
	AUDIT_AT_ROUND,
	AUDIT_AT_FILE,
};

struct audit_problem {
	int set;
	enum audit_where where;
	uint64_t entry;
	uint8_t round[16];
	char file[64];
	char rule[32];
	char msg[512];
};

/* Fill p unless a problem is already there (the first one wins); returns SYM_ERR_VERIFY. */
int audit_fail_entry(struct audit_problem *p, uint64_t entry, const char *rule, const char *fmt,
                     ...) __attribute__((format(printf, 4, 5)));
int audit_fail_checkpoint(struct audit_problem *p, const char *rule, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int audit_fail_round(struct audit_problem *p, const uint8_t round[16], const char *rule,
                     const char *fmt, ...) __attribute__((format(printf, 4, 5)));
int audit_fail_file(struct audit_problem *p, const char *file, const char *rule, const char *fmt,
                    ...) __attribute__((format(printf, 4, 5)));
/* "entry 12: consent-signature: ..." and friends, without a newline. */
void audit_problem_format(const struct audit_problem *p, char *out, size_t cap);

/* ---- the model ------------------------------------------------------------ */

struct audit_member {
	struct member_record rec; /* as its certificate says */
	int revoked;
	uint64_t enrolled_entry, revoked_entry;
};

struct audit_batchref {
	uint32_t counterpart; /* member index */
	uint8_t digest[32];
};

/* A member's latest submission entry in a round (it replaces earlier ones). */
struct audit_submission {
	uint32_t member;
	uint64_t entry;
	uint8_t id[16];
	uint8_t commitment[32];
	struct audit_batchref *batches;
	size_t nbatches;
};

enum audit_answer { AUDIT_UNANSWERED = 0, AUDIT_ACCEPTED, AUDIT_DECLINED };
enum { AUDIT_SUPPLIER = 0, AUDIT_CONSUMER = 1 };

struct audit_candidate {
	uint8_t id[16];
	uint8_t token[8];
	size_t round;
	uint32_t side[2]; /* supplier, consumer: member indices */
	enum audit_answer answer[2];
	uint64_t answer_entry[2];
	uint8_t consent_hash[2][32];  /* the signed consent statements (v1: requests) */
	uint8_t envelope_hash[2][32]; /* the deposits (v1: the accepts' envelopes) */
	int deposited[2];             /* v1: accepted, the accept carrying the item */
	uint64_t deposit_entry[2];
	int released;
};

/* One pair_matched entry; its candidates are cands[first .. first + count). */
struct audit_pair {
	uint32_t supplier, consumer;
	uint64_t entry;
	uint8_t hits_hash[32];
	size_t first, count;
};

enum audit_phase { AUDIT_OPEN = 1, AUDIT_CONSENT, AUDIT_ENDED };

/* The size policy a round announced (PROTOCOL.md 1.1); all zero for a version 1 round. */
struct audit_sizes {
	uint32_t offer_floor, need_floor, fixed_size, max_offer, max_need;
};

/* A round's park indicators as the log tells them (rules_indicators.c). */
struct audit_indicators {
	int opened, announced, finished;
	uint32_t threshold;
	uint32_t *subs; /* member indices, in id order */
	size_t nsubs;
	uint8_t *sent, *in_set, *confirmed, *answered; /* per subs index */
	size_t nsent, nincl, nconfirmed, nanswered;
	uint8_t hash[32]; /* the included hash */
	uint64_t announced_entry;
};

struct audit_round {
	uint8_t id[16];
	enum audit_phase phase;
	int keep_batches; /* the announcement's promise: 0 = batches deleted at round end */
	uint64_t reach_m; /* the announced largest reach (SITE_REACH_UNLIMITED: none announced) */
	struct audit_sizes sizes;
	uint64_t opened_entry, closed_entry, ended_entry;
	uint8_t *in_directory; /* per member index < ndirectory_span: active at round_opened */
	uint32_t *sub_slot;    /* per member index < ndirectory_span: subs index + 1, or 0 */
	size_t ndirectory_span, ndirectory;
	struct audit_submission *subs;
	size_t nsubs;
	uint32_t *submitted; /* round_closed's list, in its order */
	size_t nsubmitted;
	uint8_t *in_submitted; /* per member index < nsubmitted_span */
	size_t nsubmitted_span;
	struct audit_pair *pairs;
	size_t npairs;
	size_t ncands, nagreed, nreleased, ndeclined;
	int answered; /* a consent or release of the round was seen */
	struct audit_indicators ind;
	struct audit_hard *hard; /* a hardened round's state (rules_hardened.c); NULL: standard */
};

struct audit_index;

/* Export format versions this reader knows (FORMAT.md); an export without format-version is 1. */
#define AUDIT_FORMAT_MIN 1
#define AUDIT_FORMAT_MAX 2

struct audit_log {
	int format_version; /* of the export read: 1 or 2 (0 before it was read) */
	struct parkinfo park;
	uint8_t park_id[32]; /* cert_park_id: the requests' signatures bind it */
	struct checkpoint cp;
	merkle_hash_t root; /* recomputed over the entries */
	uint64_t entries;   /* lines read */
	struct audit_member *members;
	size_t nmembers;
	struct audit_round *rounds;
	size_t nrounds;
	struct audit_candidate *cands;
	size_t ncands;
	struct audit_index *member_ix; /* id, and NUL || Ed25519 key -> member index */
	struct audit_index *round_ix;  /* round id -> round index */
	struct audit_index *cand_ix;   /* candidate id -> candidate index */
	struct audit_index *pair_ix;   /* round, supplier, consumer -> pair index */
	struct cert_verifier *certs;
	merkle_hash_t *leaves;
	size_t nleaves, leaves_cap;
};

/* Lookups; SYM_ERR_NOT_FOUND when absent. */
int audit_member_find(const struct audit_log *log, const char *id, uint32_t *index)
    __attribute__((warn_unused_result));
int audit_round_find(const struct audit_log *log, const uint8_t id[16], size_t *index)
    __attribute__((warn_unused_result));
int audit_pair_find(const struct audit_log *log, size_t round, uint32_t supplier, uint32_t consumer,
                    size_t *index) __attribute__((warn_unused_result));
const struct audit_submission *audit_submission_of(const struct audit_round *rd, uint32_t member);

void audit_log_free(struct audit_log *log);

/*
 * verify: DIR/format-version (absent in version 1), DIR/park.json,
 * DIR/entries.jsonl, DIR/checkpoint. SYM_OK when the
 * whole log holds; SYM_ERR_VERIFY with *p filled for the first problem;
 * SYM_ERR_NOT_FOUND (with *p) when a file is missing; other codes for I/O or
 * memory failures (with *p saying what failed where possible).
 */
int audit_verify(const char *dir, struct audit_log *log, struct audit_problem *p)
    __attribute__((warn_unused_result));

/* What verify found of the token batches (batches/ of the export). */
struct audit_batch_stats {
	uint64_t files;        /* batches/<round>.jsonl present and checked */
	uint64_t batches;      /* their lines, each equal to its committed digest */
	uint8_t (*absent)[16]; /* rounds whose batch file is not in the export: not checked */
	size_t nabsent;
	uint64_t hard_proofs; /* hardened answers whose proof was checked (<round>.hard.jsonl) */
};

/*
 * verify's check of the batches (after audit_verify): every batch file
 * present must hold exactly the batches committed in the log (batches.h);
 * rounds without one are listed in st->absent; any other file in batches/
 * is a problem. SYM_ERR_VERIFY with *p filled as for an entry.
 */
int audit_verify_batches(const char *dir, const struct audit_log *log, struct audit_batch_stats *st,
                         struct audit_problem *p) __attribute__((warn_unused_result));
void audit_batch_stats_clear(struct audit_batch_stats *st);

struct audit_replay_stats {
	uint64_t pairs;         /* ordered pairs with at least one hit */
	uint64_t candidates;    /* hits over all pairs and rounds */
	uint8_t (*deleted)[16]; /* ended rounds whose batches were deleted, as announced */
	size_t ndeleted;        /* ... and so could not be replayed */
};

/*
 * replay: recompute every closed round's join from DIR/batches/ (after
 * audit_verify). A missing batch file is a problem, except for an ended
 * round whose announcement said its batches are deleted at round end: that
 * round is listed in st->deleted, not replayed.
 */
int audit_replay(const char *dir, const struct audit_log *log, struct audit_replay_stats *st,
                 struct audit_problem *p) __attribute__((warn_unused_result));
void audit_replay_stats_clear(struct audit_replay_stats *st);

/* graph: the agreed exchanges of a verified log, as DOT text or JSON (malloc'd). */
int audit_graph_dot(const struct audit_log *log, char **out) __attribute__((warn_unused_result));
int audit_graph_json(const struct audit_log *log, char **out) __attribute__((warn_unused_result));

/* ---- helpers shared by the modules ---------------------------------------- */

/* A string-keyed (any bytes) hash map to uint64 values, keyed SipHash against collisions. */
struct audit_index *audit_index_new(void);
void audit_index_free(struct audit_index **ix);
/* SYM_ERR_EXISTS when the key is present (the value is left alone). */
int audit_index_put(struct audit_index *ix, const void *key, size_t len, uint64_t value)
    __attribute__((warn_unused_result));
int audit_index_get(const struct audit_index *ix, const void *key, size_t len, uint64_t *value)
    __attribute__((warn_unused_result));

/*
 * Reading a file line by line with a bound on each line: 1 and the line
 * (without "\n", valid until the next call) when there is one, 0 at a clean
 * end, SYM_ERR_LIMIT for a line longer than max, SYM_ERR_FORMAT for a last
 * line without its newline, SYM_ERR_IO for a read error.
 */
struct audit_lines;
int audit_lines_open(const char *path, size_t max, struct audit_lines **out)
    __attribute__((warn_unused_result));
int audit_lines_next(struct audit_lines *lr, const uint8_t **line, size_t *len, uint64_t *offset)
    __attribute__((warn_unused_result));
/* Read len bytes at offset (a line seen before) into a fresh buffer. */
int audit_lines_reread(struct audit_lines *lr, uint64_t offset, size_t len, uint8_t **out)
    __attribute__((warn_unused_result));
void audit_lines_close(struct audit_lines **lr);

/* Lower-case hex of exactly len bytes; 0 or SYM_ERR_FORMAT. */
int audit_unhex(const char *s, uint8_t *out, size_t len) __attribute__((warn_unused_result));
/* Standard base64 with padding into a fresh buffer of at most max bytes. */
int audit_unb64(const char *s, size_t slen, size_t max, uint8_t **out, size_t *out_len)
    __attribute__((warn_unused_result));
/* "DIR/name" into out; SYM_ERR_NOSPACE when it does not fit. */
int audit_path(const char *dir, const char *name, char *out, size_t cap)
    __attribute__((warn_unused_result));

#endif
