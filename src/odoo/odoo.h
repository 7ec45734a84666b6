/* odoo/odoo: a connected Odoo client. Holds the transport (odoo/rpc), the
 * credentials, the uid from login, the version profile chosen at connect,
 * and small caches (currency decimals, note subtype). execute_kw goes
 * through odoo_execute(); the typed, batched operations are in odoo/ops.h.
 * One client per thread; it is not shared. */
#ifndef ODOO_ODOO_H
#define ODOO_ODOO_H

#include <jansson.h>
#include <stdint.h>

#include "odoo/profile.h"
#include "odoo/rpc.h"
#include "util/cfg.h"
#include "util/err.h"

struct odoo;

struct odoo_opts {
	const char *url;
	const char *database;
	const char *user;
	const char *api_key;        /* copied; wiped on odoo_free */
	int64_t timeout_ms;
	int64_t connect_timeout_ms;
	int read_attempts;
	int64_t backoff_ms;
};

/* What connect learnt. */
struct odoo_server {
	char server_version[64];
	int major;
	const struct profile *profile;  /* NULL before connect */
	char reason[512];               /* why this profile, in words */
	int64_t uid;
};

/* A client with the options from the [odoo] section of c. */
MUST_CHECK enum err_code odoo_new_from_cfg(const struct cfg *c,
					   struct odoo **out, struct err *e);
MUST_CHECK enum err_code odoo_new(const struct odoo_opts *o, struct odoo **out,
				  struct err *e);
void odoo_free(struct odoo *c);

/* The transport, to install a test hook or read the call counters. */
struct rpc *odoo_rpc(struct odoo *c);

/* common.version, common.authenticate, then fields_get on
 * stock.return.picking and stock.move to choose the profile; the choice
 * and its reason are logged. ERR_DENIED when the login or key is wrong
 * (Odoo answers false, not an error), ERR_UNSUPPORTED before Odoo 16,
 * transport errors as rpc_call. */
MUST_CHECK enum err_code odoo_connect(struct odoo *c, struct err *e);

/* Borrowed; valid as long as c. */
const struct odoo_server *odoo_server(const struct odoo *c);
const struct profile *odoo_profile(const struct odoo *c);

/* object.execute_kw(model, method, args, kwargs) as the connected user.
 * args and kwargs are stolen (kwargs may be NULL for {}). Reads are retried
 * (rpc_method_effect), writes never. Results and codes as rpc_call. */
MUST_CHECK enum err_code odoo_execute(struct odoo *c, const char *model,
				      const char *method, json_t *args_own,
				      json_t *kwargs_own, json_t **result,
				      struct rpc_fault *f, struct err *e);

/* Decimal places of a currency (res.currency.decimal_places), read once
 * and cached. */
MUST_CHECK enum err_code odoo_currency_decimals(struct odoo *c,
						int64_t currency_id, int *out,
						struct err *e);
/* Seed the cache (tests; or a caller that already knows the decimals).
 * Otherwise a currency is read on first use. */
void odoo_currency_set(struct odoo *c, int64_t currency_id, int decimals);

#endif
