/* Engine.IO v4 sockets over WebSocket. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <openssl/rand.h>

#include "eiosock.h"
#include "httpup.h"
#include "log.h"
#include "snapfmt.h"
#include "ticker.h"
#include "ws.h"
#include "xmalloc.h"

struct eiosock {
	struct ws			*ws;
	struct event			*ping_timer;
	int				 awaiting_pong;
	uint64_t			 timer_due;	/* monotonic ms; 0: off */
	struct eiosock_config		 config;
	const struct eiosock_callbacks	*cb;
	void				*arg;
	char				 sid[EIO_SID_LEN + 1];
};

static int	eiosock_request_cb(struct ws *, const struct httpup *, void *,
		    int *, char **);
static void	eiosock_open_cb(struct ws *, void *);
static void	eiosock_message_cb(struct ws *, int, const uint8_t *, size_t,
		    void *);
static void	eiosock_closed_cb(struct ws *, const char *, void *);

static const struct ws_callbacks eiosock_ws_callbacks = {
	eiosock_request_cb, eiosock_open_cb, eiosock_message_cb,
	eiosock_closed_cb
};

static void
eiosock_timer_add(struct eiosock *s, unsigned ms)
{
	struct timeval	tv = { ms / 1000, (ms % 1000) * 1000 };

	s->timer_due = monotonic_ms() + ms;
	evtimer_add(s->ping_timer, &tv);
}

static void
eiosock_ping_cb(evutil_socket_t fd, short events, void *arg)
{
	struct eiosock	*s = arg;

	if (s->awaiting_pong) {
		log_info("client=%s sid=%s ping timeout", ws_peer(s->ws),
		    s->sid);
		ws_abort(s->ws, "ping timeout");
		return;
	}
	/* A ping that would go over the output limit ends the connection. */
	ws_send(s->ws, 0, "2", 1);
	s->awaiting_pong = 1;
	eiosock_timer_add(s, s->config.ping_timeout);
}

/* Caller frees with eiosock_free, normally from the closed callback. */
struct eiosock *
eiosock_new(struct event_base *base, evutil_socket_t fd,
    const struct eiosock_config *config, const struct eiosock_callbacks *cb,
    void *arg)
{
	struct eiosock	*s;
	struct ws_config wc;

	s = xcalloc(1, sizeof *s);
	s->config = *config;
	s->cb = cb;
	s->arg = arg;
	s->ping_timer = evtimer_new(base, eiosock_ping_cb, s);
	wc.max_message = config->max_payload;
	wc.output_limit = config->output_limit;
	wc.handshake_ms = 10000;
	s->ws = ws_new(base, fd, &wc, &eiosock_ws_callbacks, s);
	return (s);
}

void
eiosock_free(struct eiosock *s)
{
	if (s == NULL)
		return;
	ws_free(s->ws);
	event_free(s->ping_timer);
	free(s);
}

const char *
eiosock_sid(struct eiosock *s)
{
	return (s->sid);
}

const char *
eiosock_peer(struct eiosock *s)
{
	return (ws_peer(s->ws));
}

size_t
eiosock_output_queued(struct eiosock *s)
{
	return (ws_output_queued(s->ws));
}

static int
eiosock_refuse(int *status, char **body, int http, enum eio_error code)
{
	char	buf[128];

	eio_error_body(buf, sizeof buf, code);
	*status = http;
	*body = xstrdup(buf);
	return (-1);
}

