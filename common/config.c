#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* Enough for any program's table; duplicates are tracked per key on the stack. */
#define CONFIG_KEYS_MAX 64

/* Room for a key name in messages; longer names are cut. */
#define KEY_SHOWN_MAX 64

static int
s_blank(char c)
{
	return c == ' ' || c == '\t';
}

static int
s_key_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

/* A printable copy of s[0..len) for messages: at most KEY_SHOWN_MAX bytes, odd bytes as '?'. */
static void
s_shown(const char *s, size_t len, char out[KEY_SHOWN_MAX + 4])
{
	size_t i;

	for (i = 0; i < len && i < KEY_SHOWN_MAX; i++)
		out[i] = (s[i] > 0x20 && s[i] < 0x7f && s[i] != '"') ? s[i] : '?';
	out[i] = '\0';
	if (len > KEY_SHOWN_MAX)
		memcpy(out + i, "...", 4);
}

/* Strictly decimal, optional '-', no blanks, no overflow. */
static int
s_int(const char *v, long min, long max, int *out)
{
	char *end = NULL;
	long n;

	if (!(v[0] == '-' || (v[0] >= '0' && v[0] <= '9')))
		return -1;
	errno = 0;
	n = strtol(v, &end, 10);
	if (errno != 0 || end == v || *end != '\0' || n < min || n > max || n < INT_MIN ||
	    n > INT_MAX)
		return -1;
	*out = (int)n;
	return 0;
}

static void
s_choices(const char *const *choices, const char *sep, char *out, size_t out_len)
{
	size_t used = 0, i;

	out[0] = '\0';
	for (i = 0; choices[i] != NULL && used < out_len; i++)
		used +=
		    (size_t)snprintf(out + used, out_len - used, "%s%s", i ? sep : "", choices[i]);
}

/*
 * Check one value against its key; with apply set, store it. Returns 0 or
 * an error code with diag set after the "PATH: line N: key "K": " prefix.
 */
static int
s_value(const struct config_key *k, const char *v, int apply, const char *where,
        struct sym_diag *diag)
{
	const char *why;
	char list[256];
	size_t i;
	int n;

	if (v[0] == '\0')
		return sym_diag_set(diag, SYM_ERR_RANGE, "%s: empty value", where);
	if (v[0] == '"' || v[0] == '\'')
		return sym_diag_set(diag, SYM_ERR_RANGE, "%s: write the value without quotes",
		                    where);
	for (i = 1; v[i] != '\0'; i++)
		if (v[i] == '#' && s_blank(v[i - 1]))
			return sym_diag_set(diag, SYM_ERR_RANGE,
			                    "%s: comments go on a line of their own", where);
	switch (k->type) {
	case CONFIG_STRING:
		if (strlen(v) >= k->size)
			return sym_diag_set(diag, SYM_ERR_RANGE, "%s: longer than %zu bytes", where,
			                    k->size - 1);
		if (k->check != NULL && (why = k->check(v)) != NULL)
			return sym_diag_set(diag, SYM_ERR_RANGE, "%s: %s", where, why);
		if (apply)
			memcpy(k->field, v, strlen(v) + 1);
		return SYM_OK;
	case CONFIG_INT:
		if (s_int(v, k->min, k->max, &n) != 0)
			return sym_diag_set(diag, SYM_ERR_RANGE, "%s: not an integer in %ld..%ld",
			                    where, k->min, k->max);
		if (apply)
			*(int *)k->field = n;
		return SYM_OK;
	case CONFIG_ENUM:
		for (i = 0; k->choices[i] != NULL; i++)
			if (strcmp(v, k->choices[i]) == 0)
				break;
		if (k->choices[i] == NULL) {
			s_choices(k->choices, ", ", list, sizeof(list));
			return sym_diag_set(diag, SYM_ERR_RANGE, "%s: not one of %s", where, list);
		}
		if (apply)
			*(int *)k->field = (int)i;
		return SYM_OK;
	}
	return sym_diag_set(diag, SYM_ERR_INTERNAL, "%s: key of unknown type", where);
}

