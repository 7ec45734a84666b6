/* cmd_doctor: `returnbridge doctor` — connect to Odoo with the configured
 * user and say, check by check, whether the database is ready for
 * returnbridge and what to change when it is not. Read-only. */
#include "cli/cli.h"

#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "odoo/doctor.h"

static void print_text(struct cli *cli, const struct doctor_report *rep)
{
	size_t i;

	for (i = 0; i < rep->n; i++)
		fprintf(cli->out, "%-4s  %s: %s\n", doctor_status_name(rep->items[i].status),
			rep->items[i].title, rep->items[i].detail);
	if (rep->failures == 0 && rep->warnings == 0)
		fprintf(cli->out, "\ndoctor: Odoo is ready for returnbridge\n");
	else
		fprintf(cli->out, "\ndoctor: %d problem%s to fix, %d warning%s\n", rep->failures,
			rep->failures == 1 ? "" : "s", rep->warnings,
			rep->warnings == 1 ? "" : "s");
}

static void print_json(struct cli *cli, const struct doctor_report *rep)
{
	json_t *checks = json_array();
	json_t *root;
	char *text;
	size_t i;

	for (i = 0; i < rep->n; i++)
		json_array_append_new(checks, json_pack("{ss ss ss}",
			"status", doctor_status_name(rep->items[i].status),
			"check", rep->items[i].title, "detail", rep->items[i].detail));
	root = json_pack("{so si si}", "checks", checks, "failures", rep->failures,
			 "warnings", rep->warnings);
	text = json_dumps(root, JSON_COMPACT);
	if (text)
		fprintf(cli->out, "%s\n", text);
	free(text);
	json_decref(root);
}

static void print_stats(struct cli *cli, struct odoo *c)
{
	const struct rpc_stat *st;
	size_t i, n = rpc_stats(odoo_rpc(c), &st);

	fprintf(cli->out, "\n%-28s %-22s %6s %6s %9s %7s\n", "model", "method", "calls",
		"errors", "total_ms", "max_ms");
	for (i = 0; i < n; i++)
		fprintf(cli->out, "%-28s %-22s %6" PRIu64 " %6" PRIu64 " %9" PRId64 " %7" PRId64 "\n",
			st[i].model, st[i].method, st[i].calls, st[i].errors,
			st[i].total_ms, st[i].max_ms);
}

int cmd_doctor(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "json", no_argument, NULL, 'j' },
		{ "stats", no_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct doctor_report *rep = NULL;
	struct err e = ERR_INIT;
	struct odoo *c = NULL;
	struct cfg cf;
	const char *explicit_path = NULL;
	int json = 0, stats = 0, o, rc;

	for (;;) {
		o = getopt_long(argc, argv, "c:h", opts, NULL);
		if (o == -1)
			break;
		switch (o) {
		case 'c': explicit_path = optarg; break;
		case 'j': json = 1; break;
		case 's': stats = 1; break;
		case 'h':
			cli_usage(cli, cli_find("doctor"), cli->out);
			return CLI_OK;
		default:
			fprintf(cli->err, "%s doctor: bad option %s\n", cli->prog, argv[optind - 1]);
			cli_usage(cli, cli_find("doctor"), cli->err);
			return CLI_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(cli->err, "%s doctor: unexpected argument \"%s\"\n", cli->prog, argv[optind]);
		return CLI_USAGE;
	}
	rc = cli_load_config(cli, explicit_path, &cf);
	if (rc != CLI_OK)
		return rc;
	if (odoo_new_from_cfg(&cf, &c, &e) != ERR_OK) {
		fprintf(cli->err, "%s doctor: %s\n", cli->prog, e.msg);
		rc = CLI_CONFIG;
		goto out;
	}
	rep = calloc(1, sizeof(*rep));
	if (!rep || doctor_run(c, &cf, rep, &e) != ERR_OK) {
		fprintf(cli->err, "%s doctor: %s\n", cli->prog, rep ? e.msg : "out of memory");
		rc = CLI_FAIL;
		goto out;
	}
	if (json)
		print_json(cli, rep);
	else
		print_text(cli, rep);
	if (stats)
		print_stats(cli, c);
	rc = rep->failures ? CLI_FAIL : CLI_OK;
out:
	free(rep);
	odoo_free(c);
	cfg_release(&cf);
	return rc;
}
