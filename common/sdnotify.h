/*
 * The sd_notify(3) protocol without libsystemd: tell a service manager that
 * the daemon is ready, reloading, stopping or still alive. Outside systemd
 * (no $NOTIFY_SOCKET) every call is a no-op, so callers never need to know.
 */
#ifndef SYMBI_SDNOTIFY_H
#define SYMBI_SDNOTIFY_H

#include <stdint.h>

/*
 * Send state (newline-separated "KEY=VALUE" assignments, e.g. "READY=1") as
 * one datagram to the AF_UNIX socket named by $NOTIFY_SOCKET: a path, or an
 * abstract name when it starts with '@'. Returns 0, also when the variable
 * is unset or empty; SYM_ERR_INVALID for a name we cannot use (too long, not
 * a Unix socket) or an empty state; SYM_ERR_IO if the send failed.
 */
int sdnotify_send(const char *state);

/*
 * The watchdog interval the manager expects pings ("WATCHDOG=1") within:
 * $WATCHDOG_USEC, if $WATCHDOG_PID is unset or names this process. Sets
 * *usec to 0 when the watchdog is off (unset, or meant for another process)
 * and returns 0; SYM_ERR_FORMAT, with *usec 0, for a malformed value.
 */
int sdnotify_watchdog_usec(uint64_t *usec) __attribute__((warn_unused_result));

#endif
