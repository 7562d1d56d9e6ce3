/*
 * symbi submit, candidates, accept, decline, exchanges: a company's part of
 * a matching round. Everything that identifies a flow is computed here, on
 * the company's machine; the coordinator only ever receives tokens, and
 * sealed items for partners that accepted.
 */
#include <endian.h>
#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "encode.h"
#include "envelope.h"
#include "flows.h"
#include "logcheck.h"
#include "pairkeys.h"
#include "progress.h"
#include "protocol.h"
#include "roundfile.h"
#include "rpc.h"
#include "state.h"
#include "sysexits.h"
#include "tokset.h"
#include "transport.h"
#include "util.h"
#include "wire.h"

/* One request carries at most this much token data; well under WIRE_MAX_MESSAGE. */
#define SUBMIT_CHUNK_BYTES (4u << 20)
#define ITEM_JSON_MAX (FLOW_DETAILS_MAX + 8192)

struct session {
	struct client_state *st;
	struct conn *c;
	struct taxonomy *tax;
	struct prf_ctx *prf;
};

struct round_args {
	const char *dir;
	int json, all, timeout_ms, attempts;
	int first; /* index of the first positional argument */
};

static int
s_parse(int argc, char **argv, struct round_args *a, const char *usage, int positional)
{
	static const struct option opts[] = {{"dir", required_argument, NULL, 'd'},
	                                     {"json", no_argument, NULL, 'j'},
	                                     {"all", no_argument, NULL, 'a'},
	                                     {"timeout", required_argument, NULL, 't'},
	                                     {"attempts", required_argument, NULL, 'A'},
	                                     {"help", no_argument, NULL, 'h'},
	                                     {NULL, 0, NULL, 0}};
	int c;

	memset(a, 0, sizeof(*a));
	a->timeout_ms = 5000;
	a->attempts = 3;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'd': a->dir = optarg; break;
		case 'j': a->json = 1; break;
		case 'a': a->all = 1; break;
		case 't': a->timeout_ms = atoi(optarg); break;
		case 'A': a->attempts = atoi(optarg); break;
		case 'h': printf("usage: symbi %s\n", usage); return -1;
		default: fprintf(stderr, "usage: symbi %s\n", usage); return EXIT_USAGE;
		}
	}
	a->first = optind;
	if (a->dir == NULL || a->timeout_ms < 100 || a->attempts < 1 || a->attempts > 10 ||
	    (!positional && optind != argc)) {
		fprintf(stderr, "usage: symbi %s\n", usage);
		return EXIT_USAGE;
	}
	return 0;
}

static void
s_session_close(struct session *s)
{
	conn_close(&s->c);
	state_free(&s->st);
	taxonomy_free(&s->tax);
	prf_free(&s->prf);
}

/* Load STATE (enrolled), the taxonomy the park uses, and connect. Returns an exit code. */
static int
s_session_open(const struct round_args *a, int connect, struct session *s, struct sym_diag *diag)
{
	struct conn_opts copts = {a->timeout_ms, a->attempts};
	const char *dir = a->dir;
	int r;

	memset(s, 0, sizeof(*s));
	if ((r = state_load(dir, &s->st, diag)) != SYM_OK)
		return r == SYM_ERR_PERM ? EXIT_NOPERM : EXIT_NOINPUT;
	if (!s->st->enrolled) {
		sym_diag_set(diag, SYM_ERR_PERM,
		             "\"%s\" is not enrolled yet (symbi enroll --dir %s --cert CERT)",
		             s->st->id, dir);
		return EXIT_NOPERM;
	}
	if ((r = taxonomy_load_default(&s->tax, diag)) != SYM_OK)
		return EXIT_CONFIG;
	/* Tokens only meet if both sides quantize with the same taxonomy. */
	if (sodium_memcmp(s->tax->hash, s->st->park.taxonomy_hash, 32) != 0) {
		sym_diag_set(diag, SYM_ERR_VERIFY,
		             "this installation's taxonomy (%s %s) is not the park's (%s %s)",
		             s->tax->name, s->tax->version, s->st->park.taxonomy_name,
		             s->st->park.taxonomy_version);
		return EXIT_CONFIG;
	}
	if ((s->prf = prf_new()) == NULL)
		return EXIT_SOFTWARE;
	if (connect && (r = conn_open(s->st, &copts, &s->c, diag)) != SYM_OK)
		return rpc_exit_for(r);
	/* Every contact checks the coordinator's log against what we saw before. */
	if (connect)
		return logcheck_contact(s->st, s->c, diag);
	return 0;
}

/* The latest round's id and phase, from a status call. */
static int
s_current_round(struct session *s, uint8_t round[16], char phase[16], struct sym_diag *diag)
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

/* ---- tokens ------------------------------------------------------------------- */

static int
s_u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * The tokens of blocks under key as sorted big-endian keys (numeric order of
 * these equals memcmp order of the wire bytes), de-duplicated.
 */
static int
s_sorted_keys(struct prf_ctx *prf, const uint8_t *key, const struct block_list *bl,
              uint64_t **out, size_t *n)
{
	token_t *t = malloc((bl->n + 1) * sizeof(*t)), *scratch = malloc((bl->n + 1) * sizeof(*t));
	size_t i;

	if (t == NULL || scratch == NULL || prf_tokens(prf, key, bl->blocks, bl->n, t) != SYM_OK) {
		free(t);
		free(scratch);
		return SYM_ERR_ALLOC;
	}
	for (i = 0; i < bl->n; i++)
		t[i] = be64toh(t[i]);
	tokset_sort(t, bl->n, scratch);
	free(scratch);
	*n = tokset_unique(t, bl->n);
	*out = t;
	return SYM_OK;
}

