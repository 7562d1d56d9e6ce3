/* report.json (INTERFACE.md): the dashboard's figures for scripts, suppressed ones as null. */
#include "report.h"

static json_t *
s_figure(int shown, uint64_t v)
{
	return shown ? json_integer((json_int_t)v) : json_null();
}

static json_t *
s_class(const struct report *rep, const struct report_class *c)
{
	json_t *o =
	    json_pack("{s:s, s:s, s:s}", "class", c->name, "label", c->label, "unit", c->unit);
	int ri;

	for (ri = 0; ri < RI_COUNT && o != NULL; ri++)
		json_object_set_new(o, report_indicator_names[ri],
		                    ri < RI_FIGURES ? s_figure(c->shown[ri], c->v[ri])
		                                    : json_integer((json_int_t)c->v[ri]));
	if (o != NULL && rep->has_co2e)
		json_object_set_new(o, "co2e_avoided_t_per_yr",
		                    c->co2e_shown ? json_real(c->co2e_t) : json_null());
	if (o != NULL && c->has_factor)
		json_object_set_new(
		    o, "co2e_factor",
		    json_pack("{s:f, s:s}", "kg_co2e_per_unit", c->factor, "source", c->source));
	return o;
}

static json_t *
s_network(const struct report *rep)
{
	json_t *nodes = json_array(), *edges = json_array();
	size_t i;

	for (i = 0; i < rep->nnodes; i++)
		json_array_append_new(nodes, json_pack("{s:s, s:s}", "id", rep->nodes[i].id, "name",
		                                       rep->nodes[i].name));
	for (i = 0; i < rep->nedges; i++) {
		const struct report_edge *e = &rep->edges[i];
		json_t *cls = json_array();
		size_t j;
		for (j = 0; j < e->ncls; j++)
			json_array_append_new(cls, json_string(e->cls[j]));
		json_array_append_new(edges, json_pack("{s:s, s:s, s:I, s:o}", "supplier",
		                                       rep->nodes[e->supplier].id, "consumer",
		                                       rep->nodes[e->consumer].id, "exchanges",
		                                       (json_int_t)e->exchanges, "classes", cls));
	}
	return json_pack("{s:o, s:o}", "nodes", nodes, "edges", edges);
}

json_t *
report_json(const struct report *rep)
{
	json_t *classes = json_array(), *rounds = json_array(), *o;
	size_t i;

	for (i = 0; i < rep->nclasses; i++)
		json_array_append_new(classes, s_class(rep, &rep->classes[i]));
	for (i = 0; i < rep->nrounds; i++)
		json_array_append_new(
		    rounds, json_pack("{s:s, s:I, s:I, s:I, s:I, s:I}", "round", rep->rounds[i].id,
		                      "opened_ms", (json_int_t)rep->rounds[i].opened_ms, "members",
		                      (json_int_t)rep->rounds[i].members, "submitted",
		                      (json_int_t)rep->rounds[i].submitted, "candidates",
		                      (json_int_t)rep->rounds[i].candidates, "agreed",
		                      (json_int_t)rep->rounds[i].agreed));
	o = json_pack(
	    "{s:s, s:I, s:o, s:i, s:s, s:I, s:I, s:I, s:o, s:{s:o, s:o, s:o}, s:b, s:o, s:o, "
	    "s:{s:I, s:s}}",
	    "park", rep->park, "generated_ms", (json_int_t)rep->generated_ms, "round",
	    rep->has_round ? json_string(rep->round) : json_null(), "min_contributors", rep->k,
	    "indicators", rep->indicators, "exchanges_agreed", (json_int_t)rep->exchanges_agreed,
	    "companies", (json_int_t)rep->companies, "companies_with_exchange",
	    (json_int_t)rep->companies_with_exchange, "classes", classes, "totals",
	    "material_t_per_yr", s_figure(rep->total_shown[RT_MATERIAL], rep->total[RT_MATERIAL]),
	    "water_m3_per_yr", s_figure(rep->total_shown[RT_WATER], rep->total[RT_WATER]),
	    "energy_mwh_per_yr", s_figure(rep->total_shown[RT_ENERGY], rep->total[RT_ENERGY]),
	    "consistent", rep->consistent, "rounds", rounds, "network", s_network(rep), "audit",
	    "tree_size", (json_int_t)rep->tree_size, "checkpoint",
	    rep->checkpoint ? rep->checkpoint : "");
	if (o != NULL && rep->has_co2e)
		json_object_set_new(json_object_get(o, "totals"), "co2e_avoided_t_per_yr",
		                    json_real(rep->co2e_total_t));
	return o;
}
