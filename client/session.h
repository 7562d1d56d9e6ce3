/*
 * What every round command does before its own job: read the common
 * options, load STATE and the park's taxonomy, connect and check the
 * coordinator's log, find the current round, fetch and verify the round's
 * announcement and directory, and derive the pair keys with a counterpart.
 * Functions return 0 or a sysexits code with diag saying why.
 */
#ifndef SYMBI_CLIENT_SESSION_H
#define SYMBI_CLIENT_SESSION_H

#include <protobuf-c/protobuf-c.h>
#include <stddef.h>
#include <stdint.h>

#include "args.h"
#include "cert.h"
#include "err.h"
#include "pairkeys.h"
#include "prf.h"
#include "state.h"
#include "symbiod.pb-c.h"
#include "taxonomy.h"
#include "transport.h"

/*
 * The round commands' options (--all besides the common ones), checked.
 * Returns 0, -1 after printing the usage for --help, or EXIT_USAGE.
 * Positional arguments are refused unless `positional`.
 */
int round_args_parse(int argc, char **argv, struct cmd_args *a, const char *usage, int positional);

struct certcache;

struct session {
	struct client_state *st;
	struct conn *c;
	struct taxonomy *tax;
	struct prf_ctx *prf;
	struct paircache
	    *pairs; /* the X25519 secrets of earlier runs (paircache.h), read on first use */
	struct certcache
	    *certs; /* STATE/certcache as read at open, for the first directory check */
};

/* Load STATE (enrolled) and the park's taxonomy; with `connect`, session_connect too. */
int session_open(const struct cmd_args *a, int connect, struct session *s, struct sym_diag *diag);
/*
 * The same, connected, without the taxonomy and the PRF yet: for `symbi
 * sync`, whose steps after a round's end mostly need neither. Whatever
 * uses s->tax or s->prf calls session_taxonomy first.
 */
int session_open_lazy(const struct cmd_args *a, struct session *s, struct sym_diag *diag);
/* Load the taxonomy (it must be the park's) and the PRF, once: 0 or an exit code. */
int session_taxonomy(struct session *s, struct sym_diag *diag);
/* Connect; every contact checks the coordinator's log against what we saw before. */
int session_connect(const struct cmd_args *a, struct session *s, struct sym_diag *diag);
void session_close(struct session *s);

/* The latest round's id and phase, from a status call. */
int session_current_round(struct session *s, uint8_t round[16], char phase[16],
                          struct sym_diag *diag);

/*
 * The round's announcement, signed by the park's coordinator, for `round` and
 * our taxonomy, in a token encoding this client knows (encode_mode_for).
 */
int session_announcement(struct session *s, const uint8_t round[16],
                         Symbiod__RoundAnnouncement **out, struct sym_diag *diag);

struct verified_dir {
	struct member_record *recs; /* in id order, this company among them */
	size_t n;
};

/* Every member record of the round, verified against the park CA, hashing to the announcement. */
int session_directory(struct session *s, const Symbiod__RoundAnnouncement *ann,
                      struct verified_dir *vd, struct sym_diag *diag);
/*
 * The same checks for the directory of `round`, or the park's current one
 * when round is NULL, against `expect` (a hash the coordinator signed: the
 * announcement's or a status reply's). Both remember what they verified in
 * STATE/certcache, so a later run checks in full only what changed.
 */
int session_directory_check(struct session *s, const ProtobufCBinaryData *round,
                            const uint8_t expect[32], struct verified_dir *vd,
                            struct sym_diag *diag);
void verified_dir_clear(struct verified_dir *vd);

/*
 * The pair keys of this round with `peer`, into sodium_malloc'd *pk (a
 * SYM_ERR code). The X25519 secret comes from STATE/paircache when an
 * earlier run computed it for this very peer key; the keys are the same.
 */
int session_pair(const struct session *s, const uint8_t round[16], const char *peer,
                 const uint8_t peer_x25519[32], struct pairkeys *pk);
/*
 * Write what session_pair added to STATE/paircache (session_close does it
 * too). A cache that cannot be written costs the next run the scalar
 * multiplications, nothing else: a warning, never a failure.
 */
void session_pair_save(const struct session *s);

/* A protobuf bytes field over memory the caller keeps. */
static inline ProtobufCBinaryData
session_bytes(const uint8_t *data, size_t len)
{
	ProtobufCBinaryData b = {len, (uint8_t *)data};

	return b;
}

#endif
