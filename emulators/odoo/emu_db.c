/* emu_db: profile + state of the Odoo emulator, seeded from JSON. */
#include "emu_db.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum err_code emu_raise(struct emu_exc *x, const char *name,
			const char *fmt, ...)
{
	va_list ap;

	x->name = name;
	va_start(ap, fmt);
	vsnprintf(x->msg, sizeof(x->msg), fmt, ap);
	va_end(ap);
	return ERR_INVALID;
}

static void bind_models(struct emu *db)
{
	json_t *st_models = json_object_get(db->state, "models");
	size_t i;

	for (i = 0; i < db->nmodels; i++) {
		struct emu_model *m = &db->models[i];
		json_t *st = json_object_get(st_models, m->name);

		if (!st) {
			st = json_pack("{s:I,s:[]}", "next_id", (json_int_t)1,
				       "records");
			json_object_set_new(st_models, m->name, st);
		}
		m->st = st;
	}
}

/* Records of the seed go in as given; next_id starts past the seed's own
 * "next_ids" entry or past the largest seeded id. */
static enum err_code load_seed(struct emu *db, json_t *seed, struct err *e)
{
	json_t *recs = json_object_get(seed, "records");
	json_t *next = json_object_get(seed, "next_ids");
	const char *name;
	json_t *list;
	size_t i;

	if (json_is_object(json_object_get(seed, "sequences")))
		json_object_set_new(db->state, "sequences",
				    json_deep_copy(json_object_get(seed, "sequences")));
	json_object_foreach(recs, name, list) {
		struct emu_model *m = emu_model(db, name);
		json_int_t maxid = 0;
		json_t *arr, *r;

		if (!m)
			return err_set(e, ERR_CONFIG, "seed: model %s is not in the profile", name);
		arr = json_object_get(m->st, "records");
		json_array_foreach(list, i, r) {
			json_int_t id = json_integer_value(json_object_get(r, "id"));

			if (id <= maxid)
				return err_set(e, ERR_CONFIG, "seed: %s ids must ascend", name);
			maxid = id;
			json_array_append_new(arr, json_deep_copy(r));
		}
		json_object_set_new(m->st, "next_id", json_integer(maxid + 1));
	}
	json_object_foreach(next, name, list) {
		struct emu_model *m = emu_model(db, name);
		json_int_t n = json_integer_value(list);

		if (!m)
			return err_set(e, ERR_CONFIG, "seed: next_ids: model %s is not in the profile", name);
		if (n > json_integer_value(json_object_get(m->st, "next_id")))
			json_object_set_new(m->st, "next_id", json_integer(n));
	}
	return ERR_OK;
}

enum err_code emu_new(const char *profile_path, const char *seed_path,
		      struct emu **out, struct err *e)
{
	struct emu *db = NULL;
	json_t *seed = NULL, *models;
	json_error_t je;
	enum err_code rc = ERR_OK;
	const char *name;
	json_t *spec;
	size_t i = 0;

	db = calloc(1, sizeof(*db));
	if (!db)
		return err_set(e, ERR_NOMEM, "out of memory");
	db->profile_doc = json_load_file(profile_path, 0, &je);
	if (!db->profile_doc) {
		rc = err_set(e, ERR_CONFIG, "%s:%d: %s", profile_path, je.line, je.text);
		goto out;
	}
	seed = json_load_file(seed_path, 0, &je);
	if (!seed) {
		rc = err_set(e, ERR_CONFIG, "%s:%d: %s", seed_path, je.line, je.text);
		goto out;
	}
	db->profile = (int)json_integer_value(json_object_get(db->profile_doc, "profile"));
	models = json_object_get(db->profile_doc, "models");
	db->nmodels = json_object_size(models);
	db->models = calloc(db->nmodels ? db->nmodels : 1, sizeof(*db->models));
	if (!db->models) {
		rc = err_set(e, ERR_NOMEM, "out of memory");
		goto out;
	}
	json_object_foreach(models, name, spec) {
		db->models[i].name = name;
		db->models[i].spec = spec;
		db->models[i].fields = json_object_get(spec, "fields");
		i++;
	}
	db->state = json_pack("{s:{},s:{}}", "models", "sequences");
	db->dirty = json_object();
	db->recompute_all = true;
	bind_models(db);
	rc = load_seed(db, seed, e);
out:
	json_decref(seed);
	if (rc != ERR_OK) {
		emu_free(db);
		return rc;
	}
	*out = db;
	return ERR_OK;
}

