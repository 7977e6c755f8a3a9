/*
 * Unit tests for httpup.c, the parser of the HTTP/1.1 request head that
 * opens a client connection. Golden requests: RFC 6455 section 1.3 and what
 * the Node `ws` client (under socket.io-client) sends.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "httpup.h"

#define KEY		"dGhlIHNhbXBsZSBub25jZQ=="
#define REQ_LINE	"GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\n"
#define HDRS		"Host: 127.0.0.1:7000\r\n" \
			"Upgrade: websocket\r\n" \
			"Connection: Upgrade\r\n" \
			"Sec-WebSocket-Key: " KEY "\r\n" \
			"Sec-WebSocket-Version: 13\r\n"
#define REQ		REQ_LINE HDRS "\r\n"

#define RFC6455_REQ	"GET /chat HTTP/1.1\r\n" \
			"Host: server.example.com\r\n" \
			"Upgrade: websocket\r\n" \
			"Connection: Upgrade\r\n" \
			"Sec-WebSocket-Key: " KEY "\r\n" \
			"Origin: http://example.com\r\n" \
			"Sec-WebSocket-Protocol: chat, superchat\r\n" \
			"Sec-WebSocket-Version: 13\r\n" \
			"\r\n"

#define NODE_WS_REQ	"GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\n" \
			"Sec-WebSocket-Version: 13\r\n" \
			"Sec-WebSocket-Key: x3JJHMbDL1EzLkh9GBhXDw==\r\n" \
			"Connection: Upgrade\r\n" \
			"Upgrade: websocket\r\n" \
			"Sec-WebSocket-Extensions: permessage-deflate; " \
			    "client_max_window_bits\r\n" \
			"Host: 127.0.0.1:40123\r\n" \
			"\r\n"

/*
 * A masked WebSocket text frame carrying `42["a"]` with a zero mask, then
 * more bytes that look like the end of a head: none of it is the head's.
 */
#define FRAME		"\x81\x87\x00\x00\x00\x00" "42[\"a\"]" "\r\n\r\n\x7f"

/* Parses from an exactly sized heap copy, so ASan sees any overread. */
static enum httpup_result
parse(const char *s, size_t len, struct httpup *r)
{
	enum httpup_result	 rc;
	char			*copy;

	copy = malloc(len == 0 ? 1 : len);
	ck_assert_ptr_nonnull(copy);
	memcpy(copy, s, len);
	rc = httpup_parse(copy, len, r);
	free(copy);
	return (rc);
}

static void
expect_invalid(const char *s, size_t len, int status)
{
	struct httpup	r;

	ck_assert_msg(parse(s, len, &r) == HTTPUP_INVALID,
	    "not refused: \"%.*s\"", (int)len, s);
	ck_assert_msg(r.status == status, "status %d, not %d: \"%.*s\"",
	    r.status, status, (int)len, s);
	ck_assert_ptr_nonnull(r.error);
}
#define INVALID(lit, status)	expect_invalid(lit, sizeof(lit) - 1, status)

/* REQ_LINE, then the given header lines (each ending in CRLF), then CRLF. */
static enum httpup_result
parse_headers(const char *hdrs, struct httpup *r)
{
	char	buf[HTTPUP_MAX_REQUEST];
	int	n;

	n = snprintf(buf, sizeof buf, "%s%s\r\n", REQ_LINE, hdrs);
	ck_assert(n > 0 && (size_t)n < sizeof buf);
	return (parse(buf, (size_t)n, r));
}

static void
expect_header_invalid(const char *hdrs, int status)
{
	struct httpup	r;

	ck_assert_msg(parse_headers(hdrs, &r) == HTTPUP_INVALID,
	    "not refused: \"%s\"", hdrs);
	ck_assert_int_eq(r.status, status);
	ck_assert_ptr_nonnull(r.error);
}

START_TEST(test_golden_rfc6455)
{
	struct httpup	r;

	ck_assert_int_eq(parse(RFC6455_REQ, sizeof(RFC6455_REQ) - 1, &r),
	    HTTPUP_OK);
	ck_assert_uint_eq(r.length, sizeof(RFC6455_REQ) - 1);
	ck_assert_str_eq(r.method, "GET");
	ck_assert_str_eq(r.path, "/chat");
	ck_assert_str_eq(r.query, "");
	ck_assert_str_eq(r.ws_key, KEY);
	ck_assert_int_eq(r.ws_version, 13);
	ck_assert_int_eq(r.upgrade, 1);
	ck_assert_int_eq(r.connection_upgrade, 1);
}
END_TEST

