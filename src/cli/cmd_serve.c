/* cmd_serve: the daemon. The main thread owns configuration, signals and
 * periodic work (processing stored events, purging raw bodies);
 * libmicrohttpd's threads answer HTTP; the intake committer thread writes
 * notifications in group commits. Signals are blocked in
 * every thread and taken synchronously here with sigtimedwait, so no
 * handler ever runs in async-signal context. See docs/internals/threads.md. */
#define LOG_COMPONENT "serve"
#include "cli/cli.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <pthread.h>
#include <unistd.h>

#include <stdlib.h>

#include "engine/engine.h"
#include "http/routes.h"
#include "rebound/intake.h"
#include "http/server.h"
#include "rb_version.h"
#include "rebound/poller.h"
#include "store/store.h"
#include "util/clock.h"
#include "util/log.h"

struct daemon {
	const char *config_path;
	struct cfg *cfg;               /* swapped by reload under cfg_lock */
	pthread_rwlock_t cfg_lock;
	struct store *st;              /* the main loop's handle */
	struct store *st_http;         /* HTTP threads' and the committer's */
	struct intake_committer *intake;
	struct http_server *http;
	struct http_ctx ctx;
	int64_t next_purge_ms;
	struct poller *poller;         /* Rebound poller thread, NULL when off */
	struct engine *engine;         /* return-to-refund engine thread, NULL when off */
};

static enum err_code apply_logging(const struct cfg *c, struct err *e)
{
	return log_setup((enum log_level)c->log_level, (enum log_format)c->log_format,
			 c->log_file, e);
}

/* auth = none is a choice, but never a silent one */
static void warn_open_endpoints(const struct cfg *c, unsigned port)
{
	static const char *const names[] = { "webhook.tracking", "webhook.refund_trigger" };
	int i;

	for (i = 0; i < CFG_WEBHOOK__COUNT; i++)
		if (c->webhook[i].auth == CFG_AUTH_NONE)
			log_warn("%s.auth = none: anyone who can reach %s:%u can post notifications;"
				 " set token, basic or hmac before exposing it", names[i],
				 c->server_listen, port);
}

static void kept_key(const char *key, void *arg)
{
	(void)arg;
	log_warn("reload: %s changed but takes effect only after a restart; keeping the running value", key);
}

/* SIGHUP: parse into a fresh struct, validate, then swap. A bad file keeps
 * the running configuration. */
static void reload(struct daemon *d)
{
	struct cfg_report rep;
	struct err e = ERR_INIT;
	struct cfg *next, *old;
	int i, n;

	log_info("reload: reading %s", d->config_path);
	next = calloc(1, sizeof(*next));
	if (!next) {
		log_err("reload failed, keeping the previous configuration: out of memory");
		return;
	}
	if (cfg_load(d->config_path, next, &rep, &e) != ERR_OK) {
		n = rep.count < CFG_PROBLEMS_MAX ? rep.count : CFG_PROBLEMS_MAX;
		for (i = 0; i < n; i++)
			log_err("reload: %s:%d: %s%s%s", d->config_path, rep.items[i].line,
				rep.items[i].key, rep.items[i].key[0] ? ": " : "", rep.items[i].msg);
		log_err("reload failed, keeping the previous configuration: %s", e.msg);
		free(next);
		return;
	}
	if (cfg_keep_no_reload(d->cfg, next, kept_key, NULL) < 0 ||
	    apply_logging(next, &e) != ERR_OK) {
		log_err("reload failed, keeping the previous configuration: %s",
			e.msg[0] ? e.msg : "out of memory");
		cfg_release(next);
		free(next);
		return;
	}
	http_server_set_max_body(d->http, (size_t)next->server_max_body_bytes);
	pthread_rwlock_wrlock(&d->cfg_lock);
	old = d->cfg;
	d->cfg = next;
	pthread_rwlock_unlock(&d->cfg_lock);
	cfg_release(old);
	free(old);
	d->next_purge_ms = 0;
	warn_open_endpoints(d->cfg, http_server_port(d->http));
	log_info("configuration reloaded from %s (log level %s)", d->config_path,
		 log_level_name((enum log_level)d->cfg->log_level));
}

static void purge_if_due(struct daemon *d)
{
	struct err e = ERR_INIT;
	int64_t now = clock_now_ms(), purged = 0;
	int64_t cutoff = now - d->cfg->store_raw_body_retention_days * 86400 * 1000;

	if (now < d->next_purge_ms)
		return;
	d->next_purge_ms = now + d->cfg->store_purge_interval_s * 1000;
	if (store_purge_raw(d->st, cutoff, &purged, &e) != ERR_OK) {
		log_warn("purge of raw bodies failed (will retry): %s", e.msg);
		return;
	}
	if (purged > 0)
		log_info("purged the raw bodies of %" PRId64 " event(s) older than %" PRId64 " day(s)",
			 purged, d->cfg->store_raw_body_retention_days);
}

/* Apply stored notifications to returns; a failure is retried next tick
 * (the events stay "new" on disk). */
static void process_events(struct daemon *d)
{
	struct err e = ERR_INIT;
	int total = 0;

	/* small batches: a batch holds the store's write lock, and webhooks
	 * wait for it to commit */
	if (intake_process_all(d->st, 50, 5000, &total, &e) != ERR_OK)
		log_warn("processing notifications failed (will retry): %s", e.msg);
	if (total > 0) {
		log_debug("processed %d notification(s)", total);
		engine_wake(d->engine);    /* a new return may be waiting */
	}
}

/* Wait for signals, doing periodic work between them; returns when asked
 * to stop. */
