/*
 * Logging for the daemon and the client: one line per event on stderr.
 * Text lines start with a syslog priority prefix ("<6>"), which journald and
 * most log collectors turn into the record's priority:
 *   <6>2026-11-28T19:31:33.645Z symbiod[21439]: info: message
 * JSON lines (log_set_format(1)) are one object each, for log shippers:
 *   {"ts": ..., "priority": 6, "level": "info", "program": ..., "pid": ..., "msg": ...}
 * Never pass a secret, a token or any flow content to these functions.
 */
#ifndef SYMBI_LOG_H
#define SYMBI_LOG_H

enum log_level {
	LOG_LVL_ERR = 3,
	LOG_LVL_WARN = 4,
	LOG_LVL_NOTICE = 5,
	LOG_LVL_INFO = 6,
	LOG_LVL_DEBUG = 7
};

void log_init(const char *program, enum log_level max_level);
void log_set_level(enum log_level max_level);
/* 0: text with priority prefixes (default); 1: JSON lines. */
void log_set_format(int json);
/* Parse "err", "warning", "notice", "info", "debug"; -1 if unknown. */
int log_level_parse(const char *name);
void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_err(...) log_msg(LOG_LVL_ERR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define log_notice(...) log_msg(LOG_LVL_NOTICE, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_LVL_DEBUG, __VA_ARGS__)

#endif
