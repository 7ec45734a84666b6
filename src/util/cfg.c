/* cfg: the declarative key table and everything driven by it. */
#include "util/cfg.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/buf.h"
#include "util/ini.h"
#include "util/parse.h"

enum cfg_type { T_STR, T_INT, T_ENUM };

#define F_SECRET    0x1u  /* never printed, never logged */
#define F_NO_RELOAD 0x2u  /* a change needs a restart */
#define F_PATH      0x4u  /* relative to the config file's directory */

typedef enum err_code check_fn(const char *v, struct err *e);

struct cfg_key {
	const char *name;
	enum cfg_type type;
	size_t off;
	const char *def;
	int64_t min, max;
	const char *const *choices;
	unsigned flags;
	check_fn *check;
	const char *help;
};

static enum err_code check_listen(const char *v, struct err *e);
static enum err_code check_url(const char *v, struct err *e);
static enum err_code check_header(const char *v, struct err *e);
static enum err_code check_header_opt(const char *v, struct err *e);
static enum err_code check_nonempty(const char *v, struct err *e);

static const char *const level_choices[] = { "error", "warn", "info", "debug", NULL };
static const char *const format_choices[] = { "text", "json", NULL };
static const char *const backend_choices[] = { "sqlite", "postgresql", NULL };
static const char *const rebound_api_choices[] = { "none", "legacy", "platform", NULL };
static const char *const onoff_choices[] = { "off", "on", NULL };
static const char *const policy_choices[] = { "full", "none", "approval", NULL };
static const char *const ordered_choices[] = { "warn", "hold", "note", NULL };
static const char *const push_choices[] = { "off", "legacy", NULL };
static const char *const sync_choices[] = { "full", "normal", NULL };
static const char *const auth_choices[] = { "none", "token", "basic", "hmac", NULL };
static const char *const encoding_choices[] = { "hex", "base64", NULL };
static const char *const order_key_choices[] = { "name", "client_order_ref", NULL };

#define O(f) offsetof(struct cfg, f)
#define K_STR(n, f, d, fl, chk, h) { n, T_STR, O(f), d, 0, 0, NULL, fl, chk, h }
#define K_INT(n, f, d, lo, hi, fl, h) { n, T_INT, O(f), d, lo, hi, NULL, fl, NULL, h }
#define K_ENUM(n, f, d, ch, fl, h) { n, T_ENUM, O(f), d, 0, 0, ch, fl, NULL, h }

/* The same keys for each Rebound notification endpoint. */
#define WEBHOOK_KEYS(sec, i) \
	K_ENUM(sec ".auth", webhook[i].auth, "none", auth_choices, 0, \
	       "none, token, basic or hmac: how Rebound proves it sent the notification"), \
	K_STR(sec ".token_header", webhook[i].token_header, "X-Rebound-Token", 0, check_header, \
	      "auth = token: the header that carries the token"), \
	K_STR(sec ".token", webhook[i].token, "", F_SECRET, NULL, \
	      "auth = token: the shared token"), \
	K_STR(sec ".basic_user", webhook[i].basic_user, "", 0, NULL, \
	      "auth = basic: the user name Rebound sends"), \
	K_STR(sec ".basic_password", webhook[i].basic_password, "", F_SECRET, NULL, \
	      "auth = basic: the password Rebound sends"), \
	K_STR(sec ".hmac_header", webhook[i].hmac_header, "X-Rebound-Signature", 0, check_header, \
	      "auth = hmac: the header that carries the HMAC-SHA256 signature"), \
	K_ENUM(sec ".hmac_encoding", webhook[i].hmac_encoding, "hex", encoding_choices, 0, \
	       "auth = hmac: hex or base64 signature"), \
	K_STR(sec ".hmac_secret", webhook[i].hmac_secret, "", F_SECRET, NULL, \
	      "auth = hmac: the signing secret"), \
	K_STR(sec ".hmac_secret_previous", webhook[i].hmac_secret_previous, "", F_SECRET, NULL, \
	      "auth = hmac: the old secret, still accepted while a rotation is under way"), \
	K_STR(sec ".timestamp_header", webhook[i].timestamp_header, "", 0, check_header_opt, \
	      "auth = hmac: header with the Unix time that is signed with the body; empty = body only"), \
	K_INT(sec ".timestamp_tolerance_s", webhook[i].timestamp_tolerance_s, "300", 1, 86400, 0, \
	      "auth = hmac with a timestamp: refuse requests this far from our clock (replays)")

