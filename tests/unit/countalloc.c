/*
 * The xmalloc.h functions, aborting as libutil's do, but counting calls in
 * nallocs. A test linking this object gets them instead of libutil's
 * xmalloc.o (the archive member is then never pulled in).
 */
#include "config.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "countalloc.h"
#include "xmalloc.h"

unsigned long	nallocs;

void *
xmalloc(size_t size)
{
	void	*p;

	nallocs++;
	if ((p = malloc(size)) == NULL)
		abort();
	return (p);
}

void *
xcalloc(size_t nmemb, size_t size)
{
	void	*p;

	nallocs++;
	if ((p = calloc(nmemb, size)) == NULL)
		abort();
	return (p);
}

void *
xrealloc(void *ptr, size_t size)
{
	return (xreallocarray(ptr, 1, size));
}

void *
xreallocarray(void *ptr, size_t nmemb, size_t size)
{
	void	*p;

	nallocs++;
	if (size != 0 && nmemb > SIZE_MAX / size)
		abort();
	if ((p = realloc(ptr, nmemb * size)) == NULL)
		abort();
	return (p);
}

char *
xstrdup(const char *s)
{
	return (xstrndup(s, strlen(s)));
}

char *
xstrndup(const char *s, size_t n)
{
	char	*p;

	nallocs++;
	if ((p = strndup(s, n)) == NULL)
		abort();
	return (p);
}

int
xasprintf(char **ret, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	va_start(ap, fmt);
	n = xvasprintf(ret, fmt, ap);
	va_end(ap);
	return (n);
}

int
xvasprintf(char **ret, const char *fmt, va_list ap)
{
	int	n;

	nallocs++;
	if ((n = vasprintf(ret, fmt, ap)) == -1)
		abort();
	return (n);
}
