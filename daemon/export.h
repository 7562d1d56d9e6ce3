/* `symbiod log export`: the audit log, its checkpoint and the token batches, for reviewers. */
#ifndef SYMBI_EXPORT_H
#define SYMBI_EXPORT_H

#include "auditlog.h"
#include "park.h"

/* Write audit/FORMAT.md's export directory into `out` (created if missing). */
int export_write(struct park *park, struct auditlog *log, const char *out, struct sym_diag *diag)
    __attribute__((warn_unused_result));

#endif
