/* case.c - parsing and validating a case/1 document (the contract's input).
 *
 * Bad input is refused with the JSON path of the first problem and what is
 * wrong; nothing is half-parsed.  What is merely unknown to the knowledge
 * base (an HPO term, an antibody, a unit, a field) is kept and reported as
 * a warning, so no information is silently dropped. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/case_int.h"
#include "core/error_int.h"
#include "kb/kb_int.h"
#include "util/date.h"
#include "util/text.h"

#define CASE_MAX_STRING 65536
#define CASE_MAX_ITEMS 10000

const char *const pn__sex_names[] = {"unknown", "female", "male", "other", NULL};
const char *const pn__smoking_names[] = {"unknown", "current", "former", "never", NULL};
const char *const pn__course_names[] = {"", "acute", "subacute", "chronic", NULL};
const char *const pn__severity_names[] = {"", "mild", "moderate", "severe", NULL};
const char *const pn__ab_result_names[] = {"positive", "negative", "equivocal", NULL};
const char *const pn__specimen_names[] = {"", "serum", "csf", NULL};
const char *const pn__method_names[] = {"",          "cba",       "iif",   "ihc", "immunoblot",
                                        "line-blot", "elisa",     "ria",   "unknown", NULL};
const char *const pn__cancer_status_names[] = {"active", "remission", "suspected", "history", NULL};
const char *const pn__antigen_names[] = {"unknown", "shown", "absent", NULL};
const char *const pn__screen_names[] = {"", "negative", "positive", "not_done", NULL};

typedef struct p {
    const pn_kb *kb;
    pn_case *c;
    pn_error *err;
    char path[256];
    size_t plen;
    bool oom;
} p;

static size_t push(p *x, const char *fmt, ...) PN_PRINTF(2, 3);
static size_t push(p *x, const char *fmt, ...)
{
    size_t mark = x->plen;
    va_list ap;
    va_start(ap, fmt);
    int w = vsnprintf(x->path + x->plen, sizeof x->path - x->plen, fmt, ap);
    va_end(ap);
    if (w > 0)
        x->plen += (size_t)w < sizeof x->path - x->plen ? (size_t)w : sizeof x->path - x->plen - 1;
    return mark;
}

static void pop(p *x, size_t mark)
{
    x->plen = mark;
    x->path[mark] = '\0';
}

static int fail(p *x, const char *fmt, ...) PN_PRINTF(2, 3);
static int fail(p *x, const char *fmt, ...)
{
    char msg[480];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    pn__error_set(x->err, PN_EINVAL, "<case>", x->plen ? x->path : "$", "%s", msg);
    return -1;
}

/* A failed fail: memory ran out. */
static int nomem(p *x)
{
    x->oom = true;
    pn__error_set(x->err, PN_ENOMEM, "<case>", x->path, "out of memory");
    return -1;
}

