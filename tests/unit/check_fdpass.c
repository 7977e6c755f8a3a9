/*
 * Unit tests for fdpass.c: the blob and fd hand-over of a live migration,
 * over socketpair(AF_UNIX, SOCK_SEQPACKET). Where both sides must run at
 * once, one of them is a child process. Hostile peers write the wire
 * format of fdpass.h by hand. Leaks are found by counting /proc/self/fd.
 */
#include "config.h"

#include <check.h>

#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fdpass.h"
#include "ticker.h"

#define TIMEOUT		10000	/* ms, for transfers that work */
#define STALL		300	/* ms, for those that must time out */

/* A child process running one side, and its report. */
struct peer {
	pid_t	pid;
	int	report;		/* read end: "rc cause" */
};

static int
count_fds(void)
{
	DIR		*d;
	struct dirent	*de;
	int		 n = 0;

	d = opendir("/proc/self/fd");
	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] != '.')
			n++;
	}
	closedir(d);
	return (n);
}

static void
make_pair(int sv[2])
{
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
}

static void
assert_cause(const char *cause, const char *want)
{
	ck_assert_ptr_nonnull(cause);
	ck_assert_msg(strstr(cause, want) != NULL, "cause '%s' lacks '%s'",
	    cause, want);
}

/* In a child: writes "rc cause" to fd and leaves without atexit. */
static void
report_and_exit(int fd, int rc, const char *cause)
{
	char	line[1024];
	int	n;

	n = snprintf(line, sizeof line, "%d %s", rc,
	    cause != NULL ? cause : "");
	if (n > 0 && write(fd, line, (size_t)n) == -1)
		_exit(2);
	_exit(0);
}

/*
 * Runs fdpass_send on sv[0] in a child; the parent keeps sv[1] only.
 */
static void
spawn_sender(int sv[2], const void *blob, size_t len, const int *fds,
    const uint32_t *ids, size_t nfds, int timeout_ms, struct peer *p)
{
	char	*cause = NULL;
	int	 rp[2], rc;

	ck_assert_int_eq(pipe(rp), 0);
	p->pid = fork();
	ck_assert_int_ne(p->pid, -1);
	if (p->pid == 0) {
		close(rp[0]);
		close(sv[1]);
		rc = fdpass_send(sv[0], blob, len, fds, ids, nfds, timeout_ms,
		    &cause);
		report_and_exit(rp[1], rc, cause);
	}
	close(rp[1]);
	close(sv[0]);
	p->report = rp[0];
}

/* One side of a transfer, run in a child: 0, or -1 with why. */
typedef int (*peer_fn)(int, void *, char *, size_t);

/*
 * Runs fn on sv[side] in a child; the parent keeps sv[1 - side] only.
 */
static void
spawn_peer(int sv[2], int side, peer_fn fn, void *arg, struct peer *p)
{
	char	why[900] = "";
	int	rp[2], rc;

	ck_assert_int_eq(pipe(rp), 0);
	p->pid = fork();
	ck_assert_int_ne(p->pid, -1);
	if (p->pid == 0) {
		close(rp[0]);
		close(sv[1 - side]);
		rc = fn(sv[side], arg, why, sizeof why);
		close(sv[side]);
		report_and_exit(rp[1], rc, why);
	}
	close(rp[1]);
	close(sv[side]);
	p->report = rp[0];
}

/* In a child: says what went wrong and returns -1. */
static int __attribute__((format(printf, 3, 4)))
peer_fail(char *why, size_t size, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(why, size, fmt, ap);
	va_end(ap);
	return (-1);
}

/* What a sending child sends. */
struct send_args {
	const int	*fds;
	const uint32_t	*ids;
	size_t		 nfds;
	size_t		 len;	/* fdpass_send_shared: the announced length */
};

static int
run_send_early(int sock, void *arg, char *why, size_t size)
{
	struct send_args	*a = arg;
	char			*cause = NULL;
	int			 rc;

	if (fdpass_send_early(sock, a->fds, a->ids, a->nfds, TIMEOUT,
	    &cause) == 0)
		return (0);
	rc = peer_fail(why, size, "%s", cause);
	free(cause);
	return (rc);
}

static int
run_send_shared(int sock, void *arg, char *why, size_t size)
{
	struct send_args	*a = arg;
	char			*cause = NULL;
	int			 rc;

	if (fdpass_send_shared(sock, a->len, a->fds, a->ids, a->nfds,
	    TIMEOUT, &cause) == 0)
		return (0);
	rc = peer_fail(why, size, "%s", cause);
	free(cause);
	return (rc);
}

/* Waits up to 5 s for one byte on fd; returns it, or -1. */
static int
read_byte(int fd)
{
	struct pollfd	pfd = { .fd = fd, .events = POLLIN };
	unsigned char	c;

	if (poll(&pfd, 1, 5000) != 1 || read(fd, &c, 1) != 1)
		return (-1);
	return (c);
}

/* Waits up to 5 s until sock has something to read. */
static void
wait_readable(int sock)
{
	struct pollfd	pfd = { .fd = sock, .events = POLLIN };

	ck_assert_int_eq(poll(&pfd, 1, 5000), 1);
}

/* Asserts that fd and orig are the same open file, with the same mode. */
static void
assert_same_file(int fd, int orig)
{
	struct stat	a, b;

	ck_assert_int_eq(fstat(fd, &b), 0);
	ck_assert_int_eq(fstat(orig, &a), 0);
	ck_assert(a.st_dev == b.st_dev && a.st_ino == b.st_ino);
	ck_assert_int_eq(fcntl(fd, F_GETFL) & O_ACCMODE,
	    fcntl(orig, F_GETFL) & O_ACCMODE);
	ck_assert(fcntl(fd, F_GETFD) & FD_CLOEXEC);
}

/* Waits for the child; returns its rc and copies its cause. */
static int
peer_wait(struct peer *p, char *cause, size_t size)
{
	char	line[1024], *sp;
	size_t	have = 0;
	ssize_t	r;
	int	status;

	for (;;) {
		r = read(p->report, line + have, sizeof line - 1 - have);
		if (r == -1 && errno == EINTR)
			continue;
		ck_assert_int_ne(r, -1);
		if (r == 0)
			break;
		have += (size_t)r;
	}
	line[have] = '\0';
	close(p->report);
	ck_assert_int_eq(waitpid(p->pid, &status, 0), p->pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	sp = strchr(line, ' ');
	ck_assert_ptr_nonnull(sp);
	snprintf(cause, size, "%s", sp + 1);
	return (atoi(line));
}

static void
raise_nofile(rlim_t want)
{
	struct rlimit	rl;

	ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
	if (rl.rlim_cur >= want)
		return;
	ck_assert_msg(rl.rlim_max >= want, "RLIMIT_NOFILE hard limit %lu "
	    "is below %lu", (unsigned long)rl.rlim_max, (unsigned long)want);
	rl.rlim_cur = want;
	ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
}

/* ---- the wire format, written by hand for hostile peers ---- */

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

static uint32_t
get32(const unsigned char *p)
{
	return ((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | (uint32_t)p[3]);
}

static size_t
prefix(unsigned char *p, uint16_t version, uint16_t type)
{
	put32(p, FDPASS_MAGIC);
	put16(p + 4, version);
	put16(p + 6, type);
	return (FDPASS_PREFIX_LEN);
}

static void
raw_send(int sock, const void *buf, size_t len, const int *fds, size_t nfds)
{
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof (int) * 8)];
	} control;
	struct msghdr	 msg;
	struct cmsghdr	*cmsg;
	struct iovec	 iov;

	ck_assert_uint_le(nfds, 8);
	memset(&msg, 0, sizeof msg);
	iov.iov_base = (void *)buf;
	iov.iov_len = len;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	if (nfds > 0) {
		memset(&control, 0, sizeof control);
		msg.msg_control = control.buf;
		msg.msg_controllen = CMSG_SPACE(nfds * sizeof (int));
		cmsg = CMSG_FIRSTHDR(&msg);
		cmsg->cmsg_level = SOL_SOCKET;
		cmsg->cmsg_type = SCM_RIGHTS;
		cmsg->cmsg_len = CMSG_LEN(nfds * sizeof (int));
		memcpy(CMSG_DATA(cmsg), fds, nfds * sizeof (int));
	}
	ck_assert_int_eq(sendmsg(sock, &msg, MSG_NOSIGNAL), (ssize_t)len);
}

