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
#include "fdstore.h"
#include "grant.h"
#include "reload.h"
#include "limit.h"
#include "log.h"
#include "method.h"
#include "paths.h"
#include "policy.h"
#include "privs.h"
#include "service.h"
#include "sock6d.h"
#include "unix-guard.h"

#define POLICY_PATH	SYSCONFDIR "/sock6d/sock6d.conf"
#define MAX_LIMIT_ARGS	64

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: sock6d [--socket PATH] [--socket-mode MODE] [--config FILE]\n"
	    "              [--log-level LEVEL] [--limit NAME=VALUE]... [--allow-export]\n"
	    "              [--state-dir DIR] [--version] [--openrpc] [--help]\n"
	    "\n"
	    "  --socket PATH       control socket (default: $SOCK6D_SOCKET, then\n"
	    "                      /run/sock6d/sock6d.sock as root, $XDG_RUNTIME_DIR/sock6d.sock,\n"
	    "                      /tmp/sock6d-$UID/sock6d.sock)\n"
	    "  --socket-mode MODE  octal file mode of the control socket (default 0660)\n"
	    "  --config FILE       the policy file (default: $SOCK6D_CONFIG, then\n"
	    "                      " POLICY_PATH "); none there: nothing granted;\n"
	    "                      read again on SIGHUP\n"
	    "  --log-level LEVEL   error, warn, info (default) or debug\n"
	    "  --allow-export      let every user take its sockets' descriptors (socket.export)\n"
	    "  --state-dir DIR     where the handles kept in the service manager's fd store\n"
	    "                      across a restart are described (default: " FDSTORE_DEFAULT_DIR "\n"
	    "                      as root, else none; \"\": none)\n"
	    "  --openrpc           print the API as an OpenRPC document (rpc.discover's) and exit\n"
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

static void
sighup_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
	struct sock6d *d = w->data;
	char err[512];

	log_info("SIGHUP: reloading the policy");
	(void)reload_request(d, NULL, NULL, err, sizeof(err));
}

/* What STATUS= tells the service manager. */
static void
status_text(void *ctx, char *buf, size_t len)
{
	struct sock6d *d = ctx;

	snprintf(buf, len, "%zu handles, %u connections", handle_count(&d->handles), d->nconns);
}

/* The descriptors socket activation passed: the control socket (named
 * "control", or the only one), adopted; -1 when there was none, 0 when
 * adopted, -2 on an error (in err).  Those the fd store gave back are
 * left in *out (*nfds of them; free() it) for fdstore_restore; others
 * are closed with a warning. */
