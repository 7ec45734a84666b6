/* odoo/ops_int: the helpers ops.c is built on, shared with the other ops
 * files (ops_finance.c). Not for the engine: it uses ops.h. */
#ifndef ODOO_OPS_INT_H
#define ODOO_OPS_INT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "odoo/ops.h"

typedef enum err_code ops_parse_fn(struct odoo *c, const json_t *rec, void *item,
				   struct err *e);

/* model.method(args, fields=..., order=...) that must answer a list of
 * records, each parsed into an item of size bytes of a calloc'ed array
 * (*out; free() it). args are stolen; order may be NULL. */
MUST_CHECK enum err_code ops_int_fetch(struct odoo *c, const char *model,
				       const char *method, json_t *args_own,
				       const char *const *fields, const char *order,
				       size_t size, ops_parse_fn *parse, void **out,
				       size_t *nout, struct err *e);

/* The monetary fields names[] (NULL-terminated) of rec into *dst[i], in
 * minor units of currency cur; *decimals receives its decimal places. */
MUST_CHECK enum err_code ops_int_amounts(struct odoo *c, const json_t *rec, int64_t cur,
					 int *decimals, const char *const *names,
					 int64_t **dst, struct err *e);

/* Distinct non-zero values of the int64_t member at off of items[0..n)
 * (each size bytes); NULL on OOM. free() it. */
int64_t *ops_int_distinct(const void *items, size_t n, size_t size, size_t off,
			  size_t *nout);

/* A product as ops_sale_lines reports it. */
struct ops_int_product {
	int64_t id;
	char code[OPS_NAME_LEN];            /* default_code */
	char barcode[OPS_NAME_LEN];
	char policy[OPS_STATE_LEN];         /* invoice_policy */
};

typedef void ops_product_fill_fn(void *item, const struct ops_int_product *p);

/* Fill each of the fetched items (*items, *n of size bytes each, an
 * int64_t product_id at off) from its product with fill: 1 product.product
 * read (none without products). On failure the items are freed and
 * *items, *n reset. */
MUST_CHECK enum err_code ops_int_add_products(struct odoo *c, void **items, size_t *n,
					      size_t size, size_t off,
					      ops_product_fill_fn *fill, struct err *e);

#endif
