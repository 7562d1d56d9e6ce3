/*
 * The report's model: the latest secure sums per class with disclosure
 * control applied (INDICATORS.md, "What may be published"), the round
 * history, the agreed-exchange network and the audit state, all read from
 * the store. Everything a writer renders comes from here, so a suppressed
 * figure cannot leak through one of them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auditlog.h"
#include "classname.h"
#include "park.h"
#include "report.h"
#include "taxonomy.h"
#include "util.h"
#include "wire.h"

const char *const report_indicator_names[RI_COUNT] = {"exchanged_supplied",
                                                      "exchanged_received",
                                                      "offered",
                                                      "offered_unmatched",
                                                      "needed",
                                                      "offer_contributors",
                                                      "need_contributors",
                                                      "exchange_contributors"};

/* The three top levels and the unit their totals are in (INDICATORS.md). */
static const struct {
	const char *name, *unit;
} s_tops[RT_COUNT] = {{"material", "t/yr"}, {"water", "m3/yr"}, {"energy", "MWh/yr"}};

enum report_indicator
report_count_of(enum report_indicator figure)
{
	switch (figure) {
	case RI_SUPPLIED:
	case RI_RECEIVED: return RI_EXCHANGE_CONTRIBUTORS;
	case RI_OFFERED:
	case RI_UNMATCHED: return RI_OFFER_CONTRIBUTORS;
	default: return RI_NEED_CONTRIBUTORS;
	}
}

/* 1 when path lies below class `cls` ("material.ash" below "material"). */
static int
s_below(const char *path, const char *cls)
{
	size_t len = strlen(cls);

	return strncmp(path, cls, len) == 0 && path[len] == '.';
}

/* The class's label and canonical unit from the taxonomy (a top level: its total's unit). */
static void
s_describe(const struct taxonomy *tax, struct report_class *c)
{
	const struct tax_category *cat = taxonomy_find(tax, c->name);
	size_t i;
	int t;

	snprintf(c->label, sizeof(c->label), "%s", cat && cat->label ? cat->label : c->name);
	c->top = strchr(c->name, '.') == NULL;
	for (t = 0; t < RT_COUNT; t++)
		if (c->top && strcmp(c->name, s_tops[t].name) == 0)
			snprintf(c->unit, sizeof(c->unit), "%s", s_tops[t].unit);
	if (c->top || cat == NULL)
		return;
	/* An abstract class takes the unit of the first category below it that has one. */
	for (i = 0; i < tax->n && c->unit[0] == '\0'; i++) {
		const struct tax_category *d = &tax->cats[i];
		if (d->quantity_root >= 0 && d->ndims > 0 &&
		    (strcmp(d->path, c->name) == 0 || s_below(d->path, c->name)))
			snprintf(c->unit, sizeof(c->unit), "%s", d->dims[0].unit);
	}
	for (t = 0; t < RT_COUNT; t++)
		if (s_below(c->name, s_tops[t].name))
			c->counts_to_top = strcmp(c->unit, s_tops[t].unit) == 0;
}

/* The class named cls, appended when new. */
static struct report_class *
s_class(struct report *rep, const char *cls)
{
	struct report_class *grown;
	size_t i;

	for (i = 0; i < rep->nclasses; i++)
		if (strcmp(rep->classes[i].name, cls) == 0)
			return &rep->classes[i];
	if ((grown = realloc(rep->classes, (rep->nclasses + 1) * sizeof(*grown))) == NULL)
		return NULL;
	rep->classes = grown;
	memset(&grown[rep->nclasses], 0, sizeof(*grown));
	snprintf(grown[rep->nclasses].name, sizeof(grown->name), "%s", cls);
	return &grown[rep->nclasses++];
}

/* The sums into classes; only classes with a contributor stay (INTERFACE.md). */
static int
s_classes(struct report *rep, const struct store_indicator_cell *cells, size_t n,
          const struct taxonomy *tax, struct sym_diag *diag)
{
	struct report_class *c;
	size_t i, kept = 0;
	int ri;

	for (i = 0; i < n; i++) {
		if (!class_name_ok(cells[i].cls, 2))
			return sym_diag_set(
			    diag, SYM_ERR_FORMAT,
			    "the store's sums name a class \"%.64s\" that is no class",
			    cells[i].cls);
		for (ri = 0; ri < RI_COUNT; ri++)
			if (strcmp(cells[i].indicator, report_indicator_names[ri]) == 0)
				break;
		if (ri == RI_COUNT)
			continue; /* an indicator of a later version: not ours to show */
		if (cells[i].value > (uint64_t)INT64_MAX)
			return sym_diag_set(diag, SYM_ERR_FORMAT,
			                    "the store's sum %s of %s is out of range",
			                    cells[i].indicator, cells[i].cls);
		if ((c = s_class(rep, cells[i].cls)) == NULL)
			return sym_diag_set(diag, SYM_ERR_ALLOC, "out of memory");
		c->v[ri] = cells[i].value;
	}
	for (i = 0; i < rep->nclasses; i++) {
		c = &rep->classes[i];
		if (c->v[RI_OFFER_CONTRIBUTORS] == 0 && c->v[RI_NEED_CONTRIBUTORS] == 0 &&
		    c->v[RI_EXCHANGE_CONTRIBUTORS] == 0)
			continue;
		s_describe(tax, c);
		rep->classes[kept++] = *c;
	}
	rep->nclasses = kept;
	/* Supplier-side and consumer-side totals must agree: a member lied or erred if not. */
	for (i = 0; i < kept; i++)
		if (rep->classes[i].v[RI_SUPPLIED] != rep->classes[i].v[RI_RECEIVED])
			rep->consistent = 0;
	return SYM_OK;
}

