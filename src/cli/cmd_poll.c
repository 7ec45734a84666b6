/* cmd_poll: `returnbridge poll` runs one poller round by hand (what the
 * daemon's poller thread does every rebound.poll_interval_s), and
 * `returnbridge push-status RETURN_ID` records a refund status and pushes
 * what is due (what the engine and the poller do after a credit note). */
#include "cli/cli.h"

#include <getopt.h>
#include <inttypes.h>
#include <string.h>

#include "rebound/feed.h"
#include "rebound/poller.h"
#include "rebound/rbclient.h"
#include "rebound/statuspush.h"
#include "store/store.h"
#include "util/clock.h"

struct setup {
	struct cfg c;
	struct store *st;
	struct rbclient *cl;
	int cfg_loaded;
};

static int open_all(struct cli *cli, const char *config, struct setup *s)
{
	struct err e = ERR_INIT;
	int rc;

	memset(s, 0, sizeof(*s));
	rc = cli_load_config(cli, config, &s->c);
	if (rc != CLI_OK)
		return rc;
	s->cfg_loaded = 1;
	if (store_open(&s->c, &s->st, &e) != ERR_OK ||
	    rbclient_new(&s->c, NULL, NULL, &s->cl, &e) != ERR_OK) {
		fprintf(cli->err, "%s: %s\n", cli->prog, e.msg);
		return CLI_FAIL;
	}
	return CLI_OK;
}

static void close_all(struct setup *s)
{
	rbclient_free(s->cl);
	store_close(s->st);
	if (s->cfg_loaded)
		cfg_release(&s->c);
}

int cmd_poll(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *config = NULL;
	struct poll_report r;
	struct err e = ERR_INIT;
	struct setup s;
	struct feed f;
	int ch, json = 0, rc;

	for (;;) {
		ch = getopt_long(argc, argv, "c:h", opts, NULL);
		if (ch == -1)
			break;
		switch (ch) {
		case 'c': config = optarg; break;
		case 'j': json = 1; break;
		case 'h':
			cli_usage(cli, cli_find("poll"), cli->out);
			return CLI_OK;
		default:
			fprintf(cli->err, "%s poll: bad option %s\n", cli->prog, argv[optind - 1]);
			return CLI_USAGE;
		}
	}
	rc = open_all(cli, config, &s);
	if (rc != CLI_OK)
		goto out;
	if (s.c.rebound_api == CFG_REBOUND_NONE && s.c.rebound_status_push == CFG_PUSH_OFF) {
		fprintf(cli->err, "%s poll: rebound.api = none: nothing to poll (set rebound.api to legacy or platform)\n", cli->prog);
		rc = CLI_CONFIG;
		goto out;
	}
	f = feed_intake(s.st);
	if (poller_run_once(s.cl, s.st, &f, &r, &e) != ERR_OK) {
		fprintf(cli->err, "%s poll: %s\n", cli->prog, e.msg);
		rc = CLI_FAIL;
		goto out;
	}
	if (json)
		fprintf(cli->out, "{\"discovered\":%" PRId64 ",\"open\":%" PRId64 ",\"swept\":%" PRId64
			",\"sweep_ms\":%" PRId64 ",\"full_sweep_s\":%.1f,\"returns\":%" PRId64
			",\"accepted\":%" PRId64 ",\"duplicate\":%" PRId64 ",\"parked\":%" PRId64
			",\"refused\":%" PRId64 ",\"failed\":%" PRId64 ",\"pushes_done\":%d,\"pushes_failed\":%d}\n",
			r.discovered, r.open, r.swept, r.sweep_ms, r.full_sweep_s, r.counts.returns,
			r.counts.accepted, r.counts.duplicate, r.counts.parked, r.counts.refused,
			r.counts.failed, r.pushes_done, r.pushes_failed);
	else
		fprintf(cli->out, "poll: %" PRId64 " new return(s) found; %" PRId64 " of %" PRId64 " open re-checked in %.1f s "
			"(a full sweep needs %.0f s at the rate limit); %" PRId64 " bodies stored, %" PRId64
			" already known, %" PRId64 " failed; %d status push(es) sent\n",
			r.discovered, r.swept, r.open, (double)r.sweep_ms / 1000.0, r.full_sweep_s,
			r.counts.accepted + r.counts.parked, r.counts.duplicate, r.counts.failed,
			r.pushes_done);
	rc = r.counts.failed ? CLI_FAIL : CLI_OK;
out:
	close_all(&s);
	return rc;
}

int cmd_push_status(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "order", required_argument, NULL, 'o' },
		{ "amount", required_argument, NULL, 'a' },
		{ "currency", required_argument, NULL, 'y' },
		{ "credit-note", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct statuspush_refund r = { NULL, NULL, NULL, NULL, NULL };
	const char *config = NULL, *state = NULL;
	struct err e = ERR_INIT;
	struct setup s;
	int ch, rc, done = 0, failed = 0;

	for (;;) {
		ch = getopt_long(argc, argv, "c:h", opts, NULL);
		if (ch == -1)
			break;
		switch (ch) {
		case 'c': config = optarg; break;
		case 'o': r.order_ref = optarg; break;
		case 'a': r.amount = optarg; break;
		case 'y': r.currency = optarg; break;
		case 'n': r.credit_note = optarg; break;
		case 'h':
			cli_usage(cli, cli_find("push-status"), cli->out);
			return CLI_OK;
		default:
			fprintf(cli->err, "%s push-status: bad option %s\n", cli->prog, argv[optind - 1]);
			return CLI_USAGE;
		}
	}
	if (optind + 1 != argc) {
		fprintf(cli->err, "%s push-status: give exactly one RETURN_ID (the Rebound return id)\n", cli->prog);
		return CLI_USAGE;
	}
	r.return_id = argv[optind];
	rc = open_all(cli, config, &s);
	if (rc != CLI_OK)
		goto out;
	rc = CLI_FAIL;
	if (statuspush_record(s.st, &s.c, &r, &state, &e) != ERR_OK) {
		fprintf(cli->err, "%s push-status: %s\n", cli->prog, e.msg);
		goto out;
	}
	fprintf(cli->out, "refund status of %s: %s\n", r.return_id, state);
	if (s.c.rebound_status_push != CFG_PUSH_OFF) {
		if (statuspush_run_due(s.cl, s.st, clock_now_ms(), &done, &failed, &e) != ERR_OK) {
			fprintf(cli->err, "%s push-status: %s\n", cli->prog, e.msg);
			goto out;
		}
		fprintf(cli->out, "pushed to Rebound: %d, given up: %d\n", done, failed);
	}
	rc = CLI_OK;
out:
	close_all(&s);
	return rc;
}
