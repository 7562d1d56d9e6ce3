/*
 * symbi-bench offline-match DIR: the whole blinded matching of a park folder
 * in one process. Each company gets fresh X25519 keys, derives its pairwise
 * keys on its own side, and encodes its flows exactly as a submission would;
 * the "coordinator" part only intersects token sets. Used by the demo until
 * the daemon exists, and by the tests to check the scenarios' answers. A
 * park with sites.json (company id -> [lat, lon]) is matched with reach
 * (REACH.md): each company leaves out the items beyond reach of a
 * counterpart, as symbi submit does (client/reach.c).
 */
#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "encode.h"
#include "keys.h"
#include "pairkeys.h"
#include "reach.h"
#include "roundhash.h"
#include "sysexits.h"
#include "tokset.h"
#include "util.h"

struct company {
	const char *id;
	const char *name;
	struct flows *flows;
	struct keypair *kx;
	struct site site;        /* from sites.json; unset without one */
	struct reach_blocks *rb; /* its items by reach class */
};

struct row {
	char supplier[PAIRKEYS_ID_MAX + 1], offer[FLOW_ID_MAX + 1];
	char consumer[PAIRKEYS_ID_MAX + 1], need[FLOW_ID_MAX + 1];
	char candidate[33];
};

static int
s_row_cmp(const void *a, const void *b)
{
	const struct row *x = a, *y = b;
	int c;

	if ((c = strcmp(x->supplier, y->supplier)) != 0)
		return c;
	if ((c = strcmp(x->offer, y->offer)) != 0)
		return c;
	if ((c = strcmp(x->consumer, y->consumer)) != 0)
		return c;
	return strcmp(x->need, y->need);
}

/* The wire set of a block list's tokens under one key (caller frees). */
static token_t *
s_tokens(struct prf_ctx *prf, const uint8_t *key, const struct block_list *bl, size_t *n)
{
	token_t *t = malloc((bl->n + 1) * sizeof(*t)), *scratch = malloc((bl->n + 1) * sizeof(*t));

	if (t == NULL || scratch == NULL || prf_tokens(prf, key, bl->blocks, bl->n, t) != SYM_OK) {
		free(t);
		free(scratch);
		return NULL;
	}
	*n = tokset_wire_sort(t, bl->n, scratch);
	free(scratch);
	return t;
}

/* Does item `it` produce the token x (wire bytes) under key? (How a client maps a hit back.) */
static int
s_item_has(const struct taxonomy *tax, struct prf_ctx *prf, const uint8_t *key,
           const struct flow_item *it, const uint8_t x[TOKEN_LEN])
{
	struct block_list bl;
	token_t *t = NULL;
	size_t n = 0;
	int found = 0;

	block_list_init(&bl);
	if (encode_item_blocks(tax, it, ENCODE_STANDARD, 0, &bl) == SYM_OK &&
	    (t = s_tokens(prf, key, &bl, &n)) != NULL)
		found = tokset_wire_contains((const uint8_t *)t, n, x);
	free(t);
	block_list_free(&bl);
	return found;
}

/* Company id's site from DIR/sites.json, if the park has one: [lat, lon] in degrees. */
static int
s_site(const char *dir, const char *id, struct site *out)
{
	struct sym_diag diag = {""};
	char path[PATH_MAX], text[64];
	json_t *sites, *s;
	int r = 0;

	memset(out, 0, sizeof(*out));
	snprintf(path, sizeof(path), "%s/sites.json", dir);
	if ((sites = json_load_file(path, JSON_REJECT_DUPLICATES, NULL)) == NULL)
		return 0; /* no sites: every distance unknown, every item within reach */
	s = json_object_get(sites, id);
	if (s != NULL) {
		snprintf(text, sizeof(text), "%.2f,%.2f", json_number_value(json_array_get(s, 0)),
		         json_number_value(json_array_get(s, 1)));
		if (json_array_size(s) != 2 || site_parse(text, out, &diag) != SYM_OK) {
			fprintf(stderr, "%s: %s: %s\n", path, id,
			        diag.msg[0] ? diag.msg : "bad site");
			r = EXIT_DATAERR;
		}
	}
	json_decref(sites);
	return r;
}

