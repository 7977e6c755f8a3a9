/*
 * WebSocket connections on bufferevents: the upgrade, then frames. What
 * clients send is parsed by wslay, whose context is created when the
 * first byte comes (8.6 KiB a connection that a quiet client, or one
 * just restored by a migration, does not need yet). Our own messages are
 * framed here, straight into the output buffer: a server frame is a 2 to
 * 10 byte header and the payload as it is, so a message costs no copy
 * into a queue of wslay's. Control frames (pong, close) go through wslay,
 * which must know of them; every frame lands whole in the same buffer,
 * so the order is kept.
 *
 * Output is written by us, not by the bufferevent: whatever lands in the
 * output buffer is written with one write(2) later in the same loop pass
 * (or at once, by ws_write_now, which a tick uses for its states). Only
 * what the socket does not take is left to the bufferevent, which then
 * writes as the socket drains. Its write event, armed and disarmed for
 * every message, cost two epoll_ctl(2) and a wake-up per message.
 *
 * Input is read by us too, into the bufferevent's input buffer, with one
 * read(2) when the socket is readable: the bufferevent asks the kernel
 * how much there is (ioctl FIONREAD) before every read, a system call
 * per client message.
 */
#include "config.h"

#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <wslay/wslay.h>

#include "httpup.h"
#include "log.h"
#include "snapfmt.h"
#include "ws.h"
#include "xmalloc.h"

#define WS_GUID		"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
#define WS_MAX_HEADER	14	/* 2 + 8 extended length + 4 mask */
#define WS_LINGER_MS	2000	/* how long a closed connection is drained */
#define WS_SMALL_FRAME	2048	/* framed in one piece (ws_send_parts) */
#define WS_AREA		1000	/* bytes of frames a connection keeps room */
				/* for (struct ws_area) */
#define WS_READ_MAX	16384	/* bytes one read(2) takes at most */

enum ws_state {
	WS_HTTP,	/* waiting for the request head */
	WS_REFUSING,	/* an HTTP error answer is being flushed */
	WS_OPEN,	/* frames flow */
	WS_CLOSING,	/* our close frame or the peer's is being flushed */
	WS_LINGER,	/* all sent and half-closed; reading until the peer goes */
	WS_CLOSED	/* done; the closed callback is scheduled or ran */
};

/*
 * Room of a connection's own for its small frames, lent to the output by
 * reference (evbuffer_add_reference) instead of copied into a chunk the
 * output allocates and frees again once written: at 2,000 clients that
 * was 2,000 allocations of 1 KB a tick, which glibc keeps in its slow
 * "large" bins (7% of a live zoned's CPU at N=2000). Frames go in one
 * after the other while earlier ones are unwritten; the room is reused
 * when the output has let go of every one. It outlives its connection
 * while the output (freed after it, maybe later) still holds a frame.
 */
struct ws_area {
	unsigned	 refs;		/* frames the output holds */
	int		 orphan;	/* its connection is gone */
	size_t		 used;
	uint8_t		 bytes[WS_AREA];
};

struct ws {
	struct bufferevent		*bev;
	struct ws_area			*area;	/* made on the first frame */
	struct evbuffer			*out;		/* bev's output */
	struct event			*deferred;	/* runs the closed callback */
	struct event			*push;		/* writes the output */
	int				 writing;	/* the bufferevent writes */
	size_t				 outlen;	/* bytes in the output */
	struct event			*rd;		/* reads the socket */
	int				 reading;	/* rd is added */
	struct timeval			 rd_tv;		/* no input for that long */
	int				 rd_timeout;	/* ends the connection */
	wslay_event_context_ptr		 wslay;
	enum ws_state			 state;
	struct ws_config		 config;
	const struct ws_callbacks	*cb;
	void				*arg;
	size_t				 feed;		/* bytes wslay may read */
	char				*close_reason;
	char				 peer[64];
	int				 in_recv;
	int				 paused;	/* reading held (backpressure) */
};

static void	ws_input(struct ws *);
static void	ws_write_cb(struct bufferevent *, void *);
static void	ws_event_cb(struct bufferevent *, short, void *);
static void	ws_finish(struct ws *, const char *);
static void	ws_maybe_done(struct ws *);
static void	ws_push(struct ws *);

static void
ws_push_cb(evutil_socket_t fd, short events, void *arg)
{
	ws_push(arg);
}

/*
 * Whatever is added to the output is written later in this loop pass.
 * Its length is kept here too: a tick asks for it for every client, and
 * asking libevent costs a few cache misses each time.
 */
static void
ws_output_cb(struct evbuffer *out, const struct evbuffer_cb_info *info,
    void *arg)
{
	struct ws	*ws = arg;

	ws->outlen = info->orig_size + info->n_added - info->n_deleted;
	if (info->n_added != 0 && !ws->writing)
		event_active(ws->push, 0, 0);
}

static void	ws_sock_read_cb(evutil_socket_t, short, void *);

/* Reads the socket when it has input (on), or not. */
static void
ws_reading(struct ws *ws, int on)
{
	if (on == ws->reading)
		return;
	ws->reading = on;
	if (on)
		event_add(ws->rd, ws->rd_timeout ? &ws->rd_tv : NULL);
	else
		event_del(ws->rd);
}

