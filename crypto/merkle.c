/*
 * RFC 6962 / RFC 9162 Merkle trees over SHA-256.
 *
 * Generation follows the recursive definitions of RFC 6962 section 2.1
 * (MTH, PATH, PROOF/SUBPROOF) literally, so the code can be read against the
 * RFC; every recursion halves the range, so the depth is at most 64 and the
 * stack use is a few kilobytes. Verification uses the iterative algorithms of
 * RFC 9162 sections 2.1.3.2 and 2.1.4.2, which also reject a proof of the
 * wrong length without computing its expected length separately.
 *
 * Nothing here is secret (leaves and proofs are public by design), so hashes
 * are not wiped; roots are still compared with sodium_memcmp out of habit.
 */
#include "merkle.h"

#include <sodium.h>
#include <stdint.h>
#include <string.h>

#include "err.h"

/* Domain separation between leaves and interior nodes (RFC 6962 section 2.1). */
#define MERKLE_LEAF_PREFIX 0x00
#define MERKLE_NODE_PREFIX 0x01

void
merkle_leaf_hash(const uint8_t *data, size_t len, merkle_hash_t out)
{
	crypto_hash_sha256_state st;
	const uint8_t prefix = MERKLE_LEAF_PREFIX;

	(void)crypto_hash_sha256_init(&st);
	(void)crypto_hash_sha256_update(&st, &prefix, 1);
	if (len > 0)
		(void)crypto_hash_sha256_update(&st, data, len);
	(void)crypto_hash_sha256_final(&st, out);
}

/*
 * `out` may alias `left` or `right`: both are absorbed into the state before
 * the digest is written, which lets the verifiers fold a hash in place.
 */
void
merkle_node_hash(const merkle_hash_t left, const merkle_hash_t right, merkle_hash_t out)
{
	crypto_hash_sha256_state st;
	const uint8_t prefix = MERKLE_NODE_PREFIX;

	(void)crypto_hash_sha256_init(&st);
	(void)crypto_hash_sha256_update(&st, &prefix, 1);
	(void)crypto_hash_sha256_update(&st, left, MERKLE_HASH_LEN);
	(void)crypto_hash_sha256_update(&st, right, MERKLE_HASH_LEN);
	(void)crypto_hash_sha256_final(&st, out);
}

/* The largest power of two smaller than n (n >= 2); written so 2k never overflows. */
static uint64_t
s_split(uint64_t n)
{
	uint64_t k = 1;

	while (k < n - k)
		k <<= 1;
	return k;
}

/* An array of n leaf hashes must fit in the address space for n to be honest. */
static int
s_leaves_valid(const merkle_hash_t *leaves, uint64_t n)
{
	if (n == 0)
		return 1;
	return leaves != NULL && n <= SIZE_MAX / sizeof(merkle_hash_t);
}

/* MTH(D[0:n]) for n >= 1. */
static void
s_range_root(const merkle_hash_t *leaves, uint64_t n, merkle_hash_t out)
{
	merkle_hash_t left, right;
	uint64_t k;

	if (n == 1) {
		memcpy(out, leaves[0], MERKLE_HASH_LEN);
		return;
	}
	k = s_split(n);
	s_range_root(leaves, k, left);
	s_range_root(leaves + k, n - k, right);
	merkle_node_hash(left, right, out);
}

/* Appends one hash; the depth bound makes overflow impossible, so it is a bug. */
static int
s_proof_push(merkle_hash_t proof[MERKLE_MAX_PROOF], size_t *proof_len, const merkle_hash_t h)
{
	if (*proof_len >= MERKLE_MAX_PROOF)
		return SYM_ERR_INTERNAL;
	memcpy(proof[*proof_len], h, MERKLE_HASH_LEN);
	(*proof_len)++;
	return SYM_OK;
}

