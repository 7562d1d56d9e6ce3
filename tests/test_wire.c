/* The wire layer: signed envelopes, the precheck walker, the bounded allocator. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "protocol.h"
#include "sig.h"
#include "symbiod.pb-c.h"
#include "roundhash.h"
#include "rounds.h"
#include "wire.h"

static uint8_t s_pk[SIG_PUBLIC_LEN], s_sk[SIG_SECRET_LEN];
static uint8_t s_other_pk[SIG_PUBLIC_LEN], s_other_sk[SIG_SECRET_LEN];
/* The park every message here is signed for (cert_park_id of some CA), and another. */
static uint8_t s_park[WIRE_PARK_ID_LEN], s_other_park[WIRE_PARK_ID_LEN];

/* Every message type: the list the wire layer keeps. */
#define s_all wire_descriptors
#define S_N_ALL wire_n_descriptors

static int
s_setup(void **state)
{
	(void)state;
	if (sodium_init() < 0)
		return -1;
	crypto_sign_keypair(s_pk, s_sk);
	crypto_sign_keypair(s_other_pk, s_other_sk);
	randombytes_buf(s_park, sizeof(s_park));
	randombytes_buf(s_other_park, sizeof(s_other_park));
	return 0;
}

/* ---- hand-crafting bytes ------------------------------------------------------ */

struct s_wbuf {
	uint8_t b[1024];
	size_t n;
};

static void
s_put_byte(struct s_wbuf *w, uint8_t v)
{
	assert_true(w->n < sizeof(w->b));
	w->b[w->n++] = v;
}

static void
s_put_varint(struct s_wbuf *w, uint64_t v)
{
	while (v >= 0x80) {
		s_put_byte(w, (uint8_t)(v | 0x80));
		v >>= 7;
	}
	s_put_byte(w, (uint8_t)v);
}

static void
s_put_tag(struct s_wbuf *w, uint32_t field, unsigned wire_type)
{
	s_put_varint(w, ((uint64_t)field << 3) | wire_type);
}

static void
s_put_data(struct s_wbuf *w, const void *p, size_t len)
{
	assert_true(len <= sizeof(w->b) - w->n);
	memcpy(w->b + w->n, p, len);
	w->n += len;
}

static void
s_put_field_bytes(struct s_wbuf *w, uint32_t field, const void *p, size_t len)
{
	s_put_tag(w, field, PROTOBUF_C_WIRE_TYPE_LENGTH_PREFIXED);
	s_put_varint(w, len);
	s_put_data(w, p, len);
}

