/*
 * Merkle tree tests: the RFC 6962 known answers published with the
 * certificate-transparency reference implementations (tests/vectors/
 * rfc6962-merkle.json), every proof of the 8-leaf reference tree, the
 * rejection of malformed and tampered proofs, and a randomized sweep over
 * trees of up to 300 leaves.
 *
 * Proofs are handed to the verifiers in heap buffers of exactly proof_len
 * hashes so that AddressSanitizer catches any read past the end.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "merkle.h"
#include "util.h"

#ifndef SYMBI_VECTORS_DIR
#error "SYMBI_VECTORS_DIR must name the test vector directory"
#endif

#define VEC_FILE SYMBI_VECTORS_DIR "/rfc6962-merkle.json"
#define VEC_LEAVES 8
#define VEC_MAX_DATA 16
#define VEC_MAX_ENTRIES 64
#define RAND_LEAVES 300
#define RAND_DATA_MAX 64
#define RAND_SIZE_ODDS 10

/* A proof from the vector file: (index, size) or (first, second). */
struct vec_proof {
	uint64_t a, b;
	size_t len;
	merkle_hash_t h[MERKLE_MAX_PROOF];
};

struct vectors {
	uint8_t data[VEC_LEAVES][VEC_MAX_DATA];
	size_t data_len[VEC_LEAVES];
	merkle_hash_t leaf[VEC_LEAVES];
	merkle_hash_t root[VEC_LEAVES + 1];
	struct vec_proof incl_pub[VEC_MAX_ENTRIES], incl_all[VEC_MAX_ENTRIES];
	struct vec_proof cons_pub[VEC_MAX_ENTRIES], cons_all[VEC_MAX_ENTRIES];
	size_t n_incl_pub, n_incl_all, n_cons_pub, n_cons_all;
};

/* The leaves and the root of every prefix of one tree. */
struct tree {
	const merkle_hash_t *leaves;
	const merkle_hash_t *roots; /* roots[0..n_max] */
	uint64_t n_max;
};

static struct vectors g_vec;

/* ---- loading the vector file ---- */

static int
s_json_hash(const json_t *j, merkle_hash_t out)
{
	if (!json_is_string(j))
		return SYM_ERR_FORMAT;
	return util_unhex(json_string_value(j), out, MERKLE_HASH_LEN);
}

static int
s_json_u64(const json_t *obj, const char *key, uint64_t *out)
{
	const json_t *j = json_object_get(obj, key);

	if (!json_is_integer(j) || json_integer_value(j) < 0)
		return SYM_ERR_FORMAT;
	*out = (uint64_t)json_integer_value(j);
	return SYM_OK;
}

static int
s_json_proofs(const json_t *root, const char *key, const char *ka, const char *kb, const char *kp,
              struct vec_proof *out, size_t *n_out)
{
	const json_t *arr = json_object_get(root, key), *e, *p;
	size_t i, j;
	int r;

	if (!json_is_array(arr) || json_array_size(arr) > VEC_MAX_ENTRIES)
		return SYM_ERR_FORMAT;
	for (i = 0; i < json_array_size(arr); i++) {
		e = json_array_get(arr, i);
		p = json_object_get(e, kp);
		if (!json_is_array(p) || json_array_size(p) > MERKLE_MAX_PROOF)
			return SYM_ERR_FORMAT;
		if ((r = s_json_u64(e, ka, &out[i].a)) != SYM_OK ||
		    (r = s_json_u64(e, kb, &out[i].b)) != SYM_OK)
			return r;
		if (out[i].b > VEC_LEAVES)
			return SYM_ERR_RANGE;
		out[i].len = json_array_size(p);
		for (j = 0; j < out[i].len; j++) {
			if ((r = s_json_hash(json_array_get(p, j), out[i].h[j])) != SYM_OK)
				return r;
		}
	}
	*n_out = json_array_size(arr);
	return SYM_OK;
}

