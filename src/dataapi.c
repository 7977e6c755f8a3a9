/*
 * Data API requests: curl multi on libevent (the pattern of curl's own
 * multi-event example: one persistent event per socket, one timer, and
 * completed transfers drained after every action), plus file:// requests
 * answered by filestore.c from a deferred event.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include <curl/curl.h>
#include <event2/event.h>

#include "dataapi.h"
#include "filestore.h"
#include "log.h"
#include "ticker.h"
#include "xmalloc.h"

struct dataapi_request {
	struct dataapi			*api;
	char				*method;
	char				*url;		/* base + path */
	size_t				 base_len;
	char				*if_match;
	char				*bearer;	/* Authorization */
	char				*body;
	size_t				 body_len;
	dataapi_cb			 cb;
	void				*arg;
	CURL				*easy;		/* NULL: not started */
	struct curl_slist		*headers;
	char				*resp;
	size_t				 resp_len;
	int				 too_big;
	struct event			*deferred;	/* file:// answers */
	int				 file_status;
	const char			*refused;	/* queue full: why */
	uint64_t			 started_us;
	int				 cancelled;
	TAILQ_ENTRY(dataapi_request)	 entry;
};

TAILQ_HEAD(dataapi_requests, dataapi_request);

struct dataapi {
	struct event_base	*base;
	struct dataapi_config	 config;
	CURLM			*multi;
	struct event		*timer;
	struct dataapi_requests	 queued;	/* waiting for a slot */
	struct dataapi_requests	 running;	/* in curl or deferred */
	struct dataapi_requests	 refused;	/* queue full, failing */
	struct dataapi_stats	 stats;
};

/* Per-socket state that curl hands back to us in the socket callback. */
struct dataapi_socket {
	struct event		*ev;
	curl_socket_t		 fd;
};

static void	dataapi_start_queued(struct dataapi *);
static void	dataapi_drain_done(struct dataapi *);

static int	curl_initialised;

static void
dataapi_request_free(struct dataapi_request *r)
{
	if (r->easy != NULL)
		curl_easy_cleanup(r->easy);
	curl_slist_free_all(r->headers);
	if (r->deferred != NULL)
		event_free(r->deferred);
	free(r->method);
	free(r->url);
	free(r->if_match);
	free(r->bearer);
	free(r->body);
	free(r->resp);
	free(r);
}

/* Hands the answer to the caller, then forgets the request. */
static void
dataapi_finish(struct dataapi_request *r, int status, const char *error,
    int timed_out)
{
	struct dataapi		*api = r->api;
	struct dataapi_response	 resp;

	if (r->refused != NULL)
		TAILQ_REMOVE(&api->refused, r, entry);
	else {
		TAILQ_REMOVE(&api->running, r, entry);
		api->stats.in_flight--;
	}
	memset(&resp, 0, sizeof resp);
	resp.status = status;
	resp.body = r->resp != NULL ? r->resp : "";
	resp.len = r->resp_len;
	resp.error = error;
	resp.timed_out = timed_out;
	resp.elapsed_us = monotonic_ns() / 1000 - r->started_us;
	api->stats.requests++;
	api->stats.last_us = resp.elapsed_us;
	if (resp.elapsed_us > api->stats.max_us)
		api->stats.max_us = resp.elapsed_us;
	if (status == 0 || status >= 500)
		api->stats.failures++;
	if (timed_out)
		api->stats.timeouts++;
	if (status == 0)
		log_warn("dataapi %s %s failed after %llu ms: %s", r->method,
		    r->url, (unsigned long long)(resp.elapsed_us / 1000),
		    error);
	else
		log_debug("dataapi %s %s -> %d in %llu us", r->method, r->url,
		    status, (unsigned long long)resp.elapsed_us);
	if (!r->cancelled)
		r->cb(&resp, r->arg);
	dataapi_request_free(r);
	dataapi_start_queued(api);
}

static size_t
dataapi_write_cb(char *data, size_t size, size_t n, void *arg)
{
	struct dataapi_request	*r = arg;
	size_t			 len = size * n;

	if (r->resp_len + len > r->api->config.max_response) {
		r->too_big = 1;
		return (0);	/* makes curl fail the transfer */
	}
	r->resp = xrealloc(r->resp, r->resp_len + len + 1);
	memcpy(r->resp + r->resp_len, data, len);
	r->resp_len += len;
	r->resp[r->resp_len] = '\0';
	return (len);
}

