/* emu_hooks: dispatch of the ORM hooks to the stock and sale areas. */
#include "emu_hooks.h"

#include <string.h>

#include "emu_account.h"
#include "emu_orm.h"
#include "emu_sale.h"
#include "emu_stock.h"

enum err_code emu_hook_create(struct emu *db, struct emu_model *m,
			      json_t *rec, json_t *vals, json_t *ctx,
			      struct emu_exc *x)
{
	enum err_code rc = emu_stock_hook_create(db, m, rec, vals, ctx, x);

	if (rc == ERR_OK)
		rc = emu_sale_hook_create(db, m, rec, vals, ctx, x);
	if (rc == ERR_OK)
		rc = emu_account_hook_create(db, m, rec, vals, ctx, x);
	return rc;
}

enum err_code emu_hook_created(struct emu *db, struct emu_model *m,
			       json_t *rec, json_t *ctx, struct emu_exc *x)
{
	return emu_stock_hook_created(db, m, rec, ctx, x);
}

void emu_hook_write(struct emu *db, struct emu_model *m, json_t *rec,
		    json_t *vals)
{
	emu_stock_hook_write(db, m, rec, vals);
	emu_account_hook_write(db, m, rec, vals);
}

enum err_code emu_hook_unlink(struct emu *db, struct emu_model *m,
			      json_t *rec, struct emu_exc *x)
{
	return emu_sale_hook_unlink(db, m, rec, x);
}

const char *emu_hook_display(struct emu *db, struct emu_model *m, json_t *rec,
			     char *out, size_t len)
{
	const char *s = emu_stock_display(db, m, rec, out, len);

	return s ? s : emu_sale_display(db, m, rec, out, len);
}

void emu_hook_recompute(struct emu *db)
{
	emu_stock_recompute(db);
	emu_sale_recompute(db);
}
