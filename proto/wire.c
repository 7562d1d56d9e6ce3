/*
 * The wire layer (wire.h): signed Request / Response envelopes and the one
 * door through which untrusted protobuf bytes enter the program.
 *
 * wire_unpack = size check, wire_precheck, protobuf-c with a bounded
 * allocator. The precheck is deliberately stricter than protobuf:
 *   - unknown field numbers are refused (protobuf-c 1.4.1 mishandles unknown
 *     fields, and our peers run our code: an unknown field is a bug or an
 *     attack);
 *   - a non-repeated field may appear only once (no "last one wins", no
 *     merging of repeated sub-messages: one message, one encoding of it);
 *   - repeated scalar fields must be unpacked: a length-delimited (packed)
 *     occurrence is refused. symbiod.proto has no repeated scalars; if one is
 *     ever added, packing it with [packed=true] makes the round-trip test fail
 *     until this walker learns packed runs;
 *   - varint values must fit their field: uint32/sint32 in 32 bits, int32 and
 *     enums in the sign-extended int32 range, bools 0 or 1;
 *   - string fields may not contain NUL bytes (C sees them as NUL-terminated,
 *     so a NUL would hide bytes from every check and from the signatures).
 *
 * The bounded allocator: every allocation protobuf-c makes carries a small
 * header pointing to its arena (budget and bookkeeping, malloc'd by
 * wire_unpack). The unpacked message is itself the first allocation, so
 * wire_free finds the arena in the header just before the message, frees the
 * message through the same allocator and then frees the arena. The budget
 * counts every byte handed out, headers included, and never decreases on
 * free: it bounds the total work of one unpack, not only its peak.
 */
#include "wire.h"

#include <openssl/evp.h>

#include <limits.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "err.h"
#include "putbuf.h"
#include "sig.h"

#define S_MAX_SIGNER 64
#define S_MAX_REASON 1024
#define S_MAX_FIELDS 256 /* the duplicate-field bitmap's width */
#define S_DEFAULT_SLACK (64u * 1024u)
/* Signed bytes: a message of up to WIRE_MAX_MESSAGE and fixed fields well inside 1 KiB. */
#define S_SIGNED_MAX (WIRE_MAX_MESSAGE + 1024u)

static const char s_request_domain[] = "symbiod-request-v1";   /* signed with its NUL */
static const char s_response_domain[] = "symbiod-response-v1"; /* signed with its NUL */
static const uint8_t s_empty[1];

/* ---- bounds-checked reading ------------------------------------------------ */

/*
 * One varint of at most max_bytes bytes at buf[*off], never reading at or past
 * len. A 10-byte varint whose last byte carries bits beyond 64 is refused.
 */
static int
s_get_varint(const uint8_t *buf, size_t len, size_t *off, unsigned max_bytes, uint64_t *out)
{
	uint64_t v = 0;
	unsigned i;
	uint8_t b;

	for (i = 0; i < max_bytes; i++) {
		if (*off >= len)
			return SYM_ERR_FORMAT;
		b = buf[(*off)++];
		if (i == 9 && b > 1)
			return SYM_ERR_FORMAT;
		v |= (uint64_t)(b & 0x7f) << (7 * i);
		if ((b & 0x80) == 0) {
			*out = v;
			return SYM_OK;
		}
	}
	return SYM_ERR_FORMAT;
}

/* Step over n bytes at buf[*off] if they are all there. */
static int
s_skip(size_t len, size_t *off, uint64_t n)
{
	if (*off > len || n > len - *off)
		return SYM_ERR_FORMAT;
	*off += (size_t)n;
	return SYM_OK;
}

/* ---- wire_precheck ----------------------------------------------------------- */

/* The wire type protobuf-c writes for a field of this type (unpacked), or -1. */
static int
s_wire_type_of(ProtobufCType type)
{
	switch (type) {
	case PROTOBUF_C_TYPE_INT32:
	case PROTOBUF_C_TYPE_SINT32:
	case PROTOBUF_C_TYPE_UINT32:
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_BOOL:
	case PROTOBUF_C_TYPE_ENUM: return PROTOBUF_C_WIRE_TYPE_VARINT;
	case PROTOBUF_C_TYPE_SFIXED64:
	case PROTOBUF_C_TYPE_FIXED64:
	case PROTOBUF_C_TYPE_DOUBLE: return PROTOBUF_C_WIRE_TYPE_64BIT;
	case PROTOBUF_C_TYPE_SFIXED32:
	case PROTOBUF_C_TYPE_FIXED32:
	case PROTOBUF_C_TYPE_FLOAT: return PROTOBUF_C_WIRE_TYPE_32BIT;
	case PROTOBUF_C_TYPE_STRING:
	case PROTOBUF_C_TYPE_BYTES:
	case PROTOBUF_C_TYPE_MESSAGE: return PROTOBUF_C_WIRE_TYPE_LENGTH_PREFIXED;
	}
	return -1;
}

