#include "session.h"

#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "certcache.h"
#include "encode.h"
#include "log.h"
#include "logcheck.h"
#include "paircache.h"
#include "protocol.h"
#include "roundseen.h"
#include "rpc.h"
#include "sysexits.h"
#include "token.h"
#include "util.h"
#include "wire.h"
#include "roundhash.h"
#include "exitcode.h"

int
round_args_parse(int argc, char **argv, struct cmd_args *a, const char *usage, int positional)
{
	int r;

	if ((r = cmd_args_parse(argc, argv, ARGS_ALL, 5000, usage, a)) != 0)
		return r;
	if (a->dir == NULL || a->timeout_ms < 100 || a->attempts < 1 || a->attempts > 10 ||
	    (!positional && a->first != argc))
		return cmd_args_usage(usage);
	return 0;
}

void
session_close(struct session *s)
{
	session_pair_save(s);
	paircache_free(&s->pairs);
	certcache_free(&s->certs);
	conn_close(&s->c);
	state_free(&s->st);
	taxonomy_free(&s->tax);
	prf_free(&s->prf);
}

/*
 * member.crt, checked as state_load checks it, but taken from STATE/certcache
 * when this exact certificate passed a full check before (the directory
 * check keeps this company's own entry too): then a run that needs no
 * directory, such as a sync pass after the round, parses no X.509 at all.
 * The cache read here is kept for the session's directory check.
 */
static int
s_check_own_cert(struct session *s, struct sym_diag *diag)
{
	struct client_state *st = s->st;
	struct member_record rec;
	int hit, r;

	if ((r = certcache_load(st, &s->certs)) != SYM_OK)
		return sym_diag_set(diag, r, "out of memory");
	hit = certcache_lookup(s->certs, st->cert_der, st->cert_der_len, (int64_t)time(NULL), &rec);
	return state_check_cert(st, hit ? &rec : NULL, diag);
}

static int
s_open(const struct cmd_args *a, struct session *s, struct sym_diag *diag)
{
	const char *dir = a->dir;
	int r;

	memset(s, 0, sizeof(*s));
	if ((r = state_open(dir, &s->st, diag)) != SYM_OK ||
	    (s->st->cert_der != NULL && (r = s_check_own_cert(s, diag)) != SYM_OK))
		return sym_exit_code(r, SYM_ORIGIN_INPUT);
	if (!s->st->enrolled) {
		sym_diag_set(diag, SYM_ERR_PERM,
		             "\"%s\" is not enrolled yet (symbi enroll --dir %s --cert CERT)",
		             s->st->id, dir);
		return EXIT_NOPERM;
	}
	if (paircache_new(s->st, &s->pairs) != SYM_OK)
		return EXIT_SOFTWARE;
	return 0;
}

int
session_open(const struct cmd_args *a, int connect, struct session *s, struct sym_diag *diag)
{
	int rc;

	if ((rc = s_open(a, s, diag)) != 0 || (rc = session_taxonomy(s, diag)) != 0)
		return rc;
	return connect ? session_connect(a, s, diag) : 0;
}

int
session_open_lazy(const struct cmd_args *a, struct session *s, struct sym_diag *diag)
{
	int rc;

	if ((rc = s_open(a, s, diag)) != 0)
		return rc;
	return session_connect(a, s, diag);
}

int
session_taxonomy(struct session *s, struct sym_diag *diag)
{
	int r;

	if (s->tax != NULL)
		return 0;
	if ((r = taxonomy_load_default(&s->tax, diag)) != SYM_OK)
		return sym_exit_code(r, SYM_ORIGIN_CONFIG);
	/* Tokens only meet if both sides quantize with the same taxonomy. */
	if (sodium_memcmp(s->tax->hash, s->st->park.taxonomy_hash, 32) != 0) {
		sym_diag_set(diag, SYM_ERR_VERIFY,
		             "this installation's taxonomy (%s %s) is not the park's (%s %s)",
		             s->tax->name, s->tax->version, s->st->park.taxonomy_name,
		             s->st->park.taxonomy_version);
		taxonomy_free(&s->tax); /* so that no later call takes it for checked */
		return EXIT_CONFIG;
	}
	if (prf_new(&s->prf) != SYM_OK) {
		taxonomy_free(&s->tax);
		return EXIT_SOFTWARE;
	}
	return 0;
}

int
session_connect(const struct cmd_args *a, struct session *s, struct sym_diag *diag)
{
	struct conn_opts copts = {a->timeout_ms, a->attempts};
	int r;

	if ((r = conn_open(s->st, &copts, &s->c, diag)) != SYM_OK)
		return sym_exit_code(r, SYM_ORIGIN_PEER);
	return logcheck_contact(s->st, s->c, diag);
}

