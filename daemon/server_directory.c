/*
 * The directory the server admits against: the current members from the
 * store, handed to the ZAP handler (CURVE keys of active members), to the
 * rounds and to admission, with its hash. Loaded at start and on reload
 * (SIGHUP, the control socket, a store changed by `symbiod enroll`/`revoke`).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "server_internal.h"
#include "util.h"
#include "zap.h"

int
server_load_directory(struct server *srv)
{
	struct store_member *members = NULL;
	struct zap_entry *entries = NULL;
	size_t n = 0, i, k = 0;
	char hex[17];
	int r;

	if ((r = store_members_list(srv->park->store, &members, &n)) != SYM_OK) {
		log_err("directory: cannot read members: %s", sym_strerror(r));
		return r;
	}
	if (n > 0 && (entries = calloc(n, sizeof(*entries))) == NULL) {
		store_members_free(members, n);
		return SYM_ERR_ALLOC;
	}
	for (i = 0; i < n; i++) {
		if (members[i].revoked)
			continue;
		memcpy(entries[k].curve, members[i].rec.curve, 32);
		snprintf(entries[k].id, sizeof(entries[k].id), "%s", members[i].rec.id);
		k++;
	}
	if (zap_set_members(srv->zap, entries, k) != 0) {
		free(entries);
		store_members_free(members, n);
		return SYM_ERR_ALLOC;
	}
	free(entries);
	store_members_free(srv->members, srv->nmembers);
	srv->members = members;
	srv->nmembers = n;
	srv->rounds.members = members;
	srv->rounds.nmembers = n;
	park_directory_hash(members, n, srv->dir_hash);
	if (store_data_version(srv->park->store, &srv->data_version) != SYM_OK)
		log_warn("directory: cannot read the store's data version");
	util_hex(srv->dir_hash, 8, hex);
	log_info("directory: %zu active member%s, %zu revoked, hash %s", k, k == 1 ? "" : "s",
	         n - k, hex);
	return SYM_OK;
}
