/* cli: command table, global options, config discovery. */
#include "cli/cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rb_version.h"
#include "store/store.h"

static const struct cli_cmd cmds[] = {
	{ "serve", cmd_serve, "run the daemon (webhooks, health, background work)",
	  "  -c, --config FILE   configuration file\n" },
	{ "check-config", cmd_check_config, "validate a configuration file and report every problem",
	  "  -c, --config FILE   configuration file to check\n"
	  "  -p, --print         print the effective configuration (secrets redacted)\n"
	  "      --json          with --print or --keys: JSON instead of INI/text\n"
	  "      --keys          list every configuration key with type, default and flags\n" },
	{ "events", cmd_events, "list the notifications received from Rebound, newest first",
	  "  -c, --config FILE   configuration file\n"
	  "  -n, --limit N       how many (default 50, at most 10000)\n"
	  "      --rejected      requests refused for bad credentials, counted by reason\n"
	  "      --json          one JSON object per line\n" },
	{ "status", cmd_status, "show one return: state, lines and open exceptions",
	  "  RETURN_ID           the Rebound return id\n"
	  "  -c, --config FILE   configuration file\n"
	  "      --json          JSON instead of text\n" },
	{ "exceptions", cmd_exceptions, "the work list: open exceptions by owner, most urgent first",
	  "  -o, --owner WHO     only warehouse, finance, support or integration\n"
	  "      --all           resolved ones too\n"
	  "  -n, --limit N       at most N (default 200)\n"
	  "      --json          one JSON object per line\n"
	  "  -c, --config FILE   configuration file\n" },
	{ "resolve", cmd_resolve, "mark one exception dealt with (it does not move the return: release does)",
	  "  EXCEPTION_ID        the number `returnbridge exceptions` shows (#12 or 12)\n"
	  "  -m, --comment TEXT  what was done (required; kept in the history)\n"
	  "      --by NAME       who (default: $SUDO_USER, else $USER, else the login name)\n"
	  "  -c, --config FILE   configuration file\n" },
	{ "explain", cmd_explain, "tell one return's story: events, decisions, Odoo documents, each credit line and where its numbers came from",
	  "  RETURN_ID           the Rebound return id\n"
	  "  -c, --config FILE   configuration file\n" },
	{ "doctor", cmd_doctor, "check that Odoo and Rebound are ready: connection, credentials, rights, locations, journal",
	  "  -c, --config FILE   configuration file\n"
	  "      --json          the checks as one JSON object\n"
	  "      --stats         also print the Odoo calls made, per model and method\n" },
	{ "purge", cmd_purge, "erase raw notification bodies older than the retention",
	  "  -c, --config FILE   configuration file\n"
	  "      --days N        override store.raw_body_retention_days\n" },
	{ "backfill", cmd_backfill, "pull Rebound's returns of a date range into returnbridge (resumable)",
	  "  --since DATE        first day, YYYY-MM-DD (UTC)\n"
	  "  --until DATE        last day, inclusive (default: today)\n"
	  "  --restart           forget saved progress of this range and pull again\n"
	  "  --progress MODE     auto (a bar on a terminal, lines otherwise), bar, lines, none\n"
	  "      --json          print the summary as one JSON object\n"
	  "  -c, --config FILE   configuration file\n" },
	{ "poll", cmd_poll, "run one Rebound poll round now (what the daemon does every poll_interval_s)",
	  "  -c, --config FILE   configuration file\n"
	  "      --json          print the report as one JSON object\n" },
	{ "push-status", cmd_push_status, "record a return's refund status and push what is due to Rebound",
	  "  RETURN_ID           the Rebound return id\n"
	  "  --order REF, --amount A, --currency C, --credit-note NAME  values for the request\n"
	  "  -c, --config FILE   configuration file\n" },
	{ "release", cmd_release, "ask the engine to take a return off hold and carry on where it stopped",
	  "  RETURN_ID           the Rebound return id (state ON_HOLD)\n"
	  "  -m, --comment TEXT  why (required; kept in the return's history)\n"
	  "      --by NAME       who asks (default: $SUDO_USER, else $USER, else the login name)\n"
	  "  -c, --config FILE   configuration file\n" },
	{ "cancel", cmd_cancel, "ask the engine to cancel a return that has not been credited",
	  "  RETURN_ID           the Rebound return id\n"
	  "  -m, --comment TEXT  why (required; kept in the return's history)\n"
	  "      --by NAME       who asks (default: $SUDO_USER, else $USER, else the login name)\n"
	  "  -c, --config FILE   configuration file\n" },
	{ "approve", cmd_approve, "approve the refund of a return that waits for approval",
	  "  RETURN_ID           the Rebound return id (state AWAITING_APPROVAL)\n"
	  "      --lines 1,2     only these lines (default: all)\n"
	  "  -m, --comment TEXT  why (required; kept in the return's history)\n"
	  "      --by NAME       who asks (default: $SUDO_USER, else $USER, else the login name)\n"
	  "  -c, --config FILE   configuration file\n" },
	{ "reject", cmd_reject, "refuse the refund of a return that waits for approval",
	  "  RETURN_ID           the Rebound return id (state AWAITING_APPROVAL)\n"
	  "      --lines 1,2     only these lines (default: all)\n"
	  "  -m, --comment TEXT  why (required; kept in the return's history)\n"
	  "      --by NAME       who asks (default: $SUDO_USER, else $USER, else the login name)\n"
	  "  -c, --config FILE   configuration file\n" },
	{ NULL, NULL, NULL, NULL },
};

