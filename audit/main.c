/* placeholder until the audit tool lands */
#include <stdio.h>

int
main(void)
{
	fprintf(stderr, "symbi-audit: not built yet\n");
	return 70;
}
