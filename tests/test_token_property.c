/*
 * The property the product rests on (PROTOCOL.md "Token encoding"): over
 * random (offer, need) pairs drawn across the whole taxonomy, the two token
 * sets share exactly one token when the predicate holds on the bins and none
 * otherwise, and nothing at all under different pair keys; in every mode: the
 * standard one whose wide levels take stride 2, the hardened one, and token
 * encoding 1 (protocol 1.1's blocks, for rounds while a park upgrades).
 *
 * SYMBI_PROPERTY_PAIRS (default 200000) and SYMBI_PROPERTY_SEED override the
 * size and the seed; a failure prints the seed and the pair number.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "encode.h"
#include "synth.h"
#include "tokset.h"

#define PRF_SAMPLE_EVERY 50

static int
s_block_cmp(const void *a, const void *b)
{
	return memcmp(a, b, TOKEN_BLOCK_LEN);
}

static size_t
s_shared_blocks(const struct block_list *offer, struct block_list *need)
{
	size_t i, shared = 0;

	qsort(need->blocks, need->n, sizeof(*need->blocks), s_block_cmp);
	for (i = 0; i < offer->n; i++)
		if (bsearch(&offer->blocks[i], need->blocks, need->n, sizeof(*need->blocks),
		            s_block_cmp) != NULL)
			shared++;
	return shared;
}

static size_t
s_shared_tokens(struct prf_ctx *prf, const uint8_t *ko, const struct block_list *offer,
                const uint8_t *kn, const struct block_list *need)
{
	token_t *a = malloc(offer->n * sizeof(*a)), *b = malloc(need->n * sizeof(*b));
	token_t *s = malloc((offer->n + need->n) * sizeof(*s));
	size_t n;

	assert_non_null(a);
	assert_non_null(b);
	assert_non_null(s);
	assert_int_equal(prf_tokens(prf, ko, offer->blocks, offer->n, a), SYM_OK);
	assert_int_equal(prf_tokens(prf, kn, need->blocks, need->n, b), SYM_OK);
	n = tokset_wire_intersect((const uint8_t *)a, tokset_wire_sort(a, offer->n, s),
	                          (const uint8_t *)b, tokset_wire_sort(b, need->n, s),
	                          (uint8_t *)s);
	free(a);
	free(b);
	free(s);
	return n;
}

/* A random ancestor-or-self of cat that still has the quantity. */
static const struct tax_category *
s_ancestor(const struct taxonomy *tax, struct synth_rng *rng, const struct tax_category *cat)
{
	const struct tax_category *chain[TAX_MAX_DEPTH], *c = cat;
	size_t n = 0;

	for (;;) {
		chain[n++] = c;
		if (c == &tax->cats[c->quantity_root])
			break;
		c = &tax->cats[c->parent];
	}
	return chain[synth_below(rng, n)];
}

