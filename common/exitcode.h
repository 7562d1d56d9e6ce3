/*
 * One exit policy for symbiod, symbi and symbi-audit: an error code of
 * common/err.h and where the failing thing came from give the exit code
 * (sysexits(3), common/sysexits.h). README.md, "Exit codes", shows the same
 * table; tests/test_exitcode.c checks that the two agree.
 */
#ifndef SYMBI_EXITCODE_H
#define SYMBI_EXITCODE_H

enum sym_origin {
	/* A file, directory or argument the user gave: a flows file, a CSR or
	 * certificate, an audit export, the state or park directory. */
	SYM_ORIGIN_INPUT,
	/* A network peer: the coordinator's reply, or the connection to it. */
	SYM_ORIGIN_PEER,
	/* A configuration file: symbiod.conf, STATE/symbi.conf, the taxonomy. */
	SYM_ORIGIN_CONFIG,
};

/*
 * The exit code for err (SYM_OK or a negative enum sym_err) from origin.
 * A bad signature is a data error (65) in a file the user gave and a protocol
 * error (76) from a peer. Codes this policy does not know give 70 (internal).
 */
int sym_exit_code(int err, enum sym_origin origin);

#endif
