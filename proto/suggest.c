/* suggest.c: "did you mean": the closest known name by optimal string
 * alignment distance. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdint.h>
#include <string.h>

#include "suggest.h"

static unsigned char
suggest_fold(char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c - 'A' + 'a') : (unsigned char)c;
}

static size_t
suggest_min(size_t a, size_t b)
{
	return a < b ? a : b;
}

size_t
suggest_distance(const char *a, size_t alen, const char *b, size_t blen, size_t limit)
{
	size_t	 rows[3][SUGGEST_MAX + 1];
	size_t	*before = rows[0], *prev = rows[1], *cur = rows[2], *spare;
	size_t	 i, j, d, rowmin, lastmin;

	/* The distance is at least the difference in length. */
	if (blen > SUGGEST_MAX || (alen > blen ? alen - blen : blen - alen) > limit)
		return SIZE_MAX;
	for (j = 0; j <= blen; j++)
		prev[j] = j;
	for (i = 1, rowmin = 0; i <= alen; i++) {
		/* Every later cell is at least the smaller of the last two rows'
		 * least (a transposition reaches two rows back, plus one). */
		if (i > 1 && rowmin > limit)
			return SIZE_MAX;
		lastmin = rowmin;
		cur[0] = rowmin = i;
		for (j = 1; j <= blen; j++) {
			d = suggest_min(prev[j] + 1, cur[j - 1] + 1);
			d = suggest_min(d, prev[j - 1] +
			    (suggest_fold(a[i - 1]) != suggest_fold(b[j - 1])));
			/* Two adjacent bytes swapped. */
			if (i > 1 && j > 1 &&
			    suggest_fold(a[i - 1]) == suggest_fold(b[j - 2]) &&
			    suggest_fold(a[i - 2]) == suggest_fold(b[j - 1]))
				d = suggest_min(d, before[j - 2] + 1);
			cur[j] = d;
			rowmin = suggest_min(rowmin, d);
		}
		rowmin = suggest_min(rowmin, lastmin + 1);
		spare = before;
		before = prev;
		prev = cur;
		cur = spare;
	}
	return prev[blen];
}

void
suggest_init(struct suggest *s, const char *typed, size_t len)
{
	s->typed = typed;
	s->len = len;
	s->best = NULL;
	s->dist = SIZE_MAX;
}

/* Compare the typed name with form[0..len), a form of the known name. */
static void
suggest_consider(struct suggest *s, const char *form, size_t len, const char *name)
{
	size_t limit = s->len / 3 > 1 ? s->len / 3 : 1;
	size_t d = suggest_distance(s->typed, s->len, form, len, limit);

	if (d <= limit && d < s->dist) {
		s->best = name;
		s->dist = d;
	}
}

void
suggest_offer(struct suggest *s, const char *name)
{
	suggest_consider(s, name, strlen(name), name);
}

void
suggest_offer_dotted(struct suggest *s, const char *name)
{
	const char	*dot = strchr(name, '.');
	char		 swapped[SUGGEST_MAX];
	size_t		 n = strlen(name), area;

	suggest_offer(s, name);
	if (dot == NULL || n > sizeof(swapped))
		return;
	area = (size_t)(dot - name);
	if (memchr(s->typed, '.', s->len) == NULL) {
		suggest_consider(s, dot + 1, n - area - 1, name);
		return;
	}
	memcpy(swapped, dot + 1, n - area - 1);
	swapped[n - area - 1] = '.';
	memcpy(swapped + n - area, name, area);
	suggest_consider(s, swapped, n, name);
}

const char *
suggest_best(const struct suggest *s)
{
	return s->best;
}
