/* The replacement's side of a live migration (takeover.h). */
#include "config.h"

#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "areaload.h"
#include "fdpass.h"
#include "heap.h"
#include "lifecycle.h"
#include "log.h"
#include "migrate.h"
#include "options.h"
#include "sim/area.h"
#include "snapshot.h"
#include "ticker.h"
#include "takeover.h"
#include "ws.h"
#include "xmalloc.h"

#define TAKEOVER_MAX_SNAPSHOT	((size_t)4 << 30)
#define TAKEOVER_RESUMED_MS	1000	/* to tell the old process the pause */

/* After the commit, until the first tick: the old process listens. */
static int	takeover_sock = -1;

static int
takeover_connect(const char *path, char **cause)
{
	struct sockaddr_un	sun;
	int			s;

	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof sun.sun_path) {
		xasprintf(cause, "%s: path too long for a Unix socket", path);
		return (-1);
	}
	memcpy(sun.sun_path, path, strlen(path));
	if ((s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0)) == -1) {
		xasprintf(cause, "socket: %s", strerror(errno));
		return (-1);
	}
	if (connect(s, (struct sockaddr *)&sun, sizeof sun) == -1) {
		xasprintf(cause, "%s: %s", path, strerror(errno));
		close(s);
		return (-1);
	}
	return (s);
}

/*
 * Before connecting (which makes the old process stop its states): have
 * the heap the restore will take mapped in, as much as the old process
 * says. Faulting those pages in one by one during the restore was most
 * of the pause (14 us a page on the VM we measured).
 */
static void
takeover_reserve_heap(void)
{
	const char		*v = getenv(MIGRATE_HEAP_ENV);
	unsigned long long	 want;
	size_t			 got;
	uint64_t		 t0 = monotonic_ns();
	char			*end;

	if (v == NULL)
		return;
	errno = 0;
	want = strtoull(v, &end, 10);
	if (errno != 0 || *v == '\0' || *end != '\0' || want > SIZE_MAX) {
		log_warn("takeover: %s=%s: not a size; ignored",
		    MIGRATE_HEAP_ENV, v);
		unsetenv(MIGRATE_HEAP_ENV);
		return;
	}
	unsetenv(MIGRATE_HEAP_ENV);
	got = heap_reserve((size_t)want);
	log_info("takeover: %zu KiB of heap made ready in %.1f ms", got / 1024,
	    (double)(monotonic_ns() - t0) / 1e6);
}

/*
 * The area the old process runs (MIGRATE_AREA_ENV), loaded now: the
 * restore takes it if the snapshot names it, else loads its own.
 */
static void
takeover_load_area(struct instance *inst)
{
	const char	*name = getenv(MIGRATE_AREA_ENV);
	uint64_t	 t0 = monotonic_ns();
	char		*why;

	if (name == NULL)
		return;
	inst->takeover_area = areaload_file(options_get(inst->options,
	    OPT_AREA_DIR), name, &why);
	if (inst->takeover_area == NULL) {
		log_info("takeover: area %s not loaded ahead: %s", name, why);
		free(why);
	} else
		log_info("takeover: area %s loaded in %.1f ms", name,
		    (double)(monotonic_ns() - t0) / 1e6);
	unsetenv(MIGRATE_AREA_ENV);
}

/*
 * Test hook: ZONED_TEST_CORRUPT_SNAPSHOT=1 flips one byte of what came,
 * to show that a damaged snapshot is refused and the old process stays.
 */
static void
takeover_test_corrupt(void *blob, size_t len)
{
	const char	*v = getenv("ZONED_TEST_CORRUPT_SNAPSHOT");

	if (v == NULL || strcmp(v, "1") != 0 || len == 0)
		return;
	log_warn("ZONED_TEST_CORRUPT_SNAPSHOT: damaging the snapshot");
	((unsigned char *)blob)[len / 2] ^= 0x5a;
}

/*
 * Test hook: ZONED_TEST_SNAPSHOT_DUMP=FILE keeps a copy of what came, to
 * make the fixture of a released format (tests/fixtures/).
 */
static void
takeover_test_dump(const void *blob, size_t len)
{
	const char	*path = getenv("ZONED_TEST_SNAPSHOT_DUMP");
	FILE		*f;
	int		 bad;

	if (path == NULL || *path == '\0')
		return;
	if ((f = fopen(path, "wb")) == NULL)
		bad = 1;
	else {
		bad = fwrite(blob, 1, len, f) != len;
		bad |= fclose(f) != 0;
	}
	if (bad)
		log_warn("ZONED_TEST_SNAPSHOT_DUMP %s: %s", path,
		    strerror(errno));
	else
		log_info("ZONED_TEST_SNAPSHOT_DUMP: %zu bytes in %s", len,
		    path);
}

