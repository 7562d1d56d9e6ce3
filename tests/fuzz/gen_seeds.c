/*
 * Writes the generated part of the seed corpora (run by gen_seeds.sh, which
 * adds the copied files): usage  fuzz_gen_seeds CORPUS_DIR
 *   fuzz_wire_unpack    every message type, filled generically (each field
 *                       set, one element per repeated field), index byte first
 *   fuzz_wire_request   signed requests of every type (fixed member key)
 *   fuzz_wire_response  signed responses of every type (fixed coordinator key)
 *   fuzz_checkpoint     signed checkpoints (fixed coordinator key)
 *   fuzz_zap            admitted, unknown key, wrong domain, PLAIN requests
 *   fuzz_merkle         raw and real-tree inputs of each mode
 *   fuzz_cert           CSRs (mode 2) and their PEM (mode 3)
 *   fuzz_envelope       sealed items of the fixture flows (mode 0), plain (mode 1)
 *   fuzz_hardanswer     a page with the fixed key's signed answer, a forged one
 *   fuzz_shamir         the sealed share (mode 0), recovery sets (mode 1)
 * Deterministic except for CSR keys, envelope nonces and timestamps.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cert.h"
#include "checkpoint.h"
#include "envelope.h"
#include "fuzz_common.h"
#include "fuzz_descriptors.h"
#include "hardtoken.h"
#include "indhash.h"
#include "keys.h"
#include "merkle.h"
#include "sig.h"
#include "util.h"
#include "wire.h"

static const char *s_root;

static void
s_write(const char *target, const char *name, const uint8_t *pre, size_t pre_len, const void *data,
        size_t len)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", s_root, target);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/%s/%s", s_root, target, name);
	if ((f = fopen(path, "wb")) == NULL ||
	    (pre_len > 0 && fwrite(pre, 1, pre_len, f) != pre_len) ||
	    fwrite(data, 1, len, f) != len || fclose(f) != 0) {
		fprintf(stderr, "gen_seeds: cannot write %s\n", path);
		exit(1);
	}
}

static uint8_t s_bytes[32] = {0xab, 0xcd, 1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14,
                              15,   16,   17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30};

/* A message of desc with every field set (leaked: the generator is short-lived). */
static ProtobufCMessage *
s_fill(const ProtobufCMessageDescriptor *desc, int depth)
{
	ProtobufCMessage *m = calloc(1, desc->sizeof_message);
	unsigned i;

	protobuf_c_message_init(desc, m);
	for (i = 0; i < desc->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &desc->fields[i];
		uint8_t *p = (uint8_t *)m + f->offset;
		size_t esz;
		void *elem;

		switch (f->type) {
		case PROTOBUF_C_TYPE_STRING: esz = sizeof(char *); break;
		case PROTOBUF_C_TYPE_BYTES: esz = sizeof(ProtobufCBinaryData); break;
		case PROTOBUF_C_TYPE_MESSAGE: esz = sizeof(void *); break;
		case PROTOBUF_C_TYPE_INT64:
		case PROTOBUF_C_TYPE_UINT64:
		case PROTOBUF_C_TYPE_SINT64:
		case PROTOBUF_C_TYPE_FIXED64:
		case PROTOBUF_C_TYPE_SFIXED64:
		case PROTOBUF_C_TYPE_DOUBLE: esz = 8; break;
		case PROTOBUF_C_TYPE_BOOL: esz = sizeof(protobuf_c_boolean); break;
		default: esz = 4; break;
		}
		if (f->type == PROTOBUF_C_TYPE_MESSAGE && depth >= 3 &&
		    f->label != PROTOBUF_C_LABEL_REQUIRED)
			continue;
		if (f->label == PROTOBUF_C_LABEL_REPEATED) {
			elem = calloc(1, esz);
			*(size_t *)((uint8_t *)m + f->quantifier_offset) = 1;
			*(void **)p = elem;
		} else {
			elem = p;
			if (f->label == PROTOBUF_C_LABEL_OPTIONAL && f->quantifier_offset != 0 &&
			    f->type != PROTOBUF_C_TYPE_STRING && f->type != PROTOBUF_C_TYPE_MESSAGE)
				*(protobuf_c_boolean *)((uint8_t *)m + f->quantifier_offset) = 1;
		}
		switch (f->type) {
		case PROTOBUF_C_TYPE_STRING: *(const char **)elem = "co-a"; break;
		case PROTOBUF_C_TYPE_BYTES: {
			ProtobufCBinaryData *b = elem;
			b->data = s_bytes;
			b->len = 16;
			break;
		}
		case PROTOBUF_C_TYPE_MESSAGE:
			*(ProtobufCMessage **)elem = s_fill(f->descriptor, depth + 1);
			break;
		case PROTOBUF_C_TYPE_ENUM: {
			const ProtobufCEnumDescriptor *ed = f->descriptor;
			*(int *)elem = ed->n_values > 1 ? ed->values[1].value : ed->values[0].value;
			break;
		}
		case PROTOBUF_C_TYPE_BOOL: *(protobuf_c_boolean *)elem = 1; break;
		default:
			if (esz == 8)
				*(uint64_t *)elem = 1;
			else
				*(uint32_t *)elem = 1;
			break;
		}
	}
	return m;
}

