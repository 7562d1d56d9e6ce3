/* The taxonomy loader (taxonomy_parse), then lookups and quantization on what it accepted. */
#include <math.h>
#include <stdlib.h>

#include "fuzz_common.h"
#include "taxonomy.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sym_diag diag = {""};
	struct taxonomy *tax = NULL;
	size_t i;
	uint8_t d;

	fuzz_sodium_init();
	if (taxonomy_parse("fuzz.json", (const char *)data, size, &tax, &diag) != SYM_OK)
		return 0;
	for (i = 0; i < tax->n && i < 64; i++) {
		const struct tax_category *c = &tax->cats[i];
		if (taxonomy_find(tax, c->path) != c || taxonomy_by_id(tax, c->id) != c)
			abort();
		for (d = 0; d < c->ndims; d++) {
			uint16_t bin;
			const struct tax_dim *dim = &c->dims[d];
			(void)!tax_quantize(dim, dim->min, &bin);
			(void)!tax_quantize(dim, dim->max, &bin);
			(void)!tax_quantize(dim, (dim->min + dim->max) / 2, &bin);
			(void)!tax_quantize_bound(dim, dim->min - 1, 0, &bin);
			(void)!tax_quantize_bound(dim, dim->max + 1, 1, &bin);
			(void)tax_bin_width(dim, 0);
			if (dim->name[0] != '\0' && d > 0 && taxonomy_dim_index(c, dim->name) < 1)
				abort();
		}
	}
	taxonomy_free(&tax);
	return 0;
}
