/*
 * Reach on the coordinator's side (REACH.md): the largest reach a round
 * announces (the taxonomy's, capped by the operator), and which members of
 * a round are within it of each other. Two members farther apart exchange
 * no batches: a submission has no batch for the other, and the join skips
 * the pair. Distances are common/site.h's integers, as every client and
 * the auditor compute them.
 */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "protocol.h"
#include "rounds_internal.h"
#include "taxonomy.h"
#include "wire.h"

int
rounds_reach_policy(const struct rounds_ctx *ctx, uint64_t cap_m, uint64_t *out,
                    struct sym_diag *diag)
{
	struct taxonomy *tax = NULL;
	int r;

	if ((r = taxonomy_load_default(&tax, diag)) != SYM_OK)
		return r;
	/* The reach is the park's taxonomy's: this installation's must be that one. */
	if (sodium_memcmp(tax->hash, ctx->taxonomy_hash, 32) != 0) {
		r = sym_diag_set(diag, SYM_ERR_VERIFY,
		                 "this installation's taxonomy (%s %s) is not the park's: cannot "
		                 "compute the round's reach",
		                 tax->name, tax->version);
		taxonomy_free(&tax);
		return r;
	}
	*out = taxonomy_max_reach_m(tax);
	if (cap_m > 0 && cap_m < *out)
		*out = cap_m;
	taxonomy_free(&tax);
	return SYM_OK;
}

/* The round's largest reach and token encoding, from our own signed bytes stored at open. */
static int
s_announced(const struct store_round *rd, uint64_t *reach_m, uint32_t *encoding)
{
	Symbiod__RoundAnnouncement *ann = NULL;
	int r;

	if ((r = wire_unpack(&symbiod__round_announcement__descriptor, rd->announcement,
	                     rd->announcement_len, 0, (ProtobufCMessage **)&ann)) != SYM_OK)
		return r;
	*reach_m = protocol_announcement_reach_m(ann);
	*encoding = protocol_announcement_token_encoding(ann);
	wire_free(&ann->base);
	return SYM_OK;
}

int
rounds_reach_of(const struct store_round *rd, uint64_t *reach_m)
{
	uint32_t encoding;

	return s_announced(rd, reach_m, &encoding);
}

int
rounds_encoding_of(const struct store_round *rd, uint32_t *encoding)
{
	uint64_t reach_m;

	return s_announced(rd, &reach_m, encoding);
}

static int
s_member_cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const struct store_member *)elem)->rec.id);
}

const struct site *
rounds_site_of(const struct rounds_ctx *ctx, const char *id)
{
	static const struct site none = {0, 0, 0};
	const struct store_member *m;

	/* The directory is in id order (store order, strcmp order for ids). */
	m = ctx->nmembers == 0
	        ? NULL
	        : bsearch(id, ctx->members, ctx->nmembers, sizeof(*ctx->members), s_member_cmp);
	return m != NULL ? &m->rec.site : &none;
}

size_t
rounds_reach_count(const struct rounds_ctx *ctx, uint64_t reach_m, const char *self,
                   char *const *ids, size_t n)
{
	const struct site *s = rounds_site_of(ctx, self);
	size_t i, k = 0;

	for (i = 0; i < n; i++)
		if (strcmp(ids[i], self) != 0 &&
		    site_within(s, rounds_site_of(ctx, ids[i]), reach_m))
			k++;
	return k;
}

uint64_t
rounds_reach_pairs(const struct rounds_ctx *ctx, uint64_t reach_m, char *const *subs, size_t n)
{
	uint64_t pairs = 0;
	size_t a, b;

	for (a = 0; a < n; a++)
		for (b = a + 1; subs[a] != NULL && b < n; b++)
			if (subs[b] != NULL && site_within(rounds_site_of(ctx, subs[a]),
			                                   rounds_site_of(ctx, subs[b]), reach_m))
				pairs++;
	return pairs;
}
