/* The rounds a company has been shown, and the refusal of a reused round id (roundseen.h). */
#include "roundseen.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

#define S_LINE_LEN (32 + 1 + 64 + 1)
/* A million rounds: far beyond any park's lifetime, and a bound on what we read. */
#define S_FILE_MAX ((size_t)S_LINE_LEN << 20)

/*
 * Look `round` up in the list: *seen when recorded, and whether every line
 * for it carries `digest` (a reused id). SYM_ERR_FORMAT names a bad line.
 */
static int
s_scan(const char *path, const char *buf, size_t len, const uint8_t round[16],
       const uint8_t digest[32], int *seen, struct sym_diag *diag)
{
	uint8_t id[16], d[32];
	char hex[65];
	size_t off, line;

	*seen = 0;
	for (off = 0, line = 1; off < len; off += S_LINE_LEN, line++) {
		if (len - off < S_LINE_LEN || buf[off + 32] != ' ' ||
		    buf[off + S_LINE_LEN - 1] != '\n')
			return sym_diag_set(diag, SYM_ERR_FORMAT, "%s: line %zu is malformed", path,
			                    line);
		memcpy(hex, buf + off, 32);
		hex[32] = '\0';
		if (util_unhex(hex, id, sizeof(id)) != SYM_OK)
			return sym_diag_set(diag, SYM_ERR_FORMAT, "%s: line %zu is malformed", path,
			                    line);
		memcpy(hex, buf + off + 33, 64);
		hex[64] = '\0';
		if (util_unhex(hex, d, sizeof(d)) != SYM_OK)
			return sym_diag_set(diag, SYM_ERR_FORMAT, "%s: line %zu is malformed", path,
			                    line);
		if (memcmp(id, round, sizeof(id)) != 0)
			continue;
		util_hex(round, 16, hex);
		if (sodium_memcmp(d, digest, sizeof(d)) != 0)
			return sym_diag_set(
			    diag, SYM_ERR_VERIFY,
			    "the coordinator announces round %s again for another round (this "
			    "company saw that round id before, with another announcement, in %s): "
			    "a reused round id is refused",
			    hex, path);
		*seen = 1;
	}
	return SYM_OK;
}

/* One line in one write on an O_APPEND descriptor: concurrent commands cannot interleave. */
static int
s_append(const char *path, const uint8_t round[16], const uint8_t digest[32], struct sym_diag *diag)
{
	char line[S_LINE_LEN + 1];
	int fd, r = SYM_OK;

	util_hex(round, 16, line);
	line[32] = ' ';
	util_hex(digest, 32, line + 33);
	line[S_LINE_LEN - 1] = '\n';
	if ((fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600)) < 0)
		return sym_diag_set(diag, SYM_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
	if (write(fd, line, S_LINE_LEN) != (ssize_t)S_LINE_LEN || fsync(fd) != 0)
		r = sym_diag_set(diag, SYM_ERR_IO, "%s: cannot write: %s", path, strerror(errno));
	if (close(fd) != 0 && r == SYM_OK)
		r = sym_diag_set(diag, SYM_ERR_IO, "%s: cannot write: %s", path, strerror(errno));
	return r;
}

int
roundseen_check(const char *state_dir, const uint8_t round[16], const uint8_t digest[32],
                struct sym_diag *diag)
{
	char path[PATH_MAX], *buf = NULL;
	size_t len = 0;
	int r, seen = 0;

	if (state_dir == NULL || round == NULL || digest == NULL)
		return sym_diag_set(diag, SYM_ERR_INVALID, "no round to check");
	if ((size_t)snprintf(path, sizeof(path), "%s/" ROUNDSEEN_FILE, state_dir) >= sizeof(path))
		return sym_diag_set(diag, SYM_ERR_NOSPACE, "%s: path too long", state_dir);
	r = util_read_file(path, S_FILE_MAX, &buf, &len);
	if (r == SYM_ERR_NOT_FOUND) {
		len = 0;
	} else if (r != SYM_OK) {
		return sym_diag_set(diag, r, "%s: cannot read: %s", path, sym_strerror(r));
	} else if ((r = s_scan(path, buf, len, round, digest, &seen, diag)) != SYM_OK) {
		free(buf);
		return r;
	}
	free(buf);
	return seen ? SYM_OK : s_append(path, round, digest, diag);
}