static const struct cfg_key keys[] = {
	K_STR("server.listen", server_listen, "127.0.0.1", F_NO_RELOAD, check_listen,
	      "IP address the HTTP server binds (webhooks, health, API)"),
	K_INT("server.port", server_port, "8080", 0, 65535, F_NO_RELOAD,
	      "TCP port; 0 picks a free port and logs it"),
	K_INT("server.max_body_bytes", server_max_body_bytes, "1048576", 1024, 64 * 1024 * 1024, 0,
	      "largest request body accepted; larger gets 413"),
	K_INT("server.shutdown_grace_ms", server_shutdown_grace_ms, "10000", 0, 600000, 0,
	      "on SIGTERM, how long in-flight work may take before exit"),
	K_INT("server.threads", server_threads, "8", 1, 64, F_NO_RELOAD,
	      "HTTP worker threads; concurrent webhooks share one disk commit"),
	WEBHOOK_KEYS("webhook.tracking", CFG_WEBHOOK_TRACKING),
	WEBHOOK_KEYS("webhook.refund_trigger", CFG_WEBHOOK_REFUND_TRIGGER),
	K_ENUM("log.level", log_level, "info", level_choices, 0,
	       "error, warn, info or debug"),
	K_ENUM("log.format", log_format, "text", format_choices, 0,
	       "text, or json for one JSON object per line"),
	K_STR("log.file", log_file, "", F_PATH, NULL,
	      "append to this file; empty logs to stderr (journald)"),
	K_ENUM("store.backend", store_backend, "sqlite", backend_choices, F_NO_RELOAD,
	       "sqlite (embedded, one instance); postgresql is planned"),
	K_STR("store.path", store_path, "returnbridge.db", F_NO_RELOAD | F_PATH, NULL,
	      "SQLite database file (WAL mode; -wal and -shm files beside it)"),
	K_INT("store.busy_timeout_ms", store_busy_timeout_ms, "5000", 0, 600000, F_NO_RELOAD,
	      "how long to wait for a lock held by another process"),
	K_ENUM("store.synchronous", store_synchronous, "full", sync_choices, F_NO_RELOAD,
	       "full: every acknowledged event is on disk; normal: faster, but a power cut can lose the last commits"),
	K_INT("store.raw_body_retention_days", store_raw_body_retention_days, "30", 0, 3650, 0,
	      "keep raw notification bodies (customer names, addresses) this long; 0 = purge at once"),
	K_INT("store.purge_interval_s", store_purge_interval_s, "3600", 10, 86400, 0,
	      "how often the daemon purges expired raw bodies"),
	K_STR("odoo.url", odoo_url, "", 0, check_url,
	      "Odoo base URL, e.g. https://erp.example.com"),
	K_STR("odoo.database", odoo_database, "", 0, NULL, "Odoo database name"),
	K_STR("odoo.user", odoo_user, "", 0, NULL, "Odoo login of the integration user"),
	K_STR("odoo.api_key", odoo_api_key, "", F_SECRET, NULL,
	      "API key or password; use env:VAR or file:/path rather than the literal"),
	K_INT("odoo.timeout_ms", odoo_timeout_ms, "30000", 100, 600000, 0,
	      "per-call timeout for Odoo requests"),
	K_INT("odoo.connect_timeout_ms", odoo_connect_timeout_ms, "10000", 100, 600000, 0,
	      "how long to wait for Odoo to accept a connection"),
	K_INT("odoo.read_attempts", odoo_read_attempts, "3", 1, 10, 0,
	      "tries for a read that failed on the network or a lock; writes are never retried"),
	K_INT("odoo.retry_backoff_ms", odoo_retry_backoff_ms, "500", 0, 60000, 0,
	      "first pause before retrying a read; doubles each time, with jitter"),
	K_STR("disposition.stock", disposition_stock, "WH/Stock", 0, NULL,
	      "full name of the sellable stock location (target `stock`)"),
	K_STR("disposition.quarantine", disposition_quarantine, "WH/Quarantine", 0, NULL,
	      "full name of the quarantine location, outside sellable stock (target `quarantine`)"),
	K_STR("disposition.scrap", disposition_scrap, "Virtual Locations/Scrap", 0, NULL,
	      "full name of the scrap location (target `scrap`)"),
	K_STR("disposition.default", disposition_default, "quarantine", 0, check_nonempty,
	      "target for a line no reason or grade below matches: stock, quarantine, scrap or a location"),
	/* [rebound]: API clients, poller, backfill, status push (docs/rebound.md).
	 * The poller thread reads them at start: changes need a restart. */
	K_ENUM("rebound.api", rebound_api, "none", rebound_api_choices, F_NO_RELOAD,
	       "which Rebound API to pull from: none, legacy (login + api_key) or platform (OAuth2)"),
	K_STR("rebound.legacy_url", rebound_legacy_url, "https://intelligentreturns.net/api", F_NO_RELOAD, check_url,
	      "legacy API entry point (test: https://test.intelligentreturns.net/api)"),
	K_STR("rebound.legacy_login", rebound_legacy_login, "", F_NO_RELOAD, NULL,
	      "legacy API account login name (not the email)"),
	K_STR("rebound.legacy_api_key", rebound_legacy_api_key, "", F_NO_RELOAD | F_SECRET, NULL,
	      "legacy API key from the control panel profile"),
	K_STR("rebound.platform_url", rebound_platform_url, "https://api.reboundplatform.com", F_NO_RELOAD, check_url,
	      "platform API base URL (pre-production: https://api.pre.reboundplatform.com)"),
	K_STR("rebound.platform_token_url", rebound_platform_token_url, "/oauth2/token", F_NO_RELOAD, NULL,
	      "OAuth2 token endpoint, absolute or under platform_url (not public: ask Rebound)"),
	K_STR("rebound.platform_orders_path", rebound_platform_orders_path, "/return-orders", F_NO_RELOAD, NULL,
	      "path of return orders by client order id (not public: ask Rebound)"),
	K_STR("rebound.platform_client_id", rebound_platform_client_id, "", F_NO_RELOAD, NULL,
	      "OAuth2 client id from the Rebound implementation manager"),
	K_STR("rebound.platform_client_secret", rebound_platform_client_secret, "", F_NO_RELOAD | F_SECRET, NULL,
	      "OAuth2 client secret"),
	K_STR("rebound.platform_flow_key", rebound_platform_flow_key, "", F_NO_RELOAD, NULL,
	      "flow key of the return flow; empty for the main flow"),
	K_INT("rebound.platform_page_size", rebound_platform_page_size, "50", 1, 1000, F_NO_RELOAD,
	      "return orders asked for per page"),
	K_INT("rebound.timeout_ms", rebound_timeout_ms, "30000", 100, 600000, F_NO_RELOAD,
	      "per-attempt timeout of a call to Rebound"),
	K_INT("rebound.rate_limit_calls", rebound_rate_limit_calls, "150", 0, 1000000, F_NO_RELOAD,
	      "most calls to Rebound in any rate_limit_window_s; 0 = no limit"),
	K_INT("rebound.rate_limit_window_s", rebound_rate_limit_window_s, "60", 1, 86400, F_NO_RELOAD,
	      "the rate limit's window"),
	K_INT("rebound.rate_limit_burst", rebound_rate_limit_burst, "5", 1, 10000, F_NO_RELOAD,
	      "calls that may go back to back; the rest are spread over the window"),
	K_INT("rebound.max_attempts", rebound_max_attempts, "5", 1, 20, F_NO_RELOAD,
	      "attempts per call on 429, 5xx, timeouts and connection errors"),
	K_INT("rebound.backoff_base_ms", rebound_backoff_base_ms, "1000", 1, 600000, F_NO_RELOAD,
	      "first retry delay (doubles each time) when Rebound gives no Retry-After"),
	K_INT("rebound.backoff_max_ms", rebound_backoff_max_ms, "60000", 1, 3600000, F_NO_RELOAD,
	      "longest retry delay"),
	K_INT("rebound.poll_interval_s", rebound_poll_interval_s, "300", 0, 86400, F_NO_RELOAD,
	      "seconds between polls for what notifications missed; 0 = no poller"),
	K_INT("rebound.poll_lookback_days", rebound_poll_lookback_days, "2", 1, 365, F_NO_RELOAD,
	      "legacy API: each poll searches returns added in this many recent days"),
	K_INT("rebound.search_window_days", rebound_search_window_days, "7", 1, 31, F_NO_RELOAD,
	      "legacy API: days per returns/search call (backfill and poll)"),
	K_ENUM("rebound.fetch_tracking", rebound_fetch_tracking, "on", onoff_choices, F_NO_RELOAD,
	       "legacy API: also read tracking/get events (one more call per return)"),
	K_STR("rebound.cancelled_status", rebound_cancelled_status, "Cancelled", F_NO_RELOAD, NULL,
	      "tracking status text that means the return was cancelled (an assumption)"),
	K_STR("rebound.final_status", rebound_final_status, "Delivered", F_NO_RELOAD, NULL,
	      "tracking status after which the poller stops re-checking a return"),
	K_ENUM("rebound.status_push", rebound_status_push, "off", push_choices, F_NO_RELOAD,
	       "tell Rebound the refund status: off, or legacy (a legacy API call)"),
	K_STR("rebound.status_push_call", rebound_status_push_call, "tracking/add_status", F_NO_RELOAD, NULL,
	      "legacy API call used for the status push"),
	K_STR("rebound.status_push_text", rebound_status_push_text, "Refunded", F_NO_RELOAD, NULL,
	      "status text pushed once the credit note is posted"),
	K_STR("rebound.status_push_request", rebound_status_push_request,
	      "{\"return\":{\"id\":\"{return_id}\",\"type\":\"id\"},\"status\":\"{status}\"}",
	      F_NO_RELOAD, NULL,
	      "JSON request of the push; {return_id} {order_ref} {status} {amount} {currency} {credit_note} {date} are filled in"),
	K_INT("rebound.status_push_max_attempts", rebound_status_push_max_attempts, "10", 1, 1000, F_NO_RELOAD,
	      "push rounds before a failed push becomes an exception"),
	K_INT("rebound.status_push_retry_s", rebound_status_push_retry_s, "300", 1, 86400, F_NO_RELOAD,
	      "seconds between push rounds"),
	/* [engine]: the return-to-refund engine (docs/internals/engine.md);
	 * it runs in the daemon when odoo.url is set */
	K_ENUM("engine.order_key", engine_order_key, "name", order_key_choices, F_NO_RELOAD,
	       "how Rebound's order reference finds the Odoo sale order: its name or its client_order_ref"),
	K_INT("engine.poll_interval_s", engine_poll_interval_s, "60", 1, 86400, F_NO_RELOAD,
	      "seconds between reads of return pickings waiting for the warehouse (one call for all)"),
	K_INT("engine.max_attempts", engine_max_attempts, "30", 1, 1000, F_NO_RELOAD,
	      "tries of a step that failed on something passing before the return is put on hold"),
	K_INT("engine.backoff_base_ms", engine_backoff_base_ms, "2000", 10, 3600000, F_NO_RELOAD,
	      "first pause before retrying a failed step; doubles each try, with jitter"),
	K_INT("engine.backoff_max_ms", engine_backoff_max_ms, "600000", 10, 86400000, F_NO_RELOAD,
	      "longest pause between tries of a step"),
	K_INT("engine.lease_s", engine_lease_s, "300", 5, 86400, F_NO_RELOAD,
	      "how long a worker holds a job; a crashed worker's job is taken again after it"),
	K_INT("engine.workers", engine_workers, "2", 1, 16, F_NO_RELOAD,
	      "engine threads; each works on its own batch of returns (never two on one sale order)"),
	K_INT("engine.batch_size", engine_batch_size, "20", 1, 200, F_NO_RELOAD,
	      "returns a worker takes at once; each step reads and writes Odoo once for the whole batch"),
	K_INT("engine.odoo_max_calls", engine_odoo_max_calls, "2", 1, 64, F_NO_RELOAD,
	      "Odoo calls in flight at most, all workers together: the rest of Odoo's workers stay free for its users"),
	/* [refund]: the refund policy (docs/refund-policy.md) */
	K_ENUM("refund.default", refund_default, "full", policy_choices, F_NO_RELOAD,
	       "refund policy of a received line neither [refund.reason] nor [refund.disposition] names: full, none (not credited) or approval (a person decides)"),
	K_ENUM("refund.ordered_qty", refund_ordered_qty, "warn", ordered_choices, F_NO_RELOAD,
	       "products invoiced on ordered quantities: a credit note puts the order back to 'to invoice'; warn = credit and raise an exception for finance, hold = hold the return for finance first, note = only say so in the note on the sale order"),
	K_STR("refund.payment_journal", refund_payment_journal, "", F_NO_RELOAD, NULL,
	      "code of the Odoo journal (e.g. BNK1) to register the refund payment on when the customer had paid; empty = finance pays it"),
	K_ENUM("engine.post_credit_notes", engine_post_credit_notes, "on", onoff_choices, F_NO_RELOAD,
	       "off: credit notes are left in draft for finance to post in Odoo; the return shows CREDIT_DRAFT until they do"),
	/* POST /odoo/notifications/<token>: Odoo sends no credentials, so the
	 * path's last part is the secret (docs/odoo.md) */
	K_STR("odoo.webhook_token", odoo_webhook_token, "", F_SECRET, NULL,
	      "secret last part of the URL Odoo's \"Send Webhook Notification\" rule posts to; empty = endpoint off"),
};

