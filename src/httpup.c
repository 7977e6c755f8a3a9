/* Parser for the request head that opens a client connection. Pure. */
#include "config.h"

#include <string.h>
#include <strings.h>

#include "httpup.h"

static int
invalid(struct httpup *r, int status, const char *error)
{
	r->status = status;
	r->error = error;
	return (HTTPUP_INVALID);
}

/* Is token (case-insensitive) one of the comma-separated values? */
static int
has_token(const char *v, size_t vlen, const char *token)
{
	size_t	tlen = strlen(token), i = 0, start, end;

	while (i < vlen) {
		while (i < vlen && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
			i++;
		start = i;
		while (i < vlen && v[i] != ',')
			i++;
		end = i;
		while (end > start && (v[end - 1] == ' ' || v[end - 1] == '\t'))
			end--;
		if (end - start == tlen && strncasecmp(v + start, token,
		    tlen) == 0)
			return (1);
	}
	return (0);
}

static int
header(struct httpup *r, const char *name, size_t nlen, const char *v,
    size_t vlen)
{
	size_t	i;
	int	n;

	if (nlen == 7 && strncasecmp(name, "Upgrade", 7) == 0)
		r->upgrade |= has_token(v, vlen, "websocket");
	else if (nlen == 10 && strncasecmp(name, "Connection", 10) == 0)
		r->connection_upgrade |= has_token(v, vlen, "upgrade");
	else if (nlen == 17 && strncasecmp(name, "Sec-WebSocket-Key", 17) == 0) {
		if (vlen == 0 || vlen >= sizeof r->ws_key)
			return (invalid(r, 400, "bad Sec-WebSocket-Key"));
		memcpy(r->ws_key, v, vlen);
		r->ws_key[vlen] = '\0';
	} else if (nlen == 21 &&
	    strncasecmp(name, "Sec-WebSocket-Version", 21) == 0) {
		/* RFC 6455: 1*DIGIT, 0 to 255 */
		for (i = 0, n = 0; i < vlen; i++) {
			if (v[i] < '0' || v[i] > '9' ||
			    (n = n * 10 + (v[i] - '0')) > 255)
				break;
		}
		if (vlen == 0 || i != vlen)
			return (invalid(r, 400, "bad Sec-WebSocket-Version"));
		r->ws_version = n;
	}
	return (HTTPUP_OK);
}

static int
request_line(struct httpup *r, const char *p, size_t len)
{
	const char	*sp1, *sp2, *target, *q;
	size_t		 mlen, tlen, plen;

	if ((sp1 = memchr(p, ' ', len)) == NULL)
		return (invalid(r, 400, "malformed request line"));
	mlen = (size_t)(sp1 - p);
	if (mlen == 0 || mlen >= sizeof r->method)
		return (invalid(r, 400, "malformed request method"));
	memcpy(r->method, p, mlen);
	r->method[mlen] = '\0';
	target = sp1 + 1;
	sp2 = memchr(target, ' ', len - mlen - 1);
	if (sp2 == NULL || sp2 == target || *target != '/')
		return (invalid(r, 400, "malformed request target"));
	if ((size_t)(p + len - (sp2 + 1)) != 8 ||
	    strncmp(sp2 + 1, "HTTP/", 5) != 0 || sp2[6] < '0' ||
	    sp2[6] > '9' || sp2[7] != '.' || sp2[8] < '0' || sp2[8] > '9')
		return (invalid(r, 400, "malformed HTTP version"));
	if (sp2[6] != '1' || sp2[8] != '1')
		return (invalid(r, 505, "HTTP/1.1 required"));
	tlen = (size_t)(sp2 - target);
	q = memchr(target, '?', tlen);
	plen = q != NULL ? (size_t)(q - target) : tlen;
	if (plen >= sizeof r->path)
		return (invalid(r, 414, "request path too long"));
	memcpy(r->path, target, plen);
	r->path[plen] = '\0';
	if (q != NULL) {
		if (tlen - plen - 1 >= sizeof r->query)
			return (invalid(r, 414, "query string too long"));
		memcpy(r->query, q + 1, tlen - plen - 1);
		r->query[tlen - plen - 1] = '\0';
	}
	return (HTTPUP_OK);
}

enum httpup_result
httpup_parse(const char *buf, size_t len, struct httpup *r)
{
	const char	*end = NULL, *p, *eol, *colon, *v;
	size_t		 i, n, vlen;
	int		 first = 1, rc;

	memset(r, 0, sizeof *r);
	for (i = 0; i + 3 < len && i + 4 <= HTTPUP_MAX_REQUEST; i++) {
		if (buf[i] == '\r' && buf[i + 1] == '\n' &&
		    buf[i + 2] == '\r' && buf[i + 3] == '\n') {
			end = buf + i + 2;	/* keep the last header's CRLF */
			break;
		}
	}
	for (i = 0; i < len && i < HTTPUP_MAX_REQUEST; i++) {
		unsigned char c = (unsigned char)buf[i];

		if (end != NULL && buf + i >= end)
			break;
		if (c == 0 || (c < 32 && c != '\r' && c != '\n' &&
		    c != '\t') || c == 127)
			return (invalid(r, 400, "control character in request"));
		if ((c == '\r' && i + 1 < len && buf[i + 1] != '\n') ||
		    (c == '\n' && (i == 0 || buf[i - 1] != '\r')))
			return (invalid(r, 400, "bare CR or LF in request"));
	}
	if (end == NULL) {
		if (len >= HTTPUP_MAX_REQUEST)
			return (invalid(r, 431, "request head too large"));
		return (HTTPUP_AGAIN);
	}
	r->length = (size_t)(end - buf) + 2;

	for (p = buf; p < end; p = eol + 2) {
		eol = p;
		while (eol + 1 < end + 2 && !(eol[0] == '\r' && eol[1] == '\n'))
			eol++;
		n = (size_t)(eol - p);
		if (first) {
			if ((rc = request_line(r, p, n)) != HTTPUP_OK)
				return (rc);
			first = 0;
			continue;
		}
		if (n > 0 && (p[0] == ' ' || p[0] == '\t'))
			return (invalid(r, 400, "folded header"));
		if ((colon = memchr(p, ':', n)) == NULL || colon == p)
			return (invalid(r, 400, "malformed header"));
		for (v = p; v < colon; v++) {
			if (*v == ' ' || *v == '\t')
				return (invalid(r, 400, "space in header name"));
		}
		v = colon + 1;
		while (v < eol && (*v == ' ' || *v == '\t'))
			v++;
		vlen = (size_t)(eol - v);
		while (vlen > 0 && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
			vlen--;
		if ((rc = header(r, p, (size_t)(colon - p), v, vlen)) !=
		    HTTPUP_OK)
			return (rc);
	}
	return (HTTPUP_OK);
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	if (c >= 'A' && c <= 'F')
		return (c - 'A' + 10);
	return (-1);
}

/*
 * Finds key in a query string and writes its percent-decoded value into out.
 * Returns 1 if found and it fits, 0 if absent, -1 if malformed (a decoded
 * NUL included) or too long.
 */
int
httpup_query_get(const char *query, const char *key, char *out, size_t size)
{
	size_t		 klen = strlen(key), o;
	const char	*p = query, *amp, *v;
	int		 h, l;

	while (*p != '\0') {
		amp = strchr(p, '&');
		if (amp == NULL)
			amp = p + strlen(p);
		if ((size_t)(amp - p) >= klen && strncmp(p, key, klen) == 0 &&
		    (p[klen] == '=' || p + klen == amp)) {
			v = p + klen + (p[klen] == '=');
			for (o = 0; v < amp; v++) {
				if (o + 1 >= size)
					return (-1);
				if (*v == '%') {
					if (amp - v < 3)
						return (-1);
					if ((h = hexval(v[1])) == -1 ||
					    (l = hexval(v[2])) == -1 ||
					    (h == 0 && l == 0))
						return (-1);
					out[o++] = (char)(h * 16 + l);
					v += 2;
				} else if (*v == '+')
					out[o++] = ' ';
				else
					out[o++] = *v;
			}
			out[o] = '\0';
			return (1);
		}
		p = *amp == '&' ? amp + 1 : amp;
	}
	return (0);
}
