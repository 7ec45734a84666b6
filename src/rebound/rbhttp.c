/* rebound/rbhttp: libcurl calls with rate limit, retries and backoff. */
#define LOG_COMPONENT "rebound"
#include "rebound/rbhttp.h"

#include <ctype.h>
#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "util/clock.h"
#include "util/log.h"
#include "util/parse.h"

#define BODY_CAP (16u * 1024 * 1024)

struct rbhttp {
	struct rbhttp_opts o;
	CURL *curl;
	struct rbhttp_stats stats;
};

void rbhttp_global_init(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

enum err_code rbhttp_new(const struct rbhttp_opts *o, struct rbhttp **out,
			 struct err *e)
{
	struct rbhttp *h = calloc(1, sizeof(*h));

	if (!h)
		return err_set(e, ERR_NOMEM, "out of memory");
	h->o = *o;
	if (h->o.max_attempts < 1)
		h->o.max_attempts = 1;
	if (h->o.backoff_base_ms < 1)
		h->o.backoff_base_ms = 1;
	h->curl = curl_easy_init();
	if (!h->curl) {
		free(h);
		return err_set(e, ERR_NOMEM, "cannot create a curl handle");
	}
	*out = h;
	return ERR_OK;
}

void rbhttp_free(struct rbhttp *h)
{
	if (!h)
		return;
	curl_easy_cleanup(h->curl);
	free(h);
}

void rbhttp_resp_init(struct rbhttp_resp *r)
{
	r->status = 0;
	buf_init(&r->body, BODY_CAP);
	r->attempts = 0;
}

void rbhttp_resp_release(struct rbhttp_resp *r)
{
	buf_release(&r->body);
}

const struct rbhttp_stats *rbhttp_stats_get(const struct rbhttp *h)
{
	return &h->stats;
}

int rbhttp_sleep(struct rbhttp *h, int64_t ms)
{
	int64_t end = clock_mono_ms() + ms, left;
	struct timespec ts;

	for (;;) {
		if (h->o.stop && *h->o.stop)
			return 1;
		left = end - clock_mono_ms();
		if (left <= 0)
			return 0;
		if (left > 100)
			left = 100;
		ts.tv_sec = 0;
		ts.tv_nsec = (long)left * 1000000L;
		nanosleep(&ts, NULL);
	}
}

void rbhttp_urlencode(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
			buf_addc(b, (char)c);
		} else {
			buf_addc(b, '%');
			buf_addc(b, hex[c >> 4]);
			buf_addc(b, hex[c & 15]);
		}
	}
}

static size_t on_body(char *p, size_t size, size_t n, void *arg)
{
	struct buf *b = arg;

	buf_add(b, p, size * n);
	return buf_failed(b) ? 0 : size * n;
}

struct hdr_state {
	int64_t retry_after_ms;   /* -1: none */
};

static size_t on_header(char *p, size_t size, size_t n, void *arg)
{
	struct hdr_state *hs = arg;
	size_t len = size * n;
	char v[64];
	int64_t secs;

	if (len > 12 && strncasecmp(p, "Retry-After:", 12) == 0) {
		snprintf(v, sizeof(v), "%.*s", (int)(len - 12), p + 12);
		v[strcspn(v, "\r\n")] = '\0';
		/* delta-seconds only; an HTTP date falls back to our backoff */
		if (parse_int64(v, 0, 86400, &secs, NULL) == ERR_OK)
			hs->retry_after_ms = secs * 1000;
	}
	return len;
}

/* One attempt. ERR_OK means an HTTP answer came back (any status). */
static enum err_code attempt(struct rbhttp *h, const char *method,
			     const char *url, struct curl_slist *hl,
			     const char *body, size_t len,
			     struct rbhttp_resp *r, struct hdr_state *hs,
			     struct err *e)
{
	CURLcode cc;

