/*
 * Unit tests for ws.c: WebSocket connections on bufferevents, over a real
 * socketpair(AF_UNIX, SOCK_STREAM). One end is the server's (ws_new on an
 * event_base), the other is driven by hand here: it writes the upgrade
 * request and parses the server's frames itself, so a wrong header, a
 * frame out of order or a byte lost fails a test.
 *
 * ws.c writes its output itself (one write(2) a loop pass, or at once by
 * ws_write_now) and leaves to the bufferevent only what the socket does
 * not take. Small socket buffers and a peer that reads late make that
 * hand-over happen for real. Last, a migration's side of it: a copy of
 * the socket elsewhere, and connections made ready before a restore.
 */
#include "config.h"

#include <check.h>

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "httpup.h"
#include "snapfmt.h"
#include "ticker.h"
#include "ws.h"

#define TIMEOUT		10000	/* ms, for anything that must happen */
#define SMALLBUF	4096	/* socket buffers that fill at once */

#define OP_TEXT		0x1
#define OP_BINARY	0x2
#define OP_CLOSE	0x8

static const char upgrade_request[] =
    "GET /ws?client=test HTTP/1.1\r\n"
    "Host: localhost\r\n"
    "Upgrade: websocket\r\n"
    "Connection: Upgrade\r\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
    "Sec-WebSocket-Version: 13\r\n"
    "\r\n";

/* RFC 6455 section 1.3: the answer to the key above. */
#define ACCEPT_HEADER	"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"

/* One connection: the server's ws and the test's end of the pair. */
struct conn {
	struct event_base	*base;
	struct ws		*ws;
	struct ws_config	 config;
	int			 peer;		/* the test's end */
	int			 requests;
	int			 opened;
	int			 messages;
	int			 closed;	/* times the callback ran */
	char			*reason;	/* what it said */
	char			 path[256];
	/* What the peer read and has not parsed yet. */
	uint8_t			*in;
	size_t			 inlen;
	size_t			 insize;
	int			 eof;		/* the server shut down or closed */
};

/* A frame as the peer parsed it; payload is a copy to free. */
struct frame {
	int		 fin;
	int		 opcode;
	uint8_t		*payload;
	size_t		 len;
};

/* ---- the server's callbacks ---- */

static int
cb_request(struct ws *ws, const struct httpup *req, void *arg, int *status,
    char **body)
{
	struct conn	*c = arg;

	c->requests++;
	snprintf(c->path, sizeof c->path, "%s", req->path);
	return (0);
}

static void
cb_open(struct ws *ws, void *arg)
{
	struct conn	*c = arg;

	c->opened++;
}

static void
cb_message(struct ws *ws, int binary, const uint8_t *data, size_t len,
    void *arg)
{
	struct conn	*c = arg;

	c->messages++;
}

static void
cb_closed(struct ws *ws, const char *reason, void *arg)
{
	struct conn	*c = arg;

	c->closed++;
	free(c->reason);
	c->reason = strdup(reason != NULL ? reason : "(null)");
	ck_assert_ptr_nonnull(c->reason);
}

static const struct ws_callbacks callbacks = {
	cb_request, cb_open, cb_message, cb_closed
};

/* ---- the peer ---- */

/* Reads what is there without waiting; returns the bytes read. */
static size_t
peer_read(struct conn *c)
{
	uint8_t	buf[65536];
	ssize_t	r;
	size_t	total = 0;

	for (;;) {
		r = recv(c->peer, buf, sizeof buf, MSG_DONTWAIT);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (r <= 0) {
			/* EOF, or a reset: the server is gone either way. */
			c->eof = 1;
			break;
		}
		if (c->inlen + (size_t)r > c->insize) {
			c->insize = (c->inlen + (size_t)r) * 2;
			c->in = realloc(c->in, c->insize);
			ck_assert_ptr_nonnull(c->in);
		}
		memcpy(c->in + c->inlen, buf, (size_t)r);
		c->inlen += (size_t)r;
		total += (size_t)r;
	}
	return (total);
}

static void
peer_write(struct conn *c, const void *data, size_t len)
{
	const uint8_t	*p = data;
	ssize_t		 w;

	while (len > 0) {
		w = send(c->peer, p, len, MSG_NOSIGNAL);
		if (w == -1 && errno == EINTR)
			continue;
		ck_assert_msg(w > 0, "peer write: %s", strerror(errno));
		p += w;
		len -= (size_t)w;
	}
}

