/*
 * STATE/rounds-seen (0600): every round this company has been shown, one
 * line each, "<round id, 32 hex> <SHA-256 of the round's announcement, 64
 * hex>\n", appended when a round is first seen and never rewritten.
 *
 * A round's pair keys, and so its tokens, depend on its id: a coordinator
 * that announced an earlier round's id again for another round would have
 * the company send tokens that link the two rounds' submissions (and
 * overwrite the earlier round's record in STATE/rounds). The same id with
 * the same announcement is the same round, seen again (every round command
 * fetches it); the same id with any other announcement is refused
 * (protocol 1.1, repair 8).
 */
#ifndef SYMBI_CLIENT_ROUNDSEEN_H
#define SYMBI_CLIENT_ROUNDSEEN_H

#include <stdint.h>

#include "err.h"

#define ROUNDSEEN_FILE "rounds-seen"

/*
 * Check round `round` announced with digest `digest` against STATE's list,
 * and record it when new. SYM_OK, or SYM_ERR_VERIFY when STATE recorded this
 * round id for another announcement; SYM_ERR_FORMAT for a damaged list, an
 * I/O error code otherwise (diag says which).
 */
int roundseen_check(const char *state_dir, const uint8_t round[16], const uint8_t digest[32],
                    struct sym_diag *diag) __attribute__((warn_unused_result));

#endif
