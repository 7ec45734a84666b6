/* Unit tests for rebound/poller's feeding, with a test double for the feed
 * (what the intake would receive) and a canned legacy API served
 * in-process: a poll round hands every return to the feed as a legacy
 * return object with source "poll"; the next round re-checks only open
 * returns; the feed's verdicts are counted. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <jansson.h>
#include <cmocka.h>

#include "http/server.h"
#include "rebound/feed.h"
#include "rebound/poller.h"
#include "rebound/rbclient.h"
#include "store/store.h"

/* --- a canned legacy API ---------------------------------------------------- */

static int api_calls;

static void api(const struct http_request *req, struct http_response *resp, void *arg)
{
	const char *path = http_request_path(req), *body = http_request_body(req, NULL);

	(void)arg;
	api_calls++;
	if (strcmp(path, "/api/returns/search/json") == 0) {
		buf_adds(&resp->body, "{\"success\":{\"id\":[\"7\",8]}}");
	} else if (strcmp(path, "/api/returns/get/json") == 0 && strstr(body, "%22id%22%3A%227%22")) {
		buf_adds(&resp->body, "{\"success\":{\"id\":\"7\",\"order_reference\":\"SO7\","
			 "\"current_tracking_status\":\"Entered Our Network\",\"item\":[{\"sku_code\":\"A\","
			 "\"quantity\":\"2\",\"price\":\"10.00\"}]}}");
	} else if (strcmp(path, "/api/returns/get/json") == 0) {
		buf_adds(&resp->body, "{\"success\":{\"id\":\"8\",\"order_reference\":\"SO8\","
			 "\"current_tracking_status\":\"cancelled\",\"item\":[{\"sku_code\":\"B\",\"quantity\":\"1\"}]}}");
	} else {
		buf_adds(&resp->body, "{\"error\":{\"code\":\"unknown_call\",\"message\":[\"?\"]}}");
	}
}

static const struct http_route routes[] = { { "POST", "/api/*", api } };

/* --- the feed double ------------------------------------------------------------ */

struct fed {
	int n;
	enum intake_kind kind[16];
	char source[16][16];
	json_t *body[16];
	enum intake_outcome answer;
};

static enum err_code record(void *arg, enum intake_kind kind, const char *source,
			    const char *body, size_t len, struct intake_result *res,
			    struct err *e)
{
	struct fed *f = arg;

	(void)e;
	assert_true(f->n < 16);
	f->kind[f->n] = kind;
	snprintf(f->source[f->n], sizeof(f->source[0]), "%s", source);
	f->body[f->n] = json_loadb(body, len, 0, NULL);
	f->n++;
	memset(res, 0, sizeof(*res));
	res->outcome = f->answer;
	res->event_id = f->n;
	return ERR_OK;
}

/* --- fixture ---------------------------------------------------------------------- */

struct fixture {
	char dir[32], ini[512];
	struct http_server *srv;
	struct cfg cfg;
	struct store *st;
	struct rbclient *cl;
	struct fed fed;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct err e = ERR_INIT;

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/rbpollXXXXXX");
	assert_non_null(mkdtemp(f->dir));
	assert_int_equal(http_server_start("127.0.0.1", 0, 1, routes, 1, 1 << 20, NULL, &f->srv, &e), ERR_OK);
	snprintf(f->ini, sizeof(f->ini),
		 "[store]\npath = rb.db\n[rebound]\napi = legacy\nlegacy_url = http://127.0.0.1:%u/api\n"
		 "legacy_login = l\nlegacy_api_key = k\nrate_limit_calls = 0\nfetch_tracking = off\n"
		 "cancelled_status = Cancelled\n",
		 http_server_port(f->srv));
	assert_int_equal(cfg_load_string(f->ini, "test.ini", f->dir, &f->cfg, NULL, &e), ERR_OK);
	assert_int_equal(store_open(&f->cfg, &f->st, &e), ERR_OK);
	assert_int_equal(rbclient_new(&f->cfg, NULL, NULL, &f->cl, &e), ERR_OK);
	f->fed.answer = INTAKE_ACCEPTED;
	api_calls = 0;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char p[96];
	int i;

	for (i = 0; i < f->fed.n; i++)
		json_decref(f->fed.body[i]);
	rbclient_free(f->cl);
	store_close(f->st);
	cfg_release(&f->cfg);
	http_server_stop(f->srv, 0);
	snprintf(p, sizeof(p), "%s/rb.db", f->dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/rb.db-wal", f->dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/rb.db-shm", f->dir);
	unlink(p);
	rmdir(f->dir);
	free(f);
	return 0;
}

static void test_poller__feeds_every_return_as_a_legacy_object(void **state)
{
	struct fixture *f = *state;
	struct feed feed = { record, &f->fed };
	struct poll_report r;
	struct err e = ERR_INIT;

	assert_int_equal(poller_run_once(f->cl, f->st, &feed, &r, &e), ERR_OK);
	assert_int_equal(r.discovered, 2);
	assert_int_equal(f->fed.n, 2);
	assert_int_equal(f->fed.kind[0], INTAKE_TRACKING);
	assert_string_equal(f->fed.source[0], "poll");
	assert_string_equal(json_string_value(json_object_get(f->fed.body[0], "id")), "7");
	assert_string_equal(json_string_value(json_object_get(f->fed.body[1], "order_reference")), "SO8");
	assert_true(json_is_array(json_object_get(f->fed.body[1], "item")));
	assert_int_equal(r.counts.accepted, 2);
}

static void test_poller__next_round_rechecks_only_open_returns(void **state)
{
	struct fixture *f = *state;
	struct feed feed = { record, &f->fed };
	struct poll_report r;
	struct err e = ERR_INIT;

	assert_int_equal(poller_run_once(f->cl, f->st, &feed, &r, &e), ERR_OK);
	f->fed.answer = INTAKE_DUPLICATE;
	/* the sweep skips what was checked at or after its round's start (in
	 * ms): two rounds in one millisecond would skip everything */
	usleep(2000);
	assert_int_equal(poller_run_once(f->cl, f->st, &feed, &r, &e), ERR_OK);
	/* 8 is cancelled (compared ignoring case): closed, not re-checked */
	assert_int_equal(r.discovered, 0);
	assert_int_equal(r.open, 1);
	assert_int_equal(r.swept, 1);
	assert_int_equal(f->fed.n, 3);
	assert_string_equal(json_string_value(json_object_get(f->fed.body[2], "id")), "7");
	assert_int_equal(r.counts.duplicate, 1);
}

static void test_poller__parked_and_refused_are_counted(void **state)
{
	struct fixture *f = *state;
	struct feed feed = { record, &f->fed };
	struct poll_report r;
	struct err e = ERR_INIT;

	f->fed.answer = INTAKE_PARKED;
	assert_int_equal(poller_run_once(f->cl, f->st, &feed, &r, &e), ERR_OK);
	assert_int_equal(r.counts.parked, 2);
	assert_int_equal(r.counts.accepted, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_poller__feeds_every_return_as_a_legacy_object, setup, teardown),
		cmocka_unit_test_setup_teardown(test_poller__next_round_rechecks_only_open_returns, setup, teardown),
		cmocka_unit_test_setup_teardown(test_poller__parked_and_refused_are_counted, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
