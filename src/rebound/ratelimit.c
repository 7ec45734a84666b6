/* rebound/ratelimit: token bucket in integer micro-tokens. */
#include "rebound/ratelimit.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "util/clock.h"

#define MICRO 1000000LL

struct ratelimit {
	pthread_mutex_t lock;
	int64_t calls;          /* 0 = unlimited */
	int64_t window_ms;
	int64_t capacity;       /* burst, in micro-tokens */
	int64_t tokens;         /* micro-tokens available at `at` */
	int64_t refill_num;     /* micro-tokens gained per refill_den ms */
	int64_t refill_den;
	int64_t at;             /* clock of the last refill */
	int64_t paused_until;
	ratelimit_clock_fn *clock;
	ratelimit_sleep_fn *sleep;
	void *arg;
	int fd;                 /* shared state file (ratelimit_share), or -1 */
};

#define SHARE_MAGIC 0x72626c696d697431LL /* "rblimit1" */

/* The bucket as it sits in the shared file. */
struct shared {
	int64_t magic;
	int64_t tokens;
	int64_t at;
	int64_t paused_until;
};

/* Take the bucket: this process's threads (mutex), then every process
 * sharing the file (flock), whose latest state is then ours. */
static void enter(struct ratelimit *rl)
{
	struct shared sh;

	pthread_mutex_lock(&rl->lock);
	if (rl->fd < 0)
		return;
	if (flock(rl->fd, LOCK_EX) != 0)
		return; /* unshared for this call: still limited in-process */
	if (pread(rl->fd, &sh, sizeof(sh), 0) == (ssize_t)sizeof(sh) && sh.magic == SHARE_MAGIC) {
		rl->tokens = sh.tokens < rl->capacity ? sh.tokens : rl->capacity;
		rl->at = sh.at;
		rl->paused_until = sh.paused_until;
	}
}

static void leave(struct ratelimit *rl, int changed)
{
	struct shared sh = { SHARE_MAGIC, rl->tokens, rl->at, rl->paused_until };

	/* a failed write costs at most one burst: the next process then
	 * starts from the state before, or a full bucket */
	if (rl->fd >= 0) {
		if (changed && pwrite(rl->fd, &sh, sizeof(sh), 0) != (ssize_t)sizeof(sh))
			(void)ftruncate(rl->fd, 0);
		(void)flock(rl->fd, LOCK_UN);
	}
	pthread_mutex_unlock(&rl->lock);
}

static int64_t real_clock(void *arg)
{
	(void)arg;
	return clock_mono_ms();
}

static int real_sleep(int64_t ms, void *arg)
{
	struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };

	(void)arg;
	nanosleep(&ts, NULL);
	return 0;
}

enum err_code ratelimit_new(int64_t calls, int64_t window_ms, int64_t burst,
			    ratelimit_clock_fn *clock, ratelimit_sleep_fn *sleep,
			    void *arg, struct ratelimit **out, struct err *e)
{
	struct ratelimit *rl = calloc(1, sizeof(*rl));

	if (!rl)
		return err_set(e, ERR_NOMEM, "out of memory");
	pthread_mutex_init(&rl->lock, NULL);
	rl->clock = clock ? clock : real_clock;
	rl->sleep = sleep ? sleep : real_sleep;
	rl->arg = arg;
	rl->calls = calls > 0 ? calls : 0;
	rl->window_ms = window_ms > 0 ? window_ms : 60000;
	if (burst < 1)
		burst = 1;
	/* leave something to refill: burst == calls would never refill */
	if (rl->calls > 1 && burst > rl->calls - 1)
		burst = rl->calls - 1;
	if (burst > rl->calls)
		burst = rl->calls;
	rl->capacity = burst * MICRO;
	/* B + rate * W == calls: the bucket can never admit more than
	 * `calls` in any window (a full bucket may have been spent just
	 * before the window opened, but then it refills only calls - B) */
	rl->refill_num = (rl->calls - burst) * MICRO;
	rl->refill_den = rl->window_ms;
	if (rl->calls <= 1) {
		/* one call per window (or unlimited): refill one per window */
		rl->refill_num = MICRO;
		rl->capacity = MICRO;
	}
	rl->tokens = rl->capacity;
	rl->at = rl->clock(rl->arg);
	rl->fd = -1;
	*out = rl;
	return ERR_OK;
}

enum err_code ratelimit_share(struct ratelimit *rl, const char *path,
			      struct err *e)
{
	char buf[128];
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

	if (fd < 0)
		return err_set(e, ERR_IO, "rate limit state %s: %s", path,
			       err_errno_str(errno, buf, sizeof(buf)));
	pthread_mutex_lock(&rl->lock);
	if (rl->fd >= 0)
		close(rl->fd);
	rl->fd = fd;
	pthread_mutex_unlock(&rl->lock);
	return ERR_OK;
}

void ratelimit_free(struct ratelimit *rl)
{
	if (!rl)
		return;
	if (rl->fd >= 0)
		close(rl->fd);
	pthread_mutex_destroy(&rl->lock);
	free(rl);
}

static void refill(struct ratelimit *rl, int64_t now)
{
	int64_t dt = now - rl->at;

	if (dt <= 0)
		return;
	rl->tokens += dt * rl->refill_num / rl->refill_den;
	if (rl->tokens > rl->capacity)
		rl->tokens = rl->capacity;
	rl->at = now;
}

/* Caller holds the lock. How long until one whole token is there. */
static int64_t wait_locked(struct ratelimit *rl, int64_t now)
{
	int64_t need, ms = 0;

	if (now < rl->paused_until)
		ms = rl->paused_until - now;
	if (rl->calls == 0)
		return ms;
	refill(rl, now);
	if (rl->tokens < MICRO) {
		need = MICRO - rl->tokens;
		/* round up so the token is really there when we wake */
		need = (need * rl->refill_den + rl->refill_num - 1) / rl->refill_num;
		if (need > ms)
			ms = need;
	}
	return ms;
}

int64_t ratelimit_wait_ms(struct ratelimit *rl)
{
	int64_t ms;

	enter(rl);
	ms = wait_locked(rl, rl->clock(rl->arg));
	leave(rl, 0);
	return ms;
}

enum err_code ratelimit_acquire(struct ratelimit *rl, struct err *e)
{
	int64_t ms;

	for (;;) {
		enter(rl);
		ms = wait_locked(rl, rl->clock(rl->arg));
		if (ms == 0) {
			if (rl->calls > 0)
				rl->tokens -= MICRO;
			leave(rl, 1);
			return ERR_OK;
		}
		leave(rl, 0);
		if (rl->sleep(ms, rl->arg) != 0)
			return err_set(e, ERR_BUSY, "interrupted while waiting for the Rebound rate limit");
	}
}

void ratelimit_pause(struct ratelimit *rl, int64_t ms)
{
	int64_t until;

	enter(rl);
	until = rl->clock(rl->arg) + ms;
	if (until > rl->paused_until)
		rl->paused_until = until;
	leave(rl, 1);
}

double ratelimit_per_minute(const struct ratelimit *rl)
{
	if (rl->calls == 0)
		return 0;
	return (double)rl->calls * 60000.0 / (double)rl->window_ms;
}