int
merkle_root(const merkle_hash_t *leaves, uint64_t n, merkle_hash_t out)
{
	if (out == NULL || !s_leaves_valid(leaves, n))
		return SYM_ERR_INVALID;
	if (n == 0) {
		(void)crypto_hash_sha256(out, NULL, 0);
		return SYM_OK;
	}
	s_range_root(leaves, n, out);
	return SYM_OK;
}

/* PATH(m, D[0:n]) of RFC 6962 section 2.1.1, appended leaf-side first. */
static int
s_path(const merkle_hash_t *leaves, uint64_t n, uint64_t m, merkle_hash_t proof[MERKLE_MAX_PROOF],
       size_t *proof_len)
{
	merkle_hash_t sibling;
	uint64_t k;
	int r;

	if (n == 1)
		return SYM_OK;
	k = s_split(n);
	if (m < k) {
		if ((r = s_path(leaves, k, m, proof, proof_len)) != SYM_OK)
			return r;
		s_range_root(leaves + k, n - k, sibling);
	} else {
		if ((r = s_path(leaves + k, n - k, m - k, proof, proof_len)) != SYM_OK)
			return r;
		s_range_root(leaves, k, sibling);
	}
	return s_proof_push(proof, proof_len, sibling);
}

int
merkle_inclusion_proof(const merkle_hash_t *leaves, uint64_t n, uint64_t index,
                       merkle_hash_t proof[MERKLE_MAX_PROOF], size_t *proof_len)
{
	int r;

	if (proof == NULL || proof_len == NULL)
		return SYM_ERR_INVALID;
	*proof_len = 0;
	if (index >= n || !s_leaves_valid(leaves, n))
		return SYM_ERR_INVALID;
	if ((r = s_path(leaves, n, index, proof, proof_len)) != SYM_OK)
		*proof_len = 0;
	return r;
}

/*
 * SUBPROOF(m, D[0:n], b) of RFC 6962 section 2.1.2. `complete` is b: true
 * while the old tree's root is a node the verifier already knows.
 */
static int
s_subproof(const merkle_hash_t *leaves, uint64_t m, uint64_t n, int complete,
           merkle_hash_t proof[MERKLE_MAX_PROOF], size_t *proof_len)
{
	merkle_hash_t h;
	uint64_t k;
	int r;

	if (m == n) {
		if (complete)
			return SYM_OK;
		s_range_root(leaves, n, h);
		return s_proof_push(proof, proof_len, h);
	}
	k = s_split(n);
	if (m <= k) {
		if ((r = s_subproof(leaves, m, k, complete, proof, proof_len)) != SYM_OK)
			return r;
		s_range_root(leaves + k, n - k, h);
	} else {
		if ((r = s_subproof(leaves + k, m - k, n - k, 0, proof, proof_len)) != SYM_OK)
			return r;
		s_range_root(leaves, k, h);
	}
	return s_proof_push(proof, proof_len, h);
}

int
merkle_consistency_proof(const merkle_hash_t *leaves, uint64_t m, uint64_t n,
                         merkle_hash_t proof[MERKLE_MAX_PROOF], size_t *proof_len)
{
	int r;

	if (proof == NULL || proof_len == NULL)
		return SYM_ERR_INVALID;
	*proof_len = 0;
	if (m == 0 || m > n || !s_leaves_valid(leaves, n))
		return SYM_ERR_INVALID;
	if ((r = s_subproof(leaves, m, n, 1, proof, proof_len)) != SYM_OK)
		*proof_len = 0;
	return r;
}

/* Right-shift fn and sn together until fn is odd or zero (RFC 9162 step "ii"). */
static void
s_shift_to_odd(uint64_t *fn, uint64_t *sn)
{
	while (*fn != 0 && (*fn & 1) == 0) {
		*fn >>= 1;
		*sn >>= 1;
	}
}

/*
 * SYM_ERR_INVALID means the arguments cannot describe any proof; every
 * well-formed proof that does not lead to the root is SYM_ERR_VERIFY.
 */
