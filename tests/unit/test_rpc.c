/* Unit tests for odoo/rpc over recorded replies of real Odoo 17 and 18:
 * results, a missing result (None), every error kind in the recordings with
 * Odoo's message kept, retries of reads only, the unknown outcome of a
 * write that got no answer, and the per-call counters. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "odoo/rpc.h"
#include "replay.h"

struct fixture {
	struct replay *rp;
	struct rpc *rpc;
};

static struct fixture *setup_version(const char *version)
{
	struct rpc_opts o = {
		.url = "http://odoo.invalid/", .timeout_ms = 1000,
		.read_attempts = 3, .backoff_ms = 100,
		.max_reply_bytes = 1 << 20,
	};
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->rp = replay_load(version);
	assert_int_equal(rpc_new(&o, &f->rpc, NULL), ERR_OK);
	rpc_set_transport(f->rpc, replay_post, f->rp);
	rpc_set_sleep(f->rpc, replay_sleep, f->rp);
	return f;
}

static int setup17(void **state)
{
	*state = setup_version("17");
	return 0;
}

static int setup18(void **state)
{
	*state = setup_version("18");
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	/* every queued answer was asked for */
	assert_int_equal(replay_pending(f->rp), 0);
	rpc_free(f->rpc);
	replay_free(f->rp);
	free(f);
	return 0;
}

/* Send the recorded request of step again (its execute_kw args, or the
 * common call), with the effect the client gives its method. */
static enum err_code resend(struct fixture *f, const char *step,
			    json_t **result, struct rpc_fault *fault,
			    struct err *e)
{
	const json_t *params = json_object_get(json_object_get(
		replay_record(f->rp, step), "request"), "params");
	const char *service = json_string_value(json_object_get(params, "service"));
	const char *method = json_string_value(json_object_get(params, "method"));
	json_t *args = json_deep_copy(json_object_get(params, "args"));
	const char *model = service, *m = method;

	if (strcmp(method, "execute_kw") == 0) {
		model = json_string_value(json_array_get(args, 3));
		m = json_string_value(json_array_get(args, 4));
	}
	replay_expect(f->rp, step, REPLAY_REQUEST);
	return rpc_call(f->rpc, service, method, args, rpc_method_effect(m),
			model, m, result, fault, e);
}

static void test_rpc__result_is_returned(void **state)
{
	struct fixture *f = *state;
	json_t *res = NULL;

	assert_int_equal(resend(f, "a.version", &res, NULL, NULL), ERR_OK);
	assert_string_equal(json_string_value(json_object_get(res, "server_serie")), "17.0");
	json_decref(res);
	assert_int_equal(resend(f, "b.so_by_name", &res, NULL, NULL), ERR_OK);
	assert_int_equal(json_array_size(res), 1);
	json_decref(res);
	/* a bad password on login is a false result, not an error */
	assert_int_equal(resend(f, "a.login_bad", &res, NULL, NULL), ERR_OK);
	assert_true(json_is_false(res));
	json_decref(res);
	/* action_post answers false, with the key present */
	assert_int_equal(resend(f, "i.action_post", &res, NULL, NULL), ERR_OK);
	assert_true(json_is_false(res));
	json_decref(res);
}

static void test_rpc__missing_result_is_null(void **state)
{
	struct fixture *f = *state;
	json_t *res = NULL;

	assert_int_equal(resend(f, "s.quant_apply", &res, NULL, NULL), ERR_OK);
	assert_true(json_is_null(res));
	json_decref(res);
}

static void check_error(struct fixture *f, const char *step, enum err_code want,
			enum rpc_kind kind)
{
	const json_t *data = json_object_get(json_object_get(json_object_get(
		replay_record(f->rp, step), "response"), "error"), "data");
	struct rpc_fault fault;
	struct err e = ERR_INIT;
	json_t *res = (json_t *)1;

	assert_int_equal(resend(f, step, &res, &fault, &e), want);
	assert_null(res);
	assert_int_equal(fault.kind, kind);
	assert_false(fault.retryable);
	assert_string_equal(fault.name, json_string_value(json_object_get(data, "name")));
	/* Odoo's own words, verbatim, for the person who reads the exception */
	assert_string_equal(fault.message, json_string_value(json_object_get(data, "message")));
	assert_non_null(strstr(e.msg, "Odoo says: "));
	assert_int_equal(e.code, want);
}

