/*
 * Rule 5 of audit/FORMAT.md: a submission entry carries the member's own
 * signed SUBMIT_COMMIT, whose commitment is the hash of the batch digests the
 * entry lists (the digests replay checks the exported batches against).
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "entry.h"
#include "roundhash.h"
#include "rules.h"
#include "util.h"
#include "wire.h"

/* The "batches" list of a submission entry, resolved to member indices. */
static int
s_submission_batches(struct audit_verifier *v, const struct audit_entry *e,
                     const struct audit_round *rd, uint32_t member, struct audit_batchref **out,
                     size_t *nout)
{
	static const char *const keys[] = {"counterpart", "digest"};
	struct audit_batchref *b = NULL;
	char cp[MEMBER_ID_MAX + 1], path[48];
	uint8_t *seen = NULL;
	json_t *arr, *obj;
	size_t n, i, want;
	int r;

	*out = NULL;
	*nout = 0;
	if ((r = audit_entry_array(e, NULL, NULL, "batches", AUDIT_MAX_LIST, &arr)) != SYM_OK)
		return r;
	n = json_array_size(arr);
	b = calloc(n + 1, sizeof(*b));
	seen = calloc(rd->ndirectory_span + 1, 1);
	if (b == NULL || seen == NULL) {
		r = SYM_ERR_ALLOC;
		goto out;
	}
	for (i = 0; i < n; i++) {
		if ((r = audit_entry_element(e, arr, "batches", i, &obj, path, sizeof(path))) !=
		        SYM_OK ||
		    (r = audit_entry_keys(e, obj, path, keys, 2)) != SYM_OK ||
		    (r = audit_entry_id(e, obj, path, "counterpart", cp)) != SYM_OK ||
		    (r = audit_entry_hex(e, obj, path, "digest", b[i].digest, 32)) != SYM_OK)
			goto out;
		if (audit_member_find(v->log, cp, &b[i].counterpart) != SYM_OK ||
		    b[i].counterpart == member || !audit_in_directory(rd, b[i].counterpart)) {
			r = audit_fail_entry(v->p, e->index, "submission-batches",
			                     "%s: \"%s\" is not another member of the round", path,
			                     cp);
			goto out;
		}
		if (!rules_in_reach(v->log, rd, member, b[i].counterpart)) {
			r = audit_fail_entry(v->p, e->index, "submission-reach",
			                     "%s: \"%s\" is beyond the round's largest reach: no "
			                     "batch goes to it",
			                     path, cp);
			goto out;
		}
		/* In the directory, so below ndirectory_span. */
		if (seen[b[i].counterpart]) {
			r = audit_fail_entry(v->p, e->index, "submission-batches",
			                     "%s: a second batch for \"%s\"", path, cp);
			goto out;
		}
		seen[b[i].counterpart] = 1;
	}
	/*
	 * The coordinator accepts a submission only with a batch for every other
	 * member within the round's reach (all of them when it announced none).
	 */
	if (n != (want = rules_reach_count(v->log, rd, member))) {
		r = audit_fail_entry(v->p, e->index, "submission-batches",
		                     "%zu batches for the %zu other members of the round within "
		                     "its reach",
		                     n, want);
		goto out;
	}
	*out = b;
	*nout = n;
	b = NULL; /* transferred */
	r = SYM_OK;
out:
	free(seen);
	free(b);
	return r;
}

int
rules_commitment(const uint8_t round[16], const uint8_t sub_id[16],
                 const struct audit_batchref *batches, size_t n, uint8_t out[32])
{
	uint8_t(*digests)[32];
	size_t i;

	if ((digests = calloc(n + 1, sizeof(*digests))) == NULL)
		return SYM_ERR_ALLOC;
	for (i = 0; i < n; i++)
		memcpy(digests[i], batches[i].digest, 32);
	roundhash_commitment(round, sub_id, (const uint8_t(*)[32])digests, n, out);
	free(digests);
	return SYM_OK;
}

