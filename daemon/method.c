/* method.c: the sorted method table, its lookup, and the answer to a
 * method it does not have (-32601, with the closest name). */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdlib.h>
#include <string.h>

#include "method.h"
#include "suggest.h"

const struct method *const method_table[] = {
#define METHOD(sym, wire) &sym,
#include "method-list.h"
#undef METHOD
};

const size_t method_count = sizeof(method_table) / sizeof(method_table[0]);

static int
method_cmp(const void *key, const void *elem)
{
	const struct method *const *m = elem;

	return strcmp(key, (*m)->name);
}

const struct method *
method_lookup(const char *name)
{
	const struct method *const *m;

	m = bsearch(name, method_table, method_count, sizeof(method_table[0]), method_cmp);
	return m ? *m : NULL;
}

const char *
method_suggest(const char *name, size_t len)
{
	struct suggest s;
	size_t i;

	suggest_init(&s, name, len);
	for (i = 0; i < method_count; i++)
		suggest_offer_dotted(&s, method_table[i]->name);
	return suggest_best(&s);
}

void
method_not_found(const char *name, size_t len, struct s6err *e)
{
	err_method(e, name, len);
	e->did_you_mean = method_suggest(name, len);
}
