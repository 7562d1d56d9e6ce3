/*
 * symbi-hardprobe: a malicious member of a hardened round (HARDENED.md), for
 * the refusal tests. It uses a company's real STATE keys and a round key
 * derived from --seed (so that a later call answers under the key an earlier
 * one committed), and sends what an honest client never would. It prints one
 * JSON line per request: {"note", "status", "message"}.
 *
 * usage: symbi-hardprobe MODE --dir STATE --round HEX --seed STR [options]
 *   query  [--count N]     commit the key, then one batch of N random elements
 *   answer --querier ID [--extra N] [--wrongkey] [--batch FILE]
 *                          answer ID's batch: with N more elements than asked,
 *                          or proved under another key than the committed one;
 *                          --batch keeps the batch in FILE (read from it when
 *                          it exists: the daemon lists only unanswered batches)
 */
#include <getopt.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hardtoken.h"
#include "sig.h"
#include "state.h"
#include "transport.h"
#include "util.h"
#include "voprf.h"
#include "wire.h"

struct probe {
	struct client_state *st;
	struct conn *c;
	uint8_t round[16], sk[32], pk[32];
};

/* Send one typed payload; print what came back; *reply_out the reply payload when OK. */
static int
s_call(struct probe *p, uint32_t type, const ProtobufCMessage *msg, const char *note,
       uint8_t **reply_out, size_t *reply_len)
{
	struct sym_diag diag = {""};
	Symbiod__Response *resp = NULL;
	uint8_t *payload = NULL, *req = NULL, *ans = NULL;
	size_t plen = 0, rlen = 0, alen = 0;
	int rc = 2;

	if (wire_pack(msg, &payload, &plen) != SYM_OK ||
	    wire_request_build(p->st->park_id, type, NULL, wire_now_ms(), p->st->id,
	                       p->st->identity->sk, payload, plen, &req, &rlen, NULL) != SYM_OK ||
	    conn_call_raw(p->c, req, rlen, &ans, &alen, &diag) != SYM_OK ||
	    wire_response_decode(ans, alen, p->st->park_id, p->st->park.coordinator_ed25519,
	                         &resp) != SYM_OK) {
		printf("{\"note\": \"%s\", \"error\": \"no signed answer\"}\n", note);
		goto out;
	}
	json_t *j = json_pack("{s:s, s:i, s:s}", "note", note, "status", resp->status, "message",
	                      resp->message ? resp->message : "");
	json_dumpf(j, stdout, 0);
	fputc('\n', stdout);
	json_decref(j);
	if (reply_out != NULL && resp->status == 0 && resp->has_payload) {
		*reply_out = malloc(resp->payload.len + 1);
		memcpy(*reply_out, resp->payload.data, resp->payload.len);
		*reply_len = resp->payload.len;
	}
	rc = 0;
out:
	wire_free(resp ? &resp->base : NULL);
	free(payload);
	free(req);
	free(ans);
	return rc;
}

