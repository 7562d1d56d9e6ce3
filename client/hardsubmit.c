/*
 * The submit step of a hardened round (hardsteps.h): the answers to this
 * company's batch are checked (the answerer's signed key commitment, its
 * signed answer, the DLEQ proof against that key, over exactly our batch),
 * unblinded into F_i(y) for our real need blocks and hashed per pair; our
 * own offers go through F_self once and one hash per counterpart. Each
 * counterpart then gets the tokens of the items within its reach only
 * (REACH.md), padded to the class of all items, and the sets are sent
 * exactly as in standard mode.
 */
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blind.h"
#include "encode.h"
#include "exitcode.h"
#include "hardsteps.h"
#include "hardtoken.h"
#include "policy.h"
#include "protocol.h"
#include "reach.h"
#include "sig.h"
#include "submit.h"
#include "sysexits.h"
#include "util.h"
#include "wire.h"

/* The answerer's signatures and proof over exactly our batch; 0 when they all hold. */
static int
s_answer_valid(const struct session *s, const struct hard_ctx *h, const Symbiod__HardBatch *b)
{
	const struct member_record *a = b->answerer ? hard_ctx_peer(h, s, b->answerer) : NULL;
	uint8_t stmt[HARDTOKEN_STATEMENT_MAX], digest[32];
	size_t len = 0, m = h->pub.m;

	if (a == NULL || strcmp(b->querier, s->st->id) != 0 || !b->has_pk || b->pk.len != 32 ||
	    !b->has_key_signature || b->key_signature.len != 64 || !b->has_proof ||
	    b->proof.len != VOPRF_PROOF_LEN || !b->has_query_digest || b->query_digest.len != 32 ||
	    b->signature.len != 64 || b->elements.len != m * VOPRF_ELEMENT_LEN ||
	    memcmp(b->query_digest.data, h->pub.digest, 32) != 0)
		return -1;
	if (hardtoken_key_statement(s->st->park_id, h->round, b->answerer, b->pk.data, stmt,
	                            &len) != SYM_OK ||
	    sig_verify(a->ed25519, stmt, len, b->key_signature.data) != SYM_OK)
		return -1;
	hardtoken_digest(b->elements.data, b->elements.len, digest);
	if (hardtoken_answer_statement(s->st->park_id, h->round, b->answerer, s->st->id,
	                               h->pub.digest, (uint32_t)m, digest, b->proof.data, stmt,
	                               &len) != SYM_OK ||
	    sig_verify(a->ed25519, stmt, len, b->signature.data) != SYM_OK)
		return -1;
	return voprf_verify(b->pk.data, h->pub.blinded, b->elements.data, m, b->proof.data) ==
	               SYM_OK
	           ? 0
	           : -1;
}

/* F_a(y) for our real need blocks from a's checked answer, hashed for (a -> us), kept in rf. */
static int
s_take_answer(const struct session *s, struct hard_ctx *h, const Symbiod__HardBatch *b)
{
	size_t n = h->pub.nneeds;
	uint8_t *out = sodium_malloc(n * VOPRF_OUTPUT_LEN + 1), *tok = malloc(n * 8 + 1);
	int r = SYM_ERR_ALLOC;

	if (n == 0) { /* no needs: the answer is recorded, it gives no token */
		r = hard_tokens_set(h->rf.hard, b->answerer, NULL, 0);
		goto out;
	}
	if (out != NULL && tok != NULL &&
	    (r = voprf_finalize_batch(h->pub.needs, TOKEN_BLOCK_LEN, h->sec->blinds,
	                              b->elements.data, n, out)) == SYM_OK &&
	    (r = hardtoken_tokens(out, n, h->round, b->answerer, s->st->id, tok)) == SYM_OK)
		r = hard_tokens_set(h->rf.hard, b->answerer, tok, n);
out:
	if (out != NULL)
		sodium_free(out);
	free(tok);
	return r;
}

