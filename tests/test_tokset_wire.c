/*
 * crypto/tokset.h in wire order: the form in which companies send token
 * sets, the coordinator joins them and the auditor joins them again.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "tokset.h"

static const uint8_t s_set[3][8] = {
    {0x00, 0, 0, 0, 0, 0, 0, 0x01},
    {0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
    {0x80, 0, 0, 0, 0, 0, 0, 0x00},
};

static void
test_valid(void **state)
{
	uint8_t buf[24];

	(void)state;
	memcpy(buf, s_set, sizeof(buf));
	assert_true(tokset_wire_valid(buf, 24, 3));
	assert_true(tokset_wire_valid(buf, 0, 0));
	assert_false(tokset_wire_valid(buf, 24, 2)); /* more than the cap */
	assert_false(tokset_wire_valid(buf, 23, 3)); /* not whole tokens */
	memcpy(buf + 16, s_set[1], 8);               /* a repeat */
	assert_false(tokset_wire_valid(buf, 24, 3));
	memcpy(buf, s_set[2], 8); /* out of order (0x80.. > 0x7f..) */
	memcpy(buf + 16, s_set[0], 8);
	assert_false(tokset_wire_valid(buf, 24, 3));
}

/* Wire order is byte order: 0x80.. sorts after 0x7f.., whatever the host's endianness. */
static void
test_sort_is_wire_order(void **state)
{
	token_t t[4], scratch[4];
	size_t n;

	(void)state;
	memcpy(&t[0], s_set[2], 8);
	memcpy(&t[1], s_set[0], 8);
	memcpy(&t[2], s_set[1], 8);
	memcpy(&t[3], s_set[2], 8);
	n = tokset_wire_sort(t, 4, scratch);
	assert_int_equal(n, 3);
	assert_memory_equal(t, s_set, sizeof(s_set));
	assert_true(tokset_wire_contains((const uint8_t *)t, n, s_set[1]));
	assert_false(tokset_wire_contains((const uint8_t *)t, n,
	                                  (const uint8_t *)"\x7f\xff\xff\xff\xff\xff\xff\xfe"));
}

