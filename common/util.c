#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "err.h"

#ifndef SYMBI_INSTALL_DATADIR
#define SYMBI_INSTALL_DATADIR "/usr/local/share/symbiod"
#endif

static int
s_read_fd(int fd, size_t max_len, int secret, char **out, size_t *out_len)
{
	struct stat st;
	char *buf = NULL;
	size_t len, got = 0;
	int r = SYM_ERR_IO;

	if (fstat(fd, &st) != 0)
		goto out;
	if (!S_ISREG(st.st_mode)) {
		r = SYM_ERR_FORMAT;
		goto out;
	}
	if (secret && (st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
		r = SYM_ERR_PERM;
		goto out;
	}
	if ((uint64_t)st.st_size > max_len) {
		r = SYM_ERR_LIMIT;
		goto out;
	}
	len = (size_t)st.st_size;
	buf = secret ? sodium_malloc(len + 1) : malloc(len + 1);
	if (buf == NULL) {
		r = SYM_ERR_ALLOC;
		goto out;
	}
	while (got < len) {
		ssize_t n = read(fd, buf + got, len - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			goto out;
		got += (size_t)n;
	}
	buf[len] = '\0';
	*out = buf;
	*out_len = len;
	buf = NULL; /* transferred */
	r = SYM_OK;
out:
	if (buf != NULL) {
		if (secret) {
			sodium_free(buf);
		} else {
			free(buf);
		}
	}
	return r;
}

static int
s_read(const char *path, size_t max_len, int secret, char **out, size_t *out_len)
{
	int fd, r;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return errno == ENOENT ? SYM_ERR_NOT_FOUND
		                       : (errno == EACCES ? SYM_ERR_PERM : SYM_ERR_IO);
	r = s_read_fd(fd, max_len, secret, out, out_len);
	close(fd);
	return r;
}

int
util_read_file(const char *path, size_t max_len, char **out, size_t *out_len)
{
	return s_read(path, max_len, 0, out, out_len);
}

int
util_read_secret_file(const char *path, size_t max_len, char **out, size_t *out_len)
{
	return s_read(path, max_len, 1, out, out_len);
}

int
util_write_file(const char *path, const void *buf, size_t len, unsigned mode, int exclusive)
{
	char tmp[PATH_MAX];
	const char *p = buf;
	size_t done = 0;
	int fd = -1, r = SYM_ERR_IO;

	if (exclusive && access(path, F_OK) == 0)
		return SYM_ERR_EXISTS;
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid()) >= sizeof(tmp))
		return SYM_ERR_INVALID;
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
	if (fd < 0)
		return errno == EACCES ? SYM_ERR_PERM : SYM_ERR_IO;
	/* The umask may have narrowed the mode; never widen it past `mode`. */
	if (fchmod(fd, mode) != 0)
		goto out;
	while (done < len) {
		ssize_t n = write(fd, p + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			goto out;
		done += (size_t)n;
	}
	if (fsync(fd) != 0)
		goto out;
	if (close(fd) != 0) {
		fd = -1;
		goto out;
	}
	fd = -1;
	if (exclusive) {
		/* link() fails if the target appeared meanwhile: no silent overwrite. */
		if (link(tmp, path) != 0) {
			r = errno == EEXIST ? SYM_ERR_EXISTS : SYM_ERR_IO;
			goto out;
		}
		unlink(tmp);
	} else if (rename(tmp, path) != 0) {
		goto out;
	}
	r = SYM_OK;
out:
	if (fd >= 0)
		close(fd);
	if (r != SYM_OK)
		unlink(tmp);
	return r;
}

void
util_hex(const uint8_t *in, size_t len, char *out)
{
	sodium_bin2hex(out, len * 2 + 1, in, len);
}

int
util_unhex(const char *hex, uint8_t *out, size_t out_len)
{
	size_t got = 0;
	const char *end = NULL;

	if (strlen(hex) != out_len * 2)
		return SYM_ERR_FORMAT;
	if (sodium_hex2bin(out, out_len, hex, out_len * 2, NULL, &got, &end) != 0 ||
	    got != out_len || *end != '\0')
		return SYM_ERR_FORMAT;
	return SYM_OK;
}

static int
s_try_dir(const char *dir, const char *name, char *out, size_t out_len)
{
	if ((size_t)snprintf(out, out_len, "%s/%s", dir, name) >= out_len)
		return SYM_ERR_NOSPACE;
	return access(out, R_OK) == 0 ? SYM_OK : SYM_ERR_NOT_FOUND;
}

int
util_data_path(const char *name, char *out, size_t out_len)
{
	char exe[PATH_MAX], dir[PATH_MAX];
	const char *env = getenv("SYMBIOD_DATA_DIR");
	ssize_t n;
	char *slash;

	if (env != NULL && *env != '\0')
		return s_try_dir(env, name, out, out_len);
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		slash = strrchr(exe, '/');
		if (slash != NULL) {
			*slash = '\0';
			if ((size_t)snprintf(dir, sizeof(dir), "%s/../share/symbiod", exe) <
			        sizeof(dir) &&
			    s_try_dir(dir, name, out, out_len) == SYM_OK)
				return SYM_OK;
		}
	}
	return s_try_dir(SYMBI_INSTALL_DATADIR, name, out, out_len);
}

const char *
util_basename(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash != NULL ? slash + 1 : path;
}

double
util_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

json_t *
util_json_strings(char *const *s, size_t n)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a != NULL && i < n; i++)
		if (json_array_append_new(a, json_string(s[i])) != 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}
