/*
 * symbi submit: blind a company's flows for every counterpart of the open
 * round and upload them. Everything local is checked first, so a bad file or
 * key sends nothing; the coordinator only ever receives tokens.
 */
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blind.h"
#include "submit.h"
#include "hardsteps.h"
#include "cmd.h"
#include "encode.h"
#include "flows.h"
#include "logcheck.h"
#include "policy.h"
#include "progress.h"
#include "protocol.h"
#include "reach.h"
#include "roundfile.h"
#include "rpc.h"
#include "session.h"
#include "sysexits.h"
#include "token.h"
#include "util.h"
#include "wire.h"
#include "roundhash.h"
#include "tokset.h"
#include "exitcode.h"

/* One request carries at most this much token data; well under WIRE_MAX_MESSAGE. */
#define SUBMIT_CHUNK_BYTES (4u << 20)

void
submission_clear(struct submission *sub)
{
	size_t i;

	for (i = 0; sub->batches != NULL && i < sub->nb; i++)
		blind_batch_clear(&sub->batches[i]);
	free(sub->batches);
	verified_dir_clear(&sub->vd);
	wire_free(sub->ann ? &sub->ann->base : NULL);
	roundfile_clear(&sub->rf);
	flows_free(&sub->fl);
	memset(sub, 0, sizeof(*sub));
}

/* The announcement's size policy (PROTOCOL.md 1.1); a version 1 announcement has no maximum. */
void
submission_padding(const Symbiod__RoundAnnouncement *ann, struct blind_padding *pad)
{
	uint32_t fixed = ann->has_fixed_size ? ann->fixed_size : 0;

	pad->offers.floor = ann->padding->offer_tokens;
	pad->offers.max = ann->has_max_offer ? ann->max_offer : 0;
	pad->offers.fixed = fixed;
	pad->needs.floor = ann->padding->need_tokens;
	pad->needs.max = ann->has_max_need ? ann->max_need : 0;
	pad->needs.fixed = fixed;
}

/*
 * The coordinator chooses the size classes; this company's floors
 * (STATE/symbi.conf) say how small a set it will send. A coordinator that
 * announces less would learn item counts from the sizes: exit 76.
 */
int
submission_check_floors(const Symbiod__RoundAnnouncement *ann, struct sym_diag *diag)
{
	struct blind_padding pad;
	size_t offers, needs;

	submission_padding(ann, &pad);
	offers = policy_smallest_class(pad.offers.floor, pad.offers.fixed);
	needs = policy_smallest_class(pad.needs.floor, pad.needs.fixed);
	if (offers >= (size_t)client_policy.min_offer_tokens &&
	    needs >= (size_t)client_policy.min_need_tokens)
		return 0;
	sym_diag_set(diag, SYM_ERR_PERM,
	             "the round's smallest sets (%zu offer, %zu need tokens) are below this "
	             "company's floors (min_offer_tokens = %d, min_need_tokens = %d in "
	             "STATE/symbi.conf): their sizes would reveal item counts; nothing was sent",
	             offers, needs, client_policy.min_offer_tokens, client_policy.min_need_tokens);
	return EXIT_PROTOCOL;
}

/* The flows file (read and parsed once), the open round, its announcement and directory. */
static int
s_prepare(struct session *s, const struct cmd_args *a, const char *path, struct submission *sub,
          struct sym_diag *diag)
{
	char phase[16];
	int r, rc;

	if ((r = flows_load_file(path, s->tax, &sub->fl, diag)) != SYM_OK)
		return sym_exit_code(r, SYM_ORIGIN_INPUT);
	if ((rc = session_connect(a, s, diag)) != 0 ||
	    (rc = session_current_round(s, sub->round, phase, diag)) != 0)
		return rc;
	snprintf(sub->phase, sizeof(sub->phase), "%s", phase);
	if (strcmp(phase, "query") == 0)
		return 0; /* a hardened round: submit_run takes the hardened way */
	if (strcmp(phase, "open") != 0) {
		sym_diag_set(
		    diag, SYM_ERR_PERM,
		    "no round is open for submissions (the latest round is %s); nothing was "
		    "sent",
		    phase);
		return EXIT_TEMPFAIL;
	}
	if ((rc = session_announcement(s, sub->round, &sub->ann, diag)) != 0 ||
	    (rc = submission_check_floors(sub->ann, diag)) != 0)
		return rc;
	/* session_announcement took only an encoding this client knows. */
	if (encode_mode_for(protocol_announcement_token_encoding(sub->ann), 0, &sub->mode) !=
	    SYM_OK)
		return EXIT_SOFTWARE;
	if (sub->fl->n > sub->ann->max_items) {
		sym_diag_set(diag, SYM_ERR_LIMIT, "%s: %zu flows; this round takes at most %u",
		             path, sub->fl->n, sub->ann->max_items);
		return EXIT_DATAERR;
	}
	return session_directory(s, sub->ann, &sub->vd, diag);
}

