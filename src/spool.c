/* The write-back spool file. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "atomicfile.h"
#include "jsonutil.h"
#include "spool.h"
#include "xmalloc.h"

#define SPOOL_MAX_FILE	(256 * 1024 * 1024)

/* Replaces the spool with these entries (none: the file is removed). */
int
spool_save(const char *path, const struct spool_entry *e, size_t n,
    char **cause)
{
	struct json_object	*o, *a, *w;
	const char		*text;
	size_t			 i, len;
	int			 rc = -1;

	if (n == 0) {
		if (unlink(path) == -1 && errno != ENOENT) {
			xasprintf(cause, "%s: %s", path, strerror(errno));
			return (-1);
		}
		return (0);
	}
	o = json_object_new_object();
	json_object_object_add(o, "spool", json_object_new_int(SPOOL_FORMAT));
	a = json_object_new_array();
	for (i = 0; i < n; i++) {
		w = json_object_new_object();
		json_object_object_add(w, "id", json_object_new_string(e[i].id));
		json_object_object_add(w, "base",
		    json_object_new_string(e[i].base));
		json_object_object_add(w, "version",
		    json_object_new_int64(e[i].version));
		json_object_object_add(w, "doc", json_object_get(e[i].doc));
		json_object_array_add(a, w);
	}
	json_object_object_add(o, "writes", a);
	text = jsonutil_string(o, &len);
	if (atomicfile_write(path, text, len, 0600, cause) != 0)
		goto out;
	rc = 0;
out:
	json_object_put(o);
	return (rc);
}

/*
 * Reads the spool: *writes is the array of entries (caller puts), empty
 * when there is no spool. A file that does not parse is an error: it is
 * never thrown away.
 */
int
spool_load(const char *path, struct json_object **writes, char **cause)
{
	struct json_object	*o, *a, *w, *v;
	FILE			*f;
	char			*text, *why;
	const char		*str;
	long			 size;
	size_t			 n, i;
	long long		 format;

	*writes = NULL;
	if ((f = fopen(path, "r")) == NULL) {
		if (errno == ENOENT) {
			*writes = json_object_new_array();
			return (0);
		}
		xasprintf(cause, "%s: %s", path, strerror(errno));
		return (-1);
	}
	if (fseek(f, 0, SEEK_END) == -1 || (size = ftell(f)) < 0 ||
	    size > SPOOL_MAX_FILE || fseek(f, 0, SEEK_SET) == -1) {
		xasprintf(cause, "%s: unreadable or too large", path);
		fclose(f);
		return (-1);
	}
	text = xmalloc((size_t)size + 1);
	n = fread(text, 1, (size_t)size, f);
	fclose(f);
	o = jsonutil_parse(text, n, &why);
	free(text);
	if (o == NULL) {
		xasprintf(cause, "%s: %s", path, why);
		free(why);
		return (-1);
	}
	if (jsonutil_get_int(o, "spool", &format) != 0 ||
	    format != SPOOL_FORMAT ||
	    !json_object_object_get_ex(o, "writes", &a) ||
	    !json_object_is_type(a, json_type_array)) {
		xasprintf(cause, "%s: not a spool of format %d", path,
		    SPOOL_FORMAT);
		json_object_put(o);
		return (-1);
	}
	for (i = 0; i < json_object_array_length(a); i++) {
		w = json_object_array_get_idx(a, i);
		if (!json_object_is_type(w, json_type_object) ||
		    jsonutil_get_string(w, "id", &str) != 0 ||
		    jsonutil_get_string(w, "base", &str) != 0 ||
		    !json_object_object_get_ex(w, "version", &v) ||
		    !json_object_is_type(v, json_type_int) ||
		    !json_object_object_get_ex(w, "doc", &v) ||
		    !json_object_is_type(v, json_type_object)) {
			xasprintf(cause, "%s: entry %zu is malformed", path, i);
			json_object_put(o);
			return (-1);
		}
	}
	*writes = json_object_get(a);
	json_object_put(o);
	return (0);
}