/* A deterministic generator, so that a failure can be replayed. */
static uint64_t
s_rand(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

/* ---- a message of any type with every field set ---------------------------- */

static size_t
s_elt_size(ProtobufCType type)
{
	switch (type) {
	case PROTOBUF_C_TYPE_INT32:
	case PROTOBUF_C_TYPE_SINT32:
	case PROTOBUF_C_TYPE_SFIXED32:
	case PROTOBUF_C_TYPE_UINT32:
	case PROTOBUF_C_TYPE_FIXED32:
	case PROTOBUF_C_TYPE_FLOAT:
	case PROTOBUF_C_TYPE_ENUM: return 4;
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64:
	case PROTOBUF_C_TYPE_DOUBLE: return 8;
	case PROTOBUF_C_TYPE_BOOL: return sizeof(protobuf_c_boolean);
	case PROTOBUF_C_TYPE_STRING: return sizeof(char *);
	case PROTOBUF_C_TYPE_BYTES: return sizeof(ProtobufCBinaryData);
	case PROTOBUF_C_TYPE_MESSAGE: return sizeof(ProtobufCMessage *);
	}
	fail();
	return 0;
}

static ProtobufCMessage *s_fill(const ProtobufCMessageDescriptor *desc, size_t reps);

/* Extreme values where they exist: 10-byte varints, negative int32s. */
static void
s_fill_value(const ProtobufCFieldDescriptor *f, void *p, size_t i, size_t reps)
{
	switch (f->type) {
	case PROTOBUF_C_TYPE_INT32:
	case PROTOBUF_C_TYPE_SINT32:
	case PROTOBUF_C_TYPE_SFIXED32: *(int32_t *)p = -5 - (int32_t)i; break;
	case PROTOBUF_C_TYPE_ENUM:
		*(int32_t *)p = ((const ProtobufCEnumDescriptor *)f->descriptor)->values[0].value;
		break;
	case PROTOBUF_C_TYPE_UINT32:
	case PROTOBUF_C_TYPE_FIXED32: *(uint32_t *)p = UINT32_MAX - (uint32_t)i; break;
	case PROTOBUF_C_TYPE_FLOAT: *(float *)p = 1.5f; break;
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64: *(int64_t *)p = INT64_MIN + (int64_t)i; break;
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64: *(uint64_t *)p = UINT64_MAX - i; break;
	case PROTOBUF_C_TYPE_DOUBLE: *(double *)p = 2.5; break;
	case PROTOBUF_C_TYPE_BOOL: *(protobuf_c_boolean *)p = 1; break;
	case PROTOBUF_C_TYPE_STRING:
		*(char **)p = strdup("x-1");
		assert_non_null(*(char **)p);
		break;
	case PROTOBUF_C_TYPE_BYTES: {
		ProtobufCBinaryData *bd = p;

		bd->len = 3 + i;
		bd->data = malloc(bd->len);
		assert_non_null(bd->data);
		memset(bd->data, 0xa0 + (int)i, bd->len);
		break;
	}
	case PROTOBUF_C_TYPE_MESSAGE: *(ProtobufCMessage **)p = s_fill(f->descriptor, reps); break;
	}
}

/* Every field set, repeated ones `reps` times; protobuf_c_message_free_unpacked(m, NULL) frees. */
static ProtobufCMessage *
s_fill(const ProtobufCMessageDescriptor *desc, size_t reps)
{
	ProtobufCMessage *m;
	unsigned f;

	m = calloc(1, desc->sizeof_message);
	assert_non_null(m);
	desc->message_init(m);
	for (f = 0; f < desc->n_fields; f++) {
		const ProtobufCFieldDescriptor *fd = &desc->fields[f];
		char *member = (char *)m + fd->offset;
		size_t i, siz = s_elt_size(fd->type);

		if (fd->label == PROTOBUF_C_LABEL_REPEATED) {
			char *arr = calloc(reps != 0 ? reps : 1, siz);

			assert_non_null(arr);
			for (i = 0; i < reps; i++)
				s_fill_value(fd, arr + i * siz, i, reps);
			*(size_t *)((char *)m + fd->quantifier_offset) = reps;
			*(void **)member = arr;
		} else {
			s_fill_value(fd, member, 0, reps);
			if (fd->label == PROTOBUF_C_LABEL_OPTIONAL && fd->quantifier_offset != 0)
				*(protobuf_c_boolean *)((char *)m + fd->quantifier_offset) = 1;
		}
	}
	return m;
}

static void
s_pack_filled(const ProtobufCMessageDescriptor *desc, size_t reps, uint8_t **out, size_t *out_len)
{
	ProtobufCMessage *m = s_fill(desc, reps);

	assert_int_equal(wire_pack(m, out, out_len), SYM_OK);
	protobuf_c_message_free_unpacked(m, NULL);
}

/* A realistic directory of n members. */
static void
s_pack_directory(size_t n, uint8_t **out, size_t *out_len)
{
	Symbiod__Directory dir = SYMBIOD__DIRECTORY__INIT;
	Symbiod__MemberRecord *recs, **ptrs;
	uint8_t key[32], cert[48], hash[32];
	char ids[8][16];
	size_t i;

	recs = calloc(n, sizeof(*recs));
	ptrs = calloc(n, sizeof(*ptrs));
	assert_non_null(recs);
	assert_non_null(ptrs);
	memset(key, 0x11, sizeof(key));
	memset(cert, 0x30, sizeof(cert));
	memset(hash, 0x77, sizeof(hash));
	for (i = 0; i < 8; i++)
		snprintf(ids[i], sizeof(ids[i]), "member-%zu", i);
	for (i = 0; i < n; i++) {
		symbiod__member_record__init(&recs[i]);
		recs[i].id = ids[i % 8];
		recs[i].name = "Refinery A/S";
		recs[i].ed25519.data = key;
		recs[i].ed25519.len = sizeof(key);
		recs[i].x25519.data = key;
		recs[i].x25519.len = sizeof(key);
		recs[i].curve.data = key;
		recs[i].curve.len = sizeof(key);
		recs[i].certificate.data = cert;
		recs[i].certificate.len = sizeof(cert);
		recs[i].revoked = (i % 2) != 0;
		ptrs[i] = &recs[i];
	}
	dir.n_members = n;
	dir.members = ptrs;
	dir.directory_hash.data = hash;
	dir.directory_hash.len = sizeof(hash);
	assert_int_equal(wire_pack(&dir.base, out, out_len), SYM_OK);
	free(ptrs);
	free(recs);
}

/* ---- a recursive message, to reach WIRE_MAX_DEPTH (symbiod.proto has none) --- */

typedef struct {
	ProtobufCMessage base;
	ProtobufCMessage *child;
	size_t n_nums;
	uint32_t *nums;
} S_Node;

static const ProtobufCMessageDescriptor s_node_desc;
static const ProtobufCFieldDescriptor s_node_fields[2] = {
    {"child", 1, PROTOBUF_C_LABEL_OPTIONAL, PROTOBUF_C_TYPE_MESSAGE, 0, offsetof(S_Node, child),
     &s_node_desc, NULL, 0, 0, NULL, NULL},
    {"nums", 2, PROTOBUF_C_LABEL_REPEATED, PROTOBUF_C_TYPE_UINT32, offsetof(S_Node, n_nums),
     offsetof(S_Node, nums), NULL, NULL, 0, 0, NULL, NULL},
};
static const unsigned s_node_by_name[2] = {0, 1};
static const ProtobufCIntRange s_node_ranges[2] = {{1, 0}, {0, 2}};
static const ProtobufCMessageDescriptor s_node_desc = {
    .magic = PROTOBUF_C__MESSAGE_DESCRIPTOR_MAGIC,
    .name = "test.Node",
    .short_name = "Node",
    .c_name = "S_Node",
    .package_name = "test",
    .sizeof_message = sizeof(S_Node),
    .n_fields = 2,
    .fields = s_node_fields,
    .fields_sorted_by_name = s_node_by_name,
    .n_field_ranges = 1,
    .field_ranges = s_node_ranges,
    .message_init = NULL, /* protobuf-c's generic initialisation */
};

/* `levels` messages, each the child of the one before. */
static void
s_nest(struct s_wbuf *w, size_t levels)
{
	struct s_wbuf inner = {.n = 0};

	if (levels <= 1) {
		w->n = 0;
		return;
	}
	s_nest(&inner, levels - 1);
	w->n = 0;
	s_put_field_bytes(w, 1, inner.b, inner.n);
}

/* ---- requests --------------------------------------------------------------------- */

static const uint8_t s_payload[] = "a DirectoryRequest would be empty; this is longer";

static void
s_build_request(const uint8_t sk[64], const char *signer, uint8_t **out, size_t *out_len)
{
	static const uint8_t id[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};

	assert_int_equal(wire_request_build(s_park, SYMBIOD__MSG_TYPE__MSG_DIRECTORY, id,
	                                    1700000000123u, signer, sk, s_payload,
	                                    sizeof(s_payload), out, out_len, NULL),
	                 SYM_OK);
}

static void
test_request_round_trip(void **state)
{
	Symbiod__Request *req = NULL;
	uint8_t *buf = NULL, id[16], zero[16] = {0};
	size_t len = 0;
	uint64_t now = wire_now_ms();

	(void)state;
	assert_true(now > UINT64_C(1600000000000));
	assert_int_equal(wire_request_build(s_park, SYMBIOD__MSG_TYPE__MSG_STATUS, NULL, now,
	                                    "acme-1", s_sk, NULL, 0, &buf, &len, id),
	                 SYM_OK);
	assert_memory_not_equal(id, zero, 16);
	assert_int_equal(wire_request_decode(buf, len, &req), SYM_OK);
	assert_int_equal(req->version, WIRE_VERSION);
	assert_int_equal(req->type, SYMBIOD__MSG_TYPE__MSG_STATUS);
	assert_int_equal(req->request_id.len, 16);
	assert_memory_equal(req->request_id.data, id, 16);
	assert_true(req->timestamp_ms == now);
	assert_string_equal(req->signer, "acme-1");
	assert_int_equal(req->payload.len, 0);
	assert_int_equal(wire_request_verify(req, s_park, s_pk), SYM_OK);
	assert_int_equal(wire_request_verify(req, s_park, s_other_pk), SYM_ERR_VERIFY);
	assert_int_equal(wire_request_verify(NULL, s_park, s_pk), SYM_ERR_VERIFY);
	assert_int_equal(wire_request_verify(req, s_park, NULL), SYM_ERR_VERIFY);
	wire_free(&req->base);
	free(buf);

	s_build_request(s_sk, "acme", &buf, &len);
	assert_int_equal(wire_request_decode(buf, len, &req), SYM_OK);
	assert_int_equal(req->payload.len, sizeof(s_payload));
	assert_memory_equal(req->payload.data, s_payload, sizeof(s_payload));
	assert_int_equal(wire_request_verify(req, s_park, s_pk), SYM_OK);
	wire_free(&req->base);
	free(buf);
	wire_free(NULL);
}

/*
 * A version 2 SubmitChunk is signed over its chunk digest: it verifies
 * against that digest only, a changed digest (a token changed after
 * signing) does not, and neither form stands in for the other.
 */
static void
test_request_chunk_digest(void **state)
{
	static const uint8_t id[16] = {7};
	Symbiod__Request *req = NULL;
	uint8_t *buf = NULL, digests[2][32], chunk[32], other[32], sub[16] = {9};
	size_t len = 0;

	(void)state;
	memset(digests, 0x5a, sizeof(digests));
	roundhash_chunk(sub, 3, (const uint8_t(*)[32])digests, 2, chunk);
	digests[1][31] ^= 1;
	roundhash_chunk(sub, 3, (const uint8_t(*)[32])digests, 2, other);
	assert_memory_not_equal(chunk, other, 32);
	assert_int_equal(wire_request_build_chunk(s_park, id, 1700000000123u, "acme", s_sk,
	                                          s_payload, sizeof(s_payload), chunk, &buf, &len,
	                                          NULL),
	                 SYM_OK);
	assert_int_equal(wire_request_decode(buf, len, &req), SYM_OK);
	assert_int_equal(req->version, WIRE_VERSION_CHUNK);
	assert_int_equal(req->type, SYMBIOD__MSG_TYPE__MSG_SUBMIT_CHUNK);
	assert_int_equal(wire_request_verify_chunk(req, s_park, s_pk, chunk), SYM_OK);
	assert_int_equal(wire_request_verify_chunk(req, s_park, s_pk, other), SYM_ERR_VERIFY);
	assert_int_equal(wire_request_verify_chunk(req, s_park, s_other_pk, chunk), SYM_ERR_VERIFY);
	/* Without its digest, a version 2 request never verifies (not over its payload either). */
	assert_int_equal(wire_request_verify(req, s_park, s_pk), SYM_ERR_VERIFY);
	/* The version is signed: the same signature read as version 1 fails. */
	req->version = WIRE_VERSION;
	assert_int_equal(wire_request_verify_chunk(req, s_park, s_pk, chunk), SYM_ERR_VERIFY);
	assert_int_equal(wire_request_verify(req, s_park, s_pk), SYM_ERR_VERIFY);
	wire_free(&req->base);
	free(buf);

	/* Version 2 is for chunks only: any other type with it is malformed. */
	s_build_request(s_sk, "acme", &buf, &len);
	assert_int_equal(wire_request_decode(buf, len, &req), SYM_OK);
	assert_int_equal(wire_request_verify_chunk(req, s_park, s_pk, chunk), SYM_ERR_VERIFY);
	req->version = WIRE_VERSION_CHUNK;
	free(buf);
	assert_int_equal(wire_pack(&req->base, &buf, &len), SYM_OK);
	wire_free(&req->base);
	assert_int_equal(wire_request_decode(buf, len, &req), SYM_ERR_FORMAT);
	free(buf);
	assert_int_equal(
	    wire_request_build_chunk(s_park, id, 1, "acme", s_sk, NULL, 0, NULL, &buf, &len, NULL),
	    SYM_ERR_INVALID);
}

/*
 * What the coordinator checks a version 2 chunk's signature against: the
 * digests of the chunk it unpacked. Bytes that are not a SubmitChunk, or a
 * chunk without a 16-byte submission id, are malformed (refused before any
 * signature check); a well-formed one gives roundhash's digests.
 */
static void
test_chunk_digests_at_admission(void **state)
{
	static uint8_t sub[16] = {3}, offers[16] = {0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 2};
	Symbiod__SubmitChunk chunk = SYMBIOD__SUBMIT_CHUNK__INIT;
	Symbiod__TokenBatch b = SYMBIOD__TOKEN_BATCH__INIT, *bp = &b;
	ProtobufCMessage *msg = NULL;
	uint8_t *buf = NULL, (*d)[32] = NULL, want[32], digest[32], junk[40];
	size_t len = 0;

	(void)state;
	b.counterpart = "acme";
	b.offer_tokens.data = offers;
	b.offer_tokens.len = sizeof(offers);
	chunk.submission_id.data = sub;
	chunk.submission_id.len = sizeof(sub);
	chunk.index = 2;
	chunk.n_batches = 1;
	chunk.batches = &bp;
	assert_int_equal(wire_pack(&chunk.base, &buf, &len), SYM_OK);
	assert_int_equal(rounds_chunk_digests(buf, len, &msg, &d, digest), SYM_OK);
	assert_non_null(msg);
	assert_int_equal(roundhash_batch_digest("acme", offers, sizeof(offers), NULL, 0, want),
	                 SYM_OK);
	assert_memory_equal(d[0], want, 32);
	roundhash_chunk(sub, 2, (const uint8_t(*)[32])want, 1, want);
	assert_memory_equal(digest, want, 32);
	wire_free(msg);
	free(d);
	free(buf);

	chunk.submission_id.len = 15;
	assert_int_equal(wire_pack(&chunk.base, &buf, &len), SYM_OK);
	assert_int_equal(rounds_chunk_digests(buf, len, &msg, &d, digest), SYM_ERR_FORMAT);
	assert_null(msg);
	assert_null(d);
	free(buf);
	memset(junk, 0xff, sizeof(junk));
	assert_int_equal(rounds_chunk_digests(junk, sizeof(junk), &msg, &d, digest),
	                 SYM_ERR_FORMAT);
	assert_null(msg);
}

static void
test_request_build_refuses(void **state)
{
	/* No type, an unknown type, and signers that are no company id. */
	static const struct {
		uint32_t type;
		const char *signer;
	} bad[] = {{0, "acme"}, {999, "acme"}, {1, "Acme"}, {1, "-acme"}, {1, ""}};
	uint8_t *buf = NULL, *big;
	size_t len = 0, i;
	char long_signer[66];

	(void)state;
	memset(long_signer, 'a', 65);
	long_signer[65] = '\0';
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(wire_request_build(s_park, bad[i].type, NULL, 1, bad[i].signer,
		                                    s_sk, NULL, 0, &buf, &len, NULL),
		                 SYM_ERR_INVALID);
	assert_int_equal(
	    wire_request_build(s_park, 1, NULL, 1, long_signer, s_sk, NULL, 0, &buf, &len, NULL),
	    SYM_ERR_INVALID);
	long_signer[64] = '\0';
	assert_int_equal(
	    wire_request_build(s_park, 1, NULL, 1, long_signer, s_sk, NULL, 0, &buf, &len, NULL),
	    SYM_OK);
	free(buf);
	buf = NULL;
	/* A payload of the whole limit leaves no room for the envelope. */
	big = calloc(1, WIRE_MAX_MESSAGE + 1);
	assert_non_null(big);
	assert_int_equal(wire_request_build(s_park, 1, NULL, 1, "acme", s_sk, big, WIRE_MAX_MESSAGE,
	                                    &buf, &len, NULL),
	                 SYM_ERR_LIMIT);
	assert_int_equal(wire_request_build(s_park, 1, NULL, 1, "acme", s_sk, big,
	                                    WIRE_MAX_MESSAGE + 1, &buf, &len, NULL),
	                 SYM_ERR_LIMIT);
	assert_null(buf);
	free(big);
}

static void
test_request_byte_flips(void **state)
{
	Symbiod__Request *req;
	uint8_t *buf = NULL;
	size_t len = 0, i;
	unsigned x, decoded = 0;

	(void)state;
	s_build_request(s_sk, "acme", &buf, &len);
	for (i = 0; i < len; i++) {
		for (x = 1; x < 256; x++) {
			buf[i] ^= (uint8_t)x;
			req = NULL;
			if (wire_request_decode(buf, len, &req) == SYM_OK) {
				decoded++;
				assert_int_equal(wire_request_verify(req, s_park, s_pk),
				                 SYM_ERR_VERIFY);
				wire_free(&req->base);
			} else {
				assert_null(req);
			}
			buf[i] ^= (uint8_t)x;
		}
	}
	assert_true(decoded > 0); /* the flips did reach the signature check */
	free(buf);
}

static void
test_request_other_key(void **state)
{
	Symbiod__Request *req = NULL;
	uint8_t *buf = NULL;
	size_t len = 0;

	(void)state;
	/* Signed by someone else in acme's name. */
	s_build_request(s_other_sk, "acme", &buf, &len);
	assert_int_equal(wire_request_decode(buf, len, &req), SYM_OK);
	assert_int_equal(wire_request_verify(req, s_park, s_pk), SYM_ERR_VERIFY);
	assert_int_equal(wire_request_verify(req, s_park, s_other_pk), SYM_OK);
	wire_free(&req->base);
	free(buf);
}

/* Pack an edited request, decode it again, and verify it under s_pk. */
static int
s_repack_verify(const Symbiod__Request *edited)
{
	Symbiod__Request *req = NULL;
	uint8_t *buf = NULL;
	size_t len = 0;
	int r;

	assert_int_equal(wire_pack(&edited->base, &buf, &len), SYM_OK);
	assert_int_equal(wire_request_decode(buf, len, &req), SYM_OK);
	r = wire_request_verify(req, s_park, s_pk);
	wire_free(&req->base);
	free(buf);
	return r;
}

static void
test_request_field_changes(void **state)
{
	Symbiod__Request *req = NULL, copy;
	uint8_t *buf = NULL, id[16], payload[sizeof(s_payload)];
	size_t len = 0;

	(void)state;
	s_build_request(s_sk, "acme", &buf, &len);
	assert_int_equal(wire_request_decode(buf, len, &req), SYM_OK);
	copy = *req;
	assert_int_equal(s_repack_verify(&copy), SYM_OK);

	copy = *req;
	copy.signer = "acmf";
	assert_int_equal(s_repack_verify(&copy), SYM_ERR_VERIFY);
	copy.signer = "acme-2";
	assert_int_equal(s_repack_verify(&copy), SYM_ERR_VERIFY);

	copy = *req;
	copy.type = SYMBIOD__MSG_TYPE__MSG_ROUND;
	assert_int_equal(s_repack_verify(&copy), SYM_ERR_VERIFY);

	copy = *req;
	copy.timestamp_ms++;
	assert_int_equal(s_repack_verify(&copy), SYM_ERR_VERIFY);

	copy = *req;
	memcpy(id, req->request_id.data, 16);
	id[15] ^= 1;
	copy.request_id.data = id;
	assert_int_equal(s_repack_verify(&copy), SYM_ERR_VERIFY);

	copy = *req;
	memcpy(payload, s_payload, sizeof(payload));
	payload[0] ^= 1;
	copy.payload.data = payload;
	assert_int_equal(s_repack_verify(&copy), SYM_ERR_VERIFY);
	copy.payload.len--;
	copy.payload.data = req->payload.data;
	assert_int_equal(s_repack_verify(&copy), SYM_ERR_VERIFY);

	/* The signer edited in place, after decoding. */
	req->signer[0] = 'b';
	assert_int_equal(wire_request_verify(req, s_park, s_pk), SYM_ERR_VERIFY);
	wire_free(&req->base);
	free(buf);
}

/* Well-formed protobuf, invalid envelope: each edit alone makes decode refuse. */
static void
test_request_decode_validation(void **state)
{
	enum {
		E_VERSION,
		E_TYPE_0,
		E_TYPE_UNKNOWN,
		E_ID_15,
		E_ID_17,
		E_SIGNER_UPPER,
		E_SIGNER_DASH,
		E_SIGNER_65,
		E_SIGNER_EMPTY,
		E_SIGNER_SPACE,
		E_SIG_63,
		E_COUNT
	};
	Symbiod__Request *req = NULL, *bad, copy;
	uint8_t *buf = NULL, *b2 = NULL, id17[17] = {0}, sig63[63] = {0};
	size_t len = 0, l2 = 0;
	char signer65[66];
	int e;

	(void)state;
	memset(signer65, 'a', 65);
	signer65[65] = '\0';
	s_build_request(s_sk, "acme", &buf, &len);
	assert_int_equal(wire_request_decode(buf, len, &req), SYM_OK);
	for (e = 0; e < E_COUNT; e++) {
		copy = *req;
		switch (e) {
		case E_VERSION: copy.version = 2; break;
		case E_TYPE_0: copy.type = 0; break;
		case E_TYPE_UNKNOWN: copy.type = 999; break;
		case E_ID_15: copy.request_id.len = 15; break;
		case E_ID_17:
			copy.request_id.data = id17;
			copy.request_id.len = sizeof(id17);
			break;
		case E_SIGNER_UPPER: copy.signer = "Acme"; break;
		case E_SIGNER_DASH: copy.signer = "-acme"; break;
		case E_SIGNER_65: copy.signer = signer65; break;
		case E_SIGNER_EMPTY: copy.signer = ""; break;
		case E_SIGNER_SPACE: copy.signer = "ac me"; break;
		case E_SIG_63:
			copy.signature.data = sig63;
			copy.signature.len = sizeof(sig63);
			break;
		}
		assert_int_equal(wire_pack(&copy.base, &b2, &l2), SYM_OK);
		bad = NULL;
		assert_int_equal(wire_request_decode(b2, l2, &bad), SYM_ERR_FORMAT);
		assert_null(bad);
		free(b2);
		b2 = NULL;
	}
	wire_free(&req->base);
	free(buf);
}

static void
test_signed_bytes_layout(void **state)
{
	static const uint8_t id[16] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
	static const uint8_t want_req[] = {
	    's',  'y',  'm',  'b',  'i',  'o',  'd',  '-',  'r',  'e',  'q',  'u',
	    'e',  's',  't',  '-',  'v',  '1',  0,    0,    0,    0,    1, /* version */
	    0,    0,    0,    2,                                           /* type */
	    0,    1,    2,    3,    4,    5,    6,    7,    8,    9,    10,   11,
	    12,   13,   14,   15,                        /* request_id */
	    1,    2,    3,    4,    5,    6,    7,    8, /* timestamp_ms */
	    4,    'a',  'c',  'm',  'e',                 /* signer */
	    0,    0,    0,    0,    0,    0,    0,    2, /* payload length */
	    0x76, 0x9a, 0x4e, 0x6d, 0x00, 0x03, 0x18, 0x9c, 0x7e, 0x96, 0xc5, 0xd9,
	    0xb7, 0xe8, 0x10, 0xa0, 0xd1, 0x1c, 0x3a, 0x12, 0x83, 0x25, 0x27, 0xec,
	    0x94, 0xb0, 0xf8, 0x6d, 0x27, 0x7f, 0x51, 0xca}; /* SHA-256("xy") */
	static const uint8_t want_resp[] = {
	    's',  'y',  'm',  'b',  'i',  'o',  'd',  '-',  'r',  'e',  's',  'p',
	    'o',  'n',  's',  'e',  '-',  'v',  '1',  0,    0,    0,    0,    1, /* version */
	    0,    0,    0,    2,                                                 /* type */
	    0,    1,    2,    3,    4,    5,    6,    7,    8,    9,    10,   11,
	    12,   13,   14,   15,                        /* request_id */
	    0xff, 0xff, 0xfe, 0x70,                      /* status -400 */
	    1,                                           /* replayed */
	    0,    0,    0,    2,    'n',  'o',           /* message */
	    0,    0,    0,    0,    0,    0,    0,    2, /* payload length */
	    0x76, 0x9a, 0x4e, 0x6d, 0x00, 0x03, 0x18, 0x9c, 0x7e, 0x96, 0xc5, 0xd9,
	    0xb7, 0xe8, 0x10, 0xa0, 0xd1, 0x1c, 0x3a, 0x12, 0x83, 0x25, 0x27, 0xec,
	    0x94, 0xb0, 0xf8, 0x6d, 0x27, 0x7f, 0x51, 0xca}; /* SHA-256("xy") */
	static const uint8_t want_empty[] = {'s',  'y',  'm',  'b',  'i',  'o',  'd',  '-',  'r',
	                                     'e',  's',  'p',  'o',  'n',  's',  'e',  '-',  'v',
	                                     '1',  0,    0,    0,    0,    1,    0,    0,    0,
	                                     2,    0,    1,    2,    3,    4,    5,    6,    7,
	                                     8,    9,    10,   11,   12,   13,   14,   15,   0,
	                                     0,    1,    0x90, /* 400 */
	                                     0,    0,    0,    0,    0,    0,    0,    0,    0,
	                                     0,    0,    0,    0, /* payload length */
	                                     0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a,
	                                     0xfb, 0xf4, 0xc8, 0x99, 0x6f, 0xb9, 0x24, 0x27, 0xae,
	                                     0x41, 0xe4, 0x64, 0x9b, 0x93, 0x4c, 0xa4, 0x95, 0x99,
	                                     0x1b, 0x78, 0x52, 0xb8, 0x55}; /* SHA-256 of nothing */
	uint8_t *out = NULL;
	size_t len = 0;
	char signer65[66];

	(void)state;
	assert_int_equal(wire_request_signed_bytes(NULL, 1, 2, id, UINT64_C(0x0102030405060708),
	                                           "acme", (const uint8_t *)"xy", 2, &out, &len),
	                 SYM_OK);
	assert_int_equal(len, sizeof(want_req));
	assert_memory_equal(out, want_req, len);
	free(out);
	assert_int_equal(wire_response_signed_bytes(NULL, 1, 2, id, -400, 7, "no",
	                                            (const uint8_t *)"xy", 2, &out, &len),
	                 SYM_OK);
	assert_int_equal(len, sizeof(want_resp));
	assert_memory_equal(out, want_resp, len);
	free(out);
	assert_int_equal(
	    wire_response_signed_bytes(NULL, 1, 2, id, 400, 0, NULL, NULL, 0, &out, &len), SYM_OK);
	assert_int_equal(len, sizeof(want_empty));
	assert_memory_equal(out, want_empty, len);
	free(out);
	memset(signer65, 'a', 65);
	signer65[65] = '\0';
	assert_int_equal(
	    wire_request_signed_bytes(NULL, 1, 2, id, 0, signer65, NULL, 0, &out, &len),
	    SYM_ERR_INVALID);
	assert_null(out);
	assert_int_equal(wire_request_signed_bytes(NULL, 1, 2, id, 0, "", NULL, 0, &out, &len),
	                 SYM_ERR_INVALID);
}

/*
 * The announcement's signed bytes: the domain with its NUL, then the
 * announcement packed with an empty signature (written out by hand here).
 */
static void
test_announcement_signed_bytes_layout(void **state)
{
	static const uint8_t want[] = {
	    's',  'y',  'm',  'b',  'i',  'o',  'd', '-',  'r', 'o',  'u', 'n', 'd',
	    '-',  'v',  '1',  0,    0x0a, 16,   1,   1,    1,   1,    1,   1,   1,
	    1,    1,    1,    1,    1,    1,    1,   1,    1, /* round_id */
	    0x12, 32,   2,    2,    2,    2,    2,   2,    2,   2,    2,   2,   2,
	    2,    2,    2,    2,    2, /* directory_hash */
	    2,    2,    2,    2,    2,    2,    2,   2,    2,   2,    2,   2,   2,
	    2,    2,    2,    0x1a, 32,   3,    3,   3,    3,   3,    3,   3,   3,
	    3,    3,    3,    3,    3,    3,    3,   3, /* taxonomy_hash */
	    3,    3,    3,    3,    3,    3,    3,   3,    3,   3,    3,   3,   3,
	    3,    3,    3,    0x22, 6,    0x08, 10,  0x10, 20,  0x18, 4, /* padding {10, 20, 4} */
	    0x28, 100,                                                   /* max_items */
	    0x30, 0xe8, 0x07,                                            /* opened_ms 1000 */
	    0x38, 0xd0, 0x0f,                  /* submit_deadline_ms 2000 */
	    0x4a, 4,    'o',  'p',  'e',  'n', /* phase */
	    0x52, 0};                          /* signature, signed empty */
	Symbiod__RoundAnnouncement a = SYMBIOD__ROUND_ANNOUNCEMENT__INIT;
	Symbiod__PaddingPolicy pad = SYMBIOD__PADDING_POLICY__INIT;
	uint8_t round_id[16], dir[32], tax[32], sig[64], *out = NULL;
	size_t len = 0;

	(void)state;
	memset(round_id, 1, sizeof(round_id));
	memset(dir, 2, sizeof(dir));
	memset(tax, 3, sizeof(tax));
	pad.offer_tokens = 10;
	pad.need_tokens = 20;
	pad.quantum = 4;
	a.round_id.data = round_id;
	a.round_id.len = sizeof(round_id);
	a.directory_hash.data = dir;
	a.directory_hash.len = sizeof(dir);
	a.taxonomy_hash.data = tax;
	a.taxonomy_hash.len = sizeof(tax);
	a.padding = &pad;
	a.max_items = 100;
	a.opened_ms = 1000;
	a.has_submit_deadline_ms = 1;
	a.submit_deadline_ms = 2000;
	a.phase = (char *)"open";
	/* A signature already present is left out of what is signed. */
	memset(sig, 0xee, sizeof(sig));
	a.signature.data = sig;
	a.signature.len = sizeof(sig);
	assert_int_equal(protocol_announcement_signed_bytes(&a, &out, &len), SYM_OK);
	assert_int_equal(len, sizeof(want));
	assert_memory_equal(out, want, len);
	free(out);

	assert_int_equal(protocol_announcement_sign(&a, s_sk, sig), SYM_OK);
	assert_ptr_equal(a.signature.data, sig);
	assert_int_equal(crypto_sign_verify_detached(sig, want, sizeof(want), s_pk), 0);
	assert_int_equal(protocol_announcement_verify(&a, s_pk), SYM_OK);
	assert_int_equal(protocol_announcement_verify(&a, s_other_pk), SYM_ERR_VERIFY);
	a.max_items++;
	assert_int_equal(protocol_announcement_verify(&a, s_pk), SYM_ERR_VERIFY);
	a.max_items--;

	/* keep_batches (protocol 1.1, field 14) is signed: adding or flipping it breaks the
	 * signature. */
	a.has_keep_batches = 1;
	a.keep_batches = 0;
	assert_int_equal(protocol_announcement_verify(&a, s_pk), SYM_ERR_VERIFY);
	assert_int_equal(protocol_announcement_signed_bytes(&a, &out, &len), SYM_OK);
	assert_int_equal(len, sizeof(want) + 2);
	assert_memory_equal(out, want, sizeof(want));
	assert_int_equal(out[len - 2], 0x70); /* field 14, varint */
	assert_int_equal(out[len - 1], 0);
	free(out);
	assert_int_equal(protocol_announcement_sign(&a, s_sk, sig), SYM_OK);
	assert_int_equal(protocol_announcement_verify(&a, s_pk), SYM_OK);
	a.keep_batches = 1;
	assert_int_equal(protocol_announcement_verify(&a, s_pk), SYM_ERR_VERIFY);
}

/* ---- responses -------------------------------------------------------------------- */

static const uint8_t s_rid[16] = {9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 42};

/* A signed response with arbitrary header values, bypassing wire_response_build's checks. */
static void
s_raw_response(uint32_t version, uint32_t type, int32_t status, const char *message, uint8_t **out,
               size_t *out_len)
{
	Symbiod__Response resp = SYMBIOD__RESPONSE__INIT;
	uint8_t *sb = NULL, sig[64];
	size_t sl = 0;

	assert_int_equal(wire_response_signed_bytes(s_park, version, type, s_rid, status, 0,
	                                            message, NULL, 0, &sb, &sl),
	                 SYM_OK);
	assert_int_equal(sig_sign(s_sk, sb, sl, sig), SYM_OK);
	free(sb);
	resp.version = version;
	resp.type = type;
	resp.request_id.data = (uint8_t *)(uintptr_t)s_rid;
	resp.request_id.len = sizeof(s_rid);
	resp.status = status;
	resp.message = (char *)(uintptr_t)message;
	resp.signature.data = sig;
	resp.signature.len = sizeof(sig);
	assert_int_equal(wire_pack(&resp.base, out, out_len), SYM_OK);
}

static void
test_response_round_trip(void **state)
{
	Symbiod__Response *resp = NULL;
	uint8_t *buf = NULL;
	size_t len = 0;

	(void)state;
	assert_int_equal(wire_response_build(s_park, SYMBIOD__MSG_TYPE__MSG_DIRECTORY, s_rid,
	                                     SYMBIOD__STATUS__STATUS_OK, 0, NULL, s_payload,
	                                     sizeof(s_payload), s_sk, &buf, &len),
	                 SYM_OK);
	assert_int_equal(wire_response_decode(buf, len, s_park, s_pk, &resp), SYM_OK);
	assert_int_equal(resp->version, WIRE_VERSION);
	assert_int_equal(resp->type, SYMBIOD__MSG_TYPE__MSG_DIRECTORY);
	assert_memory_equal(resp->request_id.data, s_rid, 16);
	assert_int_equal(resp->status, SYMBIOD__STATUS__STATUS_OK);
	assert_null(resp->message);
	assert_false(resp->has_replayed && resp->replayed);
	assert_int_equal(resp->payload.len, sizeof(s_payload));
	assert_memory_equal(resp->payload.data, s_payload, sizeof(s_payload));
	wire_free(&resp->base);
	resp = NULL;
	assert_int_equal(wire_response_decode(buf, len, s_park, s_other_pk, &resp), SYM_ERR_VERIFY);
	assert_null(resp);
	free(buf);

	assert_int_equal(wire_response_build(s_park, SYMBIOD__MSG_TYPE__MSG_SUBMIT_COMMIT, s_rid,
	                                     SYMBIOD__STATUS__STATUS_REPLAY, 1, "request id reused",
	                                     NULL, 0, s_sk, &buf, &len),
	                 SYM_OK);
	assert_int_equal(wire_response_decode(buf, len, s_park, s_pk, &resp), SYM_OK);
	assert_int_equal(resp->status, SYMBIOD__STATUS__STATUS_REPLAY);
	assert_string_equal(resp->message, "request id reused");
	assert_true(resp->has_replayed && resp->replayed);
	assert_int_equal(resp->payload.len, 0);
	wire_free(&resp->base);
	free(buf);

	/* An answer to a request whose type could not be read. */
	assert_int_equal(wire_response_build(s_park, 0, s_rid, SYMBIOD__STATUS__STATUS_BAD_REQUEST,
	                                     0, "malformed", NULL, 0, s_sk, &buf, &len),
	                 SYM_OK);
	assert_int_equal(wire_response_decode(buf, len, s_park, s_pk, &resp), SYM_OK);
	wire_free(&resp->base);
	free(buf);
	buf = NULL;
	assert_int_equal(wire_response_build(s_park, 0, s_rid, SYMBIOD__STATUS__STATUS_OK, 0, NULL,
	                                     NULL, 0, s_sk, &buf, &len),
	                 SYM_ERR_INVALID);
	assert_int_equal(
	    wire_response_build(s_park, 1, s_rid, 418, 0, NULL, NULL, 0, s_sk, &buf, &len),
	    SYM_ERR_INVALID);
	assert_null(buf);
}

static void
test_response_tampering(void **state)
{
	Symbiod__Response *resp;
	uint8_t *buf = NULL;
	size_t len = 0, i;
	unsigned x;
	char reason[1026];

	(void)state;
	assert_int_equal(wire_response_build(s_park, SYMBIOD__MSG_TYPE__MSG_CONSENT, s_rid,
	                                     SYMBIOD__STATUS__STATUS_FORBIDDEN, 1, "revoked",
	                                     s_payload, 8, s_sk, &buf, &len),
	                 SYM_OK);
	for (i = 0; i < len; i++) {
		for (x = 1; x < 256; x++) {
			buf[i] ^= (uint8_t)x;
			resp = NULL;
			assert_int_not_equal(wire_response_decode(buf, len, s_park, s_pk, &resp),
			                     SYM_OK);
			assert_null(resp);
			buf[i] ^= (uint8_t)x;
		}
	}
	resp = NULL;
	assert_int_equal(wire_response_decode(buf, len, s_park, s_pk, &resp), SYM_OK);
	wire_free(&resp->base);
	free(buf);

	/* Well signed but invalid headers. */
	s_raw_response(2, 1, 0, NULL, &buf, &len);
	assert_int_equal(wire_response_decode(buf, len, s_park, s_pk, &resp), SYM_ERR_FORMAT);
	free(buf);
	s_raw_response(1, 1, 418, NULL, &buf, &len);
	assert_int_equal(wire_response_decode(buf, len, s_park, s_pk, &resp), SYM_ERR_FORMAT);
	free(buf);
	s_raw_response(1, 999, 0, NULL, &buf, &len);
	assert_int_equal(wire_response_decode(buf, len, s_park, s_pk, &resp), SYM_ERR_FORMAT);
	free(buf);
	s_raw_response(1, 0, 0, NULL, &buf, &len);
	assert_int_equal(wire_response_decode(buf, len, s_park, s_pk, &resp), SYM_ERR_FORMAT);
	free(buf);
	memset(reason, 'r', sizeof(reason) - 1);
	reason[1025] = '\0';
	s_raw_response(1, 1, 500, reason, &buf, &len);
	assert_int_equal(wire_response_decode(buf, len, s_park, s_pk, &resp), SYM_ERR_LIMIT);
	free(buf);
	reason[1024] = '\0';
	s_raw_response(1, 1, 500, reason, &buf, &len);
	assert_int_equal(wire_response_decode(buf, len, s_park, s_pk, &resp), SYM_OK);
	wire_free(&resp->base);
	free(buf);
	buf = NULL;
	reason[1024] = 'r';
	assert_int_equal(
	    wire_response_build(s_park, 1, s_rid, 500, 0, reason, NULL, 0, s_sk, &buf, &len),
	    SYM_ERR_LIMIT);
	assert_null(buf);
}

/* ---- the precheck ------------------------------------------------------------------ */

static void
test_precheck_unknown_field(void **state)
{
	Symbiod__Request *req = NULL;
	uint8_t *buf = NULL, *ext;
	size_t len = 0;

	(void)state;
	s_build_request(s_sk, "acme", &buf, &len);
	assert_int_equal(wire_precheck(&symbiod__request__descriptor, buf, len), SYM_OK);
	ext = malloc(len + 3);
	assert_non_null(ext);
	memcpy(ext, buf, len);
	ext[len] = 0x98; /* field 99, varint: (99 << 3) | 0 in two tag bytes */
	ext[len + 1] = 0x06;
	ext[len + 2] = 0x01;
	assert_int_equal(wire_precheck(&symbiod__request__descriptor, ext, len + 3),
	                 SYM_ERR_FORMAT);
	assert_int_equal(wire_request_decode(ext, len + 3, &req), SYM_ERR_FORMAT);
	assert_null(req);
	/* Field 8, one past the last: unknown too. */
	ext[len] = 0x40;
	ext[len + 1] = 0x01;
	assert_int_equal(wire_precheck(&symbiod__request__descriptor, ext, len + 2),
	                 SYM_ERR_FORMAT);
	free(ext);
	free(buf);
}

static void
test_precheck_malformed(void **state)
{
	static const struct {
		const char *what;
		uint8_t b[16];
		size_t n;
	} bad[] = {
	    {"wrong wire type: fixed32 for uint32", {0x08, 1, 0x10, 2, 0x1d, 3, 0, 0, 0}, 9},
	    {"wrong wire type: bytes for uint32", {0x08, 1, 0x10, 2, 0x1a, 1, 3}, 7},
	    {"wrong wire type: fixed64", {0x09, 1, 2, 3, 4, 5, 6, 7, 8}, 9},
	    {"truncated varint", {0x08, 1, 0x10, 2, 0x18}, 5},
	    {"truncated varint continuation", {0x08, 1, 0x10, 0x82}, 4},
	    {"truncated tag", {0x08, 1, 0x80}, 3},
	    {"field number 0", {0x00, 1}, 2},
	    {"group start", {0x0b, 0x0c}, 2},
	    {"group end", {0x0c}, 1},
	    {"wire type 6", {0x0e, 1}, 2},
	    {"wire type 7", {0x0f, 1}, 2},
	    {"duplicate field", {0x08, 1, 0x08, 1, 0x10, 2, 0x18, 3}, 8},
	    {"uint32 above 32 bits", {0x08, 0x80, 0x80, 0x80, 0x80, 0x10, 0x10, 2, 0x18, 3}, 10},
	    {"tag of 6 bytes", {0x88, 0x80, 0x80, 0x80, 0x80, 0x00, 1}, 7},
	};
	static const uint8_t good[] = {0x08, 1, 0x10, 2, 0x18, 3};
	static const uint8_t noncanonical[] = {0x88, 0x80, 0x00, 1, 0x10, 0x82, 0x00, 0x18, 3};
	uint8_t eleven[16] = {0x08}, ten[16] = {0x08};
	size_t i;

	(void)state;
	assert_int_equal(wire_precheck(&symbiod__padding_policy__descriptor, good, sizeof(good)),
	                 SYM_OK);
	assert_int_equal(
	    wire_precheck(&symbiod__padding_policy__descriptor, noncanonical, sizeof(noncanonical)),
	    SYM_OK);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ProtobufCMessage *m = NULL;

		print_message("  %s\n", bad[i].what);
		assert_int_equal(
		    wire_precheck(&symbiod__padding_policy__descriptor, bad[i].b, bad[i].n),
		    SYM_ERR_FORMAT);
		assert_int_equal(
		    wire_unpack(&symbiod__padding_policy__descriptor, bad[i].b, bad[i].n, 0, &m),
		    SYM_ERR_FORMAT);
		assert_null(m);
	}

	/* Varints on a uint64 field: 10 bytes are fine, the 11th or a 65th bit are not. */
	for (i = 1; i < 10; i++)
		ten[i] = 0xff;
	ten[10] = 0x01;
	assert_int_equal(wire_precheck(&symbiod__checkpoint_request__descriptor, ten, 11), SYM_OK);
	ten[10] = 0x02;
	assert_int_equal(wire_precheck(&symbiod__checkpoint_request__descriptor, ten, 11),
	                 SYM_ERR_FORMAT);
	for (i = 1; i < 11; i++)
		eleven[i] = 0x80;
	eleven[11] = 0x01;
	assert_int_equal(wire_precheck(&symbiod__checkpoint_request__descriptor, eleven, 12),
	                 SYM_ERR_FORMAT);

	/* Lengths past the end, including ones that would overflow an addition. */
	{
		static const uint8_t past[] = {0x12, 0x05, 1, 2};
		static const uint8_t huge[] = {0x12, 0xff, 0xff, 0xff, 0xff, 0x0f, 1};
		static const uint8_t len6[] = {0x12, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00};
		static const uint8_t member_past[] = {0x0a, 0x04, 0x0a, 0x09, 'a', 'b'};

		assert_int_equal(wire_precheck(&symbiod__directory__descriptor, past, sizeof(past)),
		                 SYM_ERR_FORMAT);
		assert_int_equal(wire_precheck(&symbiod__directory__descriptor, huge, sizeof(huge)),
		                 SYM_ERR_FORMAT);
		assert_int_equal(wire_precheck(&symbiod__directory__descriptor, len6, sizeof(len6)),
		                 SYM_ERR_FORMAT);
		/* Fits the outer message, not the inner one. */
		assert_int_equal(wire_precheck(&symbiod__directory__descriptor, member_past,
		                               sizeof(member_past)),
		                 SYM_ERR_FORMAT);
	}

	/* Strings with a NUL, bools above 1. */
	{
		static const uint8_t nul[] = {0x0a, 0x03, 'a', 0, 'b'};
		static const uint8_t ok[] = {0x0a, 0x03, 'a', 'x', 'b'};
		static const uint8_t bool2[] = {0x38, 0x02};
		static const uint8_t bool1[] = {0x38, 0x01};

		assert_int_equal(
		    wire_precheck(&symbiod__member_record__descriptor, nul, sizeof(nul)),
		    SYM_ERR_FORMAT);
		assert_int_equal(wire_precheck(&symbiod__member_record__descriptor, ok, sizeof(ok)),
		                 SYM_OK);
		assert_int_equal(
		    wire_precheck(&symbiod__member_record__descriptor, bool2, sizeof(bool2)),
		    SYM_ERR_FORMAT);
		assert_int_equal(
		    wire_precheck(&symbiod__member_record__descriptor, bool1, sizeof(bool1)),
		    SYM_OK);
	}

	/* The empty message and bad arguments. */
	assert_int_equal(wire_precheck(&symbiod__status_request__descriptor, NULL, 0), SYM_OK);
	assert_int_equal(wire_precheck(NULL, good, sizeof(good)), SYM_ERR_INVALID);
	assert_int_equal(wire_precheck(&symbiod__padding_policy__descriptor, NULL, 1),
	                 SYM_ERR_INVALID);
}

