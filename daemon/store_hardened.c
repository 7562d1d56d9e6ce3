/*
 * The store's hardened rounds (HARDENED.md): the sub-phase of an open
 * hardened round, each member's key commitment, the query batches of blinded
 * elements and the answers. Elements are uniformly random group elements to
 * anyone without the blinds; they are kept only while the round needs them.
 */
#include <sqlite3.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "store.h"
#include "store_internal.h"

static int
s_hard_round_row(sqlite3_stmt *stmt, void *item)
{
	struct store_hard_round *h = item;
	int64_t size = 0;
	int e;

	if ((e = store_sql_col_blob(stmt, 0, h->round, STORE_ID_LEN)) != SYM_OK ||
	    (e = store_sql_col_int(stmt, 1, HARD_QUERY, HARD_SUBMIT, &h->phase)) != SYM_OK ||
	    (e = store_sql_col_int64(stmt, 2, 0, INT64_MAX, &h->query_deadline_ms)) != SYM_OK ||
	    (e = store_sql_col_int64(stmt, 3, 0, INT64_MAX, &h->evaluate_deadline_ms)) != SYM_OK ||
	    (e = store_sql_col_int64(stmt, 4, 1, UINT32_MAX, &size)) != SYM_OK)
		return e;
	h->batch_size = (uint32_t)size;
	return SYM_OK;
}

int
store_hard_round_put(struct store *st, const struct store_hard_round *h)
{
	return store_sql_exec(&st->sql,
	                      "INSERT INTO hard_rounds (round, phase, query_deadline_ms, "
	                      "evaluate_deadline_ms, batch_size) VALUES (?1, ?2, ?3, ?4, ?5)",
	                      STORE_ARGS(store_arg_id(h->round), store_arg_int(h->phase),
	                                 store_arg_int(h->query_deadline_ms),
	                                 store_arg_int(h->evaluate_deadline_ms),
	                                 store_arg_int(h->batch_size)));
}

int
store_hard_round_get(struct store *st, const uint8_t round[STORE_ID_LEN],
                     struct store_hard_round *out)
{
	return store_sql_get(&st->sql,
	                     "SELECT round, phase, query_deadline_ms, evaluate_deadline_ms, "
	                     "batch_size FROM hard_rounds WHERE round = ?1",
	                     STORE_ARGS(store_arg_id(round)), s_hard_round_row, out, sizeof(*out));
}

int
store_hard_round_advance(struct store *st, const uint8_t round[STORE_ID_LEN], int from, int to)
{
	int r = store_sql_update(
	    &st->sql, "UPDATE hard_rounds SET phase = ?3 WHERE round = ?1 AND phase = ?2",
	    STORE_ARGS(store_arg_id(round), store_arg_int(from), store_arg_int(to)));

	return r < 0 ? r : r == 1 ? SYM_OK : SYM_ERR_INVALID;
}

/* ---- keys ------------------------------------------------------------------ */

int
store_hard_key_get(struct store *st, const uint8_t round[STORE_ID_LEN], const char *member,
                   uint8_t pk[32], uint8_t sig[64])
{
	sqlite3_stmt *stmt = NULL;
	int r;

	if ((r = store_sql_row(
	         &st->sql, &stmt,
	         "SELECT pk, signature FROM hard_keys WHERE round = ?1 AND member = ?2",
	         STORE_ARGS(store_arg_id(round), store_arg_text(member)))) != SYM_OK)
		return r;
	if ((r = store_sql_col_blob(stmt, 0, pk, 32)) == SYM_OK)
		r = store_sql_col_blob(stmt, 1, sig, 64);
	store_sql_release(&st->sql, stmt);
	return r;
}

int
store_hard_key_put(struct store *st, const uint8_t round[STORE_ID_LEN], const char *member,
                   const uint8_t pk[32], const uint8_t sig[64])
{
	return store_sql_exec(
	    &st->sql,
	    "INSERT INTO hard_keys (round, member, pk, signature) VALUES (?1, ?2, "
	    "?3, ?4)",
	    STORE_ARGS(store_arg_id(round), store_arg_text(member), store_arg_hash(pk),
	               store_arg_blob(sig, 64)));
}

/* ---- queries ----------------------------------------------------------------- */

/* Column `col` as a 32-byte digest. */
static int
s_digest_row(struct store *st, const char *sql, const struct store_sql_arg *args, size_t nargs,
             uint8_t digest[32])
{
	sqlite3_stmt *stmt = NULL;
	int r;

	if ((r = store_sql_row(&st->sql, &stmt, sql, args, nargs)) != SYM_OK)
		return r;
	r = store_sql_col_blob(stmt, 0, digest, 32);
	store_sql_release(&st->sql, stmt);
	return r;
}