START_TEST(test_golden_node_ws)
{
	struct httpup	r;
	char		v[16];

	ck_assert_int_eq(parse(NODE_WS_REQ, sizeof(NODE_WS_REQ) - 1, &r),
	    HTTPUP_OK);
	ck_assert_uint_eq(r.length, sizeof(NODE_WS_REQ) - 1);
	ck_assert_str_eq(r.method, "GET");
	ck_assert_str_eq(r.path, "/socket.io/");
	ck_assert_str_eq(r.query, "EIO=4&transport=websocket");
	ck_assert_str_eq(r.ws_key, "x3JJHMbDL1EzLkh9GBhXDw==");
	ck_assert_int_eq(r.ws_version, 13);
	ck_assert_int_eq(r.upgrade, 1);
	ck_assert_int_eq(r.connection_upgrade, 1);
	ck_assert_int_eq(httpup_query_get(r.query, "EIO", v, sizeof v), 1);
	ck_assert_str_eq(v, "4");
	ck_assert_int_eq(httpup_query_get(r.query, "transport", v, sizeof v),
	    1);
	ck_assert_str_eq(v, "websocket");
	ck_assert_int_eq(httpup_query_get(r.query, "sid", v, sizeof v), 0);
}
END_TEST

static const struct {
	const char	*req;
	size_t		 len;
} split_reqs[] = {
	{ REQ, sizeof(REQ) - 1 },
	{ RFC6455_REQ, sizeof(RFC6455_REQ) - 1 },
	{ NODE_WS_REQ, sizeof(NODE_WS_REQ) - 1 },
	{ "GET / HTTP/1.1\r\n\r\n", 18 },
};

/*
 * Every split point: each proper prefix of the head needs more bytes; the
 * whole head parses with the right length whatever follows it.
 */
START_TEST(test_split)
{
	const char	*req = split_reqs[_i].req;
	size_t		 len = split_reqs[_i].len, n;
	struct httpup	 r, whole;
	char		*buf;

	ck_assert_int_eq(parse(req, len, &whole), HTTPUP_OK);
	ck_assert_uint_eq(whole.length, len);
	for (n = 0; n < len; n++)
		ck_assert_msg(parse(req, n, &r) == HTTPUP_AGAIN,
		    "prefix of %zu bytes: not AGAIN", n);

	buf = malloc(len + sizeof(FRAME) - 1);
	ck_assert_ptr_nonnull(buf);
	memcpy(buf, req, len);
	memcpy(buf + len, FRAME, sizeof(FRAME) - 1);
	for (n = len; n <= len + sizeof(FRAME) - 1; n++) {
		ck_assert_int_eq(parse(buf, n, &r), HTTPUP_OK);
		ck_assert_uint_eq(r.length, len);
		ck_assert_mem_eq(&r, &whole, sizeof r);
	}
	free(buf);
}
END_TEST

START_TEST(test_plain_get)
{
	struct httpup	r;

	ck_assert_int_eq(parse("GET / HTTP/1.1\r\n\r\n", 18, &r), HTTPUP_OK);
	ck_assert_uint_eq(r.length, 18);
	ck_assert_str_eq(r.method, "GET");
	ck_assert_str_eq(r.path, "/");
	ck_assert_str_eq(r.query, "");
	ck_assert_str_eq(r.ws_key, "");
	ck_assert_int_eq(r.ws_version, 0);
	ck_assert_int_eq(r.upgrade, 0);
	ck_assert_int_eq(r.connection_upgrade, 0);

	ck_assert_int_eq(parse_headers("Host: x\r\n", &r), HTTPUP_OK);
	ck_assert_int_eq(r.upgrade, 0);
	ck_assert_int_eq(r.connection_upgrade, 0);

	/* other methods are the caller's business */
	ck_assert_int_eq(parse("POST /a/b?c HTTP/1.1\r\nX: y\r\n\r\n", 30,
	    &r), HTTPUP_OK);
	ck_assert_str_eq(r.method, "POST");
	ck_assert_str_eq(r.path, "/a/b");
	ck_assert_str_eq(r.query, "c");

	/* an empty query and a '?' inside the query */
	ck_assert_int_eq(parse("GET /x? HTTP/1.1\r\n\r\n", 20, &r),
	    HTTPUP_OK);
	ck_assert_str_eq(r.path, "/x");
	ck_assert_str_eq(r.query, "");
	ck_assert_int_eq(parse("GET /x?a=?&b HTTP/1.1\r\n\r\n", 25, &r),
	    HTTPUP_OK);
	ck_assert_str_eq(r.query, "a=?&b");
}
END_TEST

