/* money: float-to-minor-units conversion and exact line arithmetic. */
#include "core/money.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

__extension__ typedef __int128 i128;

static const int64_t pow10_tab[] = {
	1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000,
	1000000000, 10000000000, 100000000000, 1000000000000,
	10000000000000, 100000000000000, 1000000000000000,
	10000000000000000, 100000000000000000, 1000000000000000000,
};

/* Shortest "%.Ne" text that strtod reads back as v: the digits Python's
 * repr (and so Odoo's JSON) would have written. */
static void shortest_text(double v, char *out, size_t len)
{
	int p;

	for (p = 1; p <= 17; p++) {
		snprintf(out, len, "%.*e", p - 1, v);
		if (strtod(out, NULL) == v)
			return;
	}
}

/* Divide n by d (> 0) rounding half away from zero. */
static i128 div_half_up(i128 n, i128 d)
{
	i128 q, r;
	int neg = n < 0;

	if (neg)
		n = -n;
	q = n / d;
	r = n % d;
	if (r * 2 >= d)
		q++;
	return neg ? -q : q;
}

enum err_code money_from_double(double v, int decimals, int64_t *out,
				struct err *e)
{
	char text[40];
	char *p, *exp_at;
	int64_t digits = 0;
	long exp10;
	int ndig = 0, neg = 0, k;
	i128 r;

	if (decimals < 0 || decimals > MONEY_MAX_DECIMALS)
		return err_set(e, ERR_INVALID, "bad decimal places %d", decimals);
	if (!isfinite(v))
		return err_set(e, ERR_INVALID, "amount is not a finite number");
	shortest_text(v, text, sizeof(text));
	p = text;
	if (*p == '-') {
		neg = 1;
		p++;
	}
	exp_at = strchr(p, 'e');
	if (!exp_at)
		BUG("%%e format without exponent: %s", text);
	for (; p < exp_at; p++) {
		if (*p == '.')
			continue;
		digits = digits * 10 + (*p - '0');
		ndig++;
	}
	exp10 = strtol(exp_at + 1, NULL, 10);
	/* value = digits * 10^(exp10 - (ndig - 1)); scale by 10^decimals */
	k = (int)exp10 - (ndig - 1) + decimals;
	if (k >= 0) {
		if (k > 18)
			return err_set(e, ERR_TOO_BIG, "amount %s is too large", text);
		r = (i128)digits * pow10_tab[k];
	} else if (-k > 18) {
		r = 0;
	} else {
		r = div_half_up(digits, pow10_tab[-k]);
	}
	if (r > INT64_MAX)
		return err_set(e, ERR_TOO_BIG, "amount %s is too large", text);
	*out = neg ? -(int64_t)r : (int64_t)r;
	return ERR_OK;
}

double money_to_double(int64_t v, int decimals)
{
	char text[MONEY_TEXT_LEN];

	/* through decimal text, so the result is the double nearest the exact
	 * decimal value (v / 10^decimals can be off by one ulp) */
	money_format(v, decimals, text, sizeof(text));
	return strtod(text, NULL);
}

char *money_format(int64_t v, int decimals, char *out, size_t len)
{
	uint64_t a, unit;

	if (decimals < 0 || decimals > MONEY_MAX_DECIMALS)
		BUG("money_format: bad decimals %d", decimals);
	a = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	unit = (uint64_t)pow10_tab[decimals];
	if (decimals == 0)
		snprintf(out, len, "%s%llu", v < 0 ? "-" : "",
			 (unsigned long long)a);
	else
		snprintf(out, len, "%s%llu.%0*llu", v < 0 ? "-" : "",
			 (unsigned long long)(a / unit), decimals,
			 (unsigned long long)(a % unit));
	return out;
}

enum err_code money_line_subtotal(int64_t price, int64_t discount,
				  int64_t qty, int decimals, int64_t *out,
				  struct err *e)
{
	/* hundred percent in discount units */
	const i128 full = (i128)100 * pow10_tab[MONEY_DISCOUNT_DECIMALS];
	const int scale = MONEY_PRICE_DECIMALS + MONEY_DISCOUNT_DECIMALS + 2 +
			  MONEY_QTY_DECIMALS;
	i128 n, d, r;
	int shift;

	if (decimals < 0 || decimals > MONEY_MAX_DECIMALS)
		return err_set(e, ERR_INVALID, "bad decimal places %d", decimals);
	/* |price| < 2^63, (full - discount) < 2^38 for sane discounts, qty <
	 * 2^63: check each product against the i128 range before taking it */
	if (discount < -(int64_t)full || discount > 2 * (int64_t)full)
		return err_set(e, ERR_INVALID, "discount out of range");
	n = (i128)price * (full - discount);
	if (n != 0 && (qty > INT64_C(1) << 50 || qty < -(INT64_C(1) << 50) ||
		       n > ((i128)1 << 76) || n < -((i128)1 << 76)))
		return err_set(e, ERR_TOO_BIG, "line amount too large");
	n *= qty;
	shift = scale - decimals; /* >= 8: decimals is at most 9 */
	d = 1;
	while (shift > 0) {
		int step = shift > 18 ? 18 : shift;

		d *= pow10_tab[step];
		shift -= step;
	}
	r = div_half_up(n, d);
	if (r > INT64_MAX || r < INT64_MIN)
		return err_set(e, ERR_TOO_BIG, "line amount too large");
	*out = (int64_t)r;
	return ERR_OK;
}