static uint8_t *
s_pack(const ProtobufCMessage *m, size_t *len)
{
	/* protobuf-c directly: wire_pack refuses messages with unset required fields. */
	uint8_t *buf = malloc(protobuf_c_message_get_packed_size(m) + 1);

	if (buf == NULL)
		abort();
	*len = protobuf_c_message_pack(m, buf);
	return buf;
}

static void
s_wire(void)
{
	static const ProtobufCMessageDescriptor *const req[] = {
	    NULL, &symbiod__status_request__descriptor, &symbiod__directory_request__descriptor,
	    &symbiod__round_request__descriptor, &symbiod__submit_begin__descriptor,
	    &symbiod__submit_chunk__descriptor, &symbiod__submit_commit__descriptor,
	    &symbiod__candidates_request__descriptor, &symbiod__consent__descriptor,
	    &symbiod__releases_request__descriptor, &symbiod__checkpoint_request__descriptor,
	    &symbiod__deposit__descriptor,
	    /* Hardened rounds (MSG 12..15), then park indicators (MSG 17..20). */
	    &symbiod__hard_key__descriptor, &symbiod__hard_query__descriptor,
	    &symbiod__hard_fetch__descriptor, &symbiod__hard_answer__descriptor, NULL,
	    &symbiod__indicator_query__descriptor, &symbiod__indicator_submit__descriptor,
	    &symbiod__indicator_confirm__descriptor, &symbiod__indicator_unmask__descriptor};
	static const ProtobufCMessageDescriptor *const rep[] = {
	    NULL,
	    &symbiod__status_reply__descriptor,
	    &symbiod__directory__descriptor,
	    &symbiod__round_announcement__descriptor,
	    &symbiod__submit_ack__descriptor,
	    &symbiod__submit_ack__descriptor,
	    &symbiod__submit_ack__descriptor,
	    &symbiod__candidate_list__descriptor,
	    &symbiod__consent_ack__descriptor,
	    &symbiod__release_list__descriptor,
	    &symbiod__checkpoint_reply__descriptor,
	    &symbiod__deposit_ack__descriptor,
	    &symbiod__hard_ack__descriptor,
	    &symbiod__hard_ack__descriptor,
	    &symbiod__hard_batches__descriptor,
	    &symbiod__hard_ack__descriptor,
	    NULL,
	    &symbiod__indicator_state__descriptor,
	    &symbiod__indicator_ack__descriptor,
	    &symbiod__indicator_ack__descriptor,
	    &symbiod__indicator_ack__descriptor};
	uint8_t mpk[32], msk[64], cpk[32], csk[64], id[16], park[32], *buf, *out;
	size_t i, len, out_len;
	char name[64];

	fuzz_ed25519(FUZZ_KEY_MEMBER, mpk, msk);
	fuzz_park_id(park);
	fuzz_ed25519(FUZZ_KEY_COORDINATOR, cpk, csk);
	for (i = 0; i < FUZZ_NDESCRIPTORS; i++) {
		uint8_t idx = (uint8_t)i;
		ProtobufCMessage *m = s_fill(fuzz_descriptors[i], 0);
		buf = s_pack(m, &len);
		snprintf(name, sizeof(name), "%02zu-%s", i, fuzz_descriptors[i]->short_name);
		s_write("fuzz_wire_unpack", name, &idx, 1, buf, len);
		free(buf);
		/* and the empty message */
		protobuf_c_message_init(fuzz_descriptors[i], m);
		buf = s_pack(m, &len);
		snprintf(name, sizeof(name), "%02zu-%s-empty", i, fuzz_descriptors[i]->short_name);
		s_write("fuzz_wire_unpack", name, &idx, 1, buf, len);
		free(buf);
	}
	for (i = 1; i < sizeof(req) / sizeof(req[0]); i++) {
		uint8_t idx;
		if (req[i] == NULL)
			continue; /* MSG 16: not assigned */
		buf = s_pack(s_fill(req[i], 0), &len);
		if (wire_request_build(park, (uint32_t)i, NULL, wire_now_ms(), "co-a", msk, buf,
		                       len, &out, &out_len, id) != SYM_OK)
			abort();
		snprintf(name, sizeof(name), "req-%02zu", i);
		s_write("fuzz_wire_request", name, NULL, 0, out, out_len);
		idx = 0; /* the Request descriptor's index in fuzz_descriptors */
		s_write("fuzz_wire_unpack", name, &idx, 1, out, out_len);
		free(out);
		free(buf);
		buf = s_pack(s_fill(rep[i], 0), &len);
		if (wire_response_build(park, (uint32_t)i, id, SYMBIOD__STATUS__STATUS_OK, 0, "OK",
		                        buf, len, csk, &out, &out_len) != SYM_OK)
			abort();
		snprintf(name, sizeof(name), "resp-%02zu", i);
		s_write("fuzz_wire_response", name, NULL, 0, out, out_len);
		idx = 1;
		s_write("fuzz_wire_unpack", name, &idx, 1, out, out_len);
		free(out);
		free(buf);
	}
	if (wire_response_build(park, 1, id, 400, 0, "bad request", NULL, 0, csk, &out, &out_len) !=
	    SYM_OK)
		abort();
	s_write("fuzz_wire_response", "resp-400", NULL, 0, out, out_len);
	free(out);
}

