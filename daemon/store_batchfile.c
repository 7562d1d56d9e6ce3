/*
 * The token batches' bytes, one file per submission under PARK/batches/
 * <round>/<submission> (0700 folders, 0600 files); SQLite keeps what
 * describes them (counterpart, digest, offset, lengths). A batch is written
 * once, straight into its file, instead of once into the WAL and once more
 * into the database, and the join reads it back with one pread.
 *
 * A file is a 64-byte header ("symbiod-batches-v1", NUL-padded to 32 bytes,
 * then the round id and the submission id) followed by each batch's offer
 * set, need set and the CRC-32C of both (4 bytes, big-endian), at the
 * offsets the batches table records. The checksum catches a truncated or
 * damaged file on every read; the digest (SHA-256, what the member signed)
 * is checked where a lost write is possible. Bytes past
 * the recorded end (a chunk refused half-way) mean nothing and are written
 * over by the next chunk.
 *
 * Durability: the file is fsync'd once, when the submission commits, before
 * the commit's transaction. Bytes written by this process are at least in
 * the page cache, so that fsync makes them durable; bytes written before a
 * restart (a lost machine may have lost them) are read back and checked
 * against their digests before they count (store_batchfile_commit).
 *
 * Deletion: a file nothing live refers to (a replaced or abandoned upload, a
 * round that ended without --keep-batches, a round the store does not know)
 * is overwritten with zeros, fsync'd and unlinked by the sweep, which runs
 * after the commit that let it go and when the daemon starts.
 */
#define _GNU_SOURCE /* O_DIRECT */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crc32c.h"
#include "err.h"
#include "log.h"
#include "roundhash.h"
#include "store.h"
#include "store_internal.h"
#include "util.h"

static const char s_magic[BATCHFILE_HEADER / 2] = "symbiod-batches-v1";

/* PARK/batches[/<round>[/<submission>]] */
int
store_batchfile_path(const struct store *st, const uint8_t *round, const uint8_t *sub, char *out,
                     size_t len)
{
	char rh[33], sh[33];
	int n;

	if (round == NULL)
		n = snprintf(out, len, "%s", st->batch_dir);
	else if (util_hex(round, STORE_ID_LEN, rh), sub == NULL)
		n = snprintf(out, len, "%s/%s", st->batch_dir, rh);
	else
		n = (util_hex(sub, STORE_ID_LEN, sh),
		     snprintf(out, len, "%s/%s/%s", st->batch_dir, rh, sh));
	return n > 0 && (size_t)n < len ? SYM_OK : SYM_ERR_LIMIT;
}

static void
s_header(const uint8_t round[STORE_ID_LEN], const uint8_t sub[STORE_ID_LEN],
         uint8_t out[BATCHFILE_HEADER])
{
	memset(out, 0, BATCHFILE_HEADER);
	memcpy(out, s_magic, strlen(s_magic));
	memcpy(out + 32, round, STORE_ID_LEN);
	memcpy(out + 48, sub, STORE_ID_LEN);
}

static int
s_mkdir(const char *path)
{
	if (mkdir(path, 0700) == 0 || errno == EEXIST)
		return SYM_OK;
	log_err("store: %s: cannot create: %s", path, strerror(errno));
	return SYM_ERR_IO;
}