START_TEST(test_connection_tokens)
{
	static const struct {
		const char	*hdrs;
		int		 want;
	} t[] = {
		{ "Connection: Upgrade\r\n", 1 },
		{ "Connection: upgrade\r\n", 1 },
		{ "connection: UPGRADE\r\n", 1 },
		{ "CONNECTION:Upgrade\r\n", 1 },
		{ "Connection: keep-alive, Upgrade\r\n", 1 },
		{ "Connection: keep-alive,Upgrade\r\n", 1 },
		{ "Connection: Upgrade, keep-alive\r\n", 1 },
		{ "Connection:  \t Upgrade \t \r\n", 1 },
		{ "Connection: , ,Upgrade,,\r\n", 1 },
		{ "Connection: keep-alive\r\nConnection: Upgrade\r\n", 1 },
		{ "Connection: Upgrade\r\nConnection: close\r\n", 1 },
		{ "Connection: keep-alive\r\n", 0 },
		{ "Connection: close\r\n", 0 },
		{ "Connection: Upgrades\r\n", 0 },
		{ "Connection: Upgrade-Insecure\r\n", 0 },
		{ "Connection: xUpgrade\r\n", 0 },
		{ "Connection: keep-alive Upgrade\r\n", 0 },
		{ "Connection:\r\n", 0 },
		{ "X-Connection: Upgrade\r\n", 0 },
		{ "Connectio: Upgrade\r\n", 0 },
	};
	struct httpup	r;
	size_t		i;

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		ck_assert_int_eq(parse_headers(t[i].hdrs, &r), HTTPUP_OK);
		ck_assert_msg(r.connection_upgrade == t[i].want,
		    "\"%s\": %d", t[i].hdrs, r.connection_upgrade);
		ck_assert_int_eq(r.upgrade, 0);
	}
}
END_TEST

START_TEST(test_upgrade_tokens)
{
	static const struct {
		const char	*hdrs;
		int		 want;
	} t[] = {
		{ "Upgrade: websocket\r\n", 1 },
		{ "upgrade: WebSocket\r\n", 1 },
		{ "UPGRADE:WEBSOCKET\r\n", 1 },
		{ "Upgrade: h2c, websocket\r\n", 1 },
		{ "Upgrade: websocket \t\r\n", 1 },
		/* repeated fields form one list, whatever the order */
		{ "Upgrade: h2c\r\nUpgrade: websocket\r\n", 1 },
		{ "Upgrade: websocket\r\nUpgrade: h2c\r\n", 1 },
		{ "Upgrade: h2c\r\n", 0 },
		{ "Upgrade: websockets\r\n", 0 },
		{ "Upgrade: web socket\r\n", 0 },
		{ "Upgrade:\r\n", 0 },
		{ "Upgrades: websocket\r\n", 0 },
	};
	struct httpup	r;
	size_t		i;

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		ck_assert_int_eq(parse_headers(t[i].hdrs, &r), HTTPUP_OK);
		ck_assert_msg(r.upgrade == t[i].want, "\"%s\": %d",
		    t[i].hdrs, r.upgrade);
		ck_assert_int_eq(r.connection_upgrade, 0);
	}
}
END_TEST

START_TEST(test_ws_key)
{
	char		hdr[128];
	struct httpup	r;

	ck_assert_int_eq(parse_headers("sec-websocket-key: \t " KEY
	    " \t\r\n", &r), HTTPUP_OK);
	ck_assert_str_eq(r.ws_key, KEY);
	ck_assert_int_eq(parse_headers("SEC-WEBSOCKET-KEY:" KEY "\r\n", &r),
	    HTTPUP_OK);
	ck_assert_str_eq(r.ws_key, KEY);
	/* the last one wins */
	ck_assert_int_eq(parse_headers("Sec-WebSocket-Key: a\r\n"
	    "Sec-WebSocket-Key: b\r\n", &r), HTTPUP_OK);
	ck_assert_str_eq(r.ws_key, "b");

	/* 63 bytes fit, 64 do not */
	snprintf(hdr, sizeof hdr, "Sec-WebSocket-Key: %.63s\r\n",
	    "KKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKK");
	ck_assert_int_eq(parse_headers(hdr, &r), HTTPUP_OK);
	ck_assert_uint_eq(strlen(r.ws_key), 63);
	snprintf(hdr, sizeof hdr, "Sec-WebSocket-Key: %.64s\r\n",
	    "KKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKK");
	expect_header_invalid(hdr, 400);
	expect_header_invalid("Sec-WebSocket-Key:\r\n", 400);
	expect_header_invalid("Sec-WebSocket-Key:   \r\n", 400);
}
END_TEST

