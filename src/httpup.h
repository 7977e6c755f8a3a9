/*
 * The HTTP/1.1 request that opens a client connection (normally a WebSocket
 * upgrade). Pure: bytes in, a parsed request or a reason out. evhttp is kept
 * for the control plane; it cannot hand a connection over to wslay.
 */
#ifndef HTTPUP_H
#define HTTPUP_H

#include <stddef.h>

#define HTTPUP_MAX_REQUEST	8192	/* request line + headers */

enum httpup_result {
	HTTPUP_OK,		/* a whole request head was parsed */
	HTTPUP_AGAIN,		/* need more bytes */
	HTTPUP_INVALID		/* not HTTP we accept: see status, error */
};

struct httpup {
	char		 method[16];
	char		 path[256];	/* without the query */
	char		 query[1024];	/* after '?', still percent-encoded */
	char		 ws_key[64];	/* Sec-WebSocket-Key */
	int		 ws_version;	/* Sec-WebSocket-Version, 0 if none */
	int		 upgrade;	/* Upgrade: websocket */
	int		 connection_upgrade; /* Connection: ... upgrade ... */
	size_t		 length;	/* bytes of the request head */
	int		 status;	/* HTTPUP_INVALID: 400, 414, 431, 505 */
	const char	*error;		/* HTTPUP_INVALID: why */
};

enum httpup_result httpup_parse(const char *, size_t, struct httpup *);
int	httpup_query_get(const char *, const char *, char *, size_t);

#endif
