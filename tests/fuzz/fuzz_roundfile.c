/*
 * The client's round record STATE/rounds/<round hex>.json (client/roundfile.c)
 * on untrusted bytes: the input is written as the record of a fixed round in
 * a private STATE directory and loaded as `symbi` loads it. A record that
 * does not load must be refused as malformed, naming the file (never another
 * error, never a crash or a leak). A record that loads must hold exactly what
 * the file says (checked against jansson's own parse of the same bytes: every
 * peer a valid member id with its keys, `settled` a boolean or absent,
 * `token_encoding` 1 or 2 (1 when absent),
 * `flows` and `consents` objects), and what it saves must load again to the
 * same record.
 */
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "fuzz_common.h"
#include "member.h"
#include "roundfile.h"
#include "util.h"

/* The round every input is the record of (the seeds' "round" field, see gen_seeds.sh). */
static const uint8_t s_round[16] = {0x52, 0x0d, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06,
                                    0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e};
static char s_dir[64], s_rounds[96], s_file[PATH_MAX];

static void
s_cleanup(void)
{
	unlink(s_file);
	rmdir(s_rounds);
	rmdir(s_dir);
}

/* STATE (0700, as `symbi init` makes it) and STATE/rounds, made on the first call. */
static void
s_state(void)
{
	if (s_dir[0] != '\0')
		return;
	fuzz_mkdtemp(s_dir, sizeof(s_dir), "roundfile");
	if ((size_t)snprintf(s_rounds, sizeof(s_rounds), "%s/rounds", s_dir) >= sizeof(s_rounds) ||
	    mkdir(s_rounds, 0700) != 0 ||
	    roundfile_path(s_dir, s_round, "json", s_file, sizeof(s_file)) != SYM_OK)
		abort();
	atexit(s_cleanup);
}

/* 1 when the JSON values are both absent or equal. */
static int
s_same_json(const json_t *a, const json_t *b)
{
	return (a == NULL && b == NULL) || (a != NULL && b != NULL && json_equal(a, b));
}

/* The loaded record against jansson's parse of the same bytes (doc, an object). */
static void
s_check_file(const struct roundfile *rf, const json_t *doc)
{
	const json_t *peers = json_object_get(doc, "peers"), *settled, *enc, *p;
	uint8_t key[32];
	const char *ed, *sub, *rid;
	size_t i;

	settled = json_object_get(doc, "settled");
	/* A `settled` that is not a boolean makes the record malformed. */
	if ((settled != NULL && !json_is_boolean(settled)) ||
	    (rf->settled != 0 && rf->settled != 1) || rf->settled != json_is_true(settled))
		abort();
	/* The token encoding: 1 when absent (a 1.1 client's record), else 1 or 2 as written. */
	enc = json_object_get(doc, "token_encoding");
	if (enc == NULL ? rf->token_encoding != 1
	                : !json_is_integer(enc) || json_integer_value(enc) < 1 ||
	                      json_integer_value(enc) > 2 ||
	                      (json_int_t)rf->token_encoding != json_integer_value(enc))
		abort();
	sub = json_string_value(json_object_get(doc, "submission"));
	rid = json_string_value(json_object_get(doc, "round"));
	/* The record of this round only; a hardened state only as an object. */
	if (rid == NULL || util_unhex(rid, key, 16) != SYM_OK || memcmp(key, s_round, 16) != 0 ||
	    (rf->hard != NULL && !json_is_object(rf->hard)))
		abort();
	if (memcmp(rf->round, s_round, 16) != 0 || sub == NULL ||
	    util_unhex(sub, key, 16) != SYM_OK || memcmp(rf->submission, key, 16) != 0 ||
	    !json_is_object(rf->flows) || !json_is_object(rf->consents) ||
	    !s_same_json(rf->flows, json_object_get(doc, "flows")) ||
	    !s_same_json(rf->consents, json_object_get(doc, "consents")) ||
	    !s_same_json(rf->hard, json_object_get(doc, "hard")))
		abort();
	if (!json_is_array(peers) || json_array_size(peers) != rf->npeers ||
	    (rf->npeers > 0 && rf->peers == NULL))
		abort();
	json_array_foreach (peers, i, p) {
		const struct roundfile_peer *q = &rf->peers[i];
		const char *id = json_string_value(json_object_get(p, "id"));
		const char *x = json_string_value(json_object_get(p, "x25519"));
		if (!member_id_valid(q->id) || id == NULL || strcmp(q->id, id) != 0 || x == NULL ||
		    util_unhex(x, key, 32) != SYM_OK || memcmp(q->x25519, key, 32) != 0)
			abort();
		/* An ed25519 that is no 64-digit hex string counts as absent. */
		ed = json_string_value(json_object_get(p, "ed25519"));
		if (q->has_ed25519 != (ed != NULL && util_unhex(ed, key, 32) == SYM_OK) ||
		    (q->has_ed25519 && memcmp(q->ed25519, key, 32) != 0))
			abort();
	}
}

/* The record saved and loaded again is the same record. */
static void
s_check_again(const struct roundfile *a, const struct roundfile *b)
{
	size_t i;

	if (memcmp(a->round, b->round, 16) != 0 || memcmp(a->submission, b->submission, 16) != 0 ||
	    a->settled != b->settled || a->token_encoding != b->token_encoding ||
	    a->npeers != b->npeers || !s_same_json(a->flows, b->flows) ||
	    !s_same_json(a->consents, b->consents) || !s_same_json(a->hard, b->hard))
		abort();
	for (i = 0; i < a->npeers; i++) {
		const struct roundfile_peer *p = &a->peers[i], *q = &b->peers[i];
		if (strcmp(p->id, q->id) != 0 || memcmp(p->x25519, q->x25519, 32) != 0 ||
		    p->has_ed25519 != q->has_ed25519 ||
		    (p->has_ed25519 && memcmp(p->ed25519, q->ed25519, 32) != 0))
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sym_diag diag = {""};
	struct roundfile rf, again;
	json_t *doc;
	int r;

	fuzz_sodium_init();
	s_state();
	fuzz_write_file(s_file, data, size);
	r = roundfile_load(s_dir, s_round, &rf, &diag);
	if (r != SYM_OK) {
		/* Bad bytes: malformed, said with the file's name; nothing left to free. */
		if (r != SYM_ERR_FORMAT || strstr(diag.msg, s_file) == NULL || rf.flows != NULL ||
		    rf.consents != NULL || rf.hard != NULL || rf.peers != NULL)
			abort();
		return 0;
	}
	if ((doc = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL)) == NULL)
		abort(); /* the loader took what jansson refuses */
	s_check_file(&rf, doc);
	json_decref(doc);
	if (roundfile_save(s_dir, &rf, &diag) != SYM_OK ||
	    roundfile_load(s_dir, s_round, &again, &diag) != SYM_OK)
		abort(); /* a record that loaded must save and load again */
	s_check_again(&rf, &again);
	roundfile_clear(&again);
	roundfile_clear(&rf);
	return 0;
}
