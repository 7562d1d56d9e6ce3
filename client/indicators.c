/*
 * The company's side of a round's park indicators after its vector went
 * out: check the included set (the coordinator's signature, its entry in
 * the log, the same set it confirmed before), confirm it, and, once at
 * least t members confirmed the same set, reveal a share of each included
 * member's seed and the pair key with each dropped member. The local record
 * (STATE/rounds/<round>.indicators.json) makes the company answer one set
 * only, once: a request for another set, or one that asks for both kinds of
 * secret for one member, is refused (exit 76) and nothing is revealed.
 */
#include "indicators.h"

#include <dirent.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "envelope.h"
#include "indhash.h"
#include "logcheck.h"
#include "masks.h"
#include "pairkeys.h"
#include "rpc.h"
#include "shamir.h"
#include "sysexits.h"
#include "util.h"
#include "wire.h"

int
indicators_rpc(struct session *s, uint32_t type, const ProtobufCMessage *req,
               const ProtobufCMessageDescriptor *desc, ProtobufCMessage **reply, uint64_t *bytes,
               struct sym_diag *diag)
{
	int rc = rpc_call(s->c, type, req, desc, reply, diag);

	*bytes += protobuf_c_message_get_packed_size(req);
	if (rc == 0 && *reply != NULL)
		*bytes += protobuf_c_message_get_packed_size(*reply);
	return rc;
}

/* ---- the local record ---------------------------------------------------------- */

static int
s_local_path(const struct session *s, const uint8_t round[16], char *path, size_t len)
{
	char hex[33];

	util_hex(round, 16, hex);
	return (size_t)snprintf(path, len, "%s/rounds/%s.indicators.json", s->st->dir, hex) < len
	           ? SYM_OK
	           : SYM_ERR_NOSPACE;
}

static json_t *
s_local_load(const struct session *s, const uint8_t round[16])
{
	char path[PATH_MAX], *buf = NULL;
	size_t len = 0;
	json_t *j = NULL;

	if (s_local_path(s, round, path, sizeof(path)) == SYM_OK &&
	    util_read_file(path, 1u << 20, &buf, &len) == SYM_OK)
		j = json_loadb(buf, len, JSON_REJECT_DUPLICATES, NULL);
	free(buf);
	return json_is_object(j) ? j : (json_decref(j), json_object());
}

static int
s_local_save(const struct session *s, const uint8_t round[16], json_t *j, struct sym_diag *diag)
{
	char path[PATH_MAX], *text = json_dumps(j, JSON_INDENT(1) | JSON_SORT_KEYS);
	int r = SYM_ERR_ALLOC;

	if (text != NULL && (r = s_local_path(s, round, path, sizeof(path))) == SYM_OK)
		r = util_write_file(path, text, strlen(text), 0600, 0);
	free(text);
	return r == SYM_OK ? SYM_OK : sym_diag_set(diag, r, "cannot record the indicator step");
}

/* ---- the included set ---------------------------------------------------------- */

/* ids strictly increasing; sub (if given) a subset of it, in its order. */
static int
s_sorted_subset(char *const *ids, size_t n, char *const *of, size_t nof)
{
	size_t i, j = 0;

	for (i = 0; i < n; i++) {
		if (i > 0 && pairkeys_id_cmp(ids[i - 1], ids[i]) >= 0)
			return 0;
		if (of == NULL)
			continue;
		while (j < nof && strcmp(of[j], ids[i]) != 0)
			j++;
		if (j == nof)
			return 0;
	}
	return 1;
}

static long
s_find(char *const *ids, size_t n, const char *id)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(ids[i], id) == 0)
			return (long)i;
	return -1;
}

/*
 * The set as announced: for this round, signed by the coordinator, in the
 * log we see, with us in it, over the submitters we masked with, and the
 * one we confirmed or answered before (if any). Its hash into `hash`.
 */
