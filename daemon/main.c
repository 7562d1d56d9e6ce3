/* symbiod: the park operator's coordinator daemon and its offline commands. */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>

#include "config.h"
#include "control.h"
#include "log.h"
#include "park.h"
#include "server.h"
#include "sysexits.h"
#include "util.h"

#define SYMBIOD_CONFIG "/etc/symbiod/symbiod.conf"

static const char *const s_log_levels[] = {"err", "warning", "notice", "info", "debug", NULL};
static const char *const s_log_formats[] = {"text", "json", NULL};

/* What a configuration file can set; the initial values are the defaults. */
static struct {
	char dir[PATH_MAX];
	char endpoint[PARK_ENDPOINT_MAX + 1];
	int handshake_ms, heartbeat_ms;
	int log_level, log_format; /* indexes into s_log_levels, s_log_formats */
} s_cfg = {"", "", 5000, 10000, 3, 0};

static const char *
s_check_dir(const char *v)
{
	return v[0] == '/' ? NULL : "not an absolute path";
}

static const char *
s_check_endpoint(const char *v)
{
	return parkinfo_endpoint_valid(v) ? NULL : "not tcp://HOST:PORT";
}

static const struct config_key s_keys[] = {
    {"dir", CONFIG_STRING, s_cfg.dir, sizeof(s_cfg.dir), 0, 0, NULL, s_check_dir,
     "the park's data directory (PARK), an absolute path; --dir overrides it",
     "none; --dir is required"},
    {"endpoint", CONFIG_STRING, s_cfg.endpoint, sizeof(s_cfg.endpoint), 0, 0, NULL,
     s_check_endpoint,
     "run: listen on this tcp://HOST:PORT, not PARK/park.json's; --endpoint overrides it",
     "the endpoint in PARK/park.json"},
    {"handshake_ms", CONFIG_INT, &s_cfg.handshake_ms, 0, 100, 600000, NULL, NULL,
     "run: a CURVE handshake must complete within this many milliseconds", NULL},
    {"heartbeat_ms", CONFIG_INT, &s_cfg.heartbeat_ms, 0, 100, 600000, NULL, NULL,
     "run: ZMTP heartbeat interval in milliseconds; a peer silent for 3 is dropped", NULL},
    {"log_level", CONFIG_ENUM, &s_cfg.log_level, 0, 0, 0, s_log_levels, NULL,
     "run: the least severe messages logged; --log-level overrides it", NULL},
    {"log_format", CONFIG_ENUM, &s_cfg.log_format, 0, 0, 0, s_log_formats, NULL,
     "run: log text lines or JSON objects on stderr; --log-format overrides it", NULL},
};
#define NKEYS (sizeof(s_keys) / sizeof(s_keys[0]))

/* The file the settings came from, for the log; NULL: none, the defaults apply. */
static const char *s_cfg_from;

/*
 * Read the configuration: the file given with --config, which must exist,
 * else SYMBIOD_CONFIG if there is one. Returns 0 or EXIT_CONFIG, said why.
 */
static int
s_config(const char *path)
{
	struct sym_diag diag = {""};
	int r;

	r = config_load(path ? path : SYMBIOD_CONFIG, s_keys, NKEYS, &diag);
	if (r == SYM_ERR_NOT_FOUND && path == NULL)
		return 0;
	if (r != SYM_OK) {
		fprintf(stderr, "symbiod: %s\n", diag.msg);
		return EXIT_CONFIG;
	}
	s_cfg_from = path ? path : SYMBIOD_CONFIG;
	return 0;
}

/* The index of name in a NULL-terminated list, or -1. */
static int
s_choice(const char *const *choices, const char *name)
{
	int i;

	for (i = 0; choices[i] != NULL; i++)
		if (strcmp(choices[i], name) == 0)
			return i;
	return -1;
}

