/*
 * Unit tests for filestore.c: the data API contract answered from files in
 * a fresh temporary directory (one per test, all under one mkdtemp(3)
 * directory in /tmp that is removed at the end). No sockets, no sleeps.
 */
#include "config.h"

#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>
#include <json-c/json.h>

#include "filestore.h"
#include "log.h"
#include "tmpdir.h"

#define ANN	"{\"id\":\"ann\",\"name\":\"Ann\",\"level\":7,\"version\":3}"


/* ---- fixtures and helpers ------------------------------------------- */

static void
top_setup(void)
{
	tmpdir_top_setup("check_filestore");
}

static void
make_dir(const char *rel)
{
	char	path[PATH_MAX];

	snprintf(path, sizeof path, "%s/%s", tmpdir_dir, rel);
	ck_assert_msg(mkdir(path, 0755) == 0, "mkdir %s: %s", path,
	    strerror(errno));
}

/* The parsed JSON object in DIR/rel (caller puts). */
static struct json_object *
file_json(const char *rel)
{
	char			 path[PATH_MAX];
	struct json_object	*o;

	snprintf(path, sizeof path, "%s/%s", tmpdir_dir, rel);
	o = json_object_from_file(path);
	ck_assert_msg(o != NULL, "%s: not JSON", path);
	ck_assert(json_object_is_type(o, json_type_object));
	return (o);
}

static int
file_exists(const char *rel)
{
	char	path[PATH_MAX];

	snprintf(path, sizeof path, "%s/%s", tmpdir_dir, rel);
	return (access(path, F_OK) == 0);
}

/* Fails if DIR/rel holds anything but the names given (NULL-ended). */
static void
only_files(const char *rel, ...)
{
	char		 path[PATH_MAX];
	DIR		*d;
	struct dirent	*de;
	const char	*want;
	va_list		 ap;
	int		 found;

	snprintf(path, sizeof path, "%s/%s", tmpdir_dir, rel);
	ck_assert_ptr_nonnull(d = opendir(path));
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		found = 0;
		va_start(ap, rel);
		while ((want = va_arg(ap, const char *)) != NULL)
			found |= strcmp(de->d_name, want) == 0;
		va_end(ap);
		ck_assert_msg(found, "unexpected file %s/%s", rel, de->d_name);
	}
	closedir(d);
}

/*
 * One request. Every answer must be a JSON object whose length is *len;
 * it goes to *out (caller puts) when out is not NULL.
 */
static int
req(const char *method, const char *path, const char *if_match,
    const char *body, struct json_object **out)
{
	struct json_object	*o;
	char			*resp = NULL;
	size_t			 len = 12345;
	int			 status;

	status = filestore_handle(tmpdir_dir, path, method, if_match, body,
	    body != NULL ? strlen(body) : 0, &resp, &len);
	ck_assert_msg(resp != NULL, "%s %s: no body", method, path);
	ck_assert_msg(strlen(resp) == len, "%s %s: length %zu, body '%s'",
	    method, path, len, resp);
	o = json_tokener_parse(resp);
	ck_assert_msg(o != NULL && json_object_is_type(o, json_type_object),
	    "%s %s: body '%s' is not a JSON object", method, path, resp);
	free(resp);
	if (out != NULL)
		*out = o;
	else
		json_object_put(o);
	return (status);
}

static int
get(const char *path)
{
	return (req("GET", path, NULL, NULL, NULL));
}

static const char *
str_field(struct json_object *o, const char *key)
{
	struct json_object	*v;

	ck_assert_msg(json_object_object_get_ex(o, key, &v), "no %s", key);
	ck_assert_msg(json_object_is_type(v, json_type_string), "%s", key);
	return (json_object_get_string(v));
}

static long long
int_field(struct json_object *o, const char *key)
{
	struct json_object	*v;

	ck_assert_msg(json_object_object_get_ex(o, key, &v), "no %s", key);
	ck_assert_msg(json_object_is_type(v, json_type_int), "%s", key);
	return ((long long)json_object_get_int64(v));
}

