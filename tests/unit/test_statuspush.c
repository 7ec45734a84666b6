/* Unit tests for rebound/statuspush: the configured request is filled in
 * with JSON-escaped values and must render to a JSON object. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include <cmocka.h>

#include "rebound/statuspush.h"

static void test_statuspush__placeholders_are_filled(void **state)
{
	struct statuspush_refund r = { "118237", "SO0042", "39.98", "EUR", "RINV/2026/0042" };
	struct err e = ERR_INIT;
	char *out = NULL;

	(void)state;
	assert_int_equal(statuspush_render("{\"return\":{\"id\":\"{return_id}\",\"type\":\"id\"},"
					   "\"status\":\"{status}\",\"note\":\"{credit_note} {amount} {currency}\","
					   "\"n\":{amount},\"x\":\"{unknown}\"}",
					   "Refunded", &r, &out, &e), ERR_OK);
	assert_string_equal(out, "{\"return\":{\"id\":\"118237\",\"type\":\"id\"},\"status\":\"Refunded\","
			    "\"note\":\"RINV/2026/0042 39.98 EUR\",\"n\":39.98,\"x\":\"{unknown}\"}");
	free(out);
}

static void test_statuspush__values_cannot_break_out_of_their_string(void **state)
{
	struct statuspush_refund r = { "a\"b\\c\nd", NULL, NULL, NULL, NULL };
	struct err e = ERR_INIT;
	json_t *j;
	char *out = NULL;

	(void)state;
	assert_int_equal(statuspush_render("{\"id\":\"{return_id}\",\"o\":\"{order_ref}\"}", "S", &r, &out, &e), ERR_OK);
	j = json_loads(out, 0, NULL);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "id")), "a\"b\\c\nd");
	assert_string_equal(json_string_value(json_object_get(j, "o")), "");
	json_decref(j);
	free(out);
}

static void test_statuspush__template_that_is_not_json_is_refused(void **state)
{
	struct statuspush_refund r = { "1", NULL, NULL, NULL, NULL };
	struct err e = ERR_INIT;
	char *out = NULL;

	(void)state;
	assert_int_equal(statuspush_render("{\"n\":{amount}}", "S", &r, &out, &e), ERR_INVALID);
	assert_non_null(strstr(e.msg, "placeholders go inside quotes"));
	assert_null(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_statuspush__placeholders_are_filled),
		cmocka_unit_test(test_statuspush__values_cannot_break_out_of_their_string),
		cmocka_unit_test(test_statuspush__template_that_is_not_json_is_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