static void
dataapi_check_done(struct dataapi *api)
{
	dataapi_drain_done(api);
}

static void
dataapi_event_cb(evutil_socket_t fd, short kind, void *arg)
{
	struct dataapi	*api = arg;
	int		 action = 0, running;

	if (kind & EV_READ)
		action |= CURL_CSELECT_IN;
	if (kind & EV_WRITE)
		action |= CURL_CSELECT_OUT;
	curl_multi_socket_action(api->multi, fd, action, &running);
	dataapi_check_done(api);
}

static void
dataapi_timer_cb(evutil_socket_t fd, short kind, void *arg)
{
	struct dataapi	*api = arg;
	int		 running;

	curl_multi_socket_action(api->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	dataapi_check_done(api);
}

/* curl: arm our one timer (it must not call socket_action itself). */
static int
dataapi_curl_timer_cb(CURLM *multi, long timeout_ms, void *arg)
{
	struct dataapi	*api = arg;
	struct timeval	 tv;

	if (timeout_ms < 0) {
		evtimer_del(api->timer);
		return (0);
	}
	tv.tv_sec = timeout_ms / 1000;
	tv.tv_usec = (timeout_ms % 1000) * 1000;
	evtimer_add(api->timer, &tv);
	return (0);
}

/* curl: watch (or stop watching) one of its sockets. */
static int
dataapi_curl_socket_cb(CURL *easy, curl_socket_t fd, int what, void *arg,
    void *sockp)
{
	struct dataapi		*api = arg;
	struct dataapi_socket	*s = sockp;
	short			 kind;

	if (what == CURL_POLL_REMOVE) {
		if (s != NULL) {
			event_free(s->ev);
			free(s);
			curl_multi_assign(api->multi, fd, NULL);
		}
		return (0);
	}
	kind = EV_PERSIST;
	if (what & CURL_POLL_IN)
		kind |= EV_READ;
	if (what & CURL_POLL_OUT)
		kind |= EV_WRITE;
	if (s == NULL) {
		s = xcalloc(1, sizeof *s);
		s->fd = fd;
		curl_multi_assign(api->multi, fd, s);
	} else
		event_free(s->ev);
	s->ev = event_new(api->base, fd, kind, dataapi_event_cb, api);
	event_add(s->ev, NULL);
	return (0);
}

static void
dataapi_drain_done(struct dataapi *api)
{
	struct dataapi_request	*r;
	CURLMsg			*msg;
	CURLcode		 res;
	long			 code;
	int			 left;
	char			 why[CURL_ERROR_SIZE + 64];

	while ((msg = curl_multi_info_read(api->multi, &left)) != NULL) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		res = msg->data.result;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE,
		    (char **)&r);
		curl_easy_getinfo(msg->easy_handle, CURLINFO_RESPONSE_CODE,
		    &code);
		curl_multi_remove_handle(api->multi, msg->easy_handle);
		if (res == CURLE_OK) {
			dataapi_finish(r, (int)code, NULL, 0);
			continue;
		}
		if (r->too_big)
			snprintf(why, sizeof why, "response over %zu bytes",
			    api->config.max_response);
		else
			snprintf(why, sizeof why, "%s", curl_easy_strerror(res));
		dataapi_finish(r, 0, why, res == CURLE_OPERATION_TIMEDOUT);
	}
}

static void
dataapi_file_cb(evutil_socket_t fd, short kind, void *arg)
{
	struct dataapi_request	*r = arg;

	dataapi_finish(r, r->file_status, r->refused, 0);
}

static void
dataapi_start_file(struct dataapi_request *r)
{
	char	*root;

	root = xstrndup(r->url + strlen("file://"), r->base_len -
	    strlen("file://"));
	r->file_status = filestore_handle(root, r->url + r->base_len,
	    r->method, r->if_match, r->body, r->body_len, &r->resp,
	    &r->resp_len);
	free(root);
	r->deferred = event_new(r->api->base, -1, 0, dataapi_file_cb, r);
	event_active(r->deferred, 0, 0);
}

