/* scan.c - the bulk screener's NDJSON line scanner.
 *
 * One pass over the bytes, no allocation: an iterative JSON validator with
 * jansson's exact rules (strict UTF-8 everywhere, no \u0000, paired
 * surrogates, integers within long long, reals that do not overflow a
 * double, nesting up to 2048 values deep) that remembers where the few
 * values the screener needs are.  Strings are skipped 16 bytes at a time
 * (SSE2) until a quote, backslash, control or non-ASCII byte. */
#include "screen/scan.h"
#include "util/utf8.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

typedef struct span {
    const uint8_t *p; /* raw bytes between the quotes */
    size_t n;
    bool esc;  /* contains backslash escapes */
    bool set;  /* the last occurrence of the key had a string value */
} span;

static const char *const type_names[PN_RT_COUNT] = {
    "Patient", "Observation", "Condition", "MedicationStatement", "MedicationRequest", "Procedure",
    "DiagnosticReport"};

const char *pn__scan_type_name(int type)
{
    return type >= 0 && type < PN_RT_COUNT ? type_names[type] : "?";
}

int pn__scan_type_index(const char *name, size_t n)
{
    for (int i = 0; i < PN_RT_COUNT; i++)
        if (strlen(type_names[i]) == n && memcmp(type_names[i], name, n) == 0)
            return i;
    return -1;
}

uint64_t pn__scan_hash(const char *key, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a, then a finaliser for the low bits */
    for (size_t i = 0; i < n; i++)
        h = (h ^ (uint8_t)key[i]) * 0x100000001b3ull;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    return h;
}

/* ---- strings ---------------------------------------------------------- */

/* First byte at or after p that is '"', '\\', a control or a non-ASCII byte. */
static inline const uint8_t *str_skip(const uint8_t *p, const uint8_t *e)
{
#ifdef __SSE2__
    const __m128i q = _mm_set1_epi8('"'), bs = _mm_set1_epi8('\\'), sp = _mm_set1_epi8(0x20);
    while (e - p >= 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
        /* signed v < 0x20: controls and every byte >= 0x80 */
        __m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, q), _mm_cmpeq_epi8(v, bs)),
                                 _mm_cmpgt_epi8(sp, v));
        int mask = _mm_movemask_epi8(m);
        if (mask)
            return p + __builtin_ctz((unsigned)mask);
        p += 16;
    }
#endif
    while (p < e && *p >= 0x20 && *p < 0x80 && *p != '"' && *p != '\\')
        p++;
    return p;
}

static size_t utf8_seq(const uint8_t *p, const uint8_t *e)
{
    return pn__utf8_seq(p, (size_t)(e - p));
}

static int hex4(const uint8_t *p, const uint8_t *e, uint32_t *out)
{
    if (e - p < 4)
        return -1;
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) {
        uint8_t c = p[i];
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= (uint32_t)(c - '0');
        else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
            v |= (uint32_t)((c | 0x20) - 'a' + 10);
        else
            return -1;
    }
    *out = v;
    return 0;
}

/* Scans a string body starting after its opening quote.  Returns the byte
 * after the closing quote, or NULL with *why and *at set. */
static const uint8_t *scan_string(const uint8_t *p, const uint8_t *e, span *s, const char **why,
                                  const uint8_t **at)
{
    s->p = p;
    s->esc = false;
    for (;;) {
        p = str_skip(p, e);
        if (p >= e) {
            *why = "unterminated string";
            *at = p;
            return NULL;
        }
        uint8_t c = *p;
        if (c == '"') {
            s->n = (size_t)(p - s->p);
            s->set = true;
            return p + 1;
        }
        if (c == '\\') {
            s->esc = true;
            if (p + 1 >= e) {
                *why = "unterminated string";
                *at = p;
                return NULL;
            }
            uint8_t x = p[1];
            if (x == '"' || x == '\\' || x == '/' || x == 'b' || x == 'f' || x == 'n' || x == 'r' ||
                x == 't') {
                p += 2;
                continue;
            }
            if (x != 'u') {
                *why = "invalid escape in string";
                *at = p;
                return NULL;
            }
            uint32_t u;
            if (hex4(p + 2, e, &u)) {
                *why = "invalid \\u escape in string";
                *at = p;
                return NULL;
            }
            if (u == 0) {
                *why = "\\u0000 is not allowed in a string";
                *at = p;
                return NULL;
            }
            if (u >= 0xDC00 && u <= 0xDFFF) {
                *why = "lone low surrogate \\u escape";
                *at = p;
                return NULL;
            }
            if (u >= 0xD800 && u <= 0xDBFF) {
                uint32_t l;
                if (e - p < 12 || p[6] != '\\' || p[7] != 'u' || hex4(p + 8, e, &l) || l < 0xDC00 ||
                    l > 0xDFFF) {
                    *why = "high surrogate \\u escape without its low surrogate";
                    *at = p;
                    return NULL;
                }
                p += 12;
            } else
                p += 6;
            continue;
        }
        if (c < 0x20) {
            *why = "control character in string";
            *at = p;
            return NULL;
        }
        size_t k = utf8_seq(p, e);
        if (!k) {
            *why = "invalid UTF-8";
            *at = p;
            return NULL;
        }
        p += k;
    }
}

