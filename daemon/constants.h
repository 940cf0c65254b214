/* constants.h: the socket egg's integer constants (af/inet, so/reuseaddr,
 * ...) with this platform's values, as one table; a constant the platform
 * lacks is recorded as undefined (the egg's #f, null in JSON). */
#ifndef SOCK6D_CONSTANTS_H
#define SOCK6D_CONSTANTS_H

#include <stdbool.h>
#include <stddef.h>

struct constant {
	const char	*group;		/* "so": the name's prefix */
	const char	*name;		/* "so/reuseaddr" */
	int		 value;		/* meaningless when !defined */
	bool		 defined;
};

/* Every constant, grouped, in the groups' order; ends with name NULL. */
extern const struct constant constants[];
extern const size_t constants_count;
/* The group names, in table order; ends with NULL. */
extern const char *const constant_groups[];

/* The row named `name` ("so/reuseaddr"), or NULL when there is none. */
const struct constant	*constant_lookup(const char *name);
/* Whether `group` ("so") is one of constant_groups. */
bool			 constant_group_known(const char *group);
/* The row after `prev` (NULL: the first) in `group` (NULL: any group),
 * or NULL at the end. */
const struct constant	*constant_next(const char *group, const struct constant *prev);

#endif