/* The number of elements of array key, which must contain want if given. */
static size_t
array_field(struct json_object *o, const char *key, const char *want)
{
	struct json_object	*a;
	const char		*s;
	size_t			 i, n;
	int			 found = 0;

	ck_assert_msg(json_object_object_get_ex(o, key, &a), "no %s", key);
	ck_assert_msg(json_object_is_type(a, json_type_array), "%s", key);
	n = json_object_array_length(a);
	for (i = 0; want != NULL && i < n; i++) {
		s = json_object_get_string(json_object_array_get_idx(a, i));
		found |= s != NULL && strcmp(s, want) == 0;
	}
	ck_assert_msg(want == NULL || found, "%s lacks %s", key, want);
	return (n);
}

static void
ann(void)
{
	tmpdir_put_file("characters/ann.json", ANN);
}

/* ---- characters ----------------------------------------------------- */

START_TEST(test_get_character)
{
	struct json_object	*o, *want;

	ck_assert_int_eq(get("/characters/ann"), 404);	/* no directory */
	make_dir("characters");
	ck_assert_int_eq(get("/characters/ann"), 404);
	ann();
	ck_assert_int_eq(req("GET", "/characters/ann", NULL, NULL, &o), 200);
	want = json_tokener_parse(ANN);
	ck_assert_msg(json_object_equal(o, want), "got %s",
	    json_object_to_json_string(o));
	json_object_put(want);
	json_object_put(o);
	ck_assert_int_eq(get("/characters/bob"), 404);
	ck_assert_int_eq(get("/characters/Ann"), 404);
}
END_TEST

START_TEST(test_put_preconditions)
{
	struct json_object	*o, *want;
	static const char	*bad[] = { "", "abc", "3x", "x3", "3.0",
				    "\"3\"", "0x3" };
	size_t			 i;
	const char		*body = "{\"id\":\"ann\",\"name\":\"Ann\"}";

	ann();
	ck_assert_int_eq(req("PUT", "/characters/ann", NULL, body, NULL), 428);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		ck_assert_msg(req("PUT", "/characters/ann", bad[i], body,
		    NULL) == 400, "If-Match '%s'", bad[i]);
	}

	/* Stale (older or newer): 409 naming the current version. */
	ck_assert_int_eq(req("PUT", "/characters/ann", "2", body, &o), 409);
	ck_assert_int_eq(int_field(o, "version"), 3);
	json_object_put(o);
	ck_assert_int_eq(req("PUT", "/characters/ann", "4", body, &o), 409);
	ck_assert_int_eq(int_field(o, "version"), 3);
	json_object_put(o);

	/* None of that touched the file. */
	o = file_json("characters/ann.json");
	want = json_tokener_parse(ANN);
	ck_assert(json_object_equal(o, want));
	json_object_put(want);
	json_object_put(o);
	only_files("characters", "ann.json", NULL);
}
END_TEST

START_TEST(test_put_ok)
{
	struct json_object	*o;
	const char		*body = "{\"id\":\"ann\",\"name\":\"Ann B\","
				    "\"level\":8,\"inventory\":[\"sword\"],"
				    "\"version\":3}";

	ann();
	tmpdir_put_file("characters/bob.json",
	    "{\"id\":\"bob\",\"version\":1}");
	ck_assert_int_eq(req("PUT", "/characters/ann", "3", body, &o), 200);
	ck_assert_int_eq(int_field(o, "version"), 4);
	ck_assert_uint_eq(json_object_object_length(o), 1);
	json_object_put(o);

	o = file_json("characters/ann.json");
	ck_assert_int_eq(int_field(o, "version"), 4);
	ck_assert_str_eq(str_field(o, "id"), "ann");
	ck_assert_str_eq(str_field(o, "name"), "Ann B");
	ck_assert_int_eq(int_field(o, "level"), 8);
	ck_assert_uint_eq(array_field(o, "inventory", "sword"), 1);
	json_object_put(o);
	only_files("characters", "ann.json", "bob.json", NULL);

	/* GET sees it; the old version is stale now; the next one works. */
	ck_assert_int_eq(req("GET", "/characters/ann", NULL, NULL, &o), 200);
	ck_assert_int_eq(int_field(o, "version"), 4);
	ck_assert_str_eq(str_field(o, "name"), "Ann B");
	json_object_put(o);
	ck_assert_int_eq(req("PUT", "/characters/ann", "3", body, &o), 409);
	ck_assert_int_eq(int_field(o, "version"), 4);
	json_object_put(o);
	ck_assert_int_eq(req("PUT", "/characters/ann", "4",
	    "{\"name\":\"Ann C\"}", &o), 200);
	ck_assert_int_eq(int_field(o, "version"), 5);
	json_object_put(o);
	o = file_json("characters/ann.json");
	ck_assert_int_eq(int_field(o, "version"), 5);
	ck_assert_str_eq(str_field(o, "name"), "Ann C");
	json_object_put(o);
	only_files("characters", "ann.json", "bob.json", NULL);

	/* The other character is untouched. */
	o = file_json("characters/bob.json");
	ck_assert_int_eq(int_field(o, "version"), 1);
	json_object_put(o);
}
END_TEST

