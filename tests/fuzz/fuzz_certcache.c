/*
 * The client's certificate cache STATE/certcache (client/certcache.c) on
 * untrusted bytes. The file carries a MAC only its company can make, so a
 * fuzzer could never get past it: the input's first byte chooses whether the
 * target appends the right MAC (bit 0 set: the parser proper runs on the
 * rest) or writes the rest as it is (the MAC check itself). The cache loaded
 * is then used as `symbi` uses it: a lookup, a record kept, saved, loaded
 * again; the kept record must then be a hit at the same time, whatever the
 * loaded file held for the same certificate.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "certcache.h"
#include "err.h"
#include "fuzz_common.h"
#include "keys.h"

static struct client_state s_st;
static struct keypair s_agreement;
static const char *s_file;

/* The MAC certcache.c expects: keyed BLAKE2b-256 under a key from the agreement secret. */
static void
s_mac(const uint8_t *body, size_t len, uint8_t mac[32])
{
	static const char ctx[] = "symbi-certcache-v1 mac key";
	uint8_t key[32];

	crypto_generichash(key, 32, (const uint8_t *)ctx, sizeof(ctx) - 1, s_agreement.sk, 32);
	crypto_generichash(mac, 32, body, len, key, sizeof(key));
}

static void
s_write(const uint8_t *body, size_t len, int with_mac)
{
	uint8_t mac[32];
	FILE *f = fopen(s_file, "wb");

	if (f == NULL || (len > 0 && fwrite(body, 1, len, f) != len))
		abort();
	if (with_mac) {
		s_mac(body, len, mac);
		if (fwrite(mac, 1, 32, f) != 32)
			abort();
	}
	if (fclose(f) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t der[] = {0x30, 0x03, 0x02, 0x01, 0x07}; /* a DER-shaped key */
	struct certcache *c = NULL;
	struct member_record rec, got;
	const int64_t now = 1796100000;

	fuzz_sodium_init();
	if (size < 1)
		return 0;
	if (s_file == NULL)
		s_file = fuzz_client_state("certcache", CERTCACHE_FILE, &s_st, &s_agreement);
	s_write(data + 1, size - 1, data[0] & 1);
	if (certcache_load(&s_st, &c) != SYM_OK)
		abort();
	(void)certcache_lookup(c, der, sizeof(der), now, &got);
	(void)certcache_changed(c);
	memset(&rec, 0, sizeof(rec));
	crypto_hash_sha256(rec.fingerprint, der, sizeof(der));
	snprintf(rec.id, sizeof(rec.id), "co-b");
	snprintf(rec.name, sizeof(rec.name), "B");
	if (certcache_keep(c, &rec, now + 3600, now) != SYM_OK ||
	    certcache_save(c, &s_st) != SYM_OK)
		abort();
	certcache_free(&c);
	/* What this run kept and saved is what the next run finds, nothing else. */
	if (certcache_load(&s_st, &c) != SYM_OK ||
	    certcache_lookup(c, der, sizeof(der), now, &got) != 1 ||
	    memcmp(&got.fingerprint, rec.fingerprint, 32) != 0)
		abort(); /* a full check's record kept must be a hit next time */
	certcache_free(&c);
	return 0;
}
