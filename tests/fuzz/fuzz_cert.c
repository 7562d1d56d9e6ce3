/*
 * Certificate parsing. The first input byte picks the check, the rest is
 * the PEM or DER text:
 *   0: cert_verifier_member against the fixture park's CA, at a fixed time
 *      inside the fixture certificates' validity (the CA is parsed once)
 *   1: cert_verify_member (the one-shot form, wall-clock time)
 *   2: cert_csr_verify
 *   3: cert_pem_to_der
 */
#include <stdlib.h>

#include "cert.h"
#include "fuzz_common.h"
#include "parkinfo.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct parkinfo park;
	static struct cert_verifier *ver;
	struct sym_diag diag = {""};
	struct member_record rec;
	uint8_t *der = NULL;
	size_t der_len;
	char *text;

	fuzz_sodium_init();
	if (ver == NULL) {
		if (parkinfo_load(FUZZ_FIXTURE_PARK, &park, &diag) != SYM_OK ||
		    cert_verifier_new(park.ca_pem, &ver, &diag) != SYM_OK)
			abort();
		cert_verifier_set_time(ver, FUZZ_FIXTURE_TIME);
	}
	if (size < 1)
		return 0;
	text = fuzz_strdup(data + 1, size - 1);
	switch (data[0] & 3) {
	case 0:
		if (cert_verifier_member(ver, data + 1, size - 1, &rec, &diag) == SYM_OK &&
		    (!member_id_valid(rec.id) || !member_name_valid(rec.name)))
			abort(); /* a verified record has valid names */
		break;
	case 1: (void)!cert_verify_member(park.ca_pem, data + 1, size - 1, &rec, &diag); break;
	case 2:
		if (cert_csr_verify(text, size - 1, &rec, &diag) == SYM_OK &&
		    (!member_id_valid(rec.id) || !member_name_valid(rec.name)))
			abort();
		break;
	default:
		if (cert_pem_to_der(text, size - 1, &der, &der_len) == SYM_OK)
			free(der);
		break;
	}
	free(text);
	return 0;
}
