/* odoo-emu: an in-memory Odoo 17/18 speaking JSON-RPC on /jsonrpc, for
 * returnbridge's tests, demo and benchmarks. Not part of the product.
 * Requests are answered on libmicrohttpd's single polling thread, so the
 * database needs no lock; the main thread only waits for a signal. */
#define LOG_COMPONENT "odoo-emu"
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emu_db.h"
#include "emu_hooks.h"
#include "emu_json.h"
#include "emu_rpc.h"
#include "http/server.h"
#include "util/log.h"
#include "util/parse.h"

#ifndef ODOO_EMU_PROFILE_DIR
#define ODOO_EMU_PROFILE_DIR "emulators/odoo/profiles"
#endif

#define MAX_BODY (8u * 1024 * 1024)

static const char usage[] =
	"usage: odoo-emu --profile 17|18 --seed FILE [options]\n"
	"\n"
	"An in-memory Odoo 17.0 or 18.0 answering JSON-RPC on POST /jsonrpc.\n"
	"\n"
	"  --profile 17|18      which Odoo to behave like (required)\n"
	"  --seed FILE          starting records, next ids and sequences (JSON;\n"
	"                       see emulators/odoo/README.md) (required)\n"
	"  --profile-dir DIR    where odoo-17.json / odoo-18.json are\n"
	"                       (default " ODOO_EMU_PROFILE_DIR ")\n"
	"  --host ADDR          address to bind (default 127.0.0.1)\n"
	"  --port N             port, 0 for any free one (default 8069); the bound\n"
	"                       port is printed as 'odoo-emu listening on http://HOST:PORT'\n"
	"  --dump FILE          write the final state as JSON to FILE on exit\n"
	"                       (GET /emu/dump returns it at any time)\n"
	"  --verbose            log every request at debug level\n"
	"  --help               this text\n";

struct opts {
	const char *profile;
	const char *seed;
	const char *profile_dir;
	const char *host;
	const char *dump;
	int64_t port;
	bool verbose;
};

static void on_jsonrpc(const struct http_request *req,
		       struct http_response *resp, void *arg)
{
	size_t len = 0;
	const char *body = http_request_body(req, &len);

	emu_rpc_handle(arg, body, len, &resp->body);
}

static void on_dump(const struct http_request *req, struct http_response *resp,
		    void *arg)
{
	struct emu *db = arg;

	(void)req;
	emu_json_dump(&resp->body, db->state);
}

static const struct http_route routes[] = {
	{ "POST", "/jsonrpc", on_jsonrpc },
	{ "GET", "/emu/dump", on_dump },
};

static int parse_args(int argc, char **argv, struct opts *o)
{
	struct err e = ERR_INIT;
	int i;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			fputs(usage, stdout);
			exit(0);
		} else if (strcmp(a, "--verbose") == 0) {
			o->verbose = true;
			continue;
		}
		if (!v) {
			fprintf(stderr, "odoo-emu: %s needs a value\n%s", a, usage);
			return -1;
		}
		i++;
		if (strcmp(a, "--profile") == 0)
			o->profile = v;
		else if (strcmp(a, "--seed") == 0)
			o->seed = v;
		else if (strcmp(a, "--profile-dir") == 0)
			o->profile_dir = v;
		else if (strcmp(a, "--host") == 0)
			o->host = v;
		else if (strcmp(a, "--dump") == 0)
			o->dump = v;
		else if (strcmp(a, "--port") == 0) {
			if (parse_int64(v, 0, 65535, &o->port, &e) != ERR_OK) {
				fprintf(stderr, "odoo-emu: --port: %s\n", e.msg);
				return -1;
			}
		} else {
			fprintf(stderr, "odoo-emu: unknown option %s\n%s", a, usage);
			return -1;
		}
	}
	if (!o->profile || (strcmp(o->profile, "17") != 0 && strcmp(o->profile, "18") != 0) ||
	    !o->seed) {
		fprintf(stderr, "odoo-emu: --profile 17|18 and --seed are required\n%s", usage);
		return -1;
	}
	return 0;
}

static int write_dump(struct emu *db, const char *path)
{
	struct buf b = BUF_INIT(256u * 1024 * 1024);
	FILE *f;
	int rc = 0;

	emu_json_dump(&b, db->state);
	buf_addc(&b, '\n');
	f = fopen(path, "w");
	if (!f || buf_failed(&b) || fwrite(b.data, 1, b.len, f) != b.len)
		rc = -1;
	if (f && fclose(f) != 0)
		rc = -1;
	buf_release(&b);
	return rc;
}

int main(int argc, char **argv)
{
	struct opts o = { NULL, NULL, ODOO_EMU_PROFILE_DIR, "127.0.0.1", NULL, 8069, false };
	struct http_server *srv = NULL;
	struct emu *db = NULL;
	struct err e = ERR_INIT;
	char profile_path[4096];
	sigset_t set;
	int sig = 0, rc = 1;

	if (parse_args(argc, argv, &o) != 0)
		return 2;
	if (log_setup(o.verbose ? LOG_DEBUG : LOG_INFO, LOG_FMT_TEXT, NULL, &e) != ERR_OK)
		return 1;
	if ((size_t)snprintf(profile_path, sizeof(profile_path), "%s/odoo-%s.json",
			     o.profile_dir, o.profile) >= sizeof(profile_path)) {
		fprintf(stderr, "odoo-emu: --profile-dir too long\n");
		return 2;
	}
	if (emu_new(profile_path, o.seed, &db, &e) != ERR_OK) {
		fprintf(stderr, "odoo-emu: %s\n", e.msg);
		return 1;
	}
	emu_hook_recompute(db);
	/* block the signals before the HTTP thread exists, so only sigwait
	 * below ever sees them */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (http_server_start(o.host, (unsigned)o.port, 1, routes, ARRAY_LEN(routes),
			      MAX_BODY, db, &srv, &e) != ERR_OK) {
		fprintf(stderr, "odoo-emu: %s\n", e.msg);
		goto out;
	}
	printf("odoo-emu listening on http://%s:%u (Odoo %s)\n", o.host,
	       http_server_port(srv), o.profile);
	fflush(stdout);
	if (sigwait(&set, &sig) != 0)
		sig = 0;
	http_server_stop(srv, 1000);
	rc = 0;
	if (o.dump && write_dump(db, o.dump) != 0) {
		fprintf(stderr, "odoo-emu: cannot write the dump to %s\n", o.dump);
		rc = 1;
	}
out:
	emu_free(db);
	log_shutdown();
	return rc;
}