static void
s_checkpoints(void)
{
	static const uint64_t sizes[] = {0, 1, 52, 1u << 20};
	struct checkpoint cp;
	uint8_t pk[32], sk[64];
	char *text, name[32];
	size_t i;

	fuzz_ed25519(FUZZ_KEY_COORDINATOR, pk, sk);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		memset(&cp, 0, sizeof(cp));
		checkpoint_origin(pk, cp.origin);
		cp.size = sizes[i];
		memset(cp.root, (int)i * 37, 32);
		if (checkpoint_sign(&cp, sk, pk, &text) != SYM_OK)
			abort();
		snprintf(name, sizeof(name), "cp-%zu", i);
		s_write("fuzz_checkpoint", name, NULL, 0, text, strlen(text));
		free(text);
	}
}

static void
s_zap_frames(const char *name, const char *const *frames, const size_t *lens, size_t n)
{
	uint8_t buf[1024];
	size_t i, pos = 0;

	for (i = 0; i < n; i++) {
		buf[pos++] = (uint8_t)lens[i];
		memcpy(buf + pos, frames[i], lens[i]);
		pos += lens[i];
	}
	s_write("fuzz_zap", name, NULL, 0, buf, pos);
}

static void
s_zap(void)
{
	char member[32], other[32];
	const char *ok[] = {"1.0", "req-1", "symbiod", "127.0.0.1", "", "CURVE", member};
	const char *wrong_domain[] = {"1.0", "req-2", "global", "127.0.0.1", "", "CURVE", member};
	const char *plain[] = {"1.0", "req-3", "symbiod", "127.0.0.1", "", "PLAIN", "u", "p"};
	const char *stranger[] = {"1.0", "req-4", "symbiod", "10.0.0.1", "id", "CURVE", other};
	size_t l7[] = {3, 5, 7, 9, 0, 5, 32}, lwd[] = {3, 5, 6, 9, 0, 5, 32},
	       lpl[] = {3, 5, 7, 9, 0, 5, 1, 1}, lst[] = {3, 5, 7, 8, 2, 5, 32};

	memset(member, 0x22, sizeof(member));
	memset(other, 0x33, sizeof(other));
	s_zap_frames("admitted", ok, l7, 7);
	s_zap_frames("wrong-domain", wrong_domain, lwd, 7);
	s_zap_frames("plain", plain, lpl, 8);
	s_zap_frames("stranger", stranger, lst, 7);
	s_zap_frames("short", ok, l7, 3);
}

