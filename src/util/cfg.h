/* cfg: returnbridge's configuration. Every key is declared once, in the
 * table in cfg.c, with its type, default, range, and whether it is secret
 * or needs a restart; that table drives parsing, defaults, range checks,
 * `returnbridge check-config`, the printed (redacted) view and reload. */
#ifndef UTIL_CFG_H
#define UTIL_CFG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "util/err.h"

enum cfg_store_backend { CFG_STORE_SQLITE = 0, CFG_STORE_POSTGRESQL };
enum cfg_rebound_api { CFG_REBOUND_NONE = 0, CFG_REBOUND_LEGACY, CFG_REBOUND_PLATFORM };
enum cfg_status_push { CFG_PUSH_OFF = 0, CFG_PUSH_LEGACY };
enum cfg_webhook_auth { CFG_AUTH_NONE = 0, CFG_AUTH_TOKEN, CFG_AUTH_BASIC, CFG_AUTH_HMAC };
enum cfg_hmac_encoding { CFG_HMAC_HEX = 0, CFG_HMAC_BASE64 };
enum cfg_order_key { CFG_ORDER_BY_NAME = 0, CFG_ORDER_BY_CLIENT_REF };
enum cfg_webhook_endpoint { CFG_WEBHOOK_TRACKING = 0, CFG_WEBHOOK_REFUND_TRIGGER, CFG_WEBHOOK__COUNT };

/* How one Rebound notification endpoint authenticates its sender
 * (docs/rebound-notifications.md). */
struct cfg_webhook {
	int auth;                  /* enum cfg_webhook_auth */
	char *token_header;
	char *token;               /* SECRET */
	char *basic_user;
	char *basic_password;      /* SECRET */
	char *hmac_header;
	int hmac_encoding;         /* enum cfg_hmac_encoding */
	char *hmac_secret;         /* SECRET */
	char *hmac_secret_previous;/* SECRET, accepted during a rotation */
	char *timestamp_header;    /* "" = sign the body alone */
	int64_t timestamp_tolerance_s;
};

/* A map section: every key in it is data (a Rebound reason code, a hub
 * grade), not a fixed name. Keys keep their spelling; lookups ignore case. */
struct cfg_map_entry {
	char *key;
	char *value;
	int line;                  /* where the file set it; 0 for none */
};

struct cfg_map {
	size_t n;
	struct cfg_map_entry *items;
};

/* The value for key (case-insensitive), or NULL. Borrowed. */
const char *cfg_map_get(const struct cfg_map *m, const char *key);

struct cfg {
	char *source;              /* file it came from, "" for defaults */
	/* [server] */
	char *server_listen;
	int64_t server_port;
	int64_t server_max_body_bytes;
	int64_t server_shutdown_grace_ms;
	int64_t server_threads;
	/* [webhook.tracking], [webhook.refund_trigger] */
	struct cfg_webhook webhook[CFG_WEBHOOK__COUNT];
	/* [log] */
	int log_level;             /* enum log_level */
	int log_format;            /* enum log_format */
	char *log_file;            /* "" = stderr */
	/* [store] */
	int store_backend;         /* enum cfg_store_backend */
	char *store_path;
	int64_t store_busy_timeout_ms;
	int store_synchronous;     /* 0 full, 1 normal */
	int64_t store_raw_body_retention_days;
	int64_t store_purge_interval_s;
	/* [odoo] */
	char *odoo_url;
	char *odoo_database;
	char *odoo_user;
	char *odoo_api_key;        /* SECRET */
	int64_t odoo_timeout_ms;
	int64_t odoo_connect_timeout_ms;
	int64_t odoo_read_attempts;
	int64_t odoo_retry_backoff_ms;
	/* [disposition]: where returned goods go in Odoo */
	char *disposition_stock;       /* location full names, e.g. WH/Stock */
	char *disposition_quarantine;
	char *disposition_scrap;
	char *disposition_default;     /* a target: see cfg_map below */
	/* [disposition.reason] and [disposition.grade]: code -> target, where
	 * a target is stock, quarantine, scrap or a location's full name */
	struct cfg_map disposition_reason;
	struct cfg_map disposition_grade;
	/* [rebound] (API clients, poller, backfill, status push) */
	int rebound_api;           /* enum cfg_rebound_api */
	char *rebound_legacy_url;
	char *rebound_legacy_login;
	char *rebound_legacy_api_key;        /* SECRET */
	char *rebound_platform_url;
	char *rebound_platform_token_url;
	char *rebound_platform_orders_path;
	char *rebound_platform_client_id;
	char *rebound_platform_client_secret; /* SECRET */
	char *rebound_platform_flow_key;
	int64_t rebound_platform_page_size;
	int64_t rebound_timeout_ms;
	int64_t rebound_rate_limit_calls;    /* 0 = no limit */
	int64_t rebound_rate_limit_window_s;
	int64_t rebound_rate_limit_burst;
	int64_t rebound_max_attempts;
	int64_t rebound_backoff_base_ms;
	int64_t rebound_backoff_max_ms;
	int64_t rebound_poll_interval_s;     /* 0 = no poller */
	int64_t rebound_poll_lookback_days;
	int64_t rebound_search_window_days;
	int rebound_fetch_tracking;          /* 0 off, 1 on */
	char *rebound_cancelled_status;
	char *rebound_final_status;
	int rebound_status_push;             /* enum cfg_status_push */
	char *rebound_status_push_call;
	char *rebound_status_push_text;
	char *rebound_status_push_request;
	int64_t rebound_status_push_max_attempts;
	int64_t rebound_status_push_retry_s;
	/* [engine]: the return-to-refund engine (docs/internals/engine.md) */
	int engine_order_key;                /* enum cfg_order_key */
	int64_t engine_poll_interval_s;
	int64_t engine_max_attempts;
	int64_t engine_backoff_base_ms;
	int64_t engine_backoff_max_ms;
	int64_t engine_lease_s;
	int64_t engine_workers;
	int64_t engine_batch_size;
	int64_t engine_odoo_max_calls;
	int engine_post_credit_notes;        /* 0 off (finance posts), 1 on */
	/* [refund]: the refund policy */
	int refund_default;                  /* enum cfg_policy */
	int refund_ordered_qty;              /* 0 warn, 1 hold, 2 note */
	char *refund_payment_journal;        /* journal code; "" = none */
	struct cfg_map refund_reason;        /* reason -> full|none|approval */
	struct cfg_map refund_disposition;   /* stock|quarantine|scrap|other -> policy */
	/* POST /odoo/notifications/<token> (docs/odoo.md) */
	char *odoo_webhook_token;            /* SECRET; "" = endpoint off */
};

