/*
 * The wire layer (wire.h): signed Request / Response envelopes.
 *
 * Every decode goes through wire_unpack (wire_unpack.c); this file builds
 * and checks the envelopes around the payloads: their signed bytes
 * (through the put-buffer), signing, and the field checks after unpacking.
 */
#include "wire.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "err.h"
#include "member.h"
#include "putbuf.h"
#include "roundhash.h"
#include "sig.h"

#define S_MAX_REASON 1024
/* Signed bytes: a message of up to WIRE_MAX_MESSAGE and fixed fields well inside 1 KiB. */
#define S_SIGNED_MAX (WIRE_MAX_MESSAGE + 1024u)

/* Signed with their NUL. Version 2 of the layout binds the park; version 1 did not. */
static const char s_request_domain_v1[] = "symbiod-request-v1";
static const char s_response_domain_v1[] = "symbiod-response-v1";
static const char s_request_domain[] = "symbiod-request-v2";
static const char s_response_domain[] = "symbiod-response-v2";

/* ---- signed bytes -------------------------------------------------------------- */

static int
s_msg_type_ok(uint32_t type)
{
	const ProtobufCEnumDescriptor *desc = &symbiod__msg_type__descriptor;

	return type <= INT32_MAX && protobuf_c_enum_descriptor_get_value(desc, (int)type) != NULL;
}

static int
s_status_ok(int32_t status)
{
	return protobuf_c_enum_descriptor_get_value(&symbiod__status__descriptor, status) != NULL;
}

/*
 * The payload enters the signed bytes as u64 length || SHA-256(payload):
 * the signature still binds the exact payload bytes, and a megabytes-long
 * submission is hashed once with the CPU's SHA extensions instead of twice
 * by Ed25519's portable SHA-512 (sign) and once more on the other side
 * (roundhash_payload).
 */
static void
s_put_payload_digest(struct putbuf *b, const uint8_t *payload, size_t len)
{
	uint8_t digest[32];

	putbuf_u64(b, (uint64_t)len);
	if (roundhash_payload(payload, len, digest) != SYM_OK) {
		putbuf_fail(b, SYM_ERR_CRYPTO);
		return;
	}
	putbuf_bytes(b, digest, sizeof(digest));
}

/* The domain of the layout, then (from version 2 on) the park it is bound to. */
static void
s_put_domain(struct putbuf *b, const uint8_t *park_id, const char *v1, size_t v1_len,
             const char *v2, size_t v2_len)
{
	if (park_id == NULL) {
		putbuf_bytes(b, v1, v1_len);
		return;
	}
	putbuf_bytes(b, v2, v2_len);
	putbuf_bytes(b, park_id, WIRE_PARK_ID_LEN);
}

/* The request's signed bytes with the payload entering as u64 length || payload_digest. */
static int
s_request_signed_bytes(const uint8_t *park_id, uint32_t version, uint32_t type,
                       const uint8_t request_id[16], uint64_t timestamp_ms, const char *signer,
                       size_t payload_len, const uint8_t payload_digest[32], uint8_t **out,
                       size_t *out_len)
{
	struct putbuf b;
	size_t signer_len;

	if (out == NULL || out_len == NULL)
		return SYM_ERR_INVALID;
	*out = NULL;
	*out_len = 0;
	if (request_id == NULL || signer == NULL || payload_digest == NULL)
		return SYM_ERR_INVALID;
	signer_len = strlen(signer);
	if (signer_len == 0 || signer_len > MEMBER_ID_MAX)
		return SYM_ERR_INVALID;
	if (payload_len > WIRE_MAX_MESSAGE)
		return SYM_ERR_LIMIT;
	putbuf_init_heap(&b, S_SIGNED_MAX);
	s_put_domain(&b, park_id, s_request_domain_v1, sizeof(s_request_domain_v1),
	             s_request_domain, sizeof(s_request_domain));
	putbuf_u32(&b, version);
	putbuf_u32(&b, type);
	putbuf_bytes(&b, request_id, WIRE_REQUEST_ID_LEN);
	putbuf_u64(&b, timestamp_ms);
	putbuf_string8(&b, signer, signer_len);
	putbuf_u64(&b, (uint64_t)payload_len);
	putbuf_bytes(&b, payload_digest, 32);
	return putbuf_finish(&b, out, out_len);
}

