/*
 * symbi-bench park: a synthetic park through the real binaries. N companies with F flows each
 * are drawn from the taxonomy, set up through the CLI (init, enroll), then one full round is
 * timed on loopback against a real daemon: every company's `symbi submit` (encoding and upload)
 * as a separate process, then `symbiod round close` (the matching). Prints wall and CPU time
 * per phase, bytes per company and the daemon's peak RSS. Then the park-indicator phase on its
 * own: `symbiod round end` and passes of every company's `symbi sync` until the sum is done.
 *
 * With --area-km KM the companies get sites drawn uniformly over a KM x KM square (centred on
 * 50 N, 10 E; deterministic: seed 14) and the round is opened with a largest reach of
 * BENCH_AREA_REACH_KM (REACH.md): members farther apart exchange nothing, the regional case.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "benchpark.h"
#include "synth.h"
#include "sysexits.h"
#include "util.h"

/* Short enough that every path built from them fits PATH_MAX. */
#define BENCH_DIR_MAX 1024
/* --area-km: the default taxonomy's largest finite reach_km (material, waste). */
#define BENCH_AREA_REACH_KM "300"

struct park_bench {
	char bin[BENCH_DIR_MAX];
	char dir[BENCH_DIR_MAX];
	size_t companies, flows, jobs;
	pid_t daemon;
	int hardened;          /* --mode hardened: the VOPRF phases (HARDENED.md) */
	char max_need[16];     /* hardened: the query batch size announced (--max-need) */
	double poll_cpu;       /* hardened: CPU of the status polls, not the clients' */
	double area_km;        /* --area-km: 0 for no sites (every pair exchanges) */
	struct synth_rng site; /* draws the sites, apart from the flows */
};

/* Company i's site "LAT,LON": uniform over an area_km square, km east and north of the centre. */
static void
s_site(struct park_bench *pb, char *out, size_t len)
{
	const double km_per_deg = 111.195, lat0 = 50.0, lon0 = 10.0;
	double x = ((double)synth_below(&pb->site, 1000001) / 1e6 - 0.5) * pb->area_km;
	double y = ((double)synth_below(&pb->site, 1000001) / 1e6 - 0.5) * pb->area_km;
	double lat = lat0 + y / km_per_deg;

	snprintf(out, len, "%.2f,%.2f", lat,
	         lon0 + x / (km_per_deg * cos(lat * 3.14159265358979323846 / 180)));
}

/* PARKDIR/<prefix><company number><suffix> */
static void
s_path(const struct park_bench *pb, char *out, size_t len, const char *prefix, size_t i,
       const char *suffix)
{
	snprintf(out, len, "%s/%s%05zu%s", pb->dir, prefix, i, suffix);
}

static int
s_setup(struct park_bench *pb, const struct taxonomy *tax)
{
	char park[PATH_MAX], st[PATH_MAX], csr[PATH_MAX], crt[PATH_MAX], id[32], ep[64],
	    exe[PATH_MAX];
	struct synth_rng rng;
	size_t i;
	int port;

	synth_seed(&rng, 42);
	if (pb->area_km > 0)
		fprintf(stderr, "sites over a %.0f km square; the round's largest reach: %s km\n",
		        pb->area_km, BENCH_AREA_REACH_KM);
	srand((unsigned)getpid());
	port = 20000 + rand() % 20000;
	snprintf(park, sizeof(park), "%s/park", pb->dir);
	snprintf(ep, sizeof(ep), "tcp://127.0.0.1:%d", port);
	snprintf(exe, sizeof(exe), "%s/symbiod", pb->bin);
	{
		char *argv[] = {exe,          "init", "--dir", park, "--name", "Benchmark park",
		                "--endpoint", ep,     NULL};
		if (bench_run(argv, NULL) != 0)
			return -1;
	}
	for (i = 0; i < pb->companies; i++) {
		char sym[PATH_MAX], symd[PATH_MAX], path[PATH_MAX];

		snprintf(id, sizeof(id), "c%05zu", i);
		s_path(pb, st, sizeof(st), "st-c", i, "");
		s_path(pb, csr, sizeof(csr), "st-c", i, "/request.csr");
		s_path(pb, crt, sizeof(crt), "c", i, ".crt");
		snprintf(sym, sizeof(sym), "%s/symbi", pb->bin);
		snprintf(symd, sizeof(symd), "%s/symbiod", pb->bin);
		{
			char pj[PATH_MAX + 16];
			snprintf(pj, sizeof(pj), "%s/park.json", park);
			char site[64];
			char *a1[] = {sym, "init",   "--dir", st,   "--park", pj,  "--id",
			              id,  "--name", id,      NULL, NULL,     NULL};
			s_site(pb, site, sizeof(site));
			if (pb->area_km > 0) {
				a1[10] = "--site";
				a1[11] = site;
			}
			char *a2[] = {symd, "enroll", "--dir", park, "--csr",
			              csr,  "--out",  crt,     NULL};
			char *a3[] = {sym, "enroll", "--dir", st, "--cert", crt, NULL};
			if (bench_run(a1, NULL) != 0 || bench_run(a2, NULL) != 0 ||
			    bench_run(a3, NULL) != 0) {
				fprintf(stderr, "symbi-bench park: enrolling %s failed\n", id);
				return -1;
			}
		}
		s_path(pb, path, sizeof(path), "c", i, ".json");
		if (bench_write_flows(pb->flows, tax, &rng, path) != 0)
			return -1;
	}
	return 0;
}

