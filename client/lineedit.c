/* lineedit.c: the line editor of `sock6ctl shell` on a terminal: libedit's
 * readline interface in callback mode, so that the shell can print
 * notifications while a line is being typed; history kept in a file;
 * completion of method names, param names ("key=") and enum values
 * ("family=in" -> "family=inet") from the daemon's OpenRPC document.
 * Built without libedit, lineedit_start() says so and the shell reads
 * plain lines. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <json-c/json.h>

#include "cliargs.h"
#include "help.h"
#include "lineedit.h"

#ifdef HAVE_LIBEDIT
#include <editline/readline.h>

#define LINEEDIT_HISTORY_MAX	1000

/* The editor's state: one shell per process. */
static struct {
	const char	*prompt;
	json_object	*doc;		/* borrowed: rpc.discover's document */
	char		*history;	/* the history file, NULL for none */
	char		*line;		/* a finished line, not yet taken */
	bool		 eof;		/* end of input typed (^D) */
	bool		 active;	/* a line is being edited */
	/* the completion being listed, for complete_next() */
	json_object	*list;		/* candidates, JSON strings */
	size_t		 next;
	char		 prefix[256];	/* "key=" before an enum value */
} le;

/* Extra words the shell accepts besides METHODs. */
static const char *const shell_words[] = { "exit", "quit", NULL };

/* The history file: $SOCK6CTL_HISTORY (empty: none), else
 * ~/.sock6ctl_history. */
static char *
history_path(void)
{
	const char	*env = getenv("SOCK6CTL_HISTORY"), *home;
	char		*path;

	if (env != NULL)
		return *env != '\0' ? strdup(env) : NULL;
	if ((home = getenv("HOME")) == NULL || *home == '\0')
		return NULL;
	if (asprintf(&path, "%s/.sock6ctl_history", home) == -1)
		return NULL;
	return path;
}

/* The line handler: keep the line (NULL: end of input) and stop editing,
 * so the command's output is not drawn over by a new prompt. */
static void
line_done(char *line)
{
	if (line == NULL)
		le.eof = true;
	else
		le.line = line;
	rl_callback_handler_remove();
	le.active = false;
}

/* One candidate of the completion being listed, or NULL at the end. */
static char *
complete_next(const char *text, int state)
{
	size_t		 plen = strlen(le.prefix), tlen = strlen(text);
	const char	*name;
	char		*out;

	if (state == 0)
		le.next = 0;
	if (tlen < plen)
		return NULL;
	while (le.list != NULL && le.next < json_object_array_length(le.list)) {
		name = json_object_get_string(json_object_array_get_idx(le.list,
		    le.next++));
		if (name == NULL || strncmp(name, text + plen, tlen - plen) != 0)
			continue;
		if (asprintf(&out, "%s%s", le.prefix, name) == -1)
			return NULL;
		return out;
	}
	return NULL;
}

/* The names of every method in the document, and exit and quit. */
static json_object *
method_names(void)
{
	json_object	*methods, *names = json_object_new_array(), *name;
	size_t		 i;

	if (json_object_object_get_ex(le.doc, "methods", &methods) &&
	    json_object_is_type(methods, json_type_array))
		for (i = 0; i < json_object_array_length(methods); i++)
			if (json_object_object_get_ex(json_object_array_get_idx(
			    methods, i), "name", &name))
				json_object_array_add(names, json_object_get(name));
	for (i = 0; shell_words[i] != NULL; i++)
		json_object_array_add(names, json_object_new_string(shell_words[i]));
	return names;
}

/* "key=" for each param of the method, or the enum values of one param
 * (prefixed "key="): the candidates for the word being typed. */
static json_object *
param_candidates(const char *method, const char *word)
{
	json_object	*params, *p, *name, *schema, *values, *out;
	const char	*eq = strchr(word, '=');
	char		 buf[256];
	size_t		 i;

	out = json_object_new_array();
	if ((params = cliargs_method_params(le.doc, method)) == NULL)
		return out;
	for (i = 0; i < json_object_array_length(params); i++) {
		p = json_object_array_get_idx(params, i);
		if (!json_object_object_get_ex(p, "name", &name))
			continue;
		if (eq == NULL) {
			snprintf(buf, sizeof(buf), "%s=", json_object_get_string(name));
			json_object_array_add(out, json_object_new_string(buf));
			continue;
		}
		if (strlen(json_object_get_string(name)) != (size_t)(eq - word) ||
		    strncmp(json_object_get_string(name), word, (size_t)(eq - word)) != 0 ||
		    !json_object_object_get_ex(p, "schema", &schema))
			continue;
		values = help_schema_find(schema, "enum");
		if (json_object_is_type(values, json_type_array)) {
			json_object_put(out);
			out = json_object_get(values);
		}
		snprintf(le.prefix, sizeof(le.prefix), "%.*s", (int)(eq - word + 1), word);
		break;
	}
	return out;
}

