/* rpc-common.c: enum tables and result helpers shared by the method files. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "base64.h"
#include "rpc-common.h"
#include "sockaddr.h"
#include "utf8.h"

const struct enum_name scope_names[] = {
	{ "daemon", SCOPE_DAEMON }, { "connection", SCOPE_CONNECTION }, { NULL, 0 }
};

const struct enum_name encoding_names[] = {
	{ "base64", 0 }, { "text", 1 }, { NULL, 0 }
};

const struct enum_name shutdown_names[] = {
	{ "rd", SHUT_RD }, { "wr", SHUT_WR }, { "rdwr", SHUT_RDWR }, { NULL, 0 }
};

const struct enum_name recv_flag_names[] = {
	{ "peek", MSG_PEEK }, { "oob", MSG_OOB }, { "waitall", MSG_WAITALL },
	{ "trunc", MSG_TRUNC }, { "dontwait", MSG_DONTWAIT }, { NULL, 0 }
};

const struct enum_name send_flag_names[] = {
	{ "oob", MSG_OOB }, { "dontroute", MSG_DONTROUTE }, { "eor", MSG_EOR },
	{ "more", MSG_MORE }, { "dontwait", MSG_DONTWAIT }, { NULL, 0 }
};

json_object *
result_empty(void)
{
	return json_object_new_object();
}

json_object *
result_one(const char *key, json_object *value)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, key, value);
	return o;
}

void
result_bytes(json_object *o, const char *p, size_t n, bool as_text)
{
	char *enc;

	if (as_text && utf8_valid(p, n)) {
		json_object_object_add(o, "text", json_object_new_string_len(p, (int)n));
		return;
	}
	if ((enc = malloc(base64_encoded_len(n) + 1)) == NULL) {
		json_object_object_add(o, "data", NULL);
		return;
	}
	base64_encode(p, n, enc);
	json_object_object_add(o, "data", json_object_new_string_len(enc,
	    (int)base64_encoded_len(n)));
	free(enc);
}

int64_t
timeout_or(int64_t given, int64_t session_default)
{
	return given == TIMEOUT_SESSION ? session_default : given;
}