static void
test_intersect(void **state)
{
	static const uint8_t b[2][8] = {{0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
	                                {0x90, 0, 0, 0, 0, 0, 0, 0}};
	uint8_t out[16];

	(void)state;
	assert_int_equal(tokset_wire_intersect(&s_set[0][0], 3, &b[0][0], 2, out), 1);
	assert_memory_equal(out, b[0], 8);
	assert_int_equal(tokset_wire_intersect(&s_set[0][0], 3, &b[0][0], 0, out), 0);
}

static void
test_size_class(void **state)
{
	(void)state;
	assert_int_equal(tokset_size_class(0, 0, 0), 1);
	assert_int_equal(tokset_size_class(3, 0, 0), 4);
	assert_int_equal(tokset_size_class(3, 10, 0), 16);
	assert_int_equal(tokset_size_class(2048, 2048, 0), 2048);
	assert_int_equal(tokset_size_class(2049, 2048, 0), 4096);
	assert_int_equal(tokset_size_class(100, 500, 0), 512);
	/* A fixed size is the class, whatever the set holds. */
	assert_int_equal(tokset_size_class(3, 2048, 1000), 1000);
	assert_int_equal(tokset_size_class(5000, 2048, 1000), 1000);

	assert_true(tokset_size_allowed(2048, 2048, 16384, 0));
	assert_true(tokset_size_allowed(16384, 2048, 16384, 0));
	assert_true(tokset_size_allowed(512, 500, 16384, 0));
	assert_false(tokset_size_allowed(256, 500, 16384, 0));   /* below the floor */
	assert_false(tokset_size_allowed(2049, 2048, 16384, 0)); /* not a class */
	assert_false(tokset_size_allowed(3000, 2048, 16384, 0));
	assert_false(tokset_size_allowed(32768, 2048, 16384, 0)); /* above the maximum */
	assert_false(tokset_size_allowed(0, 0, 16384, 0));
	assert_true(tokset_size_allowed(1000, 2048, 1000, 1000));
	assert_false(tokset_size_allowed(1024, 2048, 1000, 1000));
	assert_true(tokset_size_allowed(3000, 512, 0, 0)); /* a version 1 round */
}

static void
test_pad(void **state)
{
	uint8_t key[TOKSET_PAD_KEY_LEN], other[TOKSET_PAD_KEY_LEN], *out, *again;
	size_t i, target = 1024;

	(void)state;
	memset(key, 0x11, sizeof(key));
	memset(other, 0x22, sizeof(other));
	assert_non_null(out = malloc(8 * target));
	assert_non_null(again = malloc(8 * target));
	assert_int_equal(tokset_wire_pad(&s_set[0][0], 3, target, key, TOKSET_PAD_OFFERS, out),
	                 SYM_OK);
	assert_true(tokset_wire_valid(out, 8 * target, target));
	for (i = 0; i < 3; i++)
		assert_true(tokset_wire_contains(out, target, s_set[i]));
	/* Deterministic: the same set, key and size give the same bytes. */
	assert_int_equal(tokset_wire_pad(&s_set[0][0], 3, target, key, TOKSET_PAD_OFFERS, again),
	                 SYM_OK);
	assert_memory_equal(out, again, 8 * target);
	/* Another key or the other domain: other padding. */
	assert_int_equal(tokset_wire_pad(&s_set[0][0], 3, target, other, TOKSET_PAD_OFFERS, again),
	                 SYM_OK);
	assert_memory_not_equal(out, again, 8 * target);
	assert_int_equal(tokset_wire_pad(&s_set[0][0], 3, target, key, TOKSET_PAD_NEEDS, again),
	                 SYM_OK);
	assert_memory_not_equal(out, again, 8 * target);
	/* A changed set keeps the padding it shares: only the difference shows. */
	assert_int_equal(tokset_wire_pad(&s_set[0][0], 2, target, key, TOKSET_PAD_OFFERS, again),
	                 SYM_OK);
	for (i = 0, target = 0; i < 1024; i++)
		target += tokset_wire_contains(out, 1024, again + 8 * i);
	assert_int_equal(target, 1023);
	target = 1024;
	/* No padding: the set itself. */
	assert_int_equal(tokset_wire_pad(&s_set[0][0], 3, 3, key, TOKSET_PAD_OFFERS, out), SYM_OK);
	assert_memory_equal(out, s_set, sizeof(s_set));
	assert_int_equal(tokset_wire_pad(&s_set[0][0], 3, 2, key, TOKSET_PAD_OFFERS, out),
	                 SYM_ERR_INVALID);
	free(out);
	free(again);
}

/* A stream token equal to a real token is skipped: the set keeps its size, once each. */
static void
test_pad_skips_real(void **state)
{
	uint8_t key[TOKSET_PAD_KEY_LEN], first[8], out[16], again[16];

	(void)state;
	memset(key, 0x33, sizeof(key));
	/* The stream's first token, as the padding of an empty set of one. */
	assert_int_equal(tokset_wire_pad(NULL, 0, 1, key, TOKSET_PAD_NEEDS, first), SYM_OK);
	assert_int_equal(tokset_wire_pad(first, 1, 2, key, TOKSET_PAD_NEEDS, out), SYM_OK);
	assert_true(tokset_wire_valid(out, 16, 2));
	assert_true(tokset_wire_contains(out, 2, first));
	assert_int_equal(tokset_wire_pad(first, 1, 2, key, TOKSET_PAD_NEEDS, again), SYM_OK);
	assert_memory_equal(out, again, 16);
}

static int
s_cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* n distinct random tokens in wire order; shape 1 puts them all high, 2 all low. */
static uint8_t *
s_wire_set(size_t n, int shape, const uint64_t *shared, size_t nshared)
{
	uint64_t *v = malloc((n + 1) * sizeof(*v));
	uint8_t *w = malloc(8 * n + 8);
	size_t i, k, m;

	assert_non_null(v);
	assert_non_null(w);
	do {
		randombytes_buf(v, n * sizeof(*v));
		for (i = 0; i < n; i++) {
			if (shape == 1)
				v[i] |= 0xff00000000000000ULL;
			else if (shape == 2)
				v[i] &= 0x00ffffffffffffffULL;
		}
		for (i = 0; i < nshared && i < n; i++)
			v[i] = shared[i];
		if (n > 0)
			qsort(v, n, sizeof(*v), s_cmp_u64);
		for (m = 0, i = 0; i < n; i++)
			m += i == 0 || v[i] != v[i - 1];
	} while (m != n); /* a repeat among random 64-bit values: draw again */
	for (i = 0; i < n; i++)
		for (k = 0; k < 8; k++)
			w[8 * i + k] = (uint8_t)(v[i] >> (56 - 8 * k));
	free(v);
	return w;
}

/*
 * The join against a lookup of every token of a in b, for sizes on both
 * sides of the galloping ratio, in both orders, with the shared tokens
 * anywhere, and with one set wholly above or below the other.
 */
static void
test_intersect_any_sizes(void **state)
{
	static const size_t sizes[][2] = {{0, 0},        {1, 0},       {1, 1},      {256, 2048},
	                                  {2048, 256},   {31, 1000},   {33, 1000},  {1000, 33},
	                                  {256, 8192},   {8192, 256},  {1, 131072}, {256, 131072},
	                                  {131072, 256}, {4096, 4096}, {5000, 4999}};
	uint64_t shared[64];
	size_t c, i, shape;

	(void)state;
	for (shape = 0; shape < 3; shape++) {
		for (c = 0; c < sizeof(sizes) / sizeof(sizes[0]); c++) {
			size_t na = sizes[c][0], nb = sizes[c][1], ns, nh, nw = 0;
			size_t room = na < nb ? na : nb;
			uint8_t *a, *b, *out, *want;

			randombytes_buf(shared, sizeof(shared));
			ns = room < 64 ? room / 2 : 37;
			/* Shape 1: b's own tokens sit above all of a's (gallops run off the end).
			 */
			a = s_wire_set(na, shape == 1 ? 2 : 0, shared, ns);
			b = s_wire_set(nb, shape == 1 ? 1 : (shape == 2 ? 2 : 0), shared, ns);
			assert_non_null(out = malloc(8 * room + 8));
			assert_non_null(want = malloc(8 * room + 8));
			for (i = 0; i < na; i++)
				if (tokset_wire_contains(b, nb, a + 8 * i))
					memcpy(want + 8 * nw++, a + 8 * i, 8);
			nh = tokset_wire_intersect(a, na, b, nb, out);
			assert_int_equal(nh, nw);
			assert_true(nw >= ns);
			assert_memory_equal(out, want, 8 * nw);
			assert_int_equal(tokset_wire_intersect(b, nb, a, na, out), nw);
			assert_memory_equal(out, want, 8 * nw);
			free(a);
			free(b);
			free(out);
			free(want);
		}
	}
}

/*
 * The sort against qsort: uniform tokens (its fast path), and inputs that are
 * not uniform (one top-bits bucket, repeats, sorted, reversed, few values),
 * which must still come out sorted. Sizes around its thresholds.
 */
static void
test_sort_any_input(void **state)
{
	static const size_t sizes[] = {0, 1, 2, 63, 64, 65, 129, 4095, 4096, 8193, 70000};
	size_t s, i, shape, n;
	token_t *a, *b, *scratch;

	(void)state;
	assert_non_null(a = malloc(70000 * sizeof(*a)));
	assert_non_null(b = malloc(70000 * sizeof(*b)));
	assert_non_null(scratch = malloc(70000 * sizeof(*scratch)));
	for (shape = 0; shape < 6; shape++) {
		for (s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
			n = sizes[s];
			randombytes_buf(a, n * sizeof(*a));
			for (i = 0; i < n; i++) {
				if (shape == 1) /* one bucket of the top-bits pass */
					a[i] &= 0x0000ffffffffffffULL;
				else if (shape == 2) /* many repeats */
					a[i] %= 7;
				else if (shape == 3) /* sorted */
					a[i] = i * 0x9e3779b97f4aULL;
				else if (shape == 4) /* reversed */
					a[i] = (n - i) << 40;
				else if (shape == 5) /* two clusters at the ends */
					a[i] = (i & 1) ? UINT64_MAX - (a[i] & 0xffff)
					               : (a[i] & 0xffff);
			}
			memcpy(b, a, n * sizeof(*a));
			tokset_sort(a, n, scratch);
			if (n > 0)
				qsort(b, n, sizeof(*b), s_cmp_u64);
			assert_memory_equal(a, b, n * sizeof(*a));
		}
	}
	free(a);
	free(b);
	free(scratch);
}

/*
 * Padding as section 3.2 states it, written the plain way: the stream's
 * tokens in order, each taken unless it is real or taken already, then the
 * union sorted. The fast path and the exact one must give these bytes.
 */
static void
s_pad_reference(const uint8_t *set, size_t n, size_t target, const uint8_t *key,
                enum tokset_pad_domain domain, uint8_t *out)
{
	uint8_t nonce[crypto_stream_chacha20_NONCEBYTES] = {0}, *stream;
	size_t taken = n, pos = 0, cap = 8 * (target + 64), i;
	uint64_t *all = malloc((target + 1) * sizeof(*all));

	nonce[0] = (uint8_t)domain;
	assert_non_null(all);
	assert_non_null(stream = malloc(cap));
	crypto_stream_chacha20(stream, cap, nonce, key);
	for (i = 0; i < n; i++)
		all[i] = ((uint64_t)set[8 * i] << 56) | ((uint64_t)set[8 * i + 1] << 48) |
		         ((uint64_t)set[8 * i + 2] << 40) | ((uint64_t)set[8 * i + 3] << 32) |
		         ((uint64_t)set[8 * i + 4] << 24) | ((uint64_t)set[8 * i + 5] << 16) |
		         ((uint64_t)set[8 * i + 6] << 8) | set[8 * i + 7];
	while (taken < target) {
		uint64_t v = 0;
		int dup = 0;
		assert_true(pos + 8 <= cap);
		for (i = 0; i < 8; i++)
			v = (v << 8) | stream[pos + i];
		pos += 8;
		for (i = 0; i < taken && !dup; i++)
			dup = all[i] == v;
		if (!dup)
			all[taken++] = v;
	}
	qsort(all, target, sizeof(*all), s_cmp_u64);
	for (i = 0; i < target; i++) {
		size_t k;
		for (k = 0; k < 8; k++)
			out[8 * i + k] = (uint8_t)(all[i] >> (56 - 8 * k));
	}
	free(stream);
	free(all);
}

static void
test_pad_reference(void **state)
{
	static const size_t targets[] = {1, 2, 64, 256, 1000};
	uint8_t key[TOKSET_PAD_KEY_LEN], *set, *out, *want;
	size_t t, n;
	token_t *tok, *scratch;

	(void)state;
	assert_non_null(set = malloc(8 * 1000));
	assert_non_null(out = malloc(8 * 1000));
	assert_non_null(want = malloc(8 * 1000));
	assert_non_null(tok = malloc(1000 * sizeof(*tok)));
	assert_non_null(scratch = malloc(1000 * sizeof(*scratch)));
	for (t = 0; t < sizeof(targets) / sizeof(targets[0]); t++) {
		for (n = 0; n <= targets[t]; n += 1 + targets[t] / 5) {
			randombytes_buf(key, sizeof(key));
			randombytes_buf(tok, n * sizeof(*tok));
			/* Real tokens taken from the stream itself: the exact path's case. */
			if (n >= 2)
				s_pad_reference(NULL, 0, 2, key, TOKSET_PAD_OFFERS, (uint8_t *)tok);
			n = tokset_wire_sort(tok, n, scratch);
			memcpy(set, tok, 8 * n);
			assert_int_equal(
			    tokset_wire_pad(set, n, targets[t], key, TOKSET_PAD_OFFERS, out),
			    SYM_OK);
			s_pad_reference(set, n, targets[t], key, TOKSET_PAD_OFFERS, want);
			assert_memory_equal(out, want, 8 * targets[t]);
			assert_true(tokset_wire_valid(out, 8 * targets[t], targets[t]));
		}
	}
	free(set);
	free(out);
	free(want);
	free(tok);
	free(scratch);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_valid),          cmocka_unit_test(test_sort_is_wire_order),
	    cmocka_unit_test(test_intersect),      cmocka_unit_test(test_intersect_any_sizes),
	    cmocka_unit_test(test_size_class),     cmocka_unit_test(test_pad),
	    cmocka_unit_test(test_pad_skips_real), cmocka_unit_test(test_sort_any_input),
	    cmocka_unit_test(test_pad_reference),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