static void
test_precheck_depth(void **state)
{
	struct s_wbuf w = {.n = 0};
	ProtobufCMessage *m = NULL;
	S_Node *node;
	size_t levels, depth;

	(void)state;
	for (levels = 1; levels <= WIRE_MAX_DEPTH; levels++) {
		s_nest(&w, levels);
		assert_int_equal(wire_precheck(&s_node_desc, w.b, w.n), SYM_OK);
		assert_int_equal(wire_unpack(&s_node_desc, w.b, w.n, 0, &m), SYM_OK);
		for (depth = 1, node = (S_Node *)m; node->child != NULL; depth++)
			node = (S_Node *)node->child;
		assert_int_equal(depth, levels);
		wire_free(m);
		m = NULL;
	}
	for (levels = WIRE_MAX_DEPTH + 1; levels < 40; levels++) {
		s_nest(&w, levels);
		assert_int_equal(wire_precheck(&s_node_desc, w.b, w.n), SYM_ERR_LIMIT);
		assert_int_equal(wire_unpack(&s_node_desc, w.b, w.n, 0, &m), SYM_ERR_LIMIT);
		assert_null(m);
	}
	/* The real schema's deepest path: StatusReply > MemberRecord. */
	{
		uint8_t *buf = NULL;
		size_t len = 0;

		s_pack_filled(&symbiod__status_reply__descriptor, 1, &buf, &len);
		assert_int_equal(wire_precheck(&symbiod__status_reply__descriptor, buf, len),
		                 SYM_OK);
		free(buf);
	}
}