int
store_hard_query_digest(struct store *st, const uint8_t round[STORE_ID_LEN], const char *querier,
                        uint8_t digest[32])
{
	return s_digest_row(st, "SELECT digest FROM hard_queries WHERE round = ?1 AND querier = ?2",
	                    STORE_ARGS(store_arg_id(round), store_arg_text(querier)), digest);
}

int
store_hard_query_get(struct store *st, const uint8_t round[STORE_ID_LEN], const char *querier,
                     uint8_t **blinded, size_t *len)
{
	sqlite3_stmt *stmt = NULL;
	int r;

	*blinded = NULL;
	if ((r = store_sql_row(&st->sql, &stmt,
	                       "SELECT blinded FROM hard_queries WHERE round = ?1 AND querier = ?2",
	                       STORE_ARGS(store_arg_id(round), store_arg_text(querier)))) != SYM_OK)
		return r;
	r = store_sql_col_blob_dup(stmt, 0, STORE_BLOB_MAX, blinded, len);
	store_sql_release(&st->sql, stmt);
	return r;
}

int
store_hard_query_put(struct store *st, const uint8_t round[STORE_ID_LEN], const char *querier,
                     const uint8_t *blinded, size_t len, const uint8_t digest[32],
                     const uint8_t sig[64])
{
	return store_sql_exec(
	    &st->sql,
	    "INSERT INTO hard_queries (round, querier, blinded, digest, signature) "
	    "VALUES (?1, ?2, ?3, ?4, ?5)",
	    STORE_ARGS(store_arg_id(round), store_arg_text(querier), store_arg_blob(blinded, len),
	               store_arg_hash(digest), store_arg_blob(sig, 64)));
}

struct s_batch_loop {
	store_hard_batch_fn fn;
	void *arg;
	int answers; /* columns: querier, elements, digest, signature [, answerer, query
	                digest, proof, pk, key signature] */
};

static int
s_batch_cols(sqlite3_stmt *stmt, int answers, struct store_hard_batch *b)
{
	int e;

	if ((e = store_sql_col_text(stmt, 0, b->querier, sizeof(b->querier))) != SYM_OK ||
	    (e = store_sql_col_blob_ref(stmt, 1, &b->elements, &b->len)) != SYM_OK ||
	    (e = store_sql_col_blob(stmt, 2, b->digest, 32)) != SYM_OK ||
	    (e = store_sql_col_blob(stmt, 3, b->signature, 64)) != SYM_OK || !answers)
		return e;
	if ((e = store_sql_col_text(stmt, 4, b->answerer, sizeof(b->answerer))) != SYM_OK ||
	    (e = store_sql_col_blob(stmt, 5, b->query_digest, 32)) != SYM_OK ||
	    (e = store_sql_col_blob(stmt, 6, b->proof, 64)) != SYM_OK)
		return e;
	if (store_sql_col_is_null(stmt, 7))
		return SYM_OK; /* the export of a key-less answer cannot happen; the fetch joins */
	if ((e = store_sql_col_blob(stmt, 7, b->pk, 32)) != SYM_OK)
		return e;
	return store_sql_col_blob(stmt, 8, b->key_sig, 64);
}

static int
s_batch_row(void *arg, sqlite3_stmt *stmt)
{
	struct s_batch_loop *loop = arg;
	struct store_hard_batch b;
	int e;

	memset(&b, 0, sizeof(b));
	if ((e = s_batch_cols(stmt, loop->answers, &b)) != SYM_OK)
		return e;
	return loop->fn(loop->arg, &b);
}

int
store_hard_queries_open(struct store *st, const uint8_t round[STORE_ID_LEN], const char *answerer,
                        store_hard_batch_fn fn, void *arg)
{
	struct s_batch_loop loop = {fn, arg, 0};

	return store_sql_foreach(
	    &st->sql,
	    "SELECT querier, blinded, digest, signature FROM hard_queries q WHERE round = ?1 AND "
	    "querier <> ?2 AND NOT EXISTS (SELECT 1 FROM hard_answers a WHERE a.round = ?1 AND "
	    "a.querier = q.querier AND a.answerer = ?2) ORDER BY querier",
	    STORE_ARGS(store_arg_id(round), store_arg_text(answerer)), s_batch_row, &loop);
}

/* ---- answers ----------------------------------------------------------------- */

int
store_hard_answer_digest(struct store *st, const uint8_t round[STORE_ID_LEN], const char *querier,
                         const char *answerer, uint8_t digest[32])
{
	return s_digest_row(
	    st,
	    "SELECT digest FROM hard_answers WHERE round = ?1 AND querier = ?2 AND "
	    "answerer = ?3",
	    STORE_ARGS(store_arg_id(round), store_arg_text(querier), store_arg_text(answerer)),
	    digest);
}

