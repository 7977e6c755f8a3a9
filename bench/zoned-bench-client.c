/*
 * One benchmark client: a ticket from the control plane, a non-blocking
 * TCP connection, the WebSocket upgrade (parsed here), then wslay in
 * client mode carrying Engine.IO v4 and Socket.IO v5, as a browser with
 * socket.io-client and transports: ["websocket"] would. Once welcomed it
 * random-walks and times each input until a state shows it applied.
 *
 * Nothing here is freed inside a wslay callback: callbacks only set
 * c->error, and client_after() closes the client once wslay returned.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/http.h>
#include <json-c/json.h>
#include <openssl/evp.h>
#include <wslay/wslay.h>

#include "delta.h"
#include "eio.h"
#include "sio.h"
#include "xmalloc.h"
#include "zoned-bench-common.h"

#define CLIENT_HS_MAX		4096	/* bytes of an upgrade answer */
#define CLIENT_MSG_MAX		(64 * 1024 * 1024) /* JSON state, big area */
#define CLIENT_EDGE		48.0	/* from the map's edge: turn back */
#define CLIENT_RETRIES		40	/* 409s before a ticket is given up */
#define CLIENT_RETRY_MS		500
#define CLIENT_TICKET_TTL	120000	/* ms */
#define CLIENT_WS_GUID		"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

static void	client_ticket(struct client *);