/* A time without input that ends the connection (tv), or none (NULL). */
static void
ws_read_timeout(struct ws *ws, const struct timeval *tv)
{
	ws->rd_timeout = tv != NULL;
	if (tv != NULL)
		ws->rd_tv = *tv;
	if (ws->reading)
		event_add(ws->rd, tv);
}

static void
ws_deferred_cb(evutil_socket_t fd, short events, void *arg)
{
	struct ws	*ws = arg;

	ws->cb->closed(ws, ws->close_reason, ws->arg);
}

/*
 * The connection's object and bufferevent, with no I/O enabled yet. A
 * socket from a migration is set up already (its flags and options live
 * with the socket, not the descriptor): no system call for it here, as
 * each would lengthen the pause by one per client.
 */
static struct ws *
ws_setup(struct event_base *base, evutil_socket_t fd,
    const struct ws_config *config, const struct ws_callbacks *cb, void *arg,
    int fresh)
{
	struct ws	*ws;
	int		 one = 1;

	ws = xcalloc(1, sizeof *ws);
	ws->config = *config;
	ws->cb = cb;
	ws->arg = arg;
	ws->state = WS_HTTP;
	if (fresh) {
		evutil_make_socket_nonblocking(fd);
		/* A tick's state must not wait for the client's ACK (Nagle). */
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one,
		    sizeof one);
	}
	ws->bev = bufferevent_socket_new(base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (ws->bev == NULL)
		fatalx("bufferevent_socket_new failed");
	/* Kept: asking for it costs a call and a cache miss a client a tick. */
	ws->out = bufferevent_get_output(ws->bev);
	ws->deferred = event_new(base, -1, 0, ws_deferred_cb, ws);
	ws->push = event_new(base, -1, 0, ws_push_cb, ws);
	ws->rd = event_new(base, fd, EV_READ | EV_PERSIST, ws_sock_read_cb, ws);
	if (ws->deferred == NULL || ws->push == NULL || ws->rd == NULL ||
	    evbuffer_add_cb(ws->out, ws_output_cb, ws) == NULL)
		fatalx("ws: cannot set up a connection's events");
	/* It never reads: ws_sock_read_cb does. */
	bufferevent_setcb(ws->bev, NULL, ws_write_cb, ws_event_cb, ws);
	/* A new bufferevent writes by itself: we do (ws_push). */
	bufferevent_disable(ws->bev, EV_WRITE);
	return (ws);
}

static void
ws_set_peer(struct ws *ws, evutil_socket_t fd)
{
	struct sockaddr_storage	 ss;
	socklen_t		 sslen = sizeof ss;
	char			 host[INET6_ADDRSTRLEN];

	snprintf(ws->peer, sizeof ws->peer, "?");
	if (getpeername(fd, (struct sockaddr *)&ss, &sslen) != 0)
		return;
	if (ss.ss_family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		inet_ntop(AF_INET, &sin->sin_addr, host, sizeof host);
		snprintf(ws->peer, sizeof ws->peer, "%s:%u", host,
		    ntohs(sin->sin_port));
	} else if (ss.ss_family == AF_INET6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		inet_ntop(AF_INET6, &sin6->sin6_addr, host, sizeof host);
		snprintf(ws->peer, sizeof ws->peer, "[%s]:%u", host,
		    ntohs(sin6->sin6_port));
	}
}

static void
ws_handshake_timeout(struct ws *ws)
{
	struct timeval	tv;

	tv.tv_sec = ws->config.handshake_ms / 1000;
	tv.tv_usec = (ws->config.handshake_ms % 1000) * 1000;
	ws_read_timeout(ws, &tv);
}

/*
 * Takes ownership of fd (closed by ws_free). Caller frees with ws_free,
 * normally from the closed callback.
 */
struct ws *
ws_new(struct event_base *base, evutil_socket_t fd,
    const struct ws_config *config, const struct ws_callbacks *cb, void *arg)
{
	struct ws	*ws;

	ws = ws_setup(base, fd, config, cb, arg, 1);
	ws_set_peer(ws, fd);
	ws_handshake_timeout(ws);
	ws_reading(ws, 1);
	return (ws);
}

static void	ws_wslay_init(struct ws *);

/* The receive side's wslay context, made when first needed. */
static wslay_event_context_ptr
ws_wslay(struct ws *ws)
{
	if (ws->wslay == NULL)
		ws_wslay_init(ws);
	return (ws->wslay);
}

/* Without a context yet, nothing has been read: the peer may go on. */
static int
ws_want_read(struct ws *ws)
{
	return (ws->wslay == NULL || wslay_event_want_read(ws->wslay));
}

static int
ws_want_write(struct ws *ws)
{
	return (ws->wslay != NULL && wslay_event_want_write(ws->wslay));
}