/* Map sections: any key is allowed, each one a row of data. */
struct load_ctx;
typedef void map_check_fn(struct load_ctx *x, int line, const char *key, const char *value);
static map_check_fn check_target, check_policy;

struct cfg_map_section {
	const char *name;          /* the [section] */
	const char *pattern;       /* its name in the key list */
	size_t off;
	const char *range;         /* what a value may be, for --keys */
	const char *help;
	map_check_fn *check;       /* each value's check */
};

static const struct cfg_map_section maps[] = {
	{ "disposition.reason", "disposition.reason.*", O(disposition_reason), "stock|quarantine|scrap|LOCATION",
	  "Rebound reason code (as Rebound sends it, any case) = target", check_target },
	{ "disposition.grade", "disposition.grade.*", O(disposition_grade), "stock|quarantine|scrap|LOCATION",
	  "hub grade or final disposition = target; a grade wins over the reason", check_target },
	{ "refund.reason", "refund.reason.*", O(refund_reason), "full|none|approval",
	  "Rebound reason code (any case) = refund policy for lines returned for it", check_policy },
	{ "refund.disposition", "refund.disposition.*", O(refund_disposition), "full|none|approval",
	  "where the warehouse put the item (stock|quarantine|scrap|other) = refund policy", check_policy },
};

