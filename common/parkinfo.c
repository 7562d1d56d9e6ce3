#include "parkinfo.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define PARK_FORMAT "symbiod-park/1"

int
parkinfo_endpoint_valid(const char *ep)
{
	const char *host, *colon, *p;
	unsigned long port = 0;

	if (ep == NULL || strncmp(ep, "tcp://", 6) != 0 || strlen(ep) > PARK_ENDPOINT_MAX)
		return 0;
	host = ep + 6;
	colon = strrchr(host, ':');
	if (colon == NULL || colon == host || colon[1] == '\0')
		return 0;
	for (p = host; p < colon; p++)
		if (*p <= ' ' || *p == '/' || *p == 0x7f)
			return 0;
	for (p = colon + 1; *p != '\0'; p++) {
		if (*p < '0' || *p > '9' || port > 65535)
			return 0;
		port = port * 10 + (unsigned long)(*p - '0');
	}
	return port >= 1 && port <= 65535;
}

static int
s_hex_field(json_t *obj, const char *key, uint8_t *out, size_t len)
{
	const char *s = json_string_value(json_object_get(obj, key));

	return s != NULL && util_unhex(s, out, len) == SYM_OK;
}

static int
s_copy_str(json_t *obj, const char *key, char *out, size_t cap)
{
	const char *s = json_string_value(json_object_get(obj, key));

	if (s == NULL || *s == '\0' || strlen(s) >= cap)
		return 0;
	memcpy(out, s, strlen(s) + 1);
	return 1;
}

int
parkinfo_parse(const char *name, const char *buf, size_t len, struct parkinfo *out,
               struct sym_diag *diag)
{
	json_error_t jerr;
	json_t *root, *coord, *tax;
	const char *s;
	int r = SYM_ERR_FORMAT;

	memset(out, 0, sizeof(*out));
	if (len > PARKINFO_FILE_MAX)
		return sym_diag_set(diag, SYM_ERR_LIMIT, "%s: larger than %u bytes", name,
		                    PARKINFO_FILE_MAX);
	root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL)
		return sym_diag_set(diag, SYM_ERR_FORMAT, "%s: line %d: %s", name, jerr.line,
		                    jerr.text);
	s = json_string_value(json_object_get(root, "format"));
	if (s == NULL || strcmp(s, PARK_FORMAT) != 0) {
		sym_diag_set(diag, r, "%s: format: expected \"%s\"", name, PARK_FORMAT);
		goto out;
	}
	if (!s_copy_str(root, "name", out->name, sizeof(out->name))) {
		sym_diag_set(diag, r, "%s: name: missing or too long", name);
		goto out;
	}
	if (!s_copy_str(root, "endpoint", out->endpoint, sizeof(out->endpoint)) ||
	    !parkinfo_endpoint_valid(out->endpoint)) {
		sym_diag_set(diag, r, "%s: endpoint: missing or not tcp://HOST:PORT", name);
		goto out;
	}
	coord = json_object_get(root, "coordinator");
	if (!s_hex_field(coord, "ed25519", out->coordinator_ed25519, 32) ||
	    !s_hex_field(coord, "curve", out->coordinator_curve, 32)) {
		sym_diag_set(diag, r, "%s: coordinator: needs ed25519 and curve as 64 hex digits",
		             name);
		goto out;
	}
	s = json_string_value(json_object_get(root, "ca_certificate"));
	if (s == NULL || strstr(s, "-----BEGIN CERTIFICATE-----") == NULL) {
		sym_diag_set(diag, r, "%s: ca_certificate: missing or not PEM", name);
		goto out;
	}
	if ((out->ca_pem = strdup(s)) == NULL) {
		r = SYM_ERR_ALLOC;
		goto out;
	}
	tax = json_object_get(root, "taxonomy");
	if (!s_copy_str(tax, "name", out->taxonomy_name, sizeof(out->taxonomy_name)) ||
	    !s_copy_str(tax, "version", out->taxonomy_version, sizeof(out->taxonomy_version)) ||
	    !s_hex_field(tax, "hash", out->taxonomy_hash, 32)) {
		sym_diag_set(diag, r, "%s: taxonomy: needs name, version and hash", name);
		goto out;
	}
	r = SYM_OK;
out:
	if (r != SYM_OK)
		parkinfo_clear(out);
	json_decref(root);
	return r;
}

int
parkinfo_load(const char *path, struct parkinfo *out, struct sym_diag *diag)
{
	char *buf = NULL;
	size_t len = 0;
	int r;

	memset(out, 0, sizeof(*out));
	if ((r = util_read_file(path, PARKINFO_FILE_MAX, &buf, &len)) != SYM_OK)
		return sym_diag_set(diag, r, "%s: cannot read: %s", path,
		                    r == SYM_ERR_NOT_FOUND ? "no such file" : sym_strerror(r));
	r = parkinfo_parse(util_basename(path), buf, len, out, diag);
	free(buf);
	return r;
}

int
parkinfo_dump(const struct parkinfo *pi, char **out)
{
	char ed[65], curve[65], th[65];
	json_t *root;

	util_hex(pi->coordinator_ed25519, 32, ed);
	util_hex(pi->coordinator_curve, 32, curve);
	util_hex(pi->taxonomy_hash, 32, th);
	root = json_pack("{s:s, s:s, s:s, s:{s:s, s:s}, s:s, s:{s:s, s:s, s:s}}", "format",
	                 PARK_FORMAT, "name", pi->name, "endpoint", pi->endpoint, "coordinator",
	                 "ed25519", ed, "curve", curve, "ca_certificate", pi->ca_pem, "taxonomy",
	                 "name", pi->taxonomy_name, "version", pi->taxonomy_version, "hash", th);
	if (root == NULL)
		return SYM_ERR_INVALID;
	*out = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(root);
	if (*out == NULL)
		return SYM_ERR_ALLOC;
	/* json_dumps has no trailing newline; add one for friendlier files. */
	{
		size_t n = strlen(*out);
		char *t = realloc(*out, n + 2);
		if (t == NULL) {
			free(*out);
			*out = NULL;
			return SYM_ERR_ALLOC;
		}
		t[n] = '\n';
		t[n + 1] = '\0';
		*out = t;
	}
	return SYM_OK;
}

void
parkinfo_clear(struct parkinfo *pi)
{
	if (pi == NULL)
		return;
	free(pi->ca_pem);
	memset(pi, 0, sizeof(*pi));
}