void
ws_free(struct ws *ws)
{
	if (ws == NULL)
		return;
	if (ws->wslay != NULL)
		wslay_event_context_free(ws->wslay);
	event_free(ws->rd);	/* before the bufferevent closes the socket */
	if (ws->bev != NULL)
		bufferevent_free(ws->bev);
	event_free(ws->deferred);
	event_free(ws->push);
	free(ws->close_reason);
	if (ws->area != NULL && ws->area->refs == 0)
		free(ws->area);
	else if (ws->area != NULL)
		ws->area->orphan = 1;	/* the last frame's cleanup frees it */
	free(ws);
}

const char *
ws_peer(struct ws *ws)
{
	return (ws->peer);
}

/*
 * What the output holds. wslay's own queue is left out: it only ever
 * holds control frames (a pong, a close; 127 bytes at most each), which
 * the next read or write sends, and asking for it cost a call and a cache
 * miss a client a tick.
 */
size_t
ws_output_queued(struct ws *ws)
{
	return (ws->outlen);
}

/* Stop all I/O and report the end from a fresh stack. */
static void
ws_finish(struct ws *ws, const char *reason)
{
	if (ws->state == WS_CLOSED)
		return;
	ws->state = WS_CLOSED;
	if (ws->close_reason == NULL)
		ws->close_reason = xstrdup(reason);
	/*
	 * The end, now, even if another process holds the socket too (a
	 * replacement that got it before a migration's pause, migrate.c):
	 * closing our descriptor alone would not end the connection then.
	 */
	(void)shutdown(bufferevent_getfd(ws->bev), SHUT_RDWR);
	ws->writing = 0;
	ws_reading(ws, 0);
	bufferevent_disable(ws->bev, EV_READ | EV_WRITE);
	event_active(ws->deferred, 0, 0);
}

/* Drop the connection at once, without a close frame. */
void
ws_abort(struct ws *ws, const char *reason)
{
	ws_finish(ws, reason);
}

/*
 * Everything is written: half-close and read (discarding) until the peer
 * closes or WS_LINGER_MS pass. Closing with unread input would send a reset,
 * and the peer would lose our last frames, the close frame among them.
 */
static void
ws_linger(struct ws *ws)
{
	struct evbuffer	*in = bufferevent_get_input(ws->bev);
	struct timeval	 tv = { WS_LINGER_MS / 1000, (WS_LINGER_MS % 1000) * 1000 };

	ws->state = WS_LINGER;
	if (shutdown(bufferevent_getfd(ws->bev), SHUT_WR) == -1) {
		ws_finish(ws, ws->close_reason);
		return;
	}
	evbuffer_drain(in, evbuffer_get_length(in));
	ws->writing = 0;
	bufferevent_disable(ws->bev, EV_WRITE);
	ws_read_timeout(ws, &tv);
	ws_reading(ws, 1);
}

/* Done when wslay has nothing left to do and the output is flushed. */
static void
ws_maybe_done(struct ws *ws)
{
	struct evbuffer	*out = ws->out;

	if (ws->state == WS_REFUSING) {
		if (evbuffer_get_length(out) == 0)
			ws_linger(ws);
		return;
	}
	if (ws->state != WS_OPEN && ws->state != WS_CLOSING)
		return;
	if (ws_want_write(ws))
		return;
	if (ws_want_read(ws) && ws->state == WS_OPEN)
		return;
	if (evbuffer_get_length(out) != 0) {
		ws->state = WS_CLOSING;
		return;
	}
	if (ws->close_reason == NULL)
		ws->close_reason = xstrdup("closed");
	if (ws->state == WS_CLOSING || !ws_want_read(ws))
		ws_linger(ws);
}

/* wslay's control frames (pong, close) to the output buffer. */
static void
ws_flush(struct ws *ws)
{
	if (ws->state != WS_OPEN && ws->state != WS_CLOSING)
		return;
	if (ws_want_write(ws) && wslay_event_send(ws->wslay) != 0) {
		ws_finish(ws, "send failed");
		return;
	}
	ws_maybe_done(ws);
}

static ssize_t
ws_recv_cb(wslay_event_context_ptr ctx, uint8_t *buf, size_t len, int flags,
    void *arg)
{
	struct ws	*ws = arg;
	struct evbuffer	*in = bufferevent_get_input(ws->bev);
	int		 n;

	if (len > ws->feed)
		len = ws->feed;
	if (len == 0) {
		wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
		return (-1);
	}
	n = evbuffer_remove(in, buf, len);
	if (n <= 0) {
		wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
		return (-1);
	}
	ws->feed -= (size_t)n;
	return (n);
}

static ssize_t
ws_send_cb(wslay_event_context_ptr ctx, const uint8_t *data, size_t len,
    int flags, void *arg)
{
	struct ws	*ws = arg;

	if (evbuffer_add(ws->out, data, len) != 0) {
		wslay_event_set_error(ctx, WSLAY_ERR_CALLBACK_FAILURE);
		return (-1);
	}
	return ((ssize_t)len);
}

static int
ws_genmask_cb(wslay_event_context_ptr ctx, uint8_t *buf, size_t len,
    void *arg)
{
	memset(buf, 0, len);	/* servers do not mask */
	return (0);
}

