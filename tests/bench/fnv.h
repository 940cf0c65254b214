/* fnv.h: the stream digest of the streaming benchmarks (FNV-1a, 64 bits),
 * shared by streamio.c's peers and subclient.c's subscribers so that each
 * stream's bytes can be compared end to end.  Not cryptographic: it finds
 * lost, repeated or reordered bytes, not an adversary. */
#ifndef BENCH_FNV_H
#define BENCH_FNV_H

#include <stddef.h>
#include <stdint.h>

#define FNV_INIT	UINT64_C(0xcbf29ce484222325)

/* The digest `h` carried on over p[0..n). */
static inline uint64_t
fnv_add(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;

	while (n-- > 0) {
		h ^= *b++;
		h *= UINT64_C(0x100000001b3);
	}
	return h;
}

#endif
