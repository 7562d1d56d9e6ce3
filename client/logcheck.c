#include "logcheck.h"

#include <jansson.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checkpoint.h"
#include "merkle.h"
#include "rpc.h"
#include "sysexits.h"
#include "util.h"
#include "wire.h"

#define FORK_WARNING                                                                               \
	"the coordinator's audit log is not consistent with what this company saw before: "        \
	"the log was forked or rewritten. Keep STATE/checkpoint and tell the reviewers."

static int
s_load_stored(const struct client_state *st, struct checkpoint *cp, int *have,
              struct sym_diag *diag)
{
	char path[PATH_MAX], *text = NULL;
	size_t len = 0;
	int r;

	*have = 0;
	if ((r = state_path(st->dir, "checkpoint", path, sizeof(path))) != SYM_OK)
		return EXIT_SOFTWARE;
	r = util_read_file(path, CHECKPOINT_MAX, &text, &len);
	if (r == SYM_ERR_NOT_FOUND)
		return 0;
	if (r != SYM_OK ||
	    checkpoint_verify(text, len, st->park.coordinator_ed25519, cp) != SYM_OK) {
		free(text);
		sym_diag_set(diag, SYM_ERR_FORMAT,
		             "%s is damaged; it must be a checkpoint signed by "
		             "this park's coordinator",
		             path);
		return EXIT_DATAERR;
	}
	free(text);
	*have = 1;
	return 0;
}

static int
s_proofs(const ProtobufCBinaryData *items, size_t n, merkle_hash_t out[MERKLE_MAX_PROOF])
{
	size_t i;

	if (n > MERKLE_MAX_PROOF)
		return SYM_ERR_VERIFY;
	for (i = 0; i < n; i++) {
		if (items[i].len != 32)
			return SYM_ERR_VERIFY;
		memcpy(out[i], items[i].data, 32);
	}
	return SYM_OK;
}

/* old extends to new: same root at the same size, or a valid consistency proof. */
static int
s_extends(const struct checkpoint *old, const struct checkpoint *new,
          const ProtobufCBinaryData *items, size_t n)
{
	merkle_hash_t proof[MERKLE_MAX_PROOF];

	if (old->size > new->size)
		return SYM_ERR_VERIFY;
	if (old->size == 0)
		return SYM_OK;
	if (old->size == new->size)
		return sodium_memcmp(old->root, new->root, 32) == 0 ? SYM_OK : SYM_ERR_VERIFY;
	if (s_proofs(items, n, proof) != SYM_OK)
		return SYM_ERR_VERIFY;
	return merkle_consistency_verify(old->size, new->size, old->root, new->root, proof, n);
}

/*
 * Fetch the latest checkpoint and check that it extends the stored one and,
 * when pcp is given, a proof's checkpoint too (one request for both); store it.
 */
static int
s_contact(const struct client_state *st, struct conn *c, const struct checkpoint *pcp,
          struct sym_diag *diag)
{
	Symbiod__CheckpointRequest req = SYMBIOD__CHECKPOINT_REQUEST__INIT;
	Symbiod__CheckpointReply *rep = NULL;
	struct checkpoint old, new;
	char path[PATH_MAX];
	int rc, have = 0;

	if ((rc = s_load_stored(st, &old, &have, diag)) != 0)
		return rc;
	if (have) {
		req.has_old_size = 1;
		req.old_size = old.size;
	}
	if (pcp != NULL) {
		req.has_proof_size = 1;
		req.proof_size = pcp->size;
	}
	rc = rpc_call(c, SYMBIOD__MSG_TYPE__MSG_CHECKPOINT, &req.base,
	              &symbiod__checkpoint_reply__descriptor, (ProtobufCMessage **)&rep, diag);
	if (rc != 0) {
		/* A coordinator whose log shrank refuses the request: that is a fork too. */
		if (strstr(diag->msg, "fewer than the checkpoint") != NULL) {
			sym_diag_set(diag, SYM_ERR_VERIFY, FORK_WARNING);
			return EXIT_PROTOCOL;
		}
		return rc;
	}
	rc = EXIT_PROTOCOL;
	if (checkpoint_verify(rep->checkpoint, strlen(rep->checkpoint),
	                      st->park.coordinator_ed25519, &new) != SYM_OK) {
		sym_diag_set(
		    diag, SYM_ERR_VERIFY,
		    "the coordinator's checkpoint is not signed by this park's coordinator");
		goto out;
	}
	if ((have && s_extends(&old, &new, rep->consistency, rep->n_consistency) != SYM_OK) ||
	    (pcp != NULL &&
	     s_extends(pcp, &new, rep->proof_consistency, rep->n_proof_consistency) != SYM_OK)) {
		sym_diag_set(diag, SYM_ERR_VERIFY, FORK_WARNING);
		goto out;
	}
	/* The same tree as the one stored (s_extends compared the roots): nothing to write. */
	if (have && new.size == old.size) {
		rc = 0;
		goto out;
	}
	if ((rc = state_path(st->dir, "checkpoint", path, sizeof(path))) != SYM_OK ||
	    util_write_file(path, rep->checkpoint, strlen(rep->checkpoint), 0600, 0) != SYM_OK) {
		sym_diag_set(diag, SYM_ERR_IO, "cannot store the checkpoint in %s", path);
		rc = EXIT_CANTCREAT;
		goto out;
	}
	rc = 0;
out:
	wire_free(rep ? &rep->base : NULL);
	return rc;
}

