/* sock-info.c: the socket.info view of a managed socket: its identity by
 * name, owner, scope, state, addresses, counters and who consumes it. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdint.h>

#include "names.h"
#include "sock.h"

/* An address for socket.info: null on any error. */
static json_object *
info_address(const struct sock *s, bool peer)
{
	json_object *o;
	struct s6err e;

	return sock_address(s, peer, &o, &e) == 0 ? o : NULL;
}

json_object *
sock_info(const struct sock *s)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "handle", json_object_new_int64((int64_t)s->handle));
	json_object_object_add(o, "fileno", json_object_new_int(s->fd));
	json_object_object_add(o, "family", enum_to_json(family_names, s->family));
	json_object_object_add(o, "type", enum_to_json(socktype_names, s->type));
	json_object_object_add(o, "protocol", enum_to_json(protocol_names, s->protocol));
	json_object_object_add(o, "scope", json_object_new_string(
	    s->scope == SCOPE_CONNECTION ? "connection" : "daemon"));
	json_object_object_add(o, "owner", json_object_new_int64(s->owner));
	json_object_object_add(o, "state", json_object_new_string(sock_state_name(s->state)));
	json_object_object_add(o, "local", info_address(s, false));
	json_object_object_add(o, "peer", info_address(s, true));
	json_object_object_add(o, "shut_rd", json_object_new_boolean(s->shut_rd));
	json_object_object_add(o, "shut_wr", json_object_new_boolean(s->shut_wr));
	json_object_object_add(o, "subscribed", json_object_new_boolean(
	    sock_consumer_kind(s, SIDE_READ) == CONSUMER_SUBSCRIPTION));
	json_object_object_add(o, "attached", json_object_new_boolean(
	    sock_consumer_kind(s, SIDE_READ) == CONSUMER_RELAY));
	json_object_object_add(o, "credit", NULL);
	json_object_object_add(o, "dropped", json_object_new_int64((int64_t)s->dropped));
	if (s->consumer[SIDE_READ]->describe != NULL)
		s->consumer[SIDE_READ]->describe(s, s->consumer_ctx[SIDE_READ], o);
	json_object_object_add(o, "bytes_in", json_object_new_int64((int64_t)s->bytes_in));
	json_object_object_add(o, "bytes_out", json_object_new_int64((int64_t)s->bytes_out));
	json_object_object_add(o, "buffered", json_object_new_int64((int64_t)s->held_bytes));
	return o;
}