/* A HELLO, or an EARLY or SHARED (the same layout), with fds on it. */
static void
raw_open(int sock, uint16_t type, uint64_t blob_len, uint32_t nfds,
    const int *fds, size_t nfd)
{
	unsigned char	m[FDPASS_PREFIX_LEN + 12];

	prefix(m, FDPASS_VERSION, type);
	put64(m + FDPASS_PREFIX_LEN, blob_len);
	put32(m + FDPASS_PREFIX_LEN + 8, nfds);
	raw_send(sock, m, sizeof m, fds, nfd);
}

static void
raw_hello(int sock, uint64_t blob_len, uint32_t nfds)
{
	raw_open(sock, FDPASS_HELLO, blob_len, nfds, NULL, 0);
}

/* A message that is a prefix alone (READY, EARLY_OK, PREPARED ...). */
static void
raw_word(int sock, uint16_t type)
{
	unsigned char	m[FDPASS_PREFIX_LEN];

	prefix(m, FDPASS_VERSION, type);
	raw_send(sock, m, sizeof m, NULL, 0);
}

static void
raw_batch(int sock, uint32_t first, uint32_t count, const uint32_t *ids,
    const int *fds, size_t nfds)
{
	unsigned char	m[FDPASS_PREFIX_LEN + 8 + 4 * 8];
	uint32_t	i;

	ck_assert_uint_le(count, 8);
	prefix(m, FDPASS_VERSION, FDPASS_BATCH_MSG);
	put32(m + FDPASS_PREFIX_LEN, first);
	put32(m + FDPASS_PREFIX_LEN + 4, count);
	for (i = 0; i < count; i++)
		put32(m + FDPASS_PREFIX_LEN + 8 + 4 * i, ids[i]);
	raw_send(sock, m, FDPASS_PREFIX_LEN + 8 + 4 * count, fds, nfds);
}

/* Receives one message (waiting up to 5 s); returns its length. */
static size_t
raw_recv(int sock, unsigned char *buf, size_t size)
{
	struct pollfd	pfd = { .fd = sock, .events = POLLIN };
	ssize_t		r;

	ck_assert_int_eq(poll(&pfd, 1, 5000), 1);
	r = recv(sock, buf, size, 0);
	ck_assert_int_gt(r, 0);
	return ((size_t)r);
}

/* Receives one message and checks that it is of type. */
static size_t
raw_expect(int sock, unsigned char *buf, size_t size, uint16_t type)
{
	size_t	len;

	len = raw_recv(sock, buf, size);
	ck_assert_uint_ge(len, FDPASS_PREFIX_LEN);
	ck_assert_uint_eq(get32(buf), FDPASS_MAGIC);
	ck_assert_uint_eq((unsigned)(buf[6] << 8 | buf[7]), type);
	return (len);
}

/*
 * Expects fdpass_recv on sock (with kind) to fail with a cause containing
 * want.
 */
static void
recv_fails_kind(int sock, size_t max_blob, size_t max_fds, int timeout_ms,
    int *kind, const char *want)
{
	void		*blob = (void *)1;
	int		*fds = (int *)1;
	uint32_t	*ids = (uint32_t *)1;
	size_t		 len = 1, nfds = 1;
	char		*cause = NULL;

	ck_assert_int_eq(fdpass_recv(sock, &blob, &len, &fds, &ids, &nfds,
	    max_blob, max_fds, timeout_ms, kind, &cause), -1);
	assert_cause(cause, want);
	ck_assert_ptr_null(blob);
	ck_assert_ptr_null(fds);
	ck_assert_ptr_null(ids);
	ck_assert_uint_eq(len, 0);
	ck_assert_uint_eq(nfds, 0);
	free(cause);
}

/* Expects fdpass_recv on sock to fail with a cause containing want. */
static void
recv_fails(int sock, size_t max_blob, size_t max_fds, int timeout_ms,
    const char *want)
{
	recv_fails_kind(sock, max_blob, max_fds, timeout_ms, NULL, want);
}

/* ---- transfers that work ---- */

START_TEST(test_empty)
{
	struct peer	 p;
	void		*blob;
	int		*fds, sv[2];
	uint32_t	*ids;
	size_t		 len, nfds;
	char		*cause = NULL, peer_cause[1024];

	make_pair(sv);
	spawn_sender(sv, NULL, 0, NULL, NULL, 0, TIMEOUT, &p);
	ck_assert_int_eq(fdpass_recv(sv[1], &blob, &len, &fds, &ids, &nfds,
	    1024, 16, TIMEOUT, NULL, &cause), 0);
	ck_assert_ptr_null(cause);
	ck_assert_ptr_null(blob);
	ck_assert_uint_eq(len, 0);
	ck_assert_ptr_null(fds);
	ck_assert_ptr_null(ids);
	ck_assert_uint_eq(nfds, 0);
	ck_assert_int_eq(peer_wait(&p, peer_cause, sizeof peer_cause), 0);
	close(sv[1]);
}
END_TEST

START_TEST(test_big_blob)
{
	struct peer	 p;
	unsigned char	*big;
	void		*blob;
	int		*fds, sv[2];
	uint32_t	*ids;
	size_t		 size = 5 * 1024 * 1024 + 123, len, nfds, i;
	char		*cause = NULL, peer_cause[1024];

	big = malloc(size);
	ck_assert_ptr_nonnull(big);
	for (i = 0; i < size; i++)
		big[i] = (unsigned char)(i * 31 ^ i >> 9);
	make_pair(sv);
	spawn_sender(sv, big, size, NULL, NULL, 0, TIMEOUT, &p);
	ck_assert_int_eq(fdpass_recv(sv[1], &blob, &len, &fds, &ids, &nfds,
	    8 * 1024 * 1024, 0, TIMEOUT, NULL, &cause), 0);
	ck_assert_uint_eq(len, size);
	ck_assert_uint_eq(nfds, 0);
	ck_assert(memcmp(blob, big, size) == 0);
	ck_assert_int_eq(peer_wait(&p, peer_cause, sizeof peer_cause), 0);
	free(blob);
	free(big);
	close(sv[1]);
}
END_TEST

#define NPIPES		280	/* 560 fds */
#define NNULL		40
#define NMANY		(2 * NPIPES + NNULL)	/* three batches */

