/* Socket.IO v5 packet header codec. Pure. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "sio.h"

/*
 * Splits a packet; pointers in p point into s. Returns -1 with a static
 * reason in *cause when the header is malformed.
 */
int
sio_decode(const char *s, size_t len, struct sio_packet *p,
    const char **cause)
{
	size_t		i = 0, start;
	long long	n;

	memset(p, 0, sizeof *p);
	p->ack_id = -1;
	if (len == 0 || s[0] < '0' || s[0] > '6') {
		*cause = "unknown packet type";
		return (-1);
	}
	p->type = (enum sio_type)(s[i++] - '0');

	if (p->type == SIO_BINARY_EVENT || p->type == SIO_BINARY_ACK) {
		n = 0;
		start = i;
		while (i < len && s[i] >= '0' && s[i] <= '9' && i - start < 4)
			n = n * 10 + (s[i++] - '0');
		if (i == start || i >= len || s[i] != '-') {
			*cause = "bad attachment count";
			return (-1);
		}
		i++;
		if (n < 1 || n > SIO_MAX_ATTACHMENTS) {
			*cause = "too many or too few attachments";
			return (-1);
		}
		p->attachments = (unsigned)n;
	}

	if (i < len && s[i] == '/') {
		start = i;
		while (i < len && s[i] != ',') {
			if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) {
				*cause = "control character in namespace";
				return (-1);
			}
			i++;
		}
		if (i - start > SIO_MAX_NSP) {
			*cause = "namespace too long";
			return (-1);
		}
		p->nsp = s + start;
		p->nsp_len = i - start;
		if (i < len)
			i++;	/* the comma */
	} else {
		p->nsp = "/";
		p->nsp_len = 1;
	}

	if (i < len && s[i] >= '0' && s[i] <= '9') {
		n = 0;
		start = i;
		while (i < len && s[i] >= '0' && s[i] <= '9') {
			n = n * 10 + (s[i++] - '0');
			if (n > SIO_MAX_ACK_ID) {
				*cause = "ack id too large";
				return (-1);
			}
		}
		p->ack_id = n;
	}
	p->data = s + i;
	p->data_len = len - i;

	switch (p->type) {
	case SIO_CONNECT:
	case SIO_DISCONNECT:
	case SIO_CONNECT_ERROR:
		if (p->ack_id != -1) {
			*cause = "ack id on a packet that takes none";
			return (-1);
		}
		break;
	case SIO_ACK:
	case SIO_BINARY_ACK:
		if (p->ack_id == -1) {
			*cause = "ack without an id";
			return (-1);
		}
		break;
	default:
		break;
	}
	if (p->type == SIO_DISCONNECT && p->data_len != 0) {
		*cause = "disconnect with a payload";
		return (-1);
	}
	if (p->type != SIO_CONNECT && p->type != SIO_DISCONNECT &&
	    p->data_len == 0) {
		*cause = "missing payload";
		return (-1);
	}
	return (0);
}

/*
 * Writes a packet header (the payload follows it). The namespace is left out
 * when it is "/". Returns the length, or -1 if size is too small.
 */
int
sio_encode_header(char *buf, size_t size, enum sio_type type,
    unsigned attachments, const char *nsp, int64_t ack_id)
{
	size_t	o = 0;
	int	n;

	n = snprintf(buf, size, "%d", (int)type);
	if (n < 0 || (size_t)n >= size)
		return (-1);
	o = (size_t)n;
	if (type == SIO_BINARY_EVENT || type == SIO_BINARY_ACK) {
		n = snprintf(buf + o, size - o, "%u-", attachments);
		if (n < 0 || (size_t)n >= size - o)
			return (-1);
		o += (size_t)n;
	}
	if (nsp != NULL && strcmp(nsp, "/") != 0) {
		n = snprintf(buf + o, size - o, "%s,", nsp);
		if (n < 0 || (size_t)n >= size - o)
			return (-1);
		o += (size_t)n;
	}
	if (ack_id >= 0) {
		n = snprintf(buf + o, size - o, "%lld", (long long)ack_id);
		if (n < 0 || (size_t)n >= size - o)
			return (-1);
		o += (size_t)n;
	}
	return ((int)o);
}