/*
 * One set for one counterpart: tokens, padded with random tokens to the
 * round's policy (at least `min`, then a multiple of `quantum`), sorted, as
 * wire bytes. The padding hides how many items and levels the set holds.
 */
static int
s_padded_set(struct prf_ctx *prf, const uint8_t *key, const struct block_list *bl, uint32_t min,
             uint32_t quantum, uint8_t **out, size_t *out_len)
{
	uint64_t *keys = NULL, *pad = NULL, *scratch = NULL;
	size_t n = 0, target, npad, i, j, k;
	int r = SYM_ERR_ALLOC;

	*out = NULL;
	if ((r = s_sorted_keys(prf, key, bl, &keys, &n)) != SYM_OK)
		return r;
	target = n > min ? n : min;
	if (quantum > 0 && target % quantum != 0)
		target += quantum - target % quantum;
	npad = target - n;
	pad = malloc((npad + 1) * sizeof(*pad));
	scratch = malloc((npad + 1) * sizeof(*scratch));
	if (pad == NULL || scratch == NULL || (*out = malloc(target * 8 + 1)) == NULL) {
		r = SYM_ERR_ALLOC;
		goto out;
	}
	randombytes_buf(pad, npad * sizeof(*pad));
	tokset_sort(pad, npad, scratch);
	/*
	 * Merge real and padding tokens in order. A padding token equal to
	 * another token is astronomically rare (2^-64 each); it is replaced by a
	 * fresh one and the set is rebuilt, so the set always has `target`
	 * distinct tokens.
	 */
	for (i = 0, j = 0, k = 0; k < target; k++) {
		uint64_t v, be;
		if (j >= npad || (i < n && keys[i] < pad[j]))
			v = keys[i++];
		else
			v = pad[j++];
		if (k > 0) {
			uint64_t prev;
			memcpy(&prev, *out + 8 * (k - 1), 8);
			if (be64toh(prev) == v) {
				free(*out);
				*out = NULL;
				free(keys);
				free(pad);
				free(scratch);
				return s_padded_set(prf, key, bl, min, quantum, out, out_len);
			}
		}
		be = htobe64(v);
		memcpy(*out + 8 * k, &be, 8);
	}
	*out_len = target * 8;
	r = SYM_OK;
out:
	if (r != SYM_OK) {
		free(*out);
		*out = NULL;
	}
	free(keys);
	free(pad);
	free(scratch);
	return r;
}

/* Does `item` produce `token` (wire bytes) under key? How a client maps a hit back. */
static int
s_item_has_token(const struct session *s, const struct flow_item *item, const uint8_t *key,
                 const uint8_t token[8])
{
	struct block_list bl;
	uint64_t *keys = NULL, want;
	size_t n = 0;
	int found = 0;

	memcpy(&want, token, 8);
	want = be64toh(want);
	block_list_init(&bl);
	if (encode_item_blocks(s->tax, item, 0, &bl) == SYM_OK &&
	    s_sorted_keys(s->prf, key, &bl, &keys, &n) == SYM_OK)
		found = bsearch(&want, keys, n, sizeof(*keys), s_u64_cmp) != NULL;
	free(keys);
	block_list_free(&bl);
	return found;
}

/* ---- submit ------------------------------------------------------------------- */

struct verified_dir {
	struct member_record *recs;
	size_t n;
};

/* Every member record of the round, verified against the park CA, hashing to the announcement. */
static int
s_verify_directory(struct session *s, const Symbiod__RoundAnnouncement *ann,
                   struct verified_dir *vd, struct sym_diag *diag)
{
	Symbiod__DirectoryRequest req = SYMBIOD__DIRECTORY_REQUEST__INIT;
	Symbiod__Directory *dir = NULL;
	struct cert_verifier *verifier = NULL;
	const struct member_record **ptrs = NULL;
	uint8_t hash[32];
	size_t i;
	int rc, self = 0;

	memset(vd, 0, sizeof(*vd));
	req.has_round_id = 1;
	req.round_id = ann->round_id;
	if ((rc = rpc_call(s->c, SYMBIOD__MSG_TYPE__MSG_DIRECTORY, &req.base,
	                   &symbiod__directory__descriptor, (ProtobufCMessage **)&dir, diag)) != 0)
		return rc;
	vd->recs = calloc(dir->n_members + 1, sizeof(*vd->recs));
	ptrs = calloc(dir->n_members + 1, sizeof(*ptrs));
	if (vd->recs == NULL || ptrs == NULL) {
		rc = EXIT_SOFTWARE;
		goto out;
	}
	rc = EXIT_PROTOCOL;
	if (cert_verifier_new(s->st->park.ca_pem, &verifier, diag) != SYM_OK)
		goto out;
	for (i = 0; i < dir->n_members; i++) {
		const Symbiod__MemberRecord *m = dir->members[i];
		struct member_record *rec = &vd->recs[i];

		if (cert_verifier_member(verifier, m->certificate.data, m->certificate.len, rec,
		                         diag) != SYM_OK)
			goto out;
		/* The record's fields must be exactly what the certificate binds. */
		if (strcmp(rec->id, m->id) != 0 || strcmp(rec->name, m->name) != 0 ||
		    m->x25519.len != 32 || memcmp(rec->x25519, m->x25519.data, 32) != 0 ||
		    m->ed25519.len != 32 || memcmp(rec->ed25519, m->ed25519.data, 32) != 0 ||
		    m->curve.len != 32 || memcmp(rec->curve, m->curve.data, 32) != 0) {
			sym_diag_set(diag, SYM_ERR_VERIFY,
			             "member record \"%s\" does not match its certificate", m->id);
			goto out;
		}
		if (i > 0 && strcmp(vd->recs[i - 1].id, rec->id) >= 0) {
			sym_diag_set(diag, SYM_ERR_VERIFY, "the directory is not in id order");
			goto out;
		}
		if (strcmp(rec->id, s->st->id) == 0) {
			if (sodium_memcmp(rec->fingerprint, s->st->record.fingerprint, 32) != 0) {
				sym_diag_set(diag, SYM_ERR_VERIFY,
				             "the coordinator shows another certificate for this company");
				goto out;
			}
			self = 1;
		}
		ptrs[i] = rec;
		vd->n = i + 1;
	}
	protocol_directory_hash(ptrs, vd->n, hash);
	if (sodium_memcmp(hash, ann->directory_hash.data, 32) != 0) {
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
out:
	cert_verifier_free(&verifier);
	free(ptrs);
	wire_free(dir ? &dir->base : NULL);
	if (rc != 0) {
		free(vd->recs);
		memset(vd, 0, sizeof(*vd));
	}
	return rc;
}

struct batch {
	const char *counterpart;
	uint8_t *offers, *needs;
	size_t offers_len, needs_len;
};

static int
s_send_submission(struct session *s, const uint8_t round[16], const uint8_t sub_id[16],
                  struct batch *batches, size_t nb, struct sym_diag *diag)
{
	Symbiod__SubmitBegin begin = SYMBIOD__SUBMIT_BEGIN__INIT;
	Symbiod__SubmitCommit commit = SYMBIOD__SUBMIT_COMMIT__INIT;
	Symbiod__SubmitAck *ack = NULL;
	uint8_t commitment[32], (*digests)[32] = calloc(nb + 1, 32);
	struct progress bar = {NULL, 0, 0, 0};
	size_t i, start, chunks = 0, bytes;
	uint32_t index = 0;
	int rc;

