/*
 * The start of every program's main (symbiod, symbi, symbi-audit,
 * symbi-bench): one place for what each must do before its commands run, and
 * the same answers to --help, --version and a missing or unknown command
 * (WireGuard's wg: help and version on stdout with exit 0, usage errors on
 * stderr with exit 64).
 */
#ifndef SYMBI_PROGMAIN_H
#define SYMBI_PROGMAIN_H

#include <stdio.h>

/* progmain_start() returns this when main should go on to its commands. */
#define PROGMAIN_RUN (-1)

/* Program holds keys: no core files (they would hold key material). */
#define PROGMAIN_NO_CORE 0x1

struct progmain {
	const char *name;       /* "symbiod": messages, --version, the log's name */
	void (*usage)(FILE *f); /* prints the program's usage to f */
	unsigned flags;         /* PROGMAIN_* */
};

/*
 * Prepare the process (PROGMAIN_NO_CORE: RLIMIT_CORE 0; libsodium; the log's
 * program name) and answer the first argument when it is not a command:
 * none: usage on stderr, 64; --help, -h, help: usage on stdout, 0;
 * --version: "NAME VERSION" on stdout, 0. Returns PROGMAIN_RUN, or the exit
 * code main returns at once (70 when libsodium cannot start).
 */
int progmain_start(const struct progmain *p, int argc, char **argv);

/* "NAME: unknown command "CMD"", the usage on stderr; returns 64 for main to return. */
int progmain_unknown(const struct progmain *p, const char *cmd);

#endif
