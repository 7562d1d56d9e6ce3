#include "keyfile.h"

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

int
keyfile_secure_dir(const char *dir, struct sym_diag *diag)
{
	struct stat st;

	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return sym_diag_set(diag, SYM_ERR_IO, "%s: cannot create directory: %s", dir,
		                    strerror(errno));
	if (lstat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
		return sym_diag_set(diag, SYM_ERR_IO, "%s: not a directory", dir);
	if (st.st_uid != geteuid())
		return sym_diag_set(diag, SYM_ERR_PERM, "%s: owned by uid %u, not by this user",
		                    dir, (unsigned)st.st_uid);
	if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0)
		return sym_diag_set(diag, SYM_ERR_PERM,
		                    "%s: mode %03o lets group or others in; it must be 0700 (chmod "
		                    "700 %s)",
		                    dir, (unsigned)(st.st_mode & 0777), dir);
	return SYM_OK;
}

static int
s_parent_secure(const char *path, struct sym_diag *diag)
{
	char copy[PATH_MAX];

	if (strlen(path) >= sizeof(copy))
		return sym_diag_set(diag, SYM_ERR_INVALID, "%s: path too long", path);
	memcpy(copy, path, strlen(path) + 1);
	return keyfile_secure_dir(dirname(copy), diag);
}

int
keyfile_save(const char *path, const struct keypair *kp, struct sym_diag *diag)
{
	char *text = sodium_malloc(KEY_TEXT_MAX), pub[KEY_TEXT_MAX], pubpath[PATH_MAX];
	int r;

	if (text == NULL)
		return sym_diag_set(diag, SYM_ERR_ALLOC, "out of memory");
	if ((r = s_parent_secure(path, diag)) != SYM_OK)
		goto out;
	if ((r = keys_encode_secret(kp, text)) != SYM_OK ||
	    (r = keys_encode_public(kp->kind, kp->pk, pub)) != SYM_OK) {
		sym_diag_set(diag, r, "%s: cannot encode key: %s", path, sym_strerror(r));
		goto out;
	}
	if ((size_t)snprintf(pubpath, sizeof(pubpath), "%s.pub", path) >= sizeof(pubpath)) {
		r = sym_diag_set(diag, SYM_ERR_INVALID, "%s: path too long", path);
		goto out;
	}
	if ((r = util_write_file(path, text, strlen(text), 0600, 1)) != SYM_OK) {
		sym_diag_set(diag, r, "%s: cannot write key: %s", path,
		             r == SYM_ERR_EXISTS ? "a key is already there (refusing to replace it)"
		                                 : sym_strerror(r));
		goto out;
	}
	if ((r = util_write_file(pubpath, pub, strlen(pub), 0644, 0)) != SYM_OK) {
		sym_diag_set(diag, r, "%s: cannot write: %s", pubpath, sym_strerror(r));
		goto out;
	}
	r = SYM_OK;
out:
	sodium_free(text); /* wipes */
	return r;
}

int
keyfile_load(const char *path, enum key_kind kind, struct keypair **out, struct sym_diag *diag)
{
	char *text = NULL;
	size_t len = 0;
	int r;

	*out = NULL;
	if ((r = s_parent_secure(path, diag)) != SYM_OK)
		return r;
	r = util_read_secret_file(path, KEY_TEXT_MAX, &text, &len);
	if (r == SYM_ERR_PERM)
		return sym_diag_set(diag, r,
		                    "%s: secret key file is readable by group or others; refusing "
		                    "to use it (chmod 600 %s)",
		                    path, path);
	if (r != SYM_OK)
		return sym_diag_set(diag, r, "%s: cannot read key: %s", path,
		                    r == SYM_ERR_NOT_FOUND ? "no such file" : sym_strerror(r));
	r = keys_decode_secret(text, len, kind, out);
	sodium_free(text);
	if (r != SYM_OK)
		return sym_diag_set(diag, r, "%s: not a valid key file of this kind", path);
	return SYM_OK;
}
