/*
 * symbi-audit verify: the rules of audit/FORMAT.md, checked entry by entry
 * in log order against the park's public bundle, building the model that
 * replay and graph read (audit.h). The rules themselves are in rules*.c.
 *
 * Order of reports: the checkpoint first (it is the only thing the
 * coordinator signed), then the framing of entries.jsonl, then the tree's
 * size and root, and only then the first rule an entry breaks. A log whose
 * bytes are not the signed ones has no rules worth discussing.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "audit.h"
#include "batches.h"
#include "entry.h"
#include "rules.h"
#include "util.h"

static int
s_check_entry(struct audit_verifier *v, const uint8_t *line, size_t len, uint64_t index)
{
	struct audit_entry e;
	int r;

	if ((r = audit_entry_parse(line, len, index, v->p, &e)) != SYM_OK)
		return r;
	r = rules_check(v, &e);
	audit_entry_clear(&e);
	return r;
}

static int
s_add_leaf(struct audit_log *log, const uint8_t *line, size_t len)
{
	merkle_hash_t *p;

	if (log->nleaves == log->leaves_cap) {
		size_t cap = log->leaves_cap == 0 ? 1024 : 2 * log->leaves_cap;
		if (cap > SIZE_MAX / sizeof(*p) ||
		    (p = realloc(log->leaves, cap * sizeof(*p))) == NULL)
			return SYM_ERR_ALLOC;
		log->leaves = p;
		log->leaves_cap = cap;
	}
	merkle_leaf_hash(line, len, log->leaves[log->nleaves++]);
	return SYM_OK;
}

static int
s_missing(struct audit_problem *p, const char *name)
{
	audit_fail_file(p, name, "missing", "no such file in the export");
	return SYM_ERR_NOT_FOUND;
}

static int
s_load_checkpoint(const char *dir, struct audit_log *log, struct audit_problem *p)
{
	char path[4096], *text = NULL;
	size_t len = 0;
	int r;

	if ((r = audit_path(dir, "checkpoint", path, sizeof(path))) != SYM_OK)
		return r;
	r = util_read_file(path, CHECKPOINT_MAX, &text, &len);
	if (r == SYM_ERR_NOT_FOUND)
		return s_missing(p, "checkpoint");
	if (r == SYM_ERR_LIMIT)
		return audit_fail_checkpoint(p, "checkpoint-format", "larger than %u bytes",
		                             CHECKPOINT_MAX);
	if (r != SYM_OK) {
		audit_fail_file(p, "checkpoint", "unreadable", "%s", sym_strerror(r));
		return r;
	}
	r = checkpoint_verify(text, len, log->park.coordinator_ed25519, &log->cp);
	free(text);
	if (r == SYM_ERR_FORMAT)
		return audit_fail_checkpoint(p, "checkpoint-format",
		                             "not a signed note of the form FORMAT.md gives");
	if (r != SYM_OK)
		return audit_fail_checkpoint(
		    p, "checkpoint-signature",
		    "not signed by the coordinator key in park.json (origin "
		    "or signature)");
	return SYM_OK;
}

/*
 * Which export format this is: format-version holds "N\n"; version 1 had no
 * such file. A version this reader does not know is refused, not guessed.
 */
static int
s_load_format(const char *dir, struct audit_log *log, struct audit_problem *p)
{
	char path[4096], *text = NULL;
	size_t len = 0;
	int r, v;

	if ((r = audit_path(dir, "format-version", path, sizeof(path))) != SYM_OK)
		return r;
	r = util_read_file(path, 64, &text, &len);
	if (r == SYM_ERR_NOT_FOUND) {
		log->format_version = 1;
		return SYM_OK;
	}
	if (r != SYM_OK && r != SYM_ERR_LIMIT) {
		audit_fail_file(p, "format-version", "unreadable", "%s", sym_strerror(r));
		return r;
	}
	v = r == SYM_OK && len == 2 && text[1] == '\n' ? text[0] - '0' : -1;
	free(text);
	if (v < AUDIT_FORMAT_MIN || v > AUDIT_FORMAT_MAX)
		return audit_fail_file(p, "format-version", "format-version",
		                       "not an export format this symbi-audit reads (versions "
		                       "%d to %d, written as one digit and a newline)",
		                       AUDIT_FORMAT_MIN, AUDIT_FORMAT_MAX);
	log->format_version = v;
	return SYM_OK;
}

