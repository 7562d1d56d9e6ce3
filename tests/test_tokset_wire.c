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
test_pad(void **state)
{
	uint8_t *out;
	size_t i, target;

	(void)state;
	assert_int_equal(tokset_pad_target(3, 0, 0), 3);
	assert_int_equal(tokset_pad_target(3, 10, 0), 10);
	assert_int_equal(tokset_pad_target(3, 10, 4), 12);
	assert_int_equal(tokset_pad_target(13, 10, 4), 16);
	assert_int_equal(tokset_pad_target(16, 10, 4), 16);
	assert_int_equal(tokset_pad_target(0, 0, 8), 0);

	target = tokset_pad_target(3, 1000, 64);
	assert_non_null(out = malloc(8 * target));
	assert_int_equal(tokset_wire_pad(&s_set[0][0], 3, target, out), SYM_OK);
	assert_true(tokset_wire_valid(out, 8 * target, target));
	for (i = 0; i < 3; i++)
		assert_true(tokset_wire_contains(out, target, s_set[i]));
	/* No padding: the set itself. */
	assert_int_equal(tokset_wire_pad(&s_set[0][0], 3, 3, out), SYM_OK);
	assert_memory_equal(out, s_set, sizeof(s_set));
	assert_int_equal(tokset_wire_pad(&s_set[0][0], 3, 2, out), SYM_ERR_INVALID);
	free(out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_valid),
	    cmocka_unit_test(test_sort_is_wire_order),
	    cmocka_unit_test(test_intersect),
	    cmocka_unit_test(test_pad),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
