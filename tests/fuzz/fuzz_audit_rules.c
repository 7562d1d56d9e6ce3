/*
 * symbi-audit's rules, in memory: the input is entries.jsonl (lines split at
 * '\n'), checked in order against the fixed park (tests/fuzz/fixtures) with
 * the same dispatch as audit/verify.c, on a fresh model per input. Rules
 * keep running after the first problem, unlike verify, to reach more state.
 * An input that starts with a prefix of fuzz_exports is a log of that
 * export's park (FUZZ_V1_PREFIX: a format 1 log, rules_v1.c); any other a
 * format 2 log of the fixed park.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "entry.h"
#include "fuzz_common.h"
#include "rules.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sym_diag diag = {""};
	struct audit_log log;
	struct audit_problem p;
	struct audit_verifier v;
	struct audit_entry e;
	const struct fuzz_export *x = fuzz_export_of(data, size);
	char park[4096];
	size_t pos = 0;

	fuzz_sodium_init();
	memset(&log, 0, sizeof(log));
	snprintf(park, sizeof(park), "%s", FUZZ_FIXTURE_PARK);
	log.format_version = 2;
	if (x != NULL) {
		pos = strlen(x->prefix);
		log.format_version = x->format == 0 ? 1 : x->format;
		snprintf(park, sizeof(park), "%s/park.json", x->dir);
	}
	if (parkinfo_load(park, &log.park, &diag) != SYM_OK ||
	    cert_verifier_new(log.park.ca_pem, &log.certs, &diag) != SYM_OK)
		abort();
	log.member_ix = audit_index_new();
	log.round_ix = audit_index_new();
	log.cand_ix = audit_index_new();
	log.pair_ix = audit_index_new();
	if (log.member_ix == NULL || log.round_ix == NULL || log.cand_ix == NULL ||
	    log.pair_ix == NULL)
		abort();
	v.log = &log;
	v.p = &p;
	while (pos < size) {
		const uint8_t *nl = memchr(data + pos, '\n', size - pos);
		size_t len = nl != NULL ? (size_t)(nl - (data + pos)) : size - pos;

		memset(&p, 0, sizeof(p));
		if (len > 0 && audit_entry_parse(data + pos, len, log.entries, &p, &e) == SYM_OK) {
			(void)rules_check(&v, &e);
			audit_entry_clear(&e);
		}
		log.entries++;
		pos += len + 1;
	}
	audit_log_free(&log);
	return 0;
}
