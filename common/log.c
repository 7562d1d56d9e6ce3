#include "log.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *s_program = "symbi";
static enum log_level s_max = LOG_LVL_INFO;
static int s_json;

void
log_init(const char *program, enum log_level max_level)
{
	s_program = program;
	s_max = max_level;
}

void
log_set_level(enum log_level max_level)
{
	s_max = max_level;
}

void
log_set_format(int json)
{
	s_json = json != 0;
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

int
log_level_parse(const char *name)
{
	static const struct {
		const char *name;
		enum log_level level;
	} names[] = {{"err", LOG_LVL_ERR},       {"error", LOG_LVL_ERR}, {"warning", LOG_LVL_WARN},
	             {"notice", LOG_LVL_NOTICE}, {"info", LOG_LVL_INFO}, {"debug", LOG_LVL_DEBUG}};
	size_t i;

	for (i = 0; name != NULL && i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(name, names[i].name) == 0)
			return (int)names[i].level;
	return -1;
}

void
log_msg(enum log_level level, const char *fmt, ...)
{
	char line[1024], stamp[48], frac[24];
	struct timespec ts;
	struct tm tm;
	va_list ap;
	size_t i;

	if (level > s_max)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(frac, sizeof(frac), ".%03dZ", (int)(ts.tv_nsec / 1000000) % 1000);
	strncat(stamp, frac, sizeof(stamp) - strlen(stamp) - 1);
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	/* One event, one line: a newline from a peer's string must not forge another. */
	for (i = 0; line[i] != '\0'; i++)
		if ((unsigned char)line[i] < 0x20)
			line[i] = ' ';
	if (s_json) {
		json_t *j = json_pack("{s:s, s:i, s:s, s:s, s:I, s:s}", "ts", stamp, "priority",
		                      (int)level, "level", s_level_name(level), "program",
		                      s_program, "pid", (json_int_t)getpid(), "msg", line);
		/* Invalid UTF-8 from a peer makes json_pack fail: never lose the event. */
		if (j == NULL)
			j = json_pack("{s:s, s:i, s:s, s:s, s:I, s:s}", "ts", stamp, "priority",
			              (int)level, "level", s_level_name(level), "program",
			              s_program, "pid", (json_int_t)getpid(), "msg",
			              "(message not valid UTF-8)");
		if (j != NULL) {
			json_dumpf(j, stderr, JSON_COMPACT | JSON_PRESERVE_ORDER);
			fputc('\n', stderr);
			json_decref(j);
		}
		return;
	}
	fprintf(stderr, "<%d>%s %s[%ld]: %s: %s\n", (int)level, stamp, s_program, (long)getpid(),
	        s_level_name(level), line);
}