/* Keep a member's agreement key in the round record; it derives the pair keys again later. */
static void
s_record_peer(struct roundfile *rf, const struct member_record *m)
{
	snprintf(rf->peers[rf->npeers].id, sizeof(rf->peers[0].id), "%s", m->id);
	memcpy(rf->peers[rf->npeers].x25519, m->x25519, 32);
	/* Its identity key too: park indicators check members' signatures with it. */
	memcpy(rf->peers[rf->npeers].ed25519, m->ed25519, 32);
	rf->peers[rf->npeers].has_ed25519 = 1;
	rf->npeers++;
}

/* Item indexes by cost, the costliest first. */
struct cost {
	size_t item, tokens;
};

static int
s_cost_cmp(const void *a, const void *b)
{
	const struct cost *x = a, *y = b;

	return x->tokens < y->tokens ? 1 : x->tokens > y->tokens ? -1 : 0;
}

/* "steam-out (1100 tokens), co2-out (88 tokens)": the costliest flows of one direction. */
static void
s_costliest(const struct taxonomy *tax, const struct flows *fl, enum encode_mode mode,
            enum flow_direction dir, char *buf, size_t len)
{
	struct cost *c = calloc(fl->n + 1, sizeof(*c));
	size_t i, n = 0, used = 0;

	buf[0] = '\0';
	if (c == NULL)
		return;
	for (i = 0; i < fl->n; i++)
		if (fl->items[i].direction == dir &&
		    encode_item_cost(tax, &fl->items[i], mode, &c[n].tokens) == SYM_OK)
			c[n++].item = i;
	qsort(c, n, sizeof(*c), s_cost_cmp);
	for (i = 0; i < n && i < 3 && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%s (%zu tokens)", i ? ", " : "",
		                         fl->items[c[i].item].id, c[i].tokens);
	free(c);
}

/*
 * The real tokens must fit the round's largest set: otherwise exit 65,
 * naming the flows that cost the most, before any key is used.
 */
static int
s_check_fit(const struct session *s, const struct submission *sub, const struct blind_padding *pad,
            const struct block_list *offers, const struct block_list *needs, struct sym_diag *diag)
{
	const struct blind_sizes *sz[2] = {&pad->offers, &pad->needs};
	const size_t real[2] = {offers->n, needs->n};
	char names[512];
	int d;

	for (d = 0; d < 2; d++) {
		size_t cls = tokset_size_class(real[d], sz[d]->floor, sz[d]->fixed);
		size_t max = sz[d]->max > 0 ? sz[d]->max : SIZE_MAX;

		if (real[d] <= cls && cls <= max)
			continue;
		s_costliest(s->tax, sub->fl, sub->mode, d == 0 ? FLOW_OFFER : FLOW_NEED, names,
		            sizeof(names));
		sym_diag_set(diag, SYM_ERR_LIMIT,
		             "the %s cost %zu tokens; this round takes at most %zu per set (the "
		             "costliest: %s); nothing was sent",
		             d == 0 ? "offers" : "needs", real[d],
		             sz[d]->fixed ? (size_t)sz[d]->fixed : max, names);
		return EXIT_DATAERR;
	}
	return 0;
}

/*
 * One batch for each other member of the directory within the round's
 * reach, under that pair's keys, holding the items within reach of it.
 */
