/* jsondump.c - see jsondump.h.  The layout rules (indent, separators,
 * real formatting) follow jansson 2.14's dump.c and strconv.c. */
#include "util/jsondump.h"

#include "util/buf.h"
#include "util/utf8.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define INDENT_OF(f) ((f)&0x1F)
#define PRECISION_OF(f) (((f) >> 11) & 0x1F)

/* Appends run through pn_buf; the common case (room left) is inlined here
 * because a report is thousands of small appends. */
typedef pn_buf out;

static inline void put(out *o, const char *s, size_t n)
{
    if (o->cap - o->len > n) {
        memcpy(o->data + o->len, s, n);
        o->len += n;
    } else {
        pn__buf_add(o, s, n);
    }
}

static inline void put_c(out *o, char c)
{
    if (o->cap - o->len > 1)
        o->data[o->len++] = c;
    else
        pn__buf_add(o, &c, 1);
}

static void put_indent(out *o, size_t flags, int depth, bool space)
{
    static const char spaces[] = "                                "; /* 32 */
    unsigned width = INDENT_OF(flags);
    if (width > 0) {
        put_c(o, '\n');
        for (size_t n = (size_t)depth * width; n > 0;) {
            size_t k = n < sizeof spaces - 1 ? n : sizeof spaces - 1;
            put(o, spaces, k);
            n -= k;
        }
    } else if (space && !(flags & JSON_COMPACT)) {
        put_c(o, ' ');
    }
}

/* False on invalid UTF-8, with the output where jansson leaves it (the
 * opening quote and the text up to the last escape). */
static bool put_string(out *o, const char *str, size_t len)
{
    static const char hex[] = "0123456789ABCDEF";
    const unsigned char *s = (const unsigned char *)str, *end = s + len, *run = s;
    put_c(o, '"');
    while (s < end) {
        /* a plain run: printable ASCII other than '"' and '\\' */
        while (s < end && *s >= 0x20 && *s < 0x80 && *s != '"' && *s != '\\')
            s++;
        if (s == end)
            break;
        unsigned char c = *s;
        if (c >= 0x80) {
            size_t n = pn__utf8_seq(s, (size_t)(end - s));
            if (n == 0)
                return false;
            s += n;
            continue;
        }
        put(o, (const char *)run, (size_t)(s - run));
        char esc[6] = {'\\', 0};
        size_t n = 2;
        switch (c) {
        case '"': esc[1] = '"'; break;
        case '\\': esc[1] = '\\'; break;
        case '\b': esc[1] = 'b'; break;
        case '\f': esc[1] = 'f'; break;
        case '\n': esc[1] = 'n'; break;
        case '\r': esc[1] = 'r'; break;
        case '\t': esc[1] = 't'; break;
        default:
            esc[1] = 'u';
            esc[2] = '0';
            esc[3] = '0';
            esc[4] = hex[c >> 4];
            esc[5] = hex[c & 0xF];
            n = 6;
        }
        put(o, esc, n);
        run = ++s;
    }
    put(o, (const char *)run, (size_t)(s - run));
    put_c(o, '"');
    return true;
}

static void put_integer(out *o, json_int_t v)
{
    char buf[24], *p = buf + sizeof buf;
    /* in unsigned arithmetic so that the most negative value works */
    unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        *--p = '-';
    put(o, p, (size_t)(buf + sizeof buf - p));
}

/* jansson's jsonp_dtostr: %.*g, a '.' for the locale's decimal point, ".0"
 * when neither '.' nor 'e' shows, no '+' or leading zeros in the exponent. */
static void put_real(out *o, double v, size_t flags)
{
    char buf[100];
    int precision = (int)PRECISION_OF(flags);
    if (precision == 0)
        precision = 17;
    int n = snprintf(buf, sizeof buf, "%.*g", precision, v);
    if (n < 0 || (size_t)n >= sizeof buf) {
        o->failed = true;
        return;
    }
    size_t length = (size_t)n;
    bool dot_or_e = false;
    for (size_t i = 0; i < length; i++) {
        if (buf[i] == '.' || buf[i] == 'e') {
            dot_or_e = true;
        } else if (buf[i] == ',') {
            buf[i] = '.'; /* a locale's decimal comma */
            dot_or_e = true;
        }
    }
    if (!dot_or_e) {
        if (length + 3 >= sizeof buf) {
            o->failed = true;
            return;
        }
        buf[length++] = '.';
        buf[length++] = '0';
        buf[length] = '\0';
    }
    char *start = strchr(buf, 'e');
    if (start) {
        start++;
        char *endp = start + 1;
        if (*start == '-')
            start++;
        while (*endp == '0')
            endp++;
        if (endp != start) {
            memmove(start, endp, length - (size_t)(endp - buf));
            length -= (size_t)(endp - start);
        }
    }
    put(o, buf, length);
}

