/*
 * Mapping a hardened round's tokens back to this company's items, and the
 * release check, without a pair key (HARDENED.md): a token of the pair
 * (supplier -> consumer) is computable by the supplier from its round key,
 * and by the consumer only for its own need blocks, from the supplier's
 * proven answer kept in the round file. Both are enough: the block a
 * candidate rests on is one of the consumer's need blocks.
 */
#ifndef SYMBI_CLIENT_HARDVIEW_H
#define SYMBI_CLIENT_HARDVIEW_H

#include <stdint.h>

#include "flows.h"
#include "release_check.h"
#include "roundfile.h"
#include "session.h"

/* *found: one of item's blocks gives token for (supplier -> consumer), as far as we can tell. */
int hard_item_produces(struct session *s, const struct roundfile *rf, const struct flow_item *item,
                       const char *supplier, const char *consumer, const uint8_t token[8],
                       int *found) __attribute__((warn_unused_result));
/* The first of our items of direction dir that produces token; NULL if none. */
const struct flow_item *hard_find_item(struct session *s, const struct roundfile *rf,
                                       const struct flows *fl, enum flow_direction dir,
                                       const char *supplier, const char *consumer,
                                       const uint8_t token[8]);
/* release_check_exchange for a hardened round. */
int hard_check_exchange(struct session *s, const struct roundfile *rf,
                        const struct release_candidate *c, const struct flow_item *offer,
                        const struct flow_item *need, enum release_check *out)
    __attribute__((warn_unused_result));

#endif