static void
peer_consume(struct conn *c, size_t n)
{
	memmove(c->in, c->in + n, c->inlen - n);
	c->inlen -= n;
}

/*
 * Takes the first whole frame the peer holds; 0 if there is none yet.
 * Server frames are unmasked, with no RSV bits, and their length in the
 * fewest bytes (RFC 6455 section 5.2): anything else fails here.
 */
static int
peer_frame(struct conn *c, struct frame *f)
{
	const uint8_t	*b = c->in;
	uint64_t	 len;
	size_t		 hlen = 2, i;

	if (c->inlen < 2)
		return (0);
	ck_assert_msg((b[0] & 0x70) == 0, "RSV bits set: 0x%02x", b[0]);
	ck_assert_msg((b[1] & 0x80) == 0, "server frame is masked");
	len = b[1] & 0x7f;
	if (len == 126)
		hlen = 4;
	else if (len == 127)
		hlen = 10;
	if (c->inlen < hlen)
		return (0);
	if (len == 126) {
		len = (uint64_t)b[2] << 8 | b[3];
		ck_assert_msg(len >= 126, "16-bit length %llu fits in 7 bits",
		    (unsigned long long)len);
	} else if (len == 127) {
		for (len = 0, i = 0; i < 8; i++)
			len = len << 8 | b[2 + i];
		ck_assert_msg(len > 0xffff && len >> 63 == 0,
		    "bad 64-bit length %llu", (unsigned long long)len);
	}
	if (c->inlen - hlen < len)
		return (0);
	f->fin = (b[0] & 0x80) != 0;
	f->opcode = b[0] & 0x0f;
	f->len = (size_t)len;
	f->payload = malloc(f->len + 1);
	ck_assert_ptr_nonnull(f->payload);
	memcpy(f->payload, b + hlen, f->len);
	f->payload[f->len] = '\0';
	peer_consume(c, hlen + f->len);
	return (1);
}

/* The peer's end of a close: a masked close frame, as a client sends. */
static void
peer_send_close(struct conn *c, uint16_t code)
{
	uint8_t	m[8] = { 0x80 | OP_CLOSE, 0x80 | 2, 0x12, 0x34, 0x56, 0x78 };

	m[6] = (uint8_t)(code >> 8) ^ m[2];
	m[7] = (uint8_t)code ^ m[3];
	peer_write(c, m, sizeof m);
}

/* ---- the loop ---- */

static void
loop_once(struct conn *c)
{
	ck_assert_int_ne(event_base_loop(c->base, EVLOOP_NONBLOCK), -1);
}

/*
 * Runs the loop (the peer reading too, if reading) until done(c) holds;
 * fails after TIMEOUT. Between passes with nothing done it naps 1 ms, so
 * the test does not spin while the other side gets ready.
 */
static void
run_until(struct conn *c, int (*done)(struct conn *), int reading,
    const char *what)
{
	uint64_t	start = monotonic_ms();

	for (;;) {
		loop_once(c);
		if (reading)
			peer_read(c);
		if (done(c))
			return;
		ck_assert_msg(monotonic_ms() - start < TIMEOUT, "timed out waiting "
		    "for %s", what);
		poll(NULL, 0, 1);
	}
}

static int
done_handshake(struct conn *c)
{
	return (c->opened > 0 && c->inlen >= 4 &&
	    memmem(c->in, c->inlen, "\r\n\r\n", 4) != NULL);
}

static int
done_closed(struct conn *c)
{
	return (c->closed > 0);
}

static int
done_frame(struct conn *c)
{
	return (c->inlen >= 2);
}

static int
done_eof(struct conn *c)
{
	return (c->eof);
}

static void
set_buf(int fd, int opt, int size)
{
	ck_assert_int_eq(setsockopt(fd, SOL_SOCKET, opt, &size, sizeof size),
	    0);
}

/*
 * A connection through its upgrade: the 101 answer is read and checked,
 * the open callback ran. With small, the server's send buffer and the
 * peer's receive buffer are SMALLBUF (set before ws_new, as a client that
 * reads slowly over a slow link).
 */
