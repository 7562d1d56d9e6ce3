#include "sdnotify.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>
#include <unistd.h>

#include "err.h"

/* A plain decimal number, nothing before or after it; 0 or SYM_ERR_FORMAT. */
static int
s_parse_u64(const char *s, uint64_t *out)
{
	unsigned long long v;
	char *end = NULL;

	if (s == NULL || *s < '0' || *s > '9')
		return SYM_ERR_FORMAT;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0')
		return SYM_ERR_FORMAT;
	*out = (uint64_t)v;
	return SYM_OK;
}

/* $NOTIFY_SOCKET as a socket address; a leading '@' names an abstract socket. */
static int
s_notify_addr(const char *name, struct sockaddr_un *addr, socklen_t *len)
{
	size_t n = strlen(name);

	memset(addr, 0, sizeof(*addr));
	addr->sun_family = AF_UNIX;
	/* A path is NUL-terminated; an abstract name is exactly its bytes after the NUL. */
	if (n < 2 || (name[0] != '/' && name[0] != '@') || n >= sizeof(addr->sun_path))
		return SYM_ERR_INVALID;
	memcpy(addr->sun_path, name, n);
	if (name[0] == '@')
		addr->sun_path[0] = '\0';
	*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + (name[0] == '/'));
	return SYM_OK;
}

int
sdnotify_send(const char *state)
{
	const char *name = getenv("NOTIFY_SOCKET");
	struct sockaddr_un addr;
	socklen_t addr_len = 0;
	size_t len;
	ssize_t sent;
	int fd, r;

	if (name == NULL || *name == '\0')
		return SYM_OK;
	if (state == NULL || (len = strlen(state)) == 0)
		return SYM_ERR_INVALID;
	if ((r = s_notify_addr(name, &addr, &addr_len)) != SYM_OK)
		return r;
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
		return SYM_ERR_IO;
	/* The manager learns our pid from the kernel (SO_PASSCRED on its side). */
	do {
		sent =
		    sendto(fd, state, len, MSG_NOSIGNAL, (const struct sockaddr *)&addr, addr_len);
	} while (sent < 0 && errno == EINTR);
	r = sent >= 0 && (size_t)sent == len ? SYM_OK : SYM_ERR_IO;
	close(fd);
	return r;
}

int
sdnotify_watchdog_usec(uint64_t *usec)
{
	const char *value = getenv("WATCHDOG_USEC"), *pid = getenv("WATCHDOG_PID");
	uint64_t v = 0, p = 0;

	*usec = 0;
	if (value == NULL)
		return SYM_OK;
	/* The manager may have exported it for another process (we are its child). */
	if (pid != NULL) {
		if (s_parse_u64(pid, &p) != SYM_OK || p == 0)
			return SYM_ERR_FORMAT;
		if (p != (uint64_t)getpid())
			return SYM_OK;
	}
	if (s_parse_u64(value, &v) != SYM_OK || v == 0)
		return SYM_ERR_FORMAT;
	*usec = v;
	return SYM_OK;
}