#define MAP_MAX_ENTRIES 512

static const char *const type_names[] = { "string", "integer", "choice" };

static const struct cfg_key *find_key(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_LEN(keys); i++)
		if (strcmp(keys[i].name, name) == 0)
			return &keys[i];
	return NULL;
}

static struct cfg_map *map_field(struct cfg *c, const struct cfg_map_section *m)
{
	return (struct cfg_map *)(void *)((char *)c + m->off);
}

static const struct cfg_map *cmap_field(const struct cfg *c,
					const struct cfg_map_section *m)
{
	return (const struct cfg_map *)(const void *)((const char *)c + m->off);
}

const char *cfg_map_get(const struct cfg_map *m, const char *key)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		if (strcasecmp(m->items[i].key, key) == 0)
			return m->items[i].value;
	return NULL;
}

static void map_release(struct cfg_map *m)
{
	size_t i;

	for (i = 0; i < m->n; i++) {
		free(m->items[i].key);
		free(m->items[i].value);
	}
	free(m->items);
	m->items = NULL;
	m->n = 0;
}

static char **str_field(struct cfg *c, const struct cfg_key *k)
{
	return (char **)(void *)((char *)c + k->off);
}

static const char *cstr_field(const struct cfg *c, const struct cfg_key *k)
{
	return *(char *const *)(const void *)((const char *)c + k->off);
}

static int64_t *int_field(struct cfg *c, const struct cfg_key *k)
{
	return (int64_t *)(void *)((char *)c + k->off);
}

static int *enum_field(struct cfg *c, const struct cfg_key *k)
{
	return (int *)(void *)((char *)c + k->off);
}

static enum err_code check_listen(const char *v, struct err *e)
{
	unsigned char addr[16];

	if (inet_pton(AF_INET, v, addr) == 1 || inet_pton(AF_INET6, v, addr) == 1)
		return ERR_OK;
	return err_set(e, ERR_INVALID, "\"%s\" is not an IP address (use 127.0.0.1, 0.0.0.0 or ::)", v);
}

static enum err_code check_nonempty(const char *v, struct err *e)
{
	if (*v)
		return ERR_OK;
	return err_set(e, ERR_INVALID, "must not be empty");
}

static enum err_code check_url(const char *v, struct err *e)
{
	if (*v == '\0' || strncmp(v, "http://", 7) == 0 || strncmp(v, "https://", 8) == 0)
		return ERR_OK;
	return err_set(e, ERR_INVALID, "\"%s\" must start with https:// (or http:// for a local test)", v);
}

/* An HTTP header name: RFC 9110 token characters. */
static enum err_code check_header_opt(const char *v, struct err *e)
{
	const char *p;

	for (p = v; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("!#$%&'*+-.^_`|~", *p))
			return err_set(e, ERR_INVALID, "\"%s\" is not an HTTP header name", v);
	return ERR_OK;
}

static enum err_code check_header(const char *v, struct err *e)
{
	if (!*v)
		return err_set(e, ERR_INVALID, "a header name is required");
	return check_header_opt(v, e);
}

/* Set one key from its text form. Used for defaults and file values alike,
 * so the defaults are checked by the same code as user input. */
