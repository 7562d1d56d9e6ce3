/*
 * A submission on its way to the coordinator (cmd_submit.c): what standard
 * and hardened rounds share once the token sets are built. The hardened
 * steps (hardsteps.c) fill the batches their own way and send them here.
 */
#ifndef SYMBI_CLIENT_SUBMIT_H
#define SYMBI_CLIENT_SUBMIT_H

#include <stddef.h>
#include <stdint.h>

#include "blind.h"
#include "encode.h"
#include "roundfile.h"
#include "session.h"

/* Everything one submission builds, released by submission_clear. */
struct submission {
	uint8_t round[16], id[16];
	struct flows *fl;
	Symbiod__RoundAnnouncement *ann;
	struct verified_dir vd;
	struct blind_batch *batches;
	size_t nb, bytes;
	size_t beyond;       /* members farther away than the round's reach: no batch (REACH.md) */
	struct roundfile rf; /* what maps tokens back later: flows as submitted, peers' keys */
	char phase[16];      /* the round's phase when the submission started */
	enum encode_mode mode; /* the round's token encoding (encode.h) */
};

void submission_clear(struct submission *sub);
/* The announcement's size policy (PROTOCOL.md 1.1); a version 1 announcement has no maximum. */
void submission_padding(const Symbiod__RoundAnnouncement *ann, struct blind_padding *pad);
/* This company's floors (STATE/symbi.conf) against the round's smallest classes: 0 or 76. */
int submission_check_floors(const Symbiod__RoundAnnouncement *ann, struct sym_diag *diag);
/*
 * Begin, the chunks, commit of sub->batches under sub->id (the caller draws it); the
 * commit's proof must be in the coordinator's log. 0 or a sysexits code.
 */
int submission_send(struct session *s, const struct submission *sub, struct sym_diag *diag);

#endif
