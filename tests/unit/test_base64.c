/* test_base64.c: unit tests for RFC 4648 base64 (proto/base64.c). */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"

/* RFC 4648 §10. */
static const struct {
	const char	*plain;
	const char	*enc;
} vectors[] = {
	{ "", "" },
	{ "f", "Zg==" },
	{ "fo", "Zm8=" },
	{ "foo", "Zm9v" },
	{ "foob", "Zm9vYg==" },
	{ "fooba", "Zm9vYmE=" },
	{ "foobar", "Zm9vYmFy" },
};

START_TEST(test_rfc4648_encode)
{
	char	 out[16];
	size_t	 n = strlen(vectors[_i].plain);

	memset(out, '#', sizeof(out));
	ck_assert_uint_eq(base64_encoded_len(n), strlen(vectors[_i].enc));
	ck_assert_uint_eq(base64_encode(vectors[_i].plain, n, out),
	    strlen(vectors[_i].enc));
	ck_assert_str_eq(out, vectors[_i].enc);
}
END_TEST

START_TEST(test_rfc4648_decode)
{
	char	 out[16];
	size_t	 n = strlen(vectors[_i].enc);

	ck_assert_uint_ge(base64_decoded_max(n), strlen(vectors[_i].plain));
	ck_assert_int_eq(base64_decode(vectors[_i].enc, n, out),
	    (ssize_t)strlen(vectors[_i].plain));
	ck_assert_mem_eq(out, vectors[_i].plain, strlen(vectors[_i].plain));
}
END_TEST

START_TEST(test_all_bytes_round_trip)
{
	unsigned char	 in[256], back[256];
	char		 enc[345];
	size_t		 i, n;

	for (i = 0; i < 256; i++)
		in[i] = (unsigned char)i;
	/* Every length exercises every padding case. */
	for (n = 0; n <= 256; n++) {
		ck_assert_uint_eq(base64_encode(in + 256 - n, n, enc),
		    base64_encoded_len(n));
		ck_assert_int_eq(base64_decode(enc, strlen(enc), back),
		    (ssize_t)n);
		ck_assert_mem_eq(back, in + 256 - n, n);
	}
	ck_assert_uint_eq(base64_encoded_len(256), 344);
}
END_TEST

START_TEST(test_each_byte_value)
{
	unsigned char	 c = (unsigned char)_i, back[3];
	char		 enc[5];

	ck_assert_uint_eq(base64_encode(&c, 1, enc), 4);
	ck_assert_int_eq(base64_decode(enc, 4, back), 1);
	ck_assert_uint_eq(back[0], c);
}
END_TEST

START_TEST(test_alphabet)
{
	const unsigned char	 in[] = { 0xfb, 0xff, 0xbf };
	char			 enc[5];
	unsigned char		 back[3];

	base64_encode(in, 3, enc);
	ck_assert_str_eq(enc, "+/+/");
	ck_assert_int_eq(base64_decode("+/+/", 4, back), 3);
	ck_assert_mem_eq(back, in, 3);
	/* The URL-safe alphabet is not accepted. */
	ck_assert_int_eq(base64_decode("-_-_", 4, back), -1);
}
END_TEST

static const char *const bad[] = {
	"Zg",		/* missing padding */
	"Zg=",		/* short padding */
	"Zm9",		/* length not a multiple of 4 */
	"Zh==",		/* non-zero trailing bits */
	"Zm9=",		/* non-zero trailing bits */
	"Zm8=Zm8=",	/* data after padding */
	"Zg==Zg==",
	"Z===",		/* too much padding */
	"====",
	"Zm=v",		/* padding inside a quantum */
	"Zm9v\n",	/* whitespace */
	"Zm9 v",
	" Zm9v",
	"Zm9v\r\n",
	"Zm9*",		/* not in the alphabet */
	"Zm\x80v",
};

START_TEST(test_strict_rejects)
{
	char	 out[16];

	ck_assert_int_eq(base64_decode(bad[_i], strlen(bad[_i]), out), -1);
}
END_TEST

START_TEST(test_embedded_nul_rejected)
{
	char	 out[8];

	ck_assert_int_eq(base64_decode("Zm\0v", 4, out), -1);
}
END_TEST

START_TEST(test_length_respected)
{
	char	 out[16];

	/* Bytes past n must not complete a quantum. */
	ck_assert_int_eq(base64_decode("Zm9vYg==", 6, out), -1);
	ck_assert_int_eq(base64_decode("Zm9vYg==", 7, out), -1);
	ck_assert_int_eq(base64_decode("Zm9vYmFy", 6, out), -1);
	ck_assert_int_eq(base64_decode("Zm9vYg==", 4, out), 3);
	ck_assert_mem_eq(out, "foo", 3);
	ck_assert_int_eq(base64_decode("Zm9v", 0, out), 0);
}
END_TEST

/* The long-input tests run twice: _i 0 with the table loops alone, 1 with
 * the vector loops where the CPU has them (the daemon's default). */
static void
choose_loops(int i)
{
	base64_use_vectors(i == 1);
}

/* Encoding in place, with the bytes at the end of the room their base64
 * will fill (as a subscription does in the output queue), gives what an
 * encode into separate memory gives, for every length and alignment. */
