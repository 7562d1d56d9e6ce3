/*
 * Secret key files on disk: written 0600 (never replacing an existing key),
 * read only when neither group nor others can access the file or its
 * directory, into sodium_malloc memory. Public halves go to "<file>.pub".
 */
#ifndef SYMBI_KEYFILE_H
#define SYMBI_KEYFILE_H

#include "err.h"
#include "keys.h"

/* Create `dir` 0700 if missing; refuse one that group or others can access. */
int keyfile_secure_dir(const char *dir, struct sym_diag *diag) __attribute__((warn_unused_result));

/* Write kp's secret to path (0600, exclusive) and its public half to path.pub (0644). */
int keyfile_save(const char *path, const struct keypair *kp, struct sym_diag *diag)
    __attribute__((warn_unused_result));

/* Load a secret key of `kind`; SYM_ERR_PERM names the file when others can read it. */
int keyfile_load(const char *path, enum key_kind kind, struct keypair **out, struct sym_diag *diag)
    __attribute__((warn_unused_result));

#endif