/* Decodes a validated string body into out (at most cap bytes written);
 * returns the full decoded length. */
static size_t decode(const span *s, char *out, size_t cap)
{
    if (!s->esc) {
        memcpy(out, s->p, s->n < cap ? s->n : cap);
        return s->n;
    }
    size_t n = 0;
    const uint8_t *p = s->p, *e = s->p + s->n;
    while (p < e) {
        uint8_t buf[4];
        size_t k = 0;
        if (*p != '\\') {
            buf[k++] = *p++;
        } else {
            uint8_t x = p[1];
            p += 2;
            switch (x) {
            case 'b': buf[k++] = '\b'; break;
            case 'f': buf[k++] = '\f'; break;
            case 'n': buf[k++] = '\n'; break;
            case 'r': buf[k++] = '\r'; break;
            case 't': buf[k++] = '\t'; break;
            case 'u': {
                uint32_t u, l;
                hex4(p, e, &u);
                p += 4;
                if (u >= 0xD800 && u <= 0xDBFF) {
                    hex4(p + 2, e, &l);
                    p += 6;
                    u = 0x10000 + ((u - 0xD800) << 10) + (l - 0xDC00);
                }
                if (u < 0x80)
                    buf[k++] = (uint8_t)u;
                else if (u < 0x800) {
                    buf[k++] = (uint8_t)(0xC0 | (u >> 6));
                    buf[k++] = (uint8_t)(0x80 | (u & 0x3F));
                } else if (u < 0x10000) {
                    buf[k++] = (uint8_t)(0xE0 | (u >> 12));
                    buf[k++] = (uint8_t)(0x80 | ((u >> 6) & 0x3F));
                    buf[k++] = (uint8_t)(0x80 | (u & 0x3F));
                } else {
                    buf[k++] = (uint8_t)(0xF0 | (u >> 18));
                    buf[k++] = (uint8_t)(0x80 | ((u >> 12) & 0x3F));
                    buf[k++] = (uint8_t)(0x80 | ((u >> 6) & 0x3F));
                    buf[k++] = (uint8_t)(0x80 | (u & 0x3F));
                }
                break;
            }
            default: buf[k++] = x; break; /* " \ / */
            }
        }
        for (size_t i = 0; i < k; i++, n++)
            if (n < cap)
                out[n] = (char)buf[i];
    }
    return n;
}

/* Does the raw key span equal lit (after decoding escapes)? */
static bool key_is(const span *s, const char *lit, size_t litn)
{
    if (!s->esc)
        return s->n == litn && memcmp(s->p, lit, litn) == 0;
    char buf[32];
    size_t n = decode(s, buf, sizeof buf);
    return n == litn && memcmp(buf, lit, litn) == 0;
}

/* ---- numbers ------------------------------------------------------------ */

static inline bool isdig(uint8_t c)
{
    return c >= '0' && c <= '9';
}

/* Does the real token [s, e) overflow a double, as strtod sees it? */
static bool real_overflows(const uint8_t *s, size_t n)
{
    char small[512];
    char *buf = n < sizeof small ? small : malloc(n + 1);
    if (!buf)
        return false; /* cannot tell; a near-DBL_MAX number with > 511 chars, out of memory */
    memcpy(buf, s, n);
    buf[n] = '\0';
    errno = 0;
    double v = strtod(buf, NULL);
    bool over = (v == HUGE_VAL || v == -HUGE_VAL) && errno == ERANGE;
    if (buf != small)
        free(buf);
    return over;
}

