/*
 * Rounds (PROTOCOL.md "Round lifecycle"): open -> submissions -> close (the
 * blind matching runs) -> consent -> end. The operator drives the phases over
 * the control socket; members submit, list candidates, consent and fetch
 * releases with signed requests. The coordinator sees tokens, never flows.
 *
 * The house: rounds.c the lifecycle, rounds_match.c the join at close,
 * rounds_handle.c the one table of member requests, whose handlers live by
 * job in rounds_submit.c, rounds_consent.c, rounds_lists.c, rounds_info.c.
 */
#ifndef SYMBI_ROUNDS_H
#define SYMBI_ROUNDS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "park.h"
#include "symbiod.pb-c.h"
#include "store.h"

#define ROUNDS_MAX_CHUNKS 4096
#define ROUNDS_MAX_SET_TOKENS (1u << 20)
#define ROUNDS_MAX_ENVELOPE (64u << 10)

struct auditlog;

struct rounds_ctx {
	struct park *park;
	struct auditlog *log;               /* every protocol event is appended here */
	const struct store_member *members; /* the current directory, id order */
	size_t nmembers;
	const uint8_t *directory_hash; /* 32 bytes: of the active members, for status */
	const uint8_t *taxonomy_hash;  /* 32 bytes: the park's */
	int shares_to_sweep;           /* finished indicator rounds may still hold sealed shares */
};

struct round_open_opts {
	uint32_t pad_offers, pad_needs, max_items; /* pad_*: the floors of the size classes */
	uint32_t fixed_size, max_offer, max_need;  /* 0: none, 0: the defaults */
	int64_t submit_minutes, consent_minutes;   /* 0: no deadline */
	int keep_batches; /* 1: the token batches outlive the round (default: deleted at end) */
	int64_t indicator_seconds; /* each park-indicator stage's deadline; 0: the default */
	/* Hardened mode (HARDENED.md): the VOPRF phases; 0: the default deadlines. */
	int hardened;
	int64_t query_minutes, evaluate_minutes;
	uint64_t max_reach_m; /* REACH.md: caps the taxonomy's largest reach (0: no cap) */
	/* PROTOCOL.md 3.1: 2 (protocol 1.2), or 1 while the park's members upgrade from 1.1. */
	uint32_t token_encoding;
};

/*
 * The defaults of a round of this mode (hardened: 1) and token encoding (1 or
 * TOKEN_VERSION), before the operator's options.
 */
void rounds_default_opts(struct round_open_opts *o, int hardened, uint32_t token_encoding);

int rounds_open(struct rounds_ctx *ctx, const struct round_open_opts *opts, json_t **result,
                struct sym_diag *diag) __attribute__((warn_unused_result));
/* Close submissions and run the matching; returns when candidates are stored. */
int rounds_close(struct rounds_ctx *ctx, json_t **result, struct sym_diag *diag)
    __attribute__((warn_unused_result));
/*
 * End the round in consent: unanswered candidates expire and, unless the
 * round was opened with keep_batches, its token batches are deleted in the
 * same transaction and the WAL truncated (protocol 1.1, repair 7).
 */
int rounds_end(struct rounds_ctx *ctx, json_t **result, struct sym_diag *diag)
    __attribute__((warn_unused_result));
json_t *rounds_status(struct rounds_ctx *ctx);
/* The latest round's phase name ("none" if there is none) and id. */
const char *rounds_phase(struct rounds_ctx *ctx, uint8_t id[16], int *has_id);
/* Apply deadlines: close or end a round whose deadline passed. */
void rounds_tick(struct rounds_ctx *ctx);
/*
 * A hardened round's next phase now, whoever is silent (the operator's
 * `symbiod round advance`); the submit phase's next is the close.
 */
int rounds_advance(struct rounds_ctx *ctx, json_t **result, struct sym_diag *diag)
    __attribute__((warn_unused_result));

/* The member with this id in the current directory (revoked ones too), or NULL. */
const struct store_member *rounds_member(const struct rounds_ctx *ctx, const char *id);

/*
 * A store transaction that also covers the audit-log entries appended in it:
 * the abort rolls both back, so the log never shows what the store forgot.
 */
int rounds_tx_begin(struct rounds_ctx *ctx, uint64_t *log_size) __attribute__((warn_unused_result));
void rounds_tx_abort(struct rounds_ctx *ctx, uint64_t log_size);

/*
 * One authenticated member request on its way through rounds_handle: what
 * came in, and what goes back.
 */
struct round_call {
	struct rounds_ctx *ctx;
	const struct store_member *member; /* the signer, a current member */
	uint32_t type;                     /* SYMBIOD__MSG_TYPE__* */
	const uint8_t *payload;
	size_t payload_len;
	const uint8_t *request; /* the exact signed request: evidence for commits and consents */
	size_t request_len;
	/* A version 2 chunk: its payload unpacked and its batches' digests, from admission. */
	const ProtobufCMessage *unpacked;
	const uint8_t (*batch_digests)[32];
	int32_t status; /* out: STATUS_OK, or a refusal said in msg */
	char msg[256];  /* out: "" or why */
	uint8_t *reply; /* out: the packed reply when OK (malloc'd) */
	size_t reply_len;
};

/*
 * Serve one admitted member request, routed by call->type (a type this
 * version does not serve is refused). Returns SYM_OK when the request was
 * answered, served or refused (call->status), an error code when it could
 * not be; the caller rolls its transaction back then.
 */
int rounds_handle(struct round_call *call) __attribute__((warn_unused_result));

/*
 * A SubmitChunk payload unpacked (wire_unpack, *chunk to wire_free), its
 * batches' digests (*digests malloc'd, one per batch) and its chunk digest
 * (roundhash_chunk): what a version 2 chunk's signature is checked against.
 * SYM_ERR_FORMAT when the payload is not a well-formed SubmitChunk.
 */
int rounds_chunk_digests(const uint8_t *payload, size_t payload_len, ProtobufCMessage **chunk,
                         uint8_t (**digests)[32], uint8_t chunk_digest[32])
    __attribute__((warn_unused_result));

/* A member's wire record; it points into m, which must outlive it. */
void rounds_fill_record(const struct store_member *m, Symbiod__MemberRecord *rec);

#endif