/*
 * Complementary suppression of figure f under top level `top`: a top-level
 * figure minus its published second levels would give away a suppressed
 * one. So the suppressed second levels must be two or more whose
 * contributors add up to k at least; the smallest published ones join them
 * until they do, and when none is left the top level is suppressed instead.
 */
static void
s_complement(struct report *rep, struct report_class *top, int f)
{
	uint64_t counted = 0;
	size_t i, hidden = 0;

	for (i = 0; i < rep->nclasses; i++) {
		struct report_class *c = &rep->classes[i];
		if (c->counts_to_top && s_below(c->name, top->name) && !c->shown[f]) {
			hidden++;
			counted += c->v[report_count_of(f)];
		}
	}
	while (hidden > 0 && (hidden < 2 || counted < (uint64_t)rep->k)) {
		struct report_class *least = NULL;
		for (i = 0; i < rep->nclasses; i++) {
			struct report_class *c = &rep->classes[i];
			if (c->counts_to_top && c->shown[f] && s_below(c->name, top->name) &&
			    (least == NULL || c->v[f] < least->v[f]))
				least = c;
		}
		if (least == NULL) {
			top->shown[f] = 0;
			return;
		}
		least->shown[f] = 0;
		hidden++;
		counted += least->v[report_count_of(f)];
	}
}

static void
s_suppress(struct report *rep)
{
	size_t i;
	int f, t;

	for (i = 0; i < rep->nclasses; i++)
		for (f = 0; f < RI_FIGURES; f++)
			rep->classes[i].shown[f] =
			    rep->classes[i].v[report_count_of(f)] >= (uint64_t)rep->k;
	for (i = 0; i < rep->nclasses; i++)
		if (rep->classes[i].top)
			for (f = 0; f < RI_FIGURES; f++)
				if (rep->classes[i].shown[f])
					s_complement(rep, &rep->classes[i], f);
	for (t = 0; t < RT_COUNT; t++)
		for (i = 0; i < rep->nclasses; i++)
			if (strcmp(rep->classes[i].name, s_tops[t].name) == 0 &&
			    rep->classes[i].shown[RI_SUPPLIED]) {
				rep->total_shown[t] = 1;
				rep->total[t] = rep->classes[i].v[RI_SUPPLIED];
			}
}

/* CO2e avoided = the published exchanged_supplied figure x the file's factor (t). */
static int
s_factors(struct report *rep, struct sym_diag *diag)
{
	const char *unit;
	size_t i;

	if (rep->factors == NULL)
		return SYM_OK;
	rep->has_co2e = 1;
	for (i = 0; i < rep->nclasses; i++) {
		struct report_class *c = &rep->classes[i];
		json_t *f = json_object_get(rep->factors, c->name);
		if (f == NULL)
			continue;
		unit = json_string_value(json_object_get(f, "unit"));
		if (unit != NULL && strcmp(unit, c->unit) != 0)
			return sym_diag_set(diag, SYM_ERR_FORMAT,
			                    "the factor of %s is per %s, but the class is in %s",
			                    c->name, unit, c->unit);
		c->has_factor = 1;
		c->factor = json_number_value(json_object_get(f, "kg_co2e_per_unit"));
		c->source = json_string_value(json_object_get(f, "source"));
		if (!c->shown[RI_SUPPLIED])
			continue;
		c->co2e_shown = 1;
		c->co2e_t = (double)c->v[RI_SUPPLIED] * c->factor / 1000.0;
	}
	/* The total counts a top level with a factor as a whole, else its second levels. */
	for (i = 0; i < rep->nclasses; i++) {
		const struct report_class *c = &rep->classes[i], *top = NULL;
		size_t j;
		for (j = 0; j < rep->nclasses && !c->top; j++)
			if (rep->classes[j].top && s_below(c->name, rep->classes[j].name))
				top = &rep->classes[j];
		if (c->co2e_shown &&
		    (c->top || !c->counts_to_top || top == NULL || !top->has_factor))
			rep->co2e_total_t += c->co2e_t;
	}
	return SYM_OK;
}