/* Tells the old process that sockets may come before the pause. */
static int
takeover_early_ok(int s)
{
	char	*why;

	if (getenv(MIGRATE_EARLY_ENV) == NULL)
		return (0);
	unsetenv(MIGRATE_EARLY_ENV);
	if (fdpass_send_verdict(s, FDPASS_EARLY_OK, NULL, 1000, &why) != 0) {
		log_info("takeover: sockets will not come early: %s", why);
		free(why);
		return (0);
	}
	return (1);
}

/*
 * The memory the old process writes the snapshot into, mapped when it
 * comes (before the pause), with its pages: faulting them in one by one
 * while restoring would take longer than the copy through the socket.
 */
static const void	*takeover_shared;
static size_t		 takeover_shared_len;

static void
takeover_share(int fd)
{
	struct stat	 st;
	void		*p;
	size_t		 i;
	unsigned	 sum = 0;

	if (fstat(fd, &st) == -1 || st.st_size <= 0 ||
	    (p = mmap(NULL, (size_t)st.st_size, PROT_READ,
	    MAP_SHARED | MAP_POPULATE, fd, 0)) == MAP_FAILED) {
		log_warn("takeover: the snapshot's shared memory: %s",
		    strerror(errno));
		close(fd);
		return;
	}
	close(fd);
	/* Each page read once from here too (heap_populate says why). */
	for (i = 0; i < (size_t)st.st_size; i += 4096)
		sum += ((volatile const unsigned char *)p)[i];
	(void)sum;
	takeover_shared = p;
	takeover_shared_len = (size_t)st.st_size;
}

/* The snapshot (len bytes) in the shared memory, or NULL with a cause. */
static const void *
takeover_shared_blob(size_t len, char **cause)
{
	if (takeover_shared == NULL) {
		xasprintf(cause, "the snapshot is in shared memory that did "
		    "not come");
		return (NULL);
	}
	if (len > takeover_shared_len) {
		xasprintf(cause, "a snapshot of %zu bytes in %zu bytes of "
		    "shared memory", len, takeover_shared_len);
		return (NULL);
	}
	return (takeover_shared);
}

static void
takeover_unshare(void)
{
	if (takeover_shared != NULL)
		munmap((void *)takeover_shared, takeover_shared_len);
	takeover_shared = NULL;
}

/*
 * The sockets that came before the pause: their connections are made
 * ready (ws_prepare), so that the restore in the pause only fills them
 * in. They stay owned by ws.c until the restore takes them.
 */
static void
takeover_prepare(struct instance *inst, const int *fds, const uint32_t *ids,
    size_t n)
{
	uint64_t	t0 = monotonic_ns();
	size_t		i;

	for (i = 0; i < n; i++) {
		if (ids[i] == LIFECYCLE_FD_SNAPSHOT)
			takeover_share(fds[i]);
		else if (ids[i] != LIFECYCLE_FD_CLIENT &&
		    ids[i] != LIFECYCLE_FD_CONTROL)
			ws_prepare(inst->base, fds[i]);
	}
	log_info("takeover: %zu sockets came before the pause, made ready in "
	    "%.1f ms", n, (double)(monotonic_ns() - t0) / 1e6);
}

/* Appends the n2 fds and ids of the second set to the first. */
static void
takeover_merge(int **fds, uint32_t **ids, size_t *n, int *fds2,
    uint32_t *ids2, size_t n2)
{
	*fds = xreallocarray(*fds, *n + n2 + 1, sizeof **fds);
	*ids = xreallocarray(*ids, *n + n2 + 1, sizeof **ids);
	if (n2 != 0) {
		memcpy(*fds + *n, fds2, n2 * sizeof *fds2);
		memcpy(*ids + *n, ids2, n2 * sizeof *ids2);
	}
	*n += n2;
	free(fds2);
	free(ids2);
}

/*
 * Takes over from the old process listening on path. Returns 0 once this
 * process owns everything and runs (the loop is not started yet), or -1
 * with a cause: nothing was used, and the caller must exit at once (with
 * _exit: closing the received sockets is harmless, the old process keeps
 * its copies, but nothing may be written to them).
 */
