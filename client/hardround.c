#include "hardround.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "keyfile.h"
#include "token.h"
#include "roundfile.h"
#include "util.h"

/* More need blocks than any round's batch may hold (VOPRF_BATCH_MAX). */
#define HARD_MAX_BLINDS VOPRF_BATCH_MAX

struct hard_secret *
hard_secret_new(uint32_t n)
{
	struct hard_secret *hs;

	if (n > HARD_MAX_BLINDS ||
	    /*
	     * sodium_malloc puts the block's end at its guard page: only a size that
	     * is a multiple of 16 gives an aligned start (never 0, hence the 16).
	     */
	    (hs = sodium_malloc(sizeof(*hs) + (size_t)n * VOPRF_SCALAR_LEN + 16)) == NULL)
		return NULL;
	memset(hs, 0, sizeof(*hs) + (size_t)n * VOPRF_SCALAR_LEN);
	hs->n = n;
	hs->blinds = (uint8_t *)(hs + 1);
	return hs;
}

void
hard_secret_free(struct hard_secret **hs)
{
	if (hs == NULL || *hs == NULL)
		return;
	sodium_free(*hs); /* sodium_free wipes */
	*hs = NULL;
}

int
hard_secret_save(const char *dir, const uint8_t round[16], const struct hard_secret *hs,
                 struct sym_diag *diag)
{
	size_t len = VOPRF_SCALAR_LEN + 4 + (size_t)hs->n * VOPRF_SCALAR_LEN;
	uint8_t *buf = sodium_malloc(len + 1);
	char path[PATH_MAX], sub[PATH_MAX];
	int r;

	if (buf == NULL)
		return sym_diag_set(diag, SYM_ERR_ALLOC, "out of memory");
	if ((size_t)snprintf(sub, sizeof(sub), "%s/rounds", dir) >= sizeof(sub) ||
	    (r = keyfile_secure_dir(sub, diag)) != SYM_OK) {
		sodium_free(buf);
		return sym_diag_set(diag, SYM_ERR_NOSPACE, "%s: cannot make the rounds directory",
		                    dir);
	}
	memcpy(buf, hs->sk, VOPRF_SCALAR_LEN);
	buf[32] = (uint8_t)(hs->n >> 24);
	buf[33] = (uint8_t)(hs->n >> 16);
	buf[34] = (uint8_t)(hs->n >> 8);
	buf[35] = (uint8_t)hs->n;
	memcpy(buf + 36, hs->blinds, (size_t)hs->n * VOPRF_SCALAR_LEN);
	if ((r = roundfile_path(dir, round, "hard", path, sizeof(path))) == SYM_OK &&
	    (r = util_write_file(path, buf, len, 0600, 0)) != SYM_OK)
		sym_diag_set(diag, r, "%s: cannot write the round key: %s", path, sym_strerror(r));
	sodium_free(buf);
	return r;
}

/* The whole file into sodium_malloc'd memory: the key never passes through a plain buffer. */
static int
s_read_secret(const char *path, uint8_t **buf, size_t *len, struct sym_diag *diag)
{
	struct stat sb;
	ssize_t got = 0;
	int fd, r = SYM_OK;

	*buf = NULL;
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return errno == ENOENT
		           ? SYM_ERR_NOT_FOUND
		           : sym_diag_set(diag, SYM_ERR_IO, "%s: %s", path, strerror(errno));
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) || (sb.st_mode & 077) != 0 ||
	    sb.st_size < 36 || sb.st_size > 36 + (off_t)HARD_MAX_BLINDS * VOPRF_SCALAR_LEN) {
		r = sym_diag_set(diag, (sb.st_mode & 077) ? SYM_ERR_PERM : SYM_ERR_FORMAT,
		                 "%s: not a round key file of mode 0600", path);
		goto out;
	}
	*len = (size_t)sb.st_size;
	if ((*buf = sodium_malloc(*len)) == NULL) {
		r = sym_diag_set(diag, SYM_ERR_ALLOC, "out of memory");
		goto out;
	}
	got = read(fd, *buf, *len);
	if (got < 0 || (size_t)got != *len)
		r = sym_diag_set(diag, SYM_ERR_IO, "%s: short read", path);
out:
	close(fd);
	if (r != SYM_OK && *buf != NULL) {
		sodium_free(*buf);
		*buf = NULL;
	}
	return r;
}

int
hard_secret_load(const char *dir, const uint8_t round[16], struct hard_secret **out,
                 struct sym_diag *diag)
{
	char path[PATH_MAX];
	uint8_t *buf = NULL;
	size_t len = 0;
	uint32_t n;
	int r;

