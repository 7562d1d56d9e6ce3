#include "state.h"

#include <errno.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "keyfile.h"
#include "util.h"

int
state_path(const char *dir, const char *name, char *out, size_t len)
{
	if ((size_t)snprintf(out, len, "%s/%s", dir, name) >= len)
		return SYM_ERR_NOSPACE;
	return SYM_OK;
}

/*
 * Create the missing parents of dir, mode 0700, as `mkdir -p` would; dir
 * itself is keyfile_secure_dir's. A component that exists and is not a
 * directory is refused by name.
 */
static int
s_make_parents(const char *dir, struct sym_diag *diag)
{
	char path[PATH_MAX];
	size_t len = strlen(dir), i;
	struct stat st;

	if (len >= sizeof(path))
		return sym_diag_set(diag, SYM_ERR_INVALID, "%s: path too long", dir);
	memcpy(path, dir, len + 1);
	for (i = 1; i < len; i++) {
		if (path[i] != '/' || path[i - 1] == '/')
			continue;
		path[i] = '\0';
		if (stat(path, &st) == 0) {
			if (!S_ISDIR(st.st_mode))
				return sym_diag_set(diag, SYM_ERR_IO,
				                    "%s: not a directory, so %s cannot be in it",
				                    path, dir);
		} else if (errno != ENOENT || (mkdir(path, 0700) != 0 && errno != EEXIST)) {
			return sym_diag_set(diag, SYM_ERR_IO, "%s: cannot create directory: %s",
			                    path, strerror(errno));
		}
		path[i] = '/';
	}
	return SYM_OK;
}

int
state_init(const char *dir, const char *park_json, const char *id, const char *name,
           const struct site *site, char *csr_path, size_t csr_path_len, struct sym_diag *diag)
{
	struct keypair *identity = NULL, *agreement = NULL, *curve = NULL;
	char path[PATH_MAX], *buf = NULL, *csr = NULL, *company = NULL;
	struct parkinfo pi;
	size_t len = 0;
	json_t *cj = NULL;
	int r;

	memset(&pi, 0, sizeof(pi));
	if (!member_id_valid(id))
		return sym_diag_set(diag, SYM_ERR_INVALID,
		                    "--id \"%s\": 1..64 characters of a-z, 0-9 and '-', starting "
		                    "with a letter or digit",
		                    id);
	if (!member_name_valid(name))
		return sym_diag_set(diag, SYM_ERR_INVALID,
		                    "--name: 1..128 printable characters required");
	if ((r = parkinfo_load(park_json, &pi, diag)) != SYM_OK)
		return r;
	if ((r = s_make_parents(dir, diag)) != SYM_OK ||
	    (r = keyfile_secure_dir(dir, diag)) != SYM_OK)
		goto out;
	if ((r = state_path(dir, "identity.key", path, sizeof(path))) != SYM_OK)
		goto out;
	if (access(path, F_OK) == 0) {
		r = sym_diag_set(diag, SYM_ERR_EXISTS,
		                 "%s: already initialised (keys are never replaced)", dir);
		goto out;
	}
	identity = keys_generate(KEY_ED25519);
	agreement = keys_generate(KEY_X25519);
	curve = keys_generate(KEY_CURVE);
	if (identity == NULL || agreement == NULL || curve == NULL) {
		r = sym_diag_set(diag, SYM_ERR_ALLOC, "cannot generate keys");
		goto out;
	}
	if ((r = keyfile_save(path, identity, diag)) != SYM_OK)
		goto out;
	if ((r = state_path(dir, "agreement.key", path, sizeof(path))) != SYM_OK ||
	    (r = keyfile_save(path, agreement, diag)) != SYM_OK)
		goto out;
	if ((r = state_path(dir, "curve.key", path, sizeof(path))) != SYM_OK ||
	    (r = keyfile_save(path, curve, diag)) != SYM_OK)
		goto out;
	/* Keep the exact bundle the operator gave us. */
	if ((r = util_read_file(park_json, PARKINFO_FILE_MAX, &buf, &len)) != SYM_OK ||
	    (r = state_path(dir, "park.json", path, sizeof(path))) != SYM_OK ||
	    (r = util_write_file(path, buf, len, 0600, 0)) != SYM_OK) {
		sym_diag_set(diag, r, "%s: cannot copy park.json: %s", dir, sym_strerror(r));
		goto out;
	}
	cj = json_pack("{s:s, s:s}", "id", id, "name", name);
	if (cj != NULL && site != NULL && site->set) {
		char text[SITE_TEXT_MAX];

		site_format(site, text);
		json_object_set_new(cj, "site", json_string(text));
	}
	if (cj == NULL || (company = json_dumps(cj, JSON_INDENT(2))) == NULL) {
		r = SYM_ERR_ALLOC;
		goto out;
	}
	if ((r = state_path(dir, "company.json", path, sizeof(path))) != SYM_OK ||
	    (r = util_write_file(path, company, strlen(company), 0600, 0)) != SYM_OK) {
		sym_diag_set(diag, r, "%s: cannot write company.json: %s", dir, sym_strerror(r));
		goto out;
	}
	if ((r = cert_csr_create(identity, id, name, agreement->pk, curve->pk, site, &csr)) !=
	    SYM_OK) {
		sym_diag_set(diag, r, "cannot create the certificate request: %s", sym_strerror(r));
		goto out;
	}
	if ((r = state_path(dir, "request.csr", csr_path, csr_path_len)) != SYM_OK ||
	    (r = util_write_file(csr_path, csr, strlen(csr), 0644, 0)) != SYM_OK) {
		sym_diag_set(diag, r, "%s: cannot write request.csr: %s", dir, sym_strerror(r));
		goto out;
	}
	r = SYM_OK;
out:
	json_decref(cj);
	free(company);
	free(csr);
	free(buf);
	parkinfo_clear(&pi);
	keys_free(&identity);
	keys_free(&agreement);
	keys_free(&curve);
	return r;
}

