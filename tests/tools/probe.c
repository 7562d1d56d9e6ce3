/*
 * symbi-probe: a hostile or clumsy client for the transport tests. It uses a
 * company's STATE keys to open a real CURVE session (whether or not the
 * company is enrolled) and sends what a well-behaved client never would:
 * forged, altered, replayed, stale, oversize and garbage requests. It prints
 * one JSON line describing what came back.
 *
 * usage: symbi-probe MODE --dir STATE [--as ID] [--park PARK_JSON]
 *   status | forged | altered | signer | replay | stale | garbage | oversize
 *        symbi-probe MODE --dir STATE --round HEX --candidate HEX [--fill BYTE]
 *   consent-envelope   an accept that still carries an item (Consent field 4)
 *   deposit            a Deposit of an 80-byte envelope filled with BYTE
 *   deposit-twice      the same Deposit under two request ids, then the second
 *                      again under its id (three answers)
 *   publish --class C  an accept that publishes class C (accept --publish), any C
 *   publish-decline --class C   a decline that publishes class C
 *   | otherpark (our own key, but signed for the park of PARK_JSON)
 */
#include <getopt.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cert.h"
#include "parkinfo.h"
#include "state.h"
#include "transport.h"
#include "util.h"
#include "wire.h"

/* --class: what the publish probes name, unchecked (the daemon must check it). */
static const char *s_class;

static void
s_print(const uint8_t *answer, size_t len, const struct client_state *st, const char *note)
{
	Symbiod__Response *resp = NULL;
	json_t *j;

	if (wire_response_decode(answer, len, st->park_id, st->park.coordinator_ed25519, &resp) !=
	    SYM_OK) {
		printf("{\"error\": \"undecodable or unsigned answer\"}\n");
		return;
	}
	j = json_pack("{s:i, s:s, s:b, s:s}", "status", resp->status, "message",
	              resp->message ? resp->message : "", "replayed",
	              resp->has_replayed && resp->replayed, "note", note);
	json_dumpf(j, stdout, 0);
	fputc('\n', stdout);
	json_decref(j);
	wire_free(&resp->base);
}

static int
s_send(struct conn *c, const struct client_state *st, const uint8_t *req, size_t len,
       const char *note)
{
	struct sym_diag diag = {""};
	uint8_t *answer = NULL;
	size_t alen = 0;

	if (conn_call_raw(c, req, len, &answer, &alen, &diag) != SYM_OK) {
		json_t *j = json_pack("{s:s, s:s}", "error", diag.msg, "note", note);
		json_dumpf(j, stdout, 0);
		fputc('\n', stdout);
		json_decref(j);
		return 1;
	}
	s_print(answer, alen, st, note);
	free(answer);
	return 0;
}

