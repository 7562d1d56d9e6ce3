/*
 * The auditor's side of tests/vectors/protocol-kat.json: symbi-audit's own
 * code (libsymbi_audit) run on the file's "round" section. The section's
 * values become an audit model (members, the round's submissions with their
 * committed digests, the logged pairs with their candidate ids and hits
 * hashes) and an export directory holding the two token batches, written as
 * the daemon exports them. Then:
 *   - rules_directory_hash and rules_commitment give the file's values;
 *   - audit_verify_batches parses the batch lines and finds each one's digest
 *     equal to the committed one;
 *   - audit_replay joins the batches and finds the logged candidates, ids and
 *     hits hashes;
 * and each of them fails once one logged value is off by a bit.
 * test_protocol_vectors checks the crypto/ functions on the same file.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit.h"
#include "rules.h"
#include "util.h"

#include "kat.h"

struct fixture {
	json_t *kat, *rnd;
	struct audit_log log;
	char dir[64], batches[128], file[192];
};

/* An array of hex tokens as base64 of the wire bytes, as the export writes a set. */
static json_t *
s_b64_set(json_t *obj, const char *key)
{
	json_t *arr = json_object_get(obj, key), *v, *out;
	size_t n = json_array_size(arr), i;
	uint8_t *buf = malloc(8 * n + 1);
	char *b64 = malloc(sodium_base64_ENCODED_LEN(8 * n + 1, sodium_base64_VARIANT_ORIGINAL));

	assert_non_null(buf);
	assert_non_null(b64);
	for (i = 0; (v = json_array_get(arr, i)) != NULL; i++) {
		assert_int_equal(
		    sodium_hex2bin(buf + 8 * i, 8, json_string_value(v), 16, NULL, NULL, NULL), 0);
	}
	sodium_bin2base64(b64, sodium_base64_ENCODED_LEN(8 * n + 1, sodium_base64_VARIANT_ORIGINAL),
	                  buf, 8 * n, sodium_base64_VARIANT_ORIGINAL);
	out = json_string(b64);
	free(buf);
	free(b64);
	return out;
}

static uint32_t
s_member(const struct audit_log *log, const char *id)
{
	uint32_t mi;

	assert_int_equal(audit_member_find(log, id, &mi), SYM_OK);
	return mi;
}

/* Members in a shuffled order, one of them revoked (not in the directory). */
static void
s_members(struct fixture *f)
{
	json_t *ms = json_object_get(f->rnd, "members");
	struct audit_log *log = &f->log;
	size_t i, n = json_array_size(ms);

	assert_true(n >= 2);
	assert_non_null(log->members = calloc(n, sizeof(*log->members)));
	log->nmembers = n;
	for (i = 0; i < n; i++) {
		json_t *m = json_array_get(ms, n - 1 - i);
		struct audit_member *am = &log->members[i];
		snprintf(am->rec.id, sizeof(am->rec.id), "%s", kat_str(m, "id"));
		kat_hex(m, "fingerprint", am->rec.fingerprint, 32);
		am->revoked = json_is_true(json_object_get(m, "revoked"));
		assert_int_equal(audit_index_put(log->member_ix, am->rec.id, strlen(am->rec.id), i),
		                 SYM_OK);
	}
}

/* The submissions of the round, each with its one committed batch. */
static void
s_submissions(struct fixture *f, struct audit_round *rd)
{
	json_t *subs = json_object_get(f->rnd, "submissions"), *v;
	size_t i;

	assert_non_null(rd->subs = calloc(json_array_size(subs), sizeof(*rd->subs)));
	assert_non_null(rd->submitted = calloc(json_array_size(subs), sizeof(*rd->submitted)));
	for (i = 0; (v = json_array_get(subs, i)) != NULL; i++) {
		struct audit_submission *sub = &rd->subs[i];
		json_t *b = json_array_get(json_object_get(v, "batches"), 0);
		sub->member = s_member(&f->log, kat_str(v, "member"));
		kat_hex(v, "submission", sub->id, 16);
		kat_hex(v, "commitment", sub->commitment, 32);
		assert_non_null(sub->batches = calloc(1, sizeof(*sub->batches)));
		sub->nbatches = 1;
		sub->batches[0].counterpart = s_member(&f->log, kat_str(b, "counterpart"));
		kat_hex(b, "digest", sub->batches[0].digest, 32);
		rd->sub_slot[sub->member] = (uint32_t)i + 1;
		rd->submitted[i] = sub->member;
		rd->in_submitted[sub->member] = 1;
	}
	rd->nsubs = rd->nsubmitted = json_array_size(subs);
}

