/* client/policy.h: the counterpart allow/deny lists and the size floors. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "policy.h"

static void
test_deny(void **state)
{
	struct client_policy p = {1024, 128, "", ""};

	(void)state;
	assert_false(policy_denies(&p, "acme"));
	strcpy(p.deny, "beta, acme-2 ,gamma");
	assert_true(policy_denies(&p, "acme-2"));
	assert_true(policy_denies(&p, "gamma"));
	assert_true(policy_denies(&p, "beta"));
	assert_false(policy_denies(&p, "acme")); /* a prefix of an item is not the item */
	assert_false(policy_denies(&p, "gam"));
}

static void
test_allow(void **state)
{
	struct client_policy p = {1024, 128, "beta,gamma", ""};

	(void)state;
	assert_false(policy_denies(&p, "beta"));
	assert_false(policy_denies(&p, "gamma"));
	assert_true(policy_denies(&p, "delta")); /* not on a non-empty allow list */
	strcpy(p.deny, "gamma");
	assert_true(policy_denies(&p, "gamma")); /* deny wins */
}

static void
test_check_list(void **state)
{
	(void)state;
	assert_null(policy_check_list("beta"));
	assert_null(policy_check_list("beta, gamma-2,delta"));
	assert_non_null(policy_check_list("Beta"));
	assert_non_null(policy_check_list("beta,,gamma"));
	assert_non_null(policy_check_list("beta,"));
	assert_non_null(policy_check_list("-beta"));
	assert_non_null(policy_check_list("beta gamma"));
}

static void
test_smallest_class(void **state)
{
	(void)state;
	assert_int_equal(policy_smallest_class(2048, 0), 2048);
	assert_int_equal(policy_smallest_class(500, 0), 512);
	assert_int_equal(policy_smallest_class(2048, 300), 300);
	assert_int_equal(policy_smallest_class(0, 0), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_deny),
	    cmocka_unit_test(test_allow),
	    cmocka_unit_test(test_check_list),
	    cmocka_unit_test(test_smallest_class),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
