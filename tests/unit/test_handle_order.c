/* test_handle_order.c: unit tests for the lists of handles in id order
 * (daemon/handle.c) and what socket.list walks with them (daemon/sock.c):
 * each user's own handles and the daemon's in id order through creation,
 * closes from the middle and old ids taken back from the fd store; a page
 * found from `after` (open, closed, or another user's) and cut at a limit,
 * following pages across closes. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <ev.h>

#include "handle.h"
#include "limit.h"
#include "sock.h"
#include "sock6d.h"
#include "user.h"

/* The generic lists, without sockets. */

static struct handle_list	l;
static struct handle_link	links[1000];

static void
list_setup(void)
{
	handle_list_init(&l);
	memset(links, 0, sizeof(links));
}

static void
list_teardown(void)
{
	handle_list_free(&l);
}

/* l holds exactly the ids want[0..n), in that order. */
static void
assert_ids(const struct handle_list *list, const uint64_t *want, size_t n)
{
	const struct handle_link *k;
	size_t i = 0;

	TAILQ_FOREACH(k, &list->links, entry) {
		ck_assert_uint_lt(i, n);
		ck_assert_uint_eq(k->id, want[i]);
		i++;
	}
	ck_assert_uint_eq(i, n);
}

START_TEST(test_list_empty)
{
	ck_assert_ptr_null(handle_list_seek(&l, 0));
	ck_assert_ptr_null(handle_list_seek(&l, UINT64_MAX));
	assert_ids(&l, NULL, 0);
}
END_TEST

START_TEST(test_list_append)
{
	static const uint64_t want[] = { 1, 2, 3, 9 };
	size_t i;

	for (i = 0; i < 4; i++)
		handle_list_add(&l, &links[i], want[i]);
	assert_ids(&l, want, 4);
}
END_TEST

/* Old ids (taken back after a restart) go where they belong, whatever
 * order they come in. */
START_TEST(test_list_old_ids)
{
	static const uint64_t in[] = { 20, 10, 30, 15, 5, 25, 35, 1 };
	static const uint64_t want[] = { 1, 5, 10, 15, 20, 25, 30, 35 };
	size_t i;

	for (i = 0; i < 8; i++)
		handle_list_add(&l, &links[i], in[i]);
	assert_ids(&l, want, 8);
}
END_TEST

START_TEST(test_list_del)
{
	static const uint64_t after_mid[] = { 1, 2, 4, 5 };
	static const uint64_t after_ends[] = { 2, 4 };
	static const uint64_t again[] = { 2, 4, 6 };
	size_t i;

	for (i = 0; i < 5; i++)
		handle_list_add(&l, &links[i], i + 1);
	handle_list_del(&l, &links[2]);		/* the middle */
	assert_ids(&l, after_mid, 4);
	handle_list_del(&l, &links[0]);		/* the head */
	handle_list_del(&l, &links[4]);		/* the tail */
	assert_ids(&l, after_ends, 2);
	handle_list_add(&l, &links[5], 6);
	assert_ids(&l, again, 3);
}
END_TEST

START_TEST(test_list_seek)
{
	static const uint64_t ids[] = { 3, 7, 8, 20 };
	size_t i;

	for (i = 0; i < 4; i++)
		handle_list_add(&l, &links[i], ids[i]);
	ck_assert_ptr_eq(handle_list_seek(&l, 0), &links[0]);
	ck_assert_ptr_eq(handle_list_seek(&l, 2), &links[0]);
	ck_assert_ptr_eq(handle_list_seek(&l, 3), &links[1]);	/* strictly above */
	ck_assert_ptr_eq(handle_list_seek(&l, 5), &links[1]);	/* an id not there */
	ck_assert_ptr_eq(handle_list_seek(&l, 8), &links[3]);
	ck_assert_ptr_null(handle_list_seek(&l, 20));
	ck_assert_ptr_null(handle_list_seek(&l, UINT64_MAX));
	handle_list_del(&l, &links[1]);
	ck_assert_ptr_eq(handle_list_seek(&l, 3), &links[2]);	/* past one removed */
}
END_TEST

/* The seek is a search, not a walk: against the links themselves, from
 * every `after`, with runs of removed ids (more than the holes an index
 * keeps, so that it is cleared meanwhile) and an old id put back. */
START_TEST(test_list_seek_index)
{
	struct handle_link *want, *k;
	uint64_t after;
	size_t i;

	for (i = 0; i < 1000; i++)
		handle_list_add(&l, &links[i], 3 * i + 10);
	for (i = 100; i < 400; i++)		/* 300 in a row */
		handle_list_del(&l, &links[i]);
	for (i = 500; i < 1000; i += 7)		/* and some scattered */
		handle_list_del(&l, &links[i]);
	handle_list_add(&l, &links[200], 3 * 200 + 10);	/* back, by its old id */
	handle_list_add(&l, &links[300], 311);		/* an id of its own, between */
	for (after = 0; after < 3 * 1000 + 20; after++) {
		want = NULL;
		TAILQ_FOREACH(k, &l.links, entry)
			if (k->id > after) {
				want = k;
				break;
			}
		ck_assert_ptr_eq(handle_list_seek(&l, after), want);
	}
	ck_assert_uint_le(l.holes, 64);
	ck_assert(!l.unindexed);
}
END_TEST

