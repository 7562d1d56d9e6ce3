#include "progmain.h"

#include <sodium.h>
#include <string.h>
#include <sys/resource.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "log.h"
#include "sysexits.h"

int
progmain_start(const struct progmain *p, int argc, char **argv)
{
	struct rlimit no_core = {0, 0};

	/* Key material must never reach a core file. Lowering a limit to 0
	 * cannot fail for lack of privilege. */
	if (p->flags & PROGMAIN_NO_CORE)
		(void)setrlimit(RLIMIT_CORE, &no_core);
#ifdef __GLIBC__
	/*
	 * An upload or a chunk passes through several megabyte buffers (the
	 * batches, the packed chunk, the signed request, ZeroMQ's message). By
	 * default glibc gives each its own mmap and returns it on free, so every
	 * chunk touched fresh pages: a page fault per 4 KiB, about a third of the
	 * client's CPU in a large park on a virtual machine. Served from the heap
	 * and kept there, the same pages are reused chunk after chunk.
	 */
	(void)mallopt(M_MMAP_THRESHOLD, 32 << 20);
	(void)mallopt(M_TRIM_THRESHOLD, 128 << 20);
#endif
	if (sodium_init() < 0) {
		fprintf(stderr, "%s: cannot initialise libsodium\n", p->name);
		return EXIT_SOFTWARE;
	}
	log_init(p->name, LOG_LVL_INFO);
	if (argc < 2) {
		p->usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		p->usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("%s %s\n", p->name, SYMBI_VERSION);
		return 0;
	}
	return PROGMAIN_RUN;
}

int
progmain_unknown(const struct progmain *p, const char *cmd)
{
	fprintf(stderr, "%s: unknown command \"%s\"\n\n", p->name, cmd);
	p->usage(stderr);
	return EXIT_USAGE;
}