static void
s_merkle(void)
{
	merkle_hash_t leaves[7], root, proof[MERKLE_MAX_PROOF];
	uint8_t buf[1 + 80 + 32 * MERKLE_MAX_PROOF], i;
	size_t plen, k;

	for (i = 0; i < 7; i++)
		merkle_leaf_hash(&i, 1, leaves[i]);
	if (merkle_root((const merkle_hash_t *)leaves, 7, root) != SYM_OK ||
	    merkle_inclusion_proof((const merkle_hash_t *)leaves, 7, 3, proof, &plen) != SYM_OK)
		abort();
	memset(buf, 0, sizeof(buf));
	buf[0] = 0;
	buf[8] = 3;  /* index (big-endian u64 at 1..8) */
	buf[16] = 7; /* size */
	memcpy(buf + 17, leaves[3], 32);
	memcpy(buf + 49, root, 32);
	memcpy(buf + 81, proof, plen * 32);
	s_write("fuzz_merkle", "inclusion-7-3", NULL, 0, buf, 81 + plen * 32);
	{
		merkle_hash_t old;
		if (merkle_root((const merkle_hash_t *)leaves, 3, old) != SYM_OK ||
		    merkle_consistency_proof((const merkle_hash_t *)leaves, 3, 7, proof, &plen) !=
		        SYM_OK)
			abort();
		memset(buf, 0, sizeof(buf));
		buf[0] = 1;
		buf[8] = 3;
		buf[16] = 7;
		memcpy(buf + 17, old, 32);
		memcpy(buf + 49, root, 32);
		memcpy(buf + 81, proof, plen * 32);
		s_write("fuzz_merkle", "consistency-3-7", NULL, 0, buf, 81 + plen * 32);
	}
	for (k = 0; k < 4; k++) {
		uint8_t real[12] = {2,
		                    (uint8_t)(k * 17 + 1),
		                    (uint8_t)(k * 5),
		                    0,
		                    (uint8_t)k,
		                    'l',
		                    'e',
		                    'a',
		                    'v',
		                    'e',
		                    's',
		                    '!'};
		char name[32];
		real[0] = 2 + (k & 1);
		snprintf(name, sizeof(name), "real-%zu", k);
		s_write("fuzz_merkle", name, NULL, 0, real, sizeof(real));
	}
}

static void
s_certs(void)
{
	struct keypair *id = keys_generate(KEY_ED25519);
	uint8_t x[32], c[32], mode;
	char *pem;

	memset(x, 0x44, 32);
	memset(c, 0x55, 32);
	if (id == NULL ||
	    cert_csr_create(id, "co-fuzz", "Fuzz Company AB", x, c, NULL, &pem) != SYM_OK)
		abort();
	mode = 2;
	s_write("fuzz_cert", "csr", &mode, 1, pem, strlen(pem));
	mode = 3;
	s_write("fuzz_cert", "pem-csr", &mode, 1, pem, strlen(pem));
	free(pem);
	keys_free(&id);
}

static void
s_envelopes(void)
{
	static const uint8_t round[16] = {1, 2, 3}, cand[16] = {4, 5, 6};
	uint8_t key[ENVELOPE_KEY_LEN], ad[ENVELOPE_AD_MAX], *env, mode;
	json_error_t jerr;
	json_t *doc = json_load_file(SYMBI_FUZZ_DIR "/fixtures/own-flows.json", 0, &jerr), *it;
	size_t i;
	int adlen;

	memset(key, 0x42, sizeof(key));
	if (doc == NULL || (adlen = envelope_ad(round, cand, "co-b", "co-a", ad)) < 0)
		abort();
	json_array_foreach (json_object_get(doc, "flows"), i, it) {
		char *text = json_dumps(it, JSON_COMPACT), name[32];
		size_t len = strlen(text);
		if (i % 3 != 0) {
			free(text);
			continue;
		}
		env = malloc(len + ENVELOPE_OVERHEAD);
		if (envelope_seal(key, ad, (size_t)adlen, (const uint8_t *)text, len, env) !=
		    SYM_OK)
			abort();
		mode = 0;
		snprintf(name, sizeof(name), "sealed-%02zu", i);
		s_write("fuzz_envelope", name, &mode, 1, env, len + ENVELOPE_OVERHEAD);
		mode = 1;
		snprintf(name, sizeof(name), "plain-%02zu", i);
		s_write("fuzz_envelope", name, &mode, 1, text, len);
		free(env);
		free(text);
	}
	json_decref(doc);
}