static int
s_check_set(struct session *s, const uint8_t round[16], const Symbiod__IndicatorState *st,
            json_t *local, uint8_t hash[32], struct sym_diag *diag)
{
	const Symbiod__IncludedSet *inc = st->included;
	json_t *subs = json_object_get(local, "submitters"), *e;
	const char *prev;
	char hex[65];
	size_t i;

	if (inc == NULL || inc->round_id.len != 16 || memcmp(inc->round_id.data, round, 16) != 0 ||
	    inc->signature.len != 64 ||
	    !s_sorted_subset(inc->submitters, inc->n_submitters, NULL, 0) ||
	    !s_sorted_subset(inc->included, inc->n_included, inc->submitters, inc->n_submitters) ||
	    inc->threshold != indhash_threshold((uint32_t)inc->n_submitters) ||
	    inc->n_included < inc->threshold)
		return sym_diag_set(
		    diag, SYM_ERR_VERIFY,
		    "the announced included set is malformed (or below its threshold)");
	if (json_array_size(subs) != inc->n_submitters)
		return sym_diag_set(diag, SYM_ERR_VERIFY,
		                    "the included set names other submitters than we masked with");
	json_array_foreach (subs, i, e)
		if (strcmp(json_string_value(e) ? json_string_value(e) : "", inc->submitters[i]) !=
		    0)
			return sym_diag_set(
			    diag, SYM_ERR_VERIFY,
			    "the included set names other submitters than we masked with");
	if (indhash_included(s->st->park_id, round, inc->threshold,
	                     (const char *const *)inc->submitters, inc->n_submitters,
	                     (const char *const *)inc->included, inc->n_included, hash) != SYM_OK ||
	    crypto_sign_verify_detached(inc->signature.data, hash, 32,
	                                s->st->park.coordinator_ed25519) != 0)
		return sym_diag_set(diag, SYM_ERR_VERIFY,
		                    "the included set is not signed by the park's coordinator");
	util_hex(hash, 32, hex);
	if (((prev = json_string_value(json_object_get(local, "confirmed"))) != NULL &&
	     strcmp(prev, hex) != 0) ||
	    ((prev = json_string_value(
	          json_object_get(json_object_get(local, "answered"), "included_hash"))) != NULL &&
	     strcmp(prev, hex) != 0))
		return sym_diag_set(diag, SYM_ERR_VERIFY,
		                    "REFUSED: the coordinator announces another included set than "
		                    "the one this company already confirmed");
	return SYM_OK;
}

/* The set's entry in the coordinator's log, as this company sees the log. */
static int
s_check_logged(struct session *s, const Symbiod__IndicatorState *st, const uint8_t hash[32],
               struct sym_diag *diag)
{
	char hex[65];

	util_hex(hash, 32, hex);
	return logcheck_proof_of(s->st, s->c, st->included_proof, "indicator_included", NULL,
	                         "included_hash", hex, diag);
}

/* ---- confirm -------------------------------------------------------------------- */

static int
s_confirm(struct session *s, const uint8_t round[16], const uint8_t hash[32], json_t *local,
          uint64_t *nbytes, struct sym_diag *diag)
{
	Symbiod__IndicatorConfirm req = SYMBIOD__INDICATOR_CONFIRM__INIT;
	Symbiod__IndicatorAck *ack = NULL;
	uint8_t bytes[INDHASH_CONFIRM_LEN], sig[64];
	char hex[65];
	int rc;

	util_hex(hash, 32, hex);
	json_object_set_new(local, "confirmed", json_string(hex));
	if (s_local_save(s, round, local, diag) != SYM_OK)
		return EXIT_CANTCREAT;
	indhash_confirm_bytes(s->st->park_id, round, hash, bytes);
	crypto_sign_detached(sig, NULL, bytes, sizeof(bytes), s->st->identity->sk);
	req.round_id = session_bytes(round, 16);
	req.included_hash = session_bytes(hash, 32);
	req.signature = session_bytes(sig, 64);
	if ((rc = indicators_rpc(s, SYMBIOD__MSG_TYPE__MSG_INDICATOR_CONFIRM, &req.base,
	                         &symbiod__indicator_ack__descriptor, (ProtobufCMessage **)&ack,
	                         nbytes, diag)) == 0)
		rc = logcheck_proof(s->st, s->c, ack->proof, "indicator_confirm", "included_hash",
		                    hex, diag);
	wire_free((ProtobufCMessage *)ack);
	return rc;
}

/* ---- unmask ---------------------------------------------------------------------- */

/*
 * A member's identity key: from the round record (written from the verified
 * directory at submission), or from the verified directory itself for a
 * record written before park indicators. NULL if unknown.
 */
