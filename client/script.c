/* script.c: `sock6ctl batch FILE` and `sock6ctl shell`: lines of
 * `METHOD key=value ...` split into words as a shell would (quotes,
 * backslashes), `$_` replaced by the handle of the last result that had
 * one, each called on one control connection and its result printed as a
 * single call's would be; notifications that arrive are printed as
 * "<-- {...}" lines.  The shell polls stdin and the connection together;
 * on a terminal, lines are edited through lineedit.c. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "client.h"
#include "cliargs.h"
#include "ctlerr.h"
#include "filesend.h"
#include "lineedit.h"
#include "output.h"
#include "script.h"
#include "verbs.h"

#define SCRIPT_MAX_WORDS	256
#define SCRIPT_PROMPT		"sock6> "

/* One script run: the connection, how results are printed, `$_`. */
struct script {
	struct s6c	*c;
	const char	*name;		/* FILE, "-" or "shell", for messages */
	int		 timeout;
	enum style	 style;
	int		 json;
	enum form	 form;
	bool		 interactive;	/* the shell on a terminal */
	bool		 edit;		/* lines come from the line editor */
	char		 last[32];	/* `$_`: the last handle, "" for none */
	json_object	*doc;		/* rpc.discover's, for typed values */
	/* the shell's line reader: bytes read from stdin, not yet used */
	char		*in;
	size_t		 inlen, insize;
	bool		 eof;
};

/* The two commands, for `sock6ctl help` and `sock6ctl help NAME`. */
static const struct {
	const char	*name, *synopsis, *summary, *page;
} script_commands[] = {
	{ "batch", "batch [--keep-going] FILE|-",
	  "run FILE's lines (- for stdin), one call each, on one connection",
	  "Read FILE (stdin for -) and call each line's METHOD key=value ...,\n"
	  "written as on the command line (quotes and backslashes as in sh),\n"
	  "all on one control connection: sockets made with scope=connection\n"
	  "and session.set's values last from line to line.  Blank lines and\n"
	  "lines starting with # are skipped; $_ is the handle member of the\n"
	  "last result that had one.  Each result is printed as a single call\n"
	  "prints it (-q, --raw, --compact, --json apply), notifications as\n"
	  "'<-- ' and compact JSON.  The first failing line ends the batch with\n"
	  "its exit status; --keep-going runs every line and exits with the\n"
	  "last failure's status.\n" },
	{ "shell", "shell",
	  "the same, typed at a 'sock6> ' prompt",
	  "As batch, reading stdin, with a 'sock6> ' prompt on a terminal; an\n"
	  "error does not end it, notifications are printed as they arrive,\n"
	  "also while it waits for a line.  exit, quit or end of input ends\n"
#ifdef HAVE_LIBEDIT
	  "it.  On a terminal, lines are edited as in a shell (emacs keys),\n"
	  "with history in ~/.sock6ctl_history ($SOCK6CTL_HISTORY; empty for\n"
	  "none) and TAB completing method names, param names and enum values.\n" },
#else
	  "it.  This sock6ctl was built without libedit: no line editing,\n"
	  "history or completion.\n" },
#endif
};

#define SCRIPT_NCOMMANDS	(sizeof(script_commands) / sizeof(script_commands[0]))

int
script_is_command(const char *name)
{
	size_t i;

	for (i = 0; i < SCRIPT_NCOMMANDS; i++)
		if (strcmp(script_commands[i].name, name) == 0)
			return 1;
	return 0;
}

void
script_help(FILE *fp)
{
	size_t i;

	fprintf(fp, "\nScripts (many calls on one connection):\n");
	for (i = 0; i < SCRIPT_NCOMMANDS; i++)
		fprintf(fp, "  %s\n      %s\n", script_commands[i].synopsis,
		    script_commands[i].summary);
}

int
script_help_command(FILE *fp, const char *name)
{
	size_t i;

	for (i = 0; i < SCRIPT_NCOMMANDS; i++)
		if (strcmp(script_commands[i].name, name) == 0) {
			fprintf(fp, "usage: sock6ctl [options] %s\n\n%s",
			    script_commands[i].synopsis, script_commands[i].page);
			return 0;
		}
	return -1;
}

