/* emu_rpc: Odoo's /jsonrpc endpoint — services "common" (version, login,
 * authenticate) and "object" (execute_kw), the method tables of the
 * emulated models, and Odoo's error envelope (HTTP 200, code 200,
 * "Odoo Server Error", data {name, debug, message, arguments, context}). */
#ifndef ODOO_EMU_RPC_H
#define ODOO_EMU_RPC_H

#include <jansson.h>
#include <stdbool.h>

#include "emu_db.h"
#include "util/buf.h"

/* One execute_kw call as a model method sees it. */
struct emu_call {
	struct emu *db;
	struct emu_model *m;
	json_t *args;   /* positional arguments after the method name */
	json_t *kw;     /* keyword arguments (an object, maybe empty) */
	json_t *ctx;    /* kw.context, or an empty object */
	json_t *ids;    /* args[0] as an id list for record methods, or [] */
	int64_t uid;    /* the calling user (res.users id) */
	struct emu_exc *x;
};

/* A model method: sets *result (new reference) or leaves it NULL for a
 * Python None (the reply then has no "result" key). */
typedef enum err_code emu_method_fn(struct emu_call *c, json_t **result);

struct emu_method {
	const char *model;
	const char *name;
	int profile;        /* 17, 18, or 0 for both */
	emu_method_fn *fn;
};

/* Answer one JSON-RPC request body into out (the whole reply body). */
void emu_rpc_handle(struct emu *db, const char *body, size_t len,
		    struct buf *out);

/* An Odoo error reply (name, message) to the request body, into out: for
 * faults that happen outside a method (serialization failures). */
void emu_rpc_error_reply(const char *body, size_t len, const char *name,
			 const char *msg, struct buf *out);

/* Helpers for model methods. */
/* Build an act_window dict from the profile's "actions"[key] template. */
json_t *emu_rpc_action(struct emu *db, const char *key);
/* The view id the profile records for a wizard model (0 when none). */
json_int_t emu_rpc_view_id(struct emu *db, const char *model);

#endif