	curl_easy_reset(h->curl);
	buf_reset(&r->body);
	hs->retry_after_ms = -1;
	curl_easy_setopt(h->curl, CURLOPT_URL, url);
	curl_easy_setopt(h->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h->curl, CURLOPT_TIMEOUT_MS, (long)h->o.timeout_ms);
	curl_easy_setopt(h->curl, CURLOPT_CONNECTTIMEOUT_MS, (long)h->o.timeout_ms);
	curl_easy_setopt(h->curl, CURLOPT_USERAGENT, "returnbridge");
	curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(h->curl, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h->curl, CURLOPT_WRITEDATA, &r->body);
	curl_easy_setopt(h->curl, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h->curl, CURLOPT_HEADERDATA, hs);
	if (strcmp(method, "POST") == 0) {
		curl_easy_setopt(h->curl, CURLOPT_POST, 1L);
		curl_easy_setopt(h->curl, CURLOPT_POSTFIELDS, body ? body : "");
		curl_easy_setopt(h->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(body ? len : 0));
	}
	h->stats.calls++;
	r->attempts++;
	cc = curl_easy_perform(h->curl);
	if (cc != CURLE_OK)
		return err_set(e, ERR_IO, "%s %s: %s", method, url, curl_easy_strerror(cc));
	curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, &r->status);
	return ERR_OK;
}

static int64_t backoff_ms(const struct rbhttp *h, int attempt_no)
{
	int64_t ms = h->o.backoff_base_ms;
	int i;

	for (i = 1; i < attempt_no && ms < h->o.backoff_max_ms; i++)
		ms *= 2;
	return ms < h->o.backoff_max_ms ? ms : h->o.backoff_max_ms;
}

enum err_code rbhttp_call(struct rbhttp *h, const char *method, const char *url,
			  const char *const *headers, const char *body,
			  size_t len, struct rbhttp_resp *r, struct err *e)
{
	struct curl_slist *hl = NULL, *tmp;
	struct hdr_state hs;
	struct err ae = ERR_INIT;
	enum err_code rc = ERR_OK;
	int64_t wait;
	int i;

	for (i = 0; headers && headers[i]; i++) {
		tmp = curl_slist_append(hl, headers[i]);
		if (!tmp) {
			rc = err_set(e, ERR_NOMEM, "out of memory");
			goto out;
		}
		hl = tmp;
	}
	r->attempts = 0;
	for (i = 1; i <= h->o.max_attempts; i++) {
		/* without a rate limit nothing else would notice a stop */
		if (h->o.stop && *h->o.stop) {
			rc = err_set(e, ERR_BUSY, "stopped before calling %s", url);
			goto out;
		}
		if (h->o.rl && ratelimit_acquire(h->o.rl, e) != ERR_OK) {
			rc = ERR_BUSY;
			goto out;
		}
		err_clear(&ae);
		rc = attempt(h, method, url, hl, body, len, r, &hs, &ae);
		if (rc == ERR_OK && r->status != 429 && r->status < 500)
			goto out;
		wait = backoff_ms(h, i);
		if (rc == ERR_OK && r->status == 429) {
			h->stats.throttled++;
			if (hs.retry_after_ms >= 0)
				wait = hs.retry_after_ms;
			/* everyone sharing the limit holds back, not just us */
			if (h->o.rl)
				ratelimit_pause(h->o.rl, wait);
			snprintf(ae.msg, sizeof(ae.msg), "%s %s: 429 Too Many Requests", method, url);
		} else if (rc == ERR_OK) {
			snprintf(ae.msg, sizeof(ae.msg), "%s %s: HTTP %ld", method, url, r->status);
		}
		if (i == h->o.max_attempts)
			break;
		log_warn("rebound call failed (attempt %d of %d), retrying in %lld ms: %s",
			 i, h->o.max_attempts, (long long)wait, ae.msg);
		h->stats.retries++;
		h->stats.waited_ms += wait;
		if (rbhttp_sleep(h, wait) != 0) {
			rc = err_set(e, ERR_BUSY, "stopped while retrying %s", url);
			goto out;
		}
	}
	rc = err_set(e, ERR_IO, "%s (gave up after %d attempts)", ae.msg, h->o.max_attempts);
out:
	curl_slist_free_all(hl);
	return rc;
}
