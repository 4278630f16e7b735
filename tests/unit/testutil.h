/* testutil.h - shared helpers for the cmocka unit tests. */
#ifndef PN_TESTUTIL_H
#define PN_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "paraneo.h"

#ifndef PN_TOP
#define PN_TOP "."
#endif
#define FIXTURE_KB PN_TOP "/tests/fixtures/kb-min"
#define REAL_KB PN_TOP "/kb"

/* Reads a whole file into a NUL-terminated buffer (test data only). */
static inline char *tu_read(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    if (buf) {
        buf[n] = '\0';
        if (len)
            *len = (size_t)n;
    }
    return buf;
}

/* Returns a copy of s with the first occurrence of from replaced by to. */
static inline char *tu_replace(const char *s, const char *from, const char *to)
{
    const char *p = strstr(s, from);
    if (!p)
        return NULL;
    size_t a = (size_t)(p - s), fl = strlen(from), tl = strlen(to), sl = strlen(s);
    char *out = malloc(sl - fl + tl + 1);
    memcpy(out, s, a);
    memcpy(out + a, to, tl);
    memcpy(out + a + tl, p + fl, sl - a - fl + 1);
    return out;
}

#endif
