/*
 * A put-buffer: bounds-checked appending of the byte strings we sign and
 * hash (after OpenSSH's sshbuf, reduced to writing). Integers go big-endian;
 * a variable-length field goes with its length in front.
 *
 * The error is sticky: the first put that does not fit (or is invalid)
 * records its error code and every later put is a no-op, so a builder makes
 * all its puts and checks once, at the end, with putbuf_done or
 * putbuf_finish. A failed buffer never hands out partial bytes.
 *
 * Two kinds of memory:
 *   putbuf_init_fixed: the caller's array (e.g. on the stack); a put beyond
 *     its size fails with SYM_ERR_NOSPACE.
 *   putbuf_init_heap: malloc'd, grown on demand up to `max` bytes; a put
 *     beyond max fails with SYM_ERR_LIMIT, a failed allocation with
 *     SYM_ERR_ALLOC. putbuf_finish hands the bytes over.
 * putbuf_wipe zeroes what was written (and frees heap memory): call it on
 * every path that does not finish, as with any buffer that held secrets.
 *
 *	struct putbuf b;
 *	putbuf_init_heap(&b, LIMIT);
 *	putbuf_bytes(&b, DOMAIN, sizeof(DOMAIN));
 *	putbuf_u32(&b, version);
 *	putbuf_string8(&b, id, strlen(id));
 *	r = putbuf_finish(&b, &out, &out_len);	// SYM_OK, or the first error
 */
#ifndef SYMBI_PUTBUF_H
#define SYMBI_PUTBUF_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* Fields are private to putbuf.c; the struct is public so it can live on the stack. */
struct putbuf {
	uint8_t *data;
	size_t len; /* bytes written */
	size_t cap; /* bytes available at data */
	size_t max; /* heap: the most cap may grow to; fixed: cap */
	int err;    /* the first error, sticky */
	int heap;   /* data is ours to grow and free */
};

/* Write into mem[0..cap). mem may be NULL only if cap is 0. */
void putbuf_init_fixed(struct putbuf *b, void *mem, size_t cap);
/* Write into malloc'd memory of at most max bytes; nothing is allocated until the first put. */
void putbuf_init_heap(struct putbuf *b, size_t max);

void putbuf_u8(struct putbuf *b, uint8_t v);
void putbuf_u32(struct putbuf *b, uint32_t v); /* big-endian */
void putbuf_u64(struct putbuf *b, uint64_t v); /* big-endian */
/* n bytes as they are (a fixed-size field: a key, a digest, a domain with its NUL). */
void putbuf_bytes(struct putbuf *b, const void *p, size_t n);
/* u8 n || the n bytes; n > 255 fails with SYM_ERR_RANGE. */
void putbuf_string8(struct putbuf *b, const void *p, size_t n);
/* u32 n || the n bytes (big-endian length); n > UINT32_MAX fails with SYM_ERR_RANGE. */
void putbuf_string32(struct putbuf *b, const void *p, size_t n);

/* Fail the buffer with err (< 0) unless it failed already: a builder's own step went wrong. */
void putbuf_fail(struct putbuf *b, int err);
/* The sticky error, SYM_OK if every put so far fitted. */
int putbuf_error(const struct putbuf *b);
/* The bytes written so far (valid until the next put or wipe). */
const uint8_t *putbuf_ptr(const struct putbuf *b);
size_t putbuf_len(const struct putbuf *b);

/*
 * For a fixed buffer: the sticky error, or SYM_OK and the number of bytes
 * written into the caller's memory in *len. A failed buffer is wiped.
 */
int putbuf_done(struct putbuf *b, size_t *len) __attribute__((warn_unused_result));

/*
 * For a heap buffer: hand the bytes over (*out malloc'd, the caller free()s
 * it; at least one byte is allocated even when nothing was written) or
 * return the sticky error. b is empty afterwards either way.
 */
int putbuf_finish(struct putbuf *b, uint8_t **out, size_t *out_len)
    __attribute__((warn_unused_result));

/* Zero the bytes written, free heap memory, and leave b empty with SYM_ERR_INVALID. */
void putbuf_wipe(struct putbuf *b);

#endif
