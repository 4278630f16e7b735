/* text.c - see text.h. */
#include "text.h"
#include "strmap.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

size_t pn__text_fold(const char *s, char *out, size_t cap)
{
    size_t n = 0;
    bool space = false;
    if (!cap)
        return (size_t)-1;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (isspace(c)) {
            space = n > 0;
            continue;
        }
        if (space) {
            if (n + 1 >= cap)
                return (size_t)-1;
            out[n++] = ' ';
            space = false;
        }
        if (n + 1 >= cap)
            return (size_t)-1;
        out[n++] = (char)tolower(c);
    }
    out[n] = '\0';
    return n;
}

size_t pn__text_ab_key(const char *s, char *out, size_t cap)
{
    size_t n = 0;
    if (!cap)
        return (size_t)-1;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (isspace(c) || strchr("-_/.()", c))
            continue;
        if (n + 1 >= cap)
            return (size_t)-1;
        out[n++] = (char)tolower(c);
    }
    out[n] = '\0';
    /* "antihu" -> "hu", but keep a name that is only "anti". */
    if (n > 4 && strncmp(out, "anti", 4) == 0) {
        memmove(out, out + 4, n - 3);
        n -= 4;
    }
    return n;
}

bool pn__text_blank(const char *s)
{
    for (; s && *s; s++)
        if (!isspace((unsigned char)*s))
            return false;
    return true;
}

const char *pn__json_reason(const char *t, char *buf, size_t size)
{
    static const struct {
        const char *jansson, *plain;
    } map[] = {
        {"JSON_ALLOW_NUL", "a NUL character (\\u0000) is not allowed in a string"},
        {"too big integer", "a number too large to represent"},
        {"real number overflow", "a number too large to represent"},
        {"duplicate object key", "the same key appears twice in one object"},
        {"maximum parsing depth", "nesting deeper than the limit"},
        {"'[' or '{' expected", "a JSON document must start with { (an object)"},
        {"end of file expected", "extra text after the end of the JSON document"},
        {"unexpected newline", "an unescaped line break inside a string"},
        {"control character", "an unescaped control character inside a string"},
        {"invalid UTF-8", "bytes that are not valid UTF-8"},
        {"unable to decode byte", "bytes that are not valid UTF-8"},
        {"invalid token", "something that is not JSON (NaN, Infinity, a bare word or a stray character)"},
    };
    if (strstr(t, "near end of file") && !strstr(t, "end of file expected")) {
        snprintf(buf, size, "the document is empty or ends too early");
        return buf;
    }
    for (size_t i = 0; i < sizeof map / sizeof *map; i++) {
        if (strstr(t, map[i].jansson)) {
            const char *near = strstr(t, " near ");
            snprintf(buf, size, "%s%s", map[i].plain, near ? near : "");
            return buf;
        }
    }
    snprintf(buf, size, "%s", t);
    return buf;
}

static bool word_char(char c)
{
    return isalnum((unsigned char)c);
}

const char *pn__text_find_phrase(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    if (!n)
        return NULL;
    for (const char *p = hay; (p = strstr(p, needle)) != NULL; p++) {
        bool left = p == hay || !word_char(p[-1]) || !word_char(needle[0]);
        bool right = !word_char(p[n]) || !word_char(needle[n - 1]);
        if (left && right)
            return p;
    }
    return NULL;
}

bool pn__text_has_phrase(const char *hay, const char *needle)
{
    return pn__text_find_phrase(hay, needle) != NULL;
}

bool pn__text_negated(const char *hay, const char *at, size_t len)
{
    /* the clause around the phrase: from the last , ; : . before it to the
     * next one after it (NegEx-style, with a short cue list) */
    static const char *const before[] = {"no ", "not ", "without ", "denies ", "denied ", "absence of ",
                                         "absent ", "negative for ", "free of ", "never ", "nor ", NULL};
    static const char *const after[] = {" absent", " negative", " not seen", " not present",
                                        " not found", " excluded", " ruled out", " not detected", NULL};
    const char *start = at;
    while (start > hay && !strchr(",;:.", start[-1]))
        start--;
    const char *end = at + len;
    while (*end && !strchr(",;:.", *end))
        end++;
    for (const char *const *c = before; *c; c++) {
        size_t cl = strlen(*c);
        for (const char *p = start; p + cl <= at; p++)
            if (strncmp(p, *c, cl) == 0 && (p == hay || !word_char(p[-1])))
                return true;
    }
    for (const char *const *c = after; *c; c++) {
        size_t cl = strlen(*c);
        for (const char *p = at + len; p + cl <= end; p++)
            if (strncmp(p, *c, cl) == 0 && !word_char(p[cl]))
                return true;
    }
    return false;
}

static bool all_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)s[i]))
            return false;
    return n > 0;
}

bool pn__code_is_hpo(const char *s)
{
    return strncmp(s, "HP:", 3) == 0 && strlen(s) == 10 && all_digits(s + 3, 7);
}

