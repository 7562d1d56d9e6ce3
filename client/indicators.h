/*
 * The company's part in a round's park indicators (INDICATORS.md,
 * PROTOCOL.md "Park indicators"), run by `symbi sync` and the agent once
 * the round has ended: send the masked vector with its sealed shares
 * (indicators_send.c), confirm the included set the coordinator announced,
 * then reveal what removes the masks (indicators.c). The company checks the
 * set against the log, the confirmations against its members' keys, and
 * never reveals both a share of a member's seed and its pair key with that
 * member: what it revealed is kept in STATE/rounds/<round>.indicators.json
 * and a second, different request is refused.
 */
#ifndef SYMBI_CLIENT_INDICATORS_H
#define SYMBI_CLIENT_INDICATORS_H

#include <jansson.h>
#include <stdint.h>

#include "roundfile.h"
#include "session.h"

struct indicators_result {
	char stage[16];                /* the coordinator's stage after this run, "" if none */
	int sent, confirmed, answered; /* what this run did */
	int pending;                   /* the round's indicators wait for other members */
	uint64_t bytes; /* payload bytes of this run's indicator requests and replies */
};

/*
 * Do what the round's indicator stage asks of this company now (nothing
 * when it did not submit to the round). 0, or a sysexits code with diag;
 * 76 when the coordinator asks for something an honest member refuses.
 */
int indicators_step(struct session *s, const uint8_t round[16], struct indicators_result *res,
                    struct sym_diag *diag);

/*
 * The same for every earlier round whose indicators this company took part
 * in and has not seen finish (its records in STATE/rounds): a round's
 * indicators go on while the next round runs.
 */
int indicators_earlier(struct session *s, const uint8_t current[16], struct indicators_result *res,
                       struct sym_diag *diag);

/* rpc_call for the indicator messages, counting their payload bytes into *bytes. */
int indicators_rpc(struct session *s, uint32_t type, const ProtobufCMessage *req,
                   const ProtobufCMessageDescriptor *desc, ProtobufCMessage **reply,
                   uint64_t *bytes, struct sym_diag *diag);

/* Build, mask and send this company's vector with its sealed shares (indicators_send.c). */
int indicators_send(struct session *s, const struct roundfile *rf,
                    const Symbiod__IndicatorState *state, uint64_t *bytes, struct sym_diag *diag);

/* The key of the share a company seals to itself: BLAKE2b-256 keyed by its X25519 secret. */
int indicators_self_key(const struct session *s, const uint8_t round[16], uint8_t key[32]);

#endif
