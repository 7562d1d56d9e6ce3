#include "progress.h"

#include <stdio.h>
#include <unistd.h>

#define PROGRESS_WIDTH 30

void
progress_begin(struct progress *p, const char *label, size_t total)
{
	p->label = label;
	p->total = total;
	p->shown = (size_t)-1;
	p->on = isatty(STDERR_FILENO) && total > 0;
	progress_step(p, 0);
}

void
progress_step(struct progress *p, size_t done)
{
	char bar[PROGRESS_WIDTH + 1];
	size_t pct, fill, i;

	if (!p->on)
		return;
	pct = done >= p->total ? 100 : done * 100 / p->total;
	if (pct == p->shown)
		return; /* redraw only when the percentage moves */
	p->shown = pct;
	fill = pct * PROGRESS_WIDTH / 100;
	for (i = 0; i < PROGRESS_WIDTH; i++)
		bar[i] = i < fill ? '#' : '.';
	bar[PROGRESS_WIDTH] = '\0';
	fprintf(stderr, "\r%-10s [%s] %3zu%% (%zu/%zu)", p->label, bar, pct, done, p->total);
	fflush(stderr);
}

void
progress_end(struct progress *p)
{
	if (!p->on)
		return;
	progress_step(p, p->total);
	fputc('\n', stderr);
	p->on = 0;
}