	*out = NULL;
	if ((r = roundfile_path(dir, round, "hard", path, sizeof(path))) != SYM_OK ||
	    (r = s_read_secret(path, &buf, &len, diag)) != SYM_OK)
		return r;
	n = (uint32_t)buf[32] << 24 | (uint32_t)buf[33] << 16 | (uint32_t)buf[34] << 8 | buf[35];
	if (len != 36 + (size_t)n * VOPRF_SCALAR_LEN)
		r = sym_diag_set(diag, SYM_ERR_FORMAT, "%s: malformed", path);
	else if ((*out = hard_secret_new(n)) == NULL)
		r = sym_diag_set(diag, SYM_ERR_ALLOC, "out of memory");
	else {
		memcpy((*out)->sk, buf, VOPRF_SCALAR_LEN);
		memcpy((*out)->blinds, buf + 36, (size_t)n * VOPRF_SCALAR_LEN);
	}
	sodium_free(buf);
	return r;
}

/* ---- the public part ------------------------------------------------------ */

static json_t *
s_hex(const uint8_t *p, size_t len)
{
	char *h = malloc(2 * len + 1);
	json_t *j;

	if (h == NULL)
		return NULL;
	util_hex(p, len, h);
	j = json_string(h);
	free(h);
	return j;
}

int
hard_hex_get(const json_t *obj, const char *key, uint8_t *out, size_t len)
{
	const char *h = json_string_value(json_object_get(obj, key));

	if (h == NULL || strlen(h) != 2 * len)
		return SYM_ERR_FORMAT;
	return util_unhex(h, out, len);
}

/* A hex field of any length (a multiple of unit bytes), malloc'd. */
static int
s_hex_dup(const json_t *obj, const char *key, size_t unit, uint8_t **out, size_t *n)
{
	const char *h = json_string_value(json_object_get(obj, key));
	size_t len;

	*out = NULL;
	if (h == NULL || strlen(h) % (2 * unit) != 0)
		return SYM_ERR_FORMAT;
	len = strlen(h) / 2;
	if ((*out = malloc(len + 1)) == NULL)
		return SYM_ERR_ALLOC;
	if (util_unhex(h, *out, len) != SYM_OK) {
		free(*out);
		*out = NULL;
		return SYM_ERR_FORMAT;
	}
	*n = len / unit;
	return SYM_OK;
}

json_t *
hard_public_json(const struct hard_public *hp)
{
	return json_pack("{s:o, s:o, s:o, s:o, s:{}, s:{}}", "pk", s_hex(hp->pk, 32), "needs",
	                 s_hex(hp->needs, hp->nneeds * TOKEN_BLOCK_LEN), "blinded",
	                 s_hex(hp->blinded, hp->m * VOPRF_ELEMENT_LEN), "digest",
	                 s_hex(hp->digest, 32), "answered", "tokens");
}

int
hard_public_parse(const json_t *hard, struct hard_public *hp, struct sym_diag *diag)
{
	memset(hp, 0, sizeof(*hp));
	if (!json_is_object(hard) || hard_hex_get(hard, "pk", hp->pk, 32) != SYM_OK ||
	    hard_hex_get(hard, "digest", hp->digest, 32) != SYM_OK ||
	    s_hex_dup(hard, "needs", TOKEN_BLOCK_LEN, &hp->needs, &hp->nneeds) != SYM_OK ||
	    s_hex_dup(hard, "blinded", VOPRF_ELEMENT_LEN, &hp->blinded, &hp->m) != SYM_OK ||
	    !json_is_object(json_object_get(hard, "answered")) ||
	    !json_is_object(json_object_get(hard, "tokens")) || hp->nneeds > hp->m) {
		hard_public_clear(hp);
		return sym_diag_set(diag, SYM_ERR_FORMAT,
		                    "the round file's hardened state is malformed");
	}
	return SYM_OK;
}

void
hard_public_clear(struct hard_public *hp)
{
	free(hp->needs);
	free(hp->blinded);
	memset(hp, 0, sizeof(*hp));
}

int
hard_budget_allows(const json_t *hard, const char *querier, const uint8_t digest[32])
{
	uint8_t old[32];
	const json_t *answered = json_object_get(hard, "answered");

	if (json_object_get(answered, querier) == NULL)
		return 1;
	return hard_hex_get(answered, querier, old, 32) == SYM_OK && memcmp(old, digest, 32) == 0;
}

int
hard_budget_record(json_t *hard, const char *querier, const uint8_t digest[32])
{
	json_t *answered = json_object_get(hard, "answered");

	if (!json_is_object(answered))
		return SYM_ERR_FORMAT;
	return json_object_set_new(answered, querier, s_hex(digest, 32)) == 0 ? SYM_OK
	                                                                      : SYM_ERR_ALLOC;
}

int
hard_tokens_get(const json_t *hard, const char *peer, uint8_t **tokens, size_t *n)
{
	const json_t *all = json_object_get(hard, "tokens");

	*tokens = NULL;
	*n = 0;
	if (json_object_get(all, peer) == NULL)
		return SYM_ERR_NOT_FOUND;
	return s_hex_dup(all, peer, 8, tokens, n);
}

int
hard_tokens_set(json_t *hard, const char *peer, const uint8_t *tokens, size_t n)
{
	json_t *all = json_object_get(hard, "tokens");

	if (!json_is_object(all))
		return SYM_ERR_FORMAT;
	return json_object_set_new(all, peer, s_hex(tokens, n * 8)) == 0 ? SYM_OK : SYM_ERR_ALLOC;
}
