/* validate.c - every rule of docs/kb-format.md, checked before a KB is used.
 *
 * Two passes: the first indexes every id (so references may point forward
 * and across files) and refuses duplicates; the second checks each object's
 * fields, sources, grades, codes and references.  The first problem stops
 * the load with the file, the JSON path and what to fix. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/error_int.h"
#include "kb/kb_int.h"
#include "util/text.h"

typedef struct v {
    pn_kb *kb;
    pn_error *err;
    const char *file;
    char path[512];
    size_t plen;
} v;

static int fail(v *c, const char *fmt, ...) PN_PRINTF(2, 3);
static int fail(v *c, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    pn__error_set(c->err, PN_EKB, c->file, c->plen ? c->path : "$", "%s", msg);
    return -1;
}

static size_t push(v *c, const char *fmt, ...) PN_PRINTF(2, 3);
static size_t push(v *c, const char *fmt, ...)
{
    size_t mark = c->plen;
    va_list ap;
    va_start(ap, fmt);
    int w = vsnprintf(c->path + c->plen, sizeof c->path - c->plen, fmt, ap);
    va_end(ap);
    if (w > 0)
        c->plen += (size_t)w < sizeof c->path - c->plen ? (size_t)w : sizeof c->path - c->plen - 1;
    return mark;
}

static void pop(v *c, size_t mark)
{
    c->plen = mark;
    c->path[mark] = '\0';
}

static void at_item(v *c, int sec, const pn_kb_item *it)
{
    c->file = c->kb->files[it->file].rel;
    c->plen = 0;
    c->path[0] = '\0';
    push(c, "$.%s[%zu]", pn__kb_section_names[sec], it->index);
}

/* ---- generic field checks -------------------------------------------- */

typedef enum ftype {
    T_STR,    /* non-empty string */
    T_NUM,    /* finite number */
    T_PROB,   /* number in [0, 1] */
    T_POS,    /* number > 0 */
    T_NONNEG, /* number >= 0 */
    T_INT,    /* integer */
    T_BOOL,
    T_OBJ,
    T_ARR,
    T_STRARR, /* array of non-empty strings */
    T_SRC,    /* source id or array of them */
    T_ANY
} ftype;

typedef struct field {
    const char *key;
    ftype type;
    bool req;
} field;

#define FACT_FIELDS {"src", T_SRC, true}, {"grade", T_STR, true}, {"note", T_STR, false}
#define OPT_FACT_FIELDS {"src", T_SRC, false}, {"grade", T_STR, false}, {"note", T_STR, false}
#define NF(a) (sizeof(a) / sizeof((a)[0]))

static const char *type_name(ftype t)
{
    switch (t) {
    case T_STR: return "a non-empty string";
    case T_NUM: return "a number";
    case T_PROB: return "a number from 0 to 1";
    case T_POS: return "a number greater than 0";
    case T_NONNEG: return "a number of at least 0";
    case T_INT: return "an integer";
    case T_BOOL: return "true or false";
    case T_OBJ: return "an object";
    case T_ARR: return "an array";
    case T_STRARR: return "an array of non-empty strings";
    case T_SRC: return "a source id or an array of source ids";
    default: return "a value";
    }
}

static bool num(json_t *j, double *out)
{
    if (!json_is_number(j))
        return false;
    double d = json_number_value(j);
    if (!isfinite(d))
        return false;
    *out = d;
    return true;
}

static bool type_ok(json_t *j, ftype t)
{
    double d;
    switch (t) {
    case T_STR: return json_is_string(j) && json_string_length(j) > 0;
    case T_NUM: return num(j, &d);
    case T_PROB: return num(j, &d) && d >= 0 && d <= 1;
    case T_POS: return num(j, &d) && d > 0;
    case T_NONNEG: return num(j, &d) && d >= 0;
    case T_INT: return json_is_integer(j);
    case T_BOOL: return json_is_boolean(j);
    case T_OBJ: return json_is_object(j);
    case T_ARR: return json_is_array(j);
    case T_STRARR: {
        if (!json_is_array(j))
            return false;
        size_t i;
        json_t *e;
        json_array_foreach(j, i, e) if (!json_is_string(e) || !json_string_length(e)) return false;
        return true;
    }
    case T_SRC:
        if (json_is_string(j))
            return json_string_length(j) > 0;
        if (!json_is_array(j) || json_array_size(j) == 0)
            return false;
        return type_ok(j, T_STRARR);
    default: return true;
    }
}

static int check_fields(v *c, json_t *obj, const field *fs, size_t n)
{
    if (!json_is_object(obj))
        return fail(c, "must be an object");
    const char *key;
    json_t *val;
    json_object_foreach(obj, key, val) {
        const field *f = NULL;
        for (size_t i = 0; i < n; i++)
            if (strcmp(fs[i].key, key) == 0)
                f = &fs[i];
        if (!f) {
            char known[400] = "";
            size_t k = 0;
            for (size_t i = 0; i < n && k < sizeof known - 40; i++)
                k += (size_t)snprintf(known + k, sizeof known - k, "%s%s", i ? ", " : "", fs[i].key);
            return fail(c, "unknown field \"%s\" (allowed: %s)", key, known);
        }
        if (!type_ok(val, f->type)) {
            size_t m = push(c, ".%s", key);
            int r = fail(c, "must be %s", type_name(f->type));
            pop(c, m);
            return r;
        }
    }
    for (size_t i = 0; i < n; i++)
        if (fs[i].req && !json_object_get(obj, fs[i].key))
            return fail(c, "missing required field \"%s\"", fs[i].key);
    return 0;
}

