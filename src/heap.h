/*
 * Heap reservation: have the next allocations find memory that is
 * already mapped, so that a burst of them (a migration's restore) does
 * not take one page fault per page. On some virtual machines a fault
 * costs over 10 us; 1,000 sessions fault in thousands of pages.
 */
#ifndef HEAP_H
#define HEAP_H

#include <stddef.h>

/* Free memory at the heap top that malloc keeps rather than trims. */
#define HEAP_KEEP	((size_t)64 * 1024 * 1024)

void	heap_keep(void);
size_t	heap_in_use(void);
void	heap_populate(void *, size_t);
size_t	heap_reserve(size_t);

#endif