START_TEST(test_put_bad_body)
{
	struct json_object	*o, *want;
	static const char	*bad[] = {
		"{\"id\":\"bob\",\"name\":\"Ann\"}",
		"{\"id\":\"Ann\"}",
		"{\"id\":\"ann \"}",
		"{\"id\":5}",
		"{\"id\":[\"ann\"]}",
		"not json", "{\"id\":\"ann\"", "{\"id\":\"ann\"} x", "",
		"null", "[]", "\"ann\"", "42"
	};
	char			*resp = NULL;
	size_t			 i, len;

	ann();
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		ck_assert_msg(req("PUT", "/characters/ann", "3", bad[i],
		    NULL) == 400, "body '%s'", bad[i]);
	}
	ck_assert_int_eq(filestore_handle(tmpdir_dir, "/characters/ann", "PUT",
	    "3", NULL, 0, &resp, &len), 400);
	free(resp);
	o = file_json("characters/ann.json");
	want = json_tokener_parse(ANN);
	ck_assert(json_object_equal(o, want));
	json_object_put(want);
	json_object_put(o);
	only_files("characters", "ann.json", NULL);
}
END_TEST

START_TEST(test_put_unknown)
{
	const char	*body = "{\"id\":\"zed\"}";

	ck_assert_int_eq(req("PUT", "/characters/zed", "0", body, NULL), 404);
	make_dir("characters");
	ck_assert_int_eq(req("PUT", "/characters/zed", "0", body, NULL), 404);
	ck_assert_int_eq(req("PUT", "/characters/zed", "1", "{}", NULL), 404);
	ck_assert(!file_exists("characters/zed.json"));
	only_files("characters", NULL);
}
END_TEST

/* ---- routing -------------------------------------------------------- */

START_TEST(test_bad_paths)
{
	static const char	*bad[] = {
		"/characters/..", "/characters/.", "/../characters/ann",
		"/characters/../characters/ann", "/./characters/ann",
		"/characters/ann/../ann", "/areas/../quests",
		"/characters/a%2e", "/characters/%61nn",
		"/characters/a%00", "/characters/a b", "/characters/a\\b",
		"/characters/a:b", "/characters/a*", "/characters/a\tb",
		"/characters/caf\xc3\xa9", "/characters/a\"b",
		"/areas/mea dow/quests", "/areas/%2e%2e/quests"
	};
	char		 path[300];
	size_t		 i;

	ann();
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		ck_assert_msg(get(bad[i]) == 400, "GET '%s'", bad[i]);
		ck_assert_msg(req("PUT", bad[i], "3", ANN, NULL) == 400,
		    "PUT '%s'", bad[i]);
	}
	ck_assert_int_eq(req("POST", "/characters/ann/quests/q%31/accept",
	    NULL, NULL, NULL), 400);
	ck_assert_int_eq(req("POST", "/characters/ann/quests/../accept",
	    NULL, NULL, NULL), 400);

	/* A segment may have 128 characters, not 129. */
	memset(path, 0, sizeof path);
	strcpy(path, "/characters/");
	memset(path + strlen(path), 'a', 128);
	ck_assert_int_eq(get(path), 404);
	strcat(path, "a");
	ck_assert_int_eq(get(path), 400);

	/* The document is still there, unchanged. */
	ck_assert_int_eq(get("/characters/ann"), 200);
	only_files("characters", "ann.json", NULL);
}
END_TEST

