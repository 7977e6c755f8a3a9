/* json-c helpers: bounded parsing and one serialisation style. */
#include "config.h"

#include <math.h>
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

/*
 * Do two JSON values mean the same? Numbers compare by value (1 equals
 * 1.0, as another serialiser may write it), objects regardless of key
 * order, arrays in order.
 */
int
jsonutil_equal(struct json_object *a, struct json_object *b)
{
	enum json_type	 ta = json_object_get_type(a);
	enum json_type	 tb = json_object_get_type(b);
	size_t		 i, n;
	struct json_object *v;

	if ((ta == json_type_int || ta == json_type_double) &&
	    (tb == json_type_int || tb == json_type_double)) {
		if (ta == json_type_int && tb == json_type_int)
			return (json_object_get_int64(a) ==
			    json_object_get_int64(b));
		return (json_object_get_double(a) == json_object_get_double(b));
	}
	if (ta != tb)
		return (0);
	switch (ta) {
	case json_type_null:
		return (1);
	case json_type_boolean:
		return (json_object_get_boolean(a) == json_object_get_boolean(b));
	case json_type_string:
		return (json_object_get_string_len(a) ==
		    json_object_get_string_len(b) &&
		    memcmp(json_object_get_string(a), json_object_get_string(b),
		    (size_t)json_object_get_string_len(a)) == 0);
	case json_type_array:
		n = json_object_array_length(a);
		if (n != json_object_array_length(b))
			return (0);
		for (i = 0; i < n; i++) {
			if (!jsonutil_equal(json_object_array_get_idx(a, i),
			    json_object_array_get_idx(b, i)))
				return (0);
		}
		return (1);
	case json_type_object:
		if (json_object_object_length(a) !=
		    json_object_object_length(b))
			return (0);
		json_object_object_foreach(a, key, val) {
			if (!json_object_object_get_ex(b, key, &v) ||
			    !jsonutil_equal(val, v))
				return (0);
		}
		return (1);
	default:
		return (0);
	}
}

/* A member that is a finite number (an integer or not). */
int
jsonutil_get_number(struct json_object *o, const char *key, double *v)
{
	struct json_object	*x;

	if (!json_object_object_get_ex(o, key, &x) ||
	    !(json_object_is_type(x, json_type_double) ||
	    json_object_is_type(x, json_type_int)))
		return (-1);
	*v = json_object_get_double(x);
	return (isfinite(*v) ? 0 : -1);
}