START_TEST(test_ws_version)
{
	struct httpup	r;

	ck_assert_int_eq(parse_headers("Sec-WebSocket-Version: 13\r\n", &r),
	    HTTPUP_OK);
	ck_assert_int_eq(r.ws_version, 13);
	ck_assert_int_eq(parse_headers("sec-websocket-version:8 \r\n", &r),
	    HTTPUP_OK);
	ck_assert_int_eq(r.ws_version, 8);
	ck_assert_int_eq(parse_headers("Sec-WebSocket-Version: 0\r\n", &r),
	    HTTPUP_OK);
	ck_assert_int_eq(r.ws_version, 0);
	ck_assert_int_eq(parse_headers("Sec-WebSocket-Version: 255\r\n", &r),
	    HTTPUP_OK);
	ck_assert_int_eq(r.ws_version, 255);
	ck_assert_int_eq(parse_headers("Host: x\r\n", &r), HTTPUP_OK);
	ck_assert_int_eq(r.ws_version, 0);

	expect_header_invalid("Sec-WebSocket-Version:\r\n", 400);
	expect_header_invalid("Sec-WebSocket-Version: 1234567890123456\r\n",
	    400);
	/* RFC 6455: 1*DIGIT in 0..255; nothing else may pass as 13 */
	expect_header_invalid("Sec-WebSocket-Version: 13abc\r\n", 400);
	expect_header_invalid("Sec-WebSocket-Version: 13, 8\r\n", 400);
	expect_header_invalid("Sec-WebSocket-Version: +13\r\n", 400);
	expect_header_invalid("Sec-WebSocket-Version: -13\r\n", 400);
	expect_header_invalid("Sec-WebSocket-Version: 0x0d\r\n", 400);
	expect_header_invalid("Sec-WebSocket-Version: 256\r\n", 400);
	expect_header_invalid("Sec-WebSocket-Version: 4294967309\r\n", 400);
	expect_header_invalid("Sec-WebSocket-Version: 999999999999999\r\n",
	    400);
}
END_TEST

START_TEST(test_request_line)
{
	INVALID("GARBAGE\r\n\r\n", 400);
	INVALID("\r\n\r\n", 400);
	INVALID(" / HTTP/1.1\r\n\r\n", 400);
	INVALID("GET  / HTTP/1.1\r\n\r\n", 400);
	INVALID("GET /\r\n\r\n", 400);
	INVALID("GET / \r\n\r\n", 400);
	INVALID("GET * HTTP/1.1\r\n\r\n", 400);
	INVALID("GET http://x/ HTTP/1.1\r\n\r\n", 400);
	INVALID("GET x HTTP/1.1\r\n\r\n", 400);
	INVALID("GET / HTTP/1.1 \r\n\r\n", 400);
	INVALID("GET / HTTP/1.1 extra\r\n\r\n", 400);
	INVALID("GET /a b HTTP/1.1\r\n\r\n", 400);
	INVALID("GET / FOO/1.1\r\n\r\n", 400);
	INVALID("GET / http/1.1\r\n\r\n", 400);
	INVALID("GET / HTTP/1.x\r\n\r\n", 400);
	INVALID("GET / HTTP/11\r\n\r\n", 400);
	/* a method of 15 bytes fits, 16 do not */
	INVALID("MMMMMMMMMMMMMMMM / HTTP/1.1\r\n\r\n", 400);
	{
		struct httpup	r;

		ck_assert_int_eq(parse("MMMMMMMMMMMMMMM / HTTP/1.1\r\n\r\n",
		    31, &r), HTTPUP_OK);
		ck_assert_str_eq(r.method, "MMMMMMMMMMMMMMM");
	}
}
END_TEST

START_TEST(test_http_version)
{
	INVALID("GET / HTTP/1.0\r\n\r\n", 505);
	INVALID("GET / HTTP/1.0\r\nHost: x\r\n\r\n", 505);
	INVALID("GET / HTTP/1.2\r\n\r\n", 505);
	INVALID("GET / HTTP/2.0\r\n\r\n", 505);
	INVALID("GET / HTTP/0.9\r\n\r\n", 505);
	INVALID("GET /socket.io/?EIO=4&transport=websocket HTTP/1.0\r\n"
	    HDRS "\r\n", 505);
}
END_TEST