void emu_free(struct emu *db)
{
	if (!db)
		return;
	json_decref(db->state);
	json_decref(db->dirty);
	json_decref(db->profile_doc);
	free(db->models);
	free(db);
}

struct emu_model *emu_model(struct emu *db, const char *name)
{
	size_t i;

	for (i = 0; i < db->nmodels; i++)
		if (strcmp(db->models[i].name, name) == 0)
			return &db->models[i];
	return NULL;
}

json_t *emu_field(const struct emu_model *m, const char *fname)
{
	return json_object_get(m->fields, fname);
}

const char *emu_field_type(const struct emu_model *m, const char *fname)
{
	const char *t = json_string_value(json_object_get(emu_field(m, fname), "type"));

	return t ? t : "";
}

json_t *emu_recs(const struct emu_model *m)
{
	return json_object_get(m->st, "records");
}

static ssize_t find_idx(const struct emu_model *m, int64_t id)
{
	json_t *arr = emu_recs(m);
	ssize_t lo = 0, hi = (ssize_t)json_array_size(arr) - 1;

	while (lo <= hi) {
		ssize_t mid = lo + (hi - lo) / 2;
		int64_t v = json_integer_value(json_object_get(json_array_get(arr, (size_t)mid), "id"));

		if (v == id)
			return mid;
		if (v < id)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -1;
}

json_t *emu_rec(const struct emu_model *m, int64_t id)
{
	ssize_t i = find_idx(m, id);

	return i < 0 ? NULL : json_array_get(emu_recs(m), (size_t)i);
}

static void note_dirty(const struct emu_model *m, int64_t id, json_t *old);

json_t *emu_rec_new(struct emu_model *m)
{
	json_int_t id = json_integer_value(json_object_get(m->st, "next_id"));
	json_t *r = json_pack("{s:I}", "id", id);

	note_dirty(m, id, json_null());
	json_object_set_new(m->st, "next_id", json_integer(id + 1));
	json_array_append_new(emu_recs(m), r);
	return r;
}

void emu_rec_remove(struct emu_model *m, int64_t id)
{
	ssize_t i = find_idx(m, id);

	if (i < 0)
		return;
	note_dirty(m, id, json_copy(json_array_get(emu_recs(m), (size_t)i)));
	json_array_remove(emu_recs(m), (size_t)i);
}

json_t *emu_rec_of(struct emu *db, const char *model, int64_t id)
{
	struct emu_model *m = emu_model(db, model);

	return m && id ? emu_rec(m, id) : NULL;
}

json_t *emu_recs_where(struct emu *db, const char *model, const char *f,
		       int64_t id)
{
	struct emu_model *m = emu_model(db, model);
	json_t *out = json_array(), *r;
	size_t i;

	if (m)
		json_array_foreach(emu_recs(m), i, r)
			if (emu_m2o(r, f) == id)
				json_array_append(out, r);
	return out;
}

void emu_set_default(json_t *rec, const char *f, json_t *v)
{
	if (!json_object_get(rec, f)) {
		emu_touch(rec);
		json_object_set(rec, f, v);
	}
	json_decref(v);
}

int64_t emu_m2o(const json_t *rec, const char *f)
{
	json_t *v = json_object_get(rec, f);

	if (json_is_array(v))   /* tolerate [id, name] in seeds */
		v = json_array_get(v, 0);
	return json_is_integer(v) ? json_integer_value(v) : 0;
}

double emu_num(const json_t *rec, const char *f)
{
	json_t *v = json_object_get(rec, f);

	return json_is_number(v) ? json_number_value(v) : 0.0;
}

const char *emu_str(const json_t *rec, const char *f)
{
	const char *s = json_string_value(json_object_get(rec, f));

	return s ? s : "";
}

bool emu_bool(const json_t *rec, const char *f)
{
	return json_is_true(json_object_get(rec, f));
}

void emu_set_json(json_t *rec, const char *f, json_t *v)
{
	if (json_equal(json_object_get(rec, f), v)) {
		json_decref(v);
		return;
	}
	emu_touch(rec);
	json_object_set_new(rec, f, v);
}

/* The setters leave a value that is already there alone: recomputing
 * after every write then allocates only for what changed. */
void emu_set_int(json_t *rec, const char *f, int64_t v)
{
	json_t *cur = json_object_get(rec, f);

	if (json_is_integer(cur) && json_integer_value(cur) == v)
		return;
	emu_touch(rec);
	json_object_set_new(rec, f, json_integer(v));
}

void emu_set_m2o(json_t *rec, const char *f, int64_t id)
{
	json_t *cur = json_object_get(rec, f);

	if (id ? json_is_integer(cur) && json_integer_value(cur) == id : json_is_false(cur))
		return;
	emu_touch(rec);
	json_object_set_new(rec, f, id ? json_integer(id) : json_false());
}

void emu_set_num(json_t *rec, const char *f, double v)
{
	json_t *cur = json_object_get(rec, f);

	/* a float field stays a JSON float (3.0, never 3) */
	if (json_is_real(cur) && json_real_value(cur) == v)
		return;
	emu_touch(rec);
	json_object_set_new(rec, f, json_real(v));
}

void emu_set_str(json_t *rec, const char *f, const char *s)
{
	json_t *cur = json_object_get(rec, f);

	if (s ? json_is_string(cur) && strcmp(json_string_value(cur), s) == 0 : json_is_false(cur))
		return;
	emu_touch(rec);
	json_object_set_new(rec, f, s ? json_string(s) : json_false());
}

void emu_set_bool(json_t *rec, const char *f, bool v)
{
	json_t *cur = json_object_get(rec, f);

	if (json_is_boolean(cur) && json_is_true(cur) == v)
		return;
	emu_touch(rec);
	json_object_set_new(rec, f, json_boolean(v));
}

void emu_now(char *out, size_t len, bool date_only)
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, len, date_only ? "%Y-%m-%d" : "%Y-%m-%d %H:%M:%S", &tm);
}

