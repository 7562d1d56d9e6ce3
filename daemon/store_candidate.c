/* The store's candidates: matches found in a round, both sides' consent, released envelopes. */
#include <sodium.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "store.h"
#include "store_internal.h"

int
store_candidate_add(struct store *st, const struct store_candidate *c)
{
	return store_sql_exec(
	    &st->sql,
	    "INSERT INTO candidates (id, round, supplier, consumer, token) VALUES "
	    "(?1, ?2, ?3, ?4, ?5)",
	    STORE_ARGS(store_arg_id(c->id), store_arg_id(c->round), store_arg_text(c->supplier),
	               store_arg_text(c->consumer), store_arg_blob(c->token, sizeof(c->token))));
}

int
store_pair_summary_add(struct store *st, const uint8_t round[STORE_ID_LEN], const char *supplier,
                       const char *consumer, uint64_t count, const uint8_t hits_hash[32])
{
	return store_sql_exec(&st->sql,
	                      "INSERT INTO pair_summaries (round, supplier, consumer, count, "
	                      "hits_hash) VALUES (?1, ?2, ?3, ?4, ?5)",
	                      STORE_ARGS(store_arg_id(round), store_arg_text(supplier),
	                                 store_arg_text(consumer), store_arg_int((int64_t)count),
	                                 store_arg_hash(hits_hash)));
}

#define CANDIDATE_COLUMNS                                                                          \
	"id, round, supplier, consumer, token, supplier_state, consumer_state, state"

static int
s_candidate_row(sqlite3_stmt *stmt, void *item)
{
	struct store_candidate *c = item;
	int r;

	if ((r = store_sql_col_blob(stmt, 0, c->id, STORE_ID_LEN)) != SYM_OK ||
	    (r = store_sql_col_blob(stmt, 1, c->round, STORE_ID_LEN)) != SYM_OK ||
	    (r = store_sql_col_text(stmt, 2, c->supplier, sizeof(c->supplier))) != SYM_OK ||
	    (r = store_sql_col_text(stmt, 3, c->consumer, sizeof(c->consumer))) != SYM_OK ||
	    (r = store_sql_col_blob(stmt, 4, c->token, sizeof(c->token))) != SYM_OK ||
	    (r = store_sql_col_int(stmt, 5, CONSENT_PENDING, CONSENT_DECLINED,
	                           &c->supplier_state)) != SYM_OK ||
	    (r = store_sql_col_int(stmt, 6, CONSENT_PENDING, CONSENT_DECLINED,
	                           &c->consumer_state)) != SYM_OK ||
	    (r = store_sql_col_int(stmt, 7, CANDIDATE_PENDING, CANDIDATE_EXPIRED, &c->state)) !=
	        SYM_OK)
		return r;
	return SYM_OK;
}

int
store_candidate_get(struct store *st, const uint8_t id[STORE_ID_LEN], struct store_candidate *out)
{
	return store_sql_get(&st->sql, "SELECT " CANDIDATE_COLUMNS " FROM candidates WHERE id = ?1",
	                     STORE_ARGS(store_arg_id(id)), s_candidate_row, out, sizeof(*out));
}

int
store_candidates_for(struct store *st, const uint8_t round[STORE_ID_LEN], const char *member,
                     struct store_candidate **out, size_t *n)
{
	static const struct store_sql_list how = {sizeof(struct store_candidate), s_candidate_row,
	                                          NULL};
	void *list = NULL;
	int r;

	*out = NULL;
	if ((r = store_sql_list(&st->sql,
	                        "SELECT " CANDIDATE_COLUMNS " FROM candidates WHERE round = ?1 AND "
	                        "(supplier = ?2 OR consumer = ?2) ORDER BY id",
	                        STORE_ARGS(store_arg_id(round), store_arg_text(member)), &how,
	                        &list, n)) != SYM_OK)
		return r;
	*out = list; /* transferred */
	return SYM_OK;
}

/* The candidate with `member` as one of its sides; *supplier says which. */
static int
s_candidate_of(struct store *st, const uint8_t id[STORE_ID_LEN], const char *member,
               struct store_candidate *c, int *supplier)
{
	int r;

	if ((r = store_candidate_get(st, id, c)) != SYM_OK)
		return r;
	*supplier = strcmp(c->supplier, member) == 0;
	if (!*supplier && strcmp(c->consumer, member) != 0)
		return SYM_ERR_NOT_FOUND;
	return SYM_OK;
}

