/* date.h - calendar dates as day numbers (days since 1970-01-01, UTC).
 * Day numbers make durations plain subtraction; PN_NO_DATE marks absence. */
#ifndef PN_DATE_H
#define PN_DATE_H

#include <stdbool.h>
#include <stdint.h>

#define PN_NO_DATE INT32_MIN

/* Strict ISO 8601 calendar date "YYYY-MM-DD" (years 1800-2999), checked
 * against the real calendar (no 2025-02-29). */
bool pn__date_parse(const char *s, int32_t *days);
/* Writes "YYYY-MM-DD" and a NUL into out (11 bytes). */
void pn__date_format(int32_t days, char out[11]);
int32_t pn__date_from_ymd(int y, int m, int d);
void pn__date_to_ymd(int32_t days, int *y, int *m, int *d);
/* Same day of month `months` later, clamped to the month's last day. */
int32_t pn__date_add_months(int32_t days, int months);
/* Today in UTC, or the date in PARANEO_TODAY when set (tests, replays). */
int32_t pn__date_today(void);

#endif
