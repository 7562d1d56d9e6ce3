/*
 * Rule 7 of audit/FORMAT.md for an export of format version 1 (before
 * protocol 1.1). A version 1 `consent` entry holds the member's whole
 * signed request, signed without the park id, whose Consent payload
 * carried, on an accept, the sealed envelope: there were no `deposit`
 * entries, the accept was the deposit. So an accept here also records what
 * a deposit records, and rules_release then checks a version 1 release as
 * it checks a version 2 one: its consent hashes are the SHA-256 of the two
 * accepting requests, its envelope hashes those of the envelopes in them.
 */
#include <protobuf-c/protobuf-c.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "entry.h"
#include "rules.h"
#include "util.h"
#include "wire.h"

/*
 * The envelope of a version 1 Consent: field 4, which today's schema
 * reserves, so protobuf-c keeps it among the unknown fields, with its
 * length varint in front of the bytes. Anything else unknown is refused.
 */
static int
s_envelope_v1(const Symbiod__Consent *cs, const uint8_t **env, size_t *env_len)
{
	const ProtobufCMessageUnknownField *u = cs->base.unknown_fields;
	uint64_t n = 0;
	size_t i;

	*env = NULL;
	*env_len = 0;
	if (cs->base.n_unknown_fields == 0)
		return SYM_OK;
	if (cs->base.n_unknown_fields != 1 || u->tag != 4 ||
	    u->wire_type != PROTOBUF_C_WIRE_TYPE_LENGTH_PREFIXED)
		return SYM_ERR_VERIFY;
	for (i = 0; i < u->len && i < 5; i++) {
		n |= (uint64_t)(u->data[i] & 0x7f) << (7 * i);
		if ((u->data[i] & 0x80) == 0)
			break;
	}
	if (i == u->len || i == 5 || n != u->len - i - 1)
		return SYM_ERR_VERIFY;
	*env = u->data + i + 1;
	*env_len = (size_t)n;
	return SYM_OK;
}

/* The signed request's Consent names the entry's round, candidate and decision. */
static int
s_consent_v1_payload(struct audit_verifier *v, const struct audit_entry *e,
                     const Symbiod__Request *req, const uint8_t round[16],
                     const struct audit_candidate *c, int accept, uint8_t env_hash[32])
{
	Symbiod__Consent *cs;
	const uint8_t *env;
	size_t env_len;
	int r;

	/* Not wire_unpack: its precheck refuses the reserved field 4. */
	cs = (Symbiod__Consent *)protobuf_c_message_unpack(&symbiod__consent__descriptor, NULL,
	                                                   req->payload.len, req->payload.data);
	if (cs == NULL || s_envelope_v1(cs, &env, &env_len) != SYM_OK) {
		r = audit_fail_entry(v->p, e->index, "consent-signature",
		                     "the signed payload is not a version 1 Consent");
		goto out;
	}
	if (cs->round_id.len != 16 || memcmp(cs->round_id.data, round, 16) != 0 ||
	    cs->candidate_id.len != 16 || memcmp(cs->candidate_id.data, c->id, 16) != 0 ||
	    (cs->accept != 0) != (accept != 0)) {
		r = audit_fail_entry(
		    v->p, e->index, "consent-signature",
		    "the signed Consent names another round, candidate or decision "
		    "than the entry");
		goto out;
	}
	if (accept ? env_len == 0 : env != NULL) {
		r = audit_fail_entry(v->p, e->index, "consent-envelope",
		                     accept ? "an accept without a sealed envelope"
		                            : "a decline that carries an envelope");
		goto out;
	}
	crypto_hash_sha256(env_hash, env, env_len);
	r = SYM_OK;
out:
	if (cs != NULL)
		protobuf_c_message_free_unpacked(&cs->base, NULL);
	return r;
}

int
rules_consent_v1(struct audit_verifier *v, const struct audit_entry *e)
{
	static const char *const keys[] = {"accept", "candidate", "member", "request", "round"};
	Symbiod__Request *req = NULL;
	struct audit_candidate *c;
	uint8_t round[16], req_hash[32], env_hash[32], *reqbuf = NULL;
	size_t ri, ci, reqlen = 0;
	uint32_t mi;
	int r, accept, side;

	if ((r = audit_entry_keys(e, NULL, NULL, keys, 5)) != SYM_OK ||
	    (r = audit_entry_bool(e, NULL, NULL, "accept", &accept)) != SYM_OK ||
	    (r = audit_entry_b64(e, NULL, NULL, "request", WIRE_MAX_MESSAGE, &reqbuf, &reqlen)) !=
	        SYM_OK ||
	    (r = rules_round_of(v, e, round, &ri)) != SYM_OK ||
	    (r = rules_candidate_of(v, e, ri, &ci)) != SYM_OK ||
	    (r = rules_member_of(v, e, "member", "consent-member", &mi)) != SYM_OK)
		goto out;
	c = &v->log->cands[ci];
	if ((r = rules_request(v, e, reqbuf, reqlen, SYMBIOD__MSG_TYPE__MSG_CONSENT, "CONSENT", mi,
	                       "consent-signature", &req)) != SYM_OK ||
	    (r = s_consent_v1_payload(v, e, req, round, c, accept, env_hash)) != SYM_OK)
		goto out;
	/* Version 1's consent hash: SHA-256 of the packed signed request. */
	crypto_hash_sha256(req_hash, reqbuf, reqlen);
	if ((r = rules_answer(v, e, ri, ci, mi, accept, req_hash, &side)) != SYM_OK || !accept)
		goto out;
	c->deposited[side] = 1;
	c->deposit_entry[side] = e->index;
	memcpy(c->envelope_hash[side], env_hash, 32);
out:
	wire_free(req ? &req->base : NULL);
	free(reqbuf);
	return r;
}