/* 600 fds: pipes and /dev/null; shuffled ids; matched by id. */
START_TEST(test_many_fds)
{
	struct peer	 p;
	struct stat	 a, b;
	void		*blob;
	int		 orig[NMANY], *fds, sv[2], before;
	uint32_t	 sent[NMANY], *ids;
	size_t		 len, nfds, i, j;
	char		*cause = NULL, peer_cause[1024], c;
	unsigned char	 meta[16] = "sockets follow";

	raise_nofile(4096);
	for (i = 0; i < NPIPES; i++)
		ck_assert_int_eq(pipe(orig + 2 * i), 0);
	for (i = 2 * NPIPES; i < NMANY; i++) {
		orig[i] = open("/dev/null", i % 2 ? O_WRONLY : O_RDONLY);
		ck_assert_int_ne(orig[i], -1);
	}
	for (i = 0; i < NMANY; i++)
		sent[i] = (uint32_t)(i * 2654435761U) ^ 0xabcdefU;
	make_pair(sv);
	before = count_fds() - 1;	/* the parent drops sv[0] */
	spawn_sender(sv, meta, sizeof meta, orig, sent, NMANY, TIMEOUT, &p);
	ck_assert_int_eq(fdpass_recv(sv[1], &blob, &len, &fds, &ids, &nfds,
	    1024, NMANY, TIMEOUT, NULL, &cause), 0);
	ck_assert_int_eq(peer_wait(&p, peer_cause, sizeof peer_cause), 0);
	ck_assert_uint_eq(len, sizeof meta);
	ck_assert(memcmp(blob, meta, len) == 0);
	ck_assert_uint_eq(nfds, NMANY);

	for (j = 0; j < nfds; j++) {
		for (i = 0; i < NMANY && sent[i] != ids[j]; i++)
			;
		ck_assert_msg(i < NMANY, "unknown id %u", ids[j]);
		ck_assert_int_eq(fstat(fds[j], &b), 0);
		ck_assert_int_eq(fstat(orig[i], &a), 0);
		ck_assert(a.st_dev == b.st_dev && a.st_ino == b.st_ino);
		ck_assert_int_eq(fcntl(fds[j], F_GETFL) & O_ACCMODE,
		    fcntl(orig[i], F_GETFL) & O_ACCMODE);
		ck_assert(fcntl(fds[j], F_GETFD) & FD_CLOEXEC);
		if (i >= 2 * NPIPES)
			continue;
		/* Through the pipe, from one process's end to the other. */
		c = (char)j;
		if (i % 2 == 1) {
			ck_assert_int_eq(write(fds[j], &c, 1), 1);
			c = 0;
			ck_assert_int_eq(read(orig[i - 1], &c, 1), 1);
		} else {
			ck_assert_int_eq(write(orig[i + 1], &c, 1), 1);
			c = 0;
			ck_assert_int_eq(read(fds[j], &c, 1), 1);
		}
		ck_assert_int_eq(c, (char)j);
	}
	for (j = 0; j < nfds; j++)
		close(fds[j]);
	ck_assert_int_eq(count_fds(), before);
	free(fds);
	free(ids);
	free(blob);
	close(sv[1]);
	for (i = 0; i < NMANY; i++)
		close(orig[i]);
}
END_TEST

/* ---- refusals ---- */

START_TEST(test_max_blob)
{
	struct peer	 p;
	char		 data[1000], peer_cause[1024];
	int		 sv[2], before;

	memset(data, 'x', sizeof data);
	make_pair(sv);
	before = count_fds() - 1;
	spawn_sender(sv, data, sizeof data, NULL, NULL, 0, TIMEOUT, &p);
	recv_fails(sv[1], sizeof data - 1, 0, TIMEOUT,
	    "blob of 1000 bytes exceeds the limit of 999");
	ck_assert_int_eq(peer_wait(&p, peer_cause, sizeof peer_cause), -1);
	assert_cause(peer_cause, "refused by peer: fd transfer: blob of "
	    "1000 bytes");
	ck_assert_int_eq(count_fds(), before);
	close(sv[1]);
}
END_TEST

START_TEST(test_max_fds)
{
	struct peer	 p;
	char		 peer_cause[1024];
	int		 orig[10], sv[2], before, i;
	uint32_t	 ids[10];

	for (i = 0; i < 10; i += 2)
		ck_assert_int_eq(pipe(orig + i), 0);
	for (i = 0; i < 10; i++)
		ids[i] = 100 + i;
	make_pair(sv);
	before = count_fds() - 1;
	spawn_sender(sv, "x", 1, orig, ids, 10, TIMEOUT, &p);
	recv_fails(sv[1], 16, 9, TIMEOUT, "10 fds exceed the limit of 9");
	ck_assert_int_eq(peer_wait(&p, peer_cause, sizeof peer_cause), -1);
	assert_cause(peer_cause, "refused by peer");
	ck_assert_int_eq(count_fds(), before);
	close(sv[1]);
	for (i = 0; i < 10; i++)
		close(orig[i]);
}
END_TEST

/*
 * A sender that announced 3 fds and sends 4: the receiver refuses and
 * closes the fds of the first batch and of the bad one. Then a batch that
 * carries more fds than it names.
 */
START_TEST(test_more_fds_than_announced)
{
	unsigned char	buf[512];
	uint32_t	ids[4] = { 1, 2, 3, 4 };
	int		orig[4], sv[2], before, i;
	size_t		len;

	ck_assert_int_eq(pipe(orig), 0);
	ck_assert_int_eq(pipe(orig + 2), 0);

	make_pair(sv);
	before = count_fds();
	raw_hello(sv[0], 0, 3);
	raw_batch(sv[0], 0, 2, ids, orig, 2);
	raw_batch(sv[0], 2, 2, ids + 2, orig + 2, 2);
	recv_fails(sv[1], 0, 8, TIMEOUT, "bad batch");
	ck_assert_int_eq(count_fds(), before);
	raw_expect(sv[0], buf, sizeof buf, FDPASS_READY);
	raw_expect(sv[0], buf, sizeof buf, FDPASS_ACK);
	ck_assert_uint_eq(get32(buf + FDPASS_PREFIX_LEN), 2);
	len = raw_expect(sv[0], buf, sizeof buf, FDPASS_ERROR);
	buf[len] = '\0';
	assert_cause((char *)buf + FDPASS_PREFIX_LEN, "bad batch");
	close(sv[0]);
	close(sv[1]);

	make_pair(sv);
	before = count_fds();
	raw_hello(sv[0], 0, 8);
	raw_batch(sv[0], 0, 2, ids, orig, 3);
	recv_fails(sv[1], 0, 8, TIMEOUT, "announced 2 fds, carried 3");
	ck_assert_int_eq(count_fds(), before);
	close(sv[0]);
	close(sv[1]);

	/* The same id twice. */
	ids[1] = ids[0];
	make_pair(sv);
	before = count_fds();
	raw_hello(sv[0], 0, 2);
	raw_batch(sv[0], 0, 2, ids, orig, 2);
	recv_fails(sv[1], 0, 8, TIMEOUT, "duplicate id 1");
	ck_assert_int_eq(count_fds(), before);
	close(sv[0]);
	close(sv[1]);

	for (i = 0; i < 4; i++)
		close(orig[i]);
}
END_TEST

/* Fds on a message that should carry none are closed, and refused. */
START_TEST(test_fds_on_hello)
{
	unsigned char	m[FDPASS_PREFIX_LEN + 12];
	int		orig[2], sv[2], before;

	ck_assert_int_eq(pipe(orig), 0);
	make_pair(sv);
	before = count_fds();
	prefix(m, FDPASS_VERSION, FDPASS_HELLO);
	put64(m + FDPASS_PREFIX_LEN, 0);
	put32(m + FDPASS_PREFIX_LEN + 8, 0);
	raw_send(sv[0], m, sizeof m, orig, 2);
	recv_fails(sv[1], 0, 8, TIMEOUT, "unexpected fds");
	ck_assert_int_eq(count_fds(), before);
	close(sv[0]);
	close(sv[1]);
	close(orig[0]);
	close(orig[1]);
}
END_TEST

