/* utf8.h: strict UTF-8 validation (no overlongs, no surrogates, <= U+10FFFF). */
#ifndef SOCK6_UTF8_H
#define SOCK6_UTF8_H

#include <stdbool.h>
#include <stddef.h>

bool	 utf8_valid(const void *p, size_t n);
/* Offset of the first byte of the first invalid sequence; n when valid. */
size_t	 utf8_invalid_at(const void *p, size_t n);

/* How many bytes at the end of p[0..n) begin a character that is not
 * complete yet (0 to 3): where a chunk of a stream may be cut. */
size_t	 utf8_incomplete_tail(const void *p, size_t n);

#endif
