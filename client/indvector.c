#include "indvector.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* A canonical quantity as a cell value: rounded, never negative, below 2^53. */
static uint64_t
s_amount(double q)
{
	if (!(q > 0.0))
		return 0;
	if (q > 9007199254740992.0)
		q = 9007199254740992.0;
	return (uint64_t)llround(q);
}

/* Add `amount` to indicator k in every class of cat; set `flag` (a contributor cell) to 1. */
static void
s_add(const struct ind_layout *l, const struct tax_category *cat, unsigned k, uint64_t amount,
      int flag, uint64_t *v)
{
	size_t cls[2], n = ind_layout_classes_of(l, cat, cls), i;

	for (i = 0; i < n; i++) {
		v[cls[i] * IND_INDICATORS + k] += amount;
		if (flag >= 0)
			v[cls[i] * IND_INDICATORS + (unsigned)flag] = 1;
	}
}

/* A need's quantity for `needed`: its min, or its max when it states no min. */
static double
s_need_amount(const struct flow_item *need)
{
	const struct flow_value *q = &need->dims[0];

	if (!q->present)
		return 0.0;
	return isfinite(q->min) ? q->min : isfinite(q->max) ? q->max : 0.0;
}

/* One item of an exchange, parsed against the taxonomy as a one-item flows document. */
static int
s_item(const struct ind_layout *l, json_t *raw, enum flow_direction dir, struct flows **out,
       struct sym_diag *diag)
{
	json_t *doc = json_is_object(raw) ? json_pack("{s:[O]}", "flows", raw) : NULL;
	int r = SYM_ERR_FORMAT;

	*out = NULL;
	if (doc != NULL && flows_from_json("exchange", doc, l->tax, out, diag) == SYM_OK &&
	    (*out)->n == 1 && (*out)->items[0].direction == dir)
		r = SYM_OK;
	json_decref(doc);
	if (r != SYM_OK)
		flows_free(out);
	return r;
}

/*
 * One agreed exchange of ours: its potential min(offer quantity, need max or
 * min) in the offer's classes, supplied or received; its offer id when we
 * supplied it (*offer_id, borrowed from e).
 */
static int
s_exchange(const struct ind_layout *l, const char *self, json_t *e, uint64_t *v,
           const char **offer_id, struct sym_diag *diag)
{
	struct flows *of = NULL, *nf = NULL;
	const struct flow_value *nq;
	double q;
	int supplier = strcmp(json_string_value(json_object_get(e, "supplier")), self) == 0;
	int r;

	if ((r = s_item(l, json_object_get(e, "offer"), FLOW_OFFER, &of, diag)) != SYM_OK ||
	    (r = s_item(l, json_object_get(e, "need"), FLOW_NEED, &nf, diag)) != SYM_OK) {
		r = sym_diag_set(diag, SYM_ERR_FORMAT, "exchange %s: an item does not parse",
		                 json_string_value(json_object_get(e, "candidate")));
		goto out;
	}
	nq = &nf->items[0].dims[0];
	q = of->items[0].dims[0].value;
	if (nq->present && isfinite(nq->max))
		q = fmin(q, nq->max);
	else if (nq->present && isfinite(nq->min))
		q = fmin(q, nq->min);
	s_add(l, of->items[0].category, supplier ? IND_EXCHANGED_SUPPLIED : IND_EXCHANGED_RECEIVED,
	      s_amount(q), IND_EXCHANGE_CONTRIBUTORS, v);
	*offer_id =
	    supplier ? json_string_value(json_object_get(json_object_get(e, "offer"), "id")) : NULL;
out:
	flows_free(&of);
	flows_free(&nf);
	return r;
}

/* Is `id` among the n offer ids that have an agreed exchange? */
static int
s_matched(const char *const *ids, size_t n, const char *id)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (ids[i] != NULL && strcmp(ids[i], id) == 0)
			return 1;
	return 0;
}

int
indvector_build(const struct ind_layout *l, const char *self, const struct flows *fl,
                json_t *exchanges, const char *round_hex, uint64_t *v, struct sym_diag *diag)
{
	const char **matched = NULL;
	size_t i, nm = 0;
	json_t *e;
	int r = SYM_OK;

	memset(v, 0, l->ncells * sizeof(*v));
	if ((matched = calloc(json_array_size(exchanges) + 1, sizeof(*matched))) == NULL)
		return SYM_ERR_ALLOC;
	json_array_foreach (exchanges, i, e) {
		const char *round = json_string_value(json_object_get(e, "round"));
		const char *check = json_string_value(json_object_get(e, "check"));
		const char *sup = json_string_value(json_object_get(e, "supplier"));
		const char *con = json_string_value(json_object_get(e, "consumer"));

		if (round == NULL || strcmp(round, round_hex) != 0 || sup == NULL || con == NULL ||
		    (strcmp(sup, self) != 0 && strcmp(con, self) != 0) ||
		    (check != NULL && strcmp(check, "mismatch") == 0))
			continue;
		if ((r = s_exchange(l, self, e, v, &matched[nm], diag)) != SYM_OK)
			goto out;
		nm++;
	}
	for (i = 0; i < fl->n; i++) {
		const struct flow_item *it = &fl->items[i];

		if (it->direction == FLOW_OFFER) {
			uint64_t q = s_amount(it->dims[0].value);
			s_add(l, it->category, IND_OFFERED, q, IND_OFFER_CONTRIBUTORS, v);
			if (!s_matched(matched, nm, it->id))
				s_add(l, it->category, IND_OFFERED_UNMATCHED, q, -1, v);
		} else {
			s_add(l, it->category, IND_NEEDED, s_amount(s_need_amount(it)),
			      IND_NEED_CONTRIBUTORS, v);
		}
	}
out:
	free(matched);
	return r;
}
