/* http/server: libmicrohttpd glue — body accumulation with a cap, routing,
 * JSON responses, graceful stop. */
#define LOG_COMPONENT "http"
#include "http/server.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/clock.h"
#include "util/log.h"

struct http_server {
	struct MHD_Daemon *d;
	const struct http_route *routes;
	size_t nroutes;
	_Atomic size_t max_body;
	void *arg;
	unsigned port;
};

struct http_request {
	struct MHD_Connection *conn;
	const char *method;
	const char *path;
	struct buf body;
	int too_big;
	int deferred;              /* suspended until http_complete */
	_Atomic int completed;     /* http_complete ran: resp holds the answer */
	struct http_response resp;
	int64_t t0;
};

struct http_request *http_defer(const struct http_request *creq)
{
	struct http_request *req = (struct http_request *)creq;

	/* suspend now, before the work is handed on: a resume that came before
	 * the suspend would be lost and the connection would hang */
	req->deferred = 1;
	MHD_suspend_connection(req->conn);
	return req;
}

void http_complete(struct http_request *req)
{
	/* MHD_resume_connection is safe from any thread; the answer is sent by
	 * the connection's own thread when it calls on_request again */
	req->completed = 1;
	MHD_resume_connection(req->conn);
}

struct http_response *http_deferred_response(struct http_request *req)
{
	return &req->resp;
}

const char *http_request_method(const struct http_request *req)
{
	return req->method;
}

const char *http_request_path(const struct http_request *req)
{
	return req->path;
}

const char *http_request_body(const struct http_request *req, size_t *len)
{
	if (len)
		*len = req->body.len;
	return buf_str(&req->body);
}

const char *http_request_header(const struct http_request *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

const char *http_request_query(const struct http_request *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, name);
}

void http_response_header(struct http_response *resp, const char *name,
			  const char *value)
{
	if (resp->nheaders >= HTTP_RESPONSE_HEADERS_MAX)
		return;
	resp->header_names[resp->nheaders] = name;
	snprintf(resp->header_values[resp->nheaders], sizeof(resp->header_values[0]), "%s", value);
	resp->nheaders++;
}

void http_json_string(struct buf *b, const char *s)
{
	buf_addc(b, '"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			buf_addf(b, "\\%c", c);
		else if (c < 0x20)
			buf_addf(b, "\\u%04x", c);
		else
			buf_addc(b, (char)c);
	}
	buf_addc(b, '"');
}

void http_response_error(struct http_response *resp, unsigned status,
			 const char *code, const char *msg)
{
	resp->status = status;
	resp->content_type = "application/json";
	buf_reset(&resp->body);
	buf_adds(&resp->body, "{\"error\":");
	http_json_string(&resp->body, code);
	buf_adds(&resp->body, ",\"message\":");
	http_json_string(&resp->body, msg);
	buf_adds(&resp->body, "}\n");
}

static enum MHD_Result send_response(struct MHD_Connection *conn,
			    struct http_response *r)
{
	struct MHD_Response *mr;
	enum MHD_Result ret;
	int i;

	mr = MHD_create_response_from_buffer(r->body.len, (void *)buf_str(&r->body),
					     MHD_RESPMEM_MUST_COPY);
	if (!mr)
		return MHD_NO;
	MHD_add_response_header(mr, "Content-Type",
				r->content_type ? r->content_type : "application/json");
	MHD_add_response_header(mr, "Cache-Control", "no-store");
	for (i = 0; i < r->nheaders; i++)
		MHD_add_response_header(mr, r->header_names[i], r->header_values[i]);
	ret = MHD_queue_response(conn, r->status, mr);
	MHD_destroy_response(mr);
	return ret;
}

/* Exact, or a pattern ending in "/" and a star: anything below it. */
static int path_matches(const char *pattern, const char *path)
{
	size_t n = strlen(pattern);

	if (n >= 2 && pattern[n - 1] == '*' && pattern[n - 2] == '/')
		return strncmp(pattern, path, n - 1) == 0;
	return strcmp(pattern, path) == 0;
}

static void route(struct http_server *srv, struct http_request *req,
		  struct http_response *resp)
{
	size_t i;
	int path_known = 0;

