/*
 * Unit tests for dataapi.c with file:// base URLs (answered by filestore.c
 * from a fresh temporary directory per test), driven by a real
 * event_base: no sockets, no sleeps. Leaks show up when this runs under
 * ASan (./configure --enable-sanitizers).
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <event2/event.h>
#include <json-c/json.h>

#include "dataapi.h"
#include "filestore.h"
#include "log.h"
#include "tmpdir.h"

#define ANN	"{\"id\":\"ann\",\"name\":\"Ann\",\"version\":3}"
#define NREQ	5

static char	base_url[1100];		/* file://tmpdir_dir */
static int	in_send;		/* inside dataapi_send */

/* What one callback saw. */
struct call {
	struct dataapi	*api;
	int		 index;
	int		*order;		/* where to append index, or NULL */
	int		*norder;
	int		 calls;
	int		 status;
	char		*body;
	size_t		 len;
	int		 error;		/* an error string came with it */
	int		 break_loop;	/* event_base_loopbreak after it */
	struct event_base *base;
};

static const struct dataapi_config config_default = {
	1000, 1000, 4, 1024 * 1024, 0
};

/* ---- fixtures and helpers ------------------------------------------- */

static void
top_setup(void)
{
	tmpdir_top_setup("check_dataapi");
}

static void
dir_setup(void)
{
	tmpdir_dir_setup();
	snprintf(base_url, sizeof base_url, "file://%s", tmpdir_dir);
}

static void
check_stats(struct dataapi *api, uint64_t requests, uint64_t failures,
    size_t in_flight, size_t queued)
{
	const struct dataapi_stats	*st = dataapi_stats(api);

	ck_assert_uint_eq(st->requests, requests);
	ck_assert_uint_eq(st->failures, failures);
	ck_assert_uint_eq(st->timeouts, 0);
	ck_assert_uint_eq(st->in_flight, in_flight);
	ck_assert_uint_eq(st->queued, queued);
}

static void
cb(const struct dataapi_response *r, void *arg)
{
	struct call			*c = arg;
	const struct dataapi_stats	*st;

	ck_assert_msg(!in_send, "callback inside dataapi_send");
	c->calls++;
	c->status = r->status;
	ck_assert_ptr_nonnull(r->body);
	ck_assert_uint_eq(strlen(r->body), r->len);
	free(c->body);
	c->body = strdup(r->body);
	c->len = r->len;
	c->error = r->error != NULL && r->error[0] != '\0';
	ck_assert_int_eq(r->timed_out, 0);
	if (c->order != NULL) {
		st = dataapi_stats(c->api);
		ck_assert_uint_le(st->in_flight, 1);
		/* Every request not yet answered is running or waiting. */
		ck_assert_uint_eq(st->in_flight + st->queued,
		    NREQ - 1 - (size_t)c->index);
		ck_assert_uint_eq(st->requests, (uint64_t)c->index + 1);
		c->order[(*c->norder)++] = c->index;
	}
	if (c->break_loop)
		event_base_loopbreak(c->base);
}

static struct dataapi_request *
submit(struct dataapi *api, const char *method, const char *path,
    const char *if_match, const char *body, struct call *c)
{
	struct dataapi_request	*r;

	c->api = api;
	in_send = 1;
	r = dataapi_send(api, method, base_url, path, if_match, body,
	    body != NULL ? strlen(body) : 0, cb, c);
	in_send = 0;
	ck_assert_ptr_nonnull(r);
	ck_assert_int_eq(c->calls, 0);
	return (r);
}

/* Runs the loop until api has finished want requests. */
static void
run_until(struct event_base *base, struct dataapi *api, uint64_t want)
{
	int	i;

	for (i = 0; i < 10 && dataapi_stats(api)->requests < want; i++)
		ck_assert_int_ne(event_base_dispatch(base), -1);
	ck_assert_uint_eq(dataapi_stats(api)->requests, want);
	/* Nothing more happens. */
	ck_assert_int_ne(event_base_loop(base, EVLOOP_NONBLOCK), -1);
	ck_assert_uint_eq(dataapi_stats(api)->requests, want);
}

/* What filestore answers directly, for comparison. */
static void
direct(const char *method, const char *path, int *status, char **body)
{
	size_t	len;

	*status = filestore_handle(tmpdir_dir, path, method, NULL, NULL, 0,
	    body, &len);
}

static void
call_clear(struct call *c)
{
	free(c->body);
	memset(c, 0, sizeof *c);
}

/* ---- tests ---------------------------------------------------------- */

