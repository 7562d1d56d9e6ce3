/*
 * The flows file parser against the shipped taxonomy (loaded once). Parsed
 * items are also run through both compatibility predicates, pairwise over
 * the first few offers and needs: an exact match must be a bin match. And
 * the token encoding is held to the bin predicate in every mode (strided
 * standard, stride-1 hardened, token encoding 1): an offer's blocks and a
 * need's blocks share exactly one block when the pair is compatible and none
 * otherwise.
 */
#include <stdlib.h>
#include <string.h>

#include "encode.h"
#include "flows.h"
#include "fuzz_common.h"
#include "taxonomy.h"

#define FUZZ_ITEMS 16
/* Items dearer than this are skipped: the oracle is quadratic in the items, not in tokens. */
#define FUZZ_MAX_COST 4096

static int
s_block_cmp(const void *a, const void *b)
{
	return memcmp(a, b, TOKEN_BLOCK_LEN);
}

/* One item's blocks, sorted; 0 when it is too dear to check or does not encode. */
static int
s_blocks(const struct taxonomy *tax, const struct flow_item *it, enum encode_mode mode,
         struct block_list *bl)
{
	size_t cost = 0;

	block_list_init(bl);
	if (encode_item_cost(tax, it, mode, &cost) != SYM_OK || cost > FUZZ_MAX_COST)
		return 0;
	if (encode_item_blocks(tax, it, mode, 0, bl) != SYM_OK) {
		block_list_free(bl);
		return 0;
	}
	if (bl->n != cost)
		abort(); /* the cost a company trims by must be what it pays */
	qsort(bl->blocks, bl->n, sizeof(*bl->blocks), s_block_cmp);
	return 1;
}

static size_t
s_shared(const struct block_list *a, const struct block_list *b)
{
	size_t i, n = 0;

	for (i = 0; i < a->n; i++)
		if (bsearch(&a->blocks[i], b->blocks, b->n, sizeof(*b->blocks), s_block_cmp) !=
		    NULL)
			n++;
	return n;
}

static void
s_check_tokens(const struct taxonomy *tax, const struct flows *fl, enum encode_mode mode)
{
	struct block_list bl[FUZZ_ITEMS];
	int ok[FUZZ_ITEMS];
	size_t n = fl->n < FUZZ_ITEMS ? fl->n : FUZZ_ITEMS, i, j;

	for (i = 0; i < n; i++)
		ok[i] = s_blocks(tax, &fl->items[i], mode, &bl[i]);
	for (i = 0; i < n; i++) {
		for (j = 0; j < n; j++) {
			const struct flow_item *o = &fl->items[i], *d = &fl->items[j];

			if (!ok[i] || !ok[j] || o->direction != FLOW_OFFER ||
			    d->direction != FLOW_NEED)
				continue;
			if (s_shared(&bl[i], &bl[j]) != (flows_bin_compatible(tax, o, d) ? 1u : 0u))
				abort(); /* a missed or doubled match, or a false one */
		}
	}
	for (i = 0; i < n; i++)
		block_list_free(&bl[i]);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct taxonomy *tax;
	struct sym_diag diag = {""};
	struct flows *fl = NULL;
	size_t i, j;

	fuzz_sodium_init();
	if (tax == NULL && taxonomy_load_file(FUZZ_TAXONOMY, &tax, &diag) != SYM_OK)
		abort();
	if (flows_parse("fuzz.json", (const char *)data, size, tax, &fl, &diag) != SYM_OK)
		return 0;
	for (i = 0; i < fl->n && i < FUZZ_ITEMS; i++) {
		for (j = 0; j < fl->n && j < FUZZ_ITEMS; j++) {
			const struct flow_item *o = &fl->items[i], *n = &fl->items[j];
			if (o->direction != FLOW_OFFER || n->direction != FLOW_NEED)
				continue;
			if (flows_exact_compatible(tax, o, n) && !flows_bin_compatible(tax, o, n))
				abort(); /* the tokens would miss an exact match */
		}
	}
	s_check_tokens(tax, fl, ENCODE_STANDARD);
	s_check_tokens(tax, fl, ENCODE_HARDENED);
	s_check_tokens(tax, fl, ENCODE_V1);
	flows_free(&fl);
	return 0;
}