/* One pass over the text (NUL-terminated, no NUL inside); stores values only with apply. */
static int
s_run(const char *path, char *text, const struct config_key *keys, size_t nkeys, int apply,
      struct sym_diag *diag)
{
	size_t seen[CONFIG_KEYS_MAX] = {0}; /* the line that set each key; 0: not yet */
	char shown[KEY_SHOWN_MAX + 4], where[PATH_MAX + 128], list[512];
	char *line, *next, *end, *key, *value, *p;
	size_t lineno = 0, keylen, used, i, j;
	int r;

	for (line = text; line != NULL; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		lineno++;
		end = line + strlen(line);
		while (end > line && (s_blank(end[-1]) || end[-1] == '\r'))
			*--end = '\0';
		while (s_blank(*line))
			line++;
		if (*line == '\0' || *line == '#')
			continue;
		for (key = p = line; *p != '\0' && !s_blank(*p) && *p != '='; p++)
			;
		keylen = (size_t)(p - key);
		s_shown(key, keylen, shown);
		if (keylen == 0)
			return sym_diag_set(diag, SYM_ERR_FORMAT,
			                    "%s: line %zu: no key before \"=\"", path, lineno);
		for (i = 0; i < keylen; i++)
			if (!s_key_char(key[i]))
				return sym_diag_set(
				    diag, SYM_ERR_FORMAT,
				    "%s: line %zu: \"%s\" is not a key name (a-z, 0-9, _)", path,
				    lineno, shown);
		snprintf(where, sizeof(where), "%s: line %zu: key \"%s\"", path, lineno, shown);
		while (s_blank(*p))
			p++;
		if (*p != '=')
			return sym_diag_set(diag, SYM_ERR_FORMAT,
			                    "%s: missing \"=\" (lines are key = value)", where);
		for (i = 0; i < nkeys; i++)
			if (strlen(keys[i].name) == keylen &&
			    memcmp(keys[i].name, key, keylen) == 0)
				break;
		if (i == nkeys) {
			list[0] = '\0';
			for (j = 0, used = 0; j < nkeys && used < sizeof(list); j++)
				used += (size_t)snprintf(list + used, sizeof(list) - used, "%s%s",
				                         j ? ", " : "", keys[j].name);
			return sym_diag_set(diag, SYM_ERR_FORMAT, "%s: unknown key (known: %s)",
			                    where, list);
		}
		if (seen[i] != 0)
			return sym_diag_set(diag, SYM_ERR_FORMAT, "%s: already set on line %zu",
			                    where, seen[i]);
		seen[i] = lineno;
		for (value = p + 1; s_blank(*value); value++)
			;
		for (p = value; *p != '\0'; p++)
			if (((unsigned char)*p < 0x20 && *p != '\t') || *p == 0x7f)
				return sym_diag_set(diag, SYM_ERR_FORMAT,
				                    "%s: control character in the value", where);
		if ((r = s_value(&keys[i], value, apply, where, diag)) != SYM_OK)
			return r;
	}
	return SYM_OK;
}

int
config_parse(const char *path, const char *buf, size_t len, const struct config_key *keys,
             size_t nkeys, struct sym_diag *diag)
{
	const char *nul;
	char *text = NULL;
	size_t lineno = 1, i;
	int r = SYM_ERR_INTERNAL;

	if (path == NULL || (buf == NULL && len != 0) || keys == NULL || nkeys > CONFIG_KEYS_MAX)
		return sym_diag_set(diag, SYM_ERR_INVALID, "config_parse: invalid arguments");
	if (len > CONFIG_FILE_MAX)
		return sym_diag_set(diag, SYM_ERR_LIMIT, "%s: larger than %u bytes; refused", path,
		                    CONFIG_FILE_MAX);
	if (len != 0 && (nul = memchr(buf, '\0', len)) != NULL) {
		for (i = 0; buf + i < nul; i++)
			lineno += buf[i] == '\n';
		return sym_diag_set(diag, SYM_ERR_FORMAT, "%s: line %zu: contains a NUL byte", path,
		                    lineno);
	}
	if ((text = malloc(len + 1)) == NULL)
		return sym_diag_set(diag, SYM_ERR_ALLOC, "%s: out of memory", path);
	/* Check everything first, then store: a bad file changes no field. */
	memcpy(text, buf, len);
	text[len] = '\0';
	if ((r = s_run(path, text, keys, nkeys, 0, diag)) != SYM_OK)
		goto out;
	memcpy(text, buf, len);
	r = s_run(path, text, keys, nkeys, 1, diag);
out:
	free(text);
	return r;
}

