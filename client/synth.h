/*
 * Synthetic flows drawn from the taxonomy, for the property test and the
 * benchmarks. Deterministic for a seed so that a failure can be replayed.
 */
#ifndef SYMBI_SYNTH_H
#define SYMBI_SYNTH_H

#include <stdint.h>

#include "flows.h"
#include "taxonomy.h"

struct synth_rng {
	uint64_t state;
};

void synth_seed(struct synth_rng *rng, uint64_t seed);
uint64_t synth_next(struct synth_rng *rng);
/* Uniform in [0, n), n > 0. */
uint64_t synth_below(struct synth_rng *rng, uint64_t n);

/* A uniformly drawn category that has a quantity (usable in flows). */
const struct tax_category *synth_category(const struct taxonomy *tax, struct synth_rng *rng);

/*
 * A random item of `cat`: bins drawn with extra weight on the edge bins,
 * canonical values at bin centres so that the exact and binned predicates
 * agree. Needs get open, closed, single-bin and full ranges and unconstrained
 * dimensions; offers sometimes leave attributes out. raw is NULL.
 */
void synth_item(const struct taxonomy *tax, struct synth_rng *rng, enum flow_direction dir,
                const struct tax_category *cat, struct flow_item *out);

/*
 * A need at `cat` (an ancestor-or-self of offer's category) built to contain
 * the offer's bins in each constrained dimension, then perturbed with
 * probability 1/2 so that it sometimes misses by one bin.
 */
void synth_need_near(const struct taxonomy *tax, struct synth_rng *rng,
                     const struct tax_category *cat, const struct flow_item *offer,
                     struct flow_item *out);

#endif
