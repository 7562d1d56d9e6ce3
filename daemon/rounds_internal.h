/*
 * What the round files share and nobody else needs: the call helpers of
 * member requests, the audit-log append, and the request handlers that
 * rounds_handle.c routes to. Not installed, not for server.c.
 */
#ifndef SYMBI_ROUNDS_INTERNAL_H
#define SYMBI_ROUNDS_INTERNAL_H

#include "merkle.h"
#include "rounds.h"

/* "none", "open", "consent", "ended": the name of a ROUND_* phase. */
const char *rounds_phase_name(int phase);

/* Append an audit-log entry; fields is released (NULL: out of memory). */
int rounds_log(struct rounds_ctx *ctx, const char *kind, json_t *fields, uint64_t *index,
               uint8_t **bytes, size_t *len) __attribute__((warn_unused_result));

/*
 * The join at close: every unordered pair of the submitters (NULL entries
 * skipped) within the round's reach_m, in both directions; candidates and pair summaries go to the
 * store, a pair_matched entry per direction with hits to the log.
 */
int rounds_match(struct rounds_ctx *ctx, const uint8_t round[16], uint64_t reach_m,
                 char *const *subs, size_t nsubs, uint64_t *pairs, uint64_t *candidates,
                 struct sym_diag *diag) __attribute__((warn_unused_result));

/* ---- reach (rounds_reach.c, REACH.md) ---- */

/*
 * A new round's largest reach in metres: the park taxonomy's largest
 * reach_km, capped by cap_m when that is smaller (0: no cap).
 */
int rounds_reach_policy(const struct rounds_ctx *ctx, uint64_t cap_m, uint64_t *out,
                        struct sym_diag *diag) __attribute__((warn_unused_result));
/* A stored round's largest reach, from its signed announcement (SITE_REACH_UNLIMITED: none). */
int rounds_reach_of(const struct store_round *rd, uint64_t *reach_m)
    __attribute__((warn_unused_result));
/* A stored round's token encoding, from its signed announcement (1 when it names none). */
int rounds_encoding_of(const struct store_round *rd, uint32_t *encoding)
    __attribute__((warn_unused_result));
/* A member's site in the directory (an unset one for a member without a site, or unknown). */
const struct site *rounds_site_of(const struct rounds_ctx *ctx, const char *id);
/* How many of the round's members ids[0..n) other than self are within reach of self. */
size_t rounds_reach_count(const struct rounds_ctx *ctx, uint64_t reach_m, const char *self,
                          char *const *ids, size_t n);
/* The unordered pairs of subs (NULL entries skipped) within reach of each other. */
uint64_t rounds_reach_pairs(const struct rounds_ctx *ctx, uint64_t reach_m, char *const *subs,
                            size_t n);

/* ---- member requests (rounds_handle.c) ---- */

