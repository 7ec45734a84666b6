/* cmd_store: commands that read or tidy the store — events, status,
 * purge. They open the same database as the daemon (WAL lets them read
 * while it runs). */
#include "cli/cli.h"

#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <string.h>

#include "store/store.h"
#include "util/clock.h"
#include "util/parse.h"

struct common_opts {
	const char *config;
	int json;
	int rejected;
	int64_t limit;
	int64_t days;
	int days_set;
};

/* Parse the options the store commands share; returns -1 to go on, or an
 * exit code. */
static int parse_opts(struct cli *cli, const char *name, int argc, char **argv,
		      struct common_opts *o)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "json", no_argument, NULL, 'j' },
		{ "limit", required_argument, NULL, 'n' },
		{ "days", required_argument, NULL, 'd' },
		{ "rejected", no_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const struct cli_cmd *cmd = cli_find(name);
	struct err e = ERR_INIT;
	int c;

	for (;;) {
		c = getopt_long(argc, argv, "c:n:h", opts, NULL);
		if (c == -1)
			return -1;
		switch (c) {
		case 'c':
			o->config = optarg;
			break;
		case 'j':
			o->json = 1;
			break;
		case 'r':
			o->rejected = 1;
			break;
		case 'n':
			if (parse_int64(optarg, 1, 10000, &o->limit, &e) != ERR_OK) {
				fprintf(cli->err, "%s %s: --limit: %s\n", cli->prog, name, e.msg);
				return CLI_USAGE;
			}
			break;
		case 'd':
			if (parse_int64(optarg, 0, 3650, &o->days, &e) != ERR_OK) {
				fprintf(cli->err, "%s %s: --days: %s\n", cli->prog, name, e.msg);
				return CLI_USAGE;
			}
			o->days_set = 1;
			break;
		case 'h':
			cli_usage(cli, cmd, cli->out);
			return CLI_OK;
		default:
			fprintf(cli->err, "%s %s: bad option %s\n", cli->prog, name, argv[optind - 1]);
			cli_usage(cli, cmd, cli->err);
			return CLI_USAGE;
		}
	}
}

/* --- events ------------------------------------------------------------- */

struct events_out {
	struct cli *cli;
	int json;
	int n;
};

static void print_event(const struct store_event *ev, void *arg)
{
	struct events_out *o = arg;
	char ts[CLOCK_ISO_LEN];
	json_t *j;
	char *s;

	o->n++;
	clock_iso(ev->received_at_ms, ts, sizeof(ts));
	if (!o->json) {
		if (o->n == 1)
			fprintf(o->cli->out, "%-6s %-24s %-15s %-22s %-14s %-10s %s\n", "ID",
				"RECEIVED (UTC)", "KIND", "RETURN", "ORDER", "STATUS", "RAW BODY");
		fprintf(o->cli->out, "%-6" PRId64 " %-24s %-15s %-22s %-14s %-10s ", ev->id, ts,
			ev->kind, ev->rebound_return_id ? ev->rebound_return_id : "-",
			ev->order_ref ? ev->order_ref : "-", ev->status);
		if (ev->raw_purged)
			fprintf(o->cli->out, "purged");
		else
			fprintf(o->cli->out, "%" PRId64 " bytes", ev->raw_len);
		if (ev->park_reason)
			fprintf(o->cli->out, "\n       parked: %s", ev->park_reason);
		fputc('\n', o->cli->out);
		return;
	}
	j = json_pack("{sI ss ss ss ss ss? ss? ss ss? sI sb}", "id", (json_int_t)ev->id,
		      "received_at", ts, "source", ev->source, "kind", ev->kind,
		      "dedup_key", ev->dedup_key,
		      "rebound_return_id", ev->rebound_return_id,
		      "order_ref", ev->order_ref,
		      "status", ev->status, "park_reason", ev->park_reason,
		      "raw_bytes", (json_int_t)ev->raw_len,
		      "raw_purged", ev->raw_purged);
	s = j ? json_dumps(j, JSON_COMPACT) : NULL;
	if (s)
		fprintf(o->cli->out, "%s\n", s);
	free(s);
	json_decref(j);
}

struct rejected_out {
	struct cli *cli;
	int json;
	int n;
};

