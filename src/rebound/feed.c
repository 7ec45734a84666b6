/* rebound/feed: the intake-backed feed. */
#include "rebound/feed.h"

static enum err_code submit_intake(void *arg, enum intake_kind kind,
				   const char *source, const char *body,
				   size_t len, struct intake_result *res,
				   struct err *e)
{
	return intake_submit(arg, kind, source, body, len, res, e);
}

struct feed feed_intake(struct store *st)
{
	struct feed f = { submit_intake, st };

	return f;
}

enum err_code feed_submit(const struct feed *f, enum intake_kind kind,
			  const char *source, const char *body, size_t len,
			  struct intake_result *res, struct err *e)
{
	return f->submit(f->arg, kind, source, body, len, res, e);
}