START_TEST(test_later_once)
{
	struct event_base	*base;
	struct dataapi		*api;
	struct call		 c;
	char			*want;
	int			 status;

	tmpdir_put_file("characters/ann.json", ANN);
	ck_assert_ptr_nonnull(base = event_base_new());
	api = dataapi_new(base, &config_default);
	check_stats(api, 0, 0, 0, 0);

	memset(&c, 0, sizeof c);
	submit(api, "GET", "/characters/ann", NULL, NULL, &c);
	check_stats(api, 0, 0, 1, 0);
	run_until(base, api, 1);
	ck_assert_int_eq(c.calls, 1);
	direct("GET", "/characters/ann", &status, &want);
	ck_assert_int_eq(status, 200);
	ck_assert_int_eq(c.status, 200);
	ck_assert_str_eq(c.body, want);
	ck_assert_uint_eq(c.len, strlen(want));
	free(want);
	check_stats(api, 1, 0, 0, 0);

	/* A 404 comes through as it is and is no failure. */
	call_clear(&c);
	submit(api, "GET", "/characters/bob", NULL, NULL, &c);
	run_until(base, api, 2);
	ck_assert_int_eq(c.calls, 1);
	ck_assert_int_eq(c.status, 404);
	direct("GET", "/characters/bob", &status, &want);
	ck_assert_str_eq(c.body, want);
	free(want);
	check_stats(api, 2, 0, 0, 0);

	/* A 500 is counted as a failure. */
	tmpdir_put_file("characters/bad.json", "[]");
	call_clear(&c);
	submit(api, "GET", "/characters/bad", NULL, NULL, &c);
	run_until(base, api, 3);
	ck_assert_int_eq(c.calls, 1);
	ck_assert_int_eq(c.status, 500);
	check_stats(api, 3, 1, 0, 0);

	/* A trailing slash on the base is fine; so is a query string. */
	call_clear(&c);
	c.api = api;
	in_send = 1;
	ck_assert_ptr_nonnull(dataapi_send(api, "GET",
	    strcat(base_url, "/"), "/characters/ann?x=1", NULL, NULL, 0,
	    cb, &c));
	in_send = 0;
	ck_assert_int_eq(c.calls, 0);
	run_until(base, api, 4);
	ck_assert_int_eq(c.calls, 1);
	ck_assert_int_eq(c.status, 200);
	check_stats(api, 4, 1, 0, 0);
	call_clear(&c);

	dataapi_free(api);
	event_base_free(base);
}
END_TEST

START_TEST(test_put)
{
	struct event_base	*base;
	struct dataapi		*api;
	struct call		 c, c2;
	struct json_object	*o, *v;
	char			 path[PATH_MAX], body[128], if_match[8];

	tmpdir_put_file("characters/ann.json", ANN);
	ck_assert_ptr_nonnull(base = event_base_new());
	api = dataapi_new(base, &config_default);

	/* The body and If-Match are copied: change ours after sending. */
	memset(&c, 0, sizeof c);
	memset(&c2, 0, sizeof c2);
	snprintf(body, sizeof body, "{\"id\":\"ann\",\"name\":\"Ann B\"}");
	snprintf(if_match, sizeof if_match, "3");
	submit(api, "PUT", "/characters/ann", if_match, body, &c);
	memset(body, 'x', sizeof body - 1);
	if_match[0] = '9';
	submit(api, "POST", "/characters/ann/quests/q1/accept", NULL, NULL,
	    &c2);
	run_until(base, api, 2);
	ck_assert_int_eq(c.calls, 1);
	ck_assert_int_eq(c.status, 200);
	ck_assert_str_eq(c.body, "{\"version\":4}");
	ck_assert_int_eq(c2.calls, 1);
	ck_assert_int_eq(c2.status, 200);

	snprintf(path, sizeof path, "%s/characters/ann.json", tmpdir_dir);
	ck_assert_ptr_nonnull(o = json_object_from_file(path));
	ck_assert(json_object_object_get_ex(o, "version", &v));
	ck_assert_int_eq(json_object_get_int(v), 4);
	ck_assert(json_object_object_get_ex(o, "name", &v));
	ck_assert_str_eq(json_object_get_string(v), "Ann B");
	json_object_put(o);

	/* Stale now: 409, no failure. */
	call_clear(&c);
	submit(api, "PUT", "/characters/ann", "3", "{}", &c);
	run_until(base, api, 3);
	ck_assert_int_eq(c.status, 409);
	check_stats(api, 3, 0, 0, 0);

	call_clear(&c);
	call_clear(&c2);
	dataapi_free(api);
	event_base_free(base);
}
END_TEST

