/*
 * This company's park-indicator vector for a round (INDICATORS.md "What is
 * summed"): its offers and needs as submitted, and the agreed exchanges of
 * the round it holds both items of (STATE/exchanges.json), in the cells of
 * the taxonomy's layout (common/indlayout.h). Quantities are canonical
 * annual values rounded to the nearest integer, item by item.
 */
#ifndef SYMBI_CLIENT_INDVECTOR_H
#define SYMBI_CLIENT_INDVECTOR_H

#include <jansson.h>
#include <stdint.h>

#include "flows.h"
#include "indlayout.h"

/*
 * Fill v (l->ncells cells, zeroed here) for member `self` from its flows `fl`
 * and the exchanges of `round_hex` in `exchanges` (the array of
 * STATE/exchanges.json; a `mismatch` exchange does not count).
 */
int indvector_build(const struct ind_layout *l, const char *self, const struct flows *fl,
                    json_t *exchanges, const char *round_hex, uint64_t *v, struct sym_diag *diag)
    __attribute__((warn_unused_result));

#endif
