/*
 * A park's data directory (PARK, mode 0700) and the operator's offline
 * commands: init, enroll, revoke, members. Layout:
 *   PARK/park.json            public join bundle for companies (0644)
 *   PARK/ca.crt               park CA certificate (0644)
 *   PARK/keys/ca.key          park CA signing key (0600)
 *   PARK/keys/coordinator.key coordinator Ed25519 signing key (0600)
 *   PARK/keys/curve.key       coordinator CURVE key (0600)
 *   PARK/symbiod.db           the store (0600; WAL files beside it)
 *   PARK/control.sock         the running daemon's control socket (0600)
 */
#ifndef SYMBI_PARK_H
#define SYMBI_PARK_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "cert.h"
#include "err.h"
#include "keys.h"
#include "parkinfo.h"
#include "store.h"

#define PARK_CONTROL_SOCKET "control.sock"
#define PARK_CERT_DAYS 825
#define PARK_CA_DAYS 3650

struct park {
	char dir[PATH_MAX];
	struct parkinfo info;
	struct store *store;
	struct keypair *sign;  /* coordinator Ed25519 */
	struct keypair *curve; /* coordinator CURVE */
	struct keypair *ca;    /* only when opened with PARK_OPEN_CA */
	uint8_t id[32];        /* cert_park_id of the CA: every signature is bound to it */
};

enum park_open_flags { PARK_OPEN_CA = 1 };

/* Create a new park; refuses a directory that already holds one. */
int park_init(const char *dir, const char *name, const char *endpoint, struct sym_diag *diag)
    __attribute__((warn_unused_result));
/* Open an existing park: check permissions, load keys, open the store. */
int park_open(const char *dir, int flags, struct park **out, struct sym_diag *diag)
    __attribute__((warn_unused_result));
void park_close(struct park **park);

/* Verify a CSR, issue a certificate (PEM into *cert_pem), add the member. */
int park_enroll(struct park *park, const char *csr_pem, size_t csr_len, char **cert_pem,
                struct member_record *rec, struct sym_diag *diag)
    __attribute__((warn_unused_result));
int park_revoke(struct park *park, const char *id, struct sym_diag *diag)
    __attribute__((warn_unused_result));

/* A path inside the park directory. */
int park_path(const struct park *park, const char *name, char *out, size_t len);

/* The directory hash (protocol.h) of the active members; revoked ones are not in it. */
void park_directory_hash(const struct store_member *members, size_t n, uint8_t out[32]);

#endif
