/*
 * Typed, checked access to an entry's JSON fields (entry.h). Entries are
 * hashed as bytes and never re-serialized for hashing; the canonical-form
 * check only makes sure there is one spelling of each entry, so that what
 * this verifier reads is what any other reader of the same bytes reads
 * (no duplicate keys, no "\u0061" for "a", no whitespace games).
 */
#include "entry.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cert.h"

static const char *const s_common_keys[] = {"at_ms", "kind", "v"};

/* `key` or `path.key` for messages. */
static const char *
s_name(const char *path, const char *key, char *buf, size_t cap)
{
	if (path == NULL)
		return key;
	snprintf(buf, cap, "%s.%s", path, key);
	return buf;
}

static int
s_bad(const struct audit_entry *e, const char *path, const char *key, const char *what)
{
	char name[128];

	return audit_fail_entry(e->p, e->index, "malformed-entry", "field \"%s\": %s",
	                        s_name(path, key, name, sizeof(name)), what);
}

static json_t *
s_get(const struct audit_entry *e, json_t *obj, const char *path, const char *key)
{
	json_t *v = json_object_get(obj != NULL ? obj : e->obj, key);

	if (v == NULL)
		s_bad(e, path, key, "missing");
	return v;
}

int
audit_entry_parse(const uint8_t *line, size_t len, uint64_t index, struct audit_problem *p,
                  struct audit_entry *e)
{
	json_error_t jerr;
	json_t *v;
	char *canon = NULL;
	size_t clen;
	json_int_t n;
	int r = SYM_ERR_VERIFY;

	memset(e, 0, sizeof(*e));
	e->index = index;
	e->p = p;
	if (memchr(line, '\0', len) != NULL)
		return audit_fail_entry(p, index, "malformed-entry", "a NUL byte in the line");
	e->obj = json_loadb((const char *)line, len, JSON_REJECT_DUPLICATES, &jerr);
	if (e->obj == NULL)
		return audit_fail_entry(p, index, "malformed-entry", "not JSON: column %d: %s",
		                        jerr.column, jerr.text);
	if (!json_is_object(e->obj)) {
		audit_fail_entry(p, index, "malformed-entry", "not a JSON object");
		goto out;
	}
	clen = json_dumpb(e->obj, NULL, 0, JSON_COMPACT | JSON_SORT_KEYS);
	if (clen == 0 || (canon = malloc(clen)) == NULL) {
		r = SYM_ERR_ALLOC;
		goto out;
	}
	if (json_dumpb(e->obj, canon, clen, JSON_COMPACT | JSON_SORT_KEYS) != clen) {
		r = SYM_ERR_INTERNAL;
		goto out;
	}
	if (clen != len || memcmp(canon, line, len) != 0) {
		audit_fail_entry(p, index, "malformed-entry",
		                 "not in canonical form (compact JSON with sorted keys)");
		goto out;
	}
	v = json_object_get(e->obj, "v");
	if (v == NULL || !json_is_integer(v) || json_integer_value(v) != 1) {
		audit_fail_entry(p, index, "malformed-entry", "field \"v\": expected 1");
		goto out;
	}
	if ((e->kind = json_string_value(json_object_get(e->obj, "kind"))) == NULL) {
		audit_fail_entry(p, index, "malformed-entry",
		                 "field \"kind\": missing or not a string");
		goto out;
	}
	v = json_object_get(e->obj, "at_ms");
	if (v == NULL || !json_is_integer(v) || (n = json_integer_value(v)) < 0) {
		audit_fail_entry(p, index, "malformed-entry",
		                 "field \"at_ms\": expected an integer >= 0");
		goto out;
	}
	e->at_ms = (uint64_t)n;
	r = SYM_OK;
out:
	free(canon);
	if (r != SYM_OK)
		audit_entry_clear(e);
	return r;
}

void
audit_entry_clear(struct audit_entry *e)
{
	if (e->obj != NULL)
		json_decref(e->obj);
	e->obj = NULL;
	e->kind = NULL;
}

static int
s_listed(const char *key, const char *const *keys, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(key, keys[i]) == 0)
			return 1;
	return 0;
}

int
audit_entry_keys(const struct audit_entry *e, json_t *obj, const char *path,
                 const char *const *keys, size_t n)
{
	json_t *o = obj != NULL ? obj : e->obj, *v;
	const char *key;
	size_t i;

	json_object_foreach (o, key, v) {
		if (!s_listed(key, keys, n) && !(obj == NULL && s_listed(key, s_common_keys, 3)))
			return s_bad(e, path, key, "not a field of this kind of entry");
	}
	for (i = 0; i < n; i++)
		if (json_object_get(o, keys[i]) == NULL)
			return s_bad(e, path, keys[i], "missing");
	return SYM_OK;
}