static int
s_load_park(const char *dir, struct audit_log *log, struct audit_problem *p)
{
	struct sym_diag diag = {""};
	char path[4096];
	struct stat st;
	int r;

	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		audit_fail_file(p, dir, "missing", "no such directory");
		return SYM_ERR_NOT_FOUND;
	}
	if ((r = audit_path(dir, "park.json", path, sizeof(path))) != SYM_OK)
		return r;
	if (stat(path, &st) != 0)
		return s_missing(p, "park.json");
	if (parkinfo_load(path, &log->park, &diag) != SYM_OK)
		return audit_fail_file(p, "park.json", "park", "%s", diag.msg);
	if ((r = cert_verifier_new(log->park.ca_pem, &log->certs, &diag)) != SYM_OK)
		return r == SYM_ERR_ALLOC ? r
		                          : audit_fail_file(p, "park.json", "park",
		                                            "the CA certificate: %s", diag.msg);
	if ((r = cert_park_id(log->park.ca_pem, log->park_id)) != SYM_OK)
		return r == SYM_ERR_ALLOC ? r
		                          : audit_fail_file(p, "park.json", "park",
		                                            "the CA certificate does not parse");
	return SYM_OK;
}

static int
s_walk(const char *dir, struct audit_verifier *v, struct audit_problem *framing)
{
	struct audit_lines *lr = NULL;
	const uint8_t *line;
	char path[4096];
	size_t len;
	int r, got;

	if ((r = audit_path(dir, "entries.jsonl", path, sizeof(path))) != SYM_OK)
		return r;
	r = audit_lines_open(path, AUDIT_LINE_MAX, &lr);
	if (r == SYM_ERR_NOT_FOUND)
		return s_missing(framing, "entries.jsonl");
	if (r != SYM_OK)
		return r;
	for (;;) {
		got = audit_lines_next(lr, &line, &len, NULL);
		if (got == 0)
			break;
		if (got == SYM_ERR_LIMIT) {
			r = audit_fail_entry(framing, v->log->entries, "malformed-entry",
			                     "line longer than %u bytes", AUDIT_LINE_MAX);
			goto out;
		}
		if (got == SYM_ERR_FORMAT) {
			r = audit_fail_entry(
			    framing, v->log->entries, "malformed-entry",
			    "the last line has no final newline (a truncated file?)");
			goto out;
		}
		if (got < 0) {
			r = got;
			goto out;
		}
		if (len == 0) {
			r = audit_fail_entry(framing, v->log->entries, "malformed-entry",
			                     "an empty line");
			goto out;
		}
		if ((r = s_add_leaf(v->log, line, len)) != SYM_OK)
			goto out;
		/* After the first broken rule only the hashing goes on: the tree comes first. */
		if (!v->p->set) {
			r = s_check_entry(v, line, len, v->log->entries);
			if (r != SYM_OK && r != SYM_ERR_VERIFY)
				goto out;
		}
		v->log->entries++;
	}
	r = SYM_OK;
out:
	audit_lines_close(&lr);
	return r;
}