int
rules_submission(struct audit_verifier *v, const struct audit_entry *e)
{
	static const char *const keys[] = {"batches", "commitment", "member",
	                                   "request", "round",      "submission"};
	Symbiod__Request *req = NULL;
	Symbiod__SubmitCommit *sc = NULL;
	struct audit_batchref *batches = NULL;
	struct audit_submission *sub;
	struct audit_round *rd;
	const struct audit_member *m;
	uint8_t round[16], sub_id[16], commitment[32], digest[32];
	uint8_t *reqbuf = NULL;
	size_t ri, reqlen = 0, nbatches = 0;
	uint32_t mi;
	char hex[33];
	int r;

	if ((r = audit_entry_keys(e, NULL, NULL, keys, 6)) != SYM_OK ||
	    (r = audit_entry_hex(e, NULL, NULL, "submission", sub_id, 16)) != SYM_OK ||
	    (r = audit_entry_hex(e, NULL, NULL, "commitment", commitment, 32)) != SYM_OK ||
	    (r = audit_entry_b64(e, NULL, NULL, "request", WIRE_MAX_MESSAGE, &reqbuf, &reqlen)) !=
	        SYM_OK ||
	    (r = rules_round_of(v, e, round, &ri)) != SYM_OK ||
	    (r = rules_member_of(v, e, "member", "submission-member", &mi)) != SYM_OK)
		goto out;
	rd = &v->log->rounds[ri];
	m = &v->log->members[mi];
	if (m->revoked) {
		r = audit_fail_entry(v->p, e->index, "submission-member",
		                     "\"%s\" was revoked at entry %llu", m->rec.id,
		                     (unsigned long long)m->revoked_entry);
		goto out;
	}
	if (!audit_in_directory(rd, mi)) {
		r = audit_fail_entry(v->p, e->index, "submission-member",
		                     "\"%s\" is not in the directory of round %s", m->rec.id,
		                     rules_hex16(round, hex));
		goto out;
	}
	if ((r = rules_hard_may_submit(v, e, rd)) != SYM_OK)
		goto out;
	if ((r = rules_request(v, e, reqbuf, reqlen, SYMBIOD__MSG_TYPE__MSG_SUBMIT_COMMIT,
	                       "SUBMIT_COMMIT", mi, "submission-signature", &req)) != SYM_OK)
		goto out;
	if ((r = wire_unpack(&symbiod__submit_commit__descriptor, req->payload.data,
	                     req->payload.len, 0, (ProtobufCMessage **)&sc)) != SYM_OK) {
		if (r != SYM_ERR_ALLOC)
			r = audit_fail_entry(v->p, e->index, "submission-signature",
			                     "the signed payload is not a SubmitCommit (%s)",
			                     sym_strerror(r));
		goto out;
	}
	if (sc->round_id.len != 16 || memcmp(sc->round_id.data, round, 16) != 0 ||
	    sc->submission_id.len != 16 || memcmp(sc->submission_id.data, sub_id, 16) != 0 ||
	    sc->commitment.len != 32 || memcmp(sc->commitment.data, commitment, 32) != 0) {
		r = audit_fail_entry(v->p, e->index, "submission-commitment",
		                     "the signed SubmitCommit names another round, submission or "
		                     "commitment than the entry");
		goto out;
	}
	/* Resolved only now, so that a forged "member" is named as a signature problem. */
	if ((r = s_submission_batches(v, e, rd, mi, &batches, &nbatches)) != SYM_OK)
		goto out;
	if ((r = rules_commitment(round, sub_id, batches, nbatches, digest)) != SYM_OK)
		goto out;
	if (memcmp(digest, commitment, 32) != 0) {
		r = audit_fail_entry(v->p, e->index, "submission-commitment",
		                     "the commitment is not the hash of the listed batch digests");
		goto out;
	}
	if (rd->phase != AUDIT_OPEN) {
		r = audit_fail_entry(v->p, e->index, "submission-after-close",
		                     "round %s was closed at entry %llu", rules_hex16(round, hex),
		                     (unsigned long long)rd->closed_entry);
		goto out;
	}
	/* A later submission of the same member replaces the earlier one. */
	if ((sub = (struct audit_submission *)audit_submission_of(rd, mi)) != NULL) {
		free(sub->batches);
	} else if ((sub = audit_push((void **)&rd->subs, &rd->nsubs, sizeof(*sub))) != NULL) {
		/* In the directory (checked above), so below ndirectory_span. */
		rd->sub_slot[mi] = (uint32_t)rd->nsubs;
	} else {
		r = SYM_ERR_ALLOC;
		goto out;
	}
	sub->member = mi;
	sub->entry = e->index;
	memcpy(sub->id, sub_id, 16);
	memcpy(sub->commitment, commitment, 32);
	sub->batches = batches;
	sub->nbatches = nbatches;
	batches = NULL; /* transferred */
	r = SYM_OK;
out:
	wire_free(sc ? &sc->base : NULL);
	wire_free(req ? &req->base : NULL);
	free(batches);
	free(reqbuf);
	return r;
}