START_TEST(test_garbage)
{
	static const char	 http[] = "GET / HTTP/1.1\r\n\r\n";
	unsigned char		 m[70000], buf[512];
	char			*cause = NULL;
	int			 sv[2];
	size_t			 len;

	make_pair(sv);
	raw_send(sv[0], http, sizeof http - 1, NULL, 0);
	recv_fails(sv[1], 1024, 8, TIMEOUT, "bad magic");
	len = raw_expect(sv[0], buf, sizeof buf - 1, FDPASS_ERROR);
	buf[len] = '\0';
	assert_cause((char *)buf + FDPASS_PREFIX_LEN, "bad magic");

	/* A future version. */
	memset(m, 0, sizeof m);
	prefix(m, FDPASS_VERSION + 1, FDPASS_HELLO);
	raw_send(sv[0], m, FDPASS_PREFIX_LEN + 12, NULL, 0);
	recv_fails(sv[1], 1024, 8, TIMEOUT, "unsupported fd transfer version");

	/* A HELLO too short. */
	prefix(m, FDPASS_VERSION, FDPASS_HELLO);
	raw_send(sv[0], m, FDPASS_PREFIX_LEN + 4, NULL, 0);
	recv_fails(sv[1], 1024, 8, TIMEOUT, "expected HELLO");

	/* A message longer than any the protocol has. */
	prefix(m, FDPASS_VERSION, FDPASS_HELLO);
	raw_send(sv[0], m, sizeof m, NULL, 0);
	recv_fails(sv[1], 1024, 8, TIMEOUT, "too long");

	/* A chunk out of place. */
	raw_hello(sv[0], 100, 0);
	prefix(m, FDPASS_VERSION, FDPASS_CHUNK_MSG);
	put64(m + FDPASS_PREFIX_LEN, 50);
	raw_send(sv[0], m, FDPASS_PREFIX_LEN + 8 + 50, NULL, 0);
	recv_fails(sv[1], 1024, 8, TIMEOUT, "bad blob chunk at offset 0");
	close(sv[0]);
	close(sv[1]);

	/* The sender refuses a reply that is not one. */
	make_pair(sv);
	raw_send(sv[1], http, sizeof http - 1, NULL, 0);
	ck_assert_int_eq(fdpass_send(sv[0], NULL, 0, NULL, NULL, 0, TIMEOUT,
	    &cause), -1);
	assert_cause(cause, "bad magic");
	free(cause);
	close(sv[0]);
	close(sv[1]);
}
END_TEST

START_TEST(test_bad_args)
{
	uint32_t	 ids[3] = { 5, 6, 5 };
	int		 fds[3] = { 0, 1, 2 }, sv[2];
	char		*cause = NULL;

	make_pair(sv);
	ck_assert_int_eq(fdpass_send(sv[0], NULL, 0, fds, ids, 3, TIMEOUT,
	    &cause), -1);
	assert_cause(cause, "duplicate id 5");
	free(cause);
	fds[1] = -1;
	ids[2] = 7;
	ck_assert_int_eq(fdpass_send(sv[0], NULL, 0, fds, ids, 3, TIMEOUT,
	    &cause), -1);
	assert_cause(cause, "bad fd -1 (id 6)");
	free(cause);
	ck_assert_int_eq(fdpass_send(sv[0], NULL, 10, NULL, NULL, 0, TIMEOUT,
	    &cause), -1);
	assert_cause(cause, "missing blob");
	free(cause);
	close(sv[0]);
	close(sv[1]);
}
END_TEST

/* ---- peers that die or stall ---- */

/* A sender that sends the blob and one batch of 5, then dies. */
START_TEST(test_sender_dies)
{
	unsigned char	buf[512], m[FDPASS_PREFIX_LEN + 8 + 600];
	uint32_t	ids[5] = { 10, 11, 12, 13, 14 };
	int		orig[6], sv[2], before, status, i;
	pid_t		pid;

	for (i = 0; i < 6; i += 2)
		ck_assert_int_eq(pipe(orig + i), 0);
	make_pair(sv);
	before = count_fds() - 1;
	pid = fork();
	ck_assert_int_ne(pid, -1);
	if (pid == 0) {
		close(sv[1]);
		raw_hello(sv[0], 1000, 10);
		raw_expect(sv[0], buf, sizeof buf, FDPASS_READY);
		memset(m, 'z', sizeof m);
		prefix(m, FDPASS_VERSION, FDPASS_CHUNK_MSG);
		put64(m + FDPASS_PREFIX_LEN, 0);
		raw_send(sv[0], m, sizeof m, NULL, 0);
		prefix(m, FDPASS_VERSION, FDPASS_CHUNK_MSG);
		put64(m + FDPASS_PREFIX_LEN, 600);
		raw_send(sv[0], m, FDPASS_PREFIX_LEN + 8 + 400, NULL, 0);
		raw_batch(sv[0], 0, 5, ids, orig, 5);
		raw_expect(sv[0], buf, sizeof buf, FDPASS_ACK);
		_exit(0);
	}
	close(sv[0]);
	recv_fails(sv[1], 4096, 16, TIMEOUT, "peer closed");
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	ck_assert_int_eq(count_fds(), before);
	close(sv[1]);
	for (i = 0; i < 6; i++)
		close(orig[i]);
}
END_TEST

/* A receiver that takes part of the blob, then dies. */
START_TEST(test_receiver_dies)
{
	unsigned char	*big, buf[FDPASS_CHUNK + 64];
	char		*cause = NULL;
	uint32_t	 ids[2] = { 1, 2 };
	int		 orig[2], sv[2], before, status, i;
	size_t		 size = 1024 * 1024;
	pid_t		 pid;

	big = calloc(1, size);
	ck_assert_ptr_nonnull(big);
	ck_assert_int_eq(pipe(orig), 0);
	make_pair(sv);
	pid = fork();
	ck_assert_int_ne(pid, -1);
	if (pid == 0) {
		close(sv[0]);
		raw_expect(sv[1], buf, sizeof buf, FDPASS_HELLO);
		prefix(buf, FDPASS_VERSION, FDPASS_READY);
		raw_send(sv[1], buf, FDPASS_PREFIX_LEN, NULL, 0);
		for (i = 0; i < 3; i++)
			raw_expect(sv[1], buf, sizeof buf, FDPASS_CHUNK_MSG);
		_exit(0);
	}
	close(sv[1]);
	before = count_fds();
	ck_assert_int_eq(fdpass_send(sv[0], big, size, orig, ids, 2,
	    TIMEOUT, &cause), -1);
	assert_cause(cause, "peer closed");
	free(cause);
	ck_assert_int_eq(count_fds(), before);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(sv[0]);
	close(orig[0]);
	close(orig[1]);
	free(big);
}
END_TEST

/* A receiver that refuses midway: the sender reports its reason. */
START_TEST(test_receiver_refuses_midway)
{
	unsigned char	 buf[512];
	char		*cause = NULL;
	int		 sv[2];

	make_pair(sv);
	prefix(buf, FDPASS_VERSION, FDPASS_READY);
	raw_send(sv[1], buf, FDPASS_PREFIX_LEN, NULL, 0);
	prefix(buf, FDPASS_VERSION, FDPASS_ERROR);
	memcpy(buf + FDPASS_PREFIX_LEN, "disk" "\x01" "full", 9);
	raw_send(sv[1], buf, FDPASS_PREFIX_LEN + 9, NULL, 0);
	ck_assert_int_eq(fdpass_send(sv[0], "abc", 3, NULL, NULL, 0,
	    TIMEOUT, &cause), -1);
	assert_cause(cause, "refused by peer: disk?full");
	free(cause);
	close(sv[0]);
	close(sv[1]);
}
END_TEST

