#include "export.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

/* The public part may be read by anyone the operator gives it to; the batches only by us. */
#define S_PUBLIC_DIR 0755
#define S_PUBLIC_FILE 0644
#define S_SECRET_DIR 0700
#define S_SECRET_FILE 0600

struct sink {
	FILE *f;
	uint64_t count;
	int err;
};

static int
s_put_entry(void *arg, const uint8_t *body, size_t len)
{
	struct sink *s = arg;

	/* One entry per line: an entry never holds a raw newline (compact JSON escapes it). */
	if (memchr(body, '\n', len) != NULL)
		return SYM_ERR_FORMAT;
	if (fwrite(body, 1, len, s->f) != len || fputc('\n', s->f) == EOF)
		return SYM_ERR_IO;
	s->count++;
	return SYM_OK;
}

static int
s_put_batch(void *arg, const char *submitter, const char *counterpart, const uint8_t *offers,
            size_t offers_len, const uint8_t *needs, size_t needs_len)
{
	struct sink *s = arg;
	json_t *j = json_pack("{s:s, s:s, s:o, s:o}", "submitter", submitter, "counterpart",
	                      counterpart, "offers", auditlog_b64(offers, offers_len), "needs",
	                      auditlog_b64(needs, needs_len));
	int r = SYM_OK;

	if (j == NULL)
		return SYM_ERR_ALLOC;
	if (json_dumpf(j, s->f, JSON_COMPACT | JSON_SORT_KEYS) != 0 || fputc('\n', s->f) == EOF)
		r = SYM_ERR_IO;
	json_decref(j);
	return r;
}

/*
 * Create dir with exactly `mode` (the umask does not narrow it). An existing
 * dir is fine unless `fresh`: the batches folder is always a new one, so no
 * earlier export's file or wider mode survives in it.
 */
static int
s_mkdir(const char *dir, unsigned mode, int fresh, struct sym_diag *diag)
{
	if (mkdir(dir, mode) == 0) {
		if (chmod(dir, mode) != 0)
			return sym_diag_set(diag, SYM_ERR_IO, "%s: chmod: %s", dir,
			                    strerror(errno));
		return SYM_OK;
	}
	if (errno == EEXIST && fresh)
		return sym_diag_set(diag, SYM_ERR_EXISTS,
		                    "%s already exists (an earlier export's token batches?): "
		                    "remove it or export to another directory",
		                    dir);
	if (errno != EEXIST)
		return sym_diag_set(diag, SYM_ERR_IO, "%s: cannot create: %s", dir,
		                    strerror(errno));
	return SYM_OK;
}

/* A file of the export, truncated, with exactly `mode` before the first byte goes in. */
static FILE *
s_create(const char *dir, const char *name, unsigned mode, char *path, size_t len)
{
	FILE *f = NULL;
	int fd, e;

	if ((size_t)snprintf(path, len, "%s/%s", dir, name) >= len) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, mode)) < 0)
		return NULL;
	/* An existing file keeps its old mode through O_CREAT: set it. */
	if (fchmod(fd, mode) != 0 || (f = fdopen(fd, "w")) == NULL) {
		e = errno;
		close(fd);
		errno = e;
	}
	return f;
}

static int
s_write_small(const char *out, const char *name, const char *buf, size_t len, struct sym_diag *diag)
{
	char path[PATH_MAX];
	int r;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", out, name) >= sizeof(path))
		return sym_diag_set(diag, SYM_ERR_INVALID, "%s: path too long", out);
	if ((r = util_write_file(path, buf, len, S_PUBLIC_FILE, 0)) != SYM_OK)
		return sym_diag_set(diag, r, "%s: cannot write: %s", path, sym_strerror(r));
	return SYM_OK;
}

