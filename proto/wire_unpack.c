/*
 * The one door through which untrusted protobuf bytes enter the program
 * (wire.h): wire_unpack = size check, wire_precheck, protobuf-c with a
 * bounded allocator. The precheck is deliberately stricter than protobuf:
 *   - unknown field numbers are refused (protobuf-c 1.4.1 mishandles unknown
 *     fields, and our peers run our code: an unknown field is a bug or an
 *     attack);
 *   - a non-repeated field may appear only once (no "last one wins", no
 *     merging of repeated sub-messages: one message, one encoding of it);
 *   - repeated scalar fields must be unpacked: a length-delimited (packed)
 *     occurrence is refused. symbiod.proto has no repeated scalars; if one is
 *     ever added, packing it with [packed=true] makes the round-trip test fail
 *     until this walker learns packed runs;
 *   - varint values must fit their field: uint32/sint32 in 32 bits, int32 and
 *     enums in the sign-extended int32 range, bools 0 or 1;
 *   - string fields may not contain NUL bytes (C sees them as NUL-terminated,
 *     so a NUL would hide bytes from every check and from the signatures).
 *
 * The bounded allocator: every allocation protobuf-c makes carries a small
 * header pointing to its arena (budget and bookkeeping, malloc'd by
 * wire_unpack). The unpacked message is itself the first allocation, so
 * wire_free finds the arena in the header just before the message, frees the
 * message through the same allocator and then frees the arena. The budget
 * counts every byte handed out, headers included, and never decreases on
 * free: it bounds the total work of one unpack, not only its peak.
 */
#include "wire.h"

#include <limits.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"

#define S_MAX_FIELDS 256 /* the duplicate-field bitmap's width */
#define S_DEFAULT_SLACK (64u * 1024u)
/*
 * What unpacking costs per field on the wire, beyond the bytes themselves:
 * protobuf-c keeps a 32-byte record of every field while it scans (its
 * ScannedMember slabs), a repeated field takes a pointer slot, and each
 * string, bytes or sub-message is an allocation of its own with our 16-byte
 * header. A message of many short fields (the included set of 2,000 member
 * ids: 8 wire bytes and about 60 bytes of memory each) needs that; 4 x len
 * alone refused it.
 */
#define S_FIELD_COST 64u

static const uint8_t s_empty[1];

/* ---- bounds-checked reading ------------------------------------------------ */

/*
 * One varint of at most max_bytes bytes at buf[*off], never reading at or past
 * len. A 10-byte varint whose last byte carries bits beyond 64 is refused.
 */
static int
s_get_varint(const uint8_t *buf, size_t len, size_t *off, unsigned max_bytes, uint64_t *out)
{
	uint64_t v = 0;
	unsigned i;
	uint8_t b;

	for (i = 0; i < max_bytes; i++) {
		if (*off >= len)
			return SYM_ERR_FORMAT;
		b = buf[(*off)++];
		if (i == 9 && b > 1)
			return SYM_ERR_FORMAT;
		v |= (uint64_t)(b & 0x7f) << (7 * i);
		if ((b & 0x80) == 0) {
			*out = v;
			return SYM_OK;
		}
	}
	return SYM_ERR_FORMAT;
}

/* Step over n bytes at buf[*off] if they are all there. */
static int
s_skip(size_t len, size_t *off, uint64_t n)
{
	if (*off > len || n > len - *off)
		return SYM_ERR_FORMAT;
	*off += (size_t)n;
	return SYM_OK;
}

/* ---- wire_precheck ----------------------------------------------------------- */

/* The wire type protobuf-c writes for a field of this type (unpacked), or -1. */
static int
s_wire_type_of(ProtobufCType type)
{
	switch (type) {
	case PROTOBUF_C_TYPE_INT32:
	case PROTOBUF_C_TYPE_SINT32:
	case PROTOBUF_C_TYPE_UINT32:
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_BOOL:
	case PROTOBUF_C_TYPE_ENUM: return PROTOBUF_C_WIRE_TYPE_VARINT;
	case PROTOBUF_C_TYPE_SFIXED64:
	case PROTOBUF_C_TYPE_FIXED64:
	case PROTOBUF_C_TYPE_DOUBLE: return PROTOBUF_C_WIRE_TYPE_64BIT;
	case PROTOBUF_C_TYPE_SFIXED32:
	case PROTOBUF_C_TYPE_FIXED32:
	case PROTOBUF_C_TYPE_FLOAT: return PROTOBUF_C_WIRE_TYPE_32BIT;
	case PROTOBUF_C_TYPE_STRING:
	case PROTOBUF_C_TYPE_BYTES:
	case PROTOBUF_C_TYPE_MESSAGE: return PROTOBUF_C_WIRE_TYPE_LENGTH_PREFIXED;
	}
	return -1;
}