/* Does a varint value fit the field it is for (protobuf-c would silently truncate)? */
static int
s_varint_fits(ProtobufCType type, uint64_t v)
{
	switch (type) {
	case PROTOBUF_C_TYPE_UINT32:
	case PROTOBUF_C_TYPE_SINT32: return v <= UINT32_MAX;
	case PROTOBUF_C_TYPE_INT32:
	case PROTOBUF_C_TYPE_ENUM: return v <= INT32_MAX || v >= (uint64_t)INT64_C(-2147483648);
	case PROTOBUF_C_TYPE_BOOL: return v <= 1;
	default: return 1;
	}
}

static int
s_precheck(const ProtobufCMessageDescriptor *desc, const uint8_t *buf, size_t len, unsigned depth)
{
	uint64_t seen[S_MAX_FIELDS / 64] = {0};
	const ProtobufCFieldDescriptor *field;
	uint64_t key, v;
	size_t off = 0, start, index;
	unsigned wire_type;
	int r;

	if (depth > WIRE_MAX_DEPTH)
		return SYM_ERR_LIMIT;
	if (desc == NULL || desc->magic != PROTOBUF_C__MESSAGE_DESCRIPTOR_MAGIC ||
	    desc->n_fields > S_MAX_FIELDS)
		return SYM_ERR_INTERNAL;
	while (off < len) {
		/* Tags are at most 5 bytes and 32 bits (as protobuf-c reads them). */
		if ((r = s_get_varint(buf, len, &off, 5, &key)) != SYM_OK)
			return r;
		if (key > UINT32_MAX)
			return SYM_ERR_FORMAT;
		wire_type = (unsigned)(key & 7);
		if ((key >> 3) == 0 || (key >> 3) >= (UINT64_C(1) << 29))
			return SYM_ERR_FORMAT;
		field = protobuf_c_message_descriptor_get_field(desc, (unsigned)(key >> 3));
		if (field == NULL)
			return SYM_ERR_FORMAT; /* unknown field */
		if (s_wire_type_of(field->type) != (int)wire_type)
			return SYM_ERR_FORMAT; /* wrong wire type, groups, packed runs */
		index = (size_t)(field - desc->fields);
		if (field->label != PROTOBUF_C_LABEL_REPEATED) {
			if ((seen[index / 64] >> (index % 64)) & 1)
				return SYM_ERR_FORMAT; /* a second occurrence */
			seen[index / 64] |= UINT64_C(1) << (index % 64);
		}
		switch (wire_type) {
		case PROTOBUF_C_WIRE_TYPE_VARINT:
			if ((r = s_get_varint(buf, len, &off, 10, &v)) != SYM_OK)
				return r;
			if (!s_varint_fits(field->type, v))
				return SYM_ERR_FORMAT;
			break;
		case PROTOBUF_C_WIRE_TYPE_64BIT:
			if ((r = s_skip(len, &off, 8)) != SYM_OK)
				return r;
			break;
		case PROTOBUF_C_WIRE_TYPE_32BIT:
			if ((r = s_skip(len, &off, 4)) != SYM_OK)
				return r;
			break;
		case PROTOBUF_C_WIRE_TYPE_LENGTH_PREFIXED:
			/* protobuf-c reads length prefixes of at most 5 bytes, 32 bits. */
			if ((r = s_get_varint(buf, len, &off, 5, &v)) != SYM_OK)
				return r;
			start = off;
			if ((r = s_skip(len, &off, v)) != SYM_OK)
				return r;
			if (field->type == PROTOBUF_C_TYPE_STRING &&
			    memchr(buf + start, '\0', off - start) != NULL)
				return SYM_ERR_FORMAT;
			if (field->type == PROTOBUF_C_TYPE_MESSAGE) {
				r = s_precheck(field->descriptor, buf + start, off - start,
				               depth + 1);
				if (r != SYM_OK)
					return r;
			}
			break;
		default: return SYM_ERR_INTERNAL; /* s_wire_type_of returns no other */
		}
	}
	return SYM_OK;
}

