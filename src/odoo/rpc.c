/* odoo/rpc: JSON-RPC envelope, curl transport, error mapping, read retries
 * and per-call statistics. */
#define LOG_COMPONENT "odoo"
#include "odoo/rpc.h"

#include <assert.h>
#include <curl/curl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "odoo/gate.h"
#include "rb_version.h"
#include "util/clock.h"
#include "util/log.h"

struct rpc {
	char *endpoint;            /* url + "/jsonrpc" */
	struct rpc_opts o;
	CURL *curl;                /* kept for connection reuse */
	struct curl_slist *headers;
	rpc_post_fn *post;
	void *post_arg;
	rpc_sleep_fn *sleep;
	void *sleep_arg;
	int64_t next_id;
	uint64_t connects;         /* new connections opened by curl */
	bool sending_write;        /* the request in flight is a write */
	unsigned seed;             /* retry jitter */
	struct rpc_gate *gate;     /* shared cap on calls in flight, or NULL */
	size_t nstats;
	struct rpc_stat stats[RPC_STATS_MAX];
};

static const char *const kind_names[] = {
	[RPC_K_NONE] = "none",
	[RPC_K_NETWORK] = "network",
	[RPC_K_TIMEOUT] = "timeout",
	[RPC_K_HTTP] = "http",
	[RPC_K_BAD_REPLY] = "bad_reply",
	[RPC_K_USER] = "user",
	[RPC_K_VALIDATION] = "validation",
	[RPC_K_ACCESS_DENIED] = "access_denied",
	[RPC_K_ACCESS] = "access",
	[RPC_K_MISSING] = "missing",
	[RPC_K_VALUE] = "value",
	[RPC_K_ATTRIBUTE] = "attribute",
	[RPC_K_CONCURRENCY] = "concurrency",
	[RPC_K_SESSION] = "session",
	[RPC_K_OTHER] = "other",
};
static_assert(ARRAY_LEN(kind_names) == RPC_K__COUNT, "rpc kind names");

const char *rpc_kind_name(enum rpc_kind k)
{
	if ((unsigned)k >= RPC_K__COUNT)
		return "unknown";
	return kind_names[k];
}

/* error.data.name -> kind. Matched as a suffix of the dotted name where the
 * module path varies (psycopg2.errors.X, psycopg2.extensions.X). */
static const struct {
	const char *name;
	enum rpc_kind kind;
} odoo_errors[] = {
	{ "odoo.exceptions.UserError", RPC_K_USER },
	{ "odoo.exceptions.RedirectWarning", RPC_K_USER },
	{ "odoo.exceptions.ValidationError", RPC_K_VALIDATION },
	{ "odoo.exceptions.AccessDenied", RPC_K_ACCESS_DENIED },
	{ "odoo.exceptions.AccessError", RPC_K_ACCESS },
	{ "odoo.exceptions.MissingError", RPC_K_MISSING },
	{ "odoo.http.SessionExpiredException", RPC_K_SESSION },
	{ "builtins.ValueError", RPC_K_VALUE },
	{ "builtins.AttributeError", RPC_K_ATTRIBUTE },
	{ "builtins.TypeError", RPC_K_VALUE },
	{ "builtins.KeyError", RPC_K_VALUE },
	{ ".SerializationFailure", RPC_K_CONCURRENCY },
	{ ".LockNotAvailable", RPC_K_CONCURRENCY },
	{ ".DeadlockDetected", RPC_K_CONCURRENCY },
	{ ".TransactionRollbackError", RPC_K_CONCURRENCY },
};

static enum rpc_kind kind_of(const char *name)
{
	size_t i, n = strlen(name), m;

	for (i = 0; i < ARRAY_LEN(odoo_errors); i++) {
		m = strlen(odoo_errors[i].name);
		if (odoo_errors[i].name[0] == '.') {
			if (n >= m && strcmp(name + n - m, odoo_errors[i].name) == 0)
				return odoo_errors[i].kind;
		} else if (strcmp(name, odoo_errors[i].name) == 0) {
			return odoo_errors[i].kind;
		}
	}
	return RPC_K_OTHER;
}

