/* cmd_backfill: `returnbridge backfill --since DATE [--until DATE]` pulls
 * Rebound's history into the intake, with a progress bar on a terminal and
 * plain progress lines otherwise. Ctrl-C (or SIGTERM) stops after the
 * return in flight; the same command then resumes. */
#include "cli/cli.h"

#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

#include "rebound/backfill.h"
#include "rebound/feed.h"
#include "rebound/rbclient.h"
#include "rebound/intake.h"
#include "store/store.h"
#include "util/clock.h"

static _Atomic int stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

struct view {
	FILE *f;
	int bar;                   /* 1 = redraw one line on a terminal */
	int64_t last_lines;        /* returns when the last plain line was printed */
};

static double rate(const struct backfill_progress *p)
{
	int64_t ms = clock_mono_ms() - p->started_ms;

	return ms > 0 ? (double)p->counts.returns * 1000.0 / (double)ms : 0;
}

static void on_progress(const struct backfill_progress *p, void *arg)
{
	struct view *v = arg;
	double frac = p->windows ? ((double)(p->window_no - 1) +
		(p->in_window ? (double)p->done_in_window / (double)p->in_window : 1.0)) / p->windows : 1;
	char bar[31];
	int i, fill = (int)(frac * 30);

	if (v->bar) {
		for (i = 0; i < 30; i++)
			bar[i] = i < fill ? '#' : '.';
		bar[30] = '\0';
		fprintf(v->f, "\r[%s] %3d%%  window %d/%d %s..%s  %" PRId64 " returns  %.1f/s ",
			bar, (int)(frac * 100), p->window_no, p->windows, p->from, p->to,
			p->returns_done, rate(p));
		fflush(v->f);
		return;
	}
	if (!p->window_finished && p->returns_done - v->last_lines < 100)
		return;
	v->last_lines = p->returns_done;
	fprintf(v->f, "backfill: window %d/%d %s..%s: %" PRId64 "/%" PRId64 " returns%s; %" PRId64 " returns so far, %.1f returns/s\n",
		p->window_no, p->windows, p->from, p->to, p->done_in_window, p->in_window,
		p->window_finished ? " (window done)" : "", p->returns_done, rate(p));
	fflush(v->f);
}

static void summary(struct cli *cli, const struct backfill_progress *p, int json,
		    const char *outcome)
{
	double secs = (double)(clock_mono_ms() - p->started_ms) / 1000.0;

	if (json) {
		fprintf(cli->out, "{\"outcome\":\"%s\",\"since\":\"%s\",\"until\":\"%s\",\"returns\":%" PRId64
			",\"returns_total\":%" PRId64 ",\"skipped\":%" PRId64 ",\"accepted\":%" PRId64
			",\"duplicate\":%" PRId64 ",\"parked\":%" PRId64 ",\"refused\":%" PRId64
			",\"failed\":%" PRId64 ",\"seconds\":%.3f,\"returns_per_s\":%.2f,\"resumed\":%s}\n",
			outcome, p->since, p->until, p->counts.returns, p->returns_done, p->skipped,
			p->counts.accepted, p->counts.duplicate, p->counts.parked, p->counts.refused,
			p->counts.failed, secs, secs > 0 ? (double)p->counts.returns / secs : 0,
			p->resumed ? "true" : "false");
		return;
	}
	fprintf(cli->out, "backfill %s..%s %s: %" PRId64 " returns read in %.1f s (%.1f returns/s)%s; "
		"%" PRId64 " bodies stored, %" PRId64 " already known, %" PRId64 " parked, %" PRId64 " unreadable\n",
		p->since, p->until, outcome, p->counts.returns, secs,
		secs > 0 ? (double)p->counts.returns / secs : 0, p->resumed ? " (resumed)" : "",
		p->counts.accepted, p->counts.duplicate, p->counts.parked, p->counts.failed);
}