/* Append c to the word being built in w[*n]. */
static int
script_put(char **w, size_t *n, size_t *size, char c)
{
	char *nw;

	if (*n + 2 > *size) {
		*size = *size == 0 ? 64 : *size * 2;
		if ((nw = realloc(*w, *size)) == NULL)
			return -1;
		*w = nw;
	}
	(*w)[(*n)++] = c;
	(*w)[*n] = '\0';
	return 0;
}

static void
script_free_words(char **words, int n)
{
	while (n > 0)
		free(words[--n]);
}

/* Split `line` into words as sh(1) would: blanks separate, '...' keeps
 * everything, "..." keeps all but \" \\ \$, a backslash outside quotes
 * keeps the next character, and `$_` outside single quotes is the last
 * handle.  The number of words, or -1 with err set. */
static int
script_split(struct script *s, const char *line, char **words, char *err,
    size_t errlen)
{
	const char	*p = line;
	char		*w = NULL, quote;
	size_t		 n, size, i;
	int		 nw = 0;
	bool		 in_word;

	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
			p++;
		if (*p == '\0')
			return nw;
		if (nw == SCRIPT_MAX_WORDS) {
			snprintf(err, errlen, "more than %d words", SCRIPT_MAX_WORDS);
			goto fail;
		}
		w = NULL;
		n = size = 0;
		quote = 0;
		in_word = true;
		while (in_word) {
			char ch = *p;

			if (ch == '\0') {
				if (quote != 0) {
					snprintf(err, errlen, "unterminated %c",
					    quote);
					goto fail;
				}
				break;
			}
			if (quote == 0 && (ch == ' ' || ch == '\t' ||
			    ch == '\r' || ch == '\n'))
				break;
			p++;
			if (quote == '\'' && ch != '\'') {
				if (script_put(&w, &n, &size, ch) == -1)
					goto oom;
				continue;
			}
			if (ch == '\'' || ch == '"') {
				if (quote == 0)
					quote = ch;
				else if (quote == ch)
					quote = 0;
				else if (script_put(&w, &n, &size, ch) == -1)
					goto oom;
				continue;
			}
			if (ch == '\\' && *p != '\0' && (quote == 0 ||
			    *p == '"' || *p == '\\' || *p == '$')) {
				if (script_put(&w, &n, &size, *p++) == -1)
					goto oom;
				continue;
			}
			if (ch == '$' && *p == '_') {
				p++;
				if (s->last[0] == '\0') {
					snprintf(err, errlen, "$_: no result "
					    "with a handle yet");
					goto fail;
				}
				for (i = 0; s->last[i] != '\0'; i++)
					if (script_put(&w, &n, &size,
					    s->last[i]) == -1)
						goto oom;
				continue;
			}
			if (script_put(&w, &n, &size, ch) == -1)
				goto oom;
		}
		if (w == NULL && (w = strdup("")) == NULL)
			goto oom;
		words[nw++] = w;
	}
oom:
	snprintf(err, errlen, "out of memory");
fail:
	free(w);
	script_free_words(words, nw);
	return -1;
}

/* Print the notifications that have arrived, one "<-- JSON" line each;
 * -1 when the connection failed. */