static int
s_load(const char *dir, const struct taxonomy *tax, json_t **companies_out, struct company **out,
       size_t *n_out)
{
	char path[PATH_MAX];
	struct sym_diag diag = {""};
	json_error_t jerr;
	json_t *companies, *v;
	struct company *cs;
	const char *key;
	size_t n = 0;

	snprintf(path, sizeof(path), "%s/companies.json", dir);
	companies = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	if (!json_is_object(companies) || json_object_size(companies) < 2) {
		fprintf(stderr, "%s: need an object of at least two company ids -> names (%s)\n",
		        path, companies ? "" : jerr.text);
		json_decref(companies);
		return EXIT_DATAERR;
	}
	cs = calloc(json_object_size(companies), sizeof(*cs));
	*companies_out = companies;
	*out = cs;
	if (cs == NULL)
		return EXIT_SOFTWARE;
	json_object_foreach (companies, key, v) {
		struct company *c = &cs[n++];

		*n_out = n;
		c->id = key;
		c->name = json_string_value(v);
		if (strlen(key) == 0 || strlen(key) > PAIRKEYS_ID_MAX) {
			fprintf(stderr, "%s: company id \"%s\" must be 1..%d bytes\n", path, key,
			        PAIRKEYS_ID_MAX);
			return EXIT_DATAERR;
		}
		snprintf(path, sizeof(path), "%s/%s.json", dir, key);
		if (flows_load_file(path, tax, &c->flows, &diag) != SYM_OK) {
			fprintf(stderr, "%s\n", diag.msg);
			return EXIT_DATAERR;
		}
		if ((c->kx = keys_generate(KEY_X25519)) == NULL ||
		    reach_blocks_new(tax, c->flows, ENCODE_STANDARD, &c->rb) != SYM_OK)
			return EXIT_SOFTWARE;
		if (s_site(dir, key, &c->site) != 0)
			return EXIT_DATAERR;
	}
	return 0;
}

/* One ordered pair: supplier i's offers against consumer j's needs. */
/* An offline park has no CA: its id is all zero (the keys are fresh anyway). */
static const uint8_t s_offline_park[PARK_ID_LEN];

static int
s_match_pair(const struct taxonomy *tax, struct prf_ctx *prf, const uint8_t round[ROUND_ID_LEN],
             const struct company *i, const struct company *j, struct row **rows, size_t *nrows)
{
	struct pairkeys *ki = sodium_malloc(sizeof(*ki)), *kj = sodium_malloc(sizeof(*kj));
	const struct block_list *offers, *needs, *unused;
	token_t *o = NULL, *nd = NULL;
	uint8_t *hits = NULL, id[16];
	size_t no = 0, nn = 0, nh, h, a, b;
	const uint8_t *tok_i, *tok_j;
	int rc = EXIT_SOFTWARE;

	if (ki == NULL || kj == NULL)
		goto out;
	/* Each side derives on its own: a mismatch here would be a protocol bug. */
	if (pairkeys_derive(s_offline_park, round, i->id, i->kx->sk, i->kx->pk, j->id, j->kx->pk,
	                    ki) != SYM_OK ||
	    pairkeys_derive(s_offline_park, round, j->id, j->kx->sk, j->kx->pk, i->id, i->kx->pk,
	                    kj) != SYM_OK)
		goto out;
	tok_i = pairkeys_tok(ki, i->id, j->id);
	tok_j = pairkeys_tok(kj, i->id, j->id);
	if (tok_i == NULL || tok_j == NULL || sodium_memcmp(tok_i, tok_j, PAIRKEYS_TOK_LEN) != 0) {
		fprintf(stderr, "symbi-bench: %s and %s derived different keys\n", i->id, j->id);
		goto out;
	}
	/* Each side's items within reach of the other (all of them without sites). */
	if (reach_blocks_for(i->rb, &i->site, &j->site, &offers, &unused) != SYM_OK ||
	    reach_blocks_for(j->rb, &j->site, &i->site, &unused, &needs) != SYM_OK ||
	    (o = s_tokens(prf, tok_i, offers, &no)) == NULL ||
	    (nd = s_tokens(prf, tok_j, needs, &nn)) == NULL ||
	    (hits = malloc((no < nn ? no : nn) * TOKEN_LEN + 1)) == NULL)
		goto out;
	/* The coordinator's join, on the sets as a company would send them. */
	nh = tokset_wire_intersect((const uint8_t *)o, no, (const uint8_t *)nd, nn, hits);
	for (h = 0; h < nh; h++) {
		for (a = 0; a < i->flows->n; a++) {
			const struct flow_item *oi = &i->flows->items[a];
			if (oi->direction != FLOW_OFFER ||
			    !s_item_has(tax, prf, tok_i, oi, hits + TOKEN_LEN * h))
				continue;
			for (b = 0; b < j->flows->n; b++) {
				const struct flow_item *ni = &j->flows->items[b];
				struct row *r;
				if (ni->direction != FLOW_NEED ||
				    !s_item_has(tax, prf, tok_j, ni, hits + TOKEN_LEN * h))
					continue;
				if ((r = realloc(*rows, (*nrows + 1) * sizeof(**rows))) == NULL)
					goto out;
				*rows = r;
				r = &r[(*nrows)++];
				snprintf(r->supplier, sizeof(r->supplier), "%s", i->id);
				snprintf(r->offer, sizeof(r->offer), "%s", oi->id);
				snprintf(r->consumer, sizeof(r->consumer), "%s", j->id);
				snprintf(r->need, sizeof(r->need), "%s", ni->id);
				roundhash_candidate_id(round, i->id, j->id, hits + TOKEN_LEN * h,
				                       id);
				util_hex(id, sizeof(id), r->candidate);
			}
		}
	}
	rc = 0;
out:
	if (ki != NULL)
		pairkeys_clear(ki);
	if (kj != NULL)
		pairkeys_clear(kj);
	sodium_free(ki);
	sodium_free(kj);
	free(o);
	free(nd);
	free(hits);
	return rc;
}