int
wire_precheck(const ProtobufCMessageDescriptor *desc, const uint8_t *buf, size_t len)
{
	if (desc == NULL || (buf == NULL && len != 0))
		return SYM_ERR_INVALID;
	if (len > WIRE_MAX_MESSAGE)
		return SYM_ERR_LIMIT;
	return s_precheck(desc, buf != NULL ? buf : s_empty, len, 1);
}

/* ---- the bounded allocator --------------------------------------------------- */

struct s_arena {
	ProtobufCAllocator allocator; /* allocator_data points back here */
	size_t budget;
	size_t used; /* never above budget */
	int over_budget;
	int out_of_memory;
};

/* In front of every allocation; its alignment keeps what follows max-aligned. */
struct s_block {
	_Alignas(max_align_t) struct s_arena *arena;
	size_t size;
};

static void *
s_arena_alloc(void *data, size_t size)
{
	struct s_arena *arena = data;
	struct s_block *block;
	size_t need;

	if (size > arena->budget || sizeof(*block) > arena->budget - size ||
	    sizeof(*block) + size > arena->budget - arena->used) {
		arena->over_budget = 1;
		return NULL;
	}
	need = sizeof(*block) + size;
	if ((block = malloc(need)) == NULL) {
		arena->out_of_memory = 1;
		return NULL;
	}
	arena->used += need;
	block->arena = arena;
	block->size = size;
	return block + 1;
}

static void
s_arena_free(void *data, void *ptr)
{
	struct s_block *block;

	(void)data;
	if (ptr == NULL)
		return;
	block = (struct s_block *)ptr - 1;
	sodium_memzero(block, sizeof(*block) + block->size);
	free(block);
}

static void
s_arena_destroy(struct s_arena *arena)
{
	if (arena == NULL)
		return;
	sodium_memzero(arena, sizeof(*arena));
	free(arena);
}

int
wire_unpack(const ProtobufCMessageDescriptor *desc, const uint8_t *buf, size_t len, size_t budget,
            ProtobufCMessage **out)
{
	struct s_arena *arena = NULL;
	ProtobufCMessage *msg;
	int r;

	if (out == NULL)
		return SYM_ERR_INVALID;
	*out = NULL;
	if (desc == NULL || (buf == NULL && len != 0))
		return SYM_ERR_INVALID;
	if (len > WIRE_MAX_MESSAGE)
		return SYM_ERR_LIMIT; /* before looking at a single byte */
	if ((r = wire_precheck(desc, buf, len)) != SYM_OK)
		return r;
	if ((arena = calloc(1, sizeof(*arena))) == NULL)
		return SYM_ERR_ALLOC;
	arena->allocator.alloc = s_arena_alloc;
	arena->allocator.free = s_arena_free;
	arena->allocator.allocator_data = arena;
	arena->budget = budget != 0 ? budget : 4 * len + S_DEFAULT_SLACK;
	msg = protobuf_c_message_unpack(desc, &arena->allocator, len, buf != NULL ? buf : s_empty);
	if (msg == NULL) {
		/* protobuf-c has freed whatever it allocated. */
		if (arena->out_of_memory)
			r = SYM_ERR_ALLOC;
		else if (arena->over_budget)
			r = SYM_ERR_LIMIT;
		else
			r = SYM_ERR_FORMAT; /* e.g. a required field missing */
		goto out;
	}
	*out = msg;
	arena = NULL; /* transferred: wire_free finds it in front of msg */
	r = SYM_OK;
out:
	s_arena_destroy(arena);
	return r;
}

void
wire_free(ProtobufCMessage *msg)
{
	struct s_arena *arena;

	if (msg == NULL)
		return;
	/* msg is the first block wire_unpack's arena handed to protobuf-c. */
	arena = ((struct s_block *)(void *)msg - 1)->arena;
	protobuf_c_message_free_unpacked(msg, &arena->allocator);
	s_arena_destroy(arena);
}

/* ---- signed bytes -------------------------------------------------------------- */

