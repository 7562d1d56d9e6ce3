/*
 * This company's masked indicator vector: its plaintext cells (indvector.c)
 * plus its self mask (a fresh seed b) plus, for every other submitter, the
 * pair mask from K_kpi with the sign of the id order; b split t-of-n, each
 * share sealed to its submitter under K_env(self -> it), ours to ourselves.
 * The plaintext vector, b and the shares live in sodium_malloc memory and
 * are wiped; only the masked vector and the sealed shares leave.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "envelope.h"
#include "indhash.h"
#include "indicators.h"
#include "indvector.h"
#include "logcheck.h"
#include "masks.h"
#include "pairkeys.h"
#include "rpc.h"
#include "shamir.h"
#include "sysexits.h"
#include "util.h"
#include "wire.h"

#define S_SELF_DOMAIN "symbiod-indicator-self-v1"

int
indicators_self_key(const struct session *s, const uint8_t round[16], uint8_t key[32])
{
	uint8_t msg[sizeof(S_SELF_DOMAIN) + 32 + 16];

	memcpy(msg, S_SELF_DOMAIN, sizeof(S_SELF_DOMAIN));
	memcpy(msg + sizeof(S_SELF_DOMAIN), s->st->park_id, 32);
	memcpy(msg + sizeof(S_SELF_DOMAIN) + 32, round, 16);
	return crypto_generichash(key, 32, msg, sizeof(msg), s->st->agreement->sk, 32) == 0
	           ? SYM_OK
	           : SYM_ERR_CRYPTO;
}

/* What the send works with, all wiped at the end. */
struct s_send {
	struct ind_layout *l;
	struct flows *fl;
	json_t *exchanges;
	uint64_t *v;                    /* the vector: plaintext, then masked in place */
	uint8_t (*shares)[32];          /* b's shares, shares[k] for submitter k */
	uint8_t *sealed;                /* nsubs * INDHASH_SHARE_SEALED */
	Symbiod__IndicatorShare *items; /* nsubs */
	Symbiod__IndicatorShare **ptrs;
	uint8_t *masked; /* ncells * 8 */
	struct pairkeys *pk;
	uint8_t b[32], key[32];
};

static void
s_send_clear(struct s_send *w)
{
	if (w->v != NULL)
		sodium_free(w->v);
	if (w->shares != NULL)
		sodium_free(w->shares);
	if (w->pk != NULL) {
		pairkeys_clear(w->pk);
		sodium_free(w->pk);
	}
	free(w->sealed);
	free(w->items);
	free(w->ptrs);
	free(w->masked);
	json_decref(w->exchanges);
	flows_free(&w->fl);
	ind_layout_free(&w->l);
	sodium_memzero(w->b, sizeof(w->b));
	sodium_memzero(w->key, sizeof(w->key));
}

/* The submitters as the coordinator lists them: sorted, distinct, with us and our peers. */
static int
s_check_submitters(const struct session *s, const struct roundfile *rf,
                   const Symbiod__IndicatorState *state, struct sym_diag *diag)
{
	size_t i, self = 0;

	for (i = 0; i < state->n_submitters; i++) {
		const char *id = state->submitters[i];
		if (i > 0 && pairkeys_id_cmp(state->submitters[i - 1], id) >= 0)
			return sym_diag_set(
			    diag, SYM_ERR_FORMAT,
			    "the coordinator's list of submitters is not in id order");
		if (strcmp(id, s->st->id) == 0)
			self++;
		else if (roundfile_peer(rf, id) == NULL)
			return sym_diag_set(
			    diag, SYM_ERR_VERIFY,
			    "the coordinator lists %s as a submitter, who is not in the "
			    "round's directory",
			    id);
	}
	if (self != 1 || state->n_submitters < 2 || state->n_submitters > SHAMIR_MAX_SHARES)
		return sym_diag_set(diag, SYM_ERR_VERIFY,
		                    "the coordinator's list of submitters leaves this company out");
	return SYM_OK;
}

/* The plaintext vector from the round's flows and this round's exchanges. */
static int
s_plain(struct session *s, const struct roundfile *rf, const Symbiod__IndicatorState *state,
        struct s_send *w, struct sym_diag *diag)
{
	char hex[33];
	int r;

	if ((r = ind_layout_new(s->tax, &w->l)) != SYM_OK)
		return sym_diag_set(diag, r, "out of memory");
	if (state->cells != w->l->ncells)
		return sym_diag_set(diag, SYM_ERR_VERIFY,
		                    "the coordinator's vector has %u cells, the taxonomy gives %zu",
		                    state->cells, w->l->ncells);
	/* A multiple of 8 bytes: sodium_malloc aligns the end, not the start (never 0 bytes). */
	if ((w->v = sodium_malloc((w->l->ncells + 1) * sizeof(*w->v))) == NULL ||
	    (w->masked = malloc(w->l->ncells * 8 + 1)) == NULL)
		return sym_diag_set(diag, SYM_ERR_ALLOC, "out of memory");
	if ((r = flows_from_json("round record", rf->flows, s->tax, &w->fl, diag)) != SYM_OK ||
	    (r = exchanges_load(s->st->dir, &w->exchanges, diag)) != SYM_OK)
		return r;
	util_hex(rf->round, 16, hex);
	return indvector_build(w->l, s->st->id, w->fl, w->exchanges, hex, w->v, diag);
}