static enum err_code code_of(enum rpc_kind k)
{
	switch (k) {
	case RPC_K_ACCESS_DENIED:
	case RPC_K_ACCESS:
	case RPC_K_SESSION:
		return ERR_DENIED;
	case RPC_K_MISSING:
		return ERR_NOT_FOUND;
	case RPC_K_VALUE:
	case RPC_K_ATTRIBUTE:
		return ERR_INVALID;
	case RPC_K_CONCURRENCY:
		return ERR_BUSY;
	case RPC_K_USER:
	case RPC_K_VALIDATION:
	case RPC_K_OTHER:
		return ERR_REJECTED;
	case RPC_K_NONE:
	case RPC_K_NETWORK:
	case RPC_K_TIMEOUT:
	case RPC_K_HTTP:
	case RPC_K_BAD_REPLY:
	case RPC_K__COUNT:
		break;
	}
	BUG("no code for odoo error kind %d", (int)k);
}

static const char *const read_methods[] = {
	"read", "search_read", "search", "search_count", "fields_get",
	"check_access_rights", "has_access", "name_search", "read_group",
	"default_get", "name_get", "version", "login", "authenticate",
	"context_get", "web_search_read", "web_read",
};

enum rpc_effect rpc_method_effect(const char *method)
{
	size_t i;

	for (i = 0; i < ARRAY_LEN(read_methods); i++)
		if (strcmp(method, read_methods[i]) == 0)
			return RPC_READ;
	return RPC_WRITE;
}

/* --- curl transport ----------------------------------------------------- */

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc;

