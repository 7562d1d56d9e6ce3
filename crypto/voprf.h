/*
 * RFC 9497 oblivious PRFs on ristretto255 with SHA-512: the OPRF mode (0x00)
 * and the verifiable VOPRF mode (0x01) with batched DLEQ proofs, on
 * libsodium. Hardened rounds use the VOPRF mode: a company's token key is a
 * scalar sk, its public commitment pk = sk*G, and every answer to a batch
 * of blinded elements carries one proof binding all of them to pk.
 *
 * Elements are 32-byte ristretto255 encodings, scalars 32-byte little-endian
 * values below the group order, batches m contiguous elements. Every element
 * a function receives is checked (canonical encoding, not the identity);
 * secrets (keys, blinds, proof nonces) are wiped before return. Functions
 * return 0 or a negative sym_err code (common/err.h).
 */
#ifndef SYMBI_VOPRF_H
#define SYMBI_VOPRF_H

#include <stddef.h>
#include <stdint.h>

#define VOPRF_ELEMENT_LEN 32
#define VOPRF_SCALAR_LEN 32
#define VOPRF_PROOF_LEN 64  /* c || s */
#define VOPRF_OUTPUT_LEN 64 /* SHA-512 */
#define VOPRF_SEED_LEN 32
#define VOPRF_INPUT_MAX 65535 /* inputs are framed with a 2-byte length */
#define VOPRF_BATCH_MAX 65535 /* composites number elements with 2 bytes */

enum voprf_mode {
	VOPRF_MODE_OPRF = 0x00,
	VOPRF_MODE_VOPRF = 0x01,
};

/* A fresh random key pair (GenerateKeyPair). */
int voprf_keypair(uint8_t sk[VOPRF_SCALAR_LEN], uint8_t pk[VOPRF_ELEMENT_LEN])
    __attribute__((warn_unused_result));

/* DeriveKeyPair(seed, info) of the mode's context; info is at most VOPRF_INPUT_MAX bytes. */
int voprf_derive_keypair(enum voprf_mode mode, const uint8_t seed[VOPRF_SEED_LEN],
                         const uint8_t *info, size_t info_len, uint8_t sk[VOPRF_SCALAR_LEN],
                         uint8_t pk[VOPRF_ELEMENT_LEN]) __attribute__((warn_unused_result));

/* Blind(input): a fresh random blind and blinded = blind * HashToGroup(input). */
int voprf_blind(enum voprf_mode mode, const uint8_t *input, size_t input_len,
                uint8_t blind[VOPRF_SCALAR_LEN], uint8_t blinded[VOPRF_ELEMENT_LEN])
    __attribute__((warn_unused_result));

/* Blind with a given blind (non-zero, canonical): the RFC's test vectors fix it. */
int voprf_blind_with(enum voprf_mode mode, const uint8_t *input, size_t input_len,
                     const uint8_t blind[VOPRF_SCALAR_LEN], uint8_t blinded[VOPRF_ELEMENT_LEN])
    __attribute__((warn_unused_result));

/* OPRF-mode BlindEvaluate: evaluated[k] = sk * blinded[k] for k < m. */
int voprf_blind_evaluate(const uint8_t sk[VOPRF_SCALAR_LEN], const uint8_t *blinded, size_t m,
                         uint8_t *evaluated) __attribute__((warn_unused_result));

/*
 * VOPRF-mode BlindEvaluate of a batch: evaluated[k] = sk * blinded[k] and one
 * proof that all m share the discrete log of pk (GenerateProof with a random
 * nonce). pk must be sk*G; it is checked.
 */
int voprf_blind_evaluate_proof(const uint8_t sk[VOPRF_SCALAR_LEN],
                               const uint8_t pk[VOPRF_ELEMENT_LEN], const uint8_t *blinded,
                               size_t m, uint8_t *evaluated, uint8_t proof[VOPRF_PROOF_LEN])
    __attribute__((warn_unused_result));

/*
 * GenerateProof(sk, G, pk, blinded, evaluated) of the VOPRF mode with the
 * nonce r given (non-zero, canonical): for the test vectors. Production code
 * uses voprf_blind_evaluate_proof.
 */
int voprf_prove_with(const uint8_t sk[VOPRF_SCALAR_LEN], const uint8_t pk[VOPRF_ELEMENT_LEN],
                     const uint8_t *blinded, const uint8_t *evaluated, size_t m,
                     const uint8_t r[VOPRF_SCALAR_LEN], uint8_t proof[VOPRF_PROOF_LEN])
    __attribute__((warn_unused_result));

/*
 * VerifyProof(G, pk, blinded, evaluated, proof) of the VOPRF mode: SYM_OK,
 * SYM_ERR_VERIFY for a proof that does not hold, SYM_ERR_FORMAT for an
 * invalid element or scalar encoding.
 */
int voprf_verify(const uint8_t pk[VOPRF_ELEMENT_LEN], const uint8_t *blinded,
                 const uint8_t *evaluated, size_t m, const uint8_t proof[VOPRF_PROOF_LEN])
    __attribute__((warn_unused_result));

/*
 * Finalize(input, blind, evaluated): unblind and hash. The same in both
 * modes; in the VOPRF mode call it only after voprf_verify accepted the batch.
 */
int voprf_finalize(const uint8_t *input, size_t input_len, const uint8_t blind[VOPRF_SCALAR_LEN],
                   const uint8_t evaluated[VOPRF_ELEMENT_LEN], uint8_t output[VOPRF_OUTPUT_LEN])
    __attribute__((warn_unused_result));

/*
 * Finalize of m elements at once, for inputs of one length (input k at
 * inputs + k*input_len, output k at outputs + k*VOPRF_OUTPUT_LEN): the same
 * outputs as voprf_finalize, with the blinds inverted in batches.
 */
int voprf_finalize_batch(const uint8_t *inputs, size_t input_len, const uint8_t *blinds,
                         const uint8_t *evaluated, size_t m, uint8_t *outputs)
    __attribute__((warn_unused_result));

/* Evaluate(sk, input): the PRF computed directly by the key holder. */
int voprf_evaluate(enum voprf_mode mode, const uint8_t sk[VOPRF_SCALAR_LEN], const uint8_t *input,
                   size_t input_len, uint8_t output[VOPRF_OUTPUT_LEN])
    __attribute__((warn_unused_result));

/* 1 when e is a canonical encoding of an element other than the identity, else 0. */
int voprf_element_ok(const uint8_t e[VOPRF_ELEMENT_LEN]);

#endif