static int
s_exit_for(int r)
{
	switch (r) {
	case SYM_OK: return 0;
	case SYM_ERR_NOT_FOUND: return EXIT_NOINPUT;
	case SYM_ERR_PERM: return EXIT_NOPERM;
	case SYM_ERR_IO: return EXIT_IOERR;
	case SYM_ERR_INVALID: return EXIT_USAGE;
	case SYM_ERR_EXISTS: return EXIT_CANTCREAT;
	case SYM_ERR_FORMAT:
	case SYM_ERR_VERIFY:
	case SYM_ERR_RANGE:
	case SYM_ERR_LIMIT: return EXIT_DATAERR;
	}
	return EXIT_SOFTWARE;
}

static void
s_usage(FILE *f)
{
	fprintf(f,
	        "usage: symbiod COMMAND [OPTIONS]\n\n"
	        "The Symbiod coordinator: matches blinded tokens of a park's companies\n"
	        "without learning their flows.\n\n"
	        "Commands:\n"
	        "  init --dir PARK --name NAME --endpoint tcp://HOST:PORT\n"
	        "                     create a park: CA, coordinator keys, store, park.json\n"
	        "  enroll --dir PARK --csr FILE --out CERT\n"
	        "                     verify a company's request and issue its certificate\n"
	        "  revoke --dir PARK --id ID\n"
	        "                     revoke a member (takes effect in a running daemon at once)\n"
	        "  members --dir PARK [--json]\n"
	        "                     list the members\n"
	        "  run --dir PARK [--endpoint EP] [--log-level LEVEL] [--log-format text|json]\n"
	        "                     run the daemon in the foreground (SIGINT/SIGTERM stop it,\n"
	        "                     SIGHUP reloads the directory)\n"
	        "  status --dir PARK [--json]\n"
	        "                     ask the running daemon how it is\n"
	        "  round open|close|end|status --dir PARK [--json]\n"
	        "                     drive a matching round (close runs the matching)\n"
	        "  log export --dir PARK --out DIR | log checkpoint --dir PARK\n"
	        "                     the signed audit log for reviewers (symbi-audit)\n"
	        "  --check-config [--config FILE]\n"
	        "                     check the configuration file and print the settings;\n"
	        "                     exit 0, or 78 naming the line and the key\n\n"
	        "Every command reads " SYMBIOD_CONFIG " if it exists, or --config FILE;\n"
	        "command-line options override it. Its lines are `key = value` or # comments:\n");
	config_usage(f, s_keys, NKEYS);
	fprintf(f, "\nOptions: --help, --version. Exit codes follow sysexits(3).\n");
}

struct args {
	const char *dir, *name, *endpoint, *csr, *out, *id, *config, *log_level, *log_format;
	int json;
};

/* Options, then the configuration; --dir from either. run: accept the log options. */
static int
s_parse(int argc, char **argv, struct args *a, const char *usage, int run)
{
	static const struct option opts[] = {
	    {"dir", required_argument, NULL, 'd'},      {"name", required_argument, NULL, 'n'},
	    {"endpoint", required_argument, NULL, 'e'}, {"csr", required_argument, NULL, 'c'},
	    {"out", required_argument, NULL, 'o'},      {"id", required_argument, NULL, 'i'},
	    {"json", no_argument, NULL, 'j'},           {"config", required_argument, NULL, 'C'},
	    {"log-level", required_argument, NULL, 'L'},
	    {"log-format", required_argument, NULL, 'F'},
	    {"help", no_argument, NULL, 'h'},           {NULL, 0, NULL, 0}};
	int c, r;

	memset(a, 0, sizeof(*a));
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'd': a->dir = optarg; break;
		case 'n': a->name = optarg; break;
		case 'e': a->endpoint = optarg; break;
		case 'c': a->csr = optarg; break;
		case 'o': a->out = optarg; break;
		case 'i': a->id = optarg; break;
		case 'j': a->json = 1; break;
		case 'C': a->config = optarg; break;
		case 'L': a->log_level = optarg; break;
		case 'F': a->log_format = optarg; break;
		case 'h': printf("usage: symbiod %s\n", usage); return -1;
		default: fprintf(stderr, "usage: symbiod %s\n", usage); return EXIT_USAGE;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "symbiod: unexpected argument \"%s\"\nusage: symbiod %s\n", argv[optind],
		        usage);
		return EXIT_USAGE;
	}
	if (!run && (a->log_level != NULL || a->log_format != NULL)) {
		fprintf(stderr, "symbiod: --log-level and --log-format are options of run\n");
		return EXIT_USAGE;
	}
	if ((r = s_config(a->config)) != 0)
		return r;
	if (a->dir == NULL && s_cfg.dir[0] != '\0')
		a->dir = s_cfg.dir;
	if (a->dir == NULL) {
		fprintf(stderr,
		        "symbiod: --dir PARK is required (or dir in the configuration file)\n"
		        "usage: symbiod %s\n",
		        usage);
		return EXIT_USAGE;
	}
	return 0;
}