	if (digests == NULL)
		return EXIT_SOFTWARE;
	for (i = 0, bytes = SUBMIT_CHUNK_BYTES; i < nb; i++) {
		size_t sz = batches[i].offers_len + batches[i].needs_len + 128;
		if (protocol_batch_digest(batches[i].counterpart, batches[i].offers,
		                          batches[i].offers_len, batches[i].needs, batches[i].needs_len,
		                          digests[i]) != SYM_OK) {
			free(digests);
			return EXIT_SOFTWARE;
		}
		if (bytes + sz > SUBMIT_CHUNK_BYTES) {
			chunks++;
			bytes = 0;
		}
		bytes += sz;
	}
	protocol_commitment(round, sub_id, (const uint8_t(*)[32])digests, nb, commitment);
	free(digests);
	begin.round_id.data = (uint8_t *)round;
	begin.round_id.len = 16;
	begin.submission_id.data = (uint8_t *)sub_id;
	begin.submission_id.len = 16;
	begin.chunks = (uint32_t)chunks;
	begin.commitment.data = commitment;
	begin.commitment.len = 32;
	if ((rc = rpc_call(s->c, SYMBIOD__MSG_TYPE__MSG_SUBMIT_BEGIN, &begin.base,
	                   &symbiod__submit_ack__descriptor, (ProtobufCMessage **)&ack, diag)) != 0)
		return rc;
	wire_free(&ack->base);
	progress_begin(&bar, "uploading", chunks);
	/* Chunks in order, cut exactly where the count above cut them. */
	for (i = 0, start = 0, bytes = 0; i <= nb; i++) {
		size_t sz = i < nb ? batches[i].offers_len + batches[i].needs_len + 128 : 0;

		if (i == nb || (i > start && bytes + sz > SUBMIT_CHUNK_BYTES)) {
			Symbiod__SubmitChunk chunk = SYMBIOD__SUBMIT_CHUNK__INIT;
			Symbiod__TokenBatch *tb = calloc(i - start, sizeof(*tb));
			Symbiod__TokenBatch **ptrs = calloc(i - start, sizeof(*ptrs));
			size_t k;

			if (tb == NULL || ptrs == NULL) {
				free(tb);
				free(ptrs);
				return EXIT_SOFTWARE;
			}
			for (k = start; k < i; k++) {
				symbiod__token_batch__init(&tb[k - start]);
				tb[k - start].counterpart = (char *)batches[k].counterpart;
				tb[k - start].offer_tokens.data = batches[k].offers;
				tb[k - start].offer_tokens.len = batches[k].offers_len;
				tb[k - start].need_tokens.data = batches[k].needs;
				tb[k - start].need_tokens.len = batches[k].needs_len;
				ptrs[k - start] = &tb[k - start];
			}
			chunk.submission_id.data = (uint8_t *)sub_id;
			chunk.submission_id.len = 16;
			chunk.index = index++;
			chunk.n_batches = i - start;
			chunk.batches = ptrs;
			rc = rpc_call(s->c, SYMBIOD__MSG_TYPE__MSG_SUBMIT_CHUNK, &chunk.base,
			              &symbiod__submit_ack__descriptor, (ProtobufCMessage **)&ack, diag);
			free(tb);
			free(ptrs);
			if (rc != 0) {
				progress_end(&bar);
				return rc;
			}
			wire_free(&ack->base);
			progress_step(&bar, index);
			start = i;
			bytes = 0;
		}
		bytes += sz;
	}
	progress_end(&bar);
	commit.round_id.data = (uint8_t *)round;
	commit.round_id.len = 16;
	commit.submission_id.data = (uint8_t *)sub_id;
	commit.submission_id.len = 16;
	commit.commitment.data = commitment;
	commit.commitment.len = 32;
	/* Only this acknowledgement means stored durably: the daemon commits before answering. */
	if ((rc = rpc_call(s->c, SYMBIOD__MSG_TYPE__MSG_SUBMIT_COMMIT, &commit.base,
	                   &symbiod__submit_ack__descriptor, (ProtobufCMessage **)&ack, diag)) != 0)
		return rc;
	{
		char hex[33];
		util_hex(sub_id, 16, hex);
		rc = logcheck_proof(s->st, s->c, ack->proof, "submission", "submission", hex, diag);
	}
	wire_free(&ack->base);
	return rc;
}

int
cmd_submit(int argc, char **argv)
{
	const char *usage = "submit --dir STATE FLOWS.json";
	struct sym_diag diag = {""};
	struct session s;
	struct round_args a;
	struct flows *fl = NULL;
	struct block_list offers, needs;
	struct verified_dir vd = {NULL, 0};
	struct batch *batches = NULL;
	struct roundfile rf;
	struct pairkeys *pk = NULL;
	struct progress bar = {NULL, 0, 0, 0};
	Symbiod__RoundRequest rreq = SYMBIOD__ROUND_REQUEST__INIT;
	Symbiod__RoundAnnouncement *ann = NULL;
	uint8_t round[16], sub_id[16];
	char phase[16], *doc = NULL, rhex[33];
	size_t i, nb = 0, doc_len = 0, bytes = 0;
	json_error_t jerr;
	int rc, r;

	block_list_init(&offers);
	block_list_init(&needs);
	memset(&rf, 0, sizeof(rf));
	if ((rc = s_parse(argc, argv, &a, usage, 1)) != 0)
		return rc < 0 ? 0 : rc;
	if (a.first != argc - 1) {
		fprintf(stderr, "usage: symbi %s\n", usage);
		return EXIT_USAGE;
	}
	/* Everything local first: a bad file or key sends nothing. */
	if ((rc = s_session_open(&a, 0, &s, &diag)) != 0)
		goto fail;
	if (flows_load_file(argv[a.first], s.tax, &fl, &diag) != SYM_OK) {
		rc = EXIT_DATAERR;
		goto fail;
	}
	if (util_read_file(argv[a.first], FLOWS_FILE_MAX, &doc, &doc_len) != SYM_OK ||
	    (rf.flows = json_loadb(doc, doc_len, JSON_REJECT_DUPLICATES, &jerr)) == NULL) {
		rc = EXIT_NOINPUT;
		goto fail;
	}
	{
		struct conn_opts copts = {a.timeout_ms, a.attempts};
		if ((r = conn_open(s.st, &copts, &s.c, &diag)) != SYM_OK) {
			rc = rpc_exit_for(r);
			goto fail;
		}
		if ((rc = logcheck_contact(s.st, s.c, &diag)) != 0)
			goto fail;
	}
	if ((rc = s_current_round(&s, round, phase, &diag)) != 0)
		goto fail;
	if (strcmp(phase, "open") != 0) {
		sym_diag_set(&diag, SYM_ERR_PERM,
		             "no round is open for submissions (the latest round is %s); nothing was "
		             "sent",
		             phase);
		rc = EXIT_TEMPFAIL;
		goto fail;
	}
	if ((rc = rpc_call(s.c, SYMBIOD__MSG_TYPE__MSG_ROUND, &rreq.base,
	                   &symbiod__round_announcement__descriptor, (ProtobufCMessage **)&ann,
	                   &diag)) != 0)
		goto fail;
	rc = EXIT_PROTOCOL;
	if (protocol_announcement_verify(ann, s.st->park.coordinator_ed25519) != SYM_OK) {
		sym_diag_set(&diag, SYM_ERR_VERIFY,
		             "the round announcement is not signed by this park's coordinator");
		goto fail;
	}
	if (memcmp(ann->round_id.data, round, 16) != 0 ||
	    sodium_memcmp(ann->taxonomy_hash.data, s.tax->hash, 32) != 0) {
		sym_diag_set(&diag, SYM_ERR_VERIFY,
		             "the round announcement names another round or taxonomy");
		goto fail;
	}
	if (fl->n > ann->max_items) {
		sym_diag_set(&diag, SYM_ERR_LIMIT, "%s: %zu flows; this round takes at most %u",
		             argv[a.first], fl->n, ann->max_items);
		rc = EXIT_DATAERR;
		goto fail;
	}
	if ((rc = s_verify_directory(&s, ann, &vd, &diag)) != 0)
		goto fail;
	rc = EXIT_SOFTWARE;
	if (encode_flows(s.tax, fl, &offers, &needs) != SYM_OK ||
	    (batches = calloc(vd.n + 1, sizeof(*batches))) == NULL ||
	    (rf.peers = calloc(vd.n + 1, sizeof(*rf.peers))) == NULL ||
	    (pk = sodium_malloc(sizeof(*pk))) == NULL)
		goto fail;
	progress_begin(&bar, "encoding", vd.n);
	for (i = 0; i < vd.n; i++) {
		const struct member_record *m = &vd.recs[i];
		const uint8_t *k_out, *k_in;

		progress_step(&bar, i);

		snprintf(rf.peers[rf.npeers].id, sizeof(rf.peers[0].id), "%s", m->id);
		memcpy(rf.peers[rf.npeers].x25519, m->x25519, 32);
		rf.npeers++;
		if (strcmp(m->id, s.st->id) == 0)
			continue;
		if (pairkeys_derive(round, s.st->id, s.st->agreement->sk, s.st->agreement->pk, m->id,
		                    m->x25519, pk) != SYM_OK) {
			sym_diag_set(&diag, SYM_ERR_WEAK_KEY, "cannot agree keys with \"%s\"", m->id);
			rc = EXIT_PROTOCOL;
			goto fail;
		}
		/* O(i->j) under K_tok(i->j); N(i<-j) under K_tok(j->i). */
		k_out = pairkeys_tok(pk, s.st->id, m->id);
		k_in = pairkeys_tok(pk, m->id, s.st->id);
		batches[nb].counterpart = m->id;
		if (s_padded_set(s.prf, k_out, &offers, ann->padding->offer_tokens,
		                 ann->padding->quantum, &batches[nb].offers,
		                 &batches[nb].offers_len) != SYM_OK ||
		    s_padded_set(s.prf, k_in, &needs, ann->padding->need_tokens, ann->padding->quantum,
		                 &batches[nb].needs, &batches[nb].needs_len) != SYM_OK)
			goto fail;
		pairkeys_clear(pk);
		bytes += batches[nb].offers_len + batches[nb].needs_len;
		nb++;
	}
	progress_end(&bar);
	randombytes_buf(sub_id, sizeof(sub_id));
	if ((rc = s_send_submission(&s, round, sub_id, batches, nb, &diag)) != 0)
		goto fail;
	memcpy(rf.round, round, 16);
	memcpy(rf.submission, sub_id, 16);
	rf.consents = json_object();
	if (roundfile_save(a.dir, &rf, &diag) != SYM_OK) {
		/* Submitted, but we could not keep what maps tokens back: say so loudly. */
		fprintf(stderr, "symbi submit: submitted, but cannot save the round record: %s\n",
		        diag.msg);
		rc = EXIT_CANTCREAT;
		goto out;
	}
	util_hex(round, 16, rhex);
	if (a.json) {
		json_t *j = json_pack("{s:s, s:i, s:i, s:i, s:I}", "round", rhex, "offers",
		                      (int)fl->n_offers, "needs", (int)fl->n_needs, "counterparts",
		                      (int)nb, "bytes", (json_int_t)bytes);
		json_dumpf(j, stdout, JSON_INDENT(2));
		fputc('\n', stdout);
		json_decref(j);
	}
	fprintf(stderr,
	        "symbi submit: %zu offers and %zu needs submitted to round %.8s as tokens for %zu "
	        "counterparts (%zu bytes)\n",
	        fl->n_offers, fl->n_needs, rhex, nb, bytes);
	rc = 0;
	goto out;
fail:
	fprintf(stderr, "symbi submit: %s\n", diag.msg[0] ? diag.msg : "failed");
out:
	for (i = 0; batches != NULL && i < nb + 1; i++) {
		free(batches[i].offers);
		free(batches[i].needs);
	}
	free(batches);
	if (pk != NULL)
		pairkeys_clear(pk);
	sodium_free(pk);
	free(vd.recs);
	free(doc);
	wire_free(ann ? &ann->base : NULL);
	roundfile_clear(&rf);
	block_list_free(&offers);
	block_list_free(&needs);
	flows_free(&fl);
	s_session_close(&s);
	return rc;
}

/* ---- candidates, consent, exchanges -------------------------------------------- */

/* One candidate as this company sees it: which of its own items, with whom. */
struct view {
	const Symbiod__Candidate *c;
	char id[33], round[33];
	int supplier; /* this company supplies */
	const char *counterpart;
	const struct flow_item *item; /* NULL if no item of ours maps (should not happen) */
};

struct round_view {
	uint8_t round[16];
	struct roundfile rf;
	struct flows *fl;
	Symbiod__CandidateList *list;
	struct view *views;
	size_t n;
};

static void
s_round_view_clear(struct round_view *rv)
{
	roundfile_clear(&rv->rf);
	flows_free(&rv->fl);
	wire_free(rv->list ? &rv->list->base : NULL);
	free(rv->views);
	memset(rv, 0, sizeof(*rv));
}

/* The pair keys with `peer` for this round, into sodium_malloc'd *pk. */
static int
s_pair(const struct session *s, const struct round_view *rv, const char *peer,
       struct pairkeys *pk)
{
	const struct roundfile_peer *p = roundfile_peer(&rv->rf, peer);