static void main_loop(struct daemon *d, const sigset_t *set)
{
	struct timespec tick = { 0, 200 * 1000 * 1000 };
	int sig;

	for (;;) {
		process_events(d);
		/* Odoo said a picking was validated: its job is due already */
		if (atomic_exchange(&d->ctx.odoo_wake, false))
			engine_wake(d->engine);
		purge_if_due(d);
		sig = sigtimedwait(set, NULL, &tick);
		if (sig < 0)
			continue; /* EAGAIN (tick) or EINTR */
		if (sig == SIGHUP) {
			reload(d);
			continue;
		}
		log_info("received %s, shutting down", sig == SIGTERM ? "SIGTERM" : "SIGINT");
		return;
	}
}

static int parse_args(struct cli *cli, int argc, char **argv, const char **config)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	for (;;) {
		c = getopt_long(argc, argv, "c:h", opts, NULL);
		if (c == -1)
			break;
		switch (c) {
		case 'c':
			*config = optarg;
			break;
		case 'h':
			cli_usage(cli, cli_find("serve"), cli->out);
			return CLI_OK;
		default:
			fprintf(cli->err, "%s serve: bad option %s\n", cli->prog, argv[optind - 1]);
			cli_usage(cli, cli_find("serve"), cli->err);
			return CLI_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(cli->err, "%s serve: unexpected argument \"%s\" (use -c FILE)\n", cli->prog, argv[optind]);
		return CLI_USAGE;
	}
	return -1;
}

static int start(struct daemon *d)
{
	struct err e = ERR_INIT;
	const struct http_route *routes;
	size_t nroutes;

	if (store_open(d->cfg, &d->st, &e) != ERR_OK ||
	    store_open(d->cfg, &d->st_http, &e) != ERR_OK) {
		log_err("cannot start: %s", e.msg);
		return -1;
	}
	log_info("store ready: %s; durability: %s", store_describe(d->st),
		 store_durability(d->st));
	if (intake_committer_new(d->st_http, &d->intake, &e) != ERR_OK) {
		log_err("cannot start: %s", e.msg);
		return -1;
	}
	d->ctx.st = d->st_http;
	d->ctx.intake = d->intake;
	d->ctx.version = RB_VERSION;
	d->ctx.cfg_lock = &d->cfg_lock;
	d->ctx.cfg = (const struct cfg *const *)&d->cfg;
	routes = http_routes(&nroutes);
	if (http_server_start(d->cfg->server_listen, (unsigned)d->cfg->server_port,
			      (unsigned)d->cfg->server_threads, routes, nroutes,
			      (size_t)d->cfg->server_max_body_bytes, &d->ctx, &d->http, &e) != ERR_OK) {
		log_err("cannot start: %s", e.msg);
		return -1;
	}
	warn_open_endpoints(d->cfg, http_server_port(d->http));
	log_info("listening on http://%s%s%s:%u", strchr(d->cfg->server_listen, ':') ? "[" : "",
		 d->cfg->server_listen, strchr(d->cfg->server_listen, ':') ? "]" : "",
		 http_server_port(d->http));
	if (poller_start(d->cfg, &d->poller, &e) != ERR_OK) {
		log_err("cannot start: %s", e.msg);
		return -1;
	}
	if (engine_start(d->cfg, &d->engine, &e) != ERR_OK) {
		log_err("cannot start: %s", e.msg);
		return -1;
	}
	return 0;
}

/* Stop in the order that loses nothing: no new requests, in-flight ones
 * finish (their commits included), the committer drains, stored events are
 * processed, stores close. */
static void stop(struct daemon *d, int64_t grace_ms)
{
	/* first: it may be waiting on Rebound; it stops at once */
	poller_stop(d->poller);
	d->poller = NULL;
	/* finishes the step in hand: every step is committed or not begun */
	engine_stop(d->engine);
	d->engine = NULL;
	http_server_stop(d->http, grace_ms);
	d->http = NULL;
	intake_committer_free(d->intake);
	d->intake = NULL;
	if (d->st)
		process_events(d);
	store_close(d->st_http);
	store_close(d->st);
}

int cmd_serve(struct cli *cli, int argc, char **argv)
{
	struct daemon d;
	struct err e = ERR_INIT;
	const char *config = NULL;
	sigset_t set;
	int rc;

	rc = parse_args(cli, argc, argv, &config);
	if (rc >= 0)
		return rc;
	memset(&d, 0, sizeof(d));
	d.config_path = cli_config_path(config);
	d.cfg = calloc(1, sizeof(*d.cfg));
	if (!d.cfg)
		return CLI_FAIL;
	rc = cli_load_config(cli, config, d.cfg);
	if (rc != CLI_OK) {
		free(d.cfg);
		return rc;
	}
	if (apply_logging(d.cfg, &e) != ERR_OK) {
		fprintf(cli->err, "%s: %s\n", cli->prog, e.msg);
		cfg_release(d.cfg);
		free(d.cfg);
		return CLI_CONFIG;
	}
	pthread_rwlock_init(&d.cfg_lock, NULL);
	log_info("returnbridge %s starting (config %s, pid %ld)", RB_VERSION, d.config_path, (long)getpid());

	/* block before any thread exists, so every thread inherits the mask */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	rc = CLI_FAIL;
	if (start(&d) == 0) {
		main_loop(&d, &set);
		rc = CLI_OK;
	}
	stop(&d, rc == CLI_OK ? d.cfg->server_shutdown_grace_ms : 0);
	if (rc == CLI_OK)
		log_info("stopped cleanly");
	cfg_release(d.cfg);
	free(d.cfg);
	pthread_rwlock_destroy(&d.cfg_lock);
	log_shutdown();
	return rc;
}