/* splitmix64: small, seedable, good enough to walk at random. */
static uint64_t
client_rand(uint64_t *s)
{
	uint64_t	z;

	z = (*s += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return (z ^ (z >> 31));
}

/* Uniform in [0, 1). */
static double
client_unit(uint64_t *s)
{
	return ((double)(client_rand(s) >> 11) * 0x1.0p-53);
}

/* Marks c to be closed once the current wslay call returns. */
static void
client_error(struct client *c, const char *cause)
{
	if (!c->error) {
		c->error = 1;
		c->cause = cause;
	}
}

/*
 * Ends c: a client that never joined failed, one that had joined is
 * gone. Not from inside a wslay callback (see client_error).
 */
void
client_close(struct client *c, const char *cause)
{
	enum client_state	 was = c->state;

	if (was == CLIENT_IDLE || was == CLIENT_FAILED || was == CLIENT_GONE)
		return;
	if (c->rev != NULL)
		event_del(c->rev);
	if (c->wev != NULL)
		event_del(c->wev);
	if (c->ws != NULL) {
		wslay_event_context_free(c->ws);
		c->ws = NULL;
	}
	if (c->fd != -1) {
		close(c->fd);
		c->fd = -1;
	}
	free(c->hs);
	c->hs = NULL;
	free(c->pre);
	c->pre = NULL;
	c->prelen = c->preoff = 0;
	c->cause = cause;
	if (was == CLIENT_PLAYING) {
		c->state = CLIENT_GONE;
		bench_client_gone(c);
	} else {
		c->state = CLIENT_FAILED;
		bench_client_failed(c);
	}
}

/* Everything c holds; after client_close. */
void
client_free(struct client *c)
{
	if (c->rev != NULL)
		event_free(c->rev);
	if (c->wev != NULL)
		event_free(c->wev);
	c->rev = c->wev = NULL;
	if (c->ws != NULL)
		wslay_event_context_free(c->ws);
	c->ws = NULL;
	if (c->fd != -1)
		close(c->fd);
	c->fd = -1;
	free(c->hs);
	free(c->pre);
	c->hs = NULL;
	c->pre = NULL;
	delta_view_free(&c->view);
}

/*
 * After anything that may have used wslay: close on error, have the
 * write event follow wslay's output, notice the end of the connection.
 */
static void
client_after(struct client *c)
{
	if (c->state == CLIENT_FAILED || c->state == CLIENT_GONE)
		return;
	if (c->error) {
		client_close(c, c->cause);
		return;
	}
	if (c->ws == NULL)
		return;
	if (wslay_event_want_write(c->ws)) {
		if (wslay_event_send(c->ws) != 0) {
			client_close(c, c->error ? c->cause :
			    "WebSocket send failed");
			return;
		}
	}
	if (wslay_event_want_write(c->ws))
		event_add(c->wev, NULL);
	else if (!wslay_event_want_read(c->ws))
		client_close(c, c->error ? c->cause :
		    "connection closed");
}

/* Queues one text message; sent by client_after. */
static void
client_send_text(struct client *c, const char *s, size_t len)
{
	struct wslay_event_msg	m;

	m.opcode = WSLAY_TEXT_FRAME;
	m.msg = (const uint8_t *)s;
	m.msg_length = len;
	if (wslay_event_queue_msg(c->ws, &m) != 0)
		client_error(c, "WebSocket queue refused a message");
	if (c->b->measuring)
		c->win.sent_bytes += len;
}

/* ---- WebSocket, wslay callbacks -------------------------------------- */

static ssize_t
client_ws_recv_cb(wslay_event_context_ptr ctx, uint8_t *buf, size_t len,
    int flags, void *arg)
{
	struct client	*c = arg;
	ssize_t		 n;

	/* First what came with the upgrade answer. */
	if (c->preoff < c->prelen) {
		n = (ssize_t)(c->prelen - c->preoff < len ?
		    c->prelen - c->preoff : len);
		memcpy(buf, c->pre + c->preoff, (size_t)n);
		c->preoff += (size_t)n;
		return (n);
	}
	/*
	 * wslay reads until it would block. After a short read the socket
	 * is most likely empty: say so without the read() that would tell,
	 * which halves the reads. Anything that comes later wakes the
	 * (level-triggered) read event again.
	 */
	if (c->drained) {
		wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
		return (-1);
	}
	do
		n = read(c->fd, buf, len);
	while (n == -1 && errno == EINTR);
	if (n == -1) {
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			c->drained = 1;
			wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
			return (-1);
		}
		client_error(c, errno == ECONNRESET ?
		    "connection reset by the server" : "read failed");
		wslay_event_set_error(ctx, WSLAY_ERR_CALLBACK_FAILURE);
		return (-1);
	}
	if (n == 0) {
		client_error(c, "connection closed by the server");
		wslay_event_set_error(ctx, WSLAY_ERR_CALLBACK_FAILURE);
		return (-1);
	}
	if ((size_t)n < len)
		c->drained = 1;
	if (c->b->measuring)
		c->win.tcp_bytes += (uint64_t)n;
	return (n);
}

static ssize_t
client_ws_send_cb(wslay_event_context_ptr ctx, const uint8_t *data,
    size_t len, int flags, void *arg)
{
	struct client	*c = arg;
	ssize_t		 n;

	do
		n = send(c->fd, data, len, MSG_NOSIGNAL);
	while (n == -1 && errno == EINTR);
	if (n == -1) {
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
			return (-1);
		}
		client_error(c, "write failed");
		wslay_event_set_error(ctx, WSLAY_ERR_CALLBACK_FAILURE);
		return (-1);
	}
	return (n);
}

/*
 * Client frames must be masked. The key need not be unpredictable here:
 * masking protects proxies from scripts in browsers, and our peer is the
 * server under test.
 */
static int
client_ws_genmask_cb(wslay_event_context_ptr ctx, uint8_t *buf, size_t len,
    void *arg)
{
	struct client	*c = arg;
	uint64_t	 r = 0;
	size_t		 i;

	for (i = 0; i < len; i++) {
		if (i % 8 == 0)
			r = client_rand(&c->b->mask_rng);
		buf[i] = (uint8_t)(r >> (8 * (i % 8)));
	}
	return (0);
}

/* ---- what the server says --------------------------------------------- */

