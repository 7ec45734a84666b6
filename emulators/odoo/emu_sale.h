/* emu_sale: sale orders, taxes, products and invoicing of the emulated Odoo
 * — order confirmation (which asks emu_stock for the delivery), line
 * amounts through emu_tax, qty_delivered / qty_invoiced / invoice_status,
 * the sale.advance.payment.inv wizard. Posting, reconciliation, credit
 * notes and payments are emu_account's. */
#ifndef ODOO_EMU_SALE_H
#define ODOO_EMU_SALE_H

#include <jansson.h>

#include "emu_rpc.h"

extern const struct emu_method emu_sale_methods[];

/* Hooks (see emu_hooks.h) for the sale, product and account models. */
MUST_CHECK enum err_code emu_sale_hook_create(struct emu *db,
					      struct emu_model *m, json_t *rec,
					      json_t *vals, json_t *ctx,
					      struct emu_exc *x);
MUST_CHECK enum err_code emu_sale_hook_unlink(struct emu *db,
					      struct emu_model *m, json_t *rec,
					      struct emu_exc *x);
const char *emu_sale_display(struct emu *db, struct emu_model *m,
			     json_t *rec, char *out, size_t len);
void emu_sale_recompute(struct emu *db);

#endif