static const char *str(json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

static bool in_list(const char *s, const char *const *list)
{
    for (; s && *list; list++)
        if (strcmp(s, *list) == 0)
            return true;
    return false;
}

static int check_enum(v *c, json_t *obj, const char *key, const char *const *list)
{
    const char *s = str(obj, key);
    if (!s || in_list(s, list))
        return 0;
    char known[300] = "";
    size_t k = 0;
    for (const char *const *l = list; *l && k < sizeof known - 40; l++)
        k += (size_t)snprintf(known + k, sizeof known - k, "%s%s", l == list ? "" : ", ", *l);
    size_t m = push(c, ".%s", key);
    int r = fail(c, "\"%s\" is not one of: %s", s, known);
    pop(c, m);
    return r;
}

static int ref(v *c, int sec, const char *key, const char *id)
{
    if (pn__strmap_get(&c->kb->ids[sec], id) >= 0)
        return 0;
    size_t m = push(c, ".%s", key);
    int r = fail(c, "unknown %s id \"%s\" (define it in a \"%s\" section)",
                 pn__kb_section_names[sec], id, pn__kb_section_names[sec]);
    pop(c, m);
    return r;
}

/* ---- facts ----------------------------------------------------------- */

static const char *const grades[] = {"verified", "provisional", NULL};

static int check_src_id(v *c, const char *id)
{
    if (pn__strmap_get(&c->kb->ids[PN_SEC_SOURCES], id) < 0)
        return fail(c, "unknown source \"%s\": add it to a \"sources\" section (a fact without "
                       "a source does not ship)",
                    id);
    return 0;
}

/* A fact: src and grade present and valid.  Counted for kb stats. */
static int check_fact(v *c, json_t *obj)
{
    json_t *src = json_object_get(obj, "src");
    json_t *grade = json_object_get(obj, "grade");
    if (!src)
        return fail(c, "fact without \"src\": every fact needs a source (PMID, DOI, guideline)");
    if (!grade)
        return fail(c, "fact without \"grade\": say \"verified\" or \"provisional\"");
    if (check_enum(c, obj, "grade", grades))
        return -1;
    size_t m = push(c, ".src");
    int r = 0;
    if (json_is_string(src)) {
        r = check_src_id(c, json_string_value(src));
    } else {
        size_t i;
        json_t *e;
        json_array_foreach(src, i, e) {
            size_t m2 = push(c, "[%zu]", i);
            r = check_src_id(c, json_string_value(e));
            pop(c, m2);
            if (r)
                break;
        }
    }
    pop(c, m);
    if (r)
        return r;
    c->kb->facts++;
    if (strcmp(json_string_value(grade), "verified") == 0)
        c->kb->facts_verified++;
    return 0;
}

/* Walks an array field whose elements share one checker. */
typedef int (*elem_fn)(v *c, json_t *e, void *ctx);

static int each(v *c, json_t *obj, const char *key, elem_fn fn, void *ctx)
{
    json_t *arr = json_object_get(obj, key);
    if (!arr)
        return 0;
    size_t i;
    json_t *e;
    json_array_foreach(arr, i, e) {
        size_t m = push(c, ".%s[%zu]", key, i);
        int r = fn(c, e, ctx);
        pop(c, m);
        if (r)
            return r;
    }
    return 0;
}

static const char *const sexes[] = {"any", "female", "male", NULL};
static const char *const ops[] = {"<", "<=", ">", ">=", NULL};
static const char *const methods[] = {"cba", "iif", "ihc", "immunoblot", "line-blot",
                                      "elisa", "ria", "unknown", NULL};

/* ---- sources --------------------------------------------------------- */

static bool source_id_ok(const char *id)
{
    const char *p;
    if (strncmp(id, "PMID:", 5) == 0) {
        for (p = id + 5; *p >= '0' && *p <= '9'; p++)
            ;
        return p > id + 5 && !*p;
    }
    if (strncmp(id, "PMC:PMC", 7) == 0) {
        for (p = id + 7; *p >= '0' && *p <= '9'; p++)
            ;
        return p > id + 7 && !*p;
    }
    if (strncmp(id, "DOI:10.", 7) == 0)
        return strchr(id, '/') != NULL && !strchr(id, ' ');
    if (strncmp(id, "ISBN:", 5) == 0) {
        for (p = id + 5; (*p >= '0' && *p <= '9') || *p == 'X' || *p == '-'; p++)
            ;
        return p > id + 5 && !*p;
    }
    if (strncmp(id, "GL:", 3) == 0)
        return pn__slug_ok(id + 3) || (strchr(id + 3, '.') && !strchr(id, ' '));
    if (strncmp(id, "MODEL:", 6) == 0)
        return pn__slug_ok(id + 6);
    return false;
}

static int v_source(v *c, json_t *o)
{
    static const field fs[] = {{"id", T_STR, true},   {"citation", T_STR, true},
                               {"kind", T_STR, true}, {"url", T_STR, false},
                               {"note", T_STR, false}};
    static const char *const kinds[] = {"article", "review", "guideline", "book",
                                        "terminology", "model", "web", NULL};
    if (check_fields(c, o, fs, NF(fs)) || check_enum(c, o, "kind", kinds))
        return -1;
    if (!source_id_ok(str(o, "id")))
        return fail(c, "source id \"%s\" must be PMID:<digits>, PMC:PMC<digits>, DOI:10.<...>, "
                       "ISBN:<digits>, GL:<slug> or MODEL:<slug>",
                    str(o, "id"));
    return 0;
}

/* A fact object nested under key (a syndrome's prior, a term's background). */
static int v_fact_obj(v *c, json_t *o, const char *key, const field *fs, size_t n)
{
    json_t *sub = json_object_get(o, key);
    if (!sub)
        return 0;
    size_t m = push(c, ".%s", key);
    int r = check_fields(c, sub, fs, n) || check_fact(c, sub) ? -1 : 0;
    pop(c, m);
    return r;
}

/* ---- terms ----------------------------------------------------------- */

static int v_term(v *c, json_t *o)
{
    static const field fs[] = {{"hpo", T_STR, true},          {"label", T_STR, true},
                               {"synonyms", T_STRARR, false}, {"maps_to", T_STR, false},
                               {"background", T_OBJ, false},  FACT_FIELDS};
    /* the share of evaluated patients who show the finding whatever their
     * diagnosis: frequency-only evidence is paired with it (docs/model.md) */
    static const field bg[] = {{"rate", T_PROB, true}, FACT_FIELDS};
    if (check_fields(c, o, fs, NF(fs)) || check_fact(c, o) ||
        v_fact_obj(c, o, "background", bg, NF(bg)))
        return -1;
    json_t *rate = json_object_get(json_object_get(o, "background"), "rate");
    if (rate && (json_number_value(rate) < 0.001 || json_number_value(rate) > 0.9)) {
        size_t m = push(c, ".background.rate");
        int r = fail(c, "a background rate must be between 0.001 and 0.9 (got %g)",
                     json_number_value(rate));
        pop(c, m);
        return r;
    }
    const char *id = str(o, "hpo");
    if (!pn__code_is_hpo(id) && !pn__code_is_local_term(id))
        return fail(c, "term id \"%s\" must be HP:nnnnnnn (7 digits) or PNX:<slug>", id);
    if (pn__code_is_local_term(id) && !json_object_get(o, "synonyms"))
        return fail(c, "local term %s needs \"synonyms\" so free-text findings can map to it", id);
    const char *to = str(o, "maps_to");
    if (to && (ref(c, PN_SEC_TERMS, "maps_to", to)))
        return -1;
    if (to && strcmp(to, id) == 0)
        return fail(c, "term %s maps to itself", id);
    return 0;
}

/* ---- tumours --------------------------------------------------------- */

static int v_tumour(v *c, json_t *o)
{
    static const field fs[] = {{"id", T_STR, true},       {"name", T_STR, true},
                               {"icd10", T_STRARR, true}, {"group", T_STR, false},
                               {"names", T_STRARR, true}, {"sex", T_STR, false},
                               FACT_FIELDS};
    if (check_fields(c, o, fs, NF(fs)) || check_fact(c, o) || check_enum(c, o, "sex", sexes))
        return -1;
    if (!pn__slug_ok(str(o, "id")))
        return fail(c, "tumour id \"%s\" must be lower-case words joined by '-'", str(o, "id"));
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(o, "icd10"), i, e) {
        if (!pn__code_icd10_ok(json_string_value(e))) {
            size_t m = push(c, ".icd10[%zu]", i);
            int r = fail(c, "\"%s\" is not an ICD-10-CM code or category (e.g. C34, C34.90)",
                         json_string_value(e));
            pop(c, m);
            return r;
        }
    }
    const char *g = str(o, "group");
    if (g && ref(c, PN_SEC_TUMOURS, "group", g))
        return -1;
    return 0;
}

/* ---- drugs ----------------------------------------------------------- */

