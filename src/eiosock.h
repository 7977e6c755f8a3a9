/*
 * An Engine.IO v4 socket over a WebSocket (the only transport zoned
 * offers): the handshake checks, the open packet, server pings and the
 * pong deadline, and message framing.
 */
#ifndef EIOSOCK_H
#define EIOSOCK_H

#include <stddef.h>
#include <stdint.h>

#include <event2/util.h>

#include "eio.h"

struct event_base;
struct eiosock;
struct snapr;
struct snapw;

struct eiosock_config {
	const char	*path;		/* "/socket.io/" */
	unsigned	 ping_interval;	/* ms */
	unsigned	 ping_timeout;	/* ms */
	size_t		 max_payload;	/* bytes per message */
	size_t		 output_limit;	/* queued bytes per client */
};

struct eiosock_callbacks {
	void	(*open)(struct eiosock *, void *);
	/* A message: text (binary 0) or binary (1). */
	void	(*message)(struct eiosock *, int, const uint8_t *, size_t,
		    void *);
	/* Once, from a deferred event: the owner may eiosock_free now. */
	void	(*closed)(struct eiosock *, const char *, void *);
};

struct eiosock	*eiosock_new(struct event_base *, evutil_socket_t,
		     const struct eiosock_config *,
		     const struct eiosock_callbacks *, void *);
void		 eiosock_free(struct eiosock *);
int		 eiosock_send(struct eiosock *, int, const void *, size_t);
int		 eiosock_send_parts(struct eiosock *, const void *, size_t,
		     const void *, size_t);
void		 eiosock_close(struct eiosock *, uint16_t, const char *);
void		 eiosock_pause_reading(struct eiosock *, int);
const char	*eiosock_sid(struct eiosock *);
const char	*eiosock_peer(struct eiosock *);
size_t		 eiosock_output_queued(struct eiosock *);
void		 eiosock_write_now(struct eiosock *);

/* Live migration (eiosock.c says what travels). */
int		 eiosock_migratable(struct eiosock *);
evutil_socket_t	 eiosock_fd(struct eiosock *);
void		 eiosock_save(struct eiosock *, struct snapw *);
struct eiosock	*eiosock_restore(struct event_base *, evutil_socket_t,
		     const struct eiosock_config *,
		     const struct eiosock_callbacks *, void *, struct snapr *,
		     char **);
void		 eiosock_resume(struct eiosock *);

#endif
