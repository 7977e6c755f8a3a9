/*
 * zoned: the game server instance of one area. Flags and config file,
 * start-up, signals, then the event loop.
 */
#include "config.h"

#include <sys/resource.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include <json-c/json.h>

#include "heap.h"
#include "lifecycle.h"
#include "log.h"
#include "migrate.h"
#include "options.h"
#include "sdnotify.h"
#include "takeover.h"
#include "xmalloc.h"

/* sysexits(3) */
#define EX_USAGE	64
#define EX_UNAVAILABLE	69
#define EX_SOFTWARE	70
#define EX_OSERR	71
#define EX_CONFIG	78

static struct options	 options;
static struct instance	 instance;
static struct event_base *base;
static int		 stopping;

/* Route libevent's own messages into our log. */
static void
main_event_log_cb(int severity, const char *msg)
{
	if (severity >= EVENT_LOG_ERR)
		log_error("libevent: %s", msg);
	else if (severity >= EVENT_LOG_WARN)
		log_warn("libevent: %s", msg);
	else
		log_debug("libevent: %s", msg);
}

/* Every write-back landed or is spooled: let the goodbyes out, then exit. */
static void
main_stopped_cb(void *arg)
{
	struct timeval	tv = { 0, 200000 };

	log_info("write-backs done: exiting");
	event_base_loopexit(base, &tv);
}

static void
main_migrated_cb(int status, struct json_object *o, void *arg)
{
	if (status != 200)
		log_warn("SIGUSR2: migration failed: %s",
		    json_object_get_string(json_object_object_get(o, "error")));
	json_object_put(o);
}

/* SIGUSR2, as nginx: start a copy of the binary and hand over to it. */
static void
main_migrate_cb(evutil_socket_t sig, short events, void *arg)
{
	char	*cause;
	int	 status;

	log_info("signal %d: live migration to %s", (int)sig, instance.exe);
	if (migrate_start(&instance, NULL, main_migrated_cb, NULL, &status,
	    &cause) != 0) {
		log_warn("SIGUSR2: migration not started: %s", cause);
		free(cause);
	}
}

/*
 * What a replacement is started with: our arguments without --takeover
 * (a replacement's replacement gets a fresh one), and our binary's path
 * as it is now, so that an upgraded file there is what runs next.
 */
static void
main_save_command(int argc, char **argv)
{
	char	**saved, buf[4096];
	ssize_t	  n;
	int	  i, j = 0;

	saved = xcalloc((size_t)argc + 1, sizeof *saved);
	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--takeover") == 0) {
			i++;
			continue;
		}
		if (strncmp(argv[i], "--takeover=", 11) == 0)
			continue;
		saved[j++] = argv[i];
	}
	instance.argv = saved;
	n = readlink("/proc/self/exe", buf, sizeof buf - 1);
	if (n > 0) {
		buf[n] = '\0';
		instance.exe = xstrdup(buf);
	} else
		instance.exe = realpath(argv[0], NULL);
	if (instance.exe == NULL)
		instance.exe = xstrdup(argv[0]);
}

static void
main_allocated_cb(int status, const char *cause, void *arg)
{
	*(int *)arg = 1;
	if (status != 200) {
		log_error("area %s: %s", options_get(&options, OPT_AREA),
		    cause);
		exit(EX_CONFIG);
	}
}

static void
main_stop_cb(evutil_socket_t sig, short events, void *arg)
{
	if (stopping++) {
		log_warn("signal %d again: exiting now", (int)sig);
		event_base_loopbreak(base);
		return;
	}
	log_info("signal %d: stopping (again to stop at once)", (int)sig);
	lifecycle_shutdown(&instance, main_stopped_cb, NULL);
}

/*
 * Every client is a descriptor: raise the soft limit towards what
 * max-clients needs (as redis does), and say so if the hard limit is lower.
 */
static void
main_raise_fd_limit(void)
{
	struct rlimit	rl;
	rlim_t		want;

	want = (rlim_t)options_number(&options, OPT_MAX_CLIENTS) + 64 + 64;
	if (getrlimit(RLIMIT_NOFILE, &rl) == -1 || rl.rlim_cur >= want)
		return;
	rl.rlim_cur = rl.rlim_max != RLIM_INFINITY && rl.rlim_max < want ?
	    rl.rlim_max : want;
	if (setrlimit(RLIMIT_NOFILE, &rl) == -1 || rl.rlim_cur < want)
		log_warn("open file limit is %llu, max-clients %lld needs "
		    "about %llu: clients beyond it will be turned away",
		    (unsigned long long)rl.rlim_cur,
		    options_number(&options, OPT_MAX_CLIENTS),
		    (unsigned long long)want);
}

static void
main_daemonize(void)
{
	int	fd;

	switch (fork()) {
	case -1:
		fatal("fork");
	case 0:
		break;
	default:
		_exit(0);
	}
	if (setsid() == -1)
		fatal("setsid");
	if ((fd = open("/dev/null", O_RDWR)) != -1) {
		dup2(fd, STDIN_FILENO);
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		if (fd > STDERR_FILENO)
			close(fd);
	}
}