static const uint8_t *
s_identity(const struct session *s, const struct roundfile *rf, const struct verified_dir *vd,
           const char *id)
{
	const struct roundfile_peer *p;
	size_t j;

	if (strcmp(id, s->st->id) == 0)
		return s->st->record.ed25519;
	if ((p = roundfile_peer(rf, id)) != NULL && p->has_ed25519)
		return p->ed25519;
	for (j = 0; vd != NULL && j < vd->n; j++)
		if (strcmp(vd->recs[j].id, id) == 0)
			return vd->recs[j].ed25519;
	return NULL;
}

/* Does the round record hold every peer's identity key? */
static int
s_record_has_keys(const struct roundfile *rf)
{
	size_t i;

	for (i = 0; i < rf->npeers; i++)
		if (!rf->peers[i].has_ed25519)
			return 0;
	return 1;
}

/*
 * At least t distinct included members signed this very set, each with the
 * identity key the round's verified directory gives it.
 */
static int
s_check_confirmations(struct session *s, const struct roundfile *rf,
                      const Symbiod__IndicatorState *st, const uint8_t hash[32],
                      struct sym_diag *diag)
{
	const Symbiod__IncludedSet *inc = st->included;
	Symbiod__RoundAnnouncement *ann = NULL;
	struct verified_dir vd;
	uint8_t bytes[INDHASH_CONFIRM_LEN];
	uint8_t *seen = calloc(inc->n_included + 1, 1);
	const uint8_t *key;
	size_t i, valid = 0;
	long at;
	int rc = 0;

	memset(&vd, 0, sizeof(vd));
	if (seen == NULL)
		return EXIT_SOFTWARE;
	if (!s_record_has_keys(rf) && ((rc = session_announcement(s, rf->round, &ann, diag)) != 0 ||
	                               (rc = session_directory(s, ann, &vd, diag)) != 0))
		goto out;
	indhash_confirm_bytes(s->st->park_id, rf->round, hash, bytes);
	for (i = 0; i < st->n_confirmations && valid < inc->threshold; i++) {
		const Symbiod__IndicatorConfirmation *c = st->confirmations[i];
		if ((at = s_find(inc->included, inc->n_included, c->member)) < 0 || seen[at] ||
		    c->signature.len != 64 || (key = s_identity(s, rf, &vd, c->member)) == NULL)
			continue;
		if (crypto_sign_verify_detached(c->signature.data, bytes, sizeof(bytes), key) ==
		    0) {
			seen[at] = 1;
			valid++;
		}
	}
	if (valid < inc->threshold) {
		sym_diag_set(diag, SYM_ERR_VERIFY,
		             "REFUSED: only %zu members confirmed the announced included set; "
		             "unmasking needs %u",
		             valid, inc->threshold);
		rc = EXIT_PROTOCOL;
	}
out:
	free(seen);
	verified_dir_clear(&vd);
	wire_free((ProtobufCMessage *)ann);
	return rc;
}

/*
 * What the coordinator asks must be what the set implies: shares of exactly
 * the included members' seeds, keys with exactly the others, and never both
 * for one member.
 */
static int
s_check_asks(const Symbiod__IndicatorState *st, struct sym_diag *diag)
{
	const Symbiod__IncludedSet *inc = st->included;
	size_t i, k = 0;

	for (i = 0; i < st->n_shares_of; i++)
		if (s_find(st->masks_with, st->n_masks_with, st->shares_of[i]) >= 0)
			return sym_diag_set(
			    diag, SYM_ERR_VERIFY,
			    "REFUSED: the coordinator asks for both a share of %s's seed "
			    "and the pair key with %s",
			    st->shares_of[i], st->shares_of[i]);
	if (st->n_shares_of != inc->n_included)
		return sym_diag_set(diag, SYM_ERR_VERIFY,
		                    "REFUSED: the coordinator asks for shares of others than the "
		                    "included members");
	for (i = 0; i < inc->n_included; i++)
		if (strcmp(st->shares_of[i], inc->included[i]) != 0)
			return sym_diag_set(
			    diag, SYM_ERR_VERIFY,
			    "REFUSED: the coordinator asks for shares of others than the "
			    "included members");
	for (i = 0; i < inc->n_submitters; i++) {
		if (s_find(inc->included, inc->n_included, inc->submitters[i]) >= 0)
			continue;
		if (k >= st->n_masks_with || strcmp(st->masks_with[k], inc->submitters[i]) != 0)
			return sym_diag_set(
			    diag, SYM_ERR_VERIFY,
			    "REFUSED: the coordinator asks for pair keys with others than "
			    "the dropped members");
		k++;
	}
	if (k != st->n_masks_with)
		return sym_diag_set(
		    diag, SYM_ERR_VERIFY,
		    "REFUSED: the coordinator asks for pair keys with others than the "
		    "dropped members");
	return SYM_OK;
}