static int
cmd_init(int argc, char **argv)
{
	const char *usage = "init --dir PARK --name NAME --endpoint tcp://HOST:PORT";
	struct sym_diag diag = {""};
	struct args a;
	int r;

	if ((r = s_parse(argc, argv, &a, usage, 0)) != 0)
		return r < 0 ? 0 : r;
	if (a.name == NULL || a.endpoint == NULL) {
		fprintf(stderr, "symbiod init: --name and --endpoint are required\n");
		return EXIT_USAGE;
	}
	if ((r = park_init(a.dir, a.name, a.endpoint, &diag)) != SYM_OK) {
		fprintf(stderr, "symbiod init: %s\n", diag.msg);
		return s_exit_for(r);
	}
	fprintf(stderr,
	        "symbiod init: park \"%s\" created in %s\n"
	        "  give companies %s/park.json; enroll each with: symbiod enroll --dir %s --csr "
	        "FILE --out CERT\n",
	        a.name, a.dir, a.dir, a.dir);
	return 0;
}

static int
cmd_enroll(int argc, char **argv)
{
	const char *usage = "enroll --dir PARK --csr FILE --out CERT";
	struct sym_diag diag = {""};
	struct member_record rec;
	struct park *park = NULL;
	char *csr = NULL, *cert = NULL;
	size_t csr_len = 0;
	struct args a;
	int r;

	if ((r = s_parse(argc, argv, &a, usage, 0)) != 0)
		return r < 0 ? 0 : r;
	if (a.csr == NULL || a.out == NULL) {
		fprintf(stderr, "symbiod enroll: --csr and --out are required\n");
		return EXIT_USAGE;
	}
	if ((r = util_read_file(a.csr, CERT_PEM_MAX, &csr, &csr_len)) != SYM_OK) {
		fprintf(stderr, "symbiod enroll: %s: cannot read: %s\n", a.csr, sym_strerror(r));
		return r == SYM_ERR_LIMIT ? EXIT_DATAERR : EXIT_NOINPUT;
	}
	if ((r = park_open(a.dir, PARK_OPEN_CA, &park, &diag)) != SYM_OK ||
	    (r = park_enroll(park, csr, csr_len, &cert, &rec, &diag)) != SYM_OK) {
		fprintf(stderr, "symbiod enroll: %s\n", diag.msg);
		r = s_exit_for(r);
		goto out;
	}
	if ((r = util_write_file(a.out, cert, strlen(cert), 0644, 0)) != SYM_OK) {
		/* The member is recorded; the certificate can be issued again only by revoking. */
		fprintf(stderr, "symbiod enroll: %s: cannot write the certificate: %s\n", a.out,
		        sym_strerror(r));
		r = EXIT_CANTCREAT;
		goto out;
	}
	fprintf(stderr, "symbiod enroll: enrolled \"%s\" (%s); certificate written to %s\n", rec.id,
	        rec.name, a.out);
	r = 0;
out:
	free(csr);
	free(cert);
	park_close(&park);
	return r;
}