int
merkle_inclusion_verify(uint64_t index, uint64_t size, const merkle_hash_t leaf,
                        const merkle_hash_t *proof, size_t proof_len, const merkle_hash_t root)
{
	merkle_hash_t r;
	uint64_t fn, sn;
	size_t i;

	if (leaf == NULL || root == NULL || (proof == NULL && proof_len > 0))
		return SYM_ERR_INVALID;
	if (proof_len > MERKLE_MAX_PROOF || index >= size)
		return SYM_ERR_INVALID;

	fn = index;
	sn = size - 1;
	memcpy(r, leaf, MERKLE_HASH_LEN);
	for (i = 0; i < proof_len; i++) {
		/* More hashes than levels: the proof is too long. */
		if (sn == 0)
			return SYM_ERR_VERIFY;
		if ((fn & 1) != 0 || fn == sn) {
			merkle_node_hash(proof[i], r, r);
			/* A right edge without a sibling: skip the levels it rises through. */
			if ((fn & 1) == 0)
				s_shift_to_odd(&fn, &sn);
		} else {
			merkle_node_hash(r, proof[i], r);
		}
		fn >>= 1;
		sn >>= 1;
	}
	/* Levels left over: the proof is too short. */
	if (sn != 0)
		return SYM_ERR_VERIFY;
	if (sodium_memcmp(r, root, MERKLE_HASH_LEN) != 0)
		return SYM_ERR_VERIFY;
	return SYM_OK;
}

int
merkle_consistency_verify(uint64_t m, uint64_t n, const merkle_hash_t old_root,
                          const merkle_hash_t new_root, const merkle_hash_t *proof,
                          size_t proof_len)
{
	merkle_hash_t fr, sr;
	uint64_t fn, sn;
	size_t i;
	int old_ok, new_ok;

	if (old_root == NULL || new_root == NULL || (proof == NULL && proof_len > 0))
		return SYM_ERR_INVALID;
	if (proof_len > MERKLE_MAX_PROOF || m == 0 || m > n)
		return SYM_ERR_INVALID;

	/* Equal sizes: PROOF(n, D[n]) is empty and the roots must simply agree. */
	if (m == n) {
		if (proof_len != 0 || sodium_memcmp(old_root, new_root, MERKLE_HASH_LEN) != 0)
			return SYM_ERR_VERIFY;
		return SYM_OK;
	}
	if (proof_len == 0)
		return SYM_ERR_VERIFY;

	/*
	 * When m is a power of two the old root is a complete subtree the prover
	 * leaves out; RFC 9162 prepends old_root. Starting the fold from it
	 * instead avoids copying the caller's array.
	 */
	if ((m & (m - 1)) == 0) {
		memcpy(fr, old_root, MERKLE_HASH_LEN);
		i = 0;
	} else {
		memcpy(fr, proof[0], MERKLE_HASH_LEN);
		i = 1;
	}
	memcpy(sr, fr, MERKLE_HASH_LEN);

	fn = m - 1;
	sn = n - 1;
	while ((fn & 1) != 0) {
		fn >>= 1;
		sn >>= 1;
	}
	for (; i < proof_len; i++) {
		if (sn == 0)
			return SYM_ERR_VERIFY;
		if ((fn & 1) != 0 || fn == sn) {
			merkle_node_hash(proof[i], fr, fr);
			merkle_node_hash(proof[i], sr, sr);
			if ((fn & 1) == 0)
				s_shift_to_odd(&fn, &sn);
		} else {
			merkle_node_hash(sr, proof[i], sr);
		}
		fn >>= 1;
		sn >>= 1;
	}
	if (sn != 0)
		return SYM_ERR_VERIFY;
	old_ok = sodium_memcmp(fr, old_root, MERKLE_HASH_LEN) == 0;
	new_ok = sodium_memcmp(sr, new_root, MERKLE_HASH_LEN) == 0;
	if (!old_ok || !new_ok)
		return SYM_ERR_VERIFY;
	return SYM_OK;
}
