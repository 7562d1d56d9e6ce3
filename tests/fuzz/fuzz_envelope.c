/*
 * The client's side of a release (client/cmd_consent.c s_reveal): open the
 * partner's envelope, then parse the item JSON inside it as a one-item flows
 * document and compare it with our own items on exact values and on bins.
 * Input: a mode byte, then
 *   mode 0: an envelope (nonce || ciphertext || tag) opened with a fixed key
 *           and associated data; if it opens, its plaintext goes on as below
 *   mode 1: the plaintext item JSON itself (sealed with the fixed key and
 *           opened again first, so the real envelope code runs on it)
 * Our own items: tests/fuzz/fixtures/own-flows.json (the shared scenario).
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "envelope.h"
#include "flows.h"
#include "fuzz_common.h"
#include "taxonomy.h"

#define S_ENVELOPE_MAX (1u << 20)

static struct taxonomy *s_tax;
static struct flows *s_own;
static uint8_t s_key[ENVELOPE_KEY_LEN];
static uint8_t s_ad[ENVELOPE_AD_MAX];
static size_t s_ad_len;

static void
s_init(void)
{
	static const uint8_t round[16] = {1, 2, 3}, cand[16] = {4, 5, 6};
	struct sym_diag diag = {""};
	int n;

	fuzz_sodium_init();
	if (taxonomy_load_file(FUZZ_TAXONOMY, &s_tax, &diag) != SYM_OK ||
	    flows_load_file(SYMBI_FUZZ_DIR "/fixtures/own-flows.json", s_tax, &s_own, &diag) !=
	        SYM_OK)
		abort();
	memset(s_key, 0x42, sizeof(s_key));
	if ((n = envelope_ad(round, cand, "co-b", "co-a", s_ad)) < 0)
		abort();
	s_ad_len = (size_t)n;
}

/* What s_reveal does with the plaintext. */
static void
s_item(const uint8_t *plain, size_t len)
{
	struct sym_diag diag = {""};
	struct flows *theirs = NULL;
	json_error_t jerr;
	json_t *item, *doc;
	char *text = NULL;
	size_t i;

	item = json_loadb((const char *)plain, len, JSON_REJECT_DUPLICATES, &jerr);
	doc = json_pack("{s:[O]}", "flows", item);
	if (json_is_object(item) && doc != NULL && (text = json_dumps(doc, JSON_COMPACT)) != NULL &&
	    flows_parse("co-b", text, strlen(text), s_tax, &theirs, &diag) == SYM_OK &&
	    theirs->n == 1) {
		const struct flow_item *t = &theirs->items[0];
		for (i = 0; i < s_own->n; i++) {
			const struct flow_item *o = &s_own->items[i];
			const struct flow_item *offer = t->direction == FLOW_OFFER ? t : o;
			const struct flow_item *need = t->direction == FLOW_OFFER ? o : t;
			if (o->direction == t->direction)
				continue;
			if (flows_exact_compatible(s_tax, offer, need) &&
			    !flows_bin_compatible(s_tax, offer, need))
				abort(); /* the tokens would have missed this match */
		}
	}
	free(text);
	json_decref(doc);
	json_decref(item);
	flows_free(&theirs);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *env = NULL, *plain = NULL;
	size_t env_len;

	if (s_tax == NULL)
		s_init();
	if (size < 1 || size - 1 > S_ENVELOPE_MAX)
		return 0;
	if (data[0] & 1) {
		env_len = size - 1 + ENVELOPE_OVERHEAD;
		if ((env = malloc(env_len)) == NULL || (plain = malloc(size)) == NULL)
			abort();
		if (envelope_seal(s_key, s_ad, s_ad_len, data + 1, size - 1, env) != SYM_OK ||
		    envelope_open(s_key, s_ad, s_ad_len, env, env_len, plain) != SYM_OK ||
		    (size > 1 && memcmp(plain, data + 1, size - 1) != 0))
			abort(); /* our own seal must open to the same bytes */
		s_item(plain, size - 1);
	} else {
		env_len = size - 1;
		if (env_len < ENVELOPE_OVERHEAD)
			return 0;
		if ((plain = malloc(env_len - ENVELOPE_OVERHEAD + 1)) == NULL)
			abort();
		if (envelope_open(s_key, s_ad, s_ad_len, data + 1, env_len, plain) == SYM_OK)
			s_item(plain, env_len - ENVELOPE_OVERHEAD);
	}
	free(env);
	free(plain);
	return 0;
}
