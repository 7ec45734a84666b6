/* emu_db: the Odoo emulator's database — a profile (model and field
 * definitions of Odoo 17 or 18, emulators/odoo/profiles/) plus a state
 * (records, next ids, sequences) seeded from a JSON file. Records are
 * jansson objects keyed by field name; many2one values are stored as the
 * bare id (or false), many2many as id lists; one2many are never stored,
 * they are read back through their inverse field. Not thread-safe: every
 * call runs under main.c's state lock, one at a time. */
#ifndef ODOO_EMU_DB_H
#define ODOO_EMU_DB_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "util/err.h"

/* Odoo exception class names as they appear in error.data.name. */
#define EXC_USER "odoo.exceptions.UserError"
#define EXC_MISSING "odoo.exceptions.MissingError"
#define EXC_VALIDATION "odoo.exceptions.ValidationError"
#define EXC_ACCESS "odoo.exceptions.AccessError"
#define EXC_DENIED "odoo.exceptions.AccessDenied"
#define EXC_VALUE "builtins.ValueError"
#define EXC_ATTR "builtins.AttributeError"
#define EXC_TYPE "builtins.TypeError"

/* An Odoo exception being raised: the class name and its message. */
struct emu_exc {
	const char *name;
	char msg[2048];
};

/* Set *x and return ERR_INVALID, so `return emu_raise(x, EXC_USER, ..)`. */
enum err_code emu_raise(struct emu_exc *x, const char *name,
			const char *fmt, ...) PRINTF_LIKE(3, 4);

struct emu_model {
	const char *name;   /* borrowed from the profile */
	json_t *spec;       /* {"description","order","fields":{..},..} */
	json_t *fields;     /* name -> {"type","relation","string",..} */
	json_t *st;         /* {"next_id": n, "records": [..]} in the state */
};

struct emu {
	int profile;            /* 17 or 18 */
	json_t *profile_doc;    /* owned: models, version, views, actions */
	json_t *state;          /* owned: models' records, sequences */
	struct emu_model *models;
	size_t nmodels;
	/* What the next recompute derives again: the records changed since
	 * the last one (emu_dirty), or everything when recompute_all (set at
	 * load; always when always_full, the emulator's --full-recompute). */
	json_t *dirty;          /* owned: model -> {"<id>": old content | null} */
	bool recompute_all;
	bool always_full;
	/* --check-recompute: after each partial recompute, derive everything
	 * again and log "recompute mismatch" where the two differ */
	bool check_recompute;
};

/* Load the profile document and the seed. On ERR_OK the caller owns *out
 * (emu_free). Main thread, before serving. */
MUST_CHECK enum err_code emu_new(const char *profile_path,
				 const char *seed_path, struct emu **out,
				 struct err *e);
void emu_free(struct emu *db);

/* The model, or NULL when the profile has no such model. */
struct emu_model *emu_model(struct emu *db, const char *name);

/* A field's definition, or NULL. Borrowed. */
json_t *emu_field(const struct emu_model *m, const char *fname);
/* Its type ("char", "many2one", ...); "" when the field does not exist. */
const char *emu_field_type(const struct emu_model *m, const char *fname);

/* The record with this id, or NULL. Borrowed from the state. */
json_t *emu_rec(const struct emu_model *m, int64_t id);
/* All records, ascending id. Borrowed. */
json_t *emu_recs(const struct emu_model *m);
/* A new empty record {"id": next} appended to the model. Borrowed. */
json_t *emu_rec_new(struct emu_model *m);
/* Remove a record; nothing happens when it does not exist. */
void emu_rec_remove(struct emu_model *m, int64_t id);

/* Integer id of a stored many2one value (0 for false/missing). */
int64_t emu_m2o(const json_t *rec, const char *fname);
/* Stored float/int as double (0 when missing or false). */
double emu_num(const json_t *rec, const char *fname);
/* Stored string, or "" (false/missing). */
const char *emu_str(const json_t *rec, const char *fname);
/* Stored boolean (false when missing). */
bool emu_bool(const json_t *rec, const char *fname);

/* The record of model with this id, or NULL (unknown model, id 0 or a
 * missing record). Borrowed. */
json_t *emu_rec_of(struct emu *db, const char *model, int64_t id);
/* The records of model whose many2one field f is id, ascending id. New
 * array (records borrowed from the state, each incref'd by the array). */
json_t *emu_recs_where(struct emu *db, const char *model, const char *f,
		       int64_t id);

/* Set field f to v (stolen) unless rec already has it: a default. */
void emu_set_default(json_t *rec, const char *f, json_t *v);

/* Set helpers: take ownership of nothing, build fresh values. */
void emu_set_int(json_t *rec, const char *f, int64_t v);
void emu_set_m2o(json_t *rec, const char *f, int64_t id); /* 0 = false */
void emu_set_num(json_t *rec, const char *f, double v);
void emu_set_str(json_t *rec, const char *f, const char *s);
void emu_set_bool(json_t *rec, const char *f, bool v);
/* Set f to v (stolen) unless an equal value is there. */
void emu_set_json(json_t *rec, const char *f, json_t *v);

/* Next name from a sequence of the state ("WH/OUT/00012"); %(year)s in a
 * prefix becomes the current year. ERR_NOT_FOUND when unknown. */
MUST_CHECK enum err_code emu_seq_next(struct emu *db, const char *code,
				      char *out, size_t len);

/* Now as Odoo writes datetimes ("2026-12-04 15:41:35") or dates. */
void emu_now(char *out, size_t len, bool date_only);

/* Transactions, so that a call that raises keeps nothing, as in Odoo.
 * begin notes each model's record list (pointers only) and the sequences;
 * a record changed in place is copied the first time it changes
 * (emu_touch); rollback puts the lists, the sequences and the touched
 * records back. A write costs what it touches, not the size of the state.
 * One transaction at a time (calls run under main.c's state lock). */
void emu_txn_begin(struct emu *db);
void emu_txn_commit(struct emu *db);
void emu_txn_rollback(struct emu *db);

/* Note rec's content before it changes in place. The emu_set_* helpers
 * and emu_set_default call it; any other in-place change of an existing
 * record must call it first. A no-op outside a transaction. */
void emu_touch(json_t *rec);

/* Records of model created, changed or removed since the last
 * emu_dirty_clear, noted during transactions: {"<id>": the content before
 * its first change (a removed record: its last content), or null for a
 * record created}. Borrowed, NULL when none. */
json_t *emu_dirty(struct emu *db, const char *model);
/* After a recompute: nothing is dirty, recompute_all = always_full. */
void emu_dirty_clear(struct emu *db);

/* A set of record ids of one model (below its next id), with the order
 * they came in: cheap membership tests over a whole model. */
struct emu_idset {
	unsigned char *on;
	int64_t n;
	int64_t *ids;
	size_t count;
};
void emu_idset_init(struct emu_idset *s, const struct emu_model *m);
void emu_idset_add(struct emu_idset *s, int64_t id);
bool emu_idset_has(const struct emu_idset *s, int64_t id);
void emu_idset_free(struct emu_idset *s);
/* The smallest id in the set above after (0 to start), or 0 past the end:
 * ascending id, the order of a model's records. */
int64_t emu_idset_next(const struct emu_idset *s, int64_t after);

/* The profile's data for key ("views", "actions", "version"). Borrowed. */
json_t *emu_profile_get(struct emu *db, const char *key);

#endif