/* A company id: 1..64 bytes of [a-z0-9-], starting with a letter or digit. */
static int
s_signer_ok(const char *s)
{
	size_t i;

	if (s == NULL || s[0] == '\0' || s[0] == '-')
		return 0;
	for (i = 0; s[i] != '\0'; i++) {
		if (i >= S_MAX_SIGNER)
			return 0;
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return 0;
	}
	return 1;
}

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
 * by Ed25519's portable SHA-512 (sign) and once more on the other side.
 */
static void
s_put_payload_digest(struct putbuf *b, const uint8_t *payload, size_t len)
{
	uint8_t digest[32];
	unsigned int outl = 0;

	putbuf_u64(b, (uint64_t)len);
	if (EVP_Digest(len ? payload : (const uint8_t *)"", len, digest, &outl, EVP_sha256(),
	               NULL) != 1 ||
	    outl != sizeof(digest)) {
		putbuf_fail(b, SYM_ERR_CRYPTO);
		return;
	}
	putbuf_bytes(b, digest, sizeof(digest));
}

int
wire_request_signed_bytes(uint32_t version, uint32_t type, const uint8_t request_id[16],
                          uint64_t timestamp_ms, const char *signer, const uint8_t *payload,
                          size_t payload_len, uint8_t **out, size_t *out_len)
{
	struct putbuf b;
	size_t signer_len;

	if (out == NULL || out_len == NULL)
		return SYM_ERR_INVALID;
	*out = NULL;
	*out_len = 0;
	if (request_id == NULL || signer == NULL || (payload == NULL && payload_len != 0))
		return SYM_ERR_INVALID;
	signer_len = strlen(signer);
	if (signer_len == 0 || signer_len > S_MAX_SIGNER)
		return SYM_ERR_INVALID;
	if (payload_len > WIRE_MAX_MESSAGE)
		return SYM_ERR_LIMIT;
	putbuf_init_heap(&b, S_SIGNED_MAX);
	putbuf_bytes(&b, s_request_domain, sizeof(s_request_domain));
	putbuf_u32(&b, version);
	putbuf_u32(&b, type);
	putbuf_bytes(&b, request_id, WIRE_REQUEST_ID_LEN);
	putbuf_u64(&b, timestamp_ms);
	putbuf_string8(&b, signer, signer_len);
	s_put_payload_digest(&b, payload, payload_len);
	return putbuf_finish(&b, out, out_len);
}

int
wire_response_signed_bytes(uint32_t version, uint32_t type, const uint8_t request_id[16],
                           int32_t status, int replayed, const char *message,
                           const uint8_t *payload, size_t payload_len, uint8_t **out,
                           size_t *out_len)
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
	putbuf_bytes(&b, s_response_domain, sizeof(s_response_domain));
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

