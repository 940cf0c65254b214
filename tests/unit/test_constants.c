/* test_constants.c: unit tests for the constants table: unique names in
 * known, contiguous, non-empty groups, the lookups, and on Linux every
 * value exactly as the seeds inventory (§1.12) gives it, undefined ones
 * undefined (daemon/constants.c). */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <check.h>
#include <string.h>

#include "constants.h"

#define UNDEF	(-1000)		/* expected: not defined here */

/* Every constant sock6d serves on Linux, in table order. */
static const struct {
	const char	*name;
	int		 value;
} linux_values[] = {
	{ "af/inet", 2 }, { "af/inet6", 10 }, { "af/unix", 1 }, { "af/unspec", 0 },
	{ "sock/stream", 1 }, { "sock/dgram", 2 }, { "sock/raw", 3 }, { "sock/seqpacket", 5 },
	{ "ipproto/ip", 0 }, { "ipproto/ipv6", 41 }, { "ipproto/tcp", 6 },
	{ "ipproto/icmp", 1 }, { "ipproto/udp", 17 }, { "ipproto/icmpv6", 58 },
	{ "sol/socket", 1 },
	{ "so/reuseaddr", 2 }, { "so/debug", 1 }, { "so/acceptconn", 30 },
	{ "so/keepalive", 9 }, { "so/dontroute", 5 }, { "so/broadcast", 6 },
	{ "so/linger", 13 }, { "so/oobinline", 10 }, { "so/sndbuf", 7 }, { "so/rcvbuf", 8 },
	{ "so/sndlowat", 19 }, { "so/rcvlowat", 18 }, { "so/sndtimeo", 21 },
	{ "so/rcvtimeo", 20 }, { "so/error", 4 }, { "so/type", 3 },
	{ "so/useloopback", UNDEF }, { "so/reuseport", 15 }, { "so/timestamp", 29 },
	{ "so/exclusiveaddruse", UNDEF }, { "so/peercred", 17 },
	{ "so/mark", 36 }, { "so/priority", 12 }, { "so/bindtodevice", 25 },
	{ "tcp/nodelay", 1 }, { "tcp/maxseg", 2 }, { "tcp/nopush", UNDEF },
	{ "tcp/noopt", UNDEF }, { "tcp/keepalive", UNDEF }, { "tcp/keepidle", 4 },
	{ "tcp/keepintvl", 5 }, { "tcp/keepcnt", 6 }, { "tcp/user-timeout", 18 },
	{ "tcp/congestion", 13 }, { "tcp/info", 11 },
	{ "ip/options", 4 }, { "ip/hdrincl", 3 }, { "ip/tos", 1 }, { "ip/ttl", 2 },
	{ "ip/mtu", 14 }, { "ip/mtu-discover", 10 }, { "ip/pktinfo", 8 }, { "ip/recverr", 11 },
	{ "ip/recvtos", 13 }, { "ip/recvttl", 12 }, { "ip/router-alert", 5 },
	{ "ip/recvopts", 6 }, { "ip/recvretopts", 7 }, { "ip/retopts", 7 },
	{ "ip/recvdstaddr", UNDEF }, { "ip/multicast-if", 32 }, { "ip/multicast-ttl", 33 },
	{ "ip/multicast-loop", 34 }, { "ip/add-membership", 35 }, { "ip/drop-membership", 36 },
	{ "ip/transparent", 19 }, { "ipv6/transparent", 75 },
	{ "ipv6/v6only", 26 }, { "ipv6/addrform", 1 }, { "ipv6/mtu", 24 },
	{ "ipv6/mtu-discover", 23 }, { "ipv6/multicast-hops", 18 }, { "ipv6/multicast-if", 17 },
	{ "ipv6/multicast-loop", 19 }, { "ipv6/pktinfo", 50 }, { "ipv6/rthdr", 57 },
	{ "ipv6/authhdr", 10 }, { "ipv6/dstopts", 59 }, { "ipv6/hopopts", 54 },
	{ "ipv6/flowinfo", UNDEF }, { "ipv6/hoplimit", 52 }, { "ipv6/recverr", 25 },
	{ "ipv6/router-alert", 22 }, { "ipv6/unicast-hops", 16 }, { "ipv6/nexthop", 9 },
	{ "ipv6/port-range", UNDEF }, { "ipv6/join-group", 20 }, { "ipv6/leave-group", 21 },
	{ "ipv6/checksum", 7 },
	{ "ai/passive", 1 }, { "ai/canonname", 2 }, { "ai/numerichost", 4 },
	{ "ai/v4mapped", 8 }, { "ai/all", 16 }, { "ai/addrconfig", 32 },
	{ "ai/numericserv", 1024 }, { "ai/mask", 0 }, { "ai/default", 0 },
	{ "ni/numerichost", 1 }, { "ni/numericserv", 2 }, { "ni/nofqdn", 4 },
	{ "ni/namereqd", 8 }, { "ni/dgram", 16 },
	{ "shut/rd", 0 }, { "shut/wr", 1 }, { "shut/rdwr", 2 },
	{ "msg/oob", 1 }, { "msg/peek", 2 }, { "msg/dontroute", 4 }, { "msg/eor", 128 },
	{ "msg/trunc", 32 }, { "msg/dontwait", 64 }, { "msg/waitall", 256 },
	{ "msg/more", 32768 },
};

#define NLINUX	(sizeof(linux_values) / sizeof(linux_values[0]))

static void
setup(void)
{
}

static void
teardown(void)
{
}

START_TEST(test_count_and_terminator)
{
	size_t n = 0;

	while (constants[n].name != NULL)
		n++;
	ck_assert_uint_eq(n, constants_count);
	ck_assert_ptr_null(constants[constants_count].group);
	ck_assert_uint_ge(constants_count, 100);
}
END_TEST

