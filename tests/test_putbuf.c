/* The put-buffer: byte layout, the sticky error, overflow of both kinds of memory, wiping. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "putbuf.h"

/* Every kind of put, in a fixed buffer of exactly the right size. */
static void
test_layout_fixed(void **state)
{
	static const uint8_t want[] = {0xab,                                           /* u8 */
	                               0x01, 0x02, 0x03, 0x04,                         /* u32 */
	                               0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, /* u64 */
	                               'd',  'o',  'm',  0,               /* bytes, with the NUL */
	                               3,    'a',  'b',  'c',             /* string8 */
	                               0,    0,    0,    2,    'x',  'y', /* string32 */
	                               0,                                 /* empty string8 */
	                               0,    0,    0,    0};              /* empty string32 */
	uint8_t mem[sizeof(want)];
	struct putbuf b;
	size_t len = 99;

	(void)state;
	memset(mem, 0xee, sizeof(mem));
	putbuf_init_fixed(&b, mem, sizeof(mem));
	putbuf_u8(&b, 0xab);
	putbuf_u32(&b, UINT32_C(0x01020304));
	putbuf_u64(&b, UINT64_C(0x0102030405060708));
	putbuf_bytes(&b, "dom", 4);
	putbuf_string8(&b, "abc", 3);
	putbuf_string32(&b, "xy", 2);
	putbuf_string8(&b, NULL, 0);
	putbuf_string32(&b, NULL, 0);
	putbuf_bytes(&b, NULL, 0);
	assert_int_equal(putbuf_error(&b), SYM_OK);
	assert_int_equal(putbuf_len(&b), sizeof(want));
	assert_ptr_equal(putbuf_ptr(&b), mem);
	assert_int_equal(putbuf_done(&b, &len), SYM_OK);
	assert_int_equal(len, sizeof(want));
	assert_memory_equal(mem, want, sizeof(want));
	/* A fixed buffer is not handed over. */
	uint8_t *out = (uint8_t *)1;
	assert_int_equal(putbuf_finish(&b, &out, &len), SYM_ERR_INVALID);
	assert_null(out);
}

/* One byte too many: the put fails whole, later puts do nothing, done reports it and wipes. */
static void
test_fixed_overflow(void **state)
{
	uint8_t mem[8];
	struct putbuf b;
	size_t len = 99;

	(void)state;
	putbuf_init_fixed(&b, mem, sizeof(mem));
	putbuf_u32(&b, 0xdeadbeef);
	putbuf_u8(&b, 1);
	putbuf_u32(&b, 0x01020304); /* 9 bytes: does not fit */
	assert_int_equal(putbuf_error(&b), SYM_ERR_NOSPACE);
	assert_int_equal(putbuf_len(&b), 5);
	putbuf_u8(&b, 2); /* would fit, but the error is sticky */
	putbuf_string8(&b, "x", 1);
	assert_int_equal(putbuf_len(&b), 5);
	assert_int_equal(putbuf_error(&b), SYM_ERR_NOSPACE);
	assert_int_equal(putbuf_done(&b, &len), SYM_ERR_NOSPACE);
	assert_int_equal(len, 0);
	/* What was written is zeroed: no partial message is left behind. */
	for (size_t i = 0; i < 5; i++)
		assert_int_equal(mem[i], 0);
	/* A wiped buffer takes no more puts. */
	putbuf_u8(&b, 1);
	assert_int_equal(putbuf_error(&b), SYM_ERR_INVALID);
	assert_int_equal(putbuf_len(&b), 0);
}

/* A fixed buffer filled to the last byte succeeds; a zero-sized one refuses the first byte. */
static void
test_fixed_exact_and_empty(void **state)
{
	uint8_t mem[4];
	struct putbuf b;
	size_t len = 0;

	(void)state;
	putbuf_init_fixed(&b, mem, sizeof(mem));
	putbuf_u32(&b, 7);
	assert_int_equal(putbuf_done(&b, &len), SYM_OK);
	assert_int_equal(len, 4);
	putbuf_init_fixed(&b, NULL, 0);
	assert_int_equal(putbuf_done(&b, &len), SYM_OK);
	assert_int_equal(len, 0);
	putbuf_u8(&b, 0);
	assert_int_equal(putbuf_done(&b, &len), SYM_ERR_NOSPACE);
	putbuf_init_fixed(&b, NULL, 4);
	assert_int_equal(putbuf_error(&b), SYM_ERR_INVALID);
}

