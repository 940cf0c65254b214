/* suggest.h: "did you mean": the known name closest to one a client got
 * wrong, for data.did_you_mean (PROTOCOL §2).
 *
 * Closeness is the optimal string alignment distance (insertions, deletions,
 * substitutions and swaps of two adjacent bytes, each costing 1), ignoring
 * ASCII case.  A name is close when that distance is at most a third of the
 * typed name's length, and at least 1 ("famliy" -> "family", "hadle" ->
 * "handle", "Daemon.Ping" -> "daemon.ping").  For dotted names (methods)
 * the typed name is also compared with the part after the dot ("create" ->
 * "socket.create") and, with its two parts swapped, with the whole name
 * ("create.socket" -> "socket.create"). */
#ifndef SOCK6_SUGGEST_H
#define SOCK6_SUGGEST_H

#include <stdbool.h>
#include <stddef.h>

#define SUGGEST_MAX	64	/* longer known names are never suggested */

struct suggest {
	const char	*typed;
	size_t		 len;
	const char	*best;		/* the closest name offered so far, or NULL */
	size_t		 dist;
};

/* The optimal string alignment distance of a[0..alen) and b[0..blen),
 * ignoring ASCII case; SIZE_MAX when b is longer than SUGGEST_MAX, or once
 * the distance is sure to exceed `limit` (the lengths differ by more, or two
 * rows of the table are past it).  Within the limit it is exact. */
size_t		 suggest_distance(const char *a, size_t alen, const char *b, size_t blen,
		    size_t limit);
/* Start looking for the name closest to typed[0..len). */
void		 suggest_init(struct suggest *s, const char *typed, size_t len);
/* Offer a known name; it becomes the best when it is close and closer than
 * every name offered before it (the first of equals stays). */
void		 suggest_offer(struct suggest *s, const char *name);
/* Offer a dotted known name ("area.name"): as a whole, by the part after
 * its dot, and with its parts swapped. */
void		 suggest_offer_dotted(struct suggest *s, const char *name);
/* The suggestion, or NULL when no name offered is close. */
const char	*suggest_best(const struct suggest *s);

#endif