START_TEST(test_empty_segments)
{
	static const char	*bad[] = {
		"/characters//ann", "//characters/ann", "/characters/ann/",
		"/characters/ann//", "/characters/ann//quests",
		"/characters/ann/quests/", "//areas/meadow/quests",
		"/areas/meadow/quests/"
	};
	size_t			 i;

	ann();
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		ck_assert_msg(get(bad[i]) == 400, "GET '%s'", bad[i]);
		ck_assert_msg(req("PUT", bad[i], "3", ANN, NULL) == 400,
		    "PUT '%s'", bad[i]);
	}
	ck_assert_int_eq(req("POST", "/characters/ann/quests//q1/accept",
	    NULL, NULL, NULL), 400);
	ck_assert_int_eq(req("POST", "/characters/ann/quests/q1/accept/",
	    NULL, NULL, NULL), 400);
	ck_assert(!file_exists("characters/ann/quests.json"));
}
END_TEST

START_TEST(test_unknown_routes)
{
	static const char	*paths[] = {
		"", "/", "/characters", "/areas", "/foo", "/foo/ann",
		"/character/ann", "/characters/ann/x", "/characters/ann/quest",
		"/characters/ann/quests/q1", "/characters/ann/quests/q1/x",
		"/areas/meadow", "/areas/meadow/x", "/areas/meadow/quests/x",
		"/CHARACTERS/ann", "/v1/characters/ann"
	};
	static const struct {
		const char	*method, *path;
	} wrong[] = {
		{ "POST", "/characters/ann" },
		{ "DELETE", "/characters/ann" },
		{ "PATCH", "/characters/ann" },
		{ "get", "/characters/ann" },
		{ "", "/characters/ann" },
		{ "PUT", "/characters/ann/quests" },
		{ "POST", "/characters/ann/quests" },
		{ "GET", "/characters/ann/quests/q1/accept" },
		{ "PUT", "/characters/ann/quests/q1/accept" },
		{ "POST", "/areas/meadow/quests" },
		{ "PUT", "/areas/meadow/quests" }
	};
	size_t			 i;

	ann();
	tmpdir_put_file("areas/meadow/quests.json", "{\"quests\":[]}");
	for (i = 0; i < sizeof paths / sizeof paths[0]; i++) {
		ck_assert_msg(get(paths[i]) == 404, "GET '%s'", paths[i]);
		ck_assert_msg(req("POST", paths[i], NULL, "{}", NULL) == 404,
		    "POST '%s'", paths[i]);
	}
	for (i = 0; i < sizeof wrong / sizeof wrong[0]; i++) {
		ck_assert_msg(req(wrong[i].method, wrong[i].path, "3", ANN,
		    NULL) == 404, "%s '%s'", wrong[i].method, wrong[i].path);
	}
	ck_assert(!file_exists("characters/ann/quests.json"));
	ck_assert_int_eq(get("/characters/ann"), 200);
}
END_TEST

START_TEST(test_query_string)
{
	struct json_object	*o;

	ann();
	ck_assert_int_eq(get("/characters/ann?x=1"), 200);
	ck_assert_int_eq(get("/characters/ann?"), 200);
	ck_assert_int_eq(get("/characters/ann?a=%2e%2e/../x&b"), 200);
	ck_assert_int_eq(get("/characters/bob?x=1"), 404);
	ck_assert_int_eq(get("/characters?id=ann"), 404);
	ck_assert_int_eq(req("GET", "/characters/ann/quests?area=meadow", NULL,
	    NULL, &o), 200);
	ck_assert_uint_eq(array_field(o, "accepted", NULL), 0);
	json_object_put(o);
	ck_assert_int_eq(get("/areas/meadow/quests?x=y"), 200);
	ck_assert_int_eq(req("POST", "/characters/ann/quests/q1/accept?now=1",
	    NULL, NULL, NULL), 200);
	o = file_json("characters/ann/quests.json");
	ck_assert_uint_eq(array_field(o, "accepted", "q1"), 1);
	json_object_put(o);
	ck_assert_int_eq(req("PUT", "/characters/ann?v=1", "3",
	    "{\"id\":\"ann\"}", &o), 200);
	ck_assert_int_eq(int_field(o, "version"), 4);
	json_object_put(o);
}
END_TEST

