/* sock6ctl.c: the generic command-line client: one METHOD key=value... call,
 * its result as JSON (or as output.c's one value or bytes); help pages come from the daemon's rpc.discover.  The
 * verbs (follow, attach, run) are dispatched to verbs.c by name, batch and
 * shell to script.c. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "client.h"
#include "cliargs.h"
#include "ctlerr.h"
#include "filesend.h"
#include "help.h"
#include "output.h"
#include "script.h"
#include "verbs.h"

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION	"unknown"
#endif

#define SUN_PATH_MAX	sizeof(((struct sockaddr_un *)0)->sun_path)

static const char usage_text[] =
    "usage: sock6ctl [--socket PATH] [--timeout MS] [--compact|--pretty] "
    "[--json]\n"
    "                [-q|--raw] METHOD [key=value ...]\n"
    "       sock6ctl [--socket PATH] [--timeout MS] help [METHOD|VERB]\n"
    "       sock6ctl [--socket PATH] [--timeout MS] follow HANDLE [--raw] "
    "[--text]\n"
    "       sock6ctl [--socket PATH] [--timeout MS] attach HANDLE [--len4]\n"
    "       sock6ctl [--socket PATH] [--timeout MS] run [--stdio] HANDLE... "
    "-- COMMAND [ARG...]\n"
    "       sock6ctl [--socket PATH] [--timeout MS] list [--table|--json]\n"
    "       sock6ctl [options] batch [--keep-going] FILE|-\n"
    "       sock6ctl [options] shell\n"
    "       sock6ctl --version | --help\n";

static const char help_text[] =
    "\n"
    "Call one sock6d method and print its result as JSON.\n"
    "\n"
    "Options:\n"
    "  -s, --socket PATH   control socket (default: $SOCK6D_SOCKET,\n"
    "                      /run/sock6d/sock6d.sock for root,\n"
    "                      $XDG_RUNTIME_DIR/sock6d.sock,\n"
    "                      /tmp/sock6d-$UID/sock6d.sock)\n"
    "  -t, --timeout MS    give up after MS milliseconds (0: wait forever,\n"
    "                      the default)\n"
    "  -c, --compact       one-line JSON (the default unless on a terminal)\n"
    "  -p, --pretty        indented JSON (the default on a terminal)\n"
    "  -j, --json          an error as the daemon's JSON error object on\n"
    "                      stderr, not as one line\n"
    "  -q, --quiet         print only the result's one value: its handle\n"
    "                      member, else its only member (a string without\n"
    "                      quotes); nothing for an empty result\n"
    "  -r, --raw           write the bytes of the result's data (base64)\n"
    "                      or text member, as socket.receive returns them\n"
    "  -V, --version       print the version\n"
    "  -h, --help          print this text\n"
    "\n"
    "Values: integers, true, false, null and text starting with { [ or \"\n"
    "are JSON ('text=\"42\"' is a string, address=[::1]:22 too);\n"
    "key=@FILE and key=@- send the bytes of FILE or stdin in base64\n"
    "(at most 16 MiB; an abstract socket name is written\n"
    "'address=\"@name\"'); socket.send and socket.send_all take a\n"
    "data=@FILE over 760 KiB to a stream socket in pieces of 512 KiB\n"
    "(one call each, one answer; a progress bar on a terminal after 1 s),\n"
    "while a datagram is always one request, refused when too long;\n"
    "anything else is a string.  Then, by the param's schema from\n"
    "rpc.discover: text=42 is \"42\" where only a string fits, and\n"
    "flags=peek,oob is [\"peek\",\"oob\"] where an array fits and a string\n"
    "does not.\n"
    "\n"
    "Verbs, sock6ctl's own commands:\n"
    "  follow   print what a socket receives (socket.subscribe), as NDJSON\n"
    "           notifications or, with --raw, the bytes alone\n"
    "  attach   relay stdin and stdout to a socket (socket.attach), like\n"
    "           socat - TCP:host:port\n"
    "  run      exec COMMAND with sockets exported from the daemon\n"
    "           (socket.export) as descriptors 3, 4, ... and LISTEN_FDS\n"
    "  list     the caller's sockets (socket.list) as a table on a\n"
    "           terminal, as JSON otherwise (list --table, list --json)\n"
    "  batch    run FILE's lines (- for stdin), METHOD key=value ... each,\n"
    "           on one connection; $_ is the last result's handle; stops at\n"
    "           the first error unless --keep-going\n"
    "  shell    the same, read from a terminal with a 'sock6> ' prompt;\n"
    "           notifications are printed as '<-- ' lines; exit, quit or EOF\n"
    "           ends it\n"
    "\n"
    "Errors: one line on stderr, 'sock6ctl: METHOD: message (ERRNAME,\n"
    "kind)', then 'sock6ctl: did you mean NAME?' when the daemon has a guess.\n"
    "\n"
    "Exit status: 0 success, 1 the daemon returned an error, 2 the daemon\n"
    "could not be reached, 3 usage error (the daemon's -32601 and -32602\n"
    "included), 4 a daemon-side timeout (1002).\n"
    "\n"
    "'sock6ctl help' lists the daemon's methods and the verbs; 'sock6ctl\n"
    "help METHOD' or 'sock6ctl help VERB' describes one.\n";

static char progname[] = "sock6ctl";

static const struct option longopts[] = {
	{ "socket",	required_argument,	NULL,	's' },
	{ "timeout",	required_argument,	NULL,	't' },
	{ "compact",	no_argument,		NULL,	'c' },
	{ "pretty",	no_argument,		NULL,	'p' },
	{ "json",	no_argument,		NULL,	'j' },
	{ "quiet",	no_argument,		NULL,	'q' },
	{ "raw",	no_argument,		NULL,	'r' },
	{ "version",	no_argument,		NULL,	'V' },
	{ "help",	no_argument,		NULL,	'h' },
	{ NULL,		0,			NULL,	0 }
};

/* Report a usage error; a pointer to --help when the command's shape is
 * wrong. */