int
audit_verify(const char *dir, struct audit_log *log, struct audit_problem *p)
{
	struct audit_problem rules;
	struct audit_verifier v;
	char hex[65];
	int r;

	memset(log, 0, sizeof(*log));
	memset(p, 0, sizeof(*p));
	memset(&rules, 0, sizeof(rules));
	if ((r = s_load_park(dir, log, p)) != SYM_OK ||
	    (r = s_load_format(dir, log, p)) != SYM_OK ||
	    (r = s_load_checkpoint(dir, log, p)) != SYM_OK)
		return r;
	log->member_ix = audit_index_new();
	log->round_ix = audit_index_new();
	log->cand_ix = audit_index_new();
	log->pair_ix = audit_index_new();
	if (log->member_ix == NULL || log->round_ix == NULL || log->cand_ix == NULL ||
	    log->pair_ix == NULL)
		return SYM_ERR_ALLOC;
	v.log = log;
	v.p = &rules;
	if ((r = s_walk(dir, &v, p)) != SYM_OK)
		return r;
	if ((r = merkle_root((const merkle_hash_t *)log->leaves, log->nleaves, log->root)) !=
	    SYM_OK)
		return r;
	if (log->cp.size != log->entries)
		return audit_fail_checkpoint(
		    p, "tree-size", "the checkpoint covers %llu entries, the export has %llu",
		    (unsigned long long)log->cp.size, (unsigned long long)log->entries);
	if (memcmp(log->root, log->cp.root, 32) != 0) {
		util_hex(log->root, 32, hex);
		return audit_fail_checkpoint(
		    p, "tree-root", "the entries hash to root %s, not to the checkpoint's", hex);
	}
	if (rules.set) {
		*p = rules;
		return SYM_ERR_VERIFY;
	}
	return SYM_OK;
}

/* ---- the token batches ------------------------------------------------------ */

static const char s_batches_rule[] = "batches";

/* Every name in DIR/batches must be <round>.jsonl for a round of the log. */
static int
s_batch_names(const char *dir, const struct audit_log *log, struct audit_problem *p)
{
	char path[4096], name[64];
	uint8_t id[16];
	struct dirent *de;
	size_t ri, len;
	DIR *d;
	int r = SYM_OK;

	if ((r = audit_path(dir, "batches", path, sizeof(path))) != SYM_OK)
		return r;
	if ((d = opendir(path)) == NULL)
		return SYM_OK; /* no batches at all: every round is listed as absent */
	while (r == SYM_OK && (de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		len = strlen(de->d_name);
		snprintf(name, sizeof(name), "%.32s", de->d_name);
		if ((len != 38 || strcmp(de->d_name + 32, ".jsonl") != 0) &&
		    (len != 43 || strcmp(de->d_name + 32, ".hard.jsonl") != 0))
			len = 0; /* neither a round's token batches nor its hardened batches */
		if (len == 0 || audit_unhex(name, id, 16) != SYM_OK ||
		    audit_round_find(log, id, &ri) != SYM_OK ||
		    (len == 43 && log->rounds[ri].hard == NULL)) {
			snprintf(name, sizeof(name), "batches/%.48s", de->d_name);
			r = audit_fail_file(p, name, s_batches_rule,
			                    "not the batch file of a round in the log, so not "
			                    "checked against anything");
		}
	}
	closedir(d);
	return r;
}

int
audit_verify_batches(const char *dir, const struct audit_log *log, struct audit_batch_stats *st,
                     struct audit_problem *p)
{
	struct audit_verifier v = {(struct audit_log *)log, p};
	struct audit_batches *bs = NULL;
	uint8_t *absent;
	size_t ri, nproofs = 0;
	int r;

	memset(st, 0, sizeof(*st));
	for (ri = 0; ri < log->nrounds; ri++) {
		/* A hardened round's proofs, against the keys its members committed. */
		if ((r = rules_hard_batches(&v, dir, ri, &nproofs)) != SYM_OK)
			return r;
		st->hard_proofs += nproofs;
		r = audit_batches_open(dir, log, ri, s_batches_rule, p, &bs);
		if (r == SYM_ERR_NOT_FOUND) {
			if ((absent = audit_push((void **)&st->absent, &st->nabsent,
			                         sizeof(*st->absent))) == NULL)
				return SYM_ERR_ALLOC;
			memcpy(absent, log->rounds[ri].id, 16);
			continue;
		}
		if (r == SYM_OK && (r = audit_batches_complete(bs)) == SYM_OK) {
			st->files++;
			st->batches += audit_batches_count(bs);
		}
		audit_batches_close(&bs);
		if (r != SYM_OK)
			return r;
	}
	return s_batch_names(dir, log, p);
}

void
audit_batch_stats_clear(struct audit_batch_stats *st)
{
	free(st->absent);
	memset(st, 0, sizeof(*st));
}
