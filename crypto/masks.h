/*
 * The masks of secure aggregation (INDICATORS.md, PROTOCOL.md "Park
 * indicators"), over vectors of unsigned 64-bit cells added mod 2^64.
 *
 *   K_mask(i,j) = crypto_kdf_derive_from_key(K_kpi(i,j), id 1, context "symbikpi")
 *   pair mask   = XChaCha20(K_mask(i,j), nonce "symkpi-p" || round_id) keystream
 *   self mask   = XChaCha20(b_i,         nonce "symkpi-s" || round_id) keystream
 *
 * read as consecutive little-endian u64 cells. Member i adds the pair mask
 * with every other submitter j when id_i < id_j and subtracts it when
 * id_i > id_j, so the pair masks cancel in the sum over both; it adds its
 * self mask, removed from the sum with b_i once i is known to be included.
 * K_mask, not K_kpi, is what a member reveals for a dropped counterpart.
 */
#ifndef SYMBI_MASKS_H
#define SYMBI_MASKS_H

#include <stddef.h>
#include <stdint.h>

#define MASKS_KEY_LEN 32
#define MASKS_MAX_CELLS (1u << 16)

/* K_mask of a pair, from its K_kpi (pairkeys.h). */
int masks_pair_key(const uint8_t kpi[32], uint8_t out[MASKS_KEY_LEN])
    __attribute__((warn_unused_result));

/*
 * Add (sign > 0) or subtract (sign < 0) the keystream of `key` for `round`
 * to the n cells of v, mod 2^64. self != 0: the self-mask nonce.
 */
int masks_apply(const uint8_t key[MASKS_KEY_LEN], const uint8_t round[16], int self, int sign,
                uint64_t *v, size_t n) __attribute__((warn_unused_result));

/* The sign of the pair mask member `self` applies with `peer` (+1 lower id, -1 higher). */
int masks_pair_sign(const char *self, const char *peer);

/* v += w (sign > 0) or v -= w, cell by cell mod 2^64. */
void masks_vec_add(uint64_t *v, const uint64_t *w, size_t n, int sign);

/* Cells to and from their wire form: n little-endian u64, 8 n bytes. */
void masks_vec_store(const uint64_t *v, size_t n, uint8_t *out);
void masks_vec_load(const uint8_t *in, size_t n, uint64_t *v);

#endif
