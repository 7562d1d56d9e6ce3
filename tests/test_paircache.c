/*
 * STATE/paircache (client/paircache.c): a hit gives exactly what the scalar
 * multiplication gives, and nothing but a file this company sealed for this
 * park and this own key ever hits: a file changed in any byte or cut short,
 * entries swapped between two peers, another park, another own key, a
 * changed peer key, and an entry forged by someone without the agreement
 * secret all give the freshly computed secret instead (and the file is
 * rebuilt). tests/e2e/paircache.sh checks that a warm cache changes nothing
 * a submission sends.
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

#include "fixture.h"
#include "keys.h"
#include "log.h"
#include "pairkeys.h"
#include "paircache.h"
#include "util.h"

#define NPEERS 3
static const char *s_ids[NPEERS] = {"bravo", "charl", "delta-works"};
static struct keypair *s_peer[NPEERS];

static struct client_state *
s_state(const char *sub, uint8_t park_byte, struct keypair *own)
{
	struct client_state *st = calloc(1, sizeof(*st));

	assert_non_null(st);
	snprintf(st->dir, sizeof(st->dir), "%s/%s", fixture_dir, sub);
	(void)mkdir(st->dir, 0700);
	snprintf(st->id, sizeof(st->id), "alpha");
	memset(st->park_id, park_byte, sizeof(st->park_id));
	st->agreement = own != NULL ? own : keys_generate(KEY_X25519);
	assert_non_null(st->agreement);
	return st;
}

static void
s_state_free(struct client_state *st, int own_key)
{
	if (own_key)
		keys_free(&st->agreement);
	free(st);
}

static void
s_path(const struct client_state *st, char *path, size_t size)
{
	snprintf(path, size, "%s/" PAIRCACHE_FILE, st->dir);
}

/* What the peer computes on its side: the secret a hit must equal. */
static void
s_expect(const struct client_state *st, int i, uint8_t s[32])
{
	assert_int_equal(crypto_scalarmult(s, s_peer[i]->sk, st->agreement->pk), 0);
}

/* One run: every peer's secret through the cache, checked; returns the hits. */
static size_t
s_run(const struct client_state *st, int save)
{
	struct paircache *c = NULL;
	uint8_t s[32], want[32];
	size_t hits, misses;
	int i;

	assert_int_equal(paircache_new(st, &c), SYM_OK);
	for (i = 0; i < NPEERS; i++) {
		assert_int_equal(paircache_shared(c, s_ids[i], s_peer[i]->pk, s), SYM_OK);
		s_expect(st, i, want);
		assert_memory_equal(s, want, 32);
	}
	paircache_counts(c, &hits, &misses);
	assert_int_equal(hits + misses, NPEERS);
	if (save)
		assert_int_equal(paircache_save(c), SYM_OK);
	paircache_free(&c);
	assert_null(c);
	return hits;
}

static uint8_t *
s_read(const struct client_state *st, size_t *len)
{
	char path[PATH_MAX + 16], *buf = NULL;

	s_path(st, path, sizeof(path));
	assert_int_equal(util_read_file(path, 1 << 20, &buf, len), SYM_OK);
	return (uint8_t *)buf;
}

static void
s_write(const struct client_state *st, const uint8_t *buf, size_t len)
{
	char path[PATH_MAX + 16];

	s_path(st, path, sizeof(path));
	assert_int_equal(util_write_file(path, buf, len, 0600, 0), SYM_OK);
}

static void
test_hit_equals_fresh(void **state)
{
	struct client_state *st = s_state("hit", 1, NULL);
	struct pairkeys *fresh = sodium_malloc(sizeof(*fresh)),
	                *cached = sodium_malloc(sizeof(*cached));
	struct paircache *c = NULL;
	char path[PATH_MAX + 16];
	uint8_t round[ROUND_ID_LEN], s[32];
	struct stat sb, sb2;
	int i;

	(void)state;
	assert_non_null(fresh);
	assert_non_null(cached);
	assert_int_equal(s_run(st, 1), 0); /* cold: every secret computed */
	s_path(st, path, sizeof(path));
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_int_equal(s_run(st, 1), NPEERS); /* warm: every secret from the file */
	/* Nothing added: the file is not written again. */
	assert_int_equal(stat(path, &sb2), 0);
	assert_int_equal(sb.st_ino, sb2.st_ino);
	/* The pair keys from a cached secret are byte for byte pairkeys_derive's. */
	randombytes_buf(round, sizeof(round));
	assert_int_equal(paircache_new(st, &c), SYM_OK);
	for (i = 0; i < NPEERS; i++) {
		assert_int_equal(paircache_shared(c, s_ids[i], s_peer[i]->pk, s), SYM_OK);
		assert_int_equal(pairkeys_derive_shared(st->park_id, round, st->id,
		                                        st->agreement->pk, s_ids[i], s_peer[i]->pk,
		                                        s, cached),
		                 SYM_OK);
		assert_int_equal(pairkeys_derive(st->park_id, round, st->id, st->agreement->sk,
		                                 st->agreement->pk, s_ids[i], s_peer[i]->pk, fresh),
		                 SYM_OK);
		assert_memory_equal(cached, fresh, sizeof(*fresh));
	}
	paircache_free(&c);
	sodium_free(fresh);
	sodium_free(cached);
	s_state_free(st, 1);
}

