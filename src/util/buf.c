/* buf.c - see buf.h. */
#include "buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void pn__buf_init(pn_buf *b, size_t max)
{
    memset(b, 0, sizeof *b);
    b->max = max;
}

void pn__buf_free(pn_buf *b)
{
    free(b->data);
    memset(b, 0, sizeof *b);
}

static bool reserve(pn_buf *b, size_t extra)
{
    if (b->failed)
        return false;
    if (extra > b->max || b->len > b->max - extra) {
        b->failed = true;
        return false;
    }
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return true;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need)
        cap *= 2;
    char *d = realloc(b->data, cap);
    if (!d) {
        b->failed = true;
        return false;
    }
    b->data = d;
    b->cap = cap;
    return true;
}

void pn__buf_add(pn_buf *b, const char *s, size_t n)
{
    if (!reserve(b, n))
        return;
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void pn__buf_puts(pn_buf *b, const char *s)
{
    pn__buf_add(b, s, strlen(s));
}

void pn__buf_printf(pn_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n >= 0 && reserve(b, (size_t)n)) {
        vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap2);
        b->len += (size_t)n;
    }
    va_end(ap2);
}

char *pn__buf_take(pn_buf *b)
{
    if (b->failed) {
        pn__buf_free(b);
        return NULL;
    }
    if (!b->data && !reserve(b, 0))
        return NULL;
    if (!b->data) {
        b->data = calloc(1, 1);
    }
    char *d = b->data;
    memset(b, 0, sizeof *b);
    return d;
}
