/* UTF-8 helpers for text that goes back out to clients as JSON. */
#ifndef UTF8_H
#define UTF8_H

#include <stddef.h>

size_t	utf8_prefix_len(const char *, size_t);
int	utf8_valid(const char *, size_t);

#endif