/* Repeated scalars must come unpacked (the documented choice in wire.c). */
static void
test_precheck_packed_refused(void **state)
{
	static const uint8_t unpacked[] = {0x10, 0x05, 0x10, 0x06};
	static const uint8_t packed[] = {0x12, 0x02, 0x05, 0x06};
	ProtobufCMessage *m = NULL;

	(void)state;
	assert_int_equal(wire_unpack(&s_node_desc, unpacked, sizeof(unpacked), 0, &m), SYM_OK);
	assert_int_equal(((S_Node *)m)->n_nums, 2);
	assert_int_equal(((S_Node *)m)->nums[1], 6);
	wire_free(m);
	m = NULL;
	assert_int_equal(wire_precheck(&s_node_desc, packed, sizeof(packed)), SYM_ERR_FORMAT);
	assert_int_equal(wire_unpack(&s_node_desc, packed, sizeof(packed), 0, &m), SYM_ERR_FORMAT);
	assert_null(m);
}

static void
test_all_messages_accepted(void **state)
{
	size_t i, reps, len = 0, len2 = 0;
	uint8_t *buf = NULL, *buf2 = NULL;
	ProtobufCMessage *m;

	(void)state;
	for (i = 0; i < S_N_ALL; i++) {
		for (reps = 0; reps <= 3; reps++) {
			s_pack_filled(s_all[i], reps, &buf, &len);
			assert_int_equal(wire_precheck(s_all[i], buf, len), SYM_OK);
			m = NULL;
			assert_int_equal(wire_unpack(s_all[i], buf, len, 0, &m), SYM_OK);
			assert_ptr_equal(m->descriptor, s_all[i]);
			/* Unpacking lost nothing: it packs back to the same bytes. */
			assert_int_equal(wire_pack(m, &buf2, &len2), SYM_OK);
			assert_int_equal(len2, len);
			assert_memory_equal(buf2, buf, len);
			wire_free(m);
			free(buf2);
			free(buf);
		}
	}
}

