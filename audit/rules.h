/*
 * Internals of verify: the model's append helpers and the checks of each
 * entry kind (rules.c, rules_submit.c, rules_consent.c, rules_v1.c). Every check reads
 * one parsed entry, reports the first rule it breaks into v->p and returns
 * SYM_ERR_VERIFY, or updates the model and returns SYM_OK.
 */
#ifndef SYMBI_AUDIT_RULES_H
#define SYMBI_AUDIT_RULES_H

#include <stddef.h>
#include <stdint.h>

#include "audit.h"
#include "entry.h"
#include "symbiod.pb-c.h"

struct audit_verifier {
	struct audit_log *log;
	struct audit_problem *p;
};

/* Grow *arr (of *n elements of size sz) by one zeroed element; returns it or NULL. */
void *audit_push(void **arr, size_t *n, size_t sz);
void audit_pair_key(size_t round, uint32_t supplier, uint32_t consumer, uint8_t key[16]);
/* Was the member active when the round opened? Is it in the round's `submitted`? */
int audit_in_directory(const struct audit_round *rd, uint32_t member);
int audit_in_submitted(const struct audit_round *rd, uint32_t member);

/* The rules of one parsed entry, by its kind (an unknown kind is a problem). */
int rules_check(struct audit_verifier *v, const struct audit_entry *e);

/*
 * The auditor's side of two protocol hashes, from the model: the directory
 * hash of the members active now (unrevoked, in id order), and a
 * submission's commitment to its batches (tests/test_audit_vectors.c pins
 * both to tests/vectors/protocol-kat.json).
 */
int rules_directory_hash(const struct audit_log *log, uint8_t hash[32])
    __attribute__((warn_unused_result));
int rules_commitment(const uint8_t round[16], const uint8_t sub_id[16],
                     const struct audit_batchref *batches, size_t n, uint8_t out[32])
    __attribute__((warn_unused_result));

/* Shared by the checks. */
const char *rules_hex16(const uint8_t id[16], char out[33]);
const char *rules_id(const struct audit_verifier *v, uint32_t member);
/* The entry's "round", which must have been opened (round-order otherwise). */
int rules_round_of(struct audit_verifier *v, const struct audit_entry *e, uint8_t id[16],
                   size_t *ri) __attribute__((warn_unused_result));
/* A member id field naming an enrolled member, reported under `rule` otherwise. */
int rules_member_of(struct audit_verifier *v, const struct audit_entry *e, const char *key,
                    const char *rule, uint32_t *mi) __attribute__((warn_unused_result));
/* The round is in its consent window: after round_closed, before round_ended. */
int rules_in_consent(struct audit_verifier *v, const struct audit_entry *e,
                     const struct audit_round *rd) __attribute__((warn_unused_result));
/* A signed request in an entry: decodes, has `type`, is signed by `member`'s enrolled key. */
int rules_request(struct audit_verifier *v, const struct audit_entry *e, const uint8_t *buf,
                  size_t len, uint32_t type, const char *type_name, uint32_t member,
                  const char *rule, Symbiod__Request **req_out) __attribute__((warn_unused_result));

/* The candidate an entry's "candidate" names, one of round ri (candidate-unknown otherwise). */
int rules_candidate_of(struct audit_verifier *v, const struct audit_entry *e, size_t ri, size_t *ci)
    __attribute__((warn_unused_result));
/*
 * Member mi's answer to candidate ci, signed in either export format: it is
 * the candidate's supplier or consumer (*side), the round is in consent, the
 * side answers once; `hash` is what a release must name as its consent.
 */
int rules_answer(struct audit_verifier *v, const struct audit_entry *e, size_t ri, size_t ci,
                 uint32_t mi, int accept, const uint8_t hash[32], int *side)
    __attribute__((warn_unused_result));

/*
 * The class a consent entry publishes (rules_publish.c): *cls NULL when it
 * has none; fails the entry when it is no two-level class or not an accept.
 */