static void
test_changed_peer_key_is_a_miss(void **state)
{
	struct client_state *st = s_state("rekey", 1, NULL);
	struct keypair *old = s_peer[0];
	struct paircache *c = NULL;
	uint8_t s[32], want[32];
	size_t hits, misses;

	(void)state;
	(void)s_run(st, 1);
	/* "bravo" re-enrolled with a new key: its old secret must not answer. */
	assert_non_null(s_peer[0] = keys_generate(KEY_X25519));
	assert_int_equal(s_run(st, 1), NPEERS - 1);
	assert_int_equal(s_run(st, 0), NPEERS); /* the new key replaced the old entry */
	/* And the old key is a miss now, computed afresh. */
	assert_int_equal(paircache_new(st, &c), SYM_OK);
	assert_int_equal(paircache_shared(c, s_ids[0], old->pk, s), SYM_OK);
	assert_int_equal(crypto_scalarmult(want, old->sk, st->agreement->pk), 0);
	assert_memory_equal(s, want, 32);
	paircache_counts(c, &hits, &misses);
	assert_int_equal(hits, 0);
	assert_int_equal(misses, 1);
	paircache_free(&c);
	keys_free(&old);
	s_state_free(st, 1);
}

static void
test_every_flipped_byte_is_ignored(void **state)
{
	struct client_state *st = s_state("flip", 1, NULL);
	uint8_t *good, *bad;
	size_t len, i;

	(void)state;
	log_set_level(LOG_LVL_ERR); /* one warning per damaged file, hundreds here */
	(void)s_run(st, 1);
	good = s_read(st, &len);
	assert_non_null(bad = malloc(len));
	for (i = 0; i < len; i++) {
		memcpy(bad, good, len);
		bad[i] ^= (uint8_t)(1u << (i % 8));
		s_write(st, bad, len);
		/* Ignored (recomputed correctly: s_run checks each secret), then rebuilt. */
		assert_int_equal(s_run(st, 1), 0);
		assert_int_equal(s_run(st, 0), NPEERS);
		s_write(st, good, len);
	}
	/* Cut short anywhere, or with a byte more: ignored too. */
	for (i = 0; i < len; i++) {
		s_write(st, good, i);
		assert_int_equal(s_run(st, 0), 0);
	}
	s_write(st, good, len);
	assert_int_equal(s_run(st, 0), NPEERS);
	free(good);
	free(bad);
	log_set_level(LOG_LVL_WARN);
	s_state_free(st, 1);
}

/* The plaintext entry of peer i inside the file: its offset (the cipher is a stream). */
static size_t
s_entry_offset(int i)
{
	size_t off = 32 + 32 + 32 + 4 + 24;
	int k;

	for (k = 0; k < i; k++)
		off += 1 + strlen(s_ids[k]) + 64;
	return off;
}

static void
test_swapped_entries_are_refused(void **state)
{
	struct client_state *st = s_state("swap", 1, NULL);
	size_t len, a = s_entry_offset(0), b = s_entry_offset(1), n = 1 + 5 + 64;
	uint8_t *buf, tmp[1 + 5 + 64];

	(void)state;
	/* "bravo" and "charl" have ids of one length: whole entries swap in place. */
	assert_int_equal(strlen(s_ids[0]), strlen(s_ids[1]));
	(void)s_run(st, 1);
	buf = s_read(st, &len);
	memcpy(tmp, buf + a, n);
	memcpy(buf + a, buf + b, n);
	memcpy(buf + b, tmp, n);
	s_write(st, buf, len);
	assert_int_equal(s_run(st, 1), 0);
	/* Only the sealed secrets swapped, ids and keys left in place: refused as well. */
	free(buf);
	buf = s_read(st, &len);
	memcpy(tmp, buf + a + 1 + 5 + 32, 32);
	memcpy(buf + a + 1 + 5 + 32, buf + b + 1 + 5 + 32, 32);
	memcpy(buf + b + 1 + 5 + 32, tmp, 32);
	s_write(st, buf, len);
	assert_int_equal(s_run(st, 0), 0);
	free(buf);
	s_state_free(st, 1);
}

