/*
 * Socket.IO v5 packet headers. A packet is
 *	<type>[<attachments>-][<namespace>,][<ack id>][<JSON payload>]
 * This codec splits and builds the header; the JSON payload is checked by
 * the caller (siosock.c, with json-c). Pure.
 */
#ifndef SIO_H
#define SIO_H

#include <stddef.h>
#include <stdint.h>

#define SIO_PROTOCOL		5
#define SIO_MAX_ATTACHMENTS	10	/* current clients refuse more */
#define SIO_MAX_NSP		128
#define SIO_MAX_ACK_ID		4294967295LL

enum sio_type {
	SIO_CONNECT = 0,
	SIO_DISCONNECT,
	SIO_EVENT,
	SIO_ACK,
	SIO_CONNECT_ERROR,
	SIO_BINARY_EVENT,
	SIO_BINARY_ACK
};

struct sio_packet {
	enum sio_type	 type;
	unsigned	 attachments;	/* binary types only */
	const char	*nsp;		/* points into the input, or "/" */
	size_t		 nsp_len;
	int64_t		 ack_id;	/* -1 when none */
	const char	*data;		/* JSON payload, may be empty */
	size_t		 data_len;
};

int	sio_decode(const char *, size_t, struct sio_packet *, const char **);
int	sio_encode_header(char *, size_t, enum sio_type, unsigned,
	    const char *, int64_t);

#endif
