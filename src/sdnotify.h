/*
 * The systemd readiness protocol (sd_notify(3)), without libsystemd: one
 * datagram to $NOTIFY_SOCKET. A replacement started by a live migration
 * names itself the service's main process (MAINPID=) before the old one
 * exits, so that systemd keeps the service running (NotifyAccess=all).
 */
#ifndef SDNOTIFY_H
#define SDNOTIFY_H

int	sdnotify(const char *);

#endif
