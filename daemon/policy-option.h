/* policy-option.h: the socket options a policy grant can name, and their
 * names in the policy file (the egg's option names), shared by the file's
 * reader and the grants. */
#ifndef SOCK6D_POLICY_OPTION_H
#define SOCK6D_POLICY_OPTION_H

/* The options a grant can name, as sock6d's option names (the egg's). */
enum policy_option {
	POLICY_OPT_SO_MARK,		/* "so-mark": CAP_NET_ADMIN */
	POLICY_OPT_SO_BINDTODEVICE,	/* "so-bindtodevice": CAP_NET_RAW */
	POLICY_OPT_IP_TRANSPARENT,	/* "ip-transparent": CAP_NET_ADMIN */
	POLICY_OPT_IPV6_TRANSPARENT,	/* "ipv6-transparent": CAP_NET_ADMIN */
	POLICY_OPT_SO_PRIORITY,		/* "so-priority" above 6: CAP_NET_ADMIN */
	POLICY_OPT_COUNT
};

/* The option's name in the file ("so-mark"), and the option named so (or -1). */
const char	*policy_option_name(enum policy_option opt);
int		 policy_option_from_name(const char *name);

#endif
