/*
 * The pairwise key schedule (docs/PROTOCOL.md, protocol 1.1): for companies i
 * and j of the park P,
 *   s      = X25519(a_i, A_j), refused when all-zero
 *   master = BLAKE2b-256(s || park_id || round_id || id_lo || id_hi || A_lo || A_hi)
 * where lo/hi order the two ids bytewise and each id is written as a one-byte
 * length then its bytes (so the concatenation is injective). Sub-keys come
 * from crypto_kdf_derive_from_key(master, context "symbipk1") with ids:
 *   1 K_tok(lo->hi)  2 K_tok(hi->lo)   (16-byte AES-128 keys)
 *   3 K_env(lo->hi)  4 K_env(hi->lo)   (32-byte envelope keys)
 *   5 K_kpi                            (32 bytes: park indicators; masks.h derives K_mask)
 *   6 K_pad(lo->hi)  7 K_pad(hi->lo)   (32-byte padding keys)
 * park_id is SHA-256 of the park CA certificate (DER): keys of one park are
 * useless in another even for the same companies and round id. K_pad(i->j)
 * seeds the padding of i's sets for j, so that a retry or a resubmission of
 * the same flows sends the same bytes (1.1, repair 2). Both sides compute the
 * same struct, then pick directions with pairkeys_tok, pairkeys_env and
 * pairkeys_pad. The struct must live in sodium_malloc memory.
 */
#ifndef SYMBI_PAIRKEYS_H
#define SYMBI_PAIRKEYS_H

#include <stddef.h>
#include <stdint.h>

#define PAIRKEYS_ID_MAX 64
#define PAIRKEYS_TOK_LEN 16
#define PAIRKEYS_ENV_LEN 32
#define PAIRKEYS_KPI_LEN 32
#define PAIRKEYS_PAD_LEN 32
#define PARK_ID_LEN 32
#define ROUND_ID_LEN 16

struct pairkeys {
	char id_lo[PAIRKEYS_ID_MAX + 1];
	char id_hi[PAIRKEYS_ID_MAX + 1];
	uint8_t tok_lo_hi[PAIRKEYS_TOK_LEN];
	uint8_t tok_hi_lo[PAIRKEYS_TOK_LEN];
	uint8_t env_lo_hi[PAIRKEYS_ENV_LEN];
	uint8_t env_hi_lo[PAIRKEYS_ENV_LEN];
	uint8_t kpi[PAIRKEYS_KPI_LEN];
	uint8_t pad_lo_hi[PAIRKEYS_PAD_LEN];
	uint8_t pad_hi_lo[PAIRKEYS_PAD_LEN];
};

/* Bytewise order of two ids (memcmp on the shorter length, then length). */
int pairkeys_id_cmp(const char *a, const char *b);

/*
 * Derive the keys shared by self and peer. self_sk/self_pk are self's X25519
 * pair, peer_pk the peer's X25519 public key. Ids are 1..64 bytes and must
 * differ. SYM_ERR_WEAK_KEY for a low-order peer key.
 */
int pairkeys_derive(const uint8_t park_id[PARK_ID_LEN], const uint8_t round_id[ROUND_ID_LEN],
                    const char *self_id, const uint8_t self_sk[32], const uint8_t self_pk[32],
                    const char *peer_id, const uint8_t peer_pk[32], struct pairkeys *out)
    __attribute__((warn_unused_result));

/*
 * The first step alone: s = X25519(self_sk, peer_pk), refused (and wiped)
 * with SYM_ERR_WEAK_KEY when the peer key has low order. s depends on the
 * two keys only, never on the park, the round or the ids, so the client may
 * keep it between runs (client/paircache.h).
 */
int pairkeys_shared(const uint8_t self_sk[32], const uint8_t peer_pk[32], uint8_t s[32])
    __attribute__((warn_unused_result));

/*
 * The rest of pairkeys_derive from a given s (the same checks on the ids;
 * SYM_ERR_WEAK_KEY for an all-zero s): pairkeys_derive is pairkeys_shared
 * followed by this, byte for byte.
 */
int pairkeys_derive_shared(const uint8_t park_id[PARK_ID_LEN], const uint8_t round_id[ROUND_ID_LEN],
                           const char *self_id, const uint8_t self_pk[32], const char *peer_id,
                           const uint8_t peer_pk[32], const uint8_t s[32], struct pairkeys *out)
    __attribute__((warn_unused_result));

/* K_tok(from->to); from and to must be the pair's two ids. NULL otherwise. */
const uint8_t *pairkeys_tok(const struct pairkeys *pk, const char *from, const char *to);
/* K_env(from->to); NULL unless from and to are the pair's two ids. */
const uint8_t *pairkeys_env(const struct pairkeys *pk, const char *from, const char *to);
/* K_pad(from->to); NULL unless from and to are the pair's two ids. */
const uint8_t *pairkeys_pad(const struct pairkeys *pk, const char *from, const char *to);

/* Wipe. */
void pairkeys_clear(struct pairkeys *pk);

#endif
