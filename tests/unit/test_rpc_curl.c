/* End-to-end tests of odoo/rpc through libcurl against a small JSON-RPC
 * server on 127.0.0.1 (http/server): connection reuse for reads and a
 * fresh connection for each write, a write that times
 * out is reported as an unknown outcome and sent exactly once, a refused
 * connection is retried for reads only. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "http/server.h"
#include "odoo/rpc.h"

struct server {
	struct http_server *srv;
	_Atomic int posts;          /* action_post requests received */
	_Atomic int reads;
	_Atomic int slow_ms;        /* how long action_post takes */
};

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static void on_jsonrpc(const struct http_request *req, struct http_response *resp,
		       void *arg)
{
	struct server *s = arg;
	json_error_t je;
	json_t *body = json_loads(http_request_body(req, NULL), 0, &je);
	json_t *params = json_object_get(body, "params");
	const char *method = json_string_value(json_array_get(json_object_get(params, "args"), 4));

	resp->status = 200;
	if (method && strcmp(method, "action_post") == 0) {
		s->posts++;
		sleep_ms(s->slow_ms);
	} else {
		s->reads++;
	}
	/* the shape of Odoo's answer to action_post and to an empty search */
	buf_addf(&resp->body, "{\"jsonrpc\":\"2.0\",\"id\":%" JSON_INTEGER_FORMAT ",\"result\":%s}",
		 json_integer_value(json_object_get(body, "id")),
		 method && strcmp(method, "action_post") == 0 ? "false" : "[]");
	json_decref(body);
}

static const struct http_route routes[] = {
	{ "POST", "/jsonrpc", on_jsonrpc },
};

static void no_sleep(int64_t ms, void *arg)
{
	(void)ms;
	(*(int *)arg)++;
}

static struct rpc *client(unsigned port, int64_t timeout_ms, int *sleeps)
{
	char url[64];
	struct rpc_opts o = {
		.url = url, .timeout_ms = timeout_ms, .connect_timeout_ms = 1000,
		.read_attempts = 3, .backoff_ms = 1, .max_reply_bytes = 1 << 20,
	};
	struct rpc *r = NULL;

	snprintf(url, sizeof(url), "http://127.0.0.1:%u/", port);
	assert_int_equal(rpc_new(&o, &r, NULL), ERR_OK);
	rpc_set_sleep(r, no_sleep, sleeps);
	return r;
}

static enum err_code call(struct rpc *r, const char *method, struct rpc_fault *f,
			  struct err *e)
{
	json_t *res = NULL;
	enum err_code rc;

	rc = rpc_call(r, "object", "execute_kw",
		      json_pack("[s, i, s, s, s, [[i]], {}]", "db", 2, "key",
				"account.move", method, 26),
		      rpc_method_effect(method), "account.move", method, &res, f, e);
	json_decref(res);
	return rc;
}

static void test_rpc_curl__reads_share_a_connection_writes_get_a_fresh_one(void **state)
{
	struct server s = { 0 };
	struct rpc *r;
	int sleeps = 0;

	(void)state;
	assert_int_equal(http_server_start("127.0.0.1", 0, 1, routes, 1, 1 << 20, &s,
					   &s.srv, NULL), ERR_OK);
	r = client(http_server_port(s.srv), 5000, &sleeps);
	assert_int_equal(call(r, "read", NULL, NULL), ERR_OK);
	assert_int_equal(call(r, "search_read", NULL, NULL), ERR_OK);
	assert_int_equal(rpc_connections_opened(r), 1);
	/* a write never rides a reused connection: curl could resend it */
	assert_int_equal(call(r, "action_post", NULL, NULL), ERR_OK);
	assert_int_equal(rpc_connections_opened(r), 2);
	assert_int_equal(call(r, "search_read", NULL, NULL), ERR_OK);
	assert_int_equal(rpc_connections_opened(r), 2);
	assert_int_equal(s.reads, 3);
	assert_int_equal(s.posts, 1);
	rpc_free(r);
	http_server_stop(s.srv, 1000);
}

static void test_rpc_curl__timed_out_write_is_unknown_and_sent_once(void **state)
{
	struct server s = { 0 };
	struct rpc_fault f;
	struct err e = ERR_INIT;
	const struct rpc_stat *st;
	struct rpc *r;
	int sleeps = 0;
	size_t n;

	(void)state;
	s.slow_ms = 1500;
	assert_int_equal(http_server_start("127.0.0.1", 0, 1, routes, 1, 1 << 20, &s,
					   &s.srv, NULL), ERR_OK);
	r = client(http_server_port(s.srv), 300, &sleeps);
	assert_int_equal(call(r, "action_post", &f, &e), ERR_UNKNOWN_OUTCOME);
	assert_int_equal(f.kind, RPC_K_TIMEOUT);
	assert_int_equal(sleeps, 0);
	/* let the server finish the post it did receive: still just one */
	sleep_ms(1700);
	assert_int_equal(s.posts, 1);
	n = rpc_stats(r, &st);
	assert_int_equal(n, 1);
	assert_int_equal(st[0].calls, 1);
	assert_int_equal(st[0].errors, 1);
	assert_true(st[0].max_ms >= 250);
	rpc_free(r);
	http_server_stop(s.srv, 2000);
}

static void test_rpc_curl__refused_connection_retries_reads_only(void **state)
{
	struct server s = { 0 };
	struct rpc_fault f;
	struct rpc *r;
	unsigned port;
	int sleeps = 0;

	(void)state;
	/* a port that was just free: nothing listens there any more */
	assert_int_equal(http_server_start("127.0.0.1", 0, 1, routes, 1, 1 << 20, &s,
					   &s.srv, NULL), ERR_OK);
	port = http_server_port(s.srv);
	http_server_stop(s.srv, 0);
	r = client(port, 1000, &sleeps);
	assert_int_equal(call(r, "search_read", &f, NULL), ERR_IO);
	assert_int_equal(f.kind, RPC_K_NETWORK);
	assert_int_equal(sleeps, 2);              /* 3 attempts */
	sleeps = 0;
	/* nothing was sent, so the outcome is known: not applied */
	assert_int_equal(call(r, "action_post", &f, NULL), ERR_IO);
	assert_int_equal(sleeps, 0);
	rpc_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rpc_curl__reads_share_a_connection_writes_get_a_fresh_one),
		cmocka_unit_test(test_rpc_curl__timed_out_write_is_unknown_and_sent_once),
		cmocka_unit_test(test_rpc_curl__refused_connection_retries_reads_only),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
