/* emu_hooks: where model behaviour meets the generic ORM — defaults and
 * checks at create, side effects of writes, cascades at unlink, display
 * names, and the recomputation of stored computed fields after each call
 * that wrote. Implemented per area in emu_stock.c and emu_sale.c. */
#ifndef ODOO_EMU_HOOKS_H
#define ODOO_EMU_HOOKS_H

#include <jansson.h>

#include "emu_db.h"

/* Before a new record's x2many commands run: fill defaults for fields not in
 * vals, refuse bad input. */
MUST_CHECK enum err_code emu_hook_create(struct emu *db, struct emu_model *m,
					 json_t *rec, json_t *vals,
					 json_t *ctx, struct emu_exc *x);
/* After the record and its x2many children exist. */
MUST_CHECK enum err_code emu_hook_created(struct emu *db, struct emu_model *m,
					  json_t *rec, json_t *ctx,
					  struct emu_exc *x);
/* After vals were written on rec. */
void emu_hook_write(struct emu *db, struct emu_model *m, json_t *rec,
		    json_t *vals);
/* Before rec is removed: cascade or refuse. */
MUST_CHECK enum err_code emu_hook_unlink(struct emu *db, struct emu_model *m,
					 json_t *rec, struct emu_exc *x);
/* A model-specific display_name, or NULL for the default (name). */
const char *emu_hook_display(struct emu *db, struct emu_model *m,
			     json_t *rec, char *out, size_t len);
/* Recompute the stored computed fields the records changed since the last
 * recompute reach (all of them after load, or with --full-recompute), then
 * forget those changes. */
void emu_hook_recompute(struct emu *db);

#endif