static void test_rpc__every_recorded_error_kind_17(void **state)
{
	struct fixture *f = *state;

	check_error(f, "a.execute_kw_bad_password", ERR_DENIED, RPC_K_ACCESS_DENIED);
	check_error(f, "m.unknown_model", ERR_REJECTED, RPC_K_USER);
	check_error(f, "h.validate_zero", ERR_REJECTED, RPC_K_USER);
	check_error(f, "m.missing_record_write", ERR_NOT_FOUND, RPC_K_MISSING);
	check_error(f, "m.missing_record_method", ERR_NOT_FOUND, RPC_K_MISSING);
	check_error(f, "m.invalid_field_write", ERR_INVALID, RPC_K_VALUE);
	check_error(f, "m.invalid_field_read", ERR_INVALID, RPC_K_VALUE);
	check_error(f, "m.credit_missing_required", ERR_REJECTED, RPC_K_VALIDATION);
	check_error(f, "j.reversal_create_without_journal", ERR_REJECTED, RPC_K_VALIDATION);
	check_error(f, "m.private_method", ERR_DENIED, RPC_K_ACCESS);
	check_error(f, "m.return_wizard_not_done", ERR_REJECTED, RPC_K_USER);
	check_error(f, "m.create_returns_all_zero", ERR_REJECTED, RPC_K_USER);
	check_error(f, "x.credit_create_batch_one_bad", ERR_NOT_FOUND, RPC_K_MISSING);
	check_error(f, "x.credit_post_batch_one_bad", ERR_REJECTED, RPC_K_USER);
	check_error(f, "x.user_credit_post_no_email", ERR_REJECTED, RPC_K_USER);
	/* none of these is retried, read or write */
	assert_int_equal(replay_sleeps(f->rp), 0);
}

static void test_rpc__every_recorded_error_kind_18(void **state)
{
	struct fixture *f = *state;

	check_error(f, "a.execute_kw_bad_password", ERR_DENIED, RPC_K_ACCESS_DENIED);
	check_error(f, "m.unknown_method", ERR_INVALID, RPC_K_ATTRIBUTE);
	check_error(f, "m.private_method", ERR_DENIED, RPC_K_ACCESS);
	check_error(f, "f.wizard_location", ERR_INVALID, RPC_K_VALUE);
	check_error(f, "r.direct_create_without_move_type", ERR_REJECTED, RPC_K_VALIDATION);
	check_error(f, "m.credit_missing_required", ERR_REJECTED, RPC_K_VALIDATION);
	assert_int_equal(replay_sleeps(f->rp), 0);
}

static void test_rpc__read_is_retried_on_network_failure(void **state)
{
	struct fixture *f = *state;
	const struct rpc_stat *st;
	json_t *res = NULL;
	size_t n;

	replay_fault(f->rp, RPC_NET_NOT_SENT);
	replay_fault(f->rp, RPC_NET_TIMEOUT);
	assert_int_equal(resend(f, "b.so_lines", &res, NULL, NULL), ERR_OK);
	assert_int_equal(json_array_size(res), 3);
	json_decref(res);
	assert_int_equal(replay_count(f->rp), 3);
	assert_int_equal(replay_sleeps(f->rp), 2);
	n = rpc_stats(f->rpc, &st);
	assert_int_equal(n, 1);
	assert_string_equal(st[0].model, "sale.order.line");
	assert_string_equal(st[0].method, "search_read");
	assert_int_equal(st[0].calls, 3);
	assert_int_equal(st[0].retries, 2);
	assert_int_equal(st[0].errors, 2);
}

