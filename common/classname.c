/* Indicator class names: their form, and the class of a category. */
#include "classname.h"

#include <string.h>

#include "err.h"

int
class_name_ok(const char *s, int levels_max)
{
	size_t i, len;
	int levels = 1, start = 1;

	if (s == NULL || (len = strnlen(s, CLASS_NAME_MAX)) == 0 || len >= CLASS_NAME_MAX)
		return 0;
	for (i = 0; i < len; i++) {
		char ch = s[i];

		if (ch == '.') {
			if (start || ++levels > levels_max)
				return 0;
			start = 1;
			continue;
		}
		if (start ? !(ch >= 'a' && ch <= 'z')
		          : !((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_'))
			return 0;
		start = 0;
	}
	return !start; /* no trailing dot */
}

int
class_of_category(const char *path, char out[CLASS_NAME_MAX])
{
	const char *dot, *end;
	size_t len;

	out[0] = '\0';
	if (path == NULL || (dot = strchr(path, '.')) == NULL)
		return path == NULL ? SYM_ERR_FORMAT : SYM_ERR_RANGE;
	end = strchr(dot + 1, '.');
	len = end != NULL ? (size_t)(end - path) : strlen(path);
	if (len >= CLASS_NAME_MAX)
		return SYM_ERR_FORMAT;
	memcpy(out, path, len);
	out[len] = '\0';
	if (!class_name_ok(out, 2)) {
		out[0] = '\0';
		return SYM_ERR_FORMAT;
	}
	return SYM_OK;
}
