/*
 * The exchanges step of protocol 1.1 (item 1), shared by `symbi exchanges`,
 * `symbi sync` and the agent: deposit this company's sealed items for the
 * candidates it accepted that became agreed, fetch what counterparts
 * deposited, open and check each (release_check.c), keep it in
 * STATE/exchanges.json, then confirm receipt so the coordinator deletes its
 * copies. Running it again does only what is left.
 */
#ifndef SYMBI_CLIENT_EXCHANGE_H
#define SYMBI_CLIENT_EXCHANGE_H

#include <jansson.h>
#include <stddef.h>

#include "roundview.h"
#include "session.h"

struct exchange_step {
	const char *verb;  /* names the command in messages: "exchanges", "sync" */
	size_t deposited;  /* items deposited by this run */
	size_t received;   /* counterparts' items opened, checked and kept by this run */
	size_t mismatched; /* of those, how many do not match their candidate */
	size_t expired;    /* agreed, not deposited when the consent window ended (now settled) */
	int deposit_rc;    /* the exit code of the first deposit that failed, or 0 */
	int save_failed;   /* STATE/exchanges.json could not be written (EXIT_CANTCREAT) */
};

/*
 * Run the step for the round in rv (nothing when this company did not
 * submit to it), appending new exchanges to `all` (STATE/exchanges.json as
 * loaded) and saving it. Deposits are tried only while rv's phase is the
 * consent window; outside it, or when the coordinator refuses a deposit
 * because the window closed meanwhile (the round is no longer in consent
 * when asked again), each agreed candidate still waiting for this company's
 * deposit is recorded "expired" in the round file and said on stderr, not
 * an error. Each other item's failure is said on stderr and the rest go on.
 * A step that completes in the ended phase marks the round file settled
 * (exchange_left). Returns 0, or the sysexits code of fetching the releases
 * or saving them, said in diag; st counts what was done either way.
 */
int exchange_step_run(struct session *s, struct round_view *rv, json_t *all,
                      struct exchange_step *st, struct sym_diag *diag)
    __attribute__((warn_unused_result));

/*
 * Whether this company's own record of the round (its consents, and the
 * items kept in `all`, STATE/exchanges.json) leaves anything for the step
 * to do: 1 while a candidate it accepted may wait for its deposit or a
 * deposited one for the counterpart's item, 0 when every answer was a
 * decline, expired undeposited, or ended with both items exchanged, and 0
 * once a step completed after the round's end (the record is `settled`:
 * nothing is released after the end). After the end no new candidate can
 * become agreed, so 0 then means the step would find nothing.
 */
int exchange_left(const struct roundfile *rf, json_t *all);

#endif