/* The public part: format version, park bundle, checkpoint, then exactly the entries it covers. */
static int
s_public(struct park *park, struct auditlog *log, const char *out, struct export_result *res,
         struct sym_diag *diag)
{
	char path[PATH_MAX], version[16], *checkpoint = NULL, *pj = NULL;
	struct sink s = {NULL, 0, 0};
	size_t pj_len = 0;
	int r;

	/* The checkpoint first: the entries written next are exactly the ones it covers. */
	if ((r = auditlog_checkpoint(log, &checkpoint)) != SYM_OK)
		return sym_diag_set(diag, r, "cannot sign a checkpoint: %s", sym_strerror(r));
	if ((r = park_path(park, "park.json", path, sizeof(path))) != SYM_OK ||
	    (r = util_read_file(path, 1u << 20, &pj, &pj_len)) != SYM_OK) {
		sym_diag_set(diag, r, "cannot read park.json: %s", sym_strerror(r));
		goto out;
	}
	snprintf(version, sizeof(version), "%d\n", EXPORT_FORMAT_VERSION);
	if ((r = s_write_small(out, "format-version", version, strlen(version), diag)) != SYM_OK ||
	    (r = s_write_small(out, "park.json", pj, pj_len, diag)) != SYM_OK ||
	    (r = s_write_small(out, "checkpoint", checkpoint, strlen(checkpoint), diag)) != SYM_OK)
		goto out;
	if ((s.f = s_create(out, "entries.jsonl", S_PUBLIC_FILE, path, sizeof(path))) == NULL) {
		r = sym_diag_set(diag, SYM_ERR_IO, "%s: cannot write: %s", path, strerror(errno));
		goto out;
	}
	r = store_log_foreach(park->store, s_put_entry, &s);
	if (fclose(s.f) != 0 && r == SYM_OK)
		r = SYM_ERR_IO;
	if (r != SYM_OK || s.count != auditlog_size(log)) {
		r = sym_diag_set(diag, r ? r : SYM_ERR_INTERNAL, "%s: cannot write the entries: %s",
		                 path, sym_strerror(r ? r : SYM_ERR_INTERNAL));
		goto out;
	}
	res->entries = s.count;
out:
	free(pj);
	free(checkpoint);
	return r;
}

/* One hardened batch: a query (no answerer) or an answer with its proof. */
static int
s_put_hard(void *arg, const struct store_hard_batch *b)
{
	struct sink *s = arg;
	json_t *j = json_pack("{s:s, s:o, s:o}", "querier", b->querier, "elements",
	                      auditlog_b64(b->elements, b->len), "signature",
	                      auditlog_b64(b->signature, 64));
	int r = SYM_OK;

	if (j == NULL)
		return SYM_ERR_ALLOC;
	if (b->answerer[0] != '\0' &&
	    (json_object_set_new(j, "answerer", json_string(b->answerer)) != 0 ||
	     json_object_set_new(j, "proof", auditlog_b64(b->proof, 64)) != 0))
		r = SYM_ERR_ALLOC;
	else if (json_dumpf(j, s->f, JSON_COMPACT | JSON_SORT_KEYS) != 0 ||
	         fputc('\n', s->f) == EOF)
		r = SYM_ERR_IO;
	json_decref(j);
	return r;
}

/* The rows of one round's batch file, through the sink. */
typedef int (*s_rows_fn)(struct park *park, const uint8_t id[STORE_ID_LEN], struct sink *s);

static int
s_token_rows(struct park *park, const uint8_t id[STORE_ID_LEN], struct sink *s)
{
	return store_round_batches_foreach(park->store, id, s_put_batch, s);
}

static int
s_hard_rows(struct park *park, const uint8_t id[STORE_ID_LEN], struct sink *s)
{
	return store_hard_batches_foreach(park->store, id, s_put_hard, s);
}

