/* json-c helpers: bounded parsing and one serialisation style. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "jsonutil.h"
#include "log.h"
#include "utf8.h"
#include "xmalloc.h"

/*
 * Parses exactly one JSON value filling the whole buffer, nesting at most
 * JSONUTIL_MAX_DEPTH. Caller puts the result. On failure *cause says why
 * (caller frees).
 */
struct json_object *
jsonutil_parse(const char *s, size_t len, char **cause)
{
	struct json_tokener	*tok;
	struct json_object	*o;
	enum json_tokener_error	 err;
	size_t			 used;

	if (len == 0 || len > 0x7fffffff) {
		*cause = xstrdup(len == 0 ? "empty JSON" : "JSON too large");
		return (NULL);
	}
	/* json-c passes bad UTF-8 through; it must not reach other clients. */
	if (!utf8_valid(s, len)) {
		*cause = xstrdup("invalid JSON: not UTF-8");
		return (NULL);
	}
	tok = json_tokener_new_ex(JSONUTIL_MAX_DEPTH);
	if (tok == NULL)
		fatalx("json_tokener_new_ex failed");
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	o = json_tokener_parse_ex(tok, s, (int)len);
	err = json_tokener_get_error(tok);
	used = json_tokener_get_parse_end(tok);
	if (o == NULL && err == json_tokener_continue) {
		/* A bare number or literal is complete only at the end. */
		o = json_tokener_parse_ex(tok, "", 1);
		err = json_tokener_get_error(tok);
		used = len;
	}
	if (o == NULL && err == json_tokener_success) {
		*cause = xstrdup("JSON null where a value is required");
		json_tokener_free(tok);
		return (NULL);
	}
	if (o == NULL || err != json_tokener_success) {
		xasprintf(cause, "invalid JSON: %s",
		    err == json_tokener_continue ? "unexpected end" :
		    err == json_tokener_success ? "trailing data" :
		    json_tokener_error_desc(err));
		json_object_put(o);
		json_tokener_free(tok);
		return (NULL);
	}
	json_tokener_free(tok);
	if (used != len) {
		xasprintf(cause, "invalid JSON: trailing data");
		json_object_put(o);
		return (NULL);
	}
	return (o);
}

/* The compact text of o, valid until o changes or is put. */
const char *
jsonutil_string(struct json_object *o, size_t *len)
{
	return (json_object_to_json_string_length(o,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, len));
}

/*
 * 0 and *value set if o has a string member key; -1 otherwise, and for a
 * string with a NUL inside ("a\u0000b"), which C would silently cut short.
 */
int
jsonutil_get_string(struct json_object *o, const char *key,
    const char **value)
{
	struct json_object	*v;
	const char		*s;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return (-1);
	s = json_object_get_string(v);
	if (strlen(s) != (size_t)json_object_get_string_len(v))
		return (-1);
	*value = s;
	return (0);
}

/* 0 and *value set if o has an integer member key; -1 otherwise. */
int
jsonutil_get_int(struct json_object *o, const char *key, long long *value)
{
	struct json_object	*v;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_int))
		return (-1);
	*value = json_object_get_int64(v);
	return (0);
}