enum cfg_policy { CFG_POLICY_FULL = 0, CFG_POLICY_NONE, CFG_POLICY_APPROVAL };

#define CFG_PROBLEMS_MAX 64

struct cfg_problem {
	int line;                  /* 0 when not tied to a line */
	char key[64];              /* "section.key", or "" */
	char msg[256];
};

struct cfg_report {
	int count;                 /* may exceed CFG_PROBLEMS_MAX; extra are dropped */
	struct cfg_problem items[CFG_PROBLEMS_MAX];
	int keys_set;              /* keys the file set (a map section: one) */
};

/* Fill *c with every default. ERR_NOMEM only. Release with cfg_release. */
MUST_CHECK enum err_code cfg_defaults(struct cfg *c, struct err *e);

/* Load path over the defaults into *out. Every problem (syntax, unknown
 * key, bad type or range, unreadable secret) goes into *rep (may be NULL).
 * ERR_CONFIG if there was any problem; *out is then released and empty.
 * Relative paths in the file (store.path, log.file, file: secrets) are
 * taken relative to the directory of path. */
MUST_CHECK enum err_code cfg_load(const char *path, struct cfg *out,
				  struct cfg_report *rep, struct err *e);

/* Same, from text; base_dir resolves relative paths (NULL = cwd). */
MUST_CHECK enum err_code cfg_load_string(const char *text, const char *name,
					 const char *base_dir, struct cfg *out,
					 struct cfg_report *rep, struct err *e);

/* Free every string (secrets are wiped first). Safe on a zeroed struct. */
void cfg_release(struct cfg *c);

/* Print "file:line: key: message" for every problem in rep to f. */
void cfg_report_print(const struct cfg_report *rep, const char *path, FILE *f);

/* Print the effective configuration as INI (or JSON when json is true),
 * secrets shown only as "(set)"/"(not set)". */
void cfg_print(const struct cfg *c, bool json, FILE *f);

/* Reload support: for every key that cannot be reloaded and differs
 * between cur and next, copy cur's value into next and call on_kept with
 * the key name. Returns how many such keys there were; -1 on OOM. */
typedef void cfg_kept_fn(const char *key, void *arg);
int cfg_keep_no_reload(const struct cfg *cur, struct cfg *next,
		       cfg_kept_fn *on_kept, void *arg);

/* Number of keys in the table; a map section counts as one key, named
 * "section.*" with type "map". */
size_t cfg_key_count(void);

struct cfg_key_desc {
	const char *name;          /* "section.key" */
	const char *type;          /* "string", "integer", "choice", "map" */
	const char *def;           /* default, as written in a file */
	char range[128];           /* "0..65535", "error|warn|info|debug", "" */
	bool secret;
	bool reloadable;           /* false: a change needs a restart */
	const char *help;
};

/* Describe key i into *d. Returns false past the end. */
bool cfg_key_info(size_t i, struct cfg_key_desc *d);

#endif
