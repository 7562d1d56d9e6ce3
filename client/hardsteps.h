/*
 * A company's steps in a hardened round (HARDENED.md), each idempotent:
 *
 *   query    (`symbi submit` in the query phase): draw the round key, record
 *            the flows, commit pk and send one batch of exactly max_need
 *            blinded elements (the real need blocks, then random blocks);
 *   evaluate (`symbi sync`): answer each other member's batch once, with a
 *            batched DLEQ proof against the committed key, never a second
 *            batch of the same querier;
 *   submit   (`symbi sync`): verify each answer's signatures and proof,
 *            unblind, hash per pair, and submit the padded token sets as in
 *            standard mode. A counterpart that did not answer gets a need set
 *            of padding only: its pairs stay unmatched, nothing else does.
 *
 * Each returns 0 or a sysexits code with diag set.
 */
#ifndef SYMBI_CLIENT_HARDSTEPS_H
#define SYMBI_CLIENT_HARDSTEPS_H

#include <stddef.h>
#include <stdint.h>

#include "session.h"

struct hard_counts {
	size_t queried, answered, refused, received, submitted;
};

int hard_query(struct session *s, const uint8_t round[16], const char *flows_path,
               struct hard_counts *hc, struct sym_diag *diag);
int hard_evaluate(struct session *s, const uint8_t round[16], struct hard_counts *hc,
                  struct sym_diag *diag);
int hard_submit(struct session *s, const uint8_t round[16], struct hard_counts *hc,
                struct sym_diag *diag);

/* ---- shared by hardsteps.c and hardsubmit.c ---- */

#include "encode.h"
#include "hardround.h"
#include "roundfile.h"

/* One hardened round as this company holds it. */
struct hard_ctx {
	uint8_t round[16];
	Symbiod__RoundAnnouncement *ann;
	struct verified_dir vd;
	struct roundfile rf; /* rf.hard is the public state */
	struct hard_public pub;
	struct hard_secret *sec;
	int joined;            /* a round file with hardened state exists */
	enum encode_mode mode; /* the round's encoding: ENCODE_HARDENED, or ENCODE_V1 */
};

/*
 * The round's signed announcement (which must be hardened) and verified
 * directory, and this company's state for it when it has any (h->joined).
 */
int hard_ctx_open(struct session *s, const uint8_t round[16], struct hard_ctx *h,
                  struct sym_diag *diag);
void hard_ctx_clear(struct hard_ctx *h);
/* One page of batches (queries to answer, or answers to us) after `after` (NULL: first). */
int hard_fetch_page(struct session *s, const uint8_t round[16], int answers, const char *after,
                    Symbiod__HardBatches **page, struct sym_diag *diag);
/* A member of the round's directory other than this company, or NULL. */
const struct member_record *hard_ctx_peer(const struct hard_ctx *h, const struct session *s,
                                          const char *id);

#endif
