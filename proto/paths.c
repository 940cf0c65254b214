/* paths.c: resolution of the control socket path (PROTOCOL §1). */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "paths.h"

#define PATHS_SUN_MAX	(sizeof(((struct sockaddr_un *)0)->sun_path) - 1)
#define PATHS_TMP_DIR	"/tmp/sock6d-%lu"	/* the fallback, by uid */

/* An environment variable's value when it is set and not empty. */
static const char *
paths_env(const char *name)
{
	const char	*v = getenv(name);

	return v != NULL && *v != '\0' ? v : NULL;
}

int
s6_socket_path(const char *explicit_path, char *out, size_t outlen,
    const char **why)
{
	const char	*v;
	int		 n;

	if (explicit_path != NULL) {
		if (*explicit_path == '\0') {
			*why = "socket path is empty";
			return -1;
		}
		n = snprintf(out, outlen, "%s", explicit_path);
	} else if ((v = paths_env("SOCK6D_SOCKET")) != NULL)
		n = snprintf(out, outlen, "%s", v);
	else if (geteuid() == 0)
		n = snprintf(out, outlen, "%s/%s", SOCK6D_RUN_DIR,
		    SOCK6D_SOCKET_NAME);
	else if ((v = paths_env("XDG_RUNTIME_DIR")) != NULL)
		n = snprintf(out, outlen, "%s/%s", v, SOCK6D_SOCKET_NAME);
	else
		n = snprintf(out, outlen, PATHS_TMP_DIR "/%s", (unsigned long)geteuid(),
		    SOCK6D_SOCKET_NAME);
	if (n < 0 || (size_t)n > PATHS_SUN_MAX)
		*why = "socket path longer than 107 bytes";
	else if ((size_t)n >= outlen)
		*why = "socket path buffer too small";
	else
		return 0;
	if (outlen > 0)
		out[0] = '\0';	/* never leave a truncated path behind */
	return -1;
}

int
s6_socket_dir_check(const char *path, const char **why)
{
	char		 dir[64];
	size_t		 n;
	struct stat	 st;

	n = (size_t)snprintf(dir, sizeof(dir), PATHS_TMP_DIR "/", (unsigned long)geteuid());
	if (strncmp(path, dir, n) != 0 || strchr(path + n, '/') != NULL)
		return 0;
	dir[n - 1] = '\0';
	if (lstat(dir, &st) == -1)
		*why = "is missing";
	else if (!S_ISDIR(st.st_mode))
		*why = "is not a directory";
	else if (st.st_uid != geteuid())
		*why = "belongs to another user";
	else if (st.st_mode & (S_IWGRP | S_IWOTH))
		*why = "may be written by other users";
	else
		return 0;
	return -1;
}
