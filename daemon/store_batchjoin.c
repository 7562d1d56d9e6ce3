/*
 * A round's committed batches for the join (rounds_match.c): where each is,
 * indexed once; then each batch read through its file's read-ahead window
 * and checked. Memory: one pair's sets are pointers into two windows, and
 * the windows are at most READER_WINDOWS_MAX in all.
 */
#define _GNU_SOURCE /* O_DIRECT (store_batchfile_open) */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "err.h"
#include "log.h"
#include "store.h"
#include "store_internal.h"

/*
 * How many batch files the join may hold open: the soft limit, raised to
 * the hard one (allowed without privilege), less what the daemon's sockets
 * need.
 */
static size_t
s_fd_budget(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return 16;
	if (rl.rlim_cur < rl.rlim_max && rl.rlim_cur < 65536) {
		rl.rlim_cur = rl.rlim_max < 65536 ? rl.rlim_max : 65536;
		if (setrlimit(RLIMIT_NOFILE, &rl) != 0 && getrlimit(RLIMIT_NOFILE, &rl) != 0)
			return 16;
	}
	return rl.rlim_cur > 512 ? (size_t)rl.rlim_cur - 256 : 16;
}

/* One committed batch: submitter index i, counterpart index j, where its bytes are. */
struct s_entry {
	uint32_t i, j;
	struct store_batch_loc loc; /* off -1: in the database (a round from before batch files) */
};

/*
 * What was read of one file, ahead of the batch asked for. The join asks for
 * each file's batches in the order they were written (submitter a's for b,
 * b > a, while a is the outer member; b's for a, a < b, as a goes up), so
 * one window per file, refilled with large O_DIRECT reads, reads every file
 * once, front to back, without the page cache.
 */
struct s_window {
	uint8_t *buf; /* block-aligned, cap bytes */
	size_t cap, len;
	int64_t off; /* the file offset of buf[0] */
};

struct store_batch_reader {
	struct store *st;
	uint8_t round[STORE_ID_LEN];
	char *const *subs; /* borrowed, n entries, NULL for a left-out member */
	size_t n, nent, open, max_open;
	uint8_t (*sub_ids)[STORE_ID_LEN]; /* each submitter's committed submission */
	int *fds;                         /* each submitter's file, -1 while closed */
	struct s_entry *ent;              /* sorted by (i, j) */
	struct s_window *win;             /* each submitter's read-ahead */
	size_t wcap;                      /* a window's usual size */
};

struct s_index {
	struct store_batch_reader *rd;
	size_t cap;
};

static int
s_member_index(const struct store_batch_reader *rd, const char *id, uint32_t *out)
{
	size_t lo = 0, hi = rd->n;

	/* subs is in id order with holes: a binary search over the present entries. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2, k = mid;
		int c;
		while (k < hi && rd->subs[k] == NULL)
			k++;
		if (k == hi) {
			hi = mid;
			continue;
		}
		if ((c = strcmp(id, rd->subs[k])) == 0) {
			*out = (uint32_t)k;
			return SYM_OK;
		}
		if (c < 0)
			hi = mid;
		else
			lo = k + 1;
	}
	return SYM_ERR_NOT_FOUND;
}

static int
s_index_row(void *arg, sqlite3_stmt *stmt)
{
	struct s_index *x = arg;
	struct store_batch_reader *rd = x->rd;
	char who[MEMBER_ID_MAX + 1], cp[MEMBER_ID_MAX + 1];
	struct s_entry e;
	int64_t v;
	int r;

	memset(&e, 0, sizeof(e));
	if ((r = store_sql_col_text(stmt, 0, who, sizeof(who))) != SYM_OK ||
	    (r = store_sql_col_text(stmt, 1, cp, sizeof(cp))) != SYM_OK)
		return r;
	/* A member left out of the match (revoked) has no index: its batches are skipped. */
	if (s_member_index(rd, who, &e.i) != SYM_OK || s_member_index(rd, cp, &e.j) != SYM_OK)
		return SYM_OK;
	if (store_sql_col_is_null(stmt, 2)) {
		e.loc.off = -1;
	} else if ((r = store_sql_col_int64(stmt, 2, BATCHFILE_HEADER, INT64_MAX, &e.loc.off)) !=
	               SYM_OK ||
	           (r = store_sql_col_int64(stmt, 3, 0, STORE_BLOB_MAX, &v)) != SYM_OK ||
	           (e.loc.offers_len = (size_t)v,
	            r = store_sql_col_int64(stmt, 4, 0, STORE_BLOB_MAX, &v)) != SYM_OK ||
	           (e.loc.needs_len = (size_t)v,
	            r = store_sql_col_blob(stmt, 5, e.loc.digest, 32)) != SYM_OK)
		return r;
	if (rd->nent == x->cap) {
		size_t cap = x->cap ? 2 * x->cap : 1024;
		struct s_entry *p = realloc(rd->ent, cap * sizeof(*p));
		if (p == NULL)
			return SYM_ERR_ALLOC;
		rd->ent = p;
		x->cap = cap;
	}
	rd->ent[rd->nent++] = e;
	return SYM_OK;
}

