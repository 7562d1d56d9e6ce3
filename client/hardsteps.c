/* The query and evaluate steps of a hardened round (hardsteps.h). */
#include "hardsteps.h"

#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "encode.h"
#include "exitcode.h"
#include "flows.h"
#include "hardtoken.h"
#include "logcheck.h"
#include "protocol.h"
#include "rpc.h"
#include "sig.h"
#include "submit.h"
#include "tokset.h"
#include "sysexits.h"
#include "util.h"
#include "wire.h"

void
hard_ctx_clear(struct hard_ctx *h)
{
	wire_free(h->ann ? &h->ann->base : NULL);
	verified_dir_clear(&h->vd);
	roundfile_clear(&h->rf);
	hard_public_clear(&h->pub);
	hard_secret_free(&h->sec);
	memset(h, 0, sizeof(*h));
}

int
hard_ctx_open(struct session *s, const uint8_t round[16], struct hard_ctx *h, struct sym_diag *diag)
{
	int rc, r;

	memset(h, 0, sizeof(*h));
	memcpy(h->round, round, 16);
	if ((rc = session_announcement(s, round, &h->ann, diag)) != 0)
		return rc;
	/* session_announcement took only an encoding this client knows. */
	if (encode_mode_for(protocol_announcement_token_encoding(h->ann), 1, &h->mode) != SYM_OK)
		return EXIT_SOFTWARE;
	if (h->ann->mode == NULL || strcmp(h->ann->mode, "hardened") != 0 ||
	    !h->ann->has_max_need || h->ann->max_need == 0 || h->ann->max_need > VOPRF_BATCH_MAX) {
		sym_diag_set(diag, SYM_ERR_FORMAT,
		             "the round's announcement is not a hardened round's (mode, max_need)");
		return EXIT_PROTOCOL;
	}
	if ((rc = session_directory(s, h->ann, &h->vd, diag)) != 0)
		return rc;
	r = roundfile_load(s->st->dir, round, &h->rf, diag);
	if (r == SYM_ERR_NOT_FOUND || (r == SYM_OK && h->rf.hard == NULL))
		return 0; /* this company did not join the round */
	if (r != SYM_OK || hard_public_parse(h->rf.hard, &h->pub, diag) != SYM_OK ||
	    (r = hard_secret_load(s->st->dir, round, &h->sec, diag)) != SYM_OK)
		return sym_exit_code(r != SYM_OK ? r : SYM_ERR_FORMAT, SYM_ORIGIN_INPUT);
	h->joined = 1;
	return 0;
}

const struct member_record *
hard_ctx_peer(const struct hard_ctx *h, const struct session *s, const char *id)
{
	size_t i;

	for (i = 0; i < h->vd.n; i++)
		if (strcmp(h->vd.recs[i].id, id) == 0 && strcmp(id, s->st->id) != 0)
			return &h->vd.recs[i];
	return NULL;
}

/* ---- query ---------------------------------------------------------------- */

/* The acknowledgement of a hardened request: its log entry when new. */
static int
s_acked(struct session *s, const Symbiod__HardAck *ack, const char *kind, struct sym_diag *diag)
{
	if (ack->proof == NULL)
		return ack->state != NULL && strcmp(ack->state, "repeated") == 0
		           ? 0
		           : (sym_diag_set(diag, SYM_ERR_FORMAT, "%s: no log proof", kind),
		              EXIT_PROTOCOL);
	return logcheck_proof(s->st, s->c, ack->proof, kind, NULL, NULL, diag);
}

