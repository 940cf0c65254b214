/* handle.h: the handle table: monotonic 64-bit ids, never reused, mapped to
 * managed sockets; and lists of handles kept in id order, so that a page of
 * them is found without sorting (the daemon's list, and each user's). */
#ifndef SOCK6D_HANDLE_H
#define SOCK6D_HANDLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/queue.h>
#include <sys/types.h>

struct sock;

struct handle_slot {
	uint64_t	 id;	/* 0: empty */
	struct sock	*sock;
};

/* A handle's place in a list kept in ascending id order.  Ids only grow,
 * so a new handle goes at the tail; an old id (one taken back from the fd
 * store) goes where it belongs, found from the tail. */
struct handle_link {
	TAILQ_ENTRY(handle_link) entry;
	uint64_t		 id;
};
TAILQ_HEAD(handle_links, handle_link);

/* The list's links again, in an array sorted by id, so that a page is
 * found by binary search whatever `after` names (an id closed, another
 * user's, a gap).  A removed link leaves a hole, cleared once there are
 * HANDLE_HOLES_MAX of them: a search skips at most that many. */
struct handle_mark {
	uint64_t		 id;
	struct handle_link	*link;	/* NULL: removed */
};

struct handle_list {
	struct handle_links	 links;
	struct handle_mark	*marks;
	size_t			 nmarks, cap, holes;
	bool			 unindexed;	/* out of memory once: seek walks the links */
};

struct handle_table {
	struct handle_slot	*slots;
	size_t			 size;	/* power of two */
	size_t			 used;	/* live entries */
	size_t			 tombs;	/* deleted markers */
	uint64_t		 next_id;
	struct handle_list	 order;	/* every handle, in id order (kept by sock.c) */
};

void		 handle_table_init(struct handle_table *t);
void		 handle_table_free(struct handle_table *t);
/* Handle ids stay below 2^53: exact in every JSON client's numbers, and
 * far from wrapping (a state file may not claim more). */
#define HANDLE_ID_MAX	((uint64_t)1 << 53)

/* A fresh id, never handed out before; 0 once HANDLE_ID_MAX is reached. */
uint64_t	 handle_next_id(struct handle_table *t);
/* Never hand out an id below `id` (ids taken back after a restart). */
void		 handle_skip_to(struct handle_table *t, uint64_t id);
int		 handle_insert(struct handle_table *t, uint64_t id, struct sock *s);
struct sock	*handle_lookup(const struct handle_table *t, uint64_t id);
/* Remove id; returns the socket that was there or NULL. */
struct sock	*handle_remove(struct handle_table *t, uint64_t id);
size_t		 handle_count(const struct handle_table *t);
/* Visit every live entry in ascending id order (collected, then sorted:
 * for walks over everything, at save and shutdown). */
size_t		 handle_collect(const struct handle_table *t, struct sock ***out);

void		 handle_list_init(struct handle_list *l);
void		 handle_list_free(struct handle_list *l);
/* Put k, under id, in its place in l. */
void		 handle_list_add(struct handle_list *l, struct handle_link *k, uint64_t id);
void		 handle_list_del(struct handle_list *l, struct handle_link *k);
/* The first link of l above `after`, or NULL: by binary search (found
 * from the tail when the index could not be kept, out of memory). */
struct handle_link *handle_list_seek(const struct handle_list *l, uint64_t after);
#define handle_list_first(l)	TAILQ_FIRST(&(l)->links)
#define handle_list_next(k)	TAILQ_NEXT((k), entry)

#endif