/* The handshake: only GET path?EIO=4&transport=websocket, with no sid. */
static int
eiosock_request_cb(struct ws *ws, const struct httpup *req, void *arg,
    int *status, char **body)
{
	struct eiosock	*s = arg;
	char		 value[64];

	if (strcmp(req->path, s->config.path) != 0 &&
	    !(strlen(req->path) + 1 == strlen(s->config.path) &&
	    strncmp(req->path, s->config.path, strlen(req->path)) == 0)) {
		*status = 404;
		*body = xstrdup("{\"error\":\"not found\"}");
		return (-1);
	}
	/* In the reference server's order, so the codes match its own. */
	if (httpup_query_get(req->query, "transport", value,
	    sizeof value) != 1 || strcmp(value, "websocket") != 0)
		return (eiosock_refuse(status, body, 400,
		    EIO_ERR_UNKNOWN_TRANSPORT));
	if (httpup_query_get(req->query, "sid", value, sizeof value) != 0 &&
	    value[0] != '\0')
		return (eiosock_refuse(status, body, 400,
		    EIO_ERR_UNKNOWN_SID));
	if (strcmp(req->method, "GET") != 0)
		return (eiosock_refuse(status, body, 400,
		    EIO_ERR_BAD_HANDSHAKE_METHOD));
	if (!req->upgrade || !req->connection_upgrade)
		return (eiosock_refuse(status, body, 400,
		    EIO_ERR_BAD_REQUEST));
	if (httpup_query_get(req->query, "EIO", value, sizeof value) != 1 ||
	    strcmp(value, "4") != 0)
		return (eiosock_refuse(status, body, 400,
		    EIO_ERR_UNSUPPORTED_PROTOCOL_VERSION));
	return (0);
}

static void
eiosock_open_cb(struct ws *ws, void *arg)
{
	struct eiosock	*s = arg;
	uint8_t		 rnd[15];
	char		 buf[256];
	int		 n;

	if (RAND_bytes(rnd, sizeof rnd) != 1)
		fatalx("RAND_bytes failed");
	eio_sid_format(s->sid, rnd);
	n = eio_open_packet(buf, sizeof buf, s->sid, s->config.ping_interval,
	    s->config.ping_timeout, (unsigned long)s->config.max_payload);
	ws_send(ws, 0, buf, (size_t)n);
	eiosock_timer_add(s, s->config.ping_interval);
	log_debug("client=%s sid=%s engine.io open", ws_peer(ws), s->sid);
	s->cb->open(s, s->arg);
}

static void
eiosock_message_cb(struct ws *ws, int binary, const uint8_t *data,
    size_t len, void *arg)
{
	struct eiosock	*s = arg;
	enum eio_type	 type;
	const char	*payload;
	size_t		 plen;

	if (binary) {
		s->cb->message(s, 1, data, len, s->arg);
		return;
	}
	if (eio_decode((const char *)data, len, &type, &payload, &plen) != 0) {
		log_info("client=%s sid=%s bad engine.io packet: closing",
		    ws_peer(ws), s->sid);
		ws_close(ws, WS_CLOSE_PROTOCOL, "bad engine.io packet");
		return;
	}
	switch (type) {
	case EIO_PONG:
		if (s->awaiting_pong) {
			s->awaiting_pong = 0;
			evtimer_del(s->ping_timer);
			eiosock_timer_add(s, s->config.ping_interval);
		}
		break;
	case EIO_MESSAGE:
		s->cb->message(s, 0, (const uint8_t *)payload, plen, s->arg);
		break;
	case EIO_CLOSE:
		ws_close(ws, WS_CLOSE_NORMAL, "client closed");
		break;
	case EIO_PING:
	case EIO_NOOP:
		break;
	case EIO_OPEN:
	case EIO_UPGRADE:
		log_info("client=%s sid=%s unexpected engine.io packet %d: "
		    "closing", ws_peer(ws), s->sid, (int)type);
		ws_close(ws, WS_CLOSE_PROTOCOL, "unexpected engine.io packet");
		break;
	}
}

static void
eiosock_closed_cb(struct ws *ws, const char *reason, void *arg)
{
	struct eiosock	*s = arg;

	evtimer_del(s->ping_timer);
	s->cb->closed(s, reason, s->arg);
}

/* Sends one message: text gets the '4' prefix, binary goes as it is. */
int
eiosock_send(struct eiosock *s, int binary, const void *data, size_t len)
{
	if (binary)
		return (ws_send(s->ws, 1, data, len));
	return (ws_send_parts(s->ws, 0, "4", 1, data, len));
}

