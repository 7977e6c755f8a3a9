/*
 * fdpass: the fd and snapshot hand-over of a live migration. The protocol
 * is described in fdpass.h. Everything blocks in poll() until a deadline
 * for the whole transfer; sockets are used with MSG_DONTWAIT so a full
 * buffer never blocks past it, whatever the socket's own mode.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fdpass.h"
#include "xmalloc.h"

#define FDPASS_HELLO_LEN	(FDPASS_PREFIX_LEN + 12)
#define FDPASS_CHUNK_HDR	(FDPASS_PREFIX_LEN + 8)
#define FDPASS_BATCH_HDR	(FDPASS_PREFIX_LEN + 8)
#define FDPASS_ACK_LEN		(FDPASS_PREFIX_LEN + 4)
#define FDPASS_DONE_LEN		(FDPASS_PREFIX_LEN + 12)
#define FDPASS_CHUNK_MIN	4096	/* smallest chunk after EMSGSIZE */

/* The largest message either side accepts. */
#define FDPASS_MSG_MAX		(FDPASS_CHUNK_HDR + FDPASS_CHUNK)
/* The largest message the sender accepts (ERROR). */
#define FDPASS_REPLY_MAX	(FDPASS_PREFIX_LEN + FDPASS_CAUSE_MAX)

/* sendmsg refused the message as too big for the socket; no cause set. */
#define FDPASS_TOOBIG		(-2)

/* One side of one transfer. */
struct fdpass_io {
	int		 sock;
	int		 forever;	/* no deadline */
	int		 timeout_ms;
	int		 sender;	/* the side that sends the fds */
	int		 watch;		/* sender: watch for early replies */
	struct timespec	 deadline;	/* CLOCK_MONOTONIC */
};

union fdpass_cmsg {
	struct cmsghdr	hdr;
	char		buf[CMSG_SPACE(sizeof (int) * FDPASS_BATCH)];
};