static int
usage_error(const char *msg, int synopsis)
{
	if (msg != NULL)
		fprintf(stderr, "sock6ctl: %s\n", msg);
	if (synopsis)
		fputs("sock6ctl: usage: sock6ctl [options] METHOD [key=value ...] "
		    "('sock6ctl --help' says more)\n", stderr);
	return EXIT_USAGE;
}

/* --timeout: decimal milliseconds; 0 (no limit) becomes -1. */
static int
parse_timeout(const char *s, int *out)
{
	long	 v;
	char	*end;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v > INT_MAX)
		return -1;
	*out = v == 0 ? -1 : (int)v;
	return 0;
}

/* The version an OpenRPC document describes ("?" when it says none). */
static const char *
help_version(json_object *doc)
{
	json_object *info, *v;

	if (json_object_object_get_ex(doc, "info", &info) &&
	    json_object_object_get_ex(info, "version", &v) && json_object_is_type(v, json_type_string))
		return json_object_get_string(v);
	return "?";
}

/* The OpenRPC document installed at build time (sock6d --openrpc), for
 * help without a daemon: $SOCK6D_OPENRPC, else the installed one; NULL
 * when there is none. */
static json_object *
help_document(void)
{
	const char *path = getenv("SOCK6D_OPENRPC");

	if (path == NULL || *path == '\0')
		path = OPENRPC_PATH;
	if (access(path, R_OK) == -1)
		return NULL;
	return json_object_from_file(path);
}

/* Render help from doc (the daemon's, or the installed copy). */
static int
help_render(json_object *doc, const char *method)
{
	if (method == NULL) {
		help_list(stdout, doc);
		verbs_help(stdout);
		script_help(stdout);
	} else if (help_method(stdout, doc, method) == -1) {
		fprintf(stderr, "sock6ctl: unknown method '%s' ('sock6ctl help' "
		    "lists them)\n", method);
		return EXIT_USAGE;
	}
	if (fflush(stdout) != 0) {
		fprintf(stderr, "sock6ctl: stdout: %s\n", strerror(errno));
		return EXIT_RPC;
	}
	return 0;
}

/* `sock6ctl help [METHOD]` when the daemon cannot be reached: from the
 * OpenRPC document installed with sock6ctl, saying so; without one, the
 * synopsis and the verbs, which are sock6ctl's own, and why the rest is
 * missing. */
static int
help_offline(const char *method, const char *why)
{
	json_object *doc;
	int status;

	if ((doc = help_document()) != NULL) {
		fprintf(stderr, "sock6ctl: help: %s; this is the help of sock6d %s as "
		    "installed\n", why, help_version(doc));
		status = help_render(doc, method);
		json_object_put(doc);
		return status;
	}
	if (method == NULL) {
		fputs(usage_text, stdout);
		verbs_help(stdout);
		script_help(stdout);
		fflush(stdout);
	}
	fprintf(stderr, "sock6ctl: help: %s\n", why);
	fprintf(stderr, "sock6ctl: help: %s%smethods and their pages come "
	    "from the daemon (rpc.discover): start sock6d, or read "
	    "sock6d-rpc(7)\n", method == NULL ? "" : method,
	    method == NULL ? "" : ": ");
	return EXIT_UNREACHED;
}

