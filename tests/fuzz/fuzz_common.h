/*
 * Shared by the fuzz targets: one-time sodium_init, fixed keys derived from
 * constant seeds (so that gen_seeds.c and the targets agree), and the paths
 * of the committed fixtures. Header-only, file-static helpers.
 */
#ifndef SYMBI_FUZZ_COMMON_H
#define SYMBI_FUZZ_COMMON_H

#include <sodium.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "state.h"
#include "voprf.h"

#ifndef SYMBI_FUZZ_DIR
#error "SYMBI_FUZZ_DIR must name tests/fuzz in the source tree"
#endif
#ifndef SYMBI_SOURCE_DIR
#error "SYMBI_SOURCE_DIR must name the source tree"
#endif

/* The fixed export (symbi-forge fake of 2026-11-30, format 2): park.json and a checkpoint. */
#define FUZZ_FIXTURE_PARK SYMBI_FUZZ_DIR "/fixtures/park.json"
#define FUZZ_FIXTURE_CHECKPOINT SYMBI_FUZZ_DIR "/fixtures/checkpoint"
/*
 * The real export of format version 1 (tests/fixtures/export-v1, another
 * park): an audit target's input that starts with FUZZ_V1_PREFIX is checked
 * against it as a version 1 log; any other input as a version 2 log of the
 * fixed export above.
 */
#define FUZZ_V1_DIR SYMBI_SOURCE_DIR "/tests/fixtures/export-v1"
#define FUZZ_V1_PREFIX "#v1\n"

/*
 * Other real exports an audit target's input may choose by its first line,
 * as FUZZ_V1_PREFIX chooses the version 1 one: a hardened round whose
 * members accepted with --publish, and rounds with park indicators (from the
 * end-to-end tests on a four-company park, see gen_seeds.sh). format 0: no
 * format-version file (version 1).
 */
struct fuzz_export {
	const char *prefix, *dir;
	int format;
};

static const struct fuzz_export fuzz_exports[] = {
    {FUZZ_V1_PREFIX, FUZZ_V1_DIR, 0},
    {"#hardened\n", SYMBI_FUZZ_DIR "/fixtures/hardened", 2},
    {"#indicators\n", SYMBI_FUZZ_DIR "/fixtures/indicators", 2},
};

/* The export the input chooses, or NULL for the fixed one (FUZZ_FIXTURE_PARK). */
static inline const struct fuzz_export *
fuzz_export_of(const uint8_t *data, size_t size)
{
	size_t i, n;

	for (i = 0; i < sizeof(fuzz_exports) / sizeof(fuzz_exports[0]); i++) {
		n = strlen(fuzz_exports[i].prefix);
		if (size >= n && memcmp(data, fuzz_exports[i].prefix, n) == 0)
			return &fuzz_exports[i];
	}
	return NULL;
}
#define FUZZ_TAXONOMY SYMBI_SOURCE_DIR "/data/taxonomy.json"
/*
 * A moment inside the fixture certificates' validity (issued 2026-11-30,
 * valid one year), so that cert checks do not change with the wall clock.
 */
#define FUZZ_FIXTURE_TIME ((time_t)1796100000)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static inline void
fuzz_sodium_init(void)
{
	static int done;

	if (!done) {
		if (sodium_init() < 0)
			abort();
		done = 1;
	}
}

/* An Ed25519 key pair from a constant seed: `which` tells the keys apart. */
static inline void
fuzz_ed25519(uint8_t which, uint8_t pk[32], uint8_t sk[64])
{
	uint8_t seed[32];

	memset(seed, 0x5a, sizeof(seed));
	seed[0] = which;
	crypto_sign_seed_keypair(pk, sk, seed);
}