static void test_rpc__read_gives_up_after_its_attempts(void **state)
{
	struct fixture *f = *state;
	struct rpc_fault fault;
	struct err e = ERR_INIT;
	json_t *res = NULL;

	replay_fault(f->rp, RPC_NET_TIMEOUT);
	replay_fault(f->rp, RPC_NET_LOST);
	replay_fault(f->rp, RPC_NET_TIMEOUT);
	assert_int_equal(rpc_call(f->rpc, "object", "execute_kw",
				  json_pack("[s, i, s, s, s, [], {}]", "db", 2, "k",
					    "sale.order", "search_read"),
				  RPC_READ, "sale.order", "search_read", &res,
				  &fault, &e), ERR_IO);
	assert_int_equal(fault.kind, RPC_K_TIMEOUT);
	assert_true(fault.retryable);
	assert_int_equal(replay_count(f->rp), 3);
	assert_int_equal(replay_sleeps(f->rp), 2);
}

static enum err_code write_once(struct fixture *f, struct rpc_fault *fault,
				struct err *e)
{
	json_t *res = NULL;
	enum err_code rc;

	rc = rpc_call(f->rpc, "object", "execute_kw",
		      json_pack("[s, i, s, s, s, [[i]], {}]", "db", 2, "k",
				"account.move", "action_post", 26),
		      RPC_WRITE, "account.move", "action_post", &res, fault, e);
	assert_null(res);
	return rc;
}

static void test_rpc__timed_out_write_is_unknown_and_not_retried(void **state)
{
	struct fixture *f = *state;
	struct rpc_fault fault;
	struct err e = ERR_INIT;

	replay_fault(f->rp, RPC_NET_TIMEOUT);
	assert_int_equal(write_once(f, &fault, &e), ERR_UNKNOWN_OUTCOME);
	assert_int_equal(fault.kind, RPC_K_TIMEOUT);
	assert_non_null(strstr(e.msg, "look it up before writing again"));
	replay_fault(f->rp, RPC_NET_LOST);
	assert_int_equal(write_once(f, &fault, &e), ERR_UNKNOWN_OUTCOME);
	/* a gateway timeout: Odoo behind the proxy may have finished it */
	replay_http(f->rp, 504, "<html>Gateway Time-out</html>");
	assert_int_equal(write_once(f, &fault, &e), ERR_UNKNOWN_OUTCOME);
	/* an answer that is not ours is no proof either way */
	replay_http(f->rp, 200, "{\"jsonrpc\":\"2.0\",\"id\":999,\"result\":true}");
	assert_int_equal(write_once(f, &fault, &e), ERR_UNKNOWN_OUTCOME);
	/* one request each, no pause, no second try */
	assert_int_equal(replay_count(f->rp), 4);
	assert_int_equal(replay_sleeps(f->rp), 0);
}

static void test_rpc__write_that_was_never_sent_is_a_plain_io_error(void **state)
{
	struct fixture *f = *state;
	struct rpc_fault fault;

	replay_fault(f->rp, RPC_NET_NOT_SENT);
	assert_int_equal(write_once(f, &fault, NULL), ERR_IO);
	assert_true(fault.retryable);
	assert_int_equal(replay_count(f->rp), 1);
	assert_int_equal(replay_sleeps(f->rp), 0);
}

/* Not in the recordings (a real server retries these 5 times itself before
 * answering): the envelope is the one every recorded error has. */
static const char serialization_failure[] =
	"{\"jsonrpc\":\"2.0\",\"id\":%d,\"error\":{\"code\":200,\"message\":\"Odoo Server Error\","
	"\"data\":{\"name\":\"psycopg2.errors.SerializationFailure\",\"debug\":\"Traceback (most recent call last):\\n\","
	"\"message\":\"could not serialize access due to concurrent update\","
	"\"arguments\":[\"could not serialize access due to concurrent update\"],\"context\":{}}}}";

static void test_rpc__lock_errors_retry_reads_but_not_writes(void **state)
{
	struct fixture *f = *state;
	struct rpc_fault fault;
	char body[1024];
	json_t *res = NULL;

	/* ids are assigned in order from 1: this read is call 1 */
	snprintf(body, sizeof(body), serialization_failure, 1);
	replay_http(f->rp, 200, body);
	replay_http(f->rp, 503, "busy");
	assert_int_equal(resend(f, "g.quants", &res, NULL, NULL), ERR_OK);
	json_decref(res);
	assert_int_equal(replay_sleeps(f->rp), 2);
	snprintf(body, sizeof(body), serialization_failure, 2);
	replay_http(f->rp, 200, body);
	assert_int_equal(write_once(f, &fault, NULL), ERR_BUSY);
	assert_int_equal(fault.kind, RPC_K_CONCURRENCY);
	assert_true(fault.retryable);  /* for the engine, with its backoff */
	assert_string_equal(fault.message, "could not serialize access due to concurrent update");
	assert_int_equal(replay_sleeps(f->rp), 2);
}

