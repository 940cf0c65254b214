/* limit.h: every bound the daemon enforces, as one table of named limits
 * with defaults, ranges and the --limit NAME=VALUE knob. */
#ifndef SOCK6D_LIMIT_H
#define SOCK6D_LIMIT_H

#include <stddef.h>
#include <stdio.h>

struct limits {
	long	max_message;		/* bytes in one request line */
	long	max_depth;		/* JSON nesting */
	long	max_batch;		/* entries in one batch */
	long	output_high;		/* stop reading requests above this output backlog */
	long	output_low;		/* resume below this */
	long	output_max;		/* most output one connection may hold queued */
	long	output_per_user;	/* most output all of one uid's connections may hold */
	long	input_per_user;		/* most unfinished input all of one uid's connections may hold */
	long	requests_per_read;	/* requests handled per turn for one connection */
	long	output_per_turn;	/* reply bytes made per turn for one connection */
	long	max_connections;	/* control connections at once */
	long	connections_per_user;	/* control connections of one uid (not root) */
	long	root_connections;	/* of max_connections, kept for root */
	long	handles_per_user;	/* open handles one uid may hold */
	long	max_handles;		/* open handles at once, every uid's */
	long	root_handles;		/* of max_handles, kept for root */
	long	pending_per_connection;	/* parked operations per connection */
	long	pending_per_user;	/* parked operations of one uid */
	long	pending_bytes_per_user;	/* bytes held for one uid's parked operations and handles */
	long	max_receive;		/* largest receive length */
	long	resolver_threads;	/* name lookup workers */
	long	resolver_queue;		/* name lookups at once */
	long	resolver_queue_per_user;	/* name lookups of one uid at once */
	long	resolver_threads_per_user;	/* workers one uid's lookups may occupy */
};

struct limit_def {
	const char	*name;
	size_t		 offset;
	long		 def, min, max;
	const char	*desc;
};

extern const struct limit_def limit_defs[];

void	 limits_default(struct limits *l);
/* Apply "name=value"; returns 0, or -1 with a sentence in err. */
int	 limits_set(struct limits *l, const char *assignment, char *err, size_t errlen);
/* Cross-field checks (output_low <= output_high <= output_max,
 * root_connections < max_connections); 0 or -1 with err. */
int	 limits_check(const struct limits *l, char *err, size_t errlen);
void	 limits_usage(FILE *f);
/* The value of the limit called name in l, or -1 when there is none. */
long	 limits_get(const struct limits *l, const char *name);

#endif
