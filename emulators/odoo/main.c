/* odoo-emu: an in-memory Odoo 17/18 speaking JSON-RPC on /jsonrpc, for
 * returnbridge's tests, demo and benchmarks. Not part of the product.
 * Calls run on libmicrohttpd's threads, or, when they may wait (latency,
 * cost model, capacity), on a thread of their own with the connection
 * suspended, so that calls overlap in time as on a threaded Odoo; the
 * database is behind one lock, as a call runs in one transaction. The main
 * thread only waits for a signal. */
#define LOG_COMPONENT "odoo-emu"
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emu_db.h"
#include "emu_fault.h"
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
#define HTTP_THREADS 4

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
	"  --capacity N         Odoo workers: calls running at once; more queue\n"
	"                       (default 0 = unlimited)\n"
	"  --cost FILE|17|18    cost model: a JSON file, or the measured defaults\n"
	"                       of Odoo 17 or 18 (costs/odoo-17.json, odoo-18.json)\n"
	"                       (default: none, answers at once)\n"
	"  --cost-scale F       multiply every cost (e.g. 0.1 for faster tests)\n"
	"  --faults FILE        fault rules (a JSON array; see README)\n"
	"  --fault JSON         one fault rule, e.g. '{\"model\":\"account.move\",\n"
	"                       \"method\":\"action_post\",\"kind\":\"reply_lost\",\"times\":1}'\n"
	"                       (repeatable; POST /emu/faults replaces them, GET\n"
	"                       /emu/stats counts and times every call)\n"
	"  --full-recompute     derive every computed field after each call that\n"
	"                       writes (the old way; default: only what it touched)\n"
	"  --check-recompute    after each call that writes, also derive everything\n"
	"                       and log 'recompute mismatch' where it differs (tests)\n"
	"  --verbose            log every request at debug level\n"
	"  --help               this text\n";

#define MAX_FAULT_ARGS 32

struct opts {
	const char *faults_file;
	const char *fault_args[MAX_FAULT_ARGS];
	size_t nfault_args;
	const char *cost;
	double cost_scale;
	int64_t capacity;
	const char *profile;
	const char *seed;
	const char *profile_dir;
	const char *host;
	const char *dump;
	int64_t port;
	bool verbose;
	bool full_recompute;
	bool check_recompute;
};

struct emu_server {
	struct emu *db;
	struct emu_fault *faults;
	pthread_mutex_t state_mu;   /* the database: one call at a time */
	pthread_mutex_t jobs_mu;
	pthread_cond_t jobs_done;
	unsigned jobs;              /* calls running on their own thread */
	bool stopping;
};

/* A call under its fault plan: faults that answer before running, the
 * call in its transaction, then a reply that may be lost. */
static void run_call(struct emu_server *s, const char *body, size_t len,
		     struct emu_fault_plan *plan, struct http_response *resp)
{
	emu_fault_enter(s->faults, plan);
	switch (plan->kind) {
	case EMU_FAULT_HTTP:
		resp->status = plan->status;
		resp->content_type = "text/html";
		buf_addf(&resp->body, "<html><body><h1>%u %s</h1></body></html>\n", plan->status,
			 plan->status == 502 ? "Bad Gateway" : "Service Unavailable");
		break;
	case EMU_FAULT_DROP:
		resp->status = HTTP_STATUS_DROP;
		break;
	case EMU_FAULT_SERIALIZATION:
		/* what Odoo answers once its own retries are spent (odoo/service/
		 * model.py retrying(): PG_CONCURRENCY_ERRORS_TO_RETRY) */
		emu_rpc_error_reply(body, len, "psycopg2.errors.SerializationFailure",
				    "could not serialize access due to concurrent update\n",
				    &resp->body);
		break;
	default:
		pthread_mutex_lock(&s->state_mu);
		emu_rpc_handle(s->db, body, len, &resp->body);
		pthread_mutex_unlock(&s->state_mu);
		if (plan->kind == EMU_FAULT_REPLY_LOST)
			resp->status = HTTP_STATUS_DROP;   /* committed, never told */
	}
	emu_fault_end(s->faults, plan);
}

struct job {
	struct emu_server *s;
	struct http_request *req;
	struct emu_fault_plan plan;
};