static void print_rejection(const struct store_rejection *r, void *arg)
{
	struct rejected_out *o = arg;
	char first[CLOCK_ISO_LEN], last[CLOCK_ISO_LEN];
	json_t *j;
	char *s;

	o->n++;
	clock_iso(r->first_at_ms, first, sizeof(first));
	clock_iso(r->last_at_ms, last, sizeof(last));
	if (o->json) {
		j = json_pack("{ss ss sI ss ss ss?}", "endpoint", r->endpoint, "reason", r->reason,
			      "count", (json_int_t)r->count, "first_at", first, "last_at", last,
			      "last_detail", r->last_detail);
		s = j ? json_dumps(j, JSON_COMPACT) : NULL;
		if (s)
			fprintf(o->cli->out, "%s\n", s);
		free(s);
		json_decref(j);
		return;
	}
	if (o->n == 1)
		fprintf(o->cli->out, "%-26s %-20s %8s  %-24s %s\n", "ENDPOINT", "REASON", "COUNT",
			"LAST (UTC)", "LAST DETAIL");
	fprintf(o->cli->out, "%-26s %-20s %8" PRId64 "  %-24s %s\n", r->endpoint, r->reason,
		r->count, last, r->last_detail ? r->last_detail : "");
}

static int list_rejected(struct cli *cli, struct store *st, int json)
{
	struct rejected_out ro = { cli, json, 0 };
	struct err e = ERR_INIT;

	if (store_rejections_list(st, print_rejection, &ro, &e) != ERR_OK) {
		fprintf(cli->err, "%s: %s\n", cli->prog, e.msg);
		return CLI_FAIL;
	}
	if (ro.n == 0 && !json)
		fprintf(cli->out, "no refused notifications: every request so far had valid credentials\n");
	else if (!json)
		fprintf(cli->out, "\nRefused requests were not stored. If these are Rebound's, its credentials or\n"
				  "signature settings differ from [webhook.*] in the configuration: fix them\n"
				  "before Rebound stops retrying (docs/rebound-notifications.md).\n");
	return CLI_OK;
}

int cmd_events(struct cli *cli, int argc, char **argv)
{
	struct common_opts o = { NULL, 0, 0, 50, 0, 0 };
	struct events_out eo = { cli, 0, 0 };
	struct store *st = NULL;
	struct err e = ERR_INIT;
	struct cfg c;
	int rc;

	rc = parse_opts(cli, "events", argc, argv, &o);
	if (rc >= 0)
		return rc;
	if (optind < argc) {
		fprintf(cli->err, "%s events: unexpected argument \"%s\"\n", cli->prog, argv[optind]);
		return CLI_USAGE;
	}
	rc = cli_open_store(cli, o.config, &c, &st);
	if (rc != CLI_OK)
		return rc;
	eo.json = o.json;
	if (o.rejected) {
		rc = list_rejected(cli, st, o.json);
	} else if (store_events_list(st, NULL, (int)o.limit, print_event, &eo, &e) != ERR_OK) {
		fprintf(cli->err, "%s: %s\n", cli->prog, e.msg);
		rc = CLI_FAIL;
	} else if (eo.n == 0 && !o.json) {
		fprintf(cli->out, "no events yet in %s (notifications from Rebound appear here once they arrive)\n",
			store_describe(st));
	}
	store_close(st);
	cfg_release(&c);
	return rc;
}

/* --- status ------------------------------------------------------------- */

struct status_out {
	struct cli *cli;
	int json;
	int64_t id;
	json_t *root;      /* --json: printed after the engine's part is added */
};

