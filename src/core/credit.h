/* credit: the amounts of a credit note line as Odoo computes them, in
 * integer minor units, from the original sale line's price and discount,
 * the received quantity and the taxes of the invoice line that charged it
 * (DESIGN.md I2). Pure: no I/O. The engine compares these with Odoo's own
 * totals after posting; a one-cent difference is an exception. */
#ifndef CORE_CREDIT_H
#define CORE_CREDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

#define CREDIT_MAX_TAXES 8

/* A percent tax, as account.tax says: amount (percent, fixed point with
 * MONEY_DISCOUNT_DECIMALS) and whether the price includes it. */
struct credit_tax {
	int64_t id;
	int64_t rate;
	bool included;
};

struct credit_line_in {
	int64_t price_unit;                 /* MONEY_PRICE_DECIMALS */
	int64_t discount;                   /* percent, MONEY_DISCOUNT_DECIMALS */
	int64_t qty;                        /* MONEY_QTY_DECIMALS */
	const struct credit_tax *taxes;
	size_t ntax;
};

struct credit_line_out {
	int64_t line_amount;   /* price x (1 - discount) x qty, rounded once */
	int64_t untaxed;       /* price_subtotal: line_amount less included taxes */
	int64_t tax;           /* every tax, each rounded per line */
	int64_t total;         /* price_total */
};

/* One line, rounded per line as Odoo's default (round_per_line): the line
 * amount once; included taxes taken out of it (each rounded), the rest is
 * the base; excluded taxes on the base (each rounded). ERR_INVALID for a
 * bad decimals or more than CREDIT_MAX_TAXES taxes, ERR_TOO_BIG on
 * overflow. Any thread. */
MUST_CHECK enum err_code credit_line(const struct credit_line_in *in, int decimals,
				     struct credit_line_out *out, struct err *e);

#endif
