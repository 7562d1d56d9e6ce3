/*
 * The round announcement's signed bytes, signature and check (PROTOCOL.md).
 * The round's hashes that both sides compute are in crypto/roundhash.h.
 */
#ifndef SYMBI_PROTOCOL_H
#define SYMBI_PROTOCOL_H

#include <sodium.h>
#include <stddef.h>
#include <stdint.h>

#include "cert.h"
#include "symbiod.pb-c.h"

#define PROTOCOL_ID_LEN 16

/*
 * The bytes the coordinator signs for a round announcement:
 * "symbiod-round-v1\0" || the announcement packed with an empty signature.
 */
int protocol_announcement_signed_bytes(const Symbiod__RoundAnnouncement *a, uint8_t **out,
                                       size_t *out_len) __attribute__((warn_unused_result));
int protocol_announcement_sign(Symbiod__RoundAnnouncement *a, const uint8_t sk[64],
                               uint8_t sig_out[64]) __attribute__((warn_unused_result));
int protocol_announcement_verify(const Symbiod__RoundAnnouncement *a, const uint8_t pk[32])
    __attribute__((warn_unused_result));

/*
 * Reach (REACH.md). A directory entry's site fields say exactly what its
 * verified certificate binds: both absent for a member without a site, both
 * present and equal otherwise.
 */
int protocol_record_site_equal(const struct member_record *rec, const Symbiod__MemberRecord *m);
/* The round's largest reach in metres; SITE_REACH_UNLIMITED when the announcement has none. */
uint64_t protocol_announcement_reach_m(const Symbiod__RoundAnnouncement *a);
/* The round's token encoding (PROTOCOL.md 3.1): 1 when the field is absent. */
uint32_t protocol_announcement_token_encoding(const Symbiod__RoundAnnouncement *a);

#endif