static int
cmd_revoke(int argc, char **argv)
{
	const char *usage = "revoke --dir PARK --id ID";
	struct sym_diag diag = {""};
	struct park *park = NULL;
	struct args a;
	int r;

	if ((r = s_parse(argc, argv, &a, usage, 0)) != 0)
		return r < 0 ? 0 : r;
	if (a.id == NULL) {
		fprintf(stderr, "symbiod revoke: --id is required\n");
		return EXIT_USAGE;
	}
	if ((r = park_open(a.dir, 0, &park, &diag)) == SYM_OK &&
	    (r = park_revoke(park, a.id, &diag)) == SYM_ERR_EXISTS) {
		/* Idempotent for scripts: the member is revoked, as asked. */
		fprintf(stderr, "symbiod revoke: \"%s\" was already revoked; nothing changed\n", a.id);
		park_close(&park);
		return 0;
	}
	if (r != SYM_OK) {
		fprintf(stderr, "symbiod revoke: %s\n", diag.msg);
		park_close(&park);
		return s_exit_for(r);
	}
	fprintf(stderr, "symbiod revoke: \"%s\" revoked\n", a.id);
	park_close(&park);
	return 0;
}

static int
cmd_members(int argc, char **argv)
{
	const char *usage = "members --dir PARK [--json]";
	struct sym_diag diag = {""};
	struct park *park = NULL;
	struct store_member *m = NULL;
	size_t n = 0, i;
	struct args a;
	int r;

	if ((r = s_parse(argc, argv, &a, usage, 0)) != 0)
		return r < 0 ? 0 : r;
	if ((r = park_open(a.dir, 0, &park, &diag)) != SYM_OK) {
		fprintf(stderr, "symbiod members: %s\n", diag.msg);
		return s_exit_for(r);
	}
	if ((r = store_members_list(park->store, &m, &n)) != SYM_OK) {
		fprintf(stderr, "symbiod members: cannot read the store: %s\n", sym_strerror(r));
		park_close(&park);
		return s_exit_for(r);
	}
	if (a.json) {
		json_t *arr = json_array();
		for (i = 0; i < n; i++) {
			char fp[65], ed[65], x[65], cv[65];
			util_hex(m[i].rec.fingerprint, 32, fp);
			util_hex(m[i].rec.ed25519, 32, ed);
			util_hex(m[i].rec.x25519, 32, x);
			util_hex(m[i].rec.curve, 32, cv);
			json_array_append_new(
			    arr, json_pack("{s:s, s:s, s:s, s:I, s:s, s:s, s:s, s:s, s:I, s:I}", "id",
			                   m[i].rec.id, "name", m[i].rec.name, "status",
			                   m[i].revoked ? "revoked" : "active", "serial",
			                   (json_int_t)m[i].serial, "fingerprint", fp, "ed25519", ed,
			                   "x25519", x, "curve", cv, "enrolled_at",
			                   (json_int_t)m[i].enrolled_at, "revoked_at",
			                   (json_int_t)m[i].revoked_at));
		}
		json_dumpf(arr, stdout, JSON_INDENT(2));
		fputc('\n', stdout);
		json_decref(arr);
	} else {
		printf("%-20s %-8s %-32s %s\n", "ID", "STATUS", "NAME", "CERTIFICATE SHA-256");
		for (i = 0; i < n; i++) {
			char fp[65];
			util_hex(m[i].rec.fingerprint, 32, fp);
			printf("%-20s %-8s %-32s %.16s...\n", m[i].rec.id,
			       m[i].revoked ? "revoked" : "active", m[i].rec.name, fp);
		}
	}
	store_members_free(m, n);
	park_close(&park);
	return 0;
}