int
session_current_round(struct session *s, uint8_t round[16], char phase[16], struct sym_diag *diag)
{
	Symbiod__StatusRequest req = SYMBIOD__STATUS_REQUEST__INIT;
	Symbiod__StatusReply *rep = NULL;
	int rc;

	rc = rpc_call(s->c, SYMBIOD__MSG_TYPE__MSG_STATUS, &req.base,
	              &symbiod__status_reply__descriptor, (ProtobufCMessage **)&rep, diag);
	if (rc != 0)
		return rc;
	snprintf(phase, 16, "%s", rep->round_phase);
	if (!rep->has_round_id || rep->round_id.len != 16) {
		wire_free(&rep->base);
		sym_diag_set(diag, SYM_ERR_NOT_FOUND, "no round has been opened in this park yet");
		return EXIT_TEMPFAIL;
	}
	memcpy(round, rep->round_id.data, 16);
	wire_free(&rep->base);
	return 0;
}

/* A round id STATE saw before for another announcement is refused (roundseen.h). */
static int
s_round_seen(const struct session *s, const Symbiod__RoundAnnouncement *ann, struct sym_diag *diag)
{
	uint8_t *bytes = NULL, digest[32];
	size_t len = 0;
	int r;

	if ((r = protocol_announcement_signed_bytes(ann, &bytes, &len)) != SYM_OK) {
		sym_diag_set(diag, r, "cannot hash the round announcement: %s", sym_strerror(r));
		return EXIT_SOFTWARE;
	}
	crypto_hash_sha256(digest, bytes, len);
	free(bytes);
	if ((r = roundseen_check(s->st->dir, ann->round_id.data, digest, diag)) == SYM_OK)
		return 0;
	return r == SYM_ERR_VERIFY ? EXIT_PROTOCOL : sym_exit_code(r, SYM_ORIGIN_INPUT);
}

/*
 * Whether the logged entry opens another round than ann's: ann's round is no
 * longer the latest (the entry names its round id in hex).
 */
static int
s_logged_round_moved(const Symbiod__LogProof *proof, const Symbiod__RoundAnnouncement *ann)
{
	json_error_t jerr;
	json_t *e = json_loadb((const char *)proof->entry.data, proof->entry.len, 0, &jerr);
	const char *logged = json_string_value(json_object_get(e, "round"));
	char hex[33];
	int moved;

	util_hex(ann->round_id.data, 16, hex);
	moved = logged != NULL && strlen(logged) == 32 && strcmp(logged, hex) != 0;
	json_decref(e);
	return moved;
}

/*
 * The announcement must be the one the coordinator logged (PROTOCOL.md 3.1):
 * every member and reviewer sees that one, so showing this company another
 * (a split view: other sizes, another encoding or directory for it alone)
 * takes a fork of the log, which the member's checkpoints expose.
 */
static int
s_announcement_logged(struct session *s, const Symbiod__RoundAnnouncement *ann,
                      struct sym_diag *diag)
{
	Symbiod__RoundRequest req = SYMBIOD__ROUND_REQUEST__INIT;
	Symbiod__LogProof *proof = NULL;
	uint8_t *bytes = NULL;
	size_t len = 0, cap;
	char *b64 = NULL, why[sizeof(diag->msg)];
	int rc;

	if ((rc = rpc_call(s->c, SYMBIOD__MSG_TYPE__MSG_ROUND_LOGGED, &req.base,
	                   &symbiod__log_proof__descriptor, (ProtobufCMessage **)&proof, diag)) !=
	    0)
		return rc;
	/* The latest round's entry: a round opened between the two requests is no attack. */
	if (s_logged_round_moved(proof, ann)) {
		sym_diag_set(diag, SYM_ERR_NOT_FOUND,
		             "a new round opened while this one was being checked; nothing was "
		             "sent: run the command again");
		rc = EXIT_TEMPFAIL;
		goto out;
	}
	rc = EXIT_SOFTWARE;
	if (wire_pack(&ann->base, &bytes, &len) != SYM_OK)
		goto out;
	cap = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL);
	if ((b64 = malloc(cap)) == NULL)
		goto out;
	sodium_bin2base64(b64, cap, bytes, len, sodium_base64_VARIANT_ORIGINAL);
	/* Only a proof that fails is a split view; a lost connection is only that. */
	if ((rc = logcheck_proof_of(s->st, s->c, proof, "round_opened", NULL, "announcement", b64,
	                            diag)) == EXIT_PROTOCOL) {
		snprintf(why, sizeof(why), "%s", diag->msg);
		sym_diag_set(diag, SYM_ERR_VERIFY,
		             "the round announcement is not the one in the coordinator's audit log "
		             "(%s): the coordinator shows this company another announcement than "
		             "every member sees; nothing was sent",
		             why);
	}
out:
	free(b64);
	free(bytes);
	wire_free(proof ? &proof->base : NULL);
	return rc;
}