bool pn__case_warn(pn_case *c, const char *fmt, ...)
{
    char buf[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (c->n_warnings == c->cap_warnings) {
        size_t cap = c->cap_warnings ? c->cap_warnings * 2 : 16;
        const char **w = pn__arena_alloc(&c->arena, cap * sizeof *w);
        if (!w)
            return false;
        if (c->n_warnings)
            memcpy(w, c->warnings, c->n_warnings * sizeof *w);
        c->warnings = w;
        c->cap_warnings = cap;
    }
    const char *s = pn__arena_strdup(&c->arena, buf);
    if (!s)
        return false;
    c->warnings[c->n_warnings++] = s;
    return true;
}

#define WARN(x, ...)                                                                            \
    do {                                                                                        \
        if (!pn__case_warn((x)->c, __VA_ARGS__))                                                \
            return nomem(x);                                                                    \
    } while (0)

/* ---- typed field readers: 0 ok (value may be absent), -1 error -------- */

static const char *type_of(json_t *j)
{
    switch (json_typeof(j)) {
    case JSON_OBJECT: return "an object";
    case JSON_ARRAY: return "an array";
    case JSON_STRING: return "a string";
    case JSON_INTEGER:
    case JSON_REAL: return "a number";
    case JSON_TRUE:
    case JSON_FALSE: return "a boolean";
    default: return "null";
    }
}

static int wrong_type(p *x, const char *key, const char *want, json_t *got)
{
    size_t m = push(x, ".%s", key);
    int r = fail(x, "must be %s, not %s", want, type_of(got));
    pop(x, m);
    return r;
}

static int get_str(p *x, json_t *obj, const char *key, bool null_ok, const char **out)
{
    json_t *j = json_object_get(obj, key);
    *out = NULL;
    if (!j || (null_ok && json_is_null(j)))
        return 0;
    if (!json_is_string(j))
        return wrong_type(x, key, "a string", j);
    if (json_string_length(j) > CASE_MAX_STRING) {
        size_t m = push(x, ".%s", key);
        int r = fail(x, "string of %zu bytes is longer than the limit of %d", json_string_length(j),
                     CASE_MAX_STRING);
        pop(x, m);
        return r;
    }
    if (!(*out = pn__arena_strdup(&x->c->arena, json_string_value(j))))
        return nomem(x);
    return 0;
}

static int get_enum(p *x, json_t *obj, const char *key, const char *const *names, int *out)
{
    const char *s;
    if (get_str(x, obj, key, false, &s))
        return -1;
    if (!s)
        return 0;
    for (int i = 0; names[i]; i++) {
        if (names[i][0] && strcmp(names[i], s) == 0) {
            *out = i;
            return 0;
        }
    }
    char known[200] = "";
    size_t k = 0;
    for (int i = 0; names[i]; i++)
        if (names[i][0])
            k += (size_t)snprintf(known + k, sizeof known - k, "%s%s", k ? ", " : "", names[i]);
    size_t m = push(x, ".%s", key);
    int r = fail(x, "\"%s\" is not one of: %s", s, known);
    pop(x, m);
    return r;
}

static int get_date(p *x, json_t *obj, const char *key, bool null_ok, int32_t *out)
{
    json_t *j = json_object_get(obj, key);
    *out = PN_NO_DATE;
    if (!j || (null_ok && json_is_null(j)))
        return 0;
    if (!json_is_string(j))
        return wrong_type(x, key, null_ok ? "a date (YYYY-MM-DD) or null" : "a date (YYYY-MM-DD)",
                          j);
    if (!pn__date_parse(json_string_value(j), out)) {
        size_t m = push(x, ".%s", key);
        char shown[40];
        snprintf(shown, sizeof shown, "%.32s", json_string_value(j));
        int y = atoi(shown);
        bool shape = strlen(shown) == 10 && shown[4] == '-' && shown[7] == '-';
        for (int k = 0; shape && k < 10; k++)
            shape = k == 4 || k == 7 || (shown[k] >= '0' && shown[k] <= '9');
        int r = shape && (y < 1800 || y > 2999)
                    ? fail(x, "\"%s\": years from 1800 to 2999 are supported", shown)
                    : fail(x, "\"%s\" is not a real calendar date in the form YYYY-MM-DD", shown);
        pop(x, m);
        return r;
    }
    return 0;
}

static int get_num(p *x, json_t *obj, const char *key, double lo, double hi_excl, bool *has,
                   double *out)
{
    json_t *j = json_object_get(obj, key);
    *has = false;
    if (!j)
        return 0;
    if (!json_is_number(j))
        return wrong_type(x, key, "a number", j);
    double d = json_number_value(j);
    if (!isfinite(d) || d < lo || d >= hi_excl) {
        size_t m = push(x, ".%s", key);
        int r = hi_excl < INFINITY ? fail(x, "%g is out of range (from %g to less than %g)", d, lo,
                                          hi_excl)
                                   : fail(x, "%g is out of range (at least %g)", d, lo);
        pop(x, m);
        return r;
    }
    *has = true;
    *out = d;
    return 0;
}

/* Warns about fields the contract does not define (they are ignored). */
static int check_keys(p *x, json_t *obj, const char *const *known)
{
    const char *key;
    json_t *val;
    json_object_foreach(obj, key, val) {
        (void)val;
        bool ok = false;
        for (const char *const *k = known; *k && !ok; k++)
            ok = strcmp(*k, key) == 0;
        if (!ok) {
            char shown[80];
            snprintf(shown, sizeof shown, "%.64s", key);
            WARN(x, "%s.%s: unknown field ignored", x->path, shown);
        }
    }
    return 0;
}

/* Calls fn for each element of array field key (objects unless any_type). */
typedef int (*elem_fn)(p *x, json_t *e, size_t i);

static int get_array(p *x, json_t *obj, const char *key, size_t *n, elem_fn fn)
{
    json_t *arr = json_object_get(obj, key);
    *n = 0;
    if (!arr)
        return 0;
    if (!json_is_array(arr))
        return wrong_type(x, key, "an array", arr);
    if (json_array_size(arr) > CASE_MAX_ITEMS) {
        size_t m = push(x, ".%s", key);
        int r = fail(x, "%zu entries is more than the limit of %d", json_array_size(arr),
                     CASE_MAX_ITEMS);
        pop(x, m);
        return r;
    }
    size_t i;
    json_t *e;
    json_array_foreach(arr, i, e) {
        size_t m = push(x, ".%s[%zu]", key, i);
        int r = fn(x, e, i);
        pop(x, m);
        if (r)
            return r;
    }
    *n = json_array_size(arr);
    return 0;
}

static int need_object(p *x, json_t *e)
{
    if (!json_is_object(e))
        return fail(x, "must be an object, not %s", type_of(e));
    return 0;
}

/* ---- findings -------------------------------------------------------- */

/* The catalogue term whose label or synonym occurs longest in label, and
 * whether that mention is negated ("no myoclonus", "HSV PCR negative"). */
static int term_by_phrase(const pn_kb *kb, const char *label, bool *negated)
{
    char folded[1024];
    *negated = false;
    if (pn__text_fold(label, folded, sizeof folded) == (size_t)-1)
        return -1;
    size_t at = 0, len = 0;
    /* phrases of 3 letters or fewer are too ambiguous to stand for a term */
    int best = pn__text_longest_phrase(folded, &kb->term_names, 3, &at, &len);
    const char *best_at = folded + at;
    size_t best_len = len;
    if (best >= 0)
        *negated = pn__text_negated(folded, best_at, best_len);
    return best;
}

static int32_t course_from_onset(const pn_case *c, int32_t onset)
{
    int32_t days = c->as_of - onset;
    return days < 28 ? PN_COURSE_ACUTE : days <= 91 ? PN_COURSE_SUBACUTE : PN_COURSE_CHRONIC;
}

static int finding(p *x, json_t *e, size_t i)
{
    static const char *const keys[] = {"hpo", "label", "present", "onset", "course", "severity",
                                       NULL};
    pn_finding *f = &x->c->findings[i];
    int course = 0, sev = 0;
    if (need_object(x, e) || get_str(x, e, "hpo", false, &f->hpo) ||
        get_str(x, e, "label", false, &f->label) || get_date(x, e, "onset", false, &f->onset) ||
        get_enum(x, e, "course", pn__course_names, &course) ||
        get_enum(x, e, "severity", pn__severity_names, &sev) || check_keys(x, e, keys))
        return -1;
    f->course = (pn_course)course;
    f->severity = (pn_severity)sev;
    json_t *pr = json_object_get(e, "present");
    if (pr && !json_is_boolean(pr))
        return wrong_type(x, "present", "true or false", pr);
    f->present = !pr || json_is_true(pr);
    if (!f->hpo && (!f->label || pn__text_blank(f->label)))
        return fail(x, "a finding needs \"hpo\" (HP:nnnnnnn) or a non-blank \"label\"");
    f->term = -1;
    if (f->hpo) {
        if (!pn__code_is_hpo(f->hpo)) {
            size_t m = push(x, ".hpo");
            char shown[40];
            snprintf(shown, sizeof shown, "%.32s", f->hpo);
            int r = fail(x, "\"%s\" is not an HPO id (HP: and 7 digits)", shown);
            pop(x, m);
            return r;
        }
        f->term = pn__kb_find(x->kb, PN_SEC_TERMS, f->hpo);
        if (f->term < 0)
            WARN(x, "%s.hpo: %s is not in the knowledge base's catalogue; it counts as neutral",
                 x->path, f->hpo);
    } else {
        bool negated = false;
        f->term = pn__kb_term_by_name(x->kb, f->label);
        if (f->term < 0)
            f->term = term_by_phrase(x->kb, f->label, &negated);
        if (f->term >= 0) {
            f->hpo = x->kb->terms[f->term].id;
            f->mapped_from_label = true;
            if (negated && f->present) {
                f->present = false;
                char shown[100];
                snprintf(shown, sizeof shown, "%.80s", f->label);
                WARN(x, "%s.label: \"%s\" reads as a negation: recorded as %s absent", x->path, shown,
                     x->kb->terms[f->term].label);
            }
        } else {
            char shown[100];
            snprintf(shown, sizeof shown, "%.80s", f->label);
            WARN(x, "%s.label: \"%s\" could not be mapped to a known term; give its HPO id", x->path,
                 shown);
        }
    }
    if (f->onset != PN_NO_DATE) {
        if (f->onset > x->c->as_of)
            WARN(x, "%s.onset: after as_of", x->path);
        int32_t derived = course_from_onset(x->c, f->onset);
        if (f->course == PN_COURSE_NONE) {
            f->course = (pn_course)derived;
            f->course_derived = true;
        }
    }
    return 0;
}

/* ---- phenotypes ------------------------------------------------------ */

static int phenotype(p *x, json_t *e, size_t i)
{
    if (!json_is_string(e))
        return fail(x, "must be a syndrome id (a string), not %s", type_of(e));
    const char *id = json_string_value(e);
    if (!pn__slug_ok(id))
        return fail(x, "\"%.60s\" is not a syndrome id (lower-case words joined by '-')", id);
    int s = pn__kb_find(x->kb, PN_SEC_SYNDROMES, id);
    x->c->phenotypes[i] = s;
    if (s < 0)
        WARN(x, "%s: \"%s\" is not a syndrome id the knowledge base knows; ignored", x->path, id);
    return 0;
}

/* ---- antibodies ------------------------------------------------------ */

static int antibody(p *x, json_t *e, size_t i)
{
    static const char *const keys[] = {"target", "result", "specimen", "method", "titer", NULL};
    pn_ab_test *a = &x->c->antibodies[i];
    int result = -1, spec = 0, method = 0;
    if (need_object(x, e) || get_str(x, e, "target", false, &a->target) ||
        get_enum(x, e, "result", pn__ab_result_names, &result) ||
        get_enum(x, e, "specimen", pn__specimen_names, &spec) ||
        get_enum(x, e, "method", pn__method_names, &method) ||
        get_str(x, e, "titer", false, &a->titer) || check_keys(x, e, keys))
        return -1;
    if (!a->target || pn__text_blank(a->target))
        return fail(x, "an antibody test needs a non-blank \"target\" (e.g. \"Hu\", \"ANNA-1\")");
    if (result < 0)
        return fail(x, "an antibody test needs \"result\": positive, negative or equivocal");
    a->result = (pn_ab_result)result;
    a->specimen = (pn_specimen)spec;
    a->method = (pn_method)method;
    a->antibody = pn__kb_antibody_by_name(x->kb, a->target);
    if (a->antibody < 0)
        WARN(x, "%s.target: antibody \"%.60s\" is not known to the knowledge base; ignored", x->path,
             a->target);
    return 0;
}

/* ---- labs ------------------------------------------------------------ */

static int lab_by_phrase(const pn_kb *kb, const char *name)
{
    char folded[512];
    if (pn__text_fold(name, folded, sizeof folded) == (size_t)-1)
        return -1;
    size_t at, len;
    /* "na", "ca", "k" match exactly, never as a phrase */
    return pn__text_longest_phrase(folded, &kb->lab_names, 2, &at, &len);
}

static int lab(p *x, json_t *e, size_t i)
{
    static const char *const keys[] = {"loinc", "name", "value", "unit", "date", NULL};
    pn_lab_result *l = &x->c->labs[i];
    bool has;
    if (need_object(x, e) || get_str(x, e, "loinc", false, &l->loinc) ||
        get_str(x, e, "name", false, &l->name) || get_str(x, e, "unit", false, &l->unit) ||
        get_date(x, e, "date", false, &l->date) ||
        get_num(x, e, "value", -INFINITY, INFINITY, &has, &l->value) || check_keys(x, e, keys))
        return -1;
    if (!has)
        return fail(x, "a lab result needs a numeric \"value\"");
    if (!l->loinc && !l->name)
        return fail(x, "a lab result needs \"loinc\" or \"name\"");
    if (l->loinc) {
        const char *s = l->loinc, *dash = strchr(s, '-');
        size_t n = strlen(s);
        bool shape = dash && dash > s && dash - s <= 7 && n - (size_t)(dash - s) == 2;
        for (const char *q = s; shape && *q; q++)
            shape = (*q >= '0' && *q <= '9') || q == dash;
        if (!shape) {
            size_t m = push(x, ".loinc");
            int r = fail(x, "\"%.20s\" is not a LOINC code (digits, '-', check digit)", s);
            pop(x, m);
            return r;
        }
        if (!pn__code_loinc_ok(s))
            WARN(x, "%s.loinc: %s fails the LOINC check digit; matched by name instead", x->path, s);
    }
    if (l->date != PN_NO_DATE && l->date > x->c->as_of)
        WARN(x, "%s.date: after as_of", x->path);
    l->lab = -1;
    if (l->loinc && pn__code_loinc_ok(l->loinc))
        l->lab = pn__kb_lab_by_loinc(x->kb, l->loinc);
    if (l->lab < 0 && l->name) {
        l->lab = pn__kb_lab_by_name(x->kb, l->name);
        if (l->lab < 0)
            l->lab = lab_by_phrase(x->kb, l->name);
    }
    char label[96];
    snprintf(label, sizeof label, "%.60s%s%.20s", l->name ? l->name : "", l->name && l->loinc ? " " : "",
             l->loinc ? l->loinc : "");
    if (l->lab < 0) {
        WARN(x, "%s: lab \"%s\" is not known to the knowledge base; ignored", x->path, label);
        return 0;
    }
    const pn_kb_lab *kl = &x->kb->labs[l->lab];
    if (!l->unit) {
        if (strcmp(kl->unit, "1") == 0 || strcmp(kl->unit, "{ratio}") == 0) {
            l->canon = l->value;
            l->converted = true;
        } else {
            WARN(x, "%s.unit: lab \"%s\" has no unit; give it (expected %s), the value is not used",
                 x->path, label, kl->unit);
        }
        return 0;
    }
    if (pn__kb_lab_convert(x->kb, l->lab, l->unit, l->value, &l->canon)) {
        l->converted = true;
    } else {
        char known[200] = "";
        size_t k = 0;
        for (size_t u = 0; u < kl->n_units && k < sizeof known - 24; u++)
            k += (size_t)snprintf(known + k, sizeof known - k, "%s%s", u ? ", " : "",
                                  kl->units[u].unit);
        WARN(x, "%s.unit: cannot convert \"%.30s\" for lab \"%s\" (known units: %s); the value is "
                "not used rather than guessed",
             x->path, l->unit, label, known);
    }
    if (l->value < 0)
        WARN(x, "%s.value: negative value %g for lab \"%s\"", x->path, l->value, label);
    return 0;
}

/* ---- cancers --------------------------------------------------------- */

static int cancer(p *x, json_t *e, size_t i)
{
    static const char *const keys[] = {"icd10", "name", "status", "diagnosed",
                                       "antigen_expression", NULL};
    pn_cancer *k = &x->c->cancers[i];
    int status = 0, antigen = 0;
    if (need_object(x, e) || get_str(x, e, "icd10", false, &k->icd10) ||
        get_str(x, e, "name", false, &k->name) ||
        get_enum(x, e, "status", pn__cancer_status_names, &status) ||
        get_date(x, e, "diagnosed", false, &k->diagnosed) ||
        get_enum(x, e, "antigen_expression", pn__antigen_names, &antigen) || check_keys(x, e, keys))
        return -1;
    if (!k->icd10 && !k->name)
        return fail(x, "a cancer needs \"icd10\" or \"name\"");
    if (k->icd10 && !pn__code_icd10_ok(k->icd10)) {
        size_t m = push(x, ".icd10");
        int r = fail(x, "\"%.20s\" is not an ICD-10 code (e.g. C34 or C34.90)", k->icd10);
        pop(x, m);
        return r;
    }
    k->status = (pn_cancer_status)status;
    k->antigen = (pn_antigen)antigen;
    if (!json_object_get(e, "status"))
        WARN(x, "%s.status: not given; taken as active", x->path);
    k->tumour = pn__kb_tumour_match(x->kb, k->icd10, k->name);
    if (k->tumour < 0)
        WARN(x, "%s: cancer \"%.60s%s%.10s\" is not a tumour the knowledge base knows", x->path,
             k->name ? k->name : "", k->name && k->icd10 ? " " : "", k->icd10 ? k->icd10 : "");
    if (k->diagnosed != PN_NO_DATE && k->diagnosed > x->c->as_of)
        WARN(x, "%s.diagnosed: after as_of", x->path);
    return 0;
}

/* ---- medications and treatments -------------------------------------- */

static int drug_classes(p *x, pn_drug_use *d)
{
    size_t n = 0;
    int *cls = pn__arena_alloc(&x->c->arena, (x->kb->n_drugs + 1) * sizeof *cls);
    if (!cls)
        return nomem(x);
    for (size_t k = 0; k < x->kb->n_drugs; k++) {
        bool kind_match = d->kind && strcmp(d->kind, x->kb->drugs[k].id) == 0;
        if (kind_match || pn__kb_drug_matches(x->kb, (int)k, d->atc, d->name) ||
            (d->kind && pn__kb_drug_matches(x->kb, (int)k, NULL, d->kind)))
            cls[n++] = (int)k;
    }
    d->classes = cls;
    d->n_classes = n;
    return 0;
}

static int dates_in_order(p *x, pn_drug_use *d)
{
    if (d->start != PN_NO_DATE && d->end != PN_NO_DATE && d->end < d->start)
        return fail(x, "\"end\" is before \"start\"");
    if (d->start != PN_NO_DATE && d->start > x->c->as_of)
        WARN(x, "%s.start: after as_of", x->path);
    return 0;
}

static int medication(p *x, json_t *e, size_t i)
{
    static const char *const keys[] = {"name", "atc", "start", "end", NULL};
    pn_drug_use *d = &x->c->medications[i];
    if (need_object(x, e) || get_str(x, e, "name", false, &d->name) ||
        get_str(x, e, "atc", false, &d->atc) || get_date(x, e, "start", true, &d->start) ||
        get_date(x, e, "end", true, &d->end) || check_keys(x, e, keys))
        return -1;
    if (!d->name && !d->atc)
        return fail(x, "a medication needs \"name\" or \"atc\"");
    if (d->atc && !pn__code_atc_ok(d->atc))
        WARN(x, "%s.atc: \"%.20s\" is not an ATC code; matched by name only", x->path, d->atc);
    if (dates_in_order(x, d) || drug_classes(x, d))
        return -1;
    return 0;
}

static int treatment(p *x, json_t *e, size_t i)
{
    static const char *const keys[] = {"kind", "name", "start", "end", NULL};
    pn_drug_use *d = &x->c->treatments[i];
    if (need_object(x, e) || get_str(x, e, "kind", false, &d->kind) ||
        get_str(x, e, "name", false, &d->name) || get_date(x, e, "start", true, &d->start) ||
        get_date(x, e, "end", true, &d->end) || check_keys(x, e, keys))
        return -1;
    if (!d->kind && !d->name)
        return fail(x, "a treatment needs \"kind\" (e.g. chemotherapy) or \"name\"");
    return dates_in_order(x, d) || drug_classes(x, d) ? -1 : 0;
}

/* ---- the document ---------------------------------------------------- */

static int patient(p *x, json_t *root)
{
    static const char *const keys[] = {"age_years", "sex", "smoking", "pack_years", NULL};
    json_t *o = json_object_get(root, "patient");
    if (!o)
        return 0;
    if (!json_is_object(o))
        return wrong_type(x, "patient", "an object", o);
    size_t m = push(x, ".patient");
    int sex = 0, smoking = 0;
    int r = get_num(x, o, "age_years", 0, 130, &x->c->patient.has_age, &x->c->patient.age) ||
                    get_enum(x, o, "sex", pn__sex_names, &sex) ||
                    get_enum(x, o, "smoking", pn__smoking_names, &smoking) ||
                    get_num(x, o, "pack_years", 0, 500, &x->c->patient.has_pack_years,
                            &x->c->patient.pack_years) ||
                    check_keys(x, o, keys)
                ? -1
                : 0;
    x->c->patient.sex = (pn_sex)sex;
    x->c->patient.smoking = (pn_smoking)smoking;
    if (!r && x->c->patient.has_pack_years && x->c->patient.pack_years > 0 &&
        x->c->patient.smoking == PN_SMOKE_NEVER)
        r = fail(x, "pack_years %g contradicts smoking \"never\"", x->c->patient.pack_years);
    pop(x, m);
    return r;
}

static int screening(p *x, json_t *root)
{
    static const char *const keys[] = {"result", "first_negative", "last", NULL};
    json_t *o = json_object_get(root, "tumor_screening");
    x->c->screening.first_negative = x->c->screening.last = PN_NO_DATE;
    if (!o)
        return 0;
    if (!json_is_object(o))
        return wrong_type(x, "tumor_screening", "an object", o);
    size_t m = push(x, ".tumor_screening");
    int result = 0;
    int r = get_enum(x, o, "result", pn__screen_names, &result) ||
                    get_date(x, o, "first_negative", false, &x->c->screening.first_negative) ||
                    get_date(x, o, "last", false, &x->c->screening.last) || check_keys(x, o, keys)
                ? -1
                : 0;
    x->c->screening.result = (pn_screen_result)result;
    if (!r && x->c->screening.first_negative != PN_NO_DATE &&
        x->c->screening.last != PN_NO_DATE &&
        x->c->screening.last < x->c->screening.first_negative)
        r = fail(x, "\"last\" is before \"first_negative\"");
    pop(x, m);
    return r;
}

#define ALLOC_ARRAY(x, field, key)                                                              \
    do {                                                                                        \
        size_t n_ = json_array_size(json_object_get(root, key));                                \
        if (n_ > CASE_MAX_ITEMS)                                                                \
            n_ = 0; /* refused by get_array with a message */                                   \
        if (!((x)->c->field = pn__arena_alloc(&(x)->c->arena, (n_ ? n_ : 1) * sizeof *(x)->c->field))) \
            return nomem(x);                                                                    \
    } while (0)

static int parse_root(p *x, json_t *root)
{
    static const char *const keys[] = {"paraneo",   "id",         "as_of",    "patient",
                                       "findings",  "phenotypes", "antibodies", "labs",
                                       "cancers",   "tumor_screening", "medications",
                                       "treatments", NULL};
    pn_case *c = x->c;
    if (!json_is_object(root))
        return fail(x, "a case must be a JSON object, not %s", type_of(root));
    json_t *tag = json_object_get(root, "paraneo");
    if (!tag)
        return fail(x, "missing \"paraneo\": \"case/1\" (the document type)");
    if (!json_is_string(tag) || strcmp(json_string_value(tag), "case/1") != 0) {
        size_t m = push(x, ".paraneo");
        int r = json_is_string(tag)
                    ? fail(x, "\"%.40s\" is not a supported document type (expected \"case/1\")",
                           json_string_value(tag))
                    : fail(x, "must be the string \"case/1\", not %s", type_of(tag));
        pop(x, m);
        return r;
    }
    if (get_str(x, root, "id", false, &c->id) || get_date(x, root, "as_of", false, &c->as_of) ||
        check_keys(x, root, keys))
        return -1;
    c->as_of_given = c->as_of != PN_NO_DATE;
    if (!c->as_of_given) {
        c->as_of = pn__date_today();
        char d[11];
        pn__date_format(c->as_of, d);
        WARN(x, "$.as_of: not given; durations are counted to today (%s)", d);
    }
    c->findings_given = json_object_get(root, "findings") != NULL;
    c->antibodies_given = json_object_get(root, "antibodies") != NULL;
    c->labs_given = json_object_get(root, "labs") != NULL;
    c->cancers_given = json_object_get(root, "cancers") != NULL;
    c->medications_given = json_object_get(root, "medications") != NULL;
    c->treatments_given = json_object_get(root, "treatments") != NULL;
    ALLOC_ARRAY(x, findings, "findings");
    ALLOC_ARRAY(x, phenotypes, "phenotypes");
    ALLOC_ARRAY(x, antibodies, "antibodies");
    ALLOC_ARRAY(x, labs, "labs");
    ALLOC_ARRAY(x, cancers, "cancers");
    ALLOC_ARRAY(x, medications, "medications");
    ALLOC_ARRAY(x, treatments, "treatments");
    if (patient(x, root) || get_array(x, root, "findings", &c->n_findings, finding) ||
        get_array(x, root, "phenotypes", &c->n_phenotypes, phenotype) ||
        get_array(x, root, "antibodies", &c->n_antibodies, antibody) ||
        get_array(x, root, "labs", &c->n_labs, lab) ||
        get_array(x, root, "cancers", &c->n_cancers, cancer) || screening(x, root) ||
        get_array(x, root, "medications", &c->n_medications, medication) ||
        get_array(x, root, "treatments", &c->n_treatments, treatment))
        return -1;
    return 0;
}

pn_status pn_case_parse(const pn_kb *kb, const char *json, size_t len, pn_case **out,
                        pn_error *err)
{
    *out = NULL;
    if (!kb || (!json && len))
        return pn__error_set(err, PN_EINVAL, "<case>", "$", "no knowledge base or no input");
    if (len > PN_CASE_MAX_BYTES)
        return pn__error_set(err, PN_ETOOBIG, "<case>", "$",
                             "case of %zu bytes is larger than the limit of %u bytes", len,
                             PN_CASE_MAX_BYTES);
    /* a UTF-8 byte-order mark (Windows editors) is not part of the document */
    if (json && len >= 3 && (unsigned char)json[0] == 0xEF && (unsigned char)json[1] == 0xBB &&
        (unsigned char)json[2] == 0xBF) {
        json += 3;
        len -= 3;
    }
    json_error_t je;
    json_t *root = json_loadb(json ? json : "", len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &je);
    if (!root) {
        char why[200];
        return pn__error_set(err, PN_EINVAL, "<case>", "$", "not valid JSON at line %d, column %d: %s",
                             je.line, je.column, pn__json_reason(je.text, why, sizeof why));
    }
    pn_status st = pn__case_from_doc(kb, root, out, err);
    json_decref(root);
    return st;
}

pn_status pn__case_from_doc(const pn_kb *kb, json_t *root, pn_case **out, pn_error *err)
{
    *out = NULL;
    pn_case *c = calloc(1, sizeof *c);
    if (!c)
        return pn__error_set(err, PN_ENOMEM, "<case>", "$", "out of memory");
    pn__arena_init(&c->arena, 16384);
    c->kb = kb;
    p x = {.kb = kb, .c = c, .err = err, .path = "$", .plen = 1};
    int r = parse_root(&x, root);
    if (r) {
        pn_status st = x.oom ? PN_ENOMEM : PN_EINVAL;
        pn_case_free(c);
        return st;
    }
    *out = c;
    return PN_OK;
}

void pn_case_free(pn_case *c)
{
    if (!c)
        return;
    pn__arena_free(&c->arena);
    free(c);
}

const char *pn_case_id(const pn_case *c)
{
    return c->id;
}

size_t pn_case_warning_count(const pn_case *c)
{
    return c->n_warnings;
}

const char *pn_case_warning(const pn_case *c, size_t i)
{
    return i < c->n_warnings ? c->warnings[i] : NULL;
}
