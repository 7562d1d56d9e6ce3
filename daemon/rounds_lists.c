/*
 * What a member lists after the close: its candidates (each with the state
 * it sees), and the releases addressed to it: what the other side deposited
 * for an agreed candidate, until the member confirms it received it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rounds_internal.h"
#include "wire.h"

const char *
round_state_for(const struct store_candidate *c, const char *member)
{
	int mine = strcmp(c->supplier, member) == 0 ? c->supplier_state : c->consumer_state;

	switch (c->state) {
	case CANDIDATE_AGREED: return "agreed";
	case CANDIDATE_DECLINED: return "declined";
	case CANDIDATE_EXPIRED: return "expired";
	}
	return mine == CONSENT_ACCEPTED ? "accepted" : "pending";
}

/* The member's candidates in the round a list request names (or the latest). */
static int
s_candidates(struct round_call *c, const ProtobufCBinaryData *round_id, int has_round_id,
             struct store_candidate **cs, size_t *n)
{
	struct store_round rd;
	int r;

	memset(&rd, 0, sizeof(rd));
	if ((r = round_for(c, round_id, has_round_id, &rd)) == SYM_OK && c->status == 0)
		r = store_candidates_for(c->ctx->park->store, rd.id, c->member->rec.id, cs, n);
	store_round_clear(&rd);
	return r;
}

int
round_handle_candidates(struct round_call *c, const ProtobufCMessage *msg)
{
	const Symbiod__CandidatesRequest *req = (const Symbiod__CandidatesRequest *)msg;
	Symbiod__CandidateList list = SYMBIOD__CANDIDATE_LIST__INIT;
	Symbiod__Candidate *items = NULL, **ptrs = NULL;
	struct store_candidate *cs = NULL;
	size_t n = 0, i;
	int r;

	if ((r = s_candidates(c, &req->round_id, req->has_round_id, &cs, &n)) != SYM_OK ||
	    c->status != 0)
		goto out;
	items = calloc(n + 1, sizeof(*items));
	ptrs = calloc(n + 1, sizeof(*ptrs));
	if (items == NULL || ptrs == NULL) {
		r = SYM_ERR_ALLOC;
		goto out;
	}
	for (i = 0; i < n; i++) {
		symbiod__candidate__init(&items[i]);
		items[i].candidate_id.data = cs[i].id;
		items[i].candidate_id.len = 16;
		items[i].round_id.data = cs[i].round;
		items[i].round_id.len = 16;
		items[i].supplier = cs[i].supplier;
		items[i].consumer = cs[i].consumer;
		items[i].token.data = cs[i].token;
		items[i].token.len = 8;
		items[i].state = (char *)round_state_for(&cs[i], c->member->rec.id);
		ptrs[i] = &items[i];
	}
	list.n_candidates = n;
	list.candidates = ptrs;
	if ((r = wire_pack(&list.base, &c->reply, &c->reply_len)) != SYM_OK)
		goto out;
	c->status = SYMBIOD__STATUS__STATUS_OK;
out:
	free(items);
	free(ptrs);
	free(cs);
	return r;
}

/* The releases being built: wire items and the envelopes and senders they point to. */
struct release_buf {
	Symbiod__Release *items, **ptrs;
	uint8_t **envs;
	size_t *env_lens, k, cap; /* k releases so far, room for cap */
	char (*from)[MEMBER_ID_MAX + 1];
};

static int
s_release_buf_new(struct release_buf *b, size_t n)
{
	memset(b, 0, sizeof(*b));
	b->items = calloc(n + 1, sizeof(*b->items));
	b->ptrs = calloc(n + 1, sizeof(*b->ptrs));
	b->envs = calloc(n + 1, sizeof(*b->envs));
	b->env_lens = calloc(n + 1, sizeof(*b->env_lens));
	b->from = calloc(n + 1, sizeof(*b->from));
	if (b->items == NULL || b->ptrs == NULL || b->envs == NULL || b->env_lens == NULL ||
	    b->from == NULL)
		return SYM_ERR_ALLOC;
	b->cap = n + 1;
	return SYM_OK;
}

