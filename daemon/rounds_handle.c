/*
 * Member requests: one table from message type to the payload's descriptor
 * and its handler. The payload is unpacked here, once, with the bounded
 * allocator; a handler gets the message and the call, and answers in it.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auditlog.h"
#include "rounds_internal.h"
#include "wire.h"

static const struct round_route {
	uint32_t type;
	const ProtobufCMessageDescriptor *descriptor; /* NULL: the payload is not read */
	int (*handler)(struct round_call *c, const ProtobufCMessage *req);
} s_routes[] = {
    {SYMBIOD__MSG_TYPE__MSG_STATUS, NULL, round_handle_status},
    {SYMBIOD__MSG_TYPE__MSG_CHECKPOINT, &symbiod__checkpoint_request__descriptor,
     round_handle_checkpoint},
    {SYMBIOD__MSG_TYPE__MSG_ROUND, NULL, round_handle_round},
    {SYMBIOD__MSG_TYPE__MSG_ROUND_LOGGED, NULL, round_handle_round_logged},
    {SYMBIOD__MSG_TYPE__MSG_DIRECTORY, &symbiod__directory_request__descriptor,
     round_handle_directory},
    {SYMBIOD__MSG_TYPE__MSG_SUBMIT_BEGIN, &symbiod__submit_begin__descriptor,
     round_handle_submit_begin},
    {SYMBIOD__MSG_TYPE__MSG_SUBMIT_CHUNK, &symbiod__submit_chunk__descriptor,
     round_handle_submit_chunk},
    {SYMBIOD__MSG_TYPE__MSG_SUBMIT_COMMIT, &symbiod__submit_commit__descriptor,
     round_handle_submit_commit},
    {SYMBIOD__MSG_TYPE__MSG_CANDIDATES, &symbiod__candidates_request__descriptor,
     round_handle_candidates},
    {SYMBIOD__MSG_TYPE__MSG_CONSENT, &symbiod__consent__descriptor, round_handle_consent},
    {SYMBIOD__MSG_TYPE__MSG_DEPOSIT, &symbiod__deposit__descriptor, round_handle_deposit},
    {SYMBIOD__MSG_TYPE__MSG_RELEASES, &symbiod__releases_request__descriptor,
     round_handle_releases},
    {SYMBIOD__MSG_TYPE__MSG_INDICATOR_STATE, &symbiod__indicator_query__descriptor,
     round_handle_indicator_state},
    {SYMBIOD__MSG_TYPE__MSG_INDICATOR_SUBMIT, &symbiod__indicator_submit__descriptor,
     round_handle_indicator_submit},
    {SYMBIOD__MSG_TYPE__MSG_INDICATOR_CONFIRM, &symbiod__indicator_confirm__descriptor,
     round_handle_indicator_confirm},
    {SYMBIOD__MSG_TYPE__MSG_INDICATOR_UNMASK, &symbiod__indicator_unmask__descriptor,
     round_handle_indicator_unmask},
    {SYMBIOD__MSG_TYPE__MSG_HARD_KEY, &symbiod__hard_key__descriptor, round_handle_hard_key},
    {SYMBIOD__MSG_TYPE__MSG_HARD_QUERY, &symbiod__hard_query__descriptor, round_handle_hard_query},
    {SYMBIOD__MSG_TYPE__MSG_HARD_FETCH, &symbiod__hard_fetch__descriptor, round_handle_hard_fetch},
    {SYMBIOD__MSG_TYPE__MSG_HARD_ANSWER, &symbiod__hard_answer__descriptor,
     round_handle_hard_answer},
};