static int
s_sub_row(void *arg, sqlite3_stmt *stmt)
{
	struct store_batch_reader *rd = arg;
	char who[MEMBER_ID_MAX + 1];
	uint32_t i;
	int r;

	if ((r = store_sql_col_text(stmt, 0, who, sizeof(who))) != SYM_OK)
		return r;
	if (s_member_index(rd, who, &i) != SYM_OK)
		return SYM_OK;
	return store_sql_col_blob(stmt, 1, rd->sub_ids[i], STORE_ID_LEN);
}

static int
s_entry_cmp(const void *a, const void *b)
{
	const struct s_entry *x = a, *y = b;

	if (x->i != y->i)
		return x->i < y->i ? -1 : 1;
	return x->j < y->j ? -1 : x->j > y->j;
}

int
store_batch_reader_open(struct store *st, const uint8_t round[STORE_ID_LEN], char *const *subs,
                        size_t n, struct store_batch_reader **out)
{
	struct store_batch_reader *rd = calloc(1, sizeof(*rd));
	struct s_index x = {rd, 0};
	size_t i;
	int r = SYM_ERR_ALLOC;

	*out = NULL;
	if (rd == NULL || (rd->sub_ids = calloc(n + 1, STORE_ID_LEN)) == NULL ||
	    (rd->fds = calloc(n + 1, sizeof(int))) == NULL ||
	    (rd->win = calloc(n + 1, sizeof(*rd->win))) == NULL)
		goto out;
	/* At most READER_WINDOWS_MAX in all, each between 64 KiB and 1 MiB. */
	rd->wcap = READER_WINDOWS_MAX / (n + 1) / BATCHFILE_BLOCK * BATCHFILE_BLOCK;
	rd->wcap = rd->wcap < (64u << 10)  ? (64u << 10)
	           : rd->wcap > (1u << 20) ? (1u << 20)
	                                   : rd->wcap;
	rd->st = st;
	memcpy(rd->round, round, STORE_ID_LEN);
	rd->subs = subs;
	rd->n = n;
	/* Every file open at once when the limit allows; otherwise they take turns. */
	rd->max_open = s_fd_budget();
	for (i = 0; i < n; i++)
		rd->fds[i] = -1;
	if ((r = store_sql_foreach(
	         &st->sql, "SELECT member, id FROM submissions WHERE round = ?1 AND state = 1",
	         STORE_ARGS(store_arg_id(round)), s_sub_row, rd)) != SYM_OK ||
	    (r = store_sql_foreach(
	         &st->sql,
	         "SELECT s.member, b.counterpart, b.file_off, b.offers_len, b.needs_len, b.digest "
	         "FROM batches b JOIN submissions s ON b.submission = s.id WHERE s.round = ?1 AND "
	         "s.state = 1",
	         STORE_ARGS(store_arg_id(round)), s_index_row, &x)) != SYM_OK)
		goto out;
	if (rd->nent > 1) /* qsort's base must not be NULL, even for no element */
		qsort(rd->ent, rd->nent, sizeof(*rd->ent), s_entry_cmp);
	*out = rd;
	rd = NULL; /* transferred */
out:
	store_batch_reader_close(&rd);
	return r;
}

static void
s_close_fds(struct store_batch_reader *rd, size_t keep)
{
	size_t i;

	for (i = 0; i < rd->n; i++)
		if (i != keep && rd->fds[i] >= 0) {
			close(rd->fds[i]);
			rd->fds[i] = -1;
			rd->open--;
		}
}

void
store_batch_reader_close(struct store_batch_reader **rdp)
{
	struct store_batch_reader *rd;
	size_t i;

	if (rdp == NULL || (rd = *rdp) == NULL)
		return;
	if (rd->fds != NULL)
		s_close_fds(rd, SIZE_MAX);
	for (i = 0; rd->win != NULL && i < rd->n; i++)
		free(rd->win[i].buf);
	free(rd->win);
	free(rd->fds);
	free(rd->sub_ids);
	free(rd->ent);
	free(rd);
	*rdp = NULL;
}