static void *job_main(void *arg)
{
	struct job *j = arg;
	struct emu_server *s = j->s;
	size_t len = 0;
	const char *body = http_request_body(j->req, &len);

	run_call(s, body, len, &j->plan, http_deferred_response(j->req));
	http_complete(j->req);
	free(j);
	pthread_mutex_lock(&s->jobs_mu);
	s->jobs--;
	pthread_cond_broadcast(&s->jobs_done);
	pthread_mutex_unlock(&s->jobs_mu);
	return NULL;
}

/* A call that may wait (cost, latency, capacity) runs on a thread of its
 * own, its connection suspended, so that waiting calls never hold an HTTP
 * thread (and the connections that thread serves); any other call runs
 * here at once. */
static void on_jsonrpc(const struct http_request *req,
		       struct http_response *resp, void *arg)
{
	struct emu_server *s = arg;
	struct job *j = calloc(1, sizeof(*j));
	size_t len = 0;
	const char *body = http_request_body(req, &len);
	pthread_attr_t attr;
	pthread_t t;
	bool spawned = false;

	if (!j) {
		http_response_error(resp, 503, "busy", "out of memory");
		return;
	}
	emu_fault_plan(s->faults, body, len, &j->plan);
	emu_fault_plan_client(&j->plan, http_request_header(req, "User-Agent"));
	pthread_mutex_lock(&s->jobs_mu);
	if (emu_fault_may_wait(s->faults, &j->plan) && !s->stopping) {
		j->s = s;
		j->req = http_defer(req);
		pthread_attr_init(&attr);
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		spawned = pthread_create(&t, &attr, job_main, j) == 0;
		pthread_attr_destroy(&attr);
		if (spawned)
			s->jobs++;
	}
	pthread_mutex_unlock(&s->jobs_mu);
	if (spawned)
		return;
	if (j->req) {   /* deferred, but no thread: answer from here */
		run_call(s, body, len, &j->plan, http_deferred_response(j->req));
		http_complete(j->req);
	} else {
		run_call(s, body, len, &j->plan, resp);
	}
	free(j);
}

/* Before the server stops: no new thread, and the running ones done. */
static void wait_jobs(struct emu_server *s)
{
	pthread_mutex_lock(&s->jobs_mu);
	s->stopping = true;
	while (s->jobs)
		pthread_cond_wait(&s->jobs_done, &s->jobs_mu);
	pthread_mutex_unlock(&s->jobs_mu);
}

static void on_dump(const struct http_request *req, struct http_response *resp,
		    void *arg)
{
	struct emu_server *s = arg;

	(void)req;
	pthread_mutex_lock(&s->state_mu);
	emu_json_dump(&resp->body, s->db->state);
	pthread_mutex_unlock(&s->state_mu);
}

static void on_stats(const struct http_request *req, struct http_response *resp,
		     void *arg)
{
	struct emu_server *s = arg;
	json_t *st = emu_fault_stats(s->faults);

	(void)req;
	emu_json_dump(&resp->body, st);
	json_decref(st);
}

/* Replace the fault rules at run time (the body is a rule or an array). */
static void on_faults(const struct http_request *req, struct http_response *resp,
		      void *arg)
{
	struct emu_server *s = arg;
	struct err e = ERR_INIT;
	size_t len = 0;
	const char *body = http_request_body(req, &len);
	json_t *rules = json_loadb(body, len, 0, NULL);

	if (!rules || emu_fault_set_rules(s->faults, rules, &e) != ERR_OK)
		http_response_error(resp, 400, "bad_faults", rules ? e.msg : "not JSON");
	else
		buf_adds(&resp->body, "{\"ok\":true}\n");
	json_decref(rules);
}

