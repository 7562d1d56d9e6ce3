/*
 * Typed calls to the coordinator on top of the transport: pack a request
 * message, call, check the status, unpack the reply with the bounded,
 * prechecked decoder. Failures come back as an exit code and a message.
 */
#ifndef SYMBI_RPC_H
#define SYMBI_RPC_H

#include <protobuf-c/protobuf-c.h>

#include "err.h"
#include "transport.h"

/*
 * Call `type` with `req`; on STATUS_OK unpack the payload as `reply_desc`
 * into *reply (free with wire_free). Returns 0, or a sysexits code with
 * diag explaining (a refusal quotes the coordinator's reason).
 */
int rpc_call(struct conn *c, uint32_t type, const ProtobufCMessage *req,
             const ProtobufCMessageDescriptor *reply_desc, ProtobufCMessage **reply,
             struct sym_diag *diag);

/* rpc_call for a SubmitChunk signed over its chunk digest (conn_call_chunk). */
int rpc_call_chunk(struct conn *c, const ProtobufCMessage *chunk, const uint8_t chunk_digest[32],
                   const ProtobufCMessageDescriptor *reply_desc, ProtobufCMessage **reply,
                   struct sym_diag *diag);

/* The same, returning the raw reply payload (malloc'd) instead of unpacking it. */
int rpc_call_raw(struct conn *c, uint32_t type, const ProtobufCMessage *req, uint8_t **payload,
                 size_t *payload_len, struct sym_diag *diag);

/*
 * The exit code for a refusal by the coordinator (a Status other than OK).
 * Transport-level errors map through sym_exit_code(err, SYM_ORIGIN_PEER).
 */
int rpc_exit_for_status(int32_t status);

#endif
