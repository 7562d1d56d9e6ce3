/*
 * `symbiod log export`: the audit log for reviewers (audit/FORMAT.md, export
 * format version 2). The public part (park bundle, entries, checkpoint,
 * format version; the batch digests are in the entries) is written 0644;
 * the token batches, which let a member who holds them brute-force the
 * offers sent to it, only on request, in a 0700 batches/ of 0600 files.
 */
#ifndef SYMBI_EXPORT_H
#define SYMBI_EXPORT_H

#include "auditlog.h"
#include "park.h"

/* The version written into format-version; symbi-audit reads 1 and 2. */
#define EXPORT_FORMAT_VERSION 2

struct export_result {
	uint64_t entries;        /* lines of entries.jsonl */
	uint64_t batch_files;    /* batches/<round>.jsonl written (with_batches) */
	uint64_t rounds_deleted; /* rounds whose batches were deleted at round end */
};

/*
 * Write the export into `out` (created 0755 if missing; an existing one
 * keeps its mode). With with_batches, also batches/ (which must not exist
 * yet); without, an existing out/batches is refused, so that a public export
 * never carries the batches of an earlier one.
 */
int export_write(struct park *park, struct auditlog *log, const char *out, int with_batches,
                 struct export_result *res, struct sym_diag *diag)
    __attribute__((warn_unused_result));

#endif