static void
ws_msg_cb(wslay_event_context_ptr ctx,
    const struct wslay_event_on_msg_recv_arg *m, void *arg)
{
	struct ws	*ws = arg;
	char		 reason[64];

	if (m->opcode == WSLAY_CONNECTION_CLOSE) {
		if (ws->close_reason == NULL) {
			snprintf(reason, sizeof reason, "client closed (%u)",
			    m->status_code);
			ws->close_reason = xstrdup(reason);
		}
		return;
	}
	if (ws->state != WS_OPEN)
		return;
	if (m->opcode == WSLAY_TEXT_FRAME)
		ws->cb->message(ws, 0, m->msg, m->msg_length, ws->arg);
	else if (m->opcode == WSLAY_BINARY_FRAME)
		ws->cb->message(ws, 1, m->msg, m->msg_length, ws->arg);
}

/*
 * The size of the whole frame at offset off of in, 0 if its header is not
 * all there yet; *payload gets the payload length, *b0 the first byte.
 */
static size_t
ws_frame_size(struct evbuffer *in, size_t off, uint64_t *payload,
    uint8_t *b0)
{
	uint8_t			 h[WS_MAX_HEADER];
	size_t			 have = evbuffer_get_length(in), hlen = 2, i;
	uint64_t		 len;
	struct evbuffer_ptr	 pos;

	if (have < off + 2)
		return (0);
	have -= off;
	if (evbuffer_ptr_set(in, &pos, off, EVBUFFER_PTR_SET) != 0)
		return (0);
	evbuffer_copyout_from(in, &pos, h, have < sizeof h ? have : sizeof h);
	len = h[1] & 0x7f;
	if (len == 126)
		hlen += 2;
	else if (len == 127)
		hlen += 8;
	if (h[1] & 0x80)
		hlen += 4;
	if (have < hlen)
		return (0);
	if (len == 126)
		len = (uint64_t)h[2] << 8 | h[3];
	else if (len == 127) {
		len = 0;
		for (i = 0; i < 8; i++)
			len = len << 8 | h[2 + i];
	}
	*payload = len;
	*b0 = h[0];
	return (hlen + (size_t)(len > SIZE_MAX / 4 ? SIZE_MAX / 4 : len));
}

#define WS_TOO_BIG	((size_t)-1)

/*
 * The bytes at the start of in that make one whole message: a control
 * frame, an unfragmented data frame, or every fragment of a fragmented one
 * (with the control frames between them). 0 if not all there yet,
 * WS_TOO_BIG past max_message. wslay is fed nothing else, so its parser is
 * empty between events and a fresh context on the same socket (after a
 * migration) carries on exactly.
 */
static size_t
ws_message_size(struct ws *ws, struct evbuffer *in, uint64_t *payload)
{
	size_t		 have = evbuffer_get_length(in), off = 0, size;
	uint64_t	 len, total = 0;
	uint8_t		 b0;

	for (;;) {
		if ((size = ws_frame_size(in, off, &len, &b0)) == 0)
			return (0);
		if ((b0 & 0x08) == 0)
			total += len;
		else if (len > total)
			total = len;
		if (total > ws->config.max_message) {
			*payload = total;
			return (WS_TOO_BIG);
		}
		if (have - off < size)
			return (0);
		off += size;
		/* A control frame alone, or the last fragment. */
		if ((off == size && (b0 & 0x08)) ||
		    ((b0 & 0x08) == 0 && (b0 & 0x80)))
			break;
	}
	*payload = total;
	return (off);
}

static void
ws_read_frames(struct ws *ws)
{
	struct evbuffer	*in = bufferevent_get_input(ws->bev);
	size_t		 size;
	uint64_t	 payload = 0;

	while (ws->state == WS_OPEN && !ws->paused && ws_want_read(ws)) {
		size = ws_message_size(ws, in, &payload);
		if (size == WS_TOO_BIG || (size == 0 &&
		    evbuffer_get_length(in) > ws->config.max_message + 4096)) {
			/* The second: fragments whose framing outweighs them. */
			log_info("client=%s message of %llu bytes over the "
			    "limit of %zu: closing", ws->peer,
			    (unsigned long long)payload,
			    ws->config.max_message);
			ws_close(ws, WS_CLOSE_TOO_BIG, "message too big");
			return;
		}
		if (size == 0)
			break;
		ws->feed = size;
		ws->in_recv = 1;
		if (wslay_event_recv(ws_wslay(ws)) != 0) {
			/* wslay has queued a close frame if it could. */
			ws->in_recv = 0;
			ws->feed = 0;
			if (ws->close_reason == NULL)
				ws->close_reason = xstrdup("protocol error");
			if (!ws_want_write(ws)) {
				ws_finish(ws, ws->close_reason);
				return;
			}
			evbuffer_drain(in, evbuffer_get_length(in));
			ws->state = WS_CLOSING;
			break;
		}
		ws->in_recv = 0;
		ws->feed = 0;
	}
	if (ws->state == WS_OPEN && !ws_want_read(ws)) {
		/* wslay queued a close (peer's close, or a protocol error). */
		if (ws->close_reason == NULL)
			ws->close_reason = xstrdup("protocol error");
		evbuffer_drain(in, evbuffer_get_length(in));
		ws->state = WS_CLOSING;
	}
	ws_flush(ws);
}

