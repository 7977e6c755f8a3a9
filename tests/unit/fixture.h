/* Where the committed fixtures are (tests/fixtures), from a unit test. */
#ifndef FIXTURE_H
#define FIXTURE_H

#include <stddef.h>

void	fixture_path(char *, size_t, const char *);

#endif