static void
assert_elapsed(uint64_t start)
{
	uint64_t	took = monotonic_ms() - start;

	ck_assert_msg(took >= STALL - 5 && took < STALL + 1500,
	    "took %llu ms for a %d ms deadline", (unsigned long long)took,
	    STALL);
}

START_TEST(test_stall)
{
	unsigned char	*big, buf[64];
	char		*cause = NULL;
	uint64_t	 start;
	size_t		 size = 8 * 1024 * 1024;
	int		 sv[2];

	/* A sender that never says anything. */
	make_pair(sv);
	start = monotonic_ms();
	recv_fails(sv[1], 1024, 8, STALL, "timed out after 300 ms");
	assert_elapsed(start);

	/* A sender that stops after the HELLO. */
	raw_hello(sv[0], 1000, 0);
	start = monotonic_ms();
	recv_fails(sv[1], 1024, 8, STALL, "timed out");
	assert_elapsed(start);
	close(sv[0]);
	close(sv[1]);

	/* A receiver that never answers the HELLO. */
	make_pair(sv);
	start = monotonic_ms();
	ck_assert_int_eq(fdpass_send(sv[0], NULL, 0, NULL, NULL, 0, STALL,
	    &cause), -1);
	assert_cause(cause, "timed out after 300 ms");
	free(cause);
	assert_elapsed(start);
	close(sv[0]);
	close(sv[1]);

	/* A receiver that says READY and then reads nothing: full socket. */
	big = calloc(1, size);
	ck_assert_ptr_nonnull(big);
	make_pair(sv);
	prefix(buf, FDPASS_VERSION, FDPASS_READY);
	raw_send(sv[1], buf, FDPASS_PREFIX_LEN, NULL, 0);
	start = monotonic_ms();
	ck_assert_int_eq(fdpass_send(sv[0], big, size, NULL, NULL, 0, STALL,
	    &cause), -1);
	assert_cause(cause, "timed out");
	free(cause);
	assert_elapsed(start);
	close(sv[0]);
	close(sv[1]);
	free(big);
}
END_TEST

/* ---- the commit phase ---- */

START_TEST(test_commit_phase)
{
	uint64_t	 pause_us = 0;
	int		 sv[2];
	char		*cause = NULL;

	make_pair(sv);
	ck_assert_int_eq(fdpass_send_verdict(sv[1], FDPASS_RESTORED, NULL,
	    TIMEOUT, &cause), 0);
	ck_assert_int_eq(fdpass_recv_verdict(sv[0], TIMEOUT, &cause),
	    FDPASS_RESTORED);
	ck_assert_int_eq(fdpass_send_verdict(sv[0], FDPASS_COMMIT, NULL,
	    TIMEOUT, &cause), 0);
	ck_assert_int_eq(fdpass_recv_verdict(sv[1], TIMEOUT, &cause),
	    FDPASS_COMMIT);
	ck_assert_int_eq(fdpass_send_resumed(sv[1], 12345678901ULL, TIMEOUT,
	    &cause), 0);
	ck_assert_int_eq(fdpass_recv_resumed(sv[0], TIMEOUT, &pause_us,
	    &cause), 0);
	ck_assert_uint_eq(pause_us, 12345678901ULL);
	ck_assert_ptr_null(cause);

	/* Anything but RESUMED is refused and leaves pause_us alone. */
	ck_assert_int_eq(fdpass_send_verdict(sv[1], FDPASS_RESTORED, NULL,
	    TIMEOUT, &cause), 0);
	ck_assert_int_eq(fdpass_recv_resumed(sv[0], TIMEOUT, &pause_us,
	    &cause), -1);
	ck_assert_ptr_nonnull(strstr(cause, "unexpected message"));
	ck_assert_uint_eq(pause_us, 12345678901ULL);
	free(cause);
	cause = NULL;

	/* A RESUMED where a verdict is due is refused too. */
	ck_assert_int_eq(fdpass_send_resumed(sv[1], 1, TIMEOUT, &cause), 0);
	ck_assert_int_eq(fdpass_recv_verdict(sv[0], TIMEOUT, &cause), -1);
	free(cause);
	cause = NULL;

	/* A replacement that closes without a word (an older zoned). */
	close(sv[1]);
	ck_assert_int_eq(fdpass_recv_resumed(sv[0], TIMEOUT, &pause_us,
	    &cause), -1);
	ck_assert_ptr_nonnull(cause);
	free(cause);
	close(sv[0]);
}
END_TEST

/* ---- sockets before the pause: EARLY, SHARED and their words ---- */

/* What the receiving child of test_early_then_full expects. */
struct early_plan {
	const uint32_t		*early_ids;	/* pipe in, pipe out, socket */
	const uint32_t		*full_ids;	/* pipe out, /dev/null */
	const unsigned char	*blob;
	size_t			 blob_len;
};

/*
 * The receiver, in a child that did not inherit the fds: says EARLY_OK,
 * takes the early set and uses each fd, says PREPARED, takes the full
 * set. Every fd it got is closed at the end.
 */
static int
early_receiver(int sock, void *arg, char *why, size_t size)
{
	const struct early_plan	*pl = arg;
	struct stat		 st;
	void			*blob;
	int			*fds, kind, before, seen[3] = { 0, 0, 0 }, c;
	uint32_t		*ids;
	size_t			 len, nfds, i, j;
	char			*cause = NULL;

	before = count_fds();
	if (fdpass_send_verdict(sock, FDPASS_EARLY_OK, NULL, TIMEOUT,
	    &cause) != 0)
		return (peer_fail(why, size, "EARLY_OK: %s", cause));

	kind = -1;
	if (fdpass_recv(sock, &blob, &len, &fds, &ids, &nfds, 1024, 8,
	    TIMEOUT, &kind, &cause) != 0)
		return (peer_fail(why, size, "early set: %s", cause));
	if (kind != FDPASS_EARLY)
		return (peer_fail(why, size, "early set: kind %d", kind));
	if (blob != NULL || len != 0)
		return (peer_fail(why, size, "early set: a blob (%zu)", len));
	if (nfds != 3 || fds == NULL || ids == NULL)
		return (peer_fail(why, size, "early set: %zu fds", nfds));
	for (j = 0; j < nfds; j++) {
		for (i = 0; i < 3 && pl->early_ids[i] != ids[j]; i++)
			;
		if (i == 3 || seen[i]++)
			return (peer_fail(why, size, "early set: id %u "
			    "unknown or twice", ids[j]));
		if (!(fcntl(fds[j], F_GETFD) & FD_CLOEXEC) ||
		    fstat(fds[j], &st) != 0)
			return (peer_fail(why, size, "early id %u: fd %d",
			    ids[j], fds[j]));
		switch (i) {
		case 0:		/* the parent wrote 'a' into this pipe */
			if (!S_ISFIFO(st.st_mode) ||
			    (c = read_byte(fds[j])) != 'a')
				return (peer_fail(why, size, "early id %u: "
				    "not the pipe in", ids[j]));
			break;
		case 1:		/* the parent reads this pipe */
			if (!S_ISFIFO(st.st_mode) ||
			    write(fds[j], "b", 1) != 1)
				return (peer_fail(why, size, "early id %u: "
				    "not the pipe out", ids[j]));
			break;
		default:	/* a stream socket: both ways */
			if (!S_ISSOCK(st.st_mode) ||
			    (c = read_byte(fds[j])) != 'C' ||
			    write(fds[j], "c", 1) != 1)
				return (peer_fail(why, size, "early id %u: "
				    "not the socket", ids[j]));
			break;
		}
		close(fds[j]);
	}
	free(fds);
	free(ids);
	if (count_fds() != before)
		return (peer_fail(why, size, "early set: fds left open"));
	if (fdpass_send_verdict(sock, FDPASS_PREPARED, NULL, TIMEOUT,
	    &cause) != 0)
		return (peer_fail(why, size, "PREPARED: %s", cause));

	kind = -1;
	if (fdpass_recv(sock, &blob, &len, &fds, &ids, &nfds, 1 << 20, 8,
	    TIMEOUT, &kind, &cause) != 0)
		return (peer_fail(why, size, "full set: %s", cause));
	if (kind != FDPASS_HELLO)
		return (peer_fail(why, size, "full set: kind %d", kind));
	if (blob == NULL || len != pl->blob_len ||
	    memcmp(blob, pl->blob, len) != 0)
		return (peer_fail(why, size, "full set: wrong blob (%zu "
		    "bytes)", len));
	if (nfds != 2 || fds == NULL || ids == NULL)
		return (peer_fail(why, size, "full set: %zu fds", nfds));
	for (j = 0; j < nfds; j++) {
		if (fstat(fds[j], &st) != 0)
			return (peer_fail(why, size, "full set: fstat"));
		if (ids[j] == pl->full_ids[0] && S_ISFIFO(st.st_mode) &&
		    write(fds[j], "d", 1) == 1)
			;
		else if (ids[j] == pl->full_ids[1] && S_ISCHR(st.st_mode) &&
		    (fcntl(fds[j], F_GETFL) & O_ACCMODE) == O_WRONLY)
			;
		else
			return (peer_fail(why, size, "full set: id %u is "
			    "not its fd", ids[j]));
		close(fds[j]);
	}
	if (ids[0] == ids[1])
		return (peer_fail(why, size, "full set: id %u twice", ids[0]));
	free(fds);
	free(ids);
	free(blob);
	if (count_fds() != before)
		return (peer_fail(why, size, "full set: fds left open"));
	return (0);
}