START_TEST(test_in_order)
{
	static const struct dataapi_config config = {
		1000, 1000, 1, 1024 * 1024, 0
	};
	struct event_base	*base;
	struct dataapi		*api;
	struct call		 c[NREQ];
	const struct dataapi_stats *st;
	char			 rel[64], text[64], path[64];
	int			 order[NREQ], norder = 0, i;

	ck_assert_ptr_nonnull(base = event_base_new());
	api = dataapi_new(base, &config);
	memset(c, 0, sizeof c);
	for (i = 0; i < NREQ; i++) {
		snprintf(rel, sizeof rel, "characters/c%d.json", i);
		snprintf(text, sizeof text, "{\"id\":\"c%d\",\"n\":%d}", i, i);
		tmpdir_put_file(rel, text);
	}
	for (i = 0; i < NREQ; i++) {
		c[i].index = i;
		c[i].order = order;
		c[i].norder = &norder;
		snprintf(path, sizeof path, "/characters/c%d", i);
		submit(api, "GET", path, NULL, NULL, &c[i]);
		st = dataapi_stats(api);
		ck_assert_uint_eq(st->in_flight, 1);
		ck_assert_uint_eq(st->queued, (size_t)i);
		ck_assert_uint_eq(st->requests, 0);
	}
	run_until(base, api, NREQ);
	ck_assert_int_eq(norder, NREQ);
	for (i = 0; i < NREQ; i++) {
		ck_assert_int_eq(order[i], i);
		ck_assert_int_eq(c[i].calls, 1);
		ck_assert_int_eq(c[i].status, 200);
		snprintf(text, sizeof text, "\"n\":%d", i);
		ck_assert_msg(strstr(c[i].body, text) != NULL, "%d: %s", i,
		    c[i].body);
		call_clear(&c[i]);
	}
	check_stats(api, NREQ, 0, 0, 0);
	dataapi_free(api);
	event_base_free(base);
}
END_TEST

START_TEST(test_cancel)
{
	static const struct dataapi_config config = {
		1000, 1000, 1, 1024 * 1024, 0
	};
	struct event_base	*base;
	struct dataapi		*api;
	struct dataapi_request	*r;
	struct call		 a, x, y, z;
	char			 path[PATH_MAX];

	tmpdir_put_file("characters/ann.json", ANN);
	ck_assert_ptr_nonnull(base = event_base_new());
	api = dataapi_new(base, &config_default);

	/* Alone: it still finishes, quietly. */
	memset(&a, 0, sizeof a);
	r = submit(api, "GET", "/characters/ann", NULL, NULL, &a);
	dataapi_cancel(r);
	run_until(base, api, 1);
	ck_assert_int_eq(a.calls, 0);
	check_stats(api, 1, 0, 0, 0);

	/* A cancelled failure still counts as one. */
	r = submit(api, "GET", "/characters/../x", NULL, NULL, &a);
	dataapi_cancel(r);
	tmpdir_put_file("characters/bad.json", "[]");
	r = submit(api, "GET", "/characters/bad", NULL, NULL, &a);
	dataapi_cancel(r);
	run_until(base, api, 3);
	ck_assert_int_eq(a.calls, 0);
	check_stats(api, 3, 1, 0, 0);
	dataapi_free(api);

	/* One running and one waiting cancelled; the last one answers. */
	api = dataapi_new(base, &config);
	memset(&x, 0, sizeof x);
	memset(&y, 0, sizeof y);
	memset(&z, 0, sizeof z);
	r = submit(api, "PUT", "/characters/ann", "3",
	    "{\"id\":\"ann\",\"name\":\"X\"}", &x);
	dataapi_cancel(r);
	r = submit(api, "GET", "/characters/ann", NULL, NULL, &y);
	check_stats(api, 0, 0, 1, 1);
	dataapi_cancel(r);
	submit(api, "GET", "/characters/ann", NULL, NULL, &z);
	check_stats(api, 0, 0, 1, 2);
	run_until(base, api, 3);
	ck_assert_int_eq(x.calls, 0);
	ck_assert_int_eq(y.calls, 0);
	ck_assert_int_eq(z.calls, 1);
	ck_assert_int_eq(z.status, 200);
	check_stats(api, 3, 0, 0, 0);
	call_clear(&z);
	dataapi_free(api);
	event_base_free(base);

	/* The cancelled PUT was still carried out. */
	snprintf(path, sizeof path, "%s/characters/ann.json", tmpdir_dir);
	{
		struct json_object	*o, *v;

		ck_assert_ptr_nonnull(o = json_object_from_file(path));
		ck_assert(json_object_object_get_ex(o, "version", &v));
		ck_assert_int_eq(json_object_get_int(v), 4);
		json_object_put(o);
	}
}
END_TEST

