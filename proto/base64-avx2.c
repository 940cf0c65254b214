/* base64-avx2.c: the block loops of base64.c in 256-bit vectors, for the
 * x86-64 CPUs that have AVX2 (base64.c asks the CPU once and falls back to
 * its table loops elsewhere).
 *
 * The method is the one published by Wojciech Muła and Daniel Lemire,
 * "Faster Base64 Encoding and Decoding Using AVX2 Instructions" (ACM TOW
 * 2018), with the range check by "aqrit": 24 bytes become 32 characters
 * and back with a handful of shuffles, multiplies and one table lookup per
 * nibble, and no branch per character.  Only whole blocks are done here;
 * the first and last bytes, padding and the exact error go to base64.c. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "base64-avx2.h"

#ifdef BASE64_HAVE_AVX2

#include <immintrin.h>

bool
base64_avx2_usable(void)
{
	__builtin_cpu_init();
	return __builtin_cpu_supports("avx2");
}

/*
 * Encoding.  Each 128-bit lane takes 12 input bytes and gives 16 sextets,
 * one per byte.  The lanes load from p - 4, so that the upper lane's 12
 * bytes (p + 12 .. p + 23) start at its byte 0 and the lower lane's
 * (p .. p + 11) at its byte 4.
 */

/* Spread each 3-byte group over one 32-bit word as [b1 b0 b2 b1] ... */
__attribute__((target("avx2")))
static inline __m256i
encode_spread(__m256i in)
{
	const __m256i groups = _mm256_setr_epi8(
	    5, 4, 6, 5, 8, 7, 9, 8, 11, 10, 12, 11, 14, 13, 15, 14,
	    1, 0, 2, 1, 4, 3, 5, 4, 7, 6, 8, 7, 10, 9, 11, 10);
	__m256i w = _mm256_shuffle_epi8(in, groups), hi, lo;

	/* ... and move its four sextets to the low 6 bits of its four bytes:
	 * the two upper ones with a high multiply, the two lower with a low
	 * one, each 16-bit half by its own shift. */
	hi = _mm256_mulhi_epu16(_mm256_and_si256(w, _mm256_set1_epi32(0x0fc0fc00)),
	    _mm256_set1_epi32(0x04000040));
	lo = _mm256_mullo_epi16(_mm256_and_si256(w, _mm256_set1_epi32(0x003f03f0)),
	    _mm256_set1_epi32(0x01000010));
	return _mm256_or_si256(hi, lo);
}

#define D ('0' - 52)	/* the digits' offset, ten times below */

/* Sextet to character: one offset per range (A-Z, a-z, 0-9, '+', '/'),
 * looked up by an index the sextet's range gives. */
__attribute__((target("avx2")))
static inline __m256i
encode_alphabet(__m256i sextets)
{
	const __m256i offsets = _mm256_setr_epi8(
	    'A', 'a' - 26, D, D, D, D, D, D, D, D, D, D, '+' - 62, '/' - 63, 0, 0,
	    'A', 'a' - 26, D, D, D, D, D, D, D, D, D, D, '+' - 62, '/' - 63, 0, 0);
	/* 0..25 -> 0, 26..51 -> 1, 52..61 -> 2..11, 62 -> 12, 63 -> 13: the
	 * sextet less 51 (at least 0), plus one for everything above 25. */
	__m256i index = _mm256_subs_epu8(sextets, _mm256_set1_epi8(51));
	__m256i above_25 = _mm256_cmpgt_epi8(sextets, _mm256_set1_epi8(25));

	index = _mm256_sub_epi8(index, above_25);
	return _mm256_add_epi8(sextets, _mm256_shuffle_epi8(offsets, index));
}

#undef D