static int
s_blind(struct session *s, struct submission *sub, struct sym_diag *diag)
{
	const struct site *self = &s->st->record.site;
	uint64_t reach_m = protocol_announcement_reach_m(sub->ann);
	struct blind_padding pad;
	const struct block_list *offers, *needs;
	struct reach_blocks *rb = NULL;
	struct pairkeys *pk = NULL;
	struct progress bar = {NULL, 0, 0, 0};
	size_t i, n = sub->vd.n;
	int rc = EXIT_SOFTWARE, denied;

	submission_padding(sub->ann, &pad);
	/* Every item (unknown distance): the largest sets, which must fit the round. */
	if (reach_blocks_new(s->tax, sub->fl, sub->mode, &rb) != SYM_OK ||
	    reach_blocks_for(rb, NULL, NULL, &offers, &needs) != SYM_OK)
		goto out;
	if ((rc = s_check_fit(s, sub, &pad, offers, needs, diag)) != 0)
		goto out;
	rc = EXIT_SOFTWARE;
	/* Every batch in the class of all items: what reach leaves out must not show. */
	if (reach_pad_all(rb, &pad) != SYM_OK)
		goto out;
	if ((sub->batches = calloc(n + 1, sizeof(*sub->batches))) == NULL ||
	    (sub->rf.peers = calloc(n + 1, sizeof(*sub->rf.peers))) == NULL ||
	    (pk = sodium_malloc(sizeof(*pk))) == NULL)
		goto out;
	progress_begin(&bar, "encoding", n);
	for (i = 0; i < n; i++) {
		const struct member_record *m = &sub->vd.recs[i];

		progress_step(&bar, i);
		s_record_peer(&sub->rf, m);
		if (strcmp(m->id, s->st->id) == 0)
			continue;
		/* Farther apart than the round's reach: nothing to exchange, no batch. */
		if (!reach_exchanges(self, &m->site, reach_m)) {
			sub->beyond++;
			continue;
		}
		if (session_pair(s, sub->round, m->id, m->x25519, pk) != SYM_OK) {
			sym_diag_set(diag, SYM_ERR_WEAK_KEY, "cannot agree keys with \"%s\"",
			             m->id);
			rc = EXIT_PROTOCOL;
			goto out;
		}
		denied = policy_denies(&client_policy, m->id);
		if (denied)
			fprintf(stderr,
			        "symbi submit: %s is denied (STATE/symbi.conf): it gets "
			        "padding only\n",
			        m->id);
		if (reach_blocks_for(rb, self, &m->site, &offers, &needs) != SYM_OK ||
		    blind_batch_fill(s->prf, pk, s->st->id, m->id, offers, needs, &pad, denied,
		                     &sub->batches[sub->nb]) != SYM_OK)
			goto out;
		pairkeys_clear(pk);
		sub->bytes += sub->batches[sub->nb].offers_len + sub->batches[sub->nb].needs_len;
		sub->nb++;
	}
	progress_end(&bar);
	rc = 0;
out:
	if (pk != NULL)
		pairkeys_clear(pk);
	sodium_free(pk);
	reach_blocks_free(&rb);
	return rc;
}

static size_t
s_batch_size(const struct blind_batch *b)
{
	return b->offers_len + b->needs_len + 128;
}

/* Where the chunk that starts at batch `start` ends: at most SUBMIT_CHUNK_BYTES, or one batch. */
static size_t
s_chunk_end(const struct blind_batch *b, size_t nb, size_t start)
{
	size_t i, bytes = 0;

	for (i = start; i < nb; i++) {
		if (i > start && bytes + s_batch_size(&b[i]) > SUBMIT_CHUNK_BYTES)
			break;
		bytes += s_batch_size(&b[i]);
	}
	return i;
}

/*
 * Every batch's digest (*digests malloc'd, sub->nb of them), the submission
 * commitment over them, and how many chunks carry the batches.
 */
static int
s_commitment(const struct submission *sub, uint8_t (**digests)[32], uint8_t commitment[32],
             uint32_t *chunks)
{
	uint8_t(*d)[32] = calloc(sub->nb + 1, 32);
	size_t i;

	*digests = NULL;
	if (d == NULL)
		return EXIT_SOFTWARE;
	for (i = 0; i < sub->nb; i++) {
		const struct blind_batch *b = &sub->batches[i];
		if (roundhash_batch_digest(b->counterpart, b->offers, b->offers_len, b->needs,
		                           b->needs_len, d[i]) != SYM_OK) {
			free(d);
			return EXIT_SOFTWARE;
		}
	}
	roundhash_commitment(sub->round, sub->id, (const uint8_t(*)[32])d, sub->nb, commitment);
	for (*chunks = 0, i = 0; i < sub->nb; (*chunks)++)
		i = s_chunk_end(sub->batches, sub->nb, i);
	/* No member within the round's reach: one empty chunk (a submission has at least one). */
	if (*chunks == 0)
		*chunks = 1;
	*digests = d;
	return 0;
}

/*
 * Batches [start, end) as chunk `index`, signed over its chunk digest (the
 * batches' digests, already computed for the commitment): the payload is
 * not hashed a second time, here or at the coordinator.
 */