START_TEST(test_bad_header_lines)
{
	expect_header_invalid("NoColonHere\r\n", 400);
	expect_header_invalid("Host: x\r\nNoColon\r\n", 400);
	expect_header_invalid(": value\r\n", 400);
	expect_header_invalid("Bad Name: x\r\n", 400);
	expect_header_invalid("Upgrade : websocket\r\n", 400);
	expect_header_invalid("Bad\tName: x\r\n", 400);
	expect_header_invalid(" Host: x\r\n", 400);
	/* obsolete line folding */
	expect_header_invalid("X-A: a\r\n  b\r\n", 400);
	expect_header_invalid("X-A: a\r\n\tb\r\n", 400);
	expect_header_invalid("Connection: keep-alive,\r\n Upgrade\r\n", 400);
}
END_TEST

START_TEST(test_control_chars)
{
	char		buf[256];
	struct httpup	r;
	size_t		n;
	int		c;

	for (c = 0; c < 128; c++) {
		if (c >= 32 && c != 127)
			continue;
		if (c == '\r' || c == '\n' || c == '\t')
			continue;
		/* in a header value */
		n = (size_t)snprintf(buf, sizeof buf,
		    "GET / HTTP/1.1\r\nX-A: a%cb\r\n\r\n", c == 0 ? '@' : c);
		if (c == 0)
			buf[23] = '\0';
		ck_assert_msg(parse(buf, n, &r) == HTTPUP_INVALID,
		    "char %d in a value accepted", c);
		ck_assert_int_eq(r.status, 400);
		/* in the request target */
		n = (size_t)snprintf(buf, sizeof buf,
		    "GET /a%cb HTTP/1.1\r\n\r\n", c == 0 ? '@' : c);
		if (c == 0)
			buf[6] = '\0';
		ck_assert_msg(parse(buf, n, &r) == HTTPUP_INVALID,
		    "char %d in the target accepted", c);
		ck_assert_int_eq(r.status, 400);
		/* in an unfinished head: refused at once, not AGAIN */
		n = (size_t)snprintf(buf, sizeof buf,
		    "GET / HTTP/1.1\r\nX-A: a%c", c == 0 ? '@' : c);
		if (c == 0)
			buf[n - 1] = '\0';
		ck_assert_msg(parse(buf, n, &r) == HTTPUP_INVALID,
		    "char %d in a partial head accepted", c);
		ck_assert_int_eq(r.status, 400);
	}
	INVALID("GET / HTTP/1.1\r\nX-A: a\0b\r\n\r\n", 400);
	INVALID("GET / HTTP/1.1\r\nX-\x7f: a\r\n\r\n", 400);

	/* tab and obs-text are fine in values */
	ck_assert_int_eq(parse_headers("X-A: a\tb\r\n", &r), HTTPUP_OK);
	ck_assert_int_eq(parse_headers("X-A: caf\xc3\xa9 \xff\r\n", &r),
	    HTTPUP_OK);
}
END_TEST

/* A CR or LF that is not part of a CRLF (RFC 9112 section 2.2). */
START_TEST(test_bare_cr_lf)
{
	INVALID("GET / HTTP/1.1\r\nX-A: a\rb\r\n\r\n", 400);
	INVALID("GET / HTTP/1.1\r\nX-A: a\nb\r\n\r\n", 400);
	INVALID("GET / HTTP/1.1\r\nX-A: a\r\r\n\r\n", 400);
	INVALID("GET / HTTP/1.1\r\nX-A: a\n\r\n\r\n", 400);
	INVALID("GET / HTTP/1.1\nHost: x\r\n\r\n", 400);
	INVALID("GET /\r HTTP/1.1\r\n\r\n", 400);
	INVALID("\nGET / HTTP/1.1\r\n\r\n", 400);
	/* LF-only heads never end in CRLFCRLF: refuse them early */
	INVALID("GET / HTTP/1.1\nHost: x\n\n", 400);
	INVALID("GET / HTTP/1.1\r\nUpgrade: websocket\rConnection: Upgrade"
	    "\r\n\r\n", 400);
}
END_TEST

/* Builds a complete head of exactly len bytes: one padded header. */
static char *
big_head(size_t len)
{
	const char	*line = "GET / HTTP/1.1\r\nX-Pad: ";
	size_t		 l = strlen(line);
	char		*buf;

	ck_assert_uint_gt(len, l + 4);
	buf = malloc(len);
	ck_assert_ptr_nonnull(buf);
	memcpy(buf, line, l);
	memset(buf + l, 'p', len - l - 4);
	memcpy(buf + len - 4, "\r\n\r\n", 4);
	return (buf);
}

