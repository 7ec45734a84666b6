/* Unit tests for rebound/legacy's answer parsing: the success and error
 * envelopes, "empty", credential codes, and everything that is not
 * Rebound's envelope (HTML, truncated JSON, other JSON) as a clear error. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "rebound/legacy.h"

static enum err_code parse(const char *body, json_t **succ, char code[48], struct err *e)
{
	return legacy_parse("returns/search", 200, body, strlen(body), succ, code, e);
}

static void test_legacy__success_and_search_ids(void **state)
{
	struct err e = ERR_INIT;
	json_t *succ = NULL, *ids = NULL;
	char code[48];

	(void)state;
	assert_int_equal(parse("{\"success\":{\"id\":[\"7\",8]}}", &succ, code, &e), ERR_OK);
	assert_int_equal(legacy_search_ids(succ, &ids, &e), ERR_OK);
	assert_int_equal(json_array_size(ids), 2);
	assert_string_equal(json_string_value(json_array_get(ids, 1)), "8");
	json_decref(ids);
	json_decref(succ);
	assert_int_equal(parse("{\"success\":{\"id\":[\"7\",null]}}", &succ, code, &e), ERR_OK);
	assert_int_equal(legacy_search_ids(succ, &ids, &e), ERR_INVALID);
	assert_null(ids);
	json_decref(succ);
}

static void test_legacy__error_codes_map_to_results(void **state)
{
	struct err e = ERR_INIT;
	json_t *succ = NULL;
	char code[48];

	(void)state;
	assert_int_equal(parse("{\"error\":{\"code\":\"empty\",\"message\":[\"No results\"]}}", &succ, code, &e), ERR_NOT_FOUND);
	assert_string_equal(code, "empty");
	assert_int_equal(parse("{\"error\":{\"code\":\"access_denied\",\"message\":[\"Access denied\"]}}", &succ, code, &e), ERR_CONFIG);
	assert_non_null(strstr(e.msg, "rebound.legacy_api_key"));
	assert_int_equal(parse("{\"error\":{\"code\":\"login_empty\",\"message\":\"x\"}}", &succ, code, &e), ERR_CONFIG);
	assert_int_equal(parse("{\"error\":{\"code\":\"unknown_call\",\"message\":[\"?\"]}}", &succ, code, &e), ERR_INVALID);
	assert_non_null(strstr(e.msg, "unknown_call"));
	assert_null(succ);
}

static void test_legacy__garbage_is_a_clear_error(void **state)
{
	static const char *const bad[] = {
		"<html><body>Bad Gateway</body></html>", "{\"success\": {\"id\": \"1182",
		"[1,2,3]", "{\"ok\":true}", "", "{\"error\":\"nope\"}",
	};
	struct err e = ERR_INIT;
	json_t *succ = NULL;
	char code[48];
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_LEN(bad); i++) {
		assert_int_equal(parse(bad[i], &succ, code, &e), ERR_INVALID);
		assert_null(succ);
		assert_non_null(strstr(e.msg, "nothing was stored"));
	}
}

static void test_legacy__return_object_shape(void **state)
{
	struct err e = ERR_INIT;
	json_t *ok = json_loads("{\"id\":\"1\",\"item\":[]}", 0, NULL);
	json_t *no_items = json_loads("{\"id\":\"1\"}", 0, NULL);
	json_t *no_id = json_loads("{\"item\":[]}", 0, NULL);

	(void)state;
	assert_int_equal(legacy_check_return(ok, "1", &e), ERR_OK);
	assert_int_equal(legacy_check_return(no_items, "1", &e), ERR_INVALID);
	assert_int_equal(legacy_check_return(no_id, "1", &e), ERR_INVALID);
	json_decref(ok);
	json_decref(no_items);
	json_decref(no_id);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_legacy__success_and_search_ids),
		cmocka_unit_test(test_legacy__error_codes_map_to_results),
		cmocka_unit_test(test_legacy__garbage_is_a_clear_error),
		cmocka_unit_test(test_legacy__return_object_shape),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
