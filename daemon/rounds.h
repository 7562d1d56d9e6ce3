/*
 * Rounds (PROTOCOL.md "Round lifecycle"): open -> submissions -> close (the
 * blind matching runs) -> consent -> end. The operator drives the phases over
 * the control socket; members submit, list candidates, consent and fetch
 * releases with signed requests. The coordinator sees tokens, never flows.
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
	struct auditlog *log; /* every protocol event is appended here */
	const struct store_member *members; /* the current directory, id order */
	size_t nmembers;
	const uint8_t *taxonomy_hash; /* 32 bytes: the park's */
};

struct round_open_opts {
	uint32_t pad_offers, pad_needs, quantum, max_items;
	int64_t submit_minutes, consent_minutes; /* 0: no deadline */
};

void rounds_default_opts(struct round_open_opts *o);

int rounds_open(struct rounds_ctx *ctx, const struct round_open_opts *opts, json_t **result,
                struct sym_diag *diag) __attribute__((warn_unused_result));
/* Close submissions and run the matching; returns when candidates are stored. */
int rounds_close(struct rounds_ctx *ctx, json_t **result, struct sym_diag *diag)
    __attribute__((warn_unused_result));
int rounds_end(struct rounds_ctx *ctx, json_t **result, struct sym_diag *diag)
    __attribute__((warn_unused_result));
json_t *rounds_status(struct rounds_ctx *ctx);
/* The latest round's phase name ("none" if there is none) and id. */
const char *rounds_phase(struct rounds_ctx *ctx, uint8_t id[16], int *has_id);
/* Apply deadlines: close or end a round whose deadline passed. */
void rounds_tick(struct rounds_ctx *ctx);

/*
 * Serve one authenticated request of a round message type. On SYM_OK,
 * *status is the protocol status (STATUS_OK or a refusal with `msg`), and
 * *reply the packed reply message when OK. `request` is the exact signed
 * request, kept as evidence for consents and commits.
 */
int rounds_handle(struct rounds_ctx *ctx, const char *member, uint32_t type,
                  const uint8_t *payload, size_t payload_len, const uint8_t *request,
                  size_t request_len, int32_t *status, char msg[256], uint8_t **reply,
                  size_t *reply_len) __attribute__((warn_unused_result));

/* A member's wire record; it points into m, which must outlive it. */
void rounds_fill_record(const struct store_member *m, Symbiod__MemberRecord *rec);

#endif
