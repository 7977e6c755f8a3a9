/*
 * fdpass: hands a blob (the migration snapshot) and a set of file
 * descriptors (listening and client sockets) from one process to another
 * over a connected AF_UNIX SOCK_SEQPACKET socket. Used by both processes
 * of a migration, once before the pause (the early set, in one loop pass)
 * and once in it, so it blocks, bounded by a deadline for each transfer
 * (after haproxy's
 * sock_get_old_sockets: the count first, then acknowledged batches with
 * metadata for each fd).
 *
 * Each fd travels with a 32-bit id given by the sender; the receiver
 * matches fds by id, never by position. Ids are unique within a transfer.
 *
 * Wire format. Every message is one SEQPACKET record and starts with an
 * 8-byte prefix; all integers are big-endian.
 *
 *	u32 magic	FDPASS_MAGIC ("ZFDP")
 *	u16 version	FDPASS_VERSION
 *	u16 type	enum fdpass_type
 *
 * Sender (S) and receiver (R):
 *
 *	S->R HELLO	prefix, u64 blob length, u32 fd count
 *	R->S READY	prefix (the sizes are acceptable)
 *	S->R CHUNK	prefix, u64 offset, 1..FDPASS_CHUNK bytes of the
 *			blob; offsets are contiguous, starting at 0
 *	S->R BATCH	prefix, u32 index of the first fd, u32 count
 *			(1..FDPASS_BATCH), count x u32 id; SCM_RIGHTS
 *			carries exactly count fds, in the order of the ids
 *	R->S ACK	prefix, u32 fds received so far (after each BATCH;
 *			the next BATCH waits for it)
 *	R->S DONE	prefix, u64 blob length, u32 fd count (got
 *			everything; the sender returns 0 only after this)
 *	R->S ERROR	prefix, up to FDPASS_CAUSE_MAX bytes of text (why
 *			the receiver refused; best effort, then it gives up)
 *
 * Sockets before the pause (fdpass_send_early, fdpass_recv): a receiver
 * started with MIGRATE_EARLY_ENV says, as its first message, that it
 * takes them; a sender that hears it may send a first set of fds with an
 * empty blob, introduced by EARLY instead of HELLO, and the rest later.
 * A sender that never hears it, or hears it late, sends everything later
 * (waiting for READY, it skips an EARLY_OK or a PREPARED).
 *
 *	R->S EARLY_OK	prefix
 *	S->R EARLY	as HELLO, with a blob length of 0; then BATCH, ACK
 *			and DONE as below
 *	R->S PREPARED	prefix: the receiver is done with them (and idle
 *			until the pause; the sender may wait for this)
 *
 * The early set may hold shared memory (a memfd) that the sender writes
 * the blob into; it then sends SHARED instead of HELLO, and no CHUNK:
 *
 *	S->R SHARED	as HELLO; the blob lies in the shared memory,
 *			from its first byte
 *
 * Then the commit (fdpass_send_verdict, fdpass_recv_verdict):
 *
 *	R->S RESTORED	prefix: rebuilt from the blob without using the
 *			fds; or ERROR as above
 *	S->R COMMIT	prefix: the sender let go; only now may the receiver
 *			use the fds. Without it (a close, the deadline) the
 *			receiver closes them unused and the sender carries on
 *	R->S RESUMED	prefix, u64 microseconds from the sender's stop to
 *			the receiver's first tick (fdpass_send_resumed,
 *			fdpass_recv_resumed); optional: a receiver that
 *			closes instead is not at fault
 *
 * A message of the wrong type, size, magic or version, any fds on a
 * message other than BATCH, or a truncated message (MSG_TRUNC,
 * MSG_CTRUNC) ends the transfer; the receiver then closes every fd it got.
 */
#ifndef FDPASS_H
#define FDPASS_H

#include <stddef.h>
#include <stdint.h>

/* Bump on any change to the messages above; unknown versions are refused. */
#define FDPASS_VERSION		1

#define FDPASS_MAGIC		0x5a464450U	/* "ZFDP" */
#define FDPASS_BATCH		253	/* fds a message (SCM_MAX_FD) */
#define FDPASS_CHUNK		65536	/* most blob bytes per CHUNK */
#define FDPASS_CAUSE_MAX	256	/* most bytes of text in an ERROR */
#define FDPASS_PREFIX_LEN	8	/* magic, version, type */

enum fdpass_type {
	FDPASS_HELLO = 1,	/* S->R: sizes of what follows */
	FDPASS_READY = 2,	/* R->S: sizes accepted */
	FDPASS_CHUNK_MSG = 3,	/* S->R: part of the blob */
	FDPASS_BATCH_MSG = 4,	/* S->R: up to FDPASS_BATCH fds and ids */
	FDPASS_ACK = 5,		/* R->S: a batch arrived */
	FDPASS_DONE = 6,	/* R->S: everything arrived */
	FDPASS_ERROR = 7,	/* R->S: refused, with a reason */
	FDPASS_RESTORED = 8,	/* R->S: rebuilt, waiting for COMMIT */
	FDPASS_COMMIT = 9,	/* S->R: the fds are the receiver's now */
	FDPASS_RESUMED = 10,	/* R->S: the first tick ran, after a pause */
	FDPASS_EARLY_OK = 11,	/* R->S: fds may come before the pause */
	FDPASS_EARLY = 12,	/* S->R: as HELLO, fds only, before it */
	FDPASS_SHARED = 13,	/* S->R: as HELLO, the blob in shared memory */
	FDPASS_PREPARED = 14	/* R->S: done with what came early */
};

int	fdpass_send(int, const void *, size_t, const int *,
	    const uint32_t *, size_t, int, char **);
int	fdpass_send_early(int, const int *, const uint32_t *, size_t, int,
	    char **);
int	fdpass_send_shared(int, size_t, const int *, const uint32_t *, size_t,
	    int, char **);
int	fdpass_recv(int, void **, size_t *, int **, uint32_t **, size_t *,
	    size_t, size_t, int, int *, char **);
int	fdpass_poll_word(int, enum fdpass_type, char **);
int	fdpass_send_verdict(int, enum fdpass_type, const char *, int,
	    char **);
int	fdpass_recv_verdict(int, int, char **);
int	fdpass_send_resumed(int, uint64_t, int, char **);
int	fdpass_recv_resumed(int, int, uint64_t *, char **);

#endif
