/*
 * The rules of audit/FORMAT.md for the directory and the round lifecycle
 * (rules 3, 4, 6 and 9), and the helpers every rule shares: references to
 * rounds and members, the round's phase, and signed requests.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit.h"
#include "entry.h"
#include "protocol.h"
#include "roundhash.h"
#include "rules.h"
#include "util.h"
#include "wire.h"

#define S_ANNOUNCEMENT_MAX (64u << 10)

const char *
rules_hex16(const uint8_t id[16], char out[33])
{
	util_hex(id, 16, out);
	return out;
}

const char *
rules_id(const struct audit_verifier *v, uint32_t member)
{
	return v->log->members[member].rec.id;
}

/* ---- field helpers that resolve references ------------------------------------ */

/* The entry's "round", which must have been opened. */
int
rules_round_of(struct audit_verifier *v, const struct audit_entry *e, uint8_t id[16], size_t *ri)
{
	char hex[33];
	int r;

	if ((r = audit_entry_hex(e, NULL, NULL, "round", id, 16)) != SYM_OK)
		return r;
	if (audit_round_find(v->log, id, ri) != SYM_OK)
		return audit_fail_entry(v->p, e->index, "round-order", "round %s was never opened",
		                        rules_hex16(id, hex));
	return SYM_OK;
}

/* A member id field that names an enrolled member, reported under `rule` otherwise. */
int
rules_member_of(struct audit_verifier *v, const struct audit_entry *e, const char *key,
                const char *rule, uint32_t *mi)
{
	char id[MEMBER_ID_MAX + 1];
	int r;

	if ((r = audit_entry_id(e, NULL, NULL, key, id)) != SYM_OK)
		return r;
	if (audit_member_find(v->log, id, mi) != SYM_OK)
		return audit_fail_entry(v->p, e->index, rule, "%s \"%s\" was never enrolled", key,
		                        id);
	return SYM_OK;
}

static const char *
s_phase_name(enum audit_phase ph)
{
	switch (ph) {
	case AUDIT_OPEN: return "open";
	case AUDIT_CONSENT: return "closed (in consent)";
	case AUDIT_ENDED: return "ended";
	}
	return "?";
}

/* The round must be in its consent window: after round_closed, before round_ended. */
int
rules_in_consent(struct audit_verifier *v, const struct audit_entry *e,
                 const struct audit_round *rd)
{
	char hex[33];

	if (rd->phase == AUDIT_CONSENT)
		return SYM_OK;
	if (rd->phase == AUDIT_ENDED)
		return audit_fail_entry(v->p, e->index, "round-order",
		                        "%s of round %s after its round_ended (entry %llu)",
		                        e->kind, rules_hex16(rd->id, hex),
		                        (unsigned long long)rd->ended_entry);
	return audit_fail_entry(v->p, e->index, "round-order",
	                        "%s of round %s before its round_closed", e->kind,
	                        rules_hex16(rd->id, hex));
}

/*
 * A signed request carried in an entry: decoded, of the expected type,
 * signed by `member` with its enrolled key. *req_out is the decoded request.
 */
int
rules_request(struct audit_verifier *v, const struct audit_entry *e, const uint8_t *buf, size_t len,
              uint32_t type, const char *type_name, uint32_t member, const char *rule,
              Symbiod__Request **req_out)
{
	const struct audit_member *m = &v->log->members[member];
	Symbiod__Request *req = NULL;
	int r;

	*req_out = NULL;
	if ((r = wire_request_decode(buf, len, &req)) != SYM_OK)
		return r == SYM_ERR_ALLOC
		           ? r
		           : audit_fail_entry(v->p, e->index, rule,
		                              "the request does not decode (%s)", sym_strerror(r));
	if (req->type != type) {
		r = audit_fail_entry(v->p, e->index, rule, "the request is of type %u, not %s",
		                     req->type, type_name);
		goto out;
	}
	if (strcmp(req->signer, m->rec.id) != 0) {
		r = audit_fail_entry(
		    v->p, e->index, rule,
		    "the request is signed by \"%s\", not by the entry's member \"%s\"",
		    req->signer, m->rec.id);
		goto out;
	}
	/*
	 * Bound to the park since protocol 1.1 (export format 2); a version 1
	 * export was written by daemons whose members signed without the park.
	 */
	if (wire_request_verify(req, v->log->park_id, m->rec.ed25519) != SYM_OK &&
	    (v->log->format_version >= 2 ||
	     wire_request_verify(req, NULL, m->rec.ed25519) != SYM_OK)) {
		r = audit_fail_entry(
		    v->p, e->index, rule,
		    "the request's signature does not verify under %s's enrolled key", m->rec.id);
		goto out;
	}
	*req_out = req;
	req = NULL; /* transferred */
	r = SYM_OK;
out:
	wire_free(req ? &req->base : NULL);
	return r;
}