START_TEST(test_too_large)
{
	struct httpup	 r;
	char		*buf, *more;

	/* exactly HTTPUP_MAX_REQUEST bytes of head are fine */
	buf = big_head(HTTPUP_MAX_REQUEST);
	ck_assert_int_eq(parse(buf, HTTPUP_MAX_REQUEST, &r), HTTPUP_OK);
	ck_assert_uint_eq(r.length, HTTPUP_MAX_REQUEST);
	more = malloc(HTTPUP_MAX_REQUEST + 100);
	ck_assert_ptr_nonnull(more);
	memcpy(more, buf, HTTPUP_MAX_REQUEST);
	memset(more + HTTPUP_MAX_REQUEST, 'f', 100);
	ck_assert_int_eq(parse(more, HTTPUP_MAX_REQUEST + 100, &r),
	    HTTPUP_OK);
	ck_assert_uint_eq(r.length, HTTPUP_MAX_REQUEST);
	free(more);
	/* its unfinished prefixes need more bytes */
	ck_assert_int_eq(parse(buf, HTTPUP_MAX_REQUEST - 1, &r),
	    HTTPUP_AGAIN);
	ck_assert_int_eq(parse(buf, HTTPUP_MAX_REQUEST - 4, &r),
	    HTTPUP_AGAIN);
	free(buf);

	/* one byte more is too large, complete or not */
	buf = big_head(HTTPUP_MAX_REQUEST + 1);
	ck_assert_int_eq(parse(buf, HTTPUP_MAX_REQUEST + 1, &r),
	    HTTPUP_INVALID);
	ck_assert_int_eq(r.status, 431);
	ck_assert_ptr_nonnull(r.error);
	ck_assert_int_eq(parse(buf, HTTPUP_MAX_REQUEST, &r), HTTPUP_INVALID);
	ck_assert_int_eq(r.status, 431);
	ck_assert_int_eq(parse(buf, HTTPUP_MAX_REQUEST - 1, &r),
	    HTTPUP_AGAIN);
	free(buf);

	buf = big_head(3 * HTTPUP_MAX_REQUEST);
	ck_assert_int_eq(parse(buf, 3 * HTTPUP_MAX_REQUEST, &r),
	    HTTPUP_INVALID);
	ck_assert_int_eq(r.status, 431);
	free(buf);
}
END_TEST

START_TEST(test_too_long_target)
{
	char		buf[4096];
	struct httpup	r;
	size_t		plen, qlen;
	int		n;

	/* a path of sizeof r.path - 1 bytes fits, one more does not */
	for (plen = sizeof r.path - 1; plen <= sizeof r.path; plen++) {
		memcpy(buf, "GET /", 5);
		memset(buf + 5, 'p', plen - 1);
		n = snprintf(buf + 4 + plen, sizeof buf - 4 - plen,
		    "?a=1 HTTP/1.1\r\n\r\n");
		if (plen < sizeof r.path) {
			ck_assert_int_eq(parse(buf, 4 + plen + (size_t)n, &r),
			    HTTPUP_OK);
			ck_assert_uint_eq(strlen(r.path), plen);
			ck_assert_str_eq(r.query, "a=1");
		} else {
			ck_assert_int_eq(parse(buf, 4 + plen + (size_t)n, &r),
			    HTTPUP_INVALID);
			ck_assert_int_eq(r.status, 414);
		}
	}
	/* a query of sizeof r.query - 1 bytes fits, one more does not */
	for (qlen = sizeof r.query - 1; qlen <= sizeof r.query; qlen++) {
		memcpy(buf, "GET /socket.io/?", 16);
		memset(buf + 16, 'q', qlen);
		n = snprintf(buf + 16 + qlen, sizeof buf - 16 - qlen,
		    " HTTP/1.1\r\n\r\n");
		if (qlen < sizeof r.query) {
			ck_assert_int_eq(parse(buf, 16 + qlen + (size_t)n, &r),
			    HTTPUP_OK);
			ck_assert_str_eq(r.path, "/socket.io/");
			ck_assert_uint_eq(strlen(r.query), qlen);
		} else {
			ck_assert_int_eq(parse(buf, 16 + qlen + (size_t)n, &r),
			    HTTPUP_INVALID);
			ck_assert_int_eq(r.status, 414);
		}
	}
}
END_TEST

