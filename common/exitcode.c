#include "exitcode.h"

#include <stddef.h>

#include "err.h"
#include "sysexits.h"

/*
 * The policy, one row per error code: its exit code from an input, from a
 * peer, from a configuration file. Keep README.md's table in step.
 */
static const struct {
	int err;
	unsigned char exit[3]; /* indexed by enum sym_origin */
} s_policy[] = {
    {SYM_OK, {0, 0, 0}},
    /* Something wrong in what was read: the user's file, or the peer's reply. */
    {SYM_ERR_FORMAT, {EXIT_DATAERR, EXIT_PROTOCOL, EXIT_CONFIG}},
    {SYM_ERR_RANGE, {EXIT_DATAERR, EXIT_PROTOCOL, EXIT_CONFIG}},
    {SYM_ERR_LIMIT, {EXIT_DATAERR, EXIT_PROTOCOL, EXIT_CONFIG}},
    {SYM_ERR_VERIFY, {EXIT_DATAERR, EXIT_PROTOCOL, EXIT_CONFIG}},
    {SYM_ERR_WEAK_KEY, {EXIT_DATAERR, EXIT_PROTOCOL, EXIT_CONFIG}},
    /* Asked for wrongly: a usage error on the command line. From a peer
     * exchange it can only be our bug. */
    {SYM_ERR_INVALID, {EXIT_USAGE, EXIT_SOFTWARE, EXIT_CONFIG}},
    /* Missing, or unreadable: for a peer both mean it is not there to answer. */
    {SYM_ERR_NOT_FOUND, {EXIT_NOINPUT, EXIT_UNAVAILABLE, EXIT_CONFIG}},
    {SYM_ERR_IO, {EXIT_IOERR, EXIT_UNAVAILABLE, EXIT_CONFIG}},
    /* A key file others can read, a file we may not read, a refused member. */
    {SYM_ERR_PERM, {EXIT_NOPERM, EXIT_NOPERM, EXIT_NOPERM}},
    {SYM_ERR_EXISTS, {EXIT_CANTCREAT, EXIT_SOFTWARE, EXIT_CONFIG}},
    /* Ours or the machine's, wherever the input came from. */
    {SYM_ERR_INTERNAL, {EXIT_SOFTWARE, EXIT_SOFTWARE, EXIT_SOFTWARE}},
    {SYM_ERR_ALLOC, {EXIT_SOFTWARE, EXIT_SOFTWARE, EXIT_SOFTWARE}},
    {SYM_ERR_CRYPTO, {EXIT_SOFTWARE, EXIT_SOFTWARE, EXIT_SOFTWARE}},
    {SYM_ERR_NOSPACE, {EXIT_SOFTWARE, EXIT_SOFTWARE, EXIT_SOFTWARE}},
};

int
sym_exit_code(int err, enum sym_origin origin)
{
	size_t i;

	if ((unsigned)origin > SYM_ORIGIN_CONFIG)
		return EXIT_SOFTWARE;
	for (i = 0; i < sizeof(s_policy) / sizeof(s_policy[0]); i++)
		if (s_policy[i].err == err)
			return s_policy[i].exit[origin];
	return EXIT_SOFTWARE;
}
