#include "putbuf.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#define S_HEAP_MIN 64

void
putbuf_init_fixed(struct putbuf *b, void *mem, size_t cap)
{
	memset(b, 0, sizeof(*b));
	b->data = mem;
	b->cap = b->max = mem != NULL ? cap : 0;
	if (mem == NULL && cap != 0)
		b->err = SYM_ERR_INVALID;
}

void
putbuf_init_heap(struct putbuf *b, size_t max)
{
	memset(b, 0, sizeof(*b));
	b->max = max;
	b->heap = 1;
}

/*
 * Make room for n more bytes. Growing copies into fresh memory and wipes
 * the old, rather than realloc, which may leave a copy behind unwiped.
 */
static int
s_room(struct putbuf *b, size_t n)
{
	uint8_t *grown;
	size_t cap;

	if (b->err != SYM_OK)
		return 0;
	if (n <= b->cap - b->len)
		return 1;
	if (n > b->max - b->len) {
		b->err = b->heap ? SYM_ERR_LIMIT : SYM_ERR_NOSPACE;
		return 0;
	}
	cap = b->cap > S_HEAP_MIN ? b->cap : S_HEAP_MIN;
	while (cap < b->len + n && cap <= b->max / 2)
		cap *= 2;
	if (cap < b->len + n || cap > b->max)
		cap = b->max;
	if ((grown = malloc(cap)) == NULL) {
		b->err = SYM_ERR_ALLOC;
		return 0;
	}
	if (b->len != 0) {
		memcpy(grown, b->data, b->len);
		sodium_memzero(b->data, b->len);
	}
	free(b->data);
	b->data = grown;
	b->cap = cap;
	return 1;
}

void
putbuf_fail(struct putbuf *b, int err)
{
	if (b->err == SYM_OK)
		b->err = err < 0 ? err : SYM_ERR_INTERNAL;
}

void
putbuf_bytes(struct putbuf *b, const void *p, size_t n)
{
	if (p == NULL && n != 0) {
		putbuf_fail(b, SYM_ERR_INVALID);
		return;
	}
	if (n == 0 || !s_room(b, n))
		return;
	memcpy(b->data + b->len, p, n);
	b->len += n;
}

void
putbuf_u8(struct putbuf *b, uint8_t v)
{
	putbuf_bytes(b, &v, 1);
}

void
putbuf_u32(struct putbuf *b, uint32_t v)
{
	uint8_t be[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};

	putbuf_bytes(b, be, sizeof(be));
}

void
putbuf_u64(struct putbuf *b, uint64_t v)
{
	putbuf_u32(b, (uint32_t)(v >> 32));
	putbuf_u32(b, (uint32_t)v);
}

/* A length that does not fit its prefix fails the whole buffer, never truncates. */
static int
s_length_fits(struct putbuf *b, size_t n, uint64_t limit)
{
	if ((uint64_t)n <= limit)
		return 1;
	putbuf_fail(b, SYM_ERR_RANGE);
	return 0;
}

void
putbuf_string8(struct putbuf *b, const void *p, size_t n)
{
	if (!s_length_fits(b, n, UINT8_MAX))
		return;
	putbuf_u8(b, (uint8_t)n);
	putbuf_bytes(b, p, n);
}

void
putbuf_string32(struct putbuf *b, const void *p, size_t n)
{
	if (!s_length_fits(b, n, UINT32_MAX))
		return;
	putbuf_u32(b, (uint32_t)n);
	putbuf_bytes(b, p, n);
}

int
putbuf_error(const struct putbuf *b)
{
	return b->err;
}

const uint8_t *
putbuf_ptr(const struct putbuf *b)
{
	return b->data;
}

size_t
putbuf_len(const struct putbuf *b)
{
	return b->len;
}

int
putbuf_done(struct putbuf *b, size_t *len)
{
	int r = b->heap ? SYM_ERR_INVALID : b->err;

	*len = 0;
	if (r != SYM_OK) {
		putbuf_wipe(b);
		return r;
	}
	*len = b->len;
	return SYM_OK;
}

int
putbuf_finish(struct putbuf *b, uint8_t **out, size_t *out_len)
{
	int r = b->heap ? b->err : SYM_ERR_INVALID;

	*out = NULL;
	*out_len = 0;
	/* Nothing written: still a pointer the caller can free() and tell from failure. */
	if (r == SYM_OK && b->data == NULL && (b->data = malloc(1)) == NULL)
		r = SYM_ERR_ALLOC;
	if (r != SYM_OK) {
		putbuf_wipe(b);
		return r;
	}
	*out = b->data;
	*out_len = b->len;
	b->data = NULL; /* transferred */
	putbuf_wipe(b);
	return SYM_OK;
}

void
putbuf_wipe(struct putbuf *b)
{
	if (b->data != NULL && b->len != 0)
		sodium_memzero(b->data, b->len);
	if (b->heap)
		free(b->data);
	memset(b, 0, sizeof(*b));
	b->err = SYM_ERR_INVALID;
}
