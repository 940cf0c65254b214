/* user.c: the per-user table: one entry per uid that ever connected or
 * owned a handle, found by a linear search (uids are few, and the search
 * runs per connection or handle, never per request). */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdlib.h>
#include <string.h>

#include "user.h"

void
user_table_init(struct user_table *t)
{
	memset(t, 0, sizeof(*t));
}

void
user_table_free(struct user_table *t)
{
	size_t i;

	for (i = 0; i < t->n; i++) {
		handle_list_free(&t->users[i]->socks);
		free(t->users[i]);
	}
	free(t->users);
	user_table_init(t);
}

struct user *
user_find(const struct user_table *t, uid_t uid)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (t->users[i]->uid == uid)
			return t->users[i];
	return NULL;
}

struct user *
user_get(struct user_table *t, uid_t uid)
{
	struct user *u, **users;
	size_t size;

	if ((u = user_find(t, uid)) != NULL)
		return u;
	if (t->n == t->size) {
		size = t->size ? t->size * 2 : 8;
		if ((users = realloc(t->users, size * sizeof(*users))) == NULL)
			return NULL;
		t->users = users;
		t->size = size;
	}
	if ((u = calloc(1, sizeof(*u))) == NULL)
		return NULL;
	u->uid = uid;
	handle_list_init(&u->socks);
	t->users[t->n++] = u;
	return u;
}
