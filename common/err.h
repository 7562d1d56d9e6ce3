/*
 * One error-code space for the whole project (after OpenSSH's ssherr.h).
 * Functions return 0 on success or one of these negative codes; callers that
 * need to explain a failure to a person use sym_strerror() or a struct
 * sym_diag filled by the function that knows the details.
 */
#ifndef SYMBI_ERR_H
#define SYMBI_ERR_H

#include <stddef.h>

enum sym_err {
	SYM_OK = 0,
	SYM_ERR_INTERNAL = -1,   /* a bug or an impossible state */
	SYM_ERR_ALLOC = -2,      /* out of memory */
	SYM_ERR_INVALID = -3,    /* invalid argument from the caller */
	SYM_ERR_FORMAT = -4,     /* malformed input */
	SYM_ERR_RANGE = -5,      /* a value outside its allowed range */
	SYM_ERR_IO = -6,         /* reading or writing a file failed */
	SYM_ERR_PERM = -7,       /* insecure or wrong permissions */
	SYM_ERR_CRYPTO = -8,     /* a cryptographic library call failed */
	SYM_ERR_VERIFY = -9,     /* a signature, tag or proof did not verify */
	SYM_ERR_NOSPACE = -10,   /* an output buffer is too small */
	SYM_ERR_NOT_FOUND = -11, /* a named thing does not exist */
	SYM_ERR_LIMIT = -12,     /* input exceeds a configured size limit */
	SYM_ERR_EXISTS = -13,    /* refusing to overwrite */
	SYM_ERR_WEAK_KEY = -14,  /* a key agreement gave a low-order result */
};

/* A static, human-readable description of an error code; never NULL. */
const char *sym_strerror(int err);

/*
 * A diagnostic for errors in user-supplied files: which file, which thing in
 * it and what is wrong, formatted for a person. Filled by parsers.
 */
struct sym_diag {
	char msg[512];
};

/* printf-style setter; returns err so callers can write `return diag_set(...)`. */
int sym_diag_set(struct sym_diag *d, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
