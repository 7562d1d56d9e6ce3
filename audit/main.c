/*
 * symbi-audit: the reviewer's tool. It needs no keys and trusts nothing but
 * the park's public bundle (park.json in the export): it checks an exported
 * audit log against the rules of audit/FORMAT.md, replays the matching from
 * the exported token batches, and draws the agreed-exchange network.
 */
#include <errno.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "audit.h"
#include "exitcode.h"
#include "progmain.h"
#include "sysexits.h"
#include "util.h"

enum s_cmd { S_VERIFY = 1, S_REPLAY, S_GRAPH };

struct s_opts {
	enum s_cmd cmd;
	const char *dir;
	const char *svg;
	int json;
};

static void
s_usage(FILE *f)
{
	fprintf(f,
	        "usage: symbi-audit verify DIR [--json]\n"
	        "       symbi-audit replay DIR [--json]\n"
	        "       symbi-audit graph DIR [--json] [--svg FILE]\n\n"
	        "Checks an audit-log export (symbiod log export --dir PARK --out DIR) using only\n"
	        "the park's public bundle:\n"
	        "  verify  the Merkle tree against the signed checkpoint, then every rule of the\n"
	        "          log format, entry by entry (signatures, certificates, round order,\n"
	        "          consents and releases), then every token batch in DIR/batches/\n"
	        "          against the digest committed in the log (it says which rounds have\n"
	        "          no batch file and so were not checked)\n"
	        "  replay  verify, then recompute every round's matching from DIR/batches/ and\n"
	        "          compare it with the logged matches (hidden or invented candidates)\n"
	        "  graph   verify, then print the agreed-exchange network as Graphviz DOT\n"
	        "          (--svg FILE: render it with dot; --json: nodes and edges)\n\n"
	        "It reads export format versions 1 and 2 and says which it read.\n"
	        "The first problem is printed as \"entry N: RULE: message\" (N counts from 0),\n"
	        "\"checkpoint: RULE: message\" or \"round R: replay: message\".\n"
	        "Exit codes: 0 the log holds, 65 it does not, 66 a file is missing, 64 usage,\n"
	        "69 dot is not installed (--svg).\n"
	        "Options: --help, --version\n");
}

static int
s_parse_args(int argc, char **argv, struct s_opts *o)
{
	int i;

	memset(o, 0, sizeof(*o));
	if (strcmp(argv[1], "verify") == 0)
		o->cmd = S_VERIFY;
	else if (strcmp(argv[1], "replay") == 0)
		o->cmd = S_REPLAY;
	else if (strcmp(argv[1], "graph") == 0)
		o->cmd = S_GRAPH;
	else {
		fprintf(stderr, "symbi-audit: unknown command \"%s\"\n\n", argv[1]);
		return -1;
	}
	for (i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0) {
			o->json = 1;
		} else if (strcmp(argv[i], "--svg") == 0 && o->cmd == S_GRAPH) {
			if (i + 1 >= argc) {
				fprintf(stderr, "symbi-audit graph: --svg needs a FILE\n\n");
				return -1;
			}
			o->svg = argv[++i];
		} else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			return 1;
		} else if (argv[i][0] == '-' || o->dir != NULL) {
			fprintf(stderr, "symbi-audit: unexpected argument \"%s\"\n\n", argv[i]);
			return -1;
		} else {
			o->dir = argv[i];
		}
	}
	if (o->dir == NULL) {
		fprintf(stderr, "symbi-audit %s: which export directory?\n\n", argv[1]);
		return -1;
	}
	return 0;
}