/* Every answer to our batch, checked; one that does not hold is left out, said on stderr. */
static int
s_collect(struct session *s, struct hard_ctx *h, struct hard_counts *hc, struct sym_diag *diag)
{
	Symbiod__HardBatches *page = NULL;
	char after[MEMBER_ID_MAX + 1] = "";
	size_t i;
	int rc = 0;

	do {
		wire_free(page ? &page->base : NULL);
		page = NULL;
		if ((rc = hard_fetch_page(s, h->round, 1, after[0] ? after : NULL, &page, diag)) !=
		    0)
			break;
		for (i = 0; i < page->n_batches && rc == 0; i++) {
			const Symbiod__HardBatch *b = page->batches[i];

			if (b->answerer == NULL || !member_id_valid(b->answerer)) {
				rc = EXIT_PROTOCOL;
				sym_diag_set(diag, SYM_ERR_FORMAT,
				             "an answer without a valid answerer");
				break;
			}
			snprintf(after, sizeof(after), "%s", b->answerer);
			if (s_answer_valid(s, h, b) != 0) {
				fprintf(
				    stderr,
				    "symbi: the answer of %s does not verify (signature or proof "
				    "against its committed key): its pairs are left out\n",
				    b->answerer);
				hc->refused++;
			} else if (s_take_answer(s, h, b) != SYM_OK) {
				rc = EXIT_SOFTWARE;
			} else {
				hc->received++;
			}
		}
	} while (rc == 0 && page->more && page->n_batches > 0);
	wire_free(page ? &page->base : NULL);
	return rc;
}

/* What every counterpart's batch is cut from: computed once per submission. */
struct hard_all {
	const struct block_list *offers; /* every offer block, sorted */
	const uint8_t *outputs;          /* F_self of each */
	struct reach_blocks *rb;         /* the blocks within reach of each counterpart */
	struct blind_padding pad;        /* floors raised to the class of all items */
};

/*
 * Our pair tokens for m: the offer tokens, then the need tokens (from m's
 * answer; *missing when there is none), of the items within reach of m only
 * (REACH.md), as a standard round keeps them.
 */
static int
s_pair_tokens(struct session *s, struct hard_ctx *h, const struct hard_all *a,
              const struct member_record *m, uint8_t *offt, size_t *noff, uint8_t **needt,
              size_t *nneed, int *missing)
{
	const struct block_list *offers, *needs;
	int r;

	if ((r = reach_blocks_for(a->rb, &s->st->record.site, &m->site, &offers, &needs)) !=
	        SYM_OK ||
	    (r = hardtoken_tokens(a->outputs, a->offers->n, h->round, s->st->id, m->id, offt)) !=
	        SYM_OK ||
	    (r = reach_select((const uint8_t *)a->offers->blocks, a->offers->n, offers, offt,
	                      TOKEN_LEN, noff)) != SYM_OK)
		return r;
	*missing = hard_tokens_get(h->rf.hard, m->id, needt, nneed) != SYM_OK;
	if (*missing)
		return SYM_OK;
	/* The tokens were kept in the order of the query's need blocks (hardround.h). */
	if (*nneed != h->pub.nneeds)
		return SYM_ERR_FORMAT;
	return reach_select(h->pub.needs, h->pub.nneeds, needs, *needt, TOKEN_LEN, nneed);
}

/* One counterpart's batch: our offers for it, its need tokens (or padding only). */
static int
s_batch(struct session *s, struct hard_ctx *h, const struct hard_all *a,
        const struct member_record *m, struct blind_batch *b)
{
	struct pairkeys *pk = sodium_malloc(sizeof(*pk));
	uint8_t *offt = malloc(a->offers->n * TOKEN_LEN + 1), *needt = NULL;
	size_t noff = 0, nneed = 0;
	int denied = policy_denies(&client_policy, m->id), r = SYM_ERR_ALLOC, missing = 1;

	memset(b, 0, sizeof(*b));
	b->counterpart = m->id;
	if (pk == NULL || offt == NULL)
		goto out;
	if ((r = session_pair(s, h->round, m->id, m->x25519, pk)) != SYM_OK ||
	    (r = s_pair_tokens(s, h, a, m, offt, &noff, &needt, &nneed, &missing)) != SYM_OK)
		goto out;
	if ((r = blind_padded_tokens(offt, noff, &a->pad.offers, pairkeys_pad(pk, s->st->id, m->id),
	                             TOKSET_PAD_OFFERS, denied, &b->offers, &b->offers_len)) !=
	        SYM_OK ||
	    (r = blind_padded_tokens(needt, missing ? 0 : nneed, &a->pad.needs,
	                             pairkeys_pad(pk, s->st->id, m->id), TOKSET_PAD_NEEDS,
	                             denied || missing, &b->needs, &b->needs_len)) != SYM_OK)
		blind_batch_clear(b);
out:
	if (pk != NULL) {
		pairkeys_clear(pk);
		sodium_free(pk);
	}
	free(offt);
	free(needt);
	return r;
}