static int v_drug(v *c, json_t *o)
{
    static const field fs[] = {{"id", T_STR, true},         {"name", T_STR, true},
                               {"atc", T_STRARR, false},    {"names", T_STRARR, false},
                               FACT_FIELDS};
    if (check_fields(c, o, fs, NF(fs)) || check_fact(c, o))
        return -1;
    if (!pn__slug_ok(str(o, "id")))
        return fail(c, "drug class id \"%s\" must be lower-case words joined by '-'",
                    str(o, "id"));
    if (!json_object_get(o, "atc") && !json_object_get(o, "names"))
        return fail(c, "a drug class needs \"atc\" prefixes or \"names\" to recognise members");
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(o, "atc"), i, e) {
        if (!pn__code_atc_ok(json_string_value(e))) {
            size_t m = push(c, ".atc[%zu]", i);
            int r = fail(c, "\"%s\" is not an ATC code or prefix (e.g. C03AA, L01FF02)",
                         json_string_value(e));
            pop(c, m);
            return r;
        }
    }
    return 0;
}

/* ---- labs ------------------------------------------------------------ */

static int v_unit(v *c, json_t *u, void *lab)
{
    static const field fs[] = {{"unit", T_STR, true}, {"factor", T_POS, true},
                               {"offset", T_NUM, false}, OPT_FACT_FIELDS};
    if (check_fields(c, u, fs, NF(fs)))
        return -1;
    const char *canon = str(lab, "unit");
    bool identity = strcmp(str(u, "unit"), canon) == 0 &&
                    json_number_value(json_object_get(u, "factor")) == 1.0 &&
                    !json_object_get(u, "offset");
    /* A conversion factor is a fact; the canonical unit itself is not. */
    if (!identity || json_object_get(u, "src"))
        return check_fact(c, u);
    return 0;
}

static int v_derive(v *c, json_t *d, void *ctx)
{
    (void)ctx;
    static const field fs[] = {{"op", T_STR, true},          {"value", T_NUM, true},
                               {"hpo", T_STR, true},         {"absent_otherwise", T_BOOL, false},
                               {"sex", T_STR, false},        FACT_FIELDS};
    if (check_fields(c, d, fs, NF(fs)) || check_fact(c, d) || check_enum(c, d, "op", ops) ||
        check_enum(c, d, "sex", sexes))
        return -1;
    return ref(c, PN_SEC_TERMS, "hpo", str(d, "hpo"));
}

static int v_lab(v *c, json_t *o)
{
    static const field fs[] = {{"id", T_STR, true},        {"name", T_STR, true},
                               {"names", T_STRARR, false}, {"loinc", T_STRARR, false},
                               {"unit", T_STR, true},      {"units", T_ARR, true},
                               {"derive", T_ARR, false},   {"computed", T_STR, false},
                               FACT_FIELDS};
    if (check_fields(c, o, fs, NF(fs)) || check_fact(c, o))
        return -1;
    if (!pn__slug_ok(str(o, "id")))
        return fail(c, "lab id \"%s\" must be lower-case words joined by '-'", str(o, "id"));
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(o, "loinc"), i, e) {
        if (!pn__code_loinc_ok(json_string_value(e))) {
            size_t m = push(c, ".loinc[%zu]", i);
            int r = fail(c, "\"%s\" is not a valid LOINC code (pattern nnnnn-n with the mod-10 "
                            "check digit)",
                         json_string_value(e));
            pop(c, m);
            return r;
        }
    }
    bool has_canon = false;
    json_array_foreach(json_object_get(o, "units"), i, e) {
        const char *u = str(e, "unit");
        if (u && strcmp(u, str(o, "unit")) == 0)
            has_canon = true;
        for (size_t k = 0; k < i && u; k++) {
            const char *u2 = str(json_array_get(json_object_get(o, "units"), k), "unit");
            if (u2 && strcmp(u, u2) == 0) {
                size_t m = push(c, ".units[%zu].unit", i);
                int r = fail(c, "unit \"%s\" listed twice", u);
                pop(c, m);
                return r;
            }
        }
    }
    if (!has_canon)
        return fail(c, "\"units\" must list the canonical unit \"%s\" (factor 1)", str(o, "unit"));
    if (each(c, o, "units", v_unit, o) || each(c, o, "derive", v_derive, NULL))
        return -1;
    return 0;
}

/* ---- antibodies ------------------------------------------------------ */

static int v_assoc_tumour(v *c, json_t *t, void *ctx)
{
    (void)ctx;
    static const field fs[] = {{"tumour", T_STR, true}, {"share", T_PROB, false}, FACT_FIELDS};
    if (check_fields(c, t, fs, NF(fs)) || check_fact(c, t))
        return -1;
    return ref(c, PN_SEC_TUMOURS, "tumour", str(t, "tumour"));
}

static int v_antibody(v *c, json_t *o)
{
    static const field fs[] = {{"id", T_STR, true},          {"name", T_STR, true},
                               {"synonyms", T_STRARR, false}, {"antigen", T_STR, true},
                               {"risk", T_STR, true},        {"cancer_pct", T_NUM, false},
                               {"hpo", T_STR, false},        {"loinc", T_STRARR, false},
                               {"tumours", T_ARR, false},    {"weak_methods", T_STRARR, false},
                               FACT_FIELDS};
    static const char *const antigens[] = {"intracellular", "surface", "other", NULL};
    static const char *const risks[] = {"high", "intermediate", "lower", "not-meaningful", NULL};
    if (check_fields(c, o, fs, NF(fs)) || check_fact(c, o) ||
        check_enum(c, o, "antigen", antigens) || check_enum(c, o, "risk", risks))
        return -1;
    json_t *pct = json_object_get(o, "cancer_pct");
    if (pct && (json_number_value(pct) < 0 || json_number_value(pct) > 100))
        return fail(c, "\"cancer_pct\" must be from 0 to 100");
    const char *hpo = str(o, "hpo");
    if (hpo && ref(c, PN_SEC_TERMS, "hpo", hpo))
        return -1;
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(o, "loinc"), i, e) {
        if (!pn__code_loinc_ok(json_string_value(e))) {
            size_t m = push(c, ".loinc[%zu]", i);
            int r = fail(c, "\"%s\" is not a valid LOINC code (mod-10 check digit)",
                         json_string_value(e));
            pop(c, m);
            return r;
        }
    }
    json_array_foreach(json_object_get(o, "weak_methods"), i, e) {
        if (!in_list(json_string_value(e), methods)) {
            size_t m = push(c, ".weak_methods[%zu]", i);
            int r = fail(c, "\"%s\" is not an assay method of the case contract",
                         json_string_value(e));
            pop(c, m);
            return r;
        }
    }
    return each(c, o, "tumours", v_assoc_tumour, NULL);
}

/* ---- syndromes ------------------------------------------------------- */

static int v_code(v *c, json_t *code, void *snomed)
{
    static const field fs[] = {{"code", T_STR, true}, FACT_FIELDS};
    if (check_fields(c, code, fs, NF(fs)) || check_fact(c, code))
        return -1;
    const char *s = str(code, "code");
    if (snomed ? !pn__code_snomed_ok(s) : !(pn__code_icd10_ok(s) && (strlen(s) == 3 || s[3] == '.')))
        return fail(c, snomed ? "\"%s\" is not a SNOMED CT id (6-18 digits, Verhoeff check digit)"
                              : "\"%s\" is not an ICD-10-CM code (e.g. G13.0)",
                    s);
    return 0;
}

