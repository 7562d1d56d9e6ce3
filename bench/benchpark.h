/*
 * The park benchmark's plumbing (park_proc.c): child processes and their
 * CPU, a process's own figures from /proc, the disk's raw write speed, and
 * the synthetic flows files.
 */
#ifndef SYMBI_BENCHPARK_H
#define SYMBI_BENCHPARK_H

#include <stddef.h>
#include <sys/types.h>

#include "synth.h"
#include "taxonomy.h"

/* MiB written and fsync'd to measure the disk's raw sequential write speed. */
#define BENCH_DISK_MB 256

/* CPU seconds (user + system) of every child waited for so far. */
double bench_cpu_children(void);
/* Run argv with stdout to `out` (or /dev/null) and stderr to `err`; returns pid. */
pid_t bench_spawn(char *const argv[], const char *out, const char *err);
/* Run argv to its end: its exit status, or -1. */
int bench_run(char *const argv[], const char *out);
/* A "Field:" of /proc/PID/status in kB (VmHWM, VmRSS), -1 when unknown. */
long bench_proc_kb(pid_t pid, const char *field);
/* CPU seconds (user + system) of a running process, from /proc/PID/stat; 0 when unknown. */
double bench_proc_cpu(pid_t pid);
/* The CPU seconds of pid's threads whose name starts with prefix (ZeroMQ's: "ZMQbg/IO"). */
double bench_proc_threads_cpu(pid_t pid, const char *prefix);
/* The disk's raw sequential write speed in dir's file system (MB/s), -1 when it cannot write. */
double bench_disk_write_mb_per_s(const char *dir);
/* Say on stderr what a file holds (its first `max` bytes, at most 4 KiB). */
void bench_tell_file(const char *what, const char *path, size_t max);
/* A flows file of `flows` synthetic items drawn from tax with rng (half offers, half needs). */
int bench_write_flows(size_t flows, const struct taxonomy *tax, struct synth_rng *rng,
                      const char *path);

#endif
