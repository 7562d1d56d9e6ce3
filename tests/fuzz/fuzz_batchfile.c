/*
 * The daemon's token batch files PARK/batches/<round>/<sub>
 * (daemon/store_batchfile.c) read back from a crafted file: what a damaged
 * or tampered disk gives the join. Input: a flags byte (bit 0: check the
 * digest too, as the join does; bit 1: the target writes the right digest
 * into the location; bit 2: the right checksum into the file), the batch's
 * offers and needs lengths and its offset (big-endian u16 each), then the
 * file. A batch that reads back is exactly the file's bytes at its offset,
 * and they hash to its digest when that was checked.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crc32c.h"
#include "err.h"
#include "fuzz_common.h"
#include "roundhash.h"
#include "store.h"
#include "store_internal.h"

#define HDR 7

static size_t
s_u16(const uint8_t *p)
{
	return (size_t)p[0] << 8 | p[1];
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char who[] = "co-b";
	struct store_batch_loc loc;
	uint8_t *file = NULL, *buf = NULL, digest[32];
	size_t flen, len;
	const char *path;
	int fd, full, r;

	fuzz_sodium_init();
	if (size < HDR)
		return 0;
	path = fuzz_scratch("batchfile", "sub", NULL);
	memset(&loc, 0, sizeof(loc));
	full = data[0] & 1;
	loc.offers_len = s_u16(data + 1);
	loc.needs_len = s_u16(data + 3);
	loc.off = (int64_t)s_u16(data + 5);
	len = loc.offers_len + loc.needs_len;
	flen = size - HDR;
	if ((file = malloc(flen + 1)) == NULL)
		abort();
	memcpy(file, data + HDR, flen);
	/* The checksum and digest a fuzzer cannot guess, when asked for, over what is there. */
	if ((size_t)loc.off + len + BATCHFILE_CRC <= flen) {
		uint8_t *p = file + loc.off;
		if (data[0] & 4) {
			uint32_t crc = crc32c_update(0, p, len);
			p[len] = (uint8_t)(crc >> 24), p[len + 1] = (uint8_t)(crc >> 16);
			p[len + 2] = (uint8_t)(crc >> 8), p[len + 3] = (uint8_t)crc;
		}
		if ((data[0] & 2) &&
		    roundhash_batch_digest(who, p, loc.offers_len, p + loc.offers_len,
		                           loc.needs_len, loc.digest) != SYM_OK)
			memset(loc.digest, 0, 32);
	}
	fuzz_write_file(path, file, flen);
	if ((fd = open(path, O_RDONLY)) < 0)
		abort();
	r = store_batchfile_read(fd, path, &loc, who, full, &buf);
	close(fd);
	if (r == SYM_OK) {
		if (buf == NULL || loc.off < BATCHFILE_HEADER ||
		    (size_t)loc.off + len + BATCHFILE_CRC > flen ||
		    memcmp(buf, file + loc.off, len + BATCHFILE_CRC) != 0)
			abort(); /* read back what is not in the file */
		if (full && (roundhash_batch_digest(who, buf, loc.offers_len, buf + loc.offers_len,
		                                    loc.needs_len, digest) != SYM_OK ||
		             memcmp(digest, loc.digest, 32) != 0))
			abort(); /* accepted with a digest that does not hold */
	} else if (buf != NULL) {
		abort();
	}
	free(buf);
	free(file);
	return 0;
}
