/*
 * A progress bar on stderr for the client's long steps (encoding and upload
 * for hundreds of counterparts), drawn only when stderr is a terminal so
 * scripts and logs stay clean.
 */
#ifndef SYMBI_PROGRESS_H
#define SYMBI_PROGRESS_H

#include <stddef.h>

struct progress {
	const char *label;
	size_t total, shown;
	int on;
};

void progress_begin(struct progress *p, const char *label, size_t total);
void progress_step(struct progress *p, size_t done);
void progress_end(struct progress *p);

#endif