int
wire_request_signed_bytes(const uint8_t *park_id, uint32_t version, uint32_t type,
                          const uint8_t request_id[16], uint64_t timestamp_ms, const char *signer,
                          const uint8_t *payload, size_t payload_len, uint8_t **out,
                          size_t *out_len)
{
	uint8_t digest[32];
	int r;

	if (out != NULL && out_len != NULL) {
		*out = NULL;
		*out_len = 0;
	}
	if (payload == NULL && payload_len != 0)
		return SYM_ERR_INVALID;
	if (payload_len > WIRE_MAX_MESSAGE)
		return SYM_ERR_LIMIT;
	if ((r = roundhash_payload(payload, payload_len, digest)) != SYM_OK)
		return r;
	return s_request_signed_bytes(park_id, version, type, request_id, timestamp_ms, signer,
	                              payload_len, digest, out, out_len);
}

int
wire_response_signed_bytes(const uint8_t *park_id, uint32_t version, uint32_t type,
                           const uint8_t request_id[16], int32_t status, int replayed,
                           const char *message, const uint8_t *payload, size_t payload_len,
                           uint8_t **out, size_t *out_len)
{
	struct putbuf b;
	size_t message_len;

	if (out == NULL || out_len == NULL)
		return SYM_ERR_INVALID;
	*out = NULL;
	*out_len = 0;
	if (request_id == NULL || (payload == NULL && payload_len != 0))
		return SYM_ERR_INVALID;
	/* Only the layout here; the 1024-byte policy on message is build's and decode's. */
	message_len = message != NULL ? strlen(message) : 0;
	if (message_len > WIRE_MAX_MESSAGE || payload_len > WIRE_MAX_MESSAGE)
		return SYM_ERR_LIMIT;
	putbuf_init_heap(&b, S_SIGNED_MAX);
	s_put_domain(&b, park_id, s_response_domain_v1, sizeof(s_response_domain_v1),
	             s_response_domain, sizeof(s_response_domain));
	putbuf_u32(&b, version);
	putbuf_u32(&b, type);
	putbuf_bytes(&b, request_id, WIRE_REQUEST_ID_LEN);
	putbuf_u32(&b, (uint32_t)status); /* two's complement, big-endian */
	putbuf_u8(&b, replayed ? 1 : 0);
	putbuf_string32(&b, message, message_len);
	s_put_payload_digest(&b, payload, payload_len);
	return putbuf_finish(&b, out, out_len);
}

/* ---- packing ------------------------------------------------------------------- */

int
wire_pack(const ProtobufCMessage *msg, uint8_t **out, size_t *out_len)
{
	uint8_t *buf;
	size_t len;

	if (out == NULL || out_len == NULL)
		return SYM_ERR_INVALID;
	*out = NULL;
	*out_len = 0;
	/* protobuf-c would crash on, say, a NULL required string: refuse it here. */
	if (msg == NULL || !protobuf_c_message_check(msg))
		return SYM_ERR_INVALID;
	len = protobuf_c_message_get_packed_size(msg);
	if (len > WIRE_MAX_MESSAGE)
		return SYM_ERR_LIMIT; /* no peer would unpack it */
	if ((buf = malloc(len != 0 ? len : 1)) == NULL)
		return SYM_ERR_ALLOC;
	if (protobuf_c_message_pack(msg, buf) != len) {
		free(buf);
		return SYM_ERR_INTERNAL;
	}
	*out = buf;
	*out_len = len;
	return SYM_OK;
}

/* ---- requests -------------------------------------------------------------------- */

/*
 * chunk_digest NULL: version 1, the payload signed through its SHA-256.
 * Otherwise a version 2 SubmitChunk signed over its chunk digest.
 */