static const uint8_t *scan_number(const uint8_t *p, const uint8_t *e, const char **why)
{
    const uint8_t *s = p;
    bool neg = false, real = false;
    if (*p == '-') {
        neg = true;
        p++;
    }
    const uint8_t *ip = p;
    if (p < e && *p == '0') {
        p++;
        if (p < e && isdig(*p)) {
            *why = "number with a leading zero";
            return NULL;
        }
    } else if (p < e && isdig(*p)) {
        while (p < e && isdig(*p))
            p++;
    } else {
        *why = "invalid number";
        return NULL;
    }
    size_t ilen = (size_t)(p - ip);
    const uint8_t *fp = NULL, *fe = NULL;
    if (p < e && *p == '.') {
        real = true;
        p++;
        fp = p;
        if (p >= e || !isdig(*p)) {
            *why = "invalid number: digits must follow '.'";
            return NULL;
        }
        while (p < e && isdig(*p))
            p++;
        fe = p;
    }
    long long ex = 0;
    if (p < e && (*p | 0x20) == 'e') {
        real = true;
        p++;
        bool eneg = false;
        if (p < e && (*p == '+' || *p == '-'))
            eneg = *p++ == '-';
        if (p >= e || !isdig(*p)) {
            *why = "invalid number: digits must follow the exponent";
            return NULL;
        }
        while (p < e && isdig(*p)) {
            if (ex < 1000000000)
                ex = ex * 10 + (*p - '0');
            p++;
        }
        if (eneg)
            ex = -ex;
    }
    if (!real) {
        /* jansson reads integers as long long and refuses the rest */
        static const char max_pos[] = "9223372036854775807", max_neg[] = "9223372036854775808";
        if (ilen > 19 || (ilen == 19 && memcmp(ip, neg ? max_neg : max_pos, 19) > 0)) {
            *why = "integer too big";
            return NULL;
        }
        return p;
    }
    /* decimal exponent of the first significant digit */
    long long p10;
    if (!(ilen == 1 && *ip == '0'))
        p10 = (long long)ilen - 1 + ex;
    else {
        const uint8_t *q = fp;
        while (q && q < fe && *q == '0')
            q++;
        if (!q || q == fe)
            return p; /* zero */
        p10 = -(long long)(q - fp) - 1 + ex;
    }
    if (p10 > 308 || (p10 == 308 && real_overflows(s, (size_t)(p - s)))) {
        *why = "real number overflow";
        return NULL;
    }
    return p;
}

/* ---- keys --------------------------------------------------------------- */

static bool id_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_';
}

size_t pn__scan_key_from_id(const char *id, size_t n, char *key, const char **why)
{
    if (n == 0) {
        *why = "empty patient id";
        return 0;
    }
    if (n > PN_SCAN_KEY_MAX) {
        *why = "patient id longer than 128 characters";
        return 0;
    }
    for (size_t i = 0; i < n; i++)
        if (!id_char(id[i])) {
            *why = "patient id is not a FHIR id (letters, digits, '-', '.', '_')";
            return 0;
        }
    memcpy(key, id, n);
    key[n] = '\0';
    return n;
}

size_t pn__scan_key_from_ref(const char *ref, size_t n, char *key, const char **why)
{
    static const char uuid[] = "urn:uuid:", pat[] = "Patient/";
    if (n > 9 && memcmp(ref, uuid, 9) == 0)
        return pn__scan_key_from_id(ref + 9, n - 9, key, why);
    /* the last "Patient/" at the start or after a '/' */
    const char *hit = NULL;
    for (size_t i = 0; i + 8 <= n; i++)
        if (memcmp(ref + i, pat, 8) == 0 && (i == 0 || ref[i - 1] == '/'))
            hit = ref + i;
    if (!hit) {
        *why = "the reference does not name a Patient";
        return 0;
    }
    const char *s = hit + 8, *end = ref + n;
    const char *slash = memchr(s, '/', (size_t)(end - s));
    if (slash) {
        static const char hist[] = "/_history/";
        if ((size_t)(end - slash) < 10 || memcmp(slash, hist, 10) != 0) {
            *why = "the reference does not name a Patient";
            return 0;
        }
        end = slash;
    }
    return pn__scan_key_from_id(s, (size_t)(end - s), key, why);
}