static int
s_query(struct probe *p, uint32_t count)
{
	Symbiod__HardKey key = SYMBIOD__HARD_KEY__INIT;
	Symbiod__HardQuery q = SYMBIOD__HARD_QUERY__INIT;
	uint8_t stmt[HARDTOKEN_STATEMENT_MAX], ksig[64], qsig[64], digest[32], block[16], blind[32];
	uint8_t *blinded = malloc((size_t)count * 32 + 1);
	size_t len = 0, k;
	int rc = 2;

	for (k = 0; blinded != NULL && k < count; k++) {
		randombytes_buf(block, sizeof(block));
		if (voprf_blind(VOPRF_MODE_VOPRF, block, 16, blind, blinded + k * 32) != SYM_OK)
			goto out;
	}
	hardtoken_digest(blinded, (size_t)count * 32, digest);
	if (blinded == NULL ||
	    hardtoken_key_statement(p->st->park_id, p->round, p->st->id, p->pk, stmt, &len) !=
	        SYM_OK ||
	    sig_sign(p->st->identity->sk, stmt, len, ksig) != SYM_OK ||
	    hardtoken_query_statement(p->st->park_id, p->round, p->st->id, count, digest, stmt,
	                              &len) != SYM_OK ||
	    sig_sign(p->st->identity->sk, stmt, len, qsig) != SYM_OK)
		goto out;
	key.round_id = q.round_id = (ProtobufCBinaryData){16, p->round};
	key.pk = (ProtobufCBinaryData){32, p->pk};
	key.signature = (ProtobufCBinaryData){64, ksig};
	q.blinded = (ProtobufCBinaryData){(size_t)count * 32, blinded};
	q.signature = (ProtobufCBinaryData){64, qsig};
	if ((rc = s_call(p, SYMBIOD__MSG_TYPE__MSG_HARD_KEY, &key.base, "key", NULL, NULL)) == 0)
		rc = s_call(p, SYMBIOD__MSG_TYPE__MSG_HARD_QUERY, &q.base, "query", NULL, NULL);
out:
	free(blinded);
	return rc;
}

/* querier's batch, from the queries addressed to us (*blinded malloc'd). */
static int
s_batch_of(struct probe *p, const char *querier, uint8_t **blinded, size_t *len, uint8_t qd[32])
{
	Symbiod__HardFetch f = SYMBIOD__HARD_FETCH__INIT;
	Symbiod__HardBatches *page = NULL;
	uint8_t *reply = NULL;
	size_t rlen = 0, i;
	int rc = 2;

	f.round_id = (ProtobufCBinaryData){16, p->round};
	if (s_call(p, SYMBIOD__MSG_TYPE__MSG_HARD_FETCH, &f.base, "fetch", &reply, &rlen) != 0 ||
	    reply == NULL ||
	    wire_unpack(&symbiod__hard_batches__descriptor, reply, rlen, 0,
	                (ProtobufCMessage **)&page) != SYM_OK)
		goto out;
	for (i = 0; i < page->n_batches; i++)
		if (strcmp(page->batches[i]->querier, querier) == 0) {
			*len = page->batches[i]->elements.len;
			*blinded = malloc(*len + 1);
			memcpy(*blinded, page->batches[i]->elements.data, *len);
			hardtoken_digest(*blinded, *len, qd);
			rc = 0;
		}
out:
	wire_free(page ? &page->base : NULL);
	free(reply);
	return rc;
}

/* The batch from FILE when it exists, else fetched and written there. */
static int
s_batch_file(struct probe *p, const char *querier, const char *file, uint8_t **blinded, size_t *len,
             uint8_t qd[32])
{
	char *buf = NULL;

	if (file != NULL && util_read_file(file, 1u << 24, &buf, len) == SYM_OK) {
		*blinded = (uint8_t *)buf;
		hardtoken_digest(*blinded, *len, qd);
		return 0;
	}
	if (s_batch_of(p, querier, blinded, len, qd) != 0)
		return 2;
	if (file != NULL && util_write_file(file, *blinded, *len, 0600, 0) != SYM_OK)
		return 2;
	return 0;
}