static int
s_start_daemon(struct park_bench *pb)
{
	char exe[PATH_MAX], park[PATH_MAX], log[PATH_MAX], buf[4096];
	int i;

	snprintf(exe, sizeof(exe), "%s/symbiod", pb->bin);
	snprintf(park, sizeof(park), "%s/park", pb->dir);
	snprintf(log, sizeof(log), "%s/daemon.log", pb->dir);
	{
		char *argv[] = {exe, "run", "--dir", park, NULL};
		pb->daemon = bench_spawn(argv, NULL, log);
	}
	for (i = 0; i < 100; i++) {
		FILE *f = fopen(log, "r");
		size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
		if (f)
			fclose(f);
		buf[n] = '\0';
		if (strstr(buf, "symbiod: ready") != NULL)
			return 0;
		usleep(100000);
	}
	return -1;
}

static int
s_control(struct park_bench *pb, const char *action, const char *out)
{
	char exe[PATH_MAX], park[PATH_MAX];

	snprintf(exe, sizeof(exe), "%s/symbiod", pb->bin);
	snprintf(park, sizeof(park), "%s/park", pb->dir);
	{
		char *argv[] = {exe, "round", (char *)action, "--dir", park, "--json", NULL};
		return bench_run(argv, out);
	}
}

/* Every company's submit (sync: its `symbi sync`), `jobs` at a time; sums the bytes reported. */
static int
s_clients_all(struct park_bench *pb, int sync, double *bytes_total)
{
	char exe[PATH_MAX], st[PATH_MAX], flows[PATH_MAX], out[PATH_MAX], err[PATH_MAX];
	size_t next = 0, running = 0, done = 0;
	int failed = 0;

	snprintf(exe, sizeof(exe), "%s/symbi", pb->bin);
	*bytes_total = 0;
	while (done < pb->companies) {
		int status;
		pid_t pid;

		while (running < pb->jobs && next < pb->companies) {
			s_path(pb, st, sizeof(st), "st-c", next, "");
			s_path(pb, flows, sizeof(flows), "c", next, ".json");
			s_path(pb, out, sizeof(out), "submit-c", next, ".json");
			s_path(pb, err, sizeof(err), "submit-c", next, ".err");
			{
				char *argv[] = {exe,         "submit", "--dir", st,  "--json",
				                "--timeout", "60000",  flows,   NULL};
				if (sync) {
					argv[1] = "sync";
					argv[7] = NULL;
				}
				if (bench_spawn(argv, out, err) < 0)
					return -1;
			}
			running++;
			next++;
		}
		if ((pid = wait(&status)) < 0)
			return -1;
		if (pid == pb->daemon) {
			fprintf(stderr, "symbi-bench park: the daemon died\n");
			return -1;
		}
		running--;
		done++;
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			failed++;
	}
	for (done = 0; done < pb->companies; done++) {
		json_error_t jerr;
		json_t *j;
		s_path(pb, out, sizeof(out), "submit-c", done, ".json");
		if ((j = json_load_file(out, 0, &jerr)) != NULL) {
			*bytes_total += (double)json_integer_value(json_object_get(j, "bytes"));
			json_decref(j);
		}
	}
	return failed;
}

