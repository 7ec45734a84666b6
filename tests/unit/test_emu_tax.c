/* Unit tests for the Odoo emulator's money code (emulators/odoo/emu_tax)
 * and its Python-compatible float output (emu_json): hand-computed figures,
 * and the doubles Odoo's Python produces. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "emu_json.h"
#include "emu_tax.h"

static void test_emu_tax__round_half_up_like_odoo(void **state)
{
	(void)state;
	/* 2.675 is 2.67499999.. as a double: Odoo's epsilon still rounds up */
	assert_true(emu_tax_round(2.675, 0.01) == 2.68);
	assert_true(emu_tax_round(25.0 / 1.1, 0.01) == 22.73);
	assert_true(emu_tax_round(15.998, 0.01) == 16.0);
	assert_true(emu_tax_round(-1.005, 0.01) == -1.01);
	assert_true(emu_tax_round(0.0, 0.01) == 0.0);
	assert_true(emu_tax_round(1.3, 0.5) == 1.5);
}

static void test_emu_tax__excluded_percent_with_discount(void **state)
{
	struct emu_tax_def vat20 = { .amount = 20.0 };
	struct emu_tax_line l;

	(void)state;
	/* 3 x 25.00 less 10 % = 67.50, 20 % = 13.50 (s.sol_read line A) */
	emu_tax_line(&vat20, 1, 25.0, 3.0, 10.0, 0.01, 17, &l);
	assert_true(l.subtotal == 67.5 && l.tax == 13.5 && l.total == 81.0);
	/* 79.99 x 20 % = 15.998 -> 16.00 per line (line B); compute_all
	 * rounds total_included: 95.99000000000001 until stored */
	emu_tax_line(&vat20, 1, 79.99, 1.0, 0.0, 0.01, 17, &l);
	assert_true(l.subtotal == 79.99 && l.tax == 16.0 && emu_tax_column(l.total, 2) == 95.99);
	/* the credit note's TSHIRT line: 22.50 x 2 */
	emu_tax_line(&vat20, 1, 25.0, 2.0, 10.0, 0.01, 18, &l);
	assert_true(l.subtotal == 45.0 && l.tax == 9.0 && l.total == 54.0);
}

static void test_emu_tax__included_percent_per_profile(void **state)
{
	struct emu_tax_def incl10 = { .amount = 10.0, .price_include = true };
	struct emu_tax_line l;

	(void)state;
	/* 2 x 12.50 incl. 10 %: base 25 / 1.1 = 22.727.. -> 22.73, tax 2.27 */
	emu_tax_line(&incl10, 1, 12.5, 2.0, 0.0, 0.01, 17, &l);
	assert_true(l.subtotal == 22.73 && l.tax == 2.27 && l.total == 25.0);
	/* 18 reports price_tax unrounded: 25.0 - 22.73 = 2.2699999999999996 */
	emu_tax_line(&incl10, 1, 12.5, 2.0, 0.0, 0.01, 18, &l);
	assert_true(l.subtotal == 22.73 && l.total == 25.0);
	assert_true(l.tax == 25.0 - 22.73 && l.tax != 2.27);
}

static void test_emu_tax__33_33_percent_discount(void **state)
{
	struct emu_tax_def vat20 = { .amount = 20.0 };
	struct emu_tax_line l;

	(void)state;
	/* 3 x 19.99 less 33.33 % = 39.981999 -> 39.98; tax 7.996 -> 8.00;
	 * the rounded double is 39.980000000000004 until it has been through
	 * a numeric column, as in Odoo */
	emu_tax_line(&vat20, 1, 19.99, 3.0, 33.33, 0.01, 17, &l);
	assert_true(l.subtotal != 39.98 && emu_tax_column(l.subtotal, 2) == 39.98);
	assert_true(l.tax == 8.0 && emu_tax_column(l.total, 2) == 47.98);
}

static void test_emu_json__floats_as_python_writes_them(void **state)
{
	char b[40];

	(void)state;
	emu_json_float_repr(2.27, b, sizeof(b));
	assert_string_equal(b, "2.27");
	emu_json_float_repr(25.0 - 22.73, b, sizeof(b));
	assert_string_equal(b, "2.2699999999999996");
	emu_json_float_repr(3.0, b, sizeof(b));
	assert_string_equal(b, "3.0");
	emu_json_float_repr(0.1 + 0.2, b, sizeof(b));
	assert_string_equal(b, "0.30000000000000004");
	emu_json_float_repr(1e16, b, sizeof(b));
	assert_string_equal(b, "1e+16");
	emu_json_float_repr(-0.5, b, sizeof(b));
	assert_string_equal(b, "-0.5");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_emu_tax__round_half_up_like_odoo),
		cmocka_unit_test(test_emu_tax__excluded_percent_with_discount),
		cmocka_unit_test(test_emu_tax__included_percent_per_profile),
		cmocka_unit_test(test_emu_tax__33_33_percent_discount),
		cmocka_unit_test(test_emu_json__floats_as_python_writes_them),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
