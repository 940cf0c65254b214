/* test_fdstore.c: unit tests for the fd store's state file: each handle's
 * entry read back as written (its state, counters, held bytes with their
 * senders, its UNIX file), the room an entry is given bounding what it
 * takes, every malformed entry refused, and the file and its directory
 * trusted only when no one else may write to them, up to FDSTORE_STATE_MAX
 * bytes (daemon/fdstore-state.c). */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <check.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <unistd.h>

#include <ev.h>
#include <json-c/json.h>

#include "fdstore.h"
#include "fdstore-state.h"
#include "limit.h"
#include "sock.h"
#include "sock6d.h"

static struct ev_loop	*loop;
static struct sock6d	 d;
static struct limits	 lim;
static struct s6err	 e;
static char		 dir[32];	/* the state directory */
static char		 file[64];	/* its state file */
static char		 sockpath[64];	/* a UNIX socket's path in it */
static int		 dirfd_ = -1;
static json_object	*good;		/* see good_entry */

static void
setup(void)
{
	limits_default(&lim);
	ck_assert_ptr_nonnull(loop = ev_loop_new(EVFLAG_AUTO));
	ck_assert_int_eq(sock6d_init(&d, loop, &lim), 0);
	snprintf(dir, sizeof(dir), "/tmp/test_fdstore.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_int_eq(chmod(dir, 0700), 0);
	snprintf(file, sizeof(file), "%s/%s", dir, FDSTORE_STATE_FILE);
	snprintf(sockpath, sizeof(sockpath), "%s/s", dir);
	ck_assert_int_ne(dirfd_ = fdstore_dir_open(dir), -1);
	memset(&e, 0, sizeof(e));
	good = NULL;
}

static void
teardown(void)
{
	json_object_put(good);
	sock6d_shutdown(&d);
	ev_loop_destroy(loop);
	close(dirfd_);
	unlink(file);
	unlink(sockpath);
	rmdir(dir);
}

static struct sock *
mk(int family, int type)
{
	struct sock *s = sock_create(&d, family, type, 0, getuid(), &e);

	ck_assert_msg(s != NULL, "sock_create: %s", e.message);
	return s;
}

/* s's entry, parsed back; the caller frees out. */
static void
round_trip(const struct sock *s, struct fdstore_entry *out)
{
	json_object *o = fdstore_entry_json(s);
	const char *why = NULL;

	ck_assert_ptr_nonnull(o);
	ck_assert_msg(fdstore_entry_parse(o, out, &why) == 0, "refused: %s", why);
	json_object_put(o);
}

START_TEST(test_entry_round_trip)
{
	struct fdstore_entry en;
	struct sock *s = mk(AF_INET, SOCK_STREAM);

	s->state = SS_CONNECTED;
	s->shut_wr = true;
	s->bytes_in = 1234;
	s->bytes_out = UINT64_MAX;
	s->delivered = 7;
	s->dropped = 3;
	ck_assert_int_eq(sock_hold(s, "first|", 6, NULL, 0, false), 0);
	ck_assert_int_eq(sock_hold(s, "second", 6, NULL, 0, false), 0);
	round_trip(s, &en);
	ck_assert_uint_eq(en.handle, s->handle);
	ck_assert_uint_eq(en.owner, getuid());
	ck_assert_int_eq(en.family, AF_INET);
	ck_assert_int_eq(en.type, SOCK_STREAM);
	ck_assert_int_eq(en.protocol, 0);
	ck_assert_int_eq(en.kernel_protocol, IPPROTO_TCP);
	ck_assert_int_eq(en.state, SS_CONNECTED);
	ck_assert(!en.shut_rd && en.shut_wr);
	ck_assert_uint_eq(en.bytes_in, 1234);
	ck_assert_uint_eq(en.bytes_out, UINT64_MAX);
	ck_assert_uint_eq(en.delivered, 7);
	ck_assert_uint_eq(en.dropped, 3);
	ck_assert_uint_eq(en.nheld, 2);
	ck_assert_uint_eq(en.held[0].len, 6);
	ck_assert_mem_eq(en.held[0].data, "first|", 6);
	ck_assert_mem_eq(en.held[1].data, "second", 6);
	ck_assert_uint_eq(en.held[1].fromlen, 0);
	ck_assert(!en.has_file);
	fdstore_entry_free(&en);
}
END_TEST

START_TEST(test_entry_partly_taken)
{
	struct fdstore_entry en;
	struct sock *s = mk(AF_INET, SOCK_STREAM);
	char buf[4];
	size_t full;

	ck_assert_int_eq(sock_hold(s, "abcdef", 6, NULL, 0, false), 0);
	ck_assert_uint_eq(sock_take(s, buf, 2, false, NULL, NULL, &full), 2);
	round_trip(s, &en);
	ck_assert_uint_eq(en.nheld, 1);
	ck_assert_uint_eq(en.held[0].len, 4);
	ck_assert_mem_eq(en.held[0].data, "cdef", 4);
	fdstore_entry_free(&en);
}
END_TEST

START_TEST(test_entry_datagram_senders)
{
	struct sockaddr_in from = { .sin_family = AF_INET, .sin_port = htons(4242) };
	struct fdstore_entry en;
	struct sock *s = mk(AF_INET, SOCK_DGRAM);

	from.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(sock_hold(s, "one", 3, (struct sockaddr_storage *)&from,
	    sizeof(from), false), 0);
	ck_assert_int_eq(sock_hold(s, "", 0, NULL, 0, false), 0);
	round_trip(s, &en);
	ck_assert_int_eq(en.kernel_protocol, IPPROTO_UDP);
	ck_assert_uint_eq(en.nheld, 2);
	ck_assert_uint_eq(en.held[0].fromlen, sizeof(from));
	ck_assert_mem_eq(&en.held[0].from, &from, sizeof(from));
	ck_assert_uint_eq(en.held[1].len, 0);
	fdstore_entry_free(&en);
}
END_TEST

/* Bind s to sockpath as socket.bind does, as the user running the tests. */
static void
bind_unix(struct sock *s)
{
	struct creds who = { .uid = getuid(), .gid = getgid(), .ngroups = 2,
			     .groups = { 5, 4294967294u } };
	struct s6_sockaddr addr;
	const char *why;

	ck_assert_int_eq(s6_addr_from_string(sockpath, &addr, &why), 0);
	ck_assert_int_eq(sock_bind(s, &addr, &who, &e), 0);
	ck_assert_ptr_nonnull(s->file);
}

START_TEST(test_entry_file)
{
	struct fdstore_entry en;
	struct sock *s = mk(AF_UNIX, SOCK_STREAM);
	json_object *o, *f, *v;
	struct stat st;

	bind_unix(s);
	ck_assert_int_eq(stat(sockpath, &st), 0);
	round_trip(s, &en);
	ck_assert(en.has_file);
	ck_assert_str_eq(en.file.name, "s");
	ck_assert_int_eq(en.file.dirfd, -1);
	ck_assert_uint_eq(en.file.dev, st.st_dev);
	ck_assert_uint_eq(en.file.ino, st.st_ino);
	ck_assert_uint_eq(en.file.creds.uid, getuid());
	ck_assert_uint_eq(en.file.creds.gid, getgid());
	ck_assert_int_eq(en.file.creds.ngroups, 2);
	ck_assert_uint_eq(en.file.creds.groups[1], 4294967294u);
	fdstore_entry_free(&en);
	/* The path too, for people to read. */
	o = fdstore_entry_json(s);
	ck_assert(json_object_object_get_ex(o, "file", &f));
	ck_assert(json_object_object_get_ex(f, "path", &v));
	ck_assert_str_eq(json_object_get_string(v), sockpath);
	json_object_put(o);
}
END_TEST

START_TEST(test_entry_size_bounds_it)
{
	struct sock *s = mk(AF_UNIX, SOCK_DGRAM);
	struct sockaddr_storage from;
	uint64_t handle = s->handle;
	struct sock_file saved;
	json_object *o;
	size_t len;
	int i;

	bind_unix(s);
	saved = *s->file;
	/* Every field at its largest, a name all escapes, 64 groups. */
	memset(s->file->name, 1, sizeof(s->file->name) - 1);
	s->file->creds.ngroups = 64;
	for (i = 0; i < 64; i++)
		s->file->creds.groups[i] = 4294967294u;
	s->file->creds.uid = s->file->creds.gid = 4294967294u;
	s->file->dev = (dev_t)-1;
	s->file->ino = (ino_t)-1;
	s->handle = UINT64_MAX - 1;
	s->bytes_in = s->bytes_out = s->delivered = s->dropped = UINT64_MAX;
	s->state = SS_CONNECTING;
	memset(&from, 0xff, sizeof(from));
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(sock_hold(s, "x", 1, &from, sizeof(from), false), 0);
	o = fdstore_entry_json(s);
	ck_assert_ptr_nonnull(o);
	json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	ck_assert_uint_le(len + 1, fdstore_entry_size(s));	/* with its comma */
	json_object_put(o);
	s->handle = handle;
	*s->file = saved;	/* what closing it removes, as whom */
}
END_TEST

/* A good entry's JSON to spoil (a copy of one made once per test). */
static json_object *
good_entry(void)
{
	json_object *copy = NULL;
	struct sock *s;

	if (good == NULL) {
		s = mk(AF_UNIX, SOCK_DGRAM);
		bind_unix(s);
		ck_assert_int_eq(sock_hold(s, "x", 1, NULL, 0, false), 0);
		ck_assert_ptr_nonnull(good = fdstore_entry_json(s));
	}
	ck_assert_int_eq(json_object_deep_copy(good, &copy, NULL), 0);
	return copy;
}

static void
assert_refused(json_object *o, const char *want)
{
	struct fdstore_entry en;
	const char *why = NULL;

	ck_assert_int_eq(fdstore_entry_parse(o, &en, &why), -1);
	ck_assert_str_eq(why, want);
	fdstore_entry_free(&en);
	json_object_put(o);
}

/* A good entry with key (in "file" when in_file) set to the JSON text
 * value, or removed when value is NULL. */
static json_object *
spoiled(const char *key, const char *value, bool in_file)
{
	json_object *o = good_entry(), *where = o;

	if (in_file)
		ck_assert(json_object_object_get_ex(o, "file", &where));
	if (value == NULL)
		json_object_object_del(where, key);
	else
		json_object_object_add(where, key, json_tokener_parse(value));
	return o;
}

START_TEST(test_entry_refused)
{
	static const struct {
		const char	*key, *value;
		bool		 in_file;
		const char	*why;
	} cases[] = {
		{ "handle", NULL, false, "no valid handle" },
		{ "handle", "0", false, "no valid handle" },
		{ "handle", "-1", false, "no valid handle" },
		{ "handle", "\"1\"", false, "no valid handle" },
		{ "handle", "1.5", false, "no valid handle" },
		{ "owner", "4294967295", false, "no valid owner" },
		{ "owner", "true", false, "no valid owner" },
		{ "family", "2147483648", false, "no valid family, type or protocol" },
		{ "type", NULL, false, "no valid family, type or protocol" },
		{ "protocol", "6", false, "no valid family, type or protocol" },
		{ "kernel_protocol", "null", false, "no valid family, type or protocol" },
		{ "state", "\"closed\"", false, "no valid state" },
		{ "state", "0", false, "no valid state" },
		{ "shut_rd", "1", false, "no valid counters" },
		{ "bytes_in", "-5", false, "no valid counters" },
		{ "dropped", NULL, false, "no valid counters" },
		{ "held", NULL, false, "no valid held bytes" },
		{ "held", "{}", false, "no valid held bytes" },
		{ "held", "[\"eA==\"]", false, "no valid held bytes" },
		{ "held", "[{\"data\":\"eA=\"}]", false, "no valid held bytes" },
		{ "held", "[{\"data\":\"eA==\",\"from\":7}]", false, "no valid held bytes" },
		{ "file", "[]", false, "no valid file" },
		{ "name", "\"a/b\"", true, "no valid file" },
		{ "name", "\"..\"", true, "no valid file" },
		{ "name", "\"\"", true, "no valid file" },
		{ "name", "\"a\\u0000b\"", true, "no valid file" },
		{ "ino", "-1", true, "no valid file" },
		{ "uid", "4294967295", true, "no valid file" },
		{ "groups", NULL, true, "no valid file" },
		{ "groups", "[-1]", true, "no valid file" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_refused(spoiled(cases[i].key, cases[i].value, cases[i].in_file), cases[i].why);
	assert_refused(json_object_new_array(), "not an object");
}
END_TEST

START_TEST(test_entry_refused_long)
{
	char from[600], name[160];
	json_object *o, *held, *f, *groups;
	int i;

	/* A sender longer than any address. */
	memset(from, 'A', 344);		/* 258 bytes in base64 */
	from[344] = '\0';
	o = good_entry();
	held = json_object_new_array();
	f = json_object_new_object();
	json_object_object_add(f, "data", json_object_new_string("eA=="));
	json_object_object_add(f, "from", json_object_new_string(from));
	json_object_array_add(held, f);
	json_object_object_add(o, "held", held);
	assert_refused(o, "no valid held bytes");
	/* A name longer than a UNIX path's room. */
	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	o = good_entry();
	ck_assert(json_object_object_get_ex(o, "file", &f));
	json_object_object_add(f, "name", json_object_new_string(name));
	assert_refused(o, "no valid file");
	/* 65 groups. */
	o = good_entry();
	ck_assert(json_object_object_get_ex(o, "file", &f));
	groups = json_object_new_array();
	for (i = 0; i < 65; i++)
		json_object_array_add(groups, json_object_new_int(i));
	json_object_object_add(f, "groups", groups);
	assert_refused(o, "no valid file");
}
END_TEST

/* Write text as the state file, mode 0600. */
static void
write_state(const char *text)
{
	FILE *fp = fopen(file, "w");

	ck_assert_ptr_nonnull(fp);
	fputs(text, fp);
	ck_assert_int_eq(fclose(fp), 0);
	ck_assert_int_eq(chmod(file, 0600), 0);
}

static bool
state_readable(void)
{
	json_object *root, *list;
	uint64_t next;

	root = fdstore_state_read(dirfd_, dir, &next, &list);
	json_object_put(root);
	return root != NULL;
}

/* The names in the state directory, its UNIX socket's aside. */
static int
entries(void)
{
	struct dirent *de;
	DIR *dp = opendir(dir);
	int n = 0;

	ck_assert_ptr_nonnull(dp);
	while ((de = readdir(dp)) != NULL)
		n += strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0 &&
		    strcmp(de->d_name, "s") != 0;
	closedir(dp);
	return n;
}

START_TEST(test_state_write_read)
{
	json_object *handles = json_object_new_array(), *root, *list;
	uint64_t next = 0, id;
	struct stat st;

	json_object_array_add(handles, good_entry());
	ck_assert_int_eq(fdstore_state_write(dirfd_, 77, handles), 0);
	ck_assert_int_eq(stat(file, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0600);
	root = fdstore_state_read(dirfd_, dir, &next, &list);
	ck_assert_ptr_nonnull(root);
	ck_assert_uint_eq(next, 77);
	ck_assert_uint_eq(json_object_array_length(list), 1);
	ck_assert_int_eq(fdstore_entry_id(json_object_array_get_idx(list, 0), &id), 0);
	ck_assert_uint_eq(id, 1);
	json_object_put(root);
	/* Written again: replaced, nothing left beside it. */
	ck_assert_int_eq(fdstore_state_write(dirfd_, 78, json_object_new_array()), 0);
	root = fdstore_state_read(dirfd_, dir, &next, &list);
	ck_assert_uint_eq(next, 78);
	ck_assert_uint_eq(json_object_array_length(list), 0);
	json_object_put(root);
	ck_assert_int_eq(entries(), 1);		/* the state file, nothing beside it */
}
END_TEST

START_TEST(test_state_refused)
{
	static const char *const bad[] = {
		"", "{", "[]", "{\"version\":1,\"next_handle\":1}",
		"{\"version\":2,\"next_handle\":1,\"handles\":[]}",
		"{\"version\":1,\"next_handle\":-1,\"handles\":[]}",
		"{\"version\":1,\"next_handle\":1,\"handles\":{}}",
		"{\"version\":1,\"next_handle\":1,\"handles\":[]} x",
		"{\"version\":1,\"next_handle\":1,\"handles\":[[[[[[[[[[1]]]]]]]]]]}",
	};
	size_t i;

	write_state("{\"version\":1,\"next_handle\":1,\"handles\":[]}");
	ck_assert(state_readable());
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		write_state(bad[i]);
		ck_assert_msg(!state_readable(), "read: %s", bad[i]);
	}
}
END_TEST

START_TEST(test_state_untrusted)
{
	write_state("{\"version\":1,\"next_handle\":1,\"handles\":[]}");
	ck_assert_int_eq(chmod(file, 0620), 0);
	ck_assert(!state_readable());
	ck_assert_int_eq(chmod(file, 0602), 0);
	ck_assert(!state_readable());
	ck_assert_int_eq(chmod(file, 0644), 0);	/* others may read it, not write */
	ck_assert(state_readable());
	/* Not a regular file: a symbolic link to one, a directory. */
	ck_assert_int_eq(rename(file, sockpath), 0);
	ck_assert_int_eq(symlink(sockpath, file), 0);
	ck_assert(!state_readable());
	ck_assert_int_eq(unlink(file), 0);
	ck_assert_int_eq(unlink(sockpath), 0);
	ck_assert_int_eq(mkdir(file, 0700), 0);
	ck_assert(!state_readable());
	ck_assert_int_eq(rmdir(file), 0);
	ck_assert(!state_readable());		/* none at all */
}
END_TEST

START_TEST(test_state_size_bound)
{
	write_state("");
	ck_assert_int_eq(truncate(file, (off_t)FDSTORE_STATE_MAX + 1), 0);
	ck_assert(!state_readable());
	/* At the bound it is read (and is no JSON). */
	ck_assert_int_eq(truncate(file, (off_t)FDSTORE_STATE_MAX), 0);
	ck_assert(!state_readable());
}
END_TEST

START_TEST(test_dir_trusted)
{
	int fd;

	ck_assert_int_eq(chmod(dir, 0720), 0);
	ck_assert_int_eq(fdstore_dir_open(dir), -1);
	ck_assert_int_eq(chmod(dir, 0703), 0);
	ck_assert_int_eq(fdstore_dir_open(dir), -1);
	ck_assert_int_eq(chmod(dir, 0755), 0);
	ck_assert_int_ne(fd = fdstore_dir_open(dir), -1);
	close(fd);
	ck_assert_int_eq(fdstore_dir_open(file), -1);	/* no such directory */
	write_state("");
	ck_assert_int_eq(fdstore_dir_open(file), -1);	/* not a directory */
}
END_TEST

START_TEST(test_owns)
{
	ck_assert(fdstore_owns("handle-1"));
	ck_assert(fdstore_owns("dir-9007199254740991"));	/* 2^53 - 1 */
	ck_assert(!fdstore_owns("dir-9007199254740992"));	/* ids stay below 2^53 */
	ck_assert(!fdstore_owns("dir-18446744073709551614"));
	ck_assert(!fdstore_owns("handle-0"));
	ck_assert(!fdstore_owns("handle-01"));
	ck_assert(!fdstore_owns("handle-"));
	ck_assert(!fdstore_owns("handle-1x"));
	ck_assert(!fdstore_owns("handle--1"));
	ck_assert(!fdstore_owns("handle-+1"));
	ck_assert(!fdstore_owns("dir-18446744073709551615"));
	ck_assert(!fdstore_owns("dir-99999999999999999999"));
	ck_assert(!fdstore_owns("control"));
	ck_assert(!fdstore_owns("handles-1"));
}
END_TEST

static Suite *
fdstore_suite(void)
{
	Suite	*s = suite_create("fdstore");
	TCase	*entry = tcase_create("entry");
	TCase	*state = tcase_create("state");

	tcase_add_checked_fixture(entry, setup, teardown);
	tcase_add_test(entry, test_entry_round_trip);
	tcase_add_test(entry, test_entry_partly_taken);
	tcase_add_test(entry, test_entry_datagram_senders);
	tcase_add_test(entry, test_entry_file);
	tcase_add_test(entry, test_entry_size_bounds_it);
	tcase_add_test(entry, test_entry_refused);
	tcase_add_test(entry, test_entry_refused_long);
	suite_add_tcase(s, entry);

	tcase_add_checked_fixture(state, setup, teardown);
	tcase_add_test(state, test_state_write_read);
	tcase_add_test(state, test_state_refused);
	tcase_add_test(state, test_state_untrusted);
	tcase_add_test(state, test_state_size_bound);
	tcase_add_test(state, test_dir_trusted);
	tcase_add_test(state, test_owns);
	suite_add_tcase(s, state);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(fdstore_suite());
	int	 failures;

	srunner_run_all(sr, CK_NORMAL);
	failures = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failures != 0;
}
