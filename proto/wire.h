/*
 * The wire layer: building, signing, size-checking and decoding Request and
 * Response envelopes (proto/symbiod.proto). Every decode of untrusted bytes
 * goes through wire_unpack: a size check, then a walk of the protobuf wire
 * format against the message descriptor that refuses unknown fields, wrong
 * wire types and over-deep nesting *before* protobuf-c sees the bytes (this
 * keeps protobuf-c 1.4.1's unknown-field free-of-uninitialised-pointer bug out
 * of reach), then protobuf-c unpacking with a bounded allocator, then
 * per-message field validation.
 */
#ifndef SYMBI_WIRE_H
#define SYMBI_WIRE_H

#include <protobuf-c/protobuf-c.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "symbiod.pb-c.h"

#define WIRE_VERSION 1
/*
 * A SubmitChunk may come as version 2: signed over its chunk digest
 * (roundhash_chunk) in place of SHA-256(payload), so that the coordinator
 * hashes a batch's bytes once, for its batch digest (PROTOCOL.md section 2).
 * Every other request, and every response, is version 1.
 */
#define WIRE_VERSION_CHUNK 2
#define WIRE_REQUEST_ID_LEN 16
#define WIRE_MAX_MESSAGE (8u << 20) /* ZMQ_MAXMSGSIZE and every unpack's limit */
#define WIRE_MAX_DEPTH 8
#define WIRE_TIMESTAMP_WINDOW_MS (5u * 60u * 1000u)

/*
 * Check bytes against a descriptor without unpacking: well-formed tags,
 * varints and lengths; only known field numbers with their declared wire
 * type; nested messages checked recursively up to WIRE_MAX_DEPTH.
 */
int wire_precheck(const ProtobufCMessageDescriptor *desc, const uint8_t *buf, size_t len)
    __attribute__((warn_unused_result));

/*
 * Size check, precheck, then protobuf_c_message_unpack with an allocator
 * that refuses to hand out more than `budget` bytes in total (0: 4 x len +
 * 64 bytes per field on the wire + 64 KiB, what protobuf-c needs for the
 * message). *out must be freed with wire_free (same allocator bookkeeping).
 */
int wire_unpack(const ProtobufCMessageDescriptor *desc, const uint8_t *buf, size_t len,
                size_t budget, ProtobufCMessage **out) __attribute__((warn_unused_result));
void wire_free(ProtobufCMessage *msg);

/*
 * Every signature is bound to the park (protocol 1.1): its identity,
 * SHA-256 of the park CA certificate's DER (cert_park_id), enters the signed
 * bytes, so a request or response signed for another park does not verify.
 */
#define WIRE_PARK_ID_LEN 32

/*
 * The exact bytes a request / response signature covers (see symbiod.proto);
 * malloc'd. park_id NULL gives version 1's bytes, which bound no park: only
 * for reading a log written before protocol 1.1.
 */
int wire_request_signed_bytes(const uint8_t *park_id, uint32_t version, uint32_t type,
                              const uint8_t request_id[16], uint64_t timestamp_ms,
                              const char *signer, const uint8_t *payload, size_t payload_len,
                              uint8_t **out, size_t *out_len) __attribute__((warn_unused_result));
int wire_response_signed_bytes(const uint8_t *park_id, uint32_t version, uint32_t type,
                               const uint8_t request_id[16], int32_t status, int replayed,
                               const char *message, const uint8_t *payload, size_t payload_len,
                               uint8_t **out, size_t *out_len) __attribute__((warn_unused_result));

/*
 * Build a signed, packed Request for park `park_id` (malloc'd *out).
 * request_id NULL: a fresh random id is drawn and written back into id_out
 * (16 bytes) if non-NULL.
 */
int wire_request_build(const uint8_t park_id[WIRE_PARK_ID_LEN], uint32_t type,
                       const uint8_t *request_id, uint64_t timestamp_ms, const char *signer,
                       const uint8_t sign_sk[64], const uint8_t *payload, size_t payload_len,
                       uint8_t **out, size_t *out_len, uint8_t id_out[16])
    __attribute__((warn_unused_result));

/*
 * The same for a version 2 SubmitChunk: payload is the packed SubmitChunk,
 * chunk_digest its roundhash_chunk, which the caller computed from it.
 */
int wire_request_build_chunk(const uint8_t park_id[WIRE_PARK_ID_LEN], const uint8_t *request_id,
                             uint64_t timestamp_ms, const char *signer, const uint8_t sign_sk[64],
                             const uint8_t *payload, size_t payload_len,
                             const uint8_t chunk_digest[32], uint8_t **out, size_t *out_len,
                             uint8_t id_out[16]) __attribute__((warn_unused_result));

/*
 * Decode and validate a Request: version (2 only for a SubmitChunk), known type, 16-byte id, signer
 * syntax, 64-byte signature. Does NOT verify the signature (the caller knows
 * the signer's key): use wire_request_verify.
 */
int wire_request_decode(const uint8_t *buf, size_t len, Symbiod__Request **out)
    __attribute__((warn_unused_result));
/*
 * The signature by signer_pk, bound to park_id. park_id NULL checks a
 * version 1 signature (no park): only for a log written before protocol 1.1.
 */
int wire_request_verify(const Symbiod__Request *req, const uint8_t *park_id,
                        const uint8_t signer_pk[32]) __attribute__((warn_unused_result));
/*
 * As wire_request_verify, and a version 2 request (a SubmitChunk) against
 * chunk_digest, the roundhash_chunk of its unpacked payload; NULL refuses a
 * version 2 request. Version 1 requests need chunk_digest NULL.
 */
int wire_request_verify_chunk(const Symbiod__Request *req, const uint8_t *park_id,
                              const uint8_t signer_pk[32], const uint8_t *chunk_digest)
    __attribute__((warn_unused_result));

/* Build a signed, packed Response for park `park_id` (malloc'd *out). */
int wire_response_build(const uint8_t park_id[WIRE_PARK_ID_LEN], uint32_t type,
                        const uint8_t request_id[16], int32_t status, int replayed,
                        const char *message, const uint8_t *payload, size_t payload_len,
                        const uint8_t sign_sk[64], uint8_t **out, size_t *out_len)
    __attribute__((warn_unused_result));
/* Decode a Response and verify the coordinator's signature, bound to park_id. */
int wire_response_decode(const uint8_t *buf, size_t len, const uint8_t park_id[WIRE_PARK_ID_LEN],
                         const uint8_t coordinator_pk[32], Symbiod__Response **out)
    __attribute__((warn_unused_result));

/* Pack any message into a malloc'd buffer. */
int wire_pack(const ProtobufCMessage *msg, uint8_t **out, size_t *out_len)
    __attribute__((warn_unused_result));

/* Milliseconds since the Unix epoch (wall clock). */
uint64_t wire_now_ms(void);

/* Every message type of symbiod.proto, for tests and fuzzing: a new message goes here too. */
extern const ProtobufCMessageDescriptor *const wire_descriptors[];
extern const size_t wire_n_descriptors;

#endif