/* Length prefixes never truncate: 256 bytes do not go behind a u8 length. */
static void
test_prefix_range(void **state)
{
	uint8_t mem[512], big[256];
	struct putbuf b;
	size_t len = 0;

	(void)state;
	memset(big, 'a', sizeof(big));
	putbuf_init_fixed(&b, mem, sizeof(mem));
	putbuf_string8(&b, big, 255);
	assert_int_equal(putbuf_error(&b), SYM_OK);
	assert_int_equal(mem[0], 255);
	putbuf_string8(&b, big, 256);
	assert_int_equal(putbuf_error(&b), SYM_ERR_RANGE);
	assert_int_equal(putbuf_len(&b), 256);
	assert_int_equal(putbuf_done(&b, &len), SYM_ERR_RANGE);

	/* NULL with a length is a caller's bug, reported the same sticky way. */
	putbuf_init_fixed(&b, mem, sizeof(mem));
	putbuf_bytes(&b, NULL, 1);
	assert_int_equal(putbuf_error(&b), SYM_ERR_INVALID);
	putbuf_u8(&b, 1);
	assert_int_equal(putbuf_len(&b), 0);
#if SIZE_MAX > UINT32_MAX
	putbuf_init_fixed(&b, mem, sizeof(mem));
	putbuf_string32(&b, big, (size_t)UINT32_MAX + 1);
	assert_int_equal(putbuf_error(&b), SYM_ERR_RANGE);
	assert_int_equal(putbuf_len(&b), 0);
#endif
}

/* A heap buffer grows through several reallocations and keeps every byte. */
static void
test_heap_grows(void **state)
{
	struct putbuf b;
	uint8_t *out = NULL;
	size_t len = 0, i;

	(void)state;
	putbuf_init_heap(&b, 100000);
	for (i = 0; i < 10000; i++)
		putbuf_u32(&b, (uint32_t)i);
	assert_int_equal(putbuf_finish(&b, &out, &len), SYM_OK);
	assert_int_equal(len, 40000);
	for (i = 0; i < 10000; i++) {
		const uint8_t *p = out + 4 * i;
		assert_int_equal(((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
		                     ((uint32_t)p[2] << 8) | p[3],
		                 i);
	}
	free(out);
	/* b is empty now and refuses further use until initialised again. */
	putbuf_u8(&b, 1);
	assert_int_equal(putbuf_error(&b), SYM_ERR_INVALID);
	/* Nothing written still hands over a pointer to free. */
	putbuf_init_heap(&b, 16);
	assert_int_equal(putbuf_finish(&b, &out, &len), SYM_OK);
	assert_non_null(out);
	assert_int_equal(len, 0);
	free(out);
}

/* Past max: SYM_ERR_LIMIT, nothing handed over; exactly max is fine. */
static void
test_heap_limit(void **state)
{
	struct putbuf b;
	uint8_t *out = (uint8_t *)1, big[300];
	size_t len = 1;

	(void)state;
	memset(big, 7, sizeof(big));
	putbuf_init_heap(&b, 200);
	putbuf_bytes(&b, big, 199);
	putbuf_u8(&b, 1);
	assert_int_equal(putbuf_error(&b), SYM_OK);
	putbuf_u8(&b, 1);
	assert_int_equal(putbuf_error(&b), SYM_ERR_LIMIT);
	assert_int_equal(putbuf_finish(&b, &out, &len), SYM_ERR_LIMIT);
	assert_null(out);
	assert_int_equal(len, 0);

	/* A put larger than the room left, and an empty limit. */
	putbuf_init_heap(&b, 10);
	putbuf_bytes(&b, big, sizeof(big));
	assert_int_equal(putbuf_error(&b), SYM_ERR_LIMIT);
	assert_int_equal(putbuf_len(&b), 0);
	putbuf_wipe(&b);
	putbuf_init_heap(&b, 0);
	putbuf_u8(&b, 0);
	assert_int_equal(putbuf_finish(&b, &out, &len), SYM_ERR_LIMIT);
	/* A heap buffer is not finished in place. */
	putbuf_init_heap(&b, 10);
	putbuf_u8(&b, 0);
	assert_int_equal(putbuf_done(&b, &len), SYM_ERR_INVALID);
	assert_null(putbuf_ptr(&b));
}

/* A builder's own failure (a hash, say) goes into the same sticky error; the first one stays. */
static void
test_fail(void **state)
{
	struct putbuf b;
	uint8_t *out = NULL;
	size_t len = 0;

	(void)state;
	putbuf_init_heap(&b, 64);
	putbuf_u32(&b, 1);
	putbuf_fail(&b, SYM_ERR_CRYPTO);
	putbuf_fail(&b, SYM_ERR_ALLOC);
	putbuf_u32(&b, 2);
	assert_int_equal(putbuf_len(&b), 4);
	assert_int_equal(putbuf_finish(&b, &out, &len), SYM_ERR_CRYPTO);
	assert_null(out);
	/* A non-negative code is not a failure code: it is recorded as a bug. */
	putbuf_init_heap(&b, 64);
	putbuf_fail(&b, 0);
	assert_int_equal(putbuf_error(&b), SYM_ERR_INTERNAL);
	putbuf_wipe(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_layout_fixed),
	    cmocka_unit_test(test_fixed_overflow),
	    cmocka_unit_test(test_fixed_exact_and_empty),
	    cmocka_unit_test(test_prefix_range),
	    cmocka_unit_test(test_heap_grows),
	    cmocka_unit_test(test_heap_limit),
	    cmocka_unit_test(test_fail),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