static void
s_release_buf_clear(struct release_buf *b)
{
	size_t i;

	/* Up to cap: a failed store_release_get may have left an envelope behind. */
	for (i = 0; b->envs != NULL && i < b->cap; i++)
		free(b->envs[i]);
	free(b->envs);
	free(b->env_lens);
	free(b->from);
	free(b->items);
	free(b->ptrs);
	memset(b, 0, sizeof(*b));
}

/*
 * Add the release of an agreed candidate: the counterpart's envelope for the
 * member, once both sides deposited and until the member said it has it.
 */
static int
s_release_add(struct round_call *c, const struct store_candidate *cand, struct release_buf *b)
{
	size_t k = b->k;
	int r;

	r = store_release_get(c->ctx->park->store, cand->id, c->member->rec.id, &b->envs[k],
	                      &b->env_lens[k], b->from[k]);
	if (r == SYM_ERR_NOT_FOUND)
		return SYM_OK; /* not both deposited yet, or already fetched */
	if (r != SYM_OK)
		return r;
	symbiod__release__init(&b->items[k]);
	b->items[k].candidate_id.data = (uint8_t *)cand->id;
	b->items[k].candidate_id.len = 16;
	b->items[k].round_id.data = (uint8_t *)cand->round;
	b->items[k].round_id.len = 16;
	b->items[k].from = b->from[k];
	b->items[k].envelope.data = b->envs[k];
	b->items[k].envelope.len = b->env_lens[k];
	b->ptrs[k] = &b->items[k];
	b->k++;
	return SYM_OK;
}

/*
 * The member received these releases and kept them: the coordinator deletes
 * its copies before listing the rest. Ids that are not the member's agreed
 * candidates of the round are refused.
 */
static int
s_received(struct round_call *c, const Symbiod__ReleasesRequest *req,
           const struct store_candidate *cs, size_t n)
{
	size_t i, j;
	int r;

	if (req->n_received > n)
		return round_refuse(c, SYMBIOD__STATUS__STATUS_BAD_REQUEST,
		                    "more received releases than candidates");
	for (i = 0; i < req->n_received; i++) {
		for (j = 0; j < n; j++)
			if (req->received[i].len == 16 &&
			    memcmp(req->received[i].data, cs[j].id, 16) == 0 &&
			    cs[j].state == CANDIDATE_AGREED)
				break;
		if (j == n)
			return round_refuse(
			    c, SYMBIOD__STATUS__STATUS_NOT_FOUND,
			    "received: not an agreed candidate of yours in this round");
		if ((r = store_release_drop(c->ctx->park->store, cs[j].id, c->member->rec.id)) !=
		    SYM_OK)
			return r;
	}
	return SYM_OK;
}

int
round_handle_releases(struct round_call *c, const ProtobufCMessage *msg)
{
	const Symbiod__ReleasesRequest *req = (const Symbiod__ReleasesRequest *)msg;
	Symbiod__ReleaseList list = SYMBIOD__RELEASE_LIST__INIT;
	struct store_candidate *cs = NULL;
	struct release_buf b;
	size_t n = 0, i;
	int r;

	memset(&b, 0, sizeof(b));
	if ((r = s_candidates(c, &req->round_id, req->has_round_id, &cs, &n)) != SYM_OK ||
	    c->status != 0 || (r = s_received(c, req, cs, n)) != SYM_OK || c->status != 0 ||
	    (r = s_release_buf_new(&b, n)) != SYM_OK)
		goto out;
	/* Only candidates both sides accepted: a decline or expiry releases nothing. */
	for (i = 0; i < n; i++)
		if (cs[i].state == CANDIDATE_AGREED && (r = s_release_add(c, &cs[i], &b)) != SYM_OK)
			goto out;
	list.n_releases = b.k;
	list.releases = b.ptrs;
	if ((r = wire_pack(&list.base, &c->reply, &c->reply_len)) != SYM_OK)
		goto out;
	c->status = SYMBIOD__STATUS__STATUS_OK;
out:
	s_release_buf_clear(&b);
	free(cs);
	return r;
}