const struct cli_cmd *cli_find(const char *name)
{
	const struct cli_cmd *c;

	for (c = cmds; c->name; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

void cli_usage(struct cli *cli, const struct cli_cmd *cmd, FILE *f)
{
	fprintf(f, "usage: %s %s [options]%s\n\n%s.\n\noptions:\n%s  -h, --help          this help\n",
		cli->prog, cmd->name, strstr(cmd->usage, "RETURN_ID") ? " RETURN_ID" : "",
		cmd->summary, cmd->usage);
}

static void main_usage(struct cli *cli, FILE *f)
{
	const struct cli_cmd *c;

	fprintf(f, "usage: %s COMMAND [options]\n\n"
		   "returnbridge turns returns registered in Rebound into verified return pickings\n"
		   "and credit notes in Odoo, and surfaces every gap between the two.\n\n"
		   "commands:\n", cli->prog);
	for (c = cmds; c->name; c++)
		fprintf(f, "  %-14s %s\n", c->name, c->summary);
	fprintf(f, "\n"
		   "  -h, --help       this help; `%s COMMAND --help` for a command's options\n"
		   "  -V, --version    print the version\n\n"
		   "Configuration: -c FILE, else $RETURNBRIDGE_CONFIG, else ./returnbridge.ini,\n"
		   "else /etc/returnbridge/returnbridge.ini. A commented sample is dist/returnbridge.ini.\n"
		   "Exit codes: 0 ok, 1 failed or not found, 2 wrong arguments, 3 configuration problem.\n",
		cli->prog);
}

const char *cli_config_path(const char *explicit_path)
{
	const char *env;

	if (explicit_path && *explicit_path)
		return explicit_path;
	env = getenv("RETURNBRIDGE_CONFIG");
	if (env && *env)
		return env;
	if (access("returnbridge.ini", F_OK) == 0)
		return "returnbridge.ini";
	return "/etc/returnbridge/returnbridge.ini";
}

int cli_load_config(struct cli *cli, const char *explicit_path, struct cfg *out)
{
	struct cfg_report rep;
	struct err e = ERR_INIT;
	const char *path = cli_config_path(explicit_path);

	if (cfg_load(path, out, &rep, &e) == ERR_OK)
		return CLI_OK;
	if (rep.count > 0)
		cfg_report_print(&rep, path, cli->err);
	fprintf(cli->err, "%s: %s\n", cli->prog, e.msg);
	return CLI_CONFIG;
}

int cli_run(int argc, char **argv, FILE *out, FILE *err)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct cli cli = { out, err, "returnbridge" };
	const struct cli_cmd *cmd;
	int c;

	optind = 0; /* glibc: full re-initialisation, so tests can call us again */
	opterr = 0;
	for (;;) {
		c = getopt_long(argc, argv, "+hV", opts, NULL);
		if (c == -1)
			break;
		switch (c) {
		case 'h':
			main_usage(&cli, out);
			return CLI_OK;
		case 'V':
			fprintf(out, "returnbridge %s\n", RB_VERSION);
			return CLI_OK;
		default:
			fprintf(err, "%s: unknown option %s\n", cli.prog, argv[optind - 1]);
			main_usage(&cli, err);
			return CLI_USAGE;
		}
	}
	if (optind >= argc) {
		main_usage(&cli, err);
		return CLI_USAGE;
	}
	if (strcmp(argv[optind], "help") == 0) {
		cmd = optind + 1 < argc ? cli_find(argv[optind + 1]) : NULL;
		if (cmd)
			cli_usage(&cli, cmd, out);
		else
			main_usage(&cli, out);
		return CLI_OK;
	}
	if (strcmp(argv[optind], "version") == 0) {
		fprintf(out, "returnbridge %s\n", RB_VERSION);
		return CLI_OK;
	}
	cmd = cli_find(argv[optind]);
	if (!cmd) {
		fprintf(err, "%s: unknown command \"%s\" (`%s --help` lists the commands)\n",
			cli.prog, argv[optind], cli.prog);
		return CLI_USAGE;
	}
	argc -= optind;
	argv += optind;
	optind = 0;
	return cmd->fn(&cli, argc, argv);
}

int cli_open_store(struct cli *cli, const char *config, struct cfg *c, struct store **st)
{
	struct err e = ERR_INIT;
	int rc;

	rc = cli_load_config(cli, config, c);
	if (rc != CLI_OK)
		return rc;
	if (store_open(c, st, &e) != ERR_OK) {
		fprintf(cli->err, "%s: %s\n", cli->prog, e.msg);
		cfg_release(c);
		return CLI_FAIL;
	}
	return CLI_OK;
}
