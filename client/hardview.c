#include "hardview.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "encode.h"
#include "hardround.h"
#include "hardtoken.h"

/* The supplier's side: its own key gives the token of any block. */
static int
s_own(struct session *s, const struct roundfile *rf, const struct block_list *bl,
      const char *consumer, const uint8_t token[8], int *found)
{
	struct sym_diag diag = {""};
	struct hard_secret *sec = NULL;
	uint8_t *f = sodium_malloc(VOPRF_OUTPUT_LEN), t[HARDTOKEN_LEN];
	size_t k;
	int r;

	if (f == NULL)
		return SYM_ERR_ALLOC;
	if ((r = hard_secret_load(s->st->dir, rf->round, &sec, &diag)) != SYM_OK)
		goto out;
	for (k = 0; k < bl->n && !*found && r == SYM_OK; k++)
		if ((r = voprf_evaluate(VOPRF_MODE_VOPRF, sec->sk, bl->blocks[k].b, TOKEN_BLOCK_LEN,
		                        f)) == SYM_OK &&
		    (r = hardtoken_pair(f, rf->round, s->st->id, consumer, t)) == SYM_OK)
			*found = sodium_memcmp(t, token, HARDTOKEN_LEN) == 0;
out:
	hard_secret_free(&sec);
	sodium_free(f);
	return r;
}

/* The consumer's side: the supplier's answer gave the tokens of our need blocks only. */
static int
s_answered(const struct roundfile *rf, const struct block_list *bl, const char *supplier,
           const uint8_t token[8], int *found)
{
	struct sym_diag diag = {""};
	struct hard_public pub;
	uint8_t *tok = NULL;
	size_t n = 0, k, b;
	int r;

	if ((r = hard_public_parse(rf->hard, &pub, &diag)) != SYM_OK)
		return r;
	if (hard_tokens_get(rf->hard, supplier, &tok, &n) == SYM_OK && n == pub.nneeds)
		for (b = 0; b < bl->n && !*found; b++)
			for (k = 0; k < n && !*found; k++)
				*found = memcmp(pub.needs + k * TOKEN_BLOCK_LEN, bl->blocks[b].b,
				                TOKEN_BLOCK_LEN) == 0 &&
				         memcmp(tok + k * HARDTOKEN_LEN, token, HARDTOKEN_LEN) == 0;
	free(tok);
	hard_public_clear(&pub);
	return SYM_OK;
}

int
hard_item_produces(struct session *s, const struct roundfile *rf, const struct flow_item *item,
                   const char *supplier, const char *consumer, const uint8_t token[8], int *found)
{
	struct block_list bl;
	enum encode_mode mode;
	int r = SYM_OK;

	*found = 0;
	block_list_init(&bl);
	if (rf->hard == NULL || encode_mode_for(rf->token_encoding, 1, &mode) != SYM_OK)
		return SYM_ERR_INVALID;
	if (encode_item_blocks(s->tax, item, mode, 0, &bl) != SYM_OK)
		goto out; /* an item that cannot be encoded produces no token */
	r = strcmp(supplier, s->st->id) == 0 ? s_own(s, rf, &bl, consumer, token, found)
	                                     : s_answered(rf, &bl, supplier, token, found);
out:
	block_list_free(&bl);
	return r;
}

const struct flow_item *
hard_find_item(struct session *s, const struct roundfile *rf, const struct flows *fl,
               enum flow_direction dir, const char *supplier, const char *consumer,
               const uint8_t token[8])
{
	size_t k;
	int found = 0;

	for (k = 0; k < fl->n; k++)
		if (fl->items[k].direction == dir &&
		    hard_item_produces(s, rf, &fl->items[k], supplier, consumer, token, &found) ==
		        SYM_OK &&
		    found)
			return &fl->items[k];
	return NULL;
}

int
hard_check_exchange(struct session *s, const struct roundfile *rf,
                    const struct release_candidate *c, const struct flow_item *offer,
                    const struct flow_item *need, enum release_check *out)
{
	int offer_found = 0, need_found = 0, r;

	*out = RELEASE_CHECK_MISMATCH;
	if (!release_check_candidate_id(c) || offer->direction != FLOW_OFFER ||
	    need->direction != FLOW_NEED)
		return SYM_OK;
	if ((r = hard_item_produces(s, rf, offer, c->supplier, c->consumer, c->token,
	                            &offer_found)) != SYM_OK ||
	    (r = hard_item_produces(s, rf, need, c->supplier, c->consumer, c->token,
	                            &need_found)) != SYM_OK)
		return r;
	if (offer_found && need_found)
		*out = flows_exact_compatible(s->tax, offer, need) ? RELEASE_CHECK_EXACT
		                                                   : RELEASE_CHECK_NEAR_MISS;
	return SYM_OK;
}
