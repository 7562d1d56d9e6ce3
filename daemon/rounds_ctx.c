/*
 * What the round modules share: the member lookup in the current directory,
 * appending to the audit log, and one transaction over the store and the log
 * (rolled back together). The lifecycle (rounds.c), the match
 * (rounds_match.c) and the request handlers all use it.
 */
#include <string.h>

#include "auditlog.h"
#include "rounds_internal.h"

const struct store_member *
rounds_member(const struct rounds_ctx *ctx, const char *id)
{
	size_t i;

	for (i = 0; i < ctx->nmembers; i++)
		if (strcmp(ctx->members[i].rec.id, id) == 0)
			return &ctx->members[i];
	return NULL;
}

int
rounds_log(struct rounds_ctx *ctx, const char *kind, json_t *fields, uint64_t *index,
           uint8_t **bytes, size_t *len)
{
	uint64_t idx = 0;
	int r;

	if (fields == NULL)
		return SYM_ERR_ALLOC;
	r = auditlog_append(ctx->log, kind, fields, index ? index : &idx, bytes, len);
	json_decref(fields);
	return r;
}

int
rounds_tx_begin(struct rounds_ctx *ctx, uint64_t *log_size)
{
	int r;

	if ((r = store_begin(ctx->park->store)) != SYM_OK)
		return r;
	*log_size = auditlog_size(ctx->log);
	return SYM_OK;
}

void
rounds_tx_abort(struct rounds_ctx *ctx, uint64_t log_size)
{
	store_rollback(ctx->park->store);
	auditlog_truncate(ctx->log, log_size);
}
