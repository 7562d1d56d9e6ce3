/*
 * The operator's commands on the control socket (control.h), served by the
 * running daemon: status, members, round open|close|end|status, log
 * export|checkpoint, reload. The replies are the JSON objects that
 * `symbiod status`, `round` and `log` print.
 */
#ifndef SYMBI_CONTROL_CMDS_H
#define SYMBI_CONTROL_CMDS_H

struct server;

/* Accept one connection on the daemon's control socket, answer its command, close it. */
void control_cmds_serve(struct server *srv);

#endif