int rules_publish_of(struct audit_verifier *v, const struct audit_entry *e, int accept,
                     const char **cls) __attribute__((warn_unused_result));

/* One check per entry kind. */
int rules_member_enrolled(struct audit_verifier *v, const struct audit_entry *e);
int rules_member_revoked(struct audit_verifier *v, const struct audit_entry *e);
int rules_round_opened(struct audit_verifier *v, const struct audit_entry *e);
int rules_submission(struct audit_verifier *v, const struct audit_entry *e);
int rules_round_closed(struct audit_verifier *v, const struct audit_entry *e);
int rules_pair_matched(struct audit_verifier *v, const struct audit_entry *e);
int rules_consent(struct audit_verifier *v, const struct audit_entry *e);
int rules_deposit(struct audit_verifier *v, const struct audit_entry *e);
int rules_release(struct audit_verifier *v, const struct audit_entry *e);
int rules_round_ended(struct audit_verifier *v, const struct audit_entry *e);
/* Park indicators (rules_indicators.c). */
int rules_indicator_opened(struct audit_verifier *v, const struct audit_entry *e);
int rules_indicator_vector(struct audit_verifier *v, const struct audit_entry *e);
int rules_indicator_included(struct audit_verifier *v, const struct audit_entry *e);
int rules_indicator_confirm(struct audit_verifier *v, const struct audit_entry *e);
int rules_indicator_unmask(struct audit_verifier *v, const struct audit_entry *e);
int rules_indicator_result(struct audit_verifier *v, const struct audit_entry *e);
/* Hardened rounds (rules_hardened.c). */
struct audit_hard;
void rules_hard_free(struct audit_hard **h);
/* Mark the round hardened when its announcement says so. */
int rules_hard_opened(struct audit_verifier *v, struct audit_round *rd,
                      const Symbiod__RoundAnnouncement *ann) __attribute__((warn_unused_result));
/* A submission comes in a hardened round's submit phase only. */
int rules_hard_may_submit(struct audit_verifier *v, const struct audit_entry *e,
                          const struct audit_round *rd) __attribute__((warn_unused_result));
/* A hardened round closes after its submit phase. */
int rules_hard_close(struct audit_verifier *v, const struct audit_entry *e, struct audit_round *rd)
    __attribute__((warn_unused_result));
int rules_hardened_key(struct audit_verifier *v, const struct audit_entry *e);
int rules_hardened_query(struct audit_verifier *v, const struct audit_entry *e);
int rules_hardened_answer(struct audit_verifier *v, const struct audit_entry *e);
int rules_hardened_phase(struct audit_verifier *v, const struct audit_entry *e);
/*
 * Round ri's hardened batch file in the export at dir, when there is one:
 * every query hashes to its logged digest, every logged answer is there and
 * its proof holds against the answerer's committed key (*nproofs checked).
 */
int rules_hard_batches(struct audit_verifier *v, const char *dir, size_t ri, size_t *nproofs)
    __attribute__((warn_unused_result));
/* ---- reach (rules_reach.c) ---- */

/* A member_enrolled entry's "site" is exactly the one its certificate (rec) binds. */
int rules_member_site(struct audit_verifier *v, const struct audit_entry *e,
                      const struct member_record *rec) __attribute__((warn_unused_result));
/* Members a and b of round rd are within its largest reach (they exchange batches). */
int rules_in_reach(const struct audit_log *log, const struct audit_round *rd, uint32_t a,
                   uint32_t b);
/* A pair_matched entry's pair must be within reach ("pair-matched" otherwise). */
int rules_pair_reach(struct audit_verifier *v, const struct audit_entry *e,
                     const struct audit_round *rd, uint32_t sup, uint32_t con)
    __attribute__((warn_unused_result));
/* How many of rd's directory members other than `member` are within its reach. */
size_t rules_reach_count(const struct audit_log *log, const struct audit_round *rd,
                         uint32_t member);

/* Export format 1 (before protocol 1.1): a consent holds its whole signed request. */
int rules_consent_v1(struct audit_verifier *v, const struct audit_entry *e);

#endif
