/*
 * The Merkle proof verifiers. Input: a mode byte, then
 *   mode 0 (inclusion, raw):   index u64, size u64, leaf 32, root 32, proof hashes
 *   mode 1 (consistency, raw): m u64, n u64, old root 32, new root 32, proof hashes
 *   mode 2 (inclusion, real):  n u8, index u8, flip u16, leaf data...: a real tree
 *   mode 3 (consistency, real): n u8, m u8, flip u16, leaf data...
 * Raw modes feed arbitrary values (up to MERKLE_MAX_PROOF + 2 hashes, so the
 * length check is exercised). Real modes build a tree of up to 64 leaves,
 * make a proof, which must verify, then flip one bit of proof or root, after
 * which it must not.
 */
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "fuzz_common.h"
#include "merkle.h"

#define S_MAX_HASHES (MERKLE_MAX_PROOF + 2)

static uint64_t
s_u64(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static void
s_raw(int consistency, const uint8_t *data, size_t size)
{
	merkle_hash_t a, b, proof[S_MAX_HASHES];
	uint64_t x, y;
	size_t n;

	if (size < 80)
		return;
	x = s_u64(data);
	y = s_u64(data + 8);
	memcpy(a, data + 16, 32);
	memcpy(b, data + 48, 32);
	n = (size - 80) / 32;
	if (n > S_MAX_HASHES)
		n = S_MAX_HASHES;
	memcpy(proof, data + 80, n * 32);
	if (consistency)
		(void)!merkle_consistency_verify(x, y, a, b, (const merkle_hash_t *)proof, n);
	else
		(void)!merkle_inclusion_verify(x, y, a, (const merkle_hash_t *)proof, n, b);
}

static void
s_real(int consistency, const uint8_t *data, size_t size)
{
	merkle_hash_t leaves[64], proof[MERKLE_MAX_PROOF], root, old_root;
	size_t plen = 0, i;
	uint64_t n, k;
	unsigned flip;

	if (size < 4)
		return;
	n = 1 + data[0] % 64;
	k = data[1] % n; /* inclusion: leaf index; consistency: m - 1 */
	flip = (unsigned)data[2] << 8 | data[3];
	data += 4;
	size -= 4;
	for (i = 0; i < n; i++) {
		size_t off = size == 0 ? 0 : (i * 7) % size;
		uint8_t tag[2] = {(uint8_t)i, size == 0 ? 0 : data[off]};
		merkle_leaf_hash(tag, sizeof(tag), leaves[i]);
	}
	if (merkle_root((const merkle_hash_t *)leaves, n, root) != SYM_OK)
		abort();
	if (!consistency) {
		if (merkle_inclusion_proof((const merkle_hash_t *)leaves, n, k, proof, &plen) !=
		        SYM_OK ||
		    merkle_inclusion_verify(k, n, leaves[k], (const merkle_hash_t *)proof, plen,
		                            root) != SYM_OK)
			abort();
	} else {
		if (merkle_root((const merkle_hash_t *)leaves, k + 1, old_root) != SYM_OK ||
		    merkle_consistency_proof((const merkle_hash_t *)leaves, k + 1, n, proof,
		                             &plen) != SYM_OK ||
		    merkle_consistency_verify(k + 1, n, old_root, root,
		                              (const merkle_hash_t *)proof, plen) != SYM_OK)
			abort();
	}
	/* Flip one bit of the proof (or of the new root when the proof is empty). */
	if (plen > 0)
		proof[(flip >> 8) % plen][(flip >> 3) % 32] ^= (uint8_t)(1u << (flip & 7));
	else
		root[(flip >> 3) % 32] ^= (uint8_t)(1u << (flip & 7));
	/* Every proof hash and the new root feed the comparison: a flipped bit must fail. */
	if (!consistency ? merkle_inclusion_verify(k, n, leaves[k], (const merkle_hash_t *)proof,
	                                           plen, root) == SYM_OK
	                 : merkle_consistency_verify(k + 1, n, old_root, root,
	                                             (const merkle_hash_t *)proof, plen) == SYM_OK)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_sodium_init();
	if (size < 1)
		return 0;
	switch (data[0] & 3) {
	case 0: s_raw(0, data + 1, size - 1); break;
	case 1: s_raw(1, data + 1, size - 1); break;
	case 2: s_real(0, data + 1, size - 1); break;
	default: s_real(1, data + 1, size - 1); break;
	}
	return 0;
}
