/*
 * Regression replay without the libFuzzer runtime: calls
 * LLVMFuzzerTestOneInput once for every regular file in the directories (or
 * files) named on the command line, in sorted order, and prints how many ran.
 * A crash or sanitizer report fails the test; so does an unreadable path.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
s_run_file(const char *path)
{
	uint8_t *buf = NULL;
	size_t len = 0, cap = 0, got;
	FILE *f = fopen(path, "rb");

	if (f == NULL) {
		fprintf(stderr, "replay: cannot open %s\n", path);
		return -1;
	}
	for (;;) {
		if (len == cap) {
			uint8_t *p;
			cap = cap == 0 ? 4096 : 2 * cap;
			if ((p = realloc(buf, cap)) == NULL) {
				fclose(f);
				free(buf);
				return -1;
			}
			buf = p;
		}
		got = fread(buf + len, 1, cap - len, f);
		len += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		fprintf(stderr, "replay: cannot read %s\n", path);
		fclose(f);
		free(buf);
		return -1;
	}
	fclose(f);
	/* An exact-size copy so that ASan sees reads past the end of the input. */
	{
		uint8_t *exact = malloc(len > 0 ? len : 1);
		if (exact == NULL) {
			free(buf);
			return -1;
		}
		if (len > 0)
			memcpy(exact, buf, len);
		free(buf);
		LLVMFuzzerTestOneInput(exact, len);
		free(exact);
	}
	return 0;
}

static int
s_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
main(int argc, char **argv)
{
	unsigned long ran = 0;
	int i, failed = 0;

	for (i = 1; i < argc; i++) {
		struct stat st;
		DIR *d;
		struct dirent *de;
		char **names = NULL;
		size_t n = 0, cap = 0, k;

		if (stat(argv[i], &st) != 0) {
			fprintf(stderr, "replay: no such file or directory: %s\n", argv[i]);
			failed = 1;
			continue;
		}
		if (!S_ISDIR(st.st_mode)) {
			if (s_run_file(argv[i]) != 0)
				failed = 1;
			else
				ran++;
			continue;
		}
		if ((d = opendir(argv[i])) == NULL) {
			fprintf(stderr, "replay: cannot open %s\n", argv[i]);
			failed = 1;
			continue;
		}
		while ((de = readdir(d)) != NULL) {
			char path[4096];
			if (de->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s", argv[i], de->d_name);
			if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
				continue;
			if (n == cap) {
				char **p;
				cap = cap == 0 ? 64 : 2 * cap;
				if ((p = realloc(names, cap * sizeof(*names))) == NULL)
					abort();
				names = p;
			}
			if ((names[n++] = strdup(path)) == NULL)
				abort();
		}
		closedir(d);
		if (n > 0)
			qsort(names, n, sizeof(*names), s_cmp);
		for (k = 0; k < n; k++) {
			if (s_run_file(names[k]) != 0)
				failed = 1;
			else
				ran++;
			free(names[k]);
		}
		free(names);
	}
	printf("replay: %lu inputs\n", ran);
	return failed ? 1 : 0;
}
