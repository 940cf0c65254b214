/* handle.c: the handle table, an open-addressing hash keyed by handle id,
 * and the lists of handles in id order. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdlib.h>
#include <string.h>

#include "handle.h"

#define TOMB	UINT64_MAX	/* a deleted slot; ids never reach it */

/* Fibonacci hashing of the id into the table's size. */
static size_t
slot_of(uint64_t id, size_t size)
{
	return (size_t)((id * 11400714819323198485ull) >> 32) & (size - 1);
}

void
handle_table_init(struct handle_table *t)
{
	memset(t, 0, sizeof(*t));
	t->next_id = 1;
	handle_list_init(&t->order);
}

void
handle_table_free(struct handle_table *t)
{
	free(t->slots);
	handle_list_free(&t->order);
	handle_table_init(t);
}

uint64_t
handle_next_id(struct handle_table *t)
{
	return t->next_id < HANDLE_ID_MAX ? t->next_id++ : 0;
}

void
handle_skip_to(struct handle_table *t, uint64_t id)
{
	if (t->next_id < id)
		t->next_id = id;
}

/* Rebuild into `size` slots, dropping tombstones. */
static int
table_resize(struct handle_table *t, size_t size)
{
	struct handle_slot *old = t->slots, *slots;
	size_t i, j, oldsize = t->size;

	if ((slots = calloc(size, sizeof(*slots))) == NULL)
		return -1;
	for (i = 0; i < oldsize; i++) {
		if (old[i].id == 0 || old[i].id == TOMB)
			continue;
		for (j = slot_of(old[i].id, size); slots[j].id != 0; j = (j + 1) & (size - 1))
			;
		slots[j] = old[i];
	}
	free(old);
	t->slots = slots;
	t->size = size;
	t->tombs = 0;
	return 0;
}

int
handle_insert(struct handle_table *t, uint64_t id, struct sock *s)
{
	size_t j;

	if ((t->used + t->tombs + 1) * 4 >= t->size * 3 &&
	    table_resize(t, t->size ? (t->used * 2 >= t->size ? t->size * 2 : t->size) : 16) == -1)
		return -1;
	for (j = slot_of(id, t->size); t->slots[j].id != 0 && t->slots[j].id != TOMB;
	    j = (j + 1) & (t->size - 1))
		;
	if (t->slots[j].id == TOMB)
		t->tombs--;
	t->slots[j].id = id;
	t->slots[j].sock = s;
	t->used++;
	return 0;
}

/* The slot index holding id, or -1. */
static long
slot_find(const struct handle_table *t, uint64_t id)
{
	size_t j;

	if (t->size == 0 || id == 0 || id == TOMB)
		return -1;
	for (j = slot_of(id, t->size); t->slots[j].id != 0; j = (j + 1) & (t->size - 1))
		if (t->slots[j].id == id)
			return (long)j;
	return -1;
}

struct sock *
handle_lookup(const struct handle_table *t, uint64_t id)
{
	long j = slot_find(t, id);

	return j < 0 ? NULL : t->slots[j].sock;
}

struct sock *
handle_remove(struct handle_table *t, uint64_t id)
{
	struct sock *s;
	long j = slot_find(t, id);

	if (j < 0)
		return NULL;
	s = t->slots[j].sock;
	t->slots[j].id = TOMB;
	t->slots[j].sock = NULL;
	t->used--;
	t->tombs++;
	return s;
}

size_t
handle_count(const struct handle_table *t)
{
	return t->used;
}