/* ---- the bounded allocator and the size limit ----------------------------------------- */

static void
test_bounded_allocator(void **state)
{
	ProtobufCMessage *m = NULL;
	uint8_t *buf = NULL;
	size_t len = 0, budget;
	int r;

	(void)state;
	s_pack_directory(5000, &buf, &len);
	assert_int_equal(wire_unpack(&symbiod__directory__descriptor, buf, len, 4096, &m),
	                 SYM_ERR_LIMIT);
	assert_null(m);
	assert_int_equal(wire_unpack(&symbiod__directory__descriptor, buf, len, len, &m),
	                 SYM_ERR_LIMIT);
	assert_null(m);
	assert_int_equal(wire_unpack(&symbiod__directory__descriptor, buf, len, 0, &m), SYM_OK);
	assert_int_equal(((Symbiod__Directory *)m)->n_members, 5000);
	wire_free(m);
	m = NULL;
	assert_int_equal(wire_unpack(&symbiod__directory__descriptor, buf, len, 256u << 20, &m),
	                 SYM_OK);
	wire_free(m);
	m = NULL;
	free(buf);

	/* Refusing at every possible point leaves nothing behind (ASan watches). */
	s_pack_directory(3, &buf, &len);
	for (budget = 1;; budget++) {
		r = wire_unpack(&symbiod__directory__descriptor, buf, len, budget, &m);
		if (r == SYM_OK)
			break;
		assert_int_equal(r, SYM_ERR_LIMIT);
		assert_null(m);
	}
	assert_true(budget > len);
	assert_int_equal(((Symbiod__Directory *)m)->n_members, 3);
	wire_free(m);
	free(buf);
}