/* The logged pairs and their candidates. */
static void
s_pairs(struct fixture *f, struct audit_round *rd)
{
	json_t *pairs = json_object_get(f->rnd, "pairs"), *p, *c;
	struct audit_log *log = &f->log;
	size_t i, k, total = 0;
	uint8_t key[16];

	for (i = 0; (p = json_array_get(pairs, i)) != NULL; i++)
		total += json_array_size(json_object_get(p, "candidates"));
	assert_non_null(rd->pairs = calloc(json_array_size(pairs), sizeof(*rd->pairs)));
	assert_non_null(log->cands = calloc(total, sizeof(*log->cands)));
	for (i = 0; (p = json_array_get(pairs, i)) != NULL; i++) {
		struct audit_pair *ap = &rd->pairs[i];
		ap->supplier = s_member(log, kat_str(p, "supplier"));
		ap->consumer = s_member(log, kat_str(p, "consumer"));
		kat_hex(p, "hits_hash", ap->hits_hash, 32);
		ap->first = log->ncands;
		for (k = 0; (c = json_array_get(json_object_get(p, "candidates"), k)) != NULL;
		     k++) {
			struct audit_candidate *ac = &log->cands[log->ncands++];
			kat_hex(c, "token", ac->token, 8);
			kat_hex(c, "id", ac->id, 16);
			ac->side[AUDIT_SUPPLIER] = ap->supplier;
			ac->side[AUDIT_CONSUMER] = ap->consumer;
		}
		ap->count = log->ncands - ap->first;
		audit_pair_key(0, ap->supplier, ap->consumer, key);
		assert_int_equal(audit_index_put(log->pair_ix, key, sizeof(key), i), SYM_OK);
	}
	rd->npairs = json_array_size(pairs);
	rd->ncands = log->ncands;
}

/* batches/<round>.jsonl as the daemon's export writes it. */
static void
s_write_batches(struct fixture *f)
{
	json_t *v;
	size_t i;
	FILE *out;

	assert_int_equal(mkdir(f->batches, 0700), 0);
	assert_non_null(out = fopen(f->file, "w"));
	for (i = 0; (v = json_array_get(json_object_get(f->rnd, "submissions"), i)) != NULL; i++) {
		json_t *b = json_array_get(json_object_get(v, "batches"), 0);
		json_t *line = json_pack("{s:s, s:s, s:o, s:o}", "submitter", kat_str(v, "member"),
		                         "counterpart", kat_str(b, "counterpart"), "offers",
		                         s_b64_set(b, "offers"), "needs", s_b64_set(b, "needs"));
		assert_non_null(line);
		assert_int_equal(json_dumpf(line, out, JSON_COMPACT | JSON_SORT_KEYS), 0);
		assert_int_not_equal(fputc('\n', out), EOF);
		json_decref(line);
	}
	assert_int_equal(fclose(out), 0);
}

static int
s_setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct audit_log *log;
	struct audit_round *rd;
	char hex[33];
	size_t n;

	if (f == NULL || sodium_init() < 0)
		return -1;
	*state = f;
	if ((f->kat = kat_load()) == NULL)
		return -1;
	f->rnd = json_object_get(f->kat, "round");
	log = &f->log;
	log->member_ix = audit_index_new();
	log->round_ix = audit_index_new();
	log->cand_ix = audit_index_new();
	log->pair_ix = audit_index_new();
	assert_non_null(log->pair_ix);
	s_members(f);
	n = log->nmembers;
	assert_non_null(log->rounds = calloc(1, sizeof(*log->rounds)));
	log->nrounds = 1;
	rd = &log->rounds[0];
	kat_hex(f->rnd, "round", rd->id, 16);
	rd->phase = AUDIT_CONSENT;
	assert_int_equal(audit_index_put(log->round_ix, rd->id, 16, 0), SYM_OK);
	rd->in_directory = calloc(n, 1);
	rd->sub_slot = calloc(n, sizeof(*rd->sub_slot));
	rd->in_submitted = calloc(n, 1);
	assert_true(rd->in_directory && rd->sub_slot && rd->in_submitted);
	rd->ndirectory_span = rd->nsubmitted_span = n;
	for (size_t i = 0; i < n; i++)
		rd->in_directory[i] = !log->members[i].revoked;
	s_submissions(f, rd);
	s_pairs(f, rd);
	snprintf(f->dir, sizeof(f->dir), "/tmp/symbi-auditkat-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->batches, sizeof(f->batches), "%s/batches", f->dir);
	util_hex(rd->id, 16, hex);
	snprintf(f->file, sizeof(f->file), "%s/%s.jsonl", f->batches, hex);
	s_write_batches(f);
	return 0;
}