int
store_hard_answer_put(struct store *st, const uint8_t round[STORE_ID_LEN],
                      const struct store_hard_batch *b)
{
	return store_sql_exec(
	    &st->sql,
	    "INSERT INTO hard_answers (round, querier, answerer, evaluated, digest, proof, "
	    "signature) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	    STORE_ARGS(store_arg_id(round), store_arg_text(b->querier), store_arg_text(b->answerer),
	               store_arg_blob(b->elements, b->len), store_arg_hash(b->digest),
	               store_arg_blob(b->proof, 64), store_arg_blob(b->signature, 64)));
}

#define ANSWER_COLUMNS                                                                             \
	"SELECT a.querier, a.evaluated, a.digest, a.signature, a.answerer, q.digest, a.proof, "    \
	"k.pk, k.signature FROM hard_answers a JOIN hard_queries q ON q.round = a.round AND "      \
	"q.querier = a.querier LEFT JOIN hard_keys k ON k.round = a.round AND k.member = "         \
	"a.answerer "

int
store_hard_answers_to(struct store *st, const uint8_t round[STORE_ID_LEN], const char *querier,
                      store_hard_batch_fn fn, void *arg)
{
	struct s_batch_loop loop = {fn, arg, 1};

	return store_sql_foreach(&st->sql,
	                         ANSWER_COLUMNS "WHERE a.round = ?1 AND a.querier = ?2 ORDER BY "
	                                        "a.answerer",
	                         STORE_ARGS(store_arg_id(round), store_arg_text(querier)),
	                         s_batch_row, &loop);
}

int
store_hard_batches_foreach(struct store *st, const uint8_t round[STORE_ID_LEN],
                           store_hard_batch_fn fn, void *arg)
{
	struct s_batch_loop queries = {fn, arg, 0}, answers = {fn, arg, 1};
	int r;

	if ((r = store_sql_foreach(&st->sql,
	                           "SELECT querier, blinded, digest, signature FROM hard_queries "
	                           "WHERE round = ?1 ORDER BY querier",
	                           STORE_ARGS(store_arg_id(round)), s_batch_row, &queries)) !=
	    SYM_OK)
		return r;
	return store_sql_foreach(&st->sql,
	                         ANSWER_COLUMNS "WHERE a.round = ?1 ORDER BY a.querier, a.answerer",
	                         STORE_ARGS(store_arg_id(round)), s_batch_row, &answers);
}

/* ---- progress ---------------------------------------------------------------- */

int
store_hard_silent(struct store *st, const uint8_t round[STORE_ID_LEN], int phase, char ***ids,
                  size_t *n)
{
	if (phase == HARD_QUERY)
		return store_id_strings(
		    st,
		    "SELECT member FROM round_members m WHERE round = ?1 AND (NOT EXISTS (SELECT 1 "
		    "FROM hard_keys k WHERE k.round = ?1 AND k.member = m.member) OR NOT EXISTS "
		    "(SELECT 1 FROM hard_queries q WHERE q.round = ?1 AND q.querier = m.member)) "
		    "ORDER BY member",
		    round, ids, n);
	if (phase == HARD_EVALUATE)
		return store_id_strings(
		    st,
		    "SELECT member FROM hard_keys k WHERE round = ?1 AND EXISTS (SELECT 1 FROM "
		    "hard_queries q WHERE q.round = ?1 AND q.querier <> k.member AND NOT EXISTS "
		    "(SELECT 1 FROM hard_answers a WHERE a.round = ?1 AND a.querier = q.querier "
		    "AND "
		    "a.answerer = k.member)) ORDER BY member",
		    round, ids, n);
	return store_id_strings(st,
	                        "SELECT member FROM round_members m WHERE round = ?1 AND NOT "
	                        "EXISTS (SELECT 1 FROM submissions s WHERE s.round = ?1 AND "
	                        "s.member = m.member AND s.state = 1) ORDER BY member",
	                        round, ids, n);
}

int
store_hard_drop_batches(struct store *st, const uint8_t round[STORE_ID_LEN])
{
	int a, q;

	/* secure_delete (store.c) zeroes the cells and the freed overflow pages. */
	if ((a = store_sql_update(&st->sql, "DELETE FROM hard_answers WHERE round = ?1",
	                          STORE_ARGS(store_arg_id(round)))) < 0)
		return a;
	if ((q = store_sql_update(&st->sql, "DELETE FROM hard_queries WHERE round = ?1",
	                          STORE_ARGS(store_arg_id(round)))) < 0)
		return q;
	return a + q;
}
