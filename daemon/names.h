/* names.h: the vocabulary of names the protocol gives to numbers (address
 * families, socket types, protocols, flags): one table per set, each a
 * NULL-terminated list of name and value. */
#ifndef SOCK6D_NAMES_H
#define SOCK6D_NAMES_H

#include <json-c/json.h>

struct enum_name {
	const char	*name;
	int		 value;
};

/* A short name and its egg constant name ("peek", "msg/peek"): the short
 * one first, so it is the one results show. */
#define NAME_AND_CONSTANT(prefix, name, value) \
	{ name, value }, { prefix "/" name, value }

extern const struct enum_name family_names[];
extern const struct enum_name socktype_names[];
extern const struct enum_name protocol_names[];
extern const struct enum_name scope_names[];
extern const struct enum_name encoding_names[];
extern const struct enum_name shutdown_names[];
extern const struct enum_name recv_flag_names[];
extern const struct enum_name send_flag_names[];
extern const struct enum_name ai_flag_names[];
extern const struct enum_name ni_flag_names[];

/* The name for a value in a names table, or NULL. */
const char	*enum_name_of(const struct enum_name *names, int value);
/* JSON for a family/type/protocol value: its name when known, else the integer. */
json_object	*enum_to_json(const struct enum_name *names, int value);
/* The value of a name: 0, or -1 when the table has no such name. */
int		 enum_lookup(const struct enum_name *names, const char *name, int *value);

#endif