/* A NUL-terminated copy of the input (parsers that take text still get len). */
static inline char *
fuzz_strdup(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (s == NULL)
		abort();
	if (size > 0)
		memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/* A fresh directory $TMPDIR/symbi-fuzz-STEM-XXXXXX (or under /tmp), into dir. */
static inline void
fuzz_mkdtemp(char *dir, size_t cap, const char *stem)
{
	const char *tmp = getenv("TMPDIR");

	if ((size_t)snprintf(dir, cap, "%s/symbi-fuzz-%s-XXXXXX",
	                     tmp != NULL && strlen(tmp) < 24 ? tmp : "/tmp", stem) >= cap ||
	    mkdtemp(dir) == NULL)
		abort();
}

/*
 * One scratch file for a target that feeds a parser through a file:
 * $TMPDIR/symbi-fuzz-STEM-XXXXXX/NAME, made on the first call and removed
 * at exit. Returns its path (and the directory's in *dir when not NULL).
 */
static char fuzz_scratch_dir[64], fuzz_scratch_file[160];

static inline void
fuzz_scratch_cleanup(void)
{
	unlink(fuzz_scratch_file);
	rmdir(fuzz_scratch_dir);
}

static inline const char *
fuzz_scratch(const char *stem, const char *name, const char **dir)
{
	if (fuzz_scratch_dir[0] == '\0') {
		fuzz_mkdtemp(fuzz_scratch_dir, sizeof(fuzz_scratch_dir), stem);
		if ((size_t)snprintf(fuzz_scratch_file, sizeof(fuzz_scratch_file), "%s/%s",
		                     fuzz_scratch_dir, name) >= sizeof(fuzz_scratch_file))
			abort();
		atexit(fuzz_scratch_cleanup);
	}
	if (dir != NULL)
		*dir = fuzz_scratch_dir;
	return fuzz_scratch_file;
}

/* Write bytes as the whole file at path (aborts: the target's own failure). */
static inline void
fuzz_write_file(const char *path, const uint8_t *data, size_t size)
{
	FILE *f = fopen(path, "wb");

	if (f == NULL || (size > 0 && fwrite(data, 1, size, f) != size) || fclose(f) != 0)
		abort();
}

/* The park every fuzzed request and response is bound to (a constant, as the keys). */
static inline void
fuzz_park_id(uint8_t id[32])
{
	memset(id, 0xa5, 32);
}

/*
 * The company "co-a" of the fixed park, for the targets of a client cache
 * in STATE (certcache, paircache): its STATE is the scratch directory, its
 * X25519 agreement secret 32 bytes of 0x77. Returns the path of the cache
 * file `name` there.
 */
static inline const char *
fuzz_client_state(const char *stem, const char *name, struct client_state *st,
                  struct keypair *agreement)
{
	const char *dir, *file = fuzz_scratch(stem, name, &dir);

	snprintf(st->dir, sizeof(st->dir), "%s", dir);
	fuzz_park_id(st->park_id);
	agreement->kind = KEY_X25519;
	memset(agreement->sk, 0x77, 32);
	crypto_scalarmult_base(agreement->pk, agreement->sk);
	st->agreement = agreement;
	snprintf(st->id, sizeof(st->id), "co-a");
	return file;
}

#define FUZZ_KEY_COORDINATOR 1 /* signs responses and checkpoints */
#define FUZZ_KEY_MEMBER 2      /* signs requests */

/*
 * The fixed hardened-round batch of fuzz_hardanswer and its seeds: the
 * answerer's VOPRF key (derived from a constant seed), the querier's
 * FUZZ_HARD_M blinded blocks (block k is 16 bytes of k + 1, blind k the
 * scalar k + 1), the round, and the ids of querier and answerer.
 */
#define FUZZ_HARD_M 4
#define FUZZ_HARD_QUERIER "co-a"
#define FUZZ_HARD_ANSWERER "co-b"

static inline void
fuzz_hard_key(uint8_t sk[32], uint8_t pk[32])
{
	uint8_t seed[32];

	memset(seed, 0x33, sizeof(seed));
	if (voprf_derive_keypair(VOPRF_MODE_VOPRF, seed, (const uint8_t *)"fuzz", 4, sk, pk) != 0)
		abort();
}

static inline void
fuzz_hard_batch(uint8_t blocks[FUZZ_HARD_M][16], uint8_t blinds[FUZZ_HARD_M][32],
                uint8_t blinded[FUZZ_HARD_M][32])
{
	int k;

	for (k = 0; k < FUZZ_HARD_M; k++) {
		memset(blocks[k], k + 1, 16);
		memset(blinds[k], 0, 32);
		blinds[k][0] = (uint8_t)(k + 1);
		if (voprf_blind_with(VOPRF_MODE_VOPRF, blocks[k], 16, blinds[k], blinded[k]) != 0)
			abort();
	}
}

/*
 * The sealed Shamir share of fuzz_shamir: the key the recipient opens it
 * with, the round, and sender and recipient (its envelope's AD).
 */
#define FUZZ_SHARE_FROM "co-b"
#define FUZZ_SHARE_TO "co-a"

static inline void
fuzz_share_key(uint8_t key[32], uint8_t round[16])
{
	memset(key, 0x61, 32);
	memset(round, 0x17, 16);
}

#endif