static void
put16(unsigned char *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static void
put32(unsigned char *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = (v >> 16) & 0xff;
	p[2] = (v >> 8) & 0xff;
	p[3] = v & 0xff;
}

static void
put64(unsigned char *p, uint64_t v)
{
	put32(p, v >> 32);
	put32(p + 4, v & 0xffffffffU);
}

static uint16_t
get16(const unsigned char *p)
{
	return ((uint16_t)(p[0] << 8 | p[1]));
}

static uint32_t
get32(const unsigned char *p)
{
	return ((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | (uint32_t)p[3]);
}

static uint64_t
get64(const unsigned char *p)
{
	return ((uint64_t)get32(p) << 32 | get32(p + 4));
}

/* Writes the common prefix of a message of type. */
static void
fdpass_prefix(unsigned char *p, enum fdpass_type type)
{
	put32(p, FDPASS_MAGIC);
	put16(p + 4, FDPASS_VERSION);
	put16(p + 6, type);
}

static void
fdpass_close_all(int *fds, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		close(fds[i]);
}

static int
fdpass_cmp_id(const void *a, const void *b)
{
	uint32_t	x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x < y ? -1 : x > y);
}

/* Returns 1 if two ids are equal and sets *dup to one of them. */
static int
fdpass_has_duplicate(const uint32_t *ids, size_t n, uint32_t *dup)
{
	uint32_t	*sorted;
	size_t		 i;
	int		 found = 0;

	if (n < 2)
		return (0);
	sorted = xreallocarray(NULL, n, sizeof *sorted);
	memcpy(sorted, ids, n * sizeof *sorted);
	qsort(sorted, n, sizeof *sorted, fdpass_cmp_id);
	for (i = 1; i < n; i++) {
		if (sorted[i] == sorted[i - 1]) {
			*dup = sorted[i];
			found = 1;
			break;
		}
	}
	free(sorted);
	return (found);
}

static void
fdpass_start(struct fdpass_io *io, int sock, int timeout_ms, int sender)
{
	io->sock = sock;
	io->sender = sender;
	io->watch = 0;
	io->timeout_ms = timeout_ms;
	io->forever = timeout_ms < 0;
	clock_gettime(CLOCK_MONOTONIC, &io->deadline);
	if (!io->forever) {
		io->deadline.tv_sec += timeout_ms / 1000;
		io->deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
		if (io->deadline.tv_nsec >= 1000000000L) {
			io->deadline.tv_sec++;
			io->deadline.tv_nsec -= 1000000000L;
		}
	}
}

/*
 * Waits until the socket is ready for events (or, for the sender, has
 * something to read). Returns 0 with *revents set, or -1 with cause.
 */
static int
fdpass_wait(struct fdpass_io *io, short events, short *revents, char **cause)
{
	struct pollfd	pfd;
	struct timespec	now;
	int64_t		left_ns;
	int		ms, r;

	for (;;) {
		ms = -1;
		if (!io->forever) {
			clock_gettime(CLOCK_MONOTONIC, &now);
			left_ns = (int64_t)(io->deadline.tv_sec - now.tv_sec) *
			    1000000000 + (io->deadline.tv_nsec - now.tv_nsec);
			if (left_ns <= 0) {
				xasprintf(cause, "fd transfer timed out after "
				    "%d ms", io->timeout_ms);
				return (-1);
			}
			/* Round up so poll does not wake just too early. */
			ms = (int)((left_ns + 999999) / 1000000);
		}
		pfd.fd = io->sock;
		pfd.events = events;
		pfd.revents = 0;
		r = poll(&pfd, 1, ms);
		if (r == -1) {
			if (errno == EINTR)
				continue;
			xasprintf(cause, "poll: %s", strerror(errno));
			return (-1);
		}
		if (r == 0)
			continue;
		if (pfd.revents & POLLNVAL) {
			xasprintf(cause, "fd transfer socket is not open");
			return (-1);
		}
		/* POLLHUP and POLLERR: the next call says what happened. */
		*revents = pfd.revents;
		return (0);
	}
}

/* Copies the fds of every SCM_RIGHTS in msg to fds; returns how many. */
static size_t
fdpass_take_fds(struct msghdr *msg, int *fds, size_t max)
{
	struct cmsghdr	*cmsg;
	size_t		 n = 0, i, count;
	int		 fd;

	for (cmsg = CMSG_FIRSTHDR(msg); cmsg != NULL;
	    cmsg = CMSG_NXTHDR(msg, cmsg)) {
		if (cmsg->cmsg_level != SOL_SOCKET ||
		    cmsg->cmsg_type != SCM_RIGHTS ||
		    cmsg->cmsg_len < CMSG_LEN(0))
			continue;
		count = (cmsg->cmsg_len - CMSG_LEN(0)) / sizeof fd;
		for (i = 0; i < count; i++) {
			memcpy(&fd, CMSG_DATA(cmsg) + i * sizeof fd,
			    sizeof fd);
			if (n < max)
				fds[n++] = fd;
			else
				close(fd);	/* cannot happen: no room */
		}
	}
	return (n);
}

/*
 * Receives one message into buf (size bytes). fds, if not NULL, has room
 * for FDPASS_BATCH fds and receives *nfds of them; with fds NULL any fd
 * that arrives is closed and the message is refused. With nowait, returns
 * 1 at once if nothing is queued. Returns 0, or -1 with cause (and no fd
 * left open).
 */
static int
fdpass_recv_msg(struct fdpass_io *io, unsigned char *buf, size_t size,
    size_t *len, int *fds, size_t *nfds, int nowait, char **cause)
{
	union fdpass_cmsg	 control;
	struct msghdr		 msg;
	struct iovec		 iov;
	int			 got[FDPASS_BATCH];
	size_t			 n;
	ssize_t			 r;
	short			 revents;

	if (nfds != NULL)
		*nfds = 0;
	for (;;) {
		if (!nowait &&
		    fdpass_wait(io, POLLIN, &revents, cause) == -1)
			return (-1);
		iov.iov_base = buf;
		iov.iov_len = size;
		memset(&msg, 0, sizeof msg);
		msg.msg_iov = &iov;
		msg.msg_iovlen = 1;
		msg.msg_control = control.buf;
		msg.msg_controllen = sizeof control.buf;
		r = recvmsg(io->sock, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
		if (r == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				if (nowait)
					return (1);
				continue;
			}
			if (errno == ECONNRESET) {
				xasprintf(cause, "peer closed the fd transfer "
				    "socket (reset)");
				return (-1);
			}
			xasprintf(cause, "recvmsg: %s", strerror(errno));
			return (-1);
		}
		break;
	}
	n = fdpass_take_fds(&msg, got, FDPASS_BATCH);
	if (r == 0) {
		fdpass_close_all(got, n);
		xasprintf(cause, "peer closed the fd transfer socket");
		return (-1);
	}
	if (msg.msg_flags & MSG_TRUNC) {
		fdpass_close_all(got, n);
		xasprintf(cause, "fd transfer message too long (over %zu "
		    "bytes)", size);
		return (-1);
	}
	if (msg.msg_flags & MSG_CTRUNC) {
		fdpass_close_all(got, n);
		xasprintf(cause, "fd transfer lost fds (control data "
		    "truncated; out of descriptors?)");
		return (-1);
	}
	if (n > 0 && fds == NULL) {
		fdpass_close_all(got, n);
		xasprintf(cause, "unexpected fds on an fd transfer message");
		return (-1);
	}
	if (fds != NULL) {
		memcpy(fds, got, n * sizeof *fds);
		*nfds = n;
	}
	*len = (size_t)r;
	return (0);
}

/*
 * Checks the prefix of a message of len bytes and sets *type. Returns 0,
 * or -1 with cause.
 */
static int
fdpass_check_prefix(const unsigned char *buf, size_t len, uint16_t *type,
    char **cause)
{
	uint16_t	version;

	if (len < FDPASS_PREFIX_LEN || get32(buf) != FDPASS_MAGIC) {
		xasprintf(cause, "not an fd transfer message (bad magic)");
		return (-1);
	}
	version = get16(buf + 4);
	if (version != FDPASS_VERSION) {
		xasprintf(cause, "unsupported fd transfer version %u "
		    "(want %u)", version, FDPASS_VERSION);
		return (-1);
	}
	*type = get16(buf + 6);
	return (0);
}

/* Sets cause from an ERROR message, keeping only printable text. */
static void
fdpass_peer_refused(const unsigned char *buf, size_t len, char **cause)
{
	char	text[FDPASS_CAUSE_MAX + 1];
	size_t	i, n = len - FDPASS_PREFIX_LEN;

	if (n > FDPASS_CAUSE_MAX)
		n = FDPASS_CAUSE_MAX;
	for (i = 0; i < n; i++) {
		text[i] = (char)buf[FDPASS_PREFIX_LEN + i];
		if (buf[FDPASS_PREFIX_LEN + i] < 0x20 ||
		    buf[FDPASS_PREFIX_LEN + i] > 0x7e)
			text[i] = '?';
	}
	text[n] = '\0';
	xasprintf(cause, "fd transfer refused by peer: %s", text);
}

/*
 * Sender: receives the reply of type want (of exactly want_len bytes)
 * into buf (FDPASS_REPLY_MAX bytes). An ERROR becomes the cause. With
 * nowait, only looks at what is already queued and returns 1 if nothing
 * is. Waiting for READY, it passes over an EARLY_OK that came too late
 * to be taken up (the receiver sends it first thing) or a PREPARED not
 * waited for. Returns 0, or -1 with cause.
 */
static int
fdpass_reply(struct fdpass_io *io, unsigned char *buf, uint16_t want,
    size_t want_len, int nowait, char **cause)
{
	size_t		len;
	uint16_t	type;
	int		r;

	do {
		r = fdpass_recv_msg(io, buf, FDPASS_REPLY_MAX, &len, NULL,
		    NULL, nowait, cause);
		if (r != 0)
			return (r);
		if (fdpass_check_prefix(buf, len, &type, cause) == -1)
			return (-1);
	} while (want == FDPASS_READY && len == FDPASS_PREFIX_LEN &&
	    (type == FDPASS_EARLY_OK || type == FDPASS_PREPARED));
	if (type == FDPASS_ERROR) {
		fdpass_peer_refused(buf, len, cause);
		return (-1);
	}
	if (type != want || len != want_len) {
		xasprintf(cause, "unexpected fd transfer reply (type %u, "
		    "%zu bytes)", type, len);
		return (-1);
	}
	return (0);
}

/*
 * Sends one message made of iov (niov parts) with nfds fds. Returns 0,
 * FDPASS_TOOBIG if the socket cannot take a message this size (no cause
 * set), or -1 with cause.
 */
static int
fdpass_send_msg(struct fdpass_io *io, struct iovec *iov, int niov,
    const int *fds, size_t nfds, char **cause)
{
	union fdpass_cmsg	 control;
	struct msghdr		 msg;
	struct cmsghdr		*cmsg;
	unsigned char		 reply[FDPASS_REPLY_MAX];
	size_t			 total = 0;
	ssize_t			 r;
	short			 revents;
	int			 i;

	for (i = 0; i < niov; i++)
		total += iov[i].iov_len;
	memset(&msg, 0, sizeof msg);
	msg.msg_iov = iov;
	msg.msg_iovlen = niov;
	if (nfds > 0) {
		memset(&control, 0, sizeof control);
		msg.msg_control = control.buf;
		msg.msg_controllen = CMSG_SPACE(nfds * sizeof *fds);
		cmsg = CMSG_FIRSTHDR(&msg);
		cmsg->cmsg_level = SOL_SOCKET;
		cmsg->cmsg_type = SCM_RIGHTS;
		cmsg->cmsg_len = CMSG_LEN(nfds * sizeof *fds);
		memcpy(CMSG_DATA(cmsg), fds, nfds * sizeof *fds);
	}
	for (;;) {
		if (fdpass_wait(io, POLLOUT | (io->watch ? POLLIN : 0),
		    &revents, cause) == -1)
			return (-1);
		if (io->watch && (revents & POLLIN)) {
			/* Nothing is due now: an ERROR, a close or junk. */
			fdpass_reply(io, reply, 0, 0, 0, cause);
			return (-1);
		}
		r = sendmsg(io->sock, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (r == -1) {
			if (errno == EINTR || errno == EAGAIN ||
			    errno == EWOULDBLOCK)
				continue;
			if (errno == EMSGSIZE)
				return (FDPASS_TOOBIG);
			if (io->sender &&
			    (errno == EPIPE || errno == ECONNRESET)) {
				/* The peer may have said why it left. */
				if (fdpass_reply(io, reply, 0, 0, 1,
				    cause) != -1)
					xasprintf(cause, "peer closed the fd "
					    "transfer socket");
				return (-1);
			}
			xasprintf(cause, "sendmsg: %s", strerror(errno));
			return (-1);
		}
		if ((size_t)r != total) {
			xasprintf(cause, "short write on fd transfer socket "
			    "(%zd of %zu bytes)", r, total);
			return (-1);
		}
		return (0);
	}
}

/* Sends a message with no fds from one buffer. */
static int
fdpass_send_buf(struct fdpass_io *io, const unsigned char *buf, size_t len,
    char **cause)
{
	struct iovec	iov;
	int		r;

	iov.iov_base = (void *)buf;
	iov.iov_len = len;
	r = fdpass_send_msg(io, &iov, 1, NULL, 0, cause);
	if (r == FDPASS_TOOBIG) {
		xasprintf(cause, "sendmsg: %s", strerror(EMSGSIZE));
		return (-1);
	}
	return (r);
}

/*
 * Sends blob (len bytes) and nfds fds, each with its id in ids (unique),
 * to the peer on the connected SOCK_SEQPACKET socket sock, which runs
 * fdpass_recv. The fds stay open here. timeout_ms bounds the whole
 * transfer (negative: no limit). Returns 0 once the peer confirmed it got
 * everything, or -1 with cause.
 */
static int
fdpass_send_set(int sock, enum fdpass_type hello, const void *blob,
    size_t len, const int *fds, const uint32_t *ids, size_t nfds,
    int timeout_ms, char **cause)
{
	struct fdpass_io	 io;
	struct iovec		 iov[2];
	unsigned char		 hdr[FDPASS_BATCH_HDR + 4 * FDPASS_BATCH];
	unsigned char		 reply[FDPASS_REPLY_MAX];
	size_t			 off, n, chunk, first, count, i;
	uint32_t		 dup;
	int			 r;

	*cause = NULL;
	if ((len > 0 && blob == NULL && hello != FDPASS_SHARED) ||
	    (nfds > 0 && (fds == NULL || ids == NULL))) {
		xasprintf(cause, "fd transfer: missing blob or fds");
		return (-1);
	}
	if (nfds > UINT32_MAX) {
		xasprintf(cause, "fd transfer: too many fds (%zu)", nfds);
		return (-1);
	}
	for (i = 0; i < nfds; i++) {
		if (fds[i] < 0) {
			xasprintf(cause, "fd transfer: bad fd %d (id %"
			    PRIu32 ")", fds[i], ids[i]);
			return (-1);
		}
	}
	if (fdpass_has_duplicate(ids, nfds, &dup)) {
		xasprintf(cause, "fd transfer: duplicate id %" PRIu32, dup);
		return (-1);
	}
	fdpass_start(&io, sock, timeout_ms, 1);

	/* The sizes first; the receiver may refuse them. */
	fdpass_prefix(hdr, hello);
	put64(hdr + FDPASS_PREFIX_LEN, len);
	put32(hdr + FDPASS_PREFIX_LEN + 8, (uint32_t)nfds);
	if (fdpass_send_buf(&io, hdr, FDPASS_HELLO_LEN, cause) == -1)
		return (-1);
	if (fdpass_reply(&io, reply, FDPASS_READY, FDPASS_PREFIX_LEN, 0,
	    cause) == -1)
		return (-1);
	io.watch = 1;	/* from now on, any message is an ERROR or junk */

	/* The blob, in chunks; smaller ones if the socket wants them. */
	chunk = FDPASS_CHUNK;
	for (off = 0; off < len && hello != FDPASS_SHARED; off += n) {
		n = len - off < chunk ? len - off : chunk;
		fdpass_prefix(hdr, FDPASS_CHUNK_MSG);
		put64(hdr + FDPASS_PREFIX_LEN, off);
		iov[0].iov_base = hdr;
		iov[0].iov_len = FDPASS_CHUNK_HDR;
		iov[1].iov_base = (unsigned char *)blob + off;
		iov[1].iov_len = n;
		r = fdpass_send_msg(&io, iov, 2, NULL, 0, cause);
		if (r == FDPASS_TOOBIG && n > FDPASS_CHUNK_MIN) {
			chunk = n / 2;
			n = 0;
			continue;
		}
		if (r == FDPASS_TOOBIG)
			xasprintf(cause, "sendmsg: %s", strerror(EMSGSIZE));
		if (r != 0)
			return (-1);
	}

	/* The fds, in batches, each acknowledged before the next. */
	for (first = 0; first < nfds; first += count) {
		count = nfds - first;
		if (count > FDPASS_BATCH)
			count = FDPASS_BATCH;
		fdpass_prefix(hdr, FDPASS_BATCH_MSG);
		put32(hdr + FDPASS_PREFIX_LEN, (uint32_t)first);
		put32(hdr + FDPASS_PREFIX_LEN + 4, (uint32_t)count);
		for (i = 0; i < count; i++)
			put32(hdr + FDPASS_BATCH_HDR + 4 * i, ids[first + i]);
		iov[0].iov_base = hdr;
		iov[0].iov_len = FDPASS_BATCH_HDR + 4 * count;
		r = fdpass_send_msg(&io, iov, 1, fds + first, count, cause);
		if (r == FDPASS_TOOBIG)
			xasprintf(cause, "sendmsg: %s", strerror(EMSGSIZE));
		if (r != 0)
			return (-1);
		if (fdpass_reply(&io, reply, FDPASS_ACK, FDPASS_ACK_LEN, 0,
		    cause) == -1)
			return (-1);
		if (get32(reply + FDPASS_PREFIX_LEN) != first + count) {
			xasprintf(cause, "fd transfer: peer acknowledged %"
			    PRIu32 " fds, sent %zu",
			    get32(reply + FDPASS_PREFIX_LEN), first + count);
			return (-1);
		}
	}

	/* Wait until the receiver says it has everything. */
	if (fdpass_reply(&io, reply, FDPASS_DONE, FDPASS_DONE_LEN, 0,
	    cause) == -1)
		return (-1);
	if (get64(reply + FDPASS_PREFIX_LEN) != len ||
	    get32(reply + FDPASS_PREFIX_LEN + 8) != nfds) {
		xasprintf(cause, "fd transfer: peer confirmed the wrong "
		    "sizes");
		return (-1);
	}
	return (0);
}

/*
 * Sends blob (len bytes) and nfds fds, each with its id in ids (unique),
 * to the peer on the connected SOCK_SEQPACKET socket sock, which runs
 * fdpass_recv. The fds stay open here. timeout_ms bounds the whole
 * transfer (negative: no limit). Returns 0 once the peer confirmed it got
 * everything, or -1 with cause.
 */
int
fdpass_send(int sock, const void *blob, size_t len, const int *fds,
    const uint32_t *ids, size_t nfds, int timeout_ms, char **cause)
{
	return (fdpass_send_set(sock, FDPASS_HELLO, blob, len, fds, ids, nfds,
	    timeout_ms, cause));
}

/*
 * Before the pause, to a receiver that said EARLY_OK: nfds fds (ids as
 * for fdpass_send), no blob. The whole set follows with fdpass_send.
 */
int
fdpass_send_early(int sock, const int *fds, const uint32_t *ids,
    size_t nfds, int timeout_ms, char **cause)
{
	return (fdpass_send_set(sock, FDPASS_EARLY, NULL, 0, fds, ids, nfds,
	    timeout_ms, cause));
}

/*
 * As fdpass_send, but the blob (len bytes) was written into the shared
 * memory sent with fdpass_send_early: only its length goes.
 */
int
fdpass_send_shared(int sock, size_t len, const int *fds, const uint32_t *ids,
    size_t nfds, int timeout_ms, char **cause)
{
	return (fdpass_send_set(sock, FDPASS_SHARED, NULL, len, fds, ids,
	    nfds, timeout_ms, cause));
}

/*
 * Sender, when sock is readable outside a transfer: 0 if the receiver
 * said want (EARLY_OK, PREPARED: a prefix alone), 1 if nothing is there
 * yet, -1 with cause on anything else (an ERROR, a close, junk).
 */
int
fdpass_poll_word(int sock, enum fdpass_type want, char **cause)
{
	struct fdpass_io	io;
	unsigned char		buf[FDPASS_REPLY_MAX];

	fdpass_start(&io, sock, 0, 1);
	return (fdpass_reply(&io, buf, want, FDPASS_PREFIX_LEN, 1, cause));
}

/* Receiver: tells the sender why we give up, if it still listens. */
static void
fdpass_refuse(int sock, const char *why)
{
	unsigned char	msg[FDPASS_PREFIX_LEN + FDPASS_CAUSE_MAX];
	size_t		n;
	ssize_t		r;

	n = strlen(why);
	if (n > FDPASS_CAUSE_MAX)
		n = FDPASS_CAUSE_MAX;
	fdpass_prefix(msg, FDPASS_ERROR);
	memcpy(msg + FDPASS_PREFIX_LEN, why, n);
	do
		r = send(sock, msg, FDPASS_PREFIX_LEN + n,
		    MSG_DONTWAIT | MSG_NOSIGNAL);
	while (r == -1 && errno == EINTR);
}

/*
 * Receives what fdpass_send (or fdpass_send_early) sent on the connected
 * SOCK_SEQPACKET socket sock: a blob of at most max_blob bytes and at most
 * max_fds fds, each with its id. timeout_ms bounds the whole transfer
 * (negative: no limit). With kind NULL only fdpass_send's set is taken;
 * else any, and *kind says which: FDPASS_HELLO, FDPASS_EARLY (no blob) or
 * FDPASS_SHARED (*blob NULL, the blob of *len bytes is in the shared
 * memory of the early set). Returns 0 with *blob (NULL if
 * empty), *len, *fds, *ids (NULL if none) and *nfds set; the fds are
 * close-on-exec, fds[i] goes with ids[i]. Caller frees blob, fds and ids
 * and owns the fds. On error returns -1 with cause, having closed every fd
 * it received and freed everything.
 */
int
fdpass_recv(int sock, void **blob, size_t *len, int **fds, uint32_t **ids,
    size_t *nfds, size_t max_blob, size_t max_fds, int timeout_ms,
    int *kind, char **cause)
{
	struct fdpass_io	 io;
	unsigned char		*buf, *b = NULL, out[FDPASS_DONE_LEN];
	int			*f = NULL, got[FDPASS_BATCH];
	uint32_t		*idv = NULL, first, count, dup;
	uint64_t		 blen, off;
	size_t			 mlen, n, have = 0, ngot = 0, done = 0, i;
	uint16_t		 type;

	*blob = NULL;
	*len = 0;
	*fds = NULL;
	*ids = NULL;
	*nfds = 0;
	*cause = NULL;
	fdpass_start(&io, sock, timeout_ms, 0);
	buf = xmalloc(FDPASS_MSG_MAX);

	/* The sizes, checked before anything is allocated. */
	if (fdpass_recv_msg(&io, buf, FDPASS_MSG_MAX, &mlen, NULL, NULL, 0,
	    cause) == -1)
		goto fail;
	if (fdpass_check_prefix(buf, mlen, &type, cause) == -1)
		goto fail;
	if ((type != FDPASS_HELLO && (kind == NULL ||
	    (type != FDPASS_EARLY && type != FDPASS_SHARED))) ||
	    mlen != FDPASS_HELLO_LEN) {
		xasprintf(cause, "fd transfer: expected HELLO, got type %u "
		    "(%zu bytes)", type, mlen);
		goto fail;
	}
	if (kind != NULL)
		*kind = type;
	blen = get64(buf + FDPASS_PREFIX_LEN);
	if (type == FDPASS_EARLY && blen != 0) {
		xasprintf(cause, "fd transfer: a blob before the pause");
		goto fail;
	}
	n = get32(buf + FDPASS_PREFIX_LEN + 8);
	if (blen > max_blob) {
		xasprintf(cause, "fd transfer: blob of %" PRIu64 " bytes "
		    "exceeds the limit of %zu", blen, max_blob);
		goto fail;
	}
	if (n > max_fds) {
		xasprintf(cause, "fd transfer: %zu fds exceed the limit of "
		    "%zu", n, max_fds);
		goto fail;
	}
	if (blen > 0 && type != FDPASS_SHARED)
		b = xmalloc(blen);
	if (n > 0) {
		f = xreallocarray(NULL, n, sizeof *f);
		idv = xreallocarray(NULL, n, sizeof *idv);
	}
	fdpass_prefix(out, FDPASS_READY);
	if (fdpass_send_buf(&io, out, FDPASS_PREFIX_LEN, cause) == -1)
		goto fail;

	/* The blob. */
	for (off = 0; b != NULL && off < blen; off += mlen - FDPASS_CHUNK_HDR) {
		if (fdpass_recv_msg(&io, buf, FDPASS_MSG_MAX, &mlen, NULL,
		    NULL, 0, cause) == -1)
			goto fail;
		if (fdpass_check_prefix(buf, mlen, &type, cause) == -1)
			goto fail;
		if (type != FDPASS_CHUNK_MSG || mlen <= FDPASS_CHUNK_HDR ||
		    get64(buf + FDPASS_PREFIX_LEN) != off ||
		    mlen - FDPASS_CHUNK_HDR > blen - off) {
			xasprintf(cause, "fd transfer: bad blob chunk at "
			    "offset %" PRIu64, off);
			goto fail;
		}
		memcpy(b + off, buf + FDPASS_CHUNK_HDR,
		    mlen - FDPASS_CHUNK_HDR);
	}

	/* The fds, acknowledging each batch. */
	while (have < n) {
		if (fdpass_recv_msg(&io, buf, FDPASS_MSG_MAX, &mlen, got,
		    &ngot, 0, cause) == -1)
			goto fail;
		if (fdpass_check_prefix(buf, mlen, &type, cause) == -1)
			goto fail;
		if (type != FDPASS_BATCH_MSG || mlen < FDPASS_BATCH_HDR) {
			xasprintf(cause, "fd transfer: expected a batch of "
			    "fds, got type %u (%zu bytes)", type, mlen);
			goto fail;
		}
		first = get32(buf + FDPASS_PREFIX_LEN);
		count = get32(buf + FDPASS_PREFIX_LEN + 4);
		if (first != have || count == 0 || count > FDPASS_BATCH ||
		    count > n - have ||
		    mlen != FDPASS_BATCH_HDR + 4 * (size_t)count) {
			xasprintf(cause, "fd transfer: bad batch (first %"
			    PRIu32 ", count %" PRIu32 ", have %zu of %zu)",
			    first, count, have, n);
			goto fail;
		}
		if (ngot != count) {
			xasprintf(cause, "fd transfer: batch announced %"
			    PRIu32 " fds, carried %zu", count, ngot);
			goto fail;
		}
		for (i = 0; i < count; i++) {
			f[have + i] = got[i];
			idv[have + i] = get32(buf + FDPASS_BATCH_HDR + 4 * i);
		}
		have += count;
		ngot = 0;
		fdpass_prefix(out, FDPASS_ACK);
		put32(out + FDPASS_PREFIX_LEN, (uint32_t)have);
		if (fdpass_send_buf(&io, out, FDPASS_ACK_LEN, cause) == -1)
			goto fail;
	}
	if (fdpass_has_duplicate(idv, n, &dup)) {
		xasprintf(cause, "fd transfer: duplicate id %" PRIu32, dup);
		goto fail;
	}

	/* Got everything. */
	done = 1;
	fdpass_prefix(out, FDPASS_DONE);
	put64(out + FDPASS_PREFIX_LEN, blen);
	put32(out + FDPASS_PREFIX_LEN + 8, (uint32_t)n);
	if (fdpass_send_buf(&io, out, FDPASS_DONE_LEN, cause) == -1)
		goto fail;

	free(buf);
	*blob = b;
	*len = blen;
	*fds = f;
	*ids = idv;
	*nfds = n;
	return (0);

fail:
	fdpass_close_all(got, ngot);
	fdpass_close_all(f, have);
	if (!done)
		fdpass_refuse(sock, *cause);
	free(idv);
	free(f);
	free(b);
	free(buf);
	return (-1);
}

/*
 * The commit that follows a transfer: the receiver sends RESTORED once it
 * rebuilt everything without touching the fds (or ERROR with why), and
 * the sender answers COMMIT; only then may the receiver use them.
 */
/* A message of type outside a transfer: the prefix, then n bytes of p. */
static int
fdpass_send_word(int sock, enum fdpass_type type, const void *p, size_t n,
    int timeout_ms, char **cause)
{
	struct fdpass_io	io;
	unsigned char		buf[FDPASS_REPLY_MAX];

	fdpass_start(&io, sock, timeout_ms, 0);
	fdpass_prefix(buf, type);
	if (n != 0)
		memcpy(buf + FDPASS_PREFIX_LEN, p, n);
	return (fdpass_send_buf(&io, buf, FDPASS_PREFIX_LEN + n, cause));
}

int
fdpass_send_verdict(int sock, enum fdpass_type type, const char *text,
    int timeout_ms, char **cause)
{
	size_t	n = text != NULL ? strlen(text) : 0;

	return (fdpass_send_word(sock, type, text, n > FDPASS_CAUSE_MAX ?
	    FDPASS_CAUSE_MAX : n, timeout_ms, cause));
}

/*
 * One message of the commit phase into buf (FDPASS_REPLY_MAX bytes): its
 * type, -1 with cause on an ERROR (its text), a close, junk or the
 * deadline.
 */
static int
fdpass_recv_after(int sock, int timeout_ms, unsigned char *buf, size_t *len,
    char **cause)
{
	struct fdpass_io	io;
	uint16_t		type;

	fdpass_start(&io, sock, timeout_ms, 0);
	if (fdpass_recv_msg(&io, buf, FDPASS_REPLY_MAX, len, NULL, NULL, 0,
	    cause) != 0)
		return (-1);
	if (fdpass_check_prefix(buf, *len, &type, cause) == -1)
		return (-1);
	if (type == FDPASS_ERROR) {
		fdpass_peer_refused(buf, *len, cause);
		return (-1);
	}
	return (type);
}

/* Waits for RESTORED or COMMIT and returns its type; -1 with cause. */
int
fdpass_recv_verdict(int sock, int timeout_ms, char **cause)
{
	unsigned char	buf[FDPASS_REPLY_MAX];
	size_t		len;
	int		type;

	if ((type = fdpass_recv_after(sock, timeout_ms, buf, &len,
	    cause)) == -1)
		return (-1);
	if ((type != FDPASS_RESTORED && type != FDPASS_COMMIT) ||
	    len != FDPASS_PREFIX_LEN) {
		xasprintf(cause, "unexpected message after the fd transfer "
		    "(type %d, %zu bytes)", type, len);
		return (-1);
	}
	return (type);
}

/* The receiver's last word: how long the world stood still. */
int
fdpass_send_resumed(int sock, uint64_t pause_us, int timeout_ms,
    char **cause)
{
	unsigned char	us[8];

	put64(us, pause_us);
	return (fdpass_send_word(sock, FDPASS_RESUMED, us, sizeof us,
	    timeout_ms, cause));
}

/* Waits for RESUMED; -1 with cause on anything else or the deadline. */
int
fdpass_recv_resumed(int sock, int timeout_ms, uint64_t *pause_us,
    char **cause)
{
	unsigned char	buf[FDPASS_REPLY_MAX];
	size_t		len;
	int		type;

	if ((type = fdpass_recv_after(sock, timeout_ms, buf, &len,
	    cause)) == -1)
		return (-1);
	if (type != FDPASS_RESUMED || len != FDPASS_PREFIX_LEN + 8) {
		xasprintf(cause, "unexpected message after the commit "
		    "(type %d, %zu bytes)", type, len);
		return (-1);
	}
	*pause_us = get64(buf + FDPASS_PREFIX_LEN);
	return (0);
}
