/* money: amounts as integer minor units (cents for USD), converted once from
 * Odoo's JSON floats with the currency's decimal places. Pure: libc only.
 * Nothing in returnbridge sums floats; sum the int64_t values instead. */
#ifndef CORE_MONEY_H
#define CORE_MONEY_H

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

/* Fixed-point scales for the non-money numbers Odoo sends as floats: unit
 * prices, discount percentages and quantities are kept as integers in
 * millionths, enough for any decimal precision Odoo is configured with. */
#define MONEY_PRICE_DECIMALS 6
#define MONEY_DISCOUNT_DECIMALS 6
#define MONEY_QTY_DECIMALS 6
#define MONEY_MAX_DECIMALS 9

/* Convert v to an integer count of 10^-decimals units, rounding half away
 * from zero on the shortest decimal text that reads back as v (what Odoo's
 * JSON encoder wrote, Python repr). So 2.27 -> 227 and 2.2699999999999996
 * -> 227 for decimals 2, and 1.005 -> 101 as Odoo's float_round gives.
 * decimals is 0..MONEY_MAX_DECIMALS. ERR_INVALID for NaN or infinity,
 * ERR_TOO_BIG when the result does not fit in int64_t. Any thread. */
MUST_CHECK enum err_code money_from_double(double v, int decimals,
					   int64_t *out, struct err *e);

/* The nearest double to v * 10^-decimals, for sending to Odoo: 7999 with
 * decimals 2 is 79.99 (the double whose shortest text is "79.99"). */
double money_to_double(int64_t v, int decimals);

/* Write v as decimal text with exactly decimals places ("-1.50", "201.99")
 * into out. Returns out; truncates (still NUL-terminated) if len is short. */
char *money_format(int64_t v, int decimals, char *out, size_t len);
#define MONEY_TEXT_LEN 32

/* One invoice line's untaxed amount as Odoo computes it: price_unit x
 * (1 - discount/100) x quantity, in exact arithmetic, rounded once to the
 * currency's decimals (half away from zero), never a rounded unit price
 * first. price, discount (percent) and qty are fixed-point with
 * MONEY_PRICE_DECIMALS, MONEY_DISCOUNT_DECIMALS and MONEY_QTY_DECIMALS.
 * ERR_TOO_BIG on overflow, ERR_INVALID for a bad decimals. */
MUST_CHECK enum err_code money_line_subtotal(int64_t price, int64_t discount,
					     int64_t qty, int decimals,
					     int64_t *out, struct err *e);

#endif
