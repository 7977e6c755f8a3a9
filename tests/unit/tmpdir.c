/* Temporary directories for unit tests; see tmpdir.h. */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "tmpdir.h"

char	tmpdir_top[512];
char	tmpdir_dir[1024];

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return (remove(path));
}

/* Makes /tmp/name.XXXXXX, or exits. */
void
tmpdir_top_setup(const char *name)
{
	snprintf(tmpdir_top, sizeof tmpdir_top, "/tmp/%s.XXXXXX", name);
	if (mkdtemp(tmpdir_top) == NULL) {
		perror("mkdtemp");
		exit(EXIT_FAILURE);
	}
}

/* Removes the top and all in it. */
void
tmpdir_top_teardown(void)
{
	if (tmpdir_top[0] != '\0')
		nftw(tmpdir_top, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

void
tmpdir_dir_setup(void)
{
	int	n;

	n = snprintf(tmpdir_dir, sizeof tmpdir_dir, "%s/tXXXXXX", tmpdir_top);
	ck_assert_int_lt(n, (int)sizeof tmpdir_dir);
	ck_assert_ptr_nonnull(mkdtemp(tmpdir_dir));
}

/* Creates DIR/rel (and its directories) holding text. */
void
tmpdir_put_file(const char *rel, const char *text)
{
	char	 path[PATH_MAX], *p;
	FILE	*f;

	snprintf(path, sizeof path, "%s/%s", tmpdir_dir, rel);
	for (p = path + strlen(tmpdir_dir) + 1; (p = strchr(p, '/')) != NULL;
	    p++) {
		*p = '\0';
		ck_assert_msg(mkdir(path, 0755) == 0 || errno == EEXIST,
		    "mkdir %s: %s", path, strerror(errno));
		*p = '/';
	}
	f = fopen(path, "w");
	ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
	ck_assert_uint_eq(fwrite(text, 1, strlen(text), f), strlen(text));
	ck_assert_int_eq(fclose(f), 0);
}