static void
test_other_park_or_own_key_is_a_miss(void **state)
{
	struct client_state *st = s_state("bound", 1, NULL);
	struct client_state *other_park = s_state("bound", 2, st->agreement);
	struct client_state *other_key = s_state("bound", 1, NULL);

	(void)state;
	(void)s_run(st, 1);
	assert_int_equal(s_run(other_park, 0), 0);
	assert_int_equal(s_run(other_key, 0), 0);
	assert_int_equal(s_run(st, 0), NPEERS);
	/* Another park's run rewrites the file for itself; ours is then a miss. */
	assert_int_equal(s_run(other_park, 1), 0);
	assert_int_equal(s_run(st, 0), 0);
	s_state_free(other_key, 1);
	s_state_free(other_park, 0);
	s_state_free(st, 1);
}

/*
 * The file as paircache.c writes it, sealed under `key`: what an attacker
 * writes without the agreement secret (any key but the right one).
 */
static void
s_forge(const struct client_state *st, const uint8_t key[32], uint32_t count, const char *id,
        const uint8_t pk[32], const uint8_t s[32])
{
	uint8_t file[100 + 24 + 1 + 64 + 64 + 16], plain[1 + 64 + 64];
	size_t idlen = strlen(id), plen = 1 + idlen + 64;
	unsigned long long clen = 0;

	memset(file, 0, 32);
	memcpy(file, "symbi-paircache-v1", 18);
	memcpy(file + 32, st->park_id, 32);
	memcpy(file + 64, st->agreement->pk, 32);
	file[96] = (uint8_t)(count >> 24);
	file[97] = (uint8_t)(count >> 16);
	file[98] = (uint8_t)(count >> 8);
	file[99] = (uint8_t)count;
	randombytes_buf(file + 100, 24);
	plain[0] = (uint8_t)idlen;
	memcpy(plain + 1, id, idlen);
	memcpy(plain + 1 + idlen, pk, 32);
	memcpy(plain + 1 + idlen + 32, s, 32);
	assert_int_equal(crypto_aead_xchacha20poly1305_ietf_encrypt(
	                     file + 124, &clen, plain, plen, file, 100, NULL, file + 100, key),
	                 0);
	s_write(st, file, 124 + (size_t)clen);
}

/* 1 when the cache answers for peer 0 with `forged` rather than the true secret. */
static int
s_uses_forged(const struct client_state *st, const uint8_t forged[32])
{
	struct paircache *c = NULL;
	uint8_t s[32], want[32];
	int used;

	assert_int_equal(paircache_new(st, &c), SYM_OK);
	assert_int_equal(paircache_shared(c, s_ids[0], s_peer[0]->pk, s), SYM_OK);
	used = sodium_memcmp(s, forged, 32) == 0;
	if (!used) {
		s_expect(st, 0, want);
		assert_memory_equal(s, want, 32);
	}
	paircache_free(&c);
	return used;
}

static void
test_forged_entry_is_not_used(void **state)
{
	struct client_state *st = s_state("forge", 1, NULL);
	uint8_t forged[32], key[32];

	(void)state;
	/* The attacker's secret: the one it would know the pair keys of. */
	memset(forged, 0x42, sizeof(forged));
	/* Everything public is right (park, own key, peer, format); the key is guessed. */
	memset(key, 0, sizeof(key));
	s_forge(st, key, 1, s_ids[0], s_peer[0]->pk, forged);
	assert_false(s_uses_forged(st, forged));
	crypto_generichash(key, 32, st->agreement->pk, 32, NULL, 0);
	s_forge(st, key, 1, s_ids[0], s_peer[0]->pk, forged);
	assert_false(s_uses_forged(st, forged));
	/* Sealed with the company's own public key as the kdf key: refused. */
	assert_int_equal(crypto_kdf_derive_from_key(key, 32, 1, "symbipc1", st->agreement->pk), 0);
	s_forge(st, key, 1, s_ids[0], s_peer[0]->pk, forged);
	assert_false(s_uses_forged(st, forged));
	/*
	 * The control: the same bytes sealed under the key only the agreement
	 * secret gives are used, so the refusals above are the seal's doing.
	 */
	assert_int_equal(crypto_kdf_derive_from_key(key, 32, 1, "symbipc1", st->agreement->sk), 0);
	s_forge(st, key, 1, s_ids[0], s_peer[0]->pk, forged);
	assert_true(s_uses_forged(st, forged));
	/* Even so, a count above PAIRCACHE_MAX is not read. */
	s_forge(st, key, PAIRCACHE_MAX + 1, s_ids[0], s_peer[0]->pk, forged);
	assert_false(s_uses_forged(st, forged));
	sodium_memzero(key, sizeof(key));
	s_state_free(st, 1);
}

