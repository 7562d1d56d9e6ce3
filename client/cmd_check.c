/* symbi check: validate flows files against the taxonomy. Sends nothing anywhere. */
#include <getopt.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "encode.h"
#include "flows.h"
#include "sysexits.h"
#include "taxonomy.h"
#include "exitcode.h"

static void
s_usage(FILE *f)
{
	fprintf(f, "usage: symbi check [--taxonomy FILE] [--json] [--mode standard|hardened]\n"
	           "                   [--token-encoding 1|2] FLOWS.json...\n\n"
	           "Validate flows files against the taxonomy, offline: every category, unit,\n"
	           "value and range is checked and converted. Nothing is sent anywhere.\n\n"
	           "  --taxonomy FILE  use this taxonomy instead of the shipped default\n"
	           "  --mode M, --token-encoding N\n"
	           "                   count each flow's blocks (--json) as a round of this\n"
	           "                   mode and token encoding would (standard, 2)\n"
	           "  --json           one JSON document on stdout\n"
	           "Exit status: 0 all files valid, 65 a file is invalid, 66 a file cannot be\n"
	           "read, 78 the taxonomy is invalid, 64 usage error.\n");
}

static size_t
s_item_blocks(const struct taxonomy *tax, enum encode_mode mode, const struct flow_item *it)
{
	struct block_list bl;
	size_t n = 0;

	block_list_init(&bl);
	if (encode_item_blocks(tax, it, mode, 0, &bl) == SYM_OK)
		n = bl.n;
	block_list_free(&bl);
	return n;
}

static json_t *
s_file_json(const char *path, const struct taxonomy *tax, enum encode_mode mode,
            const struct flows *fl, const char *error)
{
	json_t *o = json_object(), *items;
	size_t i;

	json_object_set_new(o, "file", json_string(path));
	json_object_set_new(o, "ok", json_boolean(error == NULL));
	if (error != NULL) {
		json_object_set_new(o, "error", json_string(error));
		return o;
	}
	json_object_set_new(o, "offers", json_integer((json_int_t)fl->n_offers));
	json_object_set_new(o, "needs", json_integer((json_int_t)fl->n_needs));
	items = json_array();
	for (i = 0; i < fl->n; i++) {
		const struct flow_item *it = &fl->items[i];
		json_t *j = json_object();

		json_object_set_new(j, "id", json_string(it->id));
		json_object_set_new(j, "direction",
		                    json_string(it->direction == FLOW_OFFER ? "offer" : "need"));
		json_object_set_new(j, "category", json_string(it->category->path));
		json_object_set_new(j, "blocks",
		                    json_integer((json_int_t)s_item_blocks(tax, mode, it)));
		json_array_append_new(items, j);
	}
	json_object_set_new(o, "flows", items);
	return o;
}

/* --mode and --token-encoding: the encoder's mode, or 64 naming the option. */
static int
s_encoding_opts(const char *mode_name, unsigned long encoding, enum encode_mode *mode)
{
	if (strcmp(mode_name, "standard") != 0 && strcmp(mode_name, "hardened") != 0) {
		fprintf(stderr, "symbi check: --mode %s: standard or hardened\n", mode_name);
		return EXIT_USAGE;
	}
	if (encoding > UINT32_MAX ||
	    encode_mode_for((uint32_t)encoding, strcmp(mode_name, "hardened") == 0, mode) !=
	        SYM_OK) {
		fprintf(stderr, "symbi check: --token-encoding: 1 or %u\n", TOKEN_VERSION);
		return EXIT_USAGE;
	}
	return 0;
}

int
cmd_check(int argc, char **argv)
{
	static const struct option opts[] = {{"taxonomy", required_argument, NULL, 't'},
	                                     {"json", no_argument, NULL, 'j'},
	                                     {"mode", required_argument, NULL, 'm'},
	                                     {"token-encoding", required_argument, NULL, 'e'},
	                                     {"help", no_argument, NULL, 'h'},
	                                     {NULL, 0, NULL, 0}};
	const char *tax_path = NULL, *mode_name = "standard";
	unsigned long encoding = TOKEN_VERSION;
	enum encode_mode mode;
	char *end = NULL;
	struct taxonomy *tax = NULL;
	struct sym_diag diag = {""};
	json_t *report = NULL, *files;
	int json = 0, c, i, rc = 0, r;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 't': tax_path = optarg; break;
		case 'j': json = 1; break;
		case 'm': mode_name = optarg; break;
		case 'e':
			encoding = strtoul(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0')
				encoding = 0;
			break;
		case 'h': s_usage(stdout); return 0;
		default: s_usage(stderr); return EXIT_USAGE;
		}
	}
	if ((rc = s_encoding_opts(mode_name, encoding, &mode)) != 0)
		return rc;
	if (optind >= argc) {
		fprintf(stderr, "symbi check: no flows file given\n");
		s_usage(stderr);
		return EXIT_USAGE;
	}
	r = tax_path ? taxonomy_load_file(tax_path, &tax, &diag)
	             : taxonomy_load_default(&tax, &diag);
	if (r != SYM_OK) {
		fprintf(stderr, "symbi check: %s\n", diag.msg);
		return sym_exit_code(r, SYM_ORIGIN_CONFIG);
	}
	report = json_object();
	files = json_array();
	for (i = optind; i < argc; i++) {
		struct flows *fl = NULL;

		r = flows_load_file(argv[i], tax, &fl, &diag);
		if (r != SYM_OK) {
			int code = sym_exit_code(r, SYM_ORIGIN_INPUT);

			/* A bad file outweighs one that could not be read. */
			if (rc == 0 || code == EXIT_DATAERR)
				rc = code;
			fprintf(stderr, "%s\n", diag.msg);
			json_array_append_new(files,
			                      s_file_json(argv[i], tax, mode, NULL, diag.msg));
			continue;
		}
		if (!json) {
			printf("%s: ok, %zu flow%s (%zu offer%s, %zu need%s)\n", argv[i], fl->n,
			       fl->n == 1 ? "" : "s", fl->n_offers, fl->n_offers == 1 ? "" : "s",
			       fl->n_needs, fl->n_needs == 1 ? "" : "s");
		}
		json_array_append_new(files, s_file_json(argv[i], tax, mode, fl, NULL));
		flows_free(&fl);
	}
	if (json) {
		json_t *t = json_object();

		json_object_set_new(t, "name", json_string(tax->name));
		json_object_set_new(t, "version", json_string(tax->version));
		json_object_set_new(t, "hash", json_string(tax->hash_hex));
		json_object_set_new(report, "taxonomy", t);
		/* What each flow's "blocks" counts in. */
		json_object_set_new(report, "encoding",
		                    json_pack("{s:s, s:I}", "mode", mode_name, "token_encoding",
		                              (json_int_t)encoding));
		json_object_set_new(report, "ok", json_boolean(rc == 0));
		json_object_set_new(report, "files", files);
		files = NULL;
		json_dumpf(report, stdout, JSON_INDENT(2));
		fputc('\n', stdout);
	} else {
		fprintf(stderr, "taxonomy %s %s (%.16s)\n", tax->name, tax->version, tax->hash_hex);
	}
	json_decref(files);
	json_decref(report);
	taxonomy_free(&tax);
	return rc;
}
