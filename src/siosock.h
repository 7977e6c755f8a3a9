/*
 * A Socket.IO v5 connection on top of an Engine.IO socket: namespace
 * CONNECT/DISCONNECT, events and acks, binary attachments, the connect
 * deadline. The application decides who may connect and what events mean.
 */
#ifndef SIOSOCK_H
#define SIOSOCK_H

#include <stddef.h>
#include <stdint.h>

#include <event2/util.h>

#include "eiosock.h"
#include "sio.h"

struct event_base;
struct json_object;
struct siosock;
struct snapr;
struct snapw;

#define SIOSOCK_MAX_NSPS	8	/* namespaces open on one connection */

struct siosock_config {
	struct eiosock_config	 eio;
	unsigned		 connect_timeout;	/* ms */
	/*
	 * Close the connection after refusing a CONNECT when no namespace is
	 * joined (zoned: a bad ticket ends the connection); otherwise it stays
	 * open until the connect deadline, as the reference server does.
	 */
	int			 close_on_refusal;
};

struct sio_attachment {
	const uint8_t	*data;
	size_t		 len;
};

struct siosock_callbacks {
	/*
	 * A CONNECT to nsp with its auth object (NULL when none). Return 0
	 * to accept, or -1 with *message and *code set (static strings).
	 */
	int	(*connect)(struct siosock *, const char *, struct json_object *,
		    void *, const char **, const char **);
	/* Called after the CONNECT answer went out, with the same auth. */
	void	(*connected)(struct siosock *, const char *,
		    struct json_object *, void *);
	/*
	 * An EVENT: args is the whole array (name first; binary attachments
	 * stay as placeholders and come in att). ack_id is -1 if none.
	 */
	void	(*event)(struct siosock *, const char *, struct json_object *,
		    const struct sio_attachment *, size_t, int64_t, void *);
	/* The client left nsp (DISCONNECT), the connection stays. */
	void	(*disconnect)(struct siosock *, const char *, void *);
	/* Once, from a deferred event: the owner may siosock_free now. */
	void	(*closed)(struct siosock *, const char *, void *);
};

struct siosock	*siosock_new(struct event_base *, evutil_socket_t,
		     const struct siosock_config *,
		     const struct siosock_callbacks *, void *);
void		 siosock_free(struct siosock *);
int		 siosock_emit(struct siosock *, const char *,
		     struct json_object *, const struct sio_attachment *,
		     size_t);
int		 siosock_emit_raw(struct siosock *, const char *,
		     const char *, size_t);
int		 siosock_emit_raw_binary(struct siosock *, const char *,
		     const char *, size_t, const struct sio_attachment *,
		     size_t);
int		 siosock_ack(struct siosock *, const char *, int64_t,
		     struct json_object *, const struct sio_attachment *,
		     size_t);
void		 siosock_disconnect(struct siosock *, const char *);
void		 siosock_close(struct siosock *, uint16_t, const char *);
void		 siosock_pause_reading(struct siosock *, int);
const char	*siosock_peer(struct siosock *);
const char	*siosock_sid(struct siosock *);
size_t		 siosock_output_queued(struct siosock *);
void		 siosock_write_now(struct siosock *);

/* Live migration (siosock.c says what travels). */
int		 siosock_migratable(struct siosock *);
evutil_socket_t	 siosock_fd(struct siosock *);
void		 siosock_save(struct siosock *, struct snapw *);
struct siosock	*siosock_restore(struct event_base *, evutil_socket_t,
		     const struct siosock_config *,
		     const struct siosock_callbacks *, void *, struct snapr *,
		     char **);
void		 siosock_resume(struct siosock *);

#endif