static void
conn_open(struct conn *c, size_t output_limit, int small)
{
	const char	*head, *end;
	int		 sv[2];

	memset(c, 0, sizeof *c);
	c->config.max_message = 1024 * 1024;
	c->config.output_limit = output_limit;
	c->config.handshake_ms = TIMEOUT;
	c->base = event_base_new();
	ck_assert_ptr_nonnull(c->base);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	if (small) {
		set_buf(sv[0], SO_SNDBUF, SMALLBUF);
		set_buf(sv[1], SO_RCVBUF, SMALLBUF);
	}
	c->peer = sv[1];
	c->ws = ws_new(c->base, sv[0], &c->config, &callbacks, c);
	ck_assert_ptr_nonnull(c->ws);

	peer_write(c, upgrade_request, sizeof upgrade_request - 1);
	run_until(c, done_handshake, 1, "the 101 answer");
	ck_assert_int_eq(c->requests, 1);
	ck_assert_int_eq(c->opened, 1);
	ck_assert_int_eq(c->closed, 0);
	ck_assert_str_eq(c->path, "/ws");

	head = (const char *)c->in;
	end = memmem(head, c->inlen, "\r\n\r\n", 4);
	ck_assert_msg(strncmp(head, "HTTP/1.1 101 ", 13) == 0,
	    "answer: %.*s", (int)(end - head), head);
	ck_assert_msg(memmem(head, (size_t)(end - head) + 2, ACCEPT_HEADER,
	    strlen(ACCEPT_HEADER)) != NULL, "no or wrong accept key in: %.*s",
	    (int)(end - head), head);
	/* Nothing was sent yet, so nothing may follow the head. */
	ck_assert_uint_eq(c->inlen, (size_t)(end - head) + 4);
	peer_consume(c, c->inlen);
	ck_assert_uint_eq(ws_output_queued(c->ws), 0);
}

static void
conn_free(struct conn *c)
{
	ws_free(c->ws);
	event_base_free(c->base);
	if (c->peer != -1)
		close(c->peer);
	free(c->in);
	free(c->reason);
}

static void
peer_close(struct conn *c)
{
	ck_assert_int_eq(close(c->peer), 0);
	c->peer = -1;
}

/* The next frame must be there already and be this one. */
static void
expect_frame(struct conn *c, int opcode, const void *data, size_t len)
{
	struct frame	f;

	ck_assert_msg(peer_frame(c, &f), "no whole frame (%zu bytes held)",
	    c->inlen);
	ck_assert_int_eq(f.fin, 1);
	ck_assert_int_eq(f.opcode, opcode);
	ck_assert_uint_eq(f.len, len);
	ck_assert_msg(memcmp(f.payload, data, len) == 0,
	    "payload of %zu bytes differs", len);
	free(f.payload);
}

/* ---- small messages: one write a loop pass, or at once ---- */

START_TEST(test_small_messages)
{
	struct conn	 c;
	char		*mid, *big;
	size_t		 midlen = 300, biglen = 70000;

	/* 7-bit, 16-bit and 64-bit lengths. */
	mid = malloc(midlen);
	big = malloc(biglen);
	ck_assert_ptr_nonnull(mid);
	ck_assert_ptr_nonnull(big);
	memset(mid, 'm', midlen);
	memset(big, 'b', biglen);
	big[0] = '<';
	big[biglen - 1] = '>';

	conn_open(&c, 1024 * 1024, 0);
	ck_assert_int_eq(ws_send(c.ws, 0, "hello", 5), 0);
	ck_assert_int_eq(ws_send(c.ws, 0, mid, midlen), 0);
	ck_assert_int_eq(ws_send(c.ws, 0, big, biglen), 0);
	/* Queued, not written: that waits for the loop. */
	ck_assert_uint_eq(ws_output_queued(c.ws), 2 + 5 + 4 + midlen + 10 +
	    biglen);
	ck_assert_uint_eq(peer_read(&c), 0);

	/* One pass writes all three. */
	loop_once(&c);
	ck_assert_uint_eq(ws_output_queued(c.ws), 0);
	peer_read(&c);
	expect_frame(&c, OP_TEXT, "hello", 5);
	expect_frame(&c, OP_TEXT, mid, midlen);
	expect_frame(&c, OP_TEXT, big, biglen);
	ck_assert_uint_eq(c.inlen, 0);

	/* A tick's path: ws_write_now writes without the loop. */
	ck_assert_int_eq(ws_send_parts(c.ws, 1, "head:", 5, "body", 4), 0);
	ws_write_now(c.ws);
	ck_assert_uint_eq(ws_output_queued(c.ws), 0);
	ck_assert_uint_eq(peer_read(&c), 2 + 9);
	expect_frame(&c, OP_BINARY, "head:body", 9);

	/* The pass that follows has nothing left to write: no repeat. */
	loop_once(&c);
	ck_assert_uint_eq(peer_read(&c), 0);
	ck_assert_int_eq(c.closed, 0);
	ck_assert_int_eq(c.eof, 0);

	conn_free(&c);
	free(mid);
	free(big);
}
END_TEST

