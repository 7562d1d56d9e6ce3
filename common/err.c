#include "err.h"

#include <stdarg.h>
#include <stdio.h>

const char *
sym_strerror(int err)
{
	switch (err) {
	case SYM_OK: return "success";
	case SYM_ERR_INTERNAL: return "internal error";
	case SYM_ERR_ALLOC: return "out of memory";
	case SYM_ERR_INVALID: return "invalid argument";
	case SYM_ERR_FORMAT: return "malformed input";
	case SYM_ERR_RANGE: return "value out of range";
	case SYM_ERR_IO: return "input/output error";
	case SYM_ERR_PERM: return "insecure or wrong permissions";
	case SYM_ERR_CRYPTO: return "cryptographic library failure";
	case SYM_ERR_VERIFY: return "verification failed";
	case SYM_ERR_NOSPACE: return "buffer too small";
	case SYM_ERR_NOT_FOUND: return "not found";
	case SYM_ERR_LIMIT: return "size limit exceeded";
	case SYM_ERR_EXISTS: return "already exists";
	case SYM_ERR_WEAK_KEY: return "weak or low-order key";
	}
	return "unknown error";
}

int
sym_diag_set(struct sym_diag *d, int err, const char *fmt, ...)
{
	va_list ap;

	if (d == NULL)
		return err;
	va_start(ap, fmt);
	vsnprintf(d->msg, sizeof(d->msg), fmt, ap);
	va_end(ap);
	return err;
}
