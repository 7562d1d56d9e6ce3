/*
 * Reading tests/vectors/protocol-kat.json, for the two programs that check
 * it from either side of the trust boundary (test_protocol_vectors,
 * test_audit_vectors). Include after cmocka.h.
 */
#ifndef SYMBI_TESTS_KAT_H
#define SYMBI_TESTS_KAT_H

#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#ifndef SYMBI_VECTORS_DIR
#error "SYMBI_VECTORS_DIR must name the tests/vectors directory"
#endif

#define KAT_FILE SYMBI_VECTORS_DIR "/protocol-kat.json"

/* The whole file, or NULL (said on stderr). */
static inline json_t *
kat_load(void)
{
	json_error_t err;
	json_t *kat = json_load_file(KAT_FILE, JSON_REJECT_DUPLICATES, &err);

	if (kat == NULL)
		fprintf(stderr, "%s:%d: %s\n", KAT_FILE, err.line, err.text);
	return kat;
}

static inline const char *
kat_str(json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));

	assert_non_null(s);
	return s;
}

/* Exactly len bytes of the hex string obj[key]. */
static inline void
kat_hex(json_t *obj, const char *key, uint8_t *out, size_t len)
{
	const char *s = kat_str(obj, key);
	size_t got = 0;

	assert_int_equal(strlen(s), 2 * len);
	assert_int_equal(sodium_hex2bin(out, len, s, 2 * len, NULL, &got, NULL), 0);
	assert_int_equal(got, len);
}

#endif
