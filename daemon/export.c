#include "export.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util.h"

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

static int
s_mkdir(const char *dir, struct sym_diag *diag)
{
	if (mkdir(dir, 0755) != 0 && errno != EEXIST)
		return sym_diag_set(diag, SYM_ERR_IO, "%s: cannot create: %s", dir,
		                    strerror(errno));
	return SYM_OK;
}

static FILE *
s_open(const char *dir, const char *name, char *path, size_t len)
{
	if ((size_t)snprintf(path, len, "%s/%s", dir, name) >= len)
		return NULL;
	return fopen(path, "w");
}

int
export_write(struct park *park, struct auditlog *log, const char *out, struct sym_diag *diag)
{
	char path[PATH_MAX], sub[PATH_MAX], name[64], *checkpoint = NULL, *pj = NULL;
	uint8_t(*rounds)[STORE_ID_LEN] = NULL;
	struct sink s = {NULL, 0, 0};
	size_t nrounds = 0, i, pj_len = 0;
	int r;

	if ((r = s_mkdir(out, diag)) != SYM_OK)
		return r;
	if ((size_t)snprintf(sub, sizeof(sub), "%s/batches", out) >= sizeof(sub))
		return sym_diag_set(diag, SYM_ERR_INVALID, "%s: path too long", out);
	if ((r = s_mkdir(sub, diag)) != SYM_OK)
		return r;
	/* The checkpoint first: the entries written next are exactly the ones it covers. */
	if ((r = auditlog_checkpoint(log, &checkpoint)) != SYM_OK)
		return sym_diag_set(diag, r, "cannot sign a checkpoint: %s", sym_strerror(r));
	if ((r = park_path(park, "park.json", path, sizeof(path))) != SYM_OK ||
	    (r = util_read_file(path, 1u << 20, &pj, &pj_len)) != SYM_OK) {
		sym_diag_set(diag, r, "cannot read park.json: %s", sym_strerror(r));
		goto out;
	}
	if ((size_t)snprintf(path, sizeof(path), "%s/park.json", out) >= sizeof(path) ||
	    (r = util_write_file(path, pj, pj_len, 0644, 0)) != SYM_OK ||
	    (size_t)snprintf(path, sizeof(path), "%s/checkpoint", out) >= sizeof(path) ||
	    (r = util_write_file(path, checkpoint, strlen(checkpoint), 0644, 0)) != SYM_OK) {
		r = sym_diag_set(diag, r ? r : SYM_ERR_IO, "%s: cannot write: %s", path,
		                 sym_strerror(r ? r : SYM_ERR_IO));
		goto out;
	}
	if ((s.f = s_open(out, "entries.jsonl", path, sizeof(path))) == NULL) {
		r = sym_diag_set(diag, SYM_ERR_IO, "%s: cannot write: %s", path, strerror(errno));
		goto out;
	}
	r = store_log_foreach(park->store, s_put_entry, &s);
	if (fclose(s.f) != 0 && r == SYM_OK)
		r = SYM_ERR_IO;
	s.f = NULL;
	if (r != SYM_OK || s.count != auditlog_size(log)) {
		r = sym_diag_set(diag, r ? r : SYM_ERR_INTERNAL, "%s: cannot write the entries: %s",
		                 path, sym_strerror(r ? r : SYM_ERR_INTERNAL));
		goto out;
	}
	if ((r = store_rounds_list(park->store, &rounds, &nrounds)) != SYM_OK) {
		sym_diag_set(diag, r, "store: %s", sym_strerror(r));
		goto out;
	}
	for (i = 0; i < nrounds; i++) {
		char hex[33];

		util_hex(rounds[i], STORE_ID_LEN, hex);
		snprintf(name, sizeof(name), "%s.jsonl", hex);
		if ((s.f = s_open(sub, name, path, sizeof(path))) == NULL) {
			r = sym_diag_set(diag, SYM_ERR_IO, "%s: cannot write: %s", path,
			                 strerror(errno));
			goto out;
		}
		r = store_round_batches_foreach(park->store, rounds[i], s_put_batch, &s);
		if (fclose(s.f) != 0 && r == SYM_OK)
			r = SYM_ERR_IO;
		s.f = NULL;
		if (r != SYM_OK) {
			sym_diag_set(diag, r, "%s: cannot write the batches: %s", path,
			             sym_strerror(r));
			goto out;
		}
	}
	r = SYM_OK;
out:
	free(rounds);
	free(pj);
	free(checkpoint);
	return r;
}