	for (i = 0; i < srv->nroutes; i++) {
		if (!path_matches(srv->routes[i].path, req->path))
			continue;
		path_known = 1;
		if (strcmp(srv->routes[i].method, req->method) == 0) {
			srv->routes[i].fn(req, resp, srv->arg);
			return;
		}
	}
	if (path_known)
		http_response_error(resp, 405, "method_not_allowed", "this path does not accept that method");
	else
		http_response_error(resp, 404, "not_found", "no such endpoint");
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn,
				  const char *url, const char *method,
				  const char *version, const char *upload,
				  size_t *upload_size, void **con_cls)
{
	struct http_server *srv = cls;
	struct http_request *req = *con_cls;
	struct http_response resp = { .status = 200, .content_type = "application/json",
				      .body = BUF_INIT(4 * 1024 * 1024) };
	enum MHD_Result ret;
	int64_t t0;

	(void)version;
	if (!req) {
		req = calloc(1, sizeof(*req));
		if (!req)
			return MHD_NO;
		req->conn = conn;
		req->method = method;
		req->path = url;
		buf_init(&req->body, srv->max_body);
		*con_cls = req;
		return MHD_YES;
	}
	if (*upload_size) {
		/* keep reading (and discarding) past the cap, then answer 413 */
		if (!req->too_big) {
			buf_add(&req->body, upload, *upload_size);
			if (buf_failed(&req->body))
				req->too_big = 1;
		}
		*upload_size = 0;
		return MHD_YES;
	}
	if (req->completed) {
		if (req->resp.status == HTTP_STATUS_DROP)
			return MHD_NO;
		ret = send_response(conn, &req->resp);
		log_debug("%s %s -> %u (%lld ms, deferred)", method, url, req->resp.status,
			  (long long)(clock_mono_ms() - req->t0));
		return ret;
	}
	t0 = clock_mono_ms();
	req->t0 = t0;
	req->resp = resp;
	if (req->too_big)
		http_response_error(&resp, 413, "body_too_large", "request body exceeds server.max_body_bytes");
	else
		route(srv, req, &resp);
	if (req->deferred) {
		/* the handler kept req; it answers through http_complete */
		buf_release(&resp.body);
		return MHD_YES;
	}
	if (resp.status == HTTP_STATUS_DROP) {
		buf_release(&resp.body);
		return MHD_NO;   /* libmicrohttpd closes the connection */
	}
	if (buf_failed(&resp.body))
		http_response_error(&resp, 500, "internal", "response too large");
	ret = send_response(conn, &resp);
	log_debug("%s %s -> %u (%lld ms)", method, url, resp.status,
		  (long long)(clock_mono_ms() - t0));
	buf_release(&resp.body);
	return ret;
}

static void on_completed(void *cls, struct MHD_Connection *conn,
			 void **con_cls, enum MHD_RequestTerminationCode toe)
{
	struct http_request *req = *con_cls;

	(void)cls;
	(void)conn;
	(void)toe;
	if (!req)
		return;
	buf_release(&req->body);
	buf_release(&req->resp.body);
	free(req);
	*con_cls = NULL;
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];

	(void)cls;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	msg[strcspn(msg, "\n")] = '\0';
	log_warn("libmicrohttpd: %s", msg);
}

enum err_code http_server_start(const char *address, unsigned port,
				unsigned threads,
				const struct http_route *routes, size_t nroutes,
				size_t max_body, void *arg,
				struct http_server **out, struct err *e)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *v4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&ss;
	struct http_server *srv;
	const union MHD_DaemonInfo *info;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO |
			 MHD_USE_ITC | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;

	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, address, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons((uint16_t)port);
	} else if (inet_pton(AF_INET6, address, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons((uint16_t)port);
		flags |= MHD_USE_IPv6;
	} else {
		return err_set(e, ERR_CONFIG, "server.listen \"%s\" is not an IP address", address);
	}
	srv = calloc(1, sizeof(*srv));
	if (!srv)
		return err_set(e, ERR_NOMEM, "out of memory");
	srv->routes = routes;
	srv->nroutes = nroutes;
	srv->max_body = max_body;
	srv->arg = arg;
	srv->d = MHD_start_daemon(flags, (uint16_t)port, NULL, NULL, on_request, srv,
				  MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, srv,
				  MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
				  MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv,
				  MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30,
				  MHD_OPTION_THREAD_POOL_SIZE, threads > 1 ? threads : 0u,
				  MHD_OPTION_END);
	if (!srv->d) {
		free(srv);
		return err_set(e, ERR_IO, "cannot listen on %s:%u (is another process using the port? change server.port)", address, port);
	}
	info = MHD_get_daemon_info(srv->d, MHD_DAEMON_INFO_BIND_PORT);
	srv->port = info ? info->port : port;
	*out = srv;
	return ERR_OK;
}

unsigned http_server_port(const struct http_server *srv)
{
	return srv->port;
}

void http_server_set_max_body(struct http_server *srv, size_t max_body)
{
	srv->max_body = max_body;
}

unsigned http_server_connections(struct http_server *srv)
{
	const union MHD_DaemonInfo *info;

	info = MHD_get_daemon_info(srv->d, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
	return info ? info->num_connections : 0;
}

void http_server_stop(struct http_server *srv, int64_t grace_ms)
{
	MHD_socket fd;
	int64_t deadline;

	if (!srv)
		return;
	/* stop accepting first, so in-flight requests can finish */
	fd = MHD_quiesce_daemon(srv->d);
	if (fd != MHD_INVALID_SOCKET)
		close(fd);
	deadline = clock_mono_ms() + grace_ms;
	while (http_server_connections(srv) > 0 && clock_mono_ms() < deadline)
		usleep(20 * 1000);
	if (http_server_connections(srv) > 0)
		log_warn("closing %u connection(s) still open after %lld ms",
			 http_server_connections(srv), (long long)grace_ms);
	MHD_stop_daemon(srv->d);
	free(srv);
}
