/* rebound-emu: command line, HTTP server, sender thread, shutdown. */
#include "emu.h"

#include <curl/curl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/parse.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: rebound-emu --scenario FILE [--port N] [--notify-url URL] [--stats-file FILE]\n\n"
		"A test double of Rebound: the legacy API (POST /api/<call>/json), the platform\n"
		"API (POST /oauth2/token, GET /return-orders) and notifications sent to\n"
		"<notify-url>/rebound/tracking and /rebound/refund-trigger, all driven by a JSON\n"
		"scenario (emulators/rebound/README.md).\n\n"
		"  -s, --scenario FILE   the scenario (required)\n"
		"  -p, --port N          port on 127.0.0.1; 0 (default) picks a free one\n"
		"  -n, --notify-url URL  where notifications go (overrides the scenario)\n"
		"      --stats-file FILE write call statistics (JSON) there on exit\n"
		"  -h, --help            this help\n\n"
		"Prints \"rebound-emu listening on http://127.0.0.1:PORT\" when ready; stops on\n"
		"SIGTERM or SIGINT. Control: POST /_emu/advance {\"seconds\":N} moves the\n"
		"scenario clock; GET /_emu/state; GET /_emu/stats?window_s=60 (calls per minute\n"
		"and the most calls in any window).\n");
}

static void write_stats(struct emu *m, const char *path)
{
	json_t *s;

	pthread_mutex_lock(&m->lock);
	s = emu_stats_locked(m, 60);
	pthread_mutex_unlock(&m->lock);
	json_object_del(s, "calls");
	if (json_dump_file(s, path, JSON_INDENT(1)) != 0)
		fprintf(stderr, "rebound-emu: cannot write %s\n", path);
	json_decref(s);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "scenario", required_argument, NULL, 's' },
		{ "port", required_argument, NULL, 'p' },
		{ "notify-url", required_argument, NULL, 'n' },
		{ "stats-file", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *scenario = NULL, *notify = NULL, *stats_file = NULL;
	struct http_server *srv = NULL;
	const struct http_route *routes;
	struct err e = ERR_INIT;
	struct emu *m = NULL;
	int64_t port = 0;
	pthread_t sender;
	sigset_t set;
	size_t nroutes;
	int c, sig;

	for (;;) {
		c = getopt_long(argc, argv, "s:p:n:h", opts, NULL);
		if (c == -1)
			break;
		switch (c) {
		case 's': scenario = optarg; break;
		case 'n': notify = optarg; break;
		case 'f': stats_file = optarg; break;
		case 'p':
			if (parse_int64(optarg, 0, 65535, &port, &e) != ERR_OK) {
				fprintf(stderr, "rebound-emu: --port: %s\n", e.msg);
				return 2;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!scenario || optind < argc) {
		usage(stderr);
		return 2;
	}
	if (emu_load(scenario, &m, &e) != ERR_OK) {
		fprintf(stderr, "rebound-emu: %s\n", e.msg);
		return 3;
	}
	if (notify)
		snprintf(m->notify.url, sizeof(m->notify.url), "%s", notify);
	srand((unsigned)time(NULL));
	curl_global_init(CURL_GLOBAL_DEFAULT);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	routes = emu_routes(&nroutes);
	if (http_server_start("127.0.0.1", (unsigned)port, 4, routes, nroutes, 16 * 1024 * 1024, m,
			      &srv, &e) != ERR_OK) {
		fprintf(stderr, "rebound-emu: %s\n", e.msg);
		emu_free(m);
		return 1;
	}
	pthread_create(&sender, NULL, emu_sender_main, m);
	printf("rebound-emu listening on http://127.0.0.1:%u\n", http_server_port(srv));
	fflush(stdout);
	sigwait(&set, &sig);
	m->stop = 1;
	pthread_join(sender, NULL);
	http_server_stop(srv, 1000);
	if (stats_file)
		write_stats(m, stats_file);
	emu_free(m);
	curl_global_cleanup();
	return 0;
}
