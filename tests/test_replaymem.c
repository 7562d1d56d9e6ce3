/*
 * The in-memory replay memory of read-only requests: a kept id is seen with
 * its exact response until it expires, per member; a second keep of the same
 * id is refused; the byte budget refuses (never evicts) what does not fit,
 * and expiry frees room again.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "err.h"
#include "replaymem.h"

#define KEEP 600000u

static void
test_seen_until_expiry(void **state)
{
	struct replaymem *rm = NULL;
	uint8_t id[16] = {1}, other[16] = {2};
	const uint8_t *resp;
	size_t len;

	(void)state;
	assert_int_equal(replaymem_new(0, KEEP, &rm), SYM_ERR_INVALID);
	assert_int_equal(replaymem_new(1u << 20, KEEP, &rm), SYM_OK);
	assert_int_equal(replaymem_seen(rm, "acme", id, 1000, &resp, &len), 0);
	assert_int_equal(replaymem_keep(rm, "acme", id, 1000, (const uint8_t *)"answer", 6),
	                 SYM_OK);
	assert_int_equal(replaymem_seen(rm, "acme", id, 2000, &resp, &len), 1);
	assert_int_equal(len, 6);
	assert_memory_equal(resp, "answer", 6);
	/* Another member's id, another id: not seen. */
	assert_int_equal(replaymem_seen(rm, "beta", id, 2000, &resp, &len), 0);
	assert_int_equal(replaymem_seen(rm, "acme", other, 2000, &resp, &len), 0);
	/* The same id again is never kept twice. */
	assert_int_equal(replaymem_keep(rm, "acme", id, 3000, (const uint8_t *)"x", 1),
	                 SYM_ERR_EXISTS);
	/* A response-less answer is remembered too. */
	assert_int_equal(replaymem_keep(rm, "beta", id, 3000, NULL, 0), SYM_OK);
	assert_int_equal(replaymem_seen(rm, "beta", id, 3000, &resp, &len), 1);
	assert_null(resp);
	assert_int_equal(len, 0);
	/* Still seen at the last millisecond of its keep, not after. */
	assert_int_equal(replaymem_seen(rm, "acme", id, 1000 + KEEP, &resp, &len), 1);
	assert_int_equal(replaymem_seen(rm, "acme", id, 1001 + KEEP, &resp, &len), 0);
	/* A later keep prunes what expired. */
	assert_int_equal(replaymem_keep(rm, "acme", other, 1001 + KEEP, NULL, 0), SYM_OK);
	assert_int_equal(replaymem_keep(rm, "acme", id, 1001 + KEEP, NULL, 0), SYM_OK);
	replaymem_free(&rm);
	assert_null(rm);
}

static void
test_budget_refuses(void **state)
{
	struct replaymem *rm = NULL;
	static uint8_t big[4000];
	uint8_t id[16] = {0};
	const uint8_t *resp;
	size_t len, i, kept = 0;

	(void)state;
	assert_int_equal(replaymem_new(16384, KEEP, &rm), SYM_OK);
	for (i = 0; i < 10; i++) {
		id[0] = (uint8_t)i;
		if (replaymem_keep(rm, "acme", id, 1000, big, sizeof(big)) == SYM_OK)
			kept++;
		else
			break;
	}
	assert_true(kept >= 2 && kept < 10);
	assert_true(replaymem_bytes(rm) <= 16384);
	/* Refused, never evicted: every id kept before is still seen. */
	assert_int_equal(replaymem_keep(rm, "acme", id, 1000, big, sizeof(big)), SYM_ERR_LIMIT);
	for (i = 0; i < kept; i++) {
		id[0] = (uint8_t)i;
		assert_int_equal(replaymem_seen(rm, "acme", id, 1000, &resp, &len), 1);
	}
	/* Once they expire there is room again. */
	id[0] = 99;
	assert_int_equal(replaymem_keep(rm, "acme", id, 2001 + KEEP, big, sizeof(big)), SYM_OK);
	assert_int_equal(replaymem_bytes(rm) <= 16384, 1);
	replaymem_free(&rm);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_seen_until_expiry),
	    cmocka_unit_test(test_budget_refuses),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