/* The table starts with an empty list of its handles, and a reset
 * empties it. */
START_TEST(test_table_order)
{
	struct handle_table t;

	handle_table_init(&t);
	ck_assert(TAILQ_EMPTY(&t.order.links));
	handle_list_add(&t.order, &links[0], 1);
	ck_assert(!TAILQ_EMPTY(&t.order.links));
	handle_table_free(&t);
	ck_assert(TAILQ_EMPTY(&t.order.links));
}
END_TEST

/* The listing of real sockets. */

#define U1	1000
#define U2	1001
#define U3	1002	/* never owns anything */

static struct ev_loop	*loop;
static struct sock6d	 d;
static struct limits	 lim;
static struct s6err	 e;

static void
sock_setup(void)
{
	limits_default(&lim);
	ck_assert_ptr_nonnull(loop = ev_loop_new(EVFLAG_AUTO));
	ck_assert_int_eq(sock6d_init(&d, loop, &lim), 0);
	memset(&e, 0, sizeof(e));
}

static void
sock_teardown(void)
{
	sock6d_shutdown(&d);
	ev_loop_destroy(loop);
}

static struct sock *
mk(uid_t owner)
{
	struct sock *s = sock_create(&d, AF_INET, SOCK_DGRAM, 0, owner, &e);

	ck_assert_msg(s != NULL, "sock_create: %s", e.message);
	return s;
}

/* A page as socket.list makes it: at most limit handles above after, in
 * want[0..n), and *next the last of them when more follow (else 0). */
static void
assert_page(uid_t uid, uint64_t after, size_t limit, const uint64_t *want, size_t n,
    uint64_t next)
{
	struct sock *s;
	uint64_t last = 0, got_next = 0;
	size_t listed = 0;

	for (s = sock_first_listed(&d, uid, after); s != NULL; s = sock_next_listed(s, uid)) {
		if (listed == limit) {
			got_next = last;
			break;
		}
		ck_assert_msg(listed < n, "uid %u after %llu: handle %llu past the %zu expected",
		    (unsigned)uid, (unsigned long long)after, (unsigned long long)s->handle, n);
		ck_assert_uint_eq(s->handle, want[listed]);
		ck_assert(sock_usable_by(s, uid));
		last = s->handle;
		listed++;
	}
	ck_assert_uint_eq(listed, n);
	ck_assert_uint_eq(got_next, next);
}

/* Each user's list holds its own handles in id order; root's, all. */
START_TEST(test_listing_per_user)
{
	static const uint64_t u1[] = { 1, 3, 5, 6 }, u2[] = { 2, 4 };
	static const uint64_t all[] = { 1, 2, 3, 4, 5, 6, 7 };

	mk(U1), mk(U2), mk(U1), mk(U2), mk(U1), mk(U1), mk(0);
	assert_page(U1, 0, 100, u1, 4, 0);
	assert_page(U2, 0, 100, u2, 2, 0);
	assert_page(0, 0, 100, all, 7, 0);
	assert_page(U3, 0, 100, NULL, 0, 0);	/* no entry at all */
	ck_assert_uint_eq(user_find(&d.users, U1)->handles, 4);
}
END_TEST

START_TEST(test_listing_close_middle)
{
	struct sock *s[6];
	static const uint64_t u1[] = { 1, 4, 5 }, all[] = { 1, 2, 4, 5 };
	static const uint64_t u1_more[] = { 4, 5, 7 };
	size_t i;

	for (i = 0; i < 6; i++)
		s[i] = mk(i == 1 ? U2 : U1);	/* 1 U1, 2 U2, 3..6 U1 */
	sock_close(s[2]);			/* 3: U1's middle */
	sock_close(s[5]);			/* 6: U1's tail and the daemon's */
	assert_page(U1, 0, 100, u1, 3, 0);
	assert_page(0, 0, 100, all, 4, 0);
	sock_close(s[0]);			/* 1: the head of both lists */
	assert_page(U1, 0, 100, u1 + 1, 2, 0);
	assert_page(0, 0, 100, all + 1, 3, 0);
	ck_assert_uint_eq(mk(U1)->handle, 7);	/* at the tail */
	assert_page(U1, 0, 100, u1_more, 3, 0);
	ck_assert_uint_eq(user_find(&d.users, U1)->handles, 3);
	ck_assert_uint_eq(handle_count(&d.handles), 4);
}
END_TEST

/* After, limit and next: seeking from an open handle, a closed one, one
 * of another user's and one past the end. */
