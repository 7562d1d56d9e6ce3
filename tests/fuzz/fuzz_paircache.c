/*
 * The client's pair-secret cache STATE/paircache (client/paircache.c) on
 * untrusted bytes. The entries are sealed under a key only its company
 * holds, so a fuzzer could never get past the seal: the input's first byte
 * chooses whether the target seals the rest (bit 0 set: a u32 entry count,
 * then the plaintext entries, sealed with the right header and key, so the
 * entry parser proper runs) or writes it as it is (the header and seal
 * checks). The cache is then used as `symbi` uses it: two counterparts'
 * secrets, saved, loaded again. Unsealed bytes must never change a secret
 * (each must be the scalar multiplication's), and what one run used and
 * saved is what the next run finds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "fuzz_common.h"
#include "keys.h"
#include "paircache.h"

static struct client_state s_st;
static struct keypair s_agreement;
static const char *s_file;
/* Two valid peer keys: the base point (u = 9) and u = 10 (see gen_seeds.sh). */
static const uint8_t s_peer_b[32] = {9}, s_peer_c[32] = {10};

/* The file paircache.c writes: magic, park, own key, count, nonce, the sealed entries. */
static void
s_write_sealed(const uint8_t *data, size_t size)
{
	uint8_t key[32], *file;
	unsigned long long clen = 0;

	if ((file = calloc(1, 124 + (size > 4 ? size - 4 : 0) + 16)) == NULL)
		abort();
	memcpy(file, "symbi-paircache-v1", 18);
	memcpy(file + 32, s_st.park_id, 32);
	memcpy(file + 64, s_agreement.pk, 32);
	memcpy(file + 96, data, size < 4 ? size : 4);
	crypto_kdf_derive_from_key(key, 32, 1, "symbipc1", s_agreement.sk);
	crypto_aead_xchacha20poly1305_ietf_encrypt(file + 124, &clen, size > 4 ? data + 4 : NULL,
	                                           size > 4 ? size - 4 : 0, file, 100, NULL,
	                                           file + 100, key);
	fuzz_write_file(s_file, file, 124 + (size_t)clen);
	free(file);
}

/* One run: both secrets (SYM_OK: the peer keys are valid), into b and c. */
static void
s_run(uint8_t b[32], uint8_t c_s[32], size_t *hits)
{
	struct paircache *c = NULL;
	size_t misses;

	if (paircache_new(&s_st, &c) != SYM_OK ||
	    paircache_shared(c, "co-b", s_peer_b, b) != SYM_OK ||
	    paircache_shared(c, "co-c", s_peer_c, c_s) != SYM_OK || paircache_save(c) != SYM_OK)
		abort();
	paircache_counts(c, hits, &misses);
	paircache_free(&c);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t b[32], c[32], b2[32], c2[32], want_b[32], want_c[32];
	size_t hits;

	fuzz_sodium_init();
	if (size < 1)
		return 0;
	if (s_file == NULL)
		s_file = fuzz_client_state("paircache", PAIRCACHE_FILE, &s_st, &s_agreement);
	if (data[0] & 1)
		s_write_sealed(data + 1, size - 1);
	else
		fuzz_write_file(s_file, data + 1, size - 1);
	s_run(b, c, &hits);
	if (crypto_scalarmult(want_b, s_agreement.sk, s_peer_b) != 0 ||
	    crypto_scalarmult(want_c, s_agreement.sk, s_peer_c) != 0)
		abort();
	/* Bytes without the company's seal can never stand in for a secret. */
	if (!(data[0] & 1) && (memcmp(b, want_b, 32) != 0 || memcmp(c, want_c, 32) != 0))
		abort();
	/* What this run used and saved is what the next run finds, both from the file. */
	s_run(b2, c2, &hits);
	if (hits != 2 || memcmp(b, b2, 32) != 0 || memcmp(c, c2, 32) != 0)
		abort();
	return 0;
}