int
store_consent_put(struct store *st, const uint8_t id[STORE_ID_LEN], const char *member, int accept,
                  const uint8_t statement[32], int *state_out)
{
	struct store_candidate c;
	int r, supplier, mine, other, state;

	if ((r = s_candidate_of(st, id, member, &c, &supplier)) != SYM_OK)
		return r;
	mine = supplier ? c.supplier_state : c.consumer_state;
	other = supplier ? c.consumer_state : c.supplier_state;
	if (mine != CONSENT_PENDING || c.state != CANDIDATE_PENDING)
		return SYM_ERR_EXISTS;
	mine = accept ? CONSENT_ACCEPTED : CONSENT_DECLINED;
	if (mine == CONSENT_DECLINED || other == CONSENT_DECLINED)
		state = CANDIDATE_DECLINED;
	else if (other == CONSENT_ACCEPTED)
		state = CANDIDATE_AGREED;
	else
		state = CANDIDATE_PENDING;
	/* No envelope exists yet: items are deposited only once a candidate is agreed. */
	if ((r = store_sql_exec(&st->sql,
	                        supplier ? "UPDATE candidates SET supplier_state = ?2, "
	                                   "supplier_evidence = ?3, state = ?4 WHERE id = ?1"
	                                 : "UPDATE candidates SET consumer_state = ?2, "
	                                   "consumer_evidence = ?3, state = ?4 WHERE id = ?1",
	                        STORE_ARGS(store_arg_id(id), store_arg_int(mine),
	                                   store_arg_hash(statement), store_arg_int(state)))) !=
	    SYM_OK)
		return r;
	*state_out = state;
	return SYM_OK;
}

/* The candidate's deposit hashes (supplier, consumer); has[s] says which exist. */
static int
s_deposits(struct store *st, const uint8_t id[STORE_ID_LEN], uint8_t hash[2][32], int has[2])
{
	sqlite3_stmt *stmt = NULL;
	int r, s;

	if ((r = store_sql_row(&st->sql, &stmt,
	                       "SELECT supplier_deposit, consumer_deposit FROM candidates "
	                       "WHERE id = ?1",
	                       STORE_ARGS(store_arg_id(id)))) != SYM_OK)
		return r;
	for (s = 0; s < 2 && r == SYM_OK; s++) {
		has[s] = sqlite3_column_type(stmt, s) != SQLITE_NULL;
		if (has[s])
			r = store_sql_col_blob(stmt, s, hash[s], 32);
	}
	store_sql_release(&st->sql, stmt);
	return r;
}

int
store_deposit_put(struct store *st, const uint8_t id[STORE_ID_LEN], const char *member,
                  const uint8_t *envelope, size_t envelope_len, const uint8_t hash[32],
                  int *repeated, int *both)
{
	struct store_candidate c;
	uint8_t have[2][32];
	int r, supplier, has[2];

	*repeated = *both = 0;
	if ((r = s_candidate_of(st, id, member, &c, &supplier)) != SYM_OK)
		return r;
	if (c.state != CANDIDATE_AGREED)
		return SYM_ERR_PERM;
	if ((r = s_deposits(st, id, have, has)) != SYM_OK)
		return r;
	if (has[!supplier]) {
		if (sodium_memcmp(have[!supplier], hash, 32) != 0)
			return SYM_ERR_EXISTS;
		*repeated = 1; /* the same item again: answered as before, nothing stored */
		*both = has[supplier];
		return SYM_OK;
	}
	if ((r = store_sql_exec(&st->sql,
	                        supplier ? "UPDATE candidates SET supplier_envelope = ?2, "
	                                   "supplier_deposit = ?3 WHERE id = ?1"
	                                 : "UPDATE candidates SET consumer_envelope = ?2, "
	                                   "consumer_deposit = ?3 WHERE id = ?1",
	                        STORE_ARGS(store_arg_id(id), store_arg_blob(envelope, envelope_len),
	                                   store_arg_hash(hash)))) != SYM_OK)
		return r;
	*both = has[supplier];
	return SYM_OK;
}

int
store_release_get(struct store *st, const uint8_t id[STORE_ID_LEN], const char *member,
                  uint8_t **envelope, size_t *envelope_len, char from[MEMBER_ID_MAX + 1])
{
	struct store_candidate c;
	sqlite3_stmt *stmt = NULL;
	uint8_t hash[2][32];
	int r, supplier, has[2];

	*envelope = NULL;
	*envelope_len = 0;
	if ((r = s_candidate_of(st, id, member, &c, &supplier)) != SYM_OK)
		return r;
	if (c.state != CANDIDATE_AGREED)
		return SYM_ERR_PERM;
	/* Released only when both sides deposited: neither can take without giving. */
	if ((r = s_deposits(st, id, hash, has)) != SYM_OK)
		return r;
	if (!has[0] || !has[1])
		return SYM_ERR_NOT_FOUND;
	/* The member receives the other side's envelope, if it has not fetched it already. */
	if ((r = store_sql_row(&st->sql, &stmt,
	                       supplier ? "SELECT consumer_envelope FROM candidates WHERE id = ?1 "
	                                  "AND consumer_envelope IS NOT NULL"
	                                : "SELECT supplier_envelope FROM candidates WHERE id = ?1 "
	                                  "AND supplier_envelope IS NOT NULL",
	                       STORE_ARGS(store_arg_id(id)))) != SYM_OK)
		return r;
	r = store_sql_col_blob_dup(stmt, 0, STORE_BLOB_MAX, envelope, envelope_len);
	store_sql_release(&st->sql, stmt);
	if (r != SYM_OK)
		return r;
	memcpy(from, supplier ? c.consumer : c.supplier, MEMBER_ID_MAX + 1);
	return SYM_OK;
}

