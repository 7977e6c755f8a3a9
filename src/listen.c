/* TCP listeners: bind HOST:PORT (port 0 picks one) and hand out fds. */
#include "config.h"

#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/listener.h>

#include "listen.h"
#include "log.h"
#include "options.h"
#include "xmalloc.h"

#define LISTENER_PAUSE_MS	100	/* after accept fails, e.g. EMFILE */

struct listener {
	struct evconnlistener	*ev;
	struct event		*resume;
	listener_accept_cb	 cb;
	void			*arg;
	int			 port;
	char			 address[300];
};

static void
listener_accept(struct evconnlistener *ev, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct listener	*l = arg;

	l->cb(fd, l->arg);
}

static void
listener_resume_cb(evutil_socket_t fd, short events, void *arg)
{
	struct listener	*l = arg;

	evconnlistener_enable(l->ev);
}

/*
 * EMFILE and friends: the listener would fail again at once and spin, so
 * pause it briefly; the kernel's backlog holds new clients meanwhile.
 */
static void
listener_error(struct evconnlistener *ev, void *arg)
{
	struct listener	*l = arg;
	int		 err = EVUTIL_SOCKET_ERROR();
	struct timeval	 tv = { 0, LISTENER_PAUSE_MS * 1000 };

	log_warn("listener=%s accept failed: %s: pausing %d ms", l->address,
	    evutil_socket_error_to_string(err), LISTENER_PAUSE_MS);
	evconnlistener_disable(l->ev);
	evtimer_add(l->resume, &tv);
}

/* The port a bound socket got, or -1. */
int
socket_local_port(evutil_socket_t fd)
{
	struct sockaddr_storage	ss;
	socklen_t		len = sizeof ss;

	if (getsockname(fd, (struct sockaddr *)&ss, &len) == -1)
		return (-1);
	if (ss.ss_family == AF_INET)
		return (ntohs(((struct sockaddr_in *)&ss)->sin_port));
	if (ss.ss_family == AF_INET6)
		return (ntohs(((struct sockaddr_in6 *)&ss)->sin6_port));
	return (-1);
}

/* Caller frees with listener_free. On failure *cause says why. */
struct listener *
listener_new(struct event_base *base, const char *address,
    listener_accept_cb cb, void *arg, char **cause)
{
	struct listener		*l;
	struct sockaddr_storage	 ss;
	int			 sslen = sizeof ss, port;
	char			*host, *why, spec[300];

	if (address_parse(address, &host, &port, &why) != 0) {
		*cause = why;
		return (NULL);
	}
	/* libevent refuses an explicit port 0: parse the host alone. */
	snprintf(spec, sizeof spec, "%s", host);
	memset(&ss, 0, sizeof ss);
	if (evutil_parse_sockaddr_port(spec, (struct sockaddr *)&ss,
	    &sslen) != 0) {
		xasprintf(cause, "%s: not a numeric address", address);
		free(host);
		return (NULL);
	}
	if (ss.ss_family == AF_INET)
		((struct sockaddr_in *)&ss)->sin_port = htons((uint16_t)port);
	else
		((struct sockaddr_in6 *)&ss)->sin6_port = htons((uint16_t)port);
	l = xcalloc(1, sizeof *l);
	l->cb = cb;
	l->arg = arg;
	l->ev = evconnlistener_new_bind(base, listener_accept, l,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_EXEC,
	    1024, (struct sockaddr *)&ss, sslen);
	if (l->ev == NULL) {
		xasprintf(cause, "%s: %s", address, strerror(errno));
		free(host);
		free(l);
		return (NULL);
	}
	evconnlistener_set_error_cb(l->ev, listener_error);
	l->resume = evtimer_new(base, listener_resume_cb, l);
	l->port = socket_local_port(evconnlistener_get_fd(l->ev));
	if (strchr(host, ':') != NULL)
		snprintf(l->address, sizeof l->address, "[%s]:%d", host,
		    l->port);
	else
		snprintf(l->address, sizeof l->address, "%s:%d", host,
		    l->port);
	free(host);
	return (l);
}

/* The address of a bound socket, as "host:port" or "[host]:port". */
static void
listener_name(struct listener *l, evutil_socket_t fd)
{
	struct sockaddr_storage	ss;
	socklen_t		len = sizeof ss;
	char			host[INET6_ADDRSTRLEN] = "?";

	memset(&ss, 0, sizeof ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &len) == 0) {
		if (ss.ss_family == AF_INET)
			inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->
			    sin_addr, host, sizeof host);
		else if (ss.ss_family == AF_INET6)
			inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->
			    sin6_addr, host, sizeof host);
	}
	l->port = socket_local_port(fd);
	snprintf(l->address, sizeof l->address, ss.ss_family == AF_INET6 ?
	    "[%s]:%d" : "%s:%d", host, l->port);
}

/* A listener on a socket that already listens (passed by a migration). */
struct listener *
listener_new_fd(struct event_base *base, evutil_socket_t fd,
    listener_accept_cb cb, void *arg)
{
	struct listener	*l;

	l = xcalloc(1, sizeof *l);
	l->cb = cb;
	l->arg = arg;
	evutil_make_socket_nonblocking(fd);
	l->ev = evconnlistener_new(base, listener_accept, l,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC |
	    LEV_OPT_DISABLED, 0, fd);
	if (l->ev == NULL)
		fatalx("evconnlistener_new failed");
	evconnlistener_set_error_cb(l->ev, listener_error);
	l->resume = evtimer_new(base, listener_resume_cb, l);
	listener_name(l, fd);
	return (l);
}

evutil_socket_t
listener_fd(struct listener *l)
{
	return (evconnlistener_get_fd(l->ev));
}

/* Accepting stops (clients wait in the kernel's backlog) or starts. */
void
listener_enable(struct listener *l, int on)
{
	if (on)
		evconnlistener_enable(l->ev);
	else {
		evtimer_del(l->resume);
		evconnlistener_disable(l->ev);
	}
}

void
listener_free(struct listener *l)
{
	if (l == NULL)
		return;
	evconnlistener_free(l->ev);
	event_free(l->resume);
	free(l);
}

int
listener_port(struct listener *l)
{
	return (l->port);
}

const char *
listener_address(struct listener *l)
{
	return (l->address);
}

