/*
 * The operator's dashboard (`symbiod report`, INDICATORS.md): a model of
 * what may be published, built from the store and the latest secure sums
 * (report_model.c), and its three renderings: report.json (report_json.c),
 * index.html (report_html.c) and the network and rounds pictures as SVG
 * (report_svg.c). Figures whose contributors are fewer than k are never put
 * into the model's output: they are suppressed before any writer sees them.
 */
#ifndef SYMBI_REPORT_H
#define SYMBI_REPORT_H

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>

#include "err.h"
#include "parkinfo.h"
#include "store.h"

#define REPORT_K_DEFAULT 3
#define REPORT_K_MIN 2

/* The cells of each class, in the secure sum's names (INDICATORS.md). */
enum report_indicator {
	RI_SUPPLIED = 0,
	RI_RECEIVED,
	RI_OFFERED,
	RI_UNMATCHED,
	RI_NEEDED,
	RI_OFFER_CONTRIBUTORS,
	RI_NEED_CONTRIBUTORS,
	RI_EXCHANGE_CONTRIBUTORS,
	RI_COUNT
};
/* The figures (the first five cells) may be suppressed; the counts never are. */
#define RI_FIGURES RI_OFFER_CONTRIBUTORS
extern const char *const report_indicator_names[RI_COUNT];

/* The count a figure is published by: exchange, offer or need contributors. */
enum report_indicator report_count_of(enum report_indicator figure);

struct report_class {
	char name[STORE_CLASS_MAX]; /* "material" or "material.ash" */
	char label[64];             /* the taxonomy's name for it, "Ash" */
	char unit[16];              /* canonical annual unit */
	int top;                    /* 1: a top level (energy, water, material) */
	int counts_to_top;          /* a second level summed into its top level */
	uint64_t v[RI_COUNT];
	int shown[RI_FIGURES]; /* 0: suppressed (fewer than k, or to protect one that is) */
	/* --factors: kg CO2e per unit and its source; co2e when exchanged_supplied is shown. */
	int has_factor, co2e_shown;
	double factor, co2e_t;
	const char *source; /* owned by report.factors */
};

struct report_round {
	char id[33];
	int64_t opened_ms, members, submitted, candidates, agreed;
};

struct report_node {
	char id[MEMBER_ID_MAX + 1];
	char name[MEMBER_NAME_MAX + 1];
};

/* The agreed exchanges from one company to another. */
#define REPORT_EDGE_CLASSES 4
struct report_edge {
	size_t supplier, consumer; /* indexes into nodes */
	int64_t exchanges;
	/* Distinct classes of those exchanges where both sides published the same one. */
	char cls[REPORT_EDGE_CLASSES][STORE_CLASS_MAX];
	size_t ncls;
};

/* Top-level totals of exchanged_supplied, as the tiles show them. */
enum { RT_MATERIAL = 0, RT_WATER, RT_ENERGY, RT_COUNT };

struct report {
	char park[PARK_NAME_MAX + 1];
	int64_t generated_ms;
	int k;
	int has_round;
	char round[33];
	const char *indicators; /* the round's sums: "done", "collecting", "failed", "none" */
	int64_t exchanges_agreed, companies, companies_with_exchange;
	struct report_class *classes;
	size_t nclasses;
	int total_shown[RT_COUNT];
	uint64_t total[RT_COUNT];
	int consistent;
	int has_co2e; /* a factors file was given */
	double co2e_total_t;
	struct report_round *rounds;
	size_t nrounds;
	struct report_node *nodes;
	size_t nnodes;
	struct report_edge *edges;
	size_t nedges;
	uint64_t tree_size;
	char *checkpoint;
	json_t *factors; /* the parsed factors file (sources point into it) */
};

struct park;

/*
 * Build the report of the park: its newest round with done sums (else its
 * newest round), the round history, the network and the audit state.
 * k >= REPORT_K_MIN. factors may be NULL. diag says what went wrong.
 */
int report_build(struct park *park, int k, json_t *factors, struct report *out,
                 struct sym_diag *diag) __attribute__((warn_unused_result));
void report_clear(struct report *rep);

/*
 * Read a factors file: {"CLASS": {"kg_co2e_per_unit": N, "source": "TEXT",
 * "unit": "t/yr"?}, ...}. SYM_ERR_FORMAT naming the class when a factor has
 * no source, is not a finite number >= 0, or the class is not well formed.
 */
int report_factors_load(const char *path, json_t **out, struct sym_diag *diag)
    __attribute__((warn_unused_result));

/* report.json (INTERFACE.md), a new reference. */
json_t *report_json(const struct report *rep);

/* Write s with &, <, >, " and ' escaped for HTML and XML text and attributes. */
void report_esc(FILE *f, const char *s);

/* The agreed-exchange network, an <svg> element (standalone: with the XML namespace). */
void report_svg_network(FILE *f, const struct report *rep);
/* The rounds' members, candidates and agreed exchanges, an <svg> bar chart. */
void report_svg_rounds(FILE *f, const struct report *rep);

/* index.html: one self-contained page, no script, no request to any host. */
void report_html(FILE *f, const struct report *rep);

#endif
