/*
 * symbi-rawsubmit: a member that ignores the round's size policy, for the
 * size tests (never installed). It signs a real submission with a company's
 * STATE keys, but its sets hold random tokens of the sizes it is told:
 *
 *   symbi-rawsubmit --dir STATE --offers N --needs N [--chunk v1|v2|forged]
 *                   [--encoding N] PEER...
 *
 * one batch per PEER, then begin, one chunk and commit, as symbi submit
 * would. The chunk is signed as a version 1 request (over its payload's
 * SHA-256: a client from before chunk digests, the default), as version 2
 * (over its chunk digest, as symbi submit signs it), or `forged`: version 2
 * over the digest of batches whose first token then changes, what an
 * attacker who alters a signed chunk would send. Exit 0 when the coordinator
 * took it; otherwise the refusal's exit code, and its message on stderr.
 * --encoding says which token encoding SubmitBegin claims (default: this
 * build's; 0: none, as a client from before protocol 1.2 sends).
 */
#include <getopt.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "roundhash.h"
#include "rpc.h"
#include "state.h"
#include "token.h"
#include "tokset.h"
#include "transport.h"
#include "wire.h"

/* n distinct random tokens in wire order (*out malloc'd). */
static uint8_t *
s_random_set(size_t n)
{
	token_t *t = malloc((n + 1) * sizeof(*t)), *scratch = malloc((n + 1) * sizeof(*t));
	size_t got = 0;

	if (t == NULL || scratch == NULL) {
		free(t);
		free(scratch);
		return NULL;
	}
	while (got < n) {
		randombytes_buf(t + got, (n - got) * sizeof(*t));
		got = tokset_wire_sort(t, n, scratch);
	}
	free(scratch);
	return (uint8_t *)t;
}

enum s_chunk_mode { S_CHUNK_V1, S_CHUNK_V2, S_CHUNK_FORGED };

/* The chunk, signed as `mode` says. */
static int
s_send_chunk(struct conn *c, Symbiod__SubmitChunk *chunk, const uint8_t (*digests)[32],
             enum s_chunk_mode mode, struct sym_diag *diag)
{
	Symbiod__SubmitAck *ack = NULL;
	uint8_t chunk_digest[32];
	int rc;

	if (mode == S_CHUNK_V1)
		rc = rpc_call(c, SYMBIOD__MSG_TYPE__MSG_SUBMIT_CHUNK, &chunk->base,
		              &symbiod__submit_ack__descriptor, (ProtobufCMessage **)&ack, diag);
	else {
		roundhash_chunk(chunk->submission_id.data, chunk->index, digests, chunk->n_batches,
		                chunk_digest);
		/* Signed over these batches; the first token goes out changed. */
		if (mode == S_CHUNK_FORGED && chunk->batches[0]->offer_tokens.len > 0)
			chunk->batches[0]->offer_tokens.data[0] ^= 0x01;
		rc = rpc_call_chunk(c, &chunk->base, chunk_digest, &symbiod__submit_ack__descriptor,
		                    (ProtobufCMessage **)&ack, diag);
	}
	if (rc == 0)
		wire_free(&ack->base);
	return rc;
}

static int
s_submit(struct conn *c, const uint8_t round[16], Symbiod__TokenBatch **b, size_t nb,
         enum s_chunk_mode mode, unsigned encoding, struct sym_diag *diag)
{
	Symbiod__SubmitBegin begin = SYMBIOD__SUBMIT_BEGIN__INIT;
	Symbiod__SubmitChunk chunk = SYMBIOD__SUBMIT_CHUNK__INIT;
	Symbiod__SubmitCommit commit = SYMBIOD__SUBMIT_COMMIT__INIT;
	Symbiod__SubmitAck *ack = NULL;
	uint8_t sub_id[16], commitment[32], (*digests)[32] = calloc(nb + 1, 32);
	size_t i;
	int rc;