static int
s_load_vectors(struct vectors *v)
{
	json_error_t jerr;
	json_t *root = NULL, *leaves, *roots;
	char *buf = NULL;
	const char *hex;
	size_t len, i;
	int r;

	if ((r = util_read_file(VEC_FILE, 1 << 20, &buf, &len)) != SYM_OK)
		goto out;
	r = SYM_ERR_FORMAT;
	if ((root = json_loadb(buf, len, 0, &jerr)) == NULL)
		goto out;
	leaves = json_object_get(root, "leaves");
	roots = json_object_get(root, "roots");
	if (!json_is_array(leaves) || json_array_size(leaves) != VEC_LEAVES ||
	    !json_is_array(roots) || json_array_size(roots) != VEC_LEAVES + 1)
		goto out;
	for (i = 0; i < VEC_LEAVES; i++) {
		if (!json_is_string(json_array_get(leaves, i)))
			goto out;
		hex = json_string_value(json_array_get(leaves, i));
		v->data_len[i] = strlen(hex) / 2;
		if (v->data_len[i] > VEC_MAX_DATA ||
		    util_unhex(hex, v->data[i], v->data_len[i]) != SYM_OK)
			goto out;
		merkle_leaf_hash(v->data[i], v->data_len[i], v->leaf[i]);
	}
	for (i = 0; i <= VEC_LEAVES; i++) {
		if (s_json_hash(json_array_get(roots, i), v->root[i]) != SYM_OK)
			goto out;
	}
	if ((r = s_json_proofs(root, "inclusion", "index", "size", "path", v->incl_pub,
	                       &v->n_incl_pub)) != SYM_OK ||
	    (r = s_json_proofs(root, "inclusion_all", "index", "size", "path", v->incl_all,
	                       &v->n_incl_all)) != SYM_OK ||
	    (r = s_json_proofs(root, "consistency", "first", "second", "proof", v->cons_pub,
	                       &v->n_cons_pub)) != SYM_OK ||
	    (r = s_json_proofs(root, "consistency_all", "first", "second", "proof", v->cons_all,
	                       &v->n_cons_all)) != SYM_OK)
		goto out;
	r = SYM_OK;
out:
	json_decref(root);
	free(buf);
	return r;
}

static int
s_group_setup(void **state)
{
	(void)state;
	if (sodium_init() < 0)
		return -1;
	if (s_load_vectors(&g_vec) != SYM_OK) {
		print_error("cannot load %s\n", VEC_FILE);
		return -1;
	}
	return 0;
}

static const struct vec_proof *
s_find(const struct vec_proof *list, size_t n, uint64_t a, uint64_t b)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (list[i].a == a && list[i].b == b)
			return &list[i];
	}
	return NULL;
}

/* ---- verifier wrappers that give the verifier exactly len hashes ---- */

static merkle_hash_t *
s_dup(const merkle_hash_t *proof, size_t len)
{
	merkle_hash_t *copy;

	if (len == 0)
		return NULL;
	copy = malloc(len * sizeof(*copy));
	assert_non_null(copy);
	memcpy(copy, proof, len * sizeof(*copy));
	return copy;
}

static int
s_incl(uint64_t index, uint64_t size, const merkle_hash_t leaf, const merkle_hash_t *proof,
       size_t len, const merkle_hash_t root)
{
	merkle_hash_t *copy = s_dup(proof, len);
	int r = merkle_inclusion_verify(index, size, leaf, copy, len, root);

	free(copy);
	return r;
}

static int
s_cons(uint64_t m, uint64_t n, const merkle_hash_t old_root, const merkle_hash_t new_root,
       const merkle_hash_t *proof, size_t len)
{
	merkle_hash_t *copy = s_dup(proof, len);
	int r = merkle_consistency_verify(m, n, old_root, new_root, copy, len);

	free(copy);
	return r;
}

/* proof with `extra` inserted at position `at` (0 = front, len = back). */
static size_t
s_insert(const merkle_hash_t *proof, size_t len, size_t at, const merkle_hash_t extra,
         merkle_hash_t out[MERKLE_MAX_PROOF])
{
	assert_true(len < MERKLE_MAX_PROOF && at <= len);
	if (len >= MERKLE_MAX_PROOF || at > len)
		return 0; /* not reached (cmocka jumps out), but gcc cannot know */
	memcpy(out, proof, at * sizeof(*out));
	memcpy(out[at], extra, MERKLE_HASH_LEN);
	memcpy(out + at + 1, proof + at, (len - at) * sizeof(*out));
	return len + 1;
}

/* ---- a tiny deterministic generator for the randomized sweep ---- */

