#include "park.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "auditlog.h"
#include "keyfile.h"
#include "log.h"
#include "taxonomy.h"
#include "util.h"
#include "roundhash.h"

int
park_path(const struct park *park, const char *name, char *out, size_t len)
{
	if ((size_t)snprintf(out, len, "%s/%s", park->dir, name) >= len)
		return SYM_ERR_NOSPACE;
	return SYM_OK;
}

static int
s_join(const char *dir, const char *name, char *out, size_t len)
{
	if ((size_t)snprintf(out, len, "%s/%s", dir, name) >= len)
		return SYM_ERR_NOSPACE;
	return SYM_OK;
}

int
park_init(const char *dir, const char *name, const char *endpoint, struct sym_diag *diag)
{
	char path[PATH_MAX], keys[PATH_MAX], *ca_pem = NULL, *json = NULL;
	struct keypair *ca = NULL, *sign = NULL, *curve = NULL;
	struct taxonomy *tax = NULL;
	struct store *st = NULL;
	struct parkinfo pi;
	int r;

	memset(&pi, 0, sizeof(pi));
	if (name == NULL || *name == '\0' || strlen(name) > PARK_NAME_MAX ||
	    !member_name_valid(name))
		return sym_diag_set(diag, SYM_ERR_INVALID,
		                    "--name: 1..%d printable characters required", PARK_NAME_MAX);
	if (!parkinfo_endpoint_valid(endpoint))
		return sym_diag_set(diag, SYM_ERR_INVALID,
		                    "--endpoint \"%s\": expected tcp://HOST:PORT", endpoint);
	if ((r = keyfile_secure_dir(dir, diag)) != SYM_OK)
		return r;
	if ((r = s_join(dir, "park.json", path, sizeof(path))) != SYM_OK)
		return sym_diag_set(diag, r, "%s: path too long", dir);
	if (access(path, F_OK) == 0)
		return sym_diag_set(diag, SYM_ERR_EXISTS, "%s: a park already exists here", dir);
	if ((r = taxonomy_load_default(&tax, diag)) != SYM_OK)
		goto out;
	if ((r = s_join(dir, "keys", keys, sizeof(keys))) != SYM_OK ||
	    (r = keyfile_secure_dir(keys, diag)) != SYM_OK)
		goto out;
	ca = keys_generate(KEY_ED25519);
	sign = keys_generate(KEY_ED25519);
	curve = keys_generate(KEY_CURVE);
	if (ca == NULL || sign == NULL || curve == NULL) {
		r = sym_diag_set(diag, SYM_ERR_ALLOC, "cannot generate keys");
		goto out;
	}
	if ((r = s_join(keys, "ca.key", path, sizeof(path))) != SYM_OK ||
	    (r = keyfile_save(path, ca, diag)) != SYM_OK)
		goto out;
	if ((r = s_join(keys, "coordinator.key", path, sizeof(path))) != SYM_OK ||
	    (r = keyfile_save(path, sign, diag)) != SYM_OK)
		goto out;
	if ((r = s_join(keys, "curve.key", path, sizeof(path))) != SYM_OK ||
	    (r = keyfile_save(path, curve, diag)) != SYM_OK)
		goto out;
	if ((r = cert_ca_create(name, ca, PARK_CA_DAYS, &ca_pem)) != SYM_OK) {
		sym_diag_set(diag, r, "cannot create the park CA certificate: %s", sym_strerror(r));
		goto out;
	}
	if ((r = s_join(dir, "ca.crt", path, sizeof(path))) != SYM_OK ||
	    (r = util_write_file(path, ca_pem, strlen(ca_pem), 0644, 1)) != SYM_OK) {
		sym_diag_set(diag, r, "%s: cannot write: %s", path, sym_strerror(r));
		goto out;
	}
	if ((r = s_join(dir, STORE_FILE, path, sizeof(path))) != SYM_OK ||
	    (r = store_open(path, &st, diag)) != SYM_OK)
		goto out;
	if ((r = store_meta_set(st, "park_name", name)) != SYM_OK ||
	    (r = store_meta_set(st, "endpoint", endpoint)) != SYM_OK) {
		sym_diag_set(diag, r, "%s: cannot write the store: %s", path, sym_strerror(r));
		goto out;
	}
	snprintf(pi.name, sizeof(pi.name), "%s", name);
	snprintf(pi.endpoint, sizeof(pi.endpoint), "%s", endpoint);
	memcpy(pi.coordinator_ed25519, sign->pk, 32);
	memcpy(pi.coordinator_curve, curve->pk, 32);
	pi.ca_pem = ca_pem;
	snprintf(pi.taxonomy_name, sizeof(pi.taxonomy_name), "%s", tax->name);
	snprintf(pi.taxonomy_version, sizeof(pi.taxonomy_version), "%s", tax->version);
	memcpy(pi.taxonomy_hash, tax->hash, 32);
	if ((r = parkinfo_dump(&pi, &json)) != SYM_OK)
		goto out;
	/* park.json last: its presence marks a complete park. */
	if ((r = s_join(dir, "park.json", path, sizeof(path))) != SYM_OK ||
	    (r = util_write_file(path, json, strlen(json), 0644, 1)) != SYM_OK) {
		sym_diag_set(diag, r, "%s: cannot write: %s", path, sym_strerror(r));
		goto out;
	}
	r = SYM_OK;
out:
	free(json);
	free(ca_pem);
	store_close(&st);
	keys_free(&ca);
	keys_free(&sign);
	keys_free(&curve);
	taxonomy_free(&tax);
	return r;
}