static int
cmd_run(int argc, char **argv)
{
	const char *usage = "run --dir PARK [--endpoint tcp://HOST:PORT] [--log-level LEVEL]\n"
	                    "           [--log-format text|json] [--config FILE]";
	struct server_opts opts = {NULL, 0, 0};
	struct sym_diag diag = {""};
	struct park *park = NULL;
	enum log_level level;
	struct args a;
	int r;

	if ((r = s_parse(argc, argv, &a, usage, 1)) != 0)
		return r < 0 ? 0 : r;
	if (a.log_level != NULL && (s_cfg.log_level = s_choice(s_log_levels, a.log_level)) < 0) {
		fprintf(stderr, "symbiod run: --log-level: not one of err, warning, notice, info, "
		                "debug\n");
		return EXIT_USAGE;
	}
	if (a.log_format != NULL &&
	    (s_cfg.log_format = s_choice(s_log_formats, a.log_format)) < 0) {
		fprintf(stderr, "symbiod run: --log-format: not one of text, json\n");
		return EXIT_USAGE;
	}
	opts.endpoint = a.endpoint ? a.endpoint : s_cfg.endpoint[0] ? s_cfg.endpoint : NULL;
	opts.handshake_ms = s_cfg.handshake_ms;
	opts.heartbeat_ms = s_cfg.heartbeat_ms;
	level = (enum log_level)(LOG_LVL_ERR + s_cfg.log_level);
	log_init("symbiod", level);
	log_set_level(level);
	log_set_format(s_cfg.log_format == 1);
	if (s_cfg_from != NULL)
		log_info("settings from %s", s_cfg_from);
	/* The daemon needs no CA key to serve: it stays on disk. */
	if ((r = park_open(a.dir, 0, &park, &diag)) != SYM_OK) {
		log_err("%s", diag.msg);
		return s_exit_for(r);
	}
	r = server_run(park, &opts);
	park_close(&park);
	return r;
}

static int
cmd_status(int argc, char **argv)
{
	const char *usage = "status --dir PARK [--json]";
	struct sym_diag diag = {""};
	char path[PATH_MAX];
	json_t *req, *reply = NULL;
	struct args a;
	int r;

	if ((r = s_parse(argc, argv, &a, usage, 0)) != 0)
		return r < 0 ? 0 : r;
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", a.dir, PARK_CONTROL_SOCKET) >= sizeof(path))
		return EXIT_USAGE;
	req = json_pack("{s:s}", "cmd", "status");
	r = control_call(path, req, 5000, &reply, &diag);
	json_decref(req);
	if (r != SYM_OK) {
		fprintf(stderr, "symbiod status: %s\n", diag.msg);
		return EXIT_UNAVAILABLE;
	}
	if (a.json) {
		json_object_del(reply, "ok");
		json_dumpf(reply, stdout, JSON_INDENT(2));
		fputc('\n', stdout);
	} else {
		printf("park      %s\nendpoint  %s\nmembers   %lld\nphase     %s\nrequests  %lld "
		       "(%lld refused)\n",
		       json_string_value(json_object_get(reply, "park")),
		       json_string_value(json_object_get(reply, "endpoint")),
		       (long long)json_integer_value(json_object_get(reply, "members")),
		       json_string_value(json_object_get(reply, "phase")),
		       (long long)json_integer_value(json_object_get(reply, "requests")),
		       (long long)json_integer_value(json_object_get(reply, "requests_refused")));
	}
	json_decref(reply);
	return 0;
}