/* `sock6ctl help [METHOD]`: rpc.discover, then render. */
static int
cmd_help(struct s6c *c, const char *method, int timeout, enum style style,
    int json)
{
	json_object	*doc = NULL, *error = NULL, *installed;
	char		 why[512];
	int		 rc, status = 0;

	rc = s6c_call(c, "rpc.discover", NULL, timeout, &doc, &error);
	if (rc == S6C_FAIL || rc == S6C_TIMEOUT) {
		snprintf(why, sizeof(why), "%s: %s", s6c_path(c), s6c_errmsg(c));
		return help_offline(method, why);
	}
	if (rc != S6C_OK) {
		status = output_report(c, "rpc.discover", rc, NULL, error, style, json,
		    FORM_JSON);
		json_object_put(error);
		return status;
	}
	if ((installed = help_document()) != NULL) {
		if (strcmp(help_version(installed), help_version(doc)) != 0)
			fprintf(stderr, "sock6ctl: help: the running sock6d is %s; the one "
			    "installed with sock6ctl is %s\n", help_version(doc),
			    help_version(installed));
		json_object_put(installed);
	}
	status = help_render(doc, method);
	json_object_put(doc);
	json_object_put(error);
	return status;
}

int
main(int argc, char *argv[])
{
	json_object	*params = NULL, *result = NULL, *error = NULL, *doc = NULL;
	struct s6c	*c;
	enum style	 style = STYLE_AUTO;
	const char	*path = NULL, *method;
	char		 err[512];
	enum form	 form = FORM_JSON;
	int		 ch, timeout = -1, rc, status, json = 0;

	if (argc > 0)
		argv[0] = progname;	/* getopt's messages start with it */
	while ((ch = getopt_long(argc, argv, "+s:t:cpjqrVh", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 's':
			path = optarg;
			break;
		case 't':
			if (parse_timeout(optarg, &timeout) == -1) {
				snprintf(err, sizeof(err), "--timeout: '%s' is "
				    "not a number of milliseconds", optarg);
				return usage_error(err, 1);
			}
			break;
		case 'c':
			style = STYLE_COMPACT;
			break;
		case 'p':
			style = STYLE_PRETTY;
			break;
		case 'j':
			json = 1;
			break;
		case 'q':
		case 'r':
			if (form != FORM_JSON && form != (ch == 'q' ?
			    FORM_QUIET : FORM_RAW))
				return usage_error("-q and --raw exclude each "
				    "other", 1);
			form = ch == 'q' ? FORM_QUIET : FORM_RAW;
			break;
		case 'V':
			printf("sock6ctl %s\n", PACKAGE_VERSION);
			return 0;
		case 'h':
			fputs(usage_text, stdout);
			fputs(help_text, stdout);
			return 0;
		default:
			return usage_error(NULL, 1);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0)
		return usage_error("missing METHOD", 1);
	if (path != NULL && strlen(path) >= SUN_PATH_MAX) {
		snprintf(err, sizeof(err), "--socket: %.400s: path longer than %zu "
		    "bytes", path, SUN_PATH_MAX - 1);
		return usage_error(err, 0);
	}
	method = argv[0];
	if (script_is_command(method))
		return script_main(path, timeout, style, json, form, argc, argv);
	if (form != FORM_JSON && (verbs_is_verb(method) ||
	    strcmp(method, "help") == 0)) {
		snprintf(err, sizeof(err), "%s: -q and --raw apply to METHOD "
		    "calls only", method);
		return usage_error(err, 0);
	}
	if (verbs_is_verb(method))
		return verbs_main(path, timeout, argc, argv);
	if (strcmp(method, "help") == 0) {
		if (argc > 2)
			return usage_error("help takes at most one METHOD", 1);
		if (argc == 2 && (verbs_help_verb(stdout, argv[1]) == 0 ||
		    script_help_command(stdout, argv[1]) == 0))
			return fflush(stdout) == 0 ? 0 : EXIT_RPC;
	} else if (strchr(method, '=') != NULL || *method == '\0') {
		snprintf(err, sizeof(err), "'%s' is not a METHOD", method);
		return usage_error(err, 1);
	} else if ((params = cliargs_parse(argc - 1, argv + 1, err,
	    sizeof(err))) == NULL)
		return usage_error(err, 0);

	if ((c = s6c_connect(path, err, sizeof(err))) == NULL) {
		json_object_put(params);
		if (strcmp(method, "help") == 0)
			return help_offline(argc > 1 ? argv[1] : NULL, err);
		fprintf(stderr, "sock6ctl: %s\n", err);
		return EXIT_UNREACHED;
	}
	if (strcmp(method, "help") == 0)
		status = cmd_help(c, argc > 1 ? argv[1] : NULL, timeout, style,
		    json);
	else if (cliargs_typed(c, &doc, method, params, argc - 1, argv + 1,
	    timeout, err, sizeof(err)) == -1) {
		json_object_put(params);
		fprintf(stderr, "sock6ctl: %s\n", err);
		status = EXIT_USAGE;
	} else {
		rc = filesend_call(c, method, params, argc - 1, argv + 1,
		    timeout, !json, &result, &error);
		status = output_report(c, method, rc, result, error, style, json,
		    form);
		json_object_put(result);
		json_object_put(error);
	}
	json_object_put(doc);
	s6c_close(c);
	return status;
}
