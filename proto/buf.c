/* buf.c: the capped byte buffer behind every input and output queue. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdlib.h>
#include <string.h>

#include "buf.h"

#define BUF_MINSIZE	256

void
buf_init(struct buf *b, size_t cap)
{
	b->data = NULL;
	b->off = 0;
	b->len = 0;
	b->size = 0;
	b->cap = cap;
}

void
buf_free(struct buf *b)
{
	free(b->data);
	buf_init(b, b->cap);
}

/* Move the unread bytes to the front of the allocation. */
static void
buf_compact(struct buf *b)
{
	if (b->off == 0)
		return;
	if (b->len > 0)
		memmove(b->data, b->data + b->off, b->len);
	b->off = 0;
}

/* Grow the allocation to hold at least `need` bytes, doubling up to the cap. */
static int
buf_grow(struct buf *b, size_t need)
{
	size_t	 nsize;
	char	*p;

	nsize = b->size > 0 ? b->size : BUF_MINSIZE;
	while (nsize < need && nsize <= b->cap / 2)
		nsize *= 2;
	if (nsize < need || nsize > b->cap)
		nsize = b->cap;
	if (nsize < need)
		return -1;
	if ((p = realloc(b->data, nsize)) == NULL)
		return -1;
	b->data = p;
	b->size = nsize;
	return 0;
}

char *
buf_reserve(struct buf *b, size_t want)
{
	size_t	 need;

	if (want > b->cap - b->len)
		return NULL;
	need = b->len + want;
	if (b->data != NULL && b->size - b->off - b->len >= want)
		return b->data + b->off + b->len;
	buf_compact(b);
	if (b->data == NULL || need > b->size) {
		if (b->cap == 0 || buf_grow(b, need == 0 ? 1 : need) == -1)
			return NULL;
	}
	return b->data + b->len;
}

void
buf_commit(struct buf *b, size_t n)
{
	if (n > b->size - b->off - b->len)
		n = b->size - b->off - b->len;
	b->len += n;
}

int
buf_append(struct buf *b, const void *p, size_t n)
{
	char	*dst;

	if ((dst = buf_reserve(b, n)) == NULL)
		return -1;
	if (n > 0)
		memcpy(dst, p, n);
	buf_commit(b, n);
	return 0;
}

void
buf_consume(struct buf *b, size_t n)
{
	if (n >= b->len) {
		b->off = 0;
		b->len = 0;
		return;
	}
	b->off += n;
	b->len -= n;
}

void
buf_reset(struct buf *b)
{
	b->off = 0;
	b->len = 0;
}

size_t
buf_shrink(struct buf *b)
{
	size_t size = b->size;

	if (b->len > 0 || size <= BUF_KEEP)
		return 0;
	buf_free(b);
	return size;
}

size_t
buf_room(const struct buf *b)
{
	return b->cap - b->len;
}
