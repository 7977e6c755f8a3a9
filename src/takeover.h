/*
 * Starting as a replacement (--takeover PATH, issue 5): the other half of
 * migrate.c. Connect to the old process, receive the snapshot and every
 * socket, rebuild everything without touching a socket, say so, and
 * start only on COMMIT. A replacement that cannot take over exits at once
 * and leaves everything to the old process.
 */
#ifndef TAKEOVER_H
#define TAKEOVER_H

#include <stdint.h>

struct instance;

int	takeover_run(struct instance *, const char *, char **);
void	takeover_first_tick(uint64_t);

#endif
