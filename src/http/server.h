/* http/server: returnbridge's HTTP front (libmicrohttpd with a pool of
 * internal polling threads). Routes are a table of {method, path, handler}; a handler
 * sees the whole request body (capped) and fills a response. Handlers run
 * on HTTP threads: they may use the store, never the main loop's state. */
#ifndef HTTP_SERVER_H
#define HTTP_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"
#include "util/err.h"

struct http_server;
struct http_request;

#define HTTP_RESPONSE_HEADERS_MAX 4
/* A handler that sets this status gets no answer sent: the connection is
 * closed instead (test doubles use it to play a lost reply). */
#define HTTP_STATUS_DROP 0u

struct http_response {
	unsigned status;
	const char *content_type;  /* static string; default application/json */
	struct buf body;
	/* extra headers (http_response_header); zero-initialised */
	int nheaders;
	const char *header_names[HTTP_RESPONSE_HEADERS_MAX];   /* static strings */
	char header_values[HTTP_RESPONSE_HEADERS_MAX][128];
};

typedef void http_handler_fn(const struct http_request *req,
			     struct http_response *resp, void *arg);

struct http_route {
	const char *method;        /* "GET", "POST", ... */
	const char *path;          /* exact match; a path ending in "/" followed by a star matches everything below it */
	http_handler_fn *fn;
};

/* Request accessors; strings are borrowed for the handler's duration. */
const char *http_request_method(const struct http_request *req);
const char *http_request_path(const struct http_request *req);
const char *http_request_body(const struct http_request *req, size_t *len);
/* A header by name (case-insensitive), or NULL. */
const char *http_request_header(const struct http_request *req, const char *name);

/* Answer later, from another thread: a handler calls http_defer, keeps the
 * returned request (it stays valid, with its body, until answered), fills
 * http_deferred_response(req) and calls http_complete(req) exactly once.
 * The connection's thread is free meanwhile. */
struct http_request *http_defer(const struct http_request *req);
struct http_response *http_deferred_response(struct http_request *req);
void http_complete(struct http_request *req);
/* A query-string argument ("?page=2") by name, or NULL. */
const char *http_request_query(const struct http_request *req, const char *name);

/* Add a response header (name must be a static string; the value is
 * copied, truncated at 127 bytes). Past HTTP_RESPONSE_HEADERS_MAX it is
 * dropped. */
void http_response_header(struct http_response *resp, const char *name,
			  const char *value);

/* Append s as a JSON string literal (quoted, escaped). */
void http_json_string(struct buf *b, const char *s);

/* Set a JSON body {"error": code, "message": msg} with the status. */
void http_response_error(struct http_response *resp, unsigned status,
			 const char *code, const char *msg);

/* Bind address:port (port 0 = any free port) and start serving the routes
 * (the table must outlive the server) on `threads` threads; handlers may
 * block (e.g. for a commit) without stalling other threads' connections.
 * arg goes to every handler. Main thread only. */
MUST_CHECK enum err_code http_server_start(const char *address, unsigned port,
					   unsigned threads,
					   const struct http_route *routes,
					   size_t nroutes, size_t max_body,
					   void *arg, struct http_server **out,
					   struct err *e);

/* The port actually bound. */
unsigned http_server_port(const struct http_server *srv);

/* Change the body cap (reload); safe from any thread. */
void http_server_set_max_body(struct http_server *srv, size_t max_body);

/* Connections currently open. */
unsigned http_server_connections(struct http_server *srv);

/* Graceful stop: stop accepting, give open connections up to grace_ms to
 * finish, then close everything and free. NULL does nothing. Main thread. */
void http_server_stop(struct http_server *srv, int64_t grace_ms);

#endif
