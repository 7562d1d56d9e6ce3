/* The model verify builds (audit.h): lookups, appends and freeing. */
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "rules.h"

int
audit_member_find(const struct audit_log *log, const char *id, uint32_t *index)
{
	uint64_t v;
	int r;

	if ((r = audit_index_get(log->member_ix, id, strlen(id), &v)) != SYM_OK)
		return r;
	*index = (uint32_t)v;
	return SYM_OK;
}

int
audit_round_find(const struct audit_log *log, const uint8_t id[16], size_t *index)
{
	uint64_t v;
	int r;

	if ((r = audit_index_get(log->round_ix, id, 16, &v)) != SYM_OK)
		return r;
	*index = (size_t)v;
	return SYM_OK;
}

void
audit_pair_key(size_t round, uint32_t supplier, uint32_t consumer, uint8_t key[16])
{
	uint64_t rd = round;

	memcpy(key, &rd, 8);
	memcpy(key + 8, &supplier, 4);
	memcpy(key + 12, &consumer, 4);
}

int
audit_pair_find(const struct audit_log *log, size_t round, uint32_t supplier, uint32_t consumer,
                size_t *index)
{
	uint8_t key[16];
	uint64_t v;
	int r;

	audit_pair_key(round, supplier, consumer, key);
	if ((r = audit_index_get(log->pair_ix, key, sizeof(key), &v)) != SYM_OK)
		return r;
	*index = (size_t)v;
	return SYM_OK;
}

const struct audit_submission *
audit_submission_of(const struct audit_round *rd, uint32_t member)
{
	if (member >= rd->ndirectory_span || rd->sub_slot[member] == 0)
		return NULL;
	return &rd->subs[rd->sub_slot[member] - 1];
}

int
audit_in_directory(const struct audit_round *rd, uint32_t member)
{
	return member < rd->ndirectory_span && rd->in_directory[member];
}

int
audit_in_submitted(const struct audit_round *rd, uint32_t member)
{
	return member < rd->nsubmitted_span && rd->in_submitted[member];
}

void *
audit_push(void **arr, size_t *n, size_t sz)
{
	uint8_t *p;

	if (*n >= SIZE_MAX / sz - 1)
		return NULL;
	/* Doubling by way of powers of two keeps appends amortised O(1). */
	if ((*n & (*n - 1)) == 0) {
		size_t cap = *n == 0 ? 1 : 2 * *n;
		if ((p = realloc(*arr, cap * sz)) == NULL)
			return NULL;
		*arr = p;
	}
	p = (uint8_t *)*arr + *n * sz;
	memset(p, 0, sz);
	(*n)++;
	return p;
}

void
audit_log_free(struct audit_log *log)
{
	size_t i, j;

	for (i = 0; i < log->nrounds; i++) {
		struct audit_round *rd = &log->rounds[i];
		for (j = 0; j < rd->nsubs; j++)
			free(rd->subs[j].batches);
		free(rd->subs);
		free(rd->in_directory);
		free(rd->sub_slot);
		free(rd->submitted);
		free(rd->in_submitted);
		free(rd->pairs);
		free(rd->ind.subs);
		free(rd->ind.sent);
		free(rd->ind.in_set);
		free(rd->ind.confirmed);
		free(rd->ind.answered);
		rules_hard_free(&rd->hard);
	}
	free(log->rounds);
	free(log->members);
	free(log->cands);
	free(log->leaves);
	audit_index_free(&log->member_ix);
	audit_index_free(&log->round_ix);
	audit_index_free(&log->cand_ix);
	audit_index_free(&log->pair_ix);
	cert_verifier_free(&log->certs);
	parkinfo_clear(&log->park);
	memset(log, 0, sizeof(*log));
}
