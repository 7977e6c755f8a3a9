/* sd_notify(3) by hand: one datagram to $NOTIFY_SOCKET (sdnotify.h). */
#include "config.h"

#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "sdnotify.h"

/*
 * Sends state ("READY=1", "MAINPID=N", ...). Returns 0 if it was sent or
 * there is no systemd to tell, -1 (logged) if sending failed.
 */
int
sdnotify(const char *state)
{
	const char		*path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un	 sun;
	socklen_t		 len;
	size_t			 plen;
	int			 s, rv = 0;

	if (path == NULL || (path[0] != '/' && path[0] != '@'))
		return (0);
	plen = strlen(path);
	if (plen >= sizeof sun.sun_path) {
		log_warn("NOTIFY_SOCKET is too long: not telling systemd");
		return (-1);
	}
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, plen);
	if (path[0] == '@')
		sun.sun_path[0] = '\0';		/* abstract namespace */
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + plen);
	if ((s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1 ||
	    sendto(s, state, strlen(state), MSG_NOSIGNAL,
	    (struct sockaddr *)&sun, len) == -1) {
		log_warn("NOTIFY_SOCKET %s: %s", path, strerror(errno));
		rv = -1;
	}
	if (s != -1)
		close(s);
	return (rv);
}
