/* fuzz_check.h: the fuzz targets' one assertion: CHECK(cond) names the
 * failed invariant with its file and line, then aborts, which libFuzzer
 * and the replay driver report as a crash. */
#ifndef SOCK6D_FUZZ_CHECK_H
#define SOCK6D_FUZZ_CHECK_H

#include <stdio.h>
#include <stdlib.h>

#define CHECK(c)	do { if (!(c)) fuzz_fail(#c, __FILE__, __LINE__); } while (0)

static inline void
fuzz_fail(const char *what, const char *file, int line)
{
	fprintf(stderr, "%s:%d: invariant failed: %s\n", file, line, what);
	abort();
}

#endif
