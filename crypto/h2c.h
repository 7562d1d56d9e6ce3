/*
 * Hashing to ristretto255 and to its scalars (RFC 9380 with SHA-512), for
 * the OPRF of RFC 9497: expand_message_xmd (RFC 9380 section 5.3.1), the
 * hash_to_ristretto255 encoding (64 uniform bytes through the one-way map)
 * and hash-to-scalar (64 uniform bytes reduced modulo the group order).
 *
 * Messages are given as a list of parts so that callers hash length-prefixed
 * transcripts without first copying them into one buffer.
 */
#ifndef SYMBI_H2C_H
#define SYMBI_H2C_H

#include <stddef.h>
#include <stdint.h>

#define H2C_DST_MAX 255        /* RFC 9380: longer tags must be hashed first */
#define H2C_XMD_MAX (255 * 64) /* ell <= 255 blocks of SHA-512 */
#define H2C_ELEMENT_LEN 32
#define H2C_SCALAR_LEN 32

/* One piece of a message: len bytes at p (p may be NULL when len is 0). */
struct h2c_part {
	const void *p;
	size_t len;
};

/*
 * out = expand_message_xmd(parts[0] || ... || parts[n-1], dst, out_len) with
 * SHA-512. SYM_ERR_INVALID for an empty or too long dst or out_len outside
 * 1..H2C_XMD_MAX.
 */
int h2c_expand_xmd_sha512(const struct h2c_part *parts, size_t nparts, const uint8_t *dst,
                          size_t dst_len, uint8_t *out, size_t out_len)
    __attribute__((warn_unused_result));

/* hash_to_ristretto255: the encoding of an element (never the identity, else SYM_ERR_CRYPTO). */
int h2c_hash_to_group(const struct h2c_part *parts, size_t nparts, const uint8_t *dst,
                      size_t dst_len, uint8_t out[H2C_ELEMENT_LEN])
    __attribute__((warn_unused_result));

/* A scalar in [0, L): 64 expanded bytes as a little-endian integer, reduced. */
int h2c_hash_to_scalar(const struct h2c_part *parts, size_t nparts, const uint8_t *dst,
                       size_t dst_len, uint8_t out[H2C_SCALAR_LEN])
    __attribute__((warn_unused_result));

#endif