/* The unsigned number after key in d[0..len), or -1. */
static int
client_find_u64(const char *d, size_t len, const char *key, uint64_t *v)
{
	const char	*p, *end = d + len;
	size_t		 klen = strlen(key);

	if ((p = memmem(d, len, key, klen)) == NULL)
		return (-1);
	p += klen;
	if (p >= end || *p < '0' || *p > '9')
		return (-1);
	*v = 0;
	while (p < end && *p >= '0' && *p <= '9')
		*v = *v * 10 + (uint64_t)(*p++ - '0');
	return (0);
}

/*
 * A state with last applied input seq: every input up to it is visible,
 * and the time since it was sent is its latency.
 */
static void
client_applied(struct client *c, uint64_t seq)
{
	struct bench	*b = c->b;
	uint64_t	 t;

	while (c->sent_n != 0 && c->sent[c->sent_head].seq <= seq) {
		t = c->sent[c->sent_head].t;
		if (b->t0 != 0 && t >= b->t0 && (b->t1 == 0 || t < b->t1))
			hist_add(&b->latency, b->now - t);
		c->sent_head = (c->sent_head + 1) % BENCH_LAT_RING;
		c->sent_n--;
	}
}

/* The delta attachment: decoded into c's view, or just its header. */
static void
client_on_delta(struct client *c, const uint8_t *p, size_t len)
{
	struct bench			*b = c->b;
	const struct delta_seen		*me;
	uint64_t			 v[2];
	size_t				 i = 1, k, shift;
	char				*cause = NULL;

	b->deltas++;
	if (c->full) {
		if (delta_decode(&c->view, p, len, &cause) != 0) {
			b->decode_errors++;
			bench_warn(b, "client %u: delta refused: %s", c->idx,
			    cause != NULL ? cause : "?");
			free(cause);
			return;
		}
		if ((me = delta_view_find(&c->view, c->player)) != NULL) {
			c->x = (double)me->f.xq / DELTA_QSCALE;
			c->y = (double)me->f.yq / DELTA_QSCALE;
			c->t_moved = b->now;
		}
		b->delta_version = DELTA_VERSION;
		bench_client_state(c, c->view.tick, c->view.n);
		client_applied(c, c->view.seq);
		return;
	}
	/* Header only: version, then tick and seq as LEB128. */
	if (len < 1 || p[0] != DELTA_VERSION)
		goto bad;
	for (k = 0; k < 2; k++) {
		v[k] = 0;
		for (shift = 0; ; shift += 7) {
			if (i >= len || shift > 63)
				goto bad;
			v[k] |= (uint64_t)(p[i] & 0x7f) << shift;
			if ((p[i++] & 0x80) == 0)
				break;
		}
	}
	b->delta_version = p[0];
	bench_client_state(c, v[0], 0);
	client_applied(c, v[1]);
	return;
bad:
	b->decode_errors++;
	bench_warn(b, "client %u: delta header refused", c->idx);
}