static int
s_load_company(const char *dir, struct client_state *st, struct sym_diag *diag)
{
	char path[PATH_MAX], *buf = NULL;
	const char *id, *name, *site;
	struct sym_diag sd = {""};
	json_error_t jerr;
	json_t *j = NULL;
	size_t len = 0;
	int r;

	if ((r = state_path(dir, "company.json", path, sizeof(path))) != SYM_OK ||
	    (r = util_read_file(path, 4096, &buf, &len)) != SYM_OK)
		return sym_diag_set(
		    diag, r == SYM_ERR_NOT_FOUND ? SYM_ERR_NOT_FOUND : r,
		    "%s: not a client state directory (run: symbi init --dir %s ...)", dir, dir);
	j = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	free(buf);
	id = json_string_value(json_object_get(j, "id"));
	name = json_string_value(json_object_get(j, "name"));
	site = json_string_value(json_object_get(j, "site"));
	if (id == NULL || name == NULL || !member_id_valid(id) || !member_name_valid(name) ||
	    (json_object_get(j, "site") != NULL &&
	     (site == NULL || site_parse(site, &st->site, &sd) != SYM_OK))) {
		json_decref(j);
		return sym_diag_set(diag, SYM_ERR_FORMAT, "%s: malformed", path);
	}
	snprintf(st->id, sizeof(st->id), "%s", id);
	snprintf(st->name, sizeof(st->name), "%s", name);
	json_decref(j);
	return SYM_OK;
}

/* A verified record must carry exactly our id, name, keys and site. */
static int
s_record_is_ours(const struct client_state *st, const struct member_record *rec,
                 struct sym_diag *diag)
{
	if (strcmp(rec->id, st->id) != 0 || strcmp(rec->name, st->name) != 0 ||
	    sodium_memcmp(rec->ed25519, st->identity->pk, 32) != 0 ||
	    sodium_memcmp(rec->x25519, st->agreement->pk, 32) != 0 ||
	    sodium_memcmp(rec->curve, st->curve->pk, 32) != 0)
		return sym_diag_set(diag, SYM_ERR_VERIFY,
		                    "the certificate is for \"%s\" with other keys, not for this "
		                    "company's keys in %s",
		                    rec->id, st->dir);
	if (rec->site.set != st->site.set || rec->site.lat != st->site.lat ||
	    rec->site.lon != st->site.lon) {
		char got[SITE_TEXT_MAX], want[SITE_TEXT_MAX];

		site_format(&rec->site, got);
		site_format(&st->site, want);
		return sym_diag_set(diag, SYM_ERR_VERIFY,
		                    "the certificate binds the site %s, this company's request "
		                    "had %s",
		                    got, want);
	}
	return SYM_OK;
}

/* The certificate must be the park's and carry exactly our id, name and keys. */
static int
s_check_cert(const struct client_state *st, const uint8_t *cert, size_t len,
             struct member_record *rec, struct sym_diag *diag)
{
	int r;

	if ((r = cert_verify_member(st->park.ca_pem, cert, len, rec, diag)) != SYM_OK)
		return r;
	return s_record_is_ours(st, rec, diag);
}