static int
s_teardown(void **state)
{
	struct fixture *f = *state;

	if (f == NULL)
		return 0;
	if (f->file[0] != '\0') {
		unlink(f->file);
		rmdir(f->batches);
		rmdir(f->dir);
	}
	audit_log_free(&f->log);
	json_decref(f->kat);
	free(f);
	return 0;
}

static void
test_directory_hash(void **state)
{
	struct fixture *f = *state;
	uint8_t want[32], got[32];

	kat_hex(f->rnd, "directory_hash", want, 32);
	assert_int_equal(rules_directory_hash(&f->log, got), SYM_OK);
	assert_memory_equal(got, want, 32);
	/* The revoked member counts once it is active again: another hash. */
	f->log.members[0].revoked = !f->log.members[0].revoked;
	assert_int_equal(rules_directory_hash(&f->log, got), SYM_OK);
	assert_memory_not_equal(got, want, 32);
	f->log.members[0].revoked = !f->log.members[0].revoked;
}

static void
test_commitment(void **state)
{
	struct fixture *f = *state;
	const struct audit_round *rd = &f->log.rounds[0];
	uint8_t got[32];
	size_t i;

	for (i = 0; i < rd->nsubs; i++) {
		const struct audit_submission *sub = &rd->subs[i];
		assert_int_equal(
		    rules_commitment(rd->id, sub->id, sub->batches, sub->nbatches, got), SYM_OK);
		assert_memory_equal(got, sub->commitment, 32);
		assert_int_equal(rules_commitment(rd->id, sub->id, sub->batches, 0, got), SYM_OK);
		assert_memory_not_equal(got, sub->commitment, 32);
	}
}

static void
test_batch_digests(void **state)
{
	struct fixture *f = *state;
	struct audit_batch_stats st;
	struct audit_problem p;
	uint8_t *digest = f->log.rounds[0].subs[1].batches[0].digest;

	memset(&p, 0, sizeof(p));
	assert_int_equal(audit_verify_batches(f->dir, &f->log, &st, &p), SYM_OK);
	assert_false(p.set);
	assert_int_equal(st.files, 1);
	assert_int_equal(st.batches, 2);
	assert_int_equal(st.nabsent, 0);
	audit_batch_stats_clear(&st);

	digest[31] ^= 1;
	assert_int_equal(audit_verify_batches(f->dir, &f->log, &st, &p), SYM_ERR_VERIFY);
	assert_true(p.set);
	assert_string_equal(p.rule, "batches");
	assert_non_null(strstr(p.msg, "digest differs"));
	audit_batch_stats_clear(&st);
	digest[31] ^= 1;
}

static void
test_replay(void **state)
{
	struct fixture *f = *state;
	struct audit_replay_stats st;
	struct audit_problem p;
	size_t total = 0, i;
	char hex[33];
	json_t *pr;

	for (i = 0; (pr = json_array_get(json_object_get(f->rnd, "pairs"), i)) != NULL; i++)
		total += json_array_size(json_object_get(pr, "candidates"));
	memset(&p, 0, sizeof(p));
	assert_int_equal(audit_replay(f->dir, &f->log, &st, &p), SYM_OK);
	assert_false(p.set);
	assert_int_equal(st.pairs, json_array_size(json_object_get(f->rnd, "pairs")));
	assert_int_equal(st.candidates, total);

	/*
	 * Each logged token in turn moved to the end of the token space: the
	 * join's hit is missing from the "log", and replay names it by the
	 * candidate id it computes, which must be the file's id.
	 */
	for (i = 0; i < f->log.ncands; i++) {
		struct audit_candidate *c = &f->log.cands[i];
		uint8_t saved[8];
		memset(&p, 0, sizeof(p));
		util_hex(c->id, 16, hex);
		memcpy(saved, c->token, 8);
		memset(c->token, 0xff, 8);
		assert_int_equal(audit_replay(f->dir, &f->log, &st, &p), SYM_ERR_VERIFY);
		assert_string_equal(p.rule, "replay");
		assert_non_null(strstr(p.msg, "found by the join but missing from the log"));
		assert_non_null(strstr(p.msg, hex));
		memcpy(c->token, saved, 8);
	}

	/* A hits hash off by a bit. */
	memset(&p, 0, sizeof(p));
	f->log.rounds[0].pairs[0].hits_hash[5] ^= 0x80;
	assert_int_equal(audit_replay(f->dir, &f->log, &st, &p), SYM_ERR_VERIFY);
	assert_non_null(strstr(p.msg, "hits_hash differs"));
	f->log.rounds[0].pairs[0].hits_hash[5] ^= 0x80;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_directory_hash),
	    cmocka_unit_test(test_commitment),
	    cmocka_unit_test(test_batch_digests),
	    cmocka_unit_test(test_replay),
	};

	return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