/* The round history: members, submitted, candidates and agreed of every round. */
static int
s_rounds(struct report *rep, struct store *st)
{
	uint8_t(*ids)[STORE_ID_LEN] = NULL;
	size_t n = 0, i, nm;
	int r;

	if ((r = store_rounds_list(st, &ids, &n)) != SYM_OK)
		return r;
	if (n > 0 && (rep->rounds = calloc(n, sizeof(*rep->rounds))) == NULL) {
		free(ids);
		return SYM_ERR_ALLOC;
	}
	for (i = 0; i < n && r == SYM_OK; i++) {
		struct report_round *rr = &rep->rounds[i];
		struct store_round rd;
		int64_t counts[4] = {0, 0, 0, 0};
		char **members = NULL;

		memset(&rd, 0, sizeof(rd));
		if ((r = store_round_get(st, ids[i], &rd)) != SYM_OK ||
		    (r = store_round_members(st, ids[i], &members, &nm)) != SYM_OK ||
		    (r = store_round_counts(st, ids[i], counts, &rr->submitted)) != SYM_OK) {
			store_round_clear(&rd);
			break;
		}
		util_hex(ids[i], STORE_ID_LEN, rr->id);
		rr->opened_ms = rd.opened_ms;
		rr->members = (int64_t)nm;
		rr->candidates = counts[0] + counts[1] + counts[2] + counts[3];
		rr->agreed = counts[CANDIDATE_AGREED];
		store_strings_free(members, nm);
		store_round_clear(&rd);
		rep->nrounds++;
	}
	free(ids);
	return r;
}

/* The node of member id, appended with its certificate's name when new. */
static int
s_node(struct report *rep, struct store *st, const char *id, size_t *at)
{
	struct store_member m;
	struct report_node *grown;
	size_t i;
	int r;

	for (i = 0; i < rep->nnodes; i++)
		if (strcmp(rep->nodes[i].id, id) == 0) {
			*at = i;
			return SYM_OK;
		}
	memset(&m, 0, sizeof(m));
	if ((r = store_member_get(st, id, &m)) != SYM_OK)
		return r;
	if ((grown = realloc(rep->nodes, (rep->nnodes + 1) * sizeof(*grown))) == NULL) {
		store_member_clear(&m);
		return SYM_ERR_ALLOC;
	}
	rep->nodes = grown;
	snprintf(grown[rep->nnodes].id, sizeof(grown->id), "%s", id);
	snprintf(grown[rep->nnodes].name, sizeof(grown->name), "%s", m.rec.name);
	store_member_clear(&m);
	*at = rep->nnodes++;
	return SYM_OK;
}

/* The edge from supplier to consumer (node indexes), appended when new. */
static struct report_edge *
s_edge(struct report *rep, size_t sup, size_t con)
{
	size_t i;

	for (i = 0; i < rep->nedges; i++)
		if (rep->edges[i].supplier == sup && rep->edges[i].consumer == con)
			return &rep->edges[i];
	rep->edges[rep->nedges].supplier = sup;
	rep->edges[rep->nedges].consumer = con;
	return &rep->edges[rep->nedges++];
}

/* A class both sides of an exchange published, once per edge. */
static void
s_edge_class(struct report_edge *e, const char *cls)
{
	size_t i;

	for (i = 0; i < e->ncls; i++)
		if (strcmp(e->cls[i], cls) == 0)
			return;
	if (e->ncls < REPORT_EDGE_CLASSES)
		snprintf(e->cls[e->ncls++], sizeof(e->cls[0]), "%s", cls);
}

/*
 * The agreed exchanges of the report's round as a network, one edge per
 * supplier and consumer. An exchange names its class only when both sides
 * published the same two-level class (`symbi accept --publish`); one
 * side's word is never enough.
 */
static int
s_network(struct report *rep, struct store *st, const uint8_t round[STORE_ID_LEN])
{
	struct store_agreed *ag = NULL;
	struct report_edge *e;
	size_t n = 0, i, sup, con;
	int r;

	if ((r = store_round_agreed(st, round, &ag, &n)) != SYM_OK)
		return r;
	if (n > 0 && (rep->edges = calloc(n, sizeof(*rep->edges))) == NULL)
		r = SYM_ERR_ALLOC;
	for (i = 0; i < n && r == SYM_OK; i++) {
		if ((r = s_node(rep, st, ag[i].supplier, &sup)) != SYM_OK ||
		    (r = s_node(rep, st, ag[i].consumer, &con)) != SYM_OK)
			break;
		e = s_edge(rep, sup, con);
		e->exchanges++;
		if (ag[i].publish[0][0] != '\0' &&
		    strcmp(ag[i].publish[0], ag[i].publish[1]) == 0 &&
		    class_name_ok(ag[i].publish[0], 2))
			s_edge_class(e, ag[i].publish[0]);
	}
	rep->exchanges_agreed = (int64_t)n;
	rep->companies_with_exchange = (int64_t)rep->nnodes;
	free(ag);
	return r;
}

