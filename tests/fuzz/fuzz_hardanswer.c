/*
 * A peer's answers in a hardened round as the querying client takes them
 * (client/hardsubmit.c): a HardBatches page from HardFetch through
 * wire_unpack, then for every answer the checks of the answer's fields,
 * optionally its two signatures (first input byte, bit 0: a fuzzer cannot
 * forge them, so without it they are skipped to reach the proof), and
 * voprf_verify of the evaluated elements against the answerer's committed
 * key and the querier's fixed blinded batch (fuzz_common.h). What verifies
 * is unblinded into tokens (voprf_finalize_batch, hardtoken_tokens).
 * Invariants: an answer that verifies is the key holder's exact evaluation
 * (no one but the fixed key's holder can make a proof), and its outputs are
 * the PRF computed directly with that key.
 */
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "fuzz_common.h"
#include "hardtoken.h"
#include "sig.h"
#include "voprf.h"
#include "wire.h"

#define M FUZZ_HARD_M

static uint8_t s_sk[32], s_pk[32], s_blocks[M][16], s_blinds[M][32], s_blinded[M][32];
static uint8_t s_evaluated[M][32], s_outputs[M][64], s_digest[32], s_park[32], s_round[16];
static uint8_t s_apk[32], s_ask[64];

static void
s_setup(void)
{
	fuzz_hard_key(s_sk, s_pk);
	fuzz_hard_batch(s_blocks, s_blinds, s_blinded);
	if (voprf_blind_evaluate(s_sk, &s_blinded[0][0], M, &s_evaluated[0][0]) != SYM_OK ||
	    hardtoken_outputs(s_sk, &s_blocks[0][0], M, &s_outputs[0][0]) != SYM_OK)
		abort();
	hardtoken_digest(&s_blinded[0][0], sizeof(s_blinded), s_digest);
	fuzz_park_id(s_park);
	memset(s_round, 0x12, sizeof(s_round));
	fuzz_ed25519(FUZZ_KEY_MEMBER, s_apk, s_ask);
}

/* The client's checks before the proof (s_answer_valid): 0 when they hold. */
static int
s_fields(const Symbiod__HardBatch *b, int sigs)
{
	uint8_t stmt[HARDTOKEN_STATEMENT_MAX], digest[32];
	size_t len = 0;

	if (b->answerer == NULL || strcmp(b->answerer, FUZZ_HARD_ANSWERER) != 0 ||
	    strcmp(b->querier, FUZZ_HARD_QUERIER) != 0 || !b->has_pk || b->pk.len != 32 ||
	    !b->has_key_signature || b->key_signature.len != 64 || !b->has_proof ||
	    b->proof.len != VOPRF_PROOF_LEN || !b->has_query_digest || b->query_digest.len != 32 ||
	    b->signature.len != 64 || b->elements.len != M * VOPRF_ELEMENT_LEN ||
	    memcmp(b->query_digest.data, s_digest, 32) != 0)
		return -1;
	if (!sigs)
		return 0;
	if (hardtoken_key_statement(s_park, s_round, b->answerer, b->pk.data, stmt, &len) !=
	        SYM_OK ||
	    sig_verify(s_apk, stmt, len, b->key_signature.data) != SYM_OK)
		return -1;
	hardtoken_digest(b->elements.data, b->elements.len, digest);
	if (hardtoken_answer_statement(s_park, s_round, b->answerer, b->querier, s_digest, M,
	                               digest, b->proof.data, stmt, &len) != SYM_OK ||
	    sig_verify(s_apk, stmt, len, b->signature.data) != SYM_OK)
		return -1;
	return 0;
}

static void
s_answer(const Symbiod__HardBatch *b, int sigs)
{
	uint8_t outputs[M][64], tokens[M][HARDTOKEN_LEN];

	if (s_fields(b, sigs) != 0 || voprf_verify(b->pk.data, &s_blinded[0][0], b->elements.data,
	                                           M, b->proof.data) != SYM_OK)
		return;
	if (memcmp(b->pk.data, s_pk, 32) != 0 ||
	    memcmp(b->elements.data, s_evaluated, sizeof(s_evaluated)) != 0)
		abort(); /* a proof verified for evaluations not made with the committed key */
	if (voprf_finalize_batch(&s_blocks[0][0], 16, &s_blinds[0][0], b->elements.data, M,
	                         &outputs[0][0]) != SYM_OK ||
	    memcmp(outputs, s_outputs, sizeof(outputs)) != 0)
		abort(); /* unblinding must give the PRF itself */
	if (hardtoken_tokens(&outputs[0][0], M, s_round, FUZZ_HARD_ANSWERER, FUZZ_HARD_QUERIER,
	                     &tokens[0][0]) != SYM_OK)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	ProtobufCMessage *msg = NULL;
	Symbiod__HardBatches *page;
	size_t i;

	fuzz_sodium_init();
	if (!ready) {
		s_setup();
		ready = 1;
	}
	if (size < 1 ||
	    wire_unpack(&symbiod__hard_batches__descriptor, data + 1, size - 1, 0, &msg) != SYM_OK)
		return 0;
	page = (Symbiod__HardBatches *)msg;
	for (i = 0; i < page->n_batches; i++)
		s_answer(page->batches[i], data[0] & 1);
	wire_free(msg);
	return 0;
}
