/*
 * index.html of `symbiod report`: one self-contained page (inline CSS and
 * SVG, no script, no request to any other host) that reads well from a
 * phone to a laptop. Every figure carries its raw value in a data-value
 * attribute ("null" when suppressed), so a test can compare the page with
 * report.json; every string that came from outside (park and company
 * names, classes, factor sources) is escaped.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "report.h"

static const char s_css[] =
    "*{box-sizing:border-box}"
    "body{margin:0;font:16px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;"
    "color:#1e2a22;background:#f5f7f4}"
    "main{max-width:1120px;margin:0 auto;padding:16px}"
    "h1{font-size:1.7rem;margin:.2em 0}h2{font-size:1.25rem;margin:1.6em 0 .5em}"
    "p,li,dd{overflow-wrap:anywhere}"
    ".meta{color:#4b5a50;margin:0}"
    ".tiles{display:grid;grid-template-columns:repeat(auto-fit,minmax(150px,1fr));gap:12px;"
    "margin:16px 0}"
    ".tile{background:#fff;border:1px solid #d5ddd6;border-radius:8px;padding:12px}"
    ".tile .fig{display:block;font-size:1.6rem;font-weight:650;color:#1d5e36}"
    ".tile .lab{color:#4b5a50;font-size:.9rem}"
    ".note{background:#fff;border-left:4px solid #2f7d4f;padding:8px 12px;margin:12px 0}"
    ".warn{border-left-color:#b3261e;background:#fdf0ef}"
    ".scroll{overflow-x:auto;max-width:100%;background:#fff;border:1px solid #d5ddd6;"
    "border-radius:8px}"
    "table{border-collapse:collapse;width:100%;font-size:.92rem}"
    "caption{text-align:left;padding:8px;color:#4b5a50}"
    "th,td{padding:6px 8px;border-bottom:1px solid #e3e8e4;text-align:right;"
    "white-space:nowrap}"
    "th[scope=row],thead th:first-child{text-align:left;white-space:normal}"
    "td.sup{color:#8a5a00;font-style:italic;font-size:.85em;white-space:normal;min-width:6.5em}"
    "thead th{white-space:normal;vertical-align:bottom}"
    "figure{margin:0;background:#fff;border:1px solid #d5ddd6;border-radius:8px;padding:8px}"
    "figcaption{color:#4b5a50;font-size:.9rem}"
    "svg.chart{display:block;width:100%;height:auto;max-width:100%}"
    "pre{white-space:pre-wrap;overflow-wrap:anywhere;background:#fff;padding:8px;"
    "border:1px solid #d5ddd6;border-radius:8px;font-size:.8rem}"
    "footer{margin:2em 0 1em;color:#4b5a50;font-size:.85rem}"
    "@media (max-width:480px){main{padding:10px}h1{font-size:1.35rem}"
    ".tiles{grid-template-columns:1fr 1fr}.tile .fig{font-size:1.25rem}}";

/* A count with thousands separators. */
static void
s_num(FILE *f, uint64_t v)
{
	char digits[24];
	int n = snprintf(digits, sizeof(digits), "%" PRIu64, v), i;

	for (i = 0; i < n; i++) {
		if (i > 0 && (n - i) % 3 == 0)
			fputc(',', f);
		fputc(digits[i], f);
	}
}

static void
s_tile(FILE *f, const char *key, int shown, uint64_t v, const char *label, int k)
{
	fprintf(f, "<div class=\"tile\"><span class=\"fig\" id=\"tile-%s\" data-figure=\"%s\" ",
	        key, key);
	if (shown) {
		fprintf(f, "data-value=\"%" PRIu64 "\">", v);
		s_num(f, v);
		fputs("</span>", f);
	} else {
		fprintf(f,
		        "data-value=\"null\">&#8212;</span><span class=\"lab\">fewer than %d "
		        "companies: </span>",
		        k);
	}
	fprintf(f, "<span class=\"lab\">%s</span></div>\n", label);
}

static void
s_head(FILE *f, const struct report *rep)
{
	char when[40] = "";
	time_t t = (time_t)(rep->generated_ms / 1000);
	struct tm tm;

	if (gmtime_r(&t, &tm) != NULL)
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M UTC", &tm);
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
	      "style-src 'unsafe-inline'; img-src data:\">\n<title>",
	      f);
	report_esc(f, rep->park);
	fprintf(f,
	        ": park report</title>\n<style>%s</style>\n</head>\n<body>\n<main>\n<header>\n"
	        "<h1 id=\"park\">",
	        s_css);
	report_esc(f, rep->park);
	fprintf(f, "</h1>\n<p class=\"meta\">Park indicators, generated <time>%s</time>", when);
	if (rep->has_round)
		fprintf(f, " from round <code id=\"round\">%s</code>", rep->round);
	fputs(".</p>\n</header>\n", f);
}

