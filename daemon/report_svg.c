/*
 * The report's pictures as SVG, drawn deterministically (the same store
 * gives the same bytes but for the date): the agreed-exchange network with
 * companies on a circle, and the round history as grouped bars. Every text
 * is escaped; each picture has a title and a description for readers that
 * cannot see it, and each mark its own title.
 */
#include <math.h>
#include <string.h>

#include "report.h"

#define NET_W 760
#define NET_H 560
#define NET_R 215.0
#define NET_PAD 250 /* room for the names left and right of the circle */

void
report_esc(FILE *f, const char *s)
{
	for (; s != NULL && *s != '\0'; s++) {
		switch (*s) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&#39;", f); break;
		default: fputc(*s, f);
		}
	}
}

/* Where node i of n sits: on a circle, the first at the top, clockwise. */
static void
s_place(size_t i, size_t n, double *x, double *y)
{
	double a = n > 0 ? 2.0 * M_PI * (double)i / (double)n - M_PI / 2.0 : 0.0;

	*x = NET_W / 2.0 + (n > 1 ? NET_R * cos(a) : 0.0);
	*y = NET_H / 2.0 + (n > 1 ? NET_R * sin(a) : 0.0);
}

/* An edge's classes, comma-separated, escaped. */
static void
s_edge_classes(FILE *f, const struct report_edge *ed)
{
	size_t j;

	for (j = 0; j < ed->ncls; j++) {
		fputs(j > 0 ? ", " : "", f);
		report_esc(f, ed->cls[j]);
	}
}

static void
s_edge(FILE *f, const struct report *rep, size_t e)
{
	const struct report_edge *ed = &rep->edges[e];
	double x1, y1, x2, y2, mx, my, dx, dy, len, nx;

	s_place(ed->supplier, rep->nnodes, &x1, &y1);
	s_place(ed->consumer, rep->nnodes, &x2, &y2);
	dx = x2 - x1;
	dy = y2 - y1;
	len = sqrt(dx * dx + dy * dy);
	if (len < 1.0)
		len = 1.0;
	/* Stop short of the nodes so the arrow head shows; bend right, so A->B and B->A part. */
	x1 += dx / len * 14;
	y1 += dy / len * 14;
	x2 -= dx / len * 16;
	y2 -= dy / len * 16;
	mx = (x1 + x2) / 2 - dy / len * 36;
	my = (y1 + y2) / 2 + dx / len * 36;
	fputs("<g class=\"edge\"><title>", f);
	report_esc(f, rep->nodes[ed->supplier].name);
	fputs(" supplies ", f);
	report_esc(f, rep->nodes[ed->consumer].name);
	fprintf(f, ": %lld agreed exchange%s", (long long)ed->exchanges,
	        ed->exchanges == 1 ? "" : "s");
	fputs(ed->ncls > 0 ? ", published classes: " : " (no class published by both sides)", f);
	s_edge_classes(f, ed);
	fprintf(f,
	        "</title><path d=\"M%.1f %.1f Q%.1f %.1f %.1f %.1f\" fill=\"none\" "
	        "stroke=\"#4a6f8a\" stroke-width=\"%d\" marker-end=\"url(#arrow)\"/>",
	        x1, y1, mx, my, x2, y2, ed->exchanges > 1 ? 3 : 2);
	if (ed->ncls > 0 || ed->exchanges > 1) {
		/* The label sits beside the curve's apex, on its outer side, clear of a reverse
		 * edge. */
		nx = -dy / len;
		fprintf(
		    f,
		    "<text x=\"%.1f\" y=\"%.1f\" font-size=\"13\" text-anchor=\"%s\" "
		    "fill=\"#1d4e2c\" paint-order=\"stroke\" stroke=\"#fff\" stroke-width=\"4\">",
		    (x1 + x2 + 2 * mx) / 4 + nx * 6, (y1 + y2 + 2 * my) / 4 + dx / len * 6 + 4,
		    nx > 0.3    ? "start"
		    : nx < -0.3 ? "end"
		                : "middle");
		s_edge_classes(f, ed);
		if (ed->exchanges > 1)
			fprintf(f, "%s&#215;%lld", ed->ncls > 0 ? " " : "",
			        (long long)ed->exchanges);
		fputs("</text>", f);
	}
	fputs("</g>\n", f);
}

static void
s_node(FILE *f, const struct report *rep, size_t i)
{
	double x, y;
	const char *anchor;

	s_place(i, rep->nnodes, &x, &y);
	anchor = x < NET_W / 2.0 - 20 ? "end" : x > NET_W / 2.0 + 20 ? "start" : "middle";
	fputs("<g class=\"node\"><title>", f);
	report_esc(f, rep->nodes[i].name);
	fprintf(f,
	        "</title><circle cx=\"%.1f\" cy=\"%.1f\" r=\"11\" fill=\"#2f7d4f\" "
	        "stroke=\"#fff\" stroke-width=\"2\"/>",
	        x, y);
	fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"15\" text-anchor=\"%s\" fill=\"#222\">",
	        x + (strcmp(anchor, "end") == 0     ? -16
	             : strcmp(anchor, "start") == 0 ? 16
	                                            : 0),
	        y + (y < NET_H / 2.0 - 20   ? -16
	             : y > NET_H / 2.0 + 20 ? 26
	                                    : 5),
	        anchor);
	report_esc(f, rep->nodes[i].name);
	fputs("</text></g>\n", f);
}

