/* The subcommands of `symbi`; each returns the process exit code. */
#ifndef SYMBI_CLIENT_CMD_H
#define SYMBI_CLIENT_CMD_H

int cmd_check(int argc, char **argv);
int cmd_init(int argc, char **argv);
int cmd_enroll(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_submit(int argc, char **argv);
int cmd_candidates(int argc, char **argv);
int cmd_accept(int argc, char **argv);
int cmd_decline(int argc, char **argv);
int cmd_exchanges(int argc, char **argv);

#endif