static void
ws_accept_key(const char *key, char out[29])
{
	unsigned char	 digest[SHA_DIGEST_LENGTH];
	char		 buf[128];
	int		 n;

	n = snprintf(buf, sizeof buf, "%s%s", key, WS_GUID);
	SHA1((unsigned char *)buf, (size_t)n, digest);
	EVP_EncodeBlock((unsigned char *)out, digest, sizeof digest);
}

static const char *
ws_status_text(int status)
{
	switch (status) {
	case 400:
		return ("Bad Request");
	case 403:
		return ("Forbidden");
	case 404:
		return ("Not Found");
	case 405:
		return ("Method Not Allowed");
	case 414:
		return ("URI Too Long");
	case 426:
		return ("Upgrade Required");
	case 431:
		return ("Request Header Fields Too Large");
	case 503:
		return ("Service Unavailable");
	case 505:
		return ("HTTP Version Not Supported");
	}
	return ("Error");
}

static void
ws_refuse(struct ws *ws, int status, const char *body, const char *why)
{
	struct evbuffer	*out = ws->out;

	evbuffer_add_printf(out, "HTTP/1.1 %d %s\r\n"
	    "Content-Type: application/json\r\n"
	    "Content-Length: %zu\r\n"
	    "Connection: close\r\n\r\n%s", status, ws_status_text(status),
	    strlen(body), body);
	ws->state = WS_REFUSING;
	ws->close_reason = xstrdup(why);
	log_info("client=%s refused HTTP %d: %s", ws->peer, status, why);
	ws_reading(ws, 0);
	ws_maybe_done(ws);
}

static void
ws_wslay_init(struct ws *ws)
{
	struct wslay_event_callbacks	 callbacks = {
		ws_recv_cb, ws_send_cb, ws_genmask_cb, NULL, NULL, NULL,
		ws_msg_cb
	};

	if (wslay_event_context_server_init(&ws->wslay, &callbacks, ws) != 0)
		fatalx("wslay_event_context_server_init failed");
	wslay_event_config_set_max_recv_msg_length(ws->wslay,
	    ws->config.max_message);
}

static void
ws_read_request(struct ws *ws)
{
	struct evbuffer			*in = bufferevent_get_input(ws->bev);
	struct httpup			 req;
	size_t				 len;
	char				 accept[29], *body = NULL, *errbody;
	int				 status = 400;
	const char			*data;

	len = evbuffer_get_length(in);
	if (len > HTTPUP_MAX_REQUEST)
		len = HTTPUP_MAX_REQUEST;
	data = (const char *)evbuffer_pullup(in, (ev_ssize_t)len);
	switch (httpup_parse(data, len, &req)) {
	case HTTPUP_AGAIN:
		return;
	case HTTPUP_INVALID:
		xasprintf(&errbody, "{\"error\":\"%s\"}", req.error);
		ws_refuse(ws, req.status, errbody, req.error);
		free(errbody);
		return;
	case HTTPUP_OK:
		break;
	}
	if (ws->cb->request(ws, &req, ws->arg, &status, &body) != 0) {
		ws_refuse(ws, status, body != NULL ? body : "{}",
		    body != NULL ? body : "request refused");
		free(body);
		return;
	}
	evbuffer_drain(in, req.length);
	if (!req.upgrade || !req.connection_upgrade || req.ws_key[0] == '\0') {
		ws_refuse(ws, 400, "{\"code\":3,\"message\":\"Bad request\"}",
		    "not a WebSocket upgrade");
		return;
	}
	if (req.ws_version != 13) {
		evbuffer_add_printf(ws->out,
		    "HTTP/1.1 426 Upgrade Required\r\n"
		    "Sec-WebSocket-Version: 13\r\nContent-Length: 0\r\n"
		    "Connection: close\r\n\r\n");
		ws->state = WS_REFUSING;
		ws->close_reason = xstrdup("unsupported WebSocket version");
		ws_reading(ws, 0);
		return;
	}
	ws_accept_key(req.ws_key, accept);
	evbuffer_add_printf(ws->out,
	    "HTTP/1.1 101 Switching Protocols\r\n"
	    "Upgrade: websocket\r\nConnection: Upgrade\r\n"
	    "Sec-WebSocket-Accept: %s\r\n\r\n", accept);
	ws->state = WS_OPEN;
	ws_read_timeout(ws, NULL);
	ws->cb->open(ws, ws->arg);
	if (ws->state == WS_OPEN)
		ws_read_frames(ws);
}

/*
 * The socket is readable (or was quiet too long): one read(2) into the
 * input, at most what keeps it within a message plus a margin (that is
 * all a connection holds unparsed; more is refused as too large), then
 * on to the parsers. End of stream and errors end the connection as the
 * bufferevent would have.
 */