static enum err_code set_value(struct cfg *c, const struct cfg_key *k,
			       const char *v, struct err *e)
{
	char **sp;
	char *copy;
	int64_t n;
	size_t i;

	switch (k->type) {
	case T_STR:
		if (k->check && k->check(v, e) != ERR_OK)
			return ERR_INVALID;
		copy = strdup(v);
		if (!copy)
			return err_set(e, ERR_NOMEM, "out of memory");
		sp = str_field(c, k);
		if (*sp && (k->flags & F_SECRET))
			explicit_bzero(*sp, strlen(*sp));
		free(*sp);
		*sp = copy;
		return ERR_OK;
	case T_INT:
		if (parse_int64(v, k->min, k->max, &n, e) != ERR_OK)
			return ERR_INVALID;
		*int_field(c, k) = n;
		return ERR_OK;
	case T_ENUM:
		for (i = 0; k->choices[i]; i++) {
			if (strcasecmp(v, k->choices[i]) == 0) {
				*enum_field(c, k) = (int)i;
				return ERR_OK;
			}
		}
		{
			struct buf b = BUF_INIT(200);

			for (i = 0; k->choices[i]; i++)
				buf_addf(&b, "%s%s", i ? ", " : "", k->choices[i]);
			err_set(e, ERR_INVALID, "\"%s\" is not one of: %s", v, buf_str(&b));
			buf_release(&b);
		}
		return ERR_INVALID;
	}
	BUG("config key %s has unknown type %d", k->name, (int)k->type);
}

enum err_code cfg_defaults(struct cfg *c, struct err *e)
{
	size_t i;
	enum err_code rc;

	memset(c, 0, sizeof(*c));
	c->source = strdup("");
	if (!c->source)
		return err_set(e, ERR_NOMEM, "out of memory");
	for (i = 0; i < ARRAY_LEN(keys); i++) {
		rc = set_value(c, &keys[i], keys[i].def, e);
		if (rc == ERR_INVALID)
			BUG("default of %s does not pass its own check: %s",
			    keys[i].name, e ? e->msg : "");
		if (rc != ERR_OK) {
			cfg_release(c);
			return rc;
		}
	}
	return ERR_OK;
}

void cfg_release(struct cfg *c)
{
	size_t i;
	char **sp;

	for (i = 0; i < ARRAY_LEN(keys); i++) {
		if (keys[i].type != T_STR)
			continue;
		sp = str_field(c, &keys[i]);
		if (*sp && (keys[i].flags & F_SECRET))
			explicit_bzero(*sp, strlen(*sp));
		free(*sp);
		*sp = NULL;
	}
	for (i = 0; i < ARRAY_LEN(maps); i++)
		map_release(map_field(c, &maps[i]));
	free(c->source);
	c->source = NULL;
}

/* --- loading ------------------------------------------------------------ */

struct load_ctx {
	struct cfg *c;
	struct cfg_report *rep;
	const char *base_dir;
	int nproblems;
	unsigned char seen[ARRAY_LEN(keys)];
	int seen_line[ARRAY_LEN(keys)];
	unsigned char map_seen[ARRAY_LEN(maps)];
};

static void add_problem(struct load_ctx *x, int line, const char *key,
			const char *msg)
{
	struct cfg_problem *p;

	x->nproblems++;
	if (!x->rep)
		return;
	if (x->rep->count < CFG_PROBLEMS_MAX) {
		p = &x->rep->items[x->rep->count];
		p->line = line;
		snprintf(p->key, sizeof(p->key), "%s", key ? key : "");
		snprintf(p->msg, sizeof(p->msg), "%s", msg);
	}
	x->rep->count++;
}

static enum err_code join_path(const char *base, const char *rel, char **out,
			       struct err *e)
{
	struct buf b = BUF_INIT(4096);

	if (rel[0] == '/' || !base || !*base || strcmp(base, ".") == 0)
		buf_adds(&b, rel);
	else
		buf_addf(&b, "%s/%s", base, rel);
	if (buf_failed(&b)) {
		buf_release(&b);
		return err_set(e, ERR_TOO_BIG, "path too long");
	}
	*out = buf_detach(&b, NULL);
	return *out ? ERR_OK : err_set(e, ERR_NOMEM, "out of memory");
}

/* A secret written as env:NAME or file:PATH is read from there; anything
 * else is the literal secret. The resolved value is wiped by the caller. */
static enum err_code resolve_secret(const char *base_dir, const char *v,
				    char **out, struct err *e)
{
	const char *env;
	char *path = NULL;
	char *text = NULL;
	size_t n;
	enum err_code rc;

	if (strncmp(v, "env:", 4) == 0) {
		env = getenv(v + 4);
		if (!env || !*env)
			return err_set(e, ERR_CONFIG, "environment variable %s is not set (export it before starting returnbridge)", v + 4);
		*out = strdup(env);
		return *out ? ERR_OK : err_set(e, ERR_NOMEM, "out of memory");
	}
	if (strncmp(v, "file:", 5) == 0) {
		rc = join_path(base_dir, v + 5, &path, e);
		if (rc != ERR_OK)
			return rc;
		rc = ini_read_file(path, 64 * 1024, &text, e);
		free(path);
		if (rc != ERR_OK)
			return rc;
		n = strlen(text);
		while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == '\r'))
			text[--n] = '\0';
		if (n == 0) {
			free(text);
			return err_set(e, ERR_CONFIG, "secret file %s is empty", v + 5);
		}
		*out = text;
		return ERR_OK;
	}
	*out = strdup(v);
	return *out ? ERR_OK : err_set(e, ERR_NOMEM, "out of memory");
}

static const struct cfg_map_section *find_map(const char *section)
{
	size_t i;

	for (i = 0; i < ARRAY_LEN(maps); i++)
		if (strcmp(maps[i].name, section) == 0)
			return &maps[i];
	return NULL;
}