static int
s_load_keys(struct client_state *st, struct sym_diag *diag)
{
	char path[PATH_MAX];
	int r;

	if ((r = keyfile_secure_dir(st->dir, diag)) != SYM_OK)
		return r;
	if ((r = state_path(st->dir, "identity.key", path, sizeof(path))) != SYM_OK ||
	    (r = keyfile_load(path, KEY_ED25519, &st->identity, diag)) != SYM_OK)
		return r;
	if ((r = state_path(st->dir, "agreement.key", path, sizeof(path))) != SYM_OK ||
	    (r = keyfile_load(path, KEY_X25519, &st->agreement, diag)) != SYM_OK)
		return r;
	if ((r = state_path(st->dir, "curve.key", path, sizeof(path))) != SYM_OK ||
	    (r = keyfile_load(path, KEY_CURVE, &st->curve, diag)) != SYM_OK)
		return r;
	if ((r = state_path(st->dir, "park.json", path, sizeof(path))) != SYM_OK ||
	    (r = parkinfo_load(path, &st->park, diag)) != SYM_OK)
		return r;
	if ((r = cert_park_id_unparsed(st->park.ca_pem, st->park_id)) != SYM_OK)
		return sym_diag_set(diag, r, "%s: the CA certificate does not decode", path);
	return SYM_OK;
}

int
state_open(const char *dir, struct client_state **out, struct sym_diag *diag)
{
	struct client_state *st = calloc(1, sizeof(*st));
	char path[PATH_MAX], *cert = NULL;
	size_t len = 0;
	int r;

	*out = NULL;
	if (st == NULL)
		return sym_diag_set(diag, SYM_ERR_ALLOC, "out of memory");
	if (strlen(dir) >= sizeof(st->dir)) {
		r = sym_diag_set(diag, SYM_ERR_INVALID, "%s: path too long", dir);
		goto out;
	}
	memcpy(st->dir, dir, strlen(dir) + 1);
	if ((r = s_load_company(dir, st, diag)) != SYM_OK || (r = s_load_keys(st, diag)) != SYM_OK)
		goto out;
	if ((r = state_path(dir, "member.crt", path, sizeof(path))) != SYM_OK)
		goto out;
	r = util_read_file(path, CERT_PEM_MAX, &cert, &len);
	if (r == SYM_OK) {
		if (len == 0 || (r = cert_der_bytes((const uint8_t *)cert, len, &st->cert_der,
		                                    &st->cert_der_len)) != SYM_OK) {
			r = sym_diag_set(diag, SYM_ERR_FORMAT, "%s: not a certificate", path);
			goto out;
		}
	} else if (r != SYM_ERR_NOT_FOUND) {
		sym_diag_set(diag, r, "%s: cannot read: %s", path, sym_strerror(r));
		goto out;
	}
	*out = st;
	st = NULL; /* transferred */
	r = SYM_OK;
out:
	free(cert);
	state_free(&st);
	return r;
}

int
state_check_cert(struct client_state *st, const struct member_record *vouched,
                 struct sym_diag *diag)
{
	struct member_record rec;
	int r;

	if (st->cert_der == NULL)
		return sym_diag_set(diag, SYM_ERR_INVALID, "%s: no member.crt", st->dir);
	if (vouched != NULL)
		rec = *vouched;
	else if ((r = cert_verify_member(st->park.ca_pem, st->cert_der, st->cert_der_len, &rec,
	                                 diag)) != SYM_OK)
		return r;
	if ((r = s_record_is_ours(st, &rec, diag)) != SYM_OK)
		return r;
	st->record = rec;
	st->enrolled = 1;
	return SYM_OK;
}

int
state_load(const char *dir, struct client_state **out, struct sym_diag *diag)
{
	int r;

	if ((r = state_open(dir, out, diag)) != SYM_OK)
		return r;
	if ((*out)->cert_der != NULL && (r = state_check_cert(*out, NULL, diag)) != SYM_OK)
		state_free(out);
	return r;
}

int
state_enroll(const char *dir, const char *cert_path, struct member_record *rec,
             struct sym_diag *diag)
{
	struct client_state *st = NULL;
	char path[PATH_MAX], *cert = NULL;
	size_t len = 0;
	int r;

	if ((r = state_load(dir, &st, diag)) != SYM_OK)
		return r;
	if ((r = util_read_file(cert_path, CERT_PEM_MAX, &cert, &len)) != SYM_OK) {
		sym_diag_set(diag, r, "%s: cannot read: %s", cert_path, sym_strerror(r));
		goto out;
	}
	if ((r = s_check_cert(st, (const uint8_t *)cert, len, rec, diag)) != SYM_OK)
		goto out;
	if ((r = state_path(dir, "member.crt", path, sizeof(path))) != SYM_OK ||
	    (r = util_write_file(path, cert, len, 0600, 0)) != SYM_OK) {
		sym_diag_set(diag, r, "%s: cannot write: %s", path, sym_strerror(r));
		goto out;
	}
	r = SYM_OK;
out:
	free(cert);
	state_free(&st);
	return r;
}

void
state_free(struct client_state **stp)
{
	struct client_state *st;

	if (stp == NULL || *stp == NULL)
		return;
	st = *stp;
	keys_free(&st->identity);
	keys_free(&st->agreement);
	keys_free(&st->curve);
	parkinfo_clear(&st->park);
	free(st->cert_der);
	free(st);
	*stp = NULL;
}