static int
s_request_build(const uint8_t park_id[WIRE_PARK_ID_LEN], uint32_t type, const uint8_t *request_id,
                uint64_t timestamp_ms, const char *signer, const uint8_t sign_sk[64],
                const uint8_t *payload, size_t payload_len, const uint8_t *chunk_digest,
                uint8_t **out, size_t *out_len, uint8_t id_out[16])
{
	uint32_t version = chunk_digest != NULL ? WIRE_VERSION_CHUNK : WIRE_VERSION;
	uint8_t digest[32];
	Symbiod__Request req = SYMBIOD__REQUEST__INIT;
	uint8_t id[WIRE_REQUEST_ID_LEN], sig[SIG_LEN];
	uint8_t *signed_bytes = NULL;
	size_t signed_len = 0;
	int r = SYM_ERR_INTERNAL;

	if (out == NULL || out_len == NULL)
		return SYM_ERR_INVALID;
	*out = NULL;
	*out_len = 0;
	/* We sign only bound requests: a NULL park would sign version 1 bytes. */
	if (park_id == NULL || sign_sk == NULL || (payload == NULL && payload_len != 0))
		return SYM_ERR_INVALID;
	if (type == SYMBIOD__MSG_TYPE__MSG_UNSPECIFIED || !s_msg_type_ok(type) ||
	    !member_id_valid(signer))
		return SYM_ERR_INVALID;
	if (payload_len > WIRE_MAX_MESSAGE)
		return SYM_ERR_LIMIT;
	if (request_id != NULL)
		memcpy(id, request_id, sizeof(id));
	else
		randombytes_buf(id, sizeof(id));
	if (chunk_digest != NULL)
		memcpy(digest, chunk_digest, sizeof(digest));
	else if ((r = roundhash_payload(payload, payload_len, digest)) != SYM_OK)
		goto out;
	r = s_request_signed_bytes(park_id, version, type, id, timestamp_ms, signer, payload_len,
	                           digest, &signed_bytes, &signed_len);
	if (r != SYM_OK)
		goto out;
	if ((r = sig_sign(sign_sk, signed_bytes, signed_len, sig)) != SYM_OK)
		goto out;
	req.version = version;
	req.type = type;
	req.request_id.data = id;
	req.request_id.len = sizeof(id);
	req.timestamp_ms = timestamp_ms;
	/* protobuf-c only reads these while packing. */
	req.payload.data = payload_len != 0 ? (uint8_t *)(uintptr_t)payload : NULL;
	req.payload.len = payload_len;
	req.signer = (char *)(uintptr_t)signer;
	req.signature.data = sig;
	req.signature.len = sizeof(sig);
	if ((r = wire_pack(&req.base, out, out_len)) != SYM_OK)
		goto out;
	if (id_out != NULL)
		memcpy(id_out, id, sizeof(id));
	r = SYM_OK;
out:
	free(signed_bytes);
	return r;
}

int
wire_request_build_chunk(const uint8_t park_id[WIRE_PARK_ID_LEN], const uint8_t *request_id,
                         uint64_t timestamp_ms, const char *signer, const uint8_t sign_sk[64],
                         const uint8_t *payload, size_t payload_len, const uint8_t chunk_digest[32],
                         uint8_t **out, size_t *out_len, uint8_t id_out[16])
{
	if (chunk_digest == NULL)
		return SYM_ERR_INVALID;
	return s_request_build(park_id, SYMBIOD__MSG_TYPE__MSG_SUBMIT_CHUNK, request_id,
	                       timestamp_ms, signer, sign_sk, payload, payload_len, chunk_digest,
	                       out, out_len, id_out);
}

int
wire_request_build(const uint8_t park_id[WIRE_PARK_ID_LEN], uint32_t type,
                   const uint8_t *request_id, uint64_t timestamp_ms, const char *signer,
                   const uint8_t sign_sk[64], const uint8_t *payload, size_t payload_len,
                   uint8_t **out, size_t *out_len, uint8_t id_out[16])
{
	return s_request_build(park_id, type, request_id, timestamp_ms, signer, sign_sk, payload,
	                       payload_len, NULL, out, out_len, id_out);
}

