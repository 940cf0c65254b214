/* policy-option.c: the names of the socket options a policy grant can
 * name (see policy-option.h). */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>

#include "policy-option.h"

static const char *const policy_option_names[POLICY_OPT_COUNT] = {
	[POLICY_OPT_SO_MARK] = "so-mark",
	[POLICY_OPT_SO_BINDTODEVICE] = "so-bindtodevice",
	[POLICY_OPT_IP_TRANSPARENT] = "ip-transparent",
	[POLICY_OPT_IPV6_TRANSPARENT] = "ipv6-transparent",
	[POLICY_OPT_SO_PRIORITY] = "so-priority",
};

const char *
policy_option_name(enum policy_option opt)
{
	return (unsigned)opt < POLICY_OPT_COUNT ? policy_option_names[opt] : NULL;
}

int
policy_option_from_name(const char *name)
{
	int opt;

	for (opt = 0; opt < POLICY_OPT_COUNT; opt++)
		if (strcmp(policy_option_names[opt], name) == 0)
			return opt;
	return -1;
}
