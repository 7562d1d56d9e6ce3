/*
 * STATE/certcache (client/certcache.c): a hit gives back exactly what was
 * kept for exactly the same certificate bytes, and nothing else ever hits:
 * other bytes, an entry past its end or from before its check, a file
 * changed by one byte, cut short, written for another park or by another
 * company. Safety here is what keeps a cache from making the client accept
 * what a full check would refuse (tests/e2e/certcache.sh plays the lying
 * coordinator against a warm cache).
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
#include <sys/stat.h>

#include "certcache.h"
#include "fixture.h"
#include "keys.h"
#include "util.h"

static const uint8_t s_der_a[] = {0x30, 0x82, 0x01, 0x0a, 'a'};
static const uint8_t s_der_b[] = {0x30, 0x82, 0x01, 0x0a, 'b'};

/* A state with what the cache reads: its directory, the park's id, the agreement key. */
static struct client_state *
s_state(const char *sub, uint8_t park_byte)
{
	struct client_state *st = calloc(1, sizeof(*st));

	assert_non_null(st);
	snprintf(st->dir, sizeof(st->dir), "%s/%s", fixture_dir, sub);
	(void)mkdir(st->dir, 0700);
	memset(st->park_id, park_byte, sizeof(st->park_id));
	assert_non_null(st->agreement = keys_generate(KEY_X25519));
	return st;
}

static void
s_state_free(struct client_state *st)
{
	keys_free(&st->agreement);
	free(st);
}

static void
s_record(struct member_record *rec, const char *id, const uint8_t *der, size_t len)
{
	memset(rec, 0, sizeof(*rec));
	snprintf(rec->id, sizeof(rec->id), "%s", id);
	snprintf(rec->name, sizeof(rec->name), "%s Ltd", id);
	randombytes_buf(rec->x25519, 32);
	randombytes_buf(rec->ed25519, 32);
	randombytes_buf(rec->curve, 32);
	randombytes_buf(rec->binding_sig, 64);
	/* The site is bound by the certificate too (a negative one: signs survive the file). */
	rec->site.set = 1;
	rec->site.lat = -3547;
	rec->site.lon = -12938;
	crypto_hash_sha256(rec->fingerprint, der, len);
}

/* A cache holding one record for s_der_a, kept at t=1000 until t=2000. */
static void
s_save_one(const struct client_state *st, struct member_record *rec)
{
	struct certcache *c = NULL;

	s_record(rec, "acme", s_der_a, sizeof(s_der_a));
	assert_int_equal(certcache_load(st, &c), SYM_OK);
	assert_int_equal(certcache_keep(c, rec, 2000, 1000), SYM_OK);
	assert_true(certcache_changed(c));
	assert_int_equal(certcache_save(c, st), SYM_OK);
	certcache_free(&c);
}

static int
s_hits(const struct client_state *st, const uint8_t *der, size_t len, int64_t now,
       struct member_record *got)
{
	struct certcache *c = NULL;
	int hit;

	assert_int_equal(certcache_load(st, &c), SYM_OK);
	hit = certcache_lookup(c, der, len, now, got);
	certcache_free(&c);
	return hit;
}

static void
test_hit_is_what_was_kept(void **state)
{
	struct client_state *st = s_state("hit", 1);
	struct member_record rec, got;
	struct certcache *c = NULL;
	char path[PATH_MAX + 16];
	struct stat sb;

	(void)state;
	s_save_one(st, &rec);
	snprintf(path, sizeof(path), "%s/" CERTCACHE_FILE, st->dir);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_int_equal(s_hits(st, s_der_a, sizeof(s_der_a), 1500, &got), 1);
	assert_memory_equal(&got, &rec, sizeof(rec));
	/* Other bytes are another key: checked in full. */
	assert_int_equal(s_hits(st, s_der_b, sizeof(s_der_b), 1500, &got), 0);
	/* PEM or anything that is not DER is never looked up. */
	assert_int_equal(s_hits(st, (const uint8_t *)"-----BEGIN", 10, 1500, &got), 0);
	/* Kept again as a hit: the time of the full check stays, nothing changed. */
	assert_int_equal(certcache_load(st, &c), SYM_OK);
	assert_int_equal(certcache_keep(c, &rec, 999999, 1800), SYM_OK);
	assert_false(certcache_changed(c));
	assert_int_equal(certcache_save(c, st), SYM_OK);
	certcache_free(&c);
	assert_int_equal(s_hits(st, s_der_a, sizeof(s_der_a), 2000, &got), 0);
	s_state_free(st);
}