/* 42["welcome",{...}]: the player's id, where it is, how states come. */
static void
client_on_welcome(struct client *c, const char *d, size_t len)
{
	struct bench		*b = c->b;
	struct json_tokener	*tok;
	struct json_object	*args, *w, *v, *sync;
	double			 a;

	tok = json_tokener_new();
	args = json_tokener_parse_ex(tok, d, (int)len);
	json_tokener_free(tok);
	if (args == NULL || !json_object_is_type(args, json_type_array) ||
	    (w = json_object_array_get_idx(args, 1)) == NULL ||
	    !json_object_is_type(w, json_type_object) ||
	    !json_object_object_get_ex(w, "id", &v)) {
		json_object_put(args);
		b->decode_errors++;
		client_error(c, "welcome without an id");
		return;
	}
	c->player = (uint32_t)json_object_get_int64(v);
	if (json_object_object_get_ex(w, "x", &v))
		c->x = json_object_get_double(v);
	if (json_object_object_get_ex(w, "y", &v))
		c->y = json_object_get_double(v);
	c->speed = SCENARIO_SPEED;
	if (json_object_object_get_ex(w, "speed", &v))
		c->speed = json_object_get_double(v);
	if (b->tick_hz == 0 && json_object_object_get_ex(w, "tick_hz", &v))
		b->tick_hz = json_object_get_int(v);
	if (b->format[0] == '\0') {
		if (json_object_object_get_ex(w, "sync", &sync) &&
		    json_object_object_get_ex(sync, "format", &v))
			snprintf(b->format, sizeof b->format, "%s",
			    json_object_get_string(v));
		else
			snprintf(b->format, sizeof b->format, "json");
		if (json_object_object_get_ex(w, "sync", &sync) &&
		    json_object_object_get_ex(sync, "view_radius", &v))
			b->view_radius = (long)json_object_get_int64(v);
	}
	json_object_put(args);

	/* Each walker at its own phase, from its own seed. */
	a = client_unit(&c->rng) * 2 * M_PI;
	c->dx = cos(a);
	c->dy = sin(a);
	c->t_moved = b->now;
	c->t_turn = b->now + (uint64_t)(client_unit(&c->rng) *
	    SCENARIO_TURN_MS * 1000);
	if (b->input_ms != 0)
		c->t_input = b->now + (uint64_t)(client_unit(&c->rng) *
		    b->input_ms * 1000);
	else
		c->t_input = UINT64_MAX;	/* on turns only */
	c->state = CLIENT_PLAYING;
	bench_client_joined(c);
}

/* A Socket.IO EVENT; only the welcome is parsed as JSON. */
static void
client_on_event(struct client *c, const char *d, size_t len)
{
	struct bench	*b = c->b;
	uint64_t	 tick, seq;
	size_t		 head = len < 96 ? len : 96;

#define CLIENT_IS(s)	(len >= sizeof s - 1 && memcmp(d, s, sizeof s - 1) == 0)
	if (CLIENT_IS("[\"state\",")) {
		/* The whole area each tick: only tick and seq are read. */
		b->json_states++;
		if (client_find_u64(d, head, "\"tick\":", &tick) != 0 ||
		    client_find_u64(d, head, "\"seq\":", &seq) != 0) {
			b->decode_errors++;
			bench_warn(b, "client %u: state without tick or seq",
			    c->idx);
			return;
		}
		bench_client_state(c, tick, 0);
		client_applied(c, seq);
	} else if (CLIENT_IS("[\"welcome\",")) {
		if (c->state == CLIENT_JOINING)
			client_on_welcome(c, d, len);
	} else if (CLIENT_IS("[\"events\",")) {
		b->events++;
	} else if (CLIENT_IS("[\"error\",")) {
		b->error_events++;
		bench_warn(b, "client %u: server error event: %.*s", c->idx,
		    (int)(len < 200 ? len : 200), d);
	}
#undef CLIENT_IS
}

static void
client_on_sio(struct client *c, const char *d, size_t len)
{
	struct bench		*b = c->b;
	struct sio_packet	 p;
	const char		*cause;

	if (sio_decode(d, len, &p, &cause) != 0) {
		b->decode_errors++;
		bench_warn(b, "client %u: Socket.IO packet refused: %s",
		    c->idx, cause);
		return;
	}
	switch (p.type) {
	case SIO_CONNECT:
		break;
	case SIO_CONNECT_ERROR:
		bench_warn(b, "client %u: ticket refused: %.*s", c->idx,
		    (int)(p.data_len < 200 ? p.data_len : 200), p.data);
		client_error(c, "CONNECT refused");
		break;
	case SIO_DISCONNECT:
		client_error(c, "disconnected by the server");
		break;
	case SIO_EVENT:
		client_on_event(c, p.data, p.data_len);
		break;
	case SIO_BINARY_EVENT:
		if (p.attachments == 1 && p.data_len >= 8 &&
		    memcmp(p.data, "[\"delta\"", 8) == 0)
			c->want_delta = 1;
		else
			c->skip_att += p.attachments;
		break;
	default:
		break;
	}
}