/* ---- quests --------------------------------------------------------- */

START_TEST(test_character_quests)
{
	struct json_object	*o, *v, *want;
	const char		*progress = "{\"main_story\":\"act2\","
				    "\"class_stories\":[\"mage1\"],"
				    "\"completed_side_quests\":[\"q0\"],"
				    "\"accepted\":[\"q5\"]}";

	ck_assert_int_eq(get("/characters/ann/quests"), 404);
	ann();

	/* No file: the empty default. */
	ck_assert_int_eq(req("GET", "/characters/ann/quests", NULL, NULL, &o),
	    200);
	ck_assert(json_object_object_get_ex(o, "main_story", &v));
	ck_assert_ptr_null(v);
	ck_assert_uint_eq(array_field(o, "class_stories", NULL), 0);
	ck_assert_uint_eq(array_field(o, "completed_side_quests", NULL), 0);
	ck_assert_uint_eq(array_field(o, "accepted", NULL), 0);
	json_object_put(o);
	ck_assert(!file_exists("characters/ann"));

	/* The file's content when there is one. */
	tmpdir_put_file("characters/ann/quests.json", progress);
	ck_assert_int_eq(req("GET", "/characters/ann/quests", NULL, NULL, &o),
	    200);
	want = json_tokener_parse(progress);
	ck_assert_msg(json_object_equal(o, want), "got %s",
	    json_object_to_json_string(o));
	json_object_put(want);
	json_object_put(o);

	/* Progress without a character document is still unknown. */
	tmpdir_put_file("characters/bob/quests.json", progress);
	ck_assert_int_eq(get("/characters/bob/quests"), 404);
}
END_TEST

START_TEST(test_accept)
{
	struct json_object	*o, *v;

	ann();
	ck_assert_int_eq(req("POST", "/characters/ann/quests/q1/accept", NULL,
	    NULL, &o), 200);
	ck_assert_str_eq(str_field(o, "accepted"), "q1");
	json_object_put(o);
	o = file_json("characters/ann/quests.json");
	ck_assert_uint_eq(array_field(o, "accepted", "q1"), 1);
	ck_assert_uint_eq(array_field(o, "completed_side_quests", NULL), 0);
	ck_assert_uint_eq(array_field(o, "class_stories", NULL), 0);
	ck_assert(json_object_object_get_ex(o, "main_story", &v));
	json_object_put(o);
	only_files("characters/ann", "quests.json", NULL);

	/* Again: 409, and the file does not change. */
	ck_assert_int_eq(req("POST", "/characters/ann/quests/q1/accept", NULL,
	    NULL, NULL), 409);
	o = file_json("characters/ann/quests.json");
	ck_assert_uint_eq(array_field(o, "accepted", "q1"), 1);
	json_object_put(o);

	/* A second quest joins the first; GET shows both. */
	ck_assert_int_eq(req("POST", "/characters/ann/quests/q2/accept", NULL,
	    NULL, NULL), 200);
	ck_assert_int_eq(req("GET", "/characters/ann/quests", NULL, NULL, &o),
	    200);
	ck_assert_uint_eq(array_field(o, "accepted", "q1"), 2);
	ck_assert_uint_eq(array_field(o, "accepted", "q2"), 2);
	json_object_put(o);
	only_files("characters/ann", "quests.json", NULL);
	only_files("characters", "ann.json", "ann", NULL);

	/* The character document is not touched. */
	ck_assert_int_eq(req("GET", "/characters/ann", NULL, NULL, &o), 200);
	ck_assert_int_eq(int_field(o, "version"), 3);
	json_object_put(o);

	ck_assert_int_eq(req("POST", "/characters/bob/quests/q1/accept", NULL,
	    NULL, NULL), 404);
	ck_assert(!file_exists("characters/bob"));
}
END_TEST