static void
dataapi_start_http(struct dataapi_request *r)
{
	struct dataapi	*api = r->api;
	char		 hdr[256], *auth;

	r->easy = curl_easy_init();
	if (r->easy == NULL)
		fatalx("curl_easy_init failed");
	curl_easy_setopt(r->easy, CURLOPT_URL, r->url);
	curl_easy_setopt(r->easy, CURLOPT_PRIVATE, r);
	curl_easy_setopt(r->easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(r->easy, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(r->easy, CURLOPT_TIMEOUT_MS,
	    (long)api->config.timeout_ms);
	curl_easy_setopt(r->easy, CURLOPT_CONNECTTIMEOUT_MS,
	    (long)api->config.connect_timeout_ms);
	curl_easy_setopt(r->easy, CURLOPT_WRITEFUNCTION, dataapi_write_cb);
	curl_easy_setopt(r->easy, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(r->easy, CURLOPT_USERAGENT, "zoned/" PACKAGE_VERSION);
	r->headers = curl_slist_append(r->headers, "Accept: application/json");
	if (strcmp(r->method, "GET") != 0) {
		curl_easy_setopt(r->easy, CURLOPT_CUSTOMREQUEST, r->method);
		r->headers = curl_slist_append(r->headers,
		    "Content-Type: application/json");
		r->headers = curl_slist_append(r->headers, "Expect:");
		curl_easy_setopt(r->easy, CURLOPT_POSTFIELDSIZE,
		    (long)r->body_len);
		curl_easy_setopt(r->easy, CURLOPT_POSTFIELDS,
		    r->body != NULL ? r->body : "");
	}
	if (r->if_match != NULL) {
		snprintf(hdr, sizeof hdr, "If-Match: %s", r->if_match);
		r->headers = curl_slist_append(r->headers, hdr);
	}
	if (r->bearer != NULL) {
		xasprintf(&auth, "Authorization: Bearer %s", r->bearer);
		r->headers = curl_slist_append(r->headers, auth);
		free(auth);
	}
	curl_easy_setopt(r->easy, CURLOPT_HTTPHEADER, r->headers);
	if (curl_multi_add_handle(api->multi, r->easy) != CURLM_OK)
		fatalx("curl_multi_add_handle failed");
}

static void
dataapi_start_queued(struct dataapi *api)
{
	struct dataapi_request	*r;

	while (api->stats.in_flight < api->config.max_in_flight &&
	    (r = TAILQ_FIRST(&api->queued)) != NULL) {
		TAILQ_REMOVE(&api->queued, r, entry);
		api->stats.queued--;
		TAILQ_INSERT_TAIL(&api->running, r, entry);
		api->stats.in_flight++;
		r->started_us = monotonic_ns() / 1000;
		if (strncmp(r->url, "file://", 7) == 0)
			dataapi_start_file(r);
		else
			dataapi_start_http(r);
	}
}

/* Caller frees with dataapi_free. */
struct dataapi *
dataapi_new(struct event_base *base, const struct dataapi_config *config)
{
	struct dataapi	*api;

	if (!curl_initialised) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
			fatalx("curl_global_init failed");
		curl_initialised = 1;
	}
	api = xcalloc(1, sizeof *api);
	api->base = base;
	api->config = *config;
	TAILQ_INIT(&api->queued);
	TAILQ_INIT(&api->running);
	TAILQ_INIT(&api->refused);
	api->timer = evtimer_new(base, dataapi_timer_cb, api);
	if ((api->multi = curl_multi_init()) == NULL)
		fatalx("curl_multi_init failed");
	curl_multi_setopt(api->multi, CURLMOPT_SOCKETFUNCTION,
	    dataapi_curl_socket_cb);
	curl_multi_setopt(api->multi, CURLMOPT_SOCKETDATA, api);
	curl_multi_setopt(api->multi, CURLMOPT_TIMERFUNCTION,
	    dataapi_curl_timer_cb);
	curl_multi_setopt(api->multi, CURLMOPT_TIMERDATA, api);
	return (api);
}

/*
 * Ends every request: callbacks of requests not cancelled run with status 0
 * ("shutting down") so that their owners can free what they hold.
 */
void
dataapi_free(struct dataapi *api)
{
	struct dataapi_request	*r;
	struct dataapi_response	 resp;

	if (api == NULL)
		return;
	memset(&resp, 0, sizeof resp);
	resp.body = "";
	resp.error = "shutting down";
	while ((r = TAILQ_FIRST(&api->queued)) != NULL ||
	    (r = TAILQ_FIRST(&api->running)) != NULL ||
	    (r = TAILQ_FIRST(&api->refused)) != NULL) {
		if (r->easy != NULL)
			curl_multi_remove_handle(api->multi, r->easy);
		if (r == TAILQ_FIRST(&api->queued))
			TAILQ_REMOVE(&api->queued, r, entry);
		else if (r == TAILQ_FIRST(&api->running))
			TAILQ_REMOVE(&api->running, r, entry);
		else
			TAILQ_REMOVE(&api->refused, r, entry);
		if (!r->cancelled)
			r->cb(&resp, r->arg);
		dataapi_request_free(r);
	}
	curl_multi_cleanup(api->multi);
	event_free(api->timer);
	free(api);
}

/*
 * Sends method base+path (path starts with '/'); cb runs later, from the loop, exactly once (unless the
 * request is cancelled). body is copied. The result may be used to cancel
 * until cb has run.
 */
struct dataapi_request *
dataapi_send(struct dataapi *api, const char *method, const char *base,
    const char *path, const char *if_match, const char *body, size_t len,
    dataapi_cb cb, void *arg)
{
	return (dataapi_send_bearer(api, method, base, path, if_match, NULL,
	    body, len, cb, arg));
}

/* The same, with "Authorization: Bearer <bearer>" unless bearer is NULL. */
struct dataapi_request *
dataapi_send_bearer(struct dataapi *api, const char *method,
    const char *base, const char *path, const char *if_match,
    const char *bearer, const char *body, size_t len, dataapi_cb cb,
    void *arg)
{
	struct dataapi_request	*r;

	r = xcalloc(1, sizeof *r);
	r->api = api;
	r->method = xstrdup(method);
	r->base_len = strlen(base);
	while (r->base_len > 0 && base[r->base_len - 1] == '/')
		r->base_len--;
	xasprintf(&r->url, "%.*s%s", (int)r->base_len, base, path);
	r->if_match = if_match != NULL ? xstrdup(if_match) : NULL;
	r->bearer = bearer != NULL ? xstrdup(bearer) : NULL;
	if (body != NULL) {
		r->body = xmalloc(len + 1);
		memcpy(r->body, body, len);
		r->body[len] = '\0';
		r->body_len = len;
	}
	r->cb = cb;
	r->arg = arg;
	if (api->config.max_queued != 0 &&
	    api->stats.queued >= api->config.max_queued) {
		/*
		 * Memory stays bounded however fast requests come: this one
		 * fails like an unreachable API (from the loop, as always).
		 */
		r->refused = "too many requests waiting for the data API";
		r->started_us = monotonic_ns() / 1000;
		TAILQ_INSERT_TAIL(&api->refused, r, entry);
		r->deferred = event_new(api->base, -1, 0, dataapi_file_cb, r);
		event_active(r->deferred, 0, 0);
		return (r);
	}
	TAILQ_INSERT_TAIL(&api->queued, r, entry);
	api->stats.queued++;
	dataapi_start_queued(api);
	return (r);
}

/* The callback will not run; the transfer is finished or dropped quietly. */
void
dataapi_cancel(struct dataapi_request *r)
{
	r->cancelled = 1;
}

const struct dataapi_stats *
dataapi_stats(const struct dataapi *api)
{
	return (&api->stats);
}

/* A base URL: http://, https:// or file:///absolute/dir. */
int
dataapi_valid_base(const char *url, char **cause)
{
	if (strncmp(url, "http://", 7) == 0 || strncmp(url, "https://", 8) == 0)
		return (0);
	if (strncmp(url, "file:///", 8) == 0)
		return (0);
	xasprintf(cause, "'%s' is not an http://, https:// or file:/// URL",
	    url);
	return (-1);
}

/* A path segment, percent-encoded. Caller frees. */
char *
dataapi_escape(const char *s)
{
	static const char	 hex[] = "0123456789ABCDEF";
	char			*out, *o;

	out = o = xmalloc(strlen(s) * 3 + 1);
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || strchr("-._~", c) != NULL)
			*o++ = (char)c;
		else {
			*o++ = '%';
			*o++ = hex[c >> 4];
			*o++ = hex[c & 15];
		}
	}
	*o = '\0';
	return (out);
}