static void
client_on_text(struct client *c, const char *d, size_t len)
{
	struct bench	*b = c->b;
	enum eio_type	 type;
	const char	*p;
	size_t		 plen;
	char		*msg;
	int		 n;

	if (eio_decode(d, len, &type, &p, &plen) != 0) {
		b->decode_errors++;
		bench_warn(b, "client %u: Engine.IO packet refused", c->idx);
		return;
	}
	switch (type) {
	case EIO_OPEN:
		if (c->state != CLIENT_OPENING)
			break;
		n = xasprintf(&msg, "40{\"ticket\":\"%s\"}", c->ticket);
		client_send_text(c, msg, (size_t)n);
		free(msg);
		c->state = CLIENT_JOINING;
		break;
	case EIO_PING:
		client_send_text(c, "3", 1);
		break;
	case EIO_CLOSE:
		client_error(c, "Engine.IO close from the server");
		break;
	case EIO_MESSAGE:
		client_on_sio(c, p, plen);
		break;
	default:
		break;
	}
}

static void
client_ws_msg_cb(wslay_event_context_ptr ctx,
    const struct wslay_event_on_msg_recv_arg *m, void *arg)
{
	struct client	*c = arg;
	struct bench	*b = c->b;

	if (m->opcode == WSLAY_CONNECTION_CLOSE) {
		client_error(c, "WebSocket close from the server");
		return;
	}
	if (m->opcode != WSLAY_TEXT_FRAME && m->opcode != WSLAY_BINARY_FRAME)
		return;			/* ping, pong: wslay answers */
	if (b->measuring) {
		c->win.msgs++;
		c->win.ws_bytes += m->msg_length;
	}
	if (m->opcode == WSLAY_TEXT_FRAME) {
		client_on_text(c, (const char *)m->msg, m->msg_length);
		return;
	}
	if (c->want_delta) {
		c->want_delta = 0;
		client_on_delta(c, m->msg, m->msg_length);
	} else if (c->skip_att > 0)
		c->skip_att--;
	else {
		b->decode_errors++;
		bench_warn(b, "client %u: binary message with no event",
		    c->idx);
	}
}

static const struct wslay_event_callbacks client_ws_callbacks = {
	client_ws_recv_cb, client_ws_send_cb, client_ws_genmask_cb,
	NULL, NULL, NULL, client_ws_msg_cb
};

/* ---- the upgrade ------------------------------------------------------- */

/* base64(SHA-1(key GUID)): what the server must answer. */
static void
client_accept_key(const char *key, char out[32])
{
	unsigned char	 md[EVP_MAX_MD_SIZE];
	unsigned int	 mdlen;
	char		*s;

	xasprintf(&s, "%s%s", key, CLIENT_WS_GUID);
	EVP_Digest(s, strlen(s), md, &mdlen, EVP_sha1(), NULL);
	free(s);
	EVP_EncodeBlock((unsigned char *)out, md, (int)mdlen);
}

/* The value of header name in the answer head[0..len), or NULL. */
static const char *
client_header(const char *head, size_t len, const char *name, size_t *vlen)
{
	const char	*line, *end = head + len, *eol, *v;
	size_t		 nlen = strlen(name);

	line = memchr(head, '\n', len);
	while (line != NULL && ++line < end) {
		if ((eol = memchr(line, '\n', (size_t)(end - line))) == NULL)
			eol = end;
		if ((size_t)(eol - line) > nlen && line[nlen] == ':' &&
		    strncasecmp(line, name, nlen) == 0) {
			v = line + nlen + 1;
			while (v < eol && (*v == ' ' || *v == '\t'))
				v++;
			*vlen = (size_t)(eol - v);
			while (*vlen > 0 && (v[*vlen - 1] == '\r' ||
			    v[*vlen - 1] == ' '))
				(*vlen)--;
			return (v);
		}
		line = eol;
	}
	return (NULL);
}