static void test_rpc__http_statuses(void **state)
{
	struct fixture *f = *state;
	struct rpc_fault fault;
	struct err e = ERR_INIT;

	replay_http(f->rp, 404, "not found");
	assert_int_equal(write_once(f, &fault, &e), ERR_CONFIG);
	assert_int_equal(fault.http_status, 404);
	replay_http(f->rp, 403, "forbidden");
	assert_int_equal(write_once(f, &fault, &e), ERR_DENIED);
	replay_http(f->rp, 429, "slow down");
	assert_int_equal(write_once(f, &fault, &e), ERR_BUSY);
	assert_int_equal(replay_sleeps(f->rp), 0);
}

static void test_rpc__odd_replies(void **state)
{
	struct fixture *f = *state;
	struct rpc_fault fault;
	json_t *res = NULL;

	/* an error without data: Odoo's outer message is kept */
	replay_http(f->rp, 200, "{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":200,\"message\":\"Odoo Server Error\"}}");
	assert_int_equal(write_once(f, &fault, NULL), ERR_REJECTED);
	assert_int_equal(fault.kind, RPC_K_OTHER);
	assert_string_equal(fault.message, "Odoo Server Error");
	/* not JSON, not an object, truncated: a read is retried, then fails */
	replay_http(f->rp, 200, "<html>login</html>");
	replay_http(f->rp, 200, "[]");
	replay_http(f->rp, 200, "{\"jsonrpc\":\"2.0\",\"id\":2,\"res");
	assert_int_equal(rpc_call(f->rpc, "common", "version", json_array(), RPC_READ,
				  "common", "version", &res, &fault, NULL), ERR_IO);
	assert_int_equal(fault.kind, RPC_K_BAD_REPLY);
	assert_null(res);
}

static void test_rpc__method_effects(void **state)
{
	(void)state;
	assert_int_equal(rpc_method_effect("search_read"), RPC_READ);
	assert_int_equal(rpc_method_effect("read"), RPC_READ);
	assert_int_equal(rpc_method_effect("fields_get"), RPC_READ);
	assert_int_equal(rpc_method_effect("check_access_rights"), RPC_READ);
	assert_int_equal(rpc_method_effect("create"), RPC_WRITE);
	assert_int_equal(rpc_method_effect("action_post"), RPC_WRITE);
	assert_int_equal(rpc_method_effect("button_validate"), RPC_WRITE);
	assert_int_equal(rpc_method_effect("x_something_new"), RPC_WRITE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_rpc__result_is_returned, setup17, teardown),
		cmocka_unit_test_setup_teardown(test_rpc__missing_result_is_null, setup17, teardown),
		cmocka_unit_test_setup_teardown(test_rpc__missing_result_is_null, setup18, teardown),
		cmocka_unit_test_setup_teardown(test_rpc__every_recorded_error_kind_17, setup17, teardown),
		cmocka_unit_test_setup_teardown(test_rpc__every_recorded_error_kind_18, setup18, teardown),
		cmocka_unit_test_setup_teardown(test_rpc__read_is_retried_on_network_failure, setup17, teardown),
		cmocka_unit_test_setup_teardown(test_rpc__read_gives_up_after_its_attempts, setup17, teardown),
		cmocka_unit_test_setup_teardown(test_rpc__timed_out_write_is_unknown_and_not_retried, setup18, teardown),
		cmocka_unit_test_setup_teardown(test_rpc__write_that_was_never_sent_is_a_plain_io_error, setup17, teardown),
		cmocka_unit_test_setup_teardown(test_rpc__lock_errors_retry_reads_but_not_writes, setup17, teardown),
		cmocka_unit_test_setup_teardown(test_rpc__http_statuses, setup17, teardown),
		cmocka_unit_test_setup_teardown(test_rpc__odd_replies, setup17, teardown),
		cmocka_unit_test(test_rpc__method_effects),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
