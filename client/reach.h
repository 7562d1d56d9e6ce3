/*
 * Reach on the client's side (REACH.md): which of a company's items go to a
 * counterpart. Both sides know the distance between them (the sites are in
 * the directory), so no token encodes it: for a counterpart farther away
 * than an item's reach, the item's tokens are simply left out (the set is
 * padded to its size class all the same). An offer and a need then meet
 * only when the distance is within both reaches, the smaller one.
 *
 * Items fall into reach classes: the distinct reaches of the flows, largest
 * first. A counterpart at distance d gets the items whose reach is at least
 * d, so the blocks depend on d only through its class, and each class's
 * blocks are built once per submission (within a memory budget).
 */
#ifndef SYMBI_CLIENT_REACH_H
#define SYMBI_CLIENT_REACH_H

#include <stddef.h>
#include <stdint.h>

#include "blind.h"
#include "encode.h"
#include "flows.h"
#include "site.h"
#include "taxonomy.h"

/*
 * Whether this company sends a counterpart a batch at all: not when their
 * sites are farther apart than the round's largest reach (the announced
 * max_reach_m), where no item of either could match.
 */
int reach_exchanges(const struct site *self, const struct site *peer, uint64_t round_reach_m);

struct reach_blocks;

/* The classes of fl's items, encoded as mode says; tax and fl must outlive it. */
int reach_blocks_new(const struct taxonomy *tax, const struct flows *fl, enum encode_mode mode,
                     struct reach_blocks **out) __attribute__((warn_unused_result));
void reach_blocks_free(struct reach_blocks **rb);

/*
 * The offer and need blocks (sorted, de-duplicated) of the items within
 * reach of a counterpart: from `self` to `peer`, or every item when either
 * site is NULL or unset (unknown distance). The lists stay valid until the
 * next call.
 */
int reach_blocks_for(struct reach_blocks *rb, const struct site *self, const struct site *peer,
                     const struct block_list **offers, const struct block_list **needs)
    __attribute__((warn_unused_result));

/*
 * Raise pad's floors to the size classes of all items (the class of the
 * every-item lists), so that every batch has the same size whichever items
 * it leaves out: which items are beyond reach of whom does not show in the
 * sizes. Call after checking that all items fit the round.
 */
int reach_pad_all(struct reach_blocks *rb, struct blind_padding *pad)
    __attribute__((warn_unused_result));

/*
 * For values computed once over every block (a hardened round's F_self of
 * all offer blocks, its unblinded need tokens): from vals, one of `size`
 * bytes per block of `all` (n blocks sorted and de-duplicated as
 * encode_flows makes them), keep in order only those whose block is in
 * `within` (a list from reach_blocks_for, a sorted subset of all), moving
 * them to the front of vals; *kept says how many. SYM_ERR_FORMAT when a
 * block of `within` is not in `all` (values recorded for other flows).
 */
int reach_select(const uint8_t *all, size_t n, const struct block_list *within, uint8_t *vals,
                 size_t size, size_t *kept) __attribute__((warn_unused_result));

#endif