int
session_announcement(struct session *s, const uint8_t round[16], Symbiod__RoundAnnouncement **out,
                     struct sym_diag *diag)
{
	Symbiod__RoundRequest req = SYMBIOD__ROUND_REQUEST__INIT;
	Symbiod__RoundAnnouncement *ann = NULL;
	enum encode_mode mode;
	int rc;

	*out = NULL;
	if ((rc = session_taxonomy(s, diag)) != 0)
		return rc;
	if ((rc = rpc_call(s->c, SYMBIOD__MSG_TYPE__MSG_ROUND, &req.base,
	                   &symbiod__round_announcement__descriptor, (ProtobufCMessage **)&ann,
	                   diag)) != 0)
		return rc;
	if (protocol_announcement_verify(ann, s->st->park.coordinator_ed25519) != SYM_OK) {
		sym_diag_set(diag, SYM_ERR_VERIFY,
		             "the round announcement is not signed by this park's coordinator");
		wire_free(&ann->base);
		return EXIT_PROTOCOL;
	}
	if (memcmp(ann->round_id.data, round, 16) != 0 ||
	    sodium_memcmp(ann->taxonomy_hash.data, s->tax->hash, 32) != 0) {
		sym_diag_set(diag, SYM_ERR_VERIFY,
		             "the round announcement names another round or taxonomy");
		wire_free(&ann->base);
		return EXIT_PROTOCOL;
	}
	/*
	 * Tokens of an encoding this client does not know would match nothing, and
	 * candidates would not map back. It knows 1.1's (1) and 1.2's.
	 */
	if (encode_mode_for(protocol_announcement_token_encoding(ann), 0, &mode) != SYM_OK) {
		sym_diag_set(diag, SYM_ERR_VERIFY,
		             "the round announces token encoding %u; this client knows encodings 1 "
		             "and %u (protocol 1.2): upgrade symbi",
		             protocol_announcement_token_encoding(ann), TOKEN_VERSION);
		wire_free(&ann->base);
		return EXIT_PROTOCOL;
	}
	if ((rc = s_announcement_logged(s, ann, diag)) != 0 ||
	    (rc = s_round_seen(s, ann, diag)) != 0) {
		wire_free(&ann->base);
		return rc;
	}
	*out = ann;
	return 0;
}

/*
 * One directory entry: its certificate verified against the park CA, its
 * fields exactly what the certificate binds, after `prev` in id order, and,
 * if it is this company's, this company's certificate. Sets *self then.
 */
struct s_checker {
	struct cert_verifier *verifier;
	struct certcache *cache; /* what earlier runs verified (certcache.h) */
	int64_t now, until;
};

static int
s_check_record(struct session *s, struct s_checker *ck, const Symbiod__MemberRecord *m,
               const struct member_record *prev, struct member_record *rec, int *self,
               struct sym_diag *diag)
{
	/*
	 * A hit is the record a full check derived from these very bytes;
	 * compared as one. The CA is parsed at the first miss only: a directory
	 * the cache knows whole costs no X.509 work (the cache is bound to the
	 * CA's bytes).
	 */
	ck->until = 0;
	if (!certcache_lookup(ck->cache, m->certificate.data, m->certificate.len, ck->now, rec) &&
	    ((ck->verifier == NULL &&
	      cert_verifier_new(s->st->park.ca_pem, &ck->verifier, diag) != SYM_OK) ||
	     cert_verifier_member_until(ck->verifier, m->certificate.data, m->certificate.len, rec,
	                                &ck->until, diag) != SYM_OK))
		return SYM_ERR_VERIFY;
	if (strcmp(rec->id, m->id) != 0 || strcmp(rec->name, m->name) != 0 || m->x25519.len != 32 ||
	    memcmp(rec->x25519, m->x25519.data, 32) != 0 || m->ed25519.len != 32 ||
	    memcmp(rec->ed25519, m->ed25519.data, 32) != 0 || m->curve.len != 32 ||
	    memcmp(rec->curve, m->curve.data, 32) != 0 || !protocol_record_site_equal(rec, m))
		return sym_diag_set(diag, SYM_ERR_VERIFY,
		                    "member record \"%s\" does not match its certificate", m->id);
	if (prev != NULL && strcmp(prev->id, rec->id) >= 0)
		return sym_diag_set(diag, SYM_ERR_VERIFY, "the directory is not in id order");
	if (strcmp(rec->id, s->st->id) == 0) {
		if (sodium_memcmp(rec->fingerprint, s->st->record.fingerprint, 32) != 0)
			return sym_diag_set(
			    diag, SYM_ERR_VERIFY,
			    "the coordinator shows another certificate for this company");
		*self = 1;
	}
	return certcache_keep(ck->cache, rec, ck->until, ck->now);
}

