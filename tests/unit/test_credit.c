/* Unit tests for core/credit: a credit line rounded once (never a rounded
 * unit price), a 33.33 % discount, price-included and excluded taxes on
 * one line. Expected figures are the hand computations of
 * tests/integ/odoo/test_accounting.py (which the emulator matches). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "core/credit.h"
#include "core/money.h"

#define FX(units, millionths) ((int64_t)(units) * 1000000 + (millionths))

static const struct credit_tax vat20 = { 1, FX(20, 0), false };
static const struct credit_tax incl10 = { 2, FX(10, 0), true };

static struct credit_line_out line(int64_t price, int64_t disc, int64_t qty,
				   const struct credit_tax *t, size_t nt)
{
	struct credit_line_in in = { price, disc, qty, t, nt };
	struct credit_line_out out;
	struct err e = ERR_INIT;

	assert_int_equal(credit_line(&in, 2, &out, &e), ERR_OK);
	return out;
}

static void test_credit__discount_rounded_once_per_line(void **state)
{
	struct credit_line_out o;

	(void)state;
	/* 19.99 x (1 - 33.33 %) = 13.327333 x 3 = 39.981999 -> 39.98; 20 % 8.00 */
	o = line(FX(19, 990000), FX(33, 330000), FX(3, 0), &vat20, 1);
	assert_int_equal(o.line_amount, 3998);
	assert_int_equal(o.untaxed, 3998);
	assert_int_equal(o.tax, 800);
	assert_int_equal(o.total, 4798);
	/* a unit price rounded first would give 13.33 x 3 = 39.99 */
	assert_int_not_equal(o.untaxed, 3999);
}

static void test_credit__price_included_tax_comes_out_of_the_total(void **state)
{
	struct credit_line_out o;

	(void)state;
	/* 49.95 x 2 = 99.90 incl.; 10 %: 9.08; base 90.82 */
	o = line(FX(49, 950000), 0, FX(2, 0), &incl10, 1);
	assert_int_equal(o.untaxed, 9082);
	assert_int_equal(o.tax, 908);
	assert_int_equal(o.total, 9990);
}

static void test_credit__included_and_excluded_on_one_line(void **state)
{
	const struct credit_tax both[] = { vat20, incl10 };
	struct credit_line_out o;

	(void)state;
	/* 12.34 x (1 - 33.33 %) x 4 = 32.91 incl.; 10 % 2.99; base 29.92; 20 % 5.98 */
	o = line(FX(12, 340000), FX(33, 330000), FX(4, 0), both, 2);
	assert_int_equal(o.line_amount, 3291);
	assert_int_equal(o.untaxed, 2992);
	assert_int_equal(o.tax, 299 + 598);
	assert_int_equal(o.total, 3889);
}

static void test_credit__no_tax_and_too_many_taxes(void **state)
{
	struct credit_tax many[CREDIT_MAX_TAXES + 1];
	struct credit_line_in in = { FX(25, 0), FX(10, 0), FX(1, 0), many, CREDIT_MAX_TAXES + 1 };
	struct credit_line_out o;
	struct err e = ERR_INIT;

	(void)state;
	o = line(FX(25, 0), FX(10, 0), FX(1, 0), NULL, 0);
	assert_int_equal(o.total, 2250);
	assert_int_equal(o.tax, 0);
	memset(many, 0, sizeof(many));
	assert_int_equal(credit_line(&in, 2, &o, &e), ERR_INVALID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_credit__discount_rounded_once_per_line),
		cmocka_unit_test(test_credit__price_included_tax_comes_out_of_the_total),
		cmocka_unit_test(test_credit__included_and_excluded_on_one_line),
		cmocka_unit_test(test_credit__no_tax_and_too_many_taxes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
