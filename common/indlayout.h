/*
 * The layout of a park-indicator vector (INDICATORS.md), derived from the
 * public taxonomy alone, so that a company and the coordinator agree on what
 * every cell means without the coordinator ever seeing a plaintext vector.
 *
 * Classes: the top levels `energy`, `water` and `material`, and every
 * second-level category, sorted bytewise by path. A class has one unit:
 *   energy MWh/yr, water m3/yr, material t/yr for the top levels;
 *   a second-level category's own quantity unit, or, when it declares none
 *   (material.chemical, waste.ewc_*), the unit of its first descendant in
 *   taxonomy order that declares one.
 * An item counts toward a class when its category is in the class's subtree
 * and its quantity is in the class's unit (so `energy` sums MWh/yr only;
 * steam in t/yr and gas in Nm3/yr count only in their own classes).
 * Cell of (class c, indicator k) = c * IND_INDICATORS + k, in the order of
 * enum ind_indicator.
 */
#ifndef SYMBI_INDLAYOUT_H
#define SYMBI_INDLAYOUT_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "taxonomy.h"

enum ind_indicator {
	IND_EXCHANGED_SUPPLIED = 0,
	IND_EXCHANGED_RECEIVED,
	IND_OFFERED,
	IND_OFFERED_UNMATCHED,
	IND_NEEDED,
	IND_OFFER_CONTRIBUTORS,
	IND_NEED_CONTRIBUTORS,
	IND_EXCHANGE_CONTRIBUTORS,
	IND_INDICATORS
};

struct ind_class {
	char name[TAX_PATH_MAX];
	char unit[TAX_UNIT_MAX];
	const struct tax_category *cat; /* the class's category in the taxonomy */
};

struct ind_layout {
	const struct taxonomy *tax; /* borrowed; must outlive the layout */
	struct ind_class *classes;
	size_t nclasses, ncells;
};

int ind_layout_new(const struct taxonomy *tax, struct ind_layout **out)
    __attribute__((warn_unused_result));
void ind_layout_free(struct ind_layout **l);

/* "exchanged_supplied", ...; NULL out of range. */
const char *ind_indicator_name(unsigned k);

/*
 * The classes an item of `cat` counts toward (at most two: its top level and
 * its second level), as class indices into out; returns how many.
 */
size_t ind_layout_classes_of(const struct ind_layout *l, const struct tax_category *cat,
                             size_t out[2]);

#endif
