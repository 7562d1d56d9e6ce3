/*
 * The token batches' bytes, one file per submission under PARK/batches/
 * <round>/<submission> (0700 folders, 0600 files); SQLite keeps what
 * describes them (counterpart, digest, offset, lengths). A batch is written
 * once, straight into its file, instead of once into the WAL and once more
 * into the database.
 *
 * A file is a 4096-byte block holding the header ("symbiod-batches-v1",
 * NUL-padded to 32 bytes, then the round id and the submission id), then the
 * chunks: each starts on a block boundary and is its batches one after the
 * other (offer set, need set, the CRC-32C of both, 4 bytes big-endian) at the
 * offsets the batches table records, zero-filled to the next boundary. The
 * checksum catches a truncated or damaged file on every read; the digest
 * (SHA-256, what the member committed to) is checked where a lost write is
 * possible. Bytes past the recorded end (a chunk refused half-way) mean
 * nothing and are written over by the next chunk.
 *
 * Durability: the file is fsync'd once, when the submission commits, before
 * the commit's transaction. Bytes this opening of the store wrote have
 * reached the disk or its cache, so that fsync makes them durable; bytes
 * written before a restart (a lost machine may have lost them) are read back
 * and checked against their digests before they count (store_round.c).
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

int64_t
store_batchfile_align(int64_t v)
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
		q->start = q->end =
		    store_batchfile_align(end < BATCHFILE_BLOCK ? BATCHFILE_BLOCK : end);
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
	span = (size_t)(store_batchfile_align(q->end) - q->start);
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
		/* An empty set may come as NULL: memcpy's pointers must be valid even for 0 bytes.
		 */
		if (q->p[k].offers_len > 0)
			memcpy(q->buf + at, q->p[k].offers, q->p[k].offers_len);
		at += q->p[k].offers_len;
		if (q->p[k].needs_len > 0)
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
int
store_batchfile_check(const char *path, const struct store_batch_loc *loc, const char *counterpart,
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
	else if ((r = store_batchfile_check(path, loc, counterpart, full, *buf)) == SYM_OK)
		return SYM_OK;
	free(*buf);
	*buf = NULL;
	return r;
}

/*
 * Overwrite with zeros, fsync, unlink: the tokens survive in no block we
 * could reach. Whole blocks, O_DIRECT where the file system has it (as the
 * batches were written: no page cache to fill with a round's worth of
 * zeros), a megabyte a call (64 KiB calls cost 4.4 times the CPU: 0.86
 * against 0.19 s per 2 GiB here, 3.7 s for the 9.7 GB of a 500-company
 * round); a last partial block is overwritten whole, past the end.
 */
static int
s_wipe_file(int dirfd, const char *name)
{
	/* Never written: in .bss, so the binary does not carry a megabyte of zeros. */
	static uint8_t zeros[1 << 20] __attribute__((aligned(BATCHFILE_BLOCK)));
	static const int flags = O_WRONLY | O_NOFOLLOW | O_CLOEXEC;
	struct stat sb;
	int64_t off, size = 0, n;
	int fd, r = SYM_OK;

	if ((fd = openat(dirfd, name, flags | O_DIRECT)) < 0 && errno == EINVAL)
		fd = openat(dirfd, name, flags);
	if (fd < 0 || fstat(fd, &sb) != 0)
		r = SYM_ERR_IO;
	else
		size = store_batchfile_align((int64_t)sb.st_size);
	for (off = 0; r == SYM_OK && off < size; off += n) {
		n = size - off < (int64_t)sizeof(zeros) ? size - off : (int64_t)sizeof(zeros);
		r = s_write_all(fd, zeros, (size_t)n, off);
	}
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
		if (util_unhex(de->d_name, sub, sizeof(sub)) == SYM_OK && nlive > 0 &&
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
