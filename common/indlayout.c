#include "indlayout.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const s_names[IND_INDICATORS] = {
    "exchanged_supplied",
    "exchanged_received",
    "offered",
    "offered_unmatched",
    "needed",
    "offer_contributors",
    "need_contributors",
    "exchange_contributors",
};

/* The top-level classes and their one unit (INDICATORS.md). */
static const struct {
	const char *path, *unit;
} s_tops[] = {{"energy", "MWh/yr"}, {"water", "m3/yr"}, {"material", "t/yr"}};

const char *
ind_indicator_name(unsigned k)
{
	return k < IND_INDICATORS ? s_names[k] : NULL;
}

/* The category's unit: its quantity's, or "" for an abstract one. */
static const char *
s_unit(const struct tax_category *c)
{
	return c->quantity_root >= 0 ? c->dims[0].unit : "";
}

/* The unit of a second-level class: its own, or its first descendant's that has one. */
static const char *
s_class_unit(const struct taxonomy *tax, const struct tax_category *c)
{
	size_t i;

	if (c->quantity_root >= 0)
		return c->dims[0].unit;
	for (i = 0; i < tax->n; i++)
		if (tax->cats[i].quantity_root >= 0 && taxonomy_is_ancestor(tax, c, &tax->cats[i]))
			return tax->cats[i].dims[0].unit;
	return "";
}

static int
s_class_cmp(const void *a, const void *b)
{
	return strcmp(((const struct ind_class *)a)->name, ((const struct ind_class *)b)->name);
}

int
ind_layout_new(const struct taxonomy *tax, struct ind_layout **out)
{
	struct ind_layout *l = calloc(1, sizeof(*l));
	size_t i, t;

	*out = NULL;
	if (l == NULL || (l->classes = calloc(tax->n + 1, sizeof(*l->classes))) == NULL) {
		free(l);
		return SYM_ERR_ALLOC;
	}
	l->tax = tax;
	for (i = 0; i < tax->n; i++) {
		const struct tax_category *c = &tax->cats[i];
		const char *unit = NULL;

		if (c->depth == 1) {
			unit = s_class_unit(tax, c);
		} else if (c->depth == 0) {
			for (t = 0; t < sizeof(s_tops) / sizeof(s_tops[0]); t++)
				if (strcmp(c->path, s_tops[t].path) == 0)
					unit = s_tops[t].unit;
		}
		if (unit == NULL || unit[0] == '\0')
			continue;
		memcpy(l->classes[l->nclasses].name, c->path, sizeof(c->path));
		snprintf(l->classes[l->nclasses].unit, TAX_UNIT_MAX, "%s", unit);
		l->classes[l->nclasses].cat = c;
		l->nclasses++;
	}
	qsort(l->classes, l->nclasses, sizeof(*l->classes), s_class_cmp);
	l->ncells = l->nclasses * IND_INDICATORS;
	*out = l;
	return SYM_OK;
}

void
ind_layout_free(struct ind_layout **l)
{
	if (*l == NULL)
		return;
	free((*l)->classes);
	free(*l);
	*l = NULL;
}

size_t
ind_layout_classes_of(const struct ind_layout *l, const struct tax_category *cat, size_t out[2])
{
	const char *unit = s_unit(cat);
	size_t i, n = 0;

	for (i = 0; i < l->nclasses && n < 2; i++)
		if (taxonomy_is_ancestor(l->tax, l->classes[i].cat, cat) &&
		    strcmp(l->classes[i].unit, unit) == 0)
			out[n++] = i;
	return n;
}