void
store_batch_sets_clear(struct store_batch_sets *s)
{
	free(s->buf);
	memset(s, 0, sizeof(*s));
}

/* A batch from a round stored before batch files: both blobs into one buffer. */
static int
s_get_legacy(struct store_batch_reader *rd, size_t i, size_t j, struct store_batch_sets *out)
{
	uint8_t *o = NULL, *nd = NULL;
	size_t ol = 0, nl = 0;
	int r;

	if ((r = store_batch_get(rd->st, rd->round, rd->subs[i], rd->subs[j], &o, &ol, &nd, &nl)) !=
	    SYM_OK)
		return r;
	if ((out->buf = malloc(ol + nl + 1)) == NULL) {
		r = SYM_ERR_ALLOC;
	} else {
		memcpy(out->buf, o, ol);
		memcpy(out->buf + ol, nd, nl);
		out->offers_len = ol;
		out->needs_len = nl;
	}
	free(o);
	free(nd);
	return r;
}

/* The bytes of one batch of file i (sets and checksum), through its window. */
static int
s_window_read(struct store_batch_reader *rd, size_t i, const struct store_batch_loc *loc,
              const uint8_t **p)
{
	struct s_window *w = &rd->win[i];
	size_t need = loc->offers_len + loc->needs_len + BATCHFILE_CRC, want, got = 0;
	int64_t start;
	void *mem = NULL;
	int r;

	if (w->buf != NULL && loc->off >= w->off &&
	    (uint64_t)(loc->off - w->off) + need <= w->len) {
		*p = w->buf + (loc->off - w->off);
		return SYM_OK;
	}
	if (rd->fds[i] < 0) {
		if (rd->open >= rd->max_open)
			s_close_fds(rd, SIZE_MAX);
		if ((r = store_batchfile_open(rd->st, rd->round, rd->sub_ids[i], 1, &rd->fds[i])) !=
		    SYM_OK)
			return r;
		rd->open++;
	}
	start = loc->off / BATCHFILE_BLOCK * BATCHFILE_BLOCK;
	want = (size_t)store_batchfile_align(loc->off + (int64_t)need - start);
	want = want < rd->wcap ? rd->wcap : want;
	if (want > w->cap) {
		if (posix_memalign(&mem, BATCHFILE_BLOCK, want) != 0)
			return SYM_ERR_ALLOC;
		free(w->buf);
		w->buf = mem;
		w->cap = want;
	}
	/* Up to the window's size or the file's end, whichever comes first. */
	while (got < want) {
		ssize_t n =
		    pread(rd->fds[i], w->buf + got, want - got, (off_t)(start + (int64_t)got));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	w->off = start;
	w->len = got;
	if ((uint64_t)(loc->off - start) + need > got) {
		char path[PATH_MAX] = "?";
		w->len = 0;
		(void)store_batchfile_path(rd->st, rd->round, rd->sub_ids[i], path, sizeof(path));
		log_err("store: %s: token batch file truncated or unreadable at offset %lld", path,
		        (long long)loc->off);
		return SYM_ERR_FORMAT;
	}
	*p = w->buf + (loc->off - start);
	return SYM_OK;
}

int
store_batch_reader_get(struct store_batch_reader *rd, size_t i, size_t j,
                       struct store_batch_sets *out)
{
	struct s_entry key, *e;
	char path[PATH_MAX];
	const uint8_t *p;
	int r;

	memset(out, 0, sizeof(*out));
	key.i = (uint32_t)i;
	key.j = (uint32_t)j;
	if (i >= rd->n || j >= rd->n || rd->nent == 0 ||
	    (e = bsearch(&key, rd->ent, rd->nent, sizeof(*rd->ent), s_entry_cmp)) == NULL)
		return SYM_ERR_NOT_FOUND;
	if (e->loc.off < 0) {
		if ((r = s_get_legacy(rd, i, j, out)) == SYM_OK) {
			out->offers = out->buf;
			out->needs = out->buf + out->offers_len;
		}
		return r;
	}
	if ((r = s_window_read(rd, i, &e->loc, &p)) != SYM_OK ||
	    (r = store_batchfile_path(rd->st, rd->round, rd->sub_ids[i], path, sizeof(path))) !=
	        SYM_OK ||
	    (r = store_batchfile_check(path, &e->loc, rd->subs[j], 0, p)) != SYM_OK)
		return r;
	/* Pointers into the file's window: valid until the next read of the same file. */
	out->offers = p;
	out->offers_len = e->loc.offers_len;
	out->needs = p + e->loc.offers_len;
	out->needs_len = e->loc.needs_len;
	return SYM_OK;
}
