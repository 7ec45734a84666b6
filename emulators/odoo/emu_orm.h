/* emu_orm: the generic part of the emulated Odoo ORM — domains in prefix
 * notation (with dotted paths), ordering (a many2one orders by the related
 * model's own _order, as Odoo does), read with many2one pairs and x2many id
 * lists, create/write/unlink with x2many commands, fields_get, and Odoo's
 * messages for unknown fields, missing records and unset required fields.
 * Model behaviour plugs in through emu_hooks.h. */
#ifndef ODOO_EMU_ORM_H
#define ODOO_EMU_ORM_H

#include <jansson.h>

#include "emu_db.h"

/* The raw value of a field on a record: stored value, type default, or for
 * a one2many the ids of its inverse records in the relation's order. New
 * reference. */
json_t *emu_orm_raw(struct emu *db, struct emu_model *m, json_t *rec,
		    const char *fname);

/* A record's display_name into out; returns out. */
const char *emu_orm_display(struct emu *db, struct emu_model *m,
			    json_t *rec, char *out, size_t len);

/* Records of m matching domain (NULL = all), ordered by order (NULL = the
 * model's _order), after offset, at most limit (<0 = no limit). On ERR_OK
 * *out is a new array of ids. */
MUST_CHECK enum err_code emu_orm_search(struct emu *db, struct emu_model *m,
					json_t *domain, const char *order,
					long offset, long limit, json_t **out,
					struct emu_exc *x);

/* Read fields (NULL or [] = all) of the records ids that exist, as Odoo's
 * read: "id" first, then the fields in the order asked. */
MUST_CHECK enum err_code emu_orm_read(struct emu *db, struct emu_model *m,
				      json_t *ids, json_t *fields,
				      json_t **out, struct emu_exc *x);

/* Create one record from vals; *id_out gets its id. */
MUST_CHECK enum err_code emu_orm_create(struct emu *db, struct emu_model *m,
					json_t *vals, json_t *ctx,
					int64_t *id_out, struct emu_exc *x);

/* Write vals on every record of ids (all must exist). */
MUST_CHECK enum err_code emu_orm_write(struct emu *db, struct emu_model *m,
				       json_t *ids, json_t *vals,
				       struct emu_exc *x);

/* Delete the records (all must exist). */
MUST_CHECK enum err_code emu_orm_unlink(struct emu *db, struct emu_model *m,
					json_t *ids, struct emu_exc *x);

/* MissingError unless every id of ids exists. */
MUST_CHECK enum err_code emu_orm_check_exist(struct emu_model *m, json_t *ids,
					     struct emu_exc *x);

/* fields_get with an optional list of attributes. New reference. */
json_t *emu_orm_fields_get(struct emu_model *m, json_t *attributes);

#endif