static void
ws_sock_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct ws		*ws = arg;
	struct evbuffer		*in = bufferevent_get_input(ws->bev);
	struct evbuffer_iovec	 v;
	size_t			 have = evbuffer_get_length(in), room;
	size_t			 high;
	ssize_t			 n;

	if (what & EV_TIMEOUT) {
		ws_event_cb(ws->bev, BEV_EVENT_READING | BEV_EVENT_TIMEOUT, ws);
		return;
	}
	high = ws->config.max_message + HTTPUP_MAX_REQUEST + 4096;
	room = have < high ? high - have : 0;
	if (room > WS_READ_MAX)
		room = WS_READ_MAX;
	if (room == 0) {
		/*
		 * Input up to the bound that the parsers could not take
		 * (they refuse what is too large, and reading stops while
		 * the owner holds it): nothing will change; end it.
		 */
		ws_finish(ws, "too much unparsed input");
		return;
	}
	/* A socket bufferevent's input takes bytes only from the socket. */
	evbuffer_unfreeze(in, 0);
	if (evbuffer_reserve_space(in, (ev_ssize_t)room, &v, 1) < 1) {
		evbuffer_freeze(in, 0);
		ws_finish(ws, "out of memory for input");
		return;
	}
	if (v.iov_len > room)
		v.iov_len = room;
	n = read(fd, v.iov_base, v.iov_len);
	if (n > 0) {
		v.iov_len = (size_t)n;
		evbuffer_commit_space(in, &v, 1);
	}
	evbuffer_freeze(in, 0);
	if (n == 0)
		ws_event_cb(ws->bev, BEV_EVENT_READING | BEV_EVENT_EOF, ws);
	else if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK &&
	    errno != EINTR)
		ws_event_cb(ws->bev, BEV_EVENT_READING | BEV_EVENT_ERROR, ws);
	else if (n > 0)
		ws_input(ws);
}

/* What is in the input, to the parser of the connection's state. */
static void
ws_input(struct ws *ws)
{
	struct evbuffer	*in = bufferevent_get_input(ws->bev);

	switch (ws->state) {
	case WS_HTTP:
		ws_read_request(ws);
		break;
	case WS_OPEN:
		ws_read_frames(ws);
		break;
	default:
		/* Closing: what the client still sends is of no use. */
		evbuffer_drain(in, evbuffer_get_length(in));
		break;
	}
}

/* The bufferevent wrote what the socket had not taken: ours again. */
static void
ws_write_cb(struct bufferevent *bev, void *arg)
{
	struct ws	*ws = arg;

	if (ws->writing &&
	    evbuffer_get_length(bufferevent_get_output(bev)) == 0) {
		ws->writing = 0;
		bufferevent_disable(bev, EV_WRITE);
	}
	ws_maybe_done(ws);
}

static void
ws_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct ws	*ws = arg;

	if (ws->state == WS_LINGER)
		ws_finish(ws, ws->close_reason);
	else if (what & BEV_EVENT_TIMEOUT)
		ws_finish(ws, "handshake timeout");
	else if (what & BEV_EVENT_EOF)
		ws_finish(ws, ws->close_reason != NULL ? ws->close_reason :
		    "connection closed by client");
	else if (what & BEV_EVENT_ERROR)
		ws_finish(ws, evutil_socket_error_to_string(
		    EVUTIL_SOCKET_ERROR()));
}

/* The output let go of a frame lent from the area. */
static void
ws_area_done(const void *data, size_t len, void *arg)
{
	struct ws_area	*area = arg;

	(void)data;
	(void)len;
	if (--area->refs != 0)
		return;
	if (area->orphan)
		free(area);
	else
		area->used = 0;
}

/*
 * Queues one message (two parts joined, so a header and a body need no
 * copy by the caller). Returns -1 if the connection is not open; a
 * message that would take its output over the limit ends the connection.
 */
