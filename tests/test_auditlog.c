/*
 * The daemon's incremental audit log against the reference Merkle code:
 * roots, inclusion and consistency proofs must be identical to what
 * crypto/merkle.c computes from all leaves; checkpoints must verify.
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

#include "auditlog.h"
#include "checkpoint.h"
#include "fixture.h"
#include "keys.h"
#include "merkle.h"
#include "store.h"

static char *const s_dir = fixture_dir; /* the group's directory (fixture.h) */

struct collect {
	merkle_hash_t *leaves;
	size_t n;
};

static int
s_collect(void *arg, const uint8_t *body, size_t len)
{
	struct collect *c = arg;

	merkle_leaf_hash(body, len, c->leaves[c->n++]);
	return SYM_OK;
}

static void
test_log_matches_reference(void **state)
{
	char path[128];
	struct store *st = NULL, *other = NULL;
	struct auditlog *log = NULL;
	struct keypair *kp = keys_generate(KEY_ED25519);
	struct sym_diag diag;
	struct collect c = {calloc(400, sizeof(merkle_hash_t)), 0};
	merkle_hash_t root, want, proof[MERKLE_MAX_PROOF], ref[MERKLE_MAX_PROOF];
	size_t n, rn;
	uint64_t i, m, idx;
	char *text = NULL;
	struct checkpoint cp;

	(void)state;
	assert_non_null(kp);
	snprintf(path, sizeof(path), "%s/log.db", s_dir);
	assert_int_equal(store_open(path, &st, &diag), SYM_OK);
	assert_int_equal(auditlog_open(st, kp, &log), SYM_OK);
	for (i = 0; i < 300; i++) {
		json_t *f = json_pack("{s:I}", "n", (json_int_t)i);
		assert_int_equal(auditlog_append(log, "test", f, &idx, NULL, NULL), SYM_OK);
		assert_int_equal(idx, i);
		json_decref(f);
	}
	/* Another process appends: the daemon picks it up with sync. */
	assert_int_equal(store_open(path, &other, &diag), SYM_OK);
	for (i = 0; i < 7; i++) {
		json_t *f = json_pack("{s:s}", "from", "cli");
		assert_int_equal(auditlog_append_row(other, "member_enrolled", f, &idx), SYM_OK);
		json_decref(f);
	}
	store_close(&other);
	assert_int_equal(auditlog_sync(log), SYM_OK);
	assert_int_equal(auditlog_size(log), 307);
	assert_int_equal(store_log_foreach(st, s_collect, &c), SYM_OK);
	assert_int_equal(c.n, 307);
	for (m = 1; m <= 307; m += (m < 70 ? 1 : 13)) {
		auditlog_root(log, m, root);
		assert_int_equal(merkle_root(c.leaves, m, want), SYM_OK);
		assert_memory_equal(root, want, 32);
		for (i = 0; i < m; i += (m < 40 ? 1 : 7)) {
			assert_int_equal(auditlog_inclusion(log, i, m, proof, &n), SYM_OK);
			assert_int_equal(merkle_inclusion_proof(c.leaves, m, i, ref, &rn), SYM_OK);
			assert_int_equal(n, rn);
			assert_memory_equal(proof, ref, 32 * n);
			assert_int_equal(merkle_inclusion_verify(i, m, c.leaves[i], proof, n, root),
			                 SYM_OK);
		}
		for (i = 1; i <= m; i += (m < 40 ? 1 : 11)) {
			assert_int_equal(auditlog_consistency(log, i, m, proof, &n), SYM_OK);
			assert_int_equal(merkle_consistency_proof(c.leaves, i, m, ref, &rn),
			                 SYM_OK);
			assert_int_equal(n, rn);
			assert_memory_equal(proof, ref, 32 * n);
		}
	}
	/* Checkpoints verify, and a changed one does not. */
	assert_int_equal(auditlog_checkpoint(log, &text), SYM_OK);
	assert_int_equal(checkpoint_verify(text, strlen(text), kp->pk, &cp), SYM_OK);
	assert_int_equal(cp.size, 307);
	auditlog_root(log, 307, root);
	assert_memory_equal(cp.root, root, 32);
	text[strlen(text) - 5] ^= 1;
	assert_int_not_equal(checkpoint_verify(text, strlen(text), kp->pk, &cp), SYM_OK);
	free(text);
	/* A rolled-back append is forgotten in memory. */
	assert_int_equal(store_begin(st), SYM_OK);
	{
		json_t *f = json_object();
		assert_int_equal(auditlog_append(log, "test", f, &idx, NULL, NULL), SYM_OK);
		json_decref(f);
	}
	store_rollback(st);
	auditlog_truncate(log, 307);
	assert_int_equal(auditlog_size(log), 307);
	assert_int_equal(merkle_root(c.leaves, 307, want), SYM_OK);
	auditlog_root(log, 307, root);
	assert_memory_equal(root, want, 32);
	free(c.leaves);
	auditlog_close(&log);
	store_close(&st);
	keys_free(&kp);
}

static void
test_checkpoint_rejects(void **state)
{
	struct keypair *kp = keys_generate(KEY_ED25519), *other = keys_generate(KEY_ED25519);
	struct checkpoint cp, out;
	char *text = NULL;

	(void)state;
	memset(&cp, 0, sizeof(cp));
	checkpoint_origin(kp->pk, cp.origin);
	cp.size = 42;
	randombytes_buf(cp.root, 32);
	assert_int_equal(checkpoint_sign(&cp, kp->sk, kp->pk, &text), SYM_OK);
	assert_int_equal(checkpoint_verify(text, strlen(text), kp->pk, &out), SYM_OK);
	assert_int_equal(out.size, 42);
	assert_memory_equal(out.root, cp.root, 32);
	/* Another key, a truncated note, a changed size line. */
	assert_int_equal(checkpoint_verify(text, strlen(text), other->pk, &out), SYM_ERR_VERIFY);
	assert_int_not_equal(checkpoint_verify(text, strlen(text) - 1, kp->pk, &out), SYM_OK);
	{
		char *p = strchr(text, '\n') + 1;
		*p = '5';
		assert_int_not_equal(checkpoint_verify(text, strlen(text), kp->pk, &out), SYM_OK);
	}
	assert_int_not_equal(checkpoint_verify("garbage\n", 8, kp->pk, &out), SYM_OK);
	free(text);
	keys_free(&kp);
	keys_free(&other);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_log_matches_reference),
	    cmocka_unit_test(test_checkpoint_rejects),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, fixture_dir_setup, fixture_dir_teardown);
}
