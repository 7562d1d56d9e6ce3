#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *s_program = "symbi";
static enum log_level s_max = LOG_LVL_INFO;

void
log_init(const char *program, enum log_level max_level)
{
	s_program = program;
	s_max = max_level;
}

static const char *
s_level_name(enum log_level level)
{
	switch (level) {
	case LOG_LVL_ERR: return "error";
	case LOG_LVL_WARN: return "warning";
	case LOG_LVL_NOTICE: return "notice";
	case LOG_LVL_INFO: return "info";
	case LOG_LVL_DEBUG: return "debug";
	}
	return "info";
}

void
log_msg(enum log_level level, const char *fmt, ...)
{
	char line[1024], stamp[32];
	struct timespec ts;
	struct tm tm;
	va_list ap;
	size_t i;

	if (level > s_max)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	/* One event, one line: a newline from a peer's string must not forge another. */
	for (i = 0; line[i] != '\0'; i++)
		if ((unsigned char)line[i] < 0x20)
			line[i] = ' ';
	fprintf(stderr, "%s.%03ldZ %s[%ld]: %s: %s\n", stamp, ts.tv_nsec / 1000000, s_program,
	        (long)getpid(), s_level_name(level), line);
}
