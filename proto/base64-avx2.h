/* base64-avx2.h: the vector block loops base64.c uses where the CPU has
 * AVX2 (x86-64 with GCC or Clang only; elsewhere base64.c never asks). */
#ifndef SOCK6_BASE64_AVX2_H
#define SOCK6_BASE64_AVX2_H

#include <stdbool.h>
#include <stddef.h>

#if defined(__x86_64__) && defined(__GNUC__)
#define BASE64_HAVE_AVX2 1

/* Whether this CPU runs the loops below. */
bool	 base64_avx2_usable(void);
/* Encode whole 24-byte blocks of the n bytes at p into o, while at least
 * 28 bytes remain; returns the bytes done (32 characters for each 24).
 * Reads from p - 4: the caller has done the first block itself.  o may lie
 * before p in the same buffer as long as p - o >= 8 stays true for each
 * block (an encode in place, input at the end of the output's room). */
size_t	 base64_avx2_encode_blocks(const unsigned char *p, size_t n, char *o);
/* Decode whole 32-character blocks of the n at p into o while at least 48
 * remain (so the last group is never among them), stopping at the first block holding a byte
 * outside the alphabet; returns the characters done (24 bytes for each 32;
 * each block's store writes 8 bytes more, within what the rest decodes to). */
size_t	 base64_avx2_decode_blocks(const char *p, size_t n, unsigned char *o);
#endif

#endif