static const char *const bands[] = {"obligate", "very-frequent", "frequent", "occasional",
                                    "very-rare", "excluded", NULL};

static int v_evidence(v *c, json_t *e, void *ctx)
{
    (void)ctx;
    static const field fs[] = {
        {"finding", T_STR, false}, {"antibody", T_STR, false}, {"drug", T_STR, false},
        {"treatment", T_STR, false}, {"tumour", T_STR, false}, {"criteria", T_STR, false},
        {"sex", T_STR, false},     {"age", T_ARR, false},      {"smoking", T_STR, false},
        {"sens", T_PROB, false},   {"spec", T_PROB, false},    {"lr_pos", T_POS, false},
        {"lr_neg", T_POS, false},  {"freq", T_ANY, false},     {"window_days", T_ARR, false},
        {"within_days", T_NONNEG, false}, FACT_FIELDS};
    static const char *const subjects[] = {"finding", "antibody", "drug", "treatment", "tumour",
                                           "criteria", "sex", "age", "smoking", NULL};
    static const char *const smoking[] = {"current", "former", "never", NULL};
    static const char *const sex2[] = {"female", "male", NULL};
    if (check_fields(c, e, fs, NF(fs)) || check_fact(c, e))
        return -1;
    int n = 0;
    const char *subject = NULL;
    for (const char *const *s = subjects; *s; s++)
        if (json_object_get(e, *s)) {
            n++;
            subject = *s;
        }
    if (n != 1)
        return fail(c, "an evidence item needs exactly one subject (finding, antibody, drug, "
                       "treatment, tumour, criteria, sex, age or smoking); found %d",
                    n);
    const char *id = str(e, subject);
    int r = 0;
    if (strcmp(subject, "finding") == 0)
        r = ref(c, PN_SEC_TERMS, "finding", id);
    else if (strcmp(subject, "antibody") == 0)
        r = ref(c, PN_SEC_ANTIBODIES, "antibody", id);
    else if (strcmp(subject, "drug") == 0 || strcmp(subject, "treatment") == 0)
        r = ref(c, PN_SEC_DRUGS, subject, id);
    else if (strcmp(subject, "tumour") == 0)
        r = ref(c, PN_SEC_TUMOURS, "tumour", id);
    else if (strcmp(subject, "criteria") == 0)
        r = ref(c, PN_SEC_CRITERIA, "criteria", id);
    else if (strcmp(subject, "sex") == 0)
        r = check_enum(c, e, "sex", sex2);
    else if (strcmp(subject, "smoking") == 0)
        r = check_enum(c, e, "smoking", smoking);
    else if (strcmp(subject, "age") == 0) {
        json_t *a = json_object_get(e, "age");
        double lo, hi;
        if (json_array_size(a) != 2 || !num(json_array_get(a, 0), &lo) ||
            !num(json_array_get(a, 1), &hi) || lo < 0 || hi <= lo)
            return fail(c, "\"age\" must be [min, max) in years with 0 <= min < max");
    }
    if (r)
        return r;

    json_t *freq = json_object_get(e, "freq");
    bool has_sens = json_object_get(e, "sens"), has_spec = json_object_get(e, "spec");
    bool has_lr = json_object_get(e, "lr_pos") || json_object_get(e, "lr_neg");
    int forms = (has_sens || has_spec) + has_lr + (freq != NULL);
    if (forms != 1)
        return fail(c, "give the strength in exactly one form: sens and spec, lr_pos/lr_neg, or "
                       "freq");
    if (has_spec && !has_sens)
        return fail(c, "\"spec\" needs \"sens\"");
    if (has_sens && has_spec) {
        double sens = json_number_value(json_object_get(e, "sens"));
        double spec = json_number_value(json_object_get(e, "spec"));
        if (spec >= 1.0 && sens > 0)
            return fail(c, "\"spec\" of 1 makes LR+ infinite: give lr_pos instead");
        if (spec <= 0.0)
            return fail(c, "\"spec\" of 0 makes LR- infinite");
    }
    if (has_sens && !has_spec && strcmp(subject, "finding") != 0 &&
        strcmp(subject, "antibody") != 0)
        return fail(c, "\"sens\" without \"spec\" is only meaningful for findings and antibodies");
    if (freq) {
        double d;
        if (json_is_string(freq)) {
            if (!in_list(json_string_value(freq), bands))
                return check_enum(c, e, "freq", bands);
        } else if (!num(freq, &d) || d < 0 || d > 1) {
            return fail(c, "\"freq\" must be 0..1 or an HPO frequency band");
        }
        if (strcmp(subject, "finding") != 0 && strcmp(subject, "antibody") != 0)
            return fail(c, "\"freq\" is only for findings and antibodies; use lr_pos for %s",
                        subject);
    }
    json_t *w = json_object_get(e, "window_days");
    if (w) {
        double a, b;
        if (strcmp(subject, "drug") != 0)
            return fail(c, "\"window_days\" applies to drug items only");
        if (json_array_size(w) != 2 || !num(json_array_get(w, 0), &a) ||
            !num(json_array_get(w, 1), &b) || b < a)
            return fail(c, "\"window_days\" must be [from, to] days after the drug started");
    }
    if (json_object_get(e, "within_days") && strcmp(subject, "drug") != 0 &&
        strcmp(subject, "treatment") != 0)
        return fail(c, "\"within_days\" applies to drug and treatment items only");
    return 0;
}

static int v_treatment(v *c, json_t *t, void *ctx)
{
    (void)ctx;
    static const field fs[] = {{"kind", T_STR, true}, {"text", T_STR, true},
                               {"step", T_INT, false}, FACT_FIELDS};
    static const char *const kinds[] = {"tumour",   "immunotherapy", "symptomatic", "correct",
                                        "stop-drug", "supportive",   NULL};
    if (check_fields(c, t, fs, NF(fs)) || check_fact(c, t) || check_enum(c, t, "kind", kinds))
        return -1;
    return 0;
}