/*
 * The default budget follows the field count: the included set of a park
 * indicator round of 2,000 submitters (4,000 six-character ids, 8 wire bytes
 * and about 60 bytes of memory each) unpacks. 4 x len alone refused it, and
 * the coordinator then failed the last vector of such a round.
 */
static void
test_budget_many_short_fields(void **state)
{
	Symbiod__IncludedSet set = SYMBIOD__INCLUDED_SET__INIT;
	ProtobufCMessage *m = NULL;
	char **ids = calloc(2000, sizeof(*ids)), *names = calloc(2000, 8);
	uint8_t round[16] = {1}, sig[64] = {2}, *buf = NULL;
	size_t len = 0, i;

	(void)state;
	assert_non_null(ids);
	assert_non_null(names);
	for (i = 0; i < 2000; i++) {
		ids[i] = names + 8 * i;
		snprintf(ids[i], 8, "c%05zu", i);
	}
	set.round_id.data = round;
	set.round_id.len = sizeof(round);
	set.n_submitters = set.n_included = 2000;
	set.submitters = set.included = ids;
	set.threshold = 1334;
	set.signature.data = sig;
	set.signature.len = sizeof(sig);
	assert_int_equal(wire_pack(&set.base, &buf, &len), SYM_OK);
	assert_int_equal(wire_unpack(&symbiod__included_set__descriptor, buf, len, 0, &m), SYM_OK);
	assert_int_equal(((Symbiod__IncludedSet *)m)->n_included, 2000);
	assert_string_equal(((Symbiod__IncludedSet *)m)->submitters[1999], "c01999");
	wire_free(m);
	/* An explicit budget still binds: 4 x len is not enough for it. */
	m = NULL;
	assert_int_equal(wire_unpack(&symbiod__included_set__descriptor, buf, len, 4 * len, &m),
	                 SYM_ERR_LIMIT);
	assert_null(m);
	free(buf);
	free(names);
	free(ids);
}