/* Refuse the call: sets status and msg, returns SYM_OK (the request was answered). */
int round_refuse(struct round_call *c, int32_t code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The round a request names (or the latest), loaded into rd; refused if none. */
int round_for(struct round_call *c, const ProtobufCBinaryData *id, int has_id,
              struct store_round *rd) __attribute__((warn_unused_result));

/* The member is in the round's snapshot; refused otherwise. */
int round_in_snapshot(struct round_call *c, const struct store_round *rd)
    __attribute__((warn_unused_result));

/* What a member gets with an acknowledgement: its entry, where it is, and a checkpoint. */
struct proof_buf {
	Symbiod__LogProof msg;
	merkle_hash_t hashes[MERKLE_MAX_PROOF];
	ProtobufCBinaryData items[MERKLE_MAX_PROOF];
	char *checkpoint;
	uint8_t *entry;
};

/* Log the entry and build its proof; pb owns the entry's bytes. */
int round_log_with_proof(struct round_call *c, const char *kind, json_t *fields,
                         struct proof_buf *pb) __attribute__((warn_unused_result));
void round_proof_clear(struct proof_buf *pb);
/*
 * The proof of an entry already in the log (index, its exact bytes) in the
 * current tree; pb borrows entry, which must outlive it.
 */
int round_proof_of(struct round_call *c, uint64_t index, const uint8_t *entry, size_t len,
                   struct proof_buf *pb) __attribute__((warn_unused_result));

/*
 * The round a consent or deposit names, in its consent window, and the
 * candidate in it that is the member's (rounds_consent.c); refused if not.
 */
int round_candidate_of(struct round_call *c, const ProtobufCBinaryData *round_id,
                       const ProtobufCBinaryData *candidate_id, struct store_round *rd,
                       struct store_candidate *cand) __attribute__((warn_unused_result));
/* A candidate's state as one side sees it (INTERFACE.md). */
const char *round_state_for(const struct store_candidate *c, const char *member);

/* The handlers, by job; req is the payload unpacked with the table's descriptor. */
int round_handle_status(struct round_call *c, const ProtobufCMessage *req);
int round_handle_checkpoint(struct round_call *c, const ProtobufCMessage *req);
int round_handle_round(struct round_call *c, const ProtobufCMessage *req);
int round_handle_round_logged(struct round_call *c, const ProtobufCMessage *req);
int round_handle_directory(struct round_call *c, const ProtobufCMessage *req);
int round_handle_submit_begin(struct round_call *c, const ProtobufCMessage *req);
int round_handle_submit_chunk(struct round_call *c, const ProtobufCMessage *req);
int round_handle_submit_commit(struct round_call *c, const ProtobufCMessage *req);
int round_handle_candidates(struct round_call *c, const ProtobufCMessage *req);
int round_handle_consent(struct round_call *c, const ProtobufCMessage *req);
int round_handle_deposit(struct round_call *c, const ProtobufCMessage *req);
int round_handle_releases(struct round_call *c, const ProtobufCMessage *req);
/* Park indicators (indicators_handle.c). */
int round_handle_indicator_state(struct round_call *c, const ProtobufCMessage *req);
int round_handle_indicator_submit(struct round_call *c, const ProtobufCMessage *req);
int round_handle_indicator_confirm(struct round_call *c, const ProtobufCMessage *req);
int round_handle_indicator_unmask(struct round_call *c, const ProtobufCMessage *req);
int round_handle_hard_key(struct round_call *c, const ProtobufCMessage *req);
int round_handle_hard_query(struct round_call *c, const ProtobufCMessage *req);
int round_handle_hard_fetch(struct round_call *c, const ProtobufCMessage *req);
int round_handle_hard_answer(struct round_call *c, const ProtobufCMessage *req);

/* ---- hardened rounds (rounds_hardened.c) ---- */

/* The hardened sub-phase of a round (HARD_NONE: standard, or not open any more). */
int rounds_hard_phase(struct rounds_ctx *ctx, const struct store_round *rd);
/* The phase name a member or the operator sees: "query" etc. for a hardened round. */
const char *rounds_phase_shown(struct rounds_ctx *ctx, const struct store_round *rd);
/* Record the new round as hardened (inside the opening transaction). */
int rounds_hard_record(struct rounds_ctx *ctx, const struct store_round *rd, uint32_t max_need,
                       int64_t query_deadline_ms, int64_t evaluate_deadline_ms)
    __attribute__((warn_unused_result));
/* Status fields of a hardened round ("mode", "silent", deadlines) into j. */
void rounds_hard_status(struct rounds_ctx *ctx, const struct store_round *rd, json_t *j);
/* The snapshot members that have not done their part of the round's phase (active only). */
int rounds_hard_silent(struct rounds_ctx *ctx, const struct store_round *rd, char ***ids, size_t *n)
    __attribute__((warn_unused_result));
/* Deadlines and completion of a hardened round; 1 when it handled the tick. */
int rounds_hard_tick(struct rounds_ctx *ctx, const struct store_round *rd);
/* SYM_OK when the round may close now (standard, or hardened in submit); else why. */
int rounds_hard_may_close(struct rounds_ctx *ctx, const struct store_round *rd,
                          struct sym_diag *diag) __attribute__((warn_unused_result));

#endif