/* Complete the word under the cursor: a METHOD as the first word, else a
 * param name or value of the line's method.  Words break at blanks only. */
static char **
complete(const char *text, int start, int end)
{
	char	**matches, method[128];
	size_t	  n;

	(void)end;
	rl_attempted_completion_over = 1;
	le.prefix[0] = '\0';
	json_object_put(le.list);
	n = strspn(rl_line_buffer, " \t");
	if ((size_t)start <= n) {
		le.list = method_names();
		rl_completion_append_character = ' ';
	} else {
		snprintf(method, sizeof(method), "%.*s",
		    (int)strcspn(rl_line_buffer + n, " \t"), rl_line_buffer + n);
		le.list = param_candidates(method, text);
		rl_completion_append_character = strchr(text, '=') != NULL ? ' ' : '\0';
	}
	matches = rl_completion_matches(text, complete_next);
	json_object_put(le.list);
	le.list = NULL;
	return matches;
}

bool
lineedit_start(const char *prompt, json_object *doc)
{
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
		return false;
	memset(&le, 0, sizeof(le));
	le.prompt = prompt;
	le.doc = doc;
	rl_readline_name = "sock6ctl";
	rl_attempted_completion_function = complete;
	rl_completer_word_break_characters = (char *)" \t";
	rl_basic_word_break_characters = (char *)" \t";
	using_history();
	stifle_history(LINEEDIT_HISTORY_MAX);
	if ((le.history = history_path()) != NULL)
		read_history(le.history);
	return true;
}

int
lineedit_read(char **line)
{
	size_t len;
	int avail;

	/* Readable with nothing to read is the end of input: a ^D typed
	 * while the terminal was between lines (not yet in the editor's raw
	 * mode) or a hangup, which the editor would not report. */
	if (ioctl(STDIN_FILENO, FIONREAD, &avail) == 0 && avail == 0) {
		le.eof = true;
		return -1;
	}
	if (le.active)
		rl_callback_read_char();
	if (le.line != NULL) {
		*line = le.line;
		le.line = NULL;
		/* completion appends a blank; history keeps the command */
		for (len = strlen(*line); len > 0 && ((*line)[len - 1] == ' ' ||
		    (*line)[len - 1] == '\t'); len--)
			(*line)[len - 1] = '\0';
		if (**line != '\0' && (history_length == 0 ||
		    strcmp(history_get(history_base + history_length - 1)->line,
		    *line) != 0))
			add_history(*line);
		return 1;
	}
	return le.eof ? -1 : 0;
}

void
lineedit_prompt(void)
{
	if (!le.active && le.line == NULL && !le.eof) {
		rl_callback_handler_install(le.prompt, line_done);
		le.active = true;
	}
}

void
lineedit_print_begin(void)
{
	if (le.active) {
		fputs("\r\033[K", stdout);
		fflush(stdout);
	}
}

void
lineedit_print_end(void)
{
	if (le.active)
		rl_forced_update_display();
}

void
lineedit_stop(void)
{
	int fd;

	if (le.active)
		rl_callback_handler_remove();
	le.active = false;
	if (le.history != NULL) {
		/* what was typed may be private: a new file is the user's alone */
		if ((fd = open(le.history, O_WRONLY | O_CREAT | O_CLOEXEC, 0600)) != -1)
			close(fd);
		write_history(le.history);
		history_truncate_file(le.history, LINEEDIT_HISTORY_MAX);
	}
	free(le.history);
	free(le.line);
	memset(&le, 0, sizeof(le));
}

#else	/* !HAVE_LIBEDIT */

bool
lineedit_start(const char *prompt, json_object *doc)
{
	(void)prompt;
	(void)doc;
	return false;
}

int
lineedit_read(char **line)
{
	(void)line;
	return -1;
}

void lineedit_prompt(void) {}
void lineedit_print_begin(void) {}
void lineedit_print_end(void) {}
void lineedit_stop(void) {}

#endif
