#include "roundview.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blind.h"
#include "hardview.h"
#include "release_check.h"
#include "rpc.h"
#include "sysexits.h"
#include "util.h"
#include "wire.h"

void
round_view_clear(struct round_view *rv)
{
	roundfile_clear(&rv->rf);
	flows_free(&rv->fl);
	wire_free(rv->list ? &rv->list->base : NULL);
	free(rv->views);
	memset(rv, 0, sizeof(*rv));
}

int
round_view_pair(const struct session *s, const struct round_view *rv, const char *peer,
                struct pairkeys *pk)
{
	const struct roundfile_peer *p = roundfile_peer(&rv->rf, peer);

	if (p == NULL)
		return SYM_ERR_NOT_FOUND;
	return session_pair(s, rv->round, peer, p->x25519, pk);
}

/* Fill the view of candidate c; 0 when it is not this company's. */
static int
s_view(struct session *s, struct round_view *rv, const struct blind_index *bi,
       const Symbiod__Candidate *c, struct pairkeys *pk, struct candidate_view *v)
{
	const uint8_t *key;

	if (c->candidate_id.len != 16 || c->token.len != 8 || c->round_id.len != 16 ||
	    memcmp(c->round_id.data, rv->round, 16) != 0)
		return 0;
	v->supplier = strcmp(c->supplier, s->st->id) == 0;
	if (!v->supplier && strcmp(c->consumer, s->st->id) != 0)
		return 0; /* not ours: the coordinator should never send it */
	v->c = c;
	v->forged = !release_check_wire_candidate(c);
	v->counterpart = v->supplier ? c->consumer : c->supplier;
	util_hex(c->candidate_id.data, 16, v->id);
	util_hex(rv->round, 16, v->round);
	if (rv->rf.hard != NULL) {
		v->item = hard_find_item(s, &rv->rf, rv->fl, v->supplier ? FLOW_OFFER : FLOW_NEED,
		                         c->supplier, c->consumer, c->token.data);
	} else if (round_view_pair(s, rv, v->counterpart, pk) == SYM_OK) {
		/* Our offers used K_tok(us->them); our needs K_tok(them->us). */
		key = v->supplier ? pairkeys_tok(pk, s->st->id, v->counterpart)
		                  : pairkeys_tok(pk, v->counterpart, s->st->id);
		v->item = blind_index_find(bi, s->prf, key, v->supplier ? FLOW_OFFER : FLOW_NEED,
		                           c->token.data);
		pairkeys_clear(pk);
	}
	return 1;
}

/* This company's candidates in the list, each mapped back to its own item. */
static int
s_map_candidates(struct session *s, struct round_view *rv)
{
	struct pairkeys *pk = sodium_malloc(sizeof(*pk));
	struct blind_index *bi = NULL;
	enum encode_mode mode;
	size_t i;
	int rc = EXIT_SOFTWARE;

	if (pk == NULL || encode_mode_for(rv->rf.token_encoding, 0, &mode) != SYM_OK ||
	    blind_index_new(s->tax, rv->fl, mode, &bi) != SYM_OK ||
	    (rv->views = calloc(rv->list->n_candidates + 1, sizeof(*rv->views))) == NULL)
		goto out;
	for (i = 0; i < rv->list->n_candidates; i++)
		rv->n += (size_t)s_view(s, rv, bi, rv->list->candidates[i], pk, &rv->views[rv->n]);
	rc = 0;
out:
	blind_index_free(&bi);
	if (pk != NULL)
		sodium_free(pk);
	return rc;
}

int
round_view_load(struct session *s, struct round_view *rv, struct sym_diag *diag)
{
	uint8_t round[16];
	char phase[16];
	int rc;

	memset(rv, 0, sizeof(*rv));
	if ((rc = session_current_round(s, round, phase, diag)) != 0)
		return rc;
	return round_view_load_for(s, round, phase, rv, diag);
}

int
round_view_load_for(struct session *s, const uint8_t round[16], const char *phase,
                    struct round_view *rv, struct sym_diag *diag)
{
	Symbiod__CandidatesRequest req = SYMBIOD__CANDIDATES_REQUEST__INIT;
	int rc;

	memset(rv, 0, sizeof(*rv));
	memcpy(rv->round, round, 16);
	snprintf(rv->phase, sizeof(rv->phase), "%s", phase);
	if (roundfile_load(s->st->dir, rv->round, &rv->rf, diag) != SYM_OK)
		return 0; /* not submitted to this round: no candidates can be ours */
	if (flows_from_json("submitted flows", rv->rf.flows, s->tax, &rv->fl, diag) != SYM_OK)
		return EXIT_DATAERR;
	req.has_round_id = 1;
	req.round_id = session_bytes(rv->round, 16);
	rc = rpc_call(s->c, SYMBIOD__MSG_TYPE__MSG_CANDIDATES, &req.base,
	              &symbiod__candidate_list__descriptor, (ProtobufCMessage **)&rv->list, diag);
	if (rc != 0)
		return rc;
	return s_map_candidates(s, rv);
}
