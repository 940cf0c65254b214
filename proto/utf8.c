/* utf8.c: strict UTF-8 validation (RFC 3629, Unicode table 3-7). */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdbool.h>
#include <stddef.h>

#include "utf8.h"

/*
 * Each lead byte admits a narrower range for its first continuation byte,
 * which is what rules out overlongs (C0, C1, E0 80..9F, F0 80..8F),
 * surrogates (ED A0..BF) and code points past U+10FFFF (F4 90.., F5..FF).
 */
size_t
utf8_invalid_at(const void *p, size_t n)
{
	const unsigned char	*start = p, *s = p, *end = s + n, *seq;
	unsigned char		 c, lo, hi;
	int			 more;

	while (s < end) {
		seq = s;
		c = *s++;
		if (c < 0x80)
			continue;
		lo = 0x80;
		hi = 0xbf;
		if (c >= 0xc2 && c <= 0xdf)
			more = 1;
		else if (c >= 0xe0 && c <= 0xef) {
			more = 2;
			if (c == 0xe0)
				lo = 0xa0;
			else if (c == 0xed)
				hi = 0x9f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			more = 3;
			if (c == 0xf0)
				lo = 0x90;
			else if (c == 0xf4)
				hi = 0x8f;
		} else
			return (size_t)(seq - start);
		if (end - s < more)
			return (size_t)(seq - start);
		if (*s < lo || *s > hi)
			return (size_t)(seq - start);
		s++;
		while (--more > 0) {
			if ((*s & 0xc0) != 0x80)
				return (size_t)(seq - start);
			s++;
		}
	}
	return n;
}

bool
utf8_valid(const void *p, size_t n)
{
	return utf8_invalid_at(p, n) == n;
}

size_t
utf8_incomplete_tail(const void *p, size_t n)
{
	const unsigned char *s = p;
	size_t i, need;

	for (i = 1; i <= 3 && i <= n; i++) {
		if ((s[n - i] & 0xc0) == 0x80)
			continue;		/* a continuation byte: look further back */
		if (s[n - i] >= 0xf0)
			need = 4;
		else if (s[n - i] >= 0xe0)
			need = 3;
		else if (s[n - i] >= 0xc0)
			need = 2;
		else
			return 0;		/* ASCII */
		return need > i ? i : 0;
	}
	return 0;
}