int
park_open(const char *dir, int flags, struct park **out, struct sym_diag *diag)
{
	struct park *park = NULL;
	char path[PATH_MAX];
	int r;

	*out = NULL;
	if ((park = calloc(1, sizeof(*park))) == NULL)
		return sym_diag_set(diag, SYM_ERR_ALLOC, "out of memory");
	if (strlen(dir) >= sizeof(park->dir)) {
		r = sym_diag_set(diag, SYM_ERR_INVALID, "%s: path too long", dir);
		goto out;
	}
	memcpy(park->dir, dir, strlen(dir) + 1);
	if ((r = park_path(park, "park.json", path, sizeof(path))) != SYM_OK)
		goto out;
	if (access(path, F_OK) != 0) {
		r = sym_diag_set(diag, SYM_ERR_NOT_FOUND,
		                 "%s: no park here (create one with: symbiod init --dir %s ...)",
		                 dir, dir);
		goto out;
	}
	if ((r = keyfile_secure_dir(dir, diag)) != SYM_OK)
		goto out;
	if ((r = parkinfo_load(path, &park->info, diag)) != SYM_OK)
		goto out;
	if ((r = cert_park_id(park->info.ca_pem, park->id)) != SYM_OK) {
		r = sym_diag_set(diag, r, "%s/park.json: the CA certificate does not parse", dir);
		goto out;
	}
	if ((r = park_path(park, "keys/coordinator.key", path, sizeof(path))) != SYM_OK ||
	    (r = keyfile_load(path, KEY_ED25519, &park->sign, diag)) != SYM_OK)
		goto out;
	if ((r = park_path(park, "keys/curve.key", path, sizeof(path))) != SYM_OK ||
	    (r = keyfile_load(path, KEY_CURVE, &park->curve, diag)) != SYM_OK)
		goto out;
	if (flags & PARK_OPEN_CA) {
		if ((r = park_path(park, "keys/ca.key", path, sizeof(path))) != SYM_OK ||
		    (r = keyfile_load(path, KEY_ED25519, &park->ca, diag)) != SYM_OK)
			goto out;
	}
	/* park.json must describe these keys: a swapped file would misdirect companies. */
	if (sodium_memcmp(park->info.coordinator_ed25519, park->sign->pk, 32) != 0 ||
	    sodium_memcmp(park->info.coordinator_curve, park->curve->pk, 32) != 0) {
		r = sym_diag_set(diag, SYM_ERR_VERIFY,
		                 "%s/park.json does not match the coordinator keys in %s/keys", dir,
		                 dir);
		goto out;
	}
	if ((r = park_path(park, STORE_FILE, path, sizeof(path))) != SYM_OK ||
	    (r = store_open(path, &park->store, diag)) != SYM_OK)
		goto out;
	*out = park;
	park = NULL; /* transferred */
	r = SYM_OK;
out:
	park_close(&park);
	return r;
}

void
park_close(struct park **pp)
{
	struct park *park;

	if (pp == NULL || *pp == NULL)
		return;
	park = *pp;
	store_close(&park->store);
	keys_free(&park->sign);
	keys_free(&park->curve);
	keys_free(&park->ca);
	parkinfo_clear(&park->info);
	free(park);
	*pp = NULL;
}

int
park_enroll(struct park *park, const char *csr_pem, size_t csr_len, char **cert_pem,
            struct member_record *rec, struct sym_diag *diag)
{
	struct store_member existing;
	struct member_record csr_rec, issued;
	uint8_t *der = NULL;
	size_t der_len = 0;
	uint64_t serial = 0;
	char *pem = NULL;
	int r, in_tx = 0;