static void
test_size_limit_first(void **state)
{
	ProtobufCMessage *m = NULL;
	Symbiod__Request *req = NULL;
	uint8_t *big;

	(void)state;
	big = malloc(WIRE_MAX_MESSAGE + 1);
	assert_non_null(big);
	memset(big, 0xff, WIRE_MAX_MESSAGE + 1); /* garbage from the first byte */
	assert_int_equal(wire_precheck(&symbiod__request__descriptor, big, WIRE_MAX_MESSAGE + 1),
	                 SYM_ERR_LIMIT);
	assert_int_equal(
	    wire_unpack(&symbiod__request__descriptor, big, WIRE_MAX_MESSAGE + 1, 0, &m),
	    SYM_ERR_LIMIT);
	assert_null(m);
	assert_int_equal(wire_request_decode(big, WIRE_MAX_MESSAGE + 1, &req), SYM_ERR_LIMIT);
	/* One byte less: judged on its content instead. */
	assert_int_equal(wire_unpack(&symbiod__request__descriptor, big, WIRE_MAX_MESSAGE, 0, &m),
	                 SYM_ERR_FORMAT);
	free(big);
}

static void
test_directory_truncations(void **state)
{
	ProtobufCMessage *m;
	uint8_t *buf = NULL, *copy;
	size_t len = 0, i;

	(void)state;
	s_pack_directory(3, &buf, &len);
	for (i = 0; i <= len; i++) {
		/* An exact-size copy, so that ASan sees any read past the end. */
		copy = malloc(i != 0 ? i : 1);
		assert_non_null(copy);
		memcpy(copy, buf, i);
		m = NULL;
		if (i < len) {
			assert_int_not_equal(
			    wire_unpack(&symbiod__directory__descriptor, copy, i, 0, &m), SYM_OK);
			assert_null(m);
		} else {
			assert_int_equal(
			    wire_unpack(&symbiod__directory__descriptor, copy, i, 0, &m), SYM_OK);
			assert_int_equal(((Symbiod__Directory *)m)->n_members, 3);
			wire_free(m);
		}
		free(copy);
	}
	free(buf);
}

