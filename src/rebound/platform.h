/* rebound/platform: client of Rebound's platform ("Headless") API: OAuth2
 * client credentials, the token cached until shortly before it expires and
 * fetched again once when a call answers 401; return orders looked up by
 * client order id, following Spring-style pages ({"content": [...]}).
 * The token URL and the return-orders path are not public: they come from
 * configuration (docs/rebound.md, "assumptions"). One per thread. */
#ifndef REBOUND_PLATFORM_H
#define REBOUND_PLATFORM_H

#include <jansson.h>
#include <stdint.h>

#include "rebound/rbhttp.h"
#include "util/err.h"

struct platform_opts {
	const char *base_url;      /* https://api.reboundplatform.com */
	const char *token_url;     /* absolute, or a path under base_url */
	const char *orders_path;   /* e.g. /return-orders */
	const char *client_id;
	const char *client_secret;
	const char *flow_key;      /* "" = none */
	int page_size;
};

struct platform;

/* Strings are copied; http is borrowed. */
MUST_CHECK enum err_code platform_new(const struct platform_opts *o,
				      struct rbhttp *http,
				      struct platform **out, struct err *e);
void platform_free(struct platform *pf);

/* A valid access token (cached or fetched). ERR_CONFIG when the
 * credentials are refused, ERR_INVALID when the answer has no
 * access_token. Borrowed until the next call. */
MUST_CHECK enum err_code platform_token(struct platform *pf, const char **tok,
					struct err *e);

/* All return orders of one client order id, newest first: *orders is a new
 * array of return-order objects (empty when there are none). */
MUST_CHECK enum err_code platform_return_orders(struct platform *pf,
						const char *client_order_id,
						json_t **orders, struct err *e);

/* Tokens fetched so far (tests: expiry → exactly one refresh). */
int64_t platform_token_fetches(const struct platform *pf);

#endif
