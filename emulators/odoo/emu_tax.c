/* emu_tax: Odoo-compatible rounding and percent taxes for the emulator. */
#include "emu_tax.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

double emu_tax_column(double value, int digits)
{
	char buf[64];

	snprintf(buf, sizeof(buf), "%.*f", digits, value);
	return strtod(buf, NULL);
}

double emu_tax_round(double value, double rounding)
{
	double norm, sign, eps;

	if (rounding == 0.0 || value == 0.0)
		return 0.0;
	norm = value / rounding;
	sign = copysign(1.0, norm);
	eps = pow(2.0, log2(fabs(norm)) - 52.0);
	norm += sign * eps;
	/* Odoo's float_utils.round() is Python 2's: ties away from zero, as C's
	 * round() (from Odoo's source, odoo/tools/float_utils.py) */
	return round(norm) * rounding;
}

void emu_tax_line(const struct emu_tax_def *taxes, size_t ntaxes,
		  double price_unit, double qty, double discount,
		  double rounding, int profile, struct emu_tax_line *out)
{
	double price = price_unit * (1.0 - discount / 100.0);
	double base = price * qty;
	double incl_pct = 0.0, tax_sum = 0.0, excluded;
	size_t i;

	if (ntaxes > EMU_TAX_MAX)
		ntaxes = EMU_TAX_MAX;
	for (i = 0; i < EMU_TAX_MAX; i++)
		out->per_tax[i] = 0.0;
	for (i = 0; i < ntaxes; i++)
		if (taxes[i].price_include)
			incl_pct += taxes[i].amount;
	/* price-included taxes are taken out of the line total first */
	excluded = base;
	if (incl_pct != 0.0) {
		double total_incl = emu_tax_round(base, rounding);
		double incl_tax = emu_tax_round(total_incl - total_incl /
						(1.0 + incl_pct / 100.0), rounding);

		for (i = 0; i < ntaxes; i++)
			if (taxes[i].price_include) {
				out->per_tax[i] = incl_tax * (taxes[i].amount / incl_pct);
				tax_sum += out->per_tax[i];
			}
		excluded = total_incl - tax_sum;
	}
	excluded = emu_tax_round(excluded, rounding);
	for (i = 0; i < ntaxes; i++)
		if (!taxes[i].price_include) {
			out->per_tax[i] = emu_tax_round(excluded * taxes[i].amount / 100.0,
							rounding);
			tax_sum += out->per_tax[i];
		}
	out->subtotal = excluded;
	out->total = excluded + tax_sum;
	if (incl_pct != 0.0)
		out->total = emu_tax_round(out->total, rounding);
	out->tax = profile >= 18 ? out->total - out->subtotal : tax_sum;
}