START_TEST(test_query_get)
{
	const char	*q = "EIO=4&transport=websocket&t=N8hyd6w";
	char		 v[32];

	ck_assert_int_eq(httpup_query_get(q, "EIO", v, sizeof v), 1);
	ck_assert_str_eq(v, "4");
	ck_assert_int_eq(httpup_query_get(q, "transport", v, sizeof v), 1);
	ck_assert_str_eq(v, "websocket");
	ck_assert_int_eq(httpup_query_get(q, "t", v, sizeof v), 1);
	ck_assert_str_eq(v, "N8hyd6w");
	ck_assert_int_eq(httpup_query_get(q, "sid", v, sizeof v), 0);
	ck_assert_int_eq(httpup_query_get(q, "eio", v, sizeof v), 0);
	ck_assert_int_eq(httpup_query_get(q, "EI", v, sizeof v), 0);
	ck_assert_int_eq(httpup_query_get(q, "4", v, sizeof v), 0);
	ck_assert_int_eq(httpup_query_get(q, "websocket", v, sizeof v), 0);
	ck_assert_int_eq(httpup_query_get("", "EIO", v, sizeof v), 0);
	ck_assert_int_eq(httpup_query_get("&&", "EIO", v, sizeof v), 0);
	ck_assert_int_eq(httpup_query_get("&&EIO=4&", "EIO", v, sizeof v),
	    1);
	ck_assert_str_eq(v, "4");
	/* the first of repeated keys */
	ck_assert_int_eq(httpup_query_get("EIO=4&EIO=3", "EIO", v, sizeof v),
	    1);
	ck_assert_str_eq(v, "4");
	/* '=' inside a value */
	ck_assert_int_eq(httpup_query_get("a=EIO=3&EIO=4", "EIO", v,
	    sizeof v), 1);
	ck_assert_str_eq(v, "4");
	ck_assert_int_eq(httpup_query_get("t=a=b", "t", v, sizeof v), 1);
	ck_assert_str_eq(v, "a=b");
	/* empty values */
	ck_assert_int_eq(httpup_query_get("x=&EIO=4", "x", v, sizeof v), 1);
	ck_assert_str_eq(v, "");
	ck_assert_int_eq(httpup_query_get("flag&EIO=4", "flag", v, sizeof v),
	    1);
	ck_assert_str_eq(v, "");
}
END_TEST

/* A key that is a prefix or a suffix of another key is not that key. */
START_TEST(test_query_prefix_key)
{
	char	v[16];

	ck_assert_int_eq(httpup_query_get("EIOX=3&EIO=4", "EIO", v, sizeof v),
	    1);
	ck_assert_str_eq(v, "4");
	ck_assert_int_eq(httpup_query_get("EIO=4&EIOX=3", "EIOX", v,
	    sizeof v), 1);
	ck_assert_str_eq(v, "3");
	ck_assert_int_eq(httpup_query_get("EIOX=3", "EIO", v, sizeof v), 0);
	ck_assert_int_eq(httpup_query_get("EIOX", "EIO", v, sizeof v), 0);
	ck_assert_int_eq(httpup_query_get("XEIO=3", "EIO", v, sizeof v), 0);
	ck_assert_int_eq(httpup_query_get("EI=3", "EIO", v, sizeof v), 0);
	ck_assert_int_eq(httpup_query_get("EI", "EIO", v, sizeof v), 0);
	ck_assert_int_eq(httpup_query_get("transports=polling&transport="
	    "websocket", "transport", v, sizeof v), 1);
	ck_assert_str_eq(v, "websocket");
}
END_TEST

START_TEST(test_query_decode)
{
	char	v[32];

	ck_assert_int_eq(httpup_query_get("a=%41%62%2b%2F%3d%26", "a", v,
	    sizeof v), 1);
	ck_assert_str_eq(v, "Ab+/=&");
	ck_assert_int_eq(httpup_query_get("a=%e2%82%AC", "a", v, sizeof v),
	    1);
	ck_assert_str_eq(v, "\xe2\x82\xac");
	ck_assert_int_eq(httpup_query_get("a=x+y++z", "a", v, sizeof v), 1);
	ck_assert_str_eq(v, "x y  z");
	ck_assert_int_eq(httpup_query_get("a=%2B+", "a", v, sizeof v), 1);
	ck_assert_str_eq(v, "+ ");
	/* the key itself is not decoded */
	ck_assert_int_eq(httpup_query_get("%45IO=4", "EIO", v, sizeof v), 0);
}
END_TEST