START_TEST(test_encode_in_place)
{
	static unsigned char src[4099];
	static char want[5600], room[5600];
	size_t n, b64, i;

	choose_loops(_i);
	for (i = 0; i < sizeof(src); i++)
		src[i] = (unsigned char)(i * 131 + 7);
	for (n = 0; n < sizeof(src); n += n < 100 ? 1 : 97) {
		b64 = base64_encode(src, n, want);
		ck_assert_uint_eq(b64, base64_encoded_len(n));
		memcpy(room + b64 - n, src, n);
		ck_assert_uint_eq(base64_encode(room + b64 - n, n, room), b64);
		ck_assert_msg(memcmp(room, want, b64) == 0, "in place differs at length %zu", n);
	}
}
END_TEST

/* A plain bit-at-a-time encoder to hold the fast ones against. */
static size_t
reference_encode(const unsigned char *p, size_t n, char *o)
{
	static const char a[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i, k = 0, bits = 0;
	unsigned acc = 0;

	for (i = 0; i < n; i++) {
		acc = acc << 8 | p[i];
		for (bits += 8; bits >= 6; bits -= 6)
			o[k++] = a[acc >> (bits - 6) & 0x3f];
	}
	if (bits > 0)
		o[k++] = a[acc << (6 - bits) & 0x3f];
	while (k % 4 != 0)
		o[k++] = '=';
	o[k] = '\0';
	return k;
}

/* Every length to 700 at every alignment, into and out of buffers of
 * exactly the size needed (so a sanitizer sees any store past the end). */
START_TEST(test_long_round_trip)
{
	static unsigned char src[704];
	char want[1000], *enc;
	unsigned char *back;
	size_t n, off, i, b64;

	choose_loops(_i);
	for (i = 0; i < sizeof(src); i++)
		src[i] = (unsigned char)(i * 167 + i / 256);
	for (n = 0; n <= 700; n++) {
		for (off = 0; off < 4; off++) {
			b64 = reference_encode(src + off, n, want);
			ck_assert_ptr_nonnull(enc = malloc(b64 + 1));
			ck_assert_uint_eq(base64_encode(src + off, n, enc), b64);
			ck_assert_msg(memcmp(enc, want, b64 + 1) == 0,
			    "encode differs at length %zu offset %zu", n, off);
			ck_assert_ptr_nonnull(back = malloc(n + 1));
			ck_assert_int_eq(base64_decode(enc, b64, back), (ssize_t)n);
			ck_assert_msg(memcmp(back, src + off, n) == 0,
			    "decode differs at length %zu offset %zu", n, off);
			free(back);
			free(enc);
		}
	}
}
END_TEST

/* One byte outside the alphabet anywhere in a long string is refused,
 * whichever loop meets it. */
START_TEST(test_long_rejects_each_position)
{
	static const unsigned char strangers[] = {
		'=', '-', '_', '.', ':', '@', '[', '`', '{', ' ', '\n', 0, 0x7f,
		0x80, 0xaf, 0xff, '*', ',',
	};
	unsigned char src[150], out[150];
	char enc[201], garbled[201];
	size_t b64, at, k;

	choose_loops(_i);
	for (k = 0; k < sizeof(src); k++)
		src[k] = (unsigned char)(k * 37);
	b64 = base64_encode(src, sizeof(src), enc);
	ck_assert_int_eq(base64_decode(enc, b64, out), (ssize_t)sizeof(src));
	for (at = 0; at < b64; at++) {
		for (k = 0; k < sizeof(strangers); k++) {
			memcpy(garbled, enc, b64);
			garbled[at] = (char)strangers[k];
			ck_assert_msg(base64_decode(garbled, b64, out) == -1,
			    "byte %#x at %zu accepted", strangers[k], at);
		}
	}
}
END_TEST

START_TEST(test_decoded_max)
{
	ck_assert_uint_eq(base64_decoded_max(0), 0);
	ck_assert_uint_eq(base64_decoded_max(4), 3);
	ck_assert_uint_eq(base64_decoded_max(8), 6);
	ck_assert_uint_eq(base64_encoded_len(0), 0);
	ck_assert_uint_eq(base64_encoded_len(1), 4);
	ck_assert_uint_eq(base64_encoded_len(3), 4);
	ck_assert_uint_eq(base64_encoded_len(4), 8);
}
END_TEST

static Suite *
base64_suite(void)
{
	Suite	*s = suite_create("base64");
	TCase	*tc = tcase_create("core");

	tcase_add_loop_test(tc, test_rfc4648_encode, 0,
	    sizeof(vectors) / sizeof(vectors[0]));
	tcase_add_loop_test(tc, test_rfc4648_decode, 0,
	    sizeof(vectors) / sizeof(vectors[0]));
	tcase_add_test(tc, test_all_bytes_round_trip);
	tcase_add_loop_test(tc, test_each_byte_value, 0, 256);
	tcase_add_test(tc, test_alphabet);
	tcase_add_loop_test(tc, test_strict_rejects, 0,
	    sizeof(bad) / sizeof(bad[0]));
	tcase_add_test(tc, test_embedded_nul_rejected);
	tcase_add_test(tc, test_length_respected);
	tcase_add_test(tc, test_decoded_max);
	suite_add_tcase(s, tc);

	tc = tcase_create("loops");
	tcase_add_loop_test(tc, test_encode_in_place, 0, 2);
	tcase_add_loop_test(tc, test_long_round_trip, 0, 2);
	tcase_add_loop_test(tc, test_long_rejects_each_position, 0, 2);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(base64_suite());
	int	 failures;

	srunner_run_all(sr, CK_NORMAL);
	failures = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failures ? 1 : 0;
}