static int
script_notifications(struct script *s)
{
	json_object	*n;
	int		 rc;

	while ((rc = s6c_wait_notification(s->c, 0)) == S6C_OK) {
		while ((n = s6c_next_notification(s->c)) != NULL) {
			printf("<-- %s\n", json_object_to_json_string_ext(n,
			    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
			json_object_put(n);
		}
	}
	fflush(stdout);
	return rc == S6C_FAIL ? -1 : 0;
}

/* Remember the result's handle for `$_`. */
static void
script_remember(struct script *s, json_object *result)
{
	json_object *h;

	if (json_object_is_type(result, json_type_object) &&
	    json_object_object_get_ex(result, "handle", &h) &&
	    json_object_is_type(h, json_type_int))
		snprintf(s->last, sizeof(s->last), "%" PRId64,
		    json_object_get_int64(h));
}

/* Run one line: 0 for nothing to do or success, else its exit status;
 * *lost set when the connection has gone. */
static int
script_line(struct script *s, const char *line, unsigned lineno, bool *lost)
{
	json_object	*params, *result = NULL, *error = NULL;
	char		*words[SCRIPT_MAX_WORDS], err[512];
	int		 n, rc, status;

	*lost = false;
	if (line[strspn(line, " \t")] == '#')
		return 0;
	if ((n = script_split(s, line, words, err, sizeof(err))) == -1) {
		fprintf(stderr, "sock6ctl: %s:%u: %s\n", s->name, lineno, err);
		return EXIT_USAGE;
	}
	if (n == 0) {
		script_free_words(words, n);
		return 0;
	}
	if (verbs_is_verb(words[0]) || script_is_command(words[0]) ||
	    strcmp(words[0], "help") == 0 || strchr(words[0], '=') != NULL ||
	    words[0][0] == '\0') {
		fprintf(stderr, "sock6ctl: %s:%u: '%s' is not a METHOD (a line "
		    "is METHOD [key=value ...])\n", s->name, lineno, words[0]);
		script_free_words(words, n);
		return EXIT_USAGE;
	}
	if ((params = cliargs_parse(n - 1, words + 1, err, sizeof(err))) ==
	    NULL) {
		fprintf(stderr, "sock6ctl: %s:%u: %s\n", s->name, lineno, err);
		script_free_words(words, n);
		return EXIT_USAGE;
	}
	if (cliargs_typed(s->c, &s->doc, words[0], params, n - 1, words + 1,
	    s->timeout, err, sizeof(err)) == -1) {
		fprintf(stderr, "sock6ctl: %s:%u: %s\n", s->name, lineno, err);
		json_object_put(params);
		script_free_words(words, n);
		return EXIT_USAGE;
	}
	rc = filesend_call(s->c, words[0], params, n - 1, words + 1, s->timeout,
	    !s->json, &result, &error);
	fflush(stdout);
	status = output_report(s->c, words[0], rc, result, error, s->style,
	    s->json, s->form);
	fflush(stdout);
	if (rc == S6C_OK)
		script_remember(s, result);
	*lost = rc == S6C_FAIL || script_notifications(s) == -1;
	json_object_put(result);
	json_object_put(error);
	script_free_words(words, n);
	return status;
}

/* The shell's next line from stdin (NUL-terminated, without its newline,
 * owned by s), printing notifications while it waits: 1 a line, 0 end of
 * input, -1 the connection failed. */
static int
script_readline(struct script *s, char **line)
{
	struct pollfd	 pfd[2];
	char		*nl, *nbuf;
	ssize_t		 r;
	size_t		 used;

	if (s->edit)
		lineedit_prompt();
	for (;;) {
		/* s->in is NULL before the first read: no memchr on it. */
		nl = !s->edit && s->inlen > 0 ? memchr(s->in, '\n', s->inlen) : NULL;
		if (s->edit)
			;	/* the editor holds the typed bytes */
		else if (nl != NULL || (s->eof && s->inlen > 0)) {
			used = nl != NULL ? (size_t)(nl - s->in) + 1 : s->inlen;
			if ((nbuf = malloc(used + 1)) == NULL)
				return 0;
			memcpy(nbuf, s->in, used);
			nbuf[nl != NULL ? used - 1 : used] = '\0';
			memmove(s->in, s->in + used, s->inlen - used);
			s->inlen -= used;
			*line = nbuf;
			return 1;
		}
		if (s->eof)
			return 0;
		pfd[0].fd = STDIN_FILENO;
		pfd[0].events = POLLIN;
		pfd[1].fd = s6c_fd(s->c);
		pfd[1].events = POLLIN;
		if (poll(pfd, 2, -1) == -1) {
			if (errno == EINTR)
				continue;
			return 0;
		}
		if (pfd[1].revents != 0 && s->edit) {
			lineedit_print_begin();
			if (script_notifications(s) == -1)
				return -1;
			lineedit_print_end();
		} else if (pfd[1].revents != 0) {
			if (s->interactive)
				fputs("\r", stdout);
			if (script_notifications(s) == -1)
				return -1;
			if (s->interactive) {
				fputs(SCRIPT_PROMPT, stdout);
				fflush(stdout);
			}
		}
		if (pfd[0].revents == 0)
			continue;
		if (s->edit) {
			r = lineedit_read(line);
			if (r != 0)
				return r == 1 ? 1 : 0;
			continue;
		}
		if (s->inlen + 4096 > s->insize) {
			if ((nbuf = realloc(s->in, s->insize + 65536)) == NULL)
				return 0;
			s->in = nbuf;
			s->insize += 65536;
		}
		r = read(STDIN_FILENO, s->in + s->inlen, s->insize - s->inlen);
		if (r == -1 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r <= 0)
			s->eof = true;
		else
			s->inlen += (size_t)r;
	}
}

/* `shell`: prompt (on a terminal), read, call, until exit, quit or EOF. */
static int
script_shell(struct script *s)
{
	char		*line;
	unsigned	 lineno = 0;
	int		 rc, status = 0;
	bool		 lost = false;

	for (;;) {
		if (s->interactive && !s->edit) {
			fputs(SCRIPT_PROMPT, stdout);
			fflush(stdout);
		}
		if ((rc = script_readline(s, &line)) <= 0) {
			if (s->interactive)
				fputs("\n", stdout);
			if (rc == -1) {
				fprintf(stderr, "sock6ctl: %s: %s\n",
				    s6c_path(s->c), s6c_errmsg(s->c));
				return EXIT_UNREACHED;
			}
			return status;
		}
		lineno++;
		line[strcspn(line, "\r")] = '\0';
		if (strcmp(line + strspn(line, " \t"), "exit") == 0 ||
		    strcmp(line + strspn(line, " \t"), "quit") == 0) {
			free(line);
			return status;
		}
		status = script_line(s, line, lineno, &lost);
		free(line);
		if (lost)
			return EXIT_UNREACHED;
	}
}

/* `batch [--keep-going] FILE`: every line of FILE ("-": stdin); the first
 * failure's status ends it, or, with --keep-going, the last failure's is
 * returned at the end. */
static int
script_batch(struct script *s, FILE *fp, bool keep_going)
{
	char		*line = NULL;
	size_t		 size = 0;
	unsigned	 lineno = 0;
	int		 status = 0, rc;
	bool		 lost = false;

	while (getline(&line, &size, fp) != -1) {
		lineno++;
		if ((rc = script_line(s, line, lineno, &lost)) != 0) {
			status = rc;
			if (!keep_going || lost)
				break;
		}
	}
	free(line);
	return status;
}

int
script_main(const char *path, int timeout_ms, enum style style, int json,
    enum form form, int argc, char *argv[])
{
	struct script	 s;
	FILE		*fp = NULL;
	char		 err[512];
	bool		 keep_going = false, shell;
	int		 i, status;

	memset(&s, 0, sizeof(s));
	shell = strcmp(argv[0], "shell") == 0;
	for (i = 1; i < argc && strcmp(argv[i], "--keep-going") == 0; i++)
		keep_going = true;
	if (shell ? i != argc || keep_going : i != argc - 1) {
		fprintf(stderr, "sock6ctl: usage: sock6ctl [options] %s\n",
		    shell ? "shell" : "batch [--keep-going] FILE");
		return EXIT_USAGE;
	}
	if (!shell) {
		s.name = argv[i];
		if (strcmp(s.name, "-") == 0)
			fp = stdin;
		else if ((fp = fopen(s.name, "re")) == NULL) {
			fprintf(stderr, "sock6ctl: batch: %s: %s\n", s.name,
			    strerror(errno));
			return EXIT_USAGE;
		}
	} else {
		s.name = "shell";
		s.interactive = isatty(STDIN_FILENO);
	}
	if ((s.c = s6c_connect(path, err, sizeof(err))) == NULL) {
		fprintf(stderr, "sock6ctl: %s\n", err);
		if (fp != NULL && fp != stdin)
			fclose(fp);
		return EXIT_UNREACHED;
	}
	s.timeout = timeout_ms;
	s.style = style;
	s.json = json;
	s.form = form;
	if (shell && s.interactive) {
		/* the document completes names; without it, only editing */
		if (s6c_call(s.c, "rpc.discover", NULL, timeout_ms, &s.doc, NULL) !=
		    S6C_OK)
			s.doc = NULL;
		s.edit = lineedit_start(SCRIPT_PROMPT, s.doc);
	}
	status = shell ? script_shell(&s) : script_batch(&s, fp, keep_going);
	if (s.edit)
		lineedit_stop();
	if (fp != NULL && fp != stdin)
		fclose(fp);
	free(s.in);
	json_object_put(s.doc);
	s6c_close(s.c);
	return status;
}
