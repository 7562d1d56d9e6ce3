/*
 * The bytes of park-indicator messages that the coordinator, the companies
 * and the auditor compute alike (PROTOCOL.md "Park indicators"). Ids are
 * 1..64 bytes written as u8 length || bytes; counts u32 big-endian.
 */
#ifndef SYMBI_INDHASH_H
#define SYMBI_INDHASH_H

#include <stddef.h>
#include <stdint.h>

#define INDHASH_SHARE_AD_MAX (16 + 32 + 2 * 65)
#define INDHASH_SHARE_SEALED (32 + 40) /* a share in an envelope (envelope.h) */
#define INDHASH_CONFIRM_LEN (sizeof("symbiod-indicator-confirm-v1") + 32 + 16 + 32)

/*
 * The included hash: SHA-256 over "symbiod-indicator-included-v1\0" ||
 * park_id || round_id || u32 threshold || u32 n_submitters || ids ||
 * u32 n_included || ids. The coordinator signs it; members confirm it.
 */
int indhash_included(const uint8_t park_id[32], const uint8_t round_id[16], uint32_t threshold,
                     const char *const *subs, size_t nsubs, const char *const *incl, size_t nincl,
                     uint8_t out[32]) __attribute__((warn_unused_result));

/* What a member signs to confirm a set: "symbiod-indicator-confirm-v1\0" || park_id || round_id ||
 * hash. */
void indhash_confirm_bytes(const uint8_t park_id[32], const uint8_t round_id[16],
                           const uint8_t included_hash[32], uint8_t out[INDHASH_CONFIRM_LEN]);

/*
 * The associated data of a sealed share: round_id || "symbiod-indicator-share-v1\0" ||
 * sender || recipient. Returns its length, or a negative error.
 */
int indhash_share_ad(const uint8_t round_id[16], const char *sender, const char *recipient,
                     uint8_t ad[INDHASH_SHARE_AD_MAX]);

/* The threshold of a round with n submitters: floor(2 n / 3) + 1. */
uint32_t indhash_threshold(uint32_t n);

#endif