enum err_code emu_seq_next(struct emu *db, const char *code, char *out,
			   size_t len)
{
	json_t *seq = json_object_get(json_object_get(db->state, "sequences"), code);
	const char *prefix = json_string_value(json_object_get(seq, "prefix"));
	json_int_t next = json_integer_value(json_object_get(seq, "next"));
	int pad = (int)json_integer_value(json_object_get(seq, "padding"));
	char pfx[128], year[8];
	const char *y;

	if (!seq || !prefix)
		return ERR_NOT_FOUND;
	emu_now(year, sizeof(year), true);
	year[4] = '\0';
	y = strstr(prefix, "%(year)s");
	if (y)
		snprintf(pfx, sizeof(pfx), "%.*s%s%s", (int)(y - prefix), prefix,
			 year, y + 8);
	else
		snprintf(pfx, sizeof(pfx), "%s", prefix);
	snprintf(out, len, "%s%0*lld", pfx, pad, (long long)next);
	json_object_set_new(seq, "next", json_integer(next + 1));
	return ERR_OK;
}

struct txn {
	bool on;
	struct emu *db;
	json_t *lists;     /* model -> [records array copy, next_id] */
	json_t *touched;   /* "%p" of a record -> [record, its old content] */
	json_t *sequences; /* deep copy */
};

static struct txn txn;   /* one at a time: calls run under main.c's state lock */

/* Steals old. Only the first note of a record counts: it holds the content
 * before the transaction (or null: created in it). */
static void note_dirty(const struct emu_model *m, int64_t id, json_t *old)
{
	json_t *per;
	char key[24];

	if (!txn.on) {
		json_decref(old);
		return;
	}
	per = json_object_get(txn.db->dirty, m->name);
	if (!per) {
		per = json_object();
		json_object_set_new(txn.db->dirty, m->name, per);
	}
	snprintf(key, sizeof(key), "%lld", (long long)id);
	if (json_object_get(per, key))
		json_decref(old);
	else
		json_object_set_new(per, key, old);
}

