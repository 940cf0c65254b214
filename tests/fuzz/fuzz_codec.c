/* fuzz_codec.c: libFuzzer target for the byte codecs of proto/: base64
 * (proto/base64.c, its table loops and its AVX2 block loops) and UTF-8
 * validation (proto/utf8.c).  Every input is taken both as bytes to
 * encode and as text to decode or validate, and each result is checked
 * against the other path and against a plain reference.  See README.md. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "base64.h"
#include "utf8.h"

#include "fuzz_check.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


static void *
xmalloc(size_t n)
{
	void *p = malloc(n > 0 ? n : 1);

	if (p == NULL)
		abort();
	return p;
}

static const char ref_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int
ref_value(unsigned char c)
{
	const char *p;

	if (c == '\0' || (p = strchr(ref_alphabet, c)) == NULL)
		return -1;
	return (int)(p - ref_alphabet);
}

/* The RFC 4648 decoding base64.h promises, one character at a time:
 * padded, no whitespace, '=' only at the end of the last group, zero
 * trailing bits.  The decoded length, or -1. */
static ssize_t
ref_decode(const unsigned char *in, size_t n, unsigned char *out)
{
	size_t		 i, o = 0, pad = 0;
	uint32_t	 v;
	int		 k, d;

	if (n % 4 != 0)
		return -1;
	for (i = 0; i < n; i += 4) {
		v = 0;
		for (k = 0; k < 4; k++) {
			if (in[i + k] == '=' && i + 4 == n && k >= 2) {
				pad++;
				d = 0;
			} else if (pad > 0 || (d = ref_value(in[i + k])) < 0)
				return -1;
			v = v << 6 | (uint32_t)d;
		}
		if ((pad == 1 && (v & 0xff) != 0) || (pad == 2 && (v & 0xffff) != 0))
			return -1;
		out[o++] = (unsigned char)(v >> 16);
		if (pad < 2)
			out[o++] = (unsigned char)(v >> 8);
		if (pad < 1)
			out[o++] = (unsigned char)v;
	}
	return (ssize_t)o;
}

/* Encode with the table loops or the vector loops; the text is checked
 * against the alphabet and the length, and an encode in place (input at
 * the end of the output's room) must give the same.  Returns the text. */
static char *
encode_with(bool vectors, const uint8_t *data, size_t size)
{
	size_t	 len = base64_encoded_len(size), i;
	char	*out = xmalloc(len + 1), *room = xmalloc(len + 1);

	base64_use_vectors(vectors);
	CHECK(base64_encode(data, size, out) == len);
	CHECK(out[len] == '\0');
	CHECK(len % 4 == 0 && len / 4 == (size + 2) / 3);
	for (i = 0; i < len; i++)
		CHECK(ref_value((unsigned char)out[i]) >= 0 ||
		    (out[i] == '=' && i + 2 >= len));
	/* len + 1 >= size + 1: the input fits at the end of the room. */
	memcpy(room + len + 1 - size, data, size);
	CHECK(base64_encode(room + len + 1 - size, size, room) == len);
	CHECK(memcmp(room, out, len + 1) == 0);
	free(room);
	return out;
}

/* Decode with one path into a buffer of exactly base64_decoded_max(). */
static ssize_t
decode_with(bool vectors, const char *text, size_t n, unsigned char **out)
{
	base64_use_vectors(vectors);
	*out = xmalloc(base64_decoded_max(n));
	return base64_decode(text, n, *out);
}

static void
check_base64(const uint8_t *data, size_t size)
{
	char		*enc_tab, *enc_vec;
	unsigned char	*dec_tab, *dec_vec, *ref;
	ssize_t		 n_tab, n_vec, n_ref;
	size_t		 len = base64_encoded_len(size);

	/* The input as bytes: both encoders agree, both decoders give it back. */
	enc_tab = encode_with(false, data, size);
	enc_vec = encode_with(true, data, size);
	CHECK(memcmp(enc_tab, enc_vec, len + 1) == 0);
	n_tab = decode_with(false, enc_tab, len, &dec_tab);
	n_vec = decode_with(true, enc_tab, len, &dec_vec);
	CHECK(n_tab == (ssize_t)size && n_vec == (ssize_t)size);
	CHECK(memcmp(dec_tab, data, size) == 0 && memcmp(dec_vec, data, size) == 0);
	free(enc_tab);
	free(enc_vec);
	free(dec_tab);
	free(dec_vec);

	/* The input as text: both decoders and the reference give the same
	 * verdict and bytes, and what decodes re-encodes to the same text. */
	n_tab = decode_with(false, (const char *)data, size, &dec_tab);
	n_vec = decode_with(true, (const char *)data, size, &dec_vec);
	ref = xmalloc(size);
	n_ref = ref_decode(data, size, ref);
	CHECK(n_tab == n_ref && n_vec == n_ref);
	CHECK(n_ref >= -1 && n_ref <= (ssize_t)base64_decoded_max(size));
	if (n_ref >= 0) {
		CHECK(memcmp(dec_tab, ref, (size_t)n_ref) == 0);
		CHECK(memcmp(dec_vec, ref, (size_t)n_ref) == 0);
		CHECK(base64_encoded_len((size_t)n_ref) == size);
		enc_vec = encode_with(true, ref, (size_t)n_ref);
		CHECK(memcmp(enc_vec, data, size) == 0);
		free(enc_vec);
	}
	free(ref);
	free(dec_tab);
	free(dec_vec);
}

/* The length of the UTF-8 sequence starting at s[0..n), decoded the
 * textbook way (value, then overlong, surrogate and range checks), or 0
 * when it is invalid or cut short. */
static size_t
ref_utf8_char(const unsigned char *s, size_t n)
{
	static const uint32_t	 min[] = { 0, 0, 0x80, 0x800, 0x10000 };
	uint32_t		 cp;
	size_t			 len, i;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0) {
		len = 2;
		cp = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		len = 3;
		cp = s[0] & 0x0f;
	} else if ((s[0] & 0xf8) == 0xf0) {
		len = 4;
		cp = s[0] & 0x07;
	} else
		return 0;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if (cp < min[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

static void
check_utf8(const uint8_t *data, size_t size)
{
	size_t	 i = 0, k, len, at;
	bool	*boundary = xmalloc(size + 1);

	memset(boundary, 0, size + 1);
	boundary[0] = true;
	while (i < size && (len = ref_utf8_char(data + i, size - i)) > 0) {
		i += len;
		boundary[i] = true;
	}
	at = utf8_invalid_at(data, size);
	CHECK(at == i);
	CHECK(utf8_valid(data, size) == (i == size));
	/* Every prefix up to the first invalid byte: the incomplete tail is
	 * what lies past the last character boundary when a character is cut
	 * there, none when the cut is a boundary (so the prefix less its
	 * tail is valid). */
	for (k = 0; k <= i; k++) {
		size_t tail = utf8_incomplete_tail(data, k);

		CHECK(tail <= 3 && tail <= k);
		CHECK(boundary[k - tail]);
		CHECK((tail == 0) == boundary[k]);
	}
	free(boundary);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_base64(data, size);
	check_utf8(data, size);
	return 0;
}
