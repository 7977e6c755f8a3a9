/* Atomic file replacement: temporary file, fsync, rename, fsync of dir. */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "atomicfile.h"
#include "xmalloc.h"

/*
 * Replaces path with data. The temporary file sits next to it (same file
 * system, so rename is atomic) and is named after the pid, so two
 * processes never share one. On failure *cause says why (caller frees)
 * and path is unchanged.
 */
int
atomicfile_write(const char *path, const void *data, size_t len, mode_t mode,
    char **cause)
{
	char	*tmp, *dir, *slash;
	int	 fd;

	xasprintf(&tmp, "%s.tmp%ld", path, (long)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd == -1 || write(fd, data, len) != (ssize_t)len ||
	    fsync(fd) == -1) {
		xasprintf(cause, "%s: %s", tmp, strerror(errno));
		if (fd != -1)
			close(fd);
		unlink(tmp);
		free(tmp);
		return (-1);
	}
	close(fd);
	if (rename(tmp, path) == -1) {
		xasprintf(cause, "%s: %s", path, strerror(errno));
		unlink(tmp);
		free(tmp);
		return (-1);
	}
	free(tmp);
	/* The rename itself must survive a crash: sync the directory. */
	dir = xstrdup(path);
	if ((slash = strrchr(dir, '/')) != NULL)
		*slash = '\0';
	if ((fd = open(slash == NULL ? "." : *dir != '\0' ? dir : "/",
	    O_RDONLY | O_DIRECTORY | O_CLOEXEC)) != -1) {
		fsync(fd);
		close(fd);
	}
	free(dir);
	return (0);
}