START_TEST(test_accept_existing)
{
	struct json_object	*o;

	ann();
	tmpdir_put_file("characters/ann/quests.json",
	    "{\"main_story\":\"act2\","
	    "\"class_stories\":[],\"completed_side_quests\":[\"q0\"],"
	    "\"accepted\":[\"q5\"],\"extra\":{\"kept\":true}}");

	/* Completed or accepted already: 409. */
	ck_assert_int_eq(req("POST", "/characters/ann/quests/q0/accept", NULL,
	    NULL, NULL), 409);
	ck_assert_int_eq(req("POST", "/characters/ann/quests/q5/accept", NULL,
	    NULL, NULL), 409);
	ck_assert_int_eq(req("POST", "/characters/ann/quests/q6/accept", NULL,
	    NULL, NULL), 200);
	o = file_json("characters/ann/quests.json");
	ck_assert_uint_eq(array_field(o, "accepted", "q5"), 2);
	ck_assert_uint_eq(array_field(o, "accepted", "q6"), 2);
	ck_assert_uint_eq(array_field(o, "completed_side_quests", "q0"), 1);
	ck_assert_str_eq(str_field(o, "main_story"), "act2");
	ck_assert(json_object_object_get_ex(o, "extra", NULL));
	json_object_put(o);
	only_files("characters/ann", "quests.json", NULL);

	/* A file without an "accepted" array gets one. */
	tmpdir_put_file("characters/ann/quests.json", "{\"main_story\":null}");
	ck_assert_int_eq(req("POST", "/characters/ann/quests/q7/accept", NULL,
	    NULL, NULL), 200);
	o = file_json("characters/ann/quests.json");
	ck_assert_uint_eq(array_field(o, "accepted", "q7"), 1);
	json_object_put(o);
}
END_TEST

START_TEST(test_area_quests)
{
	struct json_object	*o, *want;
	const char		*quests = "{\"quests\":[{\"id\":\"q1\","
				    "\"giver\":\"elder\",\"name\":\"Rats\"}]}";

	ck_assert_int_eq(req("GET", "/areas/meadow/quests", NULL, NULL, &o),
	    200);
	ck_assert_uint_eq(json_object_object_length(o), 1);
	ck_assert_uint_eq(array_field(o, "quests", NULL), 0);
	json_object_put(o);

	tmpdir_put_file("areas/meadow/quests.json", quests);
	ck_assert_int_eq(req("GET", "/areas/meadow/quests", NULL, NULL, &o),
	    200);
	want = json_tokener_parse(quests);
	ck_assert_msg(json_object_equal(o, want), "got %s",
	    json_object_to_json_string(o));
	json_object_put(want);
	json_object_put(o);

	/* Another area still has none. */
	ck_assert_int_eq(req("GET", "/areas/cave/quests", NULL, NULL, &o),
	    200);
	ck_assert_uint_eq(array_field(o, "quests", NULL), 0);
	json_object_put(o);
}
END_TEST

/* JSON null where a string is expected must not crash. */
START_TEST(test_put_null_id)
{
	struct json_object	*o, *want;

	ann();
	ck_assert_int_eq(req("PUT", "/characters/ann", "3", "{\"id\":null}",
	    NULL), 400);
	o = file_json("characters/ann.json");
	want = json_tokener_parse(ANN);
	ck_assert(json_object_equal(o, want));
	json_object_put(want);
	json_object_put(o);
}
END_TEST

START_TEST(test_accept_null_entries)
{
	struct json_object	*o;
	int			 status;

	ann();
	tmpdir_put_file("characters/ann/quests.json", "{\"accepted\":[null],"
	    "\"completed_side_quests\":[null]}");
	status = req("POST", "/characters/ann/quests/q1/accept", NULL, NULL,
	    NULL);
	ck_assert_msg(status == 200 || status == 500, "status %d", status);
	if (status == 200) {
		o = file_json("characters/ann/quests.json");
		ck_assert_uint_eq(array_field(o, "accepted", "q1"), 2);
		json_object_put(o);
	}
}
END_TEST

/* ---- broken files --------------------------------------------------- */

