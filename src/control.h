/* The HTTP control plane (evhttp): DESIGN.md section 2. */
#ifndef CONTROL_H
#define CONTROL_H

#include <event2/util.h>

struct instance;

#define CONTROL_MAX_BODY	(1024 * 1024)

int	control_init(struct instance *, char **);
void	control_init_fd(struct instance *, evutil_socket_t);
void	control_free(struct instance *);
evutil_socket_t control_listen_fd(struct instance *);
void	control_enable(struct instance *, int);

#endif
