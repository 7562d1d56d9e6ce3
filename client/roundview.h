/*
 * This company's candidates in the current round, each mapped back to its
 * own item (the hit token through blind_index_find) and its id recomputed:
 * what candidates, accept, decline, exchanges and sync all start from.
 */
#ifndef SYMBI_CLIENT_ROUNDVIEW_H
#define SYMBI_CLIENT_ROUNDVIEW_H

#include <stddef.h>
#include <stdint.h>

#include "flows.h"
#include "roundfile.h"
#include "session.h"

/* One candidate as this company sees it: which of its own items, with whom. */
struct candidate_view {
	const Symbiod__Candidate *c;
	char id[33], round[33];
	int supplier; /* this company supplies */
	const char *counterpart;
	const struct flow_item *item; /* NULL if no item of ours maps (should not happen) */
	int forged;                   /* the id does not recompute: the coordinator lied */
};

struct round_view {
	uint8_t round[16];
	char phase[16]; /* the round's phase when it was loaded */
	struct roundfile rf;
	struct flows *fl; /* NULL: this company did not submit to the round */
	Symbiod__CandidateList *list;
	struct candidate_view *views;
	size_t n;
};

/*
 * The current round and this company's candidates in it (none when it did
 * not submit to it). 0 or a sysexits code, said in diag; clear rv either way.
 */
int round_view_load(struct session *s, struct round_view *rv, struct sym_diag *diag);
/* The same for a round and phase the caller already asked the coordinator for. */
int round_view_load_for(struct session *s, const uint8_t round[16], const char *phase,
                        struct round_view *rv, struct sym_diag *diag);
void round_view_clear(struct round_view *rv);

/* The pair keys with `peer` for this round, from the round record, into sodium_malloc'd *pk. */
int round_view_pair(const struct session *s, const struct round_view *rv, const char *peer,
                    struct pairkeys *pk);

#endif