/* ---- the line ------------------------------------------------------------- */

enum { W_NONE, W_TYPE, W_ID, W_SUBJ, W_PAT, W_REF };

static inline const uint8_t *ws(const uint8_t *p, const uint8_t *e)
{
    while (p < e && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
        p++;
    return p;
}

static pn_scan_kind syntax(pn_scan_result *r, const uint8_t *b, const uint8_t *at, const char *why)
{
    r->kind = PN_SCAN_SYNTAX;
    r->reason = why;
    r->col = (size_t)(at - b);
    return r->kind;
}

static pn_scan_kind skip(pn_scan_result *r, const char *why)
{
    r->kind = PN_SCAN_SKIP;
    r->reason = why;
    return r->kind;
}

pn_scan_kind pn__scan_line(const char *line, size_t n, pn_scan_result *r)
{
    const uint8_t *b = (const uint8_t *)line, *e = b + n, *p = b, *at = NULL;
    const char *why = NULL;
    uint64_t is_obj[PN_SCAN_MAX_DEPTH / 64 + 1]; /* bit per open container */
    int nest = 0, want = W_NONE, refctx = 0;
    span type = {0}, id = {0}, sref = {0}, pref = {0}, str;
    bool subj_seen = false, top_obj;

    r->kind = PN_SCAN_OK;
    r->reason = NULL;
    r->col = 0;
    r->type = -1;
    r->type_len = 0;
    r->type_name[0] = '\0';
    r->key_len = 0;
    r->key[0] = '\0';
    r->ref_off = r->ref_len = 0;
    r->ref_rewrite = false;

    p = ws(p, e);
    if (p == e)
        return r->kind = PN_SCAN_BLANK;
    if (*p != '{' && *p != '[')
        return syntax(r, b, p, "a JSON object expected");
    top_obj = *p == '{';

value:
    if (nest >= PN_SCAN_MAX_DEPTH)
        return syntax(r, b, p, "nested more than 2048 deep");
    if (p >= e)
        return syntax(r, b, p, "value expected, end of line found");
    switch (*p) {
    case '{':
        if (want == W_SUBJ || want == W_PAT)
            refctx = want;
        is_obj[nest / 64] |= 1ull << (nest % 64);
        nest++;
        p = ws(p + 1, e);
        if (p < e && *p == '}') {
            p++;
            goto close;
        }
        goto key;
    case '[':
        is_obj[nest / 64] &= ~(1ull << (nest % 64));
        nest++;
        want = W_NONE;
        p = ws(p + 1, e);
        if (p < e && *p == ']') {
            p++;
            goto close;
        }
        goto value;
    case '"':
        p = scan_string(p + 1, e, &str, &why, &at);
        if (!p)
            return syntax(r, b, at, why);
        if (want == W_TYPE)
            type = str;
        else if (want == W_ID)
            id = str;
        else if (want == W_REF)
            *(refctx == W_SUBJ ? &sref : &pref) = str;
        goto after;
    case 't':
        if (e - p < 4 || memcmp(p, "true", 4) != 0)
            return syntax(r, b, p, "invalid literal");
        p += 4;
        goto after_token;
    case 'f':
        if (e - p < 5 || memcmp(p, "false", 5) != 0)
            return syntax(r, b, p, "invalid literal");
        p += 5;
        goto after_token;
    case 'n':
        if (e - p < 4 || memcmp(p, "null", 4) != 0)
            return syntax(r, b, p, "invalid literal");
        p += 4;
        goto after_token;
    default:
        if (*p == '-' || isdig(*p)) {
            const uint8_t *q = scan_number(p, e, &why);
            if (!q)
                return syntax(r, b, p, why);
            p = q;
            goto after_token;
        }
        return syntax(r, b, p, *p >= 0x80 && !utf8_seq(p, e) ? "invalid UTF-8" : "invalid value");
    }

after_token:
    /* jansson 2.14 reads one character past a number or literal and puts it
     * back; a NUL put back is lost, so one NUL there is ignored.  Same here. */
    if (p < e && *p == 0)
        p++;
after:
    p = ws(p, e);
    if (nest == 0) {
        if (p != e)
            return syntax(r, b, p, "end of line expected after the object");
        goto done;
    }
    if (p >= e)
        return syntax(r, b, p, "unterminated object or array");
    if (*p == ',') {
        p = ws(p + 1, e);
        if (is_obj[(nest - 1) / 64] >> ((nest - 1) % 64) & 1)
            goto key;
        want = W_NONE;
        goto value;
    }
    if (*p == (is_obj[(nest - 1) / 64] >> ((nest - 1) % 64) & 1 ? '}' : ']')) {
        p++;
        goto close;
    }
    return syntax(r, b, p, "',' or closing bracket expected");

close:
    nest--;
    if (nest <= 1)
        refctx = 0;
    goto after;

key:
    if (p >= e || *p != '"')
        return syntax(r, b, p, "object key (a string) expected");
    p = scan_string(p + 1, e, &str, &why, &at);
    if (!p)
        return syntax(r, b, at, why);
    if (str.esc) {
        /* jansson refuses a NUL in a key; \u0000 is already refused above */
    }
    want = W_NONE;
    /* most keys are none of these: a length test first */
    if (!str.esc && str.n != 12 && str.n != 2 && str.n != 7 && str.n != 9)
        ;
    else if (nest == 1 && top_obj) {
        if (key_is(&str, "resourceType", 12)) {
            want = W_TYPE;
            type.set = false;
        } else if (key_is(&str, "id", 2)) {
            want = W_ID;
            id.set = false;
        } else if (key_is(&str, "subject", 7)) {
            want = W_SUBJ;
            subj_seen = true;
            sref.set = false;
        } else if (key_is(&str, "patient", 7)) {
            want = W_PAT;
            pref.set = false;
        }
    } else if (nest == 2 && refctx && key_is(&str, "reference", 9)) {
        want = W_REF;
        (refctx == W_SUBJ ? &sref : &pref)->set = false;
    }
    p = ws(p, e);
    if (p >= e || *p != ':')
        return syntax(r, b, p, "':' expected after an object key");
    p = ws(p + 1, e);
    if ((want == W_SUBJ || want == W_PAT) && (p >= e || *p != '{'))
        refctx = 0;
    goto value;

done:
    if (!top_obj)
        return skip(r, "the line is a JSON array, not a resource");
    if (!type.set)
        return skip(r, "no resourceType string");
    r->type_len = decode(&type, r->type_name, PN_SCAN_TYPE_MAX);
    r->type_name[r->type_len < PN_SCAN_TYPE_MAX ? r->type_len : PN_SCAN_TYPE_MAX] = '\0';
    r->type = r->type_len <= PN_SCAN_TYPE_MAX ? pn__scan_type_index(r->type_name, r->type_len) : -1;
    if (r->type < 0)
        return skip(r, "resource type not read by the screener");
    if (r->type == PN_RT_PATIENT) {
        if (!id.set)
            return skip(r, "Patient without an id");
        char buf[PN_SCAN_KEY_MAX + 1];
        size_t len = decode(&id, buf, sizeof buf);
        r->key_len = len <= PN_SCAN_KEY_MAX ? pn__scan_key_from_id(buf, len, r->key, &why) : 0;
        if (!r->key_len)
            return skip(r, len > PN_SCAN_KEY_MAX ? "patient id longer than 128 characters" : why);
        return r->kind;
    }
    const span *ref = subj_seen ? &sref : &pref;
    if (!ref->set)
        return skip(r, subj_seen ? "no subject.reference string" : "no subject or patient reference");
    char buf[PN_SCAN_REF_MAX];
    size_t len = decode(ref, buf, sizeof buf);
    if (len > sizeof buf)
        return skip(r, "patient reference longer than 256 characters");
    r->key_len = pn__scan_key_from_ref(buf, len, r->key, &why);
    if (!r->key_len)
        return skip(r, why);
    r->ref_off = (size_t)(ref->p - b);
    r->ref_len = ref->n;
    r->ref_rewrite = !(ref->n == 8 + r->key_len && memcmp(ref->p, "Patient/", 8) == 0);
    return r->kind;
}