	if (digests == NULL)
		return 70;
	randombytes_buf(sub_id, sizeof(sub_id));
	for (i = 0; i < nb; i++)
		if (roundhash_batch_digest(b[i]->counterpart, b[i]->offer_tokens.data,
		                           b[i]->offer_tokens.len, b[i]->need_tokens.data,
		                           b[i]->need_tokens.len, digests[i]) != SYM_OK)
			return 70;
	roundhash_commitment(round, sub_id, (const uint8_t(*)[32])digests, nb, commitment);
	begin.round_id.data = commit.round_id.data = (uint8_t *)round;
	begin.round_id.len = commit.round_id.len = 16;
	begin.submission_id.data = chunk.submission_id.data = commit.submission_id.data = sub_id;
	begin.submission_id.len = chunk.submission_id.len = commit.submission_id.len = 16;
	begin.commitment.data = commit.commitment.data = commitment;
	begin.commitment.len = commit.commitment.len = 32;
	begin.chunks = 1;
	begin.has_token_encoding = encoding != 0;
	begin.token_encoding = encoding;
	chunk.n_batches = nb;
	chunk.batches = b;
	rc = rpc_call(c, SYMBIOD__MSG_TYPE__MSG_SUBMIT_BEGIN, &begin.base,
	              &symbiod__submit_ack__descriptor, (ProtobufCMessage **)&ack, diag);
	if (rc == 0) {
		wire_free(&ack->base);
		rc = s_send_chunk(c, &chunk, (const uint8_t(*)[32])digests, mode, diag);
	}
	free(digests);
	if (rc != 0)
		return rc;
	if ((rc = rpc_call(c, SYMBIOD__MSG_TYPE__MSG_SUBMIT_COMMIT, &commit.base,
	                   &symbiod__submit_ack__descriptor, (ProtobufCMessage **)&ack, diag)) != 0)
		return rc;
	wire_free(&ack->base);
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"dir", required_argument, NULL, 'd'},      {"offers", required_argument, NULL, 'o'},
	    {"needs", required_argument, NULL, 'n'},    {"chunk", required_argument, NULL, 'c'},
	    {"encoding", required_argument, NULL, 'e'}, {NULL, 0, NULL, 0}};
	unsigned encoding = TOKEN_VERSION;
	enum s_chunk_mode mode = S_CHUNK_V1;
	Symbiod__RoundRequest rreq = SYMBIOD__ROUND_REQUEST__INIT;
	Symbiod__RoundAnnouncement *ann = NULL;
	Symbiod__TokenBatch *tb = NULL, **ptrs = NULL;
	struct conn_opts copts = {5000, 1};
	struct sym_diag diag = {""};
	struct client_state *st = NULL;
	struct conn *c = NULL;
	const char *dir = NULL;
	size_t offers = 0, needs = 0, nb, i;
	int ch, rc = 2;

	if (sodium_init() < 0)
		return 2;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch == 'd')
			dir = optarg;
		else if (ch == 'o')
			offers = strtoul(optarg, NULL, 10);
		else if (ch == 'n')
			needs = strtoul(optarg, NULL, 10);
		else if (ch == 'c' && strcmp(optarg, "v1") == 0)
			mode = S_CHUNK_V1;
		else if (ch == 'c' && strcmp(optarg, "v2") == 0)
			mode = S_CHUNK_V2;
		else if (ch == 'c' && strcmp(optarg, "forged") == 0)
			mode = S_CHUNK_FORGED;
		else if (ch == 'e')
			encoding = (unsigned)strtoul(optarg, NULL, 10);
		else
			return 2;
	}
	nb = (size_t)(argc - optind);
	if (dir == NULL || nb == 0 || state_load(dir, &st, &diag) != SYM_OK) {
		fprintf(stderr,
		        "usage: symbi-rawsubmit --dir STATE --offers N --needs N [--chunk "
		        "v1|v2|forged] [--encoding N] PEER... %s\n",
		        diag.msg);
		return 2;
	}
	tb = calloc(nb, sizeof(*tb));
	ptrs = calloc(nb, sizeof(*ptrs));
	if (tb == NULL || ptrs == NULL)
		goto out;
	for (i = 0; i < nb; i++) {
		symbiod__token_batch__init(&tb[i]);
		tb[i].counterpart = argv[optind + (int)i];
		tb[i].offer_tokens.data = s_random_set(offers);
		tb[i].offer_tokens.len = offers * TOKEN_LEN;
		tb[i].need_tokens.data = s_random_set(needs);
		tb[i].need_tokens.len = needs * TOKEN_LEN;
		ptrs[i] = &tb[i];
	}
	if ((rc = conn_open(st, &copts, &c, &diag)) != SYM_OK ||
	    (rc = rpc_call(c, SYMBIOD__MSG_TYPE__MSG_ROUND, &rreq.base,
	                   &symbiod__round_announcement__descriptor, (ProtobufCMessage **)&ann,
	                   &diag)) != 0 ||
	    (rc = s_submit(c, ann->round_id.data, ptrs, nb, mode, encoding, &diag)) != 0)
		fprintf(stderr, "symbi-rawsubmit: %s\n", diag.msg);
out:
	for (i = 0; tb != NULL && i < nb; i++) {
		free(tb[i].offer_tokens.data);
		free(tb[i].need_tokens.data);
	}
	free(tb);
	free(ptrs);
	wire_free(ann ? &ann->base : NULL);
	conn_close(&c);
	state_free(&st);
	return rc;
}
