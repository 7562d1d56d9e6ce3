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

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_valid),     cmocka_unit_test(test_sort_is_wire_order),
	    cmocka_unit_test(test_intersect), cmocka_unit_test(test_size_class),
	    cmocka_unit_test(test_pad),       cmocka_unit_test(test_pad_skips_real),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
