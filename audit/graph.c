/*
 * symbi-audit graph: the park's agreed-exchange network, from the release
 * entries of a verified log (each released candidate is one agreed
 * exchange, supplier -> consumer). Nodes are company ids: the members active
 * at the end of the log and anyone who took part in an exchange.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"

struct s_edge {
	const char *supplier, *consumer;
	uint64_t exchanges;
};

struct s_graph {
	const char **nodes;
	size_t nnodes;
	struct s_edge *edges;
	size_t nedges;
};

static int
s_str_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int
s_edge_cmp(const void *a, const void *b)
{
	const struct s_edge *x = a, *y = b;
	int c = strcmp(x->supplier, y->supplier);

	return c != 0 ? c : strcmp(x->consumer, y->consumer);
}

static void
s_graph_clear(struct s_graph *g)
{
	free(g->nodes);
	free(g->edges);
	memset(g, 0, sizeof(*g));
}

static int
s_graph_build(const struct audit_log *log, struct s_graph *g)
{
	struct audit_index *ix = NULL;
	uint8_t *in_edge = NULL, key[8];
	uint64_t val;
	size_t i;
	int r;

	memset(g, 0, sizeof(*g));
	g->nodes = calloc(log->nmembers + 1, sizeof(*g->nodes));
	g->edges = calloc(log->ncands + 1, sizeof(*g->edges));
	in_edge = calloc(log->nmembers + 1, 1);
	if (g->nodes == NULL || g->edges == NULL || in_edge == NULL ||
	    (ix = audit_index_new()) == NULL) {
		r = SYM_ERR_ALLOC;
		goto out;
	}
	for (i = 0; i < log->ncands; i++) {
		const struct audit_candidate *c = &log->cands[i];
		if (!c->released)
			continue;
		memcpy(key, &c->side[AUDIT_SUPPLIER], 4);
		memcpy(key + 4, &c->side[AUDIT_CONSUMER], 4);
		if (audit_index_get(ix, key, sizeof(key), &val) == SYM_OK) {
			g->edges[val].exchanges++;
			continue;
		}
		if ((r = audit_index_put(ix, key, sizeof(key), g->nedges)) != SYM_OK)
			goto out;
		g->edges[g->nedges].supplier = log->members[c->side[AUDIT_SUPPLIER]].rec.id;
		g->edges[g->nedges].consumer = log->members[c->side[AUDIT_CONSUMER]].rec.id;
		g->edges[g->nedges].exchanges = 1;
		g->nedges++;
		in_edge[c->side[AUDIT_SUPPLIER]] = 1;
		in_edge[c->side[AUDIT_CONSUMER]] = 1;
	}
	for (i = 0; i < log->nmembers; i++)
		if (!log->members[i].revoked || in_edge[i])
			g->nodes[g->nnodes++] = log->members[i].rec.id;
	/* Stable output: the same log always draws the same text. */
	qsort(g->nodes, g->nnodes, sizeof(*g->nodes), s_str_cmp);
	qsort(g->edges, g->nedges, sizeof(*g->edges), s_edge_cmp);
	r = SYM_OK;
out:
	audit_index_free(&ix);
	free(in_edge);
	if (r != SYM_OK)
		s_graph_clear(g);
	return r;
}

int
audit_graph_dot(const struct audit_log *log, char **out)
{
	struct s_graph g;
	char *buf = NULL;
	size_t len = 0, i;
	FILE *f;
	int r;

	*out = NULL;
	if ((r = s_graph_build(log, &g)) != SYM_OK)
		return r;
	if ((f = open_memstream(&buf, &len)) == NULL) {
		s_graph_clear(&g);
		return SYM_ERR_ALLOC;
	}
	/* Ids are [a-z0-9-]: quoted, they need no escaping. */
	fprintf(f, "digraph exchanges {\n\trankdir=LR;\n\tnode [shape=box];\n");
	for (i = 0; i < g.nnodes; i++)
		fprintf(f, "\t\"%s\";\n", g.nodes[i]);
	for (i = 0; i < g.nedges; i++) {
		fprintf(f, "\t\"%s\" -> \"%s\"", g.edges[i].supplier, g.edges[i].consumer);
		if (g.edges[i].exchanges > 1)
			fprintf(f, " [label=\"%llu\"]", (unsigned long long)g.edges[i].exchanges);
		fprintf(f, ";\n");
	}
	fprintf(f, "}\n");
	r = ferror(f) ? SYM_ERR_IO : SYM_OK;
	if (fclose(f) != 0)
		r = SYM_ERR_IO;
	s_graph_clear(&g);
	if (r != SYM_OK) {
		free(buf);
		return r;
	}
	*out = buf;
	return SYM_OK;
}

int
audit_graph_json(const struct audit_log *log, char **out)
{
	struct s_graph g;
	json_t *root = NULL, *nodes, *edges;
	size_t i;
	int r = SYM_ERR_ALLOC;

	*out = NULL;
	if ((r = s_graph_build(log, &g)) != SYM_OK)
		return r;
	r = SYM_ERR_ALLOC;
	if ((root = json_object()) == NULL || (nodes = json_array()) == NULL ||
	    json_object_set_new(root, "nodes", nodes) != 0 || (edges = json_array()) == NULL ||
	    json_object_set_new(root, "edges", edges) != 0)
		goto out;
	for (i = 0; i < g.nnodes; i++)
		if (json_array_append_new(nodes, json_string(g.nodes[i])) != 0)
			goto out;
	for (i = 0; i < g.nedges; i++)
		if (json_array_append_new(edges, json_pack("{s:s, s:s, s:I}", "supplier",
		                                           g.edges[i].supplier, "consumer",
		                                           g.edges[i].consumer, "exchanges",
		                                           (json_int_t)g.edges[i].exchanges)) != 0)
			goto out;
	if ((*out = json_dumps(root, JSON_INDENT(2))) == NULL)
		goto out;
	r = SYM_OK;
out:
	json_decref(root);
	s_graph_clear(&g);
	return r;
}
