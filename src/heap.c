/*
 * Heap reservation (see heap.h). glibc's malloc is told to keep what is
 * freed (trim threshold) and to serve large blocks from the heap rather
 * than from fresh mappings (mmap threshold); blocks adding up to the size
 * wanted are allocated from the heap top, their pages populated with one
 * madvise each (one fault per page otherwise), and freed back to the top.
 * Without glibc's mallopt and mallinfo2 both functions do nothing.
 */
#include "config.h"

#include <sys/mman.h>

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>
#ifdef HAVE_MALLOC_H
#include <malloc.h>
#endif

#include "heap.h"

/* glibc's ceiling for M_MMAP_THRESHOLD on 64-bit systems. */
#define HEAP_MMAP_THRESHOLD	(32 * 1024 * 1024)
/* Reserved in blocks of this size (below the mmap threshold). */
#define HEAP_BLOCK		((size_t)16 * 1024 * 1024)
/* Never reserve more than this, whatever we are told. */
#define HEAP_RESERVE_MAX	(64 * HEAP_BLOCK)

/*
 * Called once at start: up to HEAP_KEEP bytes freed at the top of the
 * heap stay mapped. glibc's default gives back what passes 128 KB, and a
 * tick frees at the top about what the next one allocates again (output
 * buffers of thousands of clients), so every tick faulted the same pages
 * in anew: 8-9% of a live zoned's CPU at 2,000 clients in a malloc that
 * wrote to a fresh page, and 5-7 ms more work a tick.
 */
void
heap_keep(void)
{
#if defined(HAVE_MALLOPT) && defined(M_TRIM_THRESHOLD)
	mallopt(M_TRIM_THRESHOLD, (int)HEAP_KEEP);
#endif
}

/* Bytes malloc has handed out and not had back, mappings included. */
size_t
heap_in_use(void)
{
#ifdef HAVE_MALLINFO2
	struct mallinfo2	mi = mallinfo2();

	return (mi.uordblks + mi.hblkhd);
#else
	return (0);
#endif
}

/* Maps in the whole pages of [p, p + len) for writing. */
void
heap_populate(void *p, size_t len)
{
	long		 page = sysconf(_SC_PAGESIZE);
	uintptr_t	 from, to;
	size_t		 i;

	if (page <= 0)
		page = 4096;
	from = ((uintptr_t)p + (uintptr_t)page - 1) & ~((uintptr_t)page - 1);
	to = ((uintptr_t)p + len) & ~((uintptr_t)page - 1);
#ifdef MADV_POPULATE_WRITE
	/* One system call rather than a fault a page. */
	if (to > from)
		(void)madvise((void *)from, to - from, MADV_POPULATE_WRITE);
#endif
	/*
	 * And a write to each page from here: on the virtual machine we
	 * measured, a page's first touch from user space stalled even when
	 * it was populated (a restore of 1,000 sessions: 18-22 ms, with the
	 * writes 10-16). Each byte written is the one read: nothing changes.
	 */
	for (i = 0; i < len; i += (size_t)page)
		((volatile char *)p)[i] = ((volatile char *)p)[i];
}

/* Makes about bytes of heap fault-free. Returns what was reserved. */
size_t
heap_reserve(size_t bytes)
{
#if defined(HAVE_MALLOPT) && defined(M_TRIM_THRESHOLD)
	void	*blocks[HEAP_RESERVE_MAX / HEAP_BLOCK];
	size_t	 n, k, done, size = 0;

	if (bytes == 0)
		return (0);
	if (bytes > HEAP_RESERVE_MAX)
		bytes = HEAP_RESERVE_MAX;
	/* What is freed stays; big blocks (snapshots, buffers) use it. */
	mallopt(M_TRIM_THRESHOLD, INT_MAX);
	mallopt(M_MMAP_THRESHOLD, HEAP_MMAP_THRESHOLD);
	for (n = 0, done = 0; done < bytes; n++, done += size) {
		size = bytes - done < HEAP_BLOCK ? bytes - done : HEAP_BLOCK;
		if ((blocks[n] = malloc(size)) == NULL)
			break;
		heap_populate(blocks[n], size);
	}
	/* Freed last first, so that they join the heap top again. */
	for (k = n; k > 0; k--)
		free(blocks[k - 1]);
	return (done);
#else
	(void)bytes;
	return (0);
#endif
}
