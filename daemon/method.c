/* method.c: the sorted method table and its lookup. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdlib.h>
#include <string.h>

#include "method.h"

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
