/* symbiod's offline park commands: init, enroll, revoke, members. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "sysexits.h"
#include "util.h"
#include "exitcode.h"

int
cmd_init(int argc, char **argv)
{
	const char *usage = "init --dir PARK --name NAME --endpoint tcp://HOST:PORT";
	struct sym_diag diag = {""};
	struct cmd_args a;
	int r;

	if ((r = cmd_parse(argc, argv, &a, usage, 0)) != 0)
		return r < 0 ? 0 : r;
	if (a.name == NULL || a.endpoint == NULL) {
		fprintf(stderr, "symbiod init: --name and --endpoint are required\n");
		return EXIT_USAGE;
	}
	if ((r = park_init(a.dir, a.name, a.endpoint, &diag)) != SYM_OK) {
		fprintf(stderr, "symbiod init: %s\n", diag.msg);
		return sym_exit_code(r, SYM_ORIGIN_INPUT);
	}
	fprintf(stderr,
	        "symbiod init: park \"%s\" created in %s\n"
	        "  give companies %s/park.json; enroll each with: symbiod enroll --dir %s --csr "
	        "FILE --out CERT\n",
	        a.name, a.dir, a.dir, a.dir);
	return 0;
}

int
cmd_enroll(int argc, char **argv)
{
	const char *usage = "enroll --dir PARK --csr FILE --out CERT";
	struct sym_diag diag = {""};
	struct member_record rec;
	char site[SITE_TEXT_MAX];
	struct park *park = NULL;
	char *csr = NULL, *cert = NULL;
	size_t csr_len = 0;
	struct cmd_args a;
	int r;

	if ((r = cmd_parse(argc, argv, &a, usage, 0)) != 0)
		return r < 0 ? 0 : r;
	if (a.csr == NULL || a.out == NULL) {
		fprintf(stderr, "symbiod enroll: --csr and --out are required\n");
		return EXIT_USAGE;
	}
	if ((r = util_read_file(a.csr, CERT_PEM_MAX, &csr, &csr_len)) != SYM_OK) {
		fprintf(stderr, "symbiod enroll: %s: cannot read: %s\n", a.csr, sym_strerror(r));
		return r == SYM_ERR_LIMIT ? EXIT_DATAERR : EXIT_NOINPUT;
	}
	if ((r = park_open(a.dir, PARK_OPEN_CA, &park, &diag)) != SYM_OK ||
	    (r = park_enroll(park, csr, csr_len, &cert, &rec, &diag)) != SYM_OK) {
		fprintf(stderr, "symbiod enroll: %s\n", diag.msg);
		r = sym_exit_code(r, SYM_ORIGIN_INPUT);
		goto out;
	}
	if ((r = util_write_file(a.out, cert, strlen(cert), 0644, 0)) != SYM_OK) {
		/* The member is recorded; the certificate can be issued again only by revoking. */
		fprintf(stderr, "symbiod enroll: %s: cannot write the certificate: %s\n", a.out,
		        sym_strerror(r));
		r = EXIT_CANTCREAT;
		goto out;
	}
	site_format(&rec.site, site);
	fprintf(stderr,
	        "symbiod enroll: enrolled \"%s\" (%s), site %s; certificate written to %s\n",
	        rec.id, rec.name, site, a.out);
	r = 0;
out:
	free(csr);
	free(cert);
	park_close(&park);
	return r;
}

int
cmd_revoke(int argc, char **argv)
{
	const char *usage = "revoke --dir PARK --id ID";
	struct sym_diag diag = {""};
	struct park *park = NULL;
	struct cmd_args a;
	int r;

	if ((r = cmd_parse(argc, argv, &a, usage, 0)) != 0)
		return r < 0 ? 0 : r;
	if (a.id == NULL) {
		fprintf(stderr, "symbiod revoke: --id is required\n");
		return EXIT_USAGE;
	}
	if ((r = park_open(a.dir, 0, &park, &diag)) == SYM_OK &&
	    (r = park_revoke(park, a.id, &diag)) == SYM_ERR_EXISTS) {
		/* Idempotent for scripts: the member is revoked, as asked. */
		fprintf(stderr, "symbiod revoke: \"%s\" was already revoked; nothing changed\n",
		        a.id);
		park_close(&park);
		return 0;
	}
	if (r != SYM_OK) {
		fprintf(stderr, "symbiod revoke: %s\n", diag.msg);
		park_close(&park);
		return sym_exit_code(r, SYM_ORIGIN_INPUT);
	}
	fprintf(stderr, "symbiod revoke: \"%s\" revoked\n", a.id);
	park_close(&park);
	return 0;
}

int
cmd_members(int argc, char **argv)
{
	const char *usage = "members --dir PARK [--json]";
	struct sym_diag diag = {""};
	struct park *park = NULL;
	struct store_member *m = NULL;
	size_t n = 0, i;
	struct cmd_args a;
	int r;

	if ((r = cmd_parse(argc, argv, &a, usage, 0)) != 0)
		return r < 0 ? 0 : r;
	if ((r = park_open(a.dir, 0, &park, &diag)) != SYM_OK) {
		fprintf(stderr, "symbiod members: %s\n", diag.msg);
		return sym_exit_code(r, SYM_ORIGIN_INPUT);
	}
	if ((r = store_members_list(park->store, &m, &n)) != SYM_OK) {
		fprintf(stderr, "symbiod members: cannot read the store: %s\n", sym_strerror(r));
		park_close(&park);
		return sym_exit_code(r, SYM_ORIGIN_INPUT);
	}
	if (a.json) {
		json_t *arr = json_array();
		for (i = 0; i < n; i++) {
			char fp[65], ed[65], x[65], cv[65], site[SITE_TEXT_MAX];
			json_t *o;

			site_format(&m[i].rec.site, site);
			util_hex(m[i].rec.fingerprint, 32, fp);
			util_hex(m[i].rec.ed25519, 32, ed);
			util_hex(m[i].rec.x25519, 32, x);
			util_hex(m[i].rec.curve, 32, cv);
			o = json_pack(
			    "{s:s, s:s, s:s, s:I, s:s, s:s, s:s, s:s, s:I, s:I}", "id", m[i].rec.id,
			    "name", m[i].rec.name, "status", m[i].revoked ? "revoked" : "active",
			    "serial", (json_int_t)m[i].serial, "fingerprint", fp, "ed25519", ed,
			    "x25519", x, "curve", cv, "enrolled_at", (json_int_t)m[i].enrolled_at,
			    "revoked_at", (json_int_t)m[i].revoked_at);
			/* "site": "LAT,LON", or null for a member enrolled without one. */
			if (o != NULL)
				json_object_set_new(
				    o, "site", m[i].rec.site.set ? json_string(site) : json_null());
			json_array_append_new(arr, o);
		}
		cmd_print_json(arr);
		json_decref(arr);
	} else {
		printf("%-20s %-8s %-32s %-14s %s\n", "ID", "STATUS", "NAME", "SITE",
		       "CERTIFICATE SHA-256");
		for (i = 0; i < n; i++) {
			char fp[65], site[SITE_TEXT_MAX];
			util_hex(m[i].rec.fingerprint, 32, fp);
			site_format(&m[i].rec.site, site);
			printf("%-20s %-8s %-32s %-14s %.16s...\n", m[i].rec.id,
			       m[i].revoked ? "revoked" : "active", m[i].rec.name, site, fp);
		}
	}
	store_members_free(m, n);
	park_close(&park);
	return 0;
}
