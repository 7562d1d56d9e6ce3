/*
 * Every message descriptor of symbiod.proto (from symbiod.pb-c.h), indexed
 * by the first input byte of fuzz_wire_unpack and by gen_seeds.c. Keep in
 * step with proto/symbiod.proto: a new message type goes here too.
 */
#ifndef SYMBI_FUZZ_DESCRIPTORS_H
#define SYMBI_FUZZ_DESCRIPTORS_H

#include "symbiod.pb-c.h"

static const ProtobufCMessageDescriptor *const fuzz_descriptors[] = {
    &symbiod__request__descriptor,
    &symbiod__response__descriptor,
    &symbiod__member_record__descriptor,
    &symbiod__status_request__descriptor,
    &symbiod__status_reply__descriptor,
    &symbiod__directory_request__descriptor,
    &symbiod__directory__descriptor,
    &symbiod__round_request__descriptor,
    &symbiod__padding_policy__descriptor,
    &symbiod__round_announcement__descriptor,
    &symbiod__token_batch__descriptor,
    &symbiod__submit_begin__descriptor,
    &symbiod__submit_chunk__descriptor,
    &symbiod__submit_commit__descriptor,
    &symbiod__submit_ack__descriptor,
    &symbiod__candidates_request__descriptor,
    &symbiod__candidate__descriptor,
    &symbiod__candidate_list__descriptor,
    &symbiod__consent__descriptor,
    &symbiod__consent_ack__descriptor,
    &symbiod__releases_request__descriptor,
    &symbiod__release__descriptor,
    &symbiod__release_list__descriptor,
    &symbiod__log_proof__descriptor,
    &symbiod__checkpoint_request__descriptor,
    &symbiod__checkpoint_reply__descriptor,
};
#define FUZZ_NDESCRIPTORS (sizeof(fuzz_descriptors) / sizeof(fuzz_descriptors[0]))

#endif
