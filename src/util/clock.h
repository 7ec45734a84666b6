/* clock: wall and monotonic time in milliseconds, and ISO-8601 formatting
 * through the re-entrant time functions. */
#ifndef UTIL_CLOCK_H
#define UTIL_CLOCK_H

#include <stddef.h>
#include <stdint.h>

/* Milliseconds since the Unix epoch (UTC). */
int64_t clock_now_ms(void);

/* Milliseconds from an arbitrary start; never goes backwards. */
int64_t clock_mono_ms(void);

/* Format ms-since-epoch as "2026-12-04T17:14:15.123Z" into out (at least
 * CLOCK_ISO_LEN bytes). Returns out. */
#define CLOCK_ISO_LEN 32
char *clock_iso(int64_t ms, char *out, size_t len);

#endif