static int
s_write_all(int fd, const uint8_t *p, size_t len, int64_t off)
{
	while (len > 0) {
		ssize_t w = pwrite(fd, p, len, (off_t)off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return errno == ENOSPC || errno == EDQUOT ? SYM_ERR_NOSPACE : SYM_ERR_IO;
		p += w;
		len -= (size_t)w;
		off += w;
	}
	return SYM_OK;
}

/* SYM_ERR_FORMAT when the file ends before off + len: it was truncated. */
static int
s_read_all(int fd, uint8_t *p, size_t len, int64_t off)
{
	while (len > 0) {
		ssize_t n = pread(fd, p, len, (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return SYM_ERR_IO;
		if (n == 0)
			return SYM_ERR_FORMAT;
		p += n;
		len -= (size_t)n;
		off += n;
	}
	return SYM_OK;
}

void
store_batchfile_close(struct store *st)
{
	if (st->wfd >= 0)
		close(st->wfd);
	st->wfd = -1;
}

/*
 * The submission's file for appending, created with its header on first
 * use, opened with O_DIRECT where the file system has it: the batches go
 * from our buffer to the disk, without the page cache's copy, dirty-page
 * accounting and writeback, which cost the daemon more CPU than any other
 * part of storing them (measured: 1-2 s of system time per GB buffered,
 * 0.1 s direct). Hence the block alignment of every write (store_pending).
 */
static int
s_open_write(struct store *st, const uint8_t round[STORE_ID_LEN], const uint8_t sub[STORE_ID_LEN])
{
	static const int flags = O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC;
	uint8_t block[BATCHFILE_BLOCK] __attribute__((aligned(BATCHFILE_BLOCK)));
	char path[PATH_MAX];
	struct stat sb;
	int r = SYM_ERR_IO, fd;

	if (st->wfd >= 0 && memcmp(st->wsub, sub, STORE_ID_LEN) == 0)
		return SYM_OK;
	store_batchfile_close(st);
	if ((r = store_batchfile_path(st, NULL, NULL, path, sizeof(path))) != SYM_OK ||
	    (r = s_mkdir(path)) ||
	    (r = store_batchfile_path(st, round, NULL, path, sizeof(path))) != SYM_OK ||
	    (r = s_mkdir(path)) ||
	    (r = store_batchfile_path(st, round, sub, path, sizeof(path))) != SYM_OK)
		return r;
	/* tmpfs and a few others refuse O_DIRECT: the same aligned writes, buffered. */
	if ((fd = open(path, flags | O_DIRECT, 0600)) < 0 && errno == EINVAL)
		fd = open(path, flags, 0600);
	if (fd < 0) {
		log_err("store: %s: cannot open: %s", path, strerror(errno));
		return SYM_ERR_IO;
	}
	memset(block, 0, sizeof(block));
	s_header(round, sub, block);
	/* A new file (or one a crash left empty) gets its header block; a chunk never writes it. */
	if (fstat(fd, &sb) != 0 ||
	    (sb.st_size == 0 && (r = s_write_all(fd, block, sizeof(block), 0)) != SYM_OK)) {
		log_err("store: %s: cannot write: %s", path, strerror(errno));
		close(fd);
		return r;
	}
	st->wfd = fd;
	memcpy(st->wsub, sub, STORE_ID_LEN);
	return SYM_OK;
}

/* One queued batch: the caller's sets and the checksum after them. */
struct s_piece {
	const uint8_t *offers, *needs;
	size_t offers_len, needs_len;
	uint8_t crc[BATCHFILE_CRC];
};

/*
 * The chunk being stored. Its batches follow each other from `start` (a
 * block boundary); the flush copies them into one block-aligned buffer,
 * zero-filled to the next boundary, and writes it in one call, so every
 * chunk begins on a block boundary and O_DIRECT takes the write.
 */
struct store_pending {
	uint8_t round[STORE_ID_LEN], sub[STORE_ID_LEN];
	int64_t start, end; /* the first queued byte's offset, the next free one */
	struct s_piece *p;
	size_t n, cap;
	uint8_t *buf; /* block-aligned, bcap bytes */
	size_t bcap;
};

static int64_t
s_align_up(int64_t v)
{
	return (v + BATCHFILE_BLOCK - 1) / BATCHFILE_BLOCK * BATCHFILE_BLOCK;
}

void
store_batchfile_free(struct store *st)
{
	store_batchfile_close(st);
	if (st->pend != NULL) {
		free(st->pend->p);
		free(st->pend->buf);
	}
	free(st->pend);
	st->pend = NULL;
}

int
store_batchfile_queued(const struct store *st, const uint8_t sub[STORE_ID_LEN], int64_t *end)
{
	if (st->pend == NULL || st->pend->n == 0 || memcmp(st->pend->sub, sub, STORE_ID_LEN) != 0)
		return 0;
	*end = st->pend->end;
	return 1;
}

void
store_batchfile_discard(struct store *st)
{
	if (st->pend != NULL)
		st->pend->n = 0;
}

int
store_batchfile_queue(struct store *st, const uint8_t round[STORE_ID_LEN],
                      const uint8_t sub[STORE_ID_LEN], int64_t end, const uint8_t *offers,
                      size_t offers_len, const uint8_t *needs, size_t needs_len, int64_t *off)
{
	struct store_pending *q;
	struct s_piece *p;
	uint32_t crc;

	if (st->pend == NULL && (st->pend = calloc(1, sizeof(*st->pend))) == NULL)
		return SYM_ERR_ALLOC;
	q = st->pend;
	/* One chunk at a time: its end goes into its row at chunk_done. */
	if (q->n > 0 && memcmp(q->sub, sub, STORE_ID_LEN) != 0)
		return SYM_ERR_INVALID;
	if (q->n == 0) {
		memcpy(q->round, round, STORE_ID_LEN);
		memcpy(q->sub, sub, STORE_ID_LEN);
		q->start = q->end = s_align_up(end < BATCHFILE_BLOCK ? BATCHFILE_BLOCK : end);
	}
	if (q->n == q->cap) {
		size_t cap = q->cap ? 2 * q->cap : 256;
		if ((p = realloc(q->p, cap * sizeof(*p))) == NULL)
			return SYM_ERR_ALLOC;
		q->p = p;
		q->cap = cap;
	}
	p = &q->p[q->n++];
	p->offers = offers;
	p->offers_len = offers_len;
	p->needs = needs;
	p->needs_len = needs_len;
	crc = crc32c_update(crc32c_update(0, offers, offers_len), needs, needs_len);
	p->crc[0] = (uint8_t)(crc >> 24);
	p->crc[1] = (uint8_t)(crc >> 16);
	p->crc[2] = (uint8_t)(crc >> 8);
	p->crc[3] = (uint8_t)crc;
	*off = q->end;
	q->end += (int64_t)(offers_len + needs_len + BATCHFILE_CRC);
	return SYM_OK;
}

int
store_batchfile_flush(struct store *st, int64_t *end)
{
	struct store_pending *q = st->pend;
	size_t span, at = 0, k;
	void *mem = NULL;
	int r;

	if (q == NULL || q->n == 0)
		return SYM_OK;
	span = (size_t)(s_align_up(q->end) - q->start);
	if (span > q->bcap) {
		if (posix_memalign(&mem, BATCHFILE_BLOCK, span) != 0) {
			r = SYM_ERR_ALLOC;
			goto out;
		}
		free(q->buf);
		q->buf = mem;
		q->bcap = span;
	}
	/* One copy into the aligned buffer, one write: a chunk's batches in one system call. */
	for (k = 0; k < q->n; k++) {
		memcpy(q->buf + at, q->p[k].offers, q->p[k].offers_len);
		at += q->p[k].offers_len;
		memcpy(q->buf + at, q->p[k].needs, q->p[k].needs_len);
		at += q->p[k].needs_len;
		memcpy(q->buf + at, q->p[k].crc, BATCHFILE_CRC);
		at += BATCHFILE_CRC;
	}
	memset(q->buf + at, 0, span - at);
	if ((r = s_open_write(st, q->round, q->sub)) == SYM_OK &&
	    (r = s_write_all(st->wfd, q->buf, span, q->start)) != SYM_OK) {
		log_err("store: cannot write a token batch file: %s", strerror(errno));
		store_batchfile_close(st);
	}
	if (r == SYM_OK && end != NULL)
		*end = q->start + (int64_t)span;
out:
	q->n = 0;
	return r;
}

static int
s_fsync_path(const char *path, int flags)
{
	int fd = open(path, flags | O_NOFOLLOW | O_CLOEXEC), r = SYM_OK;

	if (fd < 0 || fsync(fd) != 0) {
		log_err("store: %s: cannot fsync: %s", path, strerror(errno));
		r = SYM_ERR_IO;
	}
	if (fd >= 0)
		close(fd);
	return r;
}

int
store_batchfile_sync(struct store *st, const uint8_t round[STORE_ID_LEN],
                     const uint8_t sub[STORE_ID_LEN])
{
	char path[PATH_MAX];
	int r;

	/* The file's bytes, then its name in the round's folder, then the folder's name. */
	if ((r = store_batchfile_path(st, round, sub, path, sizeof(path))) != SYM_OK ||
	    (r = s_fsync_path(path, O_RDONLY)) != SYM_OK ||
	    (r = store_batchfile_path(st, round, NULL, path, sizeof(path))) != SYM_OK ||
	    (r = s_fsync_path(path, O_RDONLY | O_DIRECTORY)) != SYM_OK ||
	    (r = store_batchfile_path(st, NULL, NULL, path, sizeof(path))) != SYM_OK)
		return r;
	return s_fsync_path(path, O_RDONLY | O_DIRECTORY);
}

int
store_batchfile_open(const struct store *st, const uint8_t round[STORE_ID_LEN],
                     const uint8_t sub[STORE_ID_LEN], int direct, int *fd_out)
{
	static const int flags = O_RDONLY | O_NOFOLLOW | O_CLOEXEC;
	uint8_t want[BATCHFILE_HEADER];
	uint8_t got[BATCHFILE_BLOCK] __attribute__((aligned(BATCHFILE_BLOCK)));
	char path[PATH_MAX];
	int r, fd = -1;

	*fd_out = -1;
	if ((r = store_batchfile_path(st, round, sub, path, sizeof(path))) != SYM_OK)
		return r;
	if (direct && (fd = open(path, flags | O_DIRECT)) < 0 && errno != EINVAL)
		direct = 0; /* the error again below, named */
	if (fd < 0 && (fd = open(path, flags)) < 0) {
		log_err("store: %s: cannot open a token batch file: %s", path, strerror(errno));
		/* A row names it: a missing file is a damaged store, like a truncated one. */
		return errno == ENOENT ? SYM_ERR_FORMAT : SYM_ERR_IO;
	}
	s_header(round, sub, want);
	/* The whole first block: what an O_DIRECT read can take. */
	if ((r = s_read_all(fd, got, sizeof(got), 0)) != SYM_OK ||
	    sodium_memcmp(want, got, sizeof(want)) != 0) {
		log_err("store: %s: not the token batch file of this submission (bad header)",
		        path);
		close(fd);
		return r == SYM_ERR_IO ? r : SYM_ERR_FORMAT;
	}
	*fd_out = fd;
	return SYM_OK;
}

/*
 * A batch's bytes (offers, needs, checksum) at p are what was written: the
 * checksum always, the digest when `full`. SYM_ERR_FORMAT, logged, if not.
 */
static int
s_check_batch(const char *path, const struct store_batch_loc *loc, const char *counterpart,
              int full, const uint8_t *p)
{
	size_t len = loc->offers_len + loc->needs_len;
	const uint8_t *t = p + len;
	uint32_t crc = crc32c_update(0, p, len);
	uint8_t digest[32];
	int r;

	r = ((uint32_t)t[0] << 24 | (uint32_t)t[1] << 16 | (uint32_t)t[2] << 8 | t[3]) == crc
	        ? SYM_OK
	        : SYM_ERR_FORMAT;
	if (r == SYM_OK && full &&
	    ((r = roundhash_batch_digest(counterpart, p, loc->offers_len, p + loc->offers_len,
	                                 loc->needs_len, digest)) != SYM_OK ||
	     sodium_memcmp(digest, loc->digest, 32) != 0))
		r = r != SYM_OK ? r : SYM_ERR_FORMAT;
	if (r == SYM_ERR_FORMAT)
		log_err("store: %s: token batch file corrupt at offset %lld (the batch for %s): "
		        "its bytes are not what was written",
		        path, (long long)loc->off, counterpart);
	return r;
}

int
store_batchfile_read(int fd, const char *path, const struct store_batch_loc *loc,
                     const char *counterpart, int full, uint8_t **buf)
{
	size_t len = loc->offers_len + loc->needs_len;
	int r;

	*buf = NULL;
	if (loc->off < BATCHFILE_HEADER || len > 2 * (size_t)STORE_BLOB_MAX)
		return SYM_ERR_FORMAT;
	if ((*buf = malloc(len + BATCHFILE_CRC)) == NULL)
		return SYM_ERR_ALLOC;
	if ((r = s_read_all(fd, *buf, len + BATCHFILE_CRC, loc->off)) != SYM_OK)
		log_err("store: %s: token batch file %s at offset %lld (the batch for %s)", path,
		        r == SYM_ERR_FORMAT ? "truncated" : "unreadable", (long long)loc->off,
		        counterpart);
	else if ((r = s_check_batch(path, loc, counterpart, full, *buf)) == SYM_OK)
		return SYM_OK;
	free(*buf);
	*buf = NULL;
	return r;
}

/* Overwrite with zeros, fsync, unlink: the tokens survive in no block we could reach. */
static int
s_wipe_file(int dirfd, const char *name)
{
	static const uint8_t zeros[1 << 16];
	struct stat sb;
	int64_t off;
	int fd, r = SYM_OK;

	if ((fd = openat(dirfd, name, O_WRONLY | O_NOFOLLOW | O_CLOEXEC)) < 0 ||
	    fstat(fd, &sb) != 0)
		r = SYM_ERR_IO;
	for (off = 0; r == SYM_OK && off < (int64_t)sb.st_size; off += sizeof(zeros))
		r = s_write_all(fd, zeros,
		                (size_t)((int64_t)sb.st_size - off < (int64_t)sizeof(zeros)
		                             ? (int64_t)sb.st_size - off
		                             : (int64_t)sizeof(zeros)),
		                off);
	if (r == SYM_OK && fsync(fd) != 0)
		r = SYM_ERR_IO;
	if (fd >= 0)
		close(fd);
	if (r == SYM_OK && unlinkat(dirfd, name, 0) != 0)
		r = SYM_ERR_IO;
	if (r != SYM_OK)
		log_err("store: cannot wipe the token batch file %s: %s", name, strerror(errno));
	return r;
}

static int
s_id_cmp(const void *a, const void *b)
{
	return memcmp(a, b, STORE_ID_LEN);
}

/* The submissions of `round` whose files must stay, sorted; *n 0 for a dead round. */
static int
s_live(struct store *st, const uint8_t round[STORE_ID_LEN], uint8_t (**ids)[STORE_ID_LEN],
       size_t *n)
{
	static const struct store_sql_list how = {STORE_ID_LEN, store_id_row, NULL};
	void *list = NULL;
	int r;

	*ids = NULL;
	r = store_sql_list(&st->sql,
	                   "SELECT s.id FROM submissions s JOIN rounds r ON s.round = r.id WHERE "
	                   "r.id = ?1 AND ((s.state = 1 AND (r.phase < 3 OR r.keep_batches = 1)) "
	                   "OR (s.state = 0 AND r.phase = 1)) ORDER BY s.id",
	                   STORE_ARGS(store_arg_id(round)), &how, &list, n);
	*ids = list; /* transferred */
	return r;
}

/* One round's folder: wipe what nothing live names; remove the folder once empty. */
static int
s_sweep_round(struct store *st, int parent, const char *name)
{
	uint8_t round[STORE_ID_LEN], sub[STORE_ID_LEN], (*live)[STORE_ID_LEN] = NULL;
	size_t nlive = 0, kept = 0;
	struct dirent *de;
	DIR *d = NULL;
	int r, fd;

	if (util_unhex(name, round, sizeof(round)) != SYM_OK)
		return SYM_OK; /* not ours: leave it */
	if ((r = s_live(st, round, &live, &nlive)) != SYM_OK)
		return r;
	if ((fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0 ||
	    (d = fdopendir(fd)) == NULL) {
		if (fd >= 0)
			close(fd);
		free(live);
		return SYM_ERR_IO;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (util_unhex(de->d_name, sub, sizeof(sub)) == SYM_OK &&
		    bsearch(sub, live, nlive, STORE_ID_LEN, s_id_cmp) != NULL) {
			kept++;
			continue;
		}
		if ((r = s_wipe_file(dirfd(d), de->d_name)) != SYM_OK)
			kept++;
	}
	if (fsync(dirfd(d)) != 0)
		r = SYM_ERR_IO;
	closedir(d);
	free(live);
	if (kept == 0 && unlinkat(parent, name, AT_REMOVEDIR) != 0)
		r = SYM_ERR_IO;
	return r;
}

int
store_batch_files_sweep(struct store *st)
{
	struct dirent *de;
	DIR *d;
	int r = SYM_OK, e;

	st->sweep = 0;
	store_batchfile_close(st);
	if ((d = opendir(st->batch_dir)) == NULL)
		return errno == ENOENT ? SYM_OK : SYM_ERR_IO;
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.' && (e = s_sweep_round(st, dirfd(d), de->d_name)) != SYM_OK)
			r = e;
	if (fsync(dirfd(d)) != 0)
		r = SYM_ERR_IO;
	closedir(d);
	return r;
}

/* ---- a round's batches for the join ---------------------------------------- */

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
	want = (size_t)s_align_up(loc->off + (int64_t)need - start);
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
	if (i >= rd->n || j >= rd->n ||
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
	    (r = s_check_batch(path, &e->loc, rd->subs[j], 0, p)) != SYM_OK)
		return r;
	/* Pointers into the file's window: valid until the next read of the same file. */
	out->offers = p;
	out->offers_len = e->loc.offers_len;
	out->needs = p + e->loc.offers_len;
	out->needs_len = e->loc.needs_len;
	return SYM_OK;
}
