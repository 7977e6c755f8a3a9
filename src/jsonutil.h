/* Small json-c helpers shared by the edge and the control plane. */
#ifndef JSONUTIL_H
#define JSONUTIL_H

#include <stddef.h>

#include <json-c/json.h>

#define JSONUTIL_MAX_DEPTH	16

struct json_object *jsonutil_parse(const char *, size_t, char **);
const char	*jsonutil_string(struct json_object *, size_t *);
int		 jsonutil_get_string(struct json_object *, const char *,
		     const char **);
int		 jsonutil_get_number(struct json_object *, const char *,
		     double *);
int		 jsonutil_get_int(struct json_object *, const char *,
		     long long *);
int		 jsonutil_equal(struct json_object *, struct json_object *);

#endif
