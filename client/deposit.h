/*
 * The deposit step of protocol 1.1: once a candidate is agreed, this
 * company seals its item for the counterpart and hands it to the
 * coordinator, which releases it when both sides have deposited.
 */
#ifndef SYMBI_DEPOSIT_H
#define SYMBI_DEPOSIT_H

#include <jansson.h>
#include <stdint.h>

#include "err.h"
#include "roundfile.h"
#include "session.h"

struct deposit_what {
	const uint8_t *round, *candidate_id; /* 16 bytes each */
	const char *counterpart;
	const json_t *item; /* this company's flow object, as it wrote it */
};

/*
 * Seal the item under K_env(us -> counterpart), the AD binding the round,
 * the candidate and both ids, padded to deposit_padded_len; *env malloc'd.
 */
/* The padded length of an item's JSON of len bytes: a power of two, at least 1 KiB. */
size_t deposit_padded_len(size_t len);

int deposit_seal(const struct session *s, const struct roundfile *rf, const struct deposit_what *w,
                 uint8_t **env, size_t *env_len) __attribute__((warn_unused_result));

/*
 * Seal and deposit the item; the deposit entry's proof must be in the
 * coordinator's log (a repeated deposit of the same item has none). 0 or a
 * sysexits code, said in diag.
 */
int deposit_send(struct session *s, const struct roundfile *rf, const struct deposit_what *w,
                 struct sym_diag *diag) __attribute__((warn_unused_result));

/*
 * Tell the coordinator this company received and kept these releases (the
 * caller saved them first), so that it deletes its copies. 0 or a sysexits
 * code, said in diag.
 */
int deposit_received(struct session *s, const uint8_t round[16], const Symbiod__ReleaseList *rels,
                     struct sym_diag *diag) __attribute__((warn_unused_result));

#endif
