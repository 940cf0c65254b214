/* privs.c: dropping every capability but the daemon's five at start, and
 * raising one of them around one granted call (see privs.h). */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "log.h"
#include "privs.h"

/* The capabilities kept, and which of them each privs_cap is. */
static const cap_value_t kept[] = {
	CAP_SETUID, CAP_SETGID, CAP_NET_BIND_SERVICE, CAP_NET_RAW, CAP_NET_ADMIN,
};
static const cap_value_t lent[] = {
	[PRIVS_NET_BIND_SERVICE] = CAP_NET_BIND_SERVICE,
	[PRIVS_NET_RAW] = CAP_NET_RAW,
	[PRIVS_NET_ADMIN] = CAP_NET_ADMIN,
};
static const char *const lent_names[] = {
	[PRIVS_NET_BIND_SERVICE] = "CAP_NET_BIND_SERVICE",
	[PRIVS_NET_RAW] = "CAP_NET_RAW",
	[PRIVS_NET_ADMIN] = "CAP_NET_ADMIN",
};

#define NKEPT	(sizeof(kept) / sizeof(kept[0]))

static bool
is_kept(cap_value_t c)
{
	size_t i;

	for (i = 0; i < NKEPT; i++)
		if (kept[i] == c)
			return true;
	return false;
}

/* Whether the process holds c in its effective set. */
static bool
holds(cap_value_t c)
{
	cap_flag_value_t have = CAP_CLEAR;
	cap_t caps;

	if ((caps = cap_get_proc()) == NULL)
		return false;
	cap_get_flag(caps, c, CAP_EFFECTIVE, &have);
	cap_free(caps);
	return have == CAP_SET;
}

int
privs_drop(char *err, size_t errlen)
{
	cap_t caps;
	cap_value_t c;
	cap_flag_value_t have;
	cap_value_t keep[NKEPT];
	int nkeep = 0, rc = -1;
	size_t i;

	if (geteuid() != 0)
		return 0;
	/* The bounding set first, while CAP_SETPCAP is still held: nothing
	 * dropped can come back by exec.  Without CAP_SETPCAP (a container
	 * may withhold it) the bounding set stays as it is: the sets below,
	 * and no-new-privileges, still hold. */
	for (c = 0; c <= CAP_LAST_CAP && CAP_IS_SUPPORTED(CAP_SETPCAP) &&
	    holds(CAP_SETPCAP); c++) {
		if (!is_kept(c) && CAP_IS_SUPPORTED(c) && cap_drop_bound(c) == -1 &&
		    errno != EINVAL) {
			log_warn("cannot drop capability %d from the bounding set", (int)c);
			break;
		}
	}
	if ((caps = cap_get_proc()) == NULL) {
		snprintf(err, errlen, "cannot read the capabilities: %s", strerror(errno));
		return -1;
	}
	/* Keep those of the five the process has (systemd may have bounded
	 * it to fewer). */
	for (i = 0; i < NKEPT; i++)
		if (cap_get_flag(caps, kept[i], CAP_PERMITTED, &have) == 0 && have == CAP_SET)
			keep[nkeep++] = kept[i];
	if (cap_clear(caps) == 0 &&
	    cap_set_flag(caps, CAP_PERMITTED, nkeep, keep, CAP_SET) == 0 &&
	    cap_set_flag(caps, CAP_EFFECTIVE, nkeep, keep, CAP_SET) == 0 &&
	    cap_set_proc(caps) == 0)
		rc = 0;
	else
		snprintf(err, errlen, "cannot drop capabilities: %s", strerror(errno));
	cap_free(caps);
	if (rc == 0) {
		/* Nothing this process runs may gain privilege it did not hold. */
		prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
		prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
		log_debug("kept %d capabilities", nkeep);
	}
	return rc;
}

enum privs_raised
privs_raise(enum privs_cap cap)
{
	cap_value_t c = lent[cap];
	cap_flag_value_t permitted, effective;
	enum privs_raised r = PRIVS_LACKING;
	cap_t caps;

	/* capset(2) through libcap acts on the calling thread only. */
	if ((caps = cap_get_proc()) == NULL)
		return PRIVS_LACKING;
	if (cap_get_flag(caps, c, CAP_PERMITTED, &permitted) == 0 && permitted == CAP_SET &&
	    cap_get_flag(caps, c, CAP_EFFECTIVE, &effective) == 0) {
		if (effective == CAP_SET)
			r = PRIVS_HAD;	/* the thread is root: nothing to lend */
		else if (cap_set_flag(caps, CAP_EFFECTIVE, 1, &c, CAP_SET) == 0 &&
		    cap_set_proc(caps) == 0)
			r = PRIVS_RAISED;
	}
	cap_free(caps);
	return r;
}

void
privs_lower(enum privs_cap cap, enum privs_raised raised)
{
	int err = errno;	/* the caller reads the granted call's errno */
	cap_value_t c = lent[cap];
	cap_t caps;

	if (raised != PRIVS_RAISED)
		return;
	if ((caps = cap_get_proc()) == NULL ||
	    cap_set_flag(caps, CAP_EFFECTIVE, 1, &c, CAP_CLEAR) == -1 ||
	    cap_set_proc(caps) == -1) {
		/* Never go on with a capability lent past its one call. */
		log_error("cannot lower %s: stopping", lent_names[cap]);
		abort();
	}
	cap_free(caps);
	errno = err;
}

const char *
privs_name(enum privs_cap cap)
{
	return lent_names[cap];
}
