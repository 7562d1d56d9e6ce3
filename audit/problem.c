/* Where and what: the first problem found in an export, in one stable line. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "audit.h"
#include "util.h"

static int s_set(struct audit_problem *p, enum audit_where where, const char *rule, const char *fmt,
                 va_list ap) __attribute__((format(printf, 4, 0)));

static int
s_set(struct audit_problem *p, enum audit_where where, const char *rule, const char *fmt,
      va_list ap)
{
	p->set = 1;
	p->where = where;
	snprintf(p->rule, sizeof(p->rule), "%s", rule);
	vsnprintf(p->msg, sizeof(p->msg), fmt, ap);
	return SYM_ERR_VERIFY;
}

int
audit_fail_entry(struct audit_problem *p, uint64_t entry, const char *rule, const char *fmt, ...)
{
	va_list ap;

	if (p->set)
		return SYM_ERR_VERIFY;
	p->entry = entry;
	va_start(ap, fmt);
	s_set(p, AUDIT_AT_ENTRY, rule, fmt, ap);
	va_end(ap);
	return SYM_ERR_VERIFY;
}

int
audit_fail_checkpoint(struct audit_problem *p, const char *rule, const char *fmt, ...)
{
	va_list ap;

	if (p->set)
		return SYM_ERR_VERIFY;
	va_start(ap, fmt);
	s_set(p, AUDIT_AT_CHECKPOINT, rule, fmt, ap);
	va_end(ap);
	return SYM_ERR_VERIFY;
}

int
audit_fail_round(struct audit_problem *p, const uint8_t round[16], const char *rule,
                 const char *fmt, ...)
{
	va_list ap;

	if (p->set)
		return SYM_ERR_VERIFY;
	memcpy(p->round, round, 16);
	va_start(ap, fmt);
	s_set(p, AUDIT_AT_ROUND, rule, fmt, ap);
	va_end(ap);
	return SYM_ERR_VERIFY;
}

int
audit_fail_file(struct audit_problem *p, const char *file, const char *rule, const char *fmt, ...)
{
	va_list ap;

	if (p->set)
		return SYM_ERR_VERIFY;
	snprintf(p->file, sizeof(p->file), "%s", file);
	va_start(ap, fmt);
	s_set(p, AUDIT_AT_FILE, rule, fmt, ap);
	va_end(ap);
	return SYM_ERR_VERIFY;
}

void
audit_problem_format(const struct audit_problem *p, char *out, size_t cap)
{
	char hex[33];

	switch (p->where) {
	case AUDIT_AT_ENTRY:
		snprintf(out, cap, "entry %llu: %s: %s", (unsigned long long)p->entry, p->rule,
		         p->msg);
		return;
	case AUDIT_AT_CHECKPOINT: snprintf(out, cap, "checkpoint: %s: %s", p->rule, p->msg); return;
	case AUDIT_AT_ROUND:
		util_hex(p->round, 16, hex);
		snprintf(out, cap, "round %s: %s: %s", hex, p->rule, p->msg);
		return;
	case AUDIT_AT_FILE: snprintf(out, cap, "%s: %s: %s", p->file, p->rule, p->msg); return;
	}
	snprintf(out, cap, "%s: %s", p->rule, p->msg);
}