/*
 * Small frames are lent to the output from the connection's own room
 * (ws.c's struct ws_area), copied once the room is full, and the room is
 * reused once written. Many of them, of many sizes, with the peer reading
 * late (small socket buffers: the bufferevent holds some), arrive whole
 * and in order; then the connection is freed with lent frames unwritten
 * (the room outlives it: ASan sees a use after free or a leak).
 */
static void
small_message(uint8_t *p, size_t len, unsigned i)
{
	size_t	j;

	for (j = 0; j < len; j++)
		p[j] = (uint8_t)(i * 31 + j * 3);
}

START_TEST(test_small_frames_lent)
{
	struct conn	 c;
	struct frame	 f;
	uint8_t		 msg[700];
	size_t		 len[600];
	unsigned	 sent = 0, got = 0, i, pass = 0;
	uint64_t	 start;

	conn_open(&c, 64 * 1024 * 1024, 1);
	for (i = 0; i < 600; i++)
		len[i] = 1 + (i * 37) % 650;
	start = monotonic_ms();
	while (got < 600) {
		/* A burst, then maybe a write at once, then the loop. */
		for (i = 0; i < 7 && sent < 600; i++, sent++) {
			small_message(msg, len[sent], sent);
			ck_assert_int_eq(ws_send(c.ws, sent % 2, msg,
			    len[sent]), 0);
		}
		if (sent % 3 == 0)
			ws_write_now(c.ws);
		loop_once(&c);
		if (++pass % 5 != 0)	/* the peer reads late */
			peer_read(&c);
		while (peer_frame(&c, &f)) {
			ck_assert_uint_lt(got, sent);
			ck_assert_int_eq(f.opcode, got % 2 ? OP_BINARY :
			    OP_TEXT);
			ck_assert_uint_eq(f.len, len[got]);
			small_message(msg, len[got], got);
			ck_assert_msg(memcmp(f.payload, msg, len[got]) == 0,
			    "frame %u differs", got);
			free(f.payload);
			got++;
		}
		ck_assert_msg(c.closed == 0, "closed: %s", c.reason);
		ck_assert_msg(monotonic_ms() - start < TIMEOUT, "%u of 600 "
		    "frames", got);
	}
	/* Freed with frames lent and unwritten. */
	for (i = 0; i < 20; i++) {
		small_message(msg, 100, i);
		ck_assert_int_eq(ws_send(c.ws, 1, msg, 100), 0);
	}
	conn_free(&c);
}
END_TEST

/* ---- backpressure: the bufferevent writes, then hands back ---- */

#define NBIG		200
#define BIGSIZE		(16 * 1024)

/* Message i: its index in the first two bytes, then a pattern of i. */
static void
big_message(uint8_t *p, unsigned i)
{
	size_t	j;

	p[0] = (uint8_t)(i >> 8);
	p[1] = (uint8_t)i;
	for (j = 2; j < BIGSIZE; j++)
		p[j] = (uint8_t)(i * 131 + j * 7 + (j >> 8));
}

