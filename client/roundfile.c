#include "roundfile.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keyfile.h"
#include "token.h"
#include "util.h"

#define ROUNDFILE_MAX (64u << 20)

int
roundfile_path(const char *dir, const uint8_t round[16], const char *ext, char *out, size_t len)
{
	char hex[33];

	util_hex(round, 16, hex);
	if ((size_t)snprintf(out, len, "%s/rounds/%s.%s", dir, hex, ext) >= len)
		return SYM_ERR_NOSPACE;
	return SYM_OK;
}

static int
s_write_json(const char *path, json_t *j, struct sym_diag *diag)
{
	char *text = json_dumps(j, JSON_INDENT(1) | JSON_ENCODE_ANY);
	int r;

	if (text == NULL)
		return sym_diag_set(diag, SYM_ERR_ALLOC, "out of memory");
	r = util_write_file(path, text, strlen(text), 0600, 0);
	free(text);
	if (r != SYM_OK)
		return sym_diag_set(diag, r, "%s: cannot write: %s", path, sym_strerror(r));
	return SYM_OK;
}

static json_t *
s_load_json(const char *path, int *err, struct sym_diag *diag)
{
	json_error_t jerr;
	char *buf = NULL;
	size_t len = 0;
	json_t *j;

	*err = util_read_file(path, ROUNDFILE_MAX, &buf, &len);
	if (*err != SYM_OK) {
		if (*err != SYM_ERR_NOT_FOUND)
			sym_diag_set(diag, *err, "%s: cannot read: %s", path, sym_strerror(*err));
		return NULL;
	}
	j = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	free(buf);
	if (j == NULL) {
		*err = sym_diag_set(diag, SYM_ERR_FORMAT, "%s: line %d: %s", path, jerr.line,
		                    jerr.text);
	}
	return j;
}

int
roundfile_save(const char *dir, const struct roundfile *rf, struct sym_diag *diag)
{
	char path[PATH_MAX], sub[PATH_MAX], rhex[33], shex[33], khex[65], ehex[65];
	json_t *root, *peers;
	size_t i;
	int r;

	if ((size_t)snprintf(sub, sizeof(sub), "%s/rounds", dir) >= sizeof(sub))
		return sym_diag_set(diag, SYM_ERR_NOSPACE, "%s: path too long", dir);
	if ((r = keyfile_secure_dir(sub, diag)) != SYM_OK ||
	    (r = roundfile_path(dir, rf->round, "json", path, sizeof(path))) != SYM_OK)
		return r;
	util_hex(rf->round, 16, rhex);
	util_hex(rf->submission, 16, shex);
	peers = json_array();
	for (i = 0; i < rf->npeers; i++) {
		util_hex(rf->peers[i].x25519, 32, khex);
		util_hex(rf->peers[i].ed25519, 32, ehex);
		json_array_append_new(peers, json_pack("{s:s, s:s, s:s?}", "id", rf->peers[i].id,
		                                       "x25519", khex, "ed25519",
		                                       rf->peers[i].has_ed25519 ? ehex : NULL));
	}
	/* s:o takes over one reference: the record's (taken here) or a fresh object's. */
	root = json_pack("{s:s, s:s, s:o, s:O, s:o}", "round", rhex, "submission", shex, "peers",
	                 peers, "flows", rf->flows, "consents",
	                 rf->consents ? json_incref(rf->consents) : json_object());
	if (root == NULL)
		return sym_diag_set(diag, SYM_ERR_ALLOC, "out of memory");
	if (rf->hard != NULL)
		json_object_set(root, "hard", rf->hard);
	if (rf->settled)
		json_object_set_new(root, "settled", json_true());
	json_object_set_new(root, "token_encoding", json_integer(rf->token_encoding));
	r = s_write_json(path, root, diag);
	json_decref(root);
	return r;
}

int
roundfile_load(const char *dir, const uint8_t round[16], struct roundfile *rf,
               struct sym_diag *diag)
{
	char path[PATH_MAX];
	json_t *root, *peers, *p, *settled, *encoding;
	const char *sub, *rid;
	uint8_t in_file[16];
	size_t i;
	int r;

