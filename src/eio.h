/*
 * Engine.IO v4 packets over WebSocket: one packet per frame. Text frames
 * start with the packet type digit; binary frames are messages with no
 * prefix. Pure.
 */
#ifndef EIO_H
#define EIO_H

#include <stddef.h>
#include <stdint.h>

#define EIO_PROTOCOL	4	/* the EIO= query value we speak */
#define EIO_SID_LEN	20

enum eio_type {
	EIO_OPEN = 0,
	EIO_CLOSE,
	EIO_PING,
	EIO_PONG,
	EIO_MESSAGE,
	EIO_UPGRADE,
	EIO_NOOP
};

/* Handshake error codes, as the reference server sends them in a 400. */
enum eio_error {
	EIO_ERR_UNKNOWN_TRANSPORT = 0,
	EIO_ERR_UNKNOWN_SID,
	EIO_ERR_BAD_HANDSHAKE_METHOD,
	EIO_ERR_BAD_REQUEST,
	EIO_ERR_FORBIDDEN,
	EIO_ERR_UNSUPPORTED_PROTOCOL_VERSION
};

int	 eio_decode(const char *, size_t, enum eio_type *, const char **,
	     size_t *);
int	 eio_open_packet(char *, size_t, const char *, unsigned, unsigned,
	     unsigned long);
int	 eio_error_body(char *, size_t, enum eio_error);
void	 eio_sid_format(char [EIO_SID_LEN + 1], const uint8_t [15]);

#endif