START_TEST(test_backpressure)
{
	struct conn	 c;
	struct frame	 f;
	uint8_t		*want;
	unsigned	 sent = 0, got = 0, i;
	uint64_t	 start;

	want = malloc(BIGSIZE);
	ck_assert_ptr_nonnull(want);
	conn_open(&c, 64 * 1024 * 1024, 1);

	/* Half now: far more than the socket takes. */
	for (; sent < NBIG / 2; sent++) {
		big_message(want, sent);
		ck_assert_int_eq(ws_send(c.ws, 1, want, BIGSIZE), 0);
	}
	loop_once(&c);
	ck_assert_msg(ws_output_queued(c.ws) > 0 &&
	    ws_output_queued(c.ws) < NBIG / 2 * (BIGSIZE + 4),
	    "queued %zu of %u: the socket should take some, not all",
	    ws_output_queued(c.ws), (unsigned)(NBIG / 2 * (BIGSIZE + 4)));

	/*
	 * The peer reads as the loop writes. The other half is sent while
	 * the bufferevent still has the output: it must follow, in order,
	 * and ws_write_now must not jump the queue.
	 */
	start = monotonic_ms();
	while (got < NBIG) {
		loop_once(&c);
		peer_read(&c);
		while (peer_frame(&c, &f)) {
			ck_assert_msg(got < sent, "frame %u of %u sent", got,
			    sent);
			ck_assert_int_eq(f.fin, 1);
			ck_assert_int_eq(f.opcode, OP_BINARY);
			ck_assert_uint_eq(f.len, BIGSIZE);
			big_message(want, got);
			ck_assert_msg(memcmp(f.payload, want, BIGSIZE) == 0,
			    "frame %u holds message %u's bytes or none", got,
			    (unsigned)(f.payload[0] << 8 | f.payload[1]));
			free(f.payload);
			got++;
		}
		if (got >= 20 && sent < NBIG) {
			ck_assert_msg(ws_output_queued(c.ws) > 0,
			    "drained too soon for this test");
			for (; sent < NBIG; sent++) {
				big_message(want, sent);
				ck_assert_int_eq(ws_send(c.ws, 1, want,
				    BIGSIZE), 0);
			}
			ws_write_now(c.ws);
		}
		ck_assert_int_eq(c.closed, 0);
		ck_assert_msg(monotonic_ms() - start < TIMEOUT, "%u of %u frames "
		    "after %d ms, %zu bytes queued", got, NBIG, TIMEOUT,
		    ws_output_queued(c.ws));
	}
	ck_assert_uint_eq(c.inlen, 0);
	/* ws_write_cb ran: the output is empty. */
	for (i = 0; i < 10 && ws_output_queued(c.ws) != 0; i++)
		loop_once(&c);
	ck_assert_uint_eq(ws_output_queued(c.ws), 0);
	ck_assert_uint_eq(peer_read(&c), 0);

	/*
	 * Ours again: ws_write_now writes at once. Were the bufferevent
	 * still writing (EV_WRITE on), it would leave this to the loop.
	 */
	ck_assert_int_eq(ws_send(c.ws, 0, "after", 5), 0);
	ws_write_now(c.ws);
	ck_assert_uint_eq(ws_output_queued(c.ws), 0);
	ck_assert_uint_eq(peer_read(&c), 7);
	expect_frame(&c, OP_TEXT, "after", 5);
	/* And by the loop, in one pass. */
	ck_assert_int_eq(ws_send(c.ws, 0, "again", 5), 0);
	loop_once(&c);
	peer_read(&c);
	expect_frame(&c, OP_TEXT, "again", 5);
	ck_assert_uint_eq(c.inlen, 0);
	ck_assert_int_eq(c.closed, 0);

	conn_free(&c);
	free(want);
}
END_TEST

/* ---- the output limit ---- */

#define LIMIT		(64 * 1024)
#define CHUNK		4096

START_TEST(test_output_limit)
{
	struct conn	 c;
	uint8_t		 msg[CHUNK];
	size_t		 before = 0, accepted = 0;
	int		 i, rc = 0;

	memset(msg, 'x', sizeof msg);
	conn_open(&c, LIMIT, 1);

	/* A peer that never reads: the socket fills, then the output. */
	for (i = 0; i < 1000; i++) {
		before = ws_output_queued(c.ws);
		if ((rc = ws_send(c.ws, 1, msg, sizeof msg)) == -1)
			break;
		accepted += sizeof msg;
		loop_once(&c);
		ck_assert_int_eq(c.closed, 0);
	}
	ck_assert_msg(rc == -1, "%zu bytes accepted, %zu queued, none "
	    "refused", accepted, ws_output_queued(c.ws));
	/* Refused because it would go over the limit, not before. */
	ck_assert_msg(before + CHUNK > LIMIT, "refused with %zu queued",
	    before);
	ck_assert_uint_le(before, LIMIT);
	/* The socket took its share before the buffer filled. */
	ck_assert_uint_gt(accepted + CHUNK, LIMIT);
	/* The closed callback comes from the loop, not from ws_send. */
	ck_assert_int_eq(c.closed, 0);

	run_until(&c, done_closed, 0, "the closed callback");
	ck_assert_int_eq(c.closed, 1);
	ck_assert_msg(strstr(c.reason, "output limit") != NULL,
	    "reason: %s", c.reason);
	/* Over is over: nothing more is taken, no second callback. */
	ck_assert_int_eq(ws_send(c.ws, 0, "x", 1), -1);
	loop_once(&c);
	loop_once(&c);
	ck_assert_int_eq(c.closed, 1);

	conn_free(&c);
}
END_TEST

