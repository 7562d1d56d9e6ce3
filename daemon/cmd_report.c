/*
 * symbiod report: the operator's dashboard (INDICATORS.md) from the store
 * and the latest secure sums: DIR/index.html, DIR/report.json and
 * DIR/network.svg. It reads the park directly (SQLite lets the daemon run
 * meanwhile) and writes nothing into it.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cmd.h"
#include "exitcode.h"
#include "report.h"
#include "sysexits.h"
#include "util.h"

static const char s_usage[] =
    "report --dir PARK --out DIR [--factors FILE] [--min-contributors K] [--config FILE]";

struct report_args {
	const char *dir, *out, *factors, *config;
	int k;
};

static int
s_args(int argc, char **argv, struct report_args *a)
{
	static const struct option opts[] = {{"dir", required_argument, NULL, 'd'},
	                                     {"out", required_argument, NULL, 'o'},
	                                     {"factors", required_argument, NULL, 'f'},
	                                     {"min-contributors", required_argument, NULL, 'k'},
	                                     {"config", required_argument, NULL, 'C'},
	                                     {"help", no_argument, NULL, 'h'},
	                                     {NULL, 0, NULL, 0}};
	char *end;
	long k;
	int c, r;

	memset(a, 0, sizeof(*a));
	a->k = REPORT_K_DEFAULT;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'd': a->dir = optarg; break;
		case 'o': a->out = optarg; break;
		case 'f': a->factors = optarg; break;
		case 'C': a->config = optarg; break;
		case 'k':
			errno = 0;
			k = strtol(optarg, &end, 10);
			if (errno != 0 || end == optarg || *end != '\0' || k < REPORT_K_MIN ||
			    k > 1000000) {
				fprintf(
				    stderr,
				    "symbiod report: --min-contributors \"%s\": give a whole "
				    "number "
				    "of %d or more (a figure of a single company is that company's "
				    "own)\n",
				    optarg, REPORT_K_MIN);
				return EXIT_USAGE;
			}
			a->k = (int)k;
			break;
		case 'h': printf("usage: symbiod %s\n", s_usage); return -1;
		default: fprintf(stderr, "usage: symbiod %s\n", s_usage); return EXIT_USAGE;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "usage: symbiod %s\n", s_usage);
		return EXIT_USAGE;
	}
	if ((r = cmd_config(a->config)) != 0)
		return r;
	if (a->dir == NULL && cmd_cfg.dir[0] != '\0')
		a->dir = cmd_cfg.dir;
	if (a->dir == NULL || a->out == NULL) {
		fprintf(stderr,
		        "symbiod report: --dir PARK and --out DIR are required\nusage: symbiod "
		        "%s\n",
		        s_usage);
		return EXIT_USAGE;
	}
	return 0;
}

/* The output directory: created 0755 (the report is meant to be handed out), or one that exists. */
static int
s_out_dir(const char *out)
{
	struct stat sb;

	if (mkdir(out, 0755) == 0) {
		if (chmod(out, 0755) == 0)
			return 0;
	} else if (errno == EEXIST && stat(out, &sb) == 0) {
		if (S_ISDIR(sb.st_mode))
			return 0;
		fprintf(stderr,
		        "symbiod report: %s exists and is not a directory; nothing written\n", out);
		return EXIT_CANTCREAT;
	}
	fprintf(stderr, "symbiod report: cannot create the directory %s: %s\n", out,
	        strerror(errno));
	return EXIT_CANTCREAT;
}

/* One output file, 0644, replaced atomically; fn renders it into memory first. */
static int
s_write(const char *out, const char *name, const struct report *rep,
        void (*fn)(FILE *, const struct report *))
{
	char path[PATH_MAX], *buf = NULL;
	size_t len = 0;
	FILE *f;
	int r;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", out, name) >= sizeof(path)) {
		fprintf(stderr, "symbiod report: %s/%s: path too long\n", out, name);
		return EXIT_CANTCREAT;
	}
	if ((f = open_memstream(&buf, &len)) == NULL) {
		fprintf(stderr, "symbiod report: out of memory\n");
		return EXIT_SOFTWARE;
	}
	fn(f, rep);
	if (fclose(f) != 0) {
		free(buf);
		fprintf(stderr, "symbiod report: out of memory\n");
		return EXIT_SOFTWARE;
	}
	r = util_write_file(path, buf, len, 0644, 0);
	free(buf);
	if (r != SYM_OK) {
		fprintf(stderr, "symbiod report: cannot write %s: %s\n", path, sym_strerror(r));
		return EXIT_CANTCREAT;
	}
	return 0;
}

static void
s_json(FILE *f, const struct report *rep)
{
	json_t *j = report_json(rep);

	if (j != NULL)
		json_dumpf(j, f, JSON_INDENT(2));
	fputc('\n', f);
	json_decref(j);
}

static void
s_svg(FILE *f, const struct report *rep)
{
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", f);
	report_svg_network(f, rep);
}

int
cmd_report(int argc, char **argv)
{
	struct sym_diag diag = {""};
	struct report_args a;
	struct report rep;
	struct park *park = NULL;
	json_t *factors = NULL;
	int r, rc;

	memset(&rep, 0, sizeof(rep));
	if ((rc = s_args(argc, argv, &a)) != 0)
		return rc < 0 ? 0 : rc;
	if (a.factors != NULL && (r = report_factors_load(a.factors, &factors, &diag)) != SYM_OK) {
		fprintf(stderr, "symbiod report: %s\n", diag.msg);
		return sym_exit_code(r, SYM_ORIGIN_INPUT);
	}
	if ((r = park_open(a.dir, 0, &park, &diag)) != SYM_OK ||
	    (r = report_build(park, a.k, factors, &rep, &diag)) != SYM_OK) {
		fprintf(stderr, "symbiod report: %s\n", diag.msg);
		rc = sym_exit_code(r, SYM_ORIGIN_INPUT);
		goto out;
	}
	if ((rc = s_out_dir(a.out)) != 0 ||
	    (rc = s_write(a.out, "report.json", &rep, s_json)) != 0 ||
	    (rc = s_write(a.out, "network.svg", &rep, s_svg)) != 0 ||
	    (rc = s_write(a.out, "index.html", &rep, report_html)) != 0)
		goto out;
	fprintf(stderr,
	        "symbiod report: %s/index.html, report.json and network.svg written (round %s, "
	        "sums %s, figures of fewer than %d companies withheld)\n",
	        a.out, rep.has_round ? rep.round : "none", rep.indicators, a.k);
out:
	report_clear(&rep);
	json_decref(factors);
	park_close(&park);
	return rc;
}