int
logcheck_contact(const struct client_state *st, struct conn *c, struct sym_diag *diag)
{
	return s_contact(st, c, NULL, diag);
}

int
logcheck_proof(const struct client_state *st, struct conn *c, const Symbiod__LogProof *p,
               const char *kind, const char *field, const char *value, struct sym_diag *diag)
{
	return logcheck_proof_of(st, c, p, kind, st->id, field, value, diag);
}

int
logcheck_proof_of(const struct client_state *st, struct conn *c, const Symbiod__LogProof *p,
                  const char *kind, const char *member, const char *field, const char *value,
                  struct sym_diag *diag)
{
	merkle_hash_t leaf, proof[MERKLE_MAX_PROOF];
	struct checkpoint cp, stored;
	json_error_t jerr;
	json_t *e = NULL;
	const char *s;
	int rc = EXIT_PROTOCOL, have = 0;

	if (p == NULL) {
		sym_diag_set(diag, SYM_ERR_VERIFY,
		             "the coordinator acknowledged without an audit-log proof");
		return EXIT_PROTOCOL;
	}
	if (checkpoint_verify(p->checkpoint, strlen(p->checkpoint), st->park.coordinator_ed25519,
	                      &cp) != SYM_OK ||
	    cp.size != p->tree_size) {
		sym_diag_set(diag, SYM_ERR_VERIFY,
		             "the acknowledgement's checkpoint does not verify");
		return EXIT_PROTOCOL;
	}
	merkle_leaf_hash(p->entry.data, p->entry.len, leaf);
	if (s_proofs(p->inclusion, p->n_inclusion, proof) != SYM_OK ||
	    merkle_inclusion_verify(p->index, p->tree_size, leaf, proof, p->n_inclusion, cp.root) !=
	        SYM_OK) {
		sym_diag_set(diag, SYM_ERR_VERIFY,
		             "the acknowledged action is not in the coordinator's audit log");
		return EXIT_PROTOCOL;
	}
	/* The entry must be about this very action, by this member. */
	e = json_loadb((const char *)p->entry.data, p->entry.len, JSON_REJECT_DUPLICATES, &jerr);
	s = json_string_value(json_object_get(e, "kind"));
	if (s == NULL || strcmp(s, kind) != 0 ||
	    (member != NULL && ((s = json_string_value(json_object_get(e, "member"))) == NULL ||
	                        strcmp(s, member) != 0)) ||
	    (field != NULL && ((s = json_string_value(json_object_get(e, field))) == NULL ||
	                       strcmp(s, value) != 0))) {
		sym_diag_set(diag, SYM_ERR_VERIFY,
		             "the audit-log entry does not record this action");
		goto out;
	}
	/*
	 * The proof's tree is the one this member holds (same size, same root,
	 * both signed): it was checked against the member's history when it was
	 * stored, so there is nothing to contact the coordinator about.
	 * Otherwise the proof's tree and the member's stored view both extend to
	 * the latest: one contact.
	 */
	if ((rc = s_load_stored(st, &stored, &have, diag)) != 0)
		goto out;
	if (have && stored.size == cp.size && sodium_memcmp(stored.root, cp.root, 32) == 0)
		goto out;
	rc = s_contact(st, c, &cp, diag);
out:
	json_decref(e);
	return rc;
}
