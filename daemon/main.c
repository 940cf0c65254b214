/* main.c: sock6d's command line, signals and event loop. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "control.h"
#include "limit.h"
#include "log.h"
#include "paths.h"
#include "sock6d.h"

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: sock6d [--socket PATH] [--socket-mode MODE] [--log-level LEVEL]\n"
	    "              [--limit NAME=VALUE]... [--allow-export] [--version] [--help]\n"
	    "\n"
	    "  --socket PATH       control socket (default: $SOCK6D_SOCKET, then\n"
	    "                      /run/sock6d/sock6d.sock as root, $XDG_RUNTIME_DIR/sock6d.sock,\n"
	    "                      /tmp/sock6d-$UID/sock6d.sock)\n"
	    "  --socket-mode MODE  octal file mode of the control socket (default 0660)\n"
	    "  --log-level LEVEL   error, warn, info (default) or debug\n"
	    "  --allow-export      let every user take its sockets' descriptors (socket.export)\n"
	    "  --limit NAME=VALUE  change a limit:\n");
	limits_usage(f);
}

/* Every handle is a descriptor: take the hard limit, not the soft one. */
static void
raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
			log_warn("setrlimit RLIMIT_NOFILE");
	}
}

static void
signal_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
	log_info("signal %d: shutting down", w->signum);
	ev_break(loop, EVBREAK_ALL);
}

/* Create the directory that holds a default socket path, when missing. */
static int
make_socket_dir(const char *path, char *err, size_t errlen)
{
	char dir[108];
	char *slash;
	struct stat st;

	snprintf(dir, sizeof(dir), "%s", path);
	if ((slash = strrchr(dir, '/')) == NULL || slash == dir)
		return 0;
	*slash = '\0';
	if (stat(dir, &st) == 0)
		return 0;
	if (mkdir(dir, geteuid() == 0 ? 0755 : 0700) == -1 && errno != EEXIST) {
		snprintf(err, errlen, "cannot create %s: %s", dir, strerror(errno));
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "socket-mode", required_argument, NULL, 'm' },
		{ "log-level", required_argument, NULL, 'l' },
		{ "limit", required_argument, NULL, 'L' },
		{ "allow-export", no_argument, NULL, 'E' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *socket_opt = NULL, *why;
	char path[108], err[512], *end;
	struct limits limits;
	struct sock6d d;
	struct ev_loop *loop;
	long mode = 0660;
	int ch, level = LOG_LVL_INFO;
	bool allow_export = false;

	limits_default(&limits);
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 's':
			socket_opt = optarg;
			break;
		case 'm':
			errno = 0;
			mode = strtol(optarg, &end, 8);
			if (*optarg == '\0' || *end != '\0' || errno || mode < 0 || mode > 0777) {
				fprintf(stderr, "sock6d: --socket-mode must be an octal mode like 0660\n");
				return 2;
			}
			break;
		case 'l':
			if ((level = log_level_parse(optarg)) < 0) {
				fprintf(stderr, "sock6d: unknown log level '%s'\n", optarg);
				return 2;
			}
			break;
		case 'L':
			if (limits_set(&limits, optarg, err, sizeof(err)) == -1) {
				fprintf(stderr, "sock6d: %s\n", err);
				return 2;
			}
			break;
		case 'E':
			allow_export = true;
			break;
		case 'V':
			printf("sock6d %s (protocol %d)\n", PACKAGE_VERSION, SOCK6D_PROTOCOL_VERSION);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "sock6d: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	if (limits_check(&limits, err, sizeof(err)) == -1) {
		fprintf(stderr, "sock6d: %s\n", err);
		return 2;
	}
	log_init((enum log_level)level);
	if (s6_socket_path(socket_opt, path, sizeof(path), &why) == -1) {
		log_error("%s", why);
		return 1;
	}
	if (socket_opt == NULL && make_socket_dir(path, err, sizeof(err)) == -1) {
		log_error("%s", err);
		return 1;
	}
	raise_fd_limit();
	sock6d_memory_policy();
	signal(SIGPIPE, SIG_IGN);
	if ((loop = ev_default_loop(EVFLAG_AUTO | EVFLAG_SIGNALFD)) == NULL) {
		log_error("cannot initialise the event loop");
		return 1;
	}
	if (sock6d_init(&d, loop, &limits) == -1) {
		log_error("out of memory");
		return 1;
	}
	d.allow_export = allow_export;
	if (control_open(&d, path, (mode_t)mode, err, sizeof(err)) == -1) {
		log_error("%s", err);
		sock6d_shutdown(&d);
		return 1;
	}
	ev_signal_init(&d.sigterm, signal_cb, SIGTERM);
	ev_signal_init(&d.sigint, signal_cb, SIGINT);
	ev_signal_start(loop, &d.sigterm);
	ev_signal_start(loop, &d.sigint);
	log_info("sock6d %s listening on %s", PACKAGE_VERSION, path);
	ev_run(loop, 0);
	sock6d_shutdown(&d);
	ev_signal_stop(loop, &d.sigterm);
	ev_signal_stop(loop, &d.sigint);
	ev_loop_destroy(loop);
	log_info("stopped");
	return 0;
}