/* symbiod round open|close|end|status: the operator drives rounds over the control socket. */
static int
cmd_round(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"dir", required_argument, NULL, 'd'},           {"json", no_argument, NULL, 'j'},
	    {"pad-offers", required_argument, NULL, 'o'},    {"pad-needs", required_argument, NULL, 'n'},
	    {"quantum", required_argument, NULL, 'q'},       {"max-items", required_argument, NULL, 'm'},
	    {"submit-minutes", required_argument, NULL, 's'},
	    {"consent-minutes", required_argument, NULL, 'c'},
	    {"config", required_argument, NULL, 'C'},        {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0}};
	const char *usage =
	    "round open|close|end|status --dir PARK [--json] [--config FILE]\n"
	    "  open options: [--pad-offers N] [--pad-needs N] [--quantum N] [--max-items N]\n"
	    "                [--submit-minutes M] [--consent-minutes M]";
	struct sym_diag diag = {""};
	const char *dir = NULL, *config = NULL, *action;
	char path[PATH_MAX];
	json_t *req, *reply = NULL;
	int c, json = 0, r;

	if (argc < 2 || argv[1][0] == '-') {
		if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
			printf("usage: symbiod %s\n", usage);
			return 0;
		}
		fprintf(stderr, "usage: symbiod %s\n", usage);
		return EXIT_USAGE;
	}
	action = argv[1];
	if (strcmp(action, "open") != 0 && strcmp(action, "close") != 0 &&
	    strcmp(action, "end") != 0 && strcmp(action, "status") != 0) {
		fprintf(stderr, "symbiod round: unknown action \"%s\"\nusage: symbiod %s\n", action,
		        usage);
		return EXIT_USAGE;
	}
	req = json_pack("{s:s, s:s}", "cmd", "round", "action", action);
	optind = 2;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		char *end = NULL;
		long v = 0;

		if (c == 'd' || c == 'j' || c == 'C' || c == 'h') {
			if (c == 'd')
				dir = optarg;
			else if (c == 'C')
				config = optarg;
			else if (c == 'j')
				json = 1;
			else {
				printf("usage: symbiod %s\n", usage);
				json_decref(req);
				return 0;
			}
			continue;
		}
		if (c == '?' || optarg == NULL || (v = strtol(optarg, &end, 10)) < 0 || *end != '\0' ||
		    v > 100000000 || strcmp(action, "open") != 0) {
			fprintf(stderr, "symbiod round: bad option%s%s\nusage: symbiod %s\n",
			        optarg ? " value " : "", optarg ? optarg : "", usage);
			json_decref(req);
			return EXIT_USAGE;
		}
		json_object_set_new(req,
		                    c == 'o'   ? "pad_offers"
		                    : c == 'n' ? "pad_needs"
		                    : c == 'q' ? "quantum"
		                    : c == 'm' ? "max_items"
		                    : c == 's' ? "submit_minutes"
		                               : "consent_minutes",
		                    json_integer(v));
	}
	if (optind == argc && (r = s_config(config)) != 0) {
		json_decref(req);
		return r;
	}
	if (dir == NULL && s_cfg.dir[0] != '\0')
		dir = s_cfg.dir;
	if (dir == NULL || optind != argc) {
		fprintf(stderr, "usage: symbiod %s\n", usage);
		json_decref(req);
		return EXIT_USAGE;
	}
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, PARK_CONTROL_SOCKET) >= sizeof(path)) {
		json_decref(req);
		return EXIT_USAGE;
	}
	/* Closing runs the whole matching before it answers: allow it time. */
	r = control_call(path, req, strcmp(action, "close") == 0 ? 3600 * 1000 : 30000, &reply,
	                 &diag);
	json_decref(req);
	if (r != SYM_OK) {
		fprintf(stderr, "symbiod round %s: %s\n", action, diag.msg);
		return EXIT_UNAVAILABLE;
	}
	if (!json_is_true(json_object_get(reply, "ok"))) {
		fprintf(stderr, "symbiod round %s: %s\n", action,
		        json_string_value(json_object_get(reply, "error")));
		json_decref(reply);
		return EXIT_DATAERR;
	}
	json_object_del(reply, "ok");
	if (json) {
		json_dumpf(reply, stdout, JSON_INDENT(2));
		fputc('\n', stdout);
	} else if (strcmp(action, "open") == 0) {
		printf("%s\n", json_string_value(json_object_get(reply, "round")));
		fprintf(stderr, "symbiod round open: round open for %lld members\n",
		        (long long)json_integer_value(json_object_get(reply, "members")));
	} else if (strcmp(action, "close") == 0) {
		printf("round %s closed: %lld submissions, %lld candidates\n",
		       json_string_value(json_object_get(reply, "round")),
		       (long long)json_integer_value(json_object_get(reply, "submitted")),
		       (long long)json_integer_value(json_object_get(reply, "candidates")));
	} else if (strcmp(action, "end") == 0) {
		printf("round %s ended: %lld unanswered candidates expired\n",
		       json_string_value(json_object_get(reply, "round")),
		       (long long)json_integer_value(json_object_get(reply, "expired")));
	} else {
		json_t *cands = json_object_get(reply, "candidates");
		const char *rid = json_string_value(json_object_get(reply, "round"));
		printf("round      %s\nphase      %s\n", rid ? rid : "-",
		       json_string_value(json_object_get(reply, "phase")));
		if (rid != NULL)
			printf("submitted  %lld of %lld members\ncandidates %lld pending, %lld agreed, "
			       "%lld declined, %lld expired\n",
			       (long long)json_integer_value(json_object_get(reply, "submitted")),
			       (long long)json_integer_value(json_object_get(reply, "members")),
			       (long long)json_integer_value(json_object_get(cands, "pending")),
			       (long long)json_integer_value(json_object_get(cands, "agreed")),
			       (long long)json_integer_value(json_object_get(cands, "declined")),
			       (long long)json_integer_value(json_object_get(cands, "expired")));
	}
	json_decref(reply);
	return 0;
}