static int v_syndrome(v *c, json_t *o)
{
    static const field fs[] = {
        {"id", T_STR, true},         {"name", T_STR, true},        {"system", T_STR, true},
        {"kind", T_STR, true},       {"codes", T_OBJ, false},      {"prior", T_OBJ, true},
        {"course", T_OBJ, false},    {"definition", T_OBJ, false}, {"pns_care", T_OBJ, true},
        {"tumours", T_ARR, false},   {"evidence", T_ARR, true},    {"treatment", T_ARR, false},
        {"plain", T_STR, true},      {"age_onset", T_OBJ, false},  {"note", T_STR, false}};
    static const char *const systems[] = {"nervous", "endocrine", "blood", "skin", "kidney",
                                          "musculoskeletal", "other", NULL};
    static const char *const kinds[] = {"paraneoplastic", "mimic", NULL};
    static const char *const classes[] = {"high", "intermediate", "unrelated", "outside", NULL};
    static const field prior[] = {{"cancer", T_PROB, true}, {"no_cancer", T_PROB, true},
                                  FACT_FIELDS};
    static const field course[] = {{"acute", T_PROB, false}, {"subacute", T_PROB, false},
                                   {"chronic", T_PROB, false}, FACT_FIELDS};
    static const field def[] = {{"text", T_STR, true}, FACT_FIELDS};
    static const field pns[] = {{"class", T_STR, true}, {"reason", T_STR, false}, FACT_FIELDS};
    static const field age[] = {{"median", T_NONNEG, false}, {"min", T_NONNEG, false},
                                {"max", T_NONNEG, false},    {"sex_ratio_female", T_PROB, false},
                                FACT_FIELDS};
    static const field codes[] = {{"icd10cm", T_ARR, false}, {"snomed", T_ARR, false}};
    if (check_fields(c, o, fs, NF(fs)) || check_enum(c, o, "system", systems) ||
        check_enum(c, o, "kind", kinds))
        return -1;
    if (!pn__slug_ok(str(o, "id")))
        return fail(c, "syndrome id \"%s\" must be lower-case words joined by '-'", str(o, "id"));
    if (v_fact_obj(c, o, "prior", prior, NF(prior)) ||
        v_fact_obj(c, o, "course", course, NF(course)) ||
        v_fact_obj(c, o, "definition", def, NF(def)) ||
        v_fact_obj(c, o, "pns_care", pns, NF(pns)) || v_fact_obj(c, o, "age_onset", age, NF(age)))
        return -1;
    {
        size_t m = push(c, ".pns_care");
        int r = check_enum(c, json_object_get(o, "pns_care"), "class", classes);
        pop(c, m);
        if (r)
            return r;
    }
    json_t *cs = json_object_get(o, "course");
    if (cs) {
        double sum = 0;
        const char *keys[] = {"acute", "subacute", "chronic"};
        for (int i = 0; i < 3; i++)
            sum += json_number_value(json_object_get(cs, keys[i]));
        if (sum < 0.9 || sum > 1.1) {
            size_t m = push(c, ".course");
            int r = fail(c, "acute + subacute + chronic shares sum to %.2f; they must sum to 1",
                         sum);
            pop(c, m);
            return r;
        }
    }
    json_t *cd = json_object_get(o, "codes");
    if (cd) {
        size_t m = push(c, ".codes");
        int r = check_fields(c, cd, codes, NF(codes)) || each(c, cd, "icd10cm", v_code, NULL) ||
                        each(c, cd, "snomed", v_code, (void *)1)
                    ? -1
                    : 0;
        pop(c, m);
        if (r)
            return r;
    }
    if (strcmp(str(o, "kind"), "mimic") == 0 &&
        strcmp(str(json_object_get(o, "pns_care"), "class"), "outside") != 0)
        return fail(c, "a mimic is an alternative explanation: its pns_care class must be "
                       "\"outside\"");
    return each(c, o, "tumours", v_assoc_tumour, NULL) ||
                   each(c, o, "evidence", v_evidence, NULL) ||
                   each(c, o, "treatment", v_treatment, NULL)
               ? -1
               : 0;
}

/* ---- criteria -------------------------------------------------------- */

static int v_crit_item(v *c, json_t *it, void *set)
{
    (void)set;
    static const field fs[] = {
        {"id", T_STR, true},       {"text", T_STR, true},      {"group", T_STR, true},
        {"lab", T_STR, false},     {"finding", T_STR, false},  {"antibody", T_STR, false},
        {"drug", T_STR, false},    {"tumour", T_STR, false},   {"age", T_BOOL, false},
        {"sex", T_STR, false},     {"smoking", T_STR, false},  {"op", T_STR, false},
        {"value", T_NUM, false},   {"unit", T_STR, false},     {"present", T_BOOL, false},
        {"within_days", T_NONNEG, false}, {"points", T_NUM, false}, OPT_FACT_FIELDS};
    static const char *const smoking[] = {"current", "former", "never", NULL};
    static const char *const sex2[] = {"female", "male", NULL};
    if (check_fields(c, it, fs, NF(fs)) || check_enum(c, it, "op", ops) ||
        check_enum(c, it, "sex", sex2) || check_enum(c, it, "smoking", smoking))
        return -1;
    if (json_object_get(it, "src") && check_fact(c, it))
        return -1;
    const char *subjects[] = {"lab", "finding", "antibody", "drug", "tumour", "age", "smoking"};
    const char *subject = NULL;
    int n = 0;
    for (size_t i = 0; i < NF(subjects); i++)
        if (json_object_get(it, subjects[i])) {
            subject = subjects[i];
            n++;
        }
    if (n == 0 && json_object_get(it, "sex"))
        return 0; /* the item is "patient is <sex>" */
    if (n != 1)
        return fail(c, "a criterion item needs exactly one subject (lab, finding, antibody, "
                       "drug, tumour, age, smoking or sex); found %d",
                    n);
    bool need_cmp = strcmp(subject, "lab") == 0 || strcmp(subject, "age") == 0;
    if (need_cmp && (!json_object_get(it, "op") || !json_object_get(it, "value")))
        return fail(c, "a %s item needs \"op\" and \"value\"", subject);
    if (!need_cmp && strcmp(subject, "smoking") != 0 && !json_object_get(it, "present"))
        return fail(c, "a %s item needs \"present\" (true or false)", subject);
    if (strcmp(subject, "lab") == 0) {
        const char *lab = str(it, "lab");
        if (ref(c, PN_SEC_LABS, "lab", lab))
            return -1;
        const char *unit = str(it, "unit");
        if (!unit)
            return fail(c, "a lab item needs \"unit\"");
        int li = pn__strmap_get(&c->kb->ids[PN_SEC_LABS], lab);
        json_t *labobj = c->kb->sec[PN_SEC_LABS].items[li].obj;
        size_t i;
        json_t *u;
        bool known = false;
        json_array_foreach(json_object_get(labobj, "units"), i, u) known |=
            str(u, "unit") && strcmp(str(u, "unit"), unit) == 0;
        if (!known)
            return fail(c, "unit \"%s\" is not a unit the KB knows for lab \"%s\"", unit, lab);
    } else if (strcmp(subject, "finding") == 0) {
        return ref(c, PN_SEC_TERMS, "finding", str(it, "finding"));
    } else if (strcmp(subject, "antibody") == 0) {
        return ref(c, PN_SEC_ANTIBODIES, "antibody", str(it, "antibody"));
    } else if (strcmp(subject, "drug") == 0) {
        return ref(c, PN_SEC_DRUGS, "drug", str(it, "drug"));
    } else if (strcmp(subject, "tumour") == 0) {
        return ref(c, PN_SEC_TUMOURS, "tumour", str(it, "tumour"));
    }
    return 0;
}

static int v_rule(v *c, json_t *r, void *set)
{
    static const field fs[] = {{"group", T_STR, true}, {"min", T_ANY, true}};
    if (check_fields(c, r, fs, NF(fs)))
        return -1;
    json_t *min = json_object_get(r, "min");
    if (!(json_is_string(min) && strcmp(json_string_value(min), "all") == 0) &&
        !(json_is_integer(min) && json_integer_value(min) >= 0))
        return fail(c, "\"min\" must be \"all\" or a whole number");
    const char *g = str(r, "group");
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(set, "items"), i, it) if (str(it, "group") &&
                                                                strcmp(str(it, "group"), g) == 0)
        return 0;
    return fail(c, "rule names group \"%s\" but no item has it", g);
}

static int v_band(v *c, json_t *b, void *ctx)
{
    (void)ctx;
    static const field fs[] = {{"min", T_NUM, true}, {"text", T_STR, true},
                               {"risk", T_PROB, false}, FACT_FIELDS};
    return check_fields(c, b, fs, NF(fs)) || check_fact(c, b) ? -1 : 0;
}

