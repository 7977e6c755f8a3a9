/*
 * Temporary directories for unit tests: one mkdtemp(3) directory in /tmp
 * per test run (an unchecked fixture), a fresh one inside it per test (a
 * checked fixture), and files put in it.
 */
#ifndef TMPDIR_H
#define TMPDIR_H

extern char	tmpdir_top[512];	/* made by tmpdir_top_setup */
extern char	tmpdir_dir[1024];	/* this test's root, in the top */

void	tmpdir_top_setup(const char *);
void	tmpdir_top_teardown(void);
void	tmpdir_dir_setup(void);
void	tmpdir_put_file(const char *, const char *);

#endif