	memset(rf, 0, sizeof(*rf));
	if ((r = roundfile_path(dir, round, "json", path, sizeof(path))) != SYM_OK)
		return r;
	if ((root = s_load_json(path, &r, diag)) == NULL)
		return r;
	memcpy(rf->round, round, 16);
	peers = json_object_get(root, "peers");
	rf->flows = json_incref(json_object_get(root, "flows"));
	rf->consents = json_incref(json_object_get(root, "consents"));
	rf->hard = json_incref(json_object_get(root, "hard"));
	sub = json_string_value(json_object_get(root, "submission"));
	settled = json_object_get(root, "settled");
	rf->settled = json_is_true(settled);
	/* Clients before protocol 1.2 wrote no encoding: theirs was 1. */
	encoding = json_object_get(root, "token_encoding");
	rf->token_encoding =
	    encoding == NULL ? TOKEN_VERSION_1 : (uint32_t)json_integer_value(encoding);
	rid = json_string_value(json_object_get(root, "round"));
	/*
	 * The record of this round (one copied under another round's name would
	 * lend its flows and consents to it), a hardened state that is an
	 * object when there is one.
	 */
	if (!json_is_array(peers) || !json_is_object(rf->flows) || !json_is_object(rf->consents) ||
	    (settled != NULL && !json_is_boolean(settled)) || sub == NULL ||
	    (encoding != NULL && (!json_is_integer(encoding) || json_integer_value(encoding) < 1 ||
	                          json_integer_value(encoding) > TOKEN_VERSION)) ||
	    util_unhex(sub, rf->submission, 16) != SYM_OK || rid == NULL ||
	    util_unhex(rid, in_file, 16) != SYM_OK || memcmp(in_file, round, 16) != 0 ||
	    (rf->hard != NULL && !json_is_object(rf->hard))) {
		r = sym_diag_set(diag, SYM_ERR_FORMAT, "%s: malformed", path);
		goto out;
	}
	rf->peers = calloc(json_array_size(peers) + 1, sizeof(*rf->peers));
	if (rf->peers == NULL) {
		r = SYM_ERR_ALLOC;
		goto out;
	}
	json_array_foreach (peers, i, p) {
		const char *id = json_string_value(json_object_get(p, "id"));
		const char *k = json_string_value(json_object_get(p, "x25519"));
		if (id == NULL || !member_id_valid(id) || k == NULL ||
		    util_unhex(k, rf->peers[i].x25519, 32) != SYM_OK) {
			r = sym_diag_set(diag, SYM_ERR_FORMAT, "%s: peers[%zu] malformed", path, i);
			goto out;
		}
		snprintf(rf->peers[i].id, sizeof(rf->peers[i].id), "%s", id);
		k = json_string_value(json_object_get(p, "ed25519"));
		rf->peers[i].has_ed25519 =
		    k != NULL && util_unhex(k, rf->peers[i].ed25519, 32) == SYM_OK;
		rf->npeers = i + 1;
	}
	r = SYM_OK;
out:
	json_decref(root);
	if (r != SYM_OK)
		roundfile_clear(rf);
	return r;
}

void
roundfile_clear(struct roundfile *rf)
{
	if (rf == NULL)
		return;
	json_decref(rf->flows);
	json_decref(rf->consents);
	json_decref(rf->hard);
	free(rf->peers);
	memset(rf, 0, sizeof(*rf));
}

const struct roundfile_peer *
roundfile_peer(const struct roundfile *rf, const char *id)
{
	size_t i;

	for (i = 0; i < rf->npeers; i++)
		if (strcmp(rf->peers[i].id, id) == 0)
			return &rf->peers[i];
	return NULL;
}

int
exchanges_load(const char *dir, json_t **arr, struct sym_diag *diag)
{
	char path[PATH_MAX];
	int r;

	if ((size_t)snprintf(path, sizeof(path), "%s/exchanges.json", dir) >= sizeof(path))
		return SYM_ERR_NOSPACE;
	*arr = s_load_json(path, &r, diag);
	if (*arr == NULL && r == SYM_ERR_NOT_FOUND) {
		*arr = json_array();
		return SYM_OK;
	}
	if (*arr != NULL && !json_is_array(*arr)) {
		json_decref(*arr);
		*arr = NULL;
		return sym_diag_set(diag, SYM_ERR_FORMAT, "%s: not an array", path);
	}
	return *arr ? SYM_OK : r;
}

int
exchanges_save(const char *dir, json_t *arr, struct sym_diag *diag)
{
	char path[PATH_MAX];

	if ((size_t)snprintf(path, sizeof(path), "%s/exchanges.json", dir) >= sizeof(path))
		return SYM_ERR_NOSPACE;
	return s_write_json(path, arr, diag);
}