/* ---- a close after messages ---- */

START_TEST(test_close_after_messages)
{
	struct conn	c;
	struct frame	f;

	conn_open(&c, 1024 * 1024, 0);
	ck_assert_int_eq(ws_send(c.ws, 0, "first", 5), 0);
	ck_assert_int_eq(ws_send(c.ws, 1, "second", 6), 0);
	ws_close(c.ws, WS_CLOSE_NORMAL, "bye");
	/* Closing: no more messages. */
	ck_assert_int_eq(ws_send(c.ws, 0, "late", 4), -1);

	/* The messages, the close frame, then the server's FIN. */
	run_until(&c, done_eof, 1, "the server's end of the stream");
	expect_frame(&c, OP_TEXT, "first", 5);
	expect_frame(&c, OP_BINARY, "second", 6);
	ck_assert(peer_frame(&c, &f));
	ck_assert_int_eq(f.fin, 1);
	ck_assert_int_eq(f.opcode, OP_CLOSE);
	ck_assert_uint_eq(f.len, 2 + 3);
	ck_assert_uint_eq((unsigned)(f.payload[0] << 8 | f.payload[1]), 1000);
	ck_assert_mem_eq(f.payload + 2, "bye", 3);
	free(f.payload);
	ck_assert_uint_eq(c.inlen, 0);
	/* It waits for the peer (WS_LINGER_MS is 2 s). */
	ck_assert_int_eq(c.closed, 0);

	/* The client answers and goes. */
	peer_send_close(&c, 1000);
	peer_close(&c);
	run_until(&c, done_closed, 0, "the closed callback");
	ck_assert_int_eq(c.closed, 1);
	ck_assert_str_eq(c.reason, "bye");
	loop_once(&c);
	ck_assert_int_eq(c.closed, 1);

	conn_free(&c);
}
END_TEST

/* ---- the peer goes away ---- */

START_TEST(test_peer_gone)
{
	struct conn	c;

	conn_open(&c, 1024 * 1024, 0);
	peer_close(&c);
	/* Without SIGPIPE ignored (main does), the write would kill us. */
	ck_assert_int_eq(ws_send(c.ws, 0, "anyone?", 7), 0);
	run_until(&c, done_closed, 0, "the closed callback");
	ck_assert_int_eq(c.closed, 1);
	ck_assert_msg(c.reason[0] != '\0', "empty reason");
	ck_assert_int_eq(ws_send(c.ws, 0, "x", 1), -1);
	ws_write_now(c.ws);
	loop_once(&c);
	ck_assert_int_eq(c.closed, 1);

	conn_free(&c);
}
END_TEST

/* The peer goes while the bufferevent holds the output. */
START_TEST(test_peer_gone_while_queued)
{
	struct conn	 c;
	uint8_t		*msg;
	unsigned	 i;

	msg = malloc(BIGSIZE);
	ck_assert_ptr_nonnull(msg);
	conn_open(&c, 64 * 1024 * 1024, 1);
	for (i = 0; i < 32; i++) {
		big_message(msg, i);
		ck_assert_int_eq(ws_send(c.ws, 1, msg, BIGSIZE), 0);
	}
	loop_once(&c);
	ck_assert_uint_gt(ws_output_queued(c.ws), 0);
	peer_close(&c);
	run_until(&c, done_closed, 0, "the closed callback");
	ck_assert_int_eq(c.closed, 1);
	ck_assert_msg(c.reason[0] != '\0', "empty reason");
	ck_assert_int_eq(ws_send(c.ws, 1, msg, 10), -1);
	loop_once(&c);
	ck_assert_int_eq(c.closed, 1);

	conn_free(&c);
	free(msg);
}
END_TEST

