/*
 * The token batches of an export (batches/<round>.jsonl, FORMAT.md), each
 * checked against the digest its submitter committed to in the log. verify
 * checks every batch file present; replay reads the checked batches again,
 * one pair at a time, to recompute the join.
 */
#ifndef SYMBI_AUDIT_BATCHES_H
#define SYMBI_AUDIT_BATCHES_H

#include <stddef.h>
#include <stdint.h>

#include "audit.h"

/* One line: who sent it for whom, and its two wire sets (sizes in bytes). */
struct audit_batch {
	char submitter[MEMBER_ID_MAX + 1];
	char counterpart[MEMBER_ID_MAX + 1];
	uint8_t *offers, *needs;
	size_t offers_len, needs_len;
};

void audit_batch_clear(struct audit_batch *b);

struct audit_batches;

/*
 * Read round ri's batch file of the export at dir: every line must parse,
 * be a batch that the submitter's last submission entry of the round lists,
 * with that digest, and come once. A problem is reported under `rule`.
 * SYM_ERR_NOT_FOUND without a problem when the file is absent.
 */
int audit_batches_open(const char *dir, const struct audit_log *log, size_t ri, const char *rule,
                       struct audit_problem *p, struct audit_batches **out)
    __attribute__((warn_unused_result));

/* Every member in round_closed's `submitted` has each batch it committed to. */
int audit_batches_complete(const struct audit_batches *bs) __attribute__((warn_unused_result));

/* The lines read (each one checked). */
size_t audit_batches_count(const struct audit_batches *bs);

/* Read the batch submitter -> counterpart (member indices) again. */
int audit_batches_load(struct audit_batches *bs, uint32_t submitter, uint32_t counterpart,
                       struct audit_batch *b) __attribute__((warn_unused_result));

void audit_batches_close(struct audit_batches **bs);

#endif
