/* file:// data APIs: the HTTP contract served from a directory. */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "atomicfile.h"
#include "filestore.h"
#include "jsonutil.h"
#include "log.h"
#include "xmalloc.h"

#define FILESTORE_MAX_SEGMENTS	6
#define FILESTORE_SEGMENT_MAX	128

static const char *empty_progress = "{\"main_story\":null,"
    "\"class_stories\":[],\"completed_side_quests\":[],\"accepted\":[]}";

/* Sets the answer; returns status so handlers can "return (answer(...))". */
static int
answer(char **resp, size_t *len, int status, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int
answer(char **resp, size_t *len, int status, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	va_start(ap, fmt);
	n = xvasprintf(resp, fmt, ap);
	va_end(ap);
	*len = (size_t)n;
	return (status);
}

static int
answer_json(char **resp, size_t *len, int status, struct json_object *o)
{
	const char	*text;
	size_t		 n;

	text = jsonutil_string(o, &n);
	*resp = xstrndup(text, n);
	*len = n;
	json_object_put(o);
	return (status);
}

static int
valid_segment(const char *s)
{
	size_t	n = strlen(s), i;

	if (n == 0 || n > FILESTORE_SEGMENT_MAX || strcmp(s, ".") == 0 ||
	    strcmp(s, "..") == 0)
		return (0);
	for (i = 0; i < n; i++) {
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') || strchr("-._", s[i])))
			return (0);
	}
	return (1);
}

/*
 * Reads a whole file (bounded). Returns 0, -1 with errno ENOENT when it
 * does not exist, or -1 with *cause set.
 */
static int
read_file(const char *path, char **out, size_t *len, char **cause)
{
	struct stat	 st;
	FILE		*f;
	char		*buf;
	size_t		 n;

	if ((f = fopen(path, "r")) == NULL) {
		if (errno != ENOENT)
			xasprintf(cause, "%s: %s", path, strerror(errno));
		return (-1);
	}
	if (fstat(fileno(f), &st) == -1 || st.st_size > FILESTORE_MAX_FILE) {
		xasprintf(cause, "%s: unreadable or over %d bytes", path,
		    FILESTORE_MAX_FILE);
		fclose(f);
		errno = EFBIG;
		return (-1);
	}
	buf = xmalloc((size_t)st.st_size + 1);
	n = fread(buf, 1, (size_t)st.st_size, f);
	fclose(f);
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return (0);
}

/* Parses a JSON object file; NULL with errno ENOENT if it is missing. */
static struct json_object *
read_json(const char *path, char **cause)
{
	struct json_object	*o;
	char			*text, *why;
	size_t			 len;

	*cause = NULL;
	if (read_file(path, &text, &len, cause) != 0)
		return (NULL);
	o = jsonutil_parse(text, len, &why);
	free(text);
	if (o == NULL || !json_object_is_type(o, json_type_object)) {
		xasprintf(cause, "%s: %s", path, o == NULL ? why :
		    "not a JSON object");
		if (o == NULL)
			free(why);
		json_object_put(o);
		errno = EINVAL;
		return (NULL);
	}
	return (o);
}

/* Replaces path atomically with o's text, creating its directory. */
static int
write_json(const char *path, struct json_object *o, char **cause)
{
	char		*dir, *slash;
	const char	*text;
	size_t		 len;

	dir = xstrdup(path);
	if ((slash = strrchr(dir, '/')) != NULL)
		*slash = '\0';
	if (mkdir(dir, 0755) == -1 && errno != EEXIST) {
		xasprintf(cause, "%s: %s", dir, strerror(errno));
		free(dir);
		return (-1);
	}
	free(dir);
	text = jsonutil_string(o, &len);
	return (atomicfile_write(path, text, len, 0644, cause));
}

static int
get_character(const char *root, const char *id, char **resp, size_t *len)
{
	struct json_object	*o;
	char			*path, *cause;
	int			 status;

	xasprintf(&path, "%s/characters/%s.json", root, id);
	o = read_json(path, &cause);
	free(path);
	if (o != NULL)
		return (answer_json(resp, len, 200, o));
	if (cause == NULL)
		return (answer(resp, len, 404, "{\"error\":\"unknown "
		    "character\"}"));
	log_warn("filestore: %s", cause);
	status = answer(resp, len, 500, "{\"error\":\"unreadable "
	    "character\"}");
	free(cause);
	return (status);
}

static int
put_character(const char *root, const char *id, const char *if_match,
    const char *body, size_t blen, char **resp, size_t *len)
{
	struct json_object	*cur, *doc, *v;
	char			*path, *cause, *end;
	long long		 want, have;
	int			 status;

	if (if_match == NULL)
		return (answer(resp, len, 428, "{\"error\":\"If-Match "
		    "required\"}"));
	want = strtoll(if_match, &end, 10);
	if (*if_match == '\0' || *end != '\0')
		return (answer(resp, len, 400, "{\"error\":\"bad If-Match\"}"));
	if ((doc = jsonutil_parse(body, blen, &cause)) == NULL) {
		status = answer(resp, len, 400, "{\"error\":\"body: %s\"}",
		    cause);
		free(cause);
		return (status);
	}
	if (!json_object_is_type(doc, json_type_object) ||
	    (json_object_object_get_ex(doc, "id", &v) &&
	    (!json_object_is_type(v, json_type_string) ||
	    strcmp(json_object_get_string(v), id) != 0))) {
		json_object_put(doc);
		return (answer(resp, len, 400, "{\"error\":\"the body is not "
		    "this character's document\"}"));
	}
	xasprintf(&path, "%s/characters/%s.json", root, id);
	if ((cur = read_json(path, &cause)) == NULL) {
		free(path);
		json_object_put(doc);
		if (cause == NULL)
			return (answer(resp, len, 404, "{\"error\":\"unknown "
			    "character\"}"));
		log_warn("filestore: %s", cause);
		free(cause);
		return (answer(resp, len, 500, "{\"error\":\"unreadable "
		    "character\"}"));
	}
	have = 0;
	if (json_object_object_get_ex(cur, "version", &v))
		have = json_object_get_int64(v);
	json_object_put(cur);
	if (have != want) {
		free(path);
		json_object_put(doc);
		return (answer(resp, len, 409, "{\"error\":\"stale version\","
		    "\"version\":%lld}", have));
	}
	json_object_object_add(doc, "version", json_object_new_int64(have + 1));
	if (write_json(path, doc, &cause) != 0) {
		log_error("filestore: %s", cause);
		free(cause);
		free(path);
		json_object_put(doc);
		return (answer(resp, len, 503, "{\"error\":\"cannot write\"}"));
	}
	free(path);
	json_object_put(doc);
	return (answer(resp, len, 200, "{\"version\":%lld}", have + 1));
}

/* Progress, or the empty default for a character with none on file. */
static struct json_object *
progress_load(const char *root, const char *id, char **path, int *status)
{
	struct json_object	*o;
	char			*cause, *cpath;

	*status = 0;
	xasprintf(&cpath, "%s/characters/%s.json", root, id);
	if (access(cpath, F_OK) != 0) {
		free(cpath);
		*status = 404;
		return (NULL);
	}
	free(cpath);
	xasprintf(path, "%s/characters/%s/quests.json", root, id);
	if ((o = read_json(*path, &cause)) != NULL)
		return (o);
	if (cause == NULL)
		return (json_tokener_parse(empty_progress));
	log_warn("filestore: %s", cause);
	free(cause);
	*status = 500;
	return (NULL);
}

static int
in_array(struct json_object *o, const char *key, const char *id)
{
	struct json_object	*a;
	size_t			 i;

	if (!json_object_object_get_ex(o, key, &a) ||
	    !json_object_is_type(a, json_type_array))
		return (0);
	for (i = 0; i < json_object_array_length(a); i++) {
		struct json_object *v = json_object_array_get_idx(a, i);

		if (json_object_is_type(v, json_type_string) &&
		    strcmp(json_object_get_string(v), id) == 0)
			return (1);
	}
	return (0);
}

static int
accept_quest(const char *root, const char *id, const char *quest,
    char **resp, size_t *len)
{
	struct json_object	*o, *a;
	char			*path = NULL, *cause;
	int			 status;

	if ((o = progress_load(root, id, &path, &status)) == NULL) {
		free(path);
		return (answer(resp, len, status, "{\"error\":\"%s\"}",
		    status == 404 ? "unknown character" : "unreadable"));
	}
	if (in_array(o, "accepted", quest) ||
	    in_array(o, "completed_side_quests", quest)) {
		free(path);
		json_object_put(o);
		return (answer(resp, len, 409, "{\"error\":\"quest already "
		    "accepted or completed\"}"));
	}
	if (!json_object_object_get_ex(o, "accepted", &a) ||
	    !json_object_is_type(a, json_type_array)) {
		a = json_object_new_array();
		json_object_object_add(o, "accepted", a);
	}
	json_object_array_add(a, json_object_new_string(quest));
	if (write_json(path, o, &cause) != 0) {
		log_error("filestore: %s", cause);
		free(cause);
		free(path);
		json_object_put(o);
		return (answer(resp, len, 503, "{\"error\":\"cannot write\"}"));
	}
	free(path);
	json_object_put(o);
	return (answer(resp, len, 200, "{\"accepted\":\"%s\"}", quest));
}

static int
area_quests(const char *root, const char *area, char **resp, size_t *len)
{
	struct json_object	*o;
	char			*path, *cause;

	xasprintf(&path, "%s/areas/%s/quests.json", root, area);
	o = read_json(path, &cause);
	free(path);
	if (o != NULL)
		return (answer_json(resp, len, 200, o));
	if (cause != NULL) {
		log_warn("filestore: %s", cause);
		free(cause);
		return (answer(resp, len, 500, "{\"error\":\"unreadable\"}"));
	}
	return (answer(resp, len, 200, "{\"quests\":[]}"));
}

/*
 * Answers one request of the data API contract from the directory root.
 * path is the part after the base URL ("/characters/ann"). Returns the
 * HTTP status; *resp (caller frees) is the JSON body.
 */
int
filestore_handle(const char *root, const char *path, const char *method,
    const char *if_match, const char *body, size_t blen, char **resp,
    size_t *len)
{
	char	*copy, *seg[FILESTORE_MAX_SEGMENTS], *p, *q;
	size_t	 n = 0;
	int	 status = 404, get, put, post, last;

	copy = xstrdup(path);
	if ((q = strchr(copy, '?')) != NULL)
		*q = '\0';
	/* Split by hand: strtok would merge "//" into one separator. */
	p = copy;
	if (*p == '\0' || strcmp(p, "/") == 0) {
		free(copy);
		return (answer(resp, len, 404, "{\"error\":\"no such "
		    "resource\"}"));
	}
	if (*p++ != '/')
		goto bad;
	for (;;) {
		if (n == FILESTORE_MAX_SEGMENTS)
			goto bad;
		seg[n++] = p;
		while (*p != '\0' && *p != '/')
			p++;
		last = *p == '\0';
		*p = '\0';
		if (!valid_segment(seg[n - 1]))
			goto bad;
		if (last)
			break;
		p++;
	}
	get = strcmp(method, "GET") == 0;
	put = strcmp(method, "PUT") == 0;
	post = strcmp(method, "POST") == 0;
	if (n == 2 && strcmp(seg[0], "characters") == 0 && get)
		status = get_character(root, seg[1], resp, len);
	else if (n == 2 && strcmp(seg[0], "characters") == 0 && put)
		status = put_character(root, seg[1], if_match, body, blen,
		    resp, len);
	else if (n == 3 && strcmp(seg[0], "characters") == 0 &&
	    strcmp(seg[2], "quests") == 0 && get) {
		struct json_object	*o;
		char			*qpath = NULL;

		o = progress_load(root, seg[1], &qpath, &status);
		free(qpath);
		if (o != NULL)
			status = answer_json(resp, len, 200, o);
		else
			answer(resp, len, status, "{\"error\":\"%s\"}",
			    status == 404 ? "unknown character" : "unreadable");
	} else if (n == 5 && strcmp(seg[0], "characters") == 0 &&
	    strcmp(seg[2], "quests") == 0 && strcmp(seg[4], "accept") == 0 &&
	    post)
		status = accept_quest(root, seg[1], seg[3], resp, len);
	else if (n == 3 && strcmp(seg[0], "areas") == 0 &&
	    strcmp(seg[2], "quests") == 0 && get)
		status = area_quests(root, seg[1], resp, len);
	else
		answer(resp, len, 404, "{\"error\":\"no such resource\"}");
	free(copy);
	return (status);
bad:
	free(copy);
	return (answer(resp, len, 400, "{\"error\":\"bad path\"}"));
}
