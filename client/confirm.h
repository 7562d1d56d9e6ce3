/*
 * `symbi accept --all` answers for candidates the company has not looked at,
 * and a coordinator may have invented some of them: the command lists the
 * counterparts and candidates it would accept and asks first (PROTOCOL.md
 * 1.1, item 9). Without a terminal to ask on, only --yes lets it go ahead.
 */
#ifndef SYMBI_CLIENT_CONFIRM_H
#define SYMBI_CLIENT_CONFIRM_H

#include <jansson.h>

/* 1 when standard input is a terminal someone can answer on. */
int confirm_on_terminal(void);

/*
 * List `candidates` (objects as `symbi candidates --json` prints them) on
 * stderr, grouped by counterpart; unless `yes`, ask on the terminal. 1 to go
 * ahead (also when the list is empty), 0 when the answer was not yes.
 */
int confirm_accept_all(const json_t *candidates, int yes);

#endif
