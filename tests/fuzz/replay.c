/* replay.c: a standalone driver for the fuzz targets, so that `make check`
 * replays their seed corpora without libFuzzer.  It calls
 * LLVMFuzzerInitialize (when the target defines it) once, then
 * LLVMFuzzerTestOneInput once for every regular file named on the command
 * line or found (not recursively) in a directory named there.  With no
 * arguments it replays every corpus directory under $FUZZ_CORPUS (every
 * target's seeds through this target), as `make check` does.  A target
 * reports a broken invariant by aborting; a replay that finds no input at
 * all fails too. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int	LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

static unsigned long	nfiles;

/* Run the target over one file's bytes: -1 when it cannot be read. */
static int
replay_file(const char *path)
{
	FILE		*f;
	uint8_t		*data;
	struct stat	 st;
	size_t		 n;

	if ((f = fopen(path, "rb")) == NULL || fstat(fileno(f), &st) == -1) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		if (f != NULL)
			fclose(f);
		return -1;
	}
	/* An exact-size copy, so that a read past the input is caught
	 * by the sanitizers as it is under libFuzzer. */
	if ((data = malloc(st.st_size > 0 ? (size_t)st.st_size : 1)) == NULL) {
		fclose(f);
		return -1;
	}
	n = fread(data, 1, (size_t)st.st_size, f);
	fclose(f);
	if (n != (size_t)st.st_size) {
		fprintf(stderr, "replay: %s: short read\n", path);
		free(data);
		return -1;
	}
	if (getenv("REPLAY_VERBOSE") != NULL)
		fprintf(stderr, "replay: %s (%zu bytes)\n", path, n);
	LLVMFuzzerTestOneInput(data, n);
	free(data);
	nfiles++;
	return 0;
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every regular file in dir, in name order (reproducible runs). */
static int
replay_dir(const char *dir)
{
	DIR		*dp;
	struct dirent	*de;
	struct stat	 st;
	char		**names = NULL, *path;
	size_t		 n = 0, cap = 0, i;
	int		 rc = 0;

	if ((dp = opendir(dir)) == NULL) {
		fprintf(stderr, "replay: %s: %s\n", dir, strerror(errno));
		return -1;
	}
	while ((de = readdir(dp)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			if ((names = realloc(names, cap * sizeof(*names))) == NULL)
				abort();
		}
		if (asprintf(&names[n], "%s/%s", dir, de->d_name) == -1)
			abort();
		n++;
	}
	closedir(dp);
	if (n > 0)
		qsort(names, n, sizeof(*names), name_cmp);
	for (i = 0; i < n; i++) {
		path = names[i];
		if (stat(path, &st) == 0 && S_ISREG(st.st_mode) && replay_file(path) == -1)
			rc = -1;
		free(path);
	}
	free(names);
	return rc;
}

/* Every directory in top, in name order. */
static int
replay_corpora(const char *top)
{
	DIR		*dp;
	struct dirent	*de;
	struct stat	 st;
	char		*names[64], *path;
	size_t		 n = 0, i;
	int		 rc = 0;

	if ((dp = opendir(top)) == NULL) {
		fprintf(stderr, "replay: %s: %s\n", top, strerror(errno));
		return -1;
	}
	while ((de = readdir(dp)) != NULL && n < sizeof(names) / sizeof(names[0])) {
		if (de->d_name[0] == '.')
			continue;
		if (asprintf(&path, "%s/%s", top, de->d_name) == -1)
			abort();
		if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
			names[n++] = path;
		else
			free(path);
	}
	closedir(dp);
	if (n > 0)
		qsort(names, n, sizeof(*names), name_cmp);
	for (i = 0; i < n; i++) {
		if (replay_dir(names[i]) == -1)
			rc = -1;
		free(names[i]);
	}
	return rc;
}

int
main(int argc, char **argv)
{
	struct stat	st;
	int		i, rc = 0;

	if (argc < 2 && getenv("FUZZ_CORPUS") == NULL) {
		fprintf(stderr, "usage: %s FILE|DIR...\n"
		    "   or: FUZZ_CORPUS=DIR %s (every directory in DIR)\n", argv[0], argv[0]);
		return 2;
	}
	if (LLVMFuzzerInitialize != NULL)
		LLVMFuzzerInitialize(&argc, &argv);
	if (argc < 2)
		rc = replay_corpora(getenv("FUZZ_CORPUS")) == -1;
	for (i = 1; i < argc; i++) {
		if (stat(argv[i], &st) == -1) {
			fprintf(stderr, "replay: %s: %s\n", argv[i], strerror(errno));
			rc = 1;
		} else if (S_ISDIR(st.st_mode) ? replay_dir(argv[i]) == -1 :
		    replay_file(argv[i]) == -1)
			rc = 1;
	}
	printf("%s: %lu inputs replayed\n", argv[0], nfiles);
	return rc != 0 || nfiles == 0;
}
