/* The subcommands of `symbi`; each returns the process exit code. */
#ifndef SYMBI_CLIENT_CMD_H
#define SYMBI_CLIENT_CMD_H

#include <stddef.h>
#include <stdint.h>

int cmd_check(int argc, char **argv);
int cmd_init(int argc, char **argv);
int cmd_enroll(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_submit(int argc, char **argv);
int cmd_candidates(int argc, char **argv);
int cmd_accept(int argc, char **argv);
int cmd_decline(int argc, char **argv);
int cmd_exchanges(int argc, char **argv);
int cmd_sync(int argc, char **argv);
int cmd_agent(int argc, char **argv);

struct cmd_args;
/* symbi submit after its options: blind and submit the flows file at path; an exit code. */
int submit_run(const struct cmd_args *a, const char *path);

struct sync_result {
	char round[33]; /* the current round's id (hex), "" when none */
	char phase[16]; /* its phase, "none" when there is none */
	size_t deposited, received;
	size_t expired;           /* agreed candidates whose deposit the window's end prevented */
	char indicators[16];      /* the round's park-indicator stage after this run, "" if none */
	int indicators_pending;   /* they wait for other members: run again later */
	uint64_t indicator_bytes; /* payload bytes of this run's indicator messages */
	size_t answered, refused; /* hardened: batches answered (or queried), left out */
	int submitted;            /* hardened: the submit step submitted */
};
/*
 * symbi sync after its options: whatever the current phase allows this
 * company to do now (cmd_sync.c). Fills *res; 0 when nothing is left to do
 * now, 75 when the coordinator is unreachable or busy, 76 on a mismatch or
 * a protocol error, another sysexits code otherwise. Said on stderr.
 */
int sync_run(const struct cmd_args *a, struct sync_result *res);

#endif
