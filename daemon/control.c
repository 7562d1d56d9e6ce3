/* SO_PEERCRED, struct ucred and accept4 are GNU/Linux extensions. */
#define _GNU_SOURCE
#include "control.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "log.h"
#include "util.h"

static int
s_addr(const char *path, struct sockaddr_un *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa->sun_path))
		return -1;
	memcpy(sa->sun_path, path, strlen(path) + 1);
	return 0;
}

int
control_listen(const char *path, struct sym_diag *diag)
{
	struct sockaddr_un sa;
	mode_t old;
	int fd;

	if (s_addr(path, &sa) != 0) {
		sym_diag_set(diag, SYM_ERR_INVALID, "%s: path too long for a Unix socket", path);
		return -1;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		sym_diag_set(diag, SYM_ERR_IO, "control socket: %s", strerror(errno));
		return -1;
	}
	/* A socket file left by a daemon that was killed: nobody is listening on it. */
	unlink(path);
	old = umask(0177);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		umask(old);
		sym_diag_set(diag, SYM_ERR_IO, "%s: cannot bind: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	umask(old);
	if (chmod(path, 0600) != 0 || listen(fd, 16) != 0) {
		sym_diag_set(diag, SYM_ERR_IO, "%s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* Read until a newline or EOF, at most max bytes, waiting up to timeout_ms in total. */
static int
s_read_line(int fd, size_t max, int timeout_ms, char **out, size_t *out_len)
{
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap);
	double deadline = util_now() + timeout_ms / 1000.0;

	if (buf == NULL)
		return SYM_ERR_ALLOC;
	for (;;) {
		struct pollfd p = {fd, POLLIN, 0};
		int left = (int)((deadline - util_now()) * 1000.0);
		ssize_t n;

		if (left <= 0 || poll(&p, 1, left) <= 0) {
			free(buf);
			return SYM_ERR_IO;
		}
		if (len + 1 >= cap) {
			char *t;
			if (cap >= max + 1) {
				free(buf);
				return SYM_ERR_LIMIT;
			}
			cap = cap * 2 > max + 1 ? max + 1 : cap * 2;
			if ((t = realloc(buf, cap)) == NULL) {
				free(buf);
				return SYM_ERR_ALLOC;
			}
			buf = t;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0) {
			free(buf);
			return SYM_ERR_IO;
		}
		len += (size_t)n;
		buf[len] = '\0';
		if (n == 0 || memchr(buf, '\n', len) != NULL)
			break;
	}
	*out = buf;
	*out_len = len;
	return SYM_OK;
}

static int
s_write_all(int fd, const char *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = write(fd, buf + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			struct pollfd p = {fd, POLLOUT, 0};
			if (poll(&p, 1, 2000) <= 0)
				return -1;
			continue;
		}
		if (n <= 0)
			return -1;
		done += (size_t)n;
	}
	return 0;
}

int
control_accept(int listen_fd, int *fd_out, json_t **req)
{
	struct ucred cred;
	socklen_t clen = sizeof(cred);
	json_error_t jerr;
	char *line = NULL;
	size_t len = 0;
	int fd, r;

	*req = NULL;
	*fd_out = -1;
	fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		return SYM_ERR_IO;
	/* The file mode already keeps others out; the uid check is the second lock. */
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) != 0 || cred.uid != geteuid()) {
		log_warn("control: refused a connection from uid %ld", (long)cred.uid);
		close(fd);
		return SYM_ERR_PERM;
	}
	if ((r = s_read_line(fd, CONTROL_MAX_REQUEST, 2000, &line, &len)) != SYM_OK) {
		close(fd);
		return r;
	}
	*req = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
	free(line);
	if (!json_is_object(*req)) {
		json_decref(*req);
		*req = NULL;
		control_reply(fd, json_pack("{s:b, s:s}", "ok", 0, "error", "malformed request"));
		return SYM_ERR_FORMAT;
	}
	*fd_out = fd;
	return SYM_OK;
}

void
control_reply(int fd, json_t *reply)
{
	char *text = reply ? json_dumps(reply, JSON_COMPACT) : NULL;

	if (text != NULL) {
		if (s_write_all(fd, text, strlen(text)) != 0 || s_write_all(fd, "\n", 1) != 0)
			log_warn("control: the operator's command went away before the reply");
		free(text);
	}
	json_decref(reply);
	close(fd);
}

int
control_call(const char *path, json_t *req, int timeout_ms, json_t **reply, struct sym_diag *diag)
{
	struct sockaddr_un sa;
	json_error_t jerr;
	char *text = NULL, *line = NULL;
	size_t len = 0;
	int fd = -1, r;

	*reply = NULL;
	if (s_addr(path, &sa) != 0)
		return sym_diag_set(diag, SYM_ERR_INVALID, "%s: path too long", path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return sym_diag_set(diag, SYM_ERR_IO, "socket: %s", strerror(errno));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		r = (errno == ENOENT || errno == ECONNREFUSED) ? SYM_ERR_NOT_FOUND : SYM_ERR_IO;
		sym_diag_set(
		    diag, r, "%s",
		    r == SYM_ERR_NOT_FOUND
		        ? "the daemon is not running (start it with: symbiod run --dir PARK)"
		        : strerror(errno));
		goto out;
	}
	if ((text = json_dumps(req, JSON_COMPACT)) == NULL) {
		r = sym_diag_set(diag, SYM_ERR_ALLOC, "out of memory");
		goto out;
	}
	if (s_write_all(fd, text, strlen(text)) != 0 || s_write_all(fd, "\n", 1) != 0) {
		r = sym_diag_set(diag, SYM_ERR_IO, "cannot send to the daemon: %s",
		                 strerror(errno));
		goto out;
	}
	if ((r = s_read_line(fd, CONTROL_MAX_REPLY, timeout_ms, &line, &len)) != SYM_OK) {
		sym_diag_set(diag, r, "no reply from the daemon within %d ms", timeout_ms);
		goto out;
	}
	*reply = json_loadb(line, len, 0, &jerr);
	if (!json_is_object(*reply)) {
		json_decref(*reply);
		*reply = NULL;
		r = sym_diag_set(diag, SYM_ERR_FORMAT, "malformed reply from the daemon");
		goto out;
	}
	r = SYM_OK;
out:
	free(text);
	free(line);
	if (fd >= 0)
		close(fd);
	return r;
}