/* ---- directory ------------------------------------------------------------------ */

int
rules_member_enrolled(struct audit_verifier *v, const struct audit_entry *e)
{
	static const char *const keys[] = {"certificate", "fingerprint", "id", "name", "site"};
	struct sym_diag diag = {""};
	struct member_record rec;
	struct audit_member *m;
	char id[MEMBER_ID_MAX + 1];
	const char *name;
	uint8_t fp[32], *der = NULL, key[33];
	uint64_t prev64;
	size_t der_len = 0;
	uint32_t prev;
	int r;

	/* "site" only for a member with one (reach): older entries have four fields. */
	if ((r = audit_entry_keys(e, NULL, NULL, keys,
	                          json_object_get(e->obj, "site") != NULL ? 5 : 4)) != SYM_OK ||
	    (r = audit_entry_id(e, NULL, NULL, "id", id)) != SYM_OK ||
	    (r = audit_entry_string(e, NULL, NULL, "name", MEMBER_NAME_MAX, &name)) != SYM_OK ||
	    (r = audit_entry_hex(e, NULL, NULL, "fingerprint", fp, 32)) != SYM_OK ||
	    (r = audit_entry_b64(e, NULL, NULL, "certificate", CERT_PEM_MAX, &der, &der_len)) !=
	        SYM_OK)
		goto out;
	if (!member_name_valid(name)) {
		r = audit_fail_entry(v->p, e->index, "malformed-entry",
		                     "field \"name\": not a valid display name");
		goto out;
	}
	if (audit_member_find(v->log, id, &prev) == SYM_OK) {
		r = audit_fail_entry(v->p, e->index, "directory",
		                     "\"%s\" is enrolled a second time (first at entry %llu)", id,
		                     (unsigned long long)v->log->members[prev].enrolled_entry);
		goto out;
	}
	/* Valid when it was enrolled: an old log stays verifiable after certificates expire. */
	cert_verifier_set_time(v->log->certs, (time_t)(e->at_ms / 1000));
	if ((r = cert_verifier_member(v->log->certs, der, der_len, &rec, &diag)) != SYM_OK) {
		r = r == SYM_ERR_ALLOC
		        ? r
		        : audit_fail_entry(v->p, e->index, "directory",
		                           "the certificate of \"%s\" does not verify "
		                           "against the park CA: %s",
		                           id, diag.msg);
		goto out;
	}
	if (strcmp(rec.id, id) != 0 || strcmp(rec.name, name) != 0) {
		r = audit_fail_entry(
		    v->p, e->index, "directory",
		    "the certificate is for \"%s\" (%s), the entry says \"%s\" (%s)", rec.id,
		    rec.name, id, name);
		goto out;
	}
	if (sodium_memcmp(rec.fingerprint, fp, 32) != 0) {
		r = audit_fail_entry(v->p, e->index, "directory",
		                     "the fingerprint is not the SHA-256 of the certificate");
		goto out;
	}
	if ((r = rules_member_site(v, e, &rec)) != SYM_OK)
		goto out;
	/*
	 * One key, one company: the coordinator refuses a key enrolled before,
	 * so a log with one is not its own. Keys are indexed behind a NUL byte,
	 * which no id has, in the same map as ids.
	 */
	key[0] = '\0';
	memcpy(key + 1, rec.ed25519, 32);
	if (audit_index_get(v->log->member_ix, key, sizeof(key), &prev64) == SYM_OK) {
		r = audit_fail_entry(v->p, e->index, "directory",
		                     "the key of \"%s\" is already enrolled, as \"%s\"", id,
		                     v->log->members[prev64].rec.id);
		goto out;
	}
	if ((m = audit_push((void **)&v->log->members, &v->log->nmembers, sizeof(*m))) == NULL) {
		r = SYM_ERR_ALLOC;
		goto out;
	}
	m->rec = rec;
	m->enrolled_entry = e->index;
	if ((r = audit_index_put(v->log->member_ix, id, strlen(id), v->log->nmembers - 1)) !=
	    SYM_OK)
		goto out;
	r = audit_index_put(v->log->member_ix, key, sizeof(key), v->log->nmembers - 1);
out:
	free(der);
	return r;
}

