/*
 * The floor under a tick's cost: one small write() to a loopback TCP
 * socket, which zoned does once per client per tick. On loopback the
 * writer's write() also runs the receiver's side of TCP, so this is what
 * a tick pays per client before any game work; compare it with the
 * server's cost per tick divided by its clients.
 *
 * A pair over 127.0.0.1 with TCP_NODELAY (as zoned's client sockets);
 * the reader is drained every few writes, untimed, so that the buffer
 * never fills and no write waits.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "xmalloc.h"
#include "zoned-bench-common.h"

#define FLOOR_DRAIN_EVERY	16
#define FLOOR_WARMUP		1000

static uint64_t
floor_ns(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000000000 + (uint64_t)ts.tv_nsec);
}

static void
floor_drain(int fd)
{
	char	buf[65536];
	ssize_t	n;

	do
		n = read(fd, buf, sizeof buf);
	while (n > 0 || (n == -1 && errno == EINTR));
}

/* A connected pair over 127.0.0.1: *w writes, *r reads (non-blocking). */
static int
floor_pair(int *w, int *r, char **cause)
{
	struct sockaddr_in	sin;
	socklen_t		len = sizeof sin;
	int			l, one = 1;

	*w = *r = -1;
	if ((l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		goto fail;
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(l, (struct sockaddr *)&sin, sizeof sin) == -1 ||
	    listen(l, 1) == -1 ||
	    getsockname(l, (struct sockaddr *)&sin, &len) == -1)
		goto fail;
	if ((*w = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    connect(*w, (struct sockaddr *)&sin, sizeof sin) == -1 ||
	    (*r = accept(l, NULL, NULL)) == -1)
		goto fail;
	close(l);
	(void)setsockopt(*w, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	if (fcntl(*r, F_SETFL, fcntl(*r, F_GETFL) | O_NONBLOCK) == -1)
		goto fail;
	return (0);

fail:
	xasprintf(cause, "loopback pair: %s", strerror(errno));
	if (l != -1)
		close(l);
	if (*w != -1)
		close(*w);
	if (*r != -1)
		close(*r);
	return (-1);
}

/*
 * Times sends writes of size bytes each. Returns 0, or -1 with *cause
 * (caller frees).
 */
int
floor_run(unsigned sends, size_t size, struct floor_result *res,
    char **cause)
{
	struct hist	*h;
	uint8_t		*buf;
	uint64_t	 t0, t1, clk = 0;
	unsigned	 i;
	ssize_t		 n;
	int		 w, r;

	if (floor_pair(&w, &r, cause) != 0)
		return (-1);
	buf = xcalloc(1, size);
	h = xcalloc(1, sizeof *h);

	/* What the clock itself costs, taken off every sample. */
	t0 = floor_ns();
	for (i = 0; i < 100000; i++)
		(void)floor_ns();
	clk = (floor_ns() - t0) / 100000;

	for (i = 0; i < FLOOR_WARMUP + sends; i++) {
		t0 = floor_ns();
		do
			n = write(w, buf, size);
		while (n == -1 && errno == EINTR);
		t1 = floor_ns();
		if (n != (ssize_t)size) {
			xasprintf(cause, "write: %s", n == -1 ?
			    strerror(errno) : "short");
			free(buf);
			free(h);
			close(w);
			close(r);
			return (-1);
		}
		if (i >= FLOOR_WARMUP)
			hist_add(h, t1 - t0 > clk ? t1 - t0 - clk : 0);
		if (i % FLOOR_DRAIN_EVERY == FLOOR_DRAIN_EVERY - 1)
			floor_drain(r);
	}
	res->sends = sends;
	res->size = size;
	res->mean_us = hist_mean(h) / 1e3;
	res->p50_us = (double)hist_pct(h, 0.5) / 1e3;
	res->p99_us = (double)hist_pct(h, 0.99) / 1e3;
	res->max_us = (double)h->max / 1e3;
	res->clock_us = (double)clk / 1e3;
	free(buf);
	free(h);
	close(w);
	close(r);
	return (0);
}
