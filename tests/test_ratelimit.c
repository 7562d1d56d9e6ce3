/* The per-member token buckets: burst, refusal, refill, independence, a bounded table. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "err.h"
#include "ratelimit.h"

#define RATE 20
#define BURST 200

static int
s_take(struct ratelimit *rl, const char *id, uint64_t now, uint64_t *retry)
{
	return ratelimit_take(rl, id, now, retry);
}

static void
test_bad_arguments(void **state)
{
	struct ratelimit *rl;
	char long_id[80];
	uint64_t retry = 99;

	(void)state;
	assert_int_equal(ratelimit_new(0, RATE, BURST, &rl), SYM_ERR_RANGE);
	assert_null(rl);
	assert_int_equal(ratelimit_new(8, 0, BURST, &rl), SYM_ERR_RANGE);
	assert_int_equal(ratelimit_new(8, RATE, 0, &rl), SYM_ERR_RANGE);
	assert_int_equal(ratelimit_new(8, 2000000, BURST, &rl), SYM_ERR_RANGE);
	assert_int_equal(ratelimit_new(8, RATE, BURST, &rl), SYM_OK);
	memset(long_id, 'a', sizeof(long_id) - 1);
	long_id[sizeof(long_id) - 1] = '\0';
	assert_int_equal(s_take(rl, long_id, 0, &retry), -1);
	assert_int_equal(retry, 0);
	assert_int_equal(s_take(NULL, "a", 0, &retry), -1);
	assert_int_equal(ratelimit_count(rl), 0);
	ratelimit_free(&rl);
	assert_null(rl);
	ratelimit_free(&rl);
	ratelimit_free(NULL);
}

static void
test_burst_then_refused(void **state)
{
	struct ratelimit *rl = NULL;
	uint64_t retry = 0, now = 1000000;
	int i;

	(void)state;
	assert_int_equal(ratelimit_new(8, RATE, BURST, &rl), SYM_OK);
	for (i = 0; i < BURST; i++)
		assert_int_equal(s_take(rl, "acme", now, &retry), 0);
	assert_int_equal(s_take(rl, "acme", now, &retry), -1);
	/* One token every 1000/RATE ms. */
	assert_int_equal(retry, 1000 / RATE);
	/* Refusals take nothing: still refused, same wait. */
	assert_int_equal(s_take(rl, "acme", now, &retry), -1);
	assert_int_equal(retry, 1000 / RATE);
	/* NULL retry pointer is fine. */
	assert_int_equal(ratelimit_take(rl, "acme", now, NULL), -1);
	ratelimit_free(&rl);
}

static void
test_refill(void **state)
{
	struct ratelimit *rl = NULL;
	uint64_t retry = 0, now = 5000;
	int i, n;

	(void)state;
	assert_int_equal(ratelimit_new(8, RATE, BURST, &rl), SYM_OK);
	for (i = 0; i < BURST; i++)
		assert_int_equal(s_take(rl, "acme", now, &retry), 0);
	assert_int_equal(s_take(rl, "acme", now, &retry), -1);
	/* Part of a token: still refused, and the wait shrinks. */
	assert_int_equal(s_take(rl, "acme", now + 30, &retry), -1);
	assert_int_equal(retry, 1000 / RATE - 30);
	/* After the advertised wait: exactly one more. */
	assert_int_equal(s_take(rl, "acme", now + 50, &retry), 0);
	assert_int_equal(s_take(rl, "acme", now + 50, &retry), -1);
	/* One second later: RATE more, not one beyond. */
	now += 1050;
	for (n = 0; s_take(rl, "acme", now, &retry) == 0; n++)
		;
	assert_int_equal(n, RATE);
	/* Sustained: one request per 1000/RATE ms is always allowed. */
	for (i = 0; i < 1000; i++) {
		now += 1000 / RATE;
		assert_int_equal(s_take(rl, "acme", now, &retry), 0);
	}
	/* A long idle time refills to the burst, never beyond. */
	now += 3600ull * 1000 * 24 * 365;
	for (n = 0; s_take(rl, "acme", now, &retry) == 0; n++)
		;
	assert_int_equal(n, BURST);
	/* A clock going backwards refills nothing. */
	assert_int_equal(s_take(rl, "acme", now - 100000, &retry), -1);
	ratelimit_free(&rl);
}

