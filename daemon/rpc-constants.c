/* rpc-constants.c: net.constants, the egg's integer constants by group. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "constants.h"
#include "rpc-common.h"

struct constants_args {
	const char	*group;
};

static const struct param constants_params[] = {
	{ "group", PT_STRING, P_NULLABLE, offsetof(struct constants_args, group), .max = 16,
	  .desc = "af, sock, ipproto, sol, so, tcp, ip, ipv6, ai, ni, shut or msg "
	  "(absent or null: every group)" },
	END_PARAMS
};

static const struct result_field constants_result[] = {
	{ "constants", RT_OBJECT,
	  "{\"af/inet\": 2, ...}: each constant's value here, null when undefined" },
	END_RESULT
};

static const struct answer *
net_constants(struct call *c, void *argp)
{
	struct constants_args *a = argp;
	const struct constant *k = NULL;
	json_object *o;
	struct s6err e;

	if (a->group != NULL && !constant_group_known(a->group)) {
		err_param(&e, "group", "unknown constant group '%s'", a->group);
		return call_fail(c, &e);
	}
	o = json_object_new_object();
	while ((k = constant_next(a->group, k)) != NULL)
		json_object_object_add(o, k->name,
		    k->defined ? json_object_new_int(k->value) : NULL);
	return call_ok(c, result_one("constants", o));
}

const struct method m_net_constants = {
	"net.constants", net_constants, constants_params, sizeof(struct constants_args),
	"The socket egg's constants",
	"The integer constants of the socket egg (af/*, sock/*, ipproto/*, sol/*, so/*, "
	"tcp/*, ip/*, ipv6/*, ai/*, ni/*, shut/*) and sock6d's msg/* flags, with this "
	"platform's values; a constant the platform does not define is null (the egg's #f).",
	constants_result, (const int[]){ 0 },
};