static void
test_property(void **state)
{
	struct taxonomy *tax = NULL;
	struct sym_diag diag = {""};
	struct synth_rng rng;
	struct prf_ctx *prf = NULL;

	assert_int_equal(prf_new(&prf), SYM_OK);
	const char *env;
	uint64_t seed = 20261128, pairs = 200000, p;
	uint64_t compatible = 0, ancestor_hits = 0, missing_attr_misses = 0, prf_checked = 0;
	uint64_t strided = 0, strided_compatible = 0;
	uint8_t k_ij[PRF_KEY_LEN], k_ji[PRF_KEY_LEN];

	(void)state;
	assert_non_null(prf);
	if ((env = getenv("SYMBI_PROPERTY_PAIRS")) != NULL)
		pairs = strtoull(env, NULL, 10);
	if ((env = getenv("SYMBI_PROPERTY_SEED")) != NULL)
		seed = strtoull(env, NULL, 10);
	if (taxonomy_load_default(&tax, &diag) != SYM_OK)
		fail_msg("%s", diag.msg);
	synth_seed(&rng, seed);
	randombytes_buf(k_ij, sizeof(k_ij));
	randombytes_buf(k_ji, sizeof(k_ji));
	for (p = 0; p < pairs; p++) {
		struct flow_item offer, need;
		struct block_list ob, nb;
		const struct tax_category *oc = synth_category(tax, &rng), *nc;
		enum encode_mode mode = p % 3 == 0   ? ENCODE_STANDARD
		                        : p % 3 == 1 ? ENCODE_HARDENED
		                                     : ENCODE_V1;
		struct token_level nl[TAX_MAX_DEPTH];
		size_t shared, n_nl;
		int expect;

		synth_item(tax, &rng, FLOW_OFFER, oc, &offer);
		if (synth_below(&rng, 4) == 0) {
			nc = synth_category(tax, &rng); /* mostly unrelated */
			synth_item(tax, &rng, FLOW_NEED, nc, &need);
		} else {
			nc = s_ancestor(tax, &rng, oc);
			if (synth_below(&rng, 2) == 0)
				synth_need_near(tax, &rng, nc, &offer, &need);
			else
				synth_item(tax, &rng, FLOW_NEED, nc, &need);
		}
		expect = flows_bin_compatible(tax, &offer, &need);
		block_list_init(&ob);
		block_list_init(&nb);
		assert_int_equal(encode_item_blocks(tax, &offer, mode, 0, &ob), SYM_OK);
		assert_int_equal(encode_item_blocks(tax, &need, mode, 0, &nb), SYM_OK);
		/* A need has one level: whether it is strided is whether the pair is. */
		assert_int_equal(encode_item_levels(tax, &need, mode, nl, &n_nl), SYM_OK);
		if (token_level_stride(&nl[0]) > 1) {
			strided++;
			strided_compatible += (uint64_t)expect;
		}
		shared = s_shared_blocks(&ob, &nb);
		if (shared != (size_t)expect)
			fail_msg(
			    "seed %llu pair %llu: offer %s, need %s: %zu shared blocks, predicate "
			    "says %d",
			    (unsigned long long)seed, (unsigned long long)p, oc->path, nc->path,
			    shared, expect);
		compatible += (uint64_t)expect;
		ancestor_hits += (uint64_t)(expect && nc != oc);
		if (!expect && taxonomy_is_ancestor(tax, nc, oc)) {
			unsigned d;
			for (d = 1; d < nc->ndims; d++)
				if (need.dims[d].present && !offer.dims[d].present)
					missing_attr_misses++;
		}
		if (p % PRF_SAMPLE_EVERY == 0) {
			/* Through the real PRF: same key as the bins say, other keys never. */
			assert_int_equal(s_shared_tokens(prf, k_ij, &ob, k_ij, &nb),
			                 (size_t)expect);
			assert_int_equal(s_shared_tokens(prf, k_ij, &ob, k_ji, &nb), 0);
			prf_checked++;
		}
		block_list_free(&ob);
		block_list_free(&nb);
	}
	print_message("%llu pairs (seed %llu): %llu compatible, %llu via an ancestor, %llu "
	              "missing-attribute misses, %llu checked through the PRF, %llu at stride 2 "
	              "(%llu compatible)\n",
	              (unsigned long long)pairs, (unsigned long long)seed,
	              (unsigned long long)compatible, (unsigned long long)ancestor_hits,
	              (unsigned long long)missing_attr_misses, (unsigned long long)prf_checked,
	              (unsigned long long)strided, (unsigned long long)strided_compatible);
	/* The draw must exercise both outcomes and the ancestor levels, or it proves little. */
	if (pairs >= 10000) {
		assert_true(compatible > pairs / 10);
		assert_true(pairs - compatible > pairs / 10);
		assert_true(ancestor_hits > pairs / 100);
		assert_true(missing_attr_misses > 0);
		assert_true(strided_compatible > pairs / 2000);
	}
	sodium_memzero(k_ij, sizeof(k_ij));
	sodium_memzero(k_ji, sizeof(k_ji));
	prf_free(&prf);
	taxonomy_free(&tax);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_property),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