	*cert_pem = NULL;
	if (park->ca == NULL)
		return sym_diag_set(diag, SYM_ERR_INVALID, "park opened without its CA key");
	if ((r = cert_csr_verify(csr_pem, csr_len, &csr_rec, diag)) != SYM_OK)
		return r;
	memset(&existing, 0, sizeof(existing));
	if (store_member_get(park->store, csr_rec.id, &existing) == SYM_OK) {
		store_member_clear(&existing);
		return sym_diag_set(diag, SYM_ERR_EXISTS, "company id \"%s\" is already enrolled%s",
		                    csr_rec.id,
		                    existing.revoked ? " (revoked; ids are never reused)" : "");
	}
	if ((r = store_begin(park->store)) != SYM_OK) {
		sym_diag_set(diag, r, "store: cannot begin a transaction: %s", sym_strerror(r));
		goto out;
	}
	in_tx = 1;
	if ((r = store_next_serial(park->store, &serial)) != SYM_OK) {
		sym_diag_set(diag, r, "store: cannot allocate a serial: %s", sym_strerror(r));
		goto out;
	}
	if ((r = cert_issue(park->info.ca_pem, park->ca, csr_pem, csr_len, serial, PARK_CERT_DAYS,
	                    &pem, diag)) != SYM_OK)
		goto out;
	/* Verify what we issued exactly as a company will, before recording it. */
	if ((r = cert_verify_member(park->info.ca_pem, (const uint8_t *)pem, strlen(pem), &issued,
	                            diag)) != SYM_OK)
		goto out;
	if ((r = cert_pem_to_der(pem, strlen(pem), &der, &der_len)) != SYM_OK)
		goto out;
	r = store_member_add(park->store, &issued, der, der_len, serial);
	if (r != SYM_OK) {
		sym_diag_set(diag, r, "%s",
		             r == SYM_ERR_EXISTS
		                 ? "this company id or one of its keys is already enrolled"
		                 : "store: cannot add the member");
		goto out;
	}
	/* The directory change is an audit-log entry, committed with it. */
	{
		json_t *e = json_pack("{s:s, s:s, s:o, s:o}", "id", issued.id, "name", issued.name,
		                      "certificate", auditlog_b64(der, der_len), "fingerprint",
		                      auditlog_hex(issued.fingerprint, 32));
		char site[SITE_TEXT_MAX];
		uint64_t idx;

		/* Only with a site: an entry without one reads as before (FORMAT.md). */
		site_format(&issued.site, site);
		if (e != NULL && issued.site.set)
			json_object_set_new(e, "site", json_string(site));
		r = e != NULL ? auditlog_append_row(park->store, "member_enrolled", e, &idx)
		              : SYM_ERR_ALLOC;
		json_decref(e);
		if (r != SYM_OK) {
			sym_diag_set(diag, r, "store: cannot log the enrolment: %s",
			             sym_strerror(r));
			goto out;
		}
	}
	if ((r = store_commit(park->store)) != SYM_OK) {
		sym_diag_set(diag, r, "store: cannot commit: %s", sym_strerror(r));
		goto out;
	}
	in_tx = 0;
	if (rec != NULL)
		*rec = issued;
	*cert_pem = pem;
	pem = NULL; /* transferred */
	r = SYM_OK;
out:
	if (in_tx)
		store_rollback(park->store);
	free(pem);
	free(der);
	return r;
}

int
park_revoke(struct park *park, const char *id, struct sym_diag *diag)
{
	int r;

	json_t *e;
	uint64_t idx;

	if (!member_id_valid(id))
		return sym_diag_set(diag, SYM_ERR_INVALID, "--id \"%s\": not a valid company id",
		                    id);
	if ((r = store_begin(park->store)) != SYM_OK)
		return sym_diag_set(diag, r, "store: %s", sym_strerror(r));
	r = store_member_revoke(park->store, id);
	if (r == SYM_OK) {
		e = json_pack("{s:s}", "id", id);
		r = e ? auditlog_append_row(park->store, "member_revoked", e, &idx) : SYM_ERR_ALLOC;
		json_decref(e);
	}
	if (r == SYM_OK)
		r = store_commit(park->store);
	if (r != SYM_OK)
		store_rollback(park->store);
	if (r == SYM_ERR_NOT_FOUND)
		return sym_diag_set(diag, r, "no member \"%s\" in this park", id);
	if (r == SYM_ERR_EXISTS)
		return sym_diag_set(diag, r, "member \"%s\" is already revoked", id);
	if (r != SYM_OK)
		return sym_diag_set(diag, r, "store: cannot revoke: %s", sym_strerror(r));
	return SYM_OK;
}

void
park_directory_hash(const struct store_member *members, size_t n, uint8_t out[32])
{
	const struct member_record **recs = calloc(n + 1, sizeof(*recs));
	size_t i, k = 0;

	if (recs == NULL) {
		/* Never a valid hash of anything: callers compare it, it cannot match. */
		memset(out, 0, 32);
		return;
	}
	/* store_members_list returns id order, which is the hash's order. */
	for (i = 0; i < n; i++)
		if (!members[i].revoked)
			recs[k++] = &members[i].rec;
	roundhash_directory(recs, k, out);
	free(recs);
}
