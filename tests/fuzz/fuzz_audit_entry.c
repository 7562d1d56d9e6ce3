/* symbi-audit's parser of one log line (audit_entry_parse) and its typed getters. */
#include <stdlib.h>

#include "entry.h"
#include "fuzz_common.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct audit_problem p;
	struct audit_entry e;
	char id[MEMBER_ID_MAX + 1];
	uint8_t buf[32], *b64 = NULL;
	size_t b64_len;
	uint64_t u;
	const char *s;
	json_t *arr;
	int b;

	fuzz_sodium_init();
	memset(&p, 0, sizeof(p));
	if (audit_entry_parse(data, size, 7, &p, &e) != SYM_OK)
		return 0;
	/* The getters on the fields the rules read, whatever the kind. */
	(void)!audit_entry_id(&e, NULL, NULL, "member", id);
	(void)!audit_entry_hex(&e, NULL, NULL, "round", buf, 16);
	(void)!audit_entry_hex(&e, NULL, NULL, "commitment", buf, 32);
	(void)!audit_entry_string(&e, NULL, NULL, "state", 64, &s);
	(void)!audit_entry_uint(&e, NULL, NULL, "serial", &u);
	(void)!audit_entry_bool(&e, NULL, NULL, "accept", &b);
	if (audit_entry_b64(&e, NULL, NULL, "certificate", 1u << 16, &b64, &b64_len) == SYM_OK)
		free(b64);
	if (audit_entry_array(&e, NULL, NULL, "batches", 1024, &arr) == SYM_OK) {
		size_t i;
		json_t *el;
		char path[64];
		for (i = 0; i < json_array_size(arr) && i < 8; i++)
			if (audit_entry_element(&e, arr, "batches", i, &el, path, sizeof(path)) ==
			    SYM_OK)
				(void)!audit_entry_hex(&e, el, path, "digest", buf, 32);
	}
	audit_entry_clear(&e);
	return 0;
}
