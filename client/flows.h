/*
 * The flows file (INTERFACE.md "Flows file"): a company's offers and needs.
 * Parsing validates every field against the taxonomy, converts units to the
 * category's canonical units and quantizes values into bins. Errors name the
 * file, the flow id and the field.
 */
#ifndef SYMBI_FLOWS_H
#define SYMBI_FLOWS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "taxonomy.h"

#define FLOWS_FILE_MAX (4u << 20)
#define FLOWS_MAX_ITEMS 1000
#define FLOW_ID_MAX 64
#define FLOW_DETAILS_MAX (16u << 10) /* serialized `details`, sealed for a partner */

enum flow_direction { FLOW_OFFER = 0, FLOW_NEED = 1 };

/* One dimension of an item, in canonical units and in bins. */
struct flow_value {
	uint8_t present;         /* offer: value stated; need: min and/or max stated */
	double value;            /* offer */
	double min, max;         /* need; -inf / +inf when a side is open */
	uint16_t bin_lo, bin_hi; /* offer: both the value's bin; need: inclusive bin range */
};

struct flow_item {
	char id[FLOW_ID_MAX + 1];
	enum flow_direction direction;
	const struct tax_category *category;
	/* Indexed like category->dims: [0] quantity, then attributes. */
	struct flow_value dims[TAX_MAX_DIMS];
	json_t *raw; /* the flow object as its owner wrote it (with id and details) */
	/* REACH.md: the category's reach_km, narrowed by max_distance_km; in metres */
	uint64_t reach_m;
};

struct flows {
	size_t n;
	size_t n_offers, n_needs;
	struct flow_item *items;
	json_t *doc; /* the whole document as parsed: what a submission records */
};

/* Parse a flows document; `name` (usually the file name) prefixes every message. */
int flows_parse(const char *name, const char *buf, size_t len, const struct taxonomy *tax,
                struct flows **out, struct sym_diag *diag) __attribute__((warn_unused_result));
/*
 * The same checks on a document that is already JSON (a round record, a
 * partner's revealed item), without printing and parsing it again. *out
 * keeps a reference to doc.
 */
int flows_from_json(const char *name, json_t *doc, const struct taxonomy *tax, struct flows **out,
                    struct sym_diag *diag) __attribute__((warn_unused_result));
int flows_load_file(const char *path, const struct taxonomy *tax, struct flows **out,
                    struct sym_diag *diag) __attribute__((warn_unused_result));
void flows_free(struct flows **flows);

/*
 * The exact predicate of PROTOCOL.md on canonical values (not bins): used to
 * re-check a revealed counterpart item. Returns 1 when compatible.
 */
int flows_exact_compatible(const struct taxonomy *tax, const struct flow_item *offer,
                           const struct flow_item *need);
/* The same predicate on bins: what the tokens decide. */
int flows_bin_compatible(const struct taxonomy *tax, const struct flow_item *offer,
                         const struct flow_item *need);

#endif