int
audit_entry_hex(const struct audit_entry *e, json_t *obj, const char *path, const char *key,
                uint8_t *out, size_t len)
{
	json_t *v = s_get(e, obj, path, key);
	char what[64];

	if (v == NULL)
		return SYM_ERR_VERIFY;
	if (!json_is_string(v) || audit_unhex(json_string_value(v), out, len) != SYM_OK) {
		snprintf(what, sizeof(what), "expected %zu lower-case hex digits", 2 * len);
		return s_bad(e, path, key, what);
	}
	return SYM_OK;
}

int
audit_entry_id(const struct audit_entry *e, json_t *obj, const char *path, const char *key,
               char out[MEMBER_ID_MAX + 1])
{
	json_t *v = s_get(e, obj, path, key);
	const char *s;

	if (v == NULL)
		return SYM_ERR_VERIFY;
	if ((s = json_string_value(v)) == NULL || !member_id_valid(s))
		return s_bad(e, path, key, "expected a company id (1..64 of [a-z0-9-])");
	memcpy(out, s, strlen(s) + 1);
	return SYM_OK;
}

int
audit_entry_string(const struct audit_entry *e, json_t *obj, const char *path, const char *key,
                   size_t max, const char **out)
{
	json_t *v = s_get(e, obj, path, key);

	if (v == NULL)
		return SYM_ERR_VERIFY;
	if (!json_is_string(v) || json_string_length(v) > max)
		return s_bad(e, path, key, "expected a string");
	*out = json_string_value(v);
	return SYM_OK;
}

int
audit_entry_b64(const struct audit_entry *e, json_t *obj, const char *path, const char *key,
                size_t max, uint8_t **out, size_t *out_len)
{
	json_t *v = s_get(e, obj, path, key);
	int r;

	*out = NULL;
	*out_len = 0;
	if (v == NULL)
		return SYM_ERR_VERIFY;
	if (!json_is_string(v))
		return s_bad(e, path, key, "expected a base64 string");
	r = audit_unb64(json_string_value(v), json_string_length(v), max, out, out_len);
	if (r == SYM_ERR_ALLOC)
		return r;
	if (r == SYM_ERR_LIMIT)
		return s_bad(e, path, key, "longer than this field may be");
	if (r != SYM_OK || *out_len == 0) {
		free(*out);
		*out = NULL;
		return s_bad(e, path, key, "expected standard base64 with padding, not empty");
	}
	return SYM_OK;
}

int
audit_entry_uint(const struct audit_entry *e, json_t *obj, const char *path, const char *key,
                 uint64_t *out)
{
	json_t *v = s_get(e, obj, path, key);

	if (v == NULL)
		return SYM_ERR_VERIFY;
	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return s_bad(e, path, key, "expected an integer >= 0");
	*out = (uint64_t)json_integer_value(v);
	return SYM_OK;
}

int
audit_entry_bool(const struct audit_entry *e, json_t *obj, const char *path, const char *key,
                 int *out)
{
	json_t *v = s_get(e, obj, path, key);

	if (v == NULL)
		return SYM_ERR_VERIFY;
	if (!json_is_boolean(v))
		return s_bad(e, path, key, "expected true or false");
	*out = json_is_true(v);
	return SYM_OK;
}

int
audit_entry_array(const struct audit_entry *e, json_t *obj, const char *path, const char *key,
                  size_t max, json_t **out)
{
	json_t *v = s_get(e, obj, path, key);

	if (v == NULL)
		return SYM_ERR_VERIFY;
	if (!json_is_array(v))
		return s_bad(e, path, key, "expected an array");
	if (json_array_size(v) > max)
		return s_bad(e, path, key, "too many elements");
	*out = v;
	return SYM_OK;
}

int
audit_entry_element(const struct audit_entry *e, json_t *arr, const char *key, size_t i,
                    json_t **out, char *path_out, size_t cap)
{
	snprintf(path_out, cap, "%s[%zu]", key, i);
	*out = json_array_get(arr, i);
	if (*out == NULL || !json_is_object(*out))
		return audit_fail_entry(e->p, e->index, "malformed-entry",
		                        "field \"%s\": expected an object", path_out);
	return SYM_OK;
}