/* A text message made of two parts (a header and a payload). */
int
eiosock_send_parts(struct eiosock *s, const void *a, size_t alen,
    const void *b, size_t blen)
{
	char	 head[128], *joined;
	int	 rv;

	/* A Socket.IO header is short: no allocation a client a tick. */
	if (alen < sizeof head) {
		head[0] = '4';
		memcpy(head + 1, a, alen);
		return (ws_send_parts(s->ws, 0, head, 1 + alen, b, blen));
	}
	joined = xmalloc(1 + alen + blen);
	joined[0] = '4';
	memcpy(joined + 1, a, alen);
	if (blen != 0)
		memcpy(joined + 1 + alen, b, blen);
	rv = ws_send(s->ws, 0, joined, 1 + alen + blen);
	free(joined);
	return (rv);
}

void
eiosock_write_now(struct eiosock *s)
{
	ws_write_now(s->ws);
}

void
eiosock_pause_reading(struct eiosock *s, int on)
{
	if (on)
		ws_pause_reading(s->ws);
	else
		ws_resume_reading(s->ws);
}

void
eiosock_close(struct eiosock *s, uint16_t code, const char *reason)
{
	ws_close(s->ws, code, reason);
}

/*
 * Live migration: u8 timer armed, u64 when it fires (monotonic ms: the
 * clock is the host's, so the client's deadlines keep running), u8
 * awaiting pong, str sid; then the WebSocket (ws.c).
 */
int
eiosock_migratable(struct eiosock *s)
{
	return (ws_migratable(s->ws));
}

evutil_socket_t
eiosock_fd(struct eiosock *s)
{
	return (ws_fd(s->ws));
}

void
eiosock_save(struct eiosock *s, struct snapw *w)
{
	int	armed = evtimer_pending(s->ping_timer, NULL);

	snapw_u8(w, armed ? 1 : 0);
	snapw_u64(w, armed ? s->timer_due : 0);
	snapw_u8(w, (uint8_t)s->awaiting_pong);
	snapw_str(w, s->sid);
	ws_save(s->ws, w);
}

struct eiosock *
eiosock_restore(struct event_base *base, evutil_socket_t fd,
    const struct eiosock_config *config, const struct eiosock_callbacks *cb,
    void *arg, struct snapr *r, char **cause)
{
	struct eiosock	*s;
	struct ws_config wc;
	uint8_t		 armed, awaiting;
	uint64_t	 due;
	char		 sid[EIO_SID_LEN + 1];

	armed = snapr_u8(r);
	due = snapr_u64(r);
	awaiting = snapr_u8(r);
	snapr_str(r, sid, sizeof sid);
	if (!snapr_ok(r)) {
		xasprintf(cause, "engine.io: %s", snapr_strerror(r));
		return (NULL);
	}
	s = xcalloc(1, sizeof *s);
	s->config = *config;
	s->cb = cb;
	s->arg = arg;
	s->ping_timer = evtimer_new(base, eiosock_ping_cb, s);
	s->awaiting_pong = awaiting != 0;
	s->timer_due = armed ? due : 0;
	memcpy(s->sid, sid, sizeof s->sid);
	wc.max_message = config->max_payload;
	wc.output_limit = config->output_limit;
	wc.handshake_ms = 10000;
	if ((s->ws = ws_restore(base, fd, &wc, &eiosock_ws_callbacks, s, r,
	    cause)) == NULL) {
		event_free(s->ping_timer);
		free(s);
		return (NULL);
	}
	return (s);
}

void
eiosock_resume(struct eiosock *s)
{
	uint64_t	now = monotonic_ms();

	if (s->timer_due != 0)
		eiosock_timer_add(s, s->timer_due > now ?
		    (unsigned)(s->timer_due - now) : 0);
	ws_resume(s->ws);
}
