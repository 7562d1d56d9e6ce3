/*
 * symbi-oldcoord: a test-only tool (never installed) that plays a coordinator
 * of another protocol version, or one that lies about its version. It holds
 * what the coordinator holds (PARK: its store and signing key) and, with the
 * daemon stopped,
 *
 *   symbi-oldcoord --dir PARK --encoding N
 *
 * signs the latest round's announcement again with token_encoding N (0: the
 * field left out, as coordinators before protocol 1.2 announced) and serves
 * it from then on. A client must refuse such a round before it sends
 * anything: its tokens would match nothing there, and the candidates would
 * not map back to its flows. --encoding 2 restores the honest announcement,
 * byte for byte (the encoding and Ed25519 signatures are deterministic).
 */
#include <getopt.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "park.h"
#include "protocol.h"
#include "store.h"
#include "store_internal.h"
#include "symbiod.pb-c.h"
#include "sysexits.h"
#include "wire.h"

static int
s_usage(void)
{
	fprintf(stderr, "usage: symbi-oldcoord --dir PARK --encoding N (0 to %u)\n", UINT_MAX);
	return EXIT_USAGE;
}

/* The latest round's announcement, signed again with `encoding`, in the store. */
static int
s_reencode(struct park *park, uint32_t encoding)
{
	Symbiod__RoundAnnouncement *ann = NULL;
	struct store_round rd;
	uint8_t sig[64], *packed = NULL, *own_sig = NULL;
	size_t packed_len = 0;
	int r;

	memset(&rd, 0, sizeof(rd));
	if ((r = store_round_latest(park->store, &rd)) != SYM_OK ||
	    (r = wire_unpack(&symbiod__round_announcement__descriptor, rd.announcement,
	                     rd.announcement_len, 0, (ProtobufCMessage **)&ann)) != SYM_OK)
		goto out;
	own_sig = ann->signature.data;
	ann->has_token_encoding = encoding != 0;
	ann->token_encoding = encoding;
	if ((r = protocol_announcement_sign(ann, park->sign->sk, sig)) != SYM_OK ||
	    (r = wire_pack(&ann->base, &packed, &packed_len)) != SYM_OK)
		goto out;
	r = store_sql_update(&park->store->sql, "UPDATE rounds SET announcement = ?2 WHERE id = ?1",
	                     STORE_ARGS(store_arg_id(rd.id), store_arg_blob(packed, packed_len)));
	r = r < 0 ? r : r == 1 ? SYM_OK : SYM_ERR_NOT_FOUND;
out:
	/* Signing pointed the message at sig: give it back its own bytes to free. */
	if (ann != NULL)
		ann->signature.data = own_sig;
	wire_free((ProtobufCMessage *)ann);
	free(packed);
	store_round_clear(&rd);
	return r;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {{"dir", required_argument, NULL, 'd'},
	                                     {"encoding", required_argument, NULL, 'e'},
	                                     {NULL, 0, NULL, 0}};
	const char *dir = NULL, *enc = NULL;
	struct sym_diag diag = {""};
	struct park *park = NULL;
	unsigned long encoding;
	char *end = NULL;
	int c, r;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'd')
			dir = optarg;
		else if (c == 'e')
			enc = optarg;
		else
			return s_usage();
	}
	if (dir == NULL || enc == NULL || optind != argc || sodium_init() < 0)
		return s_usage();
	encoding = strtoul(enc, &end, 10);
	if (*enc == '\0' || *enc == '-' || *end != '\0' || encoding > UINT_MAX)
		return s_usage();
	if ((r = park_open(dir, 0, &park, &diag)) != SYM_OK) {
		fprintf(stderr, "symbi-oldcoord: %s\n", diag.msg);
		return EXIT_NOINPUT;
	}
	if ((r = s_reencode(park, (uint32_t)encoding)) != SYM_OK)
		fprintf(stderr, "symbi-oldcoord: cannot sign the announcement again: %s\n",
		        sym_strerror(r));
	park_close(&park);
	return r == SYM_OK ? 0 : EXIT_SOFTWARE;
}
