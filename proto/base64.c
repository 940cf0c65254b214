/* base64.c: RFC 4648 base64 (standard alphabet, padded, strict decoding). */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <endian.h>

#include "base64.h"
#include "base64-avx2.h"

/* Whether the vector loops run: asked of the CPU once, with the tables. */
static bool	use_avx2;

static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t
base64_encoded_len(size_t n)
{
	return (n + 2) / 3 * 4;
}

/* Two alphabet characters for each 12 bits, as the bytes of a uint16_t in
 * memory order: built once, on first use (8 KiB). */
static uint16_t		b64_pairs[4096];
static pthread_once_t	b64_pairs_once = PTHREAD_ONCE_INIT;

static void
b64_pairs_init(void)
{
	unsigned i;
	char c[2];

	for (i = 0; i < 4096; i++) {
		c[0] = b64_alphabet[i >> 6];
		c[1] = b64_alphabet[i & 0x3f];
		memcpy(&b64_pairs[i], c, 2);
	}
#ifdef BASE64_HAVE_AVX2
	use_avx2 = base64_avx2_usable();
#endif
}

void
base64_use_vectors(bool on)
{
	pthread_once(&b64_pairs_once, b64_pairs_init);
#ifdef BASE64_HAVE_AVX2
	use_avx2 = on && base64_avx2_usable();
#else
	(void)on;
#endif
}

/* Encode two 3-byte groups (the low 24 bits of a and of b) into 8
 * characters at o, with one store. */
static inline void
b64_two(uint64_t a, uint64_t b, char *o)
{
	uint16_t c[4];

	c[0] = b64_pairs[a >> 12 & 0xfff];
	c[1] = b64_pairs[a & 0xfff];
	c[2] = b64_pairs[b >> 12 & 0xfff];
	c[3] = b64_pairs[b & 0xfff];
	memcpy(o, c, 8);
}

/* Encode one 3-byte group at p into o. */
static inline void
b64_group(const unsigned char *p, char *o)
{
	uint32_t v = (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];

	memcpy(o, &b64_pairs[v >> 12], 2);
	memcpy(o + 2, &b64_pairs[v & 0xfff], 2);
}

size_t
base64_encode(const void *in, size_t n, char *out)
{
	const unsigned char	*p = in;
	unsigned char		 block[3];
	uint64_t		 w[3], hi, mid, lo;
	char			*o = out;
	uint32_t		 v;
	size_t			 done;
	bool			 first;

	pthread_once(&b64_pairs_once, b64_pairs_init);
	/* 24 bytes at a time, read before any of their 32 characters is
	 * written: out may overlap the end of in (an encode in place, with
	 * the input at the end of the output's room) and never overtakes it. */
	for (first = true; n >= 24; n -= 24, p += 24, o += 32, first = false) {
#ifdef BASE64_HAVE_AVX2
		/* After the first block (the vector loads start 4 bytes back). */
		if (use_avx2 && !first) {
			done = base64_avx2_encode_blocks(p, n, o);
			p += done;
			o += done / 3 * 4;
			if ((n -= done) < 24)
				break;
		}
#endif
		memcpy(w, p, 24);
		hi = be64toh(w[0]);
		mid = be64toh(w[1]);
		lo = be64toh(w[2]);
		b64_two(hi >> 40, hi >> 16, o);
		b64_two(hi << 8 | mid >> 56, mid >> 32, o + 8);
		b64_two(mid >> 8, mid << 16 | lo >> 48, o + 16);
		b64_two(lo >> 24, lo, o + 24);
	}
	for (; n >= 3; n -= 3, p += 3, o += 4) {
		memcpy(block, p, 3);
		b64_group(block, o);
	}
	if (n > 0) {
		v = (uint32_t)p[0] << 16;
		if (n == 2)
			v |= (uint32_t)p[1] << 8;
		*o++ = b64_alphabet[v >> 18 & 0x3f];
		*o++ = b64_alphabet[v >> 12 & 0x3f];
		*o++ = n == 2 ? b64_alphabet[v >> 6 & 0x3f] : '=';
		*o++ = '=';
	}
	*o = '\0';
	return (size_t)(o - out);
}

size_t
base64_decoded_max(size_t n)
{
	return n / 4 * 3;
}

/* The 6-bit value of each byte, -1 for bytes outside the alphabet. */
static const signed char b64_values[256] = {
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 62, -1, -1, -1, 63,
	52, 53, 54, 55, 56, 57, 58, 59, 60, 61, -1, -1, -1, -1, -1, -1,
	-1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14,
	15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, -1, -1, -1, -1, -1,
	-1, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40,
	41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
};

/* For each position in a group of four, each byte's 6 bits shifted into
 * place, or 0xff000000 for a byte outside the alphabet (4 KiB). */
static uint32_t		b64_shifted[4][256];
static pthread_once_t	b64_shifted_once = PTHREAD_ONCE_INIT;

static void
b64_shifted_init(void)
{
	unsigned k, c;

	for (k = 0; k < 4; k++)
		for (c = 0; c < 256; c++)
			b64_shifted[k][c] = b64_values[c] < 0 ? 0xff000000u :
			    (uint32_t)b64_values[c] << (18 - 6 * k);
}

ssize_t
base64_decode(const char *in, size_t n, void *out)
{
	const unsigned char	*p = (const unsigned char *)in;
	unsigned char		*o = out;
	uint32_t		 v;
	size_t			 i, body;
	int			 k, d[4], pad;

	if (n % 4 != 0)
		return -1;
	/* Every group but the last: four alphabet characters, no padding;
	 * each character's bits come already in place from its table, and a
	 * byte outside the alphabet sets the top byte. */
	pthread_once(&b64_shifted_once, b64_shifted_init);
	pthread_once(&b64_pairs_once, b64_pairs_init);
	body = n > 0 ? n - 4 : 0;
	i = 0;
#ifdef BASE64_HAVE_AVX2
	if (use_avx2) {
		/* Whole blocks; where one holds a byte outside the alphabet the
		 * loop below goes on from it, and finds which. */
		i = base64_avx2_decode_blocks(in, n, o);
		o += i / 4 * 3;
	}
#endif
	for (; i < body; i += 4) {
		v = b64_shifted[0][p[i]] | b64_shifted[1][p[i + 1]] |
		    b64_shifted[2][p[i + 2]] | b64_shifted[3][p[i + 3]];
		if (v & 0xff000000u)
			return -1;
		*o++ = (unsigned char)(v >> 16);
		*o++ = (unsigned char)(v >> 8);
		*o++ = (unsigned char)v;
	}
	if (n == 0)
		return 0;
	/* The last group, which may end with one or two '='. */
	pad = 0;
	for (k = 0; k < 4; k++) {
		if (p[i + k] == '=' && k >= 2) {
			d[k] = 0;
			pad++;
			continue;
		}
		/* Data after padding, or an invalid character. */
		if (pad > 0 || (d[k] = b64_values[p[i + k]]) < 0)
			return -1;
	}
	v = (uint32_t)d[0] << 18 | (uint32_t)d[1] << 12 | (uint32_t)d[2] << 6 | (uint32_t)d[3];
	*o++ = (unsigned char)(v >> 16);
	/* Trailing bits must be zero (canonical form). */
	if (pad == 2)
		return (v & 0xffff) != 0 ? -1 : (ssize_t)(o - (unsigned char *)out);
	*o++ = (unsigned char)(v >> 8);
	if (pad == 1)
		return (v & 0xff) != 0 ? -1 : (ssize_t)(o - (unsigned char *)out);
	*o++ = (unsigned char)v;
	return (ssize_t)(o - (unsigned char *)out);
}