START_TEST(test_listing_paging)
{
	static const uint64_t u1[] = { 1, 3, 5, 7, 9, 11 };
	size_t i;

	for (i = 0; i < 12; i++)
		mk(i % 2 == 0 ? U1 : U2);
	assert_page(U1, 0, 2, u1, 2, 3);
	assert_page(U1, 3, 2, u1 + 2, 2, 7);
	assert_page(U1, 7, 2, u1 + 4, 2, 0);	/* exactly the rest: no next */
	assert_page(U1, 7, 3, u1 + 4, 2, 0);
	assert_page(U1, 2, 2, u1 + 1, 2, 5);	/* after = U2's handle 2 */
	assert_page(U1, 4, 1, u1 + 2, 1, 5);
	assert_page(U1, 11, 5, NULL, 0, 0);
	assert_page(U1, UINT64_MAX >> 1, 1, NULL, 0, 0);
	assert_page(U1, 10, 5, u1 + 5, 1, 0);
}
END_TEST

/* Following pages while handles close: the one a page ended on, and
 * ones on the next page. */
START_TEST(test_listing_paging_across_closes)
{
	static const uint64_t p1[] = { 1, 2, 3 }, p2[] = { 5, 9 }, p3[] = { 10 };
	static const uint64_t r[] = { 2, 5, 10 };
	struct sock *s[10];
	size_t i;

	for (i = 0; i < 10; i++)
		s[i] = mk(U1);
	assert_page(U1, 0, 3, p1, 3, 3);
	sock_close(s[2]);		/* 3: the page's last, its next */
	sock_close(s[3]);		/* 4: the first of the next page */
	sock_close(s[5]);		/* 6, 7, 8: inside it */
	sock_close(s[6]);
	sock_close(s[7]);
	assert_page(U1, 3, 2, p2, 2, 9);
	sock_close(s[8]);		/* 9, the next page's after */
	assert_page(U1, 9, 2, p3, 1, 0);
	/* Root pages the same way through the daemon's list, which has
	 * another user's handle at the end. */
	ck_assert_uint_eq(mk(U2)->handle, 11);
	assert_page(0, 1, 3, r, 3, 10);
	assert_page(U1, 10, 5, NULL, 0, 0);
}
END_TEST

/* Handles taken back from the fd store: wrapped under a fresh id, then
 * given their old one, in any order; new ones still go after them. */
START_TEST(test_listing_restore_order)
{
	static const uint64_t old[] = { 7, 3, 9, 5 };
	static const uint64_t u1[] = { 3, 5, 7, 104 }, u2[] = { 9 };
	static const uint64_t all[] = { 3, 5, 7, 9, 104 };
	struct sock *s;
	size_t i;
	int fd;

	handle_skip_to(&d.handles, 100);
	for (i = 0; i < 4; i++) {
		ck_assert_int_ge(fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), 0);
		ck_assert_ptr_nonnull(s = sock_wrap_fd(&d, fd, AF_INET, SOCK_DGRAM, 0,
		    old[i] == 9 ? U2 : U1, &e));
		ck_assert_uint_eq(s->handle, 100 + i);
		ck_assert_int_eq(sock_set_handle(s, old[i]), 0);
		ck_assert_uint_eq(s->handle, old[i]);
		ck_assert_ptr_eq(handle_lookup(&d.handles, old[i]), s);
		ck_assert_ptr_null(handle_lookup(&d.handles, 100 + i));
	}
	ck_assert_uint_eq(handle_count(&d.handles), 4);
	ck_assert_uint_eq(mk(U1)->handle, 104);
	assert_page(U1, 0, 10, u1, 4, 0);
	assert_page(U2, 0, 10, u2, 1, 0);
	assert_page(0, 0, 10, all, 5, 0);
	assert_page(0, 5, 2, all + 2, 2, 9);
	assert_page(U1, 100, 2, u1 + 3, 1, 0);	/* an id it was wrapped under */
}
END_TEST

static Suite *
order_suite(void)
{
	Suite	*s = suite_create("handle_order");
	TCase	*list = tcase_create("list");
	TCase	*listing = tcase_create("listing");

	tcase_add_checked_fixture(list, list_setup, list_teardown);
	tcase_add_test(list, test_list_empty);
	tcase_add_test(list, test_list_append);
	tcase_add_test(list, test_list_old_ids);
	tcase_add_test(list, test_list_del);
	tcase_add_test(list, test_list_seek);
	tcase_add_test(list, test_list_seek_index);
	tcase_add_test(list, test_table_order);
	suite_add_tcase(s, list);

	tcase_add_checked_fixture(listing, sock_setup, sock_teardown);
	tcase_add_test(listing, test_listing_per_user);
	tcase_add_test(listing, test_listing_close_middle);
	tcase_add_test(listing, test_listing_paging);
	tcase_add_test(listing, test_listing_paging_across_closes);
	tcase_add_test(listing, test_listing_restore_order);
	suite_add_tcase(s, listing);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(order_suite());
	int	 failures;

	srunner_run_all(sr, CK_NORMAL);
	failures = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failures != 0;
}