void
report_svg_network(FILE *f, const struct report *rep)
{
	size_t i, named = 0;

	for (i = 0; i < rep->nedges; i++)
		named += rep->edges[i].ncls > 0;
	fprintf(f,
	        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"%d 0 %d %d\" "
	        "role=\"img\" aria-labelledby=\"net-title net-desc\" class=\"chart\" "
	        "font-family=\"system-ui, sans-serif\">\n<title id=\"net-title\">Agreed-exchange "
	        "network of ",
	        -NET_PAD, NET_W + 2 * NET_PAD, NET_H);
	report_esc(f, rep->park);
	fprintf(f,
	        "</title>\n<desc id=\"net-desc\">%zu companies joined by %lld agreed exchanges, "
	        "drawn as arrows from supplier to consumer; %zu arrows name classes that both "
	        "companies agreed to publish.",
	        rep->nnodes, (long long)rep->exchanges_agreed, named);
	for (i = 0; i < rep->nedges; i++) {
		fputc(' ', f);
		report_esc(f, rep->nodes[rep->edges[i].supplier].name);
		fputs(" to ", f);
		report_esc(f, rep->nodes[rep->edges[i].consumer].name);
		if (rep->edges[i].ncls > 0) {
			fputs(" (", f);
			s_edge_classes(f, &rep->edges[i]);
			fputc(')', f);
		}
		fputc(';', f);
	}
	fputs("</desc>\n<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" "
	      "markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\">"
	      "<path d=\"M0 0 L10 5 L0 10 z\" fill=\"#4a6f8a\"/></marker></defs>\n",
	      f);
	for (i = 0; i < rep->nedges; i++)
		s_edge(f, rep, i);
	for (i = 0; i < rep->nnodes; i++)
		s_node(f, rep, i);
	if (rep->nnodes == 0)
		fprintf(f,
		        "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" font-size=\"16\" "
		        "fill=\"#555\">No agreed exchange in this round</text>\n",
		        NET_W / 2, NET_H / 2);
	fputs("</svg>\n", f);
}

/* One bar of the rounds chart, with its value as its title. */
static void
s_bar(FILE *f, double x, double base, double h, const char *fill, const char *what, long long v,
      size_t round)
{
	fprintf(f,
	        "<rect x=\"%.1f\" y=\"%.1f\" width=\"14\" height=\"%.1f\" fill=\"%s\">"
	        "<title>Round %zu: %lld %s</title></rect>\n",
	        x, base - h, h, fill, round, v, what);
}

void
report_svg_rounds(FILE *f, const struct report *rep)
{
	static const char *const fills[3] = {"#6b8fb5", "#e0a040", "#2f7d4f"};
	static const char *const names[3] = {"members", "candidates", "agreed"};
	int64_t top = 1;
	size_t i;
	int w = 60 + 64 * (int)(rep->nrounds > 9 ? rep->nrounds : 9), j;
	const double base = 190, height = 150;

	for (i = 0; i < rep->nrounds; i++) {
		if (rep->rounds[i].members > top)
			top = rep->rounds[i].members;
		if (rep->rounds[i].candidates > top)
			top = rep->rounds[i].candidates;
	}
	fprintf(f,
	        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d 240\" role=\"img\" "
	        "aria-labelledby=\"rounds-title rounds-desc\" class=\"chart\" "
	        "font-family=\"system-ui, sans-serif\">\n<title id=\"rounds-title\">Rounds: "
	        "members, candidates and agreed exchanges</title>\n<desc id=\"rounds-desc\">",
	        w);
	for (i = 0; i < rep->nrounds; i++)
		fprintf(f, "Round %zu: %lld members, %lld candidates, %lld agreed. ", i + 1,
		        (long long)rep->rounds[i].members, (long long)rep->rounds[i].candidates,
		        (long long)rep->rounds[i].agreed);
	if (rep->nrounds == 0)
		fputs("No round yet.", f);
	fprintf(f,
	        "</desc>\n<line x1=\"40\" y1=\"%.0f\" x2=\"%d\" y2=\"%.0f\" stroke=\"#999\"/>\n"
	        "<text x=\"34\" y=\"%.0f\" font-size=\"12\" text-anchor=\"end\">%lld</text>\n"
	        "<text x=\"34\" y=\"%.0f\" font-size=\"12\" text-anchor=\"end\">0</text>\n",
	        base, w - 10, base, base - height + 4, (long long)top, base + 4);
	for (i = 0; i < rep->nrounds; i++) {
		double x = 52 + 64.0 * (double)i;
		long long v[3] = {rep->rounds[i].members, rep->rounds[i].candidates,
		                  rep->rounds[i].agreed};
		for (j = 0; j < 3; j++)
			s_bar(f, x + 16 * j, base, height * (double)v[j] / (double)top, fills[j],
			      names[j], v[j], i + 1);
		fprintf(f,
		        "<text x=\"%.1f\" y=\"%.0f\" font-size=\"12\" text-anchor=\"middle\">"
		        "#%zu</text>\n",
		        x + 23, base + 18, i + 1);
	}
	for (j = 0; j < 3; j++)
		fprintf(f,
		        "<rect x=\"%d\" y=\"220\" width=\"12\" height=\"12\" fill=\"%s\"/>"
		        "<text x=\"%d\" y=\"231\" font-size=\"12\">%s</text>\n",
		        44 + 110 * j, fills[j], 60 + 110 * j, names[j]);
	fputs("</svg>\n", f);
}
