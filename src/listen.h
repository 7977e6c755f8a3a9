/* Listening sockets for the client port (the control plane uses evhttp). */
#ifndef LISTEN_H
#define LISTEN_H

#include <event2/util.h>

struct event_base;
struct listener;

typedef void (*listener_accept_cb)(evutil_socket_t, void *);

struct listener	*listener_new(struct event_base *, const char *,
		     listener_accept_cb, void *, char **);
struct listener	*listener_new_fd(struct event_base *, evutil_socket_t,
		     listener_accept_cb, void *);
void		 listener_free(struct listener *);
evutil_socket_t	 listener_fd(struct listener *);
void		 listener_enable(struct listener *, int);
int		 listener_port(struct listener *);
const char	*listener_address(struct listener *);
int		 socket_local_port(evutil_socket_t);

#endif
