/*
 * From quantized flows to token blocks: which category levels an item is
 * encoded at, and the de-duplicated block lists of a company's offers and
 * needs. Blocks do not depend on the counterpart, so they are built once per
 * submission and then run through the PRF once per counterpart key.
 */
#ifndef SYMBI_ENCODE_H
#define SYMBI_ENCODE_H

#include <stddef.h>
#include <stdint.h>

#include "flows.h"
#include "taxonomy.h"
#include "token.h"

/*
 * Which encoding a round takes (token.h, strides): a standard round's wide
 * levels take stride 2, which makes their offers far fewer tokens; a hardened
 * round pays per need element, so it keeps stride 1 throughout. A round that
 * announces token encoding 1 (protocol 1.1, while a park's members upgrade)
 * takes 1.1's blocks, standard or hardened: stride 1 and version byte 1.
 */
enum encode_mode { ENCODE_STANDARD = 0, ENCODE_HARDENED = 1, ENCODE_V1 = 2 };

/*
 * The mode of a round that announces token_encoding (absent: 1) and is
 * hardened or not; SYM_ERR_RANGE for an encoding this client does not know.
 */
int encode_mode_for(uint32_t token_encoding, int hardened, enum encode_mode *mode)
    __attribute__((warn_unused_result));

/*
 * The token levels of an item. An offer is encoded at its own category and at
 * every ancestor that has its quantity (so a need higher up finds it); a need
 * only at its own category. levels has room for TAX_MAX_DEPTH entries.
 */
int encode_item_levels(const struct taxonomy *tax, const struct flow_item *item,
                       enum encode_mode mode, struct token_level *levels, size_t *nlevels)
    __attribute__((warn_unused_result));

#define ENCODE_NO_OWNER UINT32_MAX

/* A growable list of blocks, each remembering which item produced it. */
struct block_list {
	token_block_t *blocks;
	uint32_t *owner; /* item index per block */
	size_t n, cap;
};

void block_list_init(struct block_list *bl);
void block_list_free(struct block_list *bl);

/* Append every block of one item (all its levels). */
int encode_item_blocks(const struct taxonomy *tax, const struct flow_item *item,
                       enum encode_mode mode, uint32_t owner, struct block_list *bl)
    __attribute__((warn_unused_result));

/*
 * How many tokens one item costs (all its levels, before the set's
 * de-duplication): what a company trims when its sets do not fit a round.
 */
int encode_item_cost(const struct taxonomy *tax, const struct flow_item *item,
                     enum encode_mode mode, size_t *cost) __attribute__((warn_unused_result));

/*
 * The block lists of all offers and all needs of a flows set, each sorted and
 * de-duplicated; their owners are then ENCODE_NO_OWNER (a block may belong to
 * several items).
 */
int encode_flows(const struct taxonomy *tax, const struct flows *fl, enum encode_mode mode,
                 struct block_list *offers, struct block_list *needs)
    __attribute__((warn_unused_result));
/* The same for the items whose reach is at least min_reach_m (REACH.md; 0: every item). */
int encode_flows_reach(const struct taxonomy *tax, const struct flows *fl, enum encode_mode mode,
                       uint64_t min_reach_m, struct block_list *offers, struct block_list *needs)
    __attribute__((warn_unused_result));

#endif