START_TEST(test_unique_names)
{
	size_t i, j;

	for (i = 0; i < constants_count; i++)
		for (j = 0; j < i; j++)
			ck_assert_msg(strcmp(constants[i].name, constants[j].name) != 0,
			    "%s twice", constants[i].name);
}
END_TEST

/* Each name is "group/rest", its group a known one, groups contiguous and
 * in constant_groups order. */
START_TEST(test_groups_consistent)
{
	const char *const *g = constant_groups;
	size_t i, glen;

	for (i = 0; i < constants_count; i++) {
		const struct constant *k = &constants[i];

		glen = strlen(k->group);
		ck_assert_msg(strncmp(k->name, k->group, glen) == 0 && k->name[glen] == '/' &&
		    k->name[glen + 1] != '\0', "%s is not in group %s", k->name, k->group);
		ck_assert_msg(strchr(k->name + glen + 1, '/') == NULL, "%s: two slashes", k->name);
		while (*g != NULL && strcmp(*g, k->group) != 0)
			g++;
		ck_assert_msg(*g != NULL, "%s: group %s out of order or unknown", k->name, k->group);
		ck_assert(constant_group_known(k->group));
	}
}
END_TEST

START_TEST(test_every_group_non_empty)
{
	static const char *const want[] = {
		"af", "sock", "ipproto", "sol", "so", "tcp", "ip", "ipv6", "ai", "ni", "shut",
		"msg", NULL
	};
	const struct constant *k;
	size_t i, n, total = 0;

	for (i = 0; want[i] != NULL; i++) {
		ck_assert_ptr_nonnull(constant_groups[i]);
		ck_assert_str_eq(constant_groups[i], want[i]);
		n = 0;
		for (k = constant_next(want[i], NULL); k != NULL; k = constant_next(want[i], k)) {
			ck_assert_str_eq(k->group, want[i]);
			n++;
		}
		ck_assert_msg(n > 0, "group %s is empty", want[i]);
		total += n;
	}
	ck_assert_ptr_null(constant_groups[i]);
	ck_assert_uint_eq(total, constants_count);
}
END_TEST

START_TEST(test_next_all)
{
	const struct constant *k = NULL;
	size_t n = 0;

	while ((k = constant_next(NULL, k)) != NULL) {
		ck_assert_ptr_eq(k, &constants[n]);
		n++;
	}
	ck_assert_uint_eq(n, constants_count);
	ck_assert_ptr_null(constant_next("nosuch", NULL));
	ck_assert_ptr_null(constant_next("", NULL));
}
END_TEST

START_TEST(test_lookup)
{
	static const char *const bad[] = {
		"", "so", "so/", "/reuseaddr", "SO/REUSEADDR", "so/reuseaddrx", "so/reuseadd",
		"so-reuse-address", "sol/socket ", "af/inet4", "tcp/nodelay/",
	};
	const struct constant *k;
	size_t i;

	for (i = 0; i < constants_count; i++)
		ck_assert_ptr_eq(constant_lookup(constants[i].name), &constants[i]);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(constant_lookup(bad[i]) == NULL, "'%s' found", bad[i]);
	k = constant_lookup("so/reuseaddr");
	ck_assert_str_eq(k->group, "so");
	ck_assert(k->defined);
	ck_assert(constant_group_known("ipv6"));
	ck_assert(!constant_group_known("IPV6"));
	ck_assert(!constant_group_known("level"));
	ck_assert(!constant_group_known(""));
}
END_TEST

/* The inventory's Linux values, exactly, and nothing else. */
START_TEST(test_linux_values)
{
#ifdef __linux__
	const struct constant *k;
	size_t i;

	ck_assert_uint_eq(constants_count, NLINUX);
	for (i = 0; i < NLINUX; i++) {
		k = &constants[i];
		ck_assert_str_eq(k->name, linux_values[i].name);
		if (linux_values[i].value == UNDEF) {
			ck_assert_msg(!k->defined, "%s is defined (%d)", k->name, k->value);
			ck_assert_int_eq(k->value, 0);
		} else {
			ck_assert_msg(k->defined, "%s is undefined", k->name);
			ck_assert_msg(k->value == linux_values[i].value, "%s is %d, not %d",
			    k->name, k->value, linux_values[i].value);
		}
	}
#endif
}
END_TEST

/* The egg's own notes: ip/retopts and ip/recvretopts share 7 on Linux; the
 * ai flags the platform lacks would be 0, never undefined. */
START_TEST(test_egg_notes)
{
	const struct constant *k = NULL;

	while ((k = constant_next("ai", k)) != NULL)
		ck_assert_msg(k->defined, "%s undefined", k->name);
#ifdef __linux__
	ck_assert_int_eq(constant_lookup("ip/retopts")->value,
	    constant_lookup("ip/recvretopts")->value);
	ck_assert_int_eq(constant_lookup("ipproto/tcp")->value, 6);
	ck_assert(!constant_lookup("tcp/nopush")->defined);
#endif
}
END_TEST

static Suite *
constants_suite(void)
{
	Suite	*s = suite_create("constants");
	TCase	*tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_count_and_terminator);
	tcase_add_test(tc, test_unique_names);
	tcase_add_test(tc, test_groups_consistent);
	tcase_add_test(tc, test_every_group_non_empty);
	tcase_add_test(tc, test_next_all);
	tcase_add_test(tc, test_lookup);
	tcase_add_test(tc, test_linux_values);
	tcase_add_test(tc, test_egg_notes);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(constants_suite());
	int	 failures;

	srunner_run_all(sr, CK_NORMAL);
	failures = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failures != 0;
}
