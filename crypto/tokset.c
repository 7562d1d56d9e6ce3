#include "tokset.h"

#include <endian.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"

/* Wire bytes <-> the number they spell, which the radix sort orders. */
static uint64_t
s_load_be(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return be64toh(v);
}

static void
s_store_be(uint8_t *p, uint64_t v)
{
	v = htobe64(v);
	memcpy(p, &v, sizeof(v));
}

int
tokset_wire_valid(const uint8_t *buf, size_t len, size_t max_tokens)
{
	size_t i;

	if (len % TOKEN_LEN != 0 || len / TOKEN_LEN > max_tokens)
		return 0;
	for (i = TOKEN_LEN; i < len; i += TOKEN_LEN)
		if (memcmp(buf + i - TOKEN_LEN, buf + i, TOKEN_LEN) >= 0)
			return 0;
	return 1;
}

size_t
tokset_wire_intersect(const uint8_t *a, size_t na, const uint8_t *b, size_t nb, uint8_t *out)
{
	size_t i = 0, j = 0, k = 0;

	while (i < na && j < nb) {
		int c = memcmp(a + TOKEN_LEN * i, b + TOKEN_LEN * j, TOKEN_LEN);
		if (c < 0) {
			i++;
		} else if (c > 0) {
			j++;
		} else {
			memcpy(out + TOKEN_LEN * k++, a + TOKEN_LEN * i, TOKEN_LEN);
			i++;
			j++;
		}
	}
	return k;
}

int
tokset_wire_contains(const uint8_t *set, size_t n, const uint8_t token[TOKEN_LEN])
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (memcmp(set + TOKEN_LEN * mid, token, TOKEN_LEN) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && memcmp(set + TOKEN_LEN * lo, token, TOKEN_LEN) == 0;
}

size_t
tokset_wire_sort(token_t *t, size_t n, token_t *scratch)
{
	size_t i;

	/* The radix sort orders numbers: read the wire bytes as one, and back. */
	for (i = 0; i < n; i++)
		t[i] = s_load_be((const uint8_t *)&t[i]);
	tokset_sort(t, n, scratch);
	n = tokset_unique(t, n);
	for (i = 0; i < n; i++)
		s_store_be((uint8_t *)&t[i], t[i]);
	return n;
}

size_t
tokset_pad_target(size_t n, size_t min, size_t quantum)
{
	size_t target = n > min ? n : min;

	if (quantum > 0 && target % quantum != 0)
		target += quantum - target % quantum;
	return target;
}

/* One try of tokset_wire_pad: 0 when a random token met another one. */
static int
s_merge_pad(const uint8_t *set, size_t n, const uint64_t *pad, size_t npad, uint8_t *out)
{
	size_t i = 0, j = 0, k;
	uint64_t v, prev = 0;

	for (k = 0; k < n + npad; k++) {
		if (j >= npad || (i < n && s_load_be(set + TOKEN_LEN * i) < pad[j]))
			v = s_load_be(set + TOKEN_LEN * i++);
		else
			v = pad[j++];
		if (k > 0 && v == prev)
			return 0;
		s_store_be(out + TOKEN_LEN * k, v);
		prev = v;
	}
	return 1;
}

int
tokset_wire_pad(const uint8_t *set, size_t n, size_t target, uint8_t *out)
{
	uint64_t *pad = NULL, *scratch = NULL;
	size_t npad;
	int r = SYM_ERR_ALLOC;

	if (n > target)
		return SYM_ERR_INVALID;
	npad = target - n;
	if ((pad = malloc((npad + 1) * sizeof(*pad))) == NULL ||
	    (scratch = malloc((npad + 1) * sizeof(*scratch))) == NULL)
		goto out;
	/*
	 * A random token equal to another is astronomically rare (2^-64 each);
	 * the padding is then drawn again, so the set always has `target`
	 * distinct tokens.
	 */
	do {
		randombytes_buf(pad, npad * sizeof(*pad));
		tokset_sort(pad, npad, scratch);
	} while (!s_merge_pad(set, n, pad, npad, out));
	r = SYM_OK;
out:
	free(pad);
	free(scratch);
	return r;
}

void
tokset_sort(token_t *t, size_t n, token_t *scratch)
{
	size_t count[256], i, pass, sum, c;
	token_t *src = t, *dst = scratch, *tmp;

	if (n < 2)
		return;
	/* Eight byte-wide passes; an even count leaves the result back in t. */
	for (pass = 0; pass < 8; pass++) {
		unsigned shift = (unsigned)(pass * 8);

		memset(count, 0, sizeof(count));
		for (i = 0; i < n; i++)
			count[(src[i] >> shift) & 0xff]++;
		if (count[(src[0] >> shift) & 0xff] == n) {
			/* Every key has the same byte here: the pass would be a copy. */
			memcpy(dst, src, n * sizeof(*src));
		} else {
			for (sum = 0, i = 0; i < 256; i++) {
				c = count[i];
				count[i] = sum;
				sum += c;
			}
			for (i = 0; i < n; i++)
				dst[count[(src[i] >> shift) & 0xff]++] = src[i];
		}
		tmp = src;
		src = dst;
		dst = tmp;
	}
}

size_t
tokset_unique(token_t *t, size_t n)
{
	size_t i, w = 0;

	for (i = 0; i < n; i++)
		if (w == 0 || t[w - 1] != t[i])
			t[w++] = t[i];
	return w;
}