static int v_criteria(v *c, json_t *o)
{
    static const field fs[] = {{"id", T_STR, true},      {"syndrome", T_STR, false},
                               {"name", T_STR, true},    {"items", T_ARR, true},
                               {"rule", T_ARR, true},    {"points", T_BOOL, false},
                               {"bands", T_ARR, false},  {"serves", T_STR, false},
                               {"risk_tumour", T_STR, false}, FACT_FIELDS};
    if (check_fields(c, o, fs, NF(fs)) || check_fact(c, o))
        return -1;
    if (!pn__slug_ok(str(o, "id")))
        return fail(c, "criteria id \"%s\" must be lower-case words joined by '-'", str(o, "id"));
    const char *s = str(o, "syndrome");
    if (s && ref(c, PN_SEC_SYNDROMES, "syndrome", s))
        return -1;
    if (str(o, "serves") && ref(c, PN_SEC_SYNDROMES, "serves", str(o, "serves")))
        return -1;
    if (str(o, "risk_tumour") && ref(c, PN_SEC_TUMOURS, "risk_tumour", str(o, "risk_tumour")))
        return -1;
    if (str(o, "risk_tumour") && !json_is_true(json_object_get(o, "points")))
        return fail(c, "\"risk_tumour\" needs a point score whose bands give a \"risk\"");
    if (json_array_size(json_object_get(o, "items")) == 0)
        return fail(c, "a criteria set needs at least one item");
    size_t i, k;
    json_t *a, *b;
    json_array_foreach(json_object_get(o, "items"), i, a) {
        json_array_foreach(json_object_get(o, "items"), k, b) {
            if (k < i && str(a, "id") && str(b, "id") && strcmp(str(a, "id"), str(b, "id")) == 0) {
                size_t m = push(c, ".items[%zu].id", i);
                int r = fail(c, "item id \"%s\" used twice in this set", str(a, "id"));
                pop(c, m);
                return r;
            }
        }
    }
    return each(c, o, "items", v_crit_item, o) || each(c, o, "rule", v_rule, o) ||
                   each(c, o, "bands", v_band, NULL)
               ? -1
               : 0;
}

/* ---- workup and re-screening ----------------------------------------- */

static int v_workup(v *c, json_t *o)
{
    static const field fs[] = {{"tumour", T_STR, false}, {"syndrome", T_STR, false},
                               {"test", T_STR, true},    {"when", T_STR, false},
                               {"then", T_STR, false},   {"sex", T_STR, false},
                               {"age_min", T_NONNEG, false}, {"age_max", T_NONNEG, false},
                               {"order", T_INT, false},  FACT_FIELDS};
    if (check_fields(c, o, fs, NF(fs)) || check_fact(c, o) || check_enum(c, o, "sex", sexes))
        return -1;
    const char *t = str(o, "tumour"), *s = str(o, "syndrome");
    if (!!t == !!s)
        return fail(c, "a workup entry needs exactly one of \"tumour\" or \"syndrome\"");
    return t ? ref(c, PN_SEC_TUMOURS, "tumour", t) : ref(c, PN_SEC_SYNDROMES, "syndrome", s);
}

static int v_rescreen(v *c, json_t *o)
{
    static const field fs[] = {{"default", T_BOOL, false}, {"syndrome", T_STR, false},
                               {"first_months", T_ARR, true}, {"interval_months", T_POS, true},
                               {"until_months", T_POS, true}, FACT_FIELDS};
    if (check_fields(c, o, fs, NF(fs)) || check_fact(c, o))
        return -1;
    json_t *d = json_object_get(o, "default");
    const char *s = str(o, "syndrome");
    if ((d && json_is_true(d)) == !!s)
        return fail(c, "a re-screening entry is either \"default\": true or for one \"syndrome\"");
    json_t *fm = json_object_get(o, "first_months");
    double a, b;
    if (json_array_size(fm) != 2 || !num(json_array_get(fm, 0), &a) ||
        !num(json_array_get(fm, 1), &b) || a <= 0 || b < a)
        return fail(c, "\"first_months\" must be [earliest, latest] months, e.g. [3, 6]");
    return s ? ref(c, PN_SEC_SYNDROMES, "syndrome", s) : 0;
}

/* ---- terminology mappings -------------------------------------------- */

static int v_mapping(v *c, json_t *o)
{
    static const field fs[] = {{"system", T_STR, true}, {"code", T_STR, true},
                               {"display", T_STR, false}, {"maps", T_OBJ, true}, FACT_FIELDS};
    /* automatic, not static: compound literals are constant only at block scope */
    const struct {
        const char *kind;
        int sec;                  /* a KB section the value must name, or -1 */
        const char *const *vals;  /* else one of these values */
    } kinds[] = {
        {"tumour", PN_SEC_TUMOURS, NULL},
        {"syndrome", PN_SEC_SYNDROMES, NULL},
        {"term", PN_SEC_TERMS, NULL},
        {"drug", PN_SEC_DRUGS, NULL},
        {"antibody", PN_SEC_ANTIBODIES, NULL},
        {"lab", PN_SEC_LABS, NULL},
        {"smoking", -1, (const char *const[]){"current", "former", "never", NULL}},
        {"presence", -1, (const char *const[]){"present", "absent", NULL}},
        {"result", -1, (const char *const[]){"positive", "negative", "equivocal", NULL}},
        {"method", -1, (const char *const[]){"cba", "iif", "ihc", "immunoblot", "line-blot", "elisa",
                                              "ria", NULL}},
        {"specimen", -1, (const char *const[]){"serum", "csf", NULL}},
        {"severity", -1, (const char *const[]){"mild", "moderate", "severe", NULL}},
        {"course", -1, (const char *const[]){"acute", "subacute", "chronic", NULL}},
        {"procedure", -1, (const char *const[]){"screening", "chemotherapy", "radiotherapy",
                                                 "surgery", "immunotherapy", NULL}},
        {"outcome", -1, (const char *const[]){"negative", "positive", NULL}},
        {"observation", -1, (const char *const[]){"smoking-status", "pack-years", NULL}},
        {"system", -1, (const char *const[]){"hpo", "snomed", "loinc", "icd10cm", "atc", "rxnorm",
                                              "ucum", NULL}},
    };
    if (check_fields(c, o, fs, NF(fs)) || check_fact(c, o))
        return -1;
    const char *sys = str(o, "system"), *code = str(o, "code");
    if (strcmp(sys, "text") != 0 && strncmp(sys, "http://", 7) != 0 && strncmp(sys, "https://", 8) != 0 &&
        strncmp(sys, "urn:", 4) != 0)
        return fail(c, "\"system\" must be a code-system URI or \"text\" (a lower-case phrase)");
    if (strcmp(sys, "http://loinc.org") == 0 && !pn__code_loinc_ok(code) && code[0] != 'L')
        return fail(c, "\"%s\" is not a valid LOINC code (mod-10 check digit)", code);
    if (strcmp(sys, "http://snomed.info/sct") == 0 && !pn__code_snomed_ok(code))
        return fail(c, "\"%s\" is not a SNOMED CT id (Verhoeff check digit)", code);
    if (strcmp(sys, "text") == 0) {
        for (const char *p = code; *p; p++)
            if (*p >= 'A' && *p <= 'Z')
                return fail(c, "a text mapping's \"code\" must be lower case");
    }
    json_t *maps = json_object_get(o, "maps");
    if (json_object_size(maps) != 1)
        return fail(c, "\"maps\" must name exactly one target, e.g. {\"tumour\": \"sclc\"}");
    const char *k = json_object_iter_key(json_object_iter(maps));
    json_t *val = json_object_iter_value(json_object_iter(maps));
    size_t m = push(c, ".maps.%s", k);
    int r = 0;
    size_t i;
    for (i = 0; i < NF(kinds); i++)
        if (strcmp(kinds[i].kind, k) == 0)
            break;
    if (i == NF(kinds))
        r = fail(c, "unknown mapping kind \"%s\"", k);
    else if (!json_is_string(val))
        r = fail(c, "must be a string");
    else if (kinds[i].sec >= 0 && pn__strmap_get(&c->kb->ids[kinds[i].sec], json_string_value(val)) < 0)
        r = fail(c, "unknown %s id \"%s\"", pn__kb_section_names[kinds[i].sec], json_string_value(val));
    else if (kinds[i].sec < 0 && !in_list(json_string_value(val), kinds[i].vals))
        r = fail(c, "\"%s\" is not a valid %s", json_string_value(val), k);
    pop(c, m);
    return r;
}