int
rules_member_revoked(struct audit_verifier *v, const struct audit_entry *e)
{
	static const char *const keys[] = {"id"};
	struct audit_member *m;
	uint32_t mi;
	int r;

	if ((r = audit_entry_keys(e, NULL, NULL, keys, 1)) != SYM_OK ||
	    (r = rules_member_of(v, e, "id", "directory", &mi)) != SYM_OK)
		return r;
	m = &v->log->members[mi];
	if (m->revoked)
		return audit_fail_entry(v->p, e->index, "directory",
		                        "\"%s\" is revoked a second time (first at entry %llu)",
		                        m->rec.id, (unsigned long long)m->revoked_entry);
	m->revoked = 1;
	m->revoked_entry = e->index;
	return SYM_OK;
}

static int
s_record_cmp(const void *a, const void *b)
{
	const struct member_record *const *x = a, *const *y = b;

	return strcmp((*x)->id, (*y)->id);
}

int
rules_directory_hash(const struct audit_log *log, uint8_t hash[32])
{
	const struct member_record **recs;
	size_t i, n = 0;

	if ((recs = calloc(log->nmembers + 1, sizeof(*recs))) == NULL)
		return SYM_ERR_ALLOC;
	for (i = 0; i < log->nmembers; i++)
		if (!log->members[i].revoked)
			recs[n++] = &log->members[i].rec;
	/* Ids are ASCII, so strcmp order is the memcmp order the hash is defined in. */
	qsort(recs, n, sizeof(*recs), s_record_cmp);
	roundhash_directory(recs, n, hash);
	free(recs);
	return SYM_OK;
}

/* The directory hash of the members active now, and the round's snapshot of them. */
static int
s_directory_now(struct audit_verifier *v, struct audit_round *rd, uint8_t hash[32])
{
	size_t i;

	rd->in_directory = calloc(v->log->nmembers + 1, 1);
	rd->sub_slot = calloc(v->log->nmembers + 1, sizeof(*rd->sub_slot));
	if (rd->in_directory == NULL || rd->sub_slot == NULL)
		return SYM_ERR_ALLOC;
	rd->ndirectory_span = v->log->nmembers;
	rd->ndirectory = 0;
	for (i = 0; i < v->log->nmembers; i++) {
		if (v->log->members[i].revoked)
			continue;
		rd->in_directory[i] = 1;
		rd->ndirectory++;
	}
	return rules_directory_hash(v->log, hash);
}

/* ---- rounds ---------------------------------------------------------------------- */

