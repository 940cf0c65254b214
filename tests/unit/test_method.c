/* test_method.c: unit tests for the method table: its order and lookup, and
 * that every method is fully described (summary, params, result, errors) by
 * rows the param engine can use (daemon/method.c and the rpc-*.c tables). */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <check.h>
#include <stdint.h>
#include <string.h>

#include "errors.h"
#include "method.h"
#include "param.h"
#include "sockaddr.h"

/* method-list.h again, this time keeping the wire names it declares. */
static const struct {
	const struct method	*m;
	const char		*wire;
} listed[] = {
#define METHOD(sym, wire) { &sym, wire },
#include "method-list.h"
#undef METHOD
};

#define NLISTED	(sizeof(listed) / sizeof(listed[0]))

static void
setup(void)
{
}

static void
teardown(void)
{
}

/* Bytes param_fill writes at a row's offset. */
static size_t
slot_size(enum param_type type)
{
	switch (type) {
	case PT_BOOL:
	case PT_ENUM:
	case PT_FLAGS:
	case PT_FAMILY:
	case PT_SOCKTYPE:
	case PT_PROTOCOL:
	case PT_PORT:
		return sizeof(int);
	case PT_INT:
	case PT_TIMEOUT:
		return sizeof(int64_t);
	case PT_STRING:
	case PT_SERVICE:
		return sizeof(const char *);
	case PT_ANY:
	case PT_ARRAY:
		return sizeof(const struct jv *);
	case PT_HANDLE:
		return sizeof(struct sock *);
	case PT_SOCKADDR:
		return sizeof(struct s6_sockaddr);
	case PT_BYTES:
		return sizeof(struct bytes);
	}
	return SIZE_MAX;
}

START_TEST(test_table_matches_list)
{
	size_t i;

	ck_assert_uint_eq(method_count, NLISTED);
	ck_assert_uint_ge(method_count, 27);
	for (i = 0; i < NLISTED; i++) {
		ck_assert_ptr_eq(method_table[i], listed[i].m);
		ck_assert_str_eq(method_table[i]->name, listed[i].wire);
	}
}
END_TEST

START_TEST(test_sorted)
{
	size_t i;

	for (i = 1; i < method_count; i++)
		ck_assert_msg(strcmp(method_table[i - 1]->name, method_table[i]->name) < 0,
		    "%s is not before %s", method_table[i - 1]->name, method_table[i]->name);
}
END_TEST

START_TEST(test_lookup_every)
{
	size_t i;

	for (i = 0; i < method_count; i++)
		ck_assert_ptr_eq(method_lookup(method_table[i]->name), method_table[i]);
	ck_assert_ptr_eq(method_lookup("daemon.ping"), &m_daemon_ping);
	ck_assert_ptr_eq(method_lookup("socket.shutdown"), &m_socket_shutdown);
	ck_assert_ptr_eq(method_lookup("socket.create"), &m_socket_create);
}
END_TEST