static void status_text(FILE *f, const struct store_return *r,
			const struct store_exception_row *x, int nx)
{
	char ts[CLOCK_ISO_LEN];
	int i;

	fprintf(f, "return   %s\n", r->rebound_return_id);
	fprintf(f, "order    %s\n", r->order_ref ? r->order_ref : "(unknown)");
	fprintf(f, "state    %s (since %s)\n", r->state, clock_iso(r->updated_at_ms, ts, sizeof(ts)));
	if (r->location)
		fprintf(f, "hub      %s\n", r->location);
	fprintf(f, "\nRebound milestones (recorded, never an authorisation to refund)\n");
	if (r->nmilestones == 0)
		fprintf(f, "  none yet\n");
	for (i = 0; i < r->nmilestones; i++)
		fprintf(f, "  %s  %-15s %s%s%s\n", clock_iso(r->milestones[i].at_ms, ts, sizeof(ts)),
			r->milestones[i].milestone, r->milestones[i].text ? r->milestones[i].text : "",
			r->milestones[i].event_time ? " at " : "",
			r->milestones[i].event_time ? r->milestones[i].event_time : "");
	fprintf(f, "\nlines\n  %-4s %-16s %-14s %4s  %-12s %-14s %s\n", "#", "SKU", "EAN", "QTY",
		"REASON", "DISPOSITION", "OUTCOME");
	for (i = 0; i < r->nlines; i++) {
		const struct store_line *l = &r->lines[i];

		fprintf(f, "  %-4d %-16s %-14s %4" PRId64 "  %-12s %-14s %s\n", l->line_no,
			l->sku ? l->sku : "-", l->ean ? l->ean : "-", l->quantity,
			l->reason_code ? l->reason_code : "-",
			l->disposition ? l->disposition : "-", l->outcome);
	}
	fprintf(f, "\nexceptions\n");
	if (nx == 0)
		fprintf(f, "  none\n");
	for (i = 0; i < nx; i++)
		fprintf(f, "  #%" PRId64 " %s [%s, owner %s] %s\n", x[i].id, x[i].type,
			x[i].resolved ? "resolved" : "open", x[i].owner, x[i].message);
}

