/*
 * RFC 6962 / RFC 9162 Merkle tree hashing over SHA-256: leaf hash
 * H(0x00 || data), node hash H(0x01 || left || right), the root of n leaves
 * (MTH), inclusion (audit) proofs and consistency proofs, with the
 * verification algorithms of RFC 9162 section 2.1.3.2 and 2.1.4.2.
 * Pure computation: no I/O, no allocation beyond the caller's buffers.
 */
#ifndef SYMBI_MERKLE_H
#define SYMBI_MERKLE_H

#include <stddef.h>
#include <stdint.h>

#define MERKLE_HASH_LEN 32
/* A proof for a tree of up to 2^64 leaves has at most 64 hashes. */
#define MERKLE_MAX_PROOF 64

typedef uint8_t merkle_hash_t[MERKLE_HASH_LEN];

void merkle_leaf_hash(const uint8_t *data, size_t len, merkle_hash_t out);
void merkle_node_hash(const merkle_hash_t left, const merkle_hash_t right, merkle_hash_t out);

/* MTH over the first n leaf hashes; n == 0 gives SHA-256 of the empty string. */
int merkle_root(const merkle_hash_t *leaves, uint64_t n, merkle_hash_t out);

/* Inclusion proof of leaf `index` in the tree of the first n leaves. */
int merkle_inclusion_proof(const merkle_hash_t *leaves, uint64_t n, uint64_t index,
                           merkle_hash_t proof[MERKLE_MAX_PROOF], size_t *proof_len)
    __attribute__((warn_unused_result));

/* 0 when `leaf` (a leaf hash) is at `index` of the tree of `size` with `root`. */
int merkle_inclusion_verify(uint64_t index, uint64_t size, const merkle_hash_t leaf,
                            const merkle_hash_t *proof, size_t proof_len, const merkle_hash_t root)
    __attribute__((warn_unused_result));

/* Consistency proof between the trees of the first m and first n leaves, 0 < m <= n. */
int merkle_consistency_proof(const merkle_hash_t *leaves, uint64_t m, uint64_t n,
                             merkle_hash_t proof[MERKLE_MAX_PROOF], size_t *proof_len)
    __attribute__((warn_unused_result));

/* 0 when the tree of size n with new_root extends the tree of size m with old_root. */
int merkle_consistency_verify(uint64_t m, uint64_t n, const merkle_hash_t old_root,
                              const merkle_hash_t new_root, const merkle_hash_t *proof,
                              size_t proof_len) __attribute__((warn_unused_result));

#endif