/*
 * The park-indicator phase (INDICATORS.md): one pass of `symbi sync --json` over every company,
 * `jobs` at a time; sums the indicator payload bytes each reports. Returns how many syncs
 * failed, and shows what the first of them said (the park and its files go at the end).
 */
static int
s_sync_pass(struct park_bench *pb, int pass, double *bytes_total)
{
	char exe[PATH_MAX], st[PATH_MAX], out[PATH_MAX], err[PATH_MAX], tag[32];
	size_t next = 0, running = 0, done = 0;
	int failed = 0, status, told = 0;
	pid_t pid;

	snprintf(exe, sizeof(exe), "%s/symbi", pb->bin);
	snprintf(tag, sizeof(tag), "sync%d-c", pass);
	while (done < pb->companies) {
		while (running < pb->jobs && next < pb->companies) {
			s_path(pb, st, sizeof(st), "st-c", next, "");
			s_path(pb, out, sizeof(out), tag, next, ".json");
			s_path(pb, err, sizeof(err), tag, next, ".err");
			{
				char *argv[] = {exe, "sync", "--dir", st, "--json", NULL};
				if (bench_spawn(argv, out, err) < 0)
					return -1;
			}
			running++;
			next++;
		}
		if ((pid = wait(&status)) < 0 || pid == pb->daemon)
			return -1;
		running--;
		done++;
		failed += !WIFEXITED(status) || WEXITSTATUS(status) != 0;
	}
	for (done = 0; done < pb->companies; done++) {
		json_error_t jerr;
		json_t *j;
		s_path(pb, out, sizeof(out), tag, done, ".json");
		j = json_load_file(out, 0, &jerr);
		*bytes_total += (double)json_integer_value(json_object_get(j, "indicator_bytes"));
		if (failed > 0 && !told &&
		    (j == NULL || json_integer_value(json_object_get(j, "exit")))) {
			told = 1;
			s_path(pb, err, sizeof(err), tag, done, ".err");
			bench_tell_file("the first failed sync's stderr", err, 4096);
		}
		json_decref(j);
	}
	return failed;
}

/* The round's indicator state from `round status` ("" when it has none). */
static void
s_indicator_state(struct park_bench *pb, char *state, size_t len)
{
	char out[PATH_MAX];
	json_error_t jerr;
	json_t *j;

	snprintf(out, sizeof(out), "%s/status.json", pb->dir);
	state[0] = '\0';
	if (s_control(pb, "status", out) == 0 && (j = json_load_file(out, 0, &jerr)) != NULL) {
		snprintf(state, len, "%s",
		         json_string_value(json_object_get(j, "indicators"))
		             ? json_string_value(json_object_get(j, "indicators"))
		             : "");
		json_decref(j);
	}
}

/* What the indicator phase measured: from the round's end to its sums. */
struct park_indicator_times {
	double end_wall, end_daemon_cpu; /* `round end` itself: the round's, not the indicators' */
	double wall, clients_cpu, daemon_cpu, bytes;
	int passes;
	char state[16];
	/* One more pass once done: what a `symbi sync` pass costs with nothing to do. */
	double idle_clients_cpu, idle_daemon_cpu;
};

/* End the round, then sync every company until the round's indicators are done. */
static int
s_indicator_phase(struct park_bench *pb, struct park_indicator_times *it)
{
	double t0 = util_now(), cpu0, d_cpu0 = bench_proc_cpu(pb->daemon);

	if (s_control(pb, "end", NULL) != 0)
		return -1;
	it->end_wall = util_now() - t0;
	it->end_daemon_cpu = bench_proc_cpu(pb->daemon) - d_cpu0;
	t0 = util_now();
	cpu0 = bench_cpu_children();
	d_cpu0 = bench_proc_cpu(pb->daemon);
	for (it->passes = 1; it->passes <= 6; it->passes++) {
		if (s_sync_pass(pb, it->passes, &it->bytes) != 0) {
			fprintf(stderr, "symbi-bench park: a sync failed in pass %d\n", it->passes);
			return -1;
		}
		s_indicator_state(pb, it->state, sizeof(it->state));
		if (strcmp(it->state, "collecting") != 0)
			break;
	}
	it->wall = util_now() - t0;
	it->clients_cpu = bench_cpu_children() - cpu0;
	it->daemon_cpu = bench_proc_cpu(pb->daemon) - d_cpu0;
	if (strcmp(it->state, "done") != 0)
		return -1;
	cpu0 = bench_cpu_children();
	d_cpu0 = bench_proc_cpu(pb->daemon);
	if (s_sync_pass(pb, 99, &t0) != 0)
		return -1;
	it->idle_clients_cpu = bench_cpu_children() - cpu0;
	it->idle_daemon_cpu = bench_proc_cpu(pb->daemon) - d_cpu0;
	return 0;
}