/* symbiod log export|checkpoint: the audit log, through the running daemon. */
static int
cmd_log(int argc, char **argv)
{
	static const struct option opts[] = {{"dir", required_argument, NULL, 'd'},
	                                     {"out", required_argument, NULL, 'o'},
	                                     {"config", required_argument, NULL, 'C'},
	                                     {"help", no_argument, NULL, 'h'},
	                                     {NULL, 0, NULL, 0}};
	const char *usage = "log export --dir PARK --out DIR | log checkpoint --dir PARK "
	                    "[--config FILE]";
	struct sym_diag diag = {""};
	const char *dir = NULL, *out = NULL, *config = NULL, *action;
	char path[PATH_MAX], abs[PATH_MAX];
	json_t *req, *reply = NULL;
	int c, r;

	if (argc < 2 || (strcmp(argv[1], "export") != 0 && strcmp(argv[1], "checkpoint") != 0)) {
		if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
			printf("usage: symbiod %s\n", usage);
			return 0;
		}
		fprintf(stderr, "usage: symbiod %s\n", usage);
		return EXIT_USAGE;
	}
	action = argv[1];
	optind = 2;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'd': dir = optarg; break;
		case 'o': out = optarg; break;
		case 'C': config = optarg; break;
		case 'h': printf("usage: symbiod %s\n", usage); return 0;
		default: fprintf(stderr, "usage: symbiod %s\n", usage); return EXIT_USAGE;
		}
	}
	if (optind == argc && (r = s_config(config)) != 0)
		return r;
	if (dir == NULL && s_cfg.dir[0] != '\0')
		dir = s_cfg.dir;
	if (dir == NULL || optind != argc || (strcmp(action, "export") == 0) != (out != NULL)) {
		fprintf(stderr, "usage: symbiod %s\n", usage);
		return EXIT_USAGE;
	}
	req = json_pack("{s:s, s:s}", "cmd", "log", "action", action);
	if (out != NULL) {
		/* The daemon writes the files: give it an absolute path. */
		if (mkdir(out, 0755) != 0 && errno != EEXIST) {
			fprintf(stderr, "symbiod log export: %s: %s\n", out, strerror(errno));
			json_decref(req);
			return EXIT_CANTCREAT;
		}
		if (realpath(out, abs) == NULL) {
			fprintf(stderr, "symbiod log export: %s: %s\n", out, strerror(errno));
			json_decref(req);
			return EXIT_CANTCREAT;
		}
		json_object_set_new(req, "out", json_string(abs));
	}
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, PARK_CONTROL_SOCKET) >= sizeof(path)) {
		json_decref(req);
		return EXIT_USAGE;
	}
	r = control_call(path, req, 600 * 1000, &reply, &diag);
	json_decref(req);
	if (r != SYM_OK) {
		fprintf(stderr, "symbiod log %s: %s\n", action, diag.msg);
		return EXIT_UNAVAILABLE;
	}
	if (!json_is_true(json_object_get(reply, "ok"))) {
		fprintf(stderr, "symbiod log %s: %s\n", action,
		        json_string_value(json_object_get(reply, "error")));
		json_decref(reply);
		return EXIT_CANTCREAT;
	}
	if (out != NULL)
		fprintf(stderr, "symbiod log export: %lld entries, their checkpoint and the token "
		                "batches written to %s\n",
		        (long long)json_integer_value(json_object_get(reply, "entries")), abs);
	else
		fputs(json_string_value(json_object_get(reply, "checkpoint")), stdout);
	json_decref(reply);
	return 0;
}

