/*
 * The counterpart policy (client/policy.c): the input is "LIST\nID", LIST
 * the value of an allow or deny setting in STATE/symbi.conf, ID a
 * counterpart's member id. The list's config check runs on it, then the
 * same list as allow list and as deny list must give opposite answers for
 * valid member id (a non-empty list: an empty allow list allows everyone;
 * an empty deny list is one empty item, which only the empty id matches).
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "member.h"
#include "policy.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct client_policy p;
	const uint8_t *nl = memchr(data, '\n', size);
	size_t len = nl != NULL ? (size_t)(nl - data) : size;
	char *id;
	int allowed_denies, denied_denies;

	if (len >= POLICY_LIST_MAX || memchr(data, '\0', len) != NULL)
		return 0; /* the config reader stores at most POLICY_LIST_MAX - 1 bytes, NUL-free */
	id = fuzz_strdup(nl != NULL ? nl + 1 : data + size, nl != NULL ? size - len - 1 : 0);
	memcpy(p.allow, data, len);
	p.allow[len] = '\0';
	p.deny[0] = '\0';
	(void)policy_check_list(p.allow);
	allowed_denies = policy_denies(&p, id);
	memcpy(p.deny, p.allow, len + 1);
	p.allow[0] = '\0';
	denied_denies = policy_denies(&p, id);
	if (len > 0 && member_id_valid(id) && allowed_denies == denied_denies)
		abort();
	if (size >= 8) {
		uint32_t floor, fixed;
		memcpy(&floor, data, 4);
		memcpy(&fixed, data + 4, 4);
		(void)policy_smallest_class(floor, fixed);
	}
	free(id);
	return 0;
}