/* The verified records of a fetched directory, hashing to the announced one. */
static int
s_verify_records(struct session *s, const uint8_t expect[32], const Symbiod__Directory *dir,
                 struct verified_dir *vd, struct sym_diag *diag)
{
	struct s_checker ck = {NULL, NULL, (int64_t)time(NULL), 0};
	const struct member_record **ptrs = calloc(dir->n_members + 1, sizeof(*ptrs));
	uint8_t hash[32];
	size_t i;
	int rc = EXIT_PROTOCOL, self = 0;

	/* The cache read at open, once; a second check in the session reads it again. */
	ck.cache = s->certs;
	s->certs = NULL; /* transferred */
	if (ptrs == NULL || (ck.cache == NULL && certcache_load(s->st, &ck.cache) != SYM_OK)) {
		certcache_free(&ck.cache);
		free(ptrs);
		return EXIT_SOFTWARE;
	}
	for (i = 0; i < dir->n_members; i++) {
		if (s_check_record(s, &ck, dir->members[i], i > 0 ? &vd->recs[i - 1] : NULL,
		                   &vd->recs[i], &self, diag) != SYM_OK)
			goto out;
		ptrs[i] = &vd->recs[i];
		vd->n = i + 1;
	}
	roundhash_directory(ptrs, vd->n, hash);
	if (sodium_memcmp(hash, expect, 32) != 0) {
		sym_diag_set(diag, SYM_ERR_VERIFY,
		             "the directory does not hash to the one the round announced: the "
		             "coordinator shows different members or keys");
		goto out;
	}
	if (!self) {
		sym_diag_set(diag, SYM_ERR_PERM, "this company is not in the round's directory");
		rc = EXIT_NOPERM;
		goto out;
	}
	rc = 0;
	/* Only a directory that passed as a whole is remembered; a cache that cannot be written
	 * costs the next run the full check, nothing else. */
	if (certcache_changed(ck.cache) && certcache_save(ck.cache, s->st) != SYM_OK)
		log_warn("cannot write %s/" CERTCACHE_FILE
		         "; the next run checks every certificate "
		         "again",
		         s->st->dir);
out:
	cert_verifier_free(&ck.verifier);
	certcache_free(&ck.cache);
	free(ptrs);
	return rc;
}

int
session_directory(struct session *s, const Symbiod__RoundAnnouncement *ann, struct verified_dir *vd,
                  struct sym_diag *diag)
{
	return session_directory_check(s, &ann->round_id, ann->directory_hash.data, vd, diag);
}

int
session_directory_check(struct session *s, const ProtobufCBinaryData *round,
                        const uint8_t expect[32], struct verified_dir *vd, struct sym_diag *diag)
{
	Symbiod__DirectoryRequest req = SYMBIOD__DIRECTORY_REQUEST__INIT;
	Symbiod__Directory *dir = NULL;
	int rc;

	memset(vd, 0, sizeof(*vd));
	if (round != NULL) {
		req.has_round_id = 1;
		req.round_id = *round;
	}
	if ((rc = rpc_call(s->c, SYMBIOD__MSG_TYPE__MSG_DIRECTORY, &req.base,
	                   &symbiod__directory__descriptor, (ProtobufCMessage **)&dir, diag)) != 0)
		return rc;
	if ((vd->recs = calloc(dir->n_members + 1, sizeof(*vd->recs))) == NULL)
		rc = EXIT_SOFTWARE;
	else
		rc = s_verify_records(s, expect, dir, vd, diag);
	wire_free(&dir->base);
	if (rc != 0)
		verified_dir_clear(vd);
	return rc;
}

void
verified_dir_clear(struct verified_dir *vd)
{
	free(vd->recs);
	memset(vd, 0, sizeof(*vd));
}

int
session_pair(const struct session *s, const uint8_t round[16], const char *peer,
             const uint8_t peer_x25519[32], struct pairkeys *pk)
{
	uint8_t shared[32];
	int r;

	/* Without a cache (a session built by hand), the scalar multiplication every time. */
	if (s->pairs == NULL)
		return pairkeys_derive(s->st->park_id, round, s->st->id, s->st->agreement->sk,
		                       s->st->agreement->pk, peer, peer_x25519, pk);
	if ((r = paircache_shared(s->pairs, peer, peer_x25519, shared)) == SYM_OK)
		r = pairkeys_derive_shared(s->st->park_id, round, s->st->id, s->st->agreement->pk,
		                           peer, peer_x25519, shared, pk);
	else
		pairkeys_clear(pk);
	sodium_memzero(shared, sizeof(shared));
	return r;
}

void
session_pair_save(const struct session *s)
{
	if (s->pairs != NULL && paircache_save(s->pairs) != SYM_OK)
		log_warn("cannot write %s/" PAIRCACHE_FILE
		         "; the next run computes the pair secrets again",
		         s->st->dir);
}
