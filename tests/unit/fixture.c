/* The committed fixtures' paths (fixture.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"

/*
 * tests/fixtures/name under $top_srcdir (make check sets it), else next
 * to this file's own source directory, else relative to the current one.
 */
void
fixture_path(char *buf, size_t size, const char *name)
{
	const char	*top = getenv("top_srcdir"), *f = __FILE__, *e;

	if (top != NULL && *top != '\0') {
		snprintf(buf, size, "%s/tests/fixtures/%s", top, name);
		return;
	}
	if ((e = strstr(f, "tests/unit/")) != NULL)
		snprintf(buf, size, "%.*stests/fixtures/%s", (int)(e - f), f,
		    name);
	else
		snprintf(buf, size, "tests/fixtures/%s", name);
}