/* A HardBatches page holding the fixed answerer's answer to the fixed batch (fuzz_common.h). */
static void
s_hard_page(const char *name, int forge)
{
	uint8_t sk[32], pk[32], blocks[FUZZ_HARD_M][16], blinds[FUZZ_HARD_M][32];
	uint8_t blinded[FUZZ_HARD_M][32], ev[FUZZ_HARD_M][32], proof[64], qd[32], ed[32];
	uint8_t apk[32], ask[64], park[32], round[16], ksig[64], asig[64],
	    stmt[HARDTOKEN_STATEMENT_MAX];
	Symbiod__HardBatch b = SYMBIOD__HARD_BATCH__INIT, *bp = &b;
	Symbiod__HardBatches page = SYMBIOD__HARD_BATCHES__INIT;
	uint8_t *buf, flag;
	size_t len;

	fuzz_hard_key(sk, pk);
	fuzz_hard_batch(blocks, blinds, blinded);
	fuzz_ed25519(FUZZ_KEY_MEMBER, apk, ask);
	fuzz_park_id(park);
	memset(round, 0x12, sizeof(round));
	if (voprf_blind_evaluate_proof(sk, pk, &blinded[0][0], FUZZ_HARD_M, &ev[0][0], proof) != 0)
		abort();
	if (forge)
		ev[1][0] ^= 1; /* an element changed after the proof */
	hardtoken_digest(&blinded[0][0], sizeof(blinded), qd);
	hardtoken_digest(&ev[0][0], sizeof(ev), ed);
	if (hardtoken_key_statement(park, round, FUZZ_HARD_ANSWERER, pk, stmt, &len) != 0 ||
	    sig_sign(ask, stmt, len, ksig) != 0 ||
	    hardtoken_answer_statement(park, round, FUZZ_HARD_ANSWERER, FUZZ_HARD_QUERIER, qd,
	                               FUZZ_HARD_M, ed, proof, stmt, &len) != 0 ||
	    sig_sign(ask, stmt, len, asig) != 0)
		abort();
	b.querier = FUZZ_HARD_QUERIER;
	b.answerer = FUZZ_HARD_ANSWERER;
	b.elements.data = &ev[0][0], b.elements.len = sizeof(ev);
	b.signature.data = asig, b.signature.len = 64;
	b.has_query_digest = b.has_proof = b.has_pk = b.has_key_signature = 1;
	b.query_digest.data = qd, b.query_digest.len = 32;
	b.proof.data = proof, b.proof.len = 64;
	b.pk.data = pk, b.pk.len = 32;
	b.key_signature.data = ksig, b.key_signature.len = 64;
	page.n_batches = 1;
	page.batches = &bp;
	buf = s_pack(&page.base, &len);
	for (flag = 0; flag < 2; flag++) {
		char n[64];
		snprintf(n, sizeof(n), "%s-%s", name, flag ? "signed" : "unsigned");
		s_write("fuzz_hardanswer", n, &flag, 1, buf, len);
	}
	free(buf);
}

/* The sealed share (mode 0) and recovery sets (mode 1: t, n, then x << 1 | own y). */
static void
s_shares(void)
{
	static const uint8_t share[32] = {7, 6, 5, 4, 3, 2, 1};
	static const uint8_t sets[][8] = {
	    /* length, then the input */
	    {6, 1, 2, 4, 2 << 1, 4 << 1, 6 << 1},         /* t 3 of 5: x 2, 4, 6 (6 past n) */
	    {6, 1, 2, 4, 1 << 1, 2 << 1, 3 << 1},         /* t 3 of 5: 1, 2, 3 */
	    {5, 1, 0, 0, 1 << 1, 1 << 1},                 /* t 1: a repeated x */
	    {7, 1, 2, 3, 0, 1 << 1, 2 << 1, 3 << 1},      /* x 0 */
	    {7, 1, 7, 8, 1 << 1, 3 << 1, 5 << 1, 7 << 1}, /* t 8, 4 answers */
	};
	uint8_t key[32], round[16], ad[INDHASH_SHARE_AD_MAX], env[1 + INDHASH_SHARE_SEALED];
	size_t i;
	int adlen;

	fuzz_share_key(key, round);
	if ((adlen = indhash_share_ad(round, FUZZ_SHARE_FROM, FUZZ_SHARE_TO, ad)) < 0 ||
	    envelope_seal(key, ad, (size_t)adlen, share, 32, env + 1) != SYM_OK)
		abort();
	env[0] = 0;
	s_write("fuzz_shamir", "sealed", NULL, 0, env, sizeof(env));
	for (i = 0; i < sizeof(sets) / sizeof(sets[0]); i++) {
		char n[32];
		snprintf(n, sizeof(n), "recover-%zu", i);
		s_write("fuzz_shamir", n, NULL, 0, sets[i] + 1, sets[i][0]);
	}
}

int
main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: fuzz_gen_seeds CORPUS_DIR\n");
		return 2;
	}
	s_root = argv[1];
	mkdir(s_root, 0755);
	fuzz_sodium_init();
	s_wire();
	s_checkpoints();
	s_zap();
	s_merkle();
	s_certs();
	s_envelopes();
	s_hard_page("answer", 0);
	s_hard_page("forged", 1);
	s_shares();
	return 0;
}