/* Commit pk and send the batch (again, the same bytes, when a retry). */
static int
s_send_query(struct session *s, const struct hard_ctx *h, struct sym_diag *diag)
{
	Symbiod__HardKey key = SYMBIOD__HARD_KEY__INIT;
	Symbiod__HardQuery q = SYMBIOD__HARD_QUERY__INIT;
	Symbiod__HardAck *ack = NULL;
	uint8_t stmt[HARDTOKEN_STATEMENT_MAX], ksig[64], qsig[64];
	size_t len = 0;
	int rc;

	if (hardtoken_key_statement(s->st->park_id, h->round, s->st->id, h->pub.pk, stmt, &len) !=
	        SYM_OK ||
	    sig_sign(s->st->identity->sk, stmt, len, ksig) != SYM_OK ||
	    hardtoken_query_statement(s->st->park_id, h->round, s->st->id, (uint32_t)h->pub.m,
	                              h->pub.digest, stmt, &len) != SYM_OK ||
	    sig_sign(s->st->identity->sk, stmt, len, qsig) != SYM_OK)
		return EXIT_SOFTWARE;
	key.round_id = q.round_id = session_bytes(h->round, 16);
	key.pk = session_bytes(h->pub.pk, 32);
	key.signature = session_bytes(ksig, 64);
	q.blinded = session_bytes(h->pub.blinded, h->pub.m * VOPRF_ELEMENT_LEN);
	q.signature = session_bytes(qsig, 64);
	if ((rc = rpc_call(s->c, SYMBIOD__MSG_TYPE__MSG_HARD_KEY, &key.base,
	                   &symbiod__hard_ack__descriptor, (ProtobufCMessage **)&ack, diag)) != 0)
		return rc;
	rc = s_acked(s, ack, "hardened_key", diag);
	wire_free(&ack->base);
	if (rc != 0 ||
	    (rc = rpc_call(s->c, SYMBIOD__MSG_TYPE__MSG_HARD_QUERY, &q.base,
	                   &symbiod__hard_ack__descriptor, (ProtobufCMessage **)&ack, diag)) != 0)
		return rc;
	rc = s_acked(s, ack, "hardened_query", diag);
	wire_free(&ack->base);
	return rc;
}

/*
 * The batch: the n real need blocks blinded under blinds kept in sec, then
 * m - n random blocks blinded under blinds thrown away. A batch always has
 * m elements, so its size says nothing about the needs.
 */
static int
s_blind_batch(const struct block_list *needs, uint32_t m, struct hard_public *pub,
              struct hard_secret *sec)
{
	uint8_t block[TOKEN_BLOCK_LEN], blind[VOPRF_SCALAR_LEN];
	size_t k;
	int r = SYM_OK;

	pub->m = m;
	pub->nneeds = needs->n;
	if ((pub->blinded = malloc((size_t)m * VOPRF_ELEMENT_LEN + 1)) == NULL ||
	    (pub->needs = malloc(needs->n * TOKEN_BLOCK_LEN + 1)) == NULL)
		return SYM_ERR_ALLOC;
	for (k = 0; k < m && r == SYM_OK; k++) {
		uint8_t *out = pub->blinded + k * VOPRF_ELEMENT_LEN;

		if (k < needs->n) {
			memcpy(pub->needs + k * TOKEN_BLOCK_LEN, needs->blocks[k].b,
			       TOKEN_BLOCK_LEN);
			r = voprf_blind(VOPRF_MODE_VOPRF, needs->blocks[k].b, TOKEN_BLOCK_LEN,
			                sec->blinds + k * VOPRF_SCALAR_LEN, out);
		} else {
			randombytes_buf(block, sizeof(block));
			r = voprf_blind(VOPRF_MODE_VOPRF, block, sizeof(block), blind, out);
		}
	}
	sodium_memzero(blind, sizeof(blind));
	hardtoken_digest(pub->blinded, (size_t)m * VOPRF_ELEMENT_LEN, pub->digest);
	return r;
}

/* Keep the peers' agreement keys, as a standard submission does, for the pair keys later. */
static int
s_record_peers(struct hard_ctx *h)
{
	size_t i;

	if ((h->rf.peers = calloc(h->vd.n + 1, sizeof(*h->rf.peers))) == NULL)
		return SYM_ERR_ALLOC;
	for (i = 0; i < h->vd.n; i++) {
		snprintf(h->rf.peers[i].id, sizeof(h->rf.peers[i].id), "%s", h->vd.recs[i].id);
		memcpy(h->rf.peers[i].x25519, h->vd.recs[i].x25519, 32);
	}
	h->rf.npeers = h->vd.n;
	return SYM_OK;
}