START_TEST(test_lookup_unknown)
{
	static const char *const bad[] = {
		"", "socket", "socket.createx", "zzz", "aaa", "socket.", ".create",
		"Socket.create", "socket.create ", " socket.create", "daemon.pin",
		"daemon.pingg", "socket_create", "rpc.discover.x",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(method_lookup(bad[i]) == NULL, "'%s' found", bad[i]);
}
END_TEST

START_TEST(test_method_described)
{
	const struct method *m = method_table[_i];
	const struct result_field *r;
	const int *code;
	const char *dot;

	ck_assert_ptr_nonnull(m->name);
	dot = strchr(m->name, '.');
	ck_assert_msg(dot != NULL && dot != m->name && dot[1] != '\0' &&
	    strchr(dot + 1, '.') == NULL, "%s is not area.name", m->name);
	ck_assert_msg(m->fn != NULL, "%s has no handler", m->name);
	ck_assert_msg(m->summary != NULL && m->summary[0] != '\0', "%s has no summary", m->name);
	ck_assert_msg(m->description != NULL, "%s has no description", m->name);
	ck_assert_msg(m->params != NULL, "%s has no params table", m->name);
	ck_assert_msg(m->result != NULL, "%s has no result table", m->name);
	for (r = m->result; r->name != NULL; r++) {
		ck_assert_msg(r->desc != NULL, "%s result %s undescribed", m->name, r->name);
		/* Types rpc.discover can render, and unions it can tell apart. */
		ck_assert_msg(r->type != 0 && (r->type & ~RT_ALL) == 0,
		    "%s result %s has type %#x", m->name, r->name, (unsigned)r->type);
		ck_assert_msg((r->type & (RT_STRING | RT_BYTES)) != (RT_STRING | RT_BYTES) &&
		    (r->type & (RT_OBJECT | RT_SOCKADDR)) != (RT_OBJECT | RT_SOCKADDR),
		    "%s result %s: a union whose members overlap", m->name, r->name);
	}
	ck_assert_msg(m->errors != NULL, "%s has no errors list", m->name);
	for (code = m->errors; *code != 0; code++)
		ck_assert_msg(*code >= 1000 && s6_code_lookup(*code) != NULL,
		    "%s lists error %d", m->name, *code);
}
END_TEST

START_TEST(test_params_sound)
{
	const struct method *m = method_table[_i];
	const struct param *p, *q;
	bool has_bytes = false;
	size_t n = 0;

	for (p = m->params; p->name != NULL; p++) {
		n++;
		ck_assert_msg(p->name[0] != '\0', "%s: empty param name", m->name);
		ck_assert_msg(p->desc != NULL, "%s.%s: no desc", m->name, p->name);
		for (q = m->params; q != p; q++)
			ck_assert_msg(strcmp(p->name, q->name) != 0, "%s: param %s twice",
			    m->name, p->name);
		ck_assert_msg(p->offset + slot_size(p->type) <= m->args_size,
		    "%s.%s: offset %zu past args_size %zu", m->name, p->name,
		    p->offset, m->args_size);
		switch (p->type) {
		case PT_ENUM:
		case PT_FLAGS:
		case PT_FAMILY:
		case PT_SOCKTYPE:
		case PT_PROTOCOL:
			ck_assert_msg(p->names != NULL, "%s.%s: no names", m->name, p->name);
			if (p->type == PT_ENUM && (p->flags & P_DEFAULT))
				ck_assert_msg(enum_name_of(p->names, (int)p->def) != NULL,
				    "%s.%s: default is no name", m->name, p->name);
			break;
		case PT_INT:
			ck_assert_msg(p->min <= p->max, "%s.%s: empty range", m->name, p->name);
			if (p->flags & P_DEFAULT)
				ck_assert_msg(p->def >= p->min && p->def <= p->max,
				    "%s.%s: default out of range", m->name, p->name);
			break;
		case PT_BYTES:
			has_bytes = true;
			break;
		default:
			break;
		}
		ck_assert_msg(!(p->flags & P_LENIENT) || p->type == PT_HANDLE,
		    "%s.%s: P_LENIENT on a non-handle", m->name, p->name);
		ck_assert_msg(!((p->flags & P_REQUIRED) && (p->flags & P_DEFAULT)),
		    "%s.%s: both required and defaulted", m->name, p->name);
	}
	if (has_bytes)
		for (p = m->params; p->name != NULL; p++)
			ck_assert_msg(strcmp(p->name, "text") != 0,
			    "%s: a text param clashes with the bytes alias", m->name);
	if (m->args_size == 0)
		ck_assert_msg(n == 0, "%s: %zu params but args_size 0", m->name, n);
	else
		ck_assert_msg(n > 0, "%s: args_size %zu but no params", m->name, m->args_size);
}
END_TEST

/* Unknown names and what they suggest (NULL: nothing close). */
static const struct {
	const char	*typed;
	const char	*want;
} suggestions[] = {
	{ "socket.craete", "socket.create" },
	{ "socket.crate", "socket.create" },
	{ "Socket.Create", "socket.create" },
	{ "SOCKET.CREATE", "socket.create" },
	{ "create", "socket.create" },
	{ "create.socket", "socket.create" },
	{ "daemon.pign", "daemon.ping" },
	{ "daemon.pingg", "daemon.ping" },
	{ "ping", "daemon.ping" },
	{ "tcp.lisen", "tcp.listen" },
	{ "socket.receive-from", "socket.receive_from" },
	{ "socket.connectai", "socket.connect_ai" },
	{ "net.parse_adress", "net.parse_address" },
	{ "rpc.discovery", "rpc.discover" },
	{ "udp.recieve_from", "udp.receive_from" },
	{ "zzz", NULL },
	{ "", NULL },
	{ "socket", NULL },
	{ "socket.frobnicate", NULL },
	{ "make.coffee", NULL },
};

START_TEST(test_suggest)
{
	const char *typed = suggestions[_i].typed, *got;

	got = method_suggest(typed, strlen(typed));
	if (suggestions[_i].want == NULL)
		ck_assert_msg(got == NULL, "'%s' suggests %s", typed, got);
	else
		ck_assert_msg(got != NULL && strcmp(got, suggestions[_i].want) == 0,
		    "'%s' suggests %s, not %s", typed, got ? got : "nothing",
		    suggestions[_i].want);
}
END_TEST

/* A known name suggests itself; a long one is no slower to refuse. */
START_TEST(test_suggest_bounds)
{
	static char longname[1 << 20];
	size_t i;

	for (i = 0; i < method_count; i++)
		ck_assert_str_eq(method_suggest(method_table[i]->name,
		    strlen(method_table[i]->name)), method_table[i]->name);
	memset(longname, 's', sizeof(longname));
	ck_assert_ptr_null(method_suggest(longname, sizeof(longname)));
}
END_TEST

START_TEST(test_not_found)
{
	struct s6err e;

	memset(&e, 0xA5, sizeof(e));
	method_not_found("socket.craete", 13, &e);
	ck_assert_int_eq(e.code, S6_METHOD_NOT_FOUND);
	ck_assert_str_eq(e.message, "Method not found");
	ck_assert(e.has_method);
	ck_assert_uint_eq(e.method_len, 13);
	ck_assert_int_eq(memcmp(e.method, "socket.craete", 13), 0);
	ck_assert_pstr_eq(e.did_you_mean, "socket.create");
	method_not_found("zzz", 3, &e);
	ck_assert_ptr_null(e.did_you_mean);
	ck_assert_uint_eq(e.method_len, 3);
}
END_TEST

/* Spot checks of rows the wire contract fixes. */
START_TEST(test_known_rows)
{
	const struct param *p;

	p = m_socket_create.params;
	ck_assert_str_eq(p[0].name, "family");
	ck_assert_int_eq(p[0].type, PT_FAMILY);
	ck_assert_uint_eq(p[0].flags & P_REQUIRED, P_REQUIRED);
	ck_assert_str_eq(p[1].name, "type");
	ck_assert_int_eq(p[1].type, PT_SOCKTYPE);
	ck_assert_str_eq(p[2].name, "protocol");
	ck_assert_int_eq(p[2].type, PT_PROTOCOL);
	ck_assert_uint_eq(p[2].flags & P_DEFAULT, P_DEFAULT);
	ck_assert_int_eq(p[2].def, 0);
	ck_assert_ptr_null(m_daemon_ping.params[0].name);
	ck_assert_uint_eq(m_daemon_ping.args_size, 0);
	ck_assert_str_eq(m_socket_close.params[0].name, "handle");
	ck_assert_uint_eq(m_socket_close.params[0].flags & P_LENIENT, P_LENIENT);
}
END_TEST

static Suite *
method_suite(void)
{
	Suite	*s = suite_create("method");
	TCase	*tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_table_matches_list);
	tcase_add_test(tc, test_sorted);
	tcase_add_test(tc, test_lookup_every);
	tcase_add_test(tc, test_lookup_unknown);
	tcase_add_loop_test(tc, test_method_described, 0, (int)NLISTED);
	tcase_add_loop_test(tc, test_params_sound, 0, (int)NLISTED);
	tcase_add_test(tc, test_known_rows);
	tcase_add_loop_test(tc, test_suggest, 0,
	    (int)(sizeof(suggestions) / sizeof(suggestions[0])));
	tcase_add_test(tc, test_suggest_bounds);
	tcase_add_test(tc, test_not_found);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(method_suite());
	int	 failures;

	srunner_run_all(sr, CK_NORMAL);
	failures = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failures != 0;
}
