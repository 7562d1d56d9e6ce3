/*
 * symbi exchanges' first step (PROTOCOL.md 1.1, item 1): an item leaves the
 * company only after both sides accepted, in a signed Deposit whose payload
 * holds the sealed envelope, so the signature binds it.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "deposit.h"
#include "envelope.h"
#include "flows.h"
#include "logcheck.h"
#include "rpc.h"
#include "sysexits.h"
#include "util.h"
#include "wire.h"

#define ITEM_JSON_MAX (FLOW_DETAILS_MAX + 8192)
/*
 * Sealed items are padded with trailing spaces (JSON whitespace, which every
 * reader skips) to a power of two of at least this many bytes: the
 * coordinator holds the envelope until the partner fetches it, and its
 * length would otherwise tell how much an item says (notes, a contact).
 */
#define ITEM_PAD_FLOOR 1024

size_t
deposit_padded_len(size_t len)
{
	size_t cls = ITEM_PAD_FLOOR;

	while (cls < len)
		cls <<= 1;
	return cls;
}

int
deposit_seal(const struct session *s, const struct roundfile *rf, const struct deposit_what *w,
             uint8_t **env, size_t *env_len)
{
	const struct roundfile_peer *p = roundfile_peer(rf, w->counterpart);
	struct pairkeys *pk = sodium_malloc(sizeof(*pk));
	uint8_t ad[ENVELOPE_AD_MAX], *padded = NULL;
	size_t len, padded_len = 0;
	char *item = NULL;
	int adlen, r = SYM_ERR_INTERNAL;

	*env = NULL;
	if (pk == NULL)
		return SYM_ERR_ALLOC;
	if (p == NULL) {
		r = SYM_ERR_NOT_FOUND;
		goto out;
	}
	if ((r = session_pair(s, w->round, w->counterpart, p->x25519, pk)) != SYM_OK)
		goto out;
	if ((item = json_dumps(w->item, JSON_COMPACT)) == NULL || strlen(item) > ITEM_JSON_MAX) {
		r = SYM_ERR_LIMIT;
		goto out;
	}
	adlen = envelope_ad(w->round, w->candidate_id, s->st->id, w->counterpart, ad);
	if (adlen < 0) {
		r = adlen;
		goto out;
	}
	len = strlen(item);
	padded_len = deposit_padded_len(len);
	*env_len = padded_len + ENVELOPE_OVERHEAD;
	if ((padded = sodium_malloc(padded_len)) == NULL || (*env = malloc(*env_len)) == NULL) {
		r = SYM_ERR_ALLOC;
		goto out;
	}
	memcpy(padded, item, len);
	memset(padded + len, ' ', padded_len - len);
	r = envelope_seal(pairkeys_env(pk, s->st->id, w->counterpart), ad, (size_t)adlen, padded,
	                  padded_len, *env);
out:
	if (padded != NULL)
		sodium_free(padded); /* wiped by sodium_free */
	if (item != NULL) {
		sodium_memzero(item, strlen(item));
		free(item);
	}
	pairkeys_clear(pk);
	sodium_free(pk);
	return r;
}

int
deposit_send(struct session *s, const struct roundfile *rf, const struct deposit_what *w,
             struct sym_diag *diag)
{
	Symbiod__Deposit msg = SYMBIOD__DEPOSIT__INIT;
	Symbiod__DepositAck *ack = NULL;
	uint8_t *env = NULL;
	size_t env_len = 0;
	char idhex[33];
	int rc;

	util_hex(w->candidate_id, 16, idhex);
	if (deposit_seal(s, rf, w, &env, &env_len) != SYM_OK) {
		(void)sym_diag_set(diag, SYM_ERR_INTERNAL, "%s: cannot seal the item", idhex);
		return EXIT_SOFTWARE;
	}
	msg.round_id = session_bytes(w->round, 16);
	msg.candidate_id = session_bytes(w->candidate_id, 16);
	msg.envelope = session_bytes(env, env_len);
	rc = rpc_call(s->c, SYMBIOD__MSG_TYPE__MSG_DEPOSIT, &msg.base,
	              &symbiod__deposit_ack__descriptor, (ProtobufCMessage **)&ack, diag);
	free(env);
	if (rc == 0 && ack->proof != NULL)
		rc = logcheck_proof(s->st, s->c, ack->proof, "deposit", "candidate", idhex, diag);
	wire_free(ack ? &ack->base : NULL);
	return rc;
}

int
deposit_received(struct session *s, const uint8_t round[16], const Symbiod__ReleaseList *rels,
                 struct sym_diag *diag)
{
	Symbiod__ReleasesRequest req = SYMBIOD__RELEASES_REQUEST__INIT;
	Symbiod__ReleaseList *rest = NULL;
	ProtobufCBinaryData *ids;
	size_t i;
	int rc;

	if (rels == NULL || rels->n_releases == 0)
		return 0;
	if ((ids = calloc(rels->n_releases, sizeof(*ids))) == NULL)
		return EXIT_SOFTWARE;
	for (i = 0; i < rels->n_releases; i++)
		ids[i] = rels->releases[i]->candidate_id;
	req.has_round_id = 1;
	req.round_id = session_bytes(round, 16);
	req.n_received = rels->n_releases;
	req.received = ids;
	rc = rpc_call(s->c, SYMBIOD__MSG_TYPE__MSG_RELEASES, &req.base,
	              &symbiod__release_list__descriptor, (ProtobufCMessage **)&rest, diag);
	wire_free(rest ? &rest->base : NULL);
	free(ids);
	return rc;
}