static void
s_tiles(FILE *f, const struct report *rep)
{
	fputs("<section aria-labelledby=\"h-tiles\">\n<h2 id=\"h-tiles\">At a glance</h2>\n", f);
	if (strcmp(rep->indicators, "done") != 0)
		fprintf(
		    f,
		    "<p class=\"note warn\" id=\"indicators\" data-state=\"%s\">The park totals of "
		    "this round are not available (secure sum: %s), so no quantity is shown.</p>\n",
		    rep->indicators, rep->indicators);
	fputs("<div class=\"tiles\">\n", f);
	s_tile(f, "exchanges_agreed", 1, (uint64_t)rep->exchanges_agreed, "agreed exchanges",
	       rep->k);
	s_tile(f, "companies", 1, (uint64_t)rep->companies, "participating companies", rep->k);
	s_tile(f, "material_t_per_yr", rep->total_shown[RT_MATERIAL], rep->total[RT_MATERIAL],
	       "t/yr of materials exchanged", rep->k);
	s_tile(f, "water_m3_per_yr", rep->total_shown[RT_WATER], rep->total[RT_WATER],
	       "m&#179;/yr of water exchanged", rep->k);
	s_tile(f, "energy_mwh_per_yr", rep->total_shown[RT_ENERGY], rep->total[RT_ENERGY],
	       "MWh/yr of energy exchanged", rep->k);
	if (rep->has_co2e)
		s_tile(f, "co2e_avoided_t_per_yr", 1, (uint64_t)(rep->co2e_total_t + 0.5),
		       "t/yr CO&#8322;e avoided (classes with a factor, below)", rep->k);
	fputs("</div>\n", f);
	fprintf(f,
	        "<p class=\"note%s\" id=\"consistent\" data-value=\"%s\">%s</p>\n"
	        "<p class=\"meta\">Quantities are yearly potentials of agreed exchanges (the "
	        "smaller of offer and need), not metered flows; a park figure is shown only when "
	        "at least %d companies contribute to it. Steam (t/yr) and gas (Nm&#179;/yr) are "
	        "in their own classes, not in the energy total.</p>\n</section>\n",
	        rep->consistent ? "" : " warn", rep->consistent ? "true" : "false",
	        rep->consistent
	            ? "Supplier-side and consumer-side totals of the exchanged quantities agree."
	            : "Supplier-side and consumer-side totals of the exchanged quantities DIFFER: "
	              "at least one member reported its exchanges wrongly. The figures below are "
	              "what members reported; ask them to check before publishing.",
	        rep->k);
}

static void
s_cell(FILE *f, const struct report *rep, const struct report_class *c, int ri)
{
	fputs("<td data-class=\"", f);
	report_esc(f, c->name);
	fprintf(f, "\" data-indicator=\"%s\" ", report_indicator_names[ri]);
	if (ri < RI_FIGURES && !c->shown[ri]) {
		fprintf(f, "data-value=\"null\" class=\"sup\">fewer than %d companies</td>",
		        rep->k);
		return;
	}
	fprintf(f, "data-value=\"%" PRIu64 "\">", c->v[ri]);
	s_num(f, c->v[ri]);
	fputs("</td>", f);
}

static void
s_co2e(FILE *f, const struct report_class *c)
{
	fputs("<td data-class=\"", f);
	report_esc(f, c->name);
	if (!c->has_factor) {
		fputs(
		    "\" data-indicator=\"co2e_avoided_t_per_yr\" data-value=\"null\">no factor</td>"
		    "<td></td>",
		    f);
		return;
	}
	if (c->co2e_shown)
		fprintf(f,
		        "\" data-indicator=\"co2e_avoided_t_per_yr\" data-value=\"%.3f\">%.1f</td>",
		        c->co2e_t, c->co2e_t);
	else
		fputs("\" data-indicator=\"co2e_avoided_t_per_yr\" data-value=\"null\" "
		      "class=\"sup\">not shown</td>",
		      f);
	fprintf(f, "<td class=\"sup\">%g kg/unit: ", c->factor);
	report_esc(f, c->source);
	fputs("</td>", f);
}

