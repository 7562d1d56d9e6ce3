/*
 * symbi-indevil: a test-only tool (never installed) that plays a malicious
 * coordinator against the park indicators. It holds what the coordinator
 * holds (PARK: its store and signing key) and, with the daemon stopped,
 *
 *   symbi-indevil reannounce --dir PARK --round ID --drop MEMBER
 *
 * announces a second included set for the round: the first one without
 * MEMBER, signed with the coordinator key, appended to the audit log like
 * the daemon's own announcement, and served from then on. Members that
 * already confirmed or answered for the first set are thereby asked for
 * another one: the members that saw the first reveal shares of MEMBER's
 * seed, those that see the second would reveal their pair keys with MEMBER
 * (both kinds of secret for one member), and members shown different sets
 * cannot both gather t confirmations. Honest clients must refuse, and
 * symbi-audit verify must name the second announcement.
 */
#include <getopt.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auditlog.h"
#include "indhash.h"
#include "park.h"
#include "store.h"
#include "symbiod.pb-c.h"
#include "sysexits.h"
#include "util.h"
#include "wire.h"

static int
s_usage(void)
{
	fprintf(stderr, "usage: symbi-indevil reannounce --dir PARK --round ID --drop MEMBER\n");
	return EXIT_USAGE;
}

/* The set without `drop`, signed and logged; the progress row serves it. */
static int
s_reannounce(struct park *park, struct store_secagg *sa, const char *drop)
{
	Symbiod__IncludedSet *old = NULL, set = SYMBIOD__INCLUDED_SET__INIT;
	struct auditlog *log = NULL;
	json_t *fields = NULL;
	uint8_t sig[64], *entry = NULL;
	char **incl = NULL;
	size_t n = 0, i, entry_len = 0;
	uint64_t index = 0;
	int r;

	if ((r = wire_unpack(&symbiod__included_set__descriptor, sa->included, sa->included_len, 0,
	                     (ProtobufCMessage **)&old)) != SYM_OK ||
	    (incl = calloc(old->n_included + 1, sizeof(*incl))) == NULL)
		goto out;
	for (i = 0; i < old->n_included; i++)
		if (strcmp(old->included[i], drop) != 0)
			incl[n++] = old->included[i];
	if (n == old->n_included) {
		fprintf(stderr, "symbi-indevil: %s is not in the included set\n", drop);
		r = SYM_ERR_NOT_FOUND;
		goto out;
	}
	set = *old;
	set.n_included = n;
	set.included = incl;
	if ((r = indhash_included(park->id, sa->round, old->threshold,
	                          (const char *const *)old->submitters, old->n_submitters,
	                          (const char *const *)incl, n, sa->included_hash)) != SYM_OK)
		goto out;
	crypto_sign_detached(sig, NULL, sa->included_hash, 32, park->sign->sk);
	set.signature.data = sig;
	free(sa->included);
	sa->included = NULL;
	if ((r = wire_pack(&set.base, &sa->included, &sa->included_len)) != SYM_OK ||
	    (r = auditlog_open(park->store, park->sign, &log)) != SYM_OK ||
	    (r = store_begin(park->store)) != SYM_OK)
		goto out;
	fields = json_pack("{s:o, s:o, s:I, s:o, s:o, s:o}", "round", auditlog_hex(sa->round, 16),
	                   "included_hash", auditlog_hex(sa->included_hash, 32), "threshold",
	                   (json_int_t)old->threshold, "submitters",
	                   util_json_strings(old->submitters, old->n_submitters), "included",
	                   util_json_strings(incl, n), "signature", auditlog_b64(sig, 64));
	/* auditlog_append does not consume the fields. */
	if (fields == NULL || (r = auditlog_append(log, "indicator_included", fields, &index,
	                                           &entry, &entry_len)) != SYM_OK) {
		r = r == SYM_OK ? SYM_ERR_ALLOC : r;
		store_rollback(park->store);
		goto out;
	}
	free(sa->included_entry);
	sa->included_entry = entry;
	sa->included_entry_len = entry_len;
	entry = NULL;
	sa->included_index = (int64_t)index;
	if ((r = store_secagg_put(park->store, sa)) != SYM_OK ||
	    (r = store_commit(park->store)) != SYM_OK)
		store_rollback(park->store);
out:
	json_decref(fields);
	free(entry);
	free(incl);
	auditlog_close(&log);
	wire_free((ProtobufCMessage *)old);
	return r;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {{"dir", required_argument, NULL, 'd'},
	                                     {"round", required_argument, NULL, 'r'},
	                                     {"drop", required_argument, NULL, 'x'},
	                                     {NULL, 0, NULL, 0}};
	const char *dir = NULL, *round = NULL, *drop = NULL;
	struct sym_diag diag = {""};
	struct store_secagg sa;
	struct park *park = NULL;
	uint8_t rid[16];
	int c, r;

	if (argc < 2 || strcmp(argv[1], "reannounce") != 0)
		return s_usage();
	optind = 2;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'd')
			dir = optarg;
		else if (c == 'r')
			round = optarg;
		else if (c == 'x')
			drop = optarg;
		else
			return s_usage();
	}
	if (dir == NULL || round == NULL || drop == NULL || util_unhex(round, rid, 16) != SYM_OK ||
	    sodium_init() < 0)
		return s_usage();
	memset(&sa, 0, sizeof(sa));
	if ((r = park_open(dir, 0, &park, &diag)) != SYM_OK) {
		fprintf(stderr, "symbi-indevil: %s\n", diag.msg);
		return EXIT_NOINPUT;
	}
	if ((r = store_secagg_get(park->store, rid, &sa)) != SYM_OK || sa.included == NULL)
		fprintf(stderr, "symbi-indevil: the round has no included set yet\n");
	else if ((r = s_reannounce(park, &sa, drop)) != SYM_OK)
		fprintf(stderr, "symbi-indevil: %s\n", sym_strerror(r));
	store_secagg_clear(&sa);
	park_close(&park);
	return r == SYM_OK ? 0 : EXIT_SOFTWARE;
}
