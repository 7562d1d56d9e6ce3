/*
 * CRC-32C: the check value of the catalogue, and every length around the
 * block sizes of the three-stream path against a bit-at-a-time reference
 * written from the polynomial, whole and split at every kind of boundary.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "crc32c.h"

static uint32_t
s_reference(const uint8_t *p, size_t len)
{
	uint32_t c = 0xffffffffu;
	size_t i;
	int k;

	for (i = 0; i < len; i++) {
		c ^= p[i];
		for (k = 0; k < 8; k++)
			c = (c >> 1) ^ (0x82f63b78u & (0u - (c & 1)));
	}
	return ~c;
}

static uint8_t *
s_random(size_t len)
{
	uint8_t *p = malloc(len ? len : 1);
	uint64_t x = 0x9e3779b97f4a7c15ull;
	size_t i;

	assert_non_null(p);
	for (i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		p[i] = (uint8_t)x;
	}
	return p;
}

static void
test_check_value(void **state)
{
	(void)state;
	assert_int_equal(crc32c_update(0, (const uint8_t *)"123456789", 9), 0xe3069283u);
	assert_int_equal(crc32c_update(0, (const uint8_t *)"", 0), 0);
}

static void
test_lengths_against_reference(void **state)
{
	/* Around one, two and several blocks of 3 x 256 and 3 x 8192 bytes. */
	static const size_t base[] = {
	    0,      1,    7,     8,     9,     767,         768,
	    769,    1536, 24575, 24576, 24577, 24576 + 768, 3 * 24576 + 2 * 768 + 13,
	    1 << 20};
	size_t maxlen = (1 << 20) + 64, i, d;
	uint8_t *buf = s_random(maxlen);

	(void)state;
	for (i = 0; i < sizeof(base) / sizeof(base[0]); i++) {
		for (d = 0; d < 9; d++) {
			size_t len = base[i] + d;
			/* Unaligned starts too: the streams load 8 bytes at a time. */
			assert_int_equal(crc32c_update(0, buf + d, len), s_reference(buf + d, len));
		}
	}
	free(buf);
}

static void
test_split_equals_whole(void **state)
{
	static const size_t cuts[] = {1, 5, 768, 4096, 24576, 30000, 100003};
	size_t len = 200000, i;
	uint8_t *buf = s_random(len);
	uint32_t whole = crc32c_update(0, buf, len);

	(void)state;
	for (i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		uint32_t c = crc32c_update(0, buf, cuts[i]);
		assert_int_equal(crc32c_update(c, buf + cuts[i], len - cuts[i]), whole);
	}
	/* One flipped bit anywhere changes it. */
	buf[123457] ^= 0x10;
	assert_int_not_equal(crc32c_update(0, buf, len), whole);
	free(buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_check_value),
	    cmocka_unit_test(test_lengths_against_reference),
	    cmocka_unit_test(test_split_equals_whole),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