/* Our share of `from`'s seed: the envelope it sealed to us, opened. */
static int
s_open_share(struct session *s, const struct roundfile *rf, const Symbiod__IndicatorState *st,
             const char *from, struct pairkeys *pk, uint8_t out[32])
{
	const char *self = s->st->id;
	const struct roundfile_peer *p;
	uint8_t ad[INDHASH_SHARE_AD_MAX], key[32];
	const uint8_t *k = key;
	size_t i;
	int adlen, r;

	for (i = 0; i < st->n_shares && strcmp(st->shares[i]->member, from) != 0; i++)
		;
	if (i == st->n_shares || st->shares[i]->sealed.len != INDHASH_SHARE_SEALED)
		return SYM_ERR_NOT_FOUND;
	if (strcmp(from, self) == 0) {
		if ((r = indicators_self_key(s, rf->round, key)) != SYM_OK)
			return r;
	} else {
		if ((p = roundfile_peer(rf, from)) == NULL ||
		    (r = session_pair(s, rf->round, from, p->x25519, pk)) != SYM_OK)
			return SYM_ERR_NOT_FOUND;
		k = pairkeys_env(pk, from, self);
	}
	adlen = indhash_share_ad(rf->round, from, self, ad);
	r = adlen < 0 ? adlen
	              : envelope_open(k, ad, (size_t)adlen, st->shares[i]->sealed.data,
	                              INDHASH_SHARE_SEALED, out);
	sodium_memzero(key, sizeof(key));
	return r == SYM_OK && !shamir_scalar_canonical(out) ? SYM_ERR_FORMAT : r;
}

struct s_answer {
	Symbiod__UnmaskSecret *items, **shares, **masks;
	uint8_t (*secrets)[32]; /* sodium_malloc'd */
	struct pairkeys *pk;
};

static void
s_answer_clear(struct s_answer *a, size_t n)
{
	if (a->secrets != NULL) {
		sodium_memzero(a->secrets, (n + 1) * 32);
		sodium_free(a->secrets);
	}
	if (a->pk != NULL) {
		pairkeys_clear(a->pk);
		sodium_free(a->pk);
	}
	free(a->items);
	free(a->shares);
	free(a->masks);
}

/* The secrets asked: a share per included member, K_mask per dropped one. */
static int
s_secrets(struct session *s, const struct roundfile *rf, const Symbiod__IndicatorState *st,
          struct s_answer *a, struct sym_diag *diag)
{
	size_t n = st->n_shares_of + st->n_masks_with, i;
	const struct roundfile_peer *p;
	int r;

	if ((a->items = calloc(n + 1, sizeof(*a->items))) == NULL ||
	    (a->shares = calloc(n + 1, sizeof(*a->shares))) == NULL ||
	    (a->masks = calloc(n + 1, sizeof(*a->masks))) == NULL ||
	    (a->secrets = sodium_malloc((n + 1) * 32)) == NULL ||
	    (a->pk = sodium_malloc(sizeof(*a->pk))) == NULL)
		return sym_diag_set(diag, SYM_ERR_ALLOC, "out of memory");
	for (i = 0; i < n; i++) {
		int share = i < st->n_shares_of;
		const char *who = share ? st->shares_of[i] : st->masks_with[i - st->n_shares_of];
		symbiod__unmask_secret__init(&a->items[i]);
		a->items[i].member = (char *)who;
		a->items[i].secret = session_bytes(a->secrets[i], 32);
		if (share) {
			r = s_open_share(s, rf, st, who, a->pk, a->secrets[i]);
			a->shares[i] = &a->items[i];
		} else {
			r = (p = roundfile_peer(rf, who)) == NULL
			        ? SYM_ERR_NOT_FOUND
			        : session_pair(s, rf->round, who, p->x25519, a->pk);
			if (r == SYM_OK)
				r = masks_pair_key(a->pk->kpi, a->secrets[i]);
			a->masks[i - st->n_shares_of] = &a->items[i];
		}
		if (r != SYM_OK)
			return sym_diag_set(diag, SYM_ERR_VERIFY, "cannot give the %s for %s: %s",
			                    share ? "share of the seed" : "pair key", who,
			                    sym_strerror(r));
	}
	return SYM_OK;
}

