/*
 * Park indicators by secure aggregation (INDICATORS.md, PROTOCOL.md "Park
 * indicators"), the coordinator's side. After a round ends its submitters
 * send masked vectors with sealed shares (collecting); the coordinator
 * announces, signed and logged, whose vectors it holds (confirming); the
 * members of that set confirm it and reveal what removes the masks
 * (unmasking); the coordinator sums, stores the sums (indicator_rounds,
 * indicator_sums) and forgets every message. Each stage has a deadline
 * (the round's --indicator-seconds, default 600 s): after it, the daemon
 * goes on with whoever answered, or fails the round when fewer than the
 * threshold remain. None of this holds up the next round.
 *
 * indicators.c the stages, indicators_sum.c the unmasking arithmetic,
 * indicators_handle.c the member requests.
 */
#ifndef SYMBI_INDICATORS_H
#define SYMBI_INDICATORS_H

#include <stdint.h>

#include "indlayout.h"
#include "rounds_internal.h"

#define INDICATORS_DEFAULT_WINDOW_S 600
#define INDICATORS_MAX_WINDOW_S (7 * 24 * 3600)

/* At open (in the caller's transaction): the round's stage window. */
int indicators_opened(struct rounds_ctx *ctx, const uint8_t round[16], int64_t window_s)
    __attribute__((warn_unused_result));
/* At end (in the caller's transaction): collection starts for the round's submitters. */
int indicators_ended(struct rounds_ctx *ctx, const uint8_t round[16])
    __attribute__((warn_unused_result));
/* Move every collecting round on whose stage is complete or whose deadline passed. */
void indicators_tick(struct rounds_ctx *ctx);
/* Move one round on as far as it goes now (in the caller's transaction). */
int indicators_advance(struct rounds_ctx *ctx, const uint8_t round[16])
    __attribute__((warn_unused_result));
/* "collecting", "done" or "failed" for `round status`; NULL when the round has none. */
const char *indicators_state_name(struct rounds_ctx *ctx, const uint8_t round[16]);
/* The name of a secagg stage, as members see it. */
const char *indicators_stage_name(int stage);

/* The park's indicator layout (from its taxonomy, loaded once). */
int indicators_layout(struct rounds_ctx *ctx, const struct ind_layout **out)
    __attribute__((warn_unused_result));
/* A JSON array of ids (the submitters column) as strings (store_strings_free). */
int indicators_ids(const char *json, char ***ids, size_t *n) __attribute__((warn_unused_result));
/* The index of id in ids (in id order, pairkeys_id_cmp), or -1. */
long indicators_find(char *const *ids, size_t n, const char *id);
/* The included set, unpacked (wire_free). */
int indicators_included(const struct store_secagg *sa, Symbiod__IncludedSet **out)
    __attribute__((warn_unused_result));

/*
 * The unmasking (indicators_sum.c): with the answers held, recover the
 * included members' self-mask seeds and the dropped members' pair keys,
 * sum the masked vectors and remove the masks into sums (ncells).
 * *ready = 0 when the answers do not suffice yet; SYM_ERR_VERIFY (with why)
 * when they cannot give a consistent result.
 */
int indicators_sum(struct rounds_ctx *ctx, const struct store_secagg *sa,
                   const Symbiod__IncludedSet *inc, uint64_t *sums, int *ready,
                   struct sym_diag *why) __attribute__((warn_unused_result));

#endif
