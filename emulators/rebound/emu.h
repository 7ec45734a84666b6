/* rebound-emu: a test double of Rebound (legacy API, platform API,
 * notifications) driven by a JSON scenario. Not part of the product.
 * One struct emu, shared by the HTTP thread, the timeline thread and the
 * notification sender; everything in it is guarded by emu->lock. */
#ifndef EMU_REBOUND_EMU_H
#define EMU_REBOUND_EMU_H

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "http/server.h"
#include "util/err.h"

struct emu_return {
	char id[64];               /* legacy id */
	char rebound_order_id[64]; /* platform / notification id, (00)… */
	char order_ref[128];
	char tracking[128];
	char location[64];
	int64_t visible_at_ms;     /* emulator clock */
	json_t *obj;               /* the legacy return object (owned) */
	json_t *track;             /* track[] events so far (owned) */
};

enum emu_notify_kind { EMU_NOTIFY_NONE = 0, EMU_NOTIFY_TRACKING = 1, EMU_NOTIFY_REFUND = 2 };

struct emu_event {
	int64_t at_ms;
	int ret;                   /* index into returns */
	char status[128];
	json_t *grade;             /* {"SKU": "disposition"} or NULL (owned) */
	json_t *where;             /* track location object or NULL (owned) */
	unsigned notify;           /* EMU_NOTIFY_* bits */
	int duplicate, malformed;
	int64_t delay_ms;          /* delivery delay: out-of-order on purpose */
	int applied;
};

enum emu_fault_type { FAULT_STATUS, FAULT_TIMEOUT, FAULT_MALFORMED, FAULT_EXPIRE_TOKEN };

struct emu_fault {
	char call[64];             /* "returns/get", "token", "return-orders", "*" */
	int64_t nth, count;
	enum emu_fault_type type;
	int status, retry_after_s;
	int64_t delay_ms;
	char body[256];
};

struct emu_notify_cfg {
	char url[512];             /* base: …/rebound/tracking and …/rebound/refund-trigger */
	char auth[16];             /* none, token, basic, hmac */
	char token_header[64], token[256];
	char basic_user[128], basic_password[128];
	char hmac_header[64], hmac_encoding[16], hmac_prefix[32], timestamp_header[64];
	char secret[256];
	int64_t timestamp_skew_s;  /* sign with a clock this far off (stale tests) */
	int max_attempts;
	int64_t retry_delay_ms;
};

struct emu_call {
	int64_t t_ms;              /* real ms since start */
	char call[32];
	int status;
};

struct emu_delivery {
	char kind[16];             /* "tracking", "refund_trigger" */
	char *body;
	int64_t due_ms;            /* real, monotonic */
	int attempts;
	int last_status;           /* 0 = no answer */
	int done, gave_up;
	char ret_id[64];
	char status[128];
};

struct emu {
	pthread_mutex_t lock;
	int64_t start_mono_ms;
	int64_t offset_ms;         /* /_emu/advance moves the scenario clock */
	/* scenario */
	char login[128], api_key[256];
	char client_id[128], client_secret[256];
	int64_t token_ttl_s;
	char cancelled_status[64];
	struct emu_return *returns;
	size_t nreturns;
	struct emu_event *events;
	size_t nevents;
	struct emu_fault *faults;
	size_t nfaults;
	struct emu_notify_cfg notify;
	/* live state */
	json_t *tokens;            /* {token: expires_at_real_ms} */
	json_t *pushes;            /* tracking/add_status requests seen */
	json_t *call_counts;       /* {call: n} for fault matching */
	struct emu_call *calls;
	size_t ncalls, calls_alloc;
	struct emu_delivery *deliveries;
	size_t ndeliveries, deliveries_alloc;
	_Atomic int stop;
	int64_t seq;
};

/* Load a scenario file into a fresh emu. ERR_CONFIG with the reason. */
MUST_CHECK enum err_code emu_load(const char *path, struct emu **out, struct err *e);
void emu_free(struct emu *m);

/* Scenario clock (ms since start, advanced by /_emu/advance). */
int64_t emu_now(struct emu *m);
/* Real ms since start (for call statistics). */
int64_t emu_real_ms(struct emu *m);

/* Apply due timeline events; queue their notifications. Lock held. */
void emu_tick_locked(struct emu *m);

/* Count a call by name and return the fault to inject, or NULL. Records
 * the call for statistics. Lock held. */
const struct emu_fault *emu_count_call_locked(struct emu *m, const char *call);
/* Set the HTTP status of the last recorded call. Lock held. */
void emu_last_status_locked(struct emu *m, int status);

/* Queue a notification (body owned by the queue). Lock held. */
void emu_queue_locked(struct emu *m, const char *kind, char *body_own,
		      int64_t delay_ms, const char *ret_id, const char *status);

/* Notification bodies for return r (malloc'd JSON text). */
char *emu_tracking_body(const struct emu_return *r, const char *status);
char *emu_refund_body(const struct emu_return *r);
/* The platform view of a return (new reference). */
json_t *emu_return_order(const struct emu_return *r);
/* The legacy view (new reference): emulator-only keys removed. */
json_t *emu_legacy_view(const struct emu_return *r);

/* The route table. */
const struct http_route *emu_routes(size_t *n);

/* The sender thread. */
void *emu_sender_main(void *arg);

/* Stats as JSON (new reference); window_s for the sliding maximum. */
json_t *emu_stats_locked(struct emu *m, int64_t window_s);

#endif