static void
test_time_bounds(void **state)
{
	struct client_state *st = s_state("time", 1);
	struct member_record rec, got;

	(void)state;
	s_save_one(st, &rec);
	assert_int_equal(s_hits(st, s_der_a, sizeof(s_der_a), 1000, &got), 1);
	assert_int_equal(s_hits(st, s_der_a, sizeof(s_der_a), 1999, &got), 1);
	/* At notAfter (the certificate's or the CA's) the full check runs again. */
	assert_int_equal(s_hits(st, s_der_a, sizeof(s_der_a), 2000, &got), 0);
	/* A clock set back before the check: not trusted either. */
	assert_int_equal(s_hits(st, s_der_a, sizeof(s_der_a), 999, &got), 0);
	s_state_free(st);
}

/* Every single changed byte, and every cut, leaves an empty cache. */
static void
test_tampered_file_is_ignored(void **state)
{
	struct client_state *st = s_state("tamper", 1);
	struct member_record rec, got;
	char path[PATH_MAX + 16], *buf = NULL;
	size_t len = 0, i;

	(void)state;
	s_save_one(st, &rec);
	snprintf(path, sizeof(path), "%s/" CERTCACHE_FILE, st->dir);
	assert_int_equal(util_read_file(path, 1 << 20, &buf, &len), SYM_OK);
	for (i = 0; i < len; i++) {
		buf[i] ^= 0x01;
		assert_int_equal(util_write_file(path, buf, len, 0600, 0), SYM_OK);
		assert_int_equal(s_hits(st, s_der_a, sizeof(s_der_a), 1500, &got), 0);
		buf[i] ^= 0x01;
	}
	for (i = 0; i < len; i += 7) {
		assert_int_equal(util_write_file(path, buf, i, 0600, 0), SYM_OK);
		assert_int_equal(s_hits(st, s_der_a, sizeof(s_der_a), 1500, &got), 0);
	}
	assert_int_equal(util_write_file(path, buf, len, 0600, 0), SYM_OK);
	assert_int_equal(s_hits(st, s_der_a, sizeof(s_der_a), 1500, &got), 1);
	free(buf);
	s_state_free(st);
}

/* A cache written for another park, or by another company, is not ours. */
static void
test_other_park_or_company(void **state)
{
	struct client_state *st = s_state("owner", 1);
	struct member_record rec, got;
	struct keypair *mine;

	(void)state;
	s_save_one(st, &rec);
	memset(st->park_id, 2, sizeof(st->park_id));
	assert_int_equal(s_hits(st, s_der_a, sizeof(s_der_a), 1500, &got), 0);
	memset(st->park_id, 1, sizeof(st->park_id));
	mine = st->agreement;
	assert_non_null(st->agreement = keys_generate(KEY_X25519));
	assert_int_equal(s_hits(st, s_der_a, sizeof(s_der_a), 1500, &got), 0);
	keys_free(&st->agreement);
	st->agreement = mine;
	assert_int_equal(s_hits(st, s_der_a, sizeof(s_der_a), 1500, &got), 1);
	s_state_free(st);
}

/* Only what this run kept is saved: a member gone from the directory leaves the cache. */
static void
test_save_keeps_only_this_run(void **state)
{
	struct client_state *st = s_state("prune", 1);
	struct member_record rec, other, got;
	struct certcache *c = NULL;

	(void)state;
	s_save_one(st, &rec);
	s_record(&other, "beta", s_der_b, sizeof(s_der_b));
	assert_int_equal(certcache_load(st, &c), SYM_OK);
	assert_int_equal(certcache_keep(c, &other, 2000, 1000), SYM_OK);
	assert_true(certcache_changed(c));
	assert_int_equal(certcache_save(c, st), SYM_OK);
	certcache_free(&c);
	assert_int_equal(s_hits(st, s_der_a, sizeof(s_der_a), 1500, &got), 0);
	assert_int_equal(s_hits(st, s_der_b, sizeof(s_der_b), 1500, &got), 1);
	assert_string_equal(got.id, "beta");
	s_state_free(st);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_hit_is_what_was_kept),
	    cmocka_unit_test(test_time_bounds),
	    cmocka_unit_test(test_tampered_file_is_ignored),
	    cmocka_unit_test(test_other_park_or_company),
	    cmocka_unit_test(test_save_keeps_only_this_run),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, fixture_dir_setup, fixture_dir_teardown);
}
