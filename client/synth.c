#include "synth.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

void
synth_seed(struct synth_rng *rng, uint64_t seed)
{
	rng->state = seed;
}

/* splitmix64: tiny, fast and good enough for test data (never for keys). */
uint64_t
synth_next(struct synth_rng *rng)
{
	uint64_t z = (rng->state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

uint64_t
synth_below(struct synth_rng *rng, uint64_t n)
{
	return synth_next(rng) % n;
}

const struct tax_category *
synth_category(const struct taxonomy *tax, struct synth_rng *rng)
{
	for (;;) {
		const struct tax_category *c = &tax->cats[synth_below(rng, tax->n)];
		if (c->quantity_root >= 0)
			return c;
	}
}

static uint16_t
s_bin(struct synth_rng *rng, uint8_t bits)
{
	uint32_t top = (1u << bits) - 1;

	switch (synth_below(rng, 10)) {
	case 0: return 0;
	case 1: return (uint16_t)top;
	default: return (uint16_t)synth_below(rng, top + 1u);
	}
}

static double
s_centre(const struct tax_dim *dim, uint16_t bin)
{
	double t = (bin + 0.5) / (double)(1u << dim->bits);

	if (dim->scale == TAX_SCALE_LOG)
		return dim->min * pow(dim->max / dim->min, t);
	return dim->min + t * (dim->max - dim->min);
}

static void
s_set_range(const struct tax_dim *dim, struct flow_value *v, uint16_t lo, uint16_t hi)
{
	v->present = 1;
	v->bin_lo = lo;
	v->bin_hi = hi;
	v->min = lo == 0 ? -INFINITY : s_centre(dim, lo) - tax_bin_width(dim, lo) / 2;
	v->max =
	    hi == (1u << dim->bits) - 1 ? INFINITY : s_centre(dim, hi) + tax_bin_width(dim, hi) / 2;
}

static void
s_need_quantity(const struct tax_dim *dim, struct flow_value *v, uint16_t lo)
{
	s_set_range(dim, v, lo, (uint16_t)((1u << dim->bits) - 1));
}

void
synth_item(const struct taxonomy *tax, struct synth_rng *rng, enum flow_direction dir,
           const struct tax_category *cat, struct flow_item *out)
{
	unsigned d;

	(void)tax;
	memset(out, 0, sizeof(*out));
	snprintf(out->id, sizeof(out->id), "%s-%u", dir == FLOW_OFFER ? "o" : "n",
	         (unsigned)synth_below(rng, 1000000));
	out->direction = dir;
	out->category = cat;
	for (d = 0; d < cat->ndims; d++) {
		const struct tax_dim *dim = &cat->dims[d];
		struct flow_value *v = &out->dims[d];
		uint16_t a = s_bin(rng, dim->bits), b = s_bin(rng, dim->bits);
		uint16_t top = (uint16_t)((1u << dim->bits) - 1);

		if (dir == FLOW_OFFER) {
			/* Quantity is always stated; an attribute is left out 1 time in 5. */
			if (d > 0 && synth_below(rng, 5) == 0)
				continue;
			v->present = 1;
			v->bin_lo = v->bin_hi = a;
			v->value = v->min = v->max = s_centre(dim, a);
			continue;
		}
		if (d == 0) {
			if (synth_below(rng, 4) != 0)
				s_need_quantity(dim, v, a);
			continue;
		}
		switch (synth_below(rng, 6)) {
		case 0: break;                              /* unconstrained */
		case 1: s_set_range(dim, v, 0, top); break; /* constrained, full range */
		case 2: s_set_range(dim, v, a, top); break; /* min only */
		case 3: s_set_range(dim, v, 0, a); break;   /* max only */
		case 4: s_set_range(dim, v, a, a); break;   /* a single bin */
		default: s_set_range(dim, v, a < b ? a : b, a < b ? b : a); break;
		}
	}
}

void
synth_need_near(const struct taxonomy *tax, struct synth_rng *rng, const struct tax_category *cat,
                const struct flow_item *offer, struct flow_item *out)
{
	unsigned d;

	synth_item(tax, rng, FLOW_NEED, cat, out);
	for (d = 0; d < cat->ndims; d++) {
		const struct tax_dim *dim = &cat->dims[d];
		struct flow_value *v = &out->dims[d];
		uint16_t bin = offer->dims[d].bin_lo, top = (uint16_t)((1u << dim->bits) - 1);
		uint16_t lo, hi;

		if (!v->present || !offer->dims[d].present)
			continue;
		lo = (uint16_t)(bin - synth_below(rng, (uint64_t)bin + 1));
		hi = (uint16_t)(bin + synth_below(rng, (uint64_t)(top - bin) + 1));
		if (synth_below(rng, 8) == 0) {
			/* Miss by one bin on one side, when there is room. */
			if (bin < top && synth_below(rng, 2) == 0)
				lo = hi = (uint16_t)(bin + 1);
			else if (bin > 0)
				lo = hi = (uint16_t)(bin - 1);
		}
		if (d == 0)
			s_need_quantity(dim, v, lo);
		else
			s_set_range(dim, v, lo, hi);
	}
}
