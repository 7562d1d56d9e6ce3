/*
 * The taxonomy: shipped data that names every category a flow can have, its
 * canonical quantity unit and its numeric attributes, and says how each value
 * is quantized into bins for the token encoder. Both sides of a round must use
 * the same taxonomy; its hash is part of every round announcement.
 *
 * File format (JSON, see data/README.md):
 *   { "format": "symbiod-taxonomy/1", "name": ..., "version": ...,
 *     "categories": [ { "id", "path", "name", ["ewc"], ["hazardous"],
 *                       ["quantity": dim], ["attributes": [dim...]],
 *                       ["reach_km": km | "unlimited"] } ] }
 *   dim = { ["name"], "unit", "scale": "linear"|"log", "min", "max", "bits" }
 */
#ifndef SYMBI_TAXONOMY_H
#define SYMBI_TAXONOMY_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "site.h"

#define TAX_MAX_DIMS 8 /* quantity + up to 7 attributes; equals TOKEN_MAX_DIMS */
#define TAX_MAX_DEPTH 6
#define TAX_PATH_MAX 128
#define TAX_NAME_MAX 32
#define TAX_UNIT_MAX 16
#define TAX_MAX_CATEGORIES 16384
#define TAX_FILE_MAX (8u << 20)
#define TAX_HASH_LEN 32

enum tax_scale { TAX_SCALE_LINEAR = 0, TAX_SCALE_LOG = 1 };

struct tax_dim {
	char name[TAX_NAME_MAX]; /* "quantity" for dimension 0 */
	char unit[TAX_UNIT_MAX]; /* canonical unit, e.g. "t/yr", "C" */
	enum tax_scale scale;
	double min, max;
	uint8_t bits;
};

struct tax_category {
	uint16_t id;
	char path[TAX_PATH_MAX];
	char *label;
	int parent;        /* index into taxonomy.cats, -1 for a root */
	uint8_t depth;     /* root = 0 */
	int quantity_root; /* index of the category declaring the quantity; -1: abstract */
	uint8_t ndims;     /* effective dimensions: [0] quantity, then attributes root first */
	uint8_t own_from;  /* dims[own_from..ndims) are declared by this category */
	struct tax_dim dims[TAX_MAX_DIMS];
	uint64_t reach_m; /* REACH.md: own reach_km or the parent's; SITE_REACH_UNLIMITED */
};

struct taxonomy {
	char name[64];
	char version[32];
	size_t n;
	struct tax_category *cats;
	uint8_t hash[TAX_HASH_LEN]; /* SHA-256 of the canonical form of what matching uses */
	char hash_hex[2 * TAX_HASH_LEN + 1];
};

/* Parse and validate a taxonomy; `name` is used in diagnostics. */
int taxonomy_parse(const char *name, const char *buf, size_t len, struct taxonomy **out,
                   struct sym_diag *diag) __attribute__((warn_unused_result));
int taxonomy_load_file(const char *path, struct taxonomy **out, struct sym_diag *diag)
    __attribute__((warn_unused_result));
/* The shipped default (util_data_path("taxonomy.json")). */
int taxonomy_load_default(struct taxonomy **out, struct sym_diag *diag)
    __attribute__((warn_unused_result));
void taxonomy_free(struct taxonomy **tax);

const struct tax_category *taxonomy_find(const struct taxonomy *tax, const char *path);
const struct tax_category *taxonomy_by_id(const struct taxonomy *tax, uint16_t id);
/* Index into cat->dims of the named attribute (>= 1), or -1. */
int taxonomy_dim_index(const struct tax_category *cat, const char *name);
/* True when anc is cat itself or one of its ancestors. */
int taxonomy_is_ancestor(const struct taxonomy *tax, const struct tax_category *anc,
                         const struct tax_category *cat);

/* The bin of a value within [min, max]; SYM_ERR_RANGE outside it. */
int tax_quantize(const struct tax_dim *dim, double v, uint16_t *bin)
    __attribute__((warn_unused_result));
/*
 * The bin of a need's bound. A lower bound below the range, or an upper bound
 * above it, constrains nothing and gives the edge bin; a bound that no value
 * in the range can satisfy is SYM_ERR_RANGE.
 */
int tax_quantize_bound(const struct tax_dim *dim, double v, int is_upper, uint16_t *bin)
    __attribute__((warn_unused_result));
/*
 * The largest reach of any category a flow can use (one with a quantity), in
 * metres (SITE_REACH_UNLIMITED when one is unlimited; 0 in a taxonomy with no
 * such category): what a round announces, capped by its policy.
 */
uint64_t taxonomy_max_reach_m(const struct taxonomy *tax);

/* Width of bin k in canonical units (for resolution checks and near misses). */
double tax_bin_width(const struct tax_dim *dim, uint16_t bin);

#endif