/* ---- single objects -------------------------------------------------- */

static int v_meta(v *c, json_t *o)
{
    static const field fs[] = {{"name", T_STR, true}, {"version", T_STR, true},
                               {"note", T_STR, false}};
    return check_fields(c, o, fs, NF(fs));
}

static int v_points_obj(v *c, json_t *o, const char *key, const char *const *names_)
{
    json_t *sub = json_object_get(o, key);
    if (!sub)
        return fail(c, "missing \"%s\"", key);
    size_t m = push(c, ".%s", key);
    int r = 0;
    const char *k;
    json_t *val;
    json_object_foreach(sub, k, val) {
        if (strcmp(k, "src") == 0 || strcmp(k, "grade") == 0 || strcmp(k, "note") == 0)
            continue;
        if (!in_list(k, names_)) {
            r = fail(c, "unknown field \"%s\"", k);
            break;
        }
        if (!json_is_integer(val) || json_integer_value(val) < 0) {
            size_t m2 = push(c, ".%s", k);
            r = fail(c, "must be a whole number of points (or months)");
            pop(c, m2);
            break;
        }
    }
    for (const char *const *n = names_; !r && *n; n++)
        if (!json_object_get(sub, *n))
            r = fail(c, "missing \"%s\"", *n);
    if (!r)
        r = check_fact(c, sub);
    pop(c, m);
    return r;
}

static int v_level(v *c, json_t *l, void *ctx)
{
    (void)ctx;
    static const field fs[] = {{"level", T_STR, true}, {"min", T_INT, true}, FACT_FIELDS};
    static const char *const levels[] = {"definite", "probable", "possible", "non-pns", NULL};
    return check_fields(c, l, fs, NF(fs)) || check_fact(c, l) ||
                   check_enum(c, l, "level", levels)
               ? -1
               : 0;
}

static int v_pns_care(v *c, json_t *o)
{
    static const field fs[] = {{"phenotype", T_OBJ, true},     {"antibody", T_OBJ, true},
                               {"cancer", T_OBJ, true},        {"levels", T_ARR, true},
                               {"oms_exception", T_OBJ, false}, {"note", T_STR, false}};
    static const char *const ph[] = {"high", "intermediate", "unrelated", NULL};
    static const char *const ab[] = {"high", "intermediate", "lower", "negative", NULL};
    static const char *const ca[] = {"consistent", "antigen_shown", "none_lt_followup",
                                     "none_ge_followup", "followup_months", NULL};
    static const field oms[] = {{"syndrome", T_STR, true}, {"text", T_STR, true}, FACT_FIELDS};
    if (check_fields(c, o, fs, NF(fs)) || v_points_obj(c, o, "phenotype", ph) ||
        v_points_obj(c, o, "antibody", ab) || v_points_obj(c, o, "cancer", ca) ||
        each(c, o, "levels", v_level, NULL) || v_fact_obj(c, o, "oms_exception", oms, NF(oms)))
        return -1;
    json_t *exc = json_object_get(o, "oms_exception");
    if (exc) {
        size_t m = push(c, ".oms_exception");
        int r = ref(c, PN_SEC_SYNDROMES, "syndrome", str(exc, "syndrome"));
        pop(c, m);
        if (r)
            return r;
    }
    const char *need[] = {"definite", "probable", "possible", "non-pns"};
    for (size_t i = 0; i < 4; i++) {
        bool found = false;
        size_t k;
        json_t *l;
        json_array_foreach(json_object_get(o, "levels"), k, l) found |=
            strcmp(str(l, "level"), need[i]) == 0;
        if (!found)
            return fail(c, "\"levels\" must define %s", need[i]);
    }
    return 0;
}

static int v_triage_lab(v *c, json_t *l, void *ctx)
{
    (void)ctx;
    static const field fs[] = {{"lab", T_STR, true},   {"op", T_STR, true},
                               {"value", T_NUM, true}, {"unit", T_STR, true},
                               {"level", T_STR, true}, {"text", T_STR, true}, FACT_FIELDS};
    static const char *const levels[] = {"emergency", "urgent", "soon", "routine", NULL};
    if (check_fields(c, l, fs, NF(fs)) || check_fact(c, l) || check_enum(c, l, "op", ops) ||
        check_enum(c, l, "level", levels) || ref(c, PN_SEC_LABS, "lab", str(l, "lab")))
        return -1;
    int li = pn__strmap_get(&c->kb->ids[PN_SEC_LABS], str(l, "lab"));
    const char *canon = str(c->kb->sec[PN_SEC_LABS].items[li].obj, "unit");
    if (strcmp(canon, str(l, "unit")) != 0)
        return fail(c, "give the threshold in the lab's canonical unit \"%s\"", canon);
    return 0;
}

static int v_triage_finding(v *c, json_t *f, void *ctx)
{
    (void)ctx;
    static const field fs[] = {{"finding", T_STR, true}, {"level", T_STR, true},
                               {"text", T_STR, true},    {"course", T_STR, false},
                               {"with", T_STR, false},   FACT_FIELDS};
    static const char *const levels[] = {"emergency", "urgent", "soon", "routine", NULL};
    static const char *const courses[] = {"acute", "subacute", "chronic", NULL};
    return check_fields(c, f, fs, NF(fs)) || check_fact(c, f) || check_enum(c, f, "level", levels) ||
                   check_enum(c, f, "course", courses) ||
                   ref(c, PN_SEC_TERMS, "finding", str(f, "finding")) ||
                   (str(f, "with") && ref(c, PN_SEC_TERMS, "with", str(f, "with")))
               ? -1
               : 0;
}