bool pn__slug_ok(const char *s)
{
    if (!*s || *s == '-')
        return false;
    for (const char *p = s; *p; p++) {
        if (*p == '-') {
            if (p[1] == '-' || p[1] == '\0')
                return false;
        } else if (!(islower((unsigned char)*p) || isdigit((unsigned char)*p))) {
            return false;
        }
    }
    return true;
}

bool pn__code_is_local_term(const char *s)
{
    return strncmp(s, "PNX:", 4) == 0 && pn__slug_ok(s + 4);
}

/* LOINC's mod-10 check digit is the Luhn check over the code number. */
bool pn__code_loinc_ok(const char *s)
{
    const char *dash = strchr(s, '-');
    if (!dash || dash == s || dash - s > 7 || strlen(dash) != 2)
        return false;
    if (!all_digits(s, (size_t)(dash - s)) || !isdigit((unsigned char)dash[1]))
        return false;
    int sum = 0;
    bool dbl = true; /* the rightmost digit of the base number is doubled */
    for (const char *p = dash - 1; p >= s; p--) {
        int d = *p - '0';
        if (dbl) {
            d *= 2;
            if (d > 9)
                d -= 9;
        }
        sum += d;
        dbl = !dbl;
    }
    return (10 - sum % 10) % 10 == dash[1] - '0';
}

static const unsigned char verhoeff_d[10][10] = {
    {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 2, 3, 4, 0, 6, 7, 8, 9, 5},
    {2, 3, 4, 0, 1, 7, 8, 9, 5, 6}, {3, 4, 0, 1, 2, 8, 9, 5, 6, 7},
    {4, 0, 1, 2, 3, 9, 5, 6, 7, 8}, {5, 9, 8, 7, 6, 0, 4, 3, 2, 1},
    {6, 5, 9, 8, 7, 1, 0, 4, 3, 2}, {7, 6, 5, 9, 8, 2, 1, 0, 4, 3},
    {8, 7, 6, 5, 9, 3, 2, 1, 0, 4}, {9, 8, 7, 6, 5, 4, 3, 2, 1, 0}};
static const unsigned char verhoeff_p[8][10] = {
    {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 5, 7, 6, 2, 8, 3, 0, 9, 4},
    {5, 8, 0, 3, 7, 9, 6, 1, 4, 2}, {8, 9, 1, 6, 0, 4, 3, 5, 2, 7},
    {9, 4, 5, 3, 1, 2, 6, 8, 7, 0}, {4, 2, 8, 6, 5, 7, 3, 9, 0, 1},
    {2, 7, 9, 3, 8, 0, 6, 4, 1, 5}, {7, 0, 4, 6, 9, 1, 3, 2, 5, 8}};

bool pn__code_snomed_ok(const char *s)
{
    size_t n = strlen(s);
    if (n < 6 || n > 18 || !all_digits(s, n) || s[0] == '0')
        return false;
    int c = 0;
    for (size_t i = 0; i < n; i++)
        c = verhoeff_d[c][verhoeff_p[i % 8][s[n - 1 - i] - '0']];
    return c == 0;
}

bool pn__code_icd10_ok(const char *s)
{
    size_t n = strlen(s);
    if (n < 3 || !isupper((unsigned char)s[0]) || !isdigit((unsigned char)s[1]) ||
        !(isdigit((unsigned char)s[2]) || isupper((unsigned char)s[2])))
        return false;
    if (n == 3)
        return true;
    const char *rest = s + 3;
    if (*rest == '.')
        rest++;
    size_t m = strlen(rest);
    if (m < 1 || m > 4)
        return false;
    for (size_t i = 0; i < m; i++)
        if (!(isdigit((unsigned char)rest[i]) || isupper((unsigned char)rest[i])))
            return false;
    return true;
}

bool pn__code_atc_ok(const char *s)
{
    /* level lengths 1, 3, 4, 5, 7 */
    size_t n = strlen(s);
    if (n != 1 && n != 3 && n != 4 && n != 5 && n != 7)
        return false;
    for (size_t i = 0; i < n; i++) {
        bool letter = i == 0 || i == 3 || i == 4;
        if (letter ? !isupper((unsigned char)s[i]) : !isdigit((unsigned char)s[i]))
            return false;
    }
    return true;
}

int pn__text_longest_phrase(const char *folded, const pn_strmap *m, size_t min_len, size_t *at,
                            size_t *len)
{
    /* every run of up to 8 whole words, looked up in the map: cost grows
     * with the words of the text, not with the size of the vocabulary */
    int best = -1;
    size_t best_len = min_len;
    size_t n = strlen(folded);
    for (size_t s = 0; s < n; s++) {
        if (!word_char(folded[s]) || (s > 0 && word_char(folded[s - 1])))
            continue;
        int words = 0;
        for (size_t e = s; e < n && words < 8; e++) {
            if (!word_char(folded[e]) || (e + 1 < n && word_char(folded[e + 1])))
                continue;
            words++;
            size_t l = e - s + 1;
            if (l <= best_len)
                continue;
            int v = pn__strmap_getn(m, folded + s, l);
            if (v >= 0) {
                best = v;
                best_len = l;
                *at = s;
                *len = l;
            }
        }
    }
    return best;
}