int
bench_offline_match(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"json", no_argument, NULL, 'j'}, {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
	struct taxonomy *tax = NULL;
	struct sym_diag diag = {""};
	struct company *cs = NULL;
	struct prf_ctx *prf = NULL;
	struct row *rows = NULL;
	json_t *companies = NULL;
	uint8_t round[ROUND_ID_LEN];
	size_t n = 0, nrows = 0, a, b;
	int json = 0, c, rc = EXIT_SOFTWARE;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'j': json = 1; break;
		case 'h': printf("usage: symbi-bench offline-match DIR [--json]\n"); return 0;
		default: return EXIT_USAGE;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "usage: symbi-bench offline-match DIR [--json]\n");
		return EXIT_USAGE;
	}
	if (taxonomy_load_default(&tax, &diag) != SYM_OK) {
		fprintf(stderr, "symbi-bench: %s\n", diag.msg);
		return EXIT_CONFIG;
	}
	if ((rc = s_load(argv[optind], tax, &companies, &cs, &n)) != 0)
		goto out;
	rc = EXIT_SOFTWARE;
	if (prf_new(&prf) != SYM_OK)
		goto out;
	randombytes_buf(round, sizeof(round));
	for (a = 0; a < n; a++)
		for (b = 0; b < n; b++)
			if (a != b &&
			    s_match_pair(tax, prf, round, &cs[a], &cs[b], &rows, &nrows) != 0)
				goto out;
	if (nrows > 0)
		qsort(rows, nrows, sizeof(*rows), s_row_cmp);
	if (json) {
		json_t *arr = json_array();
		for (a = 0; a < nrows; a++)
			json_array_append_new(
			    arr, json_pack("{s:s,s:s,s:s,s:s,s:s}", "candidate", rows[a].candidate,
			                   "supplier", rows[a].supplier, "offer", rows[a].offer,
			                   "consumer", rows[a].consumer, "need", rows[a].need));
		json_dumpf(arr, stdout, JSON_INDENT(2));
		fputc('\n', stdout);
		json_decref(arr);
	} else {
		printf("%-16s %-22s    %-16s %-22s\n", "SUPPLIER", "OFFER", "CONSUMER", "NEED");
		for (a = 0; a < nrows; a++)
			printf("%-16s %-22s -> %-16s %-22s\n", rows[a].supplier, rows[a].offer,
			       rows[a].consumer, rows[a].need);
		fprintf(stderr, "%zu companies, %zu candidates\n", n, nrows);
	}
	rc = 0;
out:
	for (a = 0; a < n; a++) {
		flows_free(&cs[a].flows);
		keys_free(&cs[a].kx);
		reach_blocks_free(&cs[a].rb);
	}
	free(cs);
	free(rows);
	json_decref(companies);
	prf_free(&prf);
	taxonomy_free(&tax);
	return rc;
}
