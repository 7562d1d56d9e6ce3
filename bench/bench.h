#ifndef SYMBI_BENCH_H
#define SYMBI_BENCH_H

#include <stddef.h>

#include "prf.h"

int bench_tokens(int argc, char **argv);
int bench_offline_match(int argc, char **argv);
int bench_park(int argc, char **argv);
int bench_oprf(int argc, char **argv);

/*
 * An option's whole decimal number in [lo, hi] into *out: 0, or -1 after
 * saying on stderr which option of `symbi-bench cmd` is wrong and why.
 */
int bench_count(const char *cmd, const char *flag, const char *arg, unsigned long long lo,
                unsigned long long hi, unsigned long long *out);
/* The same into a size_t. */
int bench_size(const char *cmd, const char *flag, const char *arg, unsigned long long lo,
               unsigned long long hi, size_t *out);

#endif
