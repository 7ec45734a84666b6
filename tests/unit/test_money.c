/* Unit tests for core/money: floats from Odoo to integer minor units, the
 * unrounded floats the 18 recordings contain, half-up rounding as Odoo's
 * float_round, and one-rounding line amounts. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "core/money.h"

static int64_t cents(double v)
{
	int64_t out = -1;
	struct err e = ERR_INIT;

	assert_int_equal(money_from_double(v, 2, &out, &e), ERR_OK);
	return out;
}

static void test_money__clean_floats_convert_exactly(void **state)
{
	(void)state;
	assert_int_equal(cents(2.27), 227);          /* never 226 */
	assert_int_equal(cents(201.99), 20199);
	assert_int_equal(cents(170.22), 17022);
	assert_int_equal(cents(79.99), 7999);
	assert_int_equal(cents(0.0), 0);
	assert_int_equal(cents(25), 2500);
	assert_int_equal(cents(-149.99), -14999);
	assert_int_equal(cents(0.01), 1);
	assert_int_equal(cents(1e9), 100000000000);
}

static void test_money__unrounded_odoo18_float_rounds_to_the_cent(void **state)
{
	(void)state;
	/* sale.order.line MUG price_tax in the Odoo 18 recording */
	assert_int_equal(cents(2.2699999999999996), 227);
	assert_int_equal(cents(0.30000000000000004), 30);  /* 0.1 + 0.2 */
	assert_int_equal(cents(15.998), 1600);
}

static void test_money__half_rounds_away_from_zero_like_float_round(void **state)
{
	(void)state;
	/* 1.005 and 2.675 are stored just below the half; Odoo's float_round
	 * still gives 1.01 and 2.68, and so do we */
	assert_int_equal(cents(1.005), 101);
	assert_int_equal(cents(2.675), 268);
	assert_int_equal(cents(0.125), 13);
	assert_int_equal(cents(-0.125), -13);
	assert_int_equal(cents(0.004), 0);
	assert_int_equal(cents(1e-30), 0);
}

static void test_money__other_decimals(void **state)
{
	int64_t v;

	(void)state;
	assert_int_equal(money_from_double(1234.5, 0, &v, NULL), ERR_OK);
	assert_int_equal(v, 1235);                   /* JPY */
	assert_int_equal(money_from_double(1.2345, 3, &v, NULL), ERR_OK);
	assert_int_equal(v, 1235);                   /* KWD */
	assert_int_equal(money_from_double(3.0, MONEY_QTY_DECIMALS, &v, NULL), ERR_OK);
	assert_int_equal(v, 3000000);
}

static void test_money__rejects_what_is_not_an_amount(void **state)
{
	int64_t v;
	struct err e = ERR_INIT;

	(void)state;
	assert_int_equal(money_from_double(NAN, 2, &v, &e), ERR_INVALID);
	assert_int_equal(money_from_double(INFINITY, 2, &v, &e), ERR_INVALID);
	assert_int_equal(money_from_double(1e300, 2, &v, &e), ERR_TOO_BIG);
	assert_int_equal(money_from_double(1.0, 12, &v, &e), ERR_INVALID);
}

static void test_money__format_and_back(void **state)
{
	char t[MONEY_TEXT_LEN];

	(void)state;
	assert_string_equal(money_format(20199, 2, t, sizeof(t)), "201.99");
	assert_string_equal(money_format(-5, 2, t, sizeof(t)), "-0.05");
	assert_string_equal(money_format(1235, 0, t, sizeof(t)), "1235");
	assert_string_equal(money_format(INT64_MIN, 2, t, sizeof(t)),
			    "-92233720368547758.08");
	assert_true(money_to_double(7999, 2) == 79.99);
	assert_true(money_to_double(227, 2) == 2.27);
}

static int64_t line(double price, double discount, double qty)
{
	int64_t p, d, q, out;

	assert_int_equal(money_from_double(price, MONEY_PRICE_DECIMALS, &p, NULL), ERR_OK);
	assert_int_equal(money_from_double(discount, MONEY_DISCOUNT_DECIMALS, &d, NULL), ERR_OK);
	assert_int_equal(money_from_double(qty, MONEY_QTY_DECIMALS, &q, NULL), ERR_OK);
	assert_int_equal(money_line_subtotal(p, d, q, 2, &out, NULL), ERR_OK);
	return out;
}

static void test_money__line_subtotal_rounds_once(void **state)
{
	(void)state;
	/* the recordings' credit note: 25.00 less 10% x 2, and 79.99 x 1 */
	assert_int_equal(line(25.0, 10.0, 2.0), 4500);
	assert_int_equal(line(79.99, 0.0, 1.0), 7999);
	/* 33.33% off 10.00 x 3: 20.001 -> 20.00; a unit price rounded first
	 * (6.67 x 3 = 20.01) would be a cent off */
	assert_int_equal(line(10.0, 33.33, 3.0), 2000);
	assert_int_equal(line(19.9, 15.0, 1.0), 1692);   /* 16.915 -> 16.92 */
	assert_int_equal(line(0.0, 0.0, 5.0), 0);
	assert_int_equal(line(12.5, 100.0, 2.0), 0);
	assert_int_equal(line(12.5, 0.0, -2.0), -2500);
}

static void test_money__line_subtotal_overflow_is_an_error(void **state)
{
	int64_t out;
	struct err e = ERR_INIT;

	(void)state;
	assert_int_equal(money_line_subtotal(INT64_MAX, 0, INT64_MAX, 2, &out, &e),
			 ERR_TOO_BIG);
	assert_int_equal(money_line_subtotal(1, 0, 1, 10, &out, &e), ERR_INVALID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_money__clean_floats_convert_exactly),
		cmocka_unit_test(test_money__unrounded_odoo18_float_rounds_to_the_cent),
		cmocka_unit_test(test_money__half_rounds_away_from_zero_like_float_round),
		cmocka_unit_test(test_money__other_decimals),
		cmocka_unit_test(test_money__rejects_what_is_not_an_amount),
		cmocka_unit_test(test_money__format_and_back),
		cmocka_unit_test(test_money__line_subtotal_rounds_once),
		cmocka_unit_test(test_money__line_subtotal_overflow_is_an_error),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