static void
s_table(FILE *f, const struct report *rep)
{
	static const char *const heads[RI_COUNT] = {"Exchanged, supplier side",
	                                            "Exchanged, consumer side",
	                                            "Offered",
	                                            "Offered, unmatched (reserves)",
	                                            "Needed",
	                                            "Companies offering",
	                                            "Companies needing",
	                                            "Companies exchanging"};
	size_t i;
	int ri;

	fprintf(
	    f,
	    "<section aria-labelledby=\"h-classes\">\n<h2 id=\"h-classes\">By class</h2>\n"
	    "<div class=\"scroll\" role=\"region\" aria-labelledby=\"h-classes\" tabindex=\"0\">"
	    "<table id=\"classes\">\n<caption>Yearly quantities per class in its unit; "
	    "&#8220;fewer than %d companies&#8221; marks a figure that is not published, "
	    "and a figure that would give one away.</caption>\n<thead><tr><th "
	    "scope=\"col\">Class</th><th scope=\"col\">Unit</th>",
	    rep->k);
	for (ri = 0; ri < RI_COUNT; ri++)
		fprintf(f, "<th scope=\"col\">%s</th>", heads[ri]);
	if (rep->has_co2e)
		fputs("<th scope=\"col\">CO&#8322;e avoided, t/yr</th><th scope=\"col\">Factor and "
		      "source</th>",
		      f);
	fputs("</tr></thead>\n<tbody>\n", f);
	for (i = 0; i < rep->nclasses; i++) {
		const struct report_class *c = &rep->classes[i];
		fputs("<tr><th scope=\"row\">", f);
		report_esc(f, c->label);
		fputs(c->top ? " <small>(all)</small>" : "", f);
		fputs("<br><small><code>", f);
		report_esc(f, c->name);
		fputs("</code></small></th><td>", f);
		report_esc(f, c->unit);
		fputs("</td>", f);
		for (ri = 0; ri < RI_COUNT; ri++)
			s_cell(f, rep, c, ri);
		if (rep->has_co2e)
			s_co2e(f, c);
		fputs("</tr>\n", f);
	}
	if (rep->nclasses == 0)
		fprintf(f, "<tr><td colspan=\"%d\">No class has contributors.</td></tr>\n",
		        RI_COUNT + 2 + 2 * rep->has_co2e);
	fputs("</tbody></table></div>\n</section>\n", f);
}

static void
s_pictures(FILE *f, const struct report *rep)
{
	fputs("<section aria-labelledby=\"h-network\">\n<h2 id=\"h-network\">Agreed exchanges"
	      "</h2>\n<figure id=\"network\">\n",
	      f);
	report_svg_network(f, rep);
	fputs("<figcaption>Arrows run from supplier to consumer. A class is written on an arrow "
	      "only when both companies agreed to publish it (<code>symbi accept "
	      "--publish</code>).</figcaption>\n</figure>\n</section>\n"
	      "<section aria-labelledby=\"h-rounds\">\n<h2 id=\"h-rounds\">Rounds</h2>\n"
	      "<figure id=\"rounds\">\n",
	      f);
	report_svg_rounds(f, rep);
	fputs("<figcaption>Members of each matching round, the candidates it found and the "
	      "exchanges both sides agreed to.</figcaption>\n</figure>\n</section>\n",
	      f);
}

static void
s_audit(FILE *f, const struct report *rep)
{
	fprintf(f,
	        "<section aria-labelledby=\"h-audit\">\n<h2 id=\"h-audit\">Audit</h2>\n"
	        "<p>The signed audit log holds <strong id=\"tree-size\" data-value=\"%" PRIu64
	        "\">",
	        rep->tree_size);
	s_num(f, rep->tree_size);
	fputs("</strong> entries. Its latest checkpoint, signed by the coordinator:</p>\n"
	      "<pre id=\"checkpoint\">",
	      f);
	report_esc(f, rep->checkpoint);
	fputs("</pre>\n<p>Anyone can check it: the operator publishes the log with "
	      "<code>symbiod log export</code>, and <code>symbi-audit verify</code> recomputes "
	      "the tree, this checkpoint's signature and every rule.</p>\n</section>\n"
	      "<footer>Made by <code>symbiod report</code>. This page runs no script and loads "
	      "nothing from any other host.</footer>\n</main>\n</body>\n</html>\n",
	      f);
}

void
report_html(FILE *f, const struct report *rep)
{
	s_head(f, rep);
	s_tiles(f, rep);
	s_table(f, rep);
	s_pictures(f, rep);
	s_audit(f, rep);
}