int
wire_request_build(uint32_t type, const uint8_t *request_id, uint64_t timestamp_ms,
                   const char *signer, const uint8_t sign_sk[64], const uint8_t *payload,
                   size_t payload_len, uint8_t **out, size_t *out_len, uint8_t id_out[16])
{
	Symbiod__Request req = SYMBIOD__REQUEST__INIT;
	uint8_t id[WIRE_REQUEST_ID_LEN], sig[SIG_LEN];
	uint8_t *signed_bytes = NULL;
	size_t signed_len = 0;
	int r = SYM_ERR_INTERNAL;

	if (out == NULL || out_len == NULL)
		return SYM_ERR_INVALID;
	*out = NULL;
	*out_len = 0;
	if (sign_sk == NULL || (payload == NULL && payload_len != 0))
		return SYM_ERR_INVALID;
	if (type == SYMBIOD__MSG_TYPE__MSG_UNSPECIFIED || !s_msg_type_ok(type) ||
	    !s_signer_ok(signer))
		return SYM_ERR_INVALID;
	if (payload_len > WIRE_MAX_MESSAGE)
		return SYM_ERR_LIMIT;
	if (request_id != NULL)
		memcpy(id, request_id, sizeof(id));
	else
		randombytes_buf(id, sizeof(id));
	r = wire_request_signed_bytes(WIRE_VERSION, type, id, timestamp_ms, signer, payload,
	                              payload_len, &signed_bytes, &signed_len);
	if (r != SYM_OK)
		goto out;
	if ((r = sig_sign(sign_sk, signed_bytes, signed_len, sig)) != SYM_OK)
		goto out;
	req.version = WIRE_VERSION;
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
	if (req->version != WIRE_VERSION)
		goto out;
	if (req->type == SYMBIOD__MSG_TYPE__MSG_UNSPECIFIED || !s_msg_type_ok(req->type))
		goto out;
	if (req->request_id.len != WIRE_REQUEST_ID_LEN || req->signature.len != SIG_LEN)
		goto out;
	if (!s_signer_ok(req->signer))
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
wire_request_verify(const Symbiod__Request *req, const uint8_t signer_pk[32])
{
	uint8_t *signed_bytes = NULL;
	size_t signed_len = 0;
	int r;

	/* Every refusal is SYM_ERR_VERIFY, as with sig_verify. */
	if (req == NULL || signer_pk == NULL || req->request_id.len != WIRE_REQUEST_ID_LEN ||
	    req->signature.len != SIG_LEN || req->signature.data == NULL ||
	    !s_signer_ok(req->signer))
		return SYM_ERR_VERIFY;
	if (wire_request_signed_bytes(req->version, req->type, req->request_id.data,
	                              req->timestamp_ms, req->signer, req->payload.data,
	                              req->payload.len, &signed_bytes, &signed_len) != SYM_OK)
		return SYM_ERR_VERIFY;
	r = sig_verify(signer_pk, signed_bytes, signed_len, req->signature.data);
	free(signed_bytes);
	return r == SYM_OK ? SYM_OK : SYM_ERR_VERIFY;
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
wire_response_build(uint32_t type, const uint8_t request_id[16], int32_t status, int replayed,
                    const char *message, const uint8_t *payload, size_t payload_len,
                    const uint8_t sign_sk[64], uint8_t **out, size_t *out_len)
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
	if (request_id == NULL || sign_sk == NULL || (payload == NULL && payload_len != 0))
		return SYM_ERR_INVALID;
	if (!s_response_header_ok(type, status))
		return SYM_ERR_INVALID;
	if ((message != NULL && strlen(message) > S_MAX_REASON) || payload_len > WIRE_MAX_MESSAGE)
		return SYM_ERR_LIMIT;
	memcpy(id, request_id, sizeof(id));
	r = wire_response_signed_bytes(WIRE_VERSION, type, id, status, replayed, message, payload,
	                               payload_len, &signed_bytes, &signed_len);
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
wire_response_decode(const uint8_t *buf, size_t len, const uint8_t coordinator_pk[32],
                     Symbiod__Response **out)
{
	ProtobufCMessage *msg = NULL;
	Symbiod__Response *resp;
	uint8_t *signed_bytes = NULL;
	size_t signed_len = 0;
	int r;

	if (out == NULL)
		return SYM_ERR_INVALID;
	*out = NULL;
	if (coordinator_pk == NULL)
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
	r = wire_response_signed_bytes(resp->version, resp->type, resp->request_id.data,
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

const ProtobufCMessageDescriptor *const wire_descriptors[] = {
    &symbiod__request__descriptor,
    &symbiod__response__descriptor,
    &symbiod__member_record__descriptor,
    &symbiod__status_request__descriptor,
    &symbiod__status_reply__descriptor,
    &symbiod__directory_request__descriptor,
    &symbiod__directory__descriptor,
    &symbiod__round_request__descriptor,
    &symbiod__padding_policy__descriptor,
    &symbiod__round_announcement__descriptor,
    &symbiod__token_batch__descriptor,
    &symbiod__submit_begin__descriptor,
    &symbiod__submit_chunk__descriptor,
    &symbiod__submit_commit__descriptor,
    &symbiod__submit_ack__descriptor,
    &symbiod__candidates_request__descriptor,
    &symbiod__candidate__descriptor,
    &symbiod__candidate_list__descriptor,
    &symbiod__consent__descriptor,
    &symbiod__consent_ack__descriptor,
    &symbiod__releases_request__descriptor,
    &symbiod__release__descriptor,
    &symbiod__release_list__descriptor,
    &symbiod__log_proof__descriptor,
    &symbiod__checkpoint_request__descriptor,
    &symbiod__checkpoint_reply__descriptor,
};
const size_t wire_n_descriptors = sizeof(wire_descriptors) / sizeof(wire_descriptors[0]);
