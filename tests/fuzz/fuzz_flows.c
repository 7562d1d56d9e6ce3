/*
 * The flows file parser against the shipped taxonomy (loaded once). Parsed
 * items are also run through both compatibility predicates, pairwise over
 * the first few offers and needs: an exact match must be a bin match.
 */
#include <stdlib.h>

#include "flows.h"
#include "fuzz_common.h"
#include "taxonomy.h"

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
	for (i = 0; i < fl->n && i < 16; i++) {
		for (j = 0; j < fl->n && j < 16; j++) {
			const struct flow_item *o = &fl->items[i], *n = &fl->items[j];
			if (o->direction != FLOW_OFFER || n->direction != FLOW_NEED)
				continue;
			if (flows_exact_compatible(tax, o, n) && !flows_bin_compatible(tax, o, n))
				abort(); /* the tokens would miss an exact match */
		}
	}
	flows_free(&fl);
	return 0;
}
