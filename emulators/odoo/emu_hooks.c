/* emu_hooks: dispatch of the ORM hooks to the stock and sale areas. */
#include "emu_hooks.h"

#include <string.h>

#include "util/log.h"

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

/* Log the first record whose content differs between was and now. */
static void log_mismatch(struct emu *db, json_t *was)
{
	size_t i, j;

	for (i = 0; i < db->nmodels; i++) {
		struct emu_model *m = &db->models[i];
		json_t *before = json_object_get(json_object_get(json_object_get(was, "models"),
								 m->name), "records");
		json_t *r;

		json_array_foreach(emu_recs(m), j, r) {
			json_t *b = json_array_get(before, j);
			const char *k;
			json_t *v;

			if (json_equal(b, r))
				continue;
			json_object_foreach(r, k, v)
				if (!json_equal(v, json_object_get(b, k)))
					break;
			log_err("recompute mismatch: %s id %lld field %s", m->name,
				(long long)emu_m2o(r, "id"), k ? k : "(records)");
			return;
		}
		if (json_array_size(before) != json_array_size(emu_recs(m))) {
			log_err("recompute mismatch: %s record count", m->name);
			return;
		}
	}
	log_err("recompute mismatch: sequences or next ids");
}

void emu_hook_recompute(struct emu *db)
{
	bool partial = !db->recompute_all;

	emu_stock_recompute(db);
	emu_sale_recompute(db);
	if (db->check_recompute && partial) {
		json_t *was = json_deep_copy(db->state);

		db->recompute_all = true;
		emu_stock_recompute(db);
		emu_sale_recompute(db);
		if (!json_equal(was, db->state))
			log_mismatch(db, was);
		json_decref(was);
	}
	emu_dirty_clear(db);
}
