/* http/routes: the daemon's endpoint table. Today: liveness and readiness;
 * webhook intake and the JSON API join this table as they land. */
#ifndef HTTP_ROUTES_H
#define HTTP_ROUTES_H

#include <stddef.h>

#include "http/server.h"
#include "store/store.h"

/* What handlers may reach; it outlives the server. */
struct http_ctx {
	struct store *st;
	const char *version;
};

/* The route table (static storage) and its length. */
const struct http_route *http_routes(size_t *n);

#endif