int
rounds_handle(struct round_call *c)
{
	const struct round_route *route = NULL;
	ProtobufCMessage *req = NULL;
	size_t i;
	int r;

	c->status = 0;
	c->msg[0] = '\0';
	c->reply = NULL;
	c->reply_len = 0;
	for (i = 0; i < sizeof(s_routes) / sizeof(s_routes[0]) && route == NULL; i++)
		if (s_routes[i].type == c->type)
			route = &s_routes[i];
	if (route == NULL)
		return round_refuse(c, SYMBIOD__STATUS__STATUS_UNAVAILABLE,
		                    "this request type is not served by this version");
	/* A version 2 chunk was unpacked at admission, to check its signature. */
	if (c->unpacked != NULL && c->unpacked->descriptor == route->descriptor)
		return route->handler(c, c->unpacked);
	if (route->descriptor != NULL &&
	    wire_unpack(route->descriptor, c->payload, c->payload_len, 0, &req) != SYM_OK)
		return round_refuse(c, SYMBIOD__STATUS__STATUS_BAD_REQUEST, "malformed %s",
		                    route->descriptor->short_name);
	r = route->handler(c, req);
	wire_free(req);
	return r;
}

int
round_refuse(struct round_call *c, int32_t code, const char *fmt, ...)
{
	va_list ap;

	c->status = code;
	va_start(ap, fmt);
	vsnprintf(c->msg, sizeof(c->msg), fmt, ap);
	va_end(ap);
	return SYM_OK;
}

int
round_for(struct round_call *c, const ProtobufCBinaryData *id, int has_id, struct store_round *rd)
{
	struct store *st = c->ctx->park->store;
	int r;

	if (has_id && id->len != 16)
		return round_refuse(c, SYMBIOD__STATUS__STATUS_BAD_REQUEST, "round id: 16 bytes");
	r = has_id ? store_round_get(st, id->data, rd) : store_round_latest(st, rd);
	if (r == SYM_ERR_NOT_FOUND)
		return round_refuse(c, SYMBIOD__STATUS__STATUS_NOT_FOUND, "no such round");
	return r;
}

int
round_in_snapshot(struct round_call *c, const struct store_round *rd)
{
	int in = store_round_has_member(c->ctx->park->store, rd->id, c->member->rec.id);

	if (in < 0)
		return in;
	if (!in)
		return round_refuse(c, SYMBIOD__STATUS__STATUS_FORBIDDEN,
		                    "not a member of this round (enrolled after it opened?)");
	return SYM_OK;
}

int
round_proof_of(struct round_call *c, uint64_t index, const uint8_t *entry, size_t len,
               struct proof_buf *pb)
{
	struct auditlog *log = c->ctx->log;
	size_t n = 0, i;
	int r;

	symbiod__log_proof__init(&pb->msg);
	if ((r = auditlog_inclusion(log, index, auditlog_size(log), pb->hashes, &n)) != SYM_OK ||
	    (r = auditlog_checkpoint(log, &pb->checkpoint)) != SYM_OK)
		return r;
	for (i = 0; i < n; i++) {
		pb->items[i].data = pb->hashes[i];
		pb->items[i].len = 32;
	}
	pb->msg.index = index;
	pb->msg.tree_size = auditlog_size(log);
	pb->msg.n_inclusion = n;
	pb->msg.inclusion = pb->items;
	pb->msg.checkpoint = pb->checkpoint;
	pb->msg.entry.data = (uint8_t *)entry;
	pb->msg.entry.len = len;
	return SYM_OK;
}

int
round_log_with_proof(struct round_call *c, const char *kind, json_t *fields, struct proof_buf *pb)
{
	uint8_t *entry = NULL;
	size_t entry_len = 0;
	uint64_t index = 0;
	int r;

	memset(pb, 0, sizeof(*pb));
	if ((r = rounds_log(c->ctx, kind, fields, &index, &entry, &entry_len)) != SYM_OK) {
		free(entry);
		return r;
	}
	pb->entry = entry; /* owned from here */
	return round_proof_of(c, index, entry, entry_len, pb);
}

void
round_proof_clear(struct proof_buf *pb)
{
	free(pb->checkpoint);
	free(pb->entry);
	memset(pb, 0, sizeof(*pb));
}
