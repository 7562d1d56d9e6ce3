/*
 * The client agent's private directory (STATE, mode 0700):
 *   STATE/park.json          the park's join bundle (copied at init)
 *   STATE/identity.key       Ed25519 identity key (0600)
 *   STATE/agreement.key      X25519 agreement key (0600)
 *   STATE/curve.key          ZeroMQ CURVE client key (0600)
 *   STATE/request.csr        the certificate request to hand to the operator
 *   STATE/member.crt         the certificate issued by the park (after enroll)
 *   STATE/company.json       {"id", "name"}
 *   STATE/rounds-seen        every round id seen, with its announcement's hash (roundseen.h)
 *   STATE/certcache          certificates verified before (certcache.h)
 *   STATE/paircache          the X25519 secret per counterpart (paircache.h)
 */
#ifndef SYMBI_STATE_H
#define SYMBI_STATE_H

#include <limits.h>

#include "cert.h"
#include "err.h"
#include "keys.h"
#include "parkinfo.h"

struct client_state {
	char dir[PATH_MAX];
	char id[MEMBER_ID_MAX + 1];
	char name[MEMBER_NAME_MAX + 1];
	struct site site; /* as given at init (company.json): the certificate must bind it */
	struct parkinfo park;
	uint8_t park_id[32]; /* cert_park_id of park.ca_pem: signatures bind it */
	struct keypair *identity, *agreement, *curve;
	int enrolled;
	struct member_record record; /* when enrolled: from member.crt, verified */
	uint8_t *cert_der;           /* member.crt's DER bytes (NULL: none); state_open */
	size_t cert_der_len;
};

/*
 * Create STATE: keys, company.json (with the site, if any), park.json copy,
 * request.csr (path into csr_path). site NULL or unset: none.
 */
int state_init(const char *dir, const char *park_json, const char *id, const char *name,
               const struct site *site, char *csr_path, size_t csr_path_len, struct sym_diag *diag)
    __attribute__((warn_unused_result));

/* Install a certificate after checking it against the park CA and our own keys. */
int state_enroll(const char *dir, const char *cert_path, struct member_record *rec,
                 struct sym_diag *diag) __attribute__((warn_unused_result));

/*
 * Load STATE: permissions, keys, park, and (if present) the certificate,
 * verified against the park CA and matched against our keys.
 */
int state_load(const char *dir, struct client_state **out, struct sym_diag *diag)
    __attribute__((warn_unused_result));

/*
 * state_load in two steps, so that a caller holding a cache of verified
 * certificates (certcache.h) can spare the X.509 work: state_open loads all
 * but the check of member.crt (whose DER it keeps in cert_der, not parsed;
 * enrolled stays 0, and the park id is the hash of the CA's bytes, which the
 * full check parses), then state_check_cert checks it: given `vouched`, the
 * record a cache gave for exactly cert_der, it takes that record; otherwise
 * it verifies the certificate in full against the CA. Either way the record
 * must carry this company's id, name, keys and site.
 */
int state_open(const char *dir, struct client_state **out, struct sym_diag *diag)
    __attribute__((warn_unused_result));
int state_check_cert(struct client_state *st, const struct member_record *vouched,
                     struct sym_diag *diag) __attribute__((warn_unused_result));
void state_free(struct client_state **st);

int state_path(const char *dir, const char *name, char *out, size_t len);

#endif