static int parse(struct cli *cli, int argc, char **argv, struct backfill_opts *o,
		 const char **config, int *json, const char **progress)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "since", required_argument, NULL, 's' },
		{ "until", required_argument, NULL, 'u' },
		{ "restart", no_argument, NULL, 'r' },
		{ "json", no_argument, NULL, 'j' },
		{ "progress", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	for (;;) {
		c = getopt_long(argc, argv, "c:h", opts, NULL);
		if (c == -1)
			break;
		switch (c) {
		case 'c': *config = optarg; break;
		case 's': o->since = optarg; break;
		case 'u': o->until = optarg; break;
		case 'r': o->restart = true; break;
		case 'j': *json = 1; break;
		case 'p': *progress = optarg; break;
		case 'h':
			cli_usage(cli, cli_find("backfill"), cli->out);
			return CLI_OK;
		default:
			fprintf(cli->err, "%s backfill: bad option %s\n", cli->prog, argv[optind - 1]);
			cli_usage(cli, cli_find("backfill"), cli->err);
			return CLI_USAGE;
		}
	}
	if (optind < argc || !o->since) {
		fprintf(cli->err, "%s backfill: %s (e.g. --since 2026-10-01)\n", cli->prog,
			o->since ? "unexpected argument" : "--since DATE is required");
		return CLI_USAGE;
	}
	if (strcmp(*progress, "auto") != 0 && strcmp(*progress, "bar") != 0 &&
	    strcmp(*progress, "lines") != 0 && strcmp(*progress, "none") != 0) {
		fprintf(cli->err, "%s backfill: --progress is auto, bar, lines or none\n", cli->prog);
		return CLI_USAGE;
	}
	return -1;
}

/* Apply what was pulled to returns now, so `status` shows them without a
 * running daemon. A daemon applying the same events at the same time is
 * harmless: applying an event is idempotent and runs in its own
 * transaction. */
static void apply_stored(struct cli *cli, struct store *st)
{
	struct err e = ERR_INIT;
	int total = 0;

	if (intake_process_all(st, 200, 1 << 30, &total, &e) != ERR_OK)
		fprintf(cli->err, "%s backfill: applying the pulled returns failed (the daemon will retry): %s\n",
			cli->prog, e.msg);
	if (total > 0)
		fprintf(cli->err, "%s backfill: %d event(s) applied to returns\n", cli->prog, total);
}

int cmd_backfill(struct cli *cli, int argc, char **argv)
{
	struct backfill_opts o = { NULL, NULL, false, on_progress, NULL };
	struct backfill_progress p;
	struct view v = { NULL, 0, 0 };
	struct sigaction sa, old_int, old_term;
	struct rbclient *cl = NULL;
	struct store *st = NULL;
	struct err e = ERR_INIT;
	struct feed f;
	struct cfg c;
	const char *config = NULL, *progress = "auto";
	int json = 0, rc;
	enum err_code erc;

	memset(&p, 0, sizeof(p));
	rc = parse(cli, argc, argv, &o, &config, &json, &progress);
	if (rc >= 0)
		return rc;
	rc = cli_load_config(cli, config, &c);
	if (rc != CLI_OK)
		return rc;
	rc = CLI_FAIL;
	if (store_open(&c, &st, &e) != ERR_OK) {
		fprintf(cli->err, "%s: %s\n", cli->prog, e.msg);
		goto out;
	}
	stop_flag = 0;
	if (rbclient_new(&c, NULL, &stop_flag, &cl, &e) != ERR_OK) {
		fprintf(cli->err, "%s: %s\n", cli->prog, e.msg);
		goto out;
	}
	v.f = cli->err;
	v.bar = strcmp(progress, "bar") == 0 ||
		(strcmp(progress, "auto") == 0 && isatty(fileno(cli->err)));
	o.progress = strcmp(progress, "none") == 0 ? NULL : on_progress;
	o.arg = &v;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	f = feed_intake(st);
	erc = backfill_run(cl, st, &f, &o, &p, &e);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	if (v.bar)
		fputc('\n', cli->err);
	switch (erc) {
	case ERR_OK:
		summary(cli, &p, json, p.counts.failed ? "incomplete" : "done");
		if (p.counts.failed)
			fprintf(cli->err, "%s backfill: %" PRId64 " return(s) answered malformed and were skipped; run the same command again to retry them\n",
				cli->prog, p.counts.failed);
		rc = p.counts.failed ? CLI_FAIL : CLI_OK;
		break;
	case ERR_EXISTS:
		if (json)
			summary(cli, &p, json, "already_done");
		else
			fprintf(cli->out, "%s\n", e.msg);
		rc = CLI_OK;
		break;
	case ERR_INVALID:
		fprintf(cli->err, "%s backfill: %s\n", cli->prog, e.msg);
		rc = CLI_USAGE;
		break;
	case ERR_BUSY:
		summary(cli, &p, json, "interrupted");
		fprintf(cli->err, "%s backfill: interrupted; progress is saved, run the same command again to resume\n", cli->prog);
		break;
	default:
		summary(cli, &p, json, "stopped");
		fprintf(cli->err, "%s backfill: %s\nprogress is saved; run the same command again to resume\n", cli->prog, e.msg);
		break;
	}
	if (erc == ERR_OK || erc == ERR_BUSY)
		apply_stored(cli, st);
out:
	rbclient_free(cl);
	store_close(st);
	cfg_release(&c);
	return rc;
}
