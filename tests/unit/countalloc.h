/*
 * Counting replacements of the xmalloc.h functions (countalloc.c): link
 * countalloc.c into a test and every xmalloc & co. call adds one here.
 */
#ifndef COUNTALLOC_H
#define COUNTALLOC_H

extern unsigned long	nallocs;	/* xmalloc.h calls so far */

#endif