static void
s_indicator_report(const struct park_bench *pb, const struct park_indicator_times *it,
                   double submit_bytes)
{
	double per = it->bytes / (double)pb->companies;

	printf("%-28s %9.3f %14s %14.3f\n", "end (expire, drop batches)", it->end_wall, "-",
	       it->end_daemon_cpu);
	printf("%-28s %9.3f %14.3f %14.3f\n", "indicators (secure sum)", it->wall, it->clients_cpu,
	       it->daemon_cpu);
	printf("indicators: %s after %d sync passes; client CPU per company %.1f ms; "
	       "%.0f bytes per company (%.2f%% of the submission's tokens)\n",
	       it->state, it->passes, 1000.0 * it->clients_cpu / (double)pb->companies, per,
	       submit_bytes > 0 ? 100.0 * per * (double)pb->companies / submit_bytes : 0.0);
	printf("a sync pass with nothing left to do (status, log, indicators): clients CPU "
	       "%.3f s, daemon CPU %.3f s\n",
	       it->idle_clients_cpu, it->idle_daemon_cpu);
	printf(
	    "indicators beyond %d such passes: daemon CPU %.3f s, client CPU per company %.1f ms\n",
	    it->passes, it->daemon_cpu - it->passes * it->idle_daemon_cpu,
	    1000.0 * (it->clients_cpu - it->passes * it->idle_clients_cpu) / (double)pb->companies);
}

/* What the timed round measured. */
struct park_times {
	double open, submit, close; /* wall seconds */
	double clients_cpu_submit;  /* all clients' CPU seconds */
	double clients_cpu_warm;    /* all clients' first directory check (symbi status), cold */
	double daemon_cpu_submit, daemon_cpu_close;
	double daemon_io_cpu_submit; /* of it, ZeroMQ's I/O thread: CURVE and TCP */
	double bytes;                /* uploaded by all companies */
	long daemon_rss_kb;
	double disk_mb_per_s; /* raw sequential write + fsync in PARK's file system, same run */
};

/* Parse the flags into pb; returns -1 to go on, or the exit code. */
static int
s_parse_args(int argc, char **argv, struct park_bench *pb, int *keep)
{
	static const struct option opts[] = {{"companies", required_argument, NULL, 'c'},
	                                     {"flows", required_argument, NULL, 'f'},
	                                     {"jobs", required_argument, NULL, 'j'},
	                                     {"keep", no_argument, NULL, 'k'},
	                                     {"mode", required_argument, NULL, 'm'},
	                                     {"max-need", required_argument, NULL, 'n'},
	                                     {"area-km", required_argument, NULL, 'a'},
	                                     {"help", no_argument, NULL, 'h'},
	                                     {NULL, 0, NULL, 0}};
	size_t v = 0;
	int c;

	pb->companies = 20;
	snprintf(pb->max_need, sizeof(pb->max_need), "512");
	pb->flows = 20;
	pb->area_km = 0;
	synth_seed(&pb->site, 14);
	pb->jobs = (size_t)sysconf(_SC_NPROCESSORS_ONLN);
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		int r = 0;
		switch (c) {
		case 'c':
			r = bench_size("park", "companies", optarg, 2, 5000, &pb->companies);
			break;
		case 'f': r = bench_size("park", "flows", optarg, 1, 200, &pb->flows); break;
		case 'j': r = bench_size("park", "jobs", optarg, 1, 64, &pb->jobs); break;
		case 'k': *keep = 1; break;
		case 'a':
			r = bench_size("park", "area-km", optarg, 0, 10000, &v);
			pb->area_km = (double)v;
			break;
		case 'n':
			/* Passed on to `symbiod round open`, which checks it against the mode. */
			r = bench_size("park", "max-need", optarg, 1, 999999, &v);
			snprintf(pb->max_need, sizeof(pb->max_need), "%zu", v);
			break;
		case 'm':
			if ((r = strcmp(optarg, "hardened") != 0 &&
			         strcmp(optarg, "standard") != 0))
				fprintf(stderr,
				        "symbi-bench park: --mode must be standard or hardened\n");
			pb->hardened = strcmp(optarg, "hardened") == 0;
			break;
		case 'h':
			printf(
			    "usage: symbi-bench park [--companies N] [--flows F] [--jobs J] "
			    "[--mode standard|hardened [--max-need N]] [--area-km KM] [--keep]\n");
			return 0;
		default: return EXIT_USAGE;
		}
		if (r != 0)
			return EXIT_USAGE;
	}
	/* The default: one client at a time per core, as the option allows. */
	if (pb->jobs < 1 || pb->jobs > 64)
		pb->jobs = pb->jobs < 1 ? 1 : 64;
	return -1;
}

