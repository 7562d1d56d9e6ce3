#include "checkpoint.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* U+2014 EM DASH, which starts every signature line of a signed note. */
#define EM_DASH "\xe2\x80\x94"

void
checkpoint_origin(const uint8_t pk[32], char out[CHECKPOINT_ORIGIN_MAX])
{
	char hex[17];

	util_hex(pk, 8, hex);
	snprintf(out, CHECKPOINT_ORIGIN_MAX, "symbiod/%s", hex);
}

static void
s_key_id(const char *name, const uint8_t pk[32], uint8_t id[4])
{
	crypto_hash_sha256_state st;
	uint8_t h[32], alg = 0x01;

	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const uint8_t *)name, strlen(name));
	crypto_hash_sha256_update(&st, (const uint8_t *)"\n", 1);
	crypto_hash_sha256_update(&st, &alg, 1);
	crypto_hash_sha256_update(&st, pk, 32);
	crypto_hash_sha256_final(&st, h);
	memcpy(id, h, 4);
}

/* The note text (the signed part): three lines, each ending in "\n". */
static int
s_body(const struct checkpoint *cp, char *out, size_t cap)
{
	char root[sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_ORIGINAL)];
	int n;

	sodium_bin2base64(root, sizeof(root), cp->root, 32, sodium_base64_VARIANT_ORIGINAL);
	n = snprintf(out, cap, "%s\n%llu\n%s\n", cp->origin, (unsigned long long)cp->size, root);
	return n < 0 || (size_t)n >= cap ? -1 : n;
}

int
checkpoint_sign(const struct checkpoint *cp, const uint8_t sk[64], const uint8_t pk[32],
                char **text)
{
	char body[256], sigb64[sodium_base64_ENCODED_LEN(68, sodium_base64_VARIANT_ORIGINAL)];
	uint8_t blob[68];
	int n;

	*text = NULL;
	if ((n = s_body(cp, body, sizeof(body))) < 0)
		return SYM_ERR_INVALID;
	s_key_id(cp->origin, pk, blob);
	crypto_sign_detached(blob + 4, NULL, (const uint8_t *)body, (unsigned long long)n, sk);
	sodium_bin2base64(sigb64, sizeof(sigb64), blob, sizeof(blob),
	                  sodium_base64_VARIANT_ORIGINAL);
	if ((*text = malloc(CHECKPOINT_MAX)) == NULL)
		return SYM_ERR_ALLOC;
	if (snprintf(*text, CHECKPOINT_MAX, "%s\n" EM_DASH " %s %s\n", body, cp->origin, sigb64) >=
	    CHECKPOINT_MAX) {
		free(*text);
		*text = NULL;
		return SYM_ERR_INVALID;
	}
	return SYM_OK;
}

int
checkpoint_verify(const char *text, size_t len, const uint8_t pk[32], struct checkpoint *out)
{
	char buf[CHECKPOINT_MAX + 1], *lines[6], *p, body[256], want_origin[CHECKPOINT_ORIGIN_MAX];
	char *name, *sig, *end;
	uint8_t blob[68], id[4];
	size_t nlines = 0, blen = 0, i;
	unsigned long long size;
	int n;

	memset(out, 0, sizeof(*out));
	if (len == 0 || len > CHECKPOINT_MAX || memchr(text, '\0', len) != NULL)
		return SYM_ERR_FORMAT;
	memcpy(buf, text, len);
	buf[len] = '\0';
	if (buf[len - 1] != '\n')
		return SYM_ERR_FORMAT;
	/* Exactly: origin, size, root, empty line, one signature line. */
	for (p = buf; *p != '\0' && nlines < 6; nlines++) {
		lines[nlines] = p;
		if ((end = strchr(p, '\n')) == NULL)
			return SYM_ERR_FORMAT;
		*end = '\0';
		p = end + 1;
	}
	if (nlines != 5 || *p != '\0' || lines[3][0] != '\0')
		return SYM_ERR_FORMAT;
	checkpoint_origin(pk, want_origin);
	if (strcmp(lines[0], want_origin) != 0)
		return SYM_ERR_VERIFY;
	for (i = 0; lines[1][i] != '\0'; i++)
		if (lines[1][i] < '0' || lines[1][i] > '9' || i > 19)
			return SYM_ERR_FORMAT;
	if (i == 0 || (i > 1 && lines[1][0] == '0'))
		return SYM_ERR_FORMAT;
	size = strtoull(lines[1], NULL, 10);
	if (sodium_base642bin(out->root, 32, lines[2], strlen(lines[2]), NULL, &blen, NULL,
	                      sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    blen != 32)
		return SYM_ERR_FORMAT;
	/* "— <name> <base64>" */
	if (strncmp(lines[4], EM_DASH " ", strlen(EM_DASH) + 1) != 0)
		return SYM_ERR_FORMAT;
	name = lines[4] + strlen(EM_DASH) + 1;
	if ((sig = strchr(name, ' ')) == NULL)
		return SYM_ERR_FORMAT;
	*sig++ = '\0';
	if (strcmp(name, want_origin) != 0)
		return SYM_ERR_VERIFY;
	if (sodium_base642bin(blob, sizeof(blob), sig, strlen(sig), NULL, &blen, NULL,
	                      sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    blen != sizeof(blob))
		return SYM_ERR_FORMAT;
	s_key_id(name, pk, id);
	/* lines[0] equals want_origin (checked above), which is known to fit. */
	memcpy(out->origin, want_origin, sizeof(out->origin));
	out->size = size;
	if (memcmp(id, blob, 4) != 0 || (n = s_body(out, body, sizeof(body))) < 0 ||
	    crypto_sign_verify_detached(blob + 4, (const uint8_t *)body, (unsigned long long)n,
	                                pk) != 0) {
		memset(out, 0, sizeof(*out));
		return SYM_ERR_VERIFY;
	}
	return SYM_OK;
}