/* A callback that dataapi_free ran: once, status 0, no body. */
static void
check_shut(const struct call *c)
{
	ck_assert_int_eq(c->calls, 1);
	ck_assert_int_eq(c->status, 0);
	ck_assert_str_eq(c->body, "");
	ck_assert_uint_eq(c->len, 0);
	ck_assert_msg(c->error, "no error given");
}

/*
 * dataapi_free ends every request: those not cancelled get their callback
 * (status 0, "shutting down") from inside dataapi_free, once; cancelled
 * ones get none; nothing is left in the loop and nothing leaks.
 */
START_TEST(test_free)
{
	static const struct dataapi_config config = {
		1000, 1000, 2, 1024 * 1024, 0
	};
	static const struct dataapi_config one = {
		1000, 1000, 1, 1024 * 1024, 0
	};
	struct event_base	*base;
	struct dataapi		*api;
	struct dataapi_request	*r;
	struct call		 c[NREQ];
	int			 i;

	tmpdir_put_file("characters/ann.json", ANN);
	ck_assert_ptr_nonnull(base = event_base_new());
	memset(c, 0, sizeof c);

	/* Nothing sent; and NULL. */
	dataapi_free(dataapi_new(base, &config));
	dataapi_free(NULL);
	ck_assert_int_eq(event_base_dispatch(base), 1);

	/*
	 * Two running (answers pending in the loop), three waiting; one of
	 * each cancelled.
	 */
	api = dataapi_new(base, &config);
	submit(api, "GET", "/characters/ann", NULL, NULL, &c[0]);
	r = submit(api, "PUT", "/characters/ann", "3", "{\"id\":\"ann\"}",
	    &c[1]);
	dataapi_cancel(r);
	submit(api, "PUT", "/characters/ann", "4", "{\"id\":\"ann\"}", &c[2]);
	r = submit(api, "POST", "/characters/ann/quests/q1/accept", NULL,
	    NULL, &c[3]);
	dataapi_cancel(r);
	submit(api, "GET", "/areas/meadow/quests", NULL, NULL, &c[4]);
	check_stats(api, 0, 0, 2, 3);
	dataapi_free(api);
	check_shut(&c[0]);
	check_shut(&c[2]);
	check_shut(&c[4]);
	ck_assert_int_eq(c[1].calls, 0);
	ck_assert_int_eq(c[3].calls, 0);
	/* Nothing of it is left in the loop. */
	ck_assert_int_eq(event_base_dispatch(base), 1);
	check_shut(&c[0]);
	check_shut(&c[2]);
	check_shut(&c[4]);
	ck_assert_int_eq(c[1].calls, 0);
	ck_assert_int_eq(c[3].calls, 0);
	for (i = 0; i < NREQ; i++)
		call_clear(&c[i]);

	/* Freed after the first answer, with one running and one waiting. */
	api = dataapi_new(base, &one);
	c[0].break_loop = 1;
	c[0].base = base;
	submit(api, "GET", "/characters/ann", NULL, NULL, &c[0]);
	submit(api, "PUT", "/characters/ann", "4", "{\"id\":\"ann\"}", &c[1]);
	submit(api, "GET", "/characters/ann/quests", NULL, NULL, &c[2]);
	ck_assert_int_ne(event_base_dispatch(base), -1);
	ck_assert_int_eq(c[0].calls, 1);
	ck_assert_int_eq(c[0].status, 200);
	ck_assert_int_eq(c[1].calls, 0);
	ck_assert_int_eq(c[2].calls, 0);
	check_stats(api, 1, 0, 1, 1);
	dataapi_free(api);
	check_shut(&c[1]);
	check_shut(&c[2]);
	ck_assert_int_eq(event_base_dispatch(base), 1);
	ck_assert_int_eq(c[0].calls, 1);
	check_shut(&c[1]);
	check_shut(&c[2]);
	for (i = 0; i < NREQ; i++)
		call_clear(&c[i]);
	event_base_free(base);
}
END_TEST

