/*
 * symbi-probe: a hostile or clumsy client for the transport tests. It uses a
 * company's STATE keys to open a real CURVE session (whether or not the
 * company is enrolled) and sends what a well-behaved client never would:
 * forged, altered, replayed, stale, oversize and garbage requests. It prints
 * one JSON line describing what came back.
 *
 * usage: symbi-probe MODE --dir STATE [--as ID] [--park PARK_JSON]
 *   status | forged | altered | signer | replay | stale | garbage | oversize
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
#include "wire.h"

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

int
main(int argc, char **argv)
{
	static const struct option opts[] = {{"dir", required_argument, NULL, 'd'},
	                                     {"as", required_argument, NULL, 'a'},
	                                     {"park", required_argument, NULL, 'p'},
	                                     {NULL, 0, NULL, 0}};
	const char *dir = NULL, *as = NULL, *park = NULL, *mode;
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
		else if (ch == 'p')
			park = optarg;
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
