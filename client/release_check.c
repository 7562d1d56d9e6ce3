#include "release_check.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "encode.h"
#include "err.h"
#include "roundhash.h"

int
release_candidate_from_wire(const Symbiod__Candidate *c, struct release_candidate *out)
{
	memset(out, 0, sizeof(*out));
	if (c->round_id.len != 16 || c->candidate_id.len != 16 || c->token.len != TOKEN_LEN ||
	    c->supplier == NULL || c->consumer == NULL)
		return SYM_ERR_FORMAT;
	out->round = c->round_id.data;
	out->id = c->candidate_id.data;
	out->supplier = c->supplier;
	out->consumer = c->consumer;
	out->token = c->token.data;
	return SYM_OK;
}

int
release_check_wire_candidate(const Symbiod__Candidate *c)
{
	struct release_candidate rc;

	return release_candidate_from_wire(c, &rc) == SYM_OK && release_check_candidate_id(&rc);
}

const char *
release_check_name(enum release_check check)
{
	switch (check) {
	case RELEASE_CHECK_EXACT: return "exact";
	case RELEASE_CHECK_NEAR_MISS: return "near_miss";
	case RELEASE_CHECK_MISMATCH: break;
	}
	return "mismatch";
}

int
release_check_candidate_id(const struct release_candidate *c)
{
	uint8_t id[16];

	if (strlen(c->supplier) == 0 || strlen(c->supplier) > PAIRKEYS_ID_MAX ||
	    strlen(c->consumer) == 0 || strlen(c->consumer) > PAIRKEYS_ID_MAX)
		return 0;
	roundhash_candidate_id(c->round, c->supplier, c->consumer, c->token, id);
	return sodium_memcmp(id, c->id, sizeof(id)) == 0;
}

int
release_check_produces(const struct taxonomy *tax, enum encode_mode mode, struct prf_ctx *prf,
                       const uint8_t *key, const struct flow_item *item,
                       const uint8_t token[TOKEN_LEN], int *found)
{
	struct block_list bl;
	token_t *t = NULL;
	size_t k;
	int r = SYM_OK;

	*found = 0;
	block_list_init(&bl);
	if (key == NULL) {
		r = SYM_ERR_INVALID;
		goto out;
	}
	if (encode_item_blocks(tax, item, mode, 0, &bl) != SYM_OK)
		goto out; /* an item that cannot be encoded produces no token */
	if ((t = malloc((bl.n + 1) * sizeof(*t))) == NULL) {
		r = SYM_ERR_ALLOC;
		goto out;
	}
	if ((r = prf_tokens(prf, key, bl.blocks, bl.n, t)) != SYM_OK)
		goto out;
	/* prf_tokens writes the tokens' wire bytes: compare them as bytes. */
	for (k = 0; k < bl.n && !*found; k++)
		*found = memcmp(&t[k], token, TOKEN_LEN) == 0;
out:
	free(t);
	block_list_free(&bl);
	return r;
}

int
release_check_exchange(const struct taxonomy *tax, enum encode_mode mode, struct prf_ctx *prf,
                       const struct pairkeys *pk, const struct release_candidate *c,
                       const struct flow_item *offer, const struct flow_item *need,
                       enum release_check *out)
{
	/* The supplier's offers and the consumer's needs for it: both under K_tok(s->c). */
	const uint8_t *key = pairkeys_tok(pk, c->supplier, c->consumer);
	int offer_found = 0, need_found = 0, r;

	*out = RELEASE_CHECK_MISMATCH;
	if (key == NULL)
		return SYM_ERR_INVALID;
	if (!release_check_candidate_id(c) || offer->direction != FLOW_OFFER ||
	    need->direction != FLOW_NEED)
		return SYM_OK;
	if ((r = release_check_produces(tax, mode, prf, key, offer, c->token, &offer_found)) !=
	        SYM_OK ||
	    (r = release_check_produces(tax, mode, prf, key, need, c->token, &need_found)) !=
	        SYM_OK)
		return r;
	if (offer_found && need_found)
		*out = flows_exact_compatible(tax, offer, need) ? RELEASE_CHECK_EXACT
		                                                : RELEASE_CHECK_NEAR_MISS;
	return SYM_OK;
}

size_t
release_check_warn_exchanges(const json_t *exchanges)
{
	const json_t *e;
	size_t i, n = 0;

	json_array_foreach (exchanges, i, e) {
		const char *check = json_string_value(json_object_get(e, "check"));

		if (check == NULL || strcmp(check, "mismatch") != 0)
			continue;
		fprintf(stderr,
		        "symbi exchanges: MISMATCH: candidate %s (%s -> %s): the released item "
		        "does not produce the candidate's token, or the candidate's id does not "
		        "recompute; the coordinator or the partner cheated\n",
		        json_string_value(json_object_get(e, "candidate")),
		        json_string_value(json_object_get(e, "supplier")),
		        json_string_value(json_object_get(e, "consumer")));
		n++;
	}
	return n;
}

const char *
release_check_word(const json_t *exchange)
{
	const char *check = json_string_value(json_object_get(exchange, "check"));

	if (check != NULL)
		return check;
	return json_is_true(json_object_get(exchange, "near_miss")) ? "near_miss" : "-";
}