/* symbiod --check-config [--config FILE]: parse the file, print the settings it gives. */
static int
cmd_check_config(int argc, char **argv)
{
	static const struct option opts[] = {{"check-config", no_argument, NULL, 'k'},
	                                     {"config", required_argument, NULL, 'C'},
	                                     {"help", no_argument, NULL, 'h'},
	                                     {NULL, 0, NULL, 0}};
	const char *usage = "--check-config [--config FILE]";
	const char *config = NULL;
	int c, check = 0, r;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'k': check = 1; break;
		case 'C': config = optarg; break;
		case 'h': printf("usage: symbiod %s\n", usage); return 0;
		default: fprintf(stderr, "usage: symbiod %s\n", usage); return EXIT_USAGE;
		}
	}
	if (!check || optind != argc) {
		fprintf(stderr, "symbiod: --config goes after a command, or with --check-config\n"
		                "usage: symbiod %s\n",
		        usage);
		return EXIT_USAGE;
	}
	if ((r = s_config(config)) != 0)
		return r;
	if (s_cfg_from != NULL) {
		fprintf(stderr, "symbiod: %s: OK\n", s_cfg_from);
		printf("# settings from %s\n", s_cfg_from);
	} else {
		fprintf(stderr, "symbiod: no %s; the defaults apply\n", SYMBIOD_CONFIG);
		printf("# defaults (no %s)\n", SYMBIOD_CONFIG);
	}
	config_print(stdout, s_keys, NKEYS, 0);
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int, char **);
	} cmds[] = {{"init", cmd_init},       {"enroll", cmd_enroll}, {"revoke", cmd_revoke},
	            {"members", cmd_members}, {"run", cmd_run},       {"status", cmd_status},
	            {"round", cmd_round},     {"log", cmd_log}};
	struct rlimit no_core = {0, 0};
	size_t i;

	/* Key material must never reach a core file. */
	setrlimit(RLIMIT_CORE, &no_core);
	if (sodium_init() < 0) {
		fprintf(stderr, "symbiod: cannot initialise libsodium\n");
		return EXIT_SOFTWARE;
	}
	log_init("symbiod", LOG_LVL_INFO);
	if (argc < 2) {
		s_usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		s_usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("symbiod %s\n", SYMBI_VERSION);
		return 0;
	}
	if (strcmp(argv[1], "--check-config") == 0 || strncmp(argv[1], "--config", 8) == 0)
		return cmd_check_config(argc, argv);
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strcmp(argv[1], cmds[i].name) == 0)
			return cmds[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "symbiod: unknown command \"%s\"\n\n", argv[1]);
	s_usage(stderr);
	return EXIT_USAGE;
}
