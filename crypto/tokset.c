#include "tokset.h"

#include <string.h>

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

int
tokset_contains(const token_t *t, size_t n, token_t x)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (t[mid] < x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && t[lo] == x;
}

size_t
tokset_intersect(const token_t *a, size_t na, const token_t *b, size_t nb, token_t *out)
{
	size_t i = 0, j = 0, k = 0;

	while (i < na && j < nb) {
		if (a[i] < b[j]) {
			i++;
		} else if (b[j] < a[i]) {
			j++;
		} else {
			out[k++] = a[i];
			i++;
			j++;
		}
	}
	return k;
}