static int
s_answer(struct session *s, const struct roundfile *rf, const Symbiod__IndicatorState *st,
         const uint8_t hash[32], json_t *local, uint64_t *nbytes, struct sym_diag *diag)
{
	Symbiod__IndicatorUnmask req = SYMBIOD__INDICATOR_UNMASK__INIT;
	Symbiod__IndicatorAck *ack = NULL;
	struct s_answer a;
	char hex[65];
	int rc;

	memset(&a, 0, sizeof(a));
	if (s_check_asks(st, diag) != SYM_OK) {
		rc = EXIT_PROTOCOL;
		goto out;
	}
	if ((rc = s_check_confirmations(s, rf, st, hash, diag)) != 0)
		goto out;
	if (s_secrets(s, rf, st, &a, diag) != SYM_OK) {
		rc = EXIT_PROTOCOL;
		goto out;
	}
	/* Recorded before anything leaves: a later, different request meets this record. */
	util_hex(hash, 32, hex);
	json_object_set_new(local, "answered",
	                    json_pack("{s:s, s:o, s:o}", "included_hash", hex, "shares_of",
	                              util_json_strings(st->shares_of, st->n_shares_of),
	                              "masks_with",
	                              util_json_strings(st->masks_with, st->n_masks_with)));
	if (s_local_save(s, rf->round, local, diag) != SYM_OK) {
		rc = EXIT_CANTCREAT;
		goto out;
	}
	req.round_id = session_bytes(rf->round, 16);
	req.included_hash = session_bytes(hash, 32);
	req.n_shares = st->n_shares_of;
	req.shares = a.shares;
	req.n_masks = st->n_masks_with;
	req.masks = a.masks;
	if ((rc = indicators_rpc(s, SYMBIOD__MSG_TYPE__MSG_INDICATOR_UNMASK, &req.base,
	                         &symbiod__indicator_ack__descriptor, (ProtobufCMessage **)&ack,
	                         nbytes, diag)) == 0)
		rc = logcheck_proof(s->st, s->c, ack->proof, "indicator_unmask", "included_hash",
		                    hex, diag);
out:
	wire_free((ProtobufCMessage *)ack);
	s_answer_clear(&a, st->n_shares_of + st->n_masks_with);
	return rc;
}

/* ---- the step --------------------------------------------------------------------- */

static int
s_query(struct session *s, const uint8_t round[16], Symbiod__IndicatorState **st, uint64_t *nbytes,
        struct sym_diag *diag)
{
	Symbiod__IndicatorQuery q = SYMBIOD__INDICATOR_QUERY__INIT;

	q.round_id = session_bytes(round, 16);
	return indicators_rpc(s, SYMBIOD__MSG_TYPE__MSG_INDICATOR_STATE, &q.base,
	                      &symbiod__indicator_state__descriptor, (ProtobufCMessage **)st,
	                      nbytes, diag);
}

/* The stage's action for a member of the included set (confirm, answer). */
static int
s_in_set(struct session *s, const struct roundfile *rf, const Symbiod__IndicatorState *st,
         json_t *local, struct indicators_result *res, struct sym_diag *diag)
{
	uint8_t hash[32];
	int rc;

	if (s_check_set(s, rf->round, st, local, hash, diag) != SYM_OK)
		return EXIT_PROTOCOL;
	if ((rc = s_check_logged(s, st, hash, diag)) != 0)
		return rc;
	if (strcmp(st->stage, "confirming") == 0 && !st->confirmed) {
		if ((rc = s_confirm(s, rf->round, hash, local, &res->bytes, diag)) == 0)
			res->confirmed = 1;
	} else if (strcmp(st->stage, "unmasking") == 0 && !st->answered) {
		if ((rc = s_answer(s, rf, st, hash, local, &res->bytes, diag)) == 0)
			res->answered = 1;
	}
	return rc;
}

int
indicators_step(struct session *s, const uint8_t round[16], struct indicators_result *res,
                struct sym_diag *diag)
{
	Symbiod__IndicatorState *st = NULL;
	struct roundfile rf;
	json_t *local = NULL;
	int rc, r;