typedef struct member {
    const char *key;
    size_t len;
    json_t *value;
} member;

/* jansson's order for JSON_SORT_KEYS: bytes, then the shorter first */
static int by_key(const void *a, const void *b)
{
    const member *x = a, *y = b;
    int c = memcmp(x->key, y->key, x->len < y->len ? x->len : y->len);
    return c ? c : (x->len > y->len) - (x->len < y->len);
}

static void dump(out *o, const json_t *v, size_t flags, int depth);

static void dump_member(out *o, const char *key, size_t len, const json_t *value, bool last,
                        size_t flags, int depth)
{
    /* jansson goes on after a key with invalid UTF-8 (keys set with
     * json_object_set_nocheck); so does this, to match */
    (void)put_string(o, key, len);
    put(o, ": ", (flags & JSON_COMPACT) ? 1 : 2);
    dump(o, value, flags, depth + 1);
    if (!last) {
        put_c(o, ',');
        put_indent(o, flags, depth + 1, true);
    } else {
        put_indent(o, flags, depth, false);
    }
}

static void dump_sorted(out *o, const json_t *v, size_t flags, int depth)
{
    size_t n = json_object_size(v), i = 0;
    member *m = malloc(n * sizeof *m);
    if (!m) {
        o->failed = true;
        return;
    }
    for (void *it = json_object_iter((json_t *)v); it && i < n;
         it = json_object_iter_next((json_t *)v, it), i++)
        m[i] = (member){json_object_iter_key(it), json_object_iter_key_len(it),
                        json_object_iter_value(it)};
    qsort(m, i, sizeof *m, by_key);
    for (size_t k = 0; k < i && !o->failed; k++)
        dump_member(o, m[k].key, m[k].len, m[k].value, k + 1 == i, flags, depth);
    free(m);
}

static void dump(out *o, const json_t *v, size_t flags, int depth)
{
    if (o->failed)
        return;
    switch (json_typeof(v)) {
    case JSON_NULL: put(o, "null", 4); return;
    case JSON_TRUE: put(o, "true", 4); return;
    case JSON_FALSE: put(o, "false", 5); return;
    case JSON_INTEGER: put_integer(o, json_integer_value(v)); return;
    case JSON_REAL: put_real(o, json_real_value(v), flags); return;
    case JSON_STRING:
        if (!put_string(o, json_string_value(v), json_string_length(v)))
            o->failed = true;
        return;
    case JSON_ARRAY: {
        size_t n = json_array_size(v);
        put_c(o, '[');
        if (n == 0) {
            put_c(o, ']');
            return;
        }
        put_indent(o, flags, depth + 1, false);
        for (size_t i = 0; i < n && !o->failed; i++) {
            dump(o, json_array_get(v, i), flags, depth + 1);
            if (i + 1 < n) {
                put_c(o, ',');
                put_indent(o, flags, depth + 1, true);
            } else {
                put_indent(o, flags, depth, false);
            }
        }
        put_c(o, ']');
        return;
    }
    case JSON_OBJECT: {
        void *it = json_object_iter((json_t *)v);
        put_c(o, '{');
        if (!it) {
            put_c(o, '}');
            return;
        }
        put_indent(o, flags, depth + 1, false);
        if (flags & JSON_SORT_KEYS) {
            dump_sorted(o, v, flags, depth);
        } else {
            while (it && !o->failed) {
                void *next = json_object_iter_next((json_t *)v, it);
                dump_member(o, json_object_iter_key(it), json_object_iter_key_len(it),
                            json_object_iter_value(it), !next, flags, depth);
                it = next;
            }
        }
        put_c(o, '}');
        return;
    }
    }
    o->failed = true; /* not reached: every json_type is handled */
}

char *pn__json_dumps(const json_t *v, size_t flags, size_t *len)
{
    if (len)
        *len = 0;
    if (flags & (JSON_ENSURE_ASCII | JSON_ESCAPE_SLASH | JSON_EMBED)) {
        char *s = json_dumps(v, flags);
        if (s && len)
            *len = strlen(s);
        return s;
    }
    if (!v || (!(flags & JSON_ENCODE_ANY) && !json_is_array(v) && !json_is_object(v)))
        return NULL;
    out o;
    pn__buf_init(&o, SIZE_MAX / 4);
    dump(&o, v, flags, 0);
    pn__buf_add(&o, "", 0); /* the fast path leaves the terminating NUL to the end */
    size_t n = o.len;
    char *text = pn__buf_take(&o);
    if (text && len)
        *len = n;
    return text;
}