/* Hardened: the round's phase is `phase` (the daemon moves on when everyone did its part). */
static int
s_wait_phase(struct park_bench *pb, const char *phase, const char *result)
{
	int i;

	for (i = 0; i < 36000; i++) {
		json_error_t jerr;
		json_t *j;
		double c0 = bench_cpu_children();
		int same, rc = s_control(pb, "status", result);

		pb->poll_cpu += bench_cpu_children() - c0;
		if (rc != 0 || (j = json_load_file(result, 0, &jerr)) == NULL)
			return -1;
		same = json_is_string(json_object_get(j, "phase")) &&
		       strcmp(json_string_value(json_object_get(j, "phase")), phase) == 0;
		json_decref(j);
		if (same)
			return 0;
		usleep(100000);
	}
	return -1;
}

/*
 * Hardened: after the query (the submits), every company answers, then
 * submits; the daemon closes the round itself. The result is the status in
 * consent, whose candidates count the pending ones.
 */
static int
s_hardened_phases(struct park_bench *pb, const char *result)
{
	static const char *const phases[] = {"evaluate", "submit"};
	double bytes = 0;
	int failed, k;

	for (k = 0; k < 2; k++) {
		if (s_wait_phase(pb, phases[k], result) != 0)
			return -1;
		if ((failed = s_clients_all(pb, 1, &bytes)) != 0) {
			fprintf(stderr, "symbi-bench park: %d syncs failed (%s)\n", failed,
			        phases[k]);
			return -1;
		}
	}
	return s_wait_phase(pb, "consent", result);
}

/*
 * A park's steady state: every company has checked the directory before
 * (in an earlier round), so its certificate cache is warm. `symbi status`
 * does that check, one company after the other, before the timed round;
 * its CPU is the cold cost, reported apart.
 */
static int
s_warm_caches(struct park_bench *pb, struct park_times *t)
{
	char exe[PATH_MAX], st[PATH_MAX];
	double cpu0 = bench_cpu_children();
	size_t i, failed = 0;

	snprintf(exe, sizeof(exe), "%s/symbi", pb->bin);
	for (i = 0; i < pb->companies; i++) {
		char *argv[] = {exe, "status", "--dir", st, "--timeout", "60000", NULL};
		s_path(pb, st, sizeof(st), "st-c", i, "");
		failed += bench_run(argv, NULL) != 0;
	}
	t->clients_cpu_warm = bench_cpu_children() - cpu0;
	if (failed > 0)
		fprintf(stderr, "symbi-bench park: %zu directory checks failed\n", failed);
	return failed > 0 ? -1 : 0;
}