static void curl_init(void)
{
	curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

static size_t on_body(char *p, size_t size, size_t n, void *arg)
{
	struct buf *b = arg;

	buf_add(b, p, size * n);
	/* returning less than given makes curl stop with CURLE_WRITE_ERROR */
	return buf_failed(b) ? 0 : size * n;
}

static enum rpc_net curl_post(const char *body, size_t len, long *status,
			      struct buf *reply, char *why, size_t whylen,
			      void *arg)
{
	struct rpc *r = arg;
	CURLcode rc;
	long sent = 0;

	curl_easy_setopt(r->curl, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(r->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(r->curl, CURLOPT_WRITEDATA, reply);
	/* libcurl silently sends a request again on a fresh connection when a
	 * reused one gave no byte back (Curl_retry_request) — Odoo may have
	 * done the work before the connection died. A write goes on a new
	 * connection, where curl never does that; reads keep reusing one. */
	curl_easy_setopt(r->curl, CURLOPT_FRESH_CONNECT, r->sending_write ? 1L : 0L);
	*status = 0;
	rc = curl_easy_perform(r->curl);
	if (curl_easy_getinfo(r->curl, CURLINFO_NUM_CONNECTS, &sent) == CURLE_OK)
		r->connects += (uint64_t)sent;
	sent = 0;
	if (rc == CURLE_OK) {
		curl_easy_getinfo(r->curl, CURLINFO_RESPONSE_CODE, status);
		return RPC_NET_OK;
	}
	snprintf(why, whylen, "%s", curl_easy_strerror(rc));
	if (rc == CURLE_WRITE_ERROR && buf_failed(reply)) {
		curl_easy_getinfo(r->curl, CURLINFO_RESPONSE_CODE, status);
		return RPC_NET_OK; /* the caller sees the buffer's sticky error */
	}
	switch (rc) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_COULDNT_CONNECT:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_URL_MALFORMAT:
	case CURLE_UNSUPPORTED_PROTOCOL:
		return RPC_NET_NOT_SENT;
	default:
		break;
	}
	/* a timeout while still connecting sent nothing */
	curl_easy_getinfo(r->curl, CURLINFO_REQUEST_SIZE, &sent);
	if (sent == 0)
		return RPC_NET_NOT_SENT;
	return rc == CURLE_OPERATION_TIMEDOUT ? RPC_NET_TIMEOUT : RPC_NET_LOST;
}

static void real_sleep(int64_t ms, void *arg)
{
	struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };

	(void)arg;
	while (nanosleep(&ts, &ts) != 0)
		;
}

enum err_code rpc_new(const struct rpc_opts *o, struct rpc **out,
		      struct err *e)
{
	struct rpc *r = NULL;
	struct buf ep = BUF_INIT(4096);
	size_t n;
	enum err_code rc = ERR_OK;

	*out = NULL;
	if (!o->url || !*o->url || o->read_attempts < 1 || o->timeout_ms <= 0)
		return err_set(e, ERR_INVALID, "odoo: url, timeout and read attempts are required");
	pthread_once(&curl_once, curl_init);
	if (curl_init_rc != CURLE_OK)
		return err_set(e, ERR_INTERNAL, "curl_global_init failed: %s",
			       curl_easy_strerror(curl_init_rc));
	r = calloc(1, sizeof(*r));
	if (!r)
		return err_set(e, ERR_NOMEM, "out of memory");
	r->o = *o;
	r->o.url = NULL;
	n = strlen(o->url);
	while (n > 0 && o->url[n - 1] == '/')
		n--;
	buf_addf(&ep, "%.*s/jsonrpc", (int)n, o->url);
	r->endpoint = buf_detach(&ep, NULL);
	r->curl = curl_easy_init();
	r->headers = curl_slist_append(NULL, "Content-Type: application/json");
	if (r->headers)
		r->headers = curl_slist_append(r->headers, "Accept: application/json");
	if (!r->endpoint || !r->curl || !r->headers) {
		rc = err_set(e, ERR_NOMEM, "out of memory");
		goto out;
	}
	curl_easy_setopt(r->curl, CURLOPT_URL, r->endpoint);
	curl_easy_setopt(r->curl, CURLOPT_HTTPHEADER, r->headers);
	curl_easy_setopt(r->curl, CURLOPT_USERAGENT, "returnbridge/" RB_VERSION);
	curl_easy_setopt(r->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(r->curl, CURLOPT_TIMEOUT_MS, (long)o->timeout_ms);
	curl_easy_setopt(r->curl, CURLOPT_CONNECTTIMEOUT_MS,
			 (long)(o->connect_timeout_ms > 0 ? o->connect_timeout_ms
							  : o->timeout_ms));
	curl_easy_setopt(r->curl, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(r->curl, CURLOPT_WRITEFUNCTION, on_body);
	/* Odoo answers /jsonrpc itself; a redirect means a wrong URL, and
	 * following one would turn our POST into a GET */
	curl_easy_setopt(r->curl, CURLOPT_FOLLOWLOCATION, 0L);
	r->post = curl_post;
	r->post_arg = r;
	r->sleep = real_sleep;
	r->seed = (unsigned)clock_mono_ms();
	r->next_id = 1;
out:
	if (rc != ERR_OK) {
		rpc_free(r);
		return rc;
	}
	*out = r;
	return ERR_OK;
}

void rpc_free(struct rpc *r)
{
	if (!r)
		return;
	if (r->curl)
		curl_easy_cleanup(r->curl);
	curl_slist_free_all(r->headers);
	free(r->endpoint);
	free(r);
}

void rpc_set_transport(struct rpc *r, rpc_post_fn *fn, void *arg)
{
	r->post = fn;
	r->post_arg = arg;
}

void rpc_set_gate(struct rpc *r, struct rpc_gate *g)
{
	r->gate = g;
}

void rpc_set_sleep(struct rpc *r, rpc_sleep_fn *fn, void *arg)
{
	r->sleep = fn;
	r->sleep_arg = arg;
}

uint64_t rpc_connections_opened(const struct rpc *r)
{
	return r->connects;
}

size_t rpc_stats(const struct rpc *r, const struct rpc_stat **out)
{
	*out = r->stats;
	return r->nstats;
}

static struct rpc_stat *stat_slot(struct rpc *r, const char *model,
				  const char *method)
{
	struct rpc_stat *s;
	size_t i;

	for (i = 0; i < r->nstats; i++) {
		s = &r->stats[i];
		if (strcmp(s->model, model) == 0 && strcmp(s->method, method) == 0)
			return s;
	}
	if (r->nstats == RPC_STATS_MAX) {
		/* the last slot collects the overflow rather than losing calls */
		s = &r->stats[RPC_STATS_MAX - 1];
		snprintf(s->model, sizeof(s->model), "(other)");
		snprintf(s->method, sizeof(s->method), "(other)");
		return s;
	}
	s = &r->stats[r->nstats++];
	snprintf(s->model, sizeof(s->model), "%s", model);
	snprintf(s->method, sizeof(s->method), "%s", method);
	return s;
}

/* --- one attempt -------------------------------------------------------- */

static void fault_set(struct rpc_fault *f, enum rpc_kind k, bool retryable,
		      long status, const char *name, const char *msg)
{
	f->kind = k;
	f->retryable = retryable;
	f->http_status = status;
	snprintf(f->name, sizeof(f->name), "%s", name ? name : "");
	snprintf(f->message, sizeof(f->message), "%s", msg ? msg : "");
}

static enum err_code from_http_status(long status, enum rpc_effect effect,
				      struct rpc_fault *f)
{
	char msg[64];

	snprintf(msg, sizeof(msg), "HTTP %ld", status);
	switch (status) {
	case 401:
	case 403:
		fault_set(f, RPC_K_HTTP, false, status, "", msg);
		return ERR_DENIED;
	case 429:
	case 503:
		/* refused before any work: safe to try again later */
		fault_set(f, RPC_K_HTTP, true, status, "", msg);
		return ERR_BUSY;
	case 502:
	case 504:
	case 500:
		/* a proxy gave up on Odoo, which may have finished the work */
		fault_set(f, RPC_K_HTTP, true, status, "", msg);
		return effect == RPC_WRITE ? ERR_UNKNOWN_OUTCOME : ERR_IO;
	default:
		fault_set(f, RPC_K_HTTP, false, status, "", msg);
		return ERR_CONFIG; /* 404 and the like: the URL is wrong */
	}
}

static enum err_code parse_reply(const struct buf *reply, int64_t id,
				 enum rpc_effect effect, json_t **result,
				 struct rpc_fault *f)
{
	json_error_t je;
	json_t *root, *err, *data, *res;
	const char *name, *msg;
	enum rpc_kind k;
	enum err_code rc;

	root = json_loadb(reply->data ? reply->data : "", reply->len, 0, &je);
	if (!root || !json_is_object(root) ||
	    json_integer_value(json_object_get(root, "id")) != id) {
		json_decref(root);
		fault_set(f, RPC_K_BAD_REPLY, true, 200, "",
			  "the reply is not a JSON-RPC answer to our request (is odoo.url the Odoo server?)");
		return effect == RPC_WRITE ? ERR_UNKNOWN_OUTCOME : ERR_IO;
	}
	err = json_object_get(root, "error");
	if (err) {
		data = json_object_get(err, "data");
		name = json_string_value(json_object_get(data, "name"));
		msg = json_string_value(json_object_get(data, "message"));
		if (!msg)
			msg = json_string_value(json_object_get(err, "message"));
		k = kind_of(name ? name : "");
		fault_set(f, k, k == RPC_K_CONCURRENCY, 200, name, msg);
		rc = code_of(k);
		json_decref(root);
		return rc;
	}
	res = json_object_get(root, "result");
	/* Odoo leaves "result" out when the method returned None */
	*result = res ? json_incref(res) : json_null();
	json_decref(root);
	return ERR_OK;
}

/* Odoo's envelope for a lock it could not take or a serialization
 * failure after its own retries: a sign of load, like a 503. */
static bool lock_error(const struct buf *reply)
{
	/* the body is NUL-terminated once anything was added */
	return reply->len > 0 && strstr(reply->data, "psycopg2.errors.") &&
	       (strstr(reply->data, "SerializationFailure") ||
		strstr(reply->data, "LockNotAvailable"));
}

static enum err_code attempt(struct rpc *r, const char *body, size_t len,
			     int64_t id, enum rpc_effect effect,
			     json_t **result, struct rpc_fault *f)
{
	struct buf reply = BUF_INIT(r->o.max_reply_bytes);
	char why[200] = "";
	long status = 0;
	enum rpc_net net;
	enum err_code rc;

	r->sending_write = effect == RPC_WRITE;
	if (r->gate)
		rpc_gate_enter(r->gate);
	net = r->post(body, len, &status, &reply, why, sizeof(why), r->post_arg);
	if (r->gate)
		rpc_gate_leave(r->gate, net == RPC_NET_OK && (status == 503 || status == 429 ||
			       (status == 200 && lock_error(&reply))));
	switch (net) {
	case RPC_NET_OK:
		break;
	case RPC_NET_NOT_SENT:
		fault_set(f, RPC_K_NETWORK, true, 0, "", why);
		rc = ERR_IO;
		goto out;
	case RPC_NET_TIMEOUT:
	case RPC_NET_LOST:
		fault_set(f, net == RPC_NET_TIMEOUT ? RPC_K_TIMEOUT : RPC_K_NETWORK,
			  true, 0, "", why);
		rc = effect == RPC_WRITE ? ERR_UNKNOWN_OUTCOME : ERR_IO;
		goto out;
	}
	if (buf_failed(&reply)) {
		fault_set(f, RPC_K_BAD_REPLY, false, status, "",
			  "reply larger than the limit");
		/* Odoo did answer a write, but we cannot read what it did */
		rc = effect == RPC_WRITE ? ERR_UNKNOWN_OUTCOME : ERR_TOO_BIG;
		goto out;
	}
	if (status != 200) {
		rc = from_http_status(status, effect, f);
		goto out;
	}
	rc = parse_reply(&reply, id, effect, result, f);
out:
	buf_release(&reply);
	return rc;
}

static char *build_body(const char *service, const char *method,
			json_t *args_own, int64_t id)
{
	json_t *req;
	char *text;

	req = json_pack("{s:s, s:s, s:{s:s, s:s, s:o}, s:I}", "jsonrpc", "2.0",
			"method", "call", "params", "service", service,
			"method", method, "args", args_own, "id", (json_int_t)id);
	if (!req)
		return NULL;
	/* 15 significant digits: the amounts we send are short decimals, and
	 * this writes 79.99 rather than 79.989999999999995 */
	text = json_dumps(req, JSON_COMPACT | JSON_REAL_PRECISION(15));
	json_decref(req);
	return text;
}

static int64_t backoff(struct rpc *r, int tried)
{
	int64_t d = r->o.backoff_ms;
	int i;

	for (i = 1; i < tried && d < 60000; i++)
		d *= 2;
	/* jitter in [d/2, d] so workers retrying together spread out */
	if (d > 1)
		d = d / 2 + (int64_t)(rand_r(&r->seed) % (unsigned)(d / 2 + 1));
	return d;
}

enum err_code rpc_call(struct rpc *r, const char *service, const char *method,
		       json_t *args_own, enum rpc_effect effect,
		       const char *stat_model, const char *stat_method,
		       json_t **result, struct rpc_fault *f, struct err *e)
{
	struct rpc_fault local;
	struct rpc_stat *st;
	char *body = NULL;
	int64_t id, t0, ms;
	int tried = 0;
	enum err_code rc;

	*result = NULL;
	if (!f)
		f = &local;
	memset(f, 0, sizeof(*f));
	if (!args_own)
		return err_set(e, ERR_NOMEM, "out of memory");
	/* the names may point into args, which build_body releases */
	st = stat_slot(r, stat_model, stat_method);
	stat_model = st->model;
	stat_method = st->method;
	id = r->next_id++;
	body = build_body(service, method, args_own, id);
	if (!body)
		return err_set(e, ERR_NOMEM, "out of memory");
	for (;;) {
		memset(f, 0, sizeof(*f));
		t0 = clock_mono_ms();
		rc = attempt(r, body, strlen(body), id, effect, result, f);
		ms = clock_mono_ms() - t0;
		st->calls++;
		st->total_ms += ms;
		if (ms > st->max_ms)
			st->max_ms = ms;
		if (tried > 0)
			st->retries++;
		tried++;
		log_debug("%s.%s: %s in %" PRId64 " ms", stat_model, stat_method,
			  err_name(rc), ms);
		if (rc == ERR_OK)
			break;
		st->errors++;
		if (effect != RPC_READ || !f->retryable ||
		    tried >= r->o.read_attempts)
			break;
		log_warn("%s.%s failed (%s: %s), retrying read %d of %d", stat_model,
			 stat_method, rpc_kind_name(f->kind), f->message, tried,
			 r->o.read_attempts - 1);
		r->sleep(backoff(r, tried), r->sleep_arg);
	}
	/* explicit_bzero: the body holds the API key */
	explicit_bzero(body, strlen(body));
	free(body);
	if (rc == ERR_OK)
		return ERR_OK;
	if (rc == ERR_UNKNOWN_OUTCOME) {
		log_warn("%s.%s: outcome unknown (%s); not sent again", stat_model,
			 stat_method, f->message);
		return err_set(e, rc, "%s.%s: sent, but no answer came back (%s); it may have been applied: look it up before writing again",
			       stat_model, stat_method, f->message);
	}
	if (f->name[0])
		return err_set(e, rc, "%s.%s: Odoo says: %s (%s)", stat_model,
			       stat_method, f->message, f->name);
	return err_set(e, rc, "%s.%s: %s%s", stat_model, stat_method, f->message,
		       tried > 1 ? " (after retries)" : "");
}