int
rules_round_opened(struct audit_verifier *v, const struct audit_entry *e)
{
	static const char *const keys[] = {"announcement", "round"};
	Symbiod__RoundAnnouncement *ann = NULL;
	struct audit_round *rd;
	uint8_t id[16], *buf = NULL, dir_hash[32];
	size_t len = 0, i;
	char hex[33], other[33];
	int r;

	if ((r = audit_entry_keys(e, NULL, NULL, keys, 2)) != SYM_OK ||
	    (r = audit_entry_hex(e, NULL, NULL, "round", id, 16)) != SYM_OK ||
	    (r = audit_entry_b64(e, NULL, NULL, "announcement", S_ANNOUNCEMENT_MAX, &buf, &len)) !=
	        SYM_OK)
		goto out;
	if (audit_round_find(v->log, id, &i) == SYM_OK) {
		r = audit_fail_entry(v->p, e->index, "round-order",
		                     "round %s is opened a second time (first at entry %llu)",
		                     rules_hex16(id, hex),
		                     (unsigned long long)v->log->rounds[i].opened_entry);
		goto out;
	}
	for (i = 0; i < v->log->nrounds; i++) {
		if (v->log->rounds[i].phase != AUDIT_ENDED) {
			r = audit_fail_entry(v->p, e->index, "round-order",
			                     "round %s opens while round %s is still %s",
			                     rules_hex16(id, hex),
			                     rules_hex16(v->log->rounds[i].id, other),
			                     s_phase_name(v->log->rounds[i].phase));
			goto out;
		}
	}
	if ((r = wire_unpack(&symbiod__round_announcement__descriptor, buf, len, 0,
	                     (ProtobufCMessage **)&ann)) != SYM_OK) {
		if (r != SYM_ERR_ALLOC)
			r = audit_fail_entry(v->p, e->index, "announcement",
			                     "the announcement does not decode (%s)",
			                     sym_strerror(r));
		goto out;
	}
	if (protocol_announcement_verify(ann, v->log->park.coordinator_ed25519) != SYM_OK) {
		r = audit_fail_entry(v->p, e->index, "announcement",
		                     "the announcement's signature does not verify under the "
		                     "coordinator key in park.json");
		goto out;
	}
	if (ann->round_id.len != 16 || memcmp(ann->round_id.data, id, 16) != 0) {
		r = audit_fail_entry(v->p, e->index, "announcement",
		                     "the announcement is for another round than %s",
		                     rules_hex16(id, hex));
		goto out;
	}
	if ((rd = audit_push((void **)&v->log->rounds, &v->log->nrounds, sizeof(*rd))) == NULL) {
		r = SYM_ERR_ALLOC;
		goto out;
	}
	memcpy(rd->id, id, 16);
	rd->phase = AUDIT_OPEN;
	rd->sizes.offer_floor = ann->padding->offer_tokens;
	rd->sizes.need_floor = ann->padding->need_tokens;
	rd->sizes.fixed_size = ann->has_fixed_size ? ann->fixed_size : 0;
	rd->sizes.max_offer = ann->has_max_offer ? ann->max_offer : 0;
	rd->sizes.max_need = ann->has_max_need ? ann->max_need : 0;
	rd->opened_entry = e->index;
	/* Protocol 1.1 announces it; before, the batches were always kept. */
	rd->keep_batches = !ann->has_keep_batches || ann->keep_batches;
	rd->reach_m = protocol_announcement_reach_m(ann);
	if ((r = rules_hard_opened(v, rd, ann)) != SYM_OK ||
	    (r = s_directory_now(v, rd, dir_hash)) != SYM_OK ||
	    (r = audit_index_put(v->log->round_ix, id, 16, v->log->nrounds - 1)) != SYM_OK)
		goto out;
	if (ann->directory_hash.len != 32 || memcmp(ann->directory_hash.data, dir_hash, 32) != 0) {
		r = audit_fail_entry(v->p, e->index, "announcement",
		                     "the announcement's directory hash is not the hash of the %zu "
		                     "members active at this point of the log",
		                     rd->ndirectory);
		goto out;
	}
	r = SYM_OK;
out:
	wire_free(ann ? &ann->base : NULL);
	free(buf);
	return r;
}

