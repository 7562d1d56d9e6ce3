#include "rpc.h"

#include <stdlib.h>
#include <string.h>

#include "sysexits.h"
#include "wire.h"
#include "exitcode.h"

int
rpc_exit_for_status(int32_t status)
{
	switch (status) {
	case SYMBIOD__STATUS__STATUS_FORBIDDEN: return EXIT_NOPERM;
	case SYMBIOD__STATUS__STATUS_NOT_FOUND: return EXIT_TEMPFAIL;
	case SYMBIOD__STATUS__STATUS_BAD_REQUEST:
	case SYMBIOD__STATUS__STATUS_TOO_LARGE: return EXIT_DATAERR;
	case SYMBIOD__STATUS__STATUS_UNAVAILABLE:
	case SYMBIOD__STATUS__STATUS_RATE_LIMITED: return EXIT_TEMPFAIL;
	}
	return EXIT_PROTOCOL;
}

static int
s_call_raw(struct conn *c, uint32_t type, const ProtobufCMessage *req, const uint8_t *chunk_digest,
           uint8_t **payload, size_t *payload_len, struct sym_diag *diag)
{
	Symbiod__Response *resp = NULL;
	uint8_t *packed = NULL;
	size_t packed_len = 0;
	int r, rc;

	*payload = NULL;
	*payload_len = 0;
	if ((r = wire_pack(req, &packed, &packed_len)) != SYM_OK) {
		sym_diag_set(diag, r, "cannot encode the request: %s", sym_strerror(r));
		return EXIT_SOFTWARE;
	}
	r = chunk_digest != NULL ? conn_call_chunk(c, packed, packed_len, chunk_digest, &resp, diag)
	                         : conn_call(c, type, packed, packed_len, &resp, diag);
	free(packed);
	if (r != SYM_OK)
		return sym_exit_code(r, SYM_ORIGIN_PEER);
	if (resp->status != SYMBIOD__STATUS__STATUS_OK) {
		sym_diag_set(diag, SYM_ERR_PERM, "the coordinator refused: %s",
		             resp->message && resp->message[0] ? resp->message : "no reason given");
		rc = rpc_exit_for_status(resp->status);
		wire_free(&resp->base);
		return rc;
	}
	if (resp->has_payload && resp->payload.len > 0) {
		if ((*payload = malloc(resp->payload.len)) == NULL) {
			wire_free(&resp->base);
			return EXIT_SOFTWARE;
		}
		memcpy(*payload, resp->payload.data, resp->payload.len);
		*payload_len = resp->payload.len;
	}
	wire_free(&resp->base);
	return 0;
}

int
rpc_call_raw(struct conn *c, uint32_t type, const ProtobufCMessage *req, uint8_t **payload,
             size_t *payload_len, struct sym_diag *diag)
{
	return s_call_raw(c, type, req, NULL, payload, payload_len, diag);
}

static int
s_call(struct conn *c, uint32_t type, const ProtobufCMessage *req, const uint8_t *chunk_digest,
       const ProtobufCMessageDescriptor *reply_desc, ProtobufCMessage **reply,
       struct sym_diag *diag)
{
	uint8_t *payload = NULL;
	size_t len = 0;
	int rc, r;

	*reply = NULL;
	if ((rc = s_call_raw(c, type, req, chunk_digest, &payload, &len, diag)) != 0)
		return rc;
	r = wire_unpack(reply_desc, payload, len, 0, reply);
	free(payload);
	if (r != SYM_OK) {
		sym_diag_set(diag, r, "the coordinator's reply is malformed (%s)", sym_strerror(r));
		return EXIT_PROTOCOL;
	}
	return 0;
}

int
rpc_call(struct conn *c, uint32_t type, const ProtobufCMessage *req,
         const ProtobufCMessageDescriptor *reply_desc, ProtobufCMessage **reply,
         struct sym_diag *diag)
{
	return s_call(c, type, req, NULL, reply_desc, reply, diag);
}

int
rpc_call_chunk(struct conn *c, const ProtobufCMessage *chunk, const uint8_t chunk_digest[32],
               const ProtobufCMessageDescriptor *reply_desc, ProtobufCMessage **reply,
               struct sym_diag *diag)
{
	return s_call(c, SYMBIOD__MSG_TYPE__MSG_SUBMIT_CHUNK, chunk, chunk_digest, reply_desc,
	              reply, diag);
}