/* A new round key and batch for these flows, saved before anything is sent. */
static int
s_new_query(struct session *s, struct hard_ctx *h, const struct flows *fl, struct sym_diag *diag)
{
	struct block_list offers, needs;
	struct blind_padding pad;
	uint32_t m = h->ann->max_need;
	int r, rc = EXIT_SOFTWARE;

	roundfile_clear(&h->rf);
	block_list_init(&offers);
	block_list_init(&needs);
	if (encode_flows(s->tax, fl, h->mode, &offers, &needs) != SYM_OK)
		goto out;
	submission_padding(h->ann, &pad);
	if (needs.n > m ||
	    (pad.offers.max > 0 &&
	     tokset_size_class(offers.n, pad.offers.floor, pad.offers.fixed) > pad.offers.max)) {
		sym_diag_set(diag, SYM_ERR_LIMIT,
		             "the needs cost %zu blocks (a query batch of this round holds %u), "
		             "the offers %zu tokens (at most %u): nothing was sent",
		             needs.n, m, offers.n, pad.offers.max);
		rc = EXIT_DATAERR;
		goto out;
	}
	if ((h->sec = hard_secret_new((uint32_t)needs.n)) == NULL ||
	    voprf_keypair(h->sec->sk, h->pub.pk) != SYM_OK ||
	    s_blind_batch(&needs, m, &h->pub, h->sec) != SYM_OK || s_record_peers(h) != SYM_OK ||
	    (h->rf.hard = hard_public_json(&h->pub)) == NULL)
		goto out;
	memcpy(h->rf.round, h->round, 16);
	h->rf.token_encoding = protocol_announcement_token_encoding(h->ann);
	h->rf.flows = json_incref(fl->doc);
	h->rf.consents = json_object();
	if ((r = hard_secret_save(s->st->dir, h->round, h->sec, diag)) != SYM_OK ||
	    (r = roundfile_save(s->st->dir, &h->rf, diag)) != SYM_OK) {
		rc = sym_exit_code(r, SYM_ORIGIN_INPUT);
		goto out;
	}
	h->joined = 1;
	rc = 0;
out:
	block_list_free(&offers);
	block_list_free(&needs);
	return rc;
}

int
hard_query(struct session *s, const uint8_t round[16], const char *flows_path,
           struct hard_counts *hc, struct sym_diag *diag)
{
	struct flows *fl = NULL;
	struct hard_ctx h;
	int rc, r;

	if (flows_path == NULL) { /* sync: send again what was recorded, if anything */
		if ((rc = hard_ctx_open(s, round, &h, diag)) == 0 && h.joined &&
		    (rc = s_send_query(s, &h, diag)) == 0)
			hc->queried = 1;
		hard_ctx_clear(&h);
		return rc;
	}
	if ((r = flows_load_file(flows_path, s->tax, &fl, diag)) != SYM_OK)
		return sym_exit_code(r, SYM_ORIGIN_INPUT);
	if ((rc = hard_ctx_open(s, round, &h, diag)) != 0 ||
	    (rc = submission_check_floors(h.ann, diag)) != 0)
		goto out;
	if (fl->n > h.ann->max_items) {
		sym_diag_set(diag, SYM_ERR_LIMIT, "%s: %zu flows; this round takes at most %u",
		             flows_path, fl->n, h.ann->max_items);
		rc = EXIT_DATAERR;
		goto out;
	}
	/* The batch fixed the needs: the same flows again only retry the same bytes. */
	if (h.joined && !json_equal(h.rf.flows, fl->doc)) {
		sym_diag_set(diag, SYM_ERR_EXISTS,
		             "the flows of a hardened round are fixed by its query batch, sent "
		             "already with other flows; nothing was sent");
		rc = EXIT_DATAERR;
		goto out;
	}
	if (!h.joined && (rc = s_new_query(s, &h, fl, diag)) != 0)
		goto out;
	if ((rc = s_send_query(s, &h, diag)) == 0)
		hc->queried = 1;
out:
	hard_ctx_clear(&h);
	flows_free(&fl);
	return rc;
}

/* ---- evaluate --------------------------------------------------------------- */

/*
 * Is this a batch this company may answer: a member of the round signed it,
 * it has exactly max_need elements, and the budget allows it. 0 to answer,
 * 1 to leave it (said on stderr), or a sysexits code.
 */
static int
s_answerable(struct session *s, const struct hard_ctx *h, const Symbiod__HardBatch *b,
             uint8_t digest[32])
{
	const struct member_record *q = hard_ctx_peer(h, s, b->querier);
	uint8_t stmt[HARDTOKEN_STATEMENT_MAX];
	size_t len = 0, m = b->elements.len / VOPRF_ELEMENT_LEN;
	const char *why = NULL;

	hardtoken_digest(b->elements.data, b->elements.len, digest);
	if (q == NULL)
		why = "is not another member of the round";
	else if (b->elements.len % VOPRF_ELEMENT_LEN != 0 || m != h->ann->max_need)
		why = "sent a batch of another size than the round's max_need (the budget)";
	else if (b->signature.len != 64 ||
	         hardtoken_query_statement(s->st->park_id, h->round, b->querier, (uint32_t)m,
	                                   digest, stmt, &len) != SYM_OK ||
	         sig_verify(q->ed25519, stmt, len, b->signature.data) != SYM_OK)
		why = "did not sign the batch";
	else if (!hard_budget_allows(h->rf.hard, b->querier, digest))
		why = "asked again with another batch: one batch per querier and round is answered";
	if (why == NULL)
		return 0;
	fprintf(stderr, "symbi: not answering %s: it %s\n", b->querier, why);
	return 1;
}

