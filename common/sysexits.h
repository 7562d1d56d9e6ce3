/* Exit codes of every binary, after BSD sysexits(3); documented in the man pages. */
#ifndef SYMBI_SYSEXITS_H
#define SYMBI_SYSEXITS_H

#define EXIT_USAGE 64       /* bad command line */
#define EXIT_DATAERR 65     /* bad input data (flows file, ...) */
#define EXIT_NOINPUT 66     /* an input file is missing or unreadable */
#define EXIT_UNAVAILABLE 69 /* a service (the daemon) is not available */
#define EXIT_SOFTWARE 70    /* internal error */
#define EXIT_CANTCREAT 73   /* cannot create an output file */
#define EXIT_IOERR 74       /* input/output error */
#define EXIT_TEMPFAIL 75    /* try again later (no open round, ...) */
#define EXIT_PROTOCOL 76    /* the peer broke the protocol (wrong key, bad signature) */
#define EXIT_NOPERM 77      /* permission problem (key file others can read, refused member) */
#define EXIT_CONFIG 78      /* bad configuration (taxonomy, config file) */

#endif