/* The timed round: open, every submission, close (matching). */
static int
s_timed_round(struct park_bench *pb, const char *result, struct park_times *t)
{
	double t0, cpu0, d_cpu0;
	int failed;

	if (s_warm_caches(pb, t) != 0)
		return -1;

	t0 = util_now();
	{
		char exe[PATH_MAX], park[PATH_MAX];
		/* A query batch has max_need elements; 20 synthetic flows cost up to ~350 (so 512).
		 */
		char *argv[16] = {exe, "round", "open", "--dir", park, NULL}, isec[24];
		size_t k = 5;

		snprintf(exe, sizeof(exe), "%s/symbiod", pb->bin);
		snprintf(park, sizeof(park), "%s/park", pb->dir);
		if (pb->hardened) {
			argv[k++] = "--mode";
			argv[k++] = "hardened";
			argv[k++] = "--max-need";
			argv[k++] = pb->max_need;
		}
		/* --area-km: members beyond the round's reach exchange nothing. */
		if (pb->area_km > 0) {
			argv[k++] = "--max-reach-km";
			argv[k++] = BENCH_AREA_REACH_KM;
		}
		/* Each indicator stage's deadline: here every sync shares 2 cores (9 min at 2,000).
		 */
		snprintf(isec, sizeof(isec), "%zu", pb->companies > 600 ? pb->companies : 600);
		argv[k++] = "--indicator-seconds";
		argv[k++] = isec;
		argv[k] = NULL;
		if (bench_run(argv, NULL) != 0)
			return -1;
	}
	t->open = util_now() - t0;
	cpu0 = bench_cpu_children();
	d_cpu0 = bench_proc_cpu(pb->daemon);
	t->daemon_io_cpu_submit = -bench_proc_threads_cpu(pb->daemon, "ZMQbg/IO");
	t0 = util_now();
	if ((failed = s_clients_all(pb, 0, &t->bytes)) != 0) {
		fprintf(stderr, "symbi-bench park: %d submissions failed\n", failed);
		return -1;
	}
	if (pb->hardened && s_hardened_phases(pb, result) != 0)
		return -1;
	t->submit = util_now() - t0;
	t->clients_cpu_submit = bench_cpu_children() - cpu0 - pb->poll_cpu;
	t->daemon_cpu_submit = bench_proc_cpu(pb->daemon) - d_cpu0;
	t->daemon_io_cpu_submit += bench_proc_threads_cpu(pb->daemon, "ZMQbg/IO");
	t0 = util_now();
	if (!pb->hardened && s_control(pb, "close", result) != 0)
		return -1;
	t->close = util_now() - t0;
	t->daemon_cpu_close = bench_proc_cpu(pb->daemon) - d_cpu0 - t->daemon_cpu_submit;
	t->daemon_rss_kb = bench_proc_kb(pb->daemon, "VmHWM:");
	t->disk_mb_per_s = bench_disk_write_mb_per_s(pb->dir);
	return 0;
}

static void
s_report(const struct park_bench *pb, double t_setup, const struct park_times *t,
         const char *result)
{
	json_error_t jerr;
	json_t *j = json_load_file(result, 0, &jerr);

	printf("park: %zu companies x %zu flows, %zu parallel clients, %ld CPUs\n", pb->companies,
	       pb->flows, pb->jobs, sysconf(_SC_NPROCESSORS_ONLN));
	printf("setup (init + enroll through the CLI, not timed in round_s): %.2f s\n", t_setup);
	printf("%-28s %9s %14s %14s\n", "phase", "wall_s", "clients_cpu_s", "daemon_cpu_s");
	printf("%-28s %9.3f %14s %14s\n", "open", t->open, "-", "-");
	printf("%-28s %9.3f %14.3f %14.3f\n",
	       pb->hardened ? "query, evaluate, submit" : "submit (encode + upload)", t->submit,
	       t->clients_cpu_submit, t->daemon_cpu_submit);
	printf("%-28s %9.3f %14s %14.3f\n", "close (matching)", t->close, "-", t->daemon_cpu_close);
	printf("of the daemon's submit CPU, ZeroMQ's I/O thread (CURVE, TCP): %.3f s\n",
	       t->daemon_io_cpu_submit);
	printf("before the round, each company's first directory check (symbi status, cold "
	       "certificate cache): %.3f s CPU per company\n",
	       t->clients_cpu_warm / (double)pb->companies);
	printf("bytes per company: %.0f (tokens for %zu counterparts)\n",
	       t->bytes / (double)pb->companies, pb->companies - 1);
	printf("candidates: %lld\n",
	       !j             ? -1LL
	       : pb->hardened ? (long long)json_integer_value(
	                            json_object_get(json_object_get(j, "candidates"), "pending"))
	                      : (long long)json_integer_value(json_object_get(j, "candidates")));
	printf("daemon peak RSS: %.1f MiB\n", t->daemon_rss_kb / 1024.0);
	if (pb->hardened)
		printf("hardened: query batches of max_need = %s elements; client CPU per "
		       "counterpart %.1f ms\n",
		       pb->max_need,
		       1e3 * t->clients_cpu_submit / (double)pb->companies /
		           (double)(pb->companies - 1));
	printf("disk raw sequential write (write + fsync of %d MiB in PARK's file system): %.0f "
	       "MB/s\n",
	       BENCH_DISK_MB, t->disk_mb_per_s);
	/* Keep the first fields; new ones go at the end (scripts read this line). */
	printf("companies=%zu flows=%zu round_s=%.2f peak_rss_mb=%.1f pairs=%lld daemon_cpu_s=%.2f "
	       "client_cpu_s_per_company=%.3f ingest_mb_per_s=%.1f disk_write_mb_per_s=%.0f "
	       "mode=%s\n",
	       pb->companies, pb->flows, t->open + t->submit + t->close, t->daemon_rss_kb / 1024.0,
	       j ? (long long)json_integer_value(json_object_get(j, "pairs")) : -1LL,
	       t->daemon_cpu_submit + t->daemon_cpu_close,
	       t->clients_cpu_submit / (double)pb->companies,
	       t->submit > 0 ? t->bytes / 1e6 / t->submit : 0.0, t->disk_mb_per_s,
	       pb->hardened ? "hardened" : "standard");
	json_decref(j);
}

