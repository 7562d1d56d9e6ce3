/* The park benchmark's plumbing: child processes, their CPU, the disk, synthetic flows files. */
#include <dirent.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "benchpark.h"
#include "synth.h"
#include "util.h"

double
bench_cpu_children(void)
{
	struct rusage ru;

	getrusage(RUSAGE_CHILDREN, &ru);
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
	       ru.ru_stime.tv_usec / 1e6;
}

/* Run argv with stdout to `out` (or /dev/null) and stderr to `err`; returns pid. */
pid_t
bench_spawn(char *const argv[], const char *out, const char *err)
{
	pid_t pid = fork();

	if (pid == 0) {
		int fo = open(out ? out : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0600);
		int fe = open(err ? err : "/dev/null", O_WRONLY | O_CREAT | O_APPEND, 0600);
		if (fo < 0 || fe < 0)
			_exit(127);
		dup2(fo, 1);
		dup2(fe, 2);
		execv(argv[0], argv);
		_exit(127);
	}
	return pid;
}

int
bench_run(char *const argv[], const char *out)
{
	int st = 0;
	pid_t pid = bench_spawn(argv, out, NULL);

	if (pid < 0 || waitpid(pid, &st, 0) < 0)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

long
bench_proc_kb(pid_t pid, const char *field)
{
	char path[64], line[256];
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/status", (long)pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, field, strlen(field)) == 0)
			v = strtol(line + strlen(field) + 1, NULL, 10);
	fclose(f);
	return v;
}

/* utime + stime in seconds from a /proc stat file (a process's or a thread's). */
static double
s_stat_cpu(const char *path)
{
	char buf[1024], *p;
	unsigned long ut = 0, st = 0;
	FILE *f;
	int i;

	if ((f = fopen(path, "r")) == NULL)
		return 0;
	if (fgets(buf, sizeof(buf), f) == NULL) {
		fclose(f);
		return 0;
	}
	fclose(f);
	/* Fields after the command name in parentheses; utime and stime are 14 and 15. */
	p = strrchr(buf, ')');
	for (i = 0; p != NULL && i < 12; i++)
		p = strchr(p + 1, ' ');
	if (p == NULL || sscanf(p, " %lu %lu", &ut, &st) != 2)
		return 0;
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

double
bench_proc_cpu(pid_t pid)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	return s_stat_cpu(path);
}

double
bench_proc_threads_cpu(pid_t pid, const char *prefix)
{
	char path[PATH_MAX], comm[64];
	struct dirent *e;
	double sum = 0;
	DIR *d;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/task", (long)pid);
	if ((d = opendir(path)) == NULL)
		return 0;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%ld/task/%s/comm", (long)pid, e->d_name);
		if ((f = fopen(path, "r")) == NULL)
			continue;
		if (fgets(comm, sizeof(comm), f) != NULL &&
		    strncmp(comm, prefix, strlen(prefix)) == 0) {
			snprintf(path, sizeof(path), "/proc/%ld/task/%s/stat", (long)pid,
			         e->d_name);
			sum += s_stat_cpu(path);
		}
		fclose(f);
	}
	closedir(d);
	return sum;
}

/*
 * The disk's raw sequential write speed where PARK lives, measured in the
 * same run as the round so that the ingest figure has its ceiling beside
 * it: BENCH_DISK_MB of incompressible bytes written in 1 MiB blocks, then
 * one fsync, timed together. -1 when the file cannot be written.
 */

double
bench_disk_write_mb_per_s(const char *dir)
{
	char path[PATH_MAX];
	uint8_t *block = malloc(1u << 20);
	double t0, mb = -1;
	size_t i;
	int fd;

	snprintf(path, sizeof(path), "%s/disk-speed.tmp", dir);
	if (block == NULL || (fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600)) < 0) {
		free(block);
		return -1;
	}
	for (i = 0; i < (1u << 20); i++)
		block[i] = (uint8_t)(i * 2654435761u >> 13); /* not all zeros: no sparse shortcut */
	t0 = util_now();
	for (i = 0; i < BENCH_DISK_MB; i++) {
		block[0] = (uint8_t)i;
		if (write(fd, block, 1u << 20) != (ssize_t)(1u << 20))
			break;
	}
	if (i == BENCH_DISK_MB && fsync(fd) == 0)
		mb = BENCH_DISK_MB / (util_now() - t0);
	close(fd);
	unlink(path);
	free(block);
	return mb;
}

/* One value of a synthetic item in the JSON of a flows file (canonical units). */
static json_t *
s_value_json(const struct tax_dim *dim, const struct flow_value *v, int offer)
{
	json_t *o = json_object();

	if (offer) {
		json_object_set_new(o, "value", json_real(v->value));
	} else if (!v->present) {
		/* An unconstrained quantity: the lowest bound there is. */
		json_object_set_new(o, "min", json_real(dim->min));
	} else {
		if (v->min > -1e300)
			json_object_set_new(o, "min", json_real(v->min));
		if (v->max < 1e300)
			json_object_set_new(o, "max", json_real(v->max));
		if (json_object_size(o) == 0)
			json_object_set_new(o, "min", json_real(dim->min));
	}
	json_object_set_new(o, "unit", json_string(dim->unit));
	return o;
}

int
bench_write_flows(size_t flows, const struct taxonomy *tax, struct synth_rng *rng, const char *path)
{
	json_t *arr = json_array(), *doc;
	size_t f;
	int r;

	for (f = 0; f < flows; f++) {
		struct flow_item it;
		const struct tax_category *cat;
		json_t *j, *attrs;
		char id[32];
		unsigned d;

		do {
			cat = synth_category(tax, rng);
		} while (strncmp(cat->path, "waste.", 6) == 0 && synth_below(rng, 4) != 0);
		synth_item(tax, rng, f % 2 == 0 ? FLOW_OFFER : FLOW_NEED, cat, &it);
		snprintf(id, sizeof(id), "%s-%zu", f % 2 == 0 ? "offer" : "need", f);
		j = json_pack("{s:s, s:s, s:s}", "id", id, "direction",
		              f % 2 == 0 ? "offer" : "need", "category", cat->path);
		/* A need without a quantity bound still states one (min at the range's floor). */
		json_object_set_new(
		    j, "quantity",
		    s_value_json(&cat->dims[0], &it.dims[0], it.direction == FLOW_OFFER));
		attrs = json_object();
		for (d = 1; d < cat->ndims; d++)
			if (it.dims[d].present)
				json_object_set_new(attrs, cat->dims[d].name,
				                    s_value_json(&cat->dims[d], &it.dims[d],
				                                 it.direction == FLOW_OFFER));
		json_object_set_new(j, "attributes", attrs);
		json_object_set_new(j, "details",
		                    json_pack("{s:s}", "contact", "bench@example.com"));
		json_array_append_new(arr, j);
	}
	doc = json_pack("{s:o}", "flows", arr);
	r = json_dump_file(doc, path, JSON_COMPACT);
	json_decref(doc);
	return r;
}

void
bench_tell_file(const char *what, const char *path, size_t max)
{
	char buf[4096];
	size_t n = 0;
	FILE *f = fopen(path, "r");

	if (max > sizeof(buf))
		max = sizeof(buf);
	if (f != NULL) {
		n = fread(buf, 1, max, f);
		fclose(f);
	}
	fprintf(stderr, "symbi-bench park: %s (%s):\n%.*s\n", what, path, (int)n, buf);
}