static void
client_upgrade_read(struct client *c)
{
	struct bench		*b = c->b;
	const char		*end, *v;
	char			 want[32];
	size_t			 hlen, vlen;
	ssize_t			 n;

	if (c->hs == NULL)
		c->hs = xmalloc(CLIENT_HS_MAX);
	do
		n = read(c->fd, c->hs + c->hslen, CLIENT_HS_MAX - c->hslen);
	while (n == -1 && errno == EINTR);
	if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return;
	if (n <= 0) {
		client_error(c, n == 0 ? "closed during the upgrade" :
		    "read failed during the upgrade");
		return;
	}
	c->hslen += (size_t)n;
	if ((end = memmem(c->hs, c->hslen, "\r\n\r\n", 4)) == NULL) {
		if (c->hslen == CLIENT_HS_MAX)
			client_error(c, "upgrade answer too long");
		return;
	}
	hlen = (size_t)(end + 4 - c->hs);
	if (c->hslen < 13 || memcmp(c->hs, "HTTP/1.1 101 ", 13) != 0) {
		v = memchr(c->hs, '\r', c->hslen);
		bench_warn(b, "client %u: upgrade refused: %.*s", c->idx,
		    (int)(v != NULL ? v - c->hs : 40), c->hs);
		client_error(c, "upgrade refused");
		return;
	}
	client_accept_key(c->key, want);
	if ((v = client_header(c->hs, hlen, "Sec-WebSocket-Accept",
	    &vlen)) == NULL || vlen != strlen(want) ||
	    memcmp(v, want, vlen) != 0) {
		client_error(c, "upgrade with a wrong Sec-WebSocket-Accept");
		return;
	}
	if (c->hslen > hlen) {
		c->prelen = c->hslen - hlen;
		c->pre = xmalloc(c->prelen);
		memcpy(c->pre, c->hs + hlen, c->prelen);
		c->preoff = 0;
	}
	free(c->hs);
	c->hs = NULL;
	c->hslen = 0;
	if (wslay_event_context_client_init(&c->ws, &client_ws_callbacks,
	    c) != 0) {
		c->ws = NULL;
		client_error(c, "wslay: out of memory");
		return;
	}
	wslay_event_config_set_max_recv_msg_length(c->ws, CLIENT_MSG_MAX);
	c->state = CLIENT_OPENING;
}

static void
client_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct client	*c = arg;

	c->b->now = bench_now();
	c->drained = 0;
	if (c->state == CLIENT_UPGRADING)
		client_upgrade_read(c);
	if (!c->error && c->ws != NULL && wslay_event_recv(c->ws) != 0)
		client_error(c, "WebSocket receive failed");
	client_after(c);
}

/* The upgrade request, once connected. */
static void
client_connected(struct client *c)
{
	struct bench	*b = c->b;
	uint8_t		 raw[16];
	char		*req;
	uint64_t	 r = 0;
	size_t		 i;
	ssize_t		 n;
	int		 len;

	for (i = 0; i < sizeof raw; i++) {
		if (i % 8 == 0)
			r = client_rand(&c->rng);
		raw[i] = (uint8_t)(r >> (8 * (i % 8)));
	}
	EVP_EncodeBlock((unsigned char *)c->key, raw, sizeof raw);
	len = xasprintf(&req, "GET /socket.io/?EIO=4&transport=websocket "
	    "HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\n"
	    "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
	    "Sec-WebSocket-Version: 13\r\n\r\n", b->cli_hostport, c->key);
	do
		n = send(c->fd, req, (size_t)len, MSG_NOSIGNAL);
	while (n == -1 && errno == EINTR);
	free(req);
	/* A few hundred bytes always fit a new socket's buffer. */
	if (n != len) {
		client_error(c, "could not send the upgrade request");
		return;
	}
	c->state = CLIENT_UPGRADING;
	event_add(c->rev, NULL);
}

