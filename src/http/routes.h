/* http/routes: the daemon's endpoint table — liveness, readiness and the
 * Rebound notification endpoints. */
#ifndef HTTP_ROUTES_H
#define HTTP_ROUTES_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "http/server.h"
#include "rebound/intake.h"
#include "store/store.h"
#include "util/cfg.h"

/* What handlers may reach; it outlives the server. */
struct http_ctx {
	struct store *st;                /* the HTTP thread's handle */
	struct intake_committer *intake;
	const char *version;
	pthread_rwlock_t *cfg_lock;      /* held for reading while *cfg is used */
	const struct cfg *const *cfg;    /* swapped by reload under the write lock */
	/* set by POST /odoo/notifications: the main loop takes it (exchange
	 * to false) and wakes the engine, as after applying notifications */
	atomic_bool odoo_wake;
};

/* The route table (static storage) and its length. */
const struct http_route *http_routes(size_t *n);

/* Handlers of POST /rebound/tracking and /rebound/refund-trigger
 * (http/webhook.c). */
void http_webhook_tracking(const struct http_request *req,
			   struct http_response *resp, void *arg);
void http_webhook_refund_trigger(const struct http_request *req,
				 struct http_response *resp, void *arg);

/* Handler of POST /odoo/notifications/<token> (http/odoo_notify.c):
 * Odoo's "Send Webhook Notification" automation, fired when a picking is
 * validated. The path's token is odoo.webhook_token; anything else is a
 * 404, as for an unknown path. */
void http_odoo_notification(const struct http_request *req,
			    struct http_response *resp, void *arg);

#endif