static int
take_activated(struct sock6d *d, struct service_fd **out, int *nfds, char *err, size_t errlen)
{
	struct service_fd *fds;
	int n, i, control = -1, rc = -1;

	*out = NULL;
	*nfds = 0;
	if ((n = service_listen_fds(&fds)) < 0) {
		snprintf(err, errlen, "socket activation: %s", strerror(errno));
		return -2;
	}
	for (i = 0; i < n; i++)
		if (strcmp(fds[i].name, "control") == 0 ||
		    (n == 1 && strcmp(fds[i].name, "unknown") == 0))
			control = i;
	for (i = 0; i < n; i++) {
		if (i == control) {
			rc = control_adopt(d, fds[i].fd, err, errlen) == 0 ? 0 : -2;
			fds[i].fd = -1;
			continue;
		}
		if (fdstore_owns(fds[i].name))
			continue;	/* a handle's, taken back once serving */
		log_warnx("socket activation: ignoring fd %d named \"%s\"", fds[i].fd,
		    fds[i].name);
		close(fds[i].fd);
		fds[i].fd = -1;
	}
	*out = fds;
	*nfds = n;
	return rc;
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

/* Make the control socket: --socket, else the default path (its directory
 * made when missing).  0, or -1 with a sentence in err. */
static int
open_control(struct sock6d *d, const char *socket_opt, mode_t mode, char *err, size_t errlen)
{
	char path[108];
	const char *why;

	if (s6_socket_path(socket_opt, path, sizeof(path), &why) == -1) {
		snprintf(err, errlen, "%s", why);
		return -1;
	}
	if (socket_opt == NULL && make_socket_dir(path, err, errlen) == -1)
		return -1;
	if (s6_socket_dir_check(path, &why) == -1) {
		snprintf(err, errlen, "the directory of %s %s: not used (remove it, or use "
		    "--socket)", path, why);
		return -1;
	}
	return control_open(d, path, mode, err, errlen);
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "socket-mode", required_argument, NULL, 'm' },
		{ "config", required_argument, NULL, 'c' },
		{ "log-level", required_argument, NULL, 'l' },
		{ "limit", required_argument, NULL, 'L' },
		{ "allow-export", no_argument, NULL, 'E' },
		{ "state-dir", required_argument, NULL, 'S' },
		{ "version", no_argument, NULL, 'V' },
		{ "openrpc", no_argument, NULL, 'O' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *socket_opt = NULL, *policy_path = getenv("SOCK6D_CONFIG");
	const char *state_dir = geteuid() == 0 ? FDSTORE_DEFAULT_DIR : NULL;
	struct service_fd *stored = NULL;
	/* Static: a policy read still running on its thread at exit reads
	 * them (reload.c), after main's frame is gone. */
	static const char *limit_args[MAX_LIMIT_ARGS];
	char err[512], *end;
	struct limits limits;
	struct policy *policy;
	struct sock6d d;
	struct ev_loop *loop;
	long mode = 0660;
	int ch, level = LOG_LVL_INFO, activated, nstored = 0;
	size_t nlimit_args = 0;
	bool allow_export = false, missing = false;

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
		case 'c':
			policy_path = optarg;
			break;
		case 'L':
			if (limits_set(&limits, optarg, err, sizeof(err)) == -1) {
				fprintf(stderr, "sock6d: %s\n", err);
				return 2;
			}
			if (nlimit_args == MAX_LIMIT_ARGS) {
				fprintf(stderr, "sock6d: more than %d --limit\n", MAX_LIMIT_ARGS);
				return 2;
			}
			limit_args[nlimit_args++] = optarg;
			break;
		case 'E':
			allow_export = true;
			break;
		case 'S':
			state_dir = *optarg != '\0' ? optarg : NULL;
			break;
		case 'V':
			printf("sock6d %s (protocol %d)\n", PACKAGE_VERSION, SOCK6D_PROTOCOL_VERSION);
			return 0;
		case 'O': {
			json_object *doc = openrpc_document(&limits);

			/* What rpc.discover answers, for tools that work offline. */
			puts(json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PRETTY |
			    JSON_C_TO_STRING_NOSLASHESCAPE));
			json_object_put(doc);
			return 0;
		}
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (policy_path == NULL || *policy_path == '\0')
		policy_path = POLICY_PATH;
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
	/* The policy first: a bad file stops the daemon before it serves. */
	if ((policy = grant_read(policy_path, limit_args, nlimit_args, &missing, err,
	    sizeof(err))) == NULL) {
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
	if (sock6d_init(&d, loop, policy_limits(policy)) == -1) {
		log_error("out of memory");
		policy_free(policy);
		return 1;
	}
	d.allow_export = allow_export;
	d.policy_path = policy_path;
	d.limit_overrides = limit_args;
	d.nlimit_overrides = nlimit_args;
	grant_adopt(&d, policy, missing);
	/* The control socket: from socket activation, else made here. */
	if ((activated = take_activated(&d, &stored, &nstored, err, sizeof(err))) == -2) {
		log_error("%s", err);
		sock6d_shutdown(&d);
		return 1;
	}
	if (activated == -1 && open_control(&d, socket_opt, (mode_t)mode, err, sizeof(err)) == -1) {
		log_error("%s", err);
		sock6d_shutdown(&d);
		return 1;
	}
	unix_guard_init(&d.unix_guard);
	/* Serving from here on: with the least privilege it needs. */
	if (privs_drop(err, sizeof(err)) == -1) {
		log_error("%s", err);
		sock6d_shutdown(&d);
		return 1;
	}
	/* Handles kept across the restart come back once nothing can stop the
	 * start: until then the fd store and the state file still hold them. */
	fdstore_restore(&d, state_dir, stored, (size_t)nstored);
	free(stored);
	ev_signal_init(&d.sigterm, signal_cb, SIGTERM);
	ev_signal_init(&d.sigint, signal_cb, SIGINT);
	ev_signal_init(&d.sighup, sighup_cb, SIGHUP);
	d.sighup.data = &d;
	ev_signal_start(loop, &d.sigterm);
	ev_signal_start(loop, &d.sigint);
	ev_signal_start(loop, &d.sighup);
	log_info("sock6d %s listening on %s%s", PACKAGE_VERSION, d.socket_path,
	    d.control_adopted ? " (socket activation)" : "");
	service_ready(&d.service, loop, status_text, &d);
	ev_run(loop, 0);
	service_stopping(&d.service);
	fdstore_save(&d, state_dir);
	sock6d_shutdown(&d);
	ev_signal_stop(loop, &d.sigterm);
	ev_signal_stop(loop, &d.sigint);
	ev_signal_stop(loop, &d.sighup);
	ev_loop_destroy(loop);
	log_info("stopped");
	return 0;
}
