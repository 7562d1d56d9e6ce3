/* park.json parsing; what parses must dump and parse again to the same dump. */
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "parkinfo.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sym_diag diag = {""};
	struct parkinfo pi, again;
	char *dump = NULL, *dump2 = NULL;

	fuzz_sodium_init();
	memset(&pi, 0, sizeof(pi));
	memset(&again, 0, sizeof(again));
	if (parkinfo_parse("park.json", (const char *)data, size, &pi, &diag) != SYM_OK) {
		parkinfo_clear(&pi);
		return 0;
	}
	if (parkinfo_dump(&pi, &dump) != SYM_OK ||
	    parkinfo_parse("again", dump, strlen(dump), &again, &diag) != SYM_OK ||
	    parkinfo_dump(&again, &dump2) != SYM_OK || strcmp(dump, dump2) != 0)
		abort();
	free(dump);
	free(dump2);
	parkinfo_clear(&again);
	parkinfo_clear(&pi);
	return 0;
}
