/* cmd_work: `returnbridge exceptions` and `resolve` — the work list: every open
 * exception, whose it is (warehouse, finance, support, integration), how
 * urgent, on which return, and what to do (the message says it). What
 * each team starts its day with (docs/daily-routines.md). */
#include "cli/cli.h"

#include <getopt.h>
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "store/store.h"
#include "util/clock.h"
#include "util/parse.h"

struct work_out {
	struct cli *cli;
	bool json;
	int n;
};

static json_t *opt_str(const char *s)
{
	return s ? json_string(s) : json_null();
}

static void print_item(const struct store_work_item *w, void *arg)
{
	struct work_out *wo = arg;
	char ts[CLOCK_ISO_LEN];

	wo->n++;
	if (wo->json) {
		json_t *j = json_pack("{s:I,s:s,s:s,s:i,s:s,s:I,s:b,s:o,s:o,s:o}",
			"id", (json_int_t)w->id, "type", w->type, "owner", w->owner,
			"priority", w->priority, "message", w->message,
			"opened_at_ms", (json_int_t)w->opened_at_ms, "resolved", w->resolved,
			"return_id", opt_str(w->rebound_return_id), "order_ref", opt_str(w->order_ref),
			"state", opt_str(w->state));
		char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;

		if (s)
			fprintf(wo->cli->out, "%s\n", s);
		free(s);
		json_decref(j);
		return;
	}
	fprintf(wo->cli->out, "#%-5lld P%d %-11s %-24s %s  return %s (%s, %s)%s\n    %s\n",
		(long long)w->id, w->priority, w->owner, w->type,
		clock_iso(w->opened_at_ms, ts, sizeof(ts)),
		w->rebound_return_id ? w->rebound_return_id : "-",
		w->order_ref ? w->order_ref : "no order", w->state ? w->state : "-",
		w->resolved ? " [resolved]" : "", w->message);
}

int cmd_exceptions(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "owner", required_argument, NULL, 'o' },
		{ "all", no_argument, NULL, 'a' },
		{ "limit", required_argument, NULL, 'n' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const owners[] = { "warehouse", "finance", "support", "integration", NULL };
	struct work_out wo = { cli, false, 0 };
	const char *config = NULL, *owner = NULL;
	struct store *st = NULL;
	struct err e = ERR_INIT;
	bool all = false;
	int64_t limit = 200;
	struct cfg c;
	int ch, i, rc = CLI_OK;

	while ((ch = getopt_long(argc, argv, "c:o:n:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			config = optarg;
			break;
		case 'o':
			owner = optarg;
			for (i = 0; owners[i] && strcmp(owners[i], owner) != 0; i++)
				;
			if (!owners[i]) {
				fprintf(cli->err, "%s exceptions: --owner is warehouse, finance, support or integration, not \"%s\"\n",
					cli->prog, owner);
				return CLI_USAGE;
			}
			break;
		case 'a':
			all = true;
			break;
		case 'n':
			if (parse_int64(optarg, 1, 100000, &limit, &e) != ERR_OK) {
				fprintf(cli->err, "%s exceptions: --limit: %s\n", cli->prog, e.msg);
				return CLI_USAGE;
			}
			break;
		case 'j':
			wo.json = true;
			break;
		case 'h':
			cli_usage(cli, cli_find("exceptions"), cli->out);
			return CLI_OK;
		default:
			cli_usage(cli, cli_find("exceptions"), cli->err);
			return CLI_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(cli->err, "%s exceptions: unexpected argument \"%s\"\n", cli->prog, argv[optind]);
		return CLI_USAGE;
	}
	rc = cli_open_store(cli, config, &c, &st);
	if (rc != CLI_OK)
		return rc;
	if (store_work_list(st, owner, all, (int)limit, print_item, &wo, &e) != ERR_OK) {
		fprintf(cli->err, "%s: %s\n", cli->prog, e.msg);
		rc = CLI_FAIL;
	} else if (wo.n == 0 && !wo.json) {
		fprintf(cli->out, "no %sexceptions%s%s: nothing waits for a person\n",
			all ? "" : "open ", owner ? " for " : "", owner ? owner : "");
	}
	store_close(st);
	cfg_release(&c);
	return rc;
}

int cmd_resolve(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "comment", required_argument, NULL, 'm' },
		{ "by", required_argument, NULL, 'b' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *config = NULL, *comment = NULL, *arg;
	char by[128] = "";
	struct store *st = NULL;
	struct err e = ERR_INIT;
	int64_t id = 0;
	struct cfg c;
	int ch, rc;

	while ((ch = getopt_long(argc, argv, "c:m:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			config = optarg;
			break;
		case 'm':
			comment = optarg;
			break;
		case 'b':
			snprintf(by, sizeof(by), "%s", optarg);
			break;
		case 'h':
			cli_usage(cli, cli_find("resolve"), cli->out);
			return CLI_OK;
		default:
			cli_usage(cli, cli_find("resolve"), cli->err);
			return CLI_USAGE;
		}
	}
	if (optind + 1 != argc) {
		fprintf(cli->err, "%s resolve: give exactly one EXCEPTION_ID (`%s exceptions` lists them)\n",
			cli->prog, cli->prog);
		return CLI_USAGE;
	}
	arg = argv[optind][0] == '#' ? argv[optind] + 1 : argv[optind];
	if (parse_int64(arg, 1, INT64_MAX, &id, &e) != ERR_OK) {
		fprintf(cli->err, "%s resolve: EXCEPTION_ID: %s\n", cli->prog, e.msg);
		return CLI_USAGE;
	}
	if (!comment || !*comment) {
		fprintf(cli->err, "%s resolve: --comment is required: say what was done, for whoever looks later\n",
			cli->prog);
		return CLI_USAGE;
	}
	if (!by[0])
		cli_default_actor(by, sizeof(by));
	rc = cli_open_store(cli, config, &c, &st);
	if (rc != CLI_OK)
		return rc;
	if (store_exception_resolve_one(st, id, by, comment, &e) != ERR_OK) {
		fprintf(cli->err, "%s: %s\n", cli->prog, e.msg);
		rc = CLI_FAIL;
	} else {
		fprintf(cli->out, "exception #%lld resolved by %s. A return on hold stays on hold until `%s release`.\n",
			(long long)id, by, cli->prog);
	}
	store_close(st);
	cfg_release(&c);
	return rc;
}
