/* client.h: the client library's API for the programs built here; the
 * installed public header is include/sock6/client.h (libsock6(3)). */
#ifndef SOCK6_CLIENT_H
#define SOCK6_CLIENT_H

#include "sock6/client.h"

#endif