int
rules_round_closed(struct audit_verifier *v, const struct audit_entry *e)
{
	static const char *const keys[] = {"pairs", "round", "submitted"};
	struct audit_round *rd;
	uint8_t round[16];
	char id[MEMBER_ID_MAX + 1], hex[33], path[48];
	uint64_t pairs, want;
	json_t *arr;
	uint32_t mi, *list = NULL;
	uint8_t *listed = NULL;
	size_t ri, n, i, k;
	int r;

	if ((r = audit_entry_keys(e, NULL, NULL, keys, 3)) != SYM_OK ||
	    (r = audit_entry_uint(e, NULL, NULL, "pairs", &pairs)) != SYM_OK ||
	    (r = audit_entry_array(e, NULL, NULL, "submitted", AUDIT_MAX_LIST, &arr)) != SYM_OK ||
	    (r = rules_round_of(v, e, round, &ri)) != SYM_OK)
		return r;
	rd = &v->log->rounds[ri];
	if (rd->phase != AUDIT_OPEN)
		return audit_fail_entry(v->p, e->index, "round-order",
		                        "round %s is closed again (it is %s since entry %llu)",
		                        rules_hex16(round, hex), s_phase_name(rd->phase),
		                        (unsigned long long)rd->closed_entry);
	if ((r = rules_hard_close(v, e, rd)) != SYM_OK)
		return r;
	n = json_array_size(arr);
	list = calloc(n + 1, sizeof(*list));
	listed = calloc(v->log->nmembers + 1, 1);
	if (list == NULL || listed == NULL) {
		r = SYM_ERR_ALLOC;
		goto out;
	}
	for (i = 0; i < n; i++) {
		const char *s = json_string_value(json_array_get(arr, i));
		snprintf(path, sizeof(path), "submitted[%zu]", i);
		if (s == NULL || !member_id_valid(s)) {
			r = audit_fail_entry(v->p, e->index, "malformed-entry",
			                     "field \"%s\": expected a company id", path);
			goto out;
		}
		snprintf(id, sizeof(id), "%s", s);
		if (audit_member_find(v->log, id, &mi) != SYM_OK ||
		    audit_submission_of(rd, mi) == NULL) {
			r = audit_fail_entry(
			    v->p, e->index, "round-order",
			    "\"%s\" is listed as submitted but has no submission entry "
			    "in round %s before its round_closed",
			    id, rules_hex16(round, hex));
			goto out;
		}
		if (listed[mi]) {
			r = audit_fail_entry(v->p, e->index, "round-closed",
			                     "\"%s\" is listed twice", id);
			goto out;
		}
		if (v->log->members[mi].revoked) {
			r = audit_fail_entry(v->p, e->index, "round-closed",
			                     "\"%s\" is listed but was revoked at entry %llu", id,
			                     (unsigned long long)v->log->members[mi].revoked_entry);
			goto out;
		}
		list[i] = mi;
		listed[mi] = 1;
	}
	/* Everyone who submitted and is still a member is joined: no one is left out quietly. */
	for (i = 0; i < rd->nsubs; i++) {
		const struct audit_submission *sub = &rd->subs[i];
		if (!listed[sub->member] && !v->log->members[sub->member].revoked) {
			r = audit_fail_entry(
			    v->p, e->index, "round-closed",
			    "\"%s\" submitted (entry %llu) but is not in submitted",
			    rules_id(v, sub->member), (unsigned long long)sub->entry);
			goto out;
		}
	}
	/* Pairs farther apart than the round's reach are not joined (reach). */
	for (want = 0, i = 0; i < n; i++)
		for (k = i + 1; k < n; k++)
			want += (uint64_t)rules_in_reach(v->log, rd, list[i], list[k]);
	if (pairs != want) {
		r = audit_fail_entry(v->p, e->index, "round-closed",
		                     "pairs is %llu; %zu submitters make %llu pairs within reach",
		                     (unsigned long long)pairs, n, (unsigned long long)want);
		goto out;
	}
	rd->submitted = list;
	rd->nsubmitted = n;
	rd->in_submitted = listed;
	rd->nsubmitted_span = v->log->nmembers;
	list = NULL; /* transferred */
	listed = NULL;
	rd->phase = AUDIT_CONSENT;
	rd->closed_entry = e->index;
	r = SYM_OK;
out:
	free(listed);
	free(list);
	return r;
}