static void map_entry(struct load_ctx *x, const struct cfg_map_section *ms,
		      int line, const char *key, const char *value)
{
	struct cfg_map *m = map_field(x->c, ms);
	struct cfg_map_entry *grown;
	char full[200];
	char msg[300];
	size_t i;

	snprintf(full, sizeof(full), "%s.%s", ms->name, key);
	if (!x->map_seen[ms - maps]) {
		x->map_seen[ms - maps] = 1;
		if (x->rep)
			x->rep->keys_set++;
	}
	for (i = 0; i < m->n; i++) {
		if (strcasecmp(m->items[i].key, key) == 0) {
			snprintf(msg, sizeof(msg), "set twice (first on line %d; keys ignore case)",
				 m->items[i].line);
			add_problem(x, line, full, msg);
			return;
		}
	}
	if (strlen(key) > 100 || !*value || strlen(value) > 200) {
		add_problem(x, line, full, *value ? "key or value too long (100 / 200 characters at most)"
					      : "needs a target: stock, quarantine, scrap or a location's full name");
		return;
	}
	if (m->n == MAP_MAX_ENTRIES) {
		add_problem(x, line, full, "too many entries in this section (512 at most)");
		return;
	}
	grown = realloc(m->items, (m->n + 1) * sizeof(*m->items));
	if (!grown) {
		add_problem(x, line, full, "out of memory");
		return;
	}
	m->items = grown;
	m->items[m->n].key = strdup(key);
	m->items[m->n].value = strdup(value);
	m->items[m->n].line = line;
	m->n++;
	if (!m->items[m->n - 1].key || !m->items[m->n - 1].value)
		add_problem(x, line, full, "out of memory");
}

static void on_entry(int line, const char *section, const char *key,
		     const char *value, void *arg)
{
	struct load_ctx *x = arg;
	struct err e = ERR_INIT;
	char full[160];
	char msg[300];
	char *resolved = NULL;
	const struct cfg_key *k;
	size_t idx;

	if (!*section) {
		snprintf(msg, sizeof(msg), "key \"%s\" is outside any [section]", key);
		add_problem(x, line, key, msg);
		return;
	}
	snprintf(full, sizeof(full), "%s.%s", section, key);
	k = find_key(full);
	if (!k && find_map(section)) {
		map_entry(x, find_map(section), line, key, value);
		return;
	}
	if (!k) {
		add_problem(x, line, full, "unknown key (check the spelling; `returnbridge check-config --keys` lists every key)");
		return;
	}
	idx = (size_t)(k - keys);
	if (x->seen[idx]) {
		snprintf(msg, sizeof(msg), "set twice (first on line %d)", x->seen_line[idx]);
		add_problem(x, line, full, msg);
		return;
	}
	x->seen[idx] = 1;
	x->seen_line[idx] = line;
	if (x->rep)
		x->rep->keys_set++;
	if (k->flags & F_SECRET) {
		if (resolve_secret(x->base_dir, value, &resolved, &e) != ERR_OK) {
			add_problem(x, line, full, e.msg);
			return;
		}
		value = resolved;
	} else if ((k->flags & F_PATH) && *value) {
		if (join_path(x->base_dir, value, &resolved, &e) != ERR_OK) {
			add_problem(x, line, full, e.msg);
			return;
		}
		value = resolved;
	}
	if (set_value(x->c, k, value, &e) != ERR_OK)
		add_problem(x, line, full, e.msg);
	if (resolved) {
		explicit_bzero(resolved, strlen(resolved));
		free(resolved);
	}
}

static void on_syntax(int line, const char *msg, void *arg)
{
	add_problem(arg, line, NULL, msg);
}

static int key_line(const struct load_ctx *x, const char *name)
{
	const struct cfg_key *k = find_key(name);

	return k ? x->seen_line[(size_t)(k - keys)] : 0;
}

/* Each endpoint's auth scheme needs its secrets. */
static void webhook_checks(struct load_ctx *x)
{
	static const char *const sec[] = { "webhook.tracking", "webhook.refund_trigger" };
	char key[96], msg[200];
	int i;

	for (i = 0; i < CFG_WEBHOOK__COUNT; i++) {
		const struct cfg_webhook *w = &x->c->webhook[i];
		const char *need = NULL;

		if (w->auth == CFG_AUTH_TOKEN && !*w->token)
			need = "token";
		else if (w->auth == CFG_AUTH_BASIC && !*w->basic_user)
			need = "basic_user";
		else if (w->auth == CFG_AUTH_BASIC && !*w->basic_password)
			need = "basic_password";
		else if (w->auth == CFG_AUTH_HMAC && !*w->hmac_secret)
			need = "hmac_secret";
		if (!need)
			continue;
		snprintf(key, sizeof(key), "%s.auth", sec[i]);
		snprintf(msg, sizeof(msg), "auth = %s needs %s.%s (use env:VAR or file:PATH)",
			 auth_choices[w->auth], sec[i], need);
		add_problem(x, key_line(x, key), key, msg);
	}
}

/* A target is stock, quarantine or scrap (then that location key must be
 * set) or a location's full name (checked in Odoo by `returnbridge doctor`). */
static void check_target(struct load_ctx *x, int line, const char *key,
			 const char *target)
{
	const struct cfg *c = x->c;
	const char *loc = NULL;
	char msg[300];

	if (strcasecmp(target, "stock") == 0)
		loc = c->disposition_stock;
	else if (strcasecmp(target, "quarantine") == 0)
		loc = c->disposition_quarantine;
	else if (strcasecmp(target, "scrap") == 0)
		loc = c->disposition_scrap;
	else
		return;
	if (*loc)
		return;
	snprintf(msg, sizeof(msg), "target \"%s\" needs disposition.%s to name a location",
		 target, target);
	add_problem(x, line, key, msg);
}

