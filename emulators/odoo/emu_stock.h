/* emu_stock: stock behaviour of the emulated Odoo — quants per location,
 * deliveries from confirmed orders, button_validate with the quantity /
 * picked semantics, the SMS and backorder wizards, the return wizard per
 * profile, scrap with the insufficient-quantity wizard, and (from Odoo
 * 17.0/18.0 source, not recorded) picking action_cancel and the backorder
 * wizard's process / process_cancel_backorder. */
#ifndef ODOO_EMU_STOCK_H
#define ODOO_EMU_STOCK_H

#include <jansson.h>

#include "emu_rpc.h"

extern const struct emu_method emu_stock_methods[];

/* The delivery picking of a sale order being confirmed; reserves what the
 * stock allows. */
MUST_CHECK enum err_code emu_stock_delivery_for_order(struct emu *db,
						      json_t *order,
						      struct emu_exc *x);

/* Hooks (see emu_hooks.h) for the stock models. */
MUST_CHECK enum err_code emu_stock_hook_create(struct emu *db,
					       struct emu_model *m, json_t *rec,
					       json_t *vals, json_t *ctx,
					       struct emu_exc *x);
MUST_CHECK enum err_code emu_stock_hook_created(struct emu *db,
						struct emu_model *m,
						json_t *rec, json_t *ctx,
						struct emu_exc *x);
void emu_stock_hook_write(struct emu *db, struct emu_model *m, json_t *rec,
			  json_t *vals);
const char *emu_stock_display(struct emu *db, struct emu_model *m,
			      json_t *rec, char *out, size_t len);
void emu_stock_recompute(struct emu *db);

#endif