__attribute__((target("avx2")))
size_t
base64_avx2_encode_blocks(const unsigned char *p, size_t n, char *o)
{
	size_t done = 0;
	__m256i in;

	/* Each load reads p - 4 .. p + 27: n - done >= 28 keeps it inside. */
	for (; n - done >= 28; done += 24, o += 32) {
		in = _mm256_loadu_si256((const __m256i *)(const void *)(p + done - 4));
		_mm256_storeu_si256((__m256i *)(void *)o,
		    encode_alphabet(encode_spread(in)));
	}
	return done;
}

/*
 * Decoding.  A character's high nibble and low nibble each look up a set
 * of bits; the two sets meet only for bytes outside the alphabet.  A third
 * table, by the high nibble ('/' set apart), gives the offset that turns
 * the character into its sextet.
 */
__attribute__((target("avx2")))
size_t
base64_avx2_decode_blocks(const char *p, size_t n, unsigned char *o)
{
	const __m256i by_low = _mm256_setr_epi8(
	    0x15, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11,
	    0x11, 0x11, 0x13, 0x1a, 0x1b, 0x1b, 0x1b, 0x1a,
	    0x15, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11,
	    0x11, 0x11, 0x13, 0x1a, 0x1b, 0x1b, 0x1b, 0x1a);
	const __m256i by_high = _mm256_setr_epi8(
	    0x10, 0x10, 0x01, 0x02, 0x04, 0x08, 0x04, 0x08,
	    0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10,
	    0x10, 0x10, 0x01, 0x02, 0x04, 0x08, 0x04, 0x08,
	    0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10);
	/* By high nibble, '/' moved down to 1: '/' +16, '+' +19, digits +4,
	 * capitals -65, small letters -71. */
	const __m256i shift = _mm256_setr_epi8(
	    0, 16, 19, 4, -65, -65, -71, -71,
	    0, 0, 0, 0, 0, 0, 0, 0,
	    0, 16, 19, 4, -65, -65, -71, -71,
	    0, 0, 0, 0, 0, 0, 0, 0);
	const __m256i slash = _mm256_set1_epi8('/');
	/* Pack the four sextets of each word into 24 bits, then the 24-bit
	 * groups together: 12 bytes per lane, 24 in the low 192 bits. */
	const __m256i pack_bytes = _mm256_setr_epi8(
	    2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, -1, -1, -1, -1,
	    2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, -1, -1, -1, -1);
	const __m256i pack_lanes = _mm256_setr_epi32(0, 1, 2, 4, 5, 6, 3, 7);
	size_t done = 0;
	__m256i in, hi, lo, pairs, words;

	/* A block needs 48 characters left, its 32 and 16 more: the last
	 * group, padding and all, is base64.c's, and the store's 8 bytes past
	 * its 24 land within what the rest decodes to (at least 34 bytes). */
	for (; n - done >= 48; done += 32, o += 24) {
		in = _mm256_loadu_si256((const __m256i *)(const void *)(p + done));
		hi = _mm256_and_si256(_mm256_srli_epi32(in, 4), _mm256_set1_epi8(0x0f));
		lo = _mm256_and_si256(in, _mm256_set1_epi8(0x0f));
		if (!_mm256_testz_si256(_mm256_shuffle_epi8(by_low, lo),
		    _mm256_shuffle_epi8(by_high, hi)))
			break;	/* a byte outside the alphabet: base64.c says no */
		in = _mm256_add_epi8(in, _mm256_shuffle_epi8(shift,
		    _mm256_add_epi8(_mm256_cmpeq_epi8(in, slash), hi)));
		/* [00aaaaaa 00bbbbbb ...] -> 12-bit pairs -> 24-bit words. */
		pairs = _mm256_maddubs_epi16(in, _mm256_set1_epi32(0x01400140));
		words = _mm256_madd_epi16(pairs, _mm256_set1_epi32(0x00011000));
		words = _mm256_shuffle_epi8(words, pack_bytes);
		_mm256_storeu_si256((__m256i *)(void *)o,
		    _mm256_permutevar8x32_epi32(words, pack_lanes));
	}
	return done;
}

#endif /* BASE64_HAVE_AVX2 */