static void
test_members_independent(void **state)
{
	struct ratelimit *rl = NULL;
	uint64_t retry = 0;
	char id[16];
	int i, k;

	(void)state;
	assert_int_equal(ratelimit_new(64, RATE, BURST, &rl), SYM_OK);
	for (i = 0; i < BURST; i++)
		assert_int_equal(s_take(rl, "noisy", 0, &retry), 0);
	assert_int_equal(s_take(rl, "noisy", 0, &retry), -1);
	/* Others are served in full while the noisy one is refused. */
	for (k = 0; k < 50; k++) {
		snprintf(id, sizeof(id), "c%05d", k);
		for (i = 0; i < BURST; i++)
			assert_int_equal(s_take(rl, id, 0, &retry), 0);
		assert_int_equal(s_take(rl, id, 0, &retry), -1);
	}
	assert_int_equal(s_take(rl, "noisy", 0, &retry), -1);
	/* Prefixes and near-misses are different members. */
	assert_int_equal(s_take(rl, "nois", 0, &retry), 0);
	assert_int_equal(s_take(rl, "noisy2", 0, &retry), 0);
	assert_int_equal(ratelimit_count(rl), 53);
	ratelimit_free(&rl);
}

static void
test_table_full(void **state)
{
	struct ratelimit *rl = NULL;
	uint64_t retry = 0;
	char id[16];
	int i, k;

	(void)state;
	assert_int_equal(ratelimit_new(4, RATE, BURST, &rl), SYM_OK);
	/* Four members, each drained, "m0" idle the longest, "m3" the latest. */
	for (k = 0; k < 4; k++) {
		snprintf(id, sizeof(id), "m%d", k);
		for (i = 0; i < BURST; i++)
			assert_int_equal(s_take(rl, id, (uint64_t)k, &retry), 0);
	}
	assert_int_equal(ratelimit_count(rl), 4);
	/* m1..m3 are active again (refused, which still counts as activity). */
	for (k = 1; k < 4; k++) {
		snprintf(id, sizeof(id), "m%d", k);
		assert_int_equal(s_take(rl, id, 10, &retry), -1);
	}
	/* A fifth member evicts m0, the oldest idle entry; the table does not grow. */
	assert_int_equal(s_take(rl, "m4", 11, &retry), 0);
	assert_int_equal(ratelimit_count(rl), 4);
	/* m1..m3 kept their (empty) buckets. */
	for (k = 1; k < 4; k++) {
		snprintf(id, sizeof(id), "m%d", k);
		assert_int_equal(s_take(rl, id, 12, &retry), -1);
	}
	/* m0 comes back with a fresh bucket and evicts m4, now the oldest. */
	assert_int_equal(s_take(rl, "m0", 13, &retry), 0);
	assert_int_equal(ratelimit_count(rl), 4);
	/* Many more members than slots: never more than the capacity. */
	for (k = 0; k < 10000; k++) {
		snprintf(id, sizeof(id), "x%d", k);
		assert_int_equal(s_take(rl, id, 100 + (uint64_t)k, &retry), 0);
		assert_true(ratelimit_count(rl) <= 4);
	}
	assert_int_equal(ratelimit_count(rl), 4);
	ratelimit_free(&rl);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_bad_arguments), cmocka_unit_test(test_burst_then_refused),
	    cmocka_unit_test(test_refill),        cmocka_unit_test(test_members_independent),
	    cmocka_unit_test(test_table_full),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