int
config_load(const char *path, const struct config_key *keys, size_t nkeys, struct sym_diag *diag)
{
	char real[PATH_MAX], *buf = NULL;
	size_t len = 0;
	int r;

	/* util_read_file refuses symbolic links; a configuration file may well be one. */
	if (realpath(path, real) == NULL) {
		if (errno == ENOENT || errno == ENOTDIR)
			return sym_diag_set(diag, SYM_ERR_NOT_FOUND, "%s: no such file", path);
		return sym_diag_set(diag, errno == EACCES ? SYM_ERR_PERM : SYM_ERR_IO,
		                    "%s: cannot read: %s", path, strerror(errno));
	}
	switch ((r = util_read_file(real, CONFIG_FILE_MAX, &buf, &len))) {
	case SYM_OK: break;
	case SYM_ERR_LIMIT:
		return sym_diag_set(diag, r, "%s: larger than %u bytes; refused", path,
		                    CONFIG_FILE_MAX);
	case SYM_ERR_FORMAT: return sym_diag_set(diag, r, "%s: not a regular file", path);
	case SYM_ERR_NOT_FOUND: return sym_diag_set(diag, r, "%s: no such file", path);
	default: return sym_diag_set(diag, r, "%s: cannot read: %s", path, sym_strerror(r));
	}
	r = config_parse(path, buf, len, keys, nkeys, diag);
	free(buf);
	return r;
}

/* The field's value as text; 0 when the field is empty (see config_print). */
static int
s_format(const struct config_key *k, char *out, size_t out_len)
{
	size_t i;
	int v;

	switch (k->type) {
	case CONFIG_STRING:
		snprintf(out, out_len, "%s", (const char *)k->field);
		return out[0] != '\0';
	case CONFIG_INT:
		v = *(const int *)k->field;
		snprintf(out, out_len, "%d", v);
		return v >= k->min && v <= k->max;
	case CONFIG_ENUM:
		v = *(const int *)k->field;
		for (i = 0; k->choices[i] != NULL; i++)
			if ((int)i == v) {
				snprintf(out, out_len, "%s", k->choices[i]);
				return 1;
			}
		return 0;
	}
	return 0;
}

void
config_print(FILE *f, const struct config_key *keys, size_t nkeys, int help)
{
	char value[PATH_MAX + 1];
	size_t i;

	for (i = 0; i < nkeys; i++) {
		if (help)
			fprintf(f, "%s# %s\n", i ? "\n" : "", keys[i].help);
		if (!s_format(&keys[i], value, sizeof(value)))
			fprintf(f, "# %s: not set (%s)\n", keys[i].name,
			        keys[i].unset ? keys[i].unset : "no default");
		else
			fprintf(f, "%s%s = %s\n", help ? "#" : "", keys[i].name, value);
	}
}

void
config_usage(FILE *f, const struct config_key *keys, size_t nkeys)
{
	char value[PATH_MAX + 1], kind[256];
	size_t i;

	for (i = 0; i < nkeys; i++) {
		const struct config_key *k = &keys[i];

		switch (k->type) {
		case CONFIG_STRING: snprintf(kind, sizeof(kind), "STRING"); break;
		case CONFIG_INT: snprintf(kind, sizeof(kind), "%ld..%ld", k->min, k->max); break;
		case CONFIG_ENUM: s_choices(k->choices, "|", kind, sizeof(kind)); break;
		}
		fprintf(f, "  %s = %s (default: %s)\n      %s\n", k->name, kind,
		        s_format(k, value, sizeof(value)) ? value : (k->unset ? k->unset : "none"),
		        k->help);
	}
}
