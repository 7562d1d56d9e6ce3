/*
 * The X25519 secrets s = X25519(a, A_j) this company shares with its
 * counterparts, remembered in STATE/paircache so that a run does not repeat
 * one scalar multiplication per counterpart (PROTOCOL.md 4: s depends on
 * the two keys only; the park, the round and the ids enter the master
 * derivation that follows, pairkeys_derive_shared).
 *
 * An entry is keyed by the peer's id and the peer's X25519 public key: a
 * changed key is a miss (the new secret replaces the old one). The file is
 * bound to the park and to this company's own X25519 key, and its entries
 * are sealed (XChaCha20-Poly1305) under a key derived from the agreement
 * secret with a context of its own, the header as associated data. So a
 * file from another park or for another own key is a miss, and a file that
 * was cut short, changed in any byte or written by someone without the
 * agreement secret is ignored (one warning on stderr) and rebuilt: a hit is
 * always exactly what the scalar multiplication gives. The cache holds
 * nothing a reader of STATE lacks: STATE/agreement.key is beside it.
 */
#ifndef SYMBI_PAIRCACHE_H
#define SYMBI_PAIRCACHE_H

#include <stddef.h>
#include <stdint.h>

#include "state.h"

#define PAIRCACHE_FILE "paircache"
/* Entries, one per counterpart id; a larger file is ignored, a full cache adds nothing more. */
#define PAIRCACHE_MAX 100000

struct paircache;

/*
 * A cache for st's company (st is used until paircache_free). Nothing is
 * read before the first paircache_shared. SYM_ERR_ALLOC only.
 */
int paircache_new(const struct client_state *st, struct paircache **out)
    __attribute__((warn_unused_result));
/*
 * s = X25519(own agreement secret, peer_pk), from the cache or computed and
 * kept (pairkeys_shared). SYM_ERR_WEAK_KEY for a low-order peer key (never
 * kept), SYM_ERR_INVALID for an id that is empty or too long.
 */
int paircache_shared(struct paircache *c, const char *peer_id, const uint8_t peer_pk[32],
                     uint8_t s[32]) __attribute__((warn_unused_result));
/* How many paircache_shared calls were answered from the file, and how many computed. */
void paircache_counts(const struct paircache *c, size_t *hits, size_t *misses);
/* Write STATE/paircache (0600, atomically) when this run added or replaced an entry. */
int paircache_save(struct paircache *c) __attribute__((warn_unused_result));
/* Wipe and free; accepts NULL and nulls the caller's pointer. */
void paircache_free(struct paircache **c);

#endif
