/* Unit tests for util/parse: numbers and flags from outside. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "util/parse.h"

static void test_parse__int_in_range(void **state)
{
	struct err e = ERR_INIT;
	int64_t v = 0;

	(void)state;
	assert_int_equal(parse_int64("8080", 1, 65535, &v, &e), ERR_OK);
	assert_int_equal(v, 8080);
	assert_int_equal(parse_int64(" 42 ", 0, 100, &v, &e), ERR_OK);
	assert_int_equal(v, 42);
	assert_int_equal(parse_int64("-5", -10, 10, &v, &e), ERR_OK);
	assert_int_equal(v, -5);
}

static void test_parse__int_refuses_junk_and_range(void **state)
{
	struct err e = ERR_INIT;
	int64_t v = 7;

	(void)state;
	assert_int_equal(parse_int64("", 0, 10, &v, &e), ERR_INVALID);
	assert_int_equal(parse_int64("12abc", 0, 100, &v, &e), ERR_INVALID);
	assert_int_equal(parse_int64("0x10", 0, 100, &v, &e), ERR_INVALID);
	assert_int_equal(parse_int64("3.5", 0, 100, &v, &e), ERR_INVALID);
	assert_int_equal(parse_int64("-1", 0, 100, &v, &e), ERR_INVALID);
	assert_non_null(strstr(e.msg, "0..100"));
	assert_int_equal(parse_int64("101", 0, 100, &v, &e), ERR_INVALID);
	assert_non_null(strstr(e.msg, "out of range"));
	assert_int_equal(parse_int64("99999999999999999999", 0, INT64_MAX, &v, &e), ERR_INVALID);
	assert_int_equal(v, 7); /* untouched on failure */
}

static void test_parse__bool_spellings(void **state)
{
	struct err e = ERR_INIT;
	bool b = false;

	(void)state;
	assert_int_equal(parse_bool("Yes", &b, &e), ERR_OK);
	assert_true(b);
	assert_int_equal(parse_bool("off", &b, &e), ERR_OK);
	assert_false(b);
	assert_int_equal(parse_bool("maybe", &b, &e), ERR_INVALID);
	assert_non_null(strstr(e.msg, "maybe"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse__int_in_range),
		cmocka_unit_test(test_parse__int_refuses_junk_and_range),
		cmocka_unit_test(test_parse__bool_spellings),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