/* The candidate probes (protocol 1.1): what one company may try around deposits. */
static int
s_candidate_probe(struct conn *c, const struct client_state *st, const char *mode,
                  const char *round_hex, const char *cand_hex, int fill)
{
	Symbiod__Consent cs = SYMBIOD__CONSENT__INIT;
	Symbiod__Deposit dep = SYMBIOD__DEPOSIT__INIT;
	uint8_t round[16], cand[16], env[80], *payload = NULL, *req = NULL, *req2 = NULL;
	size_t plen = 0, rlen = 0, rlen2 = 0;
	int publish = strncmp(mode, "publish", 7) == 0, rc = 2;
	int consent = strcmp(mode, "consent-envelope") == 0 || publish;
	uint32_t type = consent ? SYMBIOD__MSG_TYPE__MSG_CONSENT : SYMBIOD__MSG_TYPE__MSG_DEPOSIT;

	if (round_hex == NULL || cand_hex == NULL || util_unhex(round_hex, round, 16) != SYM_OK ||
	    util_unhex(cand_hex, cand, 16) != SYM_OK)
		return 2;
	memset(env, fill, sizeof(env));
	cs.round_id = dep.round_id = (ProtobufCBinaryData){16, round};
	cs.candidate_id = dep.candidate_id = (ProtobufCBinaryData){16, cand};
	cs.accept = strcmp(mode, "publish-decline") != 0;
	cs.publish_class = publish ? (char *)s_class : NULL;
	dep.envelope = (ProtobufCBinaryData){sizeof(env), env};
	if (wire_pack(consent ? &cs.base : &dep.base, &payload, &plen) != SYM_OK)
		goto out;
	if (consent && !publish) {
		/* Field 4, length-delimited: the version 1 envelope, appended by hand. */
		uint8_t *p = realloc(payload, plen + 2 + sizeof(env));
		if (p == NULL)
			goto out;
		payload = p;
		payload[plen++] = 0x22;
		payload[plen++] = (uint8_t)sizeof(env);
		memcpy(payload + plen, env, sizeof(env));
		plen += sizeof(env);
	}
	if (wire_request_build(st->park_id, type, NULL, wire_now_ms(), st->id, st->identity->sk,
	                       payload, plen, &req, &rlen, NULL) != SYM_OK)
		goto out;
	rc = s_send(c, st, req, rlen, mode);
	if (rc != 0 || strcmp(mode, "deposit-twice") != 0)
		goto out;
	if (wire_request_build(st->park_id, type, NULL, wire_now_ms(), st->id, st->identity->sk,
	                       payload, plen, &req2, &rlen2, NULL) != SYM_OK)
		goto out;
	if ((rc = s_send(c, st, req2, rlen2, "same item, new id")) == 0)
		rc = s_send(c, st, req2, rlen2, "same id");
out:
	free(payload);
	free(req);
	free(req2);
	return rc;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"dir", required_argument, NULL, 'd'},   {"as", required_argument, NULL, 'a'},
	    {"round", required_argument, NULL, 'r'}, {"candidate", required_argument, NULL, 'c'},
	    {"fill", required_argument, NULL, 'f'},  {"park", required_argument, NULL, 'p'},
	    {"class", required_argument, NULL, 'k'}, {NULL, 0, NULL, 0}};
	const char *dir = NULL, *as = NULL, *park = NULL, *mode, *round_hex = NULL,
	           *cand_hex = NULL;
	int fill = 0xee;
	struct conn_opts copts = {2000, 1};
	struct sym_diag diag = {""};
	struct client_state *st = NULL;
	struct keypair *other = NULL;
	struct conn *c = NULL;
	Symbiod__StatusRequest sreq = SYMBIOD__STATUS_REQUEST__INIT;
	uint8_t *payload = NULL, *req = NULL, id[16];
	size_t payload_len = 0, req_len = 0;
	int ch, rc = 2;

	if (sodium_init() < 0 || argc < 2)
		return 2;
	mode = argv[1];
	optind = 2;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch == 'd')
			dir = optarg;
		else if (ch == 'a')
			as = optarg;
		else if (ch == 'r')
			round_hex = optarg;
		else if (ch == 'c')
			cand_hex = optarg;
		else if (ch == 'f')
			fill = (int)strtol(optarg, NULL, 0) & 0xff;
		else if (ch == 'p')
			park = optarg;
		else if (ch == 'k')
			s_class = optarg;
		else
			return 2;
	}
	if (dir == NULL || state_load(dir, &st, &diag) != SYM_OK) {
		fprintf(stderr, "symbi-probe: %s\n", diag.msg);
		return 2;
	}
	if (wire_pack(&sreq.base, &payload, &payload_len) != SYM_OK ||
	    conn_open(st, &copts, &c, &diag) != SYM_OK) {
		fprintf(stderr, "symbi-probe: %s\n", diag.msg);
		goto out;
	}
	if (strcmp(mode, "status") == 0 || strcmp(mode, "replay") == 0) {
		if (wire_request_build(st->park_id, SYMBIOD__MSG_TYPE__MSG_STATUS, NULL,
		                       wire_now_ms(), st->id, st->identity->sk, payload,
		                       payload_len, &req, &req_len, id) != SYM_OK)
			goto out;
		rc = s_send(c, st, req, req_len, "first");
		if (strcmp(mode, "replay") == 0)
			rc = s_send(c, st, req, req_len, "replay");
	} else if (strcmp(mode, "forged") == 0) {
		/* A valid session, but the request is signed by a key that is not ours. */
		other = keys_generate(KEY_ED25519);
		if (other == NULL ||
		    wire_request_build(st->park_id, SYMBIOD__MSG_TYPE__MSG_STATUS, NULL,
		                       wire_now_ms(), st->id, other->sk, payload, payload_len, &req,
		                       &req_len, id) != SYM_OK)
			goto out;
		rc = s_send(c, st, req, req_len, "forged");
	} else if (strcmp(mode, "altered") == 0) {
		Symbiod__Request *r = NULL;
		if (wire_request_build(st->park_id, SYMBIOD__MSG_TYPE__MSG_STATUS, NULL,
		                       wire_now_ms(), st->id, st->identity->sk, payload,
		                       payload_len, &req, &req_len, id) != SYM_OK ||
		    wire_request_decode(req, req_len, &r) != SYM_OK)
			goto out;
		/* Change a signed header field after signing, and re-pack. */
		r->timestamp_ms += 1;
		free(req);
		req = NULL;
		if (wire_pack(&r->base, &req, &req_len) != SYM_OK) {
			wire_free(&r->base);
			goto out;
		}
		wire_free(&r->base);
		rc = s_send(c, st, req, req_len, "altered");
	} else if (strcmp(mode, "signer") == 0) {
		/* Properly signed by us, but claiming to be another member. */
		if (as == NULL ||
		    wire_request_build(st->park_id, SYMBIOD__MSG_TYPE__MSG_STATUS, NULL,
		                       wire_now_ms(), as, st->identity->sk, payload, payload_len,
		                       &req, &req_len, id) != SYM_OK)
			goto out;
		rc = s_send(c, st, req, req_len, "signer");
	} else if (strcmp(mode, "otherpark") == 0) {
		/* Properly signed by us, for another park: what we signed there, replayed here. */
		struct parkinfo pi;
		uint8_t other_park[32];

		memset(&pi, 0, sizeof(pi));
		if (park == NULL || parkinfo_load(park, &pi, &diag) != SYM_OK ||
		    cert_park_id(pi.ca_pem, other_park) != SYM_OK) {
			parkinfo_clear(&pi);
			fprintf(stderr, "symbi-probe: otherpark needs --park PARK_JSON %s\n",
			        diag.msg);
			goto out;
		}
		parkinfo_clear(&pi);
		if (wire_request_build(other_park, SYMBIOD__MSG_TYPE__MSG_STATUS, NULL,
		                       wire_now_ms(), st->id, st->identity->sk, payload,
		                       payload_len, &req, &req_len, id) != SYM_OK)
			goto out;
		rc = s_send(c, st, req, req_len, "otherpark");
	} else if (strcmp(mode, "stale") == 0) {
		if (wire_request_build(st->park_id, SYMBIOD__MSG_TYPE__MSG_STATUS, NULL,
		                       wire_now_ms() - 2 * WIRE_TIMESTAMP_WINDOW_MS, st->id,
		                       st->identity->sk, payload, payload_len, &req, &req_len,
		                       id) != SYM_OK)
			goto out;
		rc = s_send(c, st, req, req_len, "stale");
	} else if (strcmp(mode, "garbage") == 0) {
		uint8_t junk[512];
		randombytes_buf(junk, sizeof(junk));
		rc = s_send(c, st, junk, sizeof(junk), "garbage");
	} else if (strcmp(mode, "oversize") == 0) {
		size_t big = WIRE_MAX_MESSAGE + 1024;
		uint8_t *junk = calloc(1, big);
		if (junk == NULL)
			goto out;
		rc = s_send(c, st, junk, big, "oversize");
		free(junk);
	} else if (strcmp(mode, "consent-envelope") == 0 || strcmp(mode, "deposit") == 0 ||
	           strcmp(mode, "deposit-twice") == 0 || strcmp(mode, "publish") == 0 ||
	           strcmp(mode, "publish-decline") == 0) {
		rc = s_candidate_probe(c, st, mode, round_hex, cand_hex, fill);
	} else {
		fprintf(stderr, "symbi-probe: unknown mode %s\n", mode);
	}
out:
	keys_free(&other);
	free(payload);
	free(req);
	conn_close(&c);
	state_free(&st);
	return rc;
}