/* Does a varint value fit the field it is for (protobuf-c would silently truncate)? */
static int
s_varint_fits(ProtobufCType type, uint64_t v)
{
	switch (type) {
	case PROTOBUF_C_TYPE_UINT32:
	case PROTOBUF_C_TYPE_SINT32: return v <= UINT32_MAX;
	case PROTOBUF_C_TYPE_INT32:
	case PROTOBUF_C_TYPE_ENUM: return v <= INT32_MAX || v >= (uint64_t)INT64_C(-2147483648);
	case PROTOBUF_C_TYPE_BOOL: return v <= 1;
	default: return 1;
	}
}

/* Checks one message (and its sub-messages); adds every field it sees to *fields. */
static int
s_precheck(const ProtobufCMessageDescriptor *desc, const uint8_t *buf, size_t len, unsigned depth,
           size_t *fields)
{
	uint64_t seen[S_MAX_FIELDS / 64] = {0};
	const ProtobufCFieldDescriptor *field;
	uint64_t key, v;
	size_t off = 0, start, index;
	unsigned wire_type;
	int r;

	if (depth > WIRE_MAX_DEPTH)
		return SYM_ERR_LIMIT;
	if (desc == NULL || desc->magic != PROTOBUF_C__MESSAGE_DESCRIPTOR_MAGIC ||
	    desc->n_fields > S_MAX_FIELDS)
		return SYM_ERR_INTERNAL;
	while (off < len) {
		/* Tags are at most 5 bytes and 32 bits (as protobuf-c reads them). */
		if ((r = s_get_varint(buf, len, &off, 5, &key)) != SYM_OK)
			return r;
		if (key > UINT32_MAX)
			return SYM_ERR_FORMAT;
		wire_type = (unsigned)(key & 7);
		if ((key >> 3) == 0 || (key >> 3) >= (UINT64_C(1) << 29))
			return SYM_ERR_FORMAT;
		field = protobuf_c_message_descriptor_get_field(desc, (unsigned)(key >> 3));
		if (field == NULL)
			return SYM_ERR_FORMAT; /* unknown field */
		(*fields)++;
		if (s_wire_type_of(field->type) != (int)wire_type)
			return SYM_ERR_FORMAT; /* wrong wire type, groups, packed runs */
		index = (size_t)(field - desc->fields);
		if (field->label != PROTOBUF_C_LABEL_REPEATED) {
			if ((seen[index / 64] >> (index % 64)) & 1)
				return SYM_ERR_FORMAT; /* a second occurrence */
			seen[index / 64] |= UINT64_C(1) << (index % 64);
		}
		switch (wire_type) {
		case PROTOBUF_C_WIRE_TYPE_VARINT:
			if ((r = s_get_varint(buf, len, &off, 10, &v)) != SYM_OK)
				return r;
			if (!s_varint_fits(field->type, v))
				return SYM_ERR_FORMAT;
			break;
		case PROTOBUF_C_WIRE_TYPE_64BIT:
			if ((r = s_skip(len, &off, 8)) != SYM_OK)
				return r;
			break;
		case PROTOBUF_C_WIRE_TYPE_32BIT:
			if ((r = s_skip(len, &off, 4)) != SYM_OK)
				return r;
			break;
		case PROTOBUF_C_WIRE_TYPE_LENGTH_PREFIXED:
			/* protobuf-c reads length prefixes of at most 5 bytes, 32 bits. */
			if ((r = s_get_varint(buf, len, &off, 5, &v)) != SYM_OK)
				return r;
			start = off;
			if ((r = s_skip(len, &off, v)) != SYM_OK)
				return r;
			if (field->type == PROTOBUF_C_TYPE_STRING &&
			    memchr(buf + start, '\0', off - start) != NULL)
				return SYM_ERR_FORMAT;
			if (field->type == PROTOBUF_C_TYPE_MESSAGE) {
				r = s_precheck(field->descriptor, buf + start, off - start,
				               depth + 1, fields);
				if (r != SYM_OK)
					return r;
			}
			break;
		default: return SYM_ERR_INTERNAL; /* s_wire_type_of returns no other */
		}
	}
	return SYM_OK;
}

/* wire_precheck, and how many fields the message holds, its sub-messages' included. */
static int
s_precheck_count(const ProtobufCMessageDescriptor *desc, const uint8_t *buf, size_t len,
                 size_t *fields)
{
	*fields = 0;
	if (desc == NULL || (buf == NULL && len != 0))
		return SYM_ERR_INVALID;
	if (len > WIRE_MAX_MESSAGE)
		return SYM_ERR_LIMIT;
	return s_precheck(desc, buf != NULL ? buf : s_empty, len, 1, fields);
}

int
wire_precheck(const ProtobufCMessageDescriptor *desc, const uint8_t *buf, size_t len)
{
	size_t fields;

	return s_precheck_count(desc, buf, len, &fields);
}

/* ---- the bounded allocator --------------------------------------------------- */