static void check_policy(struct load_ctx *x, int line, const char *key, const char *value)
{
	if (strcmp(value, "full") != 0 && strcmp(value, "none") != 0 &&
	    strcmp(value, "approval") != 0)
		add_problem(x, line, key, "must be full, none or approval");
}

/* The chosen Rebound API needs its credentials. */
static void rebound_cross_checks(struct load_ctx *x)
{
	const struct cfg *c = x->c;

	if (c->rebound_api == CFG_REBOUND_LEGACY &&
	    (!*c->rebound_legacy_login || !*c->rebound_legacy_api_key))
		add_problem(x, key_line(x, "rebound.api"), "rebound.api",
			    "rebound.api = legacy needs rebound.legacy_login and rebound.legacy_api_key");
	if (c->rebound_api == CFG_REBOUND_PLATFORM &&
	    (!*c->rebound_platform_client_id || !*c->rebound_platform_client_secret))
		add_problem(x, key_line(x, "rebound.api"), "rebound.api",
			    "rebound.api = platform needs rebound.platform_client_id and rebound.platform_client_secret");
	if (c->rebound_status_push == CFG_PUSH_LEGACY &&
	    (!*c->rebound_legacy_login || !*c->rebound_legacy_api_key))
		add_problem(x, key_line(x, "rebound.status_push"), "rebound.status_push",
			    "rebound.status_push = legacy needs rebound.legacy_login and rebound.legacy_api_key");
}

static void cross_checks(struct load_ctx *x)
{
	const struct cfg *c = x->c;
	const struct cfg_map *m;
	char full[200];
	size_t i, j;

	webhook_checks(x);

	if (c->store_backend == CFG_STORE_POSTGRESQL)
		add_problem(x, key_line(x, "store.backend"), "store.backend",
			    "postgresql is not available in this version yet; use sqlite");
	if (!*c->store_path)
		add_problem(x, 0, "store.path", "must not be empty");
	if (*c->odoo_url && (!*c->odoo_database || !*c->odoo_user || !*c->odoo_api_key))
		add_problem(x, key_line(x, "odoo.url"), "odoo.url", "odoo.url is set, so odoo.database, odoo.user and odoo.api_key are needed too");
	check_target(x, key_line(x, "disposition.default"), "disposition.default", c->disposition_default);
	for (i = 0; i < ARRAY_LEN(maps); i++) {
		m = cmap_field(c, &maps[i]);
		for (j = 0; j < m->n; j++) {
			snprintf(full, sizeof(full), "%s.%s", maps[i].name, m->items[j].key);
			maps[i].check(x, m->items[j].line, full, m->items[j].value);
		}
	}
	rebound_cross_checks(x);
}

enum err_code cfg_load_string(const char *text, const char *name,
			      const char *base_dir, struct cfg *out,
			      struct cfg_report *rep, struct err *e)
{
	struct load_ctx x;
	enum err_code rc;

	memset(&x, 0, sizeof(x));
	if (rep)
		memset(rep, 0, sizeof(*rep));
	rc = cfg_defaults(out, e);
	if (rc != ERR_OK)
		return rc;
	free(out->source);
	out->source = strdup(name ? name : "");
	if (!out->source) {
		cfg_release(out);
		return err_set(e, ERR_NOMEM, "out of memory");
	}
	x.c = out;
	x.rep = rep;
	x.base_dir = base_dir;
	ini_parse_string(text, on_entry, on_syntax, &x);
	cross_checks(&x);
	if (x.nproblems == 0)
		return ERR_OK;
	cfg_release(out);
	return err_set(e, ERR_CONFIG, "%s has %d configuration problem%s; fix %s and check again with `returnbridge check-config -c %s`",
		       name ? name : "config", x.nproblems, x.nproblems == 1 ? "" : "s",
		       x.nproblems == 1 ? "it" : "them", name ? name : "FILE");
}

enum err_code cfg_load(const char *path, struct cfg *out,
		       struct cfg_report *rep, struct err *e)
{
	struct err re = ERR_INIT;
	char *text = NULL;
	char *dir = NULL;
	char *slash;
	enum err_code rc;

	memset(out, 0, sizeof(*out));
	if (rep)
		memset(rep, 0, sizeof(*rep));
	rc = ini_read_file(path, 1024 * 1024, &text, &re);
	if (rc != ERR_OK)
		return err_set(e, ERR_CONFIG, "%s (create it from the sample dist/returnbridge.ini, or pass -c FILE)", re.msg);
	dir = strdup(path);
	if (!dir) {
		free(text);
		return err_set(e, ERR_NOMEM, "out of memory");
	}
	slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	else
		memcpy(dir, ".", 2); /* fits: path is at least one byte long */
	rc = cfg_load_string(text, path, dir, out, rep, e);
	free(dir);
	free(text);
	return rc;
}

/* --- reporting ---------------------------------------------------------- */

void cfg_report_print(const struct cfg_report *rep, const char *path, FILE *f)
{
	int i, n = rep->count < CFG_PROBLEMS_MAX ? rep->count : CFG_PROBLEMS_MAX;

	for (i = 0; i < n; i++) {
		const struct cfg_problem *p = &rep->items[i];

		if (p->line > 0)
			fprintf(f, "%s:%d: ", path, p->line);
		else
			fprintf(f, "%s: ", path);
		if (p->key[0])
			fprintf(f, "%s: ", p->key);
		fprintf(f, "%s\n", p->msg);
	}
	if (rep->count > n)
		fprintf(f, "%s: ... and %d more problems\n", path, rep->count - n);
}

