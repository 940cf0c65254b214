/* buf.h: the one capped byte buffer used for every input and output queue.
 *
 * Bytes live in data[off .. off+len); spare space follows.  Readers consume
 * from the front, writers reserve spare space at the back and commit what
 * they filled.  The front is compacted lazily, only when space is needed.
 * A buffer never grows past its cap: operations that would fail with -1. */
#ifndef SOCK6_BUF_H
#define SOCK6_BUF_H

#include <stddef.h>

#define BUF_KEEP	16384

struct buf {
	char	*data;
	size_t	 off;	/* start of unread bytes */
	size_t	 len;	/* number of unread bytes */
	size_t	 size;	/* allocated bytes */
	size_t	 cap;	/* most bytes the buffer may ever hold */
};

void	 buf_init(struct buf *b, size_t cap);
void	 buf_free(struct buf *b);
/* Pointer to at least `want` bytes of spare space, or NULL past the cap. */
char	*buf_reserve(struct buf *b, size_t want);
/* Mark `n` bytes of the reserved space as filled. */
void	 buf_commit(struct buf *b, size_t n);
int	 buf_append(struct buf *b, const void *p, size_t n);
/* Drop `n` bytes from the front. */
void	 buf_consume(struct buf *b, size_t n);
void	 buf_reset(struct buf *b);
/* Give the allocation back when the buffer is empty and has grown past
 * BUF_KEEP: an idle queue holds no more than that.  The bytes freed. */
size_t	 buf_shrink(struct buf *b);
/* Bytes of spare space available without passing the cap. */
size_t	 buf_room(const struct buf *b);

static inline const char *buf_head(const struct buf *b) { return b->data + b->off; }
static inline size_t buf_len(const struct buf *b) { return b->len; }

#endif