/* The round the report is about: the newest with done sums, else the newest; *state its sums'. */
static int
s_pick_round(struct report *rep, struct store *st, uint8_t round[STORE_ID_LEN])
{
	struct store_indicator_round ir;
	struct store_round rd;
	int r;

	rep->indicators = "none";
	if ((r = store_indicator_latest_done(st, round)) == SYM_OK) {
		rep->indicators = "done";
		return SYM_OK;
	}
	if (r != SYM_ERR_NOT_FOUND)
		return r;
	memset(&rd, 0, sizeof(rd));
	if ((r = store_round_latest(st, &rd)) != SYM_OK)
		return r;
	memcpy(round, rd.id, STORE_ID_LEN);
	store_round_clear(&rd);
	if ((r = store_indicator_round_get(st, round, &ir)) == SYM_OK)
		rep->indicators = ir.state == INDICATORS_FAILED ? "failed" : "collecting";
	return r == SYM_ERR_NOT_FOUND ? SYM_OK : r;
}

/* The round's figures: sums (when done), participants, network. */
static int
s_round_figures(struct report *rep, struct store *st, const struct taxonomy *tax,
                const uint8_t round[STORE_ID_LEN], struct sym_diag *diag)
{
	struct store_indicator_cell *cells = NULL;
	char **subs = NULL;
	size_t n = 0, ns = 0;
	int r;

	rep->has_round = 1;
	util_hex(round, STORE_ID_LEN, rep->round);
	if (strcmp(rep->indicators, "done") == 0 &&
	    (r = store_indicator_sums_get(st, round, &cells, &n)) != SYM_OK)
		return sym_diag_set(diag, r, "cannot read the round's sums: %s", sym_strerror(r));
	r = s_classes(rep, cells, n, tax, diag);
	free(cells);
	if (r != SYM_OK)
		return r;
	if ((r = store_round_submitters(st, round, &subs, &ns)) != SYM_OK ||
	    (r = s_network(rep, st, round)) != SYM_OK)
		return sym_diag_set(diag, r, "cannot read the round's exchanges: %s",
		                    sym_strerror(r));
	store_strings_free(subs, ns);
	rep->companies = (int64_t)ns;
	return SYM_OK;
}

static int
s_audit(struct report *rep, struct park *park)
{
	struct auditlog *log = NULL;
	int r;

	if ((r = auditlog_open(park->store, park->sign, &log)) != SYM_OK)
		return r;
	rep->tree_size = auditlog_size(log);
	r = auditlog_checkpoint(log, &rep->checkpoint);
	auditlog_close(&log);
	return r;
}

int
report_build(struct park *park, int k, json_t *factors, struct report *rep, struct sym_diag *diag)
{
	struct taxonomy *tax = NULL;
	uint8_t round[STORE_ID_LEN];
	int r;

	memset(rep, 0, sizeof(*rep));
	rep->k = k;
	rep->consistent = 1;
	rep->generated_ms = (int64_t)wire_now_ms();
	rep->factors = factors != NULL ? json_incref(factors) : NULL;
	snprintf(rep->park, sizeof(rep->park), "%s", park->info.name);
	if (k < REPORT_K_MIN)
		return sym_diag_set(diag, SYM_ERR_RANGE, "k must be %d at least", REPORT_K_MIN);
	if ((r = taxonomy_load_default(&tax, diag)) != SYM_OK)
		return r;
	r = s_pick_round(rep, park->store, round);
	if (r == SYM_OK)
		r = s_round_figures(rep, park->store, tax, round, diag);
	else if (r == SYM_ERR_NOT_FOUND)
		r = SYM_OK; /* no round yet: a report of the park as it stands */
	else
		sym_diag_set(diag, r, "cannot read the rounds: %s", sym_strerror(r));
	taxonomy_free(&tax);
	if (r != SYM_OK)
		return r;
	s_suppress(rep);
	if ((r = s_factors(rep, diag)) != SYM_OK)
		return r;
	if ((r = s_rounds(rep, park->store)) != SYM_OK || (r = s_audit(rep, park)) != SYM_OK)
		return sym_diag_set(diag, r, "cannot read the round history or the audit log: %s",
		                    sym_strerror(r));
	return SYM_OK;
}

void
report_clear(struct report *rep)
{
	free(rep->classes);
	free(rep->rounds);
	free(rep->nodes);
	free(rep->edges);
	free(rep->checkpoint);
	json_decref(rep->factors);
	memset(rep, 0, sizeof(*rep));
}