static json_t *
s_error_json(const struct audit_problem *p)
{
	char hex[33], msg[sizeof(p->msg) + sizeof(p->file) + 2];
	json_t *e;

	if (p->where == AUDIT_AT_FILE)
		snprintf(msg, sizeof(msg), "%s: %s", p->file, p->msg);
	else
		snprintf(msg, sizeof(msg), "%s", p->msg);
	e = json_pack("{s:n, s:n, s:s, s:s}", "entry", "round", "rule", p->rule, "message", msg);
	if (e == NULL)
		return NULL;
	util_hex(p->round, 16, hex);
	if ((p->where == AUDIT_AT_ENTRY &&
	     json_object_set_new(e, "entry", json_integer((json_int_t)p->entry)) != 0) ||
	    (p->where == AUDIT_AT_ROUND &&
	     json_object_set_new(e, "round", json_string(hex)) != 0)) {
		json_decref(e);
		return NULL;
	}
	return e;
}

/* Round ids as a JSON array of hex strings. */
static json_t *
s_rounds_json(const uint8_t (*ids)[16], size_t n)
{
	json_t *arr = json_array();
	char hex[33];
	size_t i;

	for (i = 0; arr != NULL && i < n; i++) {
		util_hex(ids[i], 16, hex);
		if (json_array_append_new(arr, json_string(hex)) != 0) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}

/* verify's word on the batches: null when it did not get that far. */
static json_t *
s_batches_json(const struct audit_batch_stats *bst)
{
	json_t *absent;

	if (bst == NULL)
		return json_null();
	if ((absent = s_rounds_json((const uint8_t(*)[16])bst->absent, bst->nabsent)) == NULL)
		return NULL;
	return json_pack("{s:I, s:I, s:b, s:o}", "files", (json_int_t)bst->files, "checked",
	                 (json_int_t)bst->batches, "all_checked", bst->nabsent == 0,
	                 "absent_not_checked", absent);
}

/* The one JSON document of verify and replay (replay adds its counts, verify its batches). */
static int
s_print_json(const struct audit_log *log, int r, const struct audit_problem *p,
             const struct audit_replay_stats *st, int with_batches,
             const struct audit_batch_stats *bst)
{
	json_t *doc, *err = json_null();
	char hex[65];
	int cp_ok, rc;

	/* The checkpoint's numbers only once it verified; before that they mean nothing. */
	cp_ok = !p->set ||
	        (p->where != AUDIT_AT_FILE &&
	         !(p->where == AUDIT_AT_CHECKPOINT && strncmp(p->rule, "checkpoint-", 11) == 0));
	util_hex(log->cp.root, 32, hex);
	doc = json_pack("{s:b, s:o, s:I, s:o, s:o, s:I, s:I}", "ok", r == SYM_OK, "format_version",
	                log->format_version > 0 ? json_integer(log->format_version) : json_null(),
	                "entries", (json_int_t)log->entries, "tree_size",
	                cp_ok ? json_integer((json_int_t)log->cp.size) : json_null(), "root",
	                cp_ok ? json_string(hex) : json_null(), "rounds", (json_int_t)log->nrounds,
	                "members", (json_int_t)log->nmembers);
	if (doc == NULL)
		return SYM_ERR_ALLOC;
	if ((st != NULL &&
	     (json_object_set_new(doc, "pairs", json_integer((json_int_t)st->pairs)) != 0 ||
	      json_object_set_new(doc, "candidates", json_integer((json_int_t)st->candidates)) !=
	          0 ||
	      json_object_set_new(doc, "not_replayed_batches_deleted",
	                          s_rounds_json((const uint8_t(*)[16])st->deleted, st->ndeleted)) !=
	          0)) ||
	    (with_batches && json_object_set_new(doc, "batches", s_batches_json(bst)) != 0)) {
		json_decref(doc);
		return SYM_ERR_ALLOC;
	}
	if (p->set && (err = s_error_json(p)) == NULL) {
		json_decref(doc);
		return SYM_ERR_ALLOC;
	}
	rc = json_object_set_new(doc, "error", err) == 0 &&
	             json_dumpf(doc, stdout, JSON_INDENT(2)) == 0 && fputc('\n', stdout) != EOF
	         ? SYM_OK
	         : SYM_ERR_IO;
	json_decref(doc);
	return rc;
}

static void
s_print_batches(const struct audit_batch_stats *bst)
{
	char hex[33];
	size_t i;

	if (bst->files > 0)
		printf("  token batches: %llu in %llu file%s, each as committed in the log\n",
		       (unsigned long long)bst->batches, (unsigned long long)bst->files,
		       bst->files == 1 ? "" : "s");
	if (bst->hard_proofs > 0)
		printf("  hardened answers: %llu proofs hold against the committed keys\n",
		       (unsigned long long)bst->hard_proofs);
	if (bst->nabsent == 0)
		return;
	printf("  token batches NOT CHECKED for %zu round%s (no batch file in the export):",
	       bst->nabsent, bst->nabsent == 1 ? "" : "s");
	for (i = 0; i < bst->nabsent; i++) {
		util_hex(bst->absent[i], 16, hex);
		printf(" %s", hex);
	}
	printf("\n");
}

static void
s_print_replay(const struct audit_replay_stats *st)
{
	char hex[33];
	size_t i;

	printf("  replay: every replayed round's join matches the log (%llu pairs with "
	       "candidates, %llu candidates)\n",
	       (unsigned long long)st->pairs, (unsigned long long)st->candidates);
	if (st->ndeleted == 0)
		return;
	printf("  NOT REPLAYED: %zu round%s whose token batches were deleted at round end, as "
	       "announced:",
	       st->ndeleted, st->ndeleted == 1 ? "" : "s");
	for (i = 0; i < st->ndeleted; i++) {
		util_hex(st->deleted[i], 16, hex);
		printf(" %s", hex);
	}
	printf("\n");
}

static void
s_print_problem(int r, const struct audit_problem *p)
{
	char line[1024];

	if (p->set) {
		audit_problem_format(p, line, sizeof(line));
		fprintf(stderr, "%s\n", line);
	} else {
		fprintf(stderr, "symbi-audit: %s\n", sym_strerror(r));
	}
}

/* Is `name` an executable in PATH? */
static int
s_in_path(const char *name)
{
	const char *path = getenv("PATH"), *p, *end;
	char full[4096];

	for (p = path; p != NULL && *p != '\0'; p = *end ? end + 1 : end) {
		end = strchr(p, ':');
		if (end == NULL)
			end = p + strlen(p);
		if (end > p &&
		    (size_t)snprintf(full, sizeof(full), "%.*s/%s", (int)(end - p), p, name) <
		        sizeof(full) &&
		    access(full, X_OK) == 0)
			return 1;
	}
	return 0;
}

/* Render DOT text with `dot -Tsvg -o FILE`, writing the text to its stdin. */
static int
s_render_svg(const char *dot_text, const char *file)
{
	struct sigaction ign, old;
	size_t len = strlen(dot_text), done = 0;
	int fds[2], status = 0;
	pid_t pid;

	if (!s_in_path("dot")) {
		fprintf(stderr, "symbi-audit: --svg needs Graphviz's dot, which is not installed "
		                "(not in PATH)\n");
		return EXIT_UNAVAILABLE;
	}
	if (pipe(fds) != 0)
		return EXIT_SOFTWARE;
	if ((pid = fork()) < 0) {
		close(fds[0]);
		close(fds[1]);
		return EXIT_SOFTWARE;
	}
	if (pid == 0) {
		if (dup2(fds[0], STDIN_FILENO) < 0)
			_exit(127);
		close(fds[0]);
		close(fds[1]);
		execlp("dot", "dot", "-Tsvg", "-o", file, (char *)NULL);
		_exit(127);
	}
	close(fds[0]);
	/* dot may die before reading everything: a write error, not a signal, then. */
	memset(&ign, 0, sizeof(ign));
	ign.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &ign, &old);
	while (done < len) {
		ssize_t n = write(fds[1], dot_text + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		done += (size_t)n;
	}
	close(fds[1]);
	sigaction(SIGPIPE, &old, NULL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (done != len || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "symbi-audit: dot could not render %s\n", file);
		return EXIT_CANTCREAT;
	}
	return 0;
}

static int
s_graph(const struct s_opts *o, const struct audit_log *log)
{
	char *text = NULL;
	int r, rc = 0;

	if (o->svg != NULL) {
		if ((r = audit_graph_dot(log, &text)) != SYM_OK)
			goto fail;
		rc = s_render_svg(text, o->svg);
		free(text);
		text = NULL;
		if (rc != 0 || !o->json)
			return rc;
	}
	r = o->json ? audit_graph_json(log, &text) : audit_graph_dot(log, &text);
	if (r != SYM_OK)
		goto fail;
	rc = fputs(text, stdout) == EOF || (o->json && fputc('\n', stdout) == EOF) ? EXIT_IOERR : 0;
	free(text);
	return rc;
fail:
	fprintf(stderr, "symbi-audit: %s\n", sym_strerror(r));
	return sym_exit_code(r, SYM_ORIGIN_INPUT);
}

static int
s_run(const struct s_opts *o)
{
	struct audit_replay_stats st, *stp = NULL;
	struct audit_batch_stats bst, *bstp = NULL;
	struct audit_problem p;
	struct audit_log log;
	int r, rc;

	memset(&st, 0, sizeof(st));
	memset(&bst, 0, sizeof(bst));
	r = audit_verify(o->dir, &log, &p);
	/* replay checks the batches of the rounds it joins itself, as it reads them. */
	if (r == SYM_OK && o->cmd == S_VERIFY) {
		bstp = &bst;
		r = audit_verify_batches(o->dir, &log, &bst, &p);
	}
	if (r == SYM_OK && o->cmd == S_REPLAY) {
		stp = &st;
		r = audit_replay(o->dir, &log, &st, &p);
	}
	if (r == SYM_OK && o->cmd == S_GRAPH) {
		rc = s_graph(o, &log);
		audit_log_free(&log);
		return rc;
	}
	/* The export is the user's file: a bad signature in it is a data error. */
	rc = sym_exit_code(r, SYM_ORIGIN_INPUT);
	if (o->json) {
		if (s_print_json(&log, r, &p, stp, o->cmd == S_VERIFY, r == SYM_OK ? bstp : NULL) !=
		    SYM_OK)
			rc = EXIT_SOFTWARE;
	} else if (r != SYM_OK) {
		s_print_problem(r, &p);
	} else {
		char hex[65];
		util_hex(log.root, 32, hex);
		printf("symbi-audit: the log verifies: %llu entries, tree root %s\n"
		       "  export format version %d%s\n"
		       "  signed checkpoint: %s, size %llu\n"
		       "  members enrolled: %zu, rounds: %zu\n",
		       (unsigned long long)log.entries, hex, log.format_version,
		       log.format_version == 1
		           ? " (no format-version file: written before protocol 1.1)"
		           : "",
		       log.cp.origin, (unsigned long long)log.cp.size, log.nmembers, log.nrounds);
		if (stp != NULL)
			s_print_replay(&st);
		if (bstp != NULL)
			s_print_batches(bstp);
	}
	audit_batch_stats_clear(&bst);
	audit_replay_stats_clear(&st);
	audit_log_free(&log);
	return rc;
}

int
main(int argc, char **argv)
{
	/* No keys here, so core files stay as the system has them. */
	static const struct progmain prog = {"symbi-audit", s_usage, 0};
	struct s_opts o;
	int r;

	if ((r = progmain_start(&prog, argc, argv)) != PROGMAIN_RUN)
		return r;
	if ((r = s_parse_args(argc, argv, &o)) != 0) {
		s_usage(r > 0 ? stdout : stderr);
		return r > 0 ? 0 : EXIT_USAGE;
	}
	return s_run(&o);
}