/* The model that holds rec (a stored record), or NULL (an aggregate or
 * other scratch object that goes through the setters). */
static struct emu_model *model_of(struct emu *db, json_t *rec)
{
	json_t *id = json_object_get(rec, "id");
	size_t i;

	if (!json_is_integer(id))
		return NULL;
	for (i = 0; i < db->nmodels; i++)
		if (emu_rec(&db->models[i], json_integer_value(id)) == rec)
			return &db->models[i];
	return NULL;
}

void emu_touch(json_t *rec)
{
	struct emu_model *m;
	char key[32];
	json_t *old;

	if (!txn.on || !rec)
		return;
	snprintf(key, sizeof(key), "%p", (void *)rec);
	if (json_object_get(txn.touched, key))
		return;
	old = json_copy(rec);
	json_object_set_new(txn.touched, key, json_pack("[O,o]", rec, old));
	m = model_of(txn.db, rec);
	if (m)
		note_dirty(m, json_integer_value(json_object_get(rec, "id")), json_incref(old));
}

json_t *emu_dirty(struct emu *db, const char *model)
{
	return json_object_get(db->dirty, model);
}

void emu_dirty_clear(struct emu *db)
{
	json_object_clear(db->dirty);
	db->recompute_all = db->always_full;
}

void emu_idset_init(struct emu_idset *s, const struct emu_model *m)
{
	s->n = m ? json_integer_value(json_object_get(m->st, "next_id")) : 0;
	s->on = calloc((size_t)(s->n > 0 ? s->n : 1), 1);
	s->ids = calloc((size_t)(s->n > 0 ? s->n : 1), sizeof(*s->ids));
	s->count = 0;
	if (!s->on || !s->ids) {   /* out of memory: an empty set */
		free(s->on);
		free(s->ids);
		s->on = NULL;
		s->ids = NULL;
		s->n = 0;
	}
}

void emu_idset_add(struct emu_idset *s, int64_t id)
{
	if (id <= 0 || id >= s->n || s->on[id])
		return;
	s->on[id] = 1;
	s->ids[s->count++] = id;
}

bool emu_idset_has(const struct emu_idset *s, int64_t id)
{
	return id > 0 && id < s->n && s->on[id];
}

int64_t emu_idset_next(const struct emu_idset *s, int64_t after)
{
	int64_t id;

	if (!s->count)
		return 0;
	for (id = after + 1; id < s->n; id++)
		if (s->on[id])
			return id;
	return 0;
}

void emu_idset_free(struct emu_idset *s)
{
	free(s->on);
	free(s->ids);
	memset(s, 0, sizeof(*s));
}

void emu_txn_begin(struct emu *db)
{
	json_t *st;
	const char *name;

	emu_txn_commit(db);
	txn.db = db;
	txn.lists = json_object();
	txn.touched = json_object();
	txn.sequences = json_deep_copy(json_object_get(db->state, "sequences"));
	json_object_foreach(json_object_get(db->state, "models"), name, st)
		json_object_set_new(txn.lists, name, json_pack("[o,O]",
			json_copy(json_object_get(st, "records")),
			json_object_get(st, "next_id")));
	txn.on = true;
}

void emu_txn_commit(struct emu *db)
{
	(void)db;
	json_decref(txn.lists);
	json_decref(txn.touched);
	json_decref(txn.sequences);
	memset(&txn, 0, sizeof(txn));
}

void emu_txn_rollback(struct emu *db)
{
	json_t *models = json_object_get(db->state, "models"), *v;
	const char *k;

	if (!txn.on)
		return;
	json_object_foreach(txn.lists, k, v) {
		json_t *st = json_object_get(models, k);

		json_object_set(st, "records", json_array_get(v, 0));
		json_object_set(st, "next_id", json_array_get(v, 1));
	}
	json_object_foreach(txn.touched, k, v) {
		json_t *rec = json_array_get(v, 0);

		json_object_clear(rec);
		json_object_update(rec, json_array_get(v, 1));
	}
	json_object_set(db->state, "sequences", txn.sequences);
	emu_txn_commit(db);
}

json_t *emu_profile_get(struct emu *db, const char *key)
{
	return json_object_get(db->profile_doc, key);
}