int
takeover_run(struct instance *inst, const char *path, char **cause)
{
	void		*blob = NULL;
	size_t		 len = 0, nfds = 0, maxfds;
	int		*fds = NULL, s, timeout;
	uint32_t	*ids = NULL;
	uint64_t	 t0, t1;
	char		*why;
	int		*fds2, want_early, kind = FDPASS_HELLO;
	uint32_t	*ids2;
	size_t		 nfds2;
	const void	*snap;

	timeout = (int)options_number(inst->options, OPT_MIGRATE_TIMEOUT);
	takeover_reserve_heap();
	takeover_load_area(inst);
	if ((s = takeover_connect(path, cause)) == -1)
		return (-1);
	maxfds = inst->max_clients * 2 + 4096;
	want_early = takeover_early_ok(s);
	/* The old process may wait up to a timeout for a quiet tick first. */
	if (fdpass_recv(s, &blob, &len, &fds, &ids, &nfds,
	    TAKEOVER_MAX_SNAPSHOT, maxfds, 2 * timeout,
	    want_early ? &kind : NULL, cause) != 0) {
		close(s);
		return (-1);
	}
	if (kind == FDPASS_EARLY) {
		takeover_prepare(inst, fds, ids, nfds);
		/* Idle from here: the old process may pause now. */
		if (fdpass_send_verdict(s, FDPASS_PREPARED, NULL, timeout,
		    cause) != 0) {
			close(s);
			return (-1);
		}
		if (fdpass_recv(s, &blob, &len, &fds2, &ids2, &nfds2,
		    TAKEOVER_MAX_SNAPSHOT, maxfds - nfds, 2 * timeout, &kind,
		    cause) != 0) {
			close(s);
			return (-1);
		}
		takeover_merge(&fds, &ids, &nfds, fds2, ids2, nfds2);
	}
	snap = blob;
	if (kind == FDPASS_SHARED && (snap = takeover_shared_blob(len,
	    cause)) == NULL) {
		close(s);
		return (-1);
	}
	if (kind == FDPASS_EARLY) {
		xasprintf(cause, "the old process sent the sockets early twice");
		close(s);
		return (-1);
	}
	takeover_test_dump(snap, len);
	if (getenv("ZONED_TEST_CORRUPT_SNAPSHOT") != NULL && blob == NULL) {
		blob = xmalloc(len);
		snap = memcpy(blob, snap, len);
	}
	takeover_test_corrupt(blob, len);
	t0 = monotonic_ns();
	if (snapshot_restore(inst, snap, len, fds, ids, nfds, cause) != 0) {
		if (fdpass_send_verdict(s, FDPASS_ERROR, *cause, timeout,
		    &why) != 0)
			free(why);
		return (-1);
	}
	free(blob);
	ws_drop_prepared();	/* sockets of sessions that ended meanwhile */
	t1 = monotonic_ns();
	if (fdpass_send_verdict(s, FDPASS_RESTORED, NULL, timeout,
	    cause) != 0)
		return (-1);
	/* The old process decides; it answers at once or closes. */
	if (fdpass_recv_verdict(s, timeout * 2, &why) != FDPASS_COMMIT) {
		xasprintf(cause, "no commit from the old process (%s): it "
		    "keeps everything", why);
		free(why);
		return (-1);
	}
	free(fds);
	free(ids);
	/* The first tick tells the old process how long the pause was. */
	if (inst->run != NULL)
		takeover_sock = s;
	else
		close(s);
	snapshot_resume(inst);
	log_info("took over: sessions=%zu fds=%zu snapshot_bytes=%zu "
	    "migrations=%llu restore_ms=%.3f commit_wait_ms=%.3f",
	    inst->nsessions, nfds, len,
	    (unsigned long long)inst->migrate.count, (double)(t1 - t0) / 1e6,
	    (double)(monotonic_ns() - t1) / 1e6);
	inst->migrate.last_bytes = len;
	inst->migrate.last_fds = nfds;
	inst->migrate.last_sessions = inst->nsessions;
	takeover_unshare();
	return (0);
}

/*
 * The first tick after the takeover ran, pause_us after the old process
 * stopped: the old process, which answers the control request, hears it.
 */
void
takeover_first_tick(uint64_t pause_us)
{
	char	*cause;

	if (takeover_sock == -1)
		return;
	if (fdpass_send_resumed(takeover_sock, pause_us, TAKEOVER_RESUMED_MS,
	    &cause) != 0) {
		log_info("migration: the old process did not hear of the "
		    "first tick: %s", cause);
		free(cause);
	}
	close(takeover_sock);
	takeover_sock = -1;
}
