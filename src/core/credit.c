/* credit: credit note line amounts in integer minor units. */
#include "core/credit.h"

#include "core/money.h"

__extension__ typedef __int128 i128;

/* percent with MONEY_DISCOUNT_DECIMALS: 100 % is 100 * 10^6 */
#define HUNDRED_PCT ((i128)100 * 1000000)

static int64_t div_round(i128 n, i128 d)
{
	int neg = (n < 0) != (d < 0);
	i128 q;

	if (n < 0)
		n = -n;
	if (d < 0)
		d = -d;
	q = (n + d / 2) / d;
	return (int64_t)(neg ? -q : q);
}

enum err_code credit_line(const struct credit_line_in *in, int decimals,
			  struct credit_line_out *out, struct err *e)
{
	i128 incl_rate = 0;
	int64_t amount = 0, incl_tax = 0, excl_tax = 0;
	enum err_code rc;
	size_t i;

	if (in->ntax > CREDIT_MAX_TAXES)
		return err_set(e, ERR_INVALID, "%zu taxes on one line (at most %d)",
			       in->ntax, CREDIT_MAX_TAXES);
	rc = money_line_subtotal(in->price_unit, in->discount, in->qty, decimals,
				 &amount, e);
	if (rc != ERR_OK)
		return rc;
	for (i = 0; i < in->ntax; i++)
		if (in->taxes[i].included)
			incl_rate += in->taxes[i].rate;
	/* included: each is amount x rate / (100 % + all included rates),
	 * the share of the exact base; what is left is the base */
	for (i = 0; i < in->ntax; i++)
		if (in->taxes[i].included)
			incl_tax += div_round((i128)amount * in->taxes[i].rate,
					      HUNDRED_PCT + incl_rate);
	for (i = 0; i < in->ntax; i++)
		if (!in->taxes[i].included)
			excl_tax += div_round((i128)(amount - incl_tax) * in->taxes[i].rate,
					      HUNDRED_PCT);
	out->line_amount = amount;
	out->untaxed = amount - incl_tax;
	out->tax = incl_tax + excl_tax;
	out->total = out->untaxed + out->tax;
	return ERR_OK;
}