static int
s_answer(struct probe *p, const char *querier, uint32_t extra, int wrongkey, const char *file)
{
	Symbiod__HardAnswer a = SYMBIOD__HARD_ANSWER__INIT;
	uint8_t *blinded = NULL, *ev = NULL, qd[32], proof[64], digest[32], sig[64], osk[32],
	        opk[32];
	uint8_t stmt[HARDTOKEN_STATEMENT_MAX];
	size_t blen = 0, m, len = 0, k;
	int rc = 2;

	if (s_batch_file(p, querier, file, &blinded, &blen, qd) != 0)
		return 2;
	m = blen / 32 + extra;
	if ((blinded = realloc(blinded, m * 32 + 1)) == NULL || (ev = malloc(m * 32 + 1)) == NULL)
		goto out;
	for (k = blen / 32; k < m; k++) /* more elements than the batch: the first ones again */
		memcpy(blinded + k * 32, blinded + (k - blen / 32) * 32, 32);
	if (voprf_keypair(osk, opk) != SYM_OK ||
	    voprf_blind_evaluate_proof(wrongkey ? osk : p->sk, wrongkey ? opk : p->pk, blinded, m,
	                               ev, proof) != SYM_OK)
		goto out;
	hardtoken_digest(ev, m * 32, digest);
	if (hardtoken_answer_statement(p->st->park_id, p->round, p->st->id, querier, qd,
	                               (uint32_t)m, digest, proof, stmt, &len) != SYM_OK ||
	    sig_sign(p->st->identity->sk, stmt, len, sig) != SYM_OK)
		goto out;
	a.round_id = (ProtobufCBinaryData){16, p->round};
	a.querier = (char *)querier;
	a.query_digest = (ProtobufCBinaryData){32, qd};
	a.evaluated = (ProtobufCBinaryData){m * 32, ev};
	a.proof = (ProtobufCBinaryData){64, proof};
	a.signature = (ProtobufCBinaryData){64, sig};
	rc = s_call(p, SYMBIOD__MSG_TYPE__MSG_HARD_ANSWER, &a.base, "answer", NULL, NULL);
out:
	free(blinded);
	free(ev);
	return rc;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {{"dir", required_argument, NULL, 'd'},
	                                     {"round", required_argument, NULL, 'r'},
	                                     {"seed", required_argument, NULL, 's'},
	                                     {"count", required_argument, NULL, 'n'},
	                                     {"querier", required_argument, NULL, 'q'},
	                                     {"extra", required_argument, NULL, 'e'},
	                                     {"wrongkey", no_argument, NULL, 'w'},
	                                     {"batch", required_argument, NULL, 'b'},
	                                     {NULL, 0, NULL, 0}};
	const char *dir = NULL, *round_hex = NULL, *seed = "seed", *querier = NULL, *mode,
	           *file = NULL;
	struct conn_opts copts = {5000, 1};
	struct sym_diag diag = {""};
	uint8_t seed32[32];
	uint32_t count = 256, extra = 0;
	int ch, wrongkey = 0, rc = 2;
	struct probe p;

	memset(&p, 0, sizeof(p));
	if (sodium_init() < 0 || argc < 2)
		return 2;
	mode = argv[1];
	optind = 2;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'd': dir = optarg; break;
		case 'r': round_hex = optarg; break;
		case 's': seed = optarg; break;
		case 'n': count = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'q': querier = optarg; break;
		case 'e': extra = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'w': wrongkey = 1; break;
		case 'b': file = optarg; break;
		default: return 2;
		}
	}
	crypto_hash_sha256(seed32, (const uint8_t *)seed, strlen(seed));
	if (dir == NULL || round_hex == NULL || util_unhex(round_hex, p.round, 16) != SYM_OK ||
	    voprf_derive_keypair(VOPRF_MODE_VOPRF, seed32, (const uint8_t *)"hardprobe", 9, p.sk,
	                         p.pk) != SYM_OK ||
	    state_load(dir, &p.st, &diag) != SYM_OK ||
	    conn_open(p.st, &copts, &p.c, &diag) != SYM_OK) {
		fprintf(stderr, "symbi-hardprobe: %s\n", diag.msg);
		goto out;
	}
	if (strcmp(mode, "query") == 0)
		rc = s_query(&p, count);
	else if (strcmp(mode, "answer") == 0 && querier != NULL)
		rc = s_answer(&p, querier, extra, wrongkey, file);
	else
		fprintf(stderr, "symbi-hardprobe: unknown mode %s\n", mode);
out:
	sodium_memzero(p.sk, sizeof(p.sk));
	conn_close(&p.c);
	state_free(&p.st);
	return rc;
}