static uint64_t
s_rand_next(uint64_t *st)
{
	uint64_t z = (*st += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform enough for picking test cases; bound > 0. */
static uint64_t
s_rand_below(uint64_t *st, uint64_t bound)
{
	return s_rand_next(st) % bound;
}

/* ---- shared checks ---- */

/*
 * Tampering with an inclusion proof must fail. Only false claims are probed:
 * a size other than the proof's own is paired with the true root of that size
 * (or, as in the certificate-transparency tests, size*2 and size/2 with the
 * original root), since an inclusion proof binds the size only through the
 * root the caller trusts.
 */
static void
s_inclusion_tamper(const struct tree *t, uint64_t index, uint64_t size, const merkle_hash_t *proof,
                   size_t len, int exhaustive, uint64_t *rng)
{
	const merkle_hash_t *leaf = &t->leaves[index], *root = &t->roots[size];
	merkle_hash_t bad[MERKLE_MAX_PROOF], h;
	uint64_t i, s;
	size_t e, bit, k, n;

	/* Flipped bits in the proof: every bit, or one random bit per hash. */
	for (e = 0; e < len; e++) {
		for (k = 0; k < (exhaustive ? 8 * MERKLE_HASH_LEN : 1); k++) {
			bit = exhaustive ? k : (size_t)s_rand_below(rng, 8 * MERKLE_HASH_LEN);
			memcpy(bad, proof, len * sizeof(*bad));
			bad[e][bit / 8] ^= (uint8_t)(1u << (bit % 8));
			assert_int_equal(s_incl(index, size, *leaf, bad, len, *root),
			                 SYM_ERR_VERIFY);
		}
	}
	/* Wrong index for this leaf. */
	for (i = 0; i < size; i++) {
		if (i == index)
			continue;
		if (!exhaustive && i + 1 != index && i != index + 1 && i != (index ^ 2))
			continue;
		assert_int_equal(s_incl(i, size, *leaf, proof, len, *root), SYM_ERR_VERIFY);
		/* And the leaf that really is at i, at the proven index. */
		assert_int_equal(s_incl(index, size, t->leaves[i], proof, len, *root),
		                 SYM_ERR_VERIFY);
	}
	/* Wrong size. */
	for (s = index + 1; s <= t->n_max; s++) {
		if (s == size)
			continue;
		if (!exhaustive && s + 1 != size && s != size + 1)
			continue;
		assert_int_equal(s_incl(index, s, *leaf, proof, len, t->roots[s]), SYM_ERR_VERIFY);
	}
	assert_int_not_equal(s_incl(index, size * 2, *leaf, proof, len, *root), SYM_OK);
	assert_int_not_equal(s_incl(index, size / 2, *leaf, proof, len, *root), SYM_OK);
	/* Wrong root. */
	memcpy(h, *root, MERKLE_HASH_LEN);
	h[MERKLE_HASH_LEN - 1] ^= 0x80;
	assert_int_equal(s_incl(index, size, *leaf, proof, len, h), SYM_ERR_VERIFY);
	assert_int_equal(s_incl(index, size, *leaf, proof, len, t->roots[0]), SYM_ERR_VERIFY);
	/* Truncated, extended at either end, one hash inserted in the middle. */
	if (len > 0) {
		assert_int_equal(s_incl(index, size, *leaf, proof, len - 1, *root), SYM_ERR_VERIFY);
		n = s_insert(proof, len, len, proof[len - 1], bad);
		assert_int_equal(s_incl(index, size, *leaf, bad, n, *root), SYM_ERR_VERIFY);
		n = s_insert(proof, len, len / 2, proof[0], bad);
		assert_int_equal(s_incl(index, size, *leaf, bad, n, *root), SYM_ERR_VERIFY);
	}
	memset(h, 0, sizeof(h));
	n = s_insert(proof, len, len, h, bad);
	assert_int_equal(s_incl(index, size, *leaf, bad, n, *root), SYM_ERR_VERIFY);
	n = s_insert(proof, len, len, *root, bad);
	assert_int_equal(s_incl(index, size, *leaf, bad, n, *root), SYM_ERR_VERIFY);
	n = s_insert(proof, len, 0, h, bad);
	assert_int_equal(s_incl(index, size, *leaf, bad, n, *root), SYM_ERR_VERIFY);
	n = s_insert(proof, len, 0, *root, bad);
	assert_int_equal(s_incl(index, size, *leaf, bad, n, *root), SYM_ERR_VERIFY);
	/* Out of range: rejected before any hashing. */
	assert_int_equal(s_incl(size, size, *leaf, proof, len, *root), SYM_ERR_INVALID);
	assert_int_equal(s_incl(size + 1, size, *leaf, proof, len, *root), SYM_ERR_INVALID);
	assert_int_equal(s_incl(index, index, *leaf, proof, len, *root), SYM_ERR_INVALID);
	assert_int_equal(s_incl(index, 0, *leaf, proof, len, *root), SYM_ERR_INVALID);
}

/* Generates, verifies and tampers with the proof of leaf index in the first size leaves. */
static void
s_check_inclusion(const struct tree *t, uint64_t index, uint64_t size, int exhaustive,
                  uint64_t *rng, merkle_hash_t proof[MERKLE_MAX_PROOF], size_t *len)
{
	assert_int_equal(merkle_inclusion_proof(t->leaves, size, index, proof, len), SYM_OK);
	assert_true(*len <= MERKLE_MAX_PROOF);
	assert_int_equal(s_incl(index, size, t->leaves[index], proof, *len, t->roots[size]),
	                 SYM_OK);
	s_inclusion_tamper(t, index, size, proof, *len, exhaustive, rng);
}

/*
 * Tampering with a consistency proof must fail. As with inclusion, a wrong m
 * or n is paired with the original roots: that claims a tree of that size
 * has a root it does not have.
 */
static void
s_consistency_tamper(const struct tree *t, uint64_t m, uint64_t n, const merkle_hash_t *proof,
                     size_t len, int exhaustive, uint64_t *rng)
{
	const merkle_hash_t *r1 = &t->roots[m], *r2 = &t->roots[n];
	merkle_hash_t bad[MERKLE_MAX_PROOF], h;
	uint64_t mm;
	size_t e, bit, k;

	/* m == n: only the empty proof and equal roots are accepted. */
	if (m == n) {
		memset(h, 0, sizeof(h));
		k = s_insert(proof, len, 0, *r1, bad);
		assert_int_equal(s_cons(m, n, *r1, *r2, bad, k), SYM_ERR_VERIFY);
		k = s_insert(proof, len, 0, h, bad);
		assert_int_equal(s_cons(m, n, *r1, *r2, bad, k), SYM_ERR_VERIFY);
		if (m > 1) {
			assert_int_equal(s_cons(m, n, t->roots[m - 1], *r2, proof, len),
			                 SYM_ERR_VERIFY);
			assert_int_equal(s_cons(m, n, *r1, t->roots[m - 1], proof, len),
			                 SYM_ERR_VERIFY);
		}
		assert_int_equal(s_cons(m + 1, n, *r1, *r2, proof, len), SYM_ERR_INVALID);
		assert_int_equal(s_cons(0, n, *r1, *r2, proof, len), SYM_ERR_INVALID);
		return;
	}

	for (e = 0; e < len; e++) {
		for (k = 0; k < (exhaustive ? 8 * MERKLE_HASH_LEN : 1); k++) {
			bit = exhaustive ? k : (size_t)s_rand_below(rng, 8 * MERKLE_HASH_LEN);
			memcpy(bad, proof, len * sizeof(*bad));
			bad[e][bit / 8] ^= (uint8_t)(1u << (bit % 8));
			assert_int_equal(s_cons(m, n, *r1, *r2, bad, len), SYM_ERR_VERIFY);
		}
	}
	/* Wrong old size with the original roots. */
	for (mm = 1; mm <= n; mm++) {
		if (mm == m)
			continue;
		if (!exhaustive && mm + 1 != m && mm != m + 1 && mm != (m ^ 2))
			continue;
		assert_int_not_equal(s_cons(mm, n, *r1, *r2, proof, len), SYM_OK);
	}
	/* Wrong new size with the original roots. */
	assert_int_not_equal(s_cons(m, n * 2, *r1, *r2, proof, len), SYM_OK);
	assert_int_not_equal(s_cons(m, n / 2, *r1, *r2, proof, len), SYM_OK);
	/* Wrong roots. */
	memcpy(h, *r1, MERKLE_HASH_LEN);
	h[0] ^= 0x01;
	assert_int_equal(s_cons(m, n, h, *r2, proof, len), SYM_ERR_VERIFY);
	memcpy(h, *r2, MERKLE_HASH_LEN);
	h[MERKLE_HASH_LEN / 2] ^= 0x10;
	assert_int_equal(s_cons(m, n, *r1, h, proof, len), SYM_ERR_VERIFY);
	assert_int_equal(s_cons(m, n, *r2, *r1, proof, len), SYM_ERR_VERIFY);
	assert_int_equal(s_cons(m, n, *r1, *r1, proof, len), SYM_ERR_VERIFY);
	assert_int_equal(s_cons(m, n, t->roots[m - 1], *r2, proof, len), SYM_ERR_VERIFY);
	if (n < t->n_max)
		assert_int_equal(s_cons(m, n, *r1, t->roots[n + 1], proof, len), SYM_ERR_VERIFY);
	/* Empty, truncated, extended at either end, one hash inserted in the middle. */
	assert_int_equal(s_cons(m, n, *r1, *r2, NULL, 0), SYM_ERR_VERIFY);
	assert_int_equal(s_cons(m, n, *r1, *r2, proof, len - 1), SYM_ERR_VERIFY);
	memset(h, 0, sizeof(h));
	k = s_insert(proof, len, len, h, bad);
	assert_int_equal(s_cons(m, n, *r1, *r2, bad, k), SYM_ERR_VERIFY);
	k = s_insert(proof, len, len, *r1, bad);
	assert_int_equal(s_cons(m, n, *r1, *r2, bad, k), SYM_ERR_VERIFY);
	k = s_insert(proof, len, len, *r2, bad);
	assert_int_equal(s_cons(m, n, *r1, *r2, bad, k), SYM_ERR_VERIFY);
	k = s_insert(proof, len, len, proof[len - 1], bad);
	assert_int_equal(s_cons(m, n, *r1, *r2, bad, k), SYM_ERR_VERIFY);
	k = s_insert(proof, len, 0, h, bad);
	assert_int_equal(s_cons(m, n, *r1, *r2, bad, k), SYM_ERR_VERIFY);
	k = s_insert(proof, len, 0, *r1, bad);
	assert_int_equal(s_cons(m, n, *r1, *r2, bad, k), SYM_ERR_VERIFY);
	k = s_insert(proof, len, 0, *r2, bad);
	assert_int_equal(s_cons(m, n, *r1, *r2, bad, k), SYM_ERR_VERIFY);
	k = s_insert(proof, len, 0, proof[0], bad);
	assert_int_equal(s_cons(m, n, *r1, *r2, bad, k), SYM_ERR_VERIFY);
	k = s_insert(proof, len, len / 2, proof[len / 2], bad);
	assert_int_equal(s_cons(m, n, *r1, *r2, bad, k), SYM_ERR_VERIFY);
	/* Out of range. */
	assert_int_equal(s_cons(n, m, *r2, *r1, proof, len), SYM_ERR_INVALID);
	assert_int_equal(s_cons(n + 1, n, *r1, *r2, proof, len), SYM_ERR_INVALID);
	assert_int_equal(s_cons(0, n, *r1, *r2, proof, len), SYM_ERR_INVALID);
}

static void
s_check_consistency(const struct tree *t, uint64_t m, uint64_t n, int exhaustive, uint64_t *rng,
                    merkle_hash_t proof[MERKLE_MAX_PROOF], size_t *len)
{
	assert_int_equal(merkle_consistency_proof(t->leaves, m, n, proof, len), SYM_OK);
	assert_true(*len <= MERKLE_MAX_PROOF);
	if (m == n)
		assert_int_equal(*len, 0);
	assert_int_equal(s_cons(m, n, t->roots[m], t->roots[n], proof, *len), SYM_OK);
	s_consistency_tamper(t, m, n, proof, *len, exhaustive, rng);
}

static void
s_assert_proof_eq(const struct vec_proof *want, const merkle_hash_t *got, size_t len)
{
	size_t i;

	assert_non_null(want);
	assert_int_equal(want->len, len);
	for (i = 0; i < len; i++)
		assert_memory_equal(want->h[i], got[i], MERKLE_HASH_LEN);
}

/* ---- known answers ---- */

static void
test_hash_primitives(void **state)
{
	merkle_hash_t h, l0, l1;

	(void)state;
	/* The one-leaf root is the leaf hash of the empty string. */
	merkle_leaf_hash(NULL, 0, h);
	assert_memory_equal(h, g_vec.root[1], MERKLE_HASH_LEN);
	merkle_leaf_hash(g_vec.data[0], g_vec.data_len[0], l0);
	merkle_leaf_hash(g_vec.data[1], g_vec.data_len[1], l1);
	merkle_node_hash(l0, l1, h);
	assert_memory_equal(h, g_vec.root[2], MERKLE_HASH_LEN);
	/* Node hashing must not be symmetric, nor confusable with a leaf. */
	merkle_node_hash(l1, l0, h);
	assert_memory_not_equal(h, g_vec.root[2], MERKLE_HASH_LEN);
	/* Output aliasing an input gives the same result. */
	memcpy(h, l0, MERKLE_HASH_LEN);
	merkle_node_hash(h, l1, h);
	assert_memory_equal(h, g_vec.root[2], MERKLE_HASH_LEN);
	memcpy(h, l1, MERKLE_HASH_LEN);
	merkle_node_hash(l0, h, h);
	assert_memory_equal(h, g_vec.root[2], MERKLE_HASH_LEN);
}

static void
test_roots(void **state)
{
	merkle_hash_t h;
	uint64_t n;

	(void)state;
	for (n = 0; n <= VEC_LEAVES; n++) {
		assert_int_equal(merkle_root(g_vec.leaf, n, h), SYM_OK);
		assert_memory_equal(h, g_vec.root[n], MERKLE_HASH_LEN);
	}
	assert_int_equal(merkle_root(NULL, 0, h), SYM_OK);
	assert_memory_equal(h, g_vec.root[0], MERKLE_HASH_LEN);
	assert_int_equal(merkle_root(NULL, 1, h), SYM_ERR_INVALID);
	/* A count no array can hold. */
	assert_int_equal(merkle_root(g_vec.leaf, UINT64_MAX, h), SYM_ERR_INVALID);
}

static void
test_inclusion_vectors(void **state)
{
	const struct tree t = {g_vec.leaf, g_vec.root, VEC_LEAVES};
	const struct vec_proof *v;
	merkle_hash_t proof[MERKLE_MAX_PROOF];
	uint64_t size, index, rng = 1;
	size_t len, i, matched = 0;

	(void)state;
	assert_int_equal(g_vec.n_incl_all, VEC_LEAVES * (VEC_LEAVES + 1) / 2);
	for (size = 1; size <= VEC_LEAVES; size++) {
		for (index = 0; index < size; index++) {
			s_check_inclusion(&t, index, size, 1, &rng, proof, &len);
			s_assert_proof_eq(s_find(g_vec.incl_all, g_vec.n_incl_all, index, size),
			                  proof, len);
			v = s_find(g_vec.incl_pub, g_vec.n_incl_pub, index, size);
			if (v != NULL) {
				s_assert_proof_eq(v, proof, len);
				matched++;
			}
		}
	}
	/* Every published proof is one of the generated ones, and verifies as given. */
	assert_int_equal(matched, g_vec.n_incl_pub);
	assert_true(g_vec.n_incl_pub >= 5);
	for (i = 0; i < g_vec.n_incl_pub; i++) {
		v = &g_vec.incl_pub[i];
		assert_int_equal(
		    s_incl(v->a, v->b, g_vec.leaf[v->a], v->h, v->len, g_vec.root[v->b]), SYM_OK);
	}
}

static void
test_consistency_vectors(void **state)
{
	const struct tree t = {g_vec.leaf, g_vec.root, VEC_LEAVES};
	const struct vec_proof *v;
	merkle_hash_t proof[MERKLE_MAX_PROOF];
	uint64_t m, n, rng = 2;
	size_t len, i, matched = 0;

	(void)state;
	assert_int_equal(g_vec.n_cons_all, VEC_LEAVES * (VEC_LEAVES + 1) / 2);
	for (n = 1; n <= VEC_LEAVES; n++) {
		for (m = 1; m <= n; m++) {
			s_check_consistency(&t, m, n, 1, &rng, proof, &len);
			s_assert_proof_eq(s_find(g_vec.cons_all, g_vec.n_cons_all, m, n), proof,
			                  len);
			v = s_find(g_vec.cons_pub, g_vec.n_cons_pub, m, n);
			if (v != NULL) {
				s_assert_proof_eq(v, proof, len);
				matched++;
			}
		}
	}
	assert_int_equal(matched, g_vec.n_cons_pub);
	assert_true(g_vec.n_cons_pub >= 5);
	for (i = 0; i < g_vec.n_cons_pub; i++) {
		v = &g_vec.cons_pub[i];
		assert_int_equal(
		    s_cons(v->a, v->b, g_vec.root[v->a], g_vec.root[v->b], v->h, v->len), SYM_OK);
	}
}

/* ---- malformed arguments ---- */

static void
test_generation_rejects(void **state)
{
	merkle_hash_t proof[MERKLE_MAX_PROOF];
	size_t len = 99;

	(void)state;
	assert_int_equal(merkle_inclusion_proof(g_vec.leaf, 0, 0, proof, &len), SYM_ERR_INVALID);
	assert_int_equal(len, 0);
	assert_int_equal(merkle_inclusion_proof(g_vec.leaf, 8, 8, proof, &len), SYM_ERR_INVALID);
	assert_int_equal(merkle_inclusion_proof(NULL, 8, 0, proof, &len), SYM_ERR_INVALID);
	assert_int_equal(merkle_inclusion_proof(g_vec.leaf, 8, 0, NULL, &len), SYM_ERR_INVALID);
	assert_int_equal(merkle_inclusion_proof(g_vec.leaf, 8, 0, proof, NULL), SYM_ERR_INVALID);
	assert_int_equal(merkle_consistency_proof(g_vec.leaf, 0, 8, proof, &len), SYM_ERR_INVALID);
	assert_int_equal(merkle_consistency_proof(g_vec.leaf, 0, 0, proof, &len), SYM_ERR_INVALID);
	assert_int_equal(merkle_consistency_proof(g_vec.leaf, 5, 4, proof, &len), SYM_ERR_INVALID);
	assert_int_equal(merkle_consistency_proof(NULL, 1, 8, proof, &len), SYM_ERR_INVALID);
	assert_int_equal(merkle_consistency_proof(g_vec.leaf, 1, 8, NULL, &len), SYM_ERR_INVALID);
	assert_int_equal(len, 0);
}

static void
test_verifier_rejects(void **state)
{
	merkle_hash_t *big;
	const merkle_hash_t *r1 = &g_vec.root[1], *r8 = &g_vec.root[8];
	size_t i;

	(void)state;
	/* More hashes than any tree needs: refused without reading them. */
	big = calloc(MERKLE_MAX_PROOF + 1, sizeof(*big));
	assert_non_null(big);
	assert_int_equal(
	    merkle_inclusion_verify(0, 8, g_vec.leaf[0], big, MERKLE_MAX_PROOF + 1, *r8),
	    SYM_ERR_INVALID);
	assert_int_equal(merkle_inclusion_verify(0, 8, g_vec.leaf[0], NULL, SIZE_MAX, *r8),
	                 SYM_ERR_INVALID);
	assert_int_equal(merkle_consistency_verify(1, 8, *r1, *r8, big, MERKLE_MAX_PROOF + 1),
	                 SYM_ERR_INVALID);
	assert_int_equal(merkle_consistency_verify(1, 8, *r1, *r8, NULL, 3), SYM_ERR_INVALID);
	free(big);

	/* NULL hashes. */
	assert_int_equal(merkle_inclusion_verify(0, 1, NULL, NULL, 0, *r1), SYM_ERR_INVALID);
	assert_int_equal(merkle_inclusion_verify(0, 1, g_vec.leaf[0], NULL, 0, NULL),
	                 SYM_ERR_INVALID);
	assert_int_equal(merkle_consistency_verify(1, 1, NULL, *r1, NULL, 0), SYM_ERR_INVALID);
	assert_int_equal(merkle_consistency_verify(1, 1, *r1, NULL, NULL, 0), SYM_ERR_INVALID);

	/* Empty trees have no leaves and no consistency proofs. */
	assert_int_equal(merkle_inclusion_verify(0, 0, g_vec.leaf[0], NULL, 0, g_vec.root[0]),
	                 SYM_ERR_INVALID);
	assert_int_equal(merkle_consistency_verify(0, 0, g_vec.root[0], g_vec.root[0], NULL, 0),
	                 SYM_ERR_INVALID);
	assert_int_equal(merkle_consistency_verify(0, 8, g_vec.root[0], *r8, NULL, 0),
	                 SYM_ERR_INVALID);

	/*
	 * Sizes near 2^64 with full-length garbage proofs: no overflow, no
	 * endless loop, and each proof hash read once.
	 */
	big = calloc(MERKLE_MAX_PROOF, sizeof(*big));
	assert_non_null(big);
	for (i = 0; i < MERKLE_MAX_PROOF; i++)
		big[i][0] = (uint8_t)i;
	assert_int_equal(merkle_inclusion_verify(UINT64_MAX - 1, UINT64_MAX, g_vec.leaf[0], big,
	                                         MERKLE_MAX_PROOF, *r8),
	                 SYM_ERR_VERIFY);
	assert_int_equal(
	    merkle_inclusion_verify(0, UINT64_MAX, g_vec.leaf[0], big, MERKLE_MAX_PROOF, *r8),
	    SYM_ERR_VERIFY);
	assert_int_equal(merkle_inclusion_verify(UINT64_MAX, UINT64_MAX, g_vec.leaf[0], big,
	                                         MERKLE_MAX_PROOF, *r8),
	                 SYM_ERR_INVALID);
	assert_int_equal(merkle_consistency_verify((UINT64_C(1) << 63) + 1, UINT64_MAX, *r1, *r8,
	                                           big, MERKLE_MAX_PROOF),
	                 SYM_ERR_VERIFY);
	assert_int_equal(merkle_consistency_verify(UINT64_C(1) << 63, UINT64_MAX, *r1, *r8, big,
	                                           MERKLE_MAX_PROOF),
	                 SYM_ERR_VERIFY);
	assert_int_equal(merkle_consistency_verify(1, UINT64_MAX, *r1, *r8, big, MERKLE_MAX_PROOF),
	                 SYM_ERR_VERIFY);
	free(big);
}

/* ---- randomized sweep ---- */

static void
test_random_trees(void **state)
{
	merkle_hash_t *leaves, *roots;
	merkle_hash_t proof[MERKLE_MAX_PROOF];
	uint8_t seed[randombytes_SEEDBYTES], *data;
	char seed_hex[2 * randombytes_SEEDBYTES + 1];
	const char *env = getenv("SYMBI_TEST_SEED");
	uint64_t rng = 0, n, i, m, k;
	size_t len;
	struct tree t;

	(void)state;
	/* A fresh seed each run, printed so that a failure can be replayed. */
	if (env != NULL) {
		assert_int_equal(util_unhex(env, seed, sizeof(seed)), SYM_OK);
	} else {
		randombytes_buf(seed, sizeof(seed));
	}
	util_hex(seed, sizeof(seed), seed_hex);
	print_message("merkle random seed (SYMBI_TEST_SEED): %s\n", seed_hex);
	memcpy(&rng, seed, sizeof(rng));

	leaves = calloc(RAND_LEAVES, sizeof(*leaves));
	roots = calloc(RAND_LEAVES + 1, sizeof(*roots));
	data = malloc(RAND_LEAVES * RAND_DATA_MAX);
	assert_non_null(leaves);
	assert_non_null(roots);
	assert_non_null(data);
	randombytes_buf_deterministic(data, RAND_LEAVES * RAND_DATA_MAX, seed);
	for (i = 0; i < RAND_LEAVES; i++) {
		/*
		 * Varying lengths; at least 16 random bytes keep the leaves distinct,
		 * which the wrong-index checks rely on.
		 */
		len = 16 + (size_t)s_rand_below(&rng, RAND_DATA_MAX - 16 + 1);
		merkle_leaf_hash(data + i * RAND_DATA_MAX, len, leaves[i]);
	}
	free(data);
	for (n = 0; n <= RAND_LEAVES; n++)
		assert_int_equal(merkle_root(leaves, n, roots[n]), SYM_OK);
	t.leaves = leaves;
	t.roots = roots;
	t.n_max = RAND_LEAVES;

	for (n = 1; n <= RAND_LEAVES; n++) {
		/*
		 * Proving every leaf costs O(n^2) hashes per size, so all sizes up
		 * to 64 are swept but larger ones only at the power-of-two edges,
		 * the maximum and a random one in RAND_SIZE_ODDS.
		 */
		if (n > 64 && (n & (n - 1)) != 0 && ((n + 1) & n) != 0 &&
		    ((n - 1) & (n - 2)) != 0 && n != RAND_LEAVES &&
		    s_rand_below(&rng, RAND_SIZE_ODDS) != 0)
			continue;
		/* Every leaf: generation, verification, sampled tampering. */
		for (i = 0; i < n; i++)
			s_check_inclusion(&t, i, n, 0, &rng, proof, &len);
		/* Consistency: the edges, every power of two, and a few random m. */
		s_check_consistency(&t, 1, n, 0, &rng, proof, &len);
		s_check_consistency(&t, n, n, 0, &rng, proof, &len);
		if (n > 1)
			s_check_consistency(&t, n - 1, n, 0, &rng, proof, &len);
		for (m = 2; m < n; m <<= 1)
			s_check_consistency(&t, m, n, 0, &rng, proof, &len);
		for (k = 0; k < 4; k++) {
			m = 1 + s_rand_below(&rng, n);
			s_check_consistency(&t, m, n, 0, &rng, proof, &len);
		}
	}
	free(leaves);
	free(roots);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_hash_primitives),    cmocka_unit_test(test_roots),
	    cmocka_unit_test(test_inclusion_vectors),  cmocka_unit_test(test_consistency_vectors),
	    cmocka_unit_test(test_generation_rejects), cmocka_unit_test(test_verifier_rejects),
	    cmocka_unit_test(test_random_trees),
	};

	return cmocka_run_group_tests(tests, s_group_setup, NULL);
}