static int
s_send_chunk(struct session *s, const struct submission *sub, const uint8_t (*digests)[32],
             uint32_t index, size_t start, size_t end, struct sym_diag *diag)
{
	uint8_t chunk_digest[32];
	Symbiod__SubmitChunk chunk = SYMBIOD__SUBMIT_CHUNK__INIT;
	Symbiod__SubmitAck *ack = NULL;
	Symbiod__TokenBatch *tb = calloc(end - start + 1, sizeof(*tb));
	Symbiod__TokenBatch **ptrs = calloc(end - start + 1, sizeof(*ptrs));
	size_t k;
	int rc = EXIT_SOFTWARE;

	if (tb == NULL || ptrs == NULL)
		goto out;
	for (k = 0; k < end - start; k++) {
		const struct blind_batch *b = &sub->batches[start + k];

		symbiod__token_batch__init(&tb[k]);
		tb[k].counterpart = (char *)b->counterpart;
		tb[k].offer_tokens = session_bytes(b->offers, b->offers_len);
		tb[k].need_tokens = session_bytes(b->needs, b->needs_len);
		ptrs[k] = &tb[k];
	}
	chunk.submission_id = session_bytes(sub->id, 16);
	chunk.index = index;
	chunk.n_batches = end - start;
	chunk.batches = ptrs;
	roundhash_chunk(sub->id, index, digests + start, end - start, chunk_digest);
	rc = rpc_call_chunk(s->c, &chunk.base, chunk_digest, &symbiod__submit_ack__descriptor,
	                    (ProtobufCMessage **)&ack, diag);
	if (rc == 0)
		wire_free(&ack->base);
out:
	free(tb);
	free(ptrs);
	return rc;
}

/* Chunks in order, cut exactly where s_commitment counted them. */
static int
s_send_chunks(struct session *s, const struct submission *sub, const uint8_t (*digests)[32],
              uint32_t chunks, struct sym_diag *diag)
{
	struct progress bar = {NULL, 0, 0, 0};
	uint32_t index = 0;
	size_t start = 0, end;
	int rc = 0;

	progress_begin(&bar, "uploading", chunks);
	do { /* at least one chunk, empty when no member is within reach */
		end = s_chunk_end(sub->batches, sub->nb, start);
		if ((rc = s_send_chunk(s, sub, digests, index++, start, end, diag)) != 0)
			break;
		progress_step(&bar, index);
		start = end;
	} while (start < sub->nb);
	progress_end(&bar);
	return rc;
}

int
submission_send(struct session *s, const struct submission *sub, struct sym_diag *diag)
{
	Symbiod__SubmitBegin begin = SYMBIOD__SUBMIT_BEGIN__INIT;
	Symbiod__SubmitCommit commit = SYMBIOD__SUBMIT_COMMIT__INIT;
	Symbiod__SubmitAck *ack = NULL;
	uint8_t commitment[32], (*digests)[32] = NULL;
	uint32_t chunks;
	char hex[33];
	int rc;

	if ((rc = s_commitment(sub, &digests, commitment, &chunks)) != 0)
		return rc;
	begin.round_id = commit.round_id = session_bytes(sub->round, 16);
	begin.submission_id = commit.submission_id = session_bytes(sub->id, 16);
	begin.commitment = commit.commitment = session_bytes(commitment, 32);
	begin.chunks = chunks;
	begin.has_token_encoding = 1;
	begin.token_encoding = protocol_announcement_token_encoding(sub->ann);
	rc = rpc_call(s->c, SYMBIOD__MSG_TYPE__MSG_SUBMIT_BEGIN, &begin.base,
	              &symbiod__submit_ack__descriptor, (ProtobufCMessage **)&ack, diag);
	if (rc == 0) {
		wire_free(&ack->base);
		rc = s_send_chunks(s, sub, (const uint8_t(*)[32])digests, chunks, diag);
	}
	free(digests);
	if (rc != 0)
		return rc;
	/* Only this acknowledgement means stored durably: the daemon commits before answering. */
	if ((rc = rpc_call(s->c, SYMBIOD__MSG_TYPE__MSG_SUBMIT_COMMIT, &commit.base,
	                   &symbiod__submit_ack__descriptor, (ProtobufCMessage **)&ack, diag)) != 0)
		return rc;
	util_hex(sub->id, 16, hex);
	rc = logcheck_proof(s->st, s->c, ack->proof, "submission", "submission", hex, diag);
	wire_free(&ack->base);
	return rc;
}