int
bench_park(int argc, char **argv)
{
	struct park_bench pb;
	struct park_times times;
	struct park_indicator_times itimes;
	struct taxonomy *tax = NULL;
	struct sym_diag diag = {""};
	double t0, t_setup;
	char exe[BENCH_DIR_MAX], *slash, result[PATH_MAX];
	int keep = 0, rc;
	ssize_t n;

	memset(&pb, 0, sizeof(pb));
	memset(&times, 0, sizeof(times));
	memset(&itimes, 0, sizeof(itimes));
	if ((rc = s_parse_args(argc, argv, &pb, &keep)) >= 0)
		return rc;
	rc = EXIT_SOFTWARE;
	/* The binaries beside this one. */
	if ((n = readlink("/proc/self/exe", exe, sizeof(exe) - 1)) <= 0)
		return EXIT_SOFTWARE;
	exe[n] = '\0';
	if ((slash = strrchr(exe, '/')) != NULL)
		*slash = '\0';
	snprintf(pb.bin, sizeof(pb.bin), "%s", exe);
	snprintf(pb.dir, sizeof(pb.dir), "/tmp/symbi-bench-park.XXXXXX");
	if (mkdtemp(pb.dir) == NULL || taxonomy_load_default(&tax, &diag) != SYM_OK) {
		fprintf(stderr, "symbi-bench park: %s\n", diag.msg[0] ? diag.msg : strerror(errno));
		return EXIT_SOFTWARE;
	}
	signal(SIGPIPE, SIG_IGN);
	fprintf(stderr, "setting up %zu companies with %zu flows each in %s ...\n", pb.companies,
	        pb.flows, pb.dir);
	t0 = util_now();
	if (s_setup(&pb, tax) != 0)
		goto out;
	t_setup = util_now() - t0;
	if (s_start_daemon(&pb) != 0) {
		fprintf(stderr, "symbi-bench park: the daemon did not start\n");
		goto out;
	}
	snprintf(result, sizeof(result), "%s/close.json", pb.dir);
	if (s_timed_round(&pb, result, &times) != 0)
		goto out;
	s_report(&pb, t_setup, &times, result);
	if (s_indicator_phase(&pb, &itimes) != 0) {
		fprintf(stderr, "symbi-bench park: the park indicators did not finish (%s)\n",
		        itimes.state);
		goto out;
	}
	s_indicator_report(&pb, &itimes, times.bytes);
	rc = 0;
out:
	if (pb.daemon > 0) {
		kill(pb.daemon, SIGTERM);
		waitpid(pb.daemon, NULL, 0);
	}
	if (!keep) {
		char cmd[PATH_MAX + 16];
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", pb.dir);
		if (system(cmd) != 0)
			fprintf(stderr, "symbi-bench park: could not remove %s\n", pb.dir);
	}
	taxonomy_free(&tax);
	return rc;
}
