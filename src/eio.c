/* Engine.IO v4 packet codec. Pure. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "eio.h"

static const char *eio_error_messages[] = {
	"Transport unknown",
	"Session ID unknown",
	"Bad handshake method",
	"Bad request",
	"Forbidden",
	"Unsupported protocol version"
};

/*
 * Splits a text frame into its type and payload (which points into data).
 * Returns -1 for an empty frame or an unknown type.
 */
int
eio_decode(const char *data, size_t len, enum eio_type *type,
    const char **payload, size_t *plen)
{
	if (len == 0 || data[0] < '0' || data[0] > '6')
		return (-1);
	*type = (enum eio_type)(data[0] - '0');
	*payload = data + 1;
	*plen = len - 1;
	return (0);
}

/* The open packet. Returns its length, or -1 if size is too small. */
int
eio_open_packet(char *buf, size_t size, const char *sid,
    unsigned ping_interval, unsigned ping_timeout, unsigned long max_payload)
{
	int	n;

	n = snprintf(buf, size, "%d{\"sid\":\"%s\",\"upgrades\":[],"
	    "\"pingInterval\":%u,\"pingTimeout\":%u,\"maxPayload\":%lu}",
	    EIO_OPEN, sid, ping_interval, ping_timeout, max_payload);
	if (n < 0 || (size_t)n >= size)
		return (-1);
	return (n);
}

/* The JSON body of a refused handshake. Returns its length or -1. */
int
eio_error_body(char *buf, size_t size, enum eio_error code)
{
	int	n;

	if ((unsigned)code >= sizeof eio_error_messages /
	    sizeof eio_error_messages[0])
		return (-1);
	n = snprintf(buf, size, "{\"code\":%d,\"message\":\"%s\"}", (int)code,
	    eio_error_messages[code]);
	if (n < 0 || (size_t)n >= size)
		return (-1);
	return (n);
}

/* A session id: 15 random bytes as 20 characters of base64url. */
void
eio_sid_format(char out[EIO_SID_LEN + 1], const uint8_t rnd[15])
{
	static const char	 tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				    "abcdefghijklmnopqrstuvwxyz0123456789-_";
	size_t			 i, o = 0;
	uint32_t		 v;

	for (i = 0; i < 15; i += 3) {
		v = (uint32_t)rnd[i] << 16 | (uint32_t)rnd[i + 1] << 8 |
		    rnd[i + 2];
		out[o++] = tab[(v >> 18) & 63];
		out[o++] = tab[(v >> 12) & 63];
		out[o++] = tab[(v >> 6) & 63];
		out[o++] = tab[v & 63];
	}
	out[o] = '\0';
}
