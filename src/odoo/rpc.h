/* odoo/rpc: one conversation with Odoo's POST /jsonrpc. Builds the JSON-RPC
 * envelope, sends it over a reused libcurl connection (or a test hook),
 * maps Odoo's error envelope (HTTP 200 + error.data.name) to our codes while
 * keeping Odoo's message, retries reads only, and counts every call per
 * model and method with its duration. A struct rpc belongs to one thread. */
#ifndef ODOO_RPC_H
#define ODOO_RPC_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"
#include "util/err.h"

struct rpc;

/* What the network did with one request. */
enum rpc_net {
	RPC_NET_OK = 0,    /* a complete HTTP reply arrived (any status) */
	RPC_NET_NOT_SENT,  /* nothing reached the server (resolve, connect, TLS) */
	RPC_NET_TIMEOUT,   /* sent, no complete reply in time */
	RPC_NET_LOST,      /* sent, then the connection broke */
};

/* Transport: POST body to the server's /jsonrpc, put the HTTP status in
 * *status and the reply body in reply (capped by the caller's buf), and a
 * short reason in why when not RPC_NET_OK. The curl transport is the
 * default; tests install their own with rpc_set_transport(). */
typedef enum rpc_net rpc_post_fn(const char *body, size_t len, long *status,
				 struct buf *reply, char *why, size_t whylen,
				 void *arg);
/* Wait ms milliseconds between read retries (tests make it instant). */
typedef void rpc_sleep_fn(int64_t ms, void *arg);

/* Whether a call changes anything in Odoo. Only reads are ever retried. */
enum rpc_effect { RPC_READ = 0, RPC_WRITE };

/* Odoo's error kinds, from error.data.name, plus the transport's. */
enum rpc_kind {
	RPC_K_NONE = 0,
	RPC_K_NETWORK,      /* not sent / connection lost */
	RPC_K_TIMEOUT,      /* no reply in time */
	RPC_K_HTTP,         /* an HTTP status other than 200 */
	RPC_K_BAD_REPLY,    /* not a JSON-RPC reply */
	RPC_K_USER,         /* odoo.exceptions.UserError (and RedirectWarning) */
	RPC_K_VALIDATION,   /* odoo.exceptions.ValidationError */
	RPC_K_ACCESS_DENIED,/* odoo.exceptions.AccessDenied: login or key wrong */
	RPC_K_ACCESS,       /* odoo.exceptions.AccessError: rights, private method */
	RPC_K_MISSING,      /* odoo.exceptions.MissingError: record deleted */
	RPC_K_VALUE,        /* builtins.ValueError: unknown field, bad value */
	RPC_K_ATTRIBUTE,    /* builtins.AttributeError: no such method (18) */
	RPC_K_CONCURRENCY,  /* psycopg2 serialization failure, lock, deadlock */
	RPC_K_SESSION,      /* odoo.http.SessionExpiredException */
	RPC_K_OTHER,        /* any other server exception */
	RPC_K__COUNT
};

/* Everything known about a failed call, for decisions and for people. */
struct rpc_fault {
	enum rpc_kind kind;
	bool retryable;        /* a later identical call may succeed */
	long http_status;      /* 0 when no reply came */
	char name[96];         /* error.data.name, verbatim */
	char message[400];     /* error.data.message, verbatim (Odoo's words) */
};

struct rpc_opts {
	const char *url;           /* base URL, e.g. https://erp.example.com */
	int64_t timeout_ms;        /* whole call */
	int64_t connect_timeout_ms;
	int read_attempts;         /* tries for a read (>= 1) */
	int64_t backoff_ms;        /* first retry delay; doubles, with jitter */
	size_t max_reply_bytes;    /* larger replies fail as ERR_TOO_BIG */
};

/* Per model/method counters (common service calls use model "common"). */
struct rpc_stat {
	char model[64];
	char method[48];
	uint64_t calls;            /* HTTP requests, retries included */
	uint64_t errors;           /* requests that did not return a result */
	uint64_t retries;          /* of which were retries of a read */
	int64_t total_ms;
	int64_t max_ms;
};
#define RPC_STATS_MAX 96

/* Create a client for o->url with the curl transport (no connection is made
 * yet). ERR_NOMEM, or ERR_INVALID for a bad option. Free with rpc_free. */
MUST_CHECK enum err_code rpc_new(const struct rpc_opts *o, struct rpc **out,
				 struct err *e);
void rpc_free(struct rpc *r);

/* Replace the transport or the sleep; arg is passed back. For tests and
 * for the emulator harness. */
void rpc_set_transport(struct rpc *r, rpc_post_fn *fn, void *arg);
void rpc_set_sleep(struct rpc *r, rpc_sleep_fn *fn, void *arg);
/* Share a cap on calls in flight (odoo/gate.h) with other connections;
 * NULL for none. The gate outlives the connection. */
struct rpc_gate;
void rpc_set_gate(struct rpc *r, struct rpc_gate *g);

/* Call service.method with args (stolen, even on failure). On ERR_OK
 * *result is the reply's result, owned by the caller (json_null() when the
 * reply had no result key: a Python None). On failure *result is NULL, f
 * (may be NULL) says what happened, and the code is:
 *   ERR_DENIED    AccessDenied / AccessError / session expired / 401, 403
 *   ERR_REJECTED  UserError, ValidationError, other server exceptions
 *   ERR_NOT_FOUND MissingError
 *   ERR_INVALID   ValueError / AttributeError: our request is wrong
 *   ERR_BUSY      serialization or lock failure, 429, 503 (retryable)
 *   ERR_IO        not sent, or a read that timed out or broke (retryable)
 *   ERR_UNKNOWN_OUTCOME  a write sent without a usable answer: a
 *                 timeout, a lost connection, 500/502/504, a garbled or
 *                 oversized reply
 *   ERR_TOO_BIG   a read's reply over max_reply_bytes
 *   ERR_CONFIG    HTTP 404 and other statuses: odoo.url is not Odoo
 * effect RPC_READ calls are retried (read_attempts, backoff) while the
 * fault is retryable; RPC_WRITE calls are sent exactly once. stat_model and
 * stat_method name the counter. Thread of the owner only. */
MUST_CHECK enum err_code rpc_call(struct rpc *r, const char *service,
				  const char *method, json_t *args_own,
				  enum rpc_effect effect,
				  const char *stat_model,
				  const char *stat_method, json_t **result,
				  struct rpc_fault *f, struct err *e);

/* RPC_READ for Odoo methods known to change nothing (read, search_read,
 * search, search_count, fields_get, check_access_rights, ...), RPC_WRITE
 * for every other name: an unknown method is assumed to write. */
enum rpc_effect rpc_method_effect(const char *method);

/* The counters so far; borrowed, valid until the next call. */
size_t rpc_stats(const struct rpc *r, const struct rpc_stat **out);

/* New TCP connections the curl transport opened so far. Reads share one
 * kept-alive connection; each write opens its own, because libcurl would
 * silently send a request again when a reused connection dies before the
 * answer, and a write must be sent once. */
uint64_t rpc_connections_opened(const struct rpc *r);

/* Stable lowercase name of a kind ("user", "concurrency"). */
const char *rpc_kind_name(enum rpc_kind k);

#endif