	memset(res, 0, sizeof(*res));
	memset(&rf, 0, sizeof(rf));
	if ((r = roundfile_load(s->st->dir, round, &rf, diag)) != SYM_OK) {
		rc = r == SYM_ERR_NOT_FOUND ? 0 : EXIT_DATAERR; /* not a submitter: nothing to do */
		goto out;
	}
	rc = s_query(s, round, &st, &res->bytes, diag);
	if (rc == EXIT_TEMPFAIL || rc == EXIT_NOPERM) {
		rc = 0; /* no indicators for this round here, or not ours to take part in */
		goto out;
	}
	if (rc != 0)
		goto out;
	snprintf(res->stage, sizeof(res->stage), "%s", st->stage);
	local = s_local_load(s, round);
	res->pending = strcmp(st->stage, "done") != 0 && strcmp(st->stage, "failed") != 0;
	if (!res->pending && json_object_get(local, "submitters") != NULL &&
	    json_object_get(local, "finished") == NULL) {
		/* Our part is over: a later sync no longer asks about this round. */
		json_object_set_new(local, "finished", json_string(st->stage));
		(void)s_local_save(s, round, local, diag);
	}
	if (strcmp(st->stage, "collecting") == 0 && !st->sent) {
		json_object_set_new(local, "submitters",
		                    util_json_strings(st->submitters, st->n_submitters));
		if ((rc = s_local_save(s, round, local, diag)) != SYM_OK) {
			rc = EXIT_CANTCREAT;
			goto out;
		}
		if ((rc = session_taxonomy(s, diag)) == 0 &&
		    (rc = indicators_send(s, &rf, st, &res->bytes, diag)) == 0)
			res->sent = 1;
	} else if (st->included != NULL && st->sent && res->pending &&
	           s_find(st->included->included, st->included->n_included, s->st->id) >= 0) {
		rc = s_in_set(s, &rf, st, local, res, diag);
	}
	if (rc == EXIT_NOPERM) {
		/*
		 * Refused because the stage moved on while we acted (the others'
		 * answers completed the sum, a deadline passed): nothing is left to do.
		 */
		Symbiod__IndicatorState *now = NULL;
		if (s_query(s, round, &now, &res->bytes, diag) == 0 &&
		    strcmp(now->stage, st->stage) != 0) {
			snprintf(res->stage, sizeof(res->stage), "%s", now->stage);
			res->pending =
			    strcmp(now->stage, "done") != 0 && strcmp(now->stage, "failed") != 0;
			rc = 0;
		}
		wire_free((ProtobufCMessage *)now);
	}
out:
	json_decref(local);
	wire_free((ProtobufCMessage *)st);
	roundfile_clear(&rf);
	return rc;
}

int
indicators_earlier(struct session *s, const uint8_t current[16], struct indicators_result *res,
                   struct sym_diag *diag)
{
	static const char suffix[] = ".indicators.json";
	char dir[PATH_MAX], hex[33];
	struct dirent *de;
	DIR *d;
	int rc = 0;

	memset(res, 0, sizeof(*res));
	util_hex(current, 16, hex);
	if ((size_t)snprintf(dir, sizeof(dir), "%s/rounds", s->st->dir) >= sizeof(dir) ||
	    (d = opendir(dir)) == NULL)
		return 0; /* no round record at all: nothing earlier */
	while (rc == 0 && (de = readdir(d)) != NULL) {
		struct indicators_result one;
		uint8_t round[16];
		char rhex[33];
		json_t *local;
		size_t len = strlen(de->d_name);

		if (len != 32 + sizeof(suffix) - 1 || strcmp(de->d_name + 32, suffix) != 0 ||
		    strncmp(de->d_name, hex, 32) == 0)
			continue;
		memcpy(rhex, de->d_name, 32);
		rhex[32] = '\0';
		if (util_unhex(rhex, round, 16) != SYM_OK)
			continue;
		local = s_local_load(s, round);
		if (json_object_get(local, "finished") == NULL &&
		    (rc = indicators_step(s, round, &one, diag)) == 0) {
			res->pending |= one.pending;
			res->bytes += one.bytes;
			res->sent += one.sent;
			res->confirmed += one.confirmed;
			res->answered += one.answered;
		}
		json_decref(local);
	}
	closedir(d);
	return rc;
}