/*
 * A replacement has already taken the clients over: it must not die for a
 * pid file it cannot write, so only a fresh start exits on that.
 */
static void
main_write_pid(const char *path, int fatal_error)
{
	FILE	*f;

	if ((f = fopen(path, "w")) == NULL) {
		log_error("pid-file %s: %s", path, strerror(errno));
		if (fatal_error)
			exit(EX_OSERR);
		return;
	}
	fprintf(f, "%ld\n", (long)getpid());
	fclose(f);
}

int
main(int argc, char **argv)
{
	struct event	*ev_term, *ev_int, *ev_usr2;
	enum log_level	 level;
	char		*cause;
	const char	*area, *pidfile, *takeover;
	int		 action, status, daemon, allocated = 0;

	heap_keep();
	options_init(&options);
	if (options_parse_argv(&options, argc, argv, &action, &cause) != 0) {
		fprintf(stderr, "zoned: %s\n", cause);
		fprintf(stderr, "Try 'zoned --help' for more information.\n");
		exit(EX_USAGE);
	}
	if (action == 1) {
		options_usage(stdout);
		exit(0);
	}
	if (action == 2) {
		printf("zoned %s\n", PACKAGE_VERSION);
		exit(0);
	}
	if (options_get(&options, OPT_CONFIG) != NULL &&
	    options_load_file(&options, options_get(&options, OPT_CONFIG),
	    &cause) != 0) {
		fprintf(stderr, "zoned: config: %s\n", cause);
		exit(EX_CONFIG);
	}
	takeover = options_get(&options, OPT_TAKEOVER);
	log_level_parse(options_get(&options, OPT_LOG_LEVEL), &level);
	daemon = options_flag(&options, OPT_DAEMON);
	/* A replacement is detached already if the old one was. */
	log_open("zoned", level, daemon);

	signal(SIGPIPE, SIG_IGN);
	signal(SIGHUP, SIG_IGN);	/* nothing to reload yet */
	main_raise_fd_limit();
	event_set_log_callback(main_event_log_cb);
	if ((base = event_base_new()) == NULL)
		fatalx("event_base_new failed");
	if (takeover != NULL) {
		if ((status = lifecycle_init_takeover(&instance, base,
		    &options, &cause)) != 0 ||
		    takeover_run(&instance, takeover, &cause) != 0) {
			/* Nothing was used: the old process keeps it all. */
			log_error("takeover: %s", cause);
			_exit(EX_UNAVAILABLE);
		}
	} else if ((status = lifecycle_init(&instance, base, &options,
	    &cause)) != 0) {
		log_error("%s", cause);
		exit(status == -2 ? EX_CONFIG : EX_OSERR);
	}
	main_save_command(argc, argv);
	if (takeover == NULL &&
	    (area = options_get(&options, OPT_AREA)) != NULL) {
		/* Allocated before detaching, so a failure reaches the shell. */
		lifecycle_allocate(&instance, area, NULL, main_allocated_cb,
		    &allocated);
		while (!allocated)
			event_base_loop(base, EVLOOP_ONCE);
	}
	if (daemon && takeover == NULL) {
		/* libevent backends do not survive fork: start afresh. */
		main_daemonize();
		if (event_reinit(base) != 0)
			fatalx("event_reinit failed");
	}
	if ((pidfile = options_get(&options, OPT_PID_FILE)) != NULL)
		main_write_pid(pidfile, takeover == NULL);

	ev_term = evsignal_new(base, SIGTERM, main_stop_cb, NULL);
	ev_int = evsignal_new(base, SIGINT, main_stop_cb, NULL);
	ev_usr2 = evsignal_new(base, SIGUSR2, main_migrate_cb, NULL);
	evsignal_add(ev_term, NULL);
	evsignal_add(ev_int, NULL);
	evsignal_add(ev_usr2, NULL);
	log_info("zoned %s started pid=%ld tick_hz=%lld", PACKAGE_VERSION,
	    (long)getpid(), options_number(&options, OPT_TICK_HZ));
	/* Under systemd (Type=notify): ready; a replacement is the main
	 * process from now on (NotifyAccess=all lets it say so). */
	if (takeover != NULL) {
		char	msg[64];

		snprintf(msg, sizeof msg, "MAINPID=%ld\nREADY=1",
		    (long)getpid());
		sdnotify(msg);
	} else
		sdnotify("READY=1");

	event_base_dispatch(base);

	log_info("stopped");
	/* After a hand-over the pid file is the replacement's. */
	if (pidfile != NULL && !instance.handed_over)
		unlink(pidfile);
	event_free(ev_term);
	event_free(ev_int);
	event_free(ev_usr2);
	lifecycle_free(&instance);
	free(instance.argv);
	free(instance.exe);
	event_base_free(base);
	options_free(&options);
	return (0);
}
