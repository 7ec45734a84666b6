/* rebound-emu: the notification sender. Delivers queued Tracking Updates
 * and Refund Triggers to <notify.url>/rebound/tracking and
 * /rebound/refund-trigger, authenticated exactly as
 * docs/rebound-notifications.md says, and retries on anything but 2xx
 * (doubling retry_delay_ms) up to max_attempts, like a real sender. */
#include "emu.h"

#include <curl/curl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/buf.h"
#include "util/clock.h"

static size_t discard(char *p, size_t size, size_t n, void *arg)
{
	(void)p;
	(void)arg;
	return size * n;
}

/* HMAC-SHA256 of msg, as lowercase hex or standard base64, into out. */
static int sign(const char *secret, const char *msg, size_t len, const char *encoding,
		char *out, size_t outlen)
{
	unsigned char mac[EVP_MAX_MD_SIZE];
	size_t maclen = 0, i;

	if (!EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, secret, strlen(secret),
		       (const unsigned char *)msg, len, mac, sizeof(mac), &maclen))
		return -1;
	if (strcmp(encoding, "base64") == 0) {
		if (outlen < 4 * ((maclen + 2) / 3) + 1)
			return -1;
		EVP_EncodeBlock((unsigned char *)out, mac, (int)maclen);
		return 0;
	}
	if (outlen < 2 * maclen + 1)
		return -1;
	for (i = 0; i < maclen; i++)
		snprintf(out + 2 * i, 3, "%02x", mac[i]);
	return 0;
}

/* The headers of one delivery, per the configured scheme. */
static struct curl_slist *auth_headers(const struct emu_notify_cfg *n, const char *body,
				       CURL *c)
{
	struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
	struct buf line = BUF_INIT(4096), msg = BUF_INIT(16 * 1024 * 1024);
	char sig[128], ts[32];

	if (strcmp(n->auth, "token") == 0) {
		buf_addf(&line, "%s: %s", n->token_header, n->token);
		h = curl_slist_append(h, buf_str(&line));
	} else if (strcmp(n->auth, "basic") == 0) {
		curl_easy_setopt(c, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
		curl_easy_setopt(c, CURLOPT_USERNAME, n->basic_user);
		curl_easy_setopt(c, CURLOPT_PASSWORD, n->basic_password);
	} else if (strcmp(n->auth, "hmac") == 0) {
		if (n->timestamp_header[0]) {
			snprintf(ts, sizeof(ts), "%lld", (long long)(time(NULL) + n->timestamp_skew_s));
			buf_addf(&msg, "%s.", ts);
			buf_addf(&line, "%s: %s", n->timestamp_header, ts);
			h = curl_slist_append(h, buf_str(&line));
			buf_reset(&line);
		}
		buf_adds(&msg, body);
		if (sign(n->secret, buf_str(&msg), msg.len, n->hmac_encoding, sig, sizeof(sig)) == 0) {
			buf_addf(&line, "%s: %s%s", n->hmac_header, n->hmac_prefix, sig);
			h = curl_slist_append(h, buf_str(&line));
		}
	}
	buf_release(&line);
	buf_release(&msg);
	return h;
}

static long deliver(const struct emu_notify_cfg *n, const char *kind, const char *body)
{
	CURL *c = curl_easy_init();
	struct curl_slist *h;
	char url[600];
	long status = 0;

	if (!c)
		return 0;
	snprintf(url, sizeof(url), "%s/rebound/%s", n->url,
		 strcmp(kind, "tracking") == 0 ? "tracking" : "refund-trigger");
	h = auth_headers(n, body, c);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 5000L);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(body));
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
	if (curl_easy_perform(c) == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	return status;
}

/* Take the first due delivery (copying what we need), or return -1. */
static long next_due(struct emu *m, char kind[16], char **body)
{
	int64_t now = clock_mono_ms();
	size_t i;

	for (i = 0; i < m->ndeliveries; i++) {
		struct emu_delivery *d = &m->deliveries[i];

		if (d->done || d->gave_up || d->due_ms > now)
			continue;
		snprintf(kind, 16, "%s", d->kind);
		*body = strdup(d->body);
		return *body ? (long)i : -1;
	}
	return -1;
}

void *emu_sender_main(void *arg)
{
	struct emu *m = arg;
	struct emu_notify_cfg n;
	struct timespec ts = { 0, 20 * 1000000L };
	char kind[16];
	char *body = NULL;
	long idx, status;
	struct emu_delivery *d;

	while (!m->stop) {
		pthread_mutex_lock(&m->lock);
		emu_tick_locked(m);
		idx = next_due(m, kind, &body);
		n = m->notify;
		pthread_mutex_unlock(&m->lock);
		if (idx < 0) {
			nanosleep(&ts, NULL);
			continue;
		}
		status = deliver(&n, kind, body);
		free(body);
		body = NULL;
		pthread_mutex_lock(&m->lock);
		d = &m->deliveries[idx];
		d->attempts++;
		d->last_status = (int)status;
		if (status >= 200 && status < 300)
			d->done = 1;
		else if (d->attempts >= n.max_attempts)
			d->gave_up = 1;
		else
			d->due_ms = clock_mono_ms() + (n.retry_delay_ms << (d->attempts - 1));
		pthread_mutex_unlock(&m->lock);
	}
	return NULL;
}