int
store_release_drop(struct store *st, const uint8_t id[STORE_ID_LEN], const char *member)
{
	struct store_candidate c;
	int r, supplier;

	if ((r = s_candidate_of(st, id, member, &c, &supplier)) != SYM_OK)
		return r;
	/* Received: the coordinator keeps no copy (secure_delete, then the WAL at commit). */
	st->wipe = 1;
	return store_sql_exec(&st->sql,
	                      supplier
	                          ? "UPDATE candidates SET consumer_envelope = NULL WHERE id = ?1"
	                          : "UPDATE candidates SET supplier_envelope = NULL WHERE id = ?1",
	                      STORE_ARGS(store_arg_id(id)));
}

int
store_candidate_evidence(struct store *st, const uint8_t id[STORE_ID_LEN],
                         struct store_evidence *ev)
{
	sqlite3_stmt *stmt = NULL;
	int r, s;

	memset(ev, 0, sizeof(*ev));
	if ((r = s_deposits(st, id, ev->deposit, ev->has_deposit)) != SYM_OK ||
	    (r = store_sql_row(&st->sql, &stmt,
	                       "SELECT supplier_evidence, consumer_evidence FROM candidates "
	                       "WHERE id = ?1",
	                       STORE_ARGS(store_arg_id(id)))) != SYM_OK)
		return r;
	for (s = 0; s < 2 && r == SYM_OK; s++) {
		ev->has_consent[s] = sqlite3_column_type(stmt, s) != SQLITE_NULL;
		if (ev->has_consent[s])
			r = store_sql_col_blob(stmt, s, ev->consent[s], 32);
	}
	store_sql_release(&st->sql, stmt);
	return r;
}

int
store_round_expire(struct store *st, const uint8_t round[STORE_ID_LEN])
{
	int n;

	if ((n = store_sql_update(&st->sql,
	                          "UPDATE candidates SET state = 3 WHERE round = ?1 AND state = 0",
	                          STORE_ARGS(store_arg_id(round)))) < 0)
		return n;
	/* Whatever was deposited and not fetched dies with the round. */
	st->wipe = 1;
	if (store_sql_exec(&st->sql,
	                   "UPDATE candidates SET supplier_envelope = NULL, consumer_envelope = "
	                   "NULL WHERE round = ?1 AND (supplier_envelope IS NOT NULL OR "
	                   "consumer_envelope IS NOT NULL)",
	                   STORE_ARGS(store_arg_id(round))) != SYM_OK)
		return SYM_ERR_IO;
	return n;
}

static int
s_count_row(void *arg, sqlite3_stmt *stmt)
{
	int64_t *counts = arg, state = 0, n = 0;
	int r;

	if ((r = store_sql_col_int64(stmt, 0, INT64_MIN, INT64_MAX, &state)) != SYM_OK ||
	    (r = store_sql_col_int64(stmt, 1, 0, INT64_MAX, &n)) != SYM_OK)
		return r;
	if (state >= 0 && state < 4)
		counts[state] = n;
	return SYM_OK;
}

int
store_round_counts(struct store *st, const uint8_t round[STORE_ID_LEN], int64_t counts[4],
                   int64_t *submitted)
{
	sqlite3_stmt *stmt = NULL;
	int r;

	memset(counts, 0, 4 * sizeof(*counts));
	*submitted = 0;
	if ((r = store_sql_foreach(
	         &st->sql,
	         "SELECT state, count(*) FROM candidates WHERE round = ?1 GROUP BY "
	         "state",
	         STORE_ARGS(store_arg_id(round)), s_count_row, counts)) != SYM_OK ||
	    (r = store_sql_row(&st->sql, &stmt,
	                       "SELECT count(*) FROM submissions WHERE round = ?1 AND state = 1",
	                       STORE_ARGS(store_arg_id(round)))) != SYM_OK)
		return r;
	r = store_sql_col_int64(stmt, 0, 0, INT64_MAX, submitted);
	store_sql_release(&st->sql, stmt);
	return r;
}