int
wire_request_decode(const uint8_t *buf, size_t len, Symbiod__Request **out)
{
	ProtobufCMessage *msg = NULL;
	Symbiod__Request *req;
	int r;

	if (out == NULL)
		return SYM_ERR_INVALID;
	*out = NULL;
	if ((r = wire_unpack(&symbiod__request__descriptor, buf, len, 0, &msg)) != SYM_OK)
		return r;
	req = (Symbiod__Request *)msg;
	r = SYM_ERR_FORMAT;
	/* Version 2 exists for one type: a chunk signed over its chunk digest. */
	if (req->version != WIRE_VERSION && (req->version != WIRE_VERSION_CHUNK ||
	                                     req->type != SYMBIOD__MSG_TYPE__MSG_SUBMIT_CHUNK))
		goto out;
	if (req->type == SYMBIOD__MSG_TYPE__MSG_UNSPECIFIED || !s_msg_type_ok(req->type))
		goto out;
	if (req->request_id.len != WIRE_REQUEST_ID_LEN || req->signature.len != SIG_LEN)
		goto out;
	if (!member_id_valid(req->signer))
		goto out;
	if (req->payload.len > WIRE_MAX_MESSAGE) {
		r = SYM_ERR_LIMIT;
		goto out;
	}
	*out = req;
	msg = NULL; /* transferred */
	r = SYM_OK;
out:
	wire_free(msg);
	return r;
}

int
wire_request_verify_chunk(const Symbiod__Request *req, const uint8_t *park_id,
                          const uint8_t signer_pk[32], const uint8_t *chunk_digest)
{
	uint8_t *signed_bytes = NULL, digest[32];
	size_t signed_len = 0;
	int r;

	/* Every refusal is SYM_ERR_VERIFY, as with sig_verify. */
	if (req == NULL || signer_pk == NULL || req->request_id.len != WIRE_REQUEST_ID_LEN ||
	    req->signature.len != SIG_LEN || req->signature.data == NULL ||
	    !member_id_valid(req->signer) || (req->payload.data == NULL && req->payload.len != 0))
		return SYM_ERR_VERIFY;
	/* Each version has one digest: a chunk digest never stands for version 1's hash. */
	if (req->version == WIRE_VERSION_CHUNK) {
		if (chunk_digest == NULL || req->type != SYMBIOD__MSG_TYPE__MSG_SUBMIT_CHUNK)
			return SYM_ERR_VERIFY;
		memcpy(digest, chunk_digest, sizeof(digest));
	} else if (chunk_digest != NULL ||
	           roundhash_payload(req->payload.data, req->payload.len, digest) != SYM_OK) {
		return SYM_ERR_VERIFY;
	}
	if (s_request_signed_bytes(park_id, req->version, req->type, req->request_id.data,
	                           req->timestamp_ms, req->signer, req->payload.len, digest,
	                           &signed_bytes, &signed_len) != SYM_OK)
		return SYM_ERR_VERIFY;
	r = sig_verify(signer_pk, signed_bytes, signed_len, req->signature.data);
	free(signed_bytes);
	return r == SYM_OK ? SYM_OK : SYM_ERR_VERIFY;
}

int
wire_request_verify(const Symbiod__Request *req, const uint8_t *park_id,
                    const uint8_t signer_pk[32])
{
	return wire_request_verify_chunk(req, park_id, signer_pk, NULL);
}

/* ---- responses ------------------------------------------------------------------- */

/*
 * A response's type echoes its request's; MSG_UNSPECIFIED is allowed only on
 * a refusal (the coordinator could not read the request's type).
 */
static int
s_response_header_ok(uint32_t type, int32_t status)
{
	if (!s_msg_type_ok(type) || !s_status_ok(status))
		return 0;
	return type != SYMBIOD__MSG_TYPE__MSG_UNSPECIFIED || status != SYMBIOD__STATUS__STATUS_OK;
}