/* Seal share k (for `to`) into its item. */
static int
s_seal(struct s_send *w, const uint8_t round[16], const char *self, const char *to,
       const uint8_t key[32], size_t k)
{
	uint8_t ad[INDHASH_SHARE_AD_MAX];
	int adlen = indhash_share_ad(round, self, to, ad);

	if (adlen < 0 || envelope_seal(key, ad, (size_t)adlen, w->shares[k], 32,
	                               w->sealed + k * INDHASH_SHARE_SEALED) != SYM_OK)
		return SYM_ERR_CRYPTO;
	symbiod__indicator_share__init(&w->items[k]);
	w->items[k].member = (char *)to;
	w->items[k].sealed.data = w->sealed + k * INDHASH_SHARE_SEALED;
	w->items[k].sealed.len = INDHASH_SHARE_SEALED;
	w->ptrs[k] = &w->items[k];
	return SYM_OK;
}

/* Mask the vector and seal b's shares, one per submitter. */
static int
s_mask(struct session *s, const struct roundfile *rf, const Symbiod__IndicatorState *state,
       struct s_send *w)
{
	const char *self = s->st->id;
	size_t n = state->n_submitters, k, cells = w->l->ncells;
	int r;

	if ((w->shares = sodium_malloc(n * 32)) == NULL ||
	    (w->pk = sodium_malloc(sizeof(*w->pk))) == NULL ||
	    (w->sealed = malloc(n * INDHASH_SHARE_SEALED)) == NULL ||
	    (w->items = calloc(n, sizeof(*w->items))) == NULL ||
	    (w->ptrs = calloc(n, sizeof(*w->ptrs))) == NULL)
		return SYM_ERR_ALLOC;
	crypto_core_ristretto255_scalar_random(w->b);
	if ((r = shamir_split(w->b, indhash_threshold((uint32_t)n), (unsigned)n, w->shares)) !=
	        SYM_OK ||
	    (r = masks_apply(w->b, rf->round, 1, 1, w->v, cells)) != SYM_OK)
		return r;
	for (k = 0; k < n; k++) {
		const char *to = state->submitters[k];
		const struct roundfile_peer *p = roundfile_peer(rf, to);

		if (strcmp(to, self) == 0) {
			if ((r = indicators_self_key(s, rf->round, w->key)) != SYM_OK ||
			    (r = s_seal(w, rf->round, self, to, w->key, k)) != SYM_OK)
				return r;
			continue;
		}
		if ((r = session_pair(s, rf->round, to, p->x25519, w->pk)) != SYM_OK ||
		    (r = masks_pair_key(w->pk->kpi, w->key)) != SYM_OK ||
		    (r = masks_apply(w->key, rf->round, 0, masks_pair_sign(self, to), w->v,
		                     cells)) != SYM_OK ||
		    (r = s_seal(w, rf->round, self, to, pairkeys_env(w->pk, self, to), k)) !=
		        SYM_OK)
			return r;
	}
	masks_vec_store(w->v, cells, w->masked);
	return SYM_OK;
}

int
indicators_send(struct session *s, const struct roundfile *rf, const Symbiod__IndicatorState *state,
                uint64_t *bytes, struct sym_diag *diag)
{
	Symbiod__IndicatorSubmit req = SYMBIOD__INDICATOR_SUBMIT__INIT;
	Symbiod__IndicatorAck *ack = NULL;
	struct s_send w;
	uint8_t hash[32];
	char hex[65];
	int rc = EXIT_PROTOCOL, r;

	memset(&w, 0, sizeof(w));
	if (s_check_submitters(s, rf, state, diag) != SYM_OK)
		goto out;
	if ((r = s_plain(s, rf, state, &w, diag)) != SYM_OK) {
		rc = r == SYM_ERR_VERIFY ? EXIT_PROTOCOL : EXIT_DATAERR;
		goto out;
	}
	if ((r = s_mask(s, rf, state, &w)) != SYM_OK) {
		sym_diag_set(diag, r, "cannot mask the indicator vector: %s", sym_strerror(r));
		rc = EXIT_SOFTWARE;
		goto out;
	}
	req.round_id = session_bytes(rf->round, 16);
	req.masked = session_bytes(w.masked, w.l->ncells * 8);
	req.n_shares = state->n_submitters;
	req.shares = w.ptrs;
	if ((rc = indicators_rpc(s, SYMBIOD__MSG_TYPE__MSG_INDICATOR_SUBMIT, &req.base,
	                         &symbiod__indicator_ack__descriptor, (ProtobufCMessage **)&ack,
	                         bytes, diag)) != 0)
		goto out;
	crypto_hash_sha256(hash, w.masked, w.l->ncells * 8);
	util_hex(hash, 32, hex);
	rc = logcheck_proof(s->st, s->c, ack->proof, "indicator_vector", "masked", hex, diag);
out:
	wire_free((ProtobufCMessage *)ack);
	s_send_clear(&w);
	return rc;
}
