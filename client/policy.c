/* A company's own limits on a round: size floors and the counterpart policy. */
#include "policy.h"

#include <string.h>

#include "member.h"
#include "tokset.h"

struct client_policy client_policy = {POLICY_DEFAULT_MIN_OFFER, POLICY_DEFAULT_MIN_NEED, "", ""};

/*
 * Call fn on each item of a comma-separated list (spaces around items
 * ignored) until it returns non-zero; returns that, or 0.
 */
static int
s_each(const char *list, int (*fn)(const char *item, size_t len, const void *arg), const void *arg)
{
	const char *p = list;
	int r;

	for (;;) {
		const char *end = strchr(p, ','), *stop;

		if (end == NULL)
			end = p + strlen(p);
		while (p < end && *p == ' ')
			p++;
		for (stop = end; stop > p && stop[-1] == ' '; stop--)
			;
		if ((r = fn(p, (size_t)(stop - p), arg)) != 0)
			return r;
		if (*end != ',')
			return 0;
		p = end + 1; /* an empty item after a last comma is an item too */
	}
}

static int
s_is(const char *item, size_t len, const void *id)
{
	return len == strlen(id) && memcmp(item, id, len) == 0;
}

static int
s_bad_id(const char *item, size_t len, const void *unused)
{
	char id[MEMBER_ID_MAX + 1];

	(void)unused;
	if (len == 0 || len > MEMBER_ID_MAX)
		return 1;
	memcpy(id, item, len);
	id[len] = '\0';
	return !member_id_valid(id);
}

int
policy_denies(const struct client_policy *p, const char *id)
{
	if (s_each(p->deny, s_is, id))
		return 1;
	return p->allow[0] != '\0' && !s_each(p->allow, s_is, id);
}

const char *
policy_check_list(const char *value)
{
	return s_each(value, s_bad_id, NULL) ? "a comma-separated list of member ids" : NULL;
}

size_t
policy_smallest_class(uint32_t floor, uint32_t fixed)
{
	return tokset_size_class(0, floor, fixed);
}