static void
client_write_cb(evutil_socket_t fd, short what, void *arg)
{
	struct client	*c = arg;
	int		 err = 0;
	socklen_t	 len = sizeof err;

	c->b->now = bench_now();
	if (c->state == CLIENT_CONNECTING) {
		if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1 ||
		    err != 0) {
			bench_warn(c->b, "client %u: connect: %s", c->idx,
			    strerror(err != 0 ? err : errno));
			client_error(c, "connect failed");
		} else
			client_connected(c);
	}
	/* client_after sends what wslay holds. */
	client_after(c);
}

static void
client_connect(struct client *c)
{
	struct bench	*b = c->b;
	int		 one = 1;

	c->fd = socket(b->cli_addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (c->fd == -1) {
		bench_warn(b, "client %u: socket: %s", c->idx,
		    strerror(errno));
		client_close(c, "no socket");
		return;
	}
	/* Inputs are small and late ones are what we measure. */
	(void)setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	if (c->rev == NULL) {
		c->rev = event_new(b->base, c->fd, EV_READ | EV_PERSIST,
		    client_read_cb, c);
		c->wev = event_new(b->base, c->fd, EV_WRITE, client_write_cb,
		    c);
	} else {
		event_assign(c->rev, b->base, c->fd, EV_READ | EV_PERSIST,
		    client_read_cb, c);
		event_assign(c->wev, b->base, c->fd, EV_WRITE,
		    client_write_cb, c);
	}
	c->state = CLIENT_CONNECTING;
	if (connect(c->fd, (struct sockaddr *)&b->cli_addr,
	    b->cli_addrlen) == -1 && errno != EINPROGRESS) {
		bench_warn(b, "client %u: connect: %s", c->idx,
		    strerror(errno));
		client_close(c, "connect failed");
		return;
	}
	event_add(c->wev, NULL);
}

/* ---- the ticket --------------------------------------------------------- */

static void
client_ticket_cb(int status, const char *body, size_t len, void *arg)
{
	struct client	*c = arg;
	struct bench	*b = c->b;
	char		 what[64];

	if (c->state != CLIENT_TICKET)
		return;
	if (status == 201) {
		bench_client_ticket_done(c);
		client_connect(c);
		return;
	}
	/*
	 * 409 can be passing: the character may still be written back
	 * from an earlier run. Try again for a while.
	 */
	if (status == 409 && c->retries < CLIENT_RETRIES &&
	    b->now < c->t_deadline) {
		c->retries++;
		c->state = CLIENT_RETRY;
		c->t_retry = b->now + CLIENT_RETRY_MS * 1000;
		return;
	}
	bench_warn(b, "client %u: POST /v1/pending: %s %.*s", c->idx,
	    ctl_what(status, what, sizeof what), (int)(len < 200 ? len : 200),
	    body);
	bench_client_ticket_done(c);
	client_close(c, "no ticket");
}

static void
client_ticket(struct client *c)
{
	struct bench	*b = c->b;
	char		*body;

	c->state = CLIENT_TICKET;
	xasprintf(&body, "{\"ticket\":\"%s\",\"character_id\":\"%s%u\","
	    "\"expires_ms\":%d}", c->ticket, b->prefix, c->idx,
	    CLIENT_TICKET_TTL);
	ctl_request(b, EVHTTP_REQ_POST, "/v1/pending", body,
	    (int)b->join_timeout, client_ticket_cb, c);
	free(body);
}

/* Asks for c's ticket: the start of its join. */
void
client_start(struct client *c)
{
	struct bench	*b = c->b;

	c->t_ticket = b->now;
	c->t_deadline = b->now + (uint64_t)b->join_timeout * 1000000;
	snprintf(c->ticket, sizeof c->ticket, "zb-%ld-%llx-%u",
	    (long)getpid(), (unsigned long long)(b->seed & 0xffffffff),
	    c->idx);
	client_ticket(c);
}

/* ---- walking ------------------------------------------------------------ */

static void
client_send_input(struct client *c, uint64_t now)
{
	struct bench	*b = c->b;
	char		 msg[128];
	unsigned	 slot;
	int		 n;

	c->seq++;
	n = snprintf(msg, sizeof msg, "42[\"input\",{\"seq\":%llu,"
	    "\"dx\":%.4f,\"dy\":%.4f}]", (unsigned long long)c->seq, c->dx,
	    c->dy);
	client_send_text(c, msg, (size_t)n);
	if (c->sent_n == BENCH_LAT_RING) {
		/* No state for a long time: the oldest loses its sample. */
		c->sent_head = (c->sent_head + 1) % BENCH_LAT_RING;
		c->sent_n--;
		if (b->measuring)
			b->lat_lost++;
	}
	slot = (c->sent_head + c->sent_n) % BENCH_LAT_RING;
	c->sent[slot].seq = c->seq;
	c->sent[slot].t = now;
	c->sent_n++;
	if (b->measuring)
		c->win.inputs++;
}

/*
 * A random walk: a new direction every SCENARIO_TURN_MS +-25%, sent every
 * input_ms (or on change only); the position is reckoned from the speed
 * and corrected by the deltas, to turn back before the map's edge.
 */
static void
client_walk(struct client *c, uint64_t now)
{
	double		 dt = (double)(now - c->t_moved) / 1e6, a;
	double		 side = SCENARIO_SIDE;
	uint64_t	 period = (uint64_t)c->b->input_ms * 1000;
	int		 turn = 0, due;

	c->x += c->dx * c->speed * dt;
	c->y += c->dy * c->speed * dt;
	c->x = c->x < 0 ? 0 : c->x > side ? side : c->x;
	c->y = c->y < 0 ? 0 : c->y > side ? side : c->y;
	c->t_moved = now;
	if (now >= c->t_turn) {
		a = client_unit(&c->rng) * 2 * M_PI;
		c->dx = cos(a);
		c->dy = sin(a);
		c->t_turn = now + (uint64_t)((0.75 + 0.5 *
		    client_unit(&c->rng)) * SCENARIO_TURN_MS * 1000);
		turn = 1;
	}
	if ((c->x < CLIENT_EDGE && c->dx < 0) ||
	    (c->x > side - CLIENT_EDGE && c->dx > 0)) {
		c->dx = -c->dx;
		turn = 1;
	}
	if ((c->y < CLIENT_EDGE && c->dy < 0) ||
	    (c->y > side - CLIENT_EDGE && c->dy > 0)) {
		c->dy = -c->dy;
		turn = 1;
	}
	/* Inputs keep their cadence; a turn is sent at once, in between. */
	if ((due = now >= c->t_input)) {
		c->t_input += period;
		if (c->t_input <= now)
			c->t_input = now + period;
	}
	if (turn || due) {
		client_send_input(c, now);
		client_after(c);
	}
}

/* Called every BENCH_PACE_MS: retries, deadlines, walking. */
void
client_pace(struct client *c, uint64_t now)
{
	struct bench	*b = c->b;

	switch (c->state) {
	case CLIENT_RETRY:
		if (now >= c->t_retry)
			client_ticket(c);
		break;
	case CLIENT_CONNECTING:
	case CLIENT_UPGRADING:
	case CLIENT_OPENING:
	case CLIENT_JOINING:
		if (now > c->t_deadline) {
			bench_warn(b, "client %u: no welcome within %u s",
			    c->idx, b->join_timeout);
			client_close(c, "join timed out");
		}
		break;
	case CLIENT_PLAYING:
		if (b->phase >= BENCH_RAMP && b->phase <= BENCH_MEASURE)
			client_walk(c, now);
		break;
	default:
		break;
	}
}