/*
 * The whole sequence: EARLY_OK, the early set (kind EARLY, no blob),
 * PREPARED, then the blob and the rest (kind HELLO). The fds are made
 * after the fork, so the receiver has them only through the transfer.
 */
START_TEST(test_early_then_full)
{
	static unsigned char	 big[FDPASS_CHUNK + 4321];
	static const uint32_t	 eids[3] = { 7, 0xfffffffeU, 42 };
	static const uint32_t	 fids[2] = { 1000, 0 };
	struct early_plan	 plan = { eids, fids, big, sizeof big };
	struct peer		 p;
	int			 sv[2], a[2], b[2], st[2], c[2], null;
	int			 efds[3], ffds[2], before;
	char			*cause = NULL, peer_cause[1024];
	size_t			 i;

	for (i = 0; i < sizeof big; i++)
		big[i] = (unsigned char)(i * 131 ^ i >> 7);
	make_pair(sv);
	spawn_peer(sv, 1, early_receiver, &plan, &p);

	ck_assert_int_eq(pipe(a), 0);
	ck_assert_int_eq(pipe(b), 0);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, st), 0);
	ck_assert_int_eq(pipe(c), 0);
	null = open("/dev/null", O_WRONLY);
	ck_assert_int_ne(null, -1);
	ck_assert_int_eq(write(a[1], "a", 1), 1);
	ck_assert_int_eq(write(st[1], "C", 1), 1);
	efds[0] = a[0];
	efds[1] = b[1];
	efds[2] = st[0];
	ffds[0] = c[1];
	ffds[1] = null;

	wait_readable(sv[0]);
	ck_assert_int_eq(fdpass_poll_word(sv[0], FDPASS_EARLY_OK, &cause), 0);
	ck_assert_ptr_null(cause);
	before = count_fds();
	ck_assert_msg(fdpass_send_early(sv[0], efds, eids, 3, TIMEOUT,
	    &cause) == 0, "early: %s", cause);
	ck_assert_int_eq(count_fds(), before);
	wait_readable(sv[0]);
	ck_assert_int_eq(fdpass_poll_word(sv[0], FDPASS_PREPARED, &cause), 0);
	/* Nothing more until the rest is sent. */
	ck_assert_int_eq(fdpass_poll_word(sv[0], FDPASS_PREPARED, &cause), 1);
	ck_assert_ptr_null(cause);
	ck_assert_msg(fdpass_send(sv[0], big, sizeof big, ffds, fids, 2,
	    TIMEOUT, &cause) == 0, "full: %s", cause);
	ck_assert_int_eq(count_fds(), before);
	ck_assert_msg(peer_wait(&p, peer_cause, sizeof peer_cause) == 0,
	    "receiver: %s", peer_cause);

	/* The receiver wrote through the fds it got. */
	ck_assert_int_eq(read_byte(b[0]), 'b');
	ck_assert_int_eq(read_byte(st[1]), 'c');
	ck_assert_int_eq(read_byte(c[0]), 'd');
	close(sv[0]);
	close(a[0]);
	close(a[1]);
	close(b[0]);
	close(b[1]);
	close(st[0]);
	close(st[1]);
	close(c[0]);
	close(c[1]);
	close(null);
}
END_TEST