static int
slot_cmp(const void *a, const void *b)
{
	const struct handle_slot *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

size_t
handle_collect(const struct handle_table *t, struct sock ***out)
{
	struct handle_slot *live;
	struct sock **socks;
	size_t i, n = 0;

	*out = NULL;
	if (t->used == 0)
		return 0;
	if ((live = malloc(t->used * sizeof(*live))) == NULL)
		return 0;
	for (i = 0; i < t->size; i++)
		if (t->slots[i].id != 0 && t->slots[i].id != TOMB)
			live[n++] = t->slots[i];
	qsort(live, n, sizeof(*live), slot_cmp);
	if ((socks = malloc(n * sizeof(*socks))) == NULL) {
		free(live);
		return 0;
	}
	for (i = 0; i < n; i++)
		socks[i] = live[i].sock;
	free(live);
	*out = socks;
	return n;
}

#define HANDLE_HOLES_MAX	64	/* removed links an index keeps before clearing them */

void
handle_list_init(struct handle_list *l)
{
	memset(l, 0, sizeof(*l));
	TAILQ_INIT(&l->links);
}

void
handle_list_free(struct handle_list *l)
{
	free(l->marks);
	handle_list_init(l);
}

/* The first mark of l with an id of at least id (nmarks when none). */
static size_t
mark_search(const struct handle_list *l, uint64_t id)
{
	size_t lo = 0, hi = l->nmarks, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (l->marks[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Drop the holes: the marks left keep their order. */
static void
marks_compact(struct handle_list *l)
{
	size_t i, n = 0;

	for (i = 0; i < l->nmarks; i++)
		if (l->marks[i].link != NULL)
			l->marks[n++] = l->marks[i];
	l->nmarks = n;
	l->holes = 0;
}

/* Index k under id: at the end (ids only grow), or in its place (an old id
 * taken back).  Out of memory, the list goes unindexed for good. */
static void
marks_add(struct handle_list *l, struct handle_link *k, uint64_t id)
{
	struct handle_mark *grown;
	size_t at, cap;

	if (l->unindexed)
		return;
	at = l->nmarks > 0 && l->marks[l->nmarks - 1].id < id ? l->nmarks : mark_search(l, id);
	if (at < l->nmarks && l->marks[at].id == id) {
		if (l->marks[at].link == NULL)
			l->holes--;
		l->marks[at].link = k;
		return;
	}
	if (l->nmarks == l->cap) {
		cap = l->cap > 0 ? l->cap * 2 : 16;
		if ((grown = realloc(l->marks, cap * sizeof(*grown))) == NULL) {
			free(l->marks);
			l->marks = NULL;
			l->nmarks = l->cap = l->holes = 0;
			l->unindexed = true;
			return;
		}
		l->marks = grown;
		l->cap = cap;
	}
	memmove(&l->marks[at + 1], &l->marks[at], (l->nmarks - at) * sizeof(*l->marks));
	l->marks[at] = (struct handle_mark){ id, k };
	l->nmarks++;
}

void
handle_list_add(struct handle_list *l, struct handle_link *k, uint64_t id)
{
	struct handle_link *p;

	k->id = id;
	for (p = TAILQ_LAST(&l->links, handle_links); p != NULL && p->id > id;
	    p = TAILQ_PREV(p, handle_links, entry))
		;
	if (p == NULL)
		TAILQ_INSERT_HEAD(&l->links, k, entry);
	else
		TAILQ_INSERT_AFTER(&l->links, p, k, entry);
	marks_add(l, k, id);
}

void
handle_list_del(struct handle_list *l, struct handle_link *k)
{
	size_t at;

	TAILQ_REMOVE(&l->links, k, entry);
	if (l->unindexed)
		return;
	at = mark_search(l, k->id);
	if (at < l->nmarks && l->marks[at].link == k) {
		l->marks[at].link = NULL;
		if (++l->holes > HANDLE_HOLES_MAX)
			marks_compact(l);
	}
}

struct handle_link *
handle_list_seek(const struct handle_list *l, uint64_t after)
{
	struct handle_link *p, *first = NULL;
	size_t at;

	/* The first page (after 0, or below every id) without a search. */
	if ((p = TAILQ_FIRST(&l->links)) != NULL && p->id > after)
		return p;
	if (!l->unindexed) {
		if ((at = mark_search(l, after)) < l->nmarks && l->marks[at].id == after)
			at++;
		for (; at < l->nmarks; at++)
			if (l->marks[at].link != NULL)
				return l->marks[at].link;
		return NULL;
	}
	for (p = TAILQ_LAST(&l->links, handle_links); p != NULL && p->id > after;
	    p = TAILQ_PREV(p, handle_links, entry))
		first = p;
	return first;
}