int
wire_response_build(const uint8_t park_id[WIRE_PARK_ID_LEN], uint32_t type,
                    const uint8_t request_id[16], int32_t status, int replayed, const char *message,
                    const uint8_t *payload, size_t payload_len, const uint8_t sign_sk[64],
                    uint8_t **out, size_t *out_len)
{
	Symbiod__Response resp = SYMBIOD__RESPONSE__INIT;
	uint8_t id[WIRE_REQUEST_ID_LEN], sig[SIG_LEN];
	uint8_t *signed_bytes = NULL;
	size_t signed_len = 0;
	int r;

	if (out == NULL || out_len == NULL)
		return SYM_ERR_INVALID;
	*out = NULL;
	*out_len = 0;
	if (park_id == NULL || request_id == NULL || sign_sk == NULL ||
	    (payload == NULL && payload_len != 0))
		return SYM_ERR_INVALID;
	if (!s_response_header_ok(type, status))
		return SYM_ERR_INVALID;
	if ((message != NULL && strlen(message) > S_MAX_REASON) || payload_len > WIRE_MAX_MESSAGE)
		return SYM_ERR_LIMIT;
	memcpy(id, request_id, sizeof(id));
	r = wire_response_signed_bytes(park_id, WIRE_VERSION, type, id, status, replayed, message,
	                               payload, payload_len, &signed_bytes, &signed_len);
	if (r != SYM_OK)
		goto out;
	if ((r = sig_sign(sign_sk, signed_bytes, signed_len, sig)) != SYM_OK)
		goto out;
	resp.version = WIRE_VERSION;
	resp.type = type;
	resp.request_id.data = id;
	resp.request_id.len = sizeof(id);
	resp.status = status;
	/* Absent and empty sign the same bytes; write only what carries something. */
	if (message != NULL && message[0] != '\0')
		resp.message = (char *)(uintptr_t)message;
	if (payload_len != 0) {
		resp.has_payload = 1;
		resp.payload.data = (uint8_t *)(uintptr_t)payload;
		resp.payload.len = payload_len;
	}
	if (replayed) {
		resp.has_replayed = 1;
		resp.replayed = 1;
	}
	resp.signature.data = sig;
	resp.signature.len = sizeof(sig);
	r = wire_pack(&resp.base, out, out_len);
out:
	free(signed_bytes);
	return r;
}

int
wire_response_decode(const uint8_t *buf, size_t len, const uint8_t park_id[WIRE_PARK_ID_LEN],
                     const uint8_t coordinator_pk[32], Symbiod__Response **out)
{
	ProtobufCMessage *msg = NULL;
	Symbiod__Response *resp;
	uint8_t *signed_bytes = NULL;
	size_t signed_len = 0;
	int r;

	if (out == NULL)
		return SYM_ERR_INVALID;
	*out = NULL;
	if (park_id == NULL || coordinator_pk == NULL)
		return SYM_ERR_VERIFY;
	if ((r = wire_unpack(&symbiod__response__descriptor, buf, len, 0, &msg)) != SYM_OK)
		return r;
	resp = (Symbiod__Response *)msg;
	r = SYM_ERR_FORMAT;
	if (resp->version != WIRE_VERSION || !s_response_header_ok(resp->type, resp->status))
		goto out;
	if (resp->request_id.len != WIRE_REQUEST_ID_LEN || resp->signature.len != SIG_LEN)
		goto out;
	if ((resp->message != NULL && strlen(resp->message) > S_MAX_REASON) ||
	    resp->payload.len > WIRE_MAX_MESSAGE) {
		r = SYM_ERR_LIMIT;
		goto out;
	}
	r = wire_response_signed_bytes(park_id, resp->version, resp->type, resp->request_id.data,
	                               resp->status, resp->has_replayed && resp->replayed,
	                               resp->message, resp->payload.data, resp->payload.len,
	                               &signed_bytes, &signed_len);
	if (r != SYM_OK)
		goto out;
	if (sig_verify(coordinator_pk, signed_bytes, signed_len, resp->signature.data) != SYM_OK) {
		r = SYM_ERR_VERIFY;
		goto out;
	}
	*out = resp;
	msg = NULL; /* transferred */
	r = SYM_OK;
out:
	free(signed_bytes);
	wire_free(msg);
	return r;
}

uint64_t
wire_now_ms(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_REALTIME, &ts) != 0 || ts.tv_sec < 0)
		return 0;
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}
