/*
 * Signed checkpoints of the audit log (C2SP tlog-checkpoint in a C2SP
 * signed note, Ed25519):
 *
 *   <origin>\n<size>\n<base64 root>\n\n— <origin> <base64(key id || sig)>\n
 *
 * The origin is "symbiod/<first 16 hex digits of the coordinator key>" and
 * doubles as the key name; key id = SHA-256(name || "\n" || 0x01 || pk)[0:4].
 */
#ifndef SYMBI_CHECKPOINT_H
#define SYMBI_CHECKPOINT_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define CHECKPOINT_MAX 1024
#define CHECKPOINT_ORIGIN_MAX 64

struct checkpoint {
	char origin[CHECKPOINT_ORIGIN_MAX];
	uint64_t size;
	uint8_t root[32];
};

/* The log's origin for a coordinator key. */
void checkpoint_origin(const uint8_t pk[32], char out[CHECKPOINT_ORIGIN_MAX]);

/* Sign a checkpoint: *text is a malloc'd NUL-terminated note. */
int checkpoint_sign(const struct checkpoint *cp, const uint8_t sk[64], const uint8_t pk[32],
                    char **text) __attribute__((warn_unused_result));

/*
 * Parse a signed note and verify it: exact format, origin equal to the one
 * for pk, a signature line by that key that verifies. SYM_ERR_FORMAT for a
 * malformed note, SYM_ERR_VERIFY for a bad or missing signature.
 */
int checkpoint_verify(const char *text, size_t len, const uint8_t pk[32], struct checkpoint *out)
    __attribute__((warn_unused_result));

#endif