/* Evaluate one batch with its proof and send the signed answer. */
static int
s_answer(struct session *s, struct hard_ctx *h, const Symbiod__HardBatch *b,
         const uint8_t qdigest[32], struct sym_diag *diag)
{
	Symbiod__HardAnswer ans = SYMBIOD__HARD_ANSWER__INIT;
	Symbiod__HardAck *ack = NULL;
	size_t m = b->elements.len / VOPRF_ELEMENT_LEN, len = 0;
	uint8_t *ev = malloc(b->elements.len + 1), proof[VOPRF_PROOF_LEN], digest[32], sig[64];
	uint8_t stmt[HARDTOKEN_STATEMENT_MAX];
	int rc = EXIT_SOFTWARE, r;

	if (ev == NULL)
		goto out;
	/* The budget first, durably: a crash after this never lets another batch through. */
	if ((r = hard_budget_record(h->rf.hard, b->querier, qdigest)) != SYM_OK ||
	    (r = roundfile_save(s->st->dir, &h->rf, diag)) != SYM_OK) {
		rc = sym_exit_code(r, SYM_ORIGIN_INPUT);
		goto out;
	}
	if (voprf_blind_evaluate_proof(h->sec->sk, h->pub.pk, b->elements.data, m, ev, proof) !=
	    SYM_OK) {
		sym_diag_set(diag, SYM_ERR_FORMAT, "%s's batch holds an invalid element",
		             b->querier);
		rc = EXIT_PROTOCOL;
		goto out;
	}
	hardtoken_digest(ev, b->elements.len, digest);
	if (hardtoken_answer_statement(s->st->park_id, h->round, s->st->id, b->querier, qdigest,
	                               (uint32_t)m, digest, proof, stmt, &len) != SYM_OK ||
	    sig_sign(s->st->identity->sk, stmt, len, sig) != SYM_OK)
		goto out;
	ans.round_id = session_bytes(h->round, 16);
	ans.querier = b->querier;
	ans.query_digest = session_bytes(qdigest, 32);
	ans.evaluated = session_bytes(ev, b->elements.len);
	ans.proof = session_bytes(proof, sizeof(proof));
	ans.signature = session_bytes(sig, 64);
	if ((rc = rpc_call(s->c, SYMBIOD__MSG_TYPE__MSG_HARD_ANSWER, &ans.base,
	                   &symbiod__hard_ack__descriptor, (ProtobufCMessage **)&ack, diag)) == 0) {
		rc = s_acked(s, ack, "hardened_answer", diag);
		wire_free(&ack->base);
	}
out:
	free(ev);
	return rc;
}

/* One page of batches (queries, or answers to us) after `after`; *page NULL-safe to free. */
int
hard_fetch_page(struct session *s, const uint8_t round[16], int answers, const char *after,
                Symbiod__HardBatches **page, struct sym_diag *diag)
{
	Symbiod__HardFetch f = SYMBIOD__HARD_FETCH__INIT;

	f.round_id = session_bytes(round, 16);
	f.answers = answers != 0;
	f.after = (char *)after;
	return rpc_call(s->c, SYMBIOD__MSG_TYPE__MSG_HARD_FETCH, &f.base,
	                &symbiod__hard_batches__descriptor, (ProtobufCMessage **)page, diag);
}

int
hard_evaluate(struct session *s, const uint8_t round[16], struct hard_counts *hc,
              struct sym_diag *diag)
{
	Symbiod__HardBatches *page = NULL;
	char after[MEMBER_ID_MAX + 1] = "";
	uint8_t digest[32];
	struct hard_ctx h;
	size_t i;
	int rc;

	if ((rc = hard_ctx_open(s, round, &h, diag)) != 0 || !h.joined)
		goto out; /* without a key of this round there is nothing to answer with */
	do {
		wire_free(page ? &page->base : NULL);
		page = NULL;
		if ((rc = hard_fetch_page(s, round, 0, after[0] ? after : NULL, &page, diag)) != 0)
			goto out;
		for (i = 0; i < page->n_batches && rc == 0; i++) {
			const Symbiod__HardBatch *b = page->batches[i];

			snprintf(after, sizeof(after), "%s", b->querier);
			if ((rc = s_answerable(s, &h, b, digest)) == 1) {
				hc->refused++;
				rc = 0;
			} else if (rc == 0 && (rc = s_answer(s, &h, b, digest, diag)) == 0) {
				hc->answered++;
			}
		}
	} while (rc == 0 && page->more && page->n_batches > 0);
out:
	wire_free(page ? &page->base : NULL);
	hard_ctx_clear(&h);
	return rc;
}
