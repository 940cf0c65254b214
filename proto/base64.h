/* base64.h: RFC 4648 base64 with padding, for bytes carried in JSON. */
#ifndef SOCK6_BASE64_H
#define SOCK6_BASE64_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Encoded length of n bytes, without the terminating NUL. */
size_t	 base64_encoded_len(size_t n);
/* Encode n bytes into out (base64_encoded_len(n)+1 bytes); returns the length. */
size_t	 base64_encode(const void *in, size_t n, char *out);
/* Largest decoded length for an encoded string of n characters. */
size_t	 base64_decoded_max(size_t n);
/* Decode strictly (padding required, no whitespace, canonical trailing bits).
 * Returns the number of bytes written to out, or -1 if the input is invalid. */
ssize_t	 base64_decode(const char *in, size_t n, void *out);
/* Vector loops where the CPU has them (the default), or the table loops
 * alone: for tests and benchmarks that compare the two. */
void	 base64_use_vectors(bool on);

#endif