START_TEST(test_query_malformed)
{
	char	v[32];

	/* truncated escapes */
	ck_assert_int_eq(httpup_query_get("a=%", "a", v, sizeof v), -1);
	ck_assert_int_eq(httpup_query_get("a=%4", "a", v, sizeof v), -1);
	ck_assert_int_eq(httpup_query_get("a=%4&b=1", "a", v, sizeof v), -1);
	ck_assert_int_eq(httpup_query_get("a=x%&b=1", "a", v, sizeof v), -1);
	/* the other keys are still readable */
	ck_assert_int_eq(httpup_query_get("a=%4&b=1", "b", v, sizeof v), 1);
	ck_assert_str_eq(v, "1");
	/* not hex */
	ck_assert_int_eq(httpup_query_get("a=%zz", "a", v, sizeof v), -1);
	ck_assert_int_eq(httpup_query_get("a=%4g", "a", v, sizeof v), -1);
	ck_assert_int_eq(httpup_query_get("a=%g4", "a", v, sizeof v), -1);
	ck_assert_int_eq(httpup_query_get("a=% 4", "a", v, sizeof v), -1);
	ck_assert_int_eq(httpup_query_get("a=%\xc3\xa9", "a", v, sizeof v),
	    -1);
	ck_assert_int_eq(httpup_query_get("a=%4\xff", "a", v, sizeof v), -1);
	/* a NUL cannot be returned in a C string: "websocket%00x" is not
	 * "websocket" */
	ck_assert_int_eq(httpup_query_get("transport=websocket%00x",
	    "transport", v, sizeof v), -1);
	ck_assert_int_eq(httpup_query_get("a=%00", "a", v, sizeof v), -1);
}
END_TEST

START_TEST(test_query_too_long)
{
	char	v[8];

	memset(v, 'Z', sizeof v);
	/* 7 bytes and the NUL fit in 8 */
	ck_assert_int_eq(httpup_query_get("a=abcdefg", "a", v, sizeof v), 1);
	ck_assert_str_eq(v, "abcdefg");
	ck_assert_int_eq(httpup_query_get("a=abcdefgh", "a", v, sizeof v),
	    -1);
	ck_assert_int_eq(httpup_query_get("a=%41%41%41%41%41%41%41", "a", v,
	    sizeof v), 1);
	ck_assert_str_eq(v, "AAAAAAA");
	ck_assert_int_eq(httpup_query_get("a=%41%41%41%41%41%41%41%41", "a",
	    v, sizeof v), -1);
	ck_assert_int_eq(httpup_query_get("a=+++++++", "a", v, sizeof v), 1);
	ck_assert_int_eq(httpup_query_get("a=++++++++", "a", v, sizeof v),
	    -1);
	/* a size of one holds the empty value only */
	ck_assert_int_eq(httpup_query_get("a=&b=x", "a", v, 1), 1);
	ck_assert_str_eq(v, "");
	ck_assert_int_eq(httpup_query_get("a=&b=x", "b", v, 1), -1);
}
END_TEST

static Suite *
httpup_suite(void)
{
	Suite	*s = suite_create("httpup");
	TCase	*tc;

	tc = tcase_create("parse");
	tcase_add_test(tc, test_golden_rfc6455);
	tcase_add_test(tc, test_golden_node_ws);
	tcase_add_loop_test(tc, test_split, 0,
	    (int)(sizeof split_reqs / sizeof split_reqs[0]));
	tcase_add_test(tc, test_plain_get);
	tcase_add_test(tc, test_connection_tokens);
	tcase_add_test(tc, test_upgrade_tokens);
	tcase_add_test(tc, test_ws_key);
	tcase_add_test(tc, test_ws_version);
	suite_add_tcase(s, tc);

	tc = tcase_create("refuse");
	tcase_add_test(tc, test_request_line);
	tcase_add_test(tc, test_http_version);
	tcase_add_test(tc, test_bad_header_lines);
	tcase_add_test(tc, test_control_chars);
	tcase_add_test(tc, test_bare_cr_lf);
	tcase_add_test(tc, test_too_large);
	tcase_add_test(tc, test_too_long_target);
	suite_add_tcase(s, tc);

	tc = tcase_create("query");
	tcase_add_test(tc, test_query_get);
	tcase_add_test(tc, test_query_prefix_key);
	tcase_add_test(tc, test_query_decode);
	tcase_add_test(tc, test_query_malformed);
	tcase_add_test(tc, test_query_too_long);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner	*sr;
	int	 failed;

	sr = srunner_create(httpup_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
