#include "confirm.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

int
confirm_on_terminal(void)
{
	return isatty(STDIN_FILENO);
}

/* The candidates with one counterpart, one line each. */
static void
s_list_counterpart(const json_t *candidates, const char *counterpart)
{
	const json_t *c;
	size_t i;

	fprintf(stderr, "  with %s:\n", counterpart);
	json_array_foreach (candidates, i, c) {
		if (strcmp(json_string_value(json_object_get(c, "counterpart")), counterpart) != 0)
			continue;
		fprintf(stderr, "    %s  %s of %s\n", json_string_value(json_object_get(c, "id")),
		        strcmp(json_string_value(json_object_get(c, "role")), "supplier") == 0
		            ? "your offer"
		            : "your need",
		        json_string_value(json_object_get(c, "flow")));
	}
}

/* Every counterpart once, in the order first seen; how many there are. */
static size_t
s_list(const json_t *candidates)
{
	json_t *seen = json_object();
	const json_t *c;
	size_t i, n = 0;

	json_array_foreach (candidates, i, c) {
		const char *cp = json_string_value(json_object_get(c, "counterpart"));

		if (seen == NULL || json_object_get(seen, cp) != NULL)
			continue;
		json_object_set_new(seen, cp, json_true());
		s_list_counterpart(candidates, cp);
		n++;
	}
	json_decref(seen);
	return n;
}

int
confirm_accept_all(const json_t *candidates, int yes)
{
	char answer[16];
	size_t n = json_array_size(candidates), ncp;

	if (n == 0)
		return 1;
	fprintf(stderr, "symbi accept: --all accepts %zu candidate%s:\n", n, n == 1 ? "" : "s");
	ncp = s_list(candidates);
	fprintf(stderr,
	        "Each accepted item is revealed to its counterpart once both sides agree (%zu "
	        "counterpart%s).\n",
	        ncp, ncp == 1 ? "" : "s");
	if (yes)
		return 1;
	fprintf(stderr, "Accept them? [y/N] ");
	fflush(stderr);
	if (fgets(answer, sizeof(answer), stdin) == NULL)
		return 0;
	answer[strcspn(answer, "\r\n")] = '\0';
	return strcmp(answer, "y") == 0 || strcmp(answer, "Y") == 0 || strcmp(answer, "yes") == 0;
}
