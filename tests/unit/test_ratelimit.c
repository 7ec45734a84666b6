/* Unit tests for rebound/ratelimit on a fake clock: no window of W ever
 * holds more than N calls, whatever the burst; unlimited never waits; a
 * 429 pause holds everyone back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>
#include <cmocka.h>

#include "rebound/ratelimit.h"

struct fake {
	int64_t now;
	int64_t slept;
};

static int64_t fake_clock(void *arg)
{
	return ((struct fake *)arg)->now;
}

static int fake_sleep(int64_t ms, void *arg)
{
	struct fake *f = arg;

	f->now += ms;
	f->slept += ms;
	return 0;
}

/* Take n calls back to back; the most that fell in any window_ms. */
static int64_t max_in_window(int64_t calls, int64_t window_ms, int64_t burst, int n,
			     int64_t *elapsed)
{
	struct fake f = { 1000, 0 };
	struct ratelimit *rl = NULL;
	struct err e = ERR_INIT;
	int64_t *t = calloc((size_t)n, sizeof(*t)), max = 0;
	int i, j = 0;

	assert_non_null(t);
	assert_int_equal(ratelimit_new(calls, window_ms, burst, fake_clock, fake_sleep, &f, &rl, &e), ERR_OK);
	for (i = 0; i < n; i++) {
		assert_int_equal(ratelimit_acquire(rl, &e), ERR_OK);
		t[i] = f.now;
		while (t[j] <= t[i] - window_ms)
			j++;
		if (i - j + 1 > max)
			max = i - j + 1;
	}
	*elapsed = f.now - 1000;
	ratelimit_free(rl);
	free(t);
	return max;
}

static void test_ratelimit__never_more_than_the_limit_in_any_window(void **state)
{
	int64_t elapsed;

	(void)state;
	assert_true(max_in_window(150, 60000, 5, 1000, &elapsed) <= 150);
	/* and it is not needlessly slow: 1000 calls at ~145/min */
	assert_true(elapsed <= 1000 * 60000 / 140);
	assert_true(max_in_window(150, 60000, 149, 1000, &elapsed) <= 150);
	assert_true(max_in_window(150, 60000, 1000, 600, &elapsed) <= 150); /* burst clamped */
	assert_true(max_in_window(10, 1000, 1, 200, &elapsed) <= 10);
	assert_true(max_in_window(2, 1000, 5, 50, &elapsed) <= 2);
}

static void test_ratelimit__burst_goes_at_once(void **state)
{
	struct fake f = { 0, 0 };
	struct ratelimit *rl = NULL;
	struct err e = ERR_INIT;
	int i;

	(void)state;
	assert_int_equal(ratelimit_new(150, 60000, 5, fake_clock, fake_sleep, &f, &rl, &e), ERR_OK);
	for (i = 0; i < 5; i++)
		assert_int_equal(ratelimit_acquire(rl, &e), ERR_OK);
	assert_int_equal(f.slept, 0);
	assert_true(ratelimit_wait_ms(rl) > 0);
	ratelimit_free(rl);
}

static void test_ratelimit__zero_means_no_limit(void **state)
{
	struct fake f = { 0, 0 };
	struct ratelimit *rl = NULL;
	struct err e = ERR_INIT;
	int i;

	(void)state;
	assert_int_equal(ratelimit_new(0, 60000, 5, fake_clock, fake_sleep, &f, &rl, &e), ERR_OK);
	for (i = 0; i < 100000; i++)
		assert_int_equal(ratelimit_acquire(rl, &e), ERR_OK);
	assert_int_equal(f.slept, 0);
	assert_true(ratelimit_per_minute(rl) == 0);
	ratelimit_free(rl);
}

static void test_ratelimit__pause_holds_back_for_retry_after(void **state)
{
	struct fake f = { 0, 0 };
	struct ratelimit *rl = NULL;
	struct err e = ERR_INIT;

	(void)state;
	assert_int_equal(ratelimit_new(0, 60000, 5, fake_clock, fake_sleep, &f, &rl, &e), ERR_OK);
	ratelimit_pause(rl, 2000);
	assert_int_equal(ratelimit_wait_ms(rl), 2000);
	assert_int_equal(ratelimit_acquire(rl, &e), ERR_OK);
	assert_int_equal(f.now, 2000);
	ratelimit_free(rl);
}

static void test_ratelimit__processes_sharing_a_file_share_one_limit(void **state)
{
	struct fake f = { 1000, 0 };
	struct ratelimit *a = NULL, *b = NULL;
	struct err e = ERR_INIT;
	char path[] = "/tmp/rbrlXXXXXX";
	int64_t t[400], max = 0;
	int fd = mkstemp(path), i, j = 0;

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	/* two buckets, as two processes would have, taking turns */
	assert_int_equal(ratelimit_new(150, 60000, 5, fake_clock, fake_sleep, &f, &a, &e), ERR_OK);
	assert_int_equal(ratelimit_new(150, 60000, 5, fake_clock, fake_sleep, &f, &b, &e), ERR_OK);
	assert_int_equal(ratelimit_share(a, path, &e), ERR_OK);
	assert_int_equal(ratelimit_share(b, path, &e), ERR_OK);
	for (i = 0; i < 400; i++) {
		assert_int_equal(ratelimit_acquire(i % 2 ? a : b, &e), ERR_OK);
		t[i] = f.now;
		while (t[j] <= t[i] - 60000)
			j++;
		if (i - j + 1 > max)
			max = i - j + 1;
	}
	assert_true(max <= 150);
	/* a 429 seen by one holds the other back */
	ratelimit_pause(a, 5000);
	assert_true(ratelimit_wait_ms(b) >= 5000);
	ratelimit_free(a);
	ratelimit_free(b);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ratelimit__never_more_than_the_limit_in_any_window),
		cmocka_unit_test(test_ratelimit__burst_goes_at_once),
		cmocka_unit_test(test_ratelimit__zero_means_no_limit),
		cmocka_unit_test(test_ratelimit__pause_holds_back_for_retry_after),
		cmocka_unit_test(test_ratelimit__processes_sharing_a_file_share_one_limit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