int
ws_send_parts(struct ws *ws, int binary, const void *a, size_t alen,
    const void *b, size_t blen)
{
	struct evbuffer	*out = ws->out;
	struct ws_area	*area;
	uint8_t		 head[10], frame[WS_SMALL_FRAME], *p;
	size_t		 hlen, len = alen + blen;
	int		 lent, rc;

	if (ws->state != WS_OPEN)
		return (-1);
	if (ws_output_queued(ws) + alen + blen > ws->config.output_limit) {
		/* Dropping a message would lose it silently: the client goes. */
		log_info("client=%s %zu bytes unsent, over the output limit of "
		    "%zu: dropping the connection", ws->peer,
		    ws_output_queued(ws), ws->config.output_limit);
		ws_abort(ws, "output limit exceeded (client too slow)");
		return (-1);
	}
	/* One final frame, unmasked (RFC 6455 5.2): FIN and the opcode. */
	head[0] = 0x80 | (binary ? WSLAY_BINARY_FRAME : WSLAY_TEXT_FRAME);
	if (len < 126) {
		head[1] = (uint8_t)len;
		hlen = 2;
	} else if (len <= 0xffff) {
		head[1] = 126;
		head[2] = (uint8_t)(len >> 8);
		head[3] = (uint8_t)len;
		hlen = 4;
	} else {
		head[1] = 127;
		for (hlen = 2; hlen < 10; hlen++)
			head[hlen] = (uint8_t)((uint64_t)len >> (8 * (9 - hlen)));
	}
	/*
	 * A small frame is put together here and added at once: each add
	 * runs the output's callbacks, and a tick sends every client two
	 * frames (a binary event's header and its attachment).
	 */
	if (len <= WS_SMALL_FRAME - hlen) {
		if (ws->area == NULL)
			ws->area = xcalloc(1, sizeof *ws->area);
		area = ws->area;
		lent = area->used + hlen + len <= sizeof area->bytes;
		p = lent ? area->bytes + area->used : frame;
		memcpy(p, head, hlen);
		if (alen != 0)
			memcpy(p + hlen, a, alen);
		if (blen != 0)
			memcpy(p + hlen + alen, b, blen);
		if (lent) {
			rc = evbuffer_add_reference(out, p, hlen + len,
			    ws_area_done, area);
			if (rc == 0) {
				area->refs++;
				area->used += hlen + len;
			}
		} else
			rc = evbuffer_add(out, frame, hlen + len);
		if (rc != 0) {
			ws_abort(ws, "out of memory for output");
			return (-1);
		}
		return (0);
	}
	if (evbuffer_add(out, head, hlen) != 0 ||
	    evbuffer_add(out, a, alen) != 0 ||
	    (blen != 0 && evbuffer_add(out, b, blen) != 0)) {
		ws_abort(ws, "out of memory for output");
		return (-1);
	}
	return (0);
}

int
ws_send(struct ws *ws, int binary, const void *data, size_t len)
{
	return (ws_send_parts(ws, binary, data, len, NULL, 0));
}

/*
 * Writes what the output holds with one write(2); what the socket does
 * not take is left to the bufferevent. A socket bufferevent's output
 * gives bytes only to the socket (its start is frozen): thawed for this.
 */
static void
ws_push(struct ws *ws)
{
	struct evbuffer	*out = ws->out;
	int		 n;

	if (ws->writing || ws->state == WS_CLOSED || ws->state == WS_LINGER ||
	    ws->outlen == 0)
		return;
	evbuffer_unfreeze(out, 1);
	n = evbuffer_write(out, bufferevent_getfd(ws->bev));
	evbuffer_freeze(out, 1);
	if (n == -1 && errno != EAGAIN && errno != EWOULDBLOCK &&
	    errno != EINTR) {
		ws_finish(ws, strerror(errno));
		return;
	}
	if (evbuffer_get_length(out) != 0) {
		ws->writing = 1;
		bufferevent_enable(ws->bev, EV_WRITE);
		return;
	}
	/* An open connection is not done: its close comes through a read. */
	if (ws->state != WS_OPEN)
		ws_maybe_done(ws);
}

/*
 * Writes what is queued now, without waiting for the loop: a tick sends
 * each client its state in one write(2) and counts it in the tick's cost.
 */
void
ws_write_now(struct ws *ws)
{
	ws_push(ws);
}

/*
 * Backpressure: the owner can take no more messages for now. What the
 * client sends meanwhile waits in the socket (TCP slows the client down)
 * and is read on ws_resume_reading.
 */
void
ws_pause_reading(struct ws *ws)
{
	ws->paused = 1;
	ws_reading(ws, 0);
}

void
ws_resume_reading(struct ws *ws)
{
	if (!ws->paused)
		return;
	ws->paused = 0;
	if (ws->state != WS_OPEN)
		return;
	ws_reading(ws, 1);
	if (evbuffer_get_length(bufferevent_get_input(ws->bev)) != 0)
		ws_read_frames(ws);
}

/* Sends a close frame; the closed callback follows once it is flushed. */
void
ws_close(struct ws *ws, uint16_t code, const char *reason)
{
	if (ws->close_reason == NULL)
		ws->close_reason = xstrdup(reason);
	if (ws->state == WS_HTTP) {
		ws_finish(ws, reason);
		return;
	}
	if (ws->state != WS_OPEN)
		return;
	/* After every message queued so far, which are in the buffer. */
	wslay_event_queue_close(ws_wslay(ws), code,
	    (const uint8_t *)ws->close_reason,
	    strlen(ws->close_reason) > 123 ? 123 : strlen(ws->close_reason));
	ws->state = WS_CLOSING;
	ws_reading(ws, 0);
	evbuffer_drain(bufferevent_get_input(ws->bev),
	    evbuffer_get_length(bufferevent_get_input(ws->bev)));
	if (!ws->in_recv)
		ws_flush(ws);
}

/*
 * Live migration. Only a connection still in its request or open can move
 * (one that is closing finishes in the old process). What it carries:
 *	u8 state (0 request, 1 open), str peer,
 *	blob input read but not parsed, blob output not yet written.
 * wslay holds nothing between events (ws_message_size), so a fresh
 * context on the same socket continues the stream.
 */
int
ws_migratable(struct ws *ws)
{
	return ((ws->state == WS_HTTP || ws->state == WS_OPEN) &&
	    ws->close_reason == NULL);
}