static const struct http_route routes[] = {
	{ "POST", "/jsonrpc", on_jsonrpc },
	{ "GET", "/emu/dump", on_dump },
	{ "GET", "/emu/stats", on_stats },
	{ "POST", "/emu/faults", on_faults },
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
		} else if (strcmp(a, "--full-recompute") == 0) {
			o->full_recompute = true;
			continue;
		} else if (strcmp(a, "--check-recompute") == 0) {
			o->check_recompute = true;
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
		else if (strcmp(a, "--faults") == 0)
			o->faults_file = v;
		else if (strcmp(a, "--fault") == 0 && o->nfault_args < MAX_FAULT_ARGS)
			o->fault_args[o->nfault_args++] = v;
		else if (strcmp(a, "--cost") == 0)
			o->cost = v;
		else if (strcmp(a, "--cost-scale") == 0) {
			char *end = NULL;

			o->cost_scale = strtod(v, &end);
			if (!end || *end || !(o->cost_scale >= 0.0 && o->cost_scale <= 100.0)) {
				fprintf(stderr, "odoo-emu: --cost-scale: a number from 0 to 100\n");
				return -1;
			}
		} else if (strcmp(a, "--capacity") == 0) {
			if (parse_int64(v, 0, 1024, &o->capacity, &e) != ERR_OK) {
				fprintf(stderr, "odoo-emu: --capacity: %s\n", e.msg);
				return -1;
			}
		}
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

/* The fault plan from --capacity, --cost, --cost-scale, --faults, --fault. */
static enum err_code setup_faults(const struct opts *o, struct emu_fault **out,
				  struct err *e)
{
	char path[4096];
	json_t *doc = NULL, *rules = json_array();
	enum err_code rc = emu_fault_new((unsigned)o->capacity, o->cost_scale, out, e);
	size_t i;

	if (rc == ERR_OK && o->cost) {
		const char *file = o->cost;

		if (strcmp(o->cost, "17") == 0 || strcmp(o->cost, "18") == 0) {
			snprintf(path, sizeof(path), "%s/costs-%s.json", o->profile_dir, o->cost);
			file = path;
		}
		rc = emu_fault_load(file, &doc, e);
		if (rc == ERR_OK)
			rc = emu_fault_set_costs(*out, doc, e);
		json_decref(doc);
		doc = NULL;
	}
	if (rc == ERR_OK && o->faults_file) {
		rc = emu_fault_load(o->faults_file, &doc, e);
		if (rc == ERR_OK && json_is_array(doc))
			json_array_extend(rules, doc);
		else if (rc == ERR_OK)
			rc = err_set(e, ERR_CONFIG, "%s: an array of fault rules is expected",
				     o->faults_file);
		json_decref(doc);
	}
	for (i = 0; rc == ERR_OK && i < o->nfault_args; i++) {
		json_t *r = json_loads(o->fault_args[i], 0, NULL);

		if (!json_is_object(r))
			rc = err_set(e, ERR_CONFIG, "--fault %s: a JSON object is expected",
				     o->fault_args[i]);
		else
			json_array_append(rules, r);
		json_decref(r);
	}
	if (rc == ERR_OK)
		rc = emu_fault_set_rules(*out, rules, e);
	json_decref(rules);
	return rc;
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
	struct opts o = { .profile_dir = ODOO_EMU_PROFILE_DIR, .host = "127.0.0.1",
			  .port = 8069, .cost_scale = 1.0 };
	struct emu_server server = { NULL, NULL, PTHREAD_MUTEX_INITIALIZER,
				     PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, false };
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
	db->always_full = o.full_recompute;
	db->check_recompute = o.check_recompute;
	emu_hook_recompute(db);
	server.db = db;
	if (setup_faults(&o, &server.faults, &e) != ERR_OK) {
		fprintf(stderr, "odoo-emu: %s\n", e.msg);
		goto out;
	}
	/* block the signals before the HTTP thread exists, so only sigwait
	 * below ever sees them */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	/* calls that wait run on threads of their own (on_jsonrpc); these
	 * threads only parse, plan and run the quick calls */
	if (http_server_start(o.host, (unsigned)o.port, HTTP_THREADS, routes, ARRAY_LEN(routes),
			      MAX_BODY, &server, &srv, &e) != ERR_OK) {
		fprintf(stderr, "odoo-emu: %s\n", e.msg);
		goto out;
	}
	printf("odoo-emu listening on http://%s:%u (Odoo %s)\n", o.host,
	       http_server_port(srv), o.profile);
	fflush(stdout);
	if (sigwait(&set, &sig) != 0)
		sig = 0;
	wait_jobs(&server);
	http_server_stop(srv, 1000);
	rc = 0;
	if (o.dump && write_dump(db, o.dump) != 0) {
		fprintf(stderr, "odoo-emu: cannot write the dump to %s\n", o.dump);
		rc = 1;
	}
out:
	emu_fault_free(server.faults);
	emu_free(db);
	log_shutdown();
	return rc;
}
