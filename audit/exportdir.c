/*
 * Reading an export directory: paths, bounded line reading (an entry is a
 * line and its bytes are what was hashed, so lines are handed out exactly as
 * they are on disk), and the strict hex and base64 decoding FORMAT.md asks
 * for (lower-case hex; standard base64 with padding).
 */
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "audit.h"

#define S_CHUNK (256u << 10)

struct audit_lines {
	FILE *f;
	uint8_t *buf;
	size_t cap;
	size_t start;   /* first byte of the next line in buf */
	size_t scanned; /* bytes after start known to hold no newline */
	size_t end;     /* bytes in buf */
	size_t max;
	uint64_t offset; /* file offset of buf[0] */
	int eof;
};

int
audit_path(const char *dir, const char *name, char *out, size_t cap)
{
	int n = snprintf(out, cap, "%s/%s", dir, name);

	return n < 0 || (size_t)n >= cap ? SYM_ERR_NOSPACE : SYM_OK;
}

int
audit_lines_open(const char *path, size_t max, struct audit_lines **out)
{
	struct audit_lines *lr;

	*out = NULL;
	if ((lr = calloc(1, sizeof(*lr))) == NULL)
		return SYM_ERR_ALLOC;
	if ((lr->f = fopen(path, "rb")) == NULL) {
		int r = errno == ENOENT ? SYM_ERR_NOT_FOUND : SYM_ERR_IO;
		free(lr);
		return r;
	}
	lr->max = max;
	*out = lr;
	return SYM_OK;
}

void
audit_lines_close(struct audit_lines **lrp)
{
	struct audit_lines *lr;

	if (lrp == NULL || (lr = *lrp) == NULL)
		return;
	if (lr->f != NULL)
		fclose(lr->f);
	free(lr->buf);
	free(lr);
	*lrp = NULL;
}

/* Keep the unfinished line, drop what was handed out, and read one more chunk. */
static int
s_fill(struct audit_lines *lr)
{
	size_t keep = lr->end - lr->start, n;
	uint8_t *p;

	if (lr->start > 0) {
		memmove(lr->buf, lr->buf + lr->start, keep);
		lr->offset += lr->start;
		lr->end = keep;
		lr->start = 0;
	}
	if (lr->cap - lr->end < S_CHUNK) {
		/* Never more than one line's bound plus a chunk: memory is bounded per line. */
		size_t cap = lr->end + S_CHUNK;
		if ((p = realloc(lr->buf, cap)) == NULL)
			return SYM_ERR_ALLOC;
		lr->buf = p;
		lr->cap = cap;
	}
	n = fread(lr->buf + lr->end, 1, lr->cap - lr->end, lr->f);
	if (n == 0) {
		if (ferror(lr->f))
			return SYM_ERR_IO;
		lr->eof = 1;
	}
	lr->end += n;
	return SYM_OK;
}

int
audit_lines_next(struct audit_lines *lr, const uint8_t **line, size_t *len, uint64_t *offset)
{
	uint8_t *nl;
	int r;

	for (;;) {
		nl = lr->end > lr->start + lr->scanned
		         ? memchr(lr->buf + lr->start + lr->scanned, '\n',
		                  lr->end - lr->start - lr->scanned)
		         : NULL;
		if (nl != NULL) {
			*line = lr->buf + lr->start;
			*len = (size_t)(nl - (lr->buf + lr->start));
			if (*len > lr->max)
				return SYM_ERR_LIMIT;
			if (offset != NULL)
				*offset = lr->offset + lr->start;
			lr->start += *len + 1;
			lr->scanned = 0;
			return 1;
		}
		lr->scanned = lr->end - lr->start;
		if (lr->scanned > lr->max)
			return SYM_ERR_LIMIT;
		if (lr->eof)
			return lr->scanned == 0 ? 0 : SYM_ERR_FORMAT;
		if ((r = s_fill(lr)) != SYM_OK)
			return r;
	}
}

int
audit_lines_reread(struct audit_lines *lr, uint64_t offset, size_t len, uint8_t **out)
{
	uint8_t *buf;

	*out = NULL;
	if (len > lr->max || offset > INT64_MAX)
		return SYM_ERR_LIMIT;
	if ((buf = malloc(len + 1)) == NULL)
		return SYM_ERR_ALLOC;
	/* The reader's own buffer is not disturbed: it is positioned by its own offset. */
	if (fseeko(lr->f, (off_t)offset, SEEK_SET) != 0 || fread(buf, 1, len, lr->f) != len) {
		free(buf);
		return SYM_ERR_IO;
	}
	buf[len] = '\0';
	*out = buf;
	return SYM_OK;
}

int
audit_unhex(const char *s, uint8_t *out, size_t len)
{
	size_t i;

	/* sodium_hex2bin takes upper case too: FORMAT.md has one spelling per value. */
	if (strlen(s) != 2 * len)
		return SYM_ERR_FORMAT;
	for (i = 0; i < 2 * len; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return SYM_ERR_FORMAT;
	if (sodium_hex2bin(out, len, s, 2 * len, NULL, NULL, NULL) != 0)
		return SYM_ERR_FORMAT;
	return SYM_OK;
}

int
audit_unb64(const char *s, size_t slen, size_t max, uint8_t **out, size_t *out_len)
{
	const char *end = NULL;
	size_t cap = slen / 4 * 3, got = 0;
	uint8_t *buf;

	*out = NULL;
	*out_len = 0;
	/* Padded base64 is a whole number of 4-character groups. */
	if (slen % 4 != 0)
		return SYM_ERR_FORMAT;
	if (cap > max + 2)
		return SYM_ERR_LIMIT;
	if ((buf = malloc(cap + 1)) == NULL)
		return SYM_ERR_ALLOC;
	if (sodium_base642bin(buf, cap + 1, s, slen, NULL, &got, &end,
	                      sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    end != s + slen || got > max) {
		free(buf);
		return got > max ? SYM_ERR_LIMIT : SYM_ERR_FORMAT;
	}
	*out = buf;
	*out_len = got;
	return SYM_OK;
}