/* Past max_queued waiting requests, more fail at once (from the loop). */
START_TEST(test_queue_bound)
{
	static const struct dataapi_config config = {
		1000, 1000, 1, 1024 * 1024, 2
	};
	struct event_base	*base;
	struct dataapi		*api;
	struct call		 c[5];
	int			 i;

	ck_assert_ptr_nonnull(base = event_base_new());
	api = dataapi_new(base, &config);
	memset(c, 0, sizeof c);
	tmpdir_put_file("characters/q.json", "{\"id\":\"q\"}");
	for (i = 0; i < 5; i++) {
		c[i].index = i;
		submit(api, "GET", "/characters/q", NULL, NULL, &c[i]);
		ck_assert_int_eq(c[i].calls, 0);	/* never inside send */
	}
	run_until(base, api, 5);
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(c[i].status, 200);	/* 1 running + 2 */
	for (i = 3; i < 5; i++) {
		ck_assert_int_eq(c[i].calls, 1);
		ck_assert_int_eq(c[i].status, 0);
		ck_assert_int_eq(c[i].error, 1);
	}
	ck_assert_uint_eq(dataapi_stats(api)->in_flight, 0);
	ck_assert_uint_eq(dataapi_stats(api)->queued, 0);
	for (i = 0; i < 5; i++)
		call_clear(&c[i]);
	dataapi_free(api);
	event_base_free(base);
}
END_TEST

START_TEST(test_valid_base)
{
	static const char	*good[] = {
		"http://x", "http://127.0.0.1:8080", "http://localhost/api/",
		"https://example.com", "https://example.com:8443/v1",
		"file:///", "file:///srv/zoned/data", "file:///tmp/x/"
	};
	static const char	*bad[] = {
		"", "file://", "file://data", "file://host/srv", "file:/srv",
		"file:srv", "/srv/data", "srv/data", "ftp://example.com",
		"ws://example.com", "httpx://example.com", "http:/x", "http:x",
		"http//x", "https:/x", " http://x", "mailto:a@b", "file:",
		"example.com"
	};
	char			*cause;
	size_t			 i;

	for (i = 0; i < sizeof good / sizeof good[0]; i++) {
		cause = NULL;
		ck_assert_msg(dataapi_valid_base(good[i], &cause) == 0,
		    "'%s' refused", good[i]);
		ck_assert_ptr_null(cause);
	}
	cause = NULL;
	ck_assert_int_eq(dataapi_valid_base(base_url, &cause), 0);
	ck_assert_ptr_null(cause);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		cause = NULL;
		ck_assert_msg(dataapi_valid_base(bad[i], &cause) == -1,
		    "'%s' accepted", bad[i]);
		ck_assert_ptr_nonnull(cause);
		ck_assert_msg(strstr(cause, bad[i]) != NULL, "cause '%s'",
		    cause);
		free(cause);
	}
}
END_TEST

START_TEST(test_escape)
{
	static const struct {
		const char	*in, *out;
	} t[] = {
		{ "", "" },
		{ "abcxyzABCXYZ0189-._~", "abcxyzABCXYZ0189-._~" },
		{ "ann", "ann" },
		{ " ", "%20" },
		{ "a b", "a%20b" },
		{ "a/b", "a%2Fb" },
		{ "..", ".." },
		{ "../x", "..%2Fx" },
		{ "%", "%25" },
		{ "%20", "%2520" },
		{ ":/?#[]@", "%3A%2F%3F%23%5B%5D%40" },
		{ "!$&'()*+,;=", "%21%24%26%27%28%29%2A%2B%2C%3B%3D" },
		{ "\"<>\\^`{|}", "%22%3C%3E%5C%5E%60%7B%7C%7D" },
		{ "\t\n\r\x01\x7f", "%09%0A%0D%01%7F" },
		{ "caf\xc3\xa9", "caf%C3%A9" },
		{ "\xff", "%FF" },
		{ "q-1_b.c~d e", "q-1_b.c~d%20e" }
	};
	char	*s;
	size_t	 i;

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		s = dataapi_escape(t[i].in);
		ck_assert_msg(strcmp(s, t[i].out) == 0, "'%s' -> '%s', not "
		    "'%s'", t[i].in, s, t[i].out);
		free(s);
	}
}
END_TEST

static Suite *
dataapi_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("dataapi");
	tc = tcase_create("core");
	tcase_add_unchecked_fixture(tc, top_setup, tmpdir_top_teardown);
	tcase_add_checked_fixture(tc, dir_setup, NULL);
	tcase_add_test(tc, test_later_once);
	tcase_add_test(tc, test_put);
	tcase_add_test(tc, test_in_order);
	tcase_add_test(tc, test_cancel);
	tcase_add_test(tc, test_free);
	tcase_add_test(tc, test_queue_bound);
	tcase_add_test(tc, test_valid_base);
	tcase_add_test(tc, test_escape);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner	*sr;
	int	 failed;

	/* Answers of 500 log warnings by design. */
	log_set_level(LOG_LEVEL_ERROR);
	sr = srunner_create(dataapi_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