static int v_triage(v *c, json_t *o)
{
    static const field fs[] = {{"duration_days", T_POS, true},
                               {"cancer_treatment_years", T_POS, true},
                               {"labs", T_ARR, false}, {"findings", T_ARR, false},
                               {"advice", T_OBJ, false}, FACT_FIELDS};
    static const field advice[] = {{"emergency", T_STR, true}, {"urgent", T_STR, true},
                                   {"soon", T_STR, true},      {"routine", T_STR, true},
                                   {"none", T_STR, true},      {"five_year", T_STR, true},
                                   {"unknown_timing", T_STR, true}, FACT_FIELDS};
    return check_fields(c, o, fs, NF(fs)) || check_fact(c, o) ||
                   each(c, o, "labs", v_triage_lab, NULL) ||
                   each(c, o, "findings", v_triage_finding, NULL) ||
                   v_fact_obj(c, o, "advice", advice, NF(advice))
               ? -1
               : 0;
}

/* ---- the contract's syndrome list ------------------------------------ */

static int check_contract(v *c)
{
    pn_kb *kb = c->kb;
    c->file = "contract-syndromes.tsv";
    c->plen = 0;
    c->path[0] = '\0';
    pn_strmap seen;
    pn__strmap_init(&seen);
    int r = 0, line = 0;
    const char *p = kb->contract, *end = kb->contract + kb->contract_len;
    while (!r && p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        line++;
        char buf[512];
        size_t n = (size_t)(le - p) < sizeof buf - 1 ? (size_t)(le - p) : sizeof buf - 1;
        memcpy(buf, p, n);
        buf[n] = '\0';
        if (n && buf[n - 1] == '\r')
            buf[n - 1] = '\0';
        p = nl ? nl + 1 : end;
        if (line == 1 || !buf[0])
            continue; /* header, blank */
        char *cols[4] = {buf, NULL, NULL, NULL};
        for (int i = 1; i < 4; i++) {
            char *t = cols[i - 1] ? strchr(cols[i - 1], '\t') : NULL;
            if (t) {
                *t = '\0';
                cols[i] = t + 1;
            }
        }
        if (!cols[3]) {
            r = fail(c, "line %d: expected id, name, system, kind separated by tabs", line);
            break;
        }
        pn__strmap_put(&seen, cols[0], line, NULL);
        int si = pn__strmap_get(&kb->ids[PN_SEC_SYNDROMES], cols[0]);
        if (si < 0) {
            r = fail(c, "line %d: contract syndrome \"%s\" has no entry in the KB: add it to a "
                        "\"syndromes\" section",
                     line, cols[0]);
            break;
        }
        json_t *o = kb->sec[PN_SEC_SYNDROMES].items[si].obj;
        if (strcmp(str(o, "system"), cols[2]) != 0 || strcmp(str(o, "kind"), cols[3]) != 0) {
            c->file = kb->files[kb->sec[PN_SEC_SYNDROMES].items[si].file].rel;
            push(c, "$.syndromes[%zu]", kb->sec[PN_SEC_SYNDROMES].items[si].index);
            r = fail(c, "system/kind \"%s\"/\"%s\" differ from the contract's \"%s\"/\"%s\"",
                     str(o, "system"), str(o, "kind"), cols[2], cols[3]);
        }
    }
    for (size_t i = 0; !r && i < kb->sec[PN_SEC_SYNDROMES].len; i++) {
        const pn_kb_item *it = &kb->sec[PN_SEC_SYNDROMES].items[i];
        if (pn__strmap_get(&seen, str(it->obj, "id")) < 0) {
            at_item(c, PN_SEC_SYNDROMES, it);
            r = fail(c, "syndrome \"%s\" is not in contract-syndromes.tsv: add a row there "
                        "(the contract may be extended, never renamed)",
                     str(it->obj, "id"));
        }
    }
    pn__strmap_free(&seen);
    return r;
}

/* ---- driver ---------------------------------------------------------- */

static const char *const id_keys[PN_SEC_COUNT] = {
    "id", "hpo", "id", "id", "id", "id", "id", "id", NULL, NULL, NULL,
};

pn_status pn__kb_validate(pn_kb *kb, pn_error *err)
{
    v c = {.kb = kb, .err = err};
    /* pass 1: ids */
    for (int s = 0; s < PN_SEC_COUNT; s++) {
        for (size_t i = 0; i < kb->sec[s].len; i++) {
            const pn_kb_item *it = &kb->sec[s].items[i];
            at_item(&c, s, it);
            if (!json_is_object(it->obj))
                return fail(&c, "must be an object"), PN_EKB;
            if (!id_keys[s])
                continue;
            const char *id = str(it->obj, id_keys[s]);
            if (!id || !*id)
                return fail(&c, "missing required field \"%s\"", id_keys[s]), PN_EKB;
            int old;
            int r = pn__strmap_put(&kb->ids[s], id, (int)i, &old);
            if (r < 0)
                return pn__error_set(err, PN_ENOMEM, c.file, c.path, "out of memory");
            if (r == 1) {
                const pn_kb_item *o = &kb->sec[s].items[old];
                return fail(&c, "duplicate id \"%s\": already defined in %s at $.%s[%zu]", id,
                            kb->files[o->file].rel, pn__kb_section_names[s], o->index),
                       PN_EKB;
            }
        }
    }
    /* pass 2: everything else */
    typedef int (*vfn)(v *, json_t *);
    static const vfn fns[PN_SEC_COUNT] = {v_source,   v_term,     v_tumour,   v_drug,
                                          v_lab,      v_antibody, v_syndrome, v_criteria,
                                          v_workup,   v_rescreen, v_mapping};
    for (int s = 0; s < PN_SEC_COUNT; s++) {
        for (size_t i = 0; i < kb->sec[s].len; i++) {
            at_item(&c, s, &kb->sec[s].items[i]);
            if (fns[s](&c, kb->sec[s].items[i].obj))
                return PN_EKB;
        }
    }
    c.plen = 0;
    c.path[0] = '\0';
    c.file = "kb";
    if (!kb->meta)
        return fail(&c, "no \"kb\" object: kb/kb.json must give {\"name\", \"version\"}"), PN_EKB;
    struct {
        json_t *obj;
        const char *name;
        int (*fn)(v *, json_t *);
    } singles[] = {{kb->meta, "kb", v_meta},
                   {kb->pns_care, "pns_care", v_pns_care},
                   {kb->triage, "triage", v_triage}};
    for (size_t i = 0; i < NF(singles); i++) {
        if (!singles[i].obj)
            return fail(&c, "no \"%s\" object in the KB", singles[i].name), PN_EKB;
        /* find its file for the message */
        for (size_t f = 0; f < kb->n_files; f++)
            if (json_object_get(kb->files[f].doc, singles[i].name) == singles[i].obj)
                c.file = kb->files[f].rel;
        c.plen = 0;
        push(&c, "$.%s", singles[i].name);
        if (singles[i].fn(&c, singles[i].obj))
            return PN_EKB;
    }
    kb->version = str(kb->meta, "version");
    /* exactly one default re-screening schedule */
    int defaults = 0;
    for (size_t i = 0; i < kb->sec[PN_SEC_RESCREENING].len; i++)
        defaults += json_is_true(json_object_get(kb->sec[PN_SEC_RESCREENING].items[i].obj,
                                                 "default"));
    if (defaults != 1) {
        c.file = "kb";
        c.plen = 0;
        push(&c, "$.rescreening");
        return fail(&c, "need exactly one re-screening entry with \"default\": true (found %d)",
                    defaults),
               PN_EKB;
    }
    if (check_contract(&c))
        return PN_EKB;
    return PN_OK;
}
