/* cmd_doctor: `returnbridge doctor` — connect to Odoo with the configured
 * user and to Rebound with the configured credentials, and say, check by
 * check, whether each is ready for returnbridge and what to change when it
 * is not. Read-only on both sides. */
#include "cli/cli.h"

#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "odoo/doctor.h"
#include "rebound/doctor.h"

/* The Rebound side's checks (rebound/doctor), kept to print after Odoo's. */
#define REBOUND_CHECKS_MAX 8

struct rebound_checks {
	size_t n;
	int failures;
	char status[REBOUND_CHECKS_MAX][8];
	char title[REBOUND_CHECKS_MAX][96];
	char detail[REBOUND_CHECKS_MAX][640];
};

static void on_rebound(const char *status, const char *title, const char *detail,
		       void *arg)
{
	struct rebound_checks *rc = arg;

	if (rc->n >= REBOUND_CHECKS_MAX)
		return;
	snprintf(rc->status[rc->n], sizeof(rc->status[0]), "%s", status);
	snprintf(rc->title[rc->n], sizeof(rc->title[0]), "%s", title);
	snprintf(rc->detail[rc->n], sizeof(rc->detail[0]), "%s", detail);
	rc->n++;
}

static void print_text(struct cli *cli, const struct doctor_report *rep,
		       const struct rebound_checks *rb)
{
	int failures = rep->failures + rb->failures;
	size_t i;

	for (i = 0; i < rep->n; i++)
		fprintf(cli->out, "%-4s  %s: %s\n", doctor_status_name(rep->items[i].status),
			rep->items[i].title, rep->items[i].detail);
	for (i = 0; i < rb->n; i++)
		fprintf(cli->out, "%-4s  %s: %s\n", rb->status[i], rb->title[i], rb->detail[i]);
	if (failures == 0 && rep->warnings == 0)
		fprintf(cli->out, "\ndoctor: no problems in what is configured\n");
	else
		fprintf(cli->out, "\ndoctor: %d problem%s to fix, %d warning%s\n", failures,
			failures == 1 ? "" : "s", rep->warnings,
			rep->warnings == 1 ? "" : "s");
}

static void print_json(struct cli *cli, const struct doctor_report *rep,
		       const struct rebound_checks *rb)
{
	json_t *checks = json_array();
	json_t *root;
	char *text;
	size_t i;

	for (i = 0; i < rep->n; i++)
		json_array_append_new(checks, json_pack("{ss ss ss}",
			"status", doctor_status_name(rep->items[i].status),
			"check", rep->items[i].title, "detail", rep->items[i].detail));
	for (i = 0; i < rb->n; i++)
		json_array_append_new(checks, json_pack("{ss ss ss}", "status", rb->status[i],
							"check", rb->title[i], "detail", rb->detail[i]));
	root = json_pack("{so si si}", "checks", checks, "failures", rep->failures + rb->failures,
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
	struct rebound_checks rb;
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
	memset(&rb, 0, sizeof(rb));
	rep = calloc(1, sizeof(*rep));
	if (!rep) {
		fprintf(cli->err, "%s doctor: out of memory\n", cli->prog);
		rc = CLI_FAIL;
		goto out;
	}
	/* each side is checked when it is configured */
	if (*cf.odoo_url) {
		if (odoo_new_from_cfg(&cf, &c, &e) != ERR_OK) {
			fprintf(cli->err, "%s doctor: %s\n", cli->prog, e.msg);
			rc = CLI_CONFIG;
			goto out;
		}
		if (doctor_run(c, &cf, rep, &e) != ERR_OK) {
			fprintf(cli->err, "%s doctor: %s\n", cli->prog, e.msg);
			rc = CLI_FAIL;
			goto out;
		}
	} else {
		on_rebound("skip", "odoo", "odoo.url is not set: nothing to check on the Odoo side", &rb);
	}
	rb.failures = doctor_rebound(&cf, on_rebound, &rb);
	if (json)
		print_json(cli, rep, &rb);
	else
		print_text(cli, rep, &rb);
	if (stats && c)
		print_stats(cli, c);
	rc = rep->failures + rb.failures ? CLI_FAIL : CLI_OK;
out:
	free(rep);
	odoo_free(c);
	cfg_release(&cf);
	return rc;
}
