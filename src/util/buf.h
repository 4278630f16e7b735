/* buf.h - a growable string with a size cap (curl's dynbuf habit): text
 * built from untrusted input can never grow without bound. */
#ifndef PN_BUF_H
#define PN_BUF_H

#include <stdbool.h>
#include <stddef.h>

typedef struct pn_buf {
    char *data;
    size_t len, cap, max;
    bool failed; /* an append did not fit or memory ran out */
} pn_buf;

void pn__buf_init(pn_buf *b, size_t max);
void pn__buf_free(pn_buf *b);
void pn__buf_add(pn_buf *b, const char *s, size_t n);
void pn__buf_puts(pn_buf *b, const char *s);
void pn__buf_printf(pn_buf *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* Hands over the string (NUL-terminated, malloc'd), or NULL if failed. */
char *pn__buf_take(pn_buf *b);

#endif
