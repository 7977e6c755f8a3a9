/* The HTTP control plane (evhttp): DESIGN.md section 2. */
#ifndef CONTROL_H
#define CONTROL_H

struct instance;

#define CONTROL_MAX_BODY	(1024 * 1024)

int	control_init(struct instance *, char **);
void	control_free(struct instance *);

#endif
