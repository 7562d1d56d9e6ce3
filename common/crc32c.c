#include "crc32c.h"

#include <string.h>

#define CRC32C_POLY 0x82f63b78u /* reflected */

static uint32_t
s_table_update(uint32_t crc, const uint8_t *p, size_t len)
{
	static uint32_t table[256];
	static int ready;
	size_t i;

	/* Built on first use; a thread racing here writes the same values. */
	if (!__atomic_load_n(&ready, __ATOMIC_ACQUIRE)) {
		for (i = 0; i < 256; i++) {
			uint32_t c = (uint32_t)i;
			int k;
			for (k = 0; k < 8; k++)
				c = (c >> 1) ^ (CRC32C_POLY & (0u - (c & 1)));
			table[i] = c;
		}
		__atomic_store_n(&ready, 1, __ATOMIC_RELEASE);
	}
	for (i = 0; i < len; i++)
		crc = (crc >> 8) ^ table[(crc ^ p[i]) & 0xff];
	return crc;
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <nmmintrin.h>
#include <pthread.h>

/*
 * The crc32 instruction takes three cycles but can start one a cycle, so one
 * running CRC uses a third of it. Long inputs are cut into blocks of three
 * streams of S_LONG (or S_SHORT) bytes, CRC'd side by side, and joined: the
 * CRC (without the inversions) is linear, so
 *
 *     crc(c, A || B) = shift_|B|(crc(c, A)) ^ crc(0, B)
 *
 * where shift_n(c) = crc(c, n zero bytes) is a linear map of 32 bits, kept as
 * four tables of 256 words per length. Every byte of a round's token batches
 * passes through here twice: when its file is written and when it is read back.
 */
#define S_LONG 8192
#define S_SHORT 256

struct s_shift {
	uint32_t t[4][256];
};

static struct s_shift s_shift_long, s_shift_short;

__attribute__((target("sse4.2"))) static uint32_t
s_zeros(uint32_t crc, size_t len)
{
	uint64_t c = crc;

	for (; len >= 8; len -= 8)
		c = _mm_crc32_u64(c, 0);
	return (uint32_t)c;
}

__attribute__((target("sse4.2"))) static void
s_shift_build(struct s_shift *s, size_t len)
{
	uint32_t basis[32];
	int k, b, v;

	for (b = 0; b < 32; b++)
		basis[b] = s_zeros(1u << b, len);
	for (k = 0; k < 4; k++) {
		for (v = 0; v < 256; v++) {
			uint32_t x = 0;
			for (b = 0; b < 8; b++)
				if (v & (1 << b))
					x ^= basis[8 * k + b];
			s->t[k][v] = x;
		}
	}
}

static void
s_shift_init(void)
{
	s_shift_build(&s_shift_long, S_LONG);
	s_shift_build(&s_shift_short, S_SHORT);
}

static uint32_t
s_shift(const struct s_shift *s, uint32_t c)
{
	return s->t[0][c & 0xff] ^ s->t[1][(c >> 8) & 0xff] ^ s->t[2][(c >> 16) & 0xff] ^
	       s->t[3][c >> 24];
}

__attribute__((target("sse4.2"))) static uint32_t
s_sse42_streams(uint32_t crc, const uint8_t **pp, size_t *lenp, size_t stream,
                const struct s_shift *shift)
{
	const uint8_t *p = *pp;
	size_t len = *lenp;

	while (len >= 3 * stream) {
		uint64_t c0 = crc, c1 = 0, c2 = 0, v0, v1, v2;
		const uint8_t *end = p + stream;

		for (; p < end; p += 8) {
			memcpy(&v0, p, 8);
			memcpy(&v1, p + stream, 8);
			memcpy(&v2, p + 2 * stream, 8);
			c0 = _mm_crc32_u64(c0, v0);
			c1 = _mm_crc32_u64(c1, v1);
			c2 = _mm_crc32_u64(c2, v2);
		}
		crc = s_shift(shift, s_shift(shift, (uint32_t)c0) ^ (uint32_t)c1) ^ (uint32_t)c2;
		p += 2 * stream;
		len -= 3 * stream;
	}
	*pp = p;
	*lenp = len;
	return crc;
}

__attribute__((target("sse4.2"))) static uint32_t
s_sse42_update(uint32_t crc, const uint8_t *p, size_t len)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	uint64_t c;

	if (len >= 3 * S_SHORT) {
		(void)pthread_once(&once, s_shift_init);
		crc = s_sse42_streams(crc, &p, &len, S_LONG, &s_shift_long);
		crc = s_sse42_streams(crc, &p, &len, S_SHORT, &s_shift_short);
	}
	c = crc;
	for (; len >= 8; p += 8, len -= 8) {
		uint64_t v;
		memcpy(&v, p, 8);
		c = _mm_crc32_u64(c, v);
	}
	crc = (uint32_t)c;
	for (; len > 0; p++, len--)
		crc = _mm_crc32_u8(crc, *p);
	return crc;
}
#endif

uint32_t
crc32c_update(uint32_t crc, const uint8_t *p, size_t len)
{
	crc = ~crc;
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
	if (__builtin_cpu_supports("sse4.2"))
		return ~s_sse42_update(crc, p, len);
#endif
	return ~s_table_update(crc, p, len);
}