/* The sender's non-blocking look at what the receiver said. */
START_TEST(test_poll_word)
{
	unsigned char	 m[FDPASS_PREFIX_LEN + 1];
	char		*cause = NULL;
	int		 orig[2], sv[2], before;
	uint64_t	 start;

	ck_assert_int_eq(pipe(orig), 0);
	make_pair(sv);
	before = count_fds();

	/* Nothing queued: 1, at once. */
	start = monotonic_ms();
	ck_assert_int_eq(fdpass_poll_word(sv[0], FDPASS_EARLY_OK, &cause), 1);
	ck_assert_int_eq(fdpass_poll_word(sv[0], FDPASS_PREPARED, &cause), 1);
	ck_assert_uint_lt(monotonic_ms() - start, 100);
	ck_assert_ptr_null(cause);

	/* The word wanted: 0, and it is gone. */
	ck_assert_int_eq(fdpass_send_verdict(sv[1], FDPASS_EARLY_OK, NULL,
	    TIMEOUT, &cause), 0);
	ck_assert_int_eq(fdpass_poll_word(sv[0], FDPASS_EARLY_OK, &cause), 0);
	ck_assert_int_eq(fdpass_poll_word(sv[0], FDPASS_EARLY_OK, &cause), 1);
	ck_assert_int_eq(fdpass_send_verdict(sv[1], FDPASS_PREPARED, NULL,
	    TIMEOUT, &cause), 0);
	ck_assert_int_eq(fdpass_poll_word(sv[0], FDPASS_PREPARED, &cause), 0);
	ck_assert_ptr_null(cause);

	/* Another word, or the right one with more bytes: -1. */
	raw_word(sv[1], FDPASS_PREPARED);
	ck_assert_int_eq(fdpass_poll_word(sv[0], FDPASS_EARLY_OK, &cause), -1);
	assert_cause(cause, "unexpected fd transfer reply (type 14, 8 bytes)");
	free(cause);
	cause = NULL;
	raw_word(sv[1], FDPASS_EARLY_OK);
	ck_assert_int_eq(fdpass_poll_word(sv[0], FDPASS_PREPARED, &cause), -1);
	assert_cause(cause, "unexpected fd transfer reply (type 11, 8 bytes)");
	free(cause);
	cause = NULL;
	raw_word(sv[1], FDPASS_READY);
	ck_assert_int_eq(fdpass_poll_word(sv[0], FDPASS_PREPARED, &cause), -1);
	assert_cause(cause, "unexpected fd transfer reply (type 2, 8 bytes)");
	free(cause);
	cause = NULL;
	prefix(m, FDPASS_VERSION, FDPASS_EARLY_OK);
	m[FDPASS_PREFIX_LEN] = 0;
	raw_send(sv[1], m, sizeof m, NULL, 0);
	ck_assert_int_eq(fdpass_poll_word(sv[0], FDPASS_EARLY_OK, &cause), -1);
	assert_cause(cause, "unexpected fd transfer reply (type 11, 9 bytes)");
	free(cause);
	cause = NULL;

	/* An ERROR: the receiver's reason. */
	ck_assert_int_eq(fdpass_send_verdict(sv[1], FDPASS_ERROR,
	    "out of memory", TIMEOUT, &cause), 0);
	ck_assert_int_eq(fdpass_poll_word(sv[0], FDPASS_EARLY_OK, &cause), -1);
	assert_cause(cause, "refused by peer: out of memory");
	free(cause);
	cause = NULL;

	/* Junk, and a version from the future. */
	raw_send(sv[1], "hello", 5, NULL, 0);
	ck_assert_int_eq(fdpass_poll_word(sv[0], FDPASS_EARLY_OK, &cause), -1);
	assert_cause(cause, "bad magic");
	free(cause);
	cause = NULL;
	prefix(m, FDPASS_VERSION + 1, FDPASS_PREPARED);
	raw_send(sv[1], m, FDPASS_PREFIX_LEN, NULL, 0);
	ck_assert_int_eq(fdpass_poll_word(sv[0], FDPASS_PREPARED, &cause), -1);
	assert_cause(cause, "unsupported fd transfer version");
	free(cause);
	cause = NULL;

	/* Fds on the word: closed, and refused. */
	prefix(m, FDPASS_VERSION, FDPASS_EARLY_OK);
	raw_send(sv[1], m, FDPASS_PREFIX_LEN, orig, 2);
	ck_assert_int_eq(fdpass_poll_word(sv[0], FDPASS_EARLY_OK, &cause), -1);
	assert_cause(cause, "unexpected fds");
	free(cause);
	cause = NULL;
	ck_assert_int_eq(count_fds(), before);

	/* Each took one message: nothing is left. */
	ck_assert_int_eq(fdpass_poll_word(sv[0], FDPASS_EARLY_OK, &cause), 1);
	ck_assert_ptr_null(cause);

	/* The receiver closed. */
	close(sv[1]);
	ck_assert_int_eq(fdpass_poll_word(sv[0], FDPASS_EARLY_OK, &cause), -1);
	assert_cause(cause, "peer closed");
	free(cause);
	ck_assert_int_eq(count_fds(), before - 1);
	close(sv[0]);
	close(orig[0]);
	close(orig[1]);
}
END_TEST

/*
 * SHARED: fds and the length of a blob that is elsewhere. With kind NULL,
 * a SHARED and an EARLY are refused.
 */
START_TEST(test_shared)
{
	struct send_args	 args;
	struct peer		 p;
	void			*blob;
	int			 orig[4], sfds[2], *fds, sv[2], before, kind;
	uint32_t		 sent[2] = { 3, 0x80000000U }, *ids;
	size_t			 len, nfds, j;
	char			*cause = NULL, peer_cause[1024], ch, want[64];

	ck_assert_int_eq(pipe(orig), 0);
	ck_assert_int_eq(pipe(orig + 2), 0);
	sfds[0] = orig[1];	/* a write end */
	sfds[1] = orig[2];	/* a read end */
	args.fds = sfds;
	args.ids = sent;
	args.nfds = 2;
	args.len = 123456;

	make_pair(sv);
	before = count_fds() - 1;
	spawn_peer(sv, 0, run_send_shared, &args, &p);
	kind = -1;
	ck_assert_msg(fdpass_recv(sv[1], &blob, &len, &fds, &ids, &nfds,
	    1 << 20, 8, TIMEOUT, &kind, &cause) == 0, "%s", cause);
	ck_assert_msg(peer_wait(&p, peer_cause, sizeof peer_cause) == 0,
	    "sender: %s", peer_cause);
	ck_assert_int_eq(kind, FDPASS_SHARED);
	ck_assert_ptr_null(blob);
	ck_assert_uint_eq(len, 123456);
	ck_assert_uint_eq(nfds, 2);
	/* No chunk came after: the sender left with nothing queued. */
	ck_assert_int_eq(recv(sv[1], &ch, 1, MSG_DONTWAIT), 0);
	for (j = 0; j < nfds; j++) {
		if (ids[j] == sent[0]) {
			assert_same_file(fds[j], orig[1]);
			ck_assert_int_eq(write(fds[j], "x", 1), 1);
			ck_assert_int_eq(read_byte(orig[0]), 'x');
		} else {
			ck_assert_uint_eq(ids[j], sent[1]);
			assert_same_file(fds[j], orig[2]);
			ck_assert_int_eq(write(orig[3], "y", 1), 1);
			ck_assert_int_eq(read_byte(fds[j]), 'y');
		}
	}
	ck_assert_uint_ne(ids[0], ids[1]);
	for (j = 0; j < nfds; j++)
		close(fds[j]);
	free(fds);
	free(ids);
	ck_assert_int_eq(count_fds(), before);
	close(sv[1]);

	/* Without kind: a SHARED, then an EARLY, is refused. */
	for (j = 0; j < 2; j++) {
		snprintf(want, sizeof want, "expected HELLO, got type %d",
		    j == 0 ? FDPASS_SHARED : FDPASS_EARLY);
		make_pair(sv);
		before = count_fds() - 1;
		spawn_peer(sv, 0, j == 0 ? run_send_shared : run_send_early,
		    &args, &p);
		recv_fails(sv[1], 1 << 20, 8, TIMEOUT, want);
		ck_assert_int_eq(peer_wait(&p, peer_cause, sizeof peer_cause),
		    -1);
		assert_cause(peer_cause, want);
		ck_assert_int_eq(count_fds(), before);
		close(sv[1]);
	}

	/* The length of a shared blob is held to max_blob all the same. */
	make_pair(sv);
	before = count_fds();
	raw_open(sv[0], FDPASS_SHARED, 2000, 0, NULL, 0);
	recv_fails_kind(sv[1], 1999, 8, TIMEOUT, &kind,
	    "blob of 2000 bytes exceeds the limit of 1999");
	ck_assert_int_eq(count_fds(), before);
	close(sv[0]);
	close(sv[1]);

	for (j = 0; j < 4; j++)
		close(orig[j]);
}
END_TEST

/*
 * An EARLY_OK and a PREPARED queued before READY (one too late to be
 * taken up, one not waited for) do not break a transfer.
 */