struct s_arena {
	ProtobufCAllocator allocator; /* allocator_data points back here */
	size_t budget;
	size_t used; /* never above budget */
	int over_budget;
	int out_of_memory;
};

/* In front of every allocation; its alignment keeps what follows max-aligned. */
struct s_block {
	_Alignas(max_align_t) struct s_arena *arena;
	size_t size;
};

static void *
s_arena_alloc(void *data, size_t size)
{
	struct s_arena *arena = data;
	struct s_block *block;
	size_t need;

	if (size > arena->budget || sizeof(*block) > arena->budget - size ||
	    sizeof(*block) + size > arena->budget - arena->used) {
		arena->over_budget = 1;
		return NULL;
	}
	need = sizeof(*block) + size;
	if ((block = malloc(need)) == NULL) {
		arena->out_of_memory = 1;
		return NULL;
	}
	arena->used += need;
	block->arena = arena;
	block->size = size;
	return block + 1;
}

static void
s_arena_free(void *data, void *ptr)
{
	struct s_block *block;

	(void)data;
	if (ptr == NULL)
		return;
	block = (struct s_block *)ptr - 1;
	sodium_memzero(block, sizeof(*block) + block->size);
	free(block);
}

static void
s_arena_destroy(struct s_arena *arena)
{
	if (arena == NULL)
		return;
	sodium_memzero(arena, sizeof(*arena));
	free(arena);
}

int
wire_unpack(const ProtobufCMessageDescriptor *desc, const uint8_t *buf, size_t len, size_t budget,
            ProtobufCMessage **out)
{
	struct s_arena *arena = NULL;
	ProtobufCMessage *msg;
	size_t fields = 0;
	int r;

	if (out == NULL)
		return SYM_ERR_INVALID;
	*out = NULL;
	if (desc == NULL || (buf == NULL && len != 0))
		return SYM_ERR_INVALID;
	if (len > WIRE_MAX_MESSAGE)
		return SYM_ERR_LIMIT; /* before looking at a single byte */
	if ((r = s_precheck_count(desc, buf, len, &fields)) != SYM_OK)
		return r;
	if ((arena = calloc(1, sizeof(*arena))) == NULL)
		return SYM_ERR_ALLOC;
	arena->allocator.alloc = s_arena_alloc;
	arena->allocator.free = s_arena_free;
	arena->allocator.allocator_data = arena;
	/* At most 8 MiB of 2-byte fields: 4M fields, 288 MiB; a real message far less. */
	arena->budget =
	    budget != 0 ? budget : 4 * len + fields * (size_t)S_FIELD_COST + S_DEFAULT_SLACK;
	msg = protobuf_c_message_unpack(desc, &arena->allocator, len, buf != NULL ? buf : s_empty);
	if (msg == NULL) {
		/* protobuf-c has freed whatever it allocated. */
		if (arena->out_of_memory)
			r = SYM_ERR_ALLOC;
		else if (arena->over_budget)
			r = SYM_ERR_LIMIT;
		else
			r = SYM_ERR_FORMAT; /* e.g. a required field missing */
		goto out;
	}
	*out = msg;
	arena = NULL; /* transferred: wire_free finds it in front of msg */
	r = SYM_OK;
out:
	s_arena_destroy(arena);
	return r;
}

void
wire_free(ProtobufCMessage *msg)
{
	struct s_arena *arena;

	if (msg == NULL)
		return;
	/* msg is the first block wire_unpack's arena handed to protobuf-c. */
	arena = ((struct s_block *)(void *)msg - 1)->arena;
	protobuf_c_message_free_unpacked(msg, &arena->allocator);
	s_arena_destroy(arena);
}

const ProtobufCMessageDescriptor *const wire_descriptors[] = {
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
    /* Protocol 1.1; last, so that the indexes above stay what they were. */
    &symbiod__deposit__descriptor,
    &symbiod__deposit_ack__descriptor,
    /* Park indicators (secure aggregation), appended likewise. */
    &symbiod__indicator_query__descriptor,
    &symbiod__indicator_share__descriptor,
    &symbiod__included_set__descriptor,
    &symbiod__indicator_confirmation__descriptor,
    &symbiod__indicator_state__descriptor,
    &symbiod__indicator_submit__descriptor,
    &symbiod__indicator_confirm__descriptor,
    &symbiod__unmask_secret__descriptor,
    &symbiod__indicator_unmask__descriptor,
    &symbiod__indicator_ack__descriptor,
    /* Hardened rounds, appended likewise. */
    &symbiod__hard_key__descriptor,
    &symbiod__hard_query__descriptor,
    &symbiod__hard_fetch__descriptor,
    &symbiod__hard_answer__descriptor,
    &symbiod__hard_batch__descriptor,
    &symbiod__hard_batches__descriptor,
    &symbiod__hard_ack__descriptor,
};
const size_t wire_n_descriptors = sizeof(wire_descriptors) / sizeof(wire_descriptors[0]);