static json_t *opt_str(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *status_json(const struct store_return *r,
			   const struct store_exception_row *x, int nx)
{
	json_t *lines, *exc, *ms;
	int i;

	lines = json_array();
	exc = json_array();
	ms = json_array();
	for (i = 0; i < r->nmilestones; i++)
		json_array_append_new(ms, json_pack("{ss so so sI sI}", "milestone", r->milestones[i].milestone,
						    "text", opt_str(r->milestones[i].text),
						    "event_time", opt_str(r->milestones[i].event_time),
						    "received_at_ms", (json_int_t)r->milestones[i].at_ms,
						    "event_id", (json_int_t)r->milestones[i].event_id));
	for (i = 0; i < r->nlines; i++) {
		const struct store_line *l = &r->lines[i];

		json_array_append_new(lines, json_pack("{si so so so sI so so ss}", "line_no", l->line_no,
						       "sku", opt_str(l->sku), "ean", opt_str(l->ean),
						       "rebound_item_id", opt_str(l->rebound_item_id),
						       "quantity", (json_int_t)l->quantity,
						       "reason_code", opt_str(l->reason_code),
						       "disposition", opt_str(l->disposition),
						       "outcome", l->outcome));
	}
	for (i = 0; i < nx; i++)
		json_array_append_new(exc, json_pack("{sI ss ss ss sb}", "id", (json_int_t)x[i].id,
						     "type", x[i].type, "owner", x[i].owner,
						     "message", x[i].message, "resolved", x[i].resolved));
	return json_pack("{ss so ss so so sI sI so so so}", "rebound_return_id", r->rebound_return_id,
			 "order_ref", opt_str(r->order_ref), "state", r->state,
			 "location", opt_str(r->location), "last_milestone", opt_str(r->last_milestone),
			 "created_at_ms", (json_int_t)r->created_at_ms,
			 "updated_at_ms", (json_int_t)r->updated_at_ms, "lines", lines,
			 "milestones", ms, "exceptions", exc);
}

static void print_status(const struct store_return *r,
			 const struct store_exception_row *x, int nx, void *arg)
{
	struct status_out *o = arg;

	o->id = r->id;
	if (o->json)
		o->root = status_json(r, x, nx);
	else
		status_text(o->cli->out, r, x, nx);
}

int cmd_status(struct cli *cli, int argc, char **argv)
{
	struct common_opts o = { NULL, 0, 0, 50, 0, 0 };
	struct status_out so = { cli, 0, 0, NULL };
	struct store *st = NULL;
	struct err e = ERR_INIT;
	struct cfg c;
	const char *rid;
	enum err_code erc;
	int rc;

	rc = parse_opts(cli, "status", argc, argv, &o);
	if (rc >= 0)
		return rc;
	if (optind + 1 != argc) {
		fprintf(cli->err, "%s status: give exactly one RETURN_ID (the Rebound return id; `%s events` shows recent ones)\n",
			cli->prog, cli->prog);
		return CLI_USAGE;
	}
	rid = argv[optind];
	rc = cli_open_store(cli, o.config, &c, &st);
	if (rc != CLI_OK)
		return rc;
	so.json = o.json;
	erc = store_return_get(st, rid, print_status, &so, &e);
	/* the engine's part after the read: the store is not reentrant */
	if (erc == ERR_OK)
		erc = cli_requests_status(cli->out, st, so.id, so.root, &e);
	if (erc == ERR_OK)
		erc = cli_engine_status(cli->out, st, so.id, so.root, &e);
	if (erc == ERR_NOT_FOUND) {
		struct events_out eo = { cli, o.json, 0 };

		/* no return, but notifications may name it: parked ones, say */
		if (store_events_list(st, rid, 100, print_event, &eo, &e) == ERR_OK && eo.n > 0)
			fprintf(cli->err, "%s: no return %s yet, but the notifications above name it\n",
				cli->prog, rid);
		else
			fprintf(cli->err, "%s: no return %s in %s (check the id; `%s events` lists what has arrived)\n",
				cli->prog, rid, store_describe(st), cli->prog);
		rc = CLI_FAIL;
	} else if (erc != ERR_OK) {
		fprintf(cli->err, "%s: %s\n", cli->prog, e.msg);
		rc = CLI_FAIL;
	}
	json_decref(so.root);
	store_close(st);
	cfg_release(&c);
	return rc;
}

/* --- explain ------------------------------------------------------------ */

static void explain_found(const struct store_return *r,
			  const struct store_exception_row *x, int nx, void *arg)
{
	(void)x;
	(void)nx;
	*(int64_t *)arg = r->id;
}

int cmd_explain(struct cli *cli, int argc, char **argv)
{
	struct common_opts o = { NULL, 0, 0, 50, 0, 0 };
	struct store *st = NULL;
	struct err e = ERR_INIT;
	struct cfg c;
	int64_t id = 0;
	int rc;

	rc = parse_opts(cli, "explain", argc, argv, &o);
	if (rc >= 0)
		return rc;
	if (optind + 1 != argc) {
		fprintf(cli->err, "%s explain: give exactly one RETURN_ID (the Rebound return id)\n", cli->prog);
		return CLI_USAGE;
	}
	rc = cli_open_store(cli, o.config, &c, &st);
	if (rc != CLI_OK)
		return rc;
	if (store_return_get(st, argv[optind], explain_found, &id, &e) != ERR_OK ||
	    cli_explain(cli->out, st, argv[optind], id, &e) != ERR_OK) {
		fprintf(cli->err, "%s: %s\n", cli->prog, e.msg);
		rc = CLI_FAIL;
	}
	store_close(st);
	cfg_release(&c);
	return rc;
}

/* --- purge -------------------------------------------------------------- */

int cmd_purge(struct cli *cli, int argc, char **argv)
{
	struct common_opts o = { NULL, 0, 0, 50, 0, 0 };
	struct store *st = NULL;
	struct err e = ERR_INIT;
	struct cfg c;
	int64_t days, purged = 0;
	int rc;

	rc = parse_opts(cli, "purge", argc, argv, &o);
	if (rc >= 0)
		return rc;
	if (optind < argc) {
		fprintf(cli->err, "%s purge: unexpected argument \"%s\"\n", cli->prog, argv[optind]);
		return CLI_USAGE;
	}
	rc = cli_open_store(cli, o.config, &c, &st);
	if (rc != CLI_OK)
		return rc;
	days = o.days_set ? o.days : c.store_raw_body_retention_days;
	if (store_purge_raw(st, clock_now_ms() - days * 86400 * 1000, &purged, &e) != ERR_OK) {
		fprintf(cli->err, "%s: %s\n", cli->prog, e.msg);
		rc = CLI_FAIL;
	} else {
		char detail[96];

		snprintf(detail, sizeof(detail), "{\"purged\":%" PRId64 ",\"days\":%" PRId64 "}", purged, days);
		fprintf(cli->out, "purged the raw bodies of %" PRId64 " event%s older than %" PRId64 " day%s\n",
			purged, purged == 1 ? "" : "s", days, days == 1 ? "" : "s");
		if (store_audit_add(st, "cli", 0, "purge_raw_bodies", detail, &e) != ERR_OK)
			fprintf(cli->err, "%s: warning: audit not written: %s\n", cli->prog, e.msg);
	}
	store_close(st);
	cfg_release(&c);
	return rc;
}