/* ---- live migration: another process holds the socket too ---- */

/*
 * A connection that ends here must end for its client even while a copy
 * of the socket lives on elsewhere (a replacement that got it before a
 * migration's pause): closing this descriptor alone would not.
 */
START_TEST(test_end_with_copy)
{
	struct conn	c;
	uint64_t	start;
	int		copy;

	conn_open(&c, 1024 * 1024, 0);
	copy = dup(ws_fd(c.ws));
	ck_assert_int_ne(copy, -1);
	ws_abort(c.ws, "kicked");
	run_until(&c, done_closed, 0, "the closed callback");
	ws_free(c.ws);
	c.ws = NULL;
	start = monotonic_ms();
	while (!c.eof) {
		ck_assert_msg(monotonic_ms() - start < TIMEOUT, "the client "
		    "never saw the end (the copy kept the connection)");
		ck_assert_int_eq(poll(&(struct pollfd){ c.peer, POLLIN, 0 }, 1,
		    100) >= 0, 1);
		peer_read(&c);
	}
	ck_assert_int_eq(close(copy), 0);
	conn_free(&c);
}
END_TEST

static int
fd_is_open(int fd)
{
	return (fcntl(fd, F_GETFD) != -1);
}

/*
 * The replacement's side: a connection made ready on its copy of the
 * socket (ws_prepare) is the one the restore fills in, and goes on where
 * the old one stopped; one the restore did not take is dropped with its
 * socket (ws_drop_prepared).
 */
START_TEST(test_prepared_restore)
{
	struct conn	 c;
	struct snapw	 w;
	struct snapr	 r;
	struct ws	*old;
	char		*cause = NULL;
	int		 copy, unused, sv[2];

	conn_open(&c, 1024 * 1024, 0);
	copy = dup(ws_fd(c.ws));
	ck_assert_int_ne(copy, -1);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	unused = sv[0];
	ws_prepare(c.base, copy);
	ws_prepare(c.base, unused);

	/* The old process: saved, then let go without a word. */
	ck_assert(ws_migratable(c.ws));
	snapw_init(&w);
	ws_save(c.ws, &w);
	old = c.ws;
	c.ws = NULL;
	ws_free(old);
	ck_assert(fd_is_open(copy));

	memset(&r, 0, sizeof r);
	r.p = w.buf + SNAP_TAG_LEN + 4;		/* past magic and format */
	r.len = w.len - SNAP_TAG_LEN - 4;
	r.version = SNAP_FORMAT;
	c.ws = ws_restore(c.base, copy, &c.config, &callbacks, &c, &r,
	    &cause);
	ck_assert_msg(c.ws != NULL, "ws_restore: %s", cause);
	ck_assert_uint_eq(r.off, r.len);
	ck_assert_int_eq(ws_fd(c.ws), copy);
	ws_drop_prepared();
	loop_once(&c);		/* libevent closes a freed one's socket then */
	ck_assert(!fd_is_open(unused));
	ck_assert(fd_is_open(copy));
	snapw_free(&w);

	ws_resume(c.ws);
	ck_assert_int_eq(ws_send(c.ws, 0, "still here", 10), 0);
	ws_write_now(c.ws);
	run_until(&c, done_frame, 1, "a frame from the restored connection");
	expect_frame(&c, OP_TEXT, "still here", 10);
	ck_assert_int_eq(c.closed, 0);

	close(sv[1]);
	conn_free(&c);
}
END_TEST

static Suite *
ws_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("ws");
	tc = tcase_create("core");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_small_messages);
	tcase_add_test(tc, test_small_frames_lent);
	tcase_add_test(tc, test_backpressure);
	tcase_add_test(tc, test_output_limit);
	tcase_add_test(tc, test_close_after_messages);
	tcase_add_test(tc, test_peer_gone);
	tcase_add_test(tc, test_peer_gone_while_queued);
	tcase_add_test(tc, test_end_with_copy);
	tcase_add_test(tc, test_prepared_restore);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner	*sr;
	int	 failed;

	/* As zoned does (main.c): a write to a closed peer is an error. */
	signal(SIGPIPE, SIG_IGN);
	sr = srunner_create(ws_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