START_TEST(test_stray_words)
{
	static const peer_fn	 senders[2] = { run_send_early,
				    run_send_shared };
	static const int	 kinds[2] = { FDPASS_EARLY, FDPASS_SHARED };
	struct send_args	 args;
	struct peer		 p;
	unsigned char		 data[3000], m[FDPASS_PREFIX_LEN + 1];
	void			*blob;
	int			 orig[2], *fds, sv[2], before, kind, k;
	uint32_t		 sent[2] = { 11, 12 }, *ids;
	size_t			 len, nfds, i, j;
	char			*cause = NULL, peer_cause[1024];

	for (i = 0; i < sizeof data; i++)
		data[i] = (unsigned char)(i * 7);
	ck_assert_int_eq(pipe(orig), 0);

	make_pair(sv);
	before = count_fds() - 1;
	spawn_sender(sv, data, sizeof data, orig, sent, 2, TIMEOUT, &p);
	raw_word(sv[1], FDPASS_EARLY_OK);
	raw_word(sv[1], FDPASS_PREPARED);
	ck_assert_msg(fdpass_recv(sv[1], &blob, &len, &fds, &ids, &nfds,
	    4096, 8, TIMEOUT, NULL, &cause) == 0, "%s", cause);
	ck_assert_msg(peer_wait(&p, peer_cause, sizeof peer_cause) == 0,
	    "sender: %s", peer_cause);
	ck_assert_uint_eq(len, sizeof data);
	ck_assert(memcmp(blob, data, len) == 0);
	ck_assert_uint_eq(nfds, 2);
	for (j = 0; j < nfds; j++) {
		for (i = 0; i < 2 && sent[i] != ids[j]; i++)
			;
		ck_assert_uint_lt(i, 2);
		assert_same_file(fds[j], orig[i]);
		close(fds[j]);
	}
	free(fds);
	free(ids);
	free(blob);
	ck_assert_int_eq(count_fds(), before);
	close(sv[1]);

	/* The same before the READY of an EARLY and of a SHARED. */
	args.fds = orig;
	args.ids = sent;
	args.nfds = 2;
	args.len = 77;
	for (k = 0; k < 2; k++) {
		make_pair(sv);
		before = count_fds() - 1;
		spawn_peer(sv, 0, senders[k], &args, &p);
		raw_word(sv[1], FDPASS_PREPARED);
		raw_word(sv[1], FDPASS_EARLY_OK);
		raw_word(sv[1], FDPASS_PREPARED);
		kind = -1;
		ck_assert_msg(fdpass_recv(sv[1], &blob, &len, &fds, &ids,
		    &nfds, 4096, 8, TIMEOUT, &kind, &cause) == 0, "%s", cause);
		ck_assert_msg(peer_wait(&p, peer_cause, sizeof peer_cause) ==
		    0, "sender %d: %s", k, peer_cause);
		ck_assert_int_eq(kind, kinds[k]);
		ck_assert_ptr_null(blob);
		ck_assert_uint_eq(len, k == 0 ? 0 : 77);
		ck_assert_uint_eq(nfds, 2);
		for (j = 0; j < nfds; j++)
			close(fds[j]);
		free(fds);
		free(ids);
		ck_assert_int_eq(count_fds(), before);
		close(sv[1]);
	}

	/* Only a bare word is passed over: one with more bytes is not. */
	make_pair(sv);
	prefix(m, FDPASS_VERSION, FDPASS_EARLY_OK);
	m[FDPASS_PREFIX_LEN] = 0;
	raw_send(sv[1], m, sizeof m, NULL, 0);
	raw_word(sv[1], FDPASS_READY);
	ck_assert_int_eq(fdpass_send(sv[0], NULL, 0, NULL, NULL, 0, TIMEOUT,
	    &cause), -1);
	assert_cause(cause, "unexpected fd transfer reply (type 11, 9 bytes)");
	free(cause);
	close(sv[0]);
	close(sv[1]);

	close(orig[0]);
	close(orig[1]);
}
END_TEST

/* An EARLY is fds only: one that announces a blob is refused. */
START_TEST(test_early_with_blob)
{
	unsigned char	 buf[512];
	void		*blob;
	int		 orig[2], *fds, sv[2], before, kind;
	uint32_t	 sent[2] = { 1, 2 }, *ids;
	size_t		 len, nfds;
	char		*cause = NULL;

	ck_assert_int_eq(pipe(orig), 0);

	/* A byte of blob, well within max_blob, fds to follow. */
	make_pair(sv);
	before = count_fds();
	raw_open(sv[0], FDPASS_EARLY, 1, 2, NULL, 0);
	raw_batch(sv[0], 0, 2, sent, orig, 2);
	recv_fails_kind(sv[1], 1024, 8, TIMEOUT, &kind,
	    "a blob before the pause");
	ck_assert_int_eq(count_fds(), before);
	/* Refused at once: an ERROR, no READY before it, nothing after. */
	len = raw_expect(sv[0], buf, sizeof buf - 1, FDPASS_ERROR);
	buf[len] = '\0';
	assert_cause((char *)buf + FDPASS_PREFIX_LEN,
	    "a blob before the pause");
	ck_assert_int_eq(recv(sv[0], buf, sizeof buf, MSG_DONTWAIT), -1);
	close(sv[0]);
	close(sv[1]);

	/* The same with the fds on the EARLY itself: closed too. */
	make_pair(sv);
	before = count_fds();
	raw_open(sv[0], FDPASS_EARLY, 4096, 2, orig, 2);
	recv_fails_kind(sv[1], 1 << 20, 8, TIMEOUT, &kind, "unexpected fds");
	ck_assert_int_eq(count_fds(), before);
	close(sv[0]);
	close(sv[1]);

	/* An empty EARLY followed by a chunk all the same. */
	make_pair(sv);
	before = count_fds();
	raw_open(sv[0], FDPASS_EARLY, 0, 2, NULL, 0);
	prefix(buf, FDPASS_VERSION, FDPASS_CHUNK_MSG);
	put64(buf + FDPASS_PREFIX_LEN, 0);
	raw_send(sv[0], buf, FDPASS_PREFIX_LEN + 8 + 10, NULL, 0);
	recv_fails_kind(sv[1], 1024, 8, TIMEOUT, &kind,
	    "expected a batch of fds, got type 3");
	ck_assert_int_eq(count_fds(), before);
	close(sv[0]);
	close(sv[1]);

	/* And the EARLY it should have been: taken. */
	make_pair(sv);
	before = count_fds();
	raw_open(sv[0], FDPASS_EARLY, 0, 2, NULL, 0);
	raw_batch(sv[0], 0, 2, sent, orig, 2);
	kind = -1;
	ck_assert_msg(fdpass_recv(sv[1], &blob, &len, &fds, &ids, &nfds,
	    1024, 8, TIMEOUT, &kind, &cause) == 0, "%s", cause);
	ck_assert_int_eq(kind, FDPASS_EARLY);
	ck_assert_ptr_null(blob);
	ck_assert_uint_eq(len, 0);
	ck_assert_uint_eq(nfds, 2);
	ck_assert_uint_eq(ids[0], 1);
	ck_assert_uint_eq(ids[1], 2);
	assert_same_file(fds[0], orig[0]);
	assert_same_file(fds[1], orig[1]);
	close(fds[0]);
	close(fds[1]);
	free(fds);
	free(ids);
	ck_assert_int_eq(count_fds(), before);
	close(sv[0]);
	close(sv[1]);

	close(orig[0]);
	close(orig[1]);
}
END_TEST

static Suite *
fdpass_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("fdpass");
	tc = tcase_create("core");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_empty);
	tcase_add_test(tc, test_big_blob);
	tcase_add_test(tc, test_many_fds);
	tcase_add_test(tc, test_max_blob);
	tcase_add_test(tc, test_max_fds);
	tcase_add_test(tc, test_more_fds_than_announced);
	tcase_add_test(tc, test_fds_on_hello);
	tcase_add_test(tc, test_garbage);
	tcase_add_test(tc, test_bad_args);
	tcase_add_test(tc, test_sender_dies);
	tcase_add_test(tc, test_receiver_dies);
	tcase_add_test(tc, test_receiver_refuses_midway);
	tcase_add_test(tc, test_stall);
	tcase_add_test(tc, test_commit_phase);
	tcase_add_test(tc, test_early_then_full);
	tcase_add_test(tc, test_poll_word);
	tcase_add_test(tc, test_shared);
	tcase_add_test(tc, test_stray_words);
	tcase_add_test(tc, test_early_with_blob);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner	*sr;
	int	 failed;

	sr = srunner_create(fdpass_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