START_TEST(test_broken_files)
{
	static const char	*broken[] = {
		"", "not json", "[1,2]", "\"ann\"", "42", "null",
		"{\"id\":\"ann\"", "{\"a\":1} {\"b\":2}", "\xff\xfe{}"
	};
	size_t			 i;

	for (i = 0; i < sizeof broken / sizeof broken[0]; i++) {
		tmpdir_put_file("characters/ann.json", broken[i]);
		ck_assert_msg(get("/characters/ann") == 500, "'%s'",
		    broken[i]);
		ck_assert_msg(req("PUT", "/characters/ann", "3",
		    "{\"id\":\"ann\"}", NULL) == 500, "'%s'", broken[i]);

		tmpdir_put_file("characters/bob.json", "{\"id\":\"bob\"}");
		tmpdir_put_file("characters/bob/quests.json", broken[i]);
		ck_assert_msg(get("/characters/bob/quests") == 500, "'%s'",
		    broken[i]);
		ck_assert_msg(req("POST", "/characters/bob/quests/q1/accept",
		    NULL, NULL, NULL) == 500, "'%s'", broken[i]);

		tmpdir_put_file("areas/meadow/quests.json", broken[i]);
		ck_assert_msg(get("/areas/meadow/quests") == 500, "'%s'",
		    broken[i]);
	}
	only_files("characters", "ann.json", "bob.json", "bob", NULL);
	only_files("characters/bob", "quests.json", NULL);
}
END_TEST

START_TEST(test_unreadable_files)
{
	char	 path[PATH_MAX];
	int	 fd;

	/* Directories where files should be. */
	make_dir("characters");
	make_dir("characters/ann.json");
	ck_assert_int_eq(get("/characters/ann"), 500);
	ck_assert_int_eq(req("PUT", "/characters/ann", "0", "{}", NULL), 500);
	tmpdir_put_file("characters/bob.json", "{\"id\":\"bob\"}");
	make_dir("characters/bob");
	make_dir("characters/bob/quests.json");
	ck_assert_int_eq(get("/characters/bob/quests"), 500);
	ck_assert_int_eq(req("POST", "/characters/bob/quests/q1/accept", NULL,
	    NULL, NULL), 500);
	make_dir("areas");
	make_dir("areas/meadow");
	make_dir("areas/meadow/quests.json");
	ck_assert_int_eq(get("/areas/meadow/quests"), 500);

	/* A file over FILESTORE_MAX_FILE (sparse, so it costs nothing). */
	snprintf(path, sizeof path, "%s/characters/cat.json", tmpdir_dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ck_assert_int_ne(fd, -1);
	ck_assert_int_eq(write(fd, "{", 1), 1);
	ck_assert_int_eq(ftruncate(fd, FILESTORE_MAX_FILE + 1), 0);
	ck_assert_int_eq(close(fd), 0);
	ck_assert_int_eq(get("/characters/cat"), 500);

	/* Without permission (meaningless for root, who reads anything). */
	if (geteuid() != 0) {
		tmpdir_put_file("characters/dan.json", "{\"id\":\"dan\"}");
		snprintf(path, sizeof path, "%s/characters/dan.json",
		    tmpdir_dir);
		ck_assert_int_eq(chmod(path, 0), 0);
		ck_assert_int_eq(get("/characters/dan"), 500);
	}
}
END_TEST

static Suite *
filestore_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("filestore");
	tc = tcase_create("core");
	tcase_add_unchecked_fixture(tc, top_setup, tmpdir_top_teardown);
	tcase_add_checked_fixture(tc, tmpdir_dir_setup, NULL);
	tcase_add_test(tc, test_get_character);
	tcase_add_test(tc, test_put_preconditions);
	tcase_add_test(tc, test_put_ok);
	tcase_add_test(tc, test_put_bad_body);
	tcase_add_test(tc, test_put_unknown);
	tcase_add_test(tc, test_bad_paths);
	tcase_add_test(tc, test_empty_segments);
	tcase_add_test(tc, test_unknown_routes);
	tcase_add_test(tc, test_query_string);
	tcase_add_test(tc, test_character_quests);
	tcase_add_test(tc, test_accept);
	tcase_add_test(tc, test_accept_existing);
	tcase_add_test(tc, test_area_quests);
	tcase_add_test(tc, test_put_null_id);
	tcase_add_test(tc, test_accept_null_entries);
	tcase_add_test(tc, test_broken_files);
	tcase_add_test(tc, test_unreadable_files);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner	*sr;
	int	 failed;

	/* The 500s log warnings by design; keep the test log readable. */
	log_set_level(LOG_LEVEL_ERROR);
	sr = srunner_create(filestore_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
