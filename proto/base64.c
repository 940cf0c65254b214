/* base64.c: RFC 4648 base64 (standard alphabet, padded, strict decoding). */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdint.h>

#include "base64.h"

static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t
base64_encoded_len(size_t n)
{
	return (n + 2) / 3 * 4;
}

size_t
base64_encode(const void *in, size_t n, char *out)
{
	const unsigned char	*p = in;
	char			*o = out;
	uint32_t		 v;

	for (; n >= 3; n -= 3, p += 3) {
		v = (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
		*o++ = b64_alphabet[v >> 18 & 0x3f];
		*o++ = b64_alphabet[v >> 12 & 0x3f];
		*o++ = b64_alphabet[v >> 6 & 0x3f];
		*o++ = b64_alphabet[v & 0x3f];
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

/* The 6-bit value of an alphabet character, or -1. */
static int
b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

ssize_t
base64_decode(const char *in, size_t n, void *out)
{
	const unsigned char	*p = (const unsigned char *)in;
	unsigned char		*o = out;
	uint32_t		 v;
	size_t			 i;
	int			 k, d[4], pad;

	if (n % 4 != 0)
		return -1;
	for (i = 0; i < n; i += 4) {
		pad = 0;
		for (k = 0; k < 4; k++) {
			if (p[i + k] == '=' && i + 4 == n && k >= 2) {
				d[k] = 0;
				pad++;
				continue;
			}
			/* Data after padding, or an invalid character. */
			if (pad > 0 || (d[k] = b64_value(p[i + k])) < 0)
				return -1;
		}
		v = (uint32_t)d[0] << 18 | (uint32_t)d[1] << 12 |
		    (uint32_t)d[2] << 6 | (uint32_t)d[3];
		*o++ = v >> 16 & 0xff;
		if (pad == 2) {
			/* Trailing bits must be zero (canonical form). */
			if ((v & 0xffff) != 0)
				return -1;
			break;
		}
		*o++ = v >> 8 & 0xff;
		if (pad == 1) {
			if ((v & 0xff) != 0)
				return -1;
			break;
		}
		*o++ = v & 0xff;
	}
	return (ssize_t)(o - (unsigned char *)out);
}
