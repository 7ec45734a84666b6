/* cmd_doctor: `returnbridge doctor` checks that the systems returnbridge
 * talks to accept its configuration, with harmless calls, and says what is
 * wrong in words. Each side contributes one function (doctor_rebound here;
 * the Odoo side adds its own). */
#include "cli/cli.h"

#include <getopt.h>

#include "rebound/doctor.h"

int cmd_doctor(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *config = NULL;
	struct cfg c;
	int ch, rc, bad = 0;

	for (;;) {
		ch = getopt_long(argc, argv, "c:h", opts, NULL);
		if (ch == -1)
			break;
		switch (ch) {
		case 'c':
			config = optarg;
			break;
		case 'h':
			cli_usage(cli, cli_find("doctor"), cli->out);
			return CLI_OK;
		default:
			fprintf(cli->err, "%s doctor: bad option %s\n", cli->prog, argv[optind - 1]);
			return CLI_USAGE;
		}
	}
	rc = cli_load_config(cli, config, &c);
	if (rc != CLI_OK)
		return rc;
	fprintf(cli->out, "checking with %s\n", cli_config_path(config));
	bad += doctor_rebound(&c, cli->out);
	if (bad)
		fprintf(cli->out, "%d problem%s found\n", bad, bad == 1 ? "" : "s");
	else
		fprintf(cli->out, "no problems found\n");
	cfg_release(&c);
	return bad ? CLI_FAIL : CLI_OK;
}