/* One round's batch file <round><suffix>, 0600 from its first byte. */
static int
s_round_file(struct park *park, const char *sub, const uint8_t id[STORE_ID_LEN], const char *suffix,
             s_rows_fn rows, struct sym_diag *diag)
{
	char path[PATH_MAX], name[64], hex[33];
	struct sink s = {NULL, 0, 0};
	int r;

	util_hex(id, STORE_ID_LEN, hex);
	snprintf(name, sizeof(name), "%s%s", hex, suffix);
	if ((s.f = s_create(sub, name, S_SECRET_FILE, path, sizeof(path))) == NULL)
		return sym_diag_set(diag, SYM_ERR_IO, "%s: cannot write: %s", path,
		                    strerror(errno));
	r = rows(park, id, &s);
	if (fclose(s.f) != 0 && r == SYM_OK)
		r = SYM_ERR_IO;
	if (r != SYM_OK)
		return sym_diag_set(diag, r, "%s: cannot write the batches: %s", path,
		                    sym_strerror(r));
	return SYM_OK;
}

/*
 * A round's token batches and, of a hardened round, its query and answer
 * batches (<round>.hard.jsonl): with them a reviewer checks every answer's
 * proof against the committed key.
 */
static int
s_round_batches(struct park *park, const char *sub, const uint8_t id[STORE_ID_LEN],
                struct sym_diag *diag)
{
	struct store_hard_round h;
	int r;

	if ((r = s_round_file(park, sub, id, ".jsonl", s_token_rows, diag)) != SYM_OK)
		return r;
	if ((r = store_hard_round_get(park->store, id, &h)) == SYM_ERR_NOT_FOUND)
		return SYM_OK;
	if (r != SYM_OK)
		return sym_diag_set(diag, r, "store: %s", sym_strerror(r));
	return s_round_file(park, sub, id, ".hard.jsonl", s_hard_rows, diag);
}

/* Every round whose batches the store still holds: an ended round without keep_batches has none. */
static int
s_batches(struct park *park, const char *sub, int with_batches, struct export_result *res,
          struct sym_diag *diag)
{
	uint8_t(*rounds)[STORE_ID_LEN] = NULL;
	struct store_round rd;
	size_t nrounds = 0, i;
	int r, deleted;

	if ((r = store_rounds_list(park->store, &rounds, &nrounds)) != SYM_OK)
		return sym_diag_set(diag, r, "store: %s", sym_strerror(r));
	for (i = 0; i < nrounds && r == SYM_OK; i++) {
		if ((r = store_round_get(park->store, rounds[i], &rd)) != SYM_OK) {
			sym_diag_set(diag, r, "store: %s", sym_strerror(r));
			break;
		}
		deleted = rd.phase == ROUND_ENDED && !rd.keep_batches;
		store_round_clear(&rd);
		if (deleted)
			res->rounds_deleted++;
		else if (with_batches &&
		         (r = s_round_batches(park, sub, rounds[i], diag)) == SYM_OK)
			res->batch_files++;
	}
	free(rounds);
	return r;
}

int
export_write(struct park *park, struct auditlog *log, const char *out, int with_batches,
             struct export_result *res, struct sym_diag *diag)
{
	char sub[PATH_MAX];
	struct stat sb;
	int r;

	memset(res, 0, sizeof(*res));
	if ((size_t)snprintf(sub, sizeof(sub), "%s/batches", out) >= sizeof(sub))
		return sym_diag_set(diag, SYM_ERR_INVALID, "%s: path too long", out);
	if ((r = s_mkdir(out, S_PUBLIC_DIR, 0, diag)) != SYM_OK)
		return r;
	if (!with_batches && lstat(sub, &sb) == 0)
		return sym_diag_set(diag, SYM_ERR_EXISTS,
		                    "%s holds an earlier export's token batches: remove it, or "
		                    "export to another directory",
		                    sub);
	if (with_batches && (r = s_mkdir(sub, S_SECRET_DIR, 1, diag)) != SYM_OK)
		return r;
	if ((r = s_public(park, log, out, res, diag)) != SYM_OK)
		return r;
	return s_batches(park, sub, with_batches, res, diag);
}