static void value_text(const struct cfg *c, const struct cfg_key *k,
		       struct buf *b)
{
	const char *s;

	switch (k->type) {
	case T_STR:
		s = cstr_field(c, k);
		if (k->flags & F_SECRET)
			buf_adds(b, s && *s ? "(set)" : "(not set)");
		else
			buf_adds(b, s ? s : "");
		return;
	case T_INT:
		buf_addf(b, "%" PRId64, *int_field((struct cfg *)c, k));
		return;
	case T_ENUM:
		buf_adds(b, k->choices[*enum_field((struct cfg *)c, k)]);
		return;
	}
	BUG("config key %s has unknown type", k->name);
}

static void json_escape(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			fprintf(f, "\\%c", ch);
		else if (ch < 0x20)
			fprintf(f, "\\u%04x", ch);
		else
			fputc(ch, f);
	}
	fputc('"', f);
}

static void print_maps(const struct cfg *c, bool json, FILE *f)
{
	const struct cfg_map *m;
	size_t i, j;

	for (i = 0; i < ARRAY_LEN(maps); i++) {
		m = cmap_field(c, &maps[i]);
		if (json) {
			fputc(',', f);
			json_escape(f, maps[i].name);
			fputs(":{", f);
		} else {
			fprintf(f, "\n[%s]\n", maps[i].name);
		}
		for (j = 0; j < m->n; j++) {
			if (json) {
				fputs(j ? "," : "", f);
				json_escape(f, m->items[j].key);
				fputc(':', f);
				json_escape(f, m->items[j].value);
			} else {
				fprintf(f, "%s = %s\n", m->items[j].key, m->items[j].value);
			}
		}
		if (json)
			fputc('}', f);
	}
}

void cfg_print(const struct cfg *c, bool json, FILE *f)
{
	char section[64] = "";
	struct buf v = BUF_INIT(8192);
	const char *dot;
	size_t i;

	if (json)
		fputc('{', f);
	for (i = 0; i < ARRAY_LEN(keys); i++) {
		const struct cfg_key *k = &keys[i];

		buf_reset(&v);
		value_text(c, k, &v);
		if (json) {
			fprintf(f, "%s", i ? "," : "");
			json_escape(f, k->name);
			fputc(':', f);
			if (k->type == T_INT)
				fputs(buf_str(&v), f);
			else
				json_escape(f, buf_str(&v));
			continue;
		}
		dot = strchr(k->name, '.');
		if (strncmp(section, k->name, (size_t)(dot - k->name)) != 0 ||
		    section[dot - k->name] != '\0') {
			snprintf(section, sizeof(section), "%.*s", (int)(dot - k->name), k->name);
			fprintf(f, "%s[%s]\n", i ? "\n" : "", section);
		}
		fprintf(f, "%s = %s\n", dot + 1, buf_str(&v));
	}
	print_maps(c, json, f);
	if (json)
		fputs("}\n", f);
	buf_release(&v);
}

/* --- reload ------------------------------------------------------------- */

int cfg_keep_no_reload(const struct cfg *cur, struct cfg *next,
		       cfg_kept_fn *on_kept, void *arg)
{
	int kept = 0;
	size_t i;

	for (i = 0; i < ARRAY_LEN(keys); i++) {
		const struct cfg_key *k = &keys[i];
		const char *a, *b;
		char *copy;

		if (!(k->flags & F_NO_RELOAD))
			continue;
		switch (k->type) {
		case T_STR:
			a = cstr_field(cur, k);
			b = cstr_field(next, k);
			if (strcmp(a, b) == 0)
				continue;
			copy = strdup(a);
			if (!copy)
				return -1;
			free(*str_field(next, k));
			*str_field(next, k) = copy;
			break;
		case T_INT:
			if (*int_field((struct cfg *)cur, k) == *int_field(next, k))
				continue;
			*int_field(next, k) = *int_field((struct cfg *)cur, k);
			break;
		case T_ENUM:
			if (*enum_field((struct cfg *)cur, k) == *enum_field(next, k))
				continue;
			*enum_field(next, k) = *enum_field((struct cfg *)cur, k);
			break;
		}
		kept++;
		if (on_kept)
			on_kept(k->name, arg);
	}
	return kept;
}

size_t cfg_key_count(void)
{
	return ARRAY_LEN(keys) + ARRAY_LEN(maps);
}

bool cfg_key_info(size_t i, struct cfg_key_desc *d)
{
	const struct cfg_key *k;
	struct buf b = BUF_INIT(sizeof(d->range) - 1);
	size_t j;

	if (i >= ARRAY_LEN(keys) + ARRAY_LEN(maps))
		return false;
	if (i >= ARRAY_LEN(keys)) {
		const struct cfg_map_section *ms = &maps[i - ARRAY_LEN(keys)];

		d->name = ms->pattern;
		d->type = "map";
		d->def = "";
		d->secret = false;
		d->reloadable = true;
		d->help = ms->help;
		snprintf(d->range, sizeof(d->range), "%s", ms->range);
		return true;
	}
	k = &keys[i];
	d->name = k->name;
	d->type = type_names[k->type];
	d->def = k->def;
	d->secret = (k->flags & F_SECRET) != 0;
	d->reloadable = (k->flags & F_NO_RELOAD) == 0;
	d->help = k->help;
	if (k->type == T_INT)
		buf_addf(&b, "%" PRId64 "..%" PRId64, k->min, k->max);
	for (j = 0; k->type == T_ENUM && k->choices[j]; j++)
		buf_addf(&b, "%s%s", j ? "|" : "", k->choices[j]);
	snprintf(d->range, sizeof(d->range), "%s", buf_str(&b));
	buf_release(&b);
	return true;
}
