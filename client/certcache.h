/*
 * What a company's full check of the directory found, remembered in
 * STATE/certcache so the next run does not repeat it for certificates it
 * already verified (PROTOCOL.md 3.2; the checks are the expensive part of a
 * submission's per-counterpart work).
 *
 * A hit is keyed by the SHA-256 of the certificate's exact DER bytes and
 * gives back the member record that full verification derived from those
 * bytes; the caller compares it with the directory entry exactly as after a
 * full check. So a cache can never make the client accept what a full check
 * would refuse: a changed certificate is another key (checked in full), a
 * changed entry beside the same certificate fails the comparison, an entry
 * past its certificate's or the CA's notAfter, a cache of another park, and
 * a file that does not carry the company's own MAC (a key derived from its
 * agreement secret) are not used.
 */
#ifndef SYMBI_CERTCACHE_H
#define SYMBI_CERTCACHE_H

#include <stddef.h>
#include <stdint.h>

#include "member.h"
#include "state.h"

#define CERTCACHE_FILE "certcache"
#define CERTCACHE_MAX 100000 /* entries; more than any park's directory */

struct certcache;

/*
 * STATE/certcache, or an empty cache when it is missing, unreadable, of
 * another park or format, or fails its MAC (nothing else to report: the
 * full check runs). SYM_ERR_ALLOC only.
 */
int certcache_load(const struct client_state *st, struct certcache **out)
    __attribute__((warn_unused_result));
/*
 * 1 and *rec when `cert` (DER) was verified before and its answer still
 * holds at `now` (Unix seconds); 0 otherwise.
 */
int certcache_lookup(const struct certcache *c, const uint8_t *cert, size_t len, int64_t now,
                     struct member_record *rec);
/*
 * Remember a record that passed every check (its fingerprint is the key)
 * until `until`, for the next save; a record that came from the cache keeps
 * the times of its full check.
 */
int certcache_keep(struct certcache *c, const struct member_record *rec, int64_t until, int64_t now)
    __attribute__((warn_unused_result));
/* 1 when the kept entries differ from what was loaded (a save is worth it). */
int certcache_changed(const struct certcache *c);
/* Write what was kept by this run (only the current directory's certificates), 0600. */
int certcache_save(const struct certcache *c, const struct client_state *st)
    __attribute__((warn_unused_result));
void certcache_free(struct certcache **c);

#endif
