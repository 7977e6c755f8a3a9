/*
 * Control-plane requests with libevent's evhttp client, one connection a
 * request: zoned answers every request with Connection: close, and a
 * ticket's answer can take as long as the Character Data API does, so
 * requests must not queue behind each other on one connection.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "xmalloc.h"
#include "zoned-bench-common.h"

struct ctl_call {
	struct bench			*b;
	struct evhttp_connection	*conn;
	ctl_cb				 cb;
	void				*arg;
};

/*
 * Deferred: evhttp still uses the connection while the request's
 * callback runs, so it is freed from the loop afterwards.
 */
static void
ctl_free_cb(evutil_socket_t fd, short what, void *arg)
{
	struct ctl_call	*cc = arg;

	if (cc->conn != NULL)
		evhttp_connection_free(cc->conn);
	free(cc);
}

/* A request that never went out is answered from the loop, like others. */
static void
ctl_fail_cb(evutil_socket_t fd, short what, void *arg)
{
	struct ctl_call	*cc = arg;

	cc->b->now = bench_now();
	cc->cb(0, "", 0, cc->arg);
	ctl_free_cb(fd, what, cc);
}

static void
ctl_done_cb(struct evhttp_request *req, void *arg)
{
	struct ctl_call		*cc = arg;
	struct evbuffer		*in;
	struct timeval		 now = { 0, 0 };
	char			*body = NULL;
	size_t			 len = 0;
	int			 status = 0;

	cc->b->now = bench_now();
	if (req != NULL && (status = evhttp_request_get_response_code(req))
	    != 0) {
		in = evhttp_request_get_input_buffer(req);
		len = evbuffer_get_length(in);
		body = xmalloc(len + 1);
		evbuffer_remove(in, body, len);
		body[len] = '\0';
	}
	cc->cb(status, body != NULL ? body : "", len, cc->arg);
	free(body);
	event_base_once(cc->b->base, -1, EV_TIMEOUT, ctl_free_cb, cc, &now);
}

/*
 * method is an evhttp_cmd_type; body is JSON or NULL. cb gets the status
 * (0 when the request failed: refused, reset, timed out) and the body,
 * NUL-terminated; both are gone when cb returns.
 */
void
ctl_request(struct bench *b, int method, const char *path, const char *body,
    int timeout_s, ctl_cb cb, void *arg)
{
	struct ctl_call		*cc;
	struct evhttp_request	*req;
	struct evkeyvalq	*hdr;
	struct timeval		 now = { 0, 0 };
	char			*auth;

	cc = xcalloc(1, sizeof *cc);
	cc->b = b;
	cc->cb = cb;
	cc->arg = arg;
	cc->conn = evhttp_connection_base_new(b->base, NULL, b->ctl_host,
	    (unsigned short)b->ctl_port);
	if (cc->conn == NULL)
		goto fail;
	evhttp_connection_set_timeout(cc->conn, timeout_s);
	evhttp_connection_set_retries(cc->conn, 0);
	if ((req = evhttp_request_new(ctl_done_cb, cc)) == NULL)
		goto fail;
	hdr = evhttp_request_get_output_headers(req);
	evhttp_add_header(hdr, "Host", b->ctl_hostport);
	evhttp_add_header(hdr, "Connection", "close");
	if (b->token != NULL) {
		xasprintf(&auth, "Bearer %s", b->token);
		evhttp_add_header(hdr, "Authorization", auth);
		free(auth);
	}
	if (body != NULL) {
		evhttp_add_header(hdr, "Content-Type", "application/json");
		evbuffer_add(evhttp_request_get_output_buffer(req), body,
		    strlen(body));
	}
	/* On failure evhttp has freed req. */
	if (evhttp_make_request(cc->conn, req, (enum evhttp_cmd_type)method,
	    path) != 0)
		goto fail;
	return;

fail:
	event_base_once(b->base, -1, EV_TIMEOUT, ctl_fail_cb, cc, &now);
}

/* "HTTP 409", or what status 0 means, for messages. */
const char *
ctl_what(int status, char *buf, size_t size)
{
	if (status == 0)
		snprintf(buf, size, "no answer (refused, reset or timed out)");
	else
		snprintf(buf, size, "HTTP %d", status);
	return (buf);
}
