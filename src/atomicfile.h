/* Replacing a file so that a crash leaves the old or the new, never half. */
#ifndef ATOMICFILE_H
#define ATOMICFILE_H

#include <sys/types.h>

#include <stddef.h>

int	atomicfile_write(const char *, const void *, size_t, mode_t, char **);

#endif
