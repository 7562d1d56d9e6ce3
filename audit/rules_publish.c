/*
 * Rule 7c of audit/FORMAT.md: a consent may carry `publish`, the class the
 * member agreed to show in the park's diagram (`symbi accept --publish`).
 * It is part of what the member signed (the Consent's publish_class), comes
 * only with an accept, and is a class of two taxonomy levels, nothing finer.
 */
#include <string.h>

#include "audit.h"
#include "classname.h"
#include "entry.h"
#include "rules.h"

int
rules_publish_of(struct audit_verifier *v, const struct audit_entry *e, int accept,
                 const char **cls)
{
	int r;

	*cls = NULL;
	if (json_object_get(e->obj, "publish") == NULL)
		return SYM_OK;
	if ((r = audit_entry_string(e, NULL, NULL, "publish", CLASS_NAME_MAX, cls)) != SYM_OK)
		return r;
	if (!accept)
		return audit_fail_entry(v->p, e->index, "publish",
		                        "a decline publishes nothing, yet publish is \"%s\"", *cls);
	if (!class_name_ok(*cls, 2) || strchr(*cls, '.') == NULL)
		return audit_fail_entry(v->p, e->index, "publish",
		                        "publish \"%s\" is not a class of two taxonomy levels",
		                        *cls);
	return SYM_OK;
}
