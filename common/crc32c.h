/*
 * CRC-32C (Castagnoli), as iSCSI and ext4 use it: catches a truncated or
 * damaged file cheaply (the SSE 4.2 instruction where the CPU has it, three
 * streams side by side; a table elsewhere). Not a cryptographic check: what
 * must not be forged is signed or hashed elsewhere.
 */
#ifndef SYMBI_CRC32C_H
#define SYMBI_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/* Continue `crc` (0 to start) over len bytes. */
uint32_t crc32c_update(uint32_t crc, const uint8_t *p, size_t len);

#endif