static void
test_low_order_and_bad_ids(void **state)
{
	struct client_state *st = s_state("weak", 1, NULL);
	struct paircache *c = NULL;
	char path[PATH_MAX + 16], id65[66];
	uint8_t zero[32] = {0}, s[32];
	size_t hits, misses;
	struct stat sb;

	(void)state;
	memset(id65, 'x', 65);
	id65[65] = '\0';
	assert_int_equal(paircache_new(st, &c), SYM_OK);
	assert_int_equal(paircache_shared(c, "bravo", zero, s), SYM_ERR_WEAK_KEY);
	assert_true(sodium_is_zero(s, 32));
	assert_int_equal(paircache_shared(c, "", s_peer[0]->pk, s), SYM_ERR_INVALID);
	assert_int_equal(paircache_shared(c, id65, s_peer[0]->pk, s), SYM_ERR_INVALID);
	paircache_counts(c, &hits, &misses);
	assert_int_equal(hits + misses, 0);
	/* Nothing was kept, so nothing is written. */
	assert_int_equal(paircache_save(c), SYM_OK);
	s_path(st, path, sizeof(path));
	assert_int_not_equal(stat(path, &sb), 0);
	paircache_free(&c);
	/* A zero secret handed to the derivation is refused there too. */
	{
		struct pairkeys *pk = sodium_malloc(sizeof(*pk));
		uint8_t round[ROUND_ID_LEN] = {0};

		assert_non_null(pk);
		assert_int_equal(pairkeys_derive_shared(st->park_id, round, st->id,
		                                        st->agreement->pk, "bravo", s_peer[0]->pk,
		                                        zero, pk),
		                 SYM_ERR_WEAK_KEY);
		sodium_free(pk);
	}
	s_state_free(st, 1);
}

/* Many counterparts: the table grows past its first size and every entry still hits. */
static void
test_many_peers(void **state)
{
	struct client_state *st = s_state("many", 1, NULL);
	struct paircache *c = NULL;
	uint8_t pk[32], s[32], sk[32];
	char id[16];
	size_t hits, misses;
	int i, run;

	(void)state;
	randombytes_buf(sk, sizeof(sk));
	for (run = 0; run < 2; run++) {
		assert_int_equal(paircache_new(st, &c), SYM_OK);
		for (i = 0; i < 300; i++) {
			sk[0] = (uint8_t)i;
			sk[1] = (uint8_t)(i >> 8);
			crypto_scalarmult_base(pk, sk);
			snprintf(id, sizeof(id), "co-%04d", i);
			assert_int_equal(paircache_shared(c, id, pk, s), SYM_OK);
		}
		paircache_counts(c, &hits, &misses);
		assert_int_equal(hits, run == 0 ? 0 : 300);
		assert_int_equal(paircache_save(c), SYM_OK);
		paircache_free(&c);
	}
	s_state_free(st, 1);
}

static int
s_setup(void **state)
{
	int i;

	for (i = 0; i < NPEERS; i++)
		if ((s_peer[i] = keys_generate(KEY_X25519)) == NULL)
			return -1;
	return fixture_dir_setup(state);
}

static int
s_teardown(void **state)
{
	int i;

	for (i = 0; i < NPEERS; i++)
		keys_free(&s_peer[i]);
	return fixture_dir_teardown(state);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_hit_equals_fresh),
	    cmocka_unit_test(test_changed_peer_key_is_a_miss),
	    cmocka_unit_test(test_every_flipped_byte_is_ignored),
	    cmocka_unit_test(test_swapped_entries_are_refused),
	    cmocka_unit_test(test_other_park_or_own_key_is_a_miss),
	    cmocka_unit_test(test_forged_entry_is_not_used),
	    cmocka_unit_test(test_low_order_and_bad_ids),
	    cmocka_unit_test(test_many_peers),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