static void
test_random_bytes(void **state)
{
	uint64_t x = UINT64_C(0x9e3779b97f4a7c15);
	ProtobufCMessage *m;
	uint8_t *buf;
	size_t i, n, k, len, accepted = 0;

	(void)state;
	for (i = 0; i < S_N_ALL; i++) {
		for (n = 0; n < 10000; n++) {
			len = (size_t)(s_rand(&x) % 200);
			buf = malloc(len != 0 ? len : 1);
			assert_non_null(buf);
			for (k = 0; k < len; k++)
				buf[k] = (uint8_t)s_rand(&x);
			m = NULL;
			if (wire_unpack(s_all[i], buf, len, 0, &m) == SYM_OK) {
				accepted++;
				wire_free(m);
			} else {
				assert_null(m);
			}
			free(buf);
		}
	}
	/* Only the messages without required fields take garbage that parses. */
	assert_true(accepted > 0);
}

/* Mutations of valid messages go deeper into protobuf-c than random bytes do. */
static void
test_mutations(void **state)
{
	uint64_t x = UINT64_C(0x243f6a8885a308d3);
	ProtobufCMessage *m;
	uint8_t *orig = NULL, *buf;
	size_t i, n, k, len = 0, mlen, accepted = 0;

	(void)state;
	for (i = 0; i < S_N_ALL; i++) {
		s_pack_filled(s_all[i], 2, &orig, &len);
		for (n = 0; n < 2000; n++) {
			mlen = len;
			if (s_rand(&x) % 4 == 0 && len != 0)
				mlen = (size_t)(s_rand(&x) % len); /* also truncate */
			buf = malloc(len + 1);
			assert_non_null(buf);
			memcpy(buf, orig, len);
			for (k = 1 + s_rand(&x) % 4; k > 0 && len != 0; k--)
				buf[s_rand(&x) % len] = (uint8_t)s_rand(&x);
			m = NULL;
			if (wire_unpack(s_all[i], buf, mlen, 0, &m) == SYM_OK) {
				accepted++;
				wire_free(m);
			} else {
				assert_null(m);
			}
			free(buf);
		}
		free(orig);
	}
	assert_true(accepted > 0);
}

static void
test_pack_refuses(void **state)
{
	Symbiod__MemberRecord rec = SYMBIOD__MEMBER_RECORD__INIT;
	uint8_t *buf = NULL;
	size_t len = 0;

	(void)state;
	rec.id = NULL; /* required string missing: protobuf-c would crash packing it */
	assert_int_equal(wire_pack(&rec.base, &buf, &len), SYM_ERR_INVALID);
	assert_null(buf);
	assert_int_equal(wire_pack(NULL, &buf, &len), SYM_ERR_INVALID);
}

/*
 * v2 (bound to s_park) is v1 with its domain (v1_dom bytes) replaced by
 * dom (dom_len bytes, with its NUL) and the park id; frees both.
 */
static void
s_assert_bound(uint8_t *v1, size_t v1_len, size_t v1_dom, uint8_t *v2, size_t v2_len,
               const char *dom, size_t dom_len)
{
	assert_int_equal(v2_len, v1_len - v1_dom + dom_len + WIRE_PARK_ID_LEN);
	assert_memory_equal(v2, dom, dom_len);
	assert_memory_equal(v2 + dom_len, s_park, WIRE_PARK_ID_LEN);
	assert_memory_equal(v2 + dom_len + WIRE_PARK_ID_LEN, v1 + v1_dom, v1_len - v1_dom);
	free(v1);
	free(v2);
}

/*
 * Protocol 1.1, repair 8: every signature is bound to the park. A request
 * or a response signed for park A does not verify in park B, nor as a
 * version 1 (unbound) signature, and the bound layout is version 1's with
 * "symbiod-request-v2\0" || park id in place of the old domain.
 */
static void
test_park_binding(void **state)
{
	static const uint8_t id[16] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
	static const char req_v2[] = "symbiod-request-v2", req_v1[] = "symbiod-request-v1";
	static const char resp_v2[] = "symbiod-response-v2", resp_v1[] = "symbiod-response-v1";
	Symbiod__Request *req = NULL;
	Symbiod__Response *resp = NULL;
	uint8_t *buf = NULL, *v1 = NULL, *v2 = NULL;
	size_t len = 0, v1_len = 0, v2_len = 0;

	(void)state;
	/* A member's request signed for park A, presented to park B. */
	s_build_request(s_sk, "acme", &buf, &len);
	assert_int_equal(wire_request_decode(buf, len, &req), SYM_OK);
	assert_int_equal(wire_request_verify(req, s_park, s_pk), SYM_OK);
	assert_int_equal(wire_request_verify(req, s_other_park, s_pk), SYM_ERR_VERIFY);
	assert_int_equal(wire_request_verify(req, NULL, s_pk), SYM_ERR_VERIFY);
	wire_free(&req->base);
	free(buf);
	/* The coordinator's answer in park A, read by a client of park B. */
	assert_int_equal(wire_response_build(s_park, SYMBIOD__MSG_TYPE__MSG_STATUS, s_rid,
	                                     SYMBIOD__STATUS__STATUS_OK, 0, NULL, s_payload,
	                                     sizeof(s_payload), s_sk, &buf, &len),
	                 SYM_OK);
	assert_int_equal(wire_response_decode(buf, len, s_park, s_pk, &resp), SYM_OK);
	wire_free(&resp->base);
	assert_int_equal(wire_response_decode(buf, len, s_other_park, s_pk, &resp), SYM_ERR_VERIFY);
	assert_null(resp);
	assert_int_equal(wire_response_decode(buf, len, NULL, s_pk, &resp), SYM_ERR_VERIFY);
	free(buf);
	/* Nothing is signed without a park. */
	assert_int_equal(wire_request_build(NULL, SYMBIOD__MSG_TYPE__MSG_STATUS, NULL, 1, "acme",
	                                    s_sk, NULL, 0, &buf, &len, NULL),
	                 SYM_ERR_INVALID);
	assert_int_equal(wire_response_build(NULL, SYMBIOD__MSG_TYPE__MSG_STATUS, s_rid,
	                                     SYMBIOD__STATUS__STATUS_OK, 0, NULL, NULL, 0, s_sk,
	                                     &buf, &len),
	                 SYM_ERR_INVALID);
	/* The layouts: the bound one differs from version 1 only in its head. */
	assert_int_equal(
	    wire_request_signed_bytes(NULL, 1, 2, id, 7, "acme", NULL, 0, &v1, &v1_len), SYM_OK);
	assert_int_equal(
	    wire_request_signed_bytes(s_park, 1, 2, id, 7, "acme", NULL, 0, &v2, &v2_len), SYM_OK);
	s_assert_bound(v1, v1_len, sizeof(req_v1), v2, v2_len, req_v2, sizeof(req_v2));
	assert_int_equal(
	    wire_response_signed_bytes(NULL, 1, 2, id, 400, 0, "no", NULL, 0, &v1, &v1_len),
	    SYM_OK);
	assert_int_equal(
	    wire_response_signed_bytes(s_park, 1, 2, id, 400, 0, "no", NULL, 0, &v2, &v2_len),
	    SYM_OK);
	s_assert_bound(v1, v1_len, sizeof(resp_v1), v2, v2_len, resp_v2, sizeof(resp_v2));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_request_round_trip),
	    cmocka_unit_test(test_request_chunk_digest),
	    cmocka_unit_test(test_chunk_digests_at_admission),
	    cmocka_unit_test(test_request_build_refuses),
	    cmocka_unit_test(test_request_byte_flips),
	    cmocka_unit_test(test_request_other_key),
	    cmocka_unit_test(test_request_field_changes),
	    cmocka_unit_test(test_request_decode_validation),
	    cmocka_unit_test(test_signed_bytes_layout),
	    cmocka_unit_test(test_announcement_signed_bytes_layout),
	    cmocka_unit_test(test_response_round_trip),
	    cmocka_unit_test(test_response_tampering),
	    cmocka_unit_test(test_park_binding),
	    cmocka_unit_test(test_precheck_unknown_field),
	    cmocka_unit_test(test_precheck_malformed),
	    cmocka_unit_test(test_precheck_depth),
	    cmocka_unit_test(test_precheck_packed_refused),
	    cmocka_unit_test(test_all_messages_accepted),
	    cmocka_unit_test(test_bounded_allocator),
	    cmocka_unit_test(test_budget_many_short_fields),
	    cmocka_unit_test(test_size_limit_first),
	    cmocka_unit_test(test_directory_truncations),
	    cmocka_unit_test(test_random_bytes),
	    cmocka_unit_test(test_mutations),
	    cmocka_unit_test(test_pack_refuses),
	};

	return cmocka_run_group_tests(tests, s_setup, NULL);
}
