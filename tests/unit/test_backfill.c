/* Unit tests for rebound/backfill's date handling and rebound/pull's value
 * of a return (the sweep's priority). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "rebound/backfill.h"
#include "rebound/pull.h"

static void test_backfill__dates_parse_and_format(void **state)
{
	struct err e = ERR_INIT;
	int64_t d = 0;
	char out[11];

	(void)state;
	assert_int_equal(backfill_parse_date("1970-01-02", &d, &e), ERR_OK);
	assert_int_equal(d, 1);
	assert_int_equal(backfill_parse_date("2026-12-04", &d, &e), ERR_OK);
	backfill_format_date(d, false, out);
	assert_string_equal(out, "2026-12-04");
	backfill_format_date(d + 28, true, out);
	assert_string_equal(out, "2027/01/01");
	assert_int_equal(backfill_parse_date("2024-02-29", &d, &e), ERR_OK);
}

static void test_backfill__bad_dates_are_refused_in_words(void **state)
{
	struct err e = ERR_INIT;
	int64_t d = 0;

	(void)state;
	assert_int_equal(backfill_parse_date("2026-02-31", &d, &e), ERR_INVALID);
	assert_non_null(strstr(e.msg, "not a real date"));
	assert_int_equal(backfill_parse_date("2026/11/01", &d, &e), ERR_INVALID);
	assert_non_null(strstr(e.msg, "YYYY-MM-DD"));
	assert_int_equal(backfill_parse_date("2026-13-01", &d, &e), ERR_INVALID);
	assert_int_equal(backfill_parse_date("", &d, &e), ERR_INVALID);
	assert_int_equal(backfill_parse_date("1969-12-31", &d, &e), ERR_INVALID);
}

static void test_backfill__value_of_a_line_in_cents(void **state)
{
	(void)state;
	assert_int_equal(pull_value_minor("19.99", "2"), 3998);
	assert_int_equal(pull_value_minor("20", "1"), 2000);
	assert_int_equal(pull_value_minor("9.9", "3"), 2970);
	assert_int_equal(pull_value_minor("1.005", "1"), 100);
	assert_int_equal(pull_value_minor("", "1"), 0);
	assert_int_equal(pull_value_minor("abc", "1"), 0);
	assert_int_equal(pull_value_minor("5.00", "-1"), 0);
	assert_int_equal(pull_value_minor(NULL, "1"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_backfill__dates_parse_and_format),
		cmocka_unit_test(test_backfill__bad_dates_are_refused_in_words),
		cmocka_unit_test(test_backfill__value_of_a_line_in_cents),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