	if (p == NULL)
		return SYM_ERR_NOT_FOUND;
	return pairkeys_derive(rv->round, s->st->id, s->st->agreement->sk, s->st->agreement->pk,
	                       peer, p->x25519, pk);
}

/* Candidates of the current round, each mapped back to this company's own item. */
static int
s_round_view(struct session *s, struct round_view *rv, struct sym_diag *diag)
{
	Symbiod__CandidatesRequest req = SYMBIOD__CANDIDATES_REQUEST__INIT;
	struct pairkeys *pk = sodium_malloc(sizeof(*pk));
	char phase[16], *doc = NULL;
	size_t i, k;
	int rc;

	memset(rv, 0, sizeof(*rv));
	if (pk == NULL)
		return EXIT_SOFTWARE;
	if ((rc = s_current_round(s, rv->round, phase, diag)) != 0)
		goto out;
	if (roundfile_load(s->st->dir, rv->round, &rv->rf, diag) != SYM_OK) {
		/* Not submitted to this round: no candidates can be ours. */
		rc = 0;
		goto out;
	}
	doc = json_dumps(rv->rf.flows, JSON_COMPACT);
	if (doc == NULL ||
	    flows_parse("submitted flows", doc, strlen(doc), s->tax, &rv->fl, diag) != SYM_OK) {
		rc = EXIT_DATAERR;
		goto out;
	}
	req.has_round_id = 1;
	req.round_id.data = rv->round;
	req.round_id.len = 16;
	rc = rpc_call(s->c, SYMBIOD__MSG_TYPE__MSG_CANDIDATES, &req.base,
	              &symbiod__candidate_list__descriptor, (ProtobufCMessage **)&rv->list, diag);
	if (rc != 0)
		goto out;
	if ((rv->views = calloc(rv->list->n_candidates + 1, sizeof(*rv->views))) == NULL) {
		rc = EXIT_SOFTWARE;
		goto out;
	}
	for (i = 0; i < rv->list->n_candidates; i++) {
		const Symbiod__Candidate *c = rv->list->candidates[i];
		struct view *v = &rv->views[rv->n];
		const uint8_t *key;

		if (c->candidate_id.len != 16 || c->token.len != 8 || c->round_id.len != 16 ||
		    memcmp(c->round_id.data, rv->round, 16) != 0)
			continue;
		v->supplier = strcmp(c->supplier, s->st->id) == 0;
		if (!v->supplier && strcmp(c->consumer, s->st->id) != 0)
			continue; /* not ours: the coordinator should never send it */
		v->c = c;
		v->counterpart = v->supplier ? c->consumer : c->supplier;
		util_hex(c->candidate_id.data, 16, v->id);
		util_hex(rv->round, 16, v->round);
		if (s_pair(s, rv, v->counterpart, pk) == SYM_OK) {
			/* Our offers used K_tok(us->them); our needs K_tok(them->us). */
			key = v->supplier ? pairkeys_tok(pk, s->st->id, v->counterpart)
			                  : pairkeys_tok(pk, v->counterpart, s->st->id);
			for (k = 0; key != NULL && k < rv->fl->n && v->item == NULL; k++) {
				const struct flow_item *it = &rv->fl->items[k];
				if ((it->direction == FLOW_OFFER) == v->supplier &&
				    s_item_has_token(s, it, key, c->token.data))
					v->item = it;
			}
			pairkeys_clear(pk);
		}
		rv->n++;
	}
	rc = 0;
out:
	free(doc);
	sodium_free(pk);
	return rc;
}

static json_t *
s_view_json(const struct view *v)
{
	return json_pack("{s:s, s:s, s:s, s:s?, s:s, s:s}", "id", v->id, "round", v->round, "role",
	                 v->supplier ? "supplier" : "consumer", "flow", v->item ? v->item->id : NULL,
	                 "counterpart", v->counterpart, "state", v->c->state);
}

int
cmd_candidates(int argc, char **argv)
{
	const char *usage = "candidates --dir STATE [--json]";
	struct sym_diag diag = {""};
	struct round_view rv;
	struct session s;
	struct round_args a;
	size_t i;
	int rc;

	memset(&rv, 0, sizeof(rv));
	if ((rc = s_parse(argc, argv, &a, usage, 0)) != 0)
		return rc < 0 ? 0 : rc;
	if ((rc = s_session_open(&a, 1, &s, &diag)) != 0 ||
	    (rc = s_round_view(&s, &rv, &diag)) != 0) {
		fprintf(stderr, "symbi candidates: %s\n", diag.msg);
		goto out;
	}
	if (a.json) {
		json_t *arr = json_array();
		for (i = 0; i < rv.n; i++)
			json_array_append_new(arr, s_view_json(&rv.views[i]));
		json_dumpf(arr, stdout, JSON_INDENT(2));
		fputc('\n', stdout);
		json_decref(arr);
	} else {
		printf("%-32s  %-8s  %-20s  %-16s  %s\n", "CANDIDATE", "ROLE", "FLOW", "COUNTERPART",
		       "STATE");
		for (i = 0; i < rv.n; i++)
			printf("%-32s  %-8s  %-20s  %-16s  %s\n", rv.views[i].id,
			       rv.views[i].supplier ? "supplier" : "consumer",
			       rv.views[i].item ? rv.views[i].item->id : "?", rv.views[i].counterpart,
			       rv.views[i].c->state);
		if (rv.n == 0)
			fprintf(stderr, "symbi candidates: none in the current round\n");
	}
	rc = 0;
out:
	s_round_view_clear(&rv);
	s_session_close(&s);
	return rc;
}

/* Seal our item for the counterpart: K_env(us->them), AD binds round, candidate and both ids. */
static int
s_seal(const struct session *s, const struct round_view *rv, const struct view *v,
       uint8_t **env, size_t *env_len)
{
	struct pairkeys *pk = sodium_malloc(sizeof(*pk));
	uint8_t ad[ENVELOPE_AD_MAX];
	char *item = NULL;
	int adlen, r = SYM_ERR_INTERNAL;

	*env = NULL;
	if (pk == NULL)
		return SYM_ERR_ALLOC;
	if ((r = s_pair(s, rv, v->counterpart, pk)) != SYM_OK)
		goto out;
	if ((item = json_dumps(v->item->raw, JSON_COMPACT)) == NULL || strlen(item) > ITEM_JSON_MAX) {
		r = SYM_ERR_LIMIT;
		goto out;
	}
	adlen = envelope_ad(rv->round, v->c->candidate_id.data, s->st->id, v->counterpart, ad);
	if (adlen < 0) {
		r = adlen;
		goto out;
	}
	*env_len = strlen(item) + ENVELOPE_OVERHEAD;
	if ((*env = malloc(*env_len)) == NULL) {
		r = SYM_ERR_ALLOC;
		goto out;
	}
	r = envelope_seal(pairkeys_env(pk, s->st->id, v->counterpart), ad, (size_t)adlen,
	                  (const uint8_t *)item, strlen(item), *env);
out:
	if (item != NULL) {
		sodium_memzero(item, strlen(item));
		free(item);
	}
	pairkeys_clear(pk);
	sodium_free(pk);
	return r;
}

static int
s_consent(int argc, char **argv, int accept)
{
	const char *usage = accept ? "accept --dir STATE (ID... | --all)"
	                           : "decline --dir STATE (ID... | --all)";
	const char *verb = accept ? "accept" : "decline";
	struct sym_diag diag = {""};
	struct round_view rv;
	struct session s;
	struct round_args a;
	size_t i, done = 0, failed = 0;
	int rc, k;

	memset(&rv, 0, sizeof(rv));
	if ((rc = s_parse(argc, argv, &a, usage, 1)) != 0)
		return rc < 0 ? 0 : rc;
	if (a.all == (a.first < argc)) {
		fprintf(stderr, "symbi %s: give candidate ids or --all\nusage: symbi %s\n", verb, usage);
		return EXIT_USAGE;
	}
	for (k = a.first; k < argc; k++) {
		uint8_t tmp[16];
		if (util_unhex(argv[k], tmp, 16) != SYM_OK) {
			fprintf(stderr, "symbi %s: \"%s\" is not a candidate id (32 hex digits)\n", verb,
			        argv[k]);
			return EXIT_USAGE;
		}
	}
	if ((rc = s_session_open(&a, 1, &s, &diag)) != 0 ||
	    (rc = s_round_view(&s, &rv, &diag)) != 0) {
		fprintf(stderr, "symbi %s: %s\n", verb, diag.msg);
		goto out;
	}
	for (k = a.first; k < argc; k++) {
		for (i = 0; i < rv.n; i++)
			if (strcmp(rv.views[i].id, argv[k]) == 0)
				break;
		if (i == rv.n) {
			fprintf(stderr, "symbi %s: %s is not one of this company's candidates\n", verb,
			        argv[k]);
			rc = EXIT_DATAERR;
			goto out;
		}
	}
	for (i = 0; i < rv.n; i++) {
		struct view *v = &rv.views[i];
		Symbiod__Consent msg = SYMBIOD__CONSENT__INIT;
		Symbiod__ConsentAck *ack = NULL;
		uint8_t *env = NULL;
		size_t env_len = 0;
		int wanted = a.all && strcmp(v->c->state, "pending") == 0;

		for (k = a.first; k < argc && !wanted; k++)
			wanted = strcmp(v->id, argv[k]) == 0;
		if (!wanted)
			continue;
		if (v->item == NULL) {
			fprintf(stderr, "symbi %s: %s: no item of ours maps to it; skipped\n", verb, v->id);
			failed++;
			continue;
		}
		if (accept && s_seal(&s, &rv, v, &env, &env_len) != SYM_OK) {
			fprintf(stderr, "symbi %s: %s: cannot seal the item\n", verb, v->id);
			failed++;
			continue;
		}
		msg.round_id.data = rv.round;
		msg.round_id.len = 16;
		msg.candidate_id = v->c->candidate_id;
		msg.accept = accept;
		msg.has_envelope = accept;
		msg.envelope.data = env;
		msg.envelope.len = env_len;
		rc = rpc_call(s.c, SYMBIOD__MSG_TYPE__MSG_CONSENT, &msg.base,
		              &symbiod__consent_ack__descriptor, (ProtobufCMessage **)&ack, &diag);
		free(env);
		if (rc != 0) {
			fprintf(stderr, "symbi %s: %s: %s\n", verb, v->id, diag.msg);
			failed++;
			continue;
		}
		if ((rc = logcheck_proof(s.st, s.c, ack->proof, "consent", "candidate", v->id,
		                         &diag)) != 0) {
			fprintf(stderr, "symbi %s: %s: %s\n", verb, v->id, diag.msg);
			wire_free(&ack->base);
			failed++;
			continue;
		}
		json_object_set_new(rv.rf.consents, v->id, json_string(accept ? "accepted" : "declined"));
		printf("%s  %s %s with %s: %s\n", v->id, accept ? "accepted" : "declined",
		       v->item->id, v->counterpart, ack->state);
		wire_free(&ack->base);
		done++;
	}
	if (roundfile_save(a.dir, &rv.rf, &diag) != SYM_OK)
		fprintf(stderr, "symbi %s: cannot record the decisions locally: %s\n", verb, diag.msg);
	if (done == 0 && failed == 0)
		fprintf(stderr, "symbi %s: nothing to answer\n", verb);
	rc = failed > 0 ? EXIT_TEMPFAIL : 0;
out:
	s_round_view_clear(&rv);
	s_session_close(&s);
	return rc;
}

int
cmd_accept(int argc, char **argv)
{
	return s_consent(argc, argv, 1);
}

int
cmd_decline(int argc, char **argv)
{
	return s_consent(argc, argv, 0);
}

/* Open a released envelope from the counterpart and re-check the match on exact values. */
static int
s_reveal(struct session *s, const struct round_view *rv, const struct view *v,
         const Symbiod__Release *rel, json_t **exchange, struct sym_diag *diag)
{
	struct pairkeys *pk = sodium_malloc(sizeof(*pk));
	struct flows *theirs = NULL;
	uint8_t ad[ENVELOPE_AD_MAX], *plain = NULL;
	size_t plain_len;
	json_t *item = NULL, *doc = NULL;
	json_error_t jerr;
	char *text = NULL;
	int adlen, r = SYM_ERR_VERIFY, near_miss;

	*exchange = NULL;
	if (pk == NULL)
		return SYM_ERR_ALLOC;
	if (rel->envelope.len < ENVELOPE_OVERHEAD || rel->envelope.len > 1u << 20 ||
	    (r = s_pair(s, rv, v->counterpart, pk)) != SYM_OK)
		goto out;
	adlen = envelope_ad(rv->round, v->c->candidate_id.data, v->counterpart, s->st->id, ad);
	plain_len = rel->envelope.len - ENVELOPE_OVERHEAD;
	if (adlen < 0 || (plain = sodium_malloc(plain_len + 1)) == NULL) {
		r = SYM_ERR_ALLOC;
		goto out;
	}
	if (envelope_open(pairkeys_env(pk, v->counterpart, s->st->id), ad, (size_t)adlen,
	                  rel->envelope.data, rel->envelope.len, plain) != SYM_OK) {
		r = sym_diag_set(diag, SYM_ERR_VERIFY, "%s: the released envelope does not open",
		                 v->id);
		goto out;
	}
	item = json_loadb((const char *)plain, plain_len, JSON_REJECT_DUPLICATES, &jerr);
	doc = json_pack("{s:[O]}", "flows", item);
	if (!json_is_object(item) || doc == NULL || (text = json_dumps(doc, JSON_COMPACT)) == NULL ||
	    flows_parse(v->counterpart, text, strlen(text), s->tax, &theirs, diag) != SYM_OK ||
	    theirs->n != 1 || (theirs->items[0].direction == FLOW_OFFER) == v->supplier) {
		r = sym_diag_set(diag, SYM_ERR_FORMAT, "%s: the partner's item is not a valid %s",
		                 v->id, v->supplier ? "need" : "offer");
		goto out;
	}
	near_miss = v->supplier ? !flows_exact_compatible(s->tax, v->item, &theirs->items[0])
	                        : !flows_exact_compatible(s->tax, &theirs->items[0], v->item);
	*exchange = json_pack("{s:s, s:s, s:s, s:s, s:O, s:O, s:b}", "candidate", v->id, "round",
	                      v->round, "supplier", v->c->supplier, "consumer", v->c->consumer,
	                      "offer", v->supplier ? v->item->raw : item, "need",
	                      v->supplier ? item : v->item->raw, "near_miss", near_miss);
	r = *exchange ? SYM_OK : SYM_ERR_ALLOC;
out:
	if (plain != NULL)
		sodium_free(plain);
	free(text);
	json_decref(doc);
	json_decref(item);
	flows_free(&theirs);
	pairkeys_clear(pk);
	sodium_free(pk);
	return r;
}

static int
s_has_candidate(json_t *arr, const char *id)
{
	size_t i;
	json_t *e;

	json_array_foreach(arr, i, e) {
		const char *c = json_string_value(json_object_get(e, "candidate"));
		if (c != NULL && strcmp(c, id) == 0)
			return 1;
	}
	return 0;
}

int
cmd_exchanges(int argc, char **argv)
{
	const char *usage = "exchanges --dir STATE [--json]";
	Symbiod__ReleasesRequest req = SYMBIOD__RELEASES_REQUEST__INIT;
	Symbiod__ReleaseList *rels = NULL;
	struct sym_diag diag = {""};
	struct round_view rv;
	struct session s;
	struct round_args a;
	json_t *all = NULL, *e;
	size_t i, j, added = 0;
	int rc;

	memset(&rv, 0, sizeof(rv));
	if ((rc = s_parse(argc, argv, &a, usage, 0)) != 0)
		return rc < 0 ? 0 : rc;
	if ((rc = s_session_open(&a, 1, &s, &diag)) != 0) {
		fprintf(stderr, "symbi exchanges: %s\n", diag.msg);
		goto out;
	}
	if (exchanges_load(a.dir, &all, &diag) != SYM_OK) {
		fprintf(stderr, "symbi exchanges: %s\n", diag.msg);
		rc = EXIT_DATAERR;
		goto out;
	}
	/* New releases of the current round join what earlier rounds revealed. */
	if ((rc = s_round_view(&s, &rv, &diag)) == 0 && rv.fl != NULL) {
		req.has_round_id = 1;
		req.round_id.data = rv.round;
		req.round_id.len = 16;
		rc = rpc_call(s.c, SYMBIOD__MSG_TYPE__MSG_RELEASES, &req.base,
		              &symbiod__release_list__descriptor, (ProtobufCMessage **)&rels, &diag);
	}
	if (rc != 0 && rc != EXIT_TEMPFAIL) {
		fprintf(stderr, "symbi exchanges: %s (showing what is stored locally)\n", diag.msg);
	}
	for (i = 0; rels != NULL && i < rels->n_releases; i++) {
		const Symbiod__Release *rel = rels->releases[i];
		char idhex[33];

		if (rel->candidate_id.len != 16)
			continue;
		util_hex(rel->candidate_id.data, 16, idhex);
		if (s_has_candidate(all, idhex))
			continue;
		for (j = 0; j < rv.n; j++)
			if (strcmp(rv.views[j].id, idhex) == 0)
				break;
		if (j == rv.n || rv.views[j].item == NULL || strcmp(rel->from, rv.views[j].counterpart))
			continue;
		if (s_reveal(&s, &rv, &rv.views[j], rel, &e, &diag) != SYM_OK) {
			fprintf(stderr, "symbi exchanges: %s\n", diag.msg);
			continue;
		}
		json_array_append_new(all, e);
		added++;
	}
	if (added > 0 && exchanges_save(a.dir, all, &diag) != SYM_OK) {
		fprintf(stderr, "symbi exchanges: %s\n", diag.msg);
		rc = EXIT_CANTCREAT;
		goto out;
	}
	if (a.json) {
		json_dumpf(all, stdout, JSON_INDENT(2));
		fputc('\n', stdout);
	} else {
		printf("%-16s %-22s    %-16s %-22s %-9s %s\n", "SUPPLIER", "OFFER", "CONSUMER", "NEED",
		       "NEAR-MISS", "PARTNER'S DETAILS");
		json_array_foreach(all, i, e) {
			int sup = strcmp(json_string_value(json_object_get(e, "supplier")), s.st->id) == 0;
			json_t *partner = json_object_get(e, sup ? "need" : "offer");
			char *details = json_dumps(json_object_get(partner, "details"),
			                           JSON_COMPACT | JSON_ENCODE_ANY);
			printf("%-16s %-22s -> %-16s %-22s %-9s %.60s\n",
			       json_string_value(json_object_get(e, "supplier")),
			       json_string_value(json_object_get(json_object_get(e, "offer"), "id")),
			       json_string_value(json_object_get(e, "consumer")),
			       json_string_value(json_object_get(json_object_get(e, "need"), "id")),
			       json_is_true(json_object_get(e, "near_miss")) ? "yes" : "no",
			       details ? details : "-");
			free(details);
		}
	}
	rc = 0;
out:
	wire_free(rels ? &rels->base : NULL);
	json_decref(all);
	s_round_view_clear(&rv);
	s_session_close(&s);
	return rc;
}