evutil_socket_t
ws_fd(struct ws *ws)
{
	return (bufferevent_getfd(ws->bev));
}

static void
ws_save_buffer(struct snapw *w, struct evbuffer *b)
{
	size_t	n = evbuffer_get_length(b);

	snapw_blob(w, n != 0 ? evbuffer_pullup(b, -1) : NULL, n);
}

void
ws_save(struct ws *ws, struct snapw *w)
{
	/* Whatever wslay still queues goes to the output buffer first. */
	if (ws_want_write(ws))
		wslay_event_send(ws->wslay);
	snapw_u8(w, ws->state == WS_OPEN ? 1 : 0);
	snapw_str(w, ws->peer);
	ws_save_buffer(w, bufferevent_get_input(ws->bev));
	ws_save_buffer(w, ws->out);
}

/*
 * Connections made ready before a migration's pause, by descriptor: the
 * replacement gets the client sockets ahead (takeover.c) and sets up their
 * bufferevents and events then, so that the restore in the pause only
 * fills them in. Each owns its socket until ws_restore takes it.
 */
static struct ws	**ws_ready;
static size_t		  ws_nready;

void
ws_prepare(struct event_base *base, evutil_socket_t fd)
{
	struct ws_config	config;
	size_t			n;

	if (fd < 0)
		return;
	if ((size_t)fd >= ws_nready) {
		n = (size_t)fd + 1 > 2 * ws_nready ? (size_t)fd + 1 :
		    2 * ws_nready;
		ws_ready = xreallocarray(ws_ready, n, sizeof *ws_ready);
		memset(ws_ready + ws_nready, 0, (n - ws_nready) *
		    sizeof *ws_ready);
		ws_nready = n;
	}
	if (ws_ready[fd] != NULL)
		fatalx("ws: descriptor %d made ready twice", (int)fd);
	memset(&config, 0, sizeof config);
	ws_ready[fd] = ws_setup(base, fd, &config, NULL, NULL, 0);
}

/* The connection made ready on fd, now taken; NULL if none. */
static struct ws *
ws_take_prepared(evutil_socket_t fd)
{
	struct ws	*ws;

	if (fd < 0 || (size_t)fd >= ws_nready || ws_ready[fd] == NULL)
		return (NULL);
	ws = ws_ready[fd];
	ws_ready[fd] = NULL;
	return (ws);
}

/* The restore is over: those not taken go, and close their sockets. */
void
ws_drop_prepared(void)
{
	size_t	i;

	for (i = 0; i < ws_nready; i++)
		ws_free(ws_ready[i]);
	free(ws_ready);
	ws_ready = NULL;
	ws_nready = 0;
}

/*
 * A connection from a snapshot, on fd (owned from here on, unless NULL is
 * returned with *cause set). No I/O until ws_resume.
 */
struct ws *
ws_restore(struct event_base *base, evutil_socket_t fd,
    const struct ws_config *config, const struct ws_callbacks *cb, void *arg,
    struct snapr *r, char **cause)
{
	struct ws	*ws;
	char		 peer[sizeof ws->peer];
	const void	*in, *out;
	size_t		 inlen, outlen;
	uint8_t		 state;

	state = snapr_u8(r);
	snapr_str(r, peer, sizeof peer);
	in = snapr_blob(r, config->max_message + HTTPUP_MAX_REQUEST + 65536,
	    &inlen);
	out = snapr_blob(r, SIZE_MAX / 2, &outlen);
	if (!snapr_ok(r) || state > 1) {
		xasprintf(cause, "connection: %s", snapr_ok(r) ?
		    "unknown state" : snapr_strerror(r));
		return (NULL);
	}
	if ((ws = ws_take_prepared(fd)) != NULL) {
		ws->config = *config;
		ws->cb = cb;
		ws->arg = arg;
	} else
		ws = ws_setup(base, fd, config, cb, arg, 0);
	memcpy(ws->peer, peer, sizeof ws->peer);
	/*
	 * A socket bufferevent's input takes bytes only from the socket.
	 * Nothing is added when there is nothing: evbuffer_add makes a
	 * chain of 1 KiB even for no bytes, two per client in the pause.
	 */
	evbuffer_unfreeze(bufferevent_get_input(ws->bev), 0);
	if ((inlen != 0 && evbuffer_add(bufferevent_get_input(ws->bev), in,
	    inlen) != 0) || (outlen != 0 &&
	    evbuffer_add(ws->out, out, outlen) != 0))
		fatalx("ws: cannot restore a connection's buffers");
	evbuffer_freeze(bufferevent_get_input(ws->bev), 0);
	if (state == 1)
		ws->state = WS_OPEN;	/* wslay's context when input comes */
	return (ws);
}

/* After the commit: I/O starts, and what arrived before is acted on. */
void
ws_resume(struct ws *ws)
{
	if (ws->state == WS_HTTP)
		ws_handshake_timeout(ws);
	ws_reading(ws, 1);
	if (evbuffer_get_length(ws->out) != 0)
		event_active(ws->push, 0, 0);
	if (evbuffer_get_length(bufferevent_get_input(ws->bev)) != 0)
		ws_input(ws);
}
