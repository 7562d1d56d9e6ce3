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

	uint64_t prev, cur;

	if (len % TOKEN_LEN != 0 || len / TOKEN_LEN > max_tokens)
		return 0;
	/* Big-endian numbers order as the bytes do: one comparison per token, no call. */
	for (i = TOKEN_LEN, prev = len ? s_load_be(buf) : 0; i < len; i += TOKEN_LEN, prev = cur)
		if ((cur = s_load_be(buf + i)) <= prev)
			return 0;
	return 1;
}

/*
 * The first index at or after i whose token is at least y: steps of 1, 2, 4,
 * ... then a binary search in the last step, so a token far ahead costs its
 * logarithm rather than the distance.
 */
static size_t
s_gallop(const uint8_t *a, size_t na, size_t i, uint64_t y)
{
	size_t lo = i, step = 1, hi;

	while (lo + step < na && s_load_be(a + TOKEN_LEN * (lo + step)) < y) {
		lo += step;
		step *= 2;
	}
	hi = lo + step < na ? lo + step : na;
	/* The token at hi, where there is one, is at least y: the answer is in [lo, hi]. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (s_load_be(a + TOKEN_LEN * mid) < y)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The ratio of sizes above which each token of the smaller set gallops. */
#define S_GALLOP_RATIO 32

size_t
tokset_wire_intersect(const uint8_t *a, size_t na, const uint8_t *b, size_t nb, uint8_t *out)
{
	size_t i = 0, j = 0, k = 0;

	/*
	 * The join of a round. Equal tokens are equal bytes, so which set is
	 * walked makes no difference to the result: a need set of 256 tokens
	 * against an offer set of 131,072 looks each of its tokens up.
	 */
	if (na > S_GALLOP_RATIO * nb || nb > S_GALLOP_RATIO * na) {
		const uint8_t *big = na > nb ? a : b, *small = na > nb ? b : a;
		size_t nbig = na > nb ? na : nb, nsmall = na > nb ? nb : na;
		for (j = 0; j < nsmall && i < nbig; j++) {
			uint64_t y = s_load_be(small + TOKEN_LEN * j);
			if ((i = s_gallop(big, nbig, i, y)) < nbig &&
			    s_load_be(big + TOKEN_LEN * i) == y) {
				memcpy(out + TOKEN_LEN * k++, small + TOKEN_LEN * j, TOKEN_LEN);
				i++;
			}
		}
		return k;
	}
	/*
	 * A plain merge below that ratio. Its branches look unpredictable but are
	 * not at the usual 8 to 1 of offer to need sets; a merge without
	 * branches was twice as slow there (2,048 against 256 tokens: 4.6 us
	 * against 2.0 us, 64 different pairs in turn).
	 */
	while (i < na && j < nb) {
		uint64_t x = s_load_be(a + TOKEN_LEN * i), y = s_load_be(b + TOKEN_LEN * j);
		if (x < y) {
			i++;
		} else if (x > y) {
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
tokset_size_class(size_t n, uint32_t floor, uint32_t fixed)
{
	size_t c = 1;

	if (fixed > 0)
		return fixed;
	if (n < floor)
		n = floor;
	while (c < n && c <= SIZE_MAX / 2)
		c <<= 1;
	return c;
}

int
tokset_size_allowed(size_t n, uint32_t floor, uint32_t max, uint32_t fixed)
{
	if (fixed > 0)
		return n == fixed;
	if (max == 0)
		return 1; /* a version 1 round */
	return n > 0 && (n & (n - 1)) == 0 && n >= floor && n <= max;
}

/* Tokens first .. first + count - 1 of the padding stream (host order). */
static void
s_pad_stream(const uint8_t key[TOKSET_PAD_KEY_LEN], enum tokset_pad_domain domain, uint64_t first,
             size_t count, uint64_t *out)
{
	uint8_t nonce[crypto_stream_chacha20_NONCEBYTES] = {0};
	uint8_t block[64];
	uint64_t blk = first / 8;
	size_t k = 0, off = (size_t)(first % 8);

	nonce[0] = (uint8_t)domain;
	/*
	 * From the stream's start, the whole run in one call (libsodium's
	 * vectorised path works on several blocks at once), written in place
	 * over out and read back as numbers.
	 */
	if (first == 0 && count > 0) {
		uint8_t *bytes = (uint8_t *)out;
		memset(out, 0, count * sizeof(*out));
		crypto_stream_chacha20_xor_ic(bytes, bytes, count * TOKEN_LEN, nonce, 0, key);
		for (k = 0; k < count; k++)
			out[k] = s_load_be(bytes + TOKEN_LEN * k);
		return;
	}
	/* A 64-byte ChaCha20 block is eight tokens; the counter counts blocks. */
	while (k < count) {
		memset(block, 0, sizeof(block));
		crypto_stream_chacha20_xor_ic(block, block, sizeof(block), nonce, blk++, key);
		for (; off < 8 && k < count; off++)
			out[k++] = s_load_be(block + TOKEN_LEN * off);
		off = 0;
	}
	sodium_memzero(block, sizeof(block));
}

/*
 * 1 when the sorted padding has no repeat and meets no real token: one
 * linear merge, the case of every set but one in about 2^64 / n^2.
 */
static int
s_pad_clean(const uint8_t *set, size_t n, const uint64_t *sorted, size_t npad)
{
	size_t i = 0, j;

	for (j = 0; j < npad; j++) {
		if (j > 0 && sorted[j] == sorted[j - 1])
			return 0;
		while (i < n && s_load_be(set + TOKEN_LEN * i) < sorted[j])
			i++;
		if (i < n && s_load_be(set + TOKEN_LEN * i) == sorted[j])
			return 0;
	}
	return 1;
}

/*
 * Positions of pad (in stream order) that cannot be used: a real token, or a
 * value an earlier position already has. sorted is pad sorted. Marks them
 * with bad[k] = 1 and returns how many.
 */
static size_t
s_pad_rejects(const uint8_t *set, size_t n, const uint64_t *pad, const uint64_t *sorted,
              size_t npad, uint8_t *bad)
{
	size_t i, k, nbad = 0;
	uint8_t be[TOKEN_LEN];

	for (k = 0; k < npad; k++) {
		s_store_be(be, pad[k]);
		bad[k] = (uint8_t)tokset_wire_contains(set, n, be);
	}
	/* Repeats are next to each other in sorted: keep the first position of each. */
	for (i = 1; i < npad; i++) {
		int seen = 0;
		if (sorted[i] != sorted[i - 1] || (i > 1 && sorted[i - 1] == sorted[i - 2]))
			continue;
		for (k = 0; k < npad; k++)
			if (pad[k] == sorted[i] && seen++ > 0)
				bad[k] = 1;
	}
	for (k = 0; k < npad; k++)
		nbad += bad[k];
	return nbad;
}

/* Merge the sorted padding into the wire set: out has n + npad tokens. */
static void
s_merge_pad(const uint8_t *set, size_t n, const uint64_t *pad, size_t npad, uint8_t *out)
{
	size_t i = 0, j = 0, k;

	for (k = 0; k < n + npad; k++) {
		if (j >= npad || (i < n && s_load_be(set + TOKEN_LEN * i) < pad[j]))
			s_store_be(out + TOKEN_LEN * k, s_load_be(set + TOKEN_LEN * i++));
		else
			s_store_be(out + TOKEN_LEN * k, pad[j++]);
	}
}

/*
 * The usual case in one sort: the real tokens and the stream's first
 * target - n tokens together, then a look for two equal neighbours. None
 * (all but about one set in 2^64 / target^2): out is the padded set, *done
 * = 1. Otherwise *done = 0 and the exact path below picks the replacements.
 */
static int
s_pad_fast(const uint8_t *set, size_t n, size_t target, const uint8_t key[TOKSET_PAD_KEY_LEN],
           enum tokset_pad_domain domain, uint8_t *out, int *done)
{
	uint64_t *all = malloc((target + 1) * sizeof(*all));
	uint64_t *scratch = malloc((target + 1) * sizeof(*scratch));
	size_t k;
	int r = SYM_ERR_ALLOC;

	*done = 0;
	if (all == NULL || scratch == NULL)
		goto out;
	for (k = 0; k < n; k++)
		all[k] = s_load_be(set + TOKEN_LEN * k);
	s_pad_stream(key, domain, 0, target - n, all + n);
	tokset_sort(all, target, scratch);
	for (k = 1; k < target && all[k] != all[k - 1]; k++)
		;
	if (k >= target) {
		for (k = 0; k < target; k++)
			s_store_be(out + TOKEN_LEN * k, all[k]);
		*done = 1;
	}
	r = SYM_OK;
out:
	/* The real tokens were in both: wiped like the caller's copy. */
	if (all != NULL)
		sodium_memzero(all, (target + 1) * sizeof(*all));
	if (scratch != NULL)
		sodium_memzero(scratch, (target + 1) * sizeof(*scratch));
	free(all);
	free(scratch);
	return r;
}

int
tokset_wire_pad(const uint8_t *set, size_t n, size_t target, const uint8_t key[TOKSET_PAD_KEY_LEN],
                enum tokset_pad_domain domain, uint8_t *out)
{
	uint64_t *pad = NULL, *sorted = NULL, *scratch = NULL, next;
	uint8_t *bad = NULL;
	size_t npad, k;
	int r, done = 0;

	if (n > target)
		return SYM_ERR_INVALID;
	npad = target - n;
	if (npad > 0 &&
	    ((r = s_pad_fast(set, n, target, key, domain, out, &done)) != SYM_OK || done))
		return r;
	r = SYM_ERR_ALLOC;
	if ((pad = malloc((npad + 1) * sizeof(*pad))) == NULL ||
	    (sorted = malloc((npad + 1) * sizeof(*sorted))) == NULL ||
	    (scratch = malloc((npad + 1) * sizeof(*scratch))) == NULL ||
	    (bad = malloc(npad + 1)) == NULL)
		goto out;
	s_pad_stream(key, domain, 0, npad, pad);
	next = npad;
	/*
	 * A stream token equal to a real one or to another is astronomically
	 * rare (2^-64 each); such a position takes the stream's next token, so
	 * the set always has `target` distinct tokens, the same on every run.
	 */
	for (;;) {
		memcpy(sorted, pad, npad * sizeof(*pad));
		tokset_sort(sorted, npad, scratch);
		if (s_pad_clean(set, n, sorted, npad) ||
		    s_pad_rejects(set, n, pad, sorted, npad, bad) == 0)
			break;
		for (k = 0; k < npad; k++)
			if (bad[k])
				s_pad_stream(key, domain, next++, 1, &pad[k]);
	}
	s_merge_pad(set, n, sorted, npad, out);
	r = SYM_OK;
out:
	free(pad);
	free(sorted);
	free(scratch);
	free(bad);
	return r;
}

/* Insertion sort: what a bucket of the top-bits pass holds is a few tokens. */
static void
s_insertion_sort(token_t *t, size_t n)
{
	size_t i, j;

	for (i = 1; i < n; i++) {
		token_t v = t[i];
		for (j = i; j > 0 && t[j - 1] > v; j--)
			t[j] = t[j - 1];
		t[j] = v;
	}
}

/*
 * LSD radix sort, six passes of 11 bits (the last of 9): any input in
 * linear time. Six passes instead of eight byte-wide ones: the counts (16
 * KiB) still sit in the L1 cache.
 */
static void
s_radix_lsd(token_t *t, size_t n, token_t *scratch)
{
	size_t count[2048], i, pass, sum, c;
	token_t *src = t, *dst = scratch, *tmp;

	/* An even count of passes leaves the result back in t. */
	for (pass = 0; pass < 6; pass++) {
		unsigned shift = (unsigned)(pass * 11);

		memset(count, 0, sizeof(count));
		for (i = 0; i < n; i++)
			count[(src[i] >> shift) & 0x7ff]++;
		if (count[(src[0] >> shift) & 0x7ff] == n) {
			/* Every key has the same digit here: the pass would be a copy. */
			memcpy(dst, src, n * sizeof(*src));
		} else {
			for (sum = 0, i = 0; i < 2048; i++) {
				c = count[i];
				count[i] = sum;
				sum += c;
			}
			for (i = 0; i < n; i++)
				dst[count[(src[i] >> shift) & 0x7ff]++] = src[i];
		}
		tmp = src;
		src = dst;
		dst = tmp;
	}
}

#define S_TOP_BITS_MAX 13 /* 8,192 buckets: 32 KiB of counts on the stack */
#define S_SMALL_BUCKET 32 /* insertion-sorted */
/* Above: the radix passes. Measured: once a set and its scratch outgrow the L2 cache, they win. */
#define S_CACHE_TOKENS 16384

/*
 * Tokens are PRF and stream outputs, uniform over 64 bits: one pass on the
 * top bits (about four tokens a bucket), then one insertion pass, which
 * moves each token only within its bucket, is a third of the work of eight
 * radix passes (symbi-bench tokens). When a bucket is not small (input that
 * is not uniform: a test's, an attacker's) that bucket gets the radix
 * passes instead, so every input stays linear.
 */
void
tokset_sort(token_t *t, size_t n, token_t *scratch)
{
	uint32_t count[((size_t)1 << S_TOP_BITS_MAX) + 1];
	size_t i, b, nb, start, len, widest = 0;
	unsigned bits = 1, shift;

	if (n <= S_SMALL_BUCKET) {
		s_insertion_sort(t, n);
		return;
	}
	if (n > S_CACHE_TOKENS) {
		s_radix_lsd(t, n, scratch);
		return;
	}
	while (bits < S_TOP_BITS_MAX && ((size_t)4 << bits) <= n)
		bits++;
	nb = (size_t)1 << bits;
	shift = 64 - bits;
	memset(count, 0, (nb + 1) * sizeof(*count));
	for (i = 0; i < n; i++)
		count[(t[i] >> shift) + 1]++;
	for (b = 0; b < nb; b++) {
		widest = count[b + 1] > widest ? count[b + 1] : widest;
		count[b + 1] += count[b];
	}
	/* count[b] is where bucket b starts; after the scatter, where it ends. */
	for (i = 0; i < n; i++)
		scratch[count[t[i] >> shift]++] = t[i];
	if (widest <= S_SMALL_BUCKET) {
		s_insertion_sort(scratch, n);
	} else {
		for (b = 0, start = 0; b < nb; start = count[b], b++) {
			len = count[b] - start;
			if (len <= S_SMALL_BUCKET)
				s_insertion_sort(scratch + start, len);
			else
				s_radix_lsd(scratch + start, len, t + start);
		}
	}
	memcpy(t, scratch, n * sizeof(*t));
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
