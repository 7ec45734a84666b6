/* cmd_config: `returnbridge check-config` — validate a file, report every
 * problem with its line, optionally print the effective (redacted) config
 * or the key table. */
#include "cli/cli.h"

#include <getopt.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static void print_keys(struct cli *cli, int json)
{
	struct cfg_key_desc d;
	json_t *all = json_array();
	char *text;
	size_t i;

	for (i = 0; cfg_key_info(i, &d); i++) {
		if (json) {
			json_array_append_new(all, json_pack("{ss ss ss ss sb sb ss}", "key", d.name,
							     "type", d.type, "default", d.def,
							     "range", d.range, "secret", d.secret,
							     "reloadable", d.reloadable, "help", d.help));
			continue;
		}
		fprintf(cli->out, "%-32s %-8s default %-16s %-22s%s%s\n    %s\n", d.name, d.type,
			*d.def ? d.def : "(empty)", d.range, d.secret ? " secret" : "",
			d.reloadable ? " reloadable" : " restart-needed", d.help);
	}
	if (json) {
		text = json_dumps(all, JSON_COMPACT);
		if (text)
			fprintf(cli->out, "%s\n", text);
		free(text);
	}
	json_decref(all);
}

int cmd_check_config(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "print", no_argument, NULL, 'p' },
		{ "json", no_argument, NULL, 'j' },
		{ "keys", no_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct cfg_report rep;
	struct err e = ERR_INIT;
	struct cfg c;
	const char *explicit_path = NULL, *path;
	int print = 0, json = 0, keys = 0, o;

	for (;;) {
		o = getopt_long(argc, argv, "c:ph", opts, NULL);
		if (o == -1)
			break;
		switch (o) {
		case 'c': explicit_path = optarg; break;
		case 'p': print = 1; break;
		case 'j': json = 1; break;
		case 'k': keys = 1; break;
		case 'h':
			cli_usage(cli, cli_find("check-config"), cli->out);
			return CLI_OK;
		default:
			fprintf(cli->err, "%s check-config: bad option %s\n", cli->prog, argv[optind - 1]);
			cli_usage(cli, cli_find("check-config"), cli->err);
			return CLI_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(cli->err, "%s check-config: unexpected argument \"%s\" (use -c FILE)\n", cli->prog, argv[optind]);
		return CLI_USAGE;
	}
	if (keys) {
		print_keys(cli, json);
		return CLI_OK;
	}
	path = cli_config_path(explicit_path);
	if (cfg_load(path, &c, &rep, &e) != ERR_OK) {
		if (rep.count > 0)
			cfg_report_print(&rep, path, cli->err);
		fprintf(cli->err, "%s: %s\n", cli->prog, e.msg);
		return CLI_CONFIG;
	}
	if (print)
		cfg_print(&c, json, cli->out);
	else
		fprintf(cli->out, "%s: ok (%d key%s set, the rest default)\n", path,
			rep.keys_set, rep.keys_set == 1 ? "" : "s");
	cfg_release(&c);
	return CLI_OK;
}
