/*
 * Every message descriptor of symbiod.proto, indexed by the first input byte
 * of fuzz_wire_unpack and walked by gen_seeds.c: the wire layer's own list.
 */
#ifndef SYMBI_FUZZ_DESCRIPTORS_H
#define SYMBI_FUZZ_DESCRIPTORS_H

#include "symbiod.pb-c.h"
#include "wire.h"

/* The list lives with the wire layer (proto/wire.c), shared with test_wire. */
#define fuzz_descriptors wire_descriptors
#define FUZZ_NDESCRIPTORS wire_n_descriptors

#endif