static void
s_report(const struct cmd_args *a, const struct submission *sub)
{
	char rhex[33];

	util_hex(sub->round, 16, rhex);
	if (a->json) {
		json_t *j = json_pack("{s:s, s:i, s:i, s:i, s:i, s:I}", "round", rhex, "offers",
		                      (int)sub->fl->n_offers, "needs", (int)sub->fl->n_needs,
		                      "counterparts", (int)sub->nb, "beyond_reach",
		                      (int)sub->beyond, "bytes", (json_int_t)sub->bytes);
		json_dumpf(j, stdout, JSON_INDENT(2));
		fputc('\n', stdout);
		json_decref(j);
	}
	if (a->quiet)
		return;
	fprintf(stderr,
	        "symbi submit: %zu offers and %zu needs submitted to round %.8s as tokens for %zu "
	        "counterparts (%zu bytes; %zu beyond the round's reach)\n",
	        sub->fl->n_offers, sub->fl->n_needs, rhex, sub->nb, sub->bytes, sub->beyond);
}

/*
 * A hardened round in its query phase (HARDENED.md): record the flows with
 * a fresh round key and send the key commitment and the query batch now;
 * `symbi sync` (or the agent) answers and submits in the later phases.
 */
static int
s_hardened(struct session *s, const struct cmd_args *a, const char *path, struct submission *sub,
           struct sym_diag *diag)
{
	struct hard_counts hc;
	char rhex[33];
	int rc;

	memset(&hc, 0, sizeof(hc));
	flows_free(&sub->fl);
	if ((rc = hard_query(s, sub->round, path, &hc, diag)) != 0)
		return rc;
	util_hex(sub->round, 16, rhex);
	if (a->json) {
		json_t *j = json_pack("{s:s, s:s, s:s, s:b}", "round", rhex, "mode", "hardened",
		                      "phase", "query", "queried", 1);
		json_dumpf(j, stdout, JSON_INDENT(2));
		fputc('\n', stdout);
		json_decref(j);
	}
	if (!a->quiet)
		fprintf(stderr,
		        "symbi submit: round %.8s is hardened: flows recorded, round key committed "
		        "and query batch sent; symbi sync (or the agent) answers and submits in "
		        "the next phases\n",
		        rhex);
	return 0;
}

int
submit_run(const struct cmd_args *a, const char *path)
{
	struct sym_diag diag = {""};
	struct submission sub;
	struct session s;
	int rc;

	memset(&sub, 0, sizeof(sub));
	/* Everything local first: a bad file or key sends nothing. */
	if ((rc = session_open(a, 0, &s, &diag)) != 0 ||
	    (rc = s_prepare(&s, a, path, &sub, &diag)) != 0)
		goto fail;
	if (strcmp(sub.phase, "query") == 0) {
		if ((rc = s_hardened(&s, a, path, &sub, &diag)) != 0)
			goto fail;
		goto out;
	}
	if ((rc = s_blind(&s, &sub, &diag)) != 0)
		goto fail;
	/* Before the network: a send that fails still leaves the next attempt a warm cache. */
	session_pair_save(&s);
	randombytes_buf(sub.id, sizeof(sub.id));
	if ((rc = submission_send(&s, &sub, &diag)) != 0)
		goto fail;
	memcpy(sub.rf.round, sub.round, 16);
	memcpy(sub.rf.submission, sub.id, 16);
	sub.rf.token_encoding = protocol_announcement_token_encoding(sub.ann);
	sub.rf.flows = json_incref(sub.fl->doc);
	sub.rf.consents = json_object();
	if (roundfile_save(a->dir, &sub.rf, &diag) != SYM_OK) {
		/* Submitted, but we could not keep what maps tokens back: say so loudly. */
		fprintf(stderr, "symbi submit: submitted, but cannot save the round record: %s\n",
		        diag.msg);
		rc = EXIT_CANTCREAT;
		goto out;
	}
	s_report(a, &sub);
	goto out;
fail:
	fprintf(stderr, "symbi submit: %s\n", diag.msg[0] ? diag.msg : "failed");
out:
	submission_clear(&sub);
	session_close(&s);
	return rc;
}

int
cmd_submit(int argc, char **argv)
{
	const char *usage = "submit --dir STATE FLOWS.json";
	struct cmd_args a;
	int rc;

	if ((rc = round_args_parse(argc, argv, &a, usage, 1)) != 0)
		return rc < 0 ? 0 : rc;
	if (a.first != argc - 1)
		return cmd_args_usage(usage);
	return submit_run(&a, argv[a.first]);
}