/*
 * Our own F on all our offer blocks (once), then every counterpart's batch
 * into sub, each holding the items within reach of it and padded to the
 * class of all items, as in a standard round.
 */
static int
s_batches(struct session *s, struct hard_ctx *h, struct submission *sub, struct sym_diag *diag)
{
	struct block_list offers, needs;
	struct hard_all a;
	uint8_t *outputs = NULL;
	size_t i;
	int r = SYM_ERR_ALLOC;

	memset(&a, 0, sizeof(a));
	a.offers = &offers;
	block_list_init(&offers);
	block_list_init(&needs);
	submission_padding(h->ann, &a.pad);
	if ((r = flows_from_json("submitted flows", h->rf.flows, s->tax, &sub->fl, diag)) !=
	        SYM_OK ||
	    (r = encode_flows(s->tax, sub->fl, h->mode, &offers, &needs)) != SYM_OK ||
	    (r = reach_blocks_new(s->tax, sub->fl, h->mode, &a.rb)) != SYM_OK ||
	    (r = reach_pad_all(a.rb, &a.pad)) != SYM_OK)
		goto out;
	r = SYM_ERR_ALLOC;
	if ((outputs = sodium_malloc(offers.n * VOPRF_OUTPUT_LEN + 1)) == NULL ||
	    (sub->batches = calloc(h->vd.n + 1, sizeof(*sub->batches))) == NULL ||
	    (r = hardtoken_outputs(h->sec->sk, (const uint8_t *)offers.blocks, offers.n,
	                           outputs)) != SYM_OK)
		goto out;
	a.outputs = outputs;
	for (i = 0; i < h->vd.n && r == SYM_OK; i++) {
		if (strcmp(h->vd.recs[i].id, s->st->id) == 0)
			continue;
		/* Farther apart than the round's largest reach: no batch (REACH.md). */
		if (!reach_exchanges(&s->st->record.site, &h->vd.recs[i].site,
		                     protocol_announcement_reach_m(h->ann))) {
			sub->beyond++;
			continue;
		}
		if ((r = s_batch(s, h, &a, &h->vd.recs[i], &sub->batches[sub->nb])) == SYM_OK) {
			sub->bytes +=
			    sub->batches[sub->nb].offers_len + sub->batches[sub->nb].needs_len;
			sub->nb++;
		}
	}
	if (r == SYM_ERR_LIMIT)
		sym_diag_set(diag, r, "the offers do not fit the round's largest set");
	else if (r == SYM_ERR_FORMAT)
		sym_diag_set(diag, r,
		             "the round file's need tokens do not match its recorded flows");
out:
	if (outputs != NULL)
		sodium_free(outputs);
	reach_blocks_free(&a.rb);
	block_list_free(&offers);
	block_list_free(&needs);
	return r;
}

int
hard_submit(struct session *s, const uint8_t round[16], struct hard_counts *hc,
            struct sym_diag *diag)
{
	static const uint8_t none[16];
	struct submission sub;
	struct hard_ctx h;
	int rc, r;

	memset(&sub, 0, sizeof(sub));
	if ((rc = hard_ctx_open(s, round, &h, diag)) != 0 || !h.joined ||
	    sodium_memcmp(h.rf.submission, none, 16) != 0)
		goto out; /* not joined, or submitted already: nothing to do */
	if ((rc = s_collect(s, &h, hc, diag)) != 0)
		goto out;
	if ((r = s_batches(s, &h, &sub, diag)) != SYM_OK) {
		rc = sym_exit_code(r, SYM_ORIGIN_INPUT);
		goto out;
	}
	memcpy(sub.round, round, 16);
	sub.ann = h.ann;
	randombytes_buf(sub.id, sizeof(sub.id));
	if ((rc = submission_send(s, &sub, diag)) != 0)
		goto out;
	memcpy(h.rf.submission, sub.id, 16);
	if ((r = roundfile_save(s->st->dir, &h.rf, diag)) != SYM_OK) {
		rc = EXIT_CANTCREAT;
		goto out;
	}
	hc->submitted = 1;
out:
	sub.ann = NULL; /* h's */
	submission_clear(&sub);
	hard_ctx_clear(&h);
	return rc;
}
