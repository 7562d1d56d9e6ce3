#ifndef SYMBI_BENCH_H
#define SYMBI_BENCH_H

#include <stddef.h>

#include "prf.h"

int bench_tokens(int argc, char **argv);
int bench_offline_match(int argc, char **argv);
int bench_park(int argc, char **argv);
int bench_oprf(int argc, char **argv);

#endif
