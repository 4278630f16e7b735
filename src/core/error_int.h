/* error_int.h - filling a caller's pn_error. */
#ifndef PN_ERROR_INT_H
#define PN_ERROR_INT_H

#include "paraneo.h"

#if defined(__GNUC__)
#define PN_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define PN_PRINTF(a, b)
#endif

/* Records the problem in err (when err is not NULL) and returns status. */
pn_status pn__error_set(pn_error *err, pn_status status, const char *file, const char *path,
                        const char *fmt, ...) PN_PRINTF(5, 6);

#endif