int
rules_round_ended(struct audit_verifier *v, const struct audit_entry *e)
{
	static const char *const keys[] = {"expired", "round"};
	struct audit_round *rd;
	uint8_t round[16];
	uint64_t expired, want;
	size_t ri;
	char hex[33];
	int r;

	if ((r = audit_entry_keys(e, NULL, NULL, keys, 2)) != SYM_OK ||
	    (r = audit_entry_uint(e, NULL, NULL, "expired", &expired)) != SYM_OK ||
	    (r = rules_round_of(v, e, round, &ri)) != SYM_OK)
		return r;
	rd = &v->log->rounds[ri];
	if (rd->phase == AUDIT_OPEN)
		return audit_fail_entry(v->p, e->index, "round-order",
		                        "round %s ends before its round_closed",
		                        rules_hex16(round, hex));
	if (rd->phase == AUDIT_ENDED)
		return audit_fail_entry(v->p, e->index, "round-order",
		                        "round %s ends a second time (first at entry %llu)",
		                        rules_hex16(round, hex),
		                        (unsigned long long)rd->ended_entry);
	/*
	 * Unanswered = neither agreed nor declined: what the consent window
	 * leaves behind. An agreed candidate whose items were not both deposited
	 * is not released, yet not expired either (protocol 1.1).
	 */
	want = rd->ncands - rd->nagreed - rd->ndeclined;
	if (expired != want)
		return audit_fail_entry(
		    v->p, e->index, "round-ended",
		    "expired is %llu; the log leaves %llu of its %zu candidates "
		    "neither agreed nor declined",
		    (unsigned long long)expired, (unsigned long long)want, rd->ncands);
	rd->phase = AUDIT_ENDED;
	rd->ended_entry = e->index;
	return SYM_OK;
}

/* ---- dispatch ---------------------------------------------------------------------- */

/*
 * The check of each kind, by export format version: version 1 (before
 * protocol 1.1) has its own consent and no deposit entries (NULL: no such
 * kind); its releases pass the same check, a version 1 accept standing for
 * its deposit (rules_v1.c).
 */
static const struct {
	const char *kind;
	int (*check[2])(struct audit_verifier *, const struct audit_entry *); /* v1, v2 */
} s_kinds[] = {
    {"member_enrolled", {rules_member_enrolled, rules_member_enrolled}},
    {"member_revoked", {rules_member_revoked, rules_member_revoked}},
    {"round_opened", {rules_round_opened, rules_round_opened}},
    {"submission", {rules_submission, rules_submission}},
    {"round_closed", {rules_round_closed, rules_round_closed}},
    {"pair_matched", {rules_pair_matched, rules_pair_matched}},
    {"consent", {rules_consent_v1, rules_consent}},
    {"deposit", {NULL, rules_deposit}},
    {"release", {rules_release, rules_release}},
    {"round_ended", {rules_round_ended, rules_round_ended}},
    {"indicator_opened", {NULL, rules_indicator_opened}},
    {"indicator_vector", {NULL, rules_indicator_vector}},
    {"indicator_included", {NULL, rules_indicator_included}},
    {"indicator_confirm", {NULL, rules_indicator_confirm}},
    {"indicator_unmask", {NULL, rules_indicator_unmask}},
    {"indicator_result", {NULL, rules_indicator_result}},
    {"hardened_key", {NULL, rules_hardened_key}},
    {"hardened_query", {NULL, rules_hardened_query}},
    {"hardened_answer", {NULL, rules_hardened_answer}},
    {"hardened_phase", {NULL, rules_hardened_phase}},
};

int
rules_check(struct audit_verifier *v, const struct audit_entry *e)
{
	size_t i, n = sizeof(s_kinds) / sizeof(s_kinds[0]);
	int fv = v->log->format_version == 1 ? 0 : 1;

	for (i = 0; i < n; i++)
		if (strcmp(e->kind, s_kinds[i].kind) == 0 && s_kinds[i].check[fv] != NULL)
			return s_kinds[i].check[fv](v, e);
	return audit_fail_entry(v->p, e->index, "malformed-entry", "unknown kind \"%.40s\"",
	                        e->kind);
}
