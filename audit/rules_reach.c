/*
 * Reach (REACH.md) in the audit rules: a member_enrolled entry names the
 * site its certificate binds, and two members of a round farther apart than
 * its announced largest reach exchange no batches, so none is committed,
 * joined or matched for them. Distances are common/site.h's, the same
 * integers the coordinator and the companies used.
 */
#include <string.h>

#include "audit.h"
#include "entry.h"
#include "rules.h"
#include "site.h"

int
rules_member_site(struct audit_verifier *v, const struct audit_entry *e,
                  const struct member_record *rec)
{
	char want[SITE_TEXT_MAX];
	struct sym_diag diag = {""};
	struct site site;
	const char *text;
	int r;

	site_format(&rec->site, want);
	if (json_object_get(e->obj, "site") == NULL) {
		if (!rec->site.set)
			return SYM_OK;
		return audit_fail_entry(v->p, e->index, "site",
		                        "the certificate of \"%s\" binds the site %s; the entry "
		                        "names none",
		                        rec->id, want);
	}
	if ((r = audit_entry_string(e, NULL, NULL, "site", SITE_TEXT_MAX, &text)) != SYM_OK)
		return r;
	if (site_parse(text, &site, &diag) != SYM_OK)
		return audit_fail_entry(v->p, e->index, "malformed-entry", "field \"site\": %s",
		                        diag.msg);
	if (!rec->site.set || site.lat != rec->site.lat || site.lon != rec->site.lon)
		return audit_fail_entry(v->p, e->index, "site",
		                        "the entry names the site %s; the certificate of \"%s\" "
		                        "binds %s",
		                        text, rec->id, want);
	return SYM_OK;
}

int
rules_in_reach(const struct audit_log *log, const struct audit_round *rd, uint32_t a, uint32_t b)
{
	return site_within(&log->members[a].rec.site, &log->members[b].rec.site, rd->reach_m);
}

int
rules_pair_reach(struct audit_verifier *v, const struct audit_entry *e,
                 const struct audit_round *rd, uint32_t sup, uint32_t con)
{
	if (rules_in_reach(v->log, rd, sup, con))
		return SYM_OK;
	return audit_fail_entry(v->p, e->index, "pair-matched",
	                        "%s -> %s are farther apart than the round's largest reach: "
	                        "they exchanged no batches",
	                        rules_id(v, sup), rules_id(v, con));
}

size_t
rules_reach_count(const struct audit_log *log, const struct audit_round *rd, uint32_t member)
{
	size_t i, n = 0;

	for (i = 0; i < rd->ndirectory_span; i++)
		if (rd->in_directory[i] && i != member &&
		    rules_in_reach(log, rd, member, (uint32_t)i))
			n++;
	return n;
}
