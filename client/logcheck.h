/*
 * A member's watch over the coordinator's audit log. The client keeps the
 * newest checkpoint it has seen in STATE/checkpoint and, at every contact,
 * asks for the latest one with a consistency proof from it: a coordinator
 * that shows different histories to different members (a fork), or rewrites
 * its past, fails this check loudly. Acknowledgements of submissions and
 * consents carry the entry and an inclusion proof, checked here too.
 */
#ifndef SYMBI_LOGCHECK_H
#define SYMBI_LOGCHECK_H

#include "err.h"
#include "state.h"
#include "symbiod.pb-c.h"
#include "transport.h"

/*
 * Fetch the latest checkpoint, verify it extends the stored one, and store
 * it. Returns 0 or a sysexits code with diag.
 */
int logcheck_contact(const struct client_state *st, struct conn *c, struct sym_diag *diag);

/*
 * Verify an acknowledgement's proof: the checkpoint's signature, the entry's
 * inclusion, and that the entry is of `kind` by this member with `field` equal
 * to `value` (both may be NULL). Then a contact, so the proof's tree is tied
 * to the member's view. Returns 0 or a sysexits code.
 */
int logcheck_proof(const struct client_state *st, struct conn *c, const Symbiod__LogProof *p,
                   const char *kind, const char *field, const char *value, struct sym_diag *diag);

/* The same for an entry by `member` (NULL: an entry of the coordinator's, with no member). */
int logcheck_proof_of(const struct client_state *st, struct conn *c, const Symbiod__LogProof *p,
                      const char *kind, const char *member, const char *field, const char *value,
                      struct sym_diag *diag);

#endif
