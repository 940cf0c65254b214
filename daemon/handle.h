/* handle.h: the handle table: monotonic 64-bit ids, never reused, mapped to
 * managed sockets, with per-user counts for the handles_per_user limit. */
#ifndef SOCK6D_HANDLE_H
#define SOCK6D_HANDLE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/queue.h>
#include <sys/types.h>

struct sock;

struct handle_slot {
	uint64_t	 id;	/* 0: empty */
	struct sock	*sock;
};

struct uid_count {
	uid_t		uid;
	unsigned long	count;
};

struct handle_table {
	struct handle_slot	*slots;
	size_t			 size;	/* power of two */
	size_t			 used;	/* live entries */
	size_t			 tombs;	/* deleted markers */
	uint64_t		 next_id;
	struct uid_count	*uids;
	size_t			 nuids;
};

void		 handle_table_init(struct handle_table *t);
void		 handle_table_free(struct handle_table *t);
/* A fresh id, never handed out before. */
uint64_t	 handle_next_id(struct handle_table *t);
int		 handle_insert(struct handle_table *t, uint64_t id, struct sock *s, uid_t owner);
struct sock	*handle_lookup(const struct handle_table *t, uint64_t id);
/* Remove id; returns the socket that was there or NULL. */
struct sock	*handle_remove(struct handle_table *t, uint64_t id, uid_t owner);
unsigned long	 handle_count_uid(const struct handle_table *t, uid_t uid);
size_t		 handle_count(const struct handle_table *t);
/* Visit every live entry in ascending id order (collected, then sorted). */
size_t		 handle_collect(const struct handle_table *t, struct sock ***out);

#endif
